//! `sesame`: command-line tools for Windows-style integrated authentication.
//!
//! `decode` (show a token), `klist`, `ktadd`, `kinit`, `kvno`, `kdestroy` (as MIT's tools),
//! `locate` (find KDCs), `http` (as `curl --negotiate`), `init` / `accept` (contexts over the
//! token line protocol), `completions`. See docs/cli.md; `sesame <command> --help`.
#![forbid(unsafe_code)]

mod cli;
mod credssp;
mod decode;
mod http;
mod kerberos;
mod kinds;
mod klist;
mod ktadd;
mod negotiate;
mod pac;
mod password;
mod policy;
mod rdp;
mod tokens;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser as _};

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = match &cli.command {
        Command::Decode(a) => decode::run(a),
        Command::Klist(a) => klist::run(a),
        Command::Ktadd(a) => ktadd::run(a),
        Command::Kinit(a) => kerberos::kinit(a),
        Command::Kvno(a) => kerberos::kvno(a),
        Command::Kpasswd(a) => kerberos::kpasswd(a),
        Command::Kdestroy(a) => kerberos::kdestroy(a),
        Command::Kswitch(a) => kerberos::kswitch(a),
        Command::Locate(a) => kerberos::locate(a),
        Command::Http(a) => http::run(a),
        Command::RdpAuth(a) => rdp::auth(a),
        Command::RdpListen(a) => rdp::listen(a),
        Command::Init(a) => tokens::init(a),
        Command::Accept(a) => tokens::accept(a),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "sesame",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sesame: {e}");
            ExitCode::FAILURE
        }
    }
}

/// clap's message for `--help`, `--version` and usage errors; `init` and `accept` also say
/// `error usage ...` on standard output, as their token line protocol promises.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let protocol = std::env::args()
        .nth(1)
        .is_some_and(|c| c == "init" || c == "accept");
    if protocol {
        let first = e.to_string();
        let first = first.lines().next().unwrap_or_default();
        let first = first.strip_prefix("error: ").unwrap_or(first);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "error usage {first}");
        let _ = out.flush();
    }
    let _ = e.print();
    ExitCode::from(2)
}
