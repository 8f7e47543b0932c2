//! `sesame`: command-line tools for Windows-style integrated authentication.
//!
//! So far: `sesame decode`, which shows what a token or Kerberos message holds. The mechanism
//! commands (`init`, `accept`, `kinit`, `klist`, `http`) arrive with their crates; see
//! docs/cli.md.
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::process::ExitCode;

use base64::Engine as _;
use sesame_asn1::message::AnyMessage;

const USAGE: &str = "usage: sesame decode [--hex | --raw] [FILE]
  Decodes a Kerberos message, a GSS-API token or a SPNEGO token and prints its fields.
  The input (FILE, or standard input) is base64 unless --hex or --raw says otherwise;
  an `Authorization: Negotiate <base64>` header line is accepted as it is.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("decode") => decode(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone, Copy)]
enum Format {
    Base64,
    Hex,
    Raw,
}

fn decode(args: &[String]) -> Result<(), String> {
    let mut format = Format::Base64;
    let mut file = None;
    for a in args {
        match a.as_str() {
            "--hex" => format = Format::Hex,
            "--raw" => format = Format::Raw,
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option {s}\n{USAGE}"));
            }
            s => file = Some(s.to_string()),
        }
    }
    let mut input = Vec::new();
    match file.as_deref() {
        None | Some("-") => std::io::stdin().read_to_end(&mut input).map(drop),
        Some(path) => std::fs::read(path).map(|b| input = b),
    }
    .map_err(|e| format!("cannot read input: {e}"))?;
    let bytes = parse_input(format, &input)?;
    let message = AnyMessage::decode(&bytes).map_err(|e| format!("error decode {e}"))?;
    let mut out = std::io::stdout().lock();
    match writeln!(
        out,
        "{} ({} bytes)\n{message:#?}",
        message.kind(),
        bytes.len()
    ) {
        // A reader that stops early (`sesame decode | head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write: {e}")),
        _ => Ok(()),
    }
}

fn parse_input(format: Format, input: &[u8]) -> Result<Vec<u8>, String> {
    let text = || String::from_utf8_lossy(input).trim().to_string();
    match format {
        Format::Raw => Ok(input.to_vec()),
        Format::Hex => {
            let digits: String = text().chars().filter(|c| !c.is_whitespace()).collect();
            (0..digits.len())
                .step_by(2)
                .map(|i| {
                    digits
                        .get(i..i + 2)
                        .and_then(|d| u8::from_str_radix(d, 16).ok())
                        .ok_or_else(|| "input is not hex".to_string())
                })
                .collect()
        }
        Format::Base64 => {
            let t = text();
            // Accept an HTTP header line as copied from a browser or curl -v.
            let t = t.rsplit(' ').next().unwrap_or_default();
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .map_err(|e| format!("input is not base64: {e}"))
        }
    }
}
