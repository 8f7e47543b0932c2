//! S4U requests (MS-SFU) as the KDC reads them: PA-FOR-USER beside PA-TGS-REQ with its
//! hmac-md5 checksum computed here from the RFC 4757 formula, and S4U2Proxy's evidence ticket
//! with CNAME-IN-ADDL-TKT. (The exchanges against a real KDC are in the Samba conformance rows.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::{Duration, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::pa_type;
use sesame_asn1::kerberos::{EncryptedData, PaForUser, TgsReq, Ticket};
use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::exchange::{TgsExchange, TgsOptions};
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

fn request(server: &str, options: TgsOptions) -> TgsReq {
    let clock = FixedClock(UNIX_EPOCH + Duration::from_secs(1_795_674_471));
    let mut rng = DeterministicRandom::new([1; 32]);
    let server = Principal::parse(server, None).unwrap();
    let (_, req) = TgsExchange::start(tgt(), server, options, &clock, &mut rng).unwrap();
    TgsReq::from_der(&req.message).unwrap()
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
