//! aes128-cts-hmac-sha1-96 and aes256-cts-hmac-sha1-96 (RFC 3962): the simplified profile of
//! RFC 3961 5.3 with AES-CTS and HMAC-SHA1 truncated to 96 bits.

use core::ops::Range;

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::aes_cts::AesKey;
use super::{CryptoError, hmac, nfold, tags_equal, usage_constant};

const MAC: usize = 12;
const CONF: usize = 16;

/// DK(key, constant) = random-to-key(DR(key, constant)) (RFC 3961 5.1): AES-encrypt the n-folded
/// constant, then each output block again, until there are enough bytes for a key.
pub(super) fn dk(key: &[u8], constant: &[u8]) -> Zeroizing<Vec<u8>> {
    let Some(aes) = AesKey::new(key) else {
        return Zeroizing::new(vec![0; key.len()]);
    };
    let mut out = Zeroizing::new(Vec::with_capacity(key.len() + 16));
    let mut block = Zeroizing::new(nfold(constant, 16));
    while out.len() < key.len() {
        aes.cts_encrypt(&mut block);
        out.extend_from_slice(&block);
    }
    out.truncate(key.len());
    out
}

/// RFC 3962 4: PBKDF2-HMAC-SHA1 with the iteration count of `params` (default 4096), then
/// DK(tkey, "kerberos").
pub(super) fn string_to_key(
    key_len: usize,
    password: &[u8],
    salt: &[u8],
    params: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let iterations = iterations(params, 4096)?;
    let mut tkey = Zeroizing::new(vec![0u8; key_len]);
    super::pbkdf2_sha1::pbkdf2_hmac_sha1(password, salt, iterations, &mut tkey);
    Ok(dk(&tkey, b"kerberos"))
}

/// The iteration count in `s2kparams`: 4 bytes, big-endian, not zero.
pub(super) fn iterations(params: Option<&[u8]>, default: u32) -> Result<u32, CryptoError> {
    match params {
        None => Ok(default),
        Some(p) => {
            let bytes: [u8; 4] = p
                .try_into()
                .map_err(|_| CryptoError::BadParams("AES s2kparams must be 4 bytes"))?;
            match u32::from_be_bytes(bytes) {
                0 => Err(CryptoError::BadParams("iteration count 0")),
                n => Ok(n),
            }
        }
    }
}

/// RFC 3962 4: PRF = E(DK(key, "prf"), truncate(SHA-1(input)) to a block).
pub(super) fn prf(key: &[u8], input: &[u8]) -> Vec<u8> {
    let kp = dk(key, b"prf");
    let mut block = Sha1::digest(input)[..16].to_vec();
    if let Some(aes) = AesKey::new(&kp) {
        aes.cts_encrypt(&mut block);
    }
    block
}

/// Ke, Ki and Kc of one usage.
#[derive(Clone)]
pub(super) struct UsageKeys {
    ke: AesKey,
    ki: Hmac<Sha1>,
    kc: Hmac<Sha1>,
}

impl UsageKeys {
    pub(super) fn derive(base: &[u8], usage: u32) -> Self {
        let ke = dk(base, &usage_constant(usage, 0xAA));
        let ki = dk(base, &usage_constant(usage, 0x55));
        let kc = dk(base, &usage_constant(usage, 0x99));
        Self {
            ke: AesKey::derived(&ke),
            ki: hmac(&ki),
            kc: hmac(&kc),
        }
    }

    /// `buf` = confounder | plaintext | 12 bytes of room: HMAC over the plaintext (with its
    /// confounder) into the room, then encrypt the rest in place.
    pub(super) fn seal(&self, buf: &mut [u8]) {
        let split = buf.len() - MAC;
        let (data, tag) = buf.split_at_mut(split);
        let mut mac = self.ki.clone();
        self.ke
            .cts_encrypt_observing(data, &mut |plain| mac.update(plain));
        tag.copy_from_slice(&mac.finalize().into_bytes()[..MAC]);
    }

    /// Decrypts, then checks the HMAC over the plaintext; returns where the message is.
    pub(super) fn open(&self, buf: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let split = buf.len() - MAC;
        let (data, tag) = buf.split_at_mut(split);
        let mut mac = self.ki.clone();
        self.ke
            .cts_decrypt_observing(data, &mut |plain| mac.update(plain));
        if tags_equal(&mac.finalize().into_bytes()[..MAC], tag) {
            Ok(CONF..split)
        } else {
            Err(CryptoError::IntegrityCheckFailed)
        }
    }

    pub(super) fn checksum(&self, parts: &[&[u8]], out: &mut [u8]) {
        let mut mac = self.kc.clone();
        for data in parts {
            mac.update(data);
        }
        let full = mac.finalize().into_bytes();
        for (o, b) in out.iter_mut().zip(full.iter()) {
            *o = *b;
        }
    }
}
