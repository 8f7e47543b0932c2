//! krb5.conf parsing: MIT's syntax, includes, several files, typed settings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::time::Duration;

use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::krb5_conf::{KdcAddress, Krb5Conf, parse_duration};

const MAIN: &str = r#"
# comment
; another
[libdefaults]
    default_realm = EXAMPLE.TEST
    dns_lookup_kdc = false
    udp_preference_limit = 1
    clockskew = 5m
    ticket_lifetime = 10h 0m 0s
    rdns = false
    dns_canonicalize_hostname = fallback
    default_tkt_enctypes = aes256-cts-hmac-sha1-96 aes128-cts rc4-hmac bogus
    permitted_enctypes = aes256-sha2,aes128-sha2
    unknown_setting = kept

[realms]
    EXAMPLE.TEST = {
        kdc = kdc1.example.test
        kdc = tcp/127.0.0.1:60088
        kdc = [::1]:750
        kdc = https://proxy.example.test/KdcProxy
        admin_server = kdc1.example.test:749
        kpasswd_server = kdc1.example.test
        auth_to_local = {
            nested = value
        }
    }

[domain_realm]
    .example.test = EXAMPLE.TEST
    host.other.test = OTHER.TEST
    .sub.example.test = SUB.EXAMPLE.TEST

[appdefaults]
    pam = {
        debug = "quoted \"value\""
    }
"#;

fn conf() -> Krb5Conf {
    Krb5Conf::parse(MAIN, Path::new("/nonexistent/krb5.conf")).unwrap()
}

#[test]
fn libdefaults() {
    let c = conf();
    assert_eq!(c.default_realm(), Some("EXAMPLE.TEST"));
    assert!(!c.dns_lookup_kdc());
    assert_eq!(c.udp_preference_limit(), 1);
    assert_eq!(c.clockskew(), Duration::from_secs(300));
    assert_eq!(c.ticket_lifetime(), Duration::from_secs(36_000));
    assert!(!c.rdns());
    assert_eq!(c.dns_canonicalize_hostname(), "fallback");
    assert_eq!(
        c.enctypes("default_tkt_enctypes", false).unwrap(),
        [
            Enctype::AES256_CTS_HMAC_SHA1_96,
            Enctype::AES128_CTS_HMAC_SHA1_96
        ]
    );
    assert_eq!(c.enctypes("default_tkt_enctypes", true).unwrap().len(), 3);
    assert_eq!(
        c.enctypes("permitted_enctypes", false).unwrap(),
        [
            Enctype::AES256_CTS_HMAC_SHA384_192,
            Enctype::AES128_CTS_HMAC_SHA256_128
        ]
    );
    assert_eq!(c.value(&["libdefaults", "unknown_setting"]), Some("kept"));
    assert_eq!(
        c.value(&["appdefaults", "pam", "debug"]),
        Some("quoted \"value\"")
    );
}

#[test]
fn defaults_when_unset() {
    let c = Krb5Conf::parse("[libdefaults]\n", Path::new("x")).unwrap();
    assert!(c.dns_lookup_kdc());
    assert_eq!(c.udp_preference_limit(), 1465);
    assert_eq!(c.clockskew(), Duration::from_secs(300));
    assert_eq!(c.default_realm(), None);
}

#[test]
fn realms_and_domain_realm() {
    let c = conf();
    assert_eq!(
        c.kdcs("EXAMPLE.TEST"),
        [
            KdcAddress::Host {
                host: "kdc1.example.test".into(),
                port: 88,
                transport: None
            },
            KdcAddress::Host {
                host: "127.0.0.1".into(),
                port: 60088,
                transport: Some("tcp")
            },
            KdcAddress::Host {
                host: "::1".into(),
                port: 750,
                transport: None
            },
            KdcAddress::Proxy("https://proxy.example.test/KdcProxy".into()),
        ]
    );
    assert_eq!(
        c.value(&["realms", "EXAMPLE.TEST", "admin_server"]),
        Some("kdc1.example.test:749")
    );
    assert_eq!(
        c.value(&["realms", "EXAMPLE.TEST", "auth_to_local", "nested"]),
        Some("value")
    );
    assert_eq!(c.realm_of_host("www.example.test"), Some("EXAMPLE.TEST"));
    assert_eq!(
        c.realm_of_host("a.sub.example.test"),
        Some("SUB.EXAMPLE.TEST")
    );
    assert_eq!(c.realm_of_host("HOST.other.test"), Some("OTHER.TEST"));
    assert_eq!(c.realm_of_host("nowhere.invalid"), None);
}

