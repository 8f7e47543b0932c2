//! The user-to-user TGT exchange (MS-KILE 2.2.1, 2.2.2; draft-ietf-cat-user2user).

use rasn::prelude::*;

use super::{PrincipalName, Realm, Ticket};

/// `KERB-TGT-REQUEST ::= SEQUENCE { pvno [0] INTEGER, msg-type [1] INTEGER, server-name [2]
/// PrincipalName OPTIONAL, realm [3] Realm OPTIONAL }` (MS-KILE 2.2.1), msg-type 16: the
/// initiator asks the acceptor for its TGT. Carried after the token id `04 00`.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KerbTgtRequest {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 16 (KRB_TGT_REQ).
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// The acceptor's name, when the initiator knows it.
    #[rasn(tag(explicit(2)))]
    pub server_name: Option<PrincipalName>,
    /// The acceptor's realm.
    #[rasn(tag(explicit(3)))]
    pub realm: Option<Realm>,
}

/// `KERB-TGT-REPLY ::= SEQUENCE { pvno [0] INTEGER, msg-type [1] INTEGER, ticket [2] Ticket }`
/// (MS-KILE 2.2.2), msg-type 17: the acceptor's TGT, which the initiator sends to its KDC with
/// ENC-TKT-IN-SKEY. Carried after the token id `04 01`.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KerbTgtReply {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// Always 17 (KRB_TGT_REP).
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// The acceptor's TGT.
    #[rasn(tag(explicit(2)))]
    pub ticket: Ticket,
}
