//! `sesame decode` on real tokens and on garbage.
#![allow(clippy::unwrap_used)] // test helpers

use std::io::Write;
use std::process::{Command, Stdio};

fn sesame(args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const AS_REP: &[u8] = include_bytes!("../../sesame-asn1/tests/vectors/mit/as_rep_utf8_cname.der");

#[test]
fn decodes_raw_hex_and_header_forms() {
    let (ok, out, _) = sesame(&["decode", "--raw"], AS_REP);
    assert!(ok);
    assert!(
        out.starts_with("AS-REP (") && out.contains("\"пользователь\""),
        "{out}"
    );

    let hex: String = AS_REP.iter().map(|b| format!("{b:02x}")).collect();
    let (ok, out, _) = sesame(&["decode", "--hex"], hex.as_bytes());
    assert!(ok && out.starts_with("AS-REP ("));

    // A Windows NegTokenInit2 (pyspnego capture) as an HTTP header line.
    let token = include_bytes!(
        "../../sesame-asn1/tests/vectors/pyspnego/initial_context_token_neg_token_init2"
    );
    let b64 = base64_encode(token);
    let (ok, out, _) = sesame(
        &["decode"],
        format!("Authorization: Negotiate {b64}\n").as_bytes(),
    );
    assert!(ok && out.starts_with("SPNEGO NegTokenInit"), "{out}");
    assert!(out.contains("not_defined_in_RFC4178@please_ignore"));
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for (args, input) in [
        (&["decode"][..], &b"not base64!"[..]),
        (&["decode", "--raw"], b"\x30\x03\x02\x01"),
        (&["decode", "--hex"], b"6a"),
        (&["frobnicate"], b""),
    ] {
        let (ok, _, err) = sesame(args, input);
        assert!(!ok, "{args:?}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!err.is_empty());
    }
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

const SAMBA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sesame-kerberos/tests/vectors/samba"
);

/// `decode --keytab` on an AP-REQ carrying a Samba AD ticket: the ticket decrypted, the PAC
/// verified (with the krbtgt keytab its KDC signature too) and every group SID printed.
#[test]
fn decodes_a_ticket_and_its_pac_with_the_service_keytab() {
    let token = std::fs::read(format!("{SAMBA}/ap-req-user1-http.b64")).unwrap();
    let keytab = format!("{SAMBA}/http.keytab");
    let kdc = format!("{SAMBA}/krbtgt.keytab");
    let (ok, out, err) = sesame(
        &["decode", "--keytab", &keytab, "--kdc-keytab", &kdc],
        &token,
    );
    assert!(ok, "{err}");
    let domain = "S-1-5-21-1909418437-1594895115-1515762820";
    for line in [
        "ticket: user1@SAMBA.TEST -> HTTP/localhost@SAMBA.TEST (enctype 23)",
        "PAC verified: server signature, KDC signature, client info",
        &format!("PAC user: SAMBA\\user1 {domain}-1102"),
        &format!("PAC group: {domain}-513 Domain Users (primary group, attributes 0x7)"),
        &format!("PAC group: {domain}-1107 (group, attributes 0x7)"),
        "PAC group: S-1-18-1 Authentication authority asserted identity (extra SID, attributes 0x7)",
        "PAC upn: user1@samba.test dns-domain: SAMBA.TEST",
    ] {
        assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    }
    // The service keytab given as the KDC's: the KDC signature refuses, the PAC still shows.
    let (ok, out, _) = sesame(
        &["decode", "--keytab", &keytab, "--kdc-keytab", &keytab],
        &token,
    );
    assert!(ok);
    assert!(
        out.contains(
            "PAC refused: the PAC's KDC signature is of checksum type 16, the key's is -138"
        ),
        "{out}"
    );
    assert!(out.contains(&format!("PAC user: SAMBA\\user1 {domain}-1102")));
    // A keytab without the service's key.
    let (ok, _, err) = sesame(&["decode", "--keytab", &kdc], &token);
    assert!(
        !ok && err.contains("no key for HTTP/localhost@SAMBA.TEST"),
        "{err}"
    );
}
