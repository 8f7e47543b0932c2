//! Pre-authentication data (RFC 4120 5.2.7) and Microsoft's PAC requests (MS-KILE 2.2).

use rasn::prelude::*;

use super::{KerberosFlags, KerberosString, KerberosTime, Microseconds};

/// `PA-ENC-TS-ENC ::= SEQUENCE { patimestamp [0] KerberosTime, pausec [1] Microseconds OPTIONAL }`
/// (RFC 4120 5.2.7.2), encrypted in the client key (usage 1) inside PA-ENC-TIMESTAMP.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct PaEncTsEnc {
    /// The client's time.
    #[rasn(tag(explicit(0)))]
    pub patimestamp: KerberosTime,
    /// The client's microseconds.
    #[rasn(tag(explicit(1)))]
    pub pausec: Option<Microseconds>,
}

/// `ETYPE-INFO-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] OCTET STRING OPTIONAL }`
/// (RFC 4120 5.2.7.4), the older form of [`EtypeInfo2Entry`].
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct EtypeInfoEntry {
    /// Encryption type.
    #[rasn(tag(explicit(0)))]
    pub etype: i32,
    /// Salt.
    #[rasn(tag(explicit(1)))]
    pub salt: Option<OctetString>,
}

/// `ETYPE-INFO ::= SEQUENCE OF ETYPE-INFO-ENTRY`.
pub type EtypeInfo = SequenceOf<EtypeInfoEntry>;

/// `ETYPE-INFO2-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] KerberosString OPTIONAL,
/// s2kparams [2] OCTET STRING OPTIONAL }` (RFC 4120 5.2.7.5): the salt and string-to-key
/// parameters to derive the client key with.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct EtypeInfo2Entry {
    /// Encryption type.
    #[rasn(tag(explicit(0)))]
    pub etype: i32,
    /// Salt (default: realm followed by the name components).
    #[rasn(tag(explicit(1)))]
    pub salt: Option<KerberosString>,
    /// String-to-key parameters (for AES, the iteration count as 4 big-endian bytes).
    #[rasn(tag(explicit(2)))]
    pub s2kparams: Option<OctetString>,
}

/// `ETYPE-INFO2 ::= SEQUENCE SIZE (1..MAX) OF ETYPE-INFO2-ENTRY`.
pub type EtypeInfo2 = SequenceOf<EtypeInfo2Entry>;

/// `KERB-PA-PAC-REQUEST ::= SEQUENCE { include-pac [0] BOOLEAN }` (MS-KILE 2.2.3), padata type
/// 128: asks the KDC to include (or leave out) the PAC.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct PaPacRequest {
    /// Whether the PAC is wanted.
    #[rasn(tag(explicit(0)))]
    pub include_pac: bool,
}

/// `PA-PAC-OPTIONS ::= SEQUENCE { KerberosFlags [0] }` (MS-KILE 2.2.10), padata type 167.
/// Bits: 0 claims, 1 branch-aware, 2 forward-to-full-dc, 3 resource-based constrained delegation.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct PaPacOptions {
    /// The option flags.
    #[rasn(tag(explicit(0)))]
    pub flags: KerberosFlags,
}

/// `PA-FOR-USER ::= SEQUENCE { userName [0] PrincipalName, userRealm [1] Realm, cksum [2]
/// Checksum, auth-package [3] KerberosString }` (MS-SFU 2.2.1), padata type 129: the user a
/// service asks a ticket to itself for (S4U2Self). The checksum is HMAC-MD5 (-138) with the
/// TGT's session key over the name type, the name strings, the realm and "Kerberos".
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct PaForUser {
    /// The user.
    #[rasn(tag(explicit(0)))]
    pub user_name: super::PrincipalName,
    /// The user's realm.
    #[rasn(tag(explicit(1)))]
    pub user_realm: super::KerberosString,
    /// The keyed checksum binding the fields to the TGT's session key.
    #[rasn(tag(explicit(2)))]
    pub cksum: super::Checksum,
    /// "Kerberos".
    #[rasn(tag(explicit(3)))]
    pub auth_package: super::KerberosString,
}

/// `S4UUserID ::= SEQUENCE { nonce [0] UInt32, cname [1] PrincipalName OPTIONAL, crealm [2]
/// Realm, subject-certificate [3] OCTET STRING OPTIONAL, options [4] BIT STRING OPTIONAL, ... }`
/// (MS-SFU 2.2.2): the user of an S4U2Self request, bound to the request by its nonce.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct S4uUserId {
    /// The KDC-REQ-BODY's nonce.
    #[rasn(tag(explicit(0)))]
    pub nonce: u32,
    /// The user.
    #[rasn(tag(explicit(1)))]
    pub cname: Option<super::PrincipalName>,
    /// The user's realm.
    #[rasn(tag(explicit(2)))]
    pub crealm: KerberosString,
    /// The user's certificate (certificate mapping), not sent by Sesame.
    #[rasn(tag(explicit(3)))]
    pub subject_certificate: Option<OctetString>,
    /// Options: bit 1 (0x4000_0000) check logon hours, bit 2 (0x2000_0000) reply
    /// checksummed with key usage 27 ("signed-with-kun-27").
    #[rasn(tag(explicit(4)))]
    pub options: Option<KerberosFlags>,
}

/// `PA-S4U-X509-USER ::= SEQUENCE { user-id [0] S4UUserID, checksum [1] Checksum }` (MS-SFU
/// 2.2.2), padata type 130, in an S4U2Self TGS-REQ and echoed in its TGS-REP. The checksum is
/// over the DER of `user-id`, keyed with the request's subkey (MIT; the TGT's session key
/// without one), usage 26 in the request and 27 in a reply to a request with bit 2 set.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct PaS4uX509User {
    /// The user.
    #[rasn(tag(explicit(0)))]
    pub user_id: S4uUserId,
    /// The keyed checksum over `user_id`.
    #[rasn(tag(explicit(1)))]
    pub checksum: super::Checksum,
}