#[test]
fn includes_and_several_files() {
    let dir = std::env::temp_dir().join(format!("sesame-conf-{}", std::process::id()));
    let d = dir.join("conf.d");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("10-realm.conf"),
        "[realms]\n OTHER.TEST = {\n  kdc = other:88\n }\n",
    )
    .unwrap();
    std::fs::write(d.join("ignored.bak"), "this is not a profile").unwrap();
    std::fs::write(dir.join("extra.conf"), "[libdefaults]\n clockskew = 10\n").unwrap();
    std::fs::write(
        dir.join("krb5.conf"),
        "include extra.conf\nincludedir conf.d\n[libdefaults]\n default_realm = FIRST.TEST\n clockskew = 600\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("second.conf"),
        "[libdefaults]\n default_realm = SECOND.TEST\n rdns = no\n",
    )
    .unwrap();
    let main = Krb5Conf::read(&dir.join("krb5.conf")).unwrap();
    // The include comes first in the file, so its clockskew wins.
    assert_eq!(main.clockskew(), Duration::from_secs(10));
    assert_eq!(main.kdcs("OTHER.TEST").len(), 1);
    // KRB5_CONFIG=a:b: the first file that sets a relation wins; missing files are skipped.
    let list = format!(
        "{}:{}:{}",
        dir.join("krb5.conf").display(),
        dir.join("missing").display(),
        dir.join("second.conf").display()
    );
    let both = Krb5Conf::from_path_list(&list).unwrap();
    assert_eq!(both.default_realm(), Some("FIRST.TEST"));
    assert!(!both.rdns());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn syntax_errors_say_where() {
    for (text, line) in [
        ("[libdefaults\n", 1),
        ("kdc = x\n", 1),
        ("[a]\n x = {\n y = 1\n", 3),
        ("[a]\n}\n", 2),
        ("[a]\n no equals sign\n", 2),
    ] {
        let e = Krb5Conf::parse(text, Path::new("f.conf"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&format!("f.conf:{line}:")), "{text:?}: {e}");
    }
    assert!(Krb5Conf::parse("include /nonexistent/file\n", Path::new("f")).is_err());
}

#[test]
fn durations() {
    for (v, secs) in [
        ("300", 300),
        ("5m", 300),
        ("1d", 86_400),
        ("10h 0m 0s", 36_000),
        ("1:30", 5400),
        ("0:0:45", 45),
    ] {
        assert_eq!(parse_duration(v), Some(Duration::from_secs(secs)), "{v}");
    }
    for v in ["", "abc", "5x", "1:2:3:4", "5m3"] {
        assert_eq!(parse_duration(v), None, "{v}");
    }
}

#[test]
fn the_conformance_kdc_configuration_parses() {
    // The krb5.conf `cargo xtask conformance` writes for MIT's tools.
    let text = "[libdefaults]\n    default_realm = EXAMPLE.TEST\n    dns_lookup_kdc = false\n    udp_preference_limit = 1\n[realms]\n    EXAMPLE.TEST = {\n        kdc = 127.0.0.1:60088\n    }\n[domain_realm]\n    localhost = EXAMPLE.TEST\n";
    let c = Krb5Conf::parse(text, Path::new("krb5.conf")).unwrap();
    assert_eq!(
        c.kdcs("EXAMPLE.TEST"),
        [KdcAddress::Host {
            host: "127.0.0.1".into(),
            port: 60088,
            transport: None
        }]
    );
    assert_eq!(c.realm_of_host("localhost"), Some("EXAMPLE.TEST"));
}

/// Found by the fuzzer: a huge number of days overflowed instead of being refused.
#[test]
fn overflowing_durations_are_refused() {
    assert_eq!(parse_duration("88888888888888888888d"), None);
    assert_eq!(parse_duration("999999999999999999d"), None);
    assert_eq!(parse_duration("99999999999999999:0"), None);
}
