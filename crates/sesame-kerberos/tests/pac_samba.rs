//! A Samba AD DC's real tickets (tests/vectors/samba) through the acceptor: the PAC's server
//! and KDC signatures verify with the exported keys, the user's SID and groups come out, and
//! each check of MS-PAC 2.7/2.8 refuses a PAC changed to break it, with its own fact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::Der;
use sesame_asn1::kerberos::EncTicketPart;
use sesame_gss::{Clock, DeterministicRandom, FixedClock, Input, SecurityContext, Step};
use sesame_kerberos::KerberosError;
use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::crypto::Key;
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, InitiatorConfig, InitiatorCredentials, KerberosAcceptor,
    KerberosInitiator,
};
use sesame_kerberos::key_usage;
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::pac::{self, Pac, PacCheck, PacRefusal, buffer_type};
use sesame_kerberos::principal::Principal;

const DOMAIN: &str = "S-1-5-21-1909418437-1594895115-1515762820";
/// 2026-12-07 00:47:09 UTC: ten minutes into the tickets' life.
const NOW: u64 = 1_796_603_829 + 600;

fn vector(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/samba")
        .join(name)
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW)))
}

fn keytab(name: &str) -> Keytab {
    Keytab::read(&vector(name)).unwrap()
}

fn krbtgt_keys() -> Vec<Key> {
    keytab("krbtgt.keytab")
        .entries
        .iter()
        .map(|e| e.key(false).unwrap())
        .collect()
}

/// user1's AP-REQ to HTTP/localhost, made from the cached Samba ticket.
fn ap_req() -> Vec<u8> {
    let cache = Ccache::parse(&std::fs::read(vector("user1.ccache")).unwrap()).unwrap();
    let creds = Arc::new(InitiatorCredentials::from_ccache(&cache, true));
    let target = Principal::parse("HTTP/localhost@SAMBA.TEST", None).unwrap();
    let mut init = KerberosInitiator::new(
        creds,
        InitiatorConfig::new(target),
        clock(),
        Box::new(DeterministicRandom::new([1; 32])),
    );
    match init.step(Input::Start).unwrap() {
        Step::Continue(token) => token,
        other => panic!("the cached service ticket should be used: {other:?}"),
    }
}

fn acceptor(pac_kdc_keys: Vec<Key>) -> KerberosAcceptor {
    let config = AcceptorConfig {
        allow_weak: true,
        pac_kdc_keys,
        ..AcceptorConfig::default()
    };
    KerberosAcceptor::new(
        Arc::new(AcceptorCredentials::Keytab(keytab("http.keytab"))),
        config,
        clock(),
        Box::new(DeterministicRandom::new([2; 32])),
    )
}

#[test]
fn the_acceptor_verifies_both_signatures_and_exposes_the_groups() {
    let mut acc = acceptor(krbtgt_keys());
    let step = acc.step(Input::Token(&ap_req())).unwrap();
    assert!(matches!(step, Step::Complete(Some(_))));
    let pac = acc.pac().expect("Samba's ticket carries a PAC");
    assert_eq!(
        pac.user_sid().unwrap().to_string(),
        format!("{DOMAIN}-1102")
    );
    let groups: Vec<String> = pac.group_sids().iter().map(|g| g.sid.to_string()).collect();
    let d = |rid: u32| format!("{DOMAIN}-{rid}");
    assert_eq!(
        groups,
        [
            d(513),
            d(1104),
            d(1105),
            d(1106),
            d(1107),
            "S-1-18-1".into()
        ]
    );
    assert_eq!(pac.upn_dns_info.as_ref().unwrap().upn, "user1@samba.test");
}

/// The service ticket's PAC, its keys, the ticket's client and authtime.
struct Opened {
    pac: Vec<u8>,
    service_key: Key,
    client: Principal,
    authtime: i64,
}

fn open(ticket_server: &str, keytab_name: &str) -> Opened {
    let cache = Ccache::parse(&std::fs::read(vector("user1.ccache")).unwrap()).unwrap();
    let cred = cache
        .tickets()
        .find(|c| c.server.to_string().starts_with(ticket_server))
        .unwrap();
    let ticket = cred.decode_ticket().unwrap();
    let entry = keytab(keytab_name)
        .entries
        .into_iter()
        .find(|e| e.enctype == ticket.enc_part.etype)
        .unwrap();
    let service_key = entry.key(true).unwrap();
    let plain = service_key
        .usage(key_usage::TICKET)
        .decrypt(&ticket.enc_part.cipher)
        .unwrap();
    let part = EncTicketPart::from_der(&plain).unwrap();
    Opened {
        pac: pac::find_pac(part.authorization_data.as_deref().unwrap()).unwrap(),
        service_key,
        client: Principal::from_wire(&part.cname, &part.crealm),
        authtime: part.authtime.unix(),
    }
}

