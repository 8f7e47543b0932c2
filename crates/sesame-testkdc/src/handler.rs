//! How the test KDC answers: AS (RFC 4120 3.1.2-3.1.3) and TGS (3.3.2-3.3.3).

use std::time::UNIX_EPOCH;

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::{error_code, msg_type, pa_type};
use sesame_asn1::kerberos::{
    ApReq, AsRep, AsReq, Authenticator, EncAsRepPart, EncKdcRepPart, EncTgsRepPart, EncTicketPart,
    EncryptedData, EncryptionKey, EtypeInfo2Entry, KdcRep, KdcReq, KdcReqBody, KerberosFlags,
    KerberosString, KerberosTime, KrbError, PaData, PaEncTsEnc, PrincipalName, SecretOctets,
    TgsRep, TgsReq, Ticket, TransitedEncoding,
};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::key_usage;
use sesame_kerberos::pac::{self, pac_authorization_data};
use sesame_kerberos::principal::Principal;

use crate::{Entry, TestKdc};

/// Ticket flags (RFC 4120 5.3).
const FORWARDABLE: usize = 1;
const FORWARDED: usize = 2;
const INITIAL: usize = 9;
const PRE_AUTHENT: usize = 10;
/// KDC options.
const OPT_FORWARDABLE: usize = 1;
const OPT_FORWARDED: usize = 2;
const OPT_ENC_TKT_IN_SKEY: usize = 28;
/// Longest ticket issued.
const MAX_LIFE: i64 = 10 * 3600;
/// Allowed clock skew for pre-authentication.
const SKEW: i64 = 300;

type Answer = Result<Vec<u8>, Failure>;

/// Why a request is refused: the error code and e-text, and e-data when there is one.
struct Failure {
    code: i32,
    text: &'static str,
    e_data: Option<Vec<u8>>,
    sname: Option<PrincipalName>,
}

fn fail(code: i32, text: &'static str) -> Failure {
    Failure {
        code,
        text,
        e_data: None,
        sname: None,
    }
}

pub(crate) fn answer(kdc: &TestKdc, realm: &str, request: &[u8], forced: Option<i32>) -> Vec<u8> {
    let result = match forced {
        Some(code) => Err(fail(code, "fault injected by the test KDC")),
        None => match request.first() {
            Some(0x6a) => AsReq::from_der(request)
                .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "malformed AS-REQ"))
                .and_then(|r| as_exchange(kdc, realm, &r.0)),
            Some(0x6c) => TgsReq::from_der(request)
                .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "malformed TGS-REQ"))
                .and_then(|r| tgs_exchange(kdc, realm, &r.0)),
            _ => Err(fail(error_code::KRB_ERR_GENERIC, "not a KDC request")),
        },
    };
    result.unwrap_or_else(|f| krb_error(kdc, realm, f))
}

fn krb_error(kdc: &TestKdc, realm: &str, f: Failure) -> Vec<u8> {
    let (now, usec) = now(kdc);
    KrbError {
        pvno: 5,
        msg_type: msg_type::ERROR,
        ctime: None,
        cusec: None,
        stime: now,
        susec: usec,
        error_code: f.code,
        crealm: None,
        cname: None,
        realm: KerberosString::from(realm),
        sname: f
            .sname
            .unwrap_or_else(|| Principal::krbtgt(realm, realm).to_principal_name()),
        e_text: Some(KerberosString::from(f.text)),
        e_data: f.e_data.map(Into::into),
    }
    .to_der()
    .unwrap_or_default()
}

fn now(kdc: &TestKdc) -> (KerberosTime, u32) {
    let d = kdc
        .clock()
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        KerberosTime::from_unix(i64::try_from(d.as_secs()).unwrap_or(0))
            .unwrap_or(KerberosTime::MAX),
        d.subsec_micros(),
    )
}

fn principal(name: &PrincipalName, realm: &KerberosString) -> Principal {
    Principal::from_wire(name, realm)
}

/// The first enctype of the request that `entry` has a key of.
fn choose_key(entry: &Entry, etypes: &[i32]) -> Option<Key> {
    etypes
        .iter()
        .find_map(|id| entry.keys.iter().find(|k| k.enctype().id() == *id).cloned())
}

