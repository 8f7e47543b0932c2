//! The AS and TGS exchanges (RFC 4120 5.4).

use rasn::prelude::*;

use super::{
    EncryptedData, EncryptionKey, HostAddresses, KerberosFlags, KerberosTime, LastReq, PaData,
    PrincipalName, Realm, Ticket, TicketFlags,
};
use crate::{Der, Error};

/// `KDCOptions ::= KerberosFlags`; bit numbers are in [`super::constants::kdc_options`].
pub type KdcOptions = KerberosFlags;

/// `AS-REQ ::= [APPLICATION 10] KDC-REQ` (RFC 4120 5.4.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 10)), delegate)]
pub struct AsReq(pub KdcReq);

/// `TGS-REQ ::= [APPLICATION 12] KDC-REQ` (RFC 4120 5.4.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 12)), delegate)]
pub struct TgsReq(pub KdcReq);

/// `KDC-REQ ::= SEQUENCE { pvno [1] INTEGER (5), msg-type [2] INTEGER, padata [3] SEQUENCE OF
/// PA-DATA OPTIONAL, req-body [4] KDC-REQ-BODY }` (RFC 4120 5.4.1). Tags start at 1.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KdcReq {
    /// Always 5.
    #[rasn(tag(explicit(1)))]
    pub pvno: i32,
    /// 10 (AS-REQ) or 12 (TGS-REQ).
    #[rasn(tag(explicit(2)))]
    pub msg_type: i32,
    /// Pre-authentication data (PA-ENC-TIMESTAMP, PA-TGS-REQ, PA-PAC-REQUEST, ...).
    #[rasn(tag(explicit(3)))]
    pub padata: Option<SequenceOf<PaData>>,
    /// The request proper.
    #[rasn(tag(explicit(4)))]
    pub req_body: KdcReqBody,
}

/// `KDC-REQ-BODY` (RFC 4120 5.4.1).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KdcReqBody {
    /// Requested options.
    #[rasn(tag(explicit(0)))]
    pub kdc_options: KdcOptions,
    /// The client (AS-REQ only).
    #[rasn(tag(explicit(1)))]
    pub cname: Option<PrincipalName>,
    /// The server's realm (and the client's, in an AS-REQ).
    #[rasn(tag(explicit(2)))]
    pub realm: Realm,
    /// The server; absent only with ENC-TKT-IN-SKEY.
    #[rasn(tag(explicit(3)))]
    pub sname: Option<PrincipalName>,
    /// Requested start time of a postdated ticket.
    #[rasn(tag(explicit(4)))]
    pub from: Option<KerberosTime>,
    /// Requested end time.
    #[rasn(tag(explicit(5)))]
    pub till: KerberosTime,
    /// Requested renewal limit.
    #[rasn(tag(explicit(6)))]
    pub rtime: Option<KerberosTime>,
    /// Random number that the reply must echo.
    #[rasn(tag(explicit(7)))]
    pub nonce: u32,
    /// Encryption types in order of preference.
    #[rasn(tag(explicit(8)))]
    pub etype: SequenceOf<i32>,
    /// Addresses for the ticket.
    #[rasn(tag(explicit(9)))]
    pub addresses: Option<HostAddresses>,
    /// Authorization data for the ticket, encrypted.
    #[rasn(tag(explicit(10)))]
    pub enc_authorization_data: Option<EncryptedData>,
    /// Extra tickets: the other party's TGT for user-to-user (ENC-TKT-IN-SKEY), or the evidence
    /// ticket for S4U2Proxy.
    #[rasn(tag(explicit(11)))]
    pub additional_tickets: Option<SequenceOf<Ticket>>,
}

/// `AS-REP ::= [APPLICATION 11] KDC-REP` (RFC 4120 5.4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 11)), delegate)]
pub struct AsRep(pub KdcRep);

/// `TGS-REP ::= [APPLICATION 13] KDC-REP` (RFC 4120 5.4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 13)), delegate)]
pub struct TgsRep(pub KdcRep);

