//! The client's exchanges with the KDC as sans-IO state machines: [`AsExchange`] for initial
//! tickets (RFC 4120 3.1) and [`TgsExchange`] for service tickets (3.3). Each starts with a
//! request to send and takes the KDC's replies until it has a ticket or an error.

mod as_exchange;
mod fast;
mod tgs_exchange;

use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::kerberos::{EncKdcRepPart, KerberosTime};
use sesame_gss::{Clock, KdcRequest, Random};

pub use as_exchange::{AsExchange, AsOptions, ClientSecret};
pub use tgs_exchange::{TgsExchange, TgsOptions};

use crate::crypto::{Enctype, Key};
use crate::error::KerberosError;
use crate::principal::Principal;
use crate::tickets::IssuedTicket;

/// What an exchange wants next.
#[derive(Debug)]
pub enum KdcStep<T> {
    /// Send this request to a KDC of its realm and feed the reply back.
    Send(KdcRequest),
    /// The exchange is over.
    Done(T),
}

/// KDC options (RFC 4120 5.4.1), as bit numbers.
pub mod kdc_options {
    /// FORWARDABLE.
    pub const FORWARDABLE: usize = 1;
    /// FORWARDED.
    pub const FORWARDED: usize = 2;
    /// PROXIABLE.
    pub const PROXIABLE: usize = 3;
    /// RENEWABLE.
    pub const RENEWABLE: usize = 8;
    /// CNAME-IN-ADDL-TKT (MS-SFU 2.2.3): S4U2Proxy, the client is the evidence ticket's.
    pub const CNAME_IN_ADDL_TKT: usize = 14;
    /// CANONICALIZE (RFC 6806).
    pub const CANONICALIZE: usize = 15;
    /// RENEWABLE-OK.
    pub const RENEWABLE_OK: usize = 27;
    /// ENC-TKT-IN-SKEY (user-to-user).
    pub const ENC_TKT_IN_SKEY: usize = 28;
    /// RENEW: the ticket of the request's authenticator, renewed (RFC 4120 3.3.3).
    pub const RENEW: usize = 30;
}

/// The current time as a KerberosTime and its microseconds.
pub(crate) fn now(clock: &dyn Clock) -> (KerberosTime, u32) {
    let d = clock.now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    (
        KerberosTime::from_unix(secs).unwrap_or(KerberosTime::MAX),
        d.subsec_micros(),
    )
}

/// `now` + `d` as a KerberosTime.
pub(crate) fn later(now: KerberosTime, d: Duration) -> KerberosTime {
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    KerberosTime::from_unix(now.unix().saturating_add(secs)).unwrap_or(KerberosTime::MAX)
}

/// A nonce as MIT draws it: 31 bits, because some KDCs treat it as a signed integer.
pub(crate) fn nonce(rng: &mut dyn Random) -> Result<u32, KerberosError> {
    let mut b = [0u8; 4];
    rng.fill(&mut b).map_err(crate::crypto::CryptoError::from)?;
    Ok(u32::from_be_bytes(b) & 0x7fff_ffff)
}

/// Checks that a reply's client is the one asked for: with CANONICALIZE the KDC may correct
/// the case of the name, nothing more (RFC 6806 5; MIT: KRB5_KDCREP_MODIFIED).
pub(crate) fn check_client(asked: &Principal, got: &Principal) -> Result<(), KerberosError> {
    let same = got.realm.eq_ignore_ascii_case(&asked.realm)
        && got.components.len() == asked.components.len()
        && got
            .components
            .iter()
            .zip(&asked.components)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
    if same {
        Ok(())
    } else {
        Err(KerberosError::ReplyMismatch {
            field: "client",
            expected: asked.to_string(),
            got: got.to_string(),
        })
    }
}

/// The enctype ids of `enctypes`, in order.
pub(crate) fn enctype_ids(enctypes: &[Enctype]) -> Vec<i32> {
    enctypes.iter().map(|e| e.id()).collect()
}

