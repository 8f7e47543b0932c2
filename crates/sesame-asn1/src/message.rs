//! Recognising a message from its first bytes, for tools that are handed bytes of unknown kind
//! (the `sesame decode` command, the conformance recorder, the fuzzers).

use rasn::types::ObjectIdentifier;

use crate::gss::{InitialContextToken, KerberosContextToken};
use crate::kerberos::{
    ApRep, ApReq, AsRep, AsReq, KrbCred, KrbError, KrbPriv, KrbSafe, TgsRep, TgsReq,
};
use crate::spnego::NegotiationToken;
use crate::{Der, Error, oid};

/// Any top-level message this crate knows, recognised by its outer tag.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum AnyMessage {
    /// `[APPLICATION 10]`.
    AsReq(AsReq),
    /// `[APPLICATION 11]`.
    AsRep(AsRep),
    /// `[APPLICATION 12]`.
    TgsReq(TgsReq),
    /// `[APPLICATION 13]`.
    TgsRep(TgsRep),
    /// `[APPLICATION 14]`, unframed (as inside PA-TGS-REQ or a DCE-style exchange).
    ApReq(ApReq),
    /// `[APPLICATION 15]`, unframed.
    ApRep(ApRep),
    /// `[APPLICATION 20]`.
    KrbSafe(KrbSafe),
    /// `[APPLICATION 21]`.
    KrbPriv(KrbPriv),
    /// `[APPLICATION 22]`.
    KrbCred(KrbCred),
    /// `[APPLICATION 30]`.
    KrbError(KrbError),
    /// A GSS-framed Kerberos (or user-to-user) context token.
    GssKerberos {
        /// The framing's mechanism OID (Kerberos, MS Kerberos or user-to-user).
        mech: ObjectIdentifier,
        /// The token.
        token: KerberosContextToken,
    },
    /// An IAKerb proxy token: its header and the KDC message it carries (decode that with
    /// [`AnyMessage::decode`] too).
    Iakerb(crate::iakerb::IakerbToken),
    /// A GSS-framed SPNEGO token (the initial one).
    SpnegoInitial(NegotiationToken),
    /// A bare SPNEGO token (every later one).
    SpnegoSubsequent(NegotiationToken),
    /// A raw NTLMSSP message (`NTLMSSP\0` + type), which this crate does not decode; sesame-ntlm
    /// does. Kept as bytes so it re-encodes exactly.
    Ntlmssp(Vec<u8>),
}

impl AnyMessage {
    /// Recognises and decodes `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        Ok(match bytes.first() {
            Some(0x6a) => Self::AsReq(AsReq::from_der(bytes)?),
            Some(0x6b) => Self::AsRep(AsRep::from_der(bytes)?),
            Some(0x6c) => Self::TgsReq(TgsReq::from_der(bytes)?),
            Some(0x6d) => Self::TgsRep(TgsRep::from_der(bytes)?),
            Some(0x6e) => Self::ApReq(ApReq::from_der(bytes)?),
            Some(0x6f) => Self::ApRep(ApRep::from_der(bytes)?),
            Some(0x74) => Self::KrbSafe(KrbSafe::from_der(bytes)?),
            Some(0x75) => Self::KrbPriv(KrbPriv::from_der(bytes)?),
            Some(0x76) => Self::KrbCred(KrbCred::from_der(bytes)?),
            Some(0x7e) => Self::KrbError(KrbError::from_der(bytes)?),
            Some(0xa0 | 0xa1) => Self::SpnegoSubsequent(NegotiationToken::from_der(bytes)?),
            Some(0x60) => {
                let framed = InitialContextToken::decode(bytes)?;
                let mech = framed.this_mech;
                if mech == *oid::SPNEGO {
                    Self::SpnegoInitial(NegotiationToken::from_der(&framed.inner_token)?)
                } else if mech == *oid::IAKERB
                    && framed.inner_token.starts_with(&crate::iakerb::TOK_PROXY)
                {
                    Self::Iakerb(crate::iakerb::IakerbToken::decode(bytes)?)
                } else if mech == *oid::KERBEROS
                    || mech == *oid::MS_KERBEROS
                    || mech == *oid::KERBEROS_U2U
                    || mech == *oid::IAKERB
                {
                    let token = KerberosContextToken::decode_inner(&framed.inner_token)?;
                    Self::GssKerberos { mech, token }
                } else {
                    return Err(Error::Malformed("GSS token for an unknown mechanism"));
                }
            }
            _ if bytes.starts_with(b"NTLMSSP\0") => Self::Ntlmssp(bytes.to_vec()),
            _ => return Err(Error::Malformed("not a message sesame-asn1 recognises")),
        })
    }

    /// Encodes the message in the form it was recognised in.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        match self {
            Self::AsReq(m) => m.to_der(),
            Self::AsRep(m) => m.to_der(),
            Self::TgsReq(m) => m.to_der(),
            Self::TgsRep(m) => m.to_der(),
            Self::ApReq(m) => m.to_der(),
            Self::ApRep(m) => m.to_der(),
            Self::KrbSafe(m) => m.to_der(),
            Self::KrbPriv(m) => m.to_der(),
            Self::KrbCred(m) => m.to_der(),
            Self::KrbError(m) => m.to_der(),
            Self::SpnegoSubsequent(m) => m.to_der(),
            Self::SpnegoInitial(m) => {
                InitialContextToken::new(oid::SPNEGO.to_owned(), m.to_der()?).encode()
            }
            Self::GssKerberos { mech, token } => {
                InitialContextToken::new(mech.clone(), token.encode_inner()?).encode()
            }
            Self::Iakerb(t) => t.encode(),
            Self::Ntlmssp(b) => Ok(b.clone()),
        }
    }

    /// A short name for the message kind, e.g. `AS-REQ`, `SPNEGO NegTokenResp`.
    pub fn kind(&self) -> &'static str {
        let spnego = |t: &NegotiationToken| match t {
            NegotiationToken::NegTokenInit(_) => "SPNEGO NegTokenInit",
            NegotiationToken::NegTokenResp(_) => "SPNEGO NegTokenResp",
        };
        match self {
            Self::AsReq(_) => "AS-REQ",
            Self::AsRep(_) => "AS-REP",
            Self::TgsReq(_) => "TGS-REQ",
            Self::TgsRep(_) => "TGS-REP",
            Self::ApReq(_) => "AP-REQ",
            Self::ApRep(_) => "AP-REP",
            Self::KrbSafe(_) => "KRB-SAFE",
            Self::KrbPriv(_) => "KRB-PRIV",
            Self::KrbCred(_) => "KRB-CRED",
            Self::KrbError(_) => "KRB-ERROR",
            Self::GssKerberos { token, .. } => match token {
                KerberosContextToken::ApReq(_) => "GSS Kerberos AP-REQ",
                KerberosContextToken::ApRep(_) => "GSS Kerberos AP-REP",
                KerberosContextToken::KrbError(_) => "GSS Kerberos KRB-ERROR",
                KerberosContextToken::TgtReq(_) => "GSS Kerberos TGT-REQ",
                KerberosContextToken::TgtRep(_) => "GSS Kerberos TGT-REP",
            },
            Self::Iakerb(_) => "IAKerb proxy",
            Self::SpnegoInitial(t) | Self::SpnegoSubsequent(t) => spnego(t),
            Self::Ntlmssp(_) => "NTLMSSP",
        }
    }
}