fn encrypt(kdc: &TestKdc, key: &Key, usage: u32, plain: &[u8], kvno: Option<u32>) -> EncryptedData {
    let mut confounder = vec![0u8; key.enctype().confounder_len()];
    kdc.random(&mut confounder);
    EncryptedData {
        etype: key.enctype().id(),
        kvno,
        cipher: key
            .usage(usage)
            .encrypt_with_confounder(&confounder, plain)
            .unwrap_or_default()
            .into(),
    }
}

fn as_exchange(kdc: &TestKdc, realm: &str, req: &KdcReq) -> Answer {
    let body = &req.req_body;
    let cname = body
        .cname
        .as_ref()
        .ok_or_else(|| fail(error_code::KDC_ERR_C_PRINCIPAL_UNKNOWN, "no cname"))?;
    let client = principal(cname, &KerberosString::from(realm));
    let client_entry = kdc
        .entry(&client)
        .ok_or_else(|| fail(error_code::KDC_ERR_C_PRINCIPAL_UNKNOWN, "client not found"))?;
    let sname = body
        .sname
        .as_ref()
        .ok_or_else(|| fail(error_code::KDC_ERR_S_PRINCIPAL_UNKNOWN, "no sname"))?;
    let server = principal(sname, &KerberosString::from(realm));
    let server_entry = kdc
        .entry(&server)
        .ok_or_else(|| fail(error_code::KDC_ERR_S_PRINCIPAL_UNKNOWN, "server not found"))?;
    let reply_key = choose_key(&client_entry, &body.etype)
        .ok_or_else(|| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "no common enctype"))?;
    let etype_info = EtypeInfo2Entry {
        etype: reply_key.enctype().id(),
        salt: Some(KerberosString::from_bytes(client_entry.salt.clone())),
        s2kparams: None,
    };
    let preauthenticated = preauth(kdc, req, &client_entry, etype_info)?;
    let (now, _) = now(kdc);
    let mut flags = KerberosFlags::default();
    flags.set(INITIAL, true);
    flags.set(PRE_AUTHENT, preauthenticated);
    flags.set(FORWARDABLE, body.kdc_options.is_set(OPT_FORWARDABLE));
    let ticket_key = choose_key(&server_entry, &body.etype)
        .or_else(|| server_entry.keys.first().cloned())
        .ok_or_else(|| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "server has no key"))?;
    let (ticket, session_key, endtime) = issue(
        kdc,
        &client,
        &server,
        &ticket_key,
        Some(server_entry.kvno),
        flags.clone(),
        &body.etype,
        body.till,
        None,
    )?;
    let part = EncKdcRepPart {
        key: session_key,
        last_req: Vec::new(),
        nonce: body.nonce,
        key_expiration: None,
        flags,
        authtime: now,
        starttime: Some(now),
        endtime,
        renew_till: None,
        srealm: KerberosString::from(realm),
        sname: sname.clone(),
        caddr: None,
        encrypted_pa_data: None,
    };
    let plain = EncAsRepPart(part)
        .to_der()
        .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "encoding"))?;
    let rep = AsRep(KdcRep {
        pvno: 5,
        msg_type: msg_type::AS_REP,
        padata: None,
        crealm: KerberosString::from(realm),
        cname: cname.clone(),
        ticket,
        enc_part: encrypt(
            kdc,
            &reply_key,
            key_usage::AS_REP_ENC_PART,
            &plain,
            Some(client_entry.kvno),
        ),
    });
    rep.to_der()
        .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "encoding"))
}

