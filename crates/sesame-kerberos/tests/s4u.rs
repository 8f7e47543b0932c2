//! S4U requests (MS-SFU) as the KDC reads them: PA-FOR-USER beside PA-TGS-REQ with its
//! hmac-md5 checksum computed here from the RFC 4757 formula, and S4U2Proxy's evidence ticket
//! with CNAME-IN-ADDL-TKT. (The exchanges against a real KDC are in the Samba conformance rows.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::{Duration, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::pa_type;
use sesame_asn1::kerberos::{
    ApReq, Authenticator, Checksum, EncKdcRepPart, EncTgsRepPart, EncryptedData, EncryptionKey,
    KdcRep, KerberosFlags, KerberosTime, PaData, PaForUser, PaPacOptions, PaS4uX509User,
    SecretOctets, TgsRep, TgsReq, Ticket,
};
use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::error::KerberosError;
use sesame_kerberos::exchange::{KdcStep, TgsExchange, TgsOptions};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::tickets::IssuedTicket;

fn tgt() -> IssuedTicket {
    let krbtgt = Principal::krbtgt("SAMBA.TEST", "SAMBA.TEST");
    IssuedTicket {
        client: Principal::parse("svc1@SAMBA.TEST", None).unwrap(),
        server: krbtgt.clone(),
        ticket: Ticket {
            tkt_vno: 5,
            realm: krbtgt.wire_realm(),
            sname: krbtgt.to_principal_name(),
            enc_part: EncryptedData {
                etype: 18,
                kvno: Some(1),
                cipher: vec![7; 80].into(),
            },
        },
        session_key: Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x44; 32]).unwrap(),
        flags: 0x4000_0000,
        authtime: 1_795_674_000,
        starttime: None,
        endtime: 1_795_710_000,
        renew_till: None,
        user_to_user: false,
    }
}

const NOW: u64 = 1_795_674_471;

fn start(server: &str, options: TgsOptions) -> (TgsExchange, TgsReq) {
    let clock = FixedClock(UNIX_EPOCH + Duration::from_secs(NOW));
    let mut rng = DeterministicRandom::new([1; 32]);
    let server = Principal::parse(server, None).unwrap();
    let (exchange, req) = TgsExchange::start(tgt(), server, options, &clock, &mut rng).unwrap();
    (exchange, TgsReq::from_der(&req.message).unwrap())
}

fn request(server: &str, options: TgsOptions) -> TgsReq {
    start(server, options).1
}

fn padata(req: &TgsReq, padata_type: i32) -> Vec<u8> {
    req.0
        .padata
        .as_ref()
        .unwrap()
        .iter()
        .find(|p| p.padata_type == padata_type)
        .expect("padata")
        .padata_value
        .to_vec()
}

/// The subkey the request's authenticator carries (decrypted with the TGT's session key).
fn subkey(req: &TgsReq) -> Key {
    let ap_req = ApReq::from_der(&padata(req, pa_type::TGS_REQ)).unwrap();
    let plain = tgt()
        .session_key
        .usage(7)
        .decrypt(&ap_req.authenticator.cipher)
        .unwrap();
    let sub = Authenticator::from_der(&plain).unwrap().subkey.unwrap();
    Key::new(
        Enctype::from_id(sub.keytype).unwrap(),
        sub.keyvalue.expose(),
    )
    .unwrap()
}

fn user1() -> Principal {
    Principal::parse("user1@SAMBA.TEST", None).unwrap()
}

fn s4u2self() -> (TgsExchange, TgsReq) {
    start(
        "svc1@SAMBA.TEST",
        TgsOptions {
            impersonate: Some(user1()),
            ..TgsOptions::default()
        },
    )
}

