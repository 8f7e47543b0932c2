//! Keytab and credential-cache files written by MIT's own tools (tests/vectors/mit/README.md):
//! read, checked field by field, and written back byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use sesame_kerberos::ccache::{Ccache, Credential};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::principal::Principal;

const SERVICE: &[u8] = include_bytes!("vectors/mit/service.keytab");
const USER1: &[u8] = include_bytes!("vectors/mit/user1.keytab");
const UTF8: &[u8] = include_bytes!("vectors/mit/utf8.keytab");
const CC_USER1: &[u8] = include_bytes!("vectors/mit/ccache-user1");
const CC_UTF8: &[u8] = include_bytes!("vectors/mit/ccache-utf8");

#[test]
fn reads_and_rewrites_mit_keytabs_byte_for_byte() {
    for bytes in [SERVICE, USER1, UTF8] {
        let kt = Keytab::parse(bytes).unwrap();
        assert_eq!(kt.to_bytes(), bytes);
    }
    let kt = Keytab::parse(SERVICE).unwrap();
    assert_eq!(kt.entries.len(), 8);
    let http = Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap();
    let e = kt.find(&http, None, 18).unwrap();
    assert_eq!((e.kvno, e.key.len(), e.principal.name_type), (2, 32, 1));
    assert!(kt.find(&http, Some(3), 18).is_none());
    assert!(kt.find(&http, Some(2), 20).is_some());
    assert!(e.key(false).is_ok());
}

/// MIT derived these keys from the password: Sesame's string-to-key must agree, for every
/// enctype, ASCII and UTF-8 names alike.
#[test]
fn password_keys_match_mit() {
    for (bytes, name) in [
        (USER1, "user1@EXAMPLE.TEST"),
        (UTF8, "пользователь@EXAMPLE.TEST"),
    ] {
        let kt = Keytab::parse(bytes).unwrap();
        assert_eq!(kt.entries.len(), 4);
        let principal = Principal::parse(name, None).unwrap();
        for e in &kt.entries {
            assert!(e.principal.same_name(&principal));
            let enctype = Enctype::from_id(e.enctype).unwrap();
            let ours =
                Key::from_password(enctype, b"Passw0rd1", &principal.default_salt(), None).unwrap();
            assert_eq!(ours.as_bytes(), &e.key[..], "{enctype}");
        }
        let mut mine = Keytab::default();
        mine.add_password(&principal, b"Passw0rd1", None, 1, &Enctype::STRONG, 0)
            .unwrap();
        for e in &kt.entries {
            assert_eq!(
                mine.find(&principal, Some(1), e.enctype).unwrap().key,
                e.key
            );
        }
    }
}

#[test]
fn reads_and_rewrites_mit_ccaches_byte_for_byte() {
    for bytes in [CC_USER1, CC_UTF8] {
        let cc = Ccache::parse(bytes).unwrap();
        assert_eq!(cc.version, 4);
        assert_eq!(cc.to_bytes(), bytes);
    }
    let cc = Ccache::parse(CC_USER1).unwrap();
    assert_eq!(cc.default_principal.to_string(), "user1@EXAMPLE.TEST");
    let tickets: Vec<&Credential> = cc.tickets().collect();
    assert_eq!(tickets.len(), 2);
    assert_eq!(
        tickets[0].server.to_string(),
        "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"
    );
    assert_eq!(tickets[0].key_enctype, 18);
    assert!(tickets[0].endtime > tickets[0].authtime);
    assert_eq!(
        tickets[0].decode_ticket().unwrap().sname.to_string(),
        "krbtgt/EXAMPLE.TEST"
    );
    // The user-to-user ticket MIT's kvno --u2u stored.
    assert_eq!(tickets[1].server.to_string(), "user2@EXAMPLE.TEST");
    assert!(tickets[1].is_user_to_user());
    assert!(!tickets[0].is_user_to_user());
    assert_eq!(cc.config("pa_type"), Some(&b"2"[..]));
    let keys: Vec<_> = cc
        .credentials
        .iter()
        .filter_map(Credential::config_key)
        .collect();
    assert_eq!(
        keys,
        [
            ("fast_avail", Some("krbtgt/EXAMPLE.TEST@EXAMPLE.TEST")),
            ("pa_type", Some("krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"))
        ]
    );
    let utf8 = Ccache::parse(CC_UTF8).unwrap();
    assert_eq!(utf8.default_principal.components, ["пользователь"]);
}

