//! Kerberos cryptography (RFC 3961) and its encryption types: aes128/aes256-cts-hmac-sha1-96
//! (RFC 3962), aes128-cts-hmac-sha256-128 and aes256-cts-hmac-sha384-192 (RFC 8009), and
//! rc4-hmac (RFC 4757) behind an explicit opt-in. No single DES.
//!
//! A [`Key`] is a base key. [`Key::usage`] derives, once, everything one key usage needs (the
//! encryption, integrity and checksum keys, with the AES key schedule expanded and the HMAC
//! pads hashed) into [`UsageKeys`]; encrypting, decrypting and checksumming then cost no
//! derivation and no allocation on the in-place paths. A context keeps its `UsageKeys`.

mod aes_cts;
mod aes_sha1;
mod aes_sha2;
mod nfold;
mod pbkdf2_sha1;
mod rc4_hmac;

use core::fmt;

use sesame_gss::{Random, RandomError};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use nfold::nfold;

/// The hmac-md5 checksum (RFC 4757 4) of `data` with `key`'s bytes whatever its enctype, as
/// MS-SFU's PA-FOR-USER wants it (key usage 17).
pub fn hmac_md5_checksum(key: &Key, usage: u32, data: &[u8]) -> [u8; 16] {
    rc4_hmac::hmac_md5_checksum(key.as_bytes(), usage, data)
}

