//! KRB-ERROR (RFC 4120 5.9.1) and the e-data it carries.

use rasn::prelude::*;

use super::{KerberosString, KerberosTime, Microseconds, PaData, PrincipalName, Realm};

/// `KRB-ERROR ::= [APPLICATION 30] SEQUENCE { ... }` (RFC 4120 5.9.1).
///
/// The error code is kept as the raw `i32`; [`super::constants::error_code`] names them.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 30)))]
pub struct KrbError {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 30.
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// The client's time, echoed.
    #[rasn(tag(explicit(2)))]
    pub ctime: Option<KerberosTime>,
    /// The client's microseconds, echoed.
    #[rasn(tag(explicit(3)))]
    pub cusec: Option<Microseconds>,
    /// The server's time (what clock-skew correction uses).
    #[rasn(tag(explicit(4)))]
    pub stime: KerberosTime,
    /// The server's microseconds.
    #[rasn(tag(explicit(5)))]
    pub susec: Microseconds,
    /// The error code.
    #[rasn(tag(explicit(6)))]
    pub error_code: i32,
    /// The client's realm.
    #[rasn(tag(explicit(7)))]
    pub crealm: Option<Realm>,
    /// The client's name.
    #[rasn(tag(explicit(8)))]
    pub cname: Option<PrincipalName>,
    /// The server's realm.
    #[rasn(tag(explicit(9)))]
    pub realm: Realm,
    /// The server's name.
    #[rasn(tag(explicit(10)))]
    pub sname: PrincipalName,
    /// Human-readable text.
    #[rasn(tag(explicit(11)))]
    pub e_text: Option<KerberosString>,
    /// Extra data: a [`MethodData`] for KDC_ERR_PREAUTH_REQUIRED, usually a [`TypedData`]
    /// otherwise.
    #[rasn(tag(explicit(12)))]
    pub e_data: Option<OctetString>,
}

/// `METHOD-DATA ::= SEQUENCE OF PA-DATA` (RFC 4120 5.9.1), the e-data of
/// KDC_ERR_PREAUTH_REQUIRED that lists acceptable pre-authentication.
pub type MethodData = SequenceOf<PaData>;

/// `TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { data-type [0] Int32, data-value [1] OCTET
/// STRING OPTIONAL }` (RFC 4120 5.9.1).
pub type TypedData = SequenceOf<TypedDataEntry>;

/// One element of [`TypedData`].
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct TypedDataEntry {
    /// What `data_value` is (e.g. TD-PADATA 22, or an NTSTATUS carrier from Active Directory).
    #[rasn(tag(explicit(0)))]
    pub data_type: i32,
    /// The data.
    #[rasn(tag(explicit(1)))]
    pub data_value: Option<OctetString>,
}