#[test]
fn version_3_caches_round_trip() {
    let mut cc = Ccache::parse(CC_USER1).unwrap();
    cc.version = 3;
    cc.header.clear();
    let v3 = cc.to_bytes();
    assert_eq!(&v3[..2], &[5, 3]);
    assert_eq!(Ccache::parse(&v3).unwrap(), cc);
}

#[test]
fn every_truncation_and_mutation_is_an_error_or_a_value_never_a_panic() {
    for bytes in [SERVICE, USER1, CC_USER1, CC_UTF8] {
        for len in 0..bytes.len() {
            let _ = Keytab::parse(&bytes[..len]);
            let _ = Ccache::parse(&bytes[..len]);
        }
        let mut m = bytes.to_vec();
        for i in 0..m.len() {
            for v in [0x00, 0x7f, 0x80, 0xff] {
                let old = m[i];
                m[i] = v;
                let _ = Keytab::parse(&m);
                let _ = Ccache::parse(&m);
                m[i] = old;
            }
        }
    }
}

#[test]
fn cache_names_resolve_as_mit_does() {
    use sesame_kerberos::ccache::resolve;
    let dir = std::env::temp_dir().join(format!("sesame-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(
        resolve("FILE:/tmp/x").unwrap(),
        std::path::Path::new("/tmp/x")
    );
    assert_eq!(resolve("/tmp/y").unwrap(), std::path::Path::new("/tmp/y"));
    assert_eq!(
        resolve(&format!("DIR:{}", dir.display())).unwrap(),
        dir.join("tkt")
    );
    std::fs::write(dir.join("primary"), "tktABC\n").unwrap();
    assert_eq!(
        resolve(&format!("DIR:{}", dir.display())).unwrap(),
        dir.join("tktABC")
    );
    assert_eq!(
        resolve("DIR::/tmp/z/tkt1").unwrap(),
        std::path::Path::new("/tmp/z/tkt1")
    );
    assert!(resolve("KEYRING:persistent:0").is_err());
    // Written through the DIR: name, read back through the FILE: name.
    let cc = Ccache::parse(CC_USER1).unwrap();
    cc.write(&format!("DIR:{}", dir.display())).unwrap();
    assert_eq!(
        Ccache::read(&format!("FILE:{}", dir.join("tktABC").display())).unwrap(),
        cc
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Found by the fuzzer: a version-3 keyblock whose two enctype fields differ cannot be
/// written back as read, so it is refused (MIT writes the same value twice).
#[test]
fn version_3_keyblock_enctypes_must_agree() {
    let bytes = include_bytes!("vectors/fuzz/ccache-v3-enctypes-differ");
    assert!(Ccache::parse(bytes).is_err());
}

/// Version 0x0501 keytabs: native (little-endian) integers, the realm counted as a component,
/// no name type.
#[test]
fn reads_version_0501_keytabs() {
    let mut entry = Vec::new();
    entry.extend_from_slice(&3u16.to_le_bytes()); // realm + 2 components
    for s in ["EXAMPLE.TEST", "HTTP", "web"] {
        entry.extend_from_slice(&u16::try_from(s.len()).unwrap().to_le_bytes());
        entry.extend_from_slice(s.as_bytes());
    }
    entry.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    entry.push(7);
    entry.extend_from_slice(&17u16.to_le_bytes());
    entry.extend_from_slice(&16u16.to_le_bytes());
    entry.extend_from_slice(&[0xab; 16]);
    let mut file = vec![5, 1];
    file.extend_from_slice(&i32::try_from(entry.len()).unwrap().to_le_bytes());
    file.extend_from_slice(&entry);
    // A hole, then the end marker.
    file.extend_from_slice(&(-4i32).to_le_bytes());
    file.extend_from_slice(&[0; 4]);
    file.extend_from_slice(&0i32.to_le_bytes());
    let kt = Keytab::parse(&file).unwrap();
    assert_eq!(kt.entries.len(), 1);
    let e = &kt.entries[0];
    assert_eq!(e.principal.to_string(), "HTTP/web@EXAMPLE.TEST");
    assert_eq!((e.kvno, e.enctype, e.timestamp), (7, 17, 1_700_000_000));
    assert_eq!(&e.key[..], &[0xab; 16]);
    // Written back as 0x0502, which MIT reads.
    let v2 = kt.to_bytes();
    assert_eq!(&v2[..2], &[5, 2]);
    assert_eq!(Keytab::parse(&v2).unwrap().entries[0].kvno, 7);
}
