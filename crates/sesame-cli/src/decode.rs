//! `sesame decode`: show what a token or Kerberos message holds.

use std::io::{Read, Write};

use base64::Engine as _;
use sesame_asn1::message::AnyMessage;

use crate::cli::DecodeArgs;

pub fn run(args: &DecodeArgs) -> Result<(), String> {
    let mut input = Vec::new();
    match args.file.as_deref() {
        None | Some("-") => std::io::stdin().read_to_end(&mut input).map(drop),
        Some(path) => std::fs::read(path).map(|b| input = b),
    }
    .map_err(|e| format!("cannot read input: {e}"))?;
    let bytes = if args.raw {
        input
    } else if args.hex {
        parse_hex(&input)?
    } else {
        let text = String::from_utf8_lossy(&input).trim().to_string();
        // Accept an HTTP header line as copied from a browser or curl -v.
        let last = text.rsplit(' ').next().unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(last)
            .map_err(|e| format!("input is not base64: {e}"))?
    };
    let message = AnyMessage::decode(&bytes).map_err(|e| format!("not a message: {e}"))?;
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

fn parse_hex(input: &[u8]) -> Result<Vec<u8>, String> {
    let digits: String = String::from_utf8_lossy(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
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