/// Why a cryptographic operation failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// The enctype number is not one Sesame implements.
    #[error("unsupported encryption type {0}")]
    UnsupportedEnctype(i32),
    /// rc4-hmac without the explicit opt-in.
    #[error("encryption type {0} is weak and was not explicitly allowed")]
    WeakEnctypeRefused(i32),
    /// A key of the wrong length for its enctype.
    #[error("a {enctype} key must be {expected} bytes, not {actual}")]
    BadKeyLength {
        /// The enctype's name.
        enctype: &'static str,
        /// Its key length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// String-to-key parameters that are not valid for the enctype.
    #[error("bad string-to-key parameters: {0}")]
    BadParams(&'static str),
    /// Ciphertext shorter than a confounder and a checksum.
    #[error("ciphertext of {actual} bytes is shorter than the minimum {minimum}")]
    CiphertextTooShort {
        /// The minimum length.
        minimum: usize,
        /// The length given.
        actual: usize,
    },
    /// The integrity check of a ciphertext failed: wrong key, wrong usage, or tampering.
    #[error("integrity check failed (wrong key or key usage, or modified ciphertext)")]
    IntegrityCheckFailed,
    /// A checksum did not verify.
    #[error("checksum mismatch")]
    ChecksumMismatch,
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// An encryption type. Its constants are the enctypes Sesame implements; rc4-hmac is only
/// reachable through [`Enctype::rc4_hmac_weak`] or [`Enctype::from_id_allow_weak`], the explicit
/// opt-in RFC 8429 asks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Enctype(Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Aes128Sha1,
    Aes256Sha1,
    Aes128Sha256,
    Aes256Sha384,
    Rc4Hmac,
}

impl Enctype {
    /// aes128-cts-hmac-sha1-96 (17).
    pub const AES128_CTS_HMAC_SHA1_96: Self = Self(Kind::Aes128Sha1);
    /// aes256-cts-hmac-sha1-96 (18).
    pub const AES256_CTS_HMAC_SHA1_96: Self = Self(Kind::Aes256Sha1);
    /// aes128-cts-hmac-sha256-128 (19).
    pub const AES128_CTS_HMAC_SHA256_128: Self = Self(Kind::Aes128Sha256);
    /// aes256-cts-hmac-sha384-192 (20).
    pub const AES256_CTS_HMAC_SHA384_192: Self = Self(Kind::Aes256Sha384);

    /// The strong enctypes, strongest first (MIT's default preference order puts aes256-sha1
    /// first for compatibility; this is the order of cryptographic strength).
    pub const STRONG: [Self; 4] = [
        Self::AES256_CTS_HMAC_SHA384_192,
        Self::AES128_CTS_HMAC_SHA256_128,
        Self::AES256_CTS_HMAC_SHA1_96,
        Self::AES128_CTS_HMAC_SHA1_96,
    ];

    /// The order in which requests list enctypes by default: MIT's `permitted_enctypes`
    /// order (aes256-sha1 first, as Active Directory and MIT KDCs expect; it is also the
    /// fastest here).
    pub const DEFAULT_PREFERENCE: [Self; 4] = [
        Self::AES256_CTS_HMAC_SHA1_96,
        Self::AES128_CTS_HMAC_SHA1_96,
        Self::AES256_CTS_HMAC_SHA384_192,
        Self::AES128_CTS_HMAC_SHA256_128,
    ];

    /// rc4-hmac (23): weak (RFC 8429) but still found in Active Directory. Calling this is the
    /// explicit opt-in.
    pub const fn rc4_hmac_weak() -> Self {
        Self(Kind::Rc4Hmac)
    }

    /// The enctype numbered `id`; rc4-hmac is refused.
    pub fn from_id(id: i32) -> Result<Self, CryptoError> {
        match Self::from_id_allow_weak(id)? {
            e if e.is_weak() => Err(CryptoError::WeakEnctypeRefused(id)),
            e => Ok(e),
        }
    }

    /// The enctype numbered `id`, rc4-hmac included (the explicit opt-in).
    pub fn from_id_allow_weak(id: i32) -> Result<Self, CryptoError> {
        Ok(Self(match id {
            17 => Kind::Aes128Sha1,
            18 => Kind::Aes256Sha1,
            19 => Kind::Aes128Sha256,
            20 => Kind::Aes256Sha384,
            23 => Kind::Rc4Hmac,
            _ => return Err(CryptoError::UnsupportedEnctype(id)),
        }))
    }

    /// The enctype for a name as MIT's krb5.conf and kadmin accept it (`aes256-cts`,
    /// `aes256-cts-hmac-sha1-96`, `aes256-sha2`, `arcfour-hmac`, `rc4-hmac`, ...), rc4 included.
    /// Check [`Enctype::is_weak`] before using what it returns.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(Self(match name.to_ascii_lowercase().as_str() {
            "aes128-cts-hmac-sha1-96" | "aes128-cts" | "aes128-sha1" => Kind::Aes128Sha1,
            "aes256-cts-hmac-sha1-96" | "aes256-cts" | "aes256-sha1" | "aes" => Kind::Aes256Sha1,
            "aes128-cts-hmac-sha256-128" | "aes128-sha2" => Kind::Aes128Sha256,
            "aes256-cts-hmac-sha384-192" | "aes256-sha2" => Kind::Aes256Sha384,
            "arcfour-hmac" | "rc4-hmac" | "arcfour-hmac-md5" => Kind::Rc4Hmac,
            _ => return None,
        }))
    }

    /// The RFC 3961 number.
    pub const fn id(self) -> i32 {
        match self.0 {
            Kind::Aes128Sha1 => 17,
            Kind::Aes256Sha1 => 18,
            Kind::Aes128Sha256 => 19,
            Kind::Aes256Sha384 => 20,
            Kind::Rc4Hmac => 23,
        }
    }

    /// The name MIT prints (`klist -e`).
    pub const fn name(self) -> &'static str {
        match self.0 {
            Kind::Aes128Sha1 => "aes128-cts-hmac-sha1-96",
            Kind::Aes256Sha1 => "aes256-cts-hmac-sha1-96",
            Kind::Aes128Sha256 => "aes128-cts-hmac-sha256-128",
            Kind::Aes256Sha384 => "aes256-cts-hmac-sha384-192",
            Kind::Rc4Hmac => "arcfour-hmac",
        }
    }

    /// Whether this is rc4-hmac.
    pub const fn is_weak(self) -> bool {
        matches!(self.0, Kind::Rc4Hmac)
    }

    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self.0 {
            Kind::Aes128Sha1 | Kind::Aes128Sha256 | Kind::Rc4Hmac => 16,
            Kind::Aes256Sha1 | Kind::Aes256Sha384 => 32,
        }
    }

    /// Confounder length in bytes.
    pub const fn confounder_len(self) -> usize {
        match self.0 {
            Kind::Rc4Hmac => 8,
            _ => 16,
        }
    }

    /// Length of the integrity tag of a ciphertext, and of a checksum, in bytes.
    pub const fn mac_len(self) -> usize {
        match self.0 {
            Kind::Aes128Sha1 | Kind::Aes256Sha1 => 12,
            Kind::Aes128Sha256 | Kind::Rc4Hmac => 16,
            Kind::Aes256Sha384 => 24,
        }
    }

    /// The checksum type of the enctype's keyed checksum (RFC 3961 8 numbering).
    pub const fn checksum_type(self) -> i32 {
        match self.0 {
            Kind::Aes128Sha1 => 15,
            Kind::Aes256Sha1 => 16,
            Kind::Aes128Sha256 => 19,
            Kind::Aes256Sha384 => 20,
            Kind::Rc4Hmac => -138,
        }
    }

    /// Ciphertext length for a plaintext of `len` bytes.
    pub const fn ciphertext_len(self, len: usize) -> usize {
        self.confounder_len() + len + self.mac_len()
    }
}

