//! Authorization-data containers (RFC 4120 5.2.6) and KERB-AD-RESTRICTION-ENTRY (MS-KILE 2.2.6).

use rasn::prelude::*;

use super::{AuthorizationData, Checksum, PrincipalName, Realm};

/// `AD-IF-RELEVANT ::= AuthorizationData` (RFC 4120 5.2.6.1): elements a server may ignore when
/// it does not understand them. Active Directory puts the PAC (ad-type 128) in here.
pub type AdIfRelevant = AuthorizationData;

/// `AD-MANDATORY-FOR-KDC ::= AuthorizationData` (RFC 4120 5.2.6.4).
pub type AdMandatoryForKdc = AuthorizationData;

/// `AD-KDCIssued ::= SEQUENCE { ad-checksum [0] Checksum, i-realm [1] Realm OPTIONAL, i-sname [2]
/// PrincipalName OPTIONAL, elements [3] AuthorizationData }` (RFC 4120 5.2.6.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct AdKdcIssued {
    /// Checksum over `elements`, in the service key.
    #[rasn(tag(explicit(0)))]
    pub ad_checksum: Checksum,
    /// Issuing realm.
    #[rasn(tag(explicit(1)))]
    pub i_realm: Option<Realm>,
    /// Issuing service.
    #[rasn(tag(explicit(2)))]
    pub i_sname: Option<PrincipalName>,
    /// The protected elements.
    #[rasn(tag(explicit(3)))]
    pub elements: AuthorizationData,
}

/// `AD-AND-OR ::= SEQUENCE { condition-count [0] Int32, elements [1] AuthorizationData }`
/// (RFC 4120 5.2.6.3).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct AdAndOr {
    /// How many of `elements` must be satisfied.
    #[rasn(tag(explicit(0)))]
    pub condition_count: i32,
    /// The alternatives.
    #[rasn(tag(explicit(1)))]
    pub elements: AuthorizationData,
}

/// `KERB-AD-RESTRICTION-ENTRY ::= SEQUENCE { restriction-type [0] Int32, restriction [1] OCTET
/// STRING }` (MS-KILE 2.2.6), ad-type 141 inside AD-IF-RELEVANT: the LSAP_TOKEN_INFO_INTEGRITY
/// a Windows client puts in its authenticator (restriction type 0).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KerbAdRestrictionEntry {
    /// 0: LSAP_TOKEN_INFO_INTEGRITY.
    #[rasn(tag(explicit(0)))]
    pub restriction_type: i32,
    /// The restriction, a little-endian binary structure.
    #[rasn(tag(explicit(1)))]
    pub restriction: OctetString,
}

/// `KERB-AD-RESTRICTION-ENTRY`s come as a SEQUENCE OF (MS-KILE 2.2.6).
pub type KerbAdRestrictions = SequenceOf<KerbAdRestrictionEntry>;
