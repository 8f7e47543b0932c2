//! rc4-hmac (RFC 4757). Weak (RFC 8429); reachable only through the explicit opt-in of
//! [`super::Enctype::rc4_hmac_weak`].

use core::ops::Range;

use hmac::{Hmac, Mac};
use md4::Md4;
use md5::{Digest, Md5};
use rc4::{Rc4, StreamCipher};
use sha1::Sha1;
use zeroize::Zeroizing;

use super::{CryptoError, hmac, tags_equal};

const MAC: usize = 16;
const CONF: usize = 8;

type HmacMd5 = Hmac<Md5>;

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    let mut m = hmac::<HmacMd5>(key);
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// RFC 4757 2: the NT hash, MD4 of the UTF-16LE password.
pub(super) fn string_to_key(password: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let text = core::str::from_utf8(password)
        .map_err(|_| CryptoError::BadParams("rc4-hmac password must be UTF-8"))?;
    let utf16: Zeroizing<Vec<u8>> =
        Zeroizing::new(text.encode_utf16().flat_map(u16::to_le_bytes).collect());
    Ok(Zeroizing::new(Md4::digest(&*utf16).to_vec()))
}

/// The message type T of a key usage (RFC 4757 3, as MIT and Windows do it since 2003): usage 3
/// (AS-REP enc-part) is 8, usage 23 is 13, the others are themselves.
fn ms_usage(usage: u32) -> u32 {
    match usage {
        3 => 8,
        23 => 13,
        u => u,
    }
}

/// MIT's PRF for rc4-hmac: HMAC-SHA1(key, input).
pub(super) fn prf(key: &[u8], input: &[u8]) -> Vec<u8> {
    let mut m = hmac::<Hmac<Sha1>>(key);
    m.update(input);
    m.finalize().into_bytes().to_vec()
}

/// RC4 with a 16-byte key over `data` in place.
fn rc4(key: &[u8; 16], data: &mut [u8]) {
    // 16 bytes is within RC4's key sizes, so this cannot fail.
    if let Ok(mut cipher) = <Rc4 as rc4::KeyInit>::new_from_slice(key) {
        cipher.apply_keystream(data);
    }
}

#[derive(Clone)]
pub(super) struct UsageKeys {
    /// K1 = HMAC-MD5(K, T).
    k1: Zeroizing<[u8; 16]>,
    /// Ksign = HMAC-MD5(K, "signaturekey\0"), for the hmac-md5 checksum.
    ksign: Zeroizing<[u8; 16]>,
    ms_usage: u32,
}

impl UsageKeys {
    pub(super) fn derive(base: &[u8], usage: u32) -> Self {
        let ms_usage = ms_usage(usage);
        Self {
            k1: Zeroizing::new(hmac_md5(base, &[&ms_usage.to_le_bytes()])),
            ksign: Zeroizing::new(hmac_md5(base, &[b"signaturekey\0"])),
            ms_usage,
        }
    }

    /// `buf` = confounder | plaintext | 16 bytes of room; becomes checksum | RC4(K3,
    /// confounder | plaintext) with checksum = HMAC-MD5(K1, confounder | plaintext) and
    /// K3 = HMAC-MD5(K1, checksum) (RFC 4757 5).
    pub(super) fn seal(&self, buf: &mut [u8]) {
        let data_len = buf.len() - MAC;
        let checksum = hmac_md5(&*self.k1, &[&buf[..data_len]]);
        buf.copy_within(..data_len, MAC);
        buf[..MAC].copy_from_slice(&checksum);
        let k3 = Zeroizing::new(hmac_md5(&*self.k1, &[&checksum]));
        rc4(&k3, &mut buf[MAC..]);
    }

    pub(super) fn open(&self, buf: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let (checksum, data) = buf.split_at_mut(MAC);
        let k3 = Zeroizing::new(hmac_md5(&*self.k1, &[checksum]));
        rc4(&k3, data);
        if tags_equal(&hmac_md5(&*self.k1, &[data]), checksum) {
            Ok(MAC + CONF..buf.len())
        } else {
            Err(CryptoError::IntegrityCheckFailed)
        }
    }

    /// hmac-md5 (RFC 4757 4): HMAC-MD5(Ksign, MD5(T | data)).
    pub(super) fn checksum(&self, parts: &[&[u8]], out: &mut [u8]) {
        let mut md5 = Md5::new().chain_update(self.ms_usage.to_le_bytes());
        for data in parts {
            md5.update(data);
        }
        let inner = md5.finalize();
        for (o, b) in out.iter_mut().zip(hmac_md5(&*self.ksign, &[&inner]).iter()) {
            *o = *b;
        }
    }
}

/// The hmac-md5 checksum (RFC 4757 4, type -138) keyed with any key's bytes: what MS-SFU's
/// PA-FOR-USER carries whatever the TGT session key's enctype (MS-SFU 2.2.1).
pub(super) fn hmac_md5_checksum(key: &[u8], usage: u32, data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    UsageKeys::derive(key, usage).checksum(&[data], &mut out);
    out
}
