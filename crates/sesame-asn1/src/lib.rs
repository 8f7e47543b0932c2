//! Every message Sesame puts on the wire, as typed Rust values with DER encoding and decoding.
//!
//! - [`kerberos`]: RFC 4120 section 5 and its ASN.1 module, plus what Active Directory adds
//!   (PA-PAC-REQUEST, PA-PAC-OPTIONS, KERB-AD-RESTRICTION-ENTRY) and the user-to-user
//!   KERB-TGT-REQUEST / KERB-TGT-REPLY of MS-KILE 2.2.1 and 2.2.2.
//! - [`spnego`]: RFC 4178 with Microsoft's NegTokenInit2 (MS-SPNG 2.2.1).
//! - [`gss`]: the RFC 2743 section 3.1 InitialContextToken framing and the RFC 4121 token ids.
//! - [`kkdcp`]: the KDC-PROXY-MESSAGE of MS-KKDCP 2.2.2.
//! - [`oid`]: the object identifiers of the mechanisms.
//!
//! Every type implements [`Der`]: `T::from_der(bytes)` and `value.to_der()`. Decoding is total:
//! any byte string gives a value or an [`Error`], never a panic, and `to_der(from_der(x)) == x`
//! for every DER input. Decoding is also strict: input that is not canonical DER is refused,
//! so a message cannot be accepted in one form and passed on in another.
//!
//! ```
//! use sesame_asn1::Der;
//! use sesame_asn1::kerberos::{KerberosTime, PrincipalName, constants::name_type};
//!
//! let name = PrincipalName::new(name_type::NT_PRINCIPAL, ["пользователь"]);
//! let der = name.to_der()?;
//! assert_eq!(PrincipalName::from_der(&der)?, name);
//!
//! let t = KerberosTime::from_unix(1_795_674_471).expect("in range");
//! assert_eq!(t.to_string(), "20261126062751Z");
//! # Ok::<(), sesame_asn1::Error>(())
//! ```
//!
//! The Kerberos types are written here rather than taken from `rasn-kerberos`, because its
//! `KerberosString` is an ASN.1 GeneralString that refuses the bytes 0x80-0xA0, so it cannot carry
//! the UTF-8 principal names that Active Directory sends. See [`kerberos::KerberosString`].
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]
// rasn's derive macros expand to code these pedantic lints flag; it is not ours to change.
#![allow(clippy::no_effect_underscore_binding, clippy::too_many_lines)]

pub mod credssp;
mod der;
mod error;
pub mod gss;
pub mod iakerb;
pub mod kerberos;
pub mod kkdcp;
pub mod kpasswd;
pub mod message;
pub mod oid;
pub mod spnego;

pub use error::Error;
pub use rasn::types::{ObjectIdentifier, OctetString};

/// DER encoding and decoding, for every message type of this crate.
pub trait Der: Sized {
    /// Decodes exactly one DER value; trailing bytes are an error.
    fn from_der(bytes: &[u8]) -> Result<Self, Error>;
    /// Encodes the value in DER.
    fn to_der(&self) -> Result<Vec<u8>, Error>;
}

impl<T: rasn::Decode + rasn::Encode> Der for T {
    fn from_der(bytes: &[u8]) -> Result<Self, Error> {
        der::check_structure(bytes)?;
        rasn::der::decode(bytes).map_err(Error::from)
    }

    fn to_der(&self) -> Result<Vec<u8>, Error> {
        rasn::der::encode(self).map_err(Error::from)
    }
}
