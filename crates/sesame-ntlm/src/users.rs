//! Where the server finds users' NT hashes.

use std::collections::HashMap;
use std::path::Path;

use zeroize::Zeroizing;

use crate::crypto::nt_hash;

/// A source of users' NT hashes (the server's side of NTLM needs nothing else).
pub trait NtlmUserStore: Send + Sync {
    /// The NT hash of `user` in `domain` (both compared case-insensitively), if known.
    fn nt_hash(&self, domain: &str, user: &str) -> Option<Zeroizing<[u8; 16]>>;
}

/// Users held in memory.
#[derive(Default, Clone)]
pub struct MemoryUserStore {
    users: HashMap<(String, String), Zeroizing<[u8; 16]>>,
}

impl core::fmt::Debug for MemoryUserStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MemoryUserStore({} users)", self.users.len())
    }
}

fn key(domain: &str, user: &str) -> (String, String) {
    (domain.to_uppercase(), user.to_uppercase())
}

impl MemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user with a password.
    pub fn add_password(&mut self, domain: &str, user: &str, password: &str) {
        self.users.insert(key(domain, user), nt_hash(password));
    }

    /// Adds a user with an NT hash.
    pub fn add_nt_hash(&mut self, domain: &str, user: &str, hash: [u8; 16]) {
        self.users.insert(key(domain, user), Zeroizing::new(hash));
    }
}

impl NtlmUserStore for MemoryUserStore {
    fn nt_hash(&self, domain: &str, user: &str) -> Option<Zeroizing<[u8; 16]>> {
        // A user listed without a domain matches any domain, as gss-ntlmssp does.
        self.users
            .get(&key(domain, user))
            .or_else(|| self.users.get(&key("", user)))
            .cloned()
    }
}

/// Users from a file in gss-ntlmssp's `NTLM_USER_FILE` format: one `DOMAIN:user:password` per
/// line (the password is the rest of the line, colons included), or `DOMAIN:user:$NT$<32 hex
/// digits>` for an NT hash. Empty lines and lines starting with `#` are skipped.
#[derive(Debug, Clone, Default)]
pub struct FileUserStore(MemoryUserStore);

/// A line that is not `DOMAIN:user:secret`.
#[derive(Debug, thiserror::Error)]
pub enum UserFileError {
    /// The file could not be read.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// A line is malformed.
    #[error("{path}:{line}: expected DOMAIN:user:password or DOMAIN:user:$NT$<32 hex digits>")]
    Syntax {
        /// The file.
        path: String,
        /// The line number.
        line: usize,
    },
}

impl FileUserStore {
    /// Reads the file.
    pub fn read(path: &Path) -> Result<Self, UserFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UserFileError::Io(path.display().to_string(), e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses the file's text.
    pub fn parse(text: &str, origin: &str) -> Result<Self, UserFileError> {
        let mut store = MemoryUserStore::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax = || UserFileError::Syntax {
                path: origin.to_string(),
                line: n + 1,
            };
            let mut parts = line.splitn(3, ':');
            let (Some(domain), Some(user), Some(secret)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(syntax());
            };
            if user.is_empty() {
                return Err(syntax());
            }
            match secret.strip_prefix("$NT$") {
                Some(hex) => {
                    let hash = parse_hex16(hex).ok_or_else(syntax)?;
                    store.add_nt_hash(domain, user, hash);
                }
                None => store.add_password(domain, user, secret),
            }
        }
        Ok(Self(store))
    }
}

/// 32 hex digits as 16 bytes.
pub(crate) fn parse_hex16(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl NtlmUserStore for FileUserStore {
    fn nt_hash(&self, domain: &str, user: &str) -> Option<Zeroizing<[u8; 16]>> {
        self.0.nt_hash(domain, user)
    }
}