impl fmt::Debug for Enctype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.id())
    }
}

impl fmt::Display for Enctype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A base key of an enctype. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    enctype: Enctype,
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({}, <secret>)", self.enctype)
    }
}

impl Key {
    /// A key from its bytes (random-to-key is the identity for every enctype here).
    pub fn new(enctype: Enctype, bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != enctype.key_len() {
            return Err(CryptoError::BadKeyLength {
                enctype: enctype.name(),
                expected: enctype.key_len(),
                actual: bytes.len(),
            });
        }
        Ok(Self {
            enctype,
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// A fresh random key (random-to-key, RFC 3961 3).
    pub fn random(enctype: Enctype, rng: &mut dyn Random) -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new(vec![0u8; enctype.key_len()]);
        rng.fill(&mut bytes)?;
        Ok(Self { enctype, bytes })
    }

    /// String-to-key (RFC 3961 3): the key of `password` with `salt` (usually the realm
    /// followed by the name components) and the enctype's parameters (`s2kparams` from
    /// ETYPE-INFO2; for AES the iteration count as 4 big-endian bytes, default 4096 for
    /// RFC 3962 and 32768 for RFC 8009).
    pub fn from_password(
        enctype: Enctype,
        password: &[u8],
        salt: &[u8],
        params: Option<&[u8]>,
    ) -> Result<Self, CryptoError> {
        let bytes = match enctype.0 {
            Kind::Aes128Sha1 | Kind::Aes256Sha1 => {
                aes_sha1::string_to_key(enctype.key_len(), password, salt, params)?
            }
            Kind::Aes128Sha256 | Kind::Aes256Sha384 => {
                aes_sha2::string_to_key(enctype, password, salt, params)?
            }
            Kind::Rc4Hmac => rc4_hmac::string_to_key(password)?,
        };
        Ok(Self { enctype, bytes })
    }

    /// The enctype.
    pub fn enctype(&self) -> Enctype {
        self.enctype
    }

    /// The key bytes (for writing keytabs and ccaches).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Derives what key usage `usage` needs; keep the result and reuse it.
    pub fn usage(&self, usage: u32) -> UsageKeys {
        let inner =
            match self.enctype.0 {
                Kind::Aes128Sha1 | Kind::Aes256Sha1 => {
                    Inner::AesSha1(aes_sha1::UsageKeys::derive(&self.bytes, usage))
                }
                Kind::Aes128Sha256 | Kind::Aes256Sha384 => Inner::AesSha2(
                    aes_sha2::UsageKeys::derive(self.enctype, &self.bytes, usage),
                ),
                Kind::Rc4Hmac => Inner::Rc4(rc4_hmac::UsageKeys::derive(&self.bytes, usage)),
            };
        UsageKeys {
            enctype: self.enctype,
            inner,
        }
    }

    /// The pseudo-random function (RFC 3961 3; RFC 3962 4, RFC 8009 5, and HMAC-SHA1 for rc4
    /// as MIT does).
    pub fn prf(&self, input: &[u8]) -> Vec<u8> {
        match self.enctype.0 {
            Kind::Aes128Sha1 | Kind::Aes256Sha1 => aes_sha1::prf(&self.bytes, input),
            Kind::Aes128Sha256 | Kind::Aes256Sha384 => {
                aes_sha2::prf(self.enctype, &self.bytes, input)
            }
            Kind::Rc4Hmac => rc4_hmac::prf(&self.bytes, input),
        }
    }

    /// PRF+ (RFC 6113 5.1): PRF(key, 1 | pepper) | PRF(key, 2 | pepper) | ... cut to `len`.
    fn prf_plus(&self, pepper: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
        let mut input = Vec::with_capacity(pepper.len() + 1);
        let mut counter = 1u8;
        while out.len() < len {
            input.clear();
            input.push(counter);
            input.extend_from_slice(pepper);
            out.extend_from_slice(&Zeroizing::new(self.prf(&input)));
            counter = counter.wrapping_add(1);
        }
        out.truncate(len);
        out
    }

    /// KRB-FX-CF2 (RFC 6113 5.1): a key of `self`'s enctype from two keys and two peppers,
    /// random-to-key(PRF+(self, pepper1) XOR PRF+(other, pepper2)); random-to-key is the
    /// identity for the AES and RC4 enctypes. FAST's armor key, strengthened reply key and
    /// encrypted-challenge keys are made this way.
    pub fn cf2(&self, other: &Key, pepper1: &[u8], pepper2: &[u8]) -> Result<Key, CryptoError> {
        let len = self.enctype.key_len();
        let mut mixed = self.prf_plus(pepper1, len);
        let second = other.prf_plus(pepper2, len);
        for (a, b) in mixed.iter_mut().zip(second.iter()) {
            *a ^= b;
        }
        Key::new(self.enctype, &mixed)
    }
}

/// Everything one key usage of one key needs, derived once.
#[derive(Clone)]
pub struct UsageKeys {
    enctype: Enctype,
    inner: Inner,
}

#[derive(Clone)]
#[allow(clippy::large_enum_variant)] // boxing would add an indirection to every message
enum Inner {
    AesSha1(aes_sha1::UsageKeys),
    AesSha2(aes_sha2::UsageKeys),
    Rc4(rc4_hmac::UsageKeys),
}

impl fmt::Debug for UsageKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsageKeys({}, <secret>)", self.enctype)
    }
}

