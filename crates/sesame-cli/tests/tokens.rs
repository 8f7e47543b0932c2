//! `sesame init` and `sesame accept` over the token line protocol: two `sesame` processes
//! talking to each other, and errors as `error` lines. (Interop with third-party peers is in
//! `cargo xtask conformance`.)
#![allow(clippy::unwrap_used, clippy::panic)] // test helpers

mod common;

use common::Proc;

fn users() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("sesame-cli-users-{}", std::process::id()));
    std::fs::write(
        &p,
        "EXAMPLE:user1:Passw0rd1\n# comment\nEXAMPLE:user2:$NT$a4f49c406510bdcab6824ee7c30fd852\n",
    )
    .unwrap();
    p
}

fn init(user: &str, password: &str) -> Proc {
    Proc::sesame(
        &[
            "init",
            "--mech",
            "ntlm",
            "--target",
            "HTTP/localhost",
            "--user",
            user,
            "--domain",
            "EXAMPLE",
            "--password-env",
            "PW",
        ],
        &[("PW", password)],
    )
}

fn relay(i: &mut Proc, a: &mut Proc) -> (String, String) {
    let t1 = i.line();
    a.send(t1.strip_prefix("token ").unwrap());
    let t2 = a.line();
    i.send(t2.strip_prefix("token ").unwrap());
    let t3 = i.line();
    let init_done = i.line();
    a.send(t3.strip_prefix("token ").unwrap());
    (init_done, a.line())
}

#[test]
fn two_sesames_authenticate_and_protect_messages() {
    let users = users();
    for (user, password) in [("user1", "Passw0rd1"), ("user2", "Password")] {
        let mut a = Proc::sesame(
            &[
                "accept",
                "--mech",
                "ntlm",
                "--ntlm-users",
                users.to_str().unwrap(),
            ],
            &[],
        );
        let mut i = init(user, password);
        let (init_done, accept_done) = relay(&mut i, &mut a);
        assert_eq!(init_done, "done ntlm HTTP/localhost");
        assert_eq!(accept_done, format!("done ntlm EXAMPLE\\{user}"));
        i.send("wrap cGluZw==");
        let wrapped = i.line();
        a.send(&format!(
            "unwrap {}",
            wrapped.strip_prefix("wrapped ").unwrap()
        ));
        assert_eq!(a.line(), "plain cGluZw==");
        assert!(i.finish() && a.finish());
    }
}

#[test]
fn failures_are_error_lines() {
    let users = users();
    // Wrong password: the acceptor says why and exits 1.
    let mut a = Proc::sesame(
        &[
            "accept",
            "--mech",
            "ntlm",
            "--ntlm-users",
            users.to_str().unwrap(),
        ],
        &[],
    );
    let mut i = init("user1", "wrong");
    let (_, accept_line) = relay(&mut i, &mut a);
    assert!(
        accept_line.starts_with("error wrong-password "),
        "{accept_line}"
    );
    assert!(!a.finish());
    // Not base64, and a token that is neither NTLM nor SPNEGO (the acceptor is the front
    // door's, which takes both).
    for (input, kind) in [
        ("%%%", "error bad-base64 "),
        ("aGVsbG8=", "error defective-token "),
    ] {
        let mut a = Proc::sesame(
            &[
                "accept",
                "--mech",
                "ntlm",
                "--ntlm-users",
                users.to_str().unwrap(),
            ],
            &[],
        );
        a.send(input);
        let l = a.line();
        assert!(l.starts_with(kind), "{input}: {l}");
        assert!(!a.finish());
    }
    // Usage errors.
    let mut bad = Proc::sesame(&["init", "--mech", "kerberos5"], &[]);
    assert!(bad.line().starts_with("error usage "));
    assert!(!bad.finish());
}

fn accept(users: &std::path::Path, extra: &[&str]) -> Proc {
    let mut args = vec![
        "accept",
        "--mech",
        "ntlm",
        "--ntlm-users",
        users.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Proc::sesame(&args, &[])
}

fn init_with(extra: &[&str]) -> Proc {
    let mut args = vec![
        "init",
        "--mech",
        "ntlm",
        "--user",
        "user1",
        "--domain",
        "EXAMPLE",
        "--password-env",
        "PW",
    ];
    args.extend_from_slice(extra);
    Proc::sesame(&args, &[("PW", "Passw0rd1")])
}

/// `accept --target` names the service: an AUTHENTICATE made for another SPN is refused with
/// both names; `--target-name-policy required` also refuses a client that names none.
#[test]
fn accept_checks_the_target_name() {
    let users = users();
    let mut a = accept(&users, &["--target", "HTTP/localhost,HTTP/web"]);
    let mut i = init_with(&["--target", "cifs/evil.example"]);
    let (_, line) = relay(&mut i, &mut a);
    assert!(
        line.starts_with("error target-name-mismatch ")
            && line.contains("cifs/evil.example")
            && line.contains("HTTP/localhost"),
        "{line}"
    );
    assert!(!a.finish());
    let mut a = accept(&users, &["--target", "HTTP/localhost,HTTP/web"]);
    let mut i = init_with(&["--target", "http/WEB"]);
    let (_, line) = relay(&mut i, &mut a);
    assert_eq!(line, "done ntlm EXAMPLE\\user1");
    assert!(i.finish() && a.finish());
    let mut a = accept(
        &users,
        &[
            "--target",
            "HTTP/localhost",
            "--target-name-policy",
            "required",
        ],
    );
    let mut i = init_with(&[]);
    let (_, line) = relay(&mut i, &mut a);
    assert!(line.starts_with("error target-name-missing "), "{line}");
    assert!(!a.finish());
}

/// `--channel-bindings` on accept means required unless `--channel-bindings-policy` says
/// otherwise.
#[test]
fn accept_applies_the_channel_binding_policy() {
    let users = users();
    for (policy, client, expected) in [
        (None, Some("tls-server-end-point:A"), "done ntlm "),
        (None, None, "error channel-bindings-missing "),
        (
            None,
            Some("tls-server-end-point:B"),
            "error bad-channel-bindings ",
        ),
        (Some("when-present"), None, "done ntlm "),
        (Some("off"), Some("tls-server-end-point:B"), "done ntlm "),
    ] {
        let mut extra = vec!["--channel-bindings", "tls-server-end-point:A"];
        if let Some(p) = policy {
            extra.extend(["--channel-bindings-policy", p]);
        }
        let mut a = accept(&users, &extra);
        let mut i = match client {
            Some(cb) => init_with(&["--target", "HTTP/localhost", "--channel-bindings", cb]),
            None => init_with(&["--target", "HTTP/localhost"]),
        };
        let (_, line) = relay(&mut i, &mut a);
        assert!(line.starts_with(expected), "{policy:?} {client:?}: {line}");
    }
    let mut bad = Proc::sesame(
        &[
            "accept",
            "--mech",
            "ntlm",
            "--ntlm-users",
            users.to_str().unwrap(),
            "--channel-bindings-policy",
            "sometimes",
        ],
        &[],
    );
    assert!(bad.line().starts_with("error usage "));
    assert!(!bad.finish());
}
