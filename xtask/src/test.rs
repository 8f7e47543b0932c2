//! `cargo xtask test`: format check, clippy with warnings as errors, doc tests, nextest.

use crate::util::{Result, cargo, run};

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
    // The facade's examples, each built and run (they bring their own in-process KDC).
    let examples = crate::util::root().join("crates/sesame/examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .map_err(|e| format!("{}: {e}", examples.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
        .collect();
    names.sort();
    for name in names {
        run(cargo().args([
            "run",
            "--quiet",
            "--locked",
            "-p",
            "sesame",
            "--example",
            &name,
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
