//! The primitive bounds from `openssl speed` on this machine, 64 KiB messages.

use std::process::Command;

/// MB/s of one `openssl speed -bytes 65536` run (its last line, in 1000s of bytes per second).
fn mbps(args: &[&str]) -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "2", "-bytes", "65536"])
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let k = text
        .lines()
        .last()?
        .split_whitespace()
        .last()?
        .trim_end_matches('k');
    k.parse::<f64>()
        .ok()
        .map(|k| k / 1000.0)
        .filter(|x| *x > 0.0)
}

/// NTLM seal+unseal: RC4 and HMAC-MD5 over the message on each side.
pub fn ntlm_seal_bound() -> Option<f64> {
    let rc4 = mbps(&["-provider", "legacy", "-provider", "default", "-evp", "rc4"])?;
    let hmac = mbps(&["-hmac", "md5"])?;
    Some(1.0 / (2.0 / rc4 + 2.0 / hmac))
}

/// aes256-cts-hmac-sha1-96 encrypt+decrypt: CBC encryption, CBC decryption, HMAC-SHA1 over
/// the plaintext on each side.
pub fn aes_sha1_bound() -> Option<f64> {
    let enc = mbps(&["-evp", "aes-256-cbc"])?;
    let dec = mbps(&["-decrypt", "-evp", "aes-256-cbc"])?;
    let sha1 = mbps(&["-evp", "sha1"])?;
    Some(1.0 / (1.0 / enc + 1.0 / dec + 2.0 / sha1))
}