/// A KDC's S4U2Self reply to `req` for user1, echoing `echo` as PA-S4U-X509-USER (as MIT's
/// KDC does), encrypted in the request's subkey.
fn reply(req: &TgsReq, echo: Option<PaS4uX509User>) -> Vec<u8> {
    let user = user1();
    let session = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x55; 32]).unwrap();
    let part = EncKdcRepPart {
        key: EncryptionKey {
            keytype: 18,
            keyvalue: SecretOctets::new(session.as_bytes().to_vec()),
        },
        last_req: Vec::new(),
        nonce: req.0.req_body.nonce,
        key_expiration: None,
        flags: KerberosFlags::from_u32(0),
        authtime: KerberosTime::from_unix(1_795_674_000).unwrap(),
        starttime: None,
        endtime: KerberosTime::from_unix(1_795_710_000).unwrap(),
        renew_till: None,
        srealm: req.0.req_body.realm.clone(),
        sname: req.0.req_body.sname.clone().unwrap(),
        caddr: None,
        encrypted_pa_data: None,
    };
    let mut rng = DeterministicRandom::new([2; 32]);
    let cipher = subkey(req)
        .usage(9)
        .encrypt(&EncTgsRepPart(part).to_der().unwrap(), &mut rng)
        .unwrap();
    TgsRep(KdcRep {
        pvno: 5,
        msg_type: 13,
        padata: echo.map(|e| {
            vec![PaData {
                padata_type: pa_type::S4U_X509_USER,
                padata_value: e.to_der().unwrap().into(),
            }]
        }),
        crealm: user.wire_realm(),
        cname: user.to_principal_name(),
        ticket: Ticket {
            realm: req.0.req_body.realm.clone(),
            sname: req.0.req_body.sname.clone().unwrap(),
            ..tgt().ticket
        },
        enc_part: EncryptedData {
            etype: 18,
            kvno: None,
            cipher: cipher.into(),
        },
    })
    .to_der()
    .unwrap()
}

/// The echo MIT's KDC makes: the request's user-id, checksummed with the subkey, usage 27.
fn echo(req: &TgsReq) -> PaS4uX509User {
    let sent = PaS4uX509User::from_der(&padata(req, pa_type::S4U_X509_USER)).unwrap();
    let der = sent.user_id.to_der().unwrap();
    PaS4uX509User {
        checksum: Checksum {
            cksumtype: 16,
            checksum: subkey(req).usage(27).checksum(&der).into(),
        },
        user_id: sent.user_id,
    }
}

fn receive(exchange: &mut TgsExchange, reply: &[u8]) -> Result<Principal, KerberosError> {
    let clock = FixedClock(UNIX_EPOCH + Duration::from_secs(NOW));
    let mut rng = DeterministicRandom::new([3; 32]);
    match exchange.receive(reply, &clock, &mut rng)? {
        KdcStep::Done(t) => Ok(t.client),
        KdcStep::Send(_) => panic!("no referral here"),
    }
}

#[test]
fn s4u2self_carries_pa_s4u_x509_user_keyed_with_the_subkey() {
    let (_, req) = s4u2self();
    let pa = PaS4uX509User::from_der(&padata(&req, pa_type::S4U_X509_USER)).unwrap();
    assert_eq!(
        pa.user_id.nonce, req.0.req_body.nonce,
        "bound to the request"
    );
    assert_eq!(
        pa.user_id.cname.as_ref().unwrap().name_string[0].to_string_lossy(),
        "user1"
    );
    assert_eq!(pa.user_id.crealm.to_string_lossy(), "SAMBA.TEST");
    assert_eq!(
        pa.user_id.options.as_ref().unwrap().to_u32(),
        0x2000_0000,
        "signed-with-kun-27"
    );
    assert_eq!(pa.checksum.cksumtype, 16, "hmac-sha1-96-aes256");
    let der = pa.user_id.to_der().unwrap();
    subkey(&req)
        .usage(26)
        .verify_checksum(&der, &pa.checksum.checksum)
        .expect("usage 26 with the subkey");
    assert!(
        tgt()
            .session_key
            .usage(26)
            .verify_checksum(&der, &pa.checksum.checksum)
            .is_err(),
        "not the TGT session key"
    );
}

#[test]
fn s4u2self_reply_echo_is_verified() {
    let (mut exchange, req) = s4u2self();
    let client = receive(&mut exchange, &reply(&req, Some(echo(&req)))).unwrap();
    assert_eq!(client.to_string(), "user1@SAMBA.TEST");
}

#[test]
fn s4u2self_reply_without_echo_is_taken_as_heimdal_sends_it() {
    let (mut exchange, req) = s4u2self();
    let client = receive(&mut exchange, &reply(&req, None)).unwrap();
    assert_eq!(client.to_string(), "user1@SAMBA.TEST");
}

