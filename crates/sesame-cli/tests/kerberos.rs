//! `sesame kinit`, `sesame init --mech kerberos` and `sesame accept --mech kerberos` against the
//! in-process test KDC listening on loopback: the binary's whole path (krb5.conf, transport,
//! ccache, keytab) with no installed software. (Interop with MIT is in `cargo xtask conformance`.)
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use sesame_gss::{Clock, DeterministicRandom, SystemClock};
use sesame_testkdc::{Listener, TestKdc};

const REALM: &str = "EXAMPLE.TEST";

struct Realm {
    dir: PathBuf,
    _listener: Listener,
    _kdc: Arc<TestKdc>,
}

impl Realm {
    fn start(name: &str) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let kdc = Arc::new(TestKdc::new(
            &[REALM],
            clock,
            Box::new(DeterministicRandom::new([9; 32])),
        ));
        kdc.add_user("user1", "Passw0rd1");
        kdc.add_user("user2", "Passw0rd1");
        let keytab = kdc.add_service("HTTP/localhost");
        let listener = kdc.listen(REALM).unwrap();
        let dir =
            std::env::temp_dir().join(format!("sesame-cli-krb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        keytab.write(&dir.join("service.keytab")).unwrap();
        std::fs::write(
            dir.join("krb5.conf"),
            format!(
                "[libdefaults]\n default_realm = {REALM}\n[realms]\n {REALM} = {{\n  kdc = {}\n }}\n[domain_realm]\n localhost = {REALM}\n",
                listener.addr
            ),
        )
        .unwrap();
        Self {
            dir,
            _listener: listener,
            _kdc: kdc,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sesame"));
        c.args(args)
            .env("KRB5_CONFIG", self.dir.join("krb5.conf"))
            .env("KRB5_KTNAME", self.dir.join("service.keytab"))
            .env("KRB5CCNAME", self.cc("default"))
            .env("PW", "Passw0rd1");
        c
    }

    fn cc(&self, name: &str) -> String {
        format!("FILE:{}", self.dir.join(name).display())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

mod common;

use common::Proc;

/// Relays tokens until both say `done` (or one says `error`); returns both last lines.
fn relay(i: &mut Proc, a: &mut Proc) -> (String, String) {
    let (mut i_done, mut a_done) = (String::new(), String::new());
    let mut from_init = true;
    loop {
        let (src, dst) = if from_init {
            (&mut *i, &mut *a)
        } else {
            (&mut *a, &mut *i)
        };
        let line = src.line();
        if let Some(token) = line.strip_prefix("token ") {
            dst.send(token);
            from_init = !from_init;
            continue;
        }
        if from_init {
            i_done.clone_from(&line)
        } else {
            a_done.clone_from(&line)
        }
        if line.starts_with("error") || (!i_done.is_empty() && !a_done.is_empty()) {
            return (i_done, a_done);
        }
        from_init = !from_init;
    }
}

fn exists(path: &str) -> bool {
    Path::new(path.trim_start_matches("FILE:")).exists()
}

#[test]
fn kinit_writes_a_ccache_and_reports_kdc_errors() {
    let realm = Realm::start("kinit");
    let cc = realm.cc("user1");
    let out = realm.run(&["kinit", "user1", "--password-env", "PW", "--ccache", &cc]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = realm.run(&["klist", "--ccache", &cc]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("Default principal: user1@EXAMPLE.TEST"),
        "{text}"
    );
    assert!(text.contains("krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"), "{text}");
    // KRB5CCNAME is the default cache.
    let out = realm.run(&["kinit", "user2@EXAMPLE.TEST", "--password-env", "PW"]);
    assert!(out.status.success());
    assert!(exists(&realm.cc("default")));
    for (args, kind) in [
        (
            vec!["kinit", "user1", "--password-env", "WRONG"],
            "sesame: kdc-err-preauth-failed: KDC_ERR_PREAUTH_FAILED (24)",
        ),
        (
            vec!["kinit", "nobody", "--password-env", "PW"],
            "sesame: kdc-err-c-principal-unknown: KDC_ERR_C_PRINCIPAL_UNKNOWN (6)",
        ),
        (
            vec![
                "kinit",
                "user1",
                "--password-env",
                "PW",
                "--clock-offset",
                "3600",
            ],
            "sesame: krb-ap-err-skew: KRB_AP_ERR_SKEW (37)",
        ),
        (
            vec![
                "kinit",
                "user1",
                "--password-env",
                "PW",
                "--kdc",
                "127.0.0.1:9",
            ],
            "sesame: kdc-unreachable: no KDC of realm EXAMPLE.TEST answered: 127.0.0.1:9 (udp): connection refused",
        ),
    ] {
        let out = realm.cmd(&args).env("WRONG", "wrong").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.starts_with(kind), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn two_sesames_authenticate_with_kerberos() {
    let realm = Realm::start("gss");
    let cc = realm.cc("user1");
    // -f: a forwardable TGT, for the --delegate case (MIT's kinit default is not forwardable).
    assert!(
        realm
            .run(&[
                "kinit",
                "-f",
                "user1",
                "--password-env",
                "PW",
                "--ccache",
                &cc
            ])
            .status
            .success()
    );
    for flags in [
        &["--mutual"][..],
        &[],
        &["--dce"],
        &["--mutual", "--delegate"],
    ] {
        let mut args = vec![
            "init",
            "--mech",
            "kerberos",
            "--target",
            "HTTP/localhost",
            "--ccache",
            &cc,
        ];
        args.extend_from_slice(flags);
        let mut i = Proc::start(realm.cmd(&args));
        let delegated = realm.cc("delegated");
        let mut acc_args = vec!["accept", "--mech", "kerberos"];
        if flags.contains(&"--delegate") {
            acc_args.extend_from_slice(&["--delegated-ccache", &delegated]);
        }
        let mut a = Proc::start(realm.cmd(&acc_args));
        let (i_done, a_done) = relay(&mut i, &mut a);
        assert_eq!(
            i_done, "done kerberos HTTP/localhost@EXAMPLE.TEST",
            "{flags:?}"
        );
        assert_eq!(a_done, "done kerberos user1@EXAMPLE.TEST", "{flags:?}");
        i.send("wrap cGluZw==");
        let wrapped = i.line();
        a.send(&format!(
            "unwrap {}",
            wrapped.strip_prefix("wrapped ").unwrap()
        ));
        assert_eq!(a.line(), "plain cGluZw==");
        assert!(i.finish() && a.finish());
        if flags.contains(&"--delegate") {
            assert!(exists(&delegated));
        }
    }
    // The service ticket was added to the cache.
    let list = realm.run(&["klist", "--ccache", &cc]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("HTTP/localhost@EXAMPLE.TEST"));
}

#[test]
fn user_to_user_between_two_sesames() {
    let realm = Realm::start("u2u");
    let (cc1, cc2) = (realm.cc("user1"), realm.cc("user2"));
    assert!(
        realm
            .run(&["kinit", "user1", "--password-env", "PW", "--ccache", &cc1])
            .status
            .success()
    );
    assert!(
        realm
            .run(&["kinit", "user2", "--password-env", "PW", "--ccache", &cc2])
            .status
            .success()
    );
    let mut i = Proc::start(realm.cmd(&[
        "init",
        "--mech",
        "kerberos",
        "--u2u",
        "--mutual",
        "--target",
        "user2@EXAMPLE.TEST",
        "--ccache",
        &cc1,
    ]));
    let mut a =
        Proc::start(realm.cmd(&["accept", "--mech", "kerberos", "--u2u", "--ccache", &cc2]));
    let (i_done, a_done) = relay(&mut i, &mut a);
    assert_eq!(i_done, "done kerberos-u2u user2@EXAMPLE.TEST");
    assert_eq!(a_done, "done kerberos-u2u user1@EXAMPLE.TEST");
    assert!(i.finish() && a.finish());
}

#[test]
fn an_unknown_service_is_an_error_line() {
    let realm = Realm::start("nosvc");
    let cc = realm.cc("user1");
    assert!(
        realm
            .run(&["kinit", "user1", "--password-env", "PW", "--ccache", &cc])
            .status
            .success()
    );
    let mut i = Proc::start(realm.cmd(&[
        "init",
        "--mech",
        "kerberos",
        "--target",
        "HTTP/nowhere",
        "--ccache",
        &cc,
    ]));
    let line = i.line();
    assert!(
        line.starts_with("error kdc-err-s-principal-unknown ")
            && line.contains("KDC_ERR_S_PRINCIPAL_UNKNOWN (7)"),
        "{line}"
    );
    assert!(!i.finish());
}

/// A new user's session with MIT's tools' habits: `kinit` asking for the password at a prompt
/// on the terminal (driven through a pseudo-terminal by `script`), `kvno`, `klist -l`, a
/// context from the default cache with no credential flags, `kdestroy`.
#[test]
fn kinit_prompts_then_kvno_klist_and_kdestroy() {
    let realm = Realm::start("session");
    let cc = realm.cc("default");
    let sesame = env!("CARGO_BIN_EXE_sesame");
    // `script` gives the command a terminal whose input is our standard input.
    let mut script = Command::new("script");
    script
        .args([
            "-qec",
            &format!("{sesame} kinit user1@EXAMPLE.TEST"),
            "/dev/null",
        ])
        .env("KRB5_CONFIG", realm.dir.join("krb5.conf"))
        .env("KRB5CCNAME", &cc)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = script.spawn().unwrap();
    let mut shown = Vec::new();
    {
        use std::io::{Read as _, Write as _};
        let mut stdout = child.stdout.take().unwrap();
        // Type the password once the prompt is there (echo is off by then).
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&shown).contains("Password for user1@EXAMPLE.TEST:") {
            let n = stdout.read(&mut buf).unwrap();
            assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&shown));
            shown.extend_from_slice(&buf[..n]);
        }
        // rpassword prints the prompt, then turns echo off: give it that moment.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"Passw0rd1\n").unwrap();
        drop(stdin);
        stdout.read_to_end(&mut shown).unwrap();
    }
    let status = child.wait().unwrap();
    let shown = String::from_utf8_lossy(&shown);
    assert!(status.success(), "{shown}");
    assert!(
        !shown.contains("Passw0rd1"),
        "the password is not echoed: {shown}"
    );
    assert!(exists(&cc));

    // kvno: a service ticket into the default cache, as MIT prints it.
    let out = realm.run(&["kvno", "HTTP/localhost"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("HTTP/localhost@EXAMPLE.TEST: kvno = "),
        "{text}"
    );
    let list = realm.run(&["klist", "-c", &cc]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("HTTP/localhost@EXAMPLE.TEST"), "{text}");
    let list = realm.run(&["klist", "-l"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("user1@EXAMPLE.TEST"), "{text}");

    // No credential flags: the default cache, as curl --negotiate -u : does.
    let mut i = Proc::start(realm.cmd(&[
        "init",
        "--mech",
        "negotiate",
        "--target",
        "HTTP/localhost",
        "--mutual",
    ]));
    let mut a = Proc::start(realm.cmd(&["accept", "--mech", "negotiate"]));
    let (init_done, accept_done) = relay(&mut i, &mut a);
    assert_eq!(
        init_done,
        "done spnego/kerberos HTTP/localhost@EXAMPLE.TEST"
    );
    assert_eq!(accept_done, "done spnego/kerberos user1@EXAMPLE.TEST");

    let out = realm.run(&["kdestroy"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!exists(&cc));
    let out = realm.run(&["kdestroy"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no credentials cache found"));
}
