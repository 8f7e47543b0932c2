//! `sesame klist` and `sesame ktadd` on MIT-written files.
#![allow(clippy::unwrap_used)] // test helpers

use std::process::Command;

fn sesame(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(args)
        .envs(env.iter().copied())
        .env("KRB5_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sesame-kerberos/tests/vectors/mit/"
);

#[test]
fn klist_lists_an_mit_keytab_and_ccache() {
    let (ok, out, _) = sesame(
        &["klist", "--keytab", &format!("{VECTORS}service.keytab")],
        &[],
    );
    assert!(ok);
    assert_eq!(
        out.lines().filter(|l| l.contains("@EXAMPLE.TEST")).count(),
        8
    );
    assert!(
        out.contains("   2 HTTP/localhost@EXAMPLE.TEST (aes256-cts-hmac-sha384-192)"),
        "{out}"
    );

    let (ok, out, _) = sesame(
        &["klist", "--ccache", &format!("FILE:{VECTORS}ccache-user1")],
        &[],
    );
    assert!(ok);
    assert!(out.contains("Default principal: user1@EXAMPLE.TEST"));
    assert!(out.contains("krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"));
    assert!(out.contains("Flags: RIA"));
    assert!(
        !out.contains("X-CACHECONF"),
        "configuration entries are not tickets"
    );

    let (ok, out, _) = sesame(
        &["klist"],
        &[("KRB5CCNAME", &format!("{VECTORS}ccache-utf8"))],
    );
    assert!(ok, "KRB5CCNAME is the default cache");
    assert!(out.contains("Default principal: пользователь@EXAMPLE.TEST"));
}

#[test]
fn ktadd_then_klist() {
    let path = std::env::temp_dir().join(format!("sesame-ktadd-{}.keytab", std::process::id()));
    let p = path.to_str().unwrap();
    let (ok, out, err) = sesame(
        &[
            "ktadd",
            p,
            "HTTP/web.example.test@EXAMPLE.TEST",
            "--password-env",
            "PW",
            "--kvno",
            "3",
            "--enctypes",
            "aes256-cts,aes128-sha2",
        ],
        &[("PW", "secret")],
    );
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 2);
    let (ok, out, _) = sesame(&["klist", "--keytab", p], &[]);
    assert!(ok);
    assert!(out.contains("   3 HTTP/web.example.test@EXAMPLE.TEST (aes256-cts-hmac-sha1-96)"));
    assert!(out.contains("   3 HTTP/web.example.test@EXAMPLE.TEST (aes128-cts-hmac-sha256-128)"));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn errors_are_one_line_reasons() {
    for (args, env) in [
        (vec!["klist", "--keytab", "/nonexistent/keytab"], vec![]),
        (vec!["klist", "--ccache", "KEYRING:x"], vec![]),
        (
            vec![
                "klist",
                "--ccache",
                concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
            ],
            vec![],
        ),
        (
            vec![
                "ktadd",
                "/tmp/x.kt",
                "user@R",
                "--password-env",
                "UNSET_VARIABLE_XYZ",
            ],
            vec![],
        ),
        (
            vec![
                "ktadd",
                "/tmp/x.kt",
                "user@R",
                "--password-env",
                "PW",
                "--enctypes",
                "des-cbc-crc",
            ],
            vec![("PW", "x")],
        ),
        (
            vec![
                "ktadd",
                "/tmp/x.kt",
                "user-without-realm",
                "--password-env",
                "PW",
            ],
            vec![("PW", "x")],
        ),
    ] {
        let (ok, _, err) = sesame(&args, &env);
        assert!(!ok, "{args:?}");
        assert!(
            err.starts_with("sesame: ") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}