/// A ticket for `client` to `server` encrypted in `ticket_key`; returns it, its session key
/// and its end time.
#[allow(clippy::too_many_arguments)]
fn issue(
    kdc: &TestKdc,
    client: &Principal,
    server: &Principal,
    ticket_key: &Key,
    kvno: Option<u32>,
    flags: KerberosFlags,
    etypes: &[i32],
    till: KerberosTime,
    pac_kdc_key: Option<&Key>,
) -> Result<(Ticket, EncryptionKey, KerberosTime), Failure> {
    let (now, _) = now(kdc);
    let session_etype = etypes
        .iter()
        .find_map(|id| Enctype::from_id(*id).ok())
        .ok_or_else(|| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "no session enctype"))?;
    let mut bytes = vec![0u8; session_etype.key_len()];
    kdc.random(&mut bytes);
    let session_key = EncryptionKey {
        keytype: session_etype.id(),
        keyvalue: SecretOctets::new(bytes),
    };
    let endtime = KerberosTime::from_unix(till.unix().min(now.unix() + MAX_LIFE))
        .unwrap_or(KerberosTime::MAX);
    let authorization_data = match pac_kdc_key {
        Some(kdc_key) if kdc.issue_pac => {
            let client_info = sesame_pac::ClientInfo {
                client_id: sesame_pac::FileTime::from_unix(now.unix()),
                name: client.components.join("/"),
            };
            let pac = pac::sign(
                &[(sesame_pac::buffer_type::CLIENT_INFO, client_info.encode())],
                ticket_key,
                kdc_key,
            )
            .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "PAC"))?;
            Some(
                pac_authorization_data(&pac)
                    .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "PAC"))?,
            )
        }
        _ => None,
    };
    let part = EncTicketPart {
        flags,
        key: session_key.clone(),
        crealm: client.wire_realm(),
        cname: client.to_principal_name(),
        transited: TransitedEncoding::default(),
        authtime: now,
        starttime: Some(now),
        endtime,
        renew_till: None,
        caddr: None,
        authorization_data,
    };
    let plain = part
        .to_der()
        .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "encoding"))?;
    let ticket = Ticket {
        tkt_vno: 5,
        realm: server.wire_realm(),
        sname: server.to_principal_name(),
        enc_part: encrypt(kdc, ticket_key, key_usage::TICKET, &plain, kvno),
    };
    Ok((ticket, session_key, endtime))
}

/// Decrypts a ticket issued by this KDC (a TGT, or a second ticket for user-to-user).
fn open_ticket(kdc: &TestKdc, ticket: &Ticket) -> Result<EncTicketPart, Failure> {
    let server = principal(&ticket.sname, &ticket.realm);
    let entry = kdc
        .entry(&server)
        .ok_or_else(|| fail(error_code::KRB_AP_ERR_NOT_US, "ticket not for this KDC"))?;
    let key = entry
        .keys
        .iter()
        .find(|k| k.enctype().id() == ticket.enc_part.etype)
        .ok_or_else(|| fail(error_code::KRB_AP_ERR_NOKEY, "no key for ticket"))?;
    let plain = key
        .usage(key_usage::TICKET)
        .decrypt(&ticket.enc_part.cipher)
        .map_err(|_| {
            fail(
                error_code::KRB_AP_ERR_BAD_INTEGRITY,
                "ticket does not decrypt",
            )
        })?;
    EncTicketPart::from_der(&plain)
        .map_err(|_| fail(error_code::KRB_AP_ERR_BAD_INTEGRITY, "bad EncTicketPart"))
}

fn session_key(part: &EncTicketPart) -> Result<Key, Failure> {
    Enctype::from_id(part.key.keytype)
        .and_then(|e| Key::new(e, part.key.keyvalue.expose()))
        .map_err(|_| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "session key enctype"))
}

fn tgs_exchange(kdc: &TestKdc, realm: &str, req: &KdcReq) -> Answer {
    let (tgt, tgt_key, auth) = authenticate(kdc, realm, req)?;
    let body = &req.req_body;
    let (now, _) = now(kdc);
    let client = principal(&tgt.cname, &tgt.crealm);
    let sname = body
        .sname
        .as_ref()
        .ok_or_else(|| fail(error_code::KDC_ERR_S_PRINCIPAL_UNKNOWN, "no sname"))?;
    let mut flags = KerberosFlags::default();
    flags.set(
        FORWARDABLE,
        tgt.flags.is_set(FORWARDABLE) && body.kdc_options.is_set(OPT_FORWARDABLE),
    );
    if body.kdc_options.is_set(OPT_FORWARDED) {
        if !tgt.flags.is_set(FORWARDABLE) {
            return Err(fail(
                error_code::KDC_ERR_BADOPTION,
                "TGT is not forwardable",
            ));
        }
        flags.set(FORWARDED, true);
    }
    flags.set(PRE_AUTHENT, tgt.flags.is_set(PRE_AUTHENT));
    let krbtgt = kdc
        .entry(&Principal::krbtgt(realm, realm))
        .and_then(|e| e.keys.first().cloned());

    let (server, ticket_key, kvno) = target(kdc, realm, body, sname)?;
    let pac_key = if server.tgs_realm().is_some() {
        None
    } else {
        krbtgt.as_ref()
    };
    let (ticket, session, endtime) = issue(
        kdc,
        &client,
        &server,
        &ticket_key,
        kvno,
        flags.clone(),
        &body.etype,
        body.till.min(tgt.endtime),
        pac_key,
    )?;
    let part = EncKdcRepPart {
        key: session,
        last_req: Vec::new(),
        nonce: body.nonce,
        key_expiration: None,
        flags,
        authtime: tgt.authtime,
        starttime: Some(now),
        endtime,
        renew_till: None,
        srealm: server.wire_realm(),
        sname: server.to_principal_name(),
        caddr: None,
        encrypted_pa_data: None,
    };
    let plain = EncTgsRepPart(part)
        .to_der()
        .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "encoding"))?;
    let enc_part = match &auth.subkey {
        Some(sub) => {
            let key = Enctype::from_id(sub.keytype)
                .and_then(|e| Key::new(e, sub.keyvalue.expose()))
                .map_err(|_| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "subkey"))?;
            encrypt(kdc, &key, key_usage::TGS_REP_ENC_PART_SUBKEY, &plain, None)
        }
        None => encrypt(
            kdc,
            &tgt_key,
            key_usage::TGS_REP_ENC_PART_SESSION_KEY,
            &plain,
            None,
        ),
    };
    TgsRep(KdcRep {
        pvno: 5,
        msg_type: msg_type::TGS_REP,
        padata: None,
        crealm: tgt.crealm.clone(),
        cname: tgt.cname.clone(),
        ticket,
        enc_part,
    })
    .to_der()
    .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "encoding"))
}