#[test]
fn s4u2self_reply_with_an_altered_echo_is_refused() {
    // A wrong nonce, a request checksum replayed as the reply's, another user: each refused.
    let (_, req) = s4u2self();
    let mut wrong_nonce = echo(&req);
    wrong_nonce.user_id.nonce ^= 1;
    let mut replayed = PaS4uX509User::from_der(&padata(&req, pa_type::S4U_X509_USER)).unwrap();
    replayed.checksum.cksumtype = 16;
    let mut other_user = echo(&req);
    other_user.user_id.cname = Some(
        Principal::parse("admin@SAMBA.TEST", None)
            .unwrap()
            .to_principal_name(),
    );
    let der = other_user.user_id.to_der().unwrap();
    other_user.checksum.checksum = subkey(&req).usage(27).checksum(&der).into();
    for bad in [wrong_nonce, replayed, other_user] {
        let (mut exchange, req) = s4u2self();
        let err = receive(&mut exchange, &reply(&req, Some(bad))).unwrap_err();
        assert!(err.to_string().contains("PA-S4U-X509-USER"), "{err}");
    }
}

#[test]
fn s4u2proxy_asks_for_resource_based_delegation() {
    let req = request(
        "cifs/dc1@SAMBA.TEST",
        TgsOptions {
            evidence: Some(tgt().ticket),
            ..TgsOptions::default()
        },
    );
    let options = PaPacOptions::from_der(&padata(&req, pa_type::PAC_OPTIONS)).unwrap();
    assert!(
        options.flags.is_set(3),
        "resource-based-constrained-delegation"
    );
    assert!(!options.flags.is_set(0), "no claims asked");
}

type HmacMd5 = hmac::Hmac<Md5>;

fn hmac_md5(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <HmacMd5 as KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[test]
fn s4u2self_carries_pa_for_user_checksummed_as_ms_sfu_says() {
    let user = Principal::parse("user1@SAMBA.TEST", None).unwrap();
    let req = request(
        "svc1@SAMBA.TEST",
        TgsOptions {
            impersonate: Some(user),
            ..TgsOptions::default()
        },
    );
    let padata = req.0.padata.unwrap();
    assert_eq!(padata[0].padata_type, pa_type::TGS_REQ);
    let for_user = padata
        .iter()
        .find(|p| p.padata_type == pa_type::FOR_USER)
        .expect("PA-FOR-USER");
    let for_user = PaForUser::from_der(&for_user.padata_value).unwrap();
    assert_eq!(for_user.user_name.name_string[0].to_string_lossy(), "user1");
    assert_eq!(for_user.auth_package.to_string_lossy(), "Kerberos");
    assert_eq!(for_user.cksum.cksumtype, -138);
    // RFC 4757 4: Ksign = HMAC-MD5(K, "signaturekey\0"); HMAC-MD5(Ksign, MD5(usage | data)),
    // usage 17, data = name type (LE) | "user1" | "SAMBA.TEST" | "Kerberos" (MS-SFU 2.2.1).
    let ksign = hmac_md5(&[0x44; 32], b"signaturekey\0");
    let mut data = 1i32.to_le_bytes().to_vec();
    data.extend_from_slice(b"user1SAMBA.TESTKerberos");
    let inner = Md5::new()
        .chain_update(17u32.to_le_bytes())
        .chain_update(&data)
        .finalize();
    assert_eq!(for_user.cksum.checksum.to_vec(), hmac_md5(&ksign, &inner));
    assert!(req.0.req_body.additional_tickets.is_none());
}

#[test]
fn s4u2proxy_sends_the_evidence_with_cname_in_addl_tkt() {
    let evidence = tgt().ticket;
    let req = request(
        "cifs/dc1@SAMBA.TEST",
        TgsOptions {
            evidence: Some(evidence.clone()),
            ..TgsOptions::default()
        },
    );
    assert_eq!(req.0.req_body.additional_tickets, Some(vec![evidence]));
    assert!(req.0.req_body.kdc_options.is_set(14), "CNAME-IN-ADDL-TKT");
    assert!(
        !req.0.req_body.kdc_options.is_set(28),
        "not ENC-TKT-IN-SKEY"
    );
    assert!(
        req.0
            .padata
            .unwrap()
            .iter()
            .all(|p| p.padata_type != pa_type::FOR_USER)
    );
}