impl UsageKeys {
    /// The enctype.
    pub fn enctype(&self) -> Enctype {
        self.enctype
    }

    /// Encrypts `plaintext` with a random confounder (RFC 3961 5.3 `encrypt`).
    pub fn encrypt(&self, plaintext: &[u8], rng: &mut dyn Random) -> Result<Vec<u8>, CryptoError> {
        // Laid out as `seal` wants it from the start: no moving of the plaintext.
        let conf = self.enctype.confounder_len();
        let mut buf = Vec::with_capacity(self.enctype.ciphertext_len(plaintext.len()));
        buf.resize(conf, 0);
        buf.extend_from_slice(plaintext);
        buf.resize(self.enctype.ciphertext_len(plaintext.len()), 0);
        self.seal_in_place(&mut buf, rng)?;
        Ok(buf)
    }

    /// Replaces the plaintext in `buf` by its ciphertext; with enough spare capacity in `buf`
    /// (see [`Enctype::ciphertext_len`]) nothing is allocated.
    pub fn encrypt_in_place(
        &self,
        buf: &mut Vec<u8>,
        rng: &mut dyn Random,
    ) -> Result<(), CryptoError> {
        let conf = self.enctype.confounder_len();
        let plain_len = buf.len();
        buf.resize(self.enctype.ciphertext_len(plain_len), 0);
        buf.copy_within(..plain_len, conf);
        rng.fill(&mut buf[..conf])?;
        self.seal(buf);
        Ok(())
    }

    /// Encrypts in a buffer laid out by the caller: `confounder_len()` bytes of room, the
    /// plaintext, `mac_len()` bytes of room; afterwards it holds the ciphertext. This is the
    /// zero-copy form RFC 4121 Wrap tokens use: no allocation, no moving of the plaintext.
    pub fn seal_in_place(&self, buf: &mut [u8], rng: &mut dyn Random) -> Result<(), CryptoError> {
        let conf = self.enctype.confounder_len();
        if buf.len() < self.enctype.ciphertext_len(0) {
            return Err(CryptoError::BadParams(
                "buffer shorter than confounder and tag",
            ));
        }
        rng.fill(&mut buf[..conf])?;
        self.seal(buf);
        Ok(())
    }

    /// Encrypts with a given confounder, for known-answer tests. Real messages need a random
    /// confounder: use [`UsageKeys::encrypt`].
    pub fn encrypt_with_confounder(
        &self,
        confounder: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if confounder.len() != self.enctype.confounder_len() {
            return Err(CryptoError::BadParams("confounder length"));
        }
        let mut buf = Vec::with_capacity(self.enctype.ciphertext_len(plaintext.len()));
        buf.extend_from_slice(confounder);
        buf.extend_from_slice(plaintext);
        buf.resize(self.enctype.ciphertext_len(plaintext.len()), 0);
        self.seal(&mut buf);
        Ok(buf)
    }

