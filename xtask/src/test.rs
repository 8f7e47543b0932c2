//! `cargo xtask test`: format check, clippy with warnings as errors, doc tests, nextest.

use crate::util::{Result, cargo, run};

/// The examples that run alone.
const SELF_CONTAINED: &[&str] = &[
    "negotiate_sans_io",
    "ntlm_pass_the_hash",
    "kerberos_keytab_service",
];

pub fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("test takes no arguments (got {a})"));
    }
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    if crate::util::output(cargo().args(["nextest", "--version"]))
        .map_or(true, |o| !o.status.success())
    {
        run(cargo().args(["install", "--locked", "cargo-nextest"]))?;
    }
    // The facade's self-contained examples, each built and run (they bring their own
    // in-process KDC); the HTTP ones need peers and run in the conformance run.
    let examples = crate::util::root().join("crates/sesame/examples");
    for entry in std::fs::read_dir(&examples).map_err(|e| format!("{}: {e}", examples.display()))? {
        let name = entry.map_err(|e| e.to_string())?.file_name();
        let name = name.to_string_lossy();
        let name = name.trim_end_matches(".rs");
        if !SELF_CONTAINED.contains(&name) && !crate::conformance::HTTP_EXAMPLES.contains(&name) {
            return Err(format!(
                "example {name} is run by neither the tests nor the conformance run"
            ));
        }
    }
    for name in SELF_CONTAINED {
        run(cargo().args([
            "run",
            "--quiet",
            "--locked",
            "-p",
            "sesame",
            "--example",
            name,
        ]))?;
    }
    // Doc tests first, so that the run closes with nextest's summary of every test.
    run(cargo().args(["test", "--workspace", "--locked", "--doc"]))?;
    run(cargo()
        .args([
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--no-fail-fast",
        ])
        .env("RUST_BACKTRACE", "1"))?;
    Ok(())
}