/// Pre-authentication (RFC 4120 5.2.7.2): demands PA-ENC-TIMESTAMP when the client needs it,
/// checks it when present; returns whether one was checked.
fn preauth(
    kdc: &TestKdc,
    req: &KdcReq,
    client_entry: &Entry,
    etype_info: EtypeInfo2Entry,
) -> Result<bool, Failure> {
    let timestamp = req
        .padata
        .iter()
        .flatten()
        .find(|p| p.padata_type == pa_type::ENC_TIMESTAMP);
    let (now, _) = now(kdc);
    match timestamp {
        None if client_entry.requires_preauth => {
            let method_data = vec![
                PaData {
                    padata_type: pa_type::ETYPE_INFO2,
                    padata_value: vec![etype_info].to_der().unwrap_or_default().into(),
                },
                PaData {
                    padata_type: pa_type::ENC_TIMESTAMP,
                    padata_value: Vec::new().into(),
                },
            ];
            return Err(Failure {
                e_data: method_data.to_der().ok(),
                ..fail(
                    error_code::KDC_ERR_PREAUTH_REQUIRED,
                    "pre-authentication required",
                )
            });
        }
        None => {}
        Some(pa) => {
            let enc = EncryptedData::from_der(&pa.padata_value)
                .map_err(|_| fail(error_code::KDC_ERR_PREAUTH_FAILED, "bad PA-ENC-TIMESTAMP"))?;
            let key = client_entry
                .keys
                .iter()
                .find(|k| k.enctype().id() == enc.etype)
                .ok_or_else(|| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "timestamp enctype"))?;
            let plain = key
                .usage(key_usage::AS_REQ_PA_ENC_TIMESTAMP)
                .decrypt(&enc.cipher)
                .map_err(|_| {
                    fail(
                        error_code::KDC_ERR_PREAUTH_FAILED,
                        "pre-authentication failed",
                    )
                })?;
            let ts = PaEncTsEnc::from_der(&plain)
                .map_err(|_| fail(error_code::KDC_ERR_PREAUTH_FAILED, "bad PA-ENC-TS-ENC"))?;
            if (ts.patimestamp.unix() - now.unix()).abs() > SKEW {
                return Err(fail(error_code::KRB_AP_ERR_SKEW, "clock skew too great"));
            }
        }
    }
    Ok(timestamp.is_some())
}

