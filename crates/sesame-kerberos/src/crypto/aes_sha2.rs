//! aes128-cts-hmac-sha256-128 and aes256-cts-hmac-sha384-192 (RFC 8009): AES-CTS with
//! encrypt-then-MAC over the initial vector and the ciphertext, keys from an SP 800-108 HMAC KDF.

use core::ops::Range;

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};
use zeroize::Zeroizing;

use super::aes_cts::AesKey;
use super::aes_sha1::iterations;
use super::{CryptoError, Enctype, Kind, hmac, tags_equal, usage_constant};

const CONF: usize = 16;

/// HMAC-SHA-256 for aes128, HMAC-SHA-384 for aes256, keyed once.
#[derive(Clone)]
enum Sha2Hmac {
    S256(Hmac<Sha256>),
    S384(Hmac<Sha384>),
}

impl Sha2Hmac {
    fn new(enctype: Enctype, key: &[u8]) -> Self {
        match enctype.0 {
            Kind::Aes256Sha384 => Self::S384(hmac::<Hmac<Sha384>>(key)),
            _ => Self::S256(hmac::<Hmac<Sha256>>(key)),
        }
    }

    /// HMAC of the concatenation of `parts`, truncated to `out.len()`.
    fn mac_into(&self, parts: &[&[u8]], out: &mut [u8]) {
        fn run<M: Mac + Clone>(m: &M, parts: &[&[u8]], out: &mut [u8]) {
            let mut m = m.clone();
            for p in parts {
                m.update(p);
            }
            for (o, b) in out.iter_mut().zip(m.finalize().into_bytes().iter()) {
                *o = *b;
            }
        }
        match self {
            Self::S256(m) => run(m, parts, out),
            Self::S384(m) => run(m, parts, out),
        }
    }
}

/// KDF-HMAC-SHA2(key, label, context, k) = k-truncate(HMAC(key, 00000001 | label | 00 |
/// context | k)) (RFC 8009 3; `k` in bits, big-endian).
fn kdf(
    enctype: Enctype,
    key: &[u8],
    label: &[u8],
    context: &[u8],
    bytes: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; bytes]);
    let bits = u32::try_from(bytes * 8).unwrap_or(0).to_be_bytes();
    Sha2Hmac::new(enctype, key).mac_into(
        &[&1u32.to_be_bytes(), label, &[0], context, &bits],
        &mut out,
    );
    out
}

/// Lengths of Ke and of Ki / Kc and the tag (RFC 8009 3).
fn lengths(enctype: Enctype) -> (usize, usize) {
    match enctype.0 {
        Kind::Aes256Sha384 => (32, 24),
        _ => (16, 16),
    }
}

/// RFC 8009 4: PBKDF2 with the enctype's hash over saltp = enctype-name | 00 | salt (default
/// 32768 iterations), then KDF(tkey, "kerberos").
pub(super) fn string_to_key(
    enctype: Enctype,
    password: &[u8],
    salt: &[u8],
    params: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let iterations = iterations(params, 32_768)?;
    let mut saltp = enctype.name().as_bytes().to_vec();
    saltp.push(0);
    saltp.extend_from_slice(salt);
    let mut tkey = Zeroizing::new(vec![0u8; enctype.key_len()]);
    match enctype.0 {
        Kind::Aes256Sha384 => {
            pbkdf2::pbkdf2_hmac::<Sha384>(password, &saltp, iterations, &mut tkey)
        }
        _ => pbkdf2::pbkdf2_hmac::<Sha256>(password, &saltp, iterations, &mut tkey),
    }
    Ok(kdf(enctype, &tkey, b"kerberos", &[], enctype.key_len()))
}

/// RFC 8009 5: PRF = KDF-HMAC-SHA2(base-key, "prf", input, 256 or 384).
pub(super) fn prf(enctype: Enctype, key: &[u8], input: &[u8]) -> Vec<u8> {
    let len = match enctype.0 {
        Kind::Aes256Sha384 => 48,
        _ => 32,
    };
    kdf(enctype, key, b"prf", input, len).to_vec()
}

#[derive(Clone)]
pub(super) struct UsageKeys {
    ke: AesKey,
    ki: Sha2Hmac,
    kc: Sha2Hmac,
    mac_len: usize,
}

impl UsageKeys {
    pub(super) fn derive(enctype: Enctype, base: &[u8], usage: u32) -> Self {
        let (ke_len, mac_len) = lengths(enctype);
        let ke = kdf(enctype, base, &usage_constant(usage, 0xAA), &[], ke_len);
        let ki = kdf(enctype, base, &usage_constant(usage, 0x55), &[], mac_len);
        let kc = kdf(enctype, base, &usage_constant(usage, 0x99), &[], mac_len);
        Self {
            ke: AesKey::derived(&ke),
            ki: Sha2Hmac::new(enctype, &ki),
            kc: Sha2Hmac::new(enctype, &kc),
            mac_len,
        }
    }

    /// Encrypt, then HMAC over the zero initial vector and the ciphertext (RFC 8009 5).
    pub(super) fn seal(&self, buf: &mut [u8]) {
        let split = buf.len() - self.mac_len;
        let (data, tag) = buf.split_at_mut(split);
        self.ke.cts_encrypt(data);
        self.ki.mac_into(&[&[0u8; 16], data], tag);
    }

    /// Check the HMAC first, then decrypt.
    pub(super) fn open(&self, buf: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let split = buf.len() - self.mac_len;
        let (data, tag) = buf.split_at_mut(split);
        let mut expected = [0u8; 24];
        let expected = &mut expected[..self.mac_len];
        self.ki.mac_into(&[&[0u8; 16], data], expected);
        if !tags_equal(expected, tag) {
            return Err(CryptoError::IntegrityCheckFailed);
        }
        self.ke.cts_decrypt(data);
        Ok(CONF..split)
    }

    pub(super) fn checksum(&self, parts: &[&[u8]], out: &mut [u8]) {
        self.kc.mac_into(parts, out);
    }
}