/// The ticket a KDC reply delivers, once its encrypted part is checked against the request.
pub(crate) fn issued(
    client: Principal,
    ticket: sesame_asn1::kerberos::Ticket,
    part: &EncKdcRepPart,
    nonce: u32,
    allow_weak: bool,
    user_to_user: bool,
) -> Result<IssuedTicket, KerberosError> {
    if part.nonce != nonce {
        return Err(KerberosError::ReplyMismatch {
            field: "nonce",
            expected: nonce.to_string(),
            got: part.nonce.to_string(),
        });
    }
    if part.srealm != ticket.realm || part.sname.name_string != ticket.sname.name_string {
        // The encrypted part and the ticket it delivers name different servers (MIT:
        // KRB5_KDCREP_MODIFIED).
        return Err(KerberosError::ReplyMismatch {
            field: "server",
            expected: Principal::from_wire(&ticket.sname, &ticket.realm).to_string(),
            got: Principal::from_wire(&part.sname, &part.srealm).to_string(),
        });
    }
    let enctype = if allow_weak {
        Enctype::from_id_allow_weak(part.key.keytype)?
    } else {
        Enctype::from_id(part.key.keytype)?
    };
    Ok(IssuedTicket {
        client,
        server: Principal::from_wire(&part.sname, &part.srealm),
        session_key: Key::new(enctype, part.key.keyvalue.expose())?,
        ticket,
        flags: part.flags.to_u32(),
        authtime: part.authtime.unix(),
        starttime: part.starttime.map(KerberosTime::unix),
        endtime: part.endtime.unix(),
        renew_till: part.renew_till.map(KerberosTime::unix),
        user_to_user,
    })
}

/// The METHOD-DATA of a KRB-ERROR (empty when absent or undecodable).
pub(crate) fn method_data(
    error: &sesame_asn1::kerberos::KrbError,
) -> sesame_asn1::kerberos::MethodData {
    use sesame_asn1::Der as _;
    error
        .e_data
        .as_deref()
        .and_then(|d| sesame_asn1::kerberos::MethodData::from_der(d).ok())
        .unwrap_or_default()
}

/// An AP-REQ (DER) with `ticket` whose authenticator carries `subkey`, `seq` and no checksum:
/// FAST's armor (RFC 6113 5.4.1) and kpasswd's request (RFC 3244), which bind nothing else.
pub(crate) fn plain_ap_req(
    ticket: &IssuedTicket,
    subkey: &Key,
    seq: Option<u32>,
    clock: &dyn Clock,
    rng: &mut dyn Random,
) -> Result<Vec<u8>, KerberosError> {
    use sesame_asn1::Der as _;
    use sesame_asn1::kerberos::constants::msg_type;
    use sesame_asn1::kerberos::{
        ApReq, Authenticator, EncryptedData, EncryptionKey, KerberosFlags, SecretOctets,
    };
    let session = &ticket.session_key;
    let (ctime, cusec) = now(clock);
    let authenticator = Authenticator {
        authenticator_vno: 5,
        crealm: ticket.client.wire_realm(),
        cname: ticket.client.to_principal_name(),
        cksum: None,
        cusec,
        ctime,
        subkey: Some(EncryptionKey {
            keytype: subkey.enctype().id(),
            keyvalue: SecretOctets::new(subkey.as_bytes().to_vec()),
        }),
        seq_number: seq,
        authorization_data: None,
    }
    .to_der()
    .map_err(KerberosError::decode("Authenticator"))?;
    ApReq {
        pvno: 5,
        msg_type: msg_type::AP_REQ,
        ap_options: KerberosFlags::default(),
        ticket: ticket.ticket.clone(),
        authenticator: EncryptedData {
            etype: session.enctype().id(),
            kvno: None,
            cipher: session
                .usage(crate::key_usage::AP_REQ_AUTH)
                .encrypt(&authenticator, rng)?
                .into(),
        },
    }
    .to_der()
    .map_err(KerberosError::decode("AP-REQ"))
}
