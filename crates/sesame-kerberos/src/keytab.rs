//! MIT keytab files (the FILE keytab type): read versions 0x0501 and 0x0502, write 0x0502.
//!
//! Layout (MIT `keytab_file_format`, as MIT writes it): two version bytes, then records, each a
//! signed 32-bit length (negative: a hole to skip) and an entry: a 16-bit component count
//! (including the realm in 0x0501), 16-bit-length realm and components, a 32-bit name type
//! (not in 0x0501), a 32-bit timestamp, an 8-bit key version, a 16-bit enctype, a 16-bit-length
//! key, and, when the record has room, a 32-bit key version that supersedes the 8-bit one.
//! 0x0502 is big-endian; 0x0501 used the writer's byte order, little-endian in practice.

use core::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::crypto::{CryptoError, Enctype, Key};
use crate::principal::Principal;
use crate::wire::{Reader, WireError, Writer};

/// One key of a keytab.
#[derive(Clone, PartialEq, Eq)]
pub struct KeytabEntry {
    /// Whose key.
    pub principal: Principal,
    /// When it was written (seconds since the epoch).
    pub timestamp: u32,
    /// Key version number.
    pub kvno: u32,
    /// The enctype number (kept as a number: a keytab may hold enctypes Sesame does not use).
    pub enctype: i32,
    /// The key bytes.
    pub key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for KeytabEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeytabEntry")
            .field("principal", &self.principal.to_string())
            .field("kvno", &self.kvno)
            .field("enctype", &self.enctype)
            .field("key", &"<secret>")
            .finish_non_exhaustive()
    }
}

impl KeytabEntry {
    /// The key, if its enctype is one Sesame implements; rc4-hmac only with `allow_weak`.
    pub fn key(&self, allow_weak: bool) -> Result<Key, CryptoError> {
        let enctype = if allow_weak {
            Enctype::from_id_allow_weak(self.enctype)?
        } else {
            Enctype::from_id(self.enctype)?
        };
        Key::new(enctype, &self.key)
    }
}

/// Why a keytab could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeytabError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The first byte is not 5 or the version is not 1 or 2.
    #[error("not a keytab: bad version bytes {0:02x?}")]
    BadVersion([u8; 2]),
    /// An entry is malformed.
    #[error("malformed keytab entry at byte {offset}: {reason}")]
    Malformed {
        /// Where the entry starts.
        offset: usize,
        /// What is wrong.
        reason: WireError,
    },
    /// A key could not be derived.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// A keytab: its entries in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keytab {
    /// The entries.
    pub entries: Vec<KeytabEntry>,
}

impl Keytab {
    /// The realms of its principals, each once, in the order of the entries (the first is the
    /// service's own realm: what an IAKerb acceptor names in realm discovery).
    pub fn realms(&self) -> Vec<String> {
        let mut realms: Vec<String> = Vec::new();
        for e in &self.entries {
            if !realms.contains(&e.principal.realm) {
                realms.push(e.principal.realm.clone());
            }
        }
        realms
    }

    /// The keys of `client` this build can use (rc4-hmac only with `allow_weak`): what `kinit
    /// -k` proves the client's identity with.
    pub fn keys_for(&self, client: &Principal, allow_weak: bool) -> Vec<Key> {
        self.entries
            .iter()
            .filter(|e| e.principal.same_name(client))
            .filter_map(|e| e.key(allow_weak).ok())
            .collect()
    }

    /// Parses keytab bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, KeytabError> {
        let (version, mut rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(KeytabError::BadVersion([0, 0]))?;
        let big_endian = match version {
            [5, 2] => true,
            [5, 1] => false,
            other => return Err(KeytabError::BadVersion(*other)),
        };
        let mut entries = Vec::new();
        let mut offset = 2;
        while !rest.is_empty() {
            let malformed = |reason| KeytabError::Malformed { offset, reason };
            let mut r = Reader::new(rest, big_endian);
            let size = r.i32().map_err(malformed)?;
            if size == 0 {
                break;
            }
            let len =
                usize::try_from(size.unsigned_abs()).map_err(|_| malformed(WireError::TooLong))?;
            let record = r.bytes(len).map_err(malformed)?;
            if size > 0 {
                entries.push(parse_entry(record, big_endian).map_err(malformed)?);
            }
            let used = 4 + len;
            rest = rest.get(used..).unwrap_or_default();
            offset += used;
        }
        Ok(Self { entries })
    }