    /// `buf` = confounder | plaintext | room for the tag; encrypts it in place into the wire
    /// form (AES: ciphertext | tag; rc4: tag | ciphertext).
    fn seal(&self, buf: &mut [u8]) {
        match &self.inner {
            Inner::AesSha1(k) => k.seal(buf),
            Inner::AesSha2(k) => k.seal(buf),
            Inner::Rc4(k) => k.seal(buf),
        }
    }

    /// Decrypts and verifies `ciphertext` (RFC 3961 5.3 `decrypt`).
    /// One copy of the ciphertext, opened in place and cut down to the plaintext (a second
    /// copy of a 64 KiB message costs more than its decryption's share of the time).
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut buf = ciphertext.to_vec();
        let range = self.open(&mut buf)?;
        buf.truncate(range.end);
        buf.drain(..range.start);
        Ok(buf)
    }

    /// Decrypts and verifies `buf` in place; returns the plaintext, a sub-slice of `buf`.
    pub fn decrypt_in_place<'a>(&self, buf: &'a mut [u8]) -> Result<&'a mut [u8], CryptoError> {
        let range = self.open(buf)?;
        Ok(&mut buf[range])
    }

    /// Decrypts and verifies `buf` in place; returns where the plaintext is.
    fn open(&self, buf: &mut [u8]) -> Result<core::ops::Range<usize>, CryptoError> {
        let minimum = self.enctype.ciphertext_len(0).max(match self.inner {
            Inner::Rc4(_) => 0,
            _ => 16 + self.enctype.mac_len(),
        });
        if buf.len() < minimum {
            return Err(CryptoError::CiphertextTooShort {
                minimum,
                actual: buf.len(),
            });
        }
        let range = match &self.inner {
            Inner::AesSha1(k) => k.open(buf)?,
            Inner::AesSha2(k) => k.open(buf)?,
            Inner::Rc4(k) => k.open(buf)?,
        };
        Ok(range)
    }

    /// The keyed checksum of `data` (RFC 3961 `get_mic`), `mac_len` bytes.
    pub fn checksum(&self, data: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; self.enctype.mac_len()];
        self.checksum_into(data, &mut out);
        out
    }

    /// Writes the checksum of `data` into `out` (`mac_len` bytes).
    pub fn checksum_into(&self, data: &[u8], out: &mut [u8]) {
        self.checksum_parts_into(&[data], out);
    }

    /// Writes the checksum of the concatenation of `parts` into `out` (`mac_len` bytes),
    /// without concatenating them (RFC 4121 tokens checksum the message, then the header).
    pub fn checksum_parts_into(&self, parts: &[&[u8]], out: &mut [u8]) {
        match &self.inner {
            Inner::AesSha1(k) => k.checksum(parts, out),
            Inner::AesSha2(k) => k.checksum(parts, out),
            Inner::Rc4(k) => k.checksum(parts, out),
        }
    }

    /// Verifies a checksum in constant time (RFC 3961 `verify_mic`).
    pub fn verify_checksum(&self, data: &[u8], checksum: &[u8]) -> Result<(), CryptoError> {
        self.verify_checksum_parts(&[data], checksum)
    }

    /// Verifies the checksum of the concatenation of `parts` in constant time.
    pub fn verify_checksum_parts(
        &self,
        parts: &[&[u8]],
        checksum: &[u8],
    ) -> Result<(), CryptoError> {
        let mut expected = [0u8; 24];
        let expected = &mut expected[..self.enctype.mac_len()];
        self.checksum_parts_into(parts, expected);
        if bool::from(expected.ct_eq(checksum)) {
            Ok(())
        } else {
            Err(CryptoError::ChecksumMismatch)
        }
    }
}

/// The `usage | 0x99` (Kc), `0xAA` (Ke) and `0x55` (Ki) constants of RFC 3961 5.3.
pub(crate) fn usage_constant(usage: u32, kind: u8) -> [u8; 5] {
    let u = usage.to_be_bytes();
    [u[0], u[1], u[2], u[3], kind]
}

/// A keyed HMAC (any key length is valid for HMAC, so this cannot fail).
pub(crate) fn hmac<M: hmac::digest::Mac + hmac::digest::KeyInit>(key: &[u8]) -> M {
    M::new_from_slice(key).unwrap_or_else(|_| M::new(&hmac::digest::Key::<M>::default()))
}

/// Compares two tags in constant time.
pub(crate) fn tags_equal(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// Bytes from hex, for the published vectors of this module's tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a bad literal fails the test
pub(super) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
