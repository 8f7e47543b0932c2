//! `sesame`: command-line tools for Windows-style integrated authentication.
//!
//! `decode` (show a token), `klist` (list a keytab or a credential cache), `ktadd` (add
//! password-derived keys to a keytab), `kinit` (get a TGT), `init` / `accept` (NTLM and
//! Kerberos contexts over the token line protocol). See docs/cli.md.
#![forbid(unsafe_code)]

mod args;
mod decode;
mod http;
mod kerberos;
mod klist;
mod ktadd;
mod negotiate;
mod policy;
mod tokens;

use std::process::ExitCode;

fn usage() -> String {
    format!(
        "usage:\n  {}\n  {}\n  {}\n  {}\n  {}\n  {}\n  {}\n  {}",
        decode::USAGE,
        klist::USAGE,
        ktadd::USAGE,
        kerberos::KINIT_USAGE,
        kerberos::LOCATE_USAGE,
        http::USAGE,
        tokens::INIT_USAGE,
        tokens::ACCEPT_USAGE
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("decode") => decode::run(rest),
        Some("klist") => klist::run(rest),
        Some("ktadd") => ktadd::run(rest),
        Some("kinit") => kerberos::kinit(rest),
        Some("locate") => kerberos::locate(rest),
        Some("http") => http::run(rest),
        Some("init") => tokens::init(rest),
        Some("accept") => tokens::accept(rest),
        Some("-h" | "--help" | "help") => {
            println!("{}", usage());
            Ok(())
        }
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sesame: {e}");
            ExitCode::FAILURE
        }
    }
}
