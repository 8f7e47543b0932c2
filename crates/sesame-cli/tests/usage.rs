//! The command line as users meet it: `--help` on every subcommand, a misspelt flag named with
//! the right one, shell completions, and the token line protocol's `error usage` line.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::process::Command;

fn sesame(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "decode",
        "klist",
        "ktadd",
        "kinit",
        "kvno",
        "kdestroy",
        "locate",
        "http",
        "init",
        "accept",
        "completions",
    ] {
        for flag in ["--help", "-h"] {
            let (code, out, _) = sesame(&[sub, flag]);
            assert_eq!(code, 0, "{sub} {flag}");
            assert!(
                out.contains(&format!("Usage: sesame {sub}")),
                "{sub}: {out}"
            );
        }
    }
    let (code, out, _) = sesame(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("kinit") && out.contains("http"), "{out}");
}

#[test]
fn a_wrong_flag_is_named_with_the_right_one() {
    let (code, _, err) = sesame(&["kinit", "user1", "--pasword-env", "PW"]);
    assert_eq!(code, 2);
    assert!(err.contains("'--pasword-env'"), "{err}");
    assert!(err.contains("'--password-env'"), "{err}");
    // MIT's short flags.
    let (_, out, _) = sesame(&["kinit", "--help"]);
    for short in [
        "-c, --ccache",
        "-k",
        "-t, --keytab",
        "-l, --lifetime",
        "-r, --renewable",
    ] {
        assert!(out.contains(short), "kinit {short}: {out}");
    }
    let (_, out, _) = sesame(&["klist", "--help"]);
    for short in ["-c, --ccache", "-k, --keytab", "-e", "-l"] {
        assert!(out.contains(short), "klist {short}: {out}");
    }
}

#[test]
fn the_protocol_commands_say_usage_on_their_output() {
    let (code, out, err) = sesame(&["init", "--mech", "kerberos5"]);
    assert_ne!(code, 0);
    assert!(out.starts_with("error usage "), "{out}");
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn completions_for_bash() {
    let (code, out, _) = sesame(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("_sesame()") && out.contains("kinit"), "{out}");
}