    /// Reads a keytab file.
    pub fn read(path: &Path) -> Result<Self, KeytabError> {
        let bytes = std::fs::read(path).map_err(|source| KeytabError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&bytes)
    }

    /// The bytes of a version 0x0502 keytab.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![5, 2];
        for e in &self.entries {
            let mut w = Writer::new();
            w.u16(u16::try_from(e.principal.components.len()).unwrap_or(u16::MAX));
            w.data16(e.principal.realm.as_bytes());
            for c in &e.principal.components {
                w.data16(c.as_bytes());
            }
            w.u32(u32::from_ne_bytes(e.principal.name_type.to_ne_bytes()));
            w.u32(e.timestamp);
            w.u8(u8::try_from(e.kvno).unwrap_or(0));
            w.u16(u16::from_ne_bytes(
                i16::try_from(e.enctype).unwrap_or(0).to_ne_bytes(),
            ));
            w.data16(&e.key);
            w.u32(e.kvno);
            let entry = w.finish();
            out.extend_from_slice(&i32::try_from(entry.len()).unwrap_or(i32::MAX).to_be_bytes());
            out.extend_from_slice(&entry);
        }
        out
    }

    /// Writes the keytab to `path` (replacing it), readable by the owner only.
    pub fn write(&self, path: &Path) -> Result<(), KeytabError> {
        crate::wire::write_private(path, &self.to_bytes()).map_err(|source| KeytabError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// The entry for `principal` with `enctype`, of version `kvno` or else the highest.
    pub fn find(
        &self,
        principal: &Principal,
        kvno: Option<u32>,
        enctype: i32,
    ) -> Option<&KeytabEntry> {
        self.entries
            .iter()
            .filter(|e| e.principal.same_name(principal) && e.enctype == enctype)
            .filter(|e| kvno.is_none_or(|k| k == e.kvno))
            .max_by_key(|e| e.kvno)
    }

    /// Adds entries derived from a password, like ktutil's `addent -password`: one per
    /// enctype, with `salt` or else the principal's default salt.
    pub fn add_password(
        &mut self,
        principal: &Principal,
        password: &[u8],
        salt: Option<&[u8]>,
        kvno: u32,
        enctypes: &[Enctype],
        timestamp: u32,
    ) -> Result<(), KeytabError> {
        let default_salt = principal.default_salt();
        let salt = salt.unwrap_or(&default_salt);
        for enctype in enctypes {
            let key = Key::from_password(*enctype, password, salt, None)?;
            self.entries.push(KeytabEntry {
                principal: principal.clone(),
                timestamp,
                kvno,
                enctype: enctype.id(),
                key: Zeroizing::new(key.as_bytes().to_vec()),
            });
        }
        Ok(())
    }
}

fn parse_entry(record: &[u8], big_endian: bool) -> Result<KeytabEntry, WireError> {
    let mut r = Reader::new(record, big_endian);
    let mut count = usize::from(r.u16()?);
    if !big_endian {
        // 0x0501 counts the realm as a component.
        count = count
            .checked_sub(1)
            .ok_or(WireError::Invalid("component count"))?;
    }
    let realm = r.string16()?;
    let mut components = Vec::with_capacity(count.min(16));
    for _ in 0..count {
        components.push(r.string16()?);
    }
    let name_type = if big_endian {
        i32::from_ne_bytes(r.u32()?.to_ne_bytes())
    } else {
        1
    };
    let timestamp = r.u32()?;
    let kvno8 = r.u8()?;
    let enctype = i32::from(i16::from_ne_bytes(r.u16()?.to_ne_bytes()));
    let key = Zeroizing::new(r.data16()?.to_vec());
    // The 32-bit kvno, when the record has room for it and it is not zero.
    let kvno = match r.u32() {
        Ok(k) if k != 0 => k,
        _ => u32::from(kvno8),
    };
    Ok(KeytabEntry {
        principal: Principal {
            components,
            realm,
            name_type,
        },
        timestamp,
        kvno,
        enctype,
        key,
    })
}
