//! IAKerb's messages (draft-ietf-kitten-iakerb, as MIT krb5 1.22 and Windows speak it): the
//! proxy token that carries a KDC message between initiator and acceptor, its header, and the
//! finish that binds the whole conversation into the AP-REQ.
//!
//! Every proxy token has the RFC 2743 framing with the IAKerb OID (1.3.6.1.5.2.5), the token id
//! `05 01`, the DER `IAKERB-HEADER`, then the KDC message's own bytes (AS-REQ, TGS-REQ, AS-REP,
//! TGS-REP or KRB-ERROR; none in a realm-discovery request or answer).

use rasn::prelude::*;

use crate::gss::InitialContextToken;
use crate::kerberos::Checksum;
use crate::{Der, Error};

/// The token id of a proxy token (IAKERB_PROXY).
pub const TOK_PROXY: [u8; 2] = [0x05, 0x01];

/// The extension type of the finish in the 0x8003 authenticator checksum
/// (`GSS_EXTS_FINISHED`), after the bindings, flags and delegation.
pub const EXTENSION_FINISHED: u32 = 2;

/// `IAKERB-HEADER ::= SEQUENCE { target-realm [1] UTF8String, cookie [2] OCTET STRING OPTIONAL,
/// ... }`: the realm whose KDC the message is for (empty in realm discovery), and the
/// acceptor's state, echoed back by the initiator.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct IakerbHeader {
    /// The realm of the KDC (empty: realm discovery).
    #[rasn(tag(explicit(1)))]
    pub target_realm: Utf8String,
    /// Opaque acceptor state.
    #[rasn(tag(explicit(2)))]
    pub cookie: Option<OctetString>,
}

/// `KRB-FINISHED ::= SEQUENCE { gss-mic [1] Checksum, ... }`: the checksum over every IAKerb
/// token of the exchange, keyed with the AP-REQ's subkey (key usage 41).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFinished {
    /// The checksum over the conversation.
    #[rasn(tag(explicit(1)))]
    pub gss_mic: Checksum,
}

/// One proxy token: its header and the KDC message it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IakerbToken {
    /// The header.
    pub header: IakerbHeader,
    /// The KDC message's bytes (empty in realm discovery).
    pub message: Vec<u8>,
}

impl IakerbToken {
    /// The framed token.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut inner = TOK_PROXY.to_vec();
        inner.extend_from_slice(&self.header.to_der()?);
        inner.extend_from_slice(&self.message);
        InitialContextToken::new(crate::oid::IAKERB.to_owned(), inner).encode()
    }

    /// Parses a framed proxy token: the IAKerb OID, the token id, one DER header, the rest as
    /// the message.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let outer = InitialContextToken::decode(bytes)?;
        if *outer.this_mech != *crate::oid::IAKERB {
            return Err(Error::Malformed("not an IAKerb token"));
        }
        let body = outer
            .inner_token
            .strip_prefix(&TOK_PROXY)
            .ok_or(Error::Malformed("not an IAKerb proxy token (05 01)"))?;
        let message = crate::der::check_one(body)?;
        let header_der = body
            .get(..body.len() - message.len())
            .ok_or(Error::Truncated("IAKERB-HEADER"))?;
        Ok(Self {
            header: IakerbHeader::from_der(header_der)?,
            message: message.to_vec(),
        })
    }

    /// Whether `bytes` are framed for IAKerb with the proxy token id (the AP-REQ and AP-REP
    /// that follow carry the IAKerb OID too, with the Kerberos token ids).
    pub fn is_proxy(bytes: &[u8]) -> bool {
        InitialContextToken::decode(bytes).is_ok_and(|t| {
            *t.this_mech == *crate::oid::IAKERB && t.inner_token.starts_with(&TOK_PROXY)
        })
    }
}
