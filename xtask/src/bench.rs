//! `cargo xtask bench`: every benchmark of the workspace (divan prints the figures, and the
//! load test its own), then the Kerberos AES bound from `openssl speed` on this machine and
//! Sesame's share of it; the load test's figures go to docs/performance.md.
//!
//! `cargo xtask bench --versus`: the side-by-side table (versus/, its own workspace, so that
//! nothing else ever builds sspi-rs or picky-krb): Sesame beside sspi-rs, picky-krb, MIT's
//! GSSAPI and `openssl speed` in one run, written to docs/performance.md.

use std::process::Command;

use crate::util::{Result, cargo, ensure_apt, output, root, run, show};

/// The page both parts write: the versus table first, the load test under `## Load`.
const PAGE: &str = "docs/performance.md";

pub fn main(args: &[String]) -> Result {
    if args.first().map(String::as_str) == Some("--versus") {
        return versus(&args[1..]);
    }
    let mut cmd = cargo();
    cmd.args(["bench", "--workspace", "--locked"]);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    eprintln!("$ {}", show(&cmd));
    let out = output(&mut cmd)?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    if !out.status.success() {
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        return Err("benchmarks failed".into());
    }
    openssl_comparison(&text);
    write_load(&text)
}

/// Builds versus/ (MIT's GSSAPI headers come from libkrb5-dev) and runs it; it prints the
/// table and writes it to the page.
fn versus(args: &[String]) -> Result {
    ensure_apt(&["libkrb5-dev", "gcc", "openssl"])?;
    let manifest = root().join("versus/Cargo.toml");
    run(cargo()
        .args(["build", "--release", "--locked", "--manifest-path"])
        .arg(&manifest))?;
    run(
        Command::new(root().join("versus/target/release/sesame-versus"))
            .arg("--write")
            .arg(root().join(PAGE))
            .args(args),
    )
}

/// Puts the load test's lines under `## Load` on the page, keeping what is above it and the
/// `## Notes` below it.
fn write_load(bench: &str) -> Result {
    let Some(start) = bench.find("\nload: ") else {
        return Ok(());
    };
    let block: Vec<&str> = bench[start + 1..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let path = root().join(PAGE);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let head = old.split("\n## Load").next().unwrap_or_default().trim_end();
    // Hand-written notes at the end of the page stay.
    let notes = old.find("\n## Notes").map_or("", |i| &old[i..]);
    let text = format!(
        "{head}\n\n## Load\n\nWritten by `cargo xtask bench` (sesame-negotiate's `load` bench).\n\n```\n{}\n```\n{notes}",
        block.join("\n")
    );
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("load figures written to {PAGE}");
    Ok(())
}

/// MB/s of one `openssl speed -bytes 65536` run (its last line, in 1000s of bytes per second).
fn openssl_mbps(args: &[&str]) -> Option<f64> {
    let out = output(
        Command::new("openssl")
            .args(["speed", "-seconds", "3", "-bytes", "65536"])
            .args(args),
    )
    .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last()?;
    let k = last.split_whitespace().last()?.trim_end_matches('k');
    k.parse::<f64>().ok().map(|k| k / 1000.0)
}

/// The `fastest` and `median` MB/s of a divan row `bench` / `arg`.
fn divan_mbps(text: &str, bench: &str, arg: &str) -> Option<(f64, f64)> {
    let mut lines = text.lines().skip_while(|l| !l.contains(bench));
    let _ = lines.next()?;
    let mut rest = lines.skip_while(|l| !l.split_whitespace().any(|w| w == arg));
    let _ = rest.next()?;
    let throughput = rest.next()?;
    let values: Vec<f64> = throughput
        .split('│')
        .filter_map(|cell| {
            let mut words = cell.split_whitespace();
            let number: f64 = words.next()?.parse().ok()?;
            match words.next()? {
                "GB/s" => Some(number * 1000.0),
                "MB/s" => Some(number),
                "KB/s" => Some(number / 1000.0),
                _ => None,
            }
        })
        .collect();
    Some((*values.first()?, *values.get(2)?))
}

fn openssl_comparison(bench: &str) {
    let enc = openssl_mbps(&["-evp", "aes-256-cbc"]);
    let dec = openssl_mbps(&["-decrypt", "-evp", "aes-256-cbc"]);
    let sha1 = openssl_mbps(&["-evp", "sha1"]);
    let (Some(enc), Some(dec), Some(sha1)) = (enc, dec, sha1) else {
        println!("\nopenssl speed did not run; no comparison");
        return;
    };
    // Encrypt+decrypt of one message: CBC encryption, CBC decryption, and HMAC-SHA1 over the
    // plaintext on each side.
    let bound = 1.0 / (1.0 / enc + 1.0 / dec + 2.0 / sha1);
    println!("\n## aes256-cts-hmac-sha1-96 against openssl speed (64 KiB)");
    println!(
        "openssl: AES-256-CBC encrypt {enc:.0} MB/s, decrypt {dec:.0} MB/s, SHA-1 {sha1:.0} MB/s"
    );
    println!("bound for encrypt+decrypt (CBC enc + CBC dec + 2 x HMAC-SHA1): {bound:.0} MB/s");
    match divan_mbps(bench, "aes256_sha1_encrypt_decrypt", "65536") {
        Some((fastest, median)) => println!(
            "sesame: fastest {fastest:.0} MB/s ({:.1} % of the bound), median {median:.0} MB/s ({:.1} %)",
            100.0 * fastest / bound,
            100.0 * median / bound
        ),
        None => println!("sesame: the aes256_sha1_encrypt_decrypt/65536 row was not found"),
    }
}
