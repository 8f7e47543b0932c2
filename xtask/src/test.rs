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
