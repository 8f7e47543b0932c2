//! FAST, the flexible authentication secure tunnel (RFC 6113 5.4): an armored AS or TGS
//! request and the KDC's armored reply, and the encrypted challenge that replaces encrypted
//! timestamp inside it (5.4.6).

use rasn::prelude::*;

use super::{
    Checksum, EncryptedData, EncryptionKey, KdcReqBody, KerberosFlags, KerberosTime, Microseconds,
    PaData, PrincipalName, Realm,
};

/// `KrbFastArmor ::= SEQUENCE { armor-type [0] Int32, armor-value [1] OCTET STRING, ... }`:
/// the armor; type 1 (FX_FAST_ARMOR_AP_REQUEST) carries an AP-REQ with an armor TGT.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFastArmor {
    /// 1: an AP-REQ.
    #[rasn(tag(explicit(0)))]
    pub armor_type: i32,
    /// The AP-REQ DER.
    #[rasn(tag(explicit(1)))]
    pub armor_value: OctetString,
}

/// `KrbFastArmoredReq ::= SEQUENCE { armor [0] KrbFastArmor OPTIONAL, req-checksum [1] Checksum,
/// enc-fast-req [2] EncryptedData -- KrbFastReq --, ... }`: the checksum is over the outer
/// KDC-REQ-BODY with the armor key (usage 50), the inner request sealed in it (usage 51). A
/// TGS request has no armor: its PA-TGS-REQ is the armor.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFastArmoredReq {
    /// The armor (AS requests).
    #[rasn(tag(explicit(0)))]
    pub armor: Option<KrbFastArmor>,
    /// Over the outer request body.
    #[rasn(tag(explicit(1)))]
    pub req_checksum: Checksum,
    /// The sealed [`KrbFastReq`].
    #[rasn(tag(explicit(2)))]
    pub enc_fast_req: EncryptedData,
}

/// `PA-FX-FAST-REQUEST ::= CHOICE { armored-data [0] KrbFastArmoredReq, ... }` (padata 136).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(choice)]
pub enum PaFxFastRequest {
    /// The armored request.
    #[rasn(tag(explicit(0)))]
    ArmoredData(KrbFastArmoredReq),
}

/// `KrbFastReq ::= SEQUENCE { fast-options [0] FastOptions, padata [1] SEQUENCE OF PA-DATA,
/// req-body [2] KDC-REQ-BODY, ... }`: the real request, its padata hidden in the tunnel.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFastReq {
    /// FastOptions (bit 1 hide-client-names; bits 0-15 critical).
    #[rasn(tag(explicit(0)))]
    pub fast_options: KerberosFlags,
    /// The request's pre-authentication.
    #[rasn(tag(explicit(1)))]
    pub padata: SequenceOf<PaData>,
    /// The request body.
    #[rasn(tag(explicit(2)))]
    pub req_body: KdcReqBody,
}

/// `KrbFastArmoredRep ::= SEQUENCE { enc-fast-rep [0] EncryptedData -- KrbFastResponse --, ... }`.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFastArmoredRep {
    /// The sealed [`KrbFastResponse`] (armor key, usage 52).
    #[rasn(tag(explicit(0)))]
    pub enc_fast_rep: EncryptedData,
}

/// `PA-FX-FAST-REPLY ::= CHOICE { armored-data [0] KrbFastArmoredRep, ... }` (padata 136 in a
/// reply or in a KRB-ERROR's METHOD-DATA).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(choice)]
pub enum PaFxFastReply {
    /// The armored reply.
    #[rasn(tag(explicit(0)))]
    ArmoredData(KrbFastArmoredRep),
}

/// `KrbFastResponse ::= SEQUENCE { padata [0] SEQUENCE OF PA-DATA, strengthen-key [1]
/// EncryptionKey OPTIONAL, finished [2] KrbFastFinished OPTIONAL, nonce [3] UInt32, ... }`: the
/// KDC's real padata (in an error: PA-FX-ERROR with the real KRB-ERROR, ETYPE-INFO2,
/// PA-FX-COOKIE), the key that strengthens the reply key, and the proof over the ticket.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFastResponse {
    /// The reply's padata.
    #[rasn(tag(explicit(0)))]
    pub padata: SequenceOf<PaData>,
    /// Mixed into the reply key with KRB-FX-CF2 ("strengthenkey", "replykey").
    #[rasn(tag(explicit(1)))]
    pub strengthen_key: Option<EncryptionKey>,
    /// In a successful reply.
    #[rasn(tag(explicit(2)))]
    pub finished: Option<KrbFastFinished>,
    /// The request's nonce.
    #[rasn(tag(explicit(3)))]
    pub nonce: u32,
}

/// `KrbFastFinished ::= SEQUENCE { timestamp [0] KerberosTime, usec [1] Microseconds, crealm [2]
/// Realm, cname [3] PrincipalName, ticket-checksum [4] Checksum, ... }`: the client's name as
/// the KDC authenticated it and a checksum over the ticket (armor key, usage 53).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KrbFastFinished {
    /// The KDC's time.
    #[rasn(tag(explicit(0)))]
    pub timestamp: KerberosTime,
    /// Its microseconds.
    #[rasn(tag(explicit(1)))]
    pub usec: Microseconds,
    /// The client's realm.
    #[rasn(tag(explicit(2)))]
    pub crealm: Realm,
    /// The client's name.
    #[rasn(tag(explicit(3)))]
    pub cname: PrincipalName,
    /// Over the reply's Ticket DER.
    #[rasn(tag(explicit(4)))]
    pub ticket_checksum: Checksum,
}
