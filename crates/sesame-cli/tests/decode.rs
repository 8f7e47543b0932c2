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
