//! GSS-API token framing: the InitialContextToken of RFC 2743 3.1 and the two-byte token ids
//! that RFC 1964 / RFC 4121 put in front of Kerberos messages.

use rasn::types::ObjectIdentifier;

use crate::der::{push_len, read_len};
use crate::kerberos::{ApRep, ApReq, KerbTgtReply, KerbTgtRequest, KrbError};
use crate::{Der, Error};

/// `InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE { thisMech MechType, innerToken
/// ANY DEFINED BY thisMech }` (RFC 2743 3.1).
///
/// The inner token is *not* a TLV for Kerberos (it starts with a two-byte token id), so the
/// framing is written and read by hand: `0x60`, a DER length, the OID's TLV, the raw inner bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialContextToken {
    /// The mechanism the token is for.
    pub this_mech: ObjectIdentifier,
    /// The mechanism's bytes, unframed.
    pub inner_token: Vec<u8>,
}

/// The tag byte of `[APPLICATION 0]` constructed.
const APPLICATION_0: u8 = 0x60;

impl InitialContextToken {
    /// Frames `inner_token` for `this_mech`.
    pub fn new(this_mech: ObjectIdentifier, inner_token: Vec<u8>) -> Self {
        Self {
            this_mech,
            inner_token,
        }
    }

    /// Parses a framed token; the framing must span the input exactly.
    pub fn decode(input: &[u8]) -> Result<Self, Error> {
        let (&tag, rest) = input.split_first().ok_or(Error::Truncated("GSS token"))?;
        if tag != APPLICATION_0 {
            return Err(Error::Malformed(
                "GSS initial context token must start with 0x60",
            ));
        }
        let (len, body) = read_len(rest)?;
        if body.len() != len {
            return Err(if body.len() < len {
                Error::Truncated("GSS token body")
            } else {
                Error::Malformed("bytes after the GSS token")
            });
        }
        if body.first() != Some(&0x06) {
            return Err(Error::Malformed(
                "GSS token must start with the mechanism OID",
            ));
        }
        let inner = crate::der::check_one(body)?;
        let oid_tlv = body.get(..body.len() - inner.len()).unwrap_or_default();
        let this_mech = ObjectIdentifier::from_der(oid_tlv)?;
        Ok(Self {
            this_mech,
            inner_token: inner.to_vec(),
        })
    }

    /// The framed bytes.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let oid = self.this_mech.to_der()?;
        let body_len = oid.len() + self.inner_token.len();
        let mut out = Vec::with_capacity(body_len + 6);
        out.push(APPLICATION_0);
        push_len(&mut out, body_len);
        out.extend_from_slice(&oid);
        out.extend_from_slice(&self.inner_token);
        Ok(out)
    }
}

/// The two-byte TOK_ID of a Kerberos GSS-API token (RFC 4121 4.1 and 4.2.6, RFC 1964 1.1,
/// MS-KILE 3.1.5.8 for the user-to-user ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenId {
    /// `01 00` KRB_AP_REQ.
    ApReq,
    /// `02 00` KRB_AP_REP.
    ApRep,
    /// `03 00` KRB_ERROR.
    KrbError,
    /// `04 00` KERB-TGT-REQUEST (user-to-user).
    TgtReq,
    /// `04 01` KERB-TGT-REPLY (user-to-user).
    TgtRep,
    /// `04 04` RFC 4121 MIC token.
    Mic,
    /// `05 04` RFC 4121 Wrap token.
    Wrap,
}

impl TokenId {
    /// The two bytes on the wire.
    pub const fn bytes(self) -> [u8; 2] {
        match self {
            TokenId::ApReq => [0x01, 0x00],
            TokenId::ApRep => [0x02, 0x00],
            TokenId::KrbError => [0x03, 0x00],
            TokenId::TgtReq => [0x04, 0x00],
            TokenId::TgtRep => [0x04, 0x01],
            TokenId::Mic => [0x04, 0x04],
            TokenId::Wrap => [0x05, 0x04],
        }
    }

    /// The token id of two bytes, if known.
    pub const fn from_bytes(b: [u8; 2]) -> Option<Self> {
        Some(match b {
            [0x01, 0x00] => TokenId::ApReq,
            [0x02, 0x00] => TokenId::ApRep,
            [0x03, 0x00] => TokenId::KrbError,
            [0x04, 0x00] => TokenId::TgtReq,
            [0x04, 0x01] => TokenId::TgtRep,
            [0x04, 0x04] => TokenId::Mic,
            [0x05, 0x04] => TokenId::Wrap,
            _ => return None,
        })
    }

    /// Splits `bytes` into its token id and the rest.
    pub fn split(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (id, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(Error::Truncated("token id"))?;
        let id = Self::from_bytes(*id).ok_or(Error::Malformed("unknown Kerberos token id"))?;
        Ok((id, rest))
    }
}

/// A Kerberos context-establishment token: the inner token of an [`InitialContextToken`] whose
/// mechanism is Kerberos or Kerberos user-to-user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum KerberosContextToken {
    /// `01 00` + AP-REQ.
    ApReq(ApReq),
    /// `02 00` + AP-REP.
    ApRep(ApRep),
    /// `03 00` + KRB-ERROR.
    KrbError(KrbError),
    /// `04 00` + KERB-TGT-REQUEST.
    TgtReq(KerbTgtRequest),
    /// `04 01` + KERB-TGT-REPLY.
    TgtRep(KerbTgtReply),
}

impl KerberosContextToken {
    /// Decodes an inner token (token id + DER message).
    pub fn decode_inner(inner: &[u8]) -> Result<Self, Error> {
        let (id, body) = TokenId::split(inner)?;
        Ok(match id {
            TokenId::ApReq => Self::ApReq(ApReq::from_der(body)?),
            TokenId::ApRep => Self::ApRep(ApRep::from_der(body)?),
            TokenId::KrbError => Self::KrbError(KrbError::from_der(body)?),
            TokenId::TgtReq => Self::TgtReq(KerbTgtRequest::from_der(body)?),
            TokenId::TgtRep => Self::TgtRep(KerbTgtReply::from_der(body)?),
            TokenId::Mic | TokenId::Wrap => {
                return Err(Error::Malformed(
                    "per-message token where a context token was expected",
                ));
            }
        })
    }

    /// The token id of this message.
    pub fn token_id(&self) -> TokenId {
        match self {
            Self::ApReq(_) => TokenId::ApReq,
            Self::ApRep(_) => TokenId::ApRep,
            Self::KrbError(_) => TokenId::KrbError,
            Self::TgtReq(_) => TokenId::TgtReq,
            Self::TgtRep(_) => TokenId::TgtRep,
        }
    }

    /// The inner token: token id followed by the DER message.
    pub fn encode_inner(&self) -> Result<Vec<u8>, Error> {
        let der = match self {
            Self::ApReq(m) => m.to_der()?,
            Self::ApRep(m) => m.to_der()?,
            Self::KrbError(m) => m.to_der()?,
            Self::TgtReq(m) => m.to_der()?,
            Self::TgtRep(m) => m.to_der()?,
        };
        let mut out = Vec::with_capacity(der.len() + 2);
        out.extend_from_slice(&self.token_id().bytes());
        out.extend_from_slice(&der);
        Ok(out)
    }
}