/// `KDC-REP ::= SEQUENCE { pvno [0], msg-type [1], padata [2] OPTIONAL, crealm [3], cname [4],
/// ticket [5], enc-part [6] }` (RFC 4120 5.4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KdcRep {
    /// Always 5.
    #[rasn(tag(explicit(0)))]
    pub pvno: i32,
    /// 11 (AS-REP) or 13 (TGS-REP).
    #[rasn(tag(explicit(1)))]
    pub msg_type: i32,
    /// E.g. PA-ETYPE-INFO2 with the salt actually used.
    #[rasn(tag(explicit(2)))]
    pub padata: Option<SequenceOf<PaData>>,
    /// The client's realm.
    #[rasn(tag(explicit(3)))]
    pub crealm: Realm,
    /// The client's name.
    #[rasn(tag(explicit(4)))]
    pub cname: PrincipalName,
    /// The new ticket.
    #[rasn(tag(explicit(5)))]
    pub ticket: Ticket,
    /// [`EncKdcRepPart`], encrypted in the client key (AS, usage 3) or in the TGS session key or
    /// subkey (TGS, usage 8 or 9).
    #[rasn(tag(explicit(6)))]
    pub enc_part: EncryptedData,
}

/// `EncASRepPart ::= [APPLICATION 25] EncKDCRepPart` (RFC 4120 5.4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 25)), delegate)]
pub struct EncAsRepPart(pub EncKdcRepPart);

/// `EncTGSRepPart ::= [APPLICATION 26] EncKDCRepPart` (RFC 4120 5.4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[rasn(tag(explicit(application, 26)), delegate)]
pub struct EncTgsRepPart(pub EncKdcRepPart);

/// `EncKDCRepPart` (RFC 4120 5.4.2, with encrypted-pa-data from RFC 6806 11).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct EncKdcRepPart {
    /// The session key of the new ticket.
    #[rasn(tag(explicit(0)))]
    pub key: EncryptionKey,
    /// Last request times.
    #[rasn(tag(explicit(1)))]
    pub last_req: LastReq,
    /// The nonce of the request.
    #[rasn(tag(explicit(2)))]
    pub nonce: u32,
    /// When the client's key expires.
    #[rasn(tag(explicit(3)))]
    pub key_expiration: Option<KerberosTime>,
    /// The ticket's flags.
    #[rasn(tag(explicit(4)))]
    pub flags: TicketFlags,
    /// Time of initial authentication.
    #[rasn(tag(explicit(5)))]
    pub authtime: KerberosTime,
    /// Start of validity.
    #[rasn(tag(explicit(6)))]
    pub starttime: Option<KerberosTime>,
    /// End of validity.
    #[rasn(tag(explicit(7)))]
    pub endtime: KerberosTime,
    /// Renewal limit.
    #[rasn(tag(explicit(8)))]
    pub renew_till: Option<KerberosTime>,
    /// The service's realm.
    #[rasn(tag(explicit(9)))]
    pub srealm: Realm,
    /// The service's name.
    #[rasn(tag(explicit(10)))]
    pub sname: PrincipalName,
    /// Addresses of the ticket.
    #[rasn(tag(explicit(11)))]
    pub caddr: Option<HostAddresses>,
    /// Encrypted PA-DATA (RFC 6806 11), e.g. PA-REQ-ENC-PA-REP.
    #[rasn(tag(explicit(12)))]
    pub encrypted_pa_data: Option<SequenceOf<PaData>>,
}

impl EncKdcRepPart {
    /// Decodes the plaintext of a KDC-REP enc-part under either application tag.
    ///
    /// RFC 4120 5.4.2 says an AS-REP carries tag 25 and a TGS-REP tag 26, but Active Directory
    /// sends 26 in AS-REPs too, and MIT accepts both; so does this. The tag number that was
    /// found is returned beside the value.
    pub fn from_der_either(bytes: &[u8]) -> Result<(Self, u32), Error> {
        match bytes.first() {
            Some(0x79) => EncAsRepPart::from_der(bytes).map(|p| (p.0, 25)),
            Some(0x7a) => EncTgsRepPart::from_der(bytes).map(|p| (p.0, 26)),
            _ => Err(Error::Malformed(
                "EncKDCRepPart must carry [APPLICATION 25] or [APPLICATION 26]",
            )),
        }
    }
}