/// Opens the TGT and the authenticator of a TGS-REQ and checks the body checksum.
fn authenticate(
    kdc: &TestKdc,
    realm: &str,
    req: &KdcReq,
) -> Result<(EncTicketPart, Key, Authenticator), Failure> {
    let body = &req.req_body;
    let ap = req
        .padata
        .iter()
        .flatten()
        .find(|p| p.padata_type == pa_type::TGS_REQ)
        .ok_or_else(|| fail(error_code::KDC_ERR_PADATA_TYPE_NOSUPP, "no PA-TGS-REQ"))?;
    let ap = ApReq::from_der(&ap.padata_value)
        .map_err(|_| fail(error_code::KRB_AP_ERR_MSG_TYPE, "bad AP-REQ"))?;
    if ap
        .ticket
        .sname
        .name_string
        .first()
        .map(KerberosString::as_bytes)
        != Some(b"krbtgt".as_slice())
        || ap
            .ticket
            .sname
            .name_string
            .get(1)
            .map(KerberosString::to_string_lossy)
            .as_deref()
            != Some(realm)
    {
        return Err(fail(
            error_code::KRB_AP_ERR_NOT_US,
            "TGT is not for this realm",
        ));
    }
    let tgt = open_ticket(kdc, &ap.ticket)?;
    let tgt_key = session_key(&tgt)?;
    let auth = tgt_key
        .usage(key_usage::TGS_REQ_AUTH)
        .decrypt(&ap.authenticator.cipher)
        .map_err(|_| {
            fail(
                error_code::KRB_AP_ERR_BAD_INTEGRITY,
                "authenticator does not decrypt",
            )
        })?;
    let auth = Authenticator::from_der(&auth)
        .map_err(|_| fail(error_code::KRB_AP_ERR_BAD_INTEGRITY, "bad authenticator"))?;
    let (now, _) = now(kdc);
    if (auth.ctime.unix() - now.unix()).abs() > SKEW {
        return Err(fail(error_code::KRB_AP_ERR_SKEW, "clock skew too great"));
    }
    let body_der = body
        .to_der()
        .map_err(|_| fail(error_code::KRB_ERR_GENERIC, "encoding"))?;
    let cksum = auth
        .cksum
        .as_ref()
        .ok_or_else(|| fail(error_code::KRB_AP_ERR_INAPP_CKSUM, "no body checksum"))?;
    tgt_key
        .usage(key_usage::TGS_REQ_AUTH_CKSUM)
        .verify_checksum(&body_der, &cksum.checksum)
        .map_err(|_| fail(error_code::KRB_AP_ERR_MODIFIED, "body checksum"))?;
    Ok((tgt, tgt_key, auth))
}

/// The server of a TGS-REQ and the key its ticket is encrypted in: the other user's TGT
/// session key (user-to-user), the server's key, or a cross-realm TGT's key (referral).
fn target(
    kdc: &TestKdc,
    realm: &str,
    body: &KdcReqBody,
    sname: &PrincipalName,
) -> Result<(Principal, Key, Option<u32>), Failure> {
    let requested = principal(sname, &KerberosString::from(realm));
    let chosen = if body.kdc_options.is_set(OPT_ENC_TKT_IN_SKEY) {
        let second = body
            .additional_tickets
            .as_ref()
            .and_then(|t| t.first())
            .ok_or_else(|| {
                fail(
                    error_code::KDC_ERR_BADOPTION,
                    "ENC-TKT-IN-SKEY without a ticket",
                )
            })?;
        let second = open_ticket(kdc, second)?;
        let owner = principal(&second.cname, &second.crealm);
        if !owner.same_name(&requested) {
            return Err(Failure {
                sname: Some(sname.clone()),
                ..fail(
                    error_code::KDC_ERR_SERVER_NOMATCH,
                    "second ticket is not the server's",
                )
            });
        }
        (requested, session_key(&second)?, None)
    } else {
        let body_realm = body.realm.to_string_lossy();
        match kdc.entry(&requested) {
            Some(entry) if body_realm == realm || requested.tgs_realm().is_some() => {
                let key = choose_key(&entry, &body.etype)
                    .or_else(|| entry.keys.first().cloned())
                    .ok_or_else(|| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "server has no key"))?;
                (requested, key, Some(entry.kvno))
            }
            _ if body_realm == realm => {
                return Err(Failure {
                    sname: Some(sname.clone()),
                    ..fail(
                        error_code::KDC_ERR_S_PRINCIPAL_UNKNOWN,
                        "server not found in Kerberos database",
                    )
                });
            }
            _ => {
                // Not ours: refer the client to the realm its request names, if we trust it.
                let referral = Principal::krbtgt(&body_realm, realm);
                let entry = kdc.entry(&referral).ok_or_else(|| Failure {
                    sname: Some(sname.clone()),
                    ..fail(
                        error_code::KDC_ERR_S_PRINCIPAL_UNKNOWN,
                        "server not found in Kerberos database",
                    )
                })?;
                let key = entry
                    .keys
                    .first()
                    .cloned()
                    .ok_or_else(|| fail(error_code::KDC_ERR_ETYPE_NOSUPP, "no key"))?;
                (referral, key, Some(entry.kvno))
            }
        }
    };
    Ok(chosen)
}
