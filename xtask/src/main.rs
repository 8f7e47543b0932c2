//! `cargo xtask <command>`: the project's build driver.
//!
//! - `test`: format check, clippy (warnings are errors), nextest over the workspace, doc tests.
//! - `conformance`: real third-party peers on 127.0.0.1; prints the interop matrix.
//! - `fuzz [--seconds N]`: every fuzz target for N seconds (default 20); prints execs/s.
//! - `bench`: the benchmarks, with their figures and the load test; `bench --versus`: Sesame
//!   beside sspi-rs, picky-krb, MIT and `openssl speed` in one table (docs/performance.md).
//! - `demo`: Negotiate end to end in one process (client, server, test KDC): Kerberos, then the
//!   NTLM fallback with the KDC unreachable, every message decoded.

mod bench;
mod conformance;
mod demo;
mod fuzz;
mod test;
mod util;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args
        .split_first()
        .map_or(("", &[][..]), |(c, r)| (c.as_str(), r));
    let result = match cmd {
        "test" => test::main(rest),
        "conformance" => conformance::main(rest),
        "fuzz" => fuzz::main(rest),
        "bench" => bench::main(rest),
        "demo" => demo::main(rest),
        _ => Err(format!("unknown command `{cmd}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str =
    "usage: cargo xtask test | conformance | fuzz [--seconds N] | bench [--versus] | demo";
