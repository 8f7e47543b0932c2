//! KRB-SAFE, KRB-PRIV and KRB-CRED (RFC 4120 5.6 to 5.8). KRB-CRED carries delegated
//! (forwarded) tickets inside the GSS-API authenticator checksum.

use rasn::prelude::*;

use super::{
    Checksum, EncryptedData, EncryptionKey, HostAddress, HostAddresses, KerberosTime, Microseconds,
    PrincipalName, Realm, Ticket, TicketFlags,
};

/// `KRB-SAFE ::= [APPLICATION 20] SEQUENCE { pvno [0], msg-type [1], safe-body [2], cksum [3] }`
/// (RFC 4120 5.6.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 20)))]
pub struct KrbSafe {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 20.
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// The protected data.
    #[rasn(tag(explicit(2)))]
    pub safe_body: KrbSafeBody,
    /// Keyed checksum over `safe_body`.
    #[rasn(tag(explicit(3)))]
    pub cksum: Checksum,
}

/// `KRB-SAFE-BODY` (RFC 4120 5.6.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbSafeBody {
    /// The application data.
    #[rasn(tag(explicit(0)))]
    pub user_data: OctetString,
    /// Sender's time.
    #[rasn(tag(explicit(1)))]
    pub timestamp: Option<KerberosTime>,
    /// Sender's microseconds.
    #[rasn(tag(explicit(2)))]
    pub usec: Option<Microseconds>,
    /// Sequence number.
    #[rasn(tag(explicit(3)))]
    pub seq_number: Option<u32>,
    /// Sender's address.
    #[rasn(tag(explicit(4)))]
    pub s_address: HostAddress,
    /// Recipient's address.
    #[rasn(tag(explicit(5)))]
    pub r_address: Option<HostAddress>,
}

/// `KRB-PRIV ::= [APPLICATION 21] SEQUENCE { pvno [0], msg-type [1], enc-part [3] }`
/// (RFC 4120 5.7.1; tag 2 is unused).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 21)))]
pub struct KrbPriv {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 21.
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// [`EncKrbPrivPart`], encrypted with usage 13.
    #[rasn(tag(explicit(3)))]
    pub enc_part: EncryptedData,
}

/// `EncKrbPrivPart ::= [APPLICATION 28] SEQUENCE { ... }` (RFC 4120 5.7.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 28)))]
pub struct EncKrbPrivPart {
    /// The application data.
    #[rasn(tag(explicit(0)))]
    pub user_data: OctetString,
    /// Sender's time.
    #[rasn(tag(explicit(1)))]
    pub timestamp: Option<KerberosTime>,
    /// Sender's microseconds.
    #[rasn(tag(explicit(2)))]
    pub usec: Option<Microseconds>,
    /// Sequence number.
    #[rasn(tag(explicit(3)))]
    pub seq_number: Option<u32>,
    /// Sender's address.
    #[rasn(tag(explicit(4)))]
    pub s_address: HostAddress,
    /// Recipient's address.
    #[rasn(tag(explicit(5)))]
    pub r_address: Option<HostAddress>,
}

/// `KRB-CRED ::= [APPLICATION 22] SEQUENCE { pvno [0], msg-type [1], tickets [2], enc-part [3] }`
/// (RFC 4120 5.8.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 22)))]
pub struct KrbCred {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 22.
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// The forwarded tickets.
    #[rasn(tag(explicit(2)))]
    pub tickets: SequenceOf<Ticket>,
    /// [`EncKrbCredPart`], encrypted with usage 14 (or etype 0, unencrypted, as MIT may send).
    #[rasn(tag(explicit(3)))]
    pub enc_part: EncryptedData,
}

/// `EncKrbCredPart ::= [APPLICATION 29] SEQUENCE { ... }` (RFC 4120 5.8.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 29)))]
pub struct EncKrbCredPart {
    /// One entry per ticket, in the same order.
    #[rasn(tag(explicit(0)))]
    pub ticket_info: SequenceOf<KrbCredInfo>,
    /// Nonce.
    #[rasn(tag(explicit(1)))]
    pub nonce: Option<u32>,
    /// Sender's time.
    #[rasn(tag(explicit(2)))]
    pub timestamp: Option<KerberosTime>,
    /// Sender's microseconds.
    #[rasn(tag(explicit(3)))]
    pub usec: Option<Microseconds>,
    /// Sender's address.
    #[rasn(tag(explicit(4)))]
    pub s_address: Option<HostAddress>,
    /// Recipient's address.
    #[rasn(tag(explicit(5)))]
    pub r_address: Option<HostAddress>,
}

/// `KrbCredInfo` (RFC 4120 5.8.1): a ticket's session key and what the client knows of it.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbCredInfo {
    /// The ticket's session key.
    #[rasn(tag(explicit(0)))]
    pub key: EncryptionKey,
    /// Client realm.
    #[rasn(tag(explicit(1)))]
    pub prealm: Option<Realm>,
    /// Client name.
    #[rasn(tag(explicit(2)))]
    pub pname: Option<PrincipalName>,
    /// Ticket flags.
    #[rasn(tag(explicit(3)))]
    pub flags: Option<TicketFlags>,
    /// Authentication time.
    #[rasn(tag(explicit(4)))]
    pub authtime: Option<KerberosTime>,
    /// Start time.
    #[rasn(tag(explicit(5)))]
    pub starttime: Option<KerberosTime>,
    /// End time.
    #[rasn(tag(explicit(6)))]
    pub endtime: Option<KerberosTime>,
    /// Renewal limit.
    #[rasn(tag(explicit(7)))]
    pub renew_till: Option<KerberosTime>,
    /// Service realm.
    #[rasn(tag(explicit(8)))]
    pub srealm: Option<Realm>,
    /// Service name.
    #[rasn(tag(explicit(9)))]
    pub sname: Option<PrincipalName>,
    /// Addresses.
    #[rasn(tag(explicit(10)))]
    pub caddr: Option<HostAddresses>,
}