fn check<'a>(o: &'a Opened, kdc_keys: &'a [Key]) -> PacCheck<'a> {
    PacCheck {
        service_key: &o.service_key,
        kdc_keys,
        client: &o.client,
        authtime: o.authtime,
    }
}

/// Changes `pac` with `edit`, then signs it again as the KDC would (both keys known).
fn resigned(o: &Opened, kdc: &Key, edit: impl FnOnce(&mut Vec<u8>, &Pac)) -> Vec<u8> {
    let parsed = Pac::parse(&o.pac).unwrap();
    let mut bytes = o.pac.clone();
    edit(&mut bytes, &parsed);
    let mut pac = Pac::parse(&bytes).unwrap();
    pac::resign(&mut pac, &o.service_key, kdc).unwrap();
    pac.as_bytes().to_vec()
}

fn buffer_at(pac: &Pac, kind: u32) -> usize {
    pac.buffers()
        .iter()
        .find(|b| b.kind == kind)
        .unwrap()
        .offset
}

#[test]
fn each_pac_check_refuses_with_its_own_fact() {
    let kdc = krbtgt_keys();
    let o = open("HTTP/", "http.keytab");
    pac::verify(&o.pac, &check(&o, &kdc)).unwrap();
    // Resigning reproduces Samba's own signatures bit for bit.
    assert_eq!(resigned(&o, &kdc[0], |_, _| {}), o.pac);

    // A group RID changed (1104 -> 512, Domain Admins) and left unsigned.
    let mut tampered = o.pac.clone();
    let at = tampered
        .windows(4)
        .position(|w| w == 1104u32.to_le_bytes())
        .unwrap();
    tampered[at..at + 4].copy_from_slice(&512u32.to_le_bytes());
    assert_eq!(
        pac::verify(&tampered, &check(&o, &kdc)),
        Err(PacRefusal::BadSignature("server"))
    );

    // Signed with the service key but a KDC key that is not the KDC's.
    let forged_kdc = Key::new(kdc[0].enctype(), &[7; 32]).unwrap();
    let forged = resigned(&o, &forged_kdc, |_, _| {});
    assert_eq!(
        pac::verify(&forged, &check(&o, &kdc)),
        Err(PacRefusal::BadSignature("KDC"))
    );
    // Without the krbtgt key the KDC signature cannot be checked, as on Windows.
    pac::verify(&forged, &check(&o, &[])).unwrap();

    // Another client's name in PAC_CLIENT_INFO ("user2"), properly signed.
    let renamed = resigned(&o, &kdc[0], |b, p| {
        let at = buffer_at(p, buffer_type::CLIENT_INFO) + 10 + 8;
        b[at] = b'2';
    });
    assert_eq!(
        pac::verify(&renamed, &check(&o, &kdc)),
        Err(PacRefusal::ClientName {
            pac: "user2".into(),
            ticket: "user1".into()
        })
    );

    // The ticket's authtime one second later than the PAC's.
    let mut later = check(&o, &kdc);
    later.authtime += 1;
    assert!(matches!(
        pac::verify(&o.pac, &later),
        Err(PacRefusal::ClientTime { .. })
    ));
}

#[test]
fn a_requestor_that_is_not_the_user_is_refused() {
    // The TGT's PAC has PAC_REQUESTOR; the TGT is encrypted in the krbtgt key, which is then
    // both the "service" and the KDC key.
    let kdc = krbtgt_keys();
    let o = open("krbtgt/", "krbtgt.keytab");
    let pac = pac::verify(&o.pac, &check(&o, &kdc)).unwrap();
    assert_eq!(pac.requestor, pac.user_sid());
    let other = resigned(&o, &kdc[0], |b, p| {
        let at = buffer_at(p, buffer_type::REQUESTOR) + 24;
        b[at..at + 4].copy_from_slice(&500u32.to_le_bytes());
    });
    assert_eq!(
        pac::verify(&other, &check(&o, &kdc)),
        Err(PacRefusal::Requestor {
            requestor: format!("{DOMAIN}-500"),
            user: format!("{DOMAIN}-1102"),
        })
    );
}

#[test]
fn the_acceptor_refuses_a_tampered_pac_with_krb_ap_err_modified() {
    // A KDC key that does not match: the acceptor's refusal keeps the fact and the code.
    let mut acc = acceptor(vec![
        Key::new(krbtgt_keys()[0].enctype(), &[9; 32]).unwrap(),
    ]);
    let err = acc.step(Input::Token(&ap_req())).unwrap_err();
    let source = err.mech_error::<KerberosError>().expect("a Kerberos error");
    assert!(
        matches!(source, KerberosError::Pac(PacRefusal::BadSignature("KDC"))),
        "{source}"
    );
    assert_eq!(source.krb_error_code(), Some(41));
    assert!(acc.pac().is_none());
}
