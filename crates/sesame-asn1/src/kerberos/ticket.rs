//! Tickets (RFC 4120 5.3).

use rasn::prelude::*;

use super::{
    AuthorizationData, EncryptedData, EncryptionKey, HostAddresses, KerberosFlags, KerberosTime,
    PrincipalName, Realm,
};

/// `TicketFlags ::= KerberosFlags`; bit numbers are in [`super::constants::ticket_flags`].
pub type TicketFlags = KerberosFlags;

/// `Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0] INTEGER (5), realm [1] Realm, sname [2]
/// PrincipalName, enc-part [3] EncryptedData }` (RFC 4120 5.3).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 1)))]
pub struct Ticket {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub tkt_vno: i32,
    /// The realm of the service (and of the KDC that issued the ticket).
    #[rasn(tag(explicit(1)))]
    pub realm: Realm,
    /// The service principal.
    #[rasn(tag(explicit(2)))]
    pub sname: PrincipalName,
    /// [`EncTicketPart`], encrypted in the service key with key usage 2.
    #[rasn(tag(explicit(3)))]
    pub enc_part: EncryptedData,
}

/// `EncTicketPart ::= [APPLICATION 3] SEQUENCE { ... }` (RFC 4120 5.3), the part of a ticket
/// that only the service (and the KDC) can read.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 3)))]
pub struct EncTicketPart {
    /// Ticket flags.
    #[rasn(tag(explicit(0)))]
    pub flags: TicketFlags,
    /// The session key shared by client and service.
    #[rasn(tag(explicit(1)))]
    pub key: EncryptionKey,
    /// The client's realm.
    #[rasn(tag(explicit(2)))]
    pub crealm: Realm,
    /// The client's name.
    #[rasn(tag(explicit(3)))]
    pub cname: PrincipalName,
    /// The realms crossed on the way.
    #[rasn(tag(explicit(4)))]
    pub transited: TransitedEncoding,
    /// When the client first authenticated.
    #[rasn(tag(explicit(5)))]
    pub authtime: KerberosTime,
    /// When the ticket becomes valid, when not `authtime`.
    #[rasn(tag(explicit(6)))]
    pub starttime: Option<KerberosTime>,
    /// When the ticket expires.
    #[rasn(tag(explicit(7)))]
    pub endtime: KerberosTime,
    /// The renewal limit of a renewable ticket.
    #[rasn(tag(explicit(8)))]
    pub renew_till: Option<KerberosTime>,
    /// Addresses the ticket may be used from.
    #[rasn(tag(explicit(9)))]
    pub caddr: Option<HostAddresses>,
    /// Restrictions and the PAC.
    #[rasn(tag(explicit(10)))]
    pub authorization_data: Option<AuthorizationData>,
}

/// `TransitedEncoding ::= SEQUENCE { tr-type [0] Int32, contents [1] OCTET STRING }`
/// (RFC 4120 5.3).
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TransitedEncoding {
    /// 1 is DOMAIN-X500-COMPRESS.
    #[rasn(tag(explicit(0)))]
    pub tr_type: i32,
    /// The encoded realm list.
    #[rasn(tag(explicit(1)))]
    pub contents: OctetString,
}
