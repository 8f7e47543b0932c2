//! The client/server authentication exchange (RFC 4120 5.5).

use rasn::prelude::*;

use super::{
    AuthorizationData, Checksum, EncryptedData, EncryptionKey, KerberosFlags, KerberosTime,
    Microseconds, PrincipalName, Realm, Ticket,
};

/// `APOptions ::= KerberosFlags`; bit numbers are in [`super::constants::ap_options`].
pub type ApOptions = KerberosFlags;

/// `AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0], msg-type [1], ap-options [2], ticket [3],
/// authenticator [4] EncryptedData }` (RFC 4120 5.5.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 14)))]
pub struct ApReq {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 14.
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// USE-SESSION-KEY (user-to-user), MUTUAL-REQUIRED.
    #[rasn(tag(explicit(2)))]
    pub ap_options: ApOptions,
    /// The service ticket.
    #[rasn(tag(explicit(3)))]
    pub ticket: Ticket,
    /// [`Authenticator`], encrypted in the ticket's session key (usage 11, or 7 in a TGS-REQ).
    #[rasn(tag(explicit(4)))]
    pub authenticator: EncryptedData,
}

/// `Authenticator ::= [APPLICATION 2] SEQUENCE { ... }` (RFC 4120 5.5.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 2)))]
pub struct Authenticator {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub authenticator_vno: i32,
    /// The client's realm.
    #[rasn(tag(explicit(1)))]
    pub crealm: Realm,
    /// The client's name.
    #[rasn(tag(explicit(2)))]
    pub cname: PrincipalName,
    /// For GSS-API, the 0x8003 checksum of RFC 4121 4.1.1 (flags, channel bindings, delegation).
    #[rasn(tag(explicit(3)))]
    pub cksum: Option<Checksum>,
    /// Microseconds of the client's time.
    #[rasn(tag(explicit(4)))]
    pub cusec: Microseconds,
    /// The client's time.
    #[rasn(tag(explicit(5)))]
    pub ctime: KerberosTime,
    /// A sub-session key proposed by the client.
    #[rasn(tag(explicit(6)))]
    pub subkey: Option<EncryptionKey>,
    /// The client's initial sequence number.
    #[rasn(tag(explicit(7)))]
    pub seq_number: Option<u32>,
    /// Authorization data (e.g. KERB-AD-RESTRICTION-ENTRY inside AD-IF-RELEVANT).
    #[rasn(tag(explicit(8)))]
    pub authorization_data: Option<AuthorizationData>,
}

/// `AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0], msg-type [1], enc-part [2] EncryptedData }`
/// (RFC 4120 5.5.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 15)))]
pub struct ApRep {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 15.
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// [`EncApRepPart`], encrypted in the session key with usage 12.
    #[rasn(tag(explicit(2)))]
    pub enc_part: EncryptedData,
}

/// `EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0], cusec [1], subkey [2] OPTIONAL,
/// seq-number [3] OPTIONAL }` (RFC 4120 5.5.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 27)))]
pub struct EncApRepPart {
    /// The client's time from the authenticator.
    #[rasn(tag(explicit(0)))]
    pub ctime: KerberosTime,
    /// The client's microseconds from the authenticator.
    #[rasn(tag(explicit(1)))]
    pub cusec: Microseconds,
    /// The acceptor's subkey.
    #[rasn(tag(explicit(2)))]
    pub subkey: Option<EncryptionKey>,
    /// The acceptor's initial sequence number.
    #[rasn(tag(explicit(3)))]
    pub seq_number: Option<u32>,
}
