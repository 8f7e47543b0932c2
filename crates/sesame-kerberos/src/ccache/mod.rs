//! MIT credential caches of the FILE and DIR types: read versions 3 and 4, write the version
//! read (4 for a new cache), so that MIT `klist`, `kvno` and GSSAPI use what Sesame writes; and
//! `KCM:` caches held by a daemon ([`kcm`]).
//!
//! Layout (MIT `ccache_file_format`): `05 0v`, in version 4 a header of tagged fields (tag 1:
//! the KDC time offset), the default principal, then credentials until the end of the file.
//! Integers are big-endian; data are 32-bit length-prefixed. Configuration entries are
//! credentials whose server realm is `X-CACHECONF:`.

pub mod kcm;
#[cfg(all(target_os = "linux", feature = "keyring"))]
pub mod keyring;

use core::fmt;
use std::path::{Path, PathBuf};

use sesame_asn1::Der;
use sesame_asn1::kerberos::Ticket;
use zeroize::Zeroizing;

use crate::principal::Principal;
use crate::wire::{Reader, WireError, Writer};

/// The realm of configuration entries.
pub const CONFIG_REALM: &str = "X-CACHECONF:";
const CONFIG_PREFIX: &str = "krb5_ccache_conf_data";

/// One credential (or configuration entry) of a cache.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The client.
    pub client: Principal,
    /// The service (or, for configuration entries, `krb5_ccache_conf_data/key[/principal]@X-CACHECONF:`).
    pub server: Principal,
    /// The session key's enctype number.
    pub key_enctype: i32,
    /// The session key.
    pub key: Zeroizing<Vec<u8>>,
    /// Times, seconds since the epoch.
    pub authtime: u32,
    /// Start of validity.
    pub starttime: u32,
    /// End of validity.
    pub endtime: u32,
    /// Renewal limit.
    pub renew_till: u32,
    /// Non-zero when the ticket is encrypted in a session key (user-to-user). Kept as the byte
    /// read: MIT's `kvno --u2u` writes 8 (its `KRB5_GC_USER_USER` option bit), not 1.
    pub is_skey: u8,
    /// Ticket flags, flag 0 in the most significant bit.
    pub ticket_flags: u32,
    /// Addresses (type, bytes).
    pub addresses: Vec<(u16, Vec<u8>)>,
    /// Authorization data (type, bytes).
    pub authdata: Vec<(u16, Vec<u8>)>,
    /// The DER of the ticket (or a configuration value).
    pub ticket: Vec<u8>,
    /// The DER of the second ticket (user-to-user), usually empty.
    pub second_ticket: Vec<u8>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("client", &self.client.to_string())
            .field("server", &self.server.to_string())
            .field("key_enctype", &self.key_enctype)
            .field("key", &"<secret>")
            .field("endtime", &self.endtime)
            .field("ticket_flags", &format_args!("{:#010x}", self.ticket_flags))
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// Whether this is a configuration entry rather than a ticket.
    pub fn is_config(&self) -> bool {
        self.server.realm == CONFIG_REALM
            && self.server.components.first().map(String::as_str) == Some(CONFIG_PREFIX)
    }

    /// Whether the ticket is encrypted in the session key of another TGT (user-to-user).
    pub fn is_user_to_user(&self) -> bool {
        self.is_skey != 0
    }

    /// For a configuration entry: its key and the principal it is associated with.
    pub fn config_key(&self) -> Option<(&str, Option<&str>)> {
        if !self.is_config() {
            return None;
        }
        let key = self.server.components.get(1)?;
        Some((key, self.server.components.get(2).map(String::as_str)))
    }

    /// The ticket, decoded.
    pub fn decode_ticket(&self) -> Result<Ticket, sesame_asn1::Error> {
        Ticket::from_der(&self.ticket)
    }

    /// A configuration entry as MIT writes it (all other fields zero).
    pub fn config(
        client: &Principal,
        key: &str,
        principal: Option<&Principal>,
        value: &[u8],
    ) -> Self {
        let mut components = vec![CONFIG_PREFIX.to_string(), key.to_string()];
        components.extend(principal.map(ToString::to_string));
        Self {
            client: client.clone(),
            server: Principal {
                components,
                realm: CONFIG_REALM.into(),
                name_type: 0,
            },
            key_enctype: 0,
            key: Zeroizing::new(Vec::new()),
            authtime: 0,
            starttime: 0,
            endtime: 0,
            renew_till: 0,
            is_skey: 0,
            ticket_flags: 0,
            addresses: Vec::new(),
            authdata: Vec::new(),
            ticket: value.to_vec(),
            second_ticket: Vec::new(),
        }
    }
}

/// Why a cache could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CcacheError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not version 3 or 4 of the FILE format.
    #[error("not a credential cache of version 3 or 4: version bytes {0:02x?}")]
    BadVersion([u8; 2]),
    /// A field is malformed.
    #[error("malformed credential cache at byte {offset}: {reason}")]
    Malformed {
        /// Where parsing stopped.
        offset: usize,
        /// What is wrong.
        reason: WireError,
    },
    /// A cache name of a type Sesame does not read (`MEMORY:`, `API:`, or `KEYRING:` in a
    /// build without the `keyring` feature).
    #[error(
        "unsupported credential cache type in `{0}` (FILE:, DIR:, KCM: are supported, and KEYRING: on Linux with the keyring feature)"
    )]
    UnsupportedType(String),
    /// A kernel keyring operation failed for a `KEYRING:` cache.
    #[error("KEYRING cache: cannot {operation}: {reason}")]
    Keyring {
        /// What was being done.
        operation: &'static str,
        /// The system's answer.
        reason: String,
    },
    /// The KCM daemon answered an operation with an error code (a krb5 error number, e.g.
    /// KRB5_FCC_NOFILE for a cache that does not exist).
    #[error("KCM operation {opcode} failed with code {code}")]
    Kcm {
        /// The operation ([`kcm::op`]).
        opcode: u16,
        /// The daemon's code.
        code: i32,
    },
}

/// A credential cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ccache {
    /// 3 or 4.
    pub version: u8,
    /// Version-4 header fields (tag, value), kept as read; tag 1 is the KDC time offset.
    pub header: Vec<(u16, Vec<u8>)>,
    /// The default principal.
    pub default_principal: Principal,
    /// Credentials and configuration entries, in file order.
    pub credentials: Vec<Credential>,
}

impl Ccache {
    /// A new, empty version-4 cache.
    pub fn new(default_principal: Principal) -> Self {
        Self {
            version: 4,
            header: Vec::new(),
            default_principal,
            credentials: Vec::new(),
        }
    }

    /// Parses cache bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, CcacheError> {
        let mut r = Reader::new(bytes, true);
        let malformed = |r: &Reader<'_>, reason| CcacheError::Malformed {
            offset: bytes.len() - r.remaining(),
            reason,
        };
        let version = match r.bytes(2).map_err(|e| malformed(&r, e))? {
            [5, v @ (3 | 4)] => *v,
            [a, b] => return Err(CcacheError::BadVersion([*a, *b])),
            _ => return Err(CcacheError::BadVersion([0, 0])),
        };
        let mut header = Vec::new();
        if version == 4 {
            let len = usize::from(r.u16().map_err(|e| malformed(&r, e))?);
            let mut h = Reader::new(r.bytes(len).map_err(|e| malformed(&r, e))?, true);
            while h.remaining() > 0 {
                let tag = h.u16().map_err(|e| malformed(&r, e))?;
                let value = h.data16().map_err(|e| malformed(&r, e))?;
                header.push((tag, value.to_vec()));
            }
        }
        let default_principal = principal(&mut r).map_err(|e| malformed(&r, e))?;
        let mut credentials = Vec::new();
        while r.remaining() > 0 {
            credentials.push(credential(&mut r, version).map_err(|e| malformed(&r, e))?);
        }
        Ok(Self {
            version,
            header,
            default_principal,
            credentials,
        })
    }

    /// The cache's bytes, in its version.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(5);
        w.u8(self.version);
        if self.version == 4 {
            let mut h = Writer::new();
            for (tag, value) in &self.header {
                h.u16(*tag);
                h.data16(value);
            }
            let h = h.finish();
            w.data16(&h);
        }
        write_principal(&mut w, &self.default_principal);
        for c in &self.credentials {
            write_credential(&mut w, c, self.version);
        }
        w.finish()
    }

    /// Reads a cache by name (`FILE:path`, `DIR:dir`, `DIR::path`, a path, or `KCM:[name]`
    /// from the daemon on krb5.conf's `kcm_socket`).
    pub fn read(name: &str) -> Result<Self, CcacheError> {
        if let Some(residual) = name.strip_prefix("KCM:") {
            return kcm::read(&kcm_socket(), residual);
        }
        #[cfg(all(target_os = "linux", feature = "keyring"))]
        if let Some(residual) = name.strip_prefix("KEYRING:") {
            return keyring::read(residual);
        }
        let path = resolve(name)?;
        let bytes = std::fs::read(&path).map_err(|source| CcacheError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&bytes)
    }

    /// Writes the cache by name (replacing it), readable by the owner only (for `KCM:`, held
    /// by the daemon for this user).
    pub fn write(&self, name: &str) -> Result<(), CcacheError> {
        if let Some(residual) = name.strip_prefix("KCM:") {
            return kcm::write(&kcm_socket(), residual, self);
        }
        #[cfg(all(target_os = "linux", feature = "keyring"))]
        if let Some(residual) = name.strip_prefix("KEYRING:") {
            return keyring::write(residual, self);
        }
        let path = resolve(name)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| CcacheError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        crate::wire::write_private(&path, &self.to_bytes()).map_err(|source| CcacheError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Destroys the cache `name` (`kdestroy`): removes the file, or has the KCM daemon drop
    /// it. A cache that does not exist is an error ([`CcacheError::Io`] with NotFound, or the
    /// daemon's code).
    pub fn destroy(name: &str) -> Result<(), CcacheError> {
        #[cfg(all(target_os = "linux", feature = "keyring"))]
        if let Some(residual) = name.strip_prefix("KEYRING:") {
            return keyring::destroy(residual);
        }
        if let Some(residual) = name.strip_prefix("KCM:") {
            let mut kcm = kcm::Connection::open(&kcm_socket())?;
            let cache = kcm.cache_name(residual)?;
            return kcm
                .call(kcm::op::DESTROY, &[kcm::Arg::Name(&cache)])
                .map(drop);
        }
        let path = resolve(name)?;
        std::fs::remove_file(&path).map_err(|source| CcacheError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Makes the cache `name` its collection's primary (`kswitch -c`): for `KCM:name` the
    /// daemon's default cache, for `DIR::dir/tktX` the `primary` file of the directory.
    pub fn switch_to(name: &str) -> Result<(), CcacheError> {
        #[cfg(all(target_os = "linux", feature = "keyring"))]
        if let Some(residual) = name.strip_prefix("KEYRING:") {
            return keyring::switch_to(residual);
        }
        if let Some(residual) = name.strip_prefix("KCM:") {
            let mut kcm = kcm::Connection::open(&kcm_socket())?;
            let cache = kcm.cache_name(residual)?;
            return kcm
                .call(kcm::op::SET_DEFAULT_CACHE, &[kcm::Arg::Name(&cache)])
                .map(drop);
        }
        let file = name.strip_prefix("DIR::").map(Path::new).ok_or_else(|| {
            CcacheError::UnsupportedType(format!("{name} (not a cache of a collection)"))
        })?;
        let (Some(dir), Some(tkt)) = (file.parent(), file.file_name()) else {
            return Err(CcacheError::UnsupportedType(name.to_string()));
        };
        let primary = dir.join("primary");
        let text = format!("{}\n", tkt.to_string_lossy());
        std::fs::write(&primary, text).map_err(|source| CcacheError::Io {
            path: primary.display().to_string(),
            source,
        })
    }

    /// The tickets, configuration entries left out.
    pub fn tickets(&self) -> impl Iterator<Item = &Credential> {
        self.credentials.iter().filter(|c| !c.is_config())
    }

    /// The value of configuration entry `key`.
    pub fn config(&self, key: &str) -> Option<&[u8]> {
        self.credentials
            .iter()
            .find(|c| c.config_key().is_some_and(|(k, _)| k == key))
            .map(|c| c.ticket.as_slice())
    }
}

/// The KCM daemon's socket for this process (krb5.conf as MIT finds it).
fn kcm_socket() -> String {
    kcm::socket_path(crate::krb5_conf::Krb5Conf::from_env().ok().as_ref())
}

fn principal(r: &mut Reader<'_>) -> Result<Principal, WireError> {
    let name_type = r.i32()?;
    let count = usize::try_from(r.u32()?).map_err(|_| WireError::TooLong)?;
    if count > 64 {
        return Err(WireError::Invalid("component count"));
    }
    let realm = r.string32()?;
    let mut components = Vec::with_capacity(count);
    for _ in 0..count {
        components.push(r.string32()?);
    }
    Ok(Principal {
        components,
        realm,
        name_type,
    })
}

fn write_principal(w: &mut Writer, p: &Principal) {
    w.u32(u32::from_ne_bytes(p.name_type.to_ne_bytes()));
    w.u32(u32::try_from(p.components.len()).unwrap_or(0));
    w.data32(p.realm.as_bytes());
    for c in &p.components {
        w.data32(c.as_bytes());
    }
}

fn write_credential(w: &mut Writer, c: &Credential, version: u8) {
    write_principal(w, &c.client);
    write_principal(w, &c.server);
    w.u16(u16::from_ne_bytes(
        i16::try_from(c.key_enctype).unwrap_or(0).to_ne_bytes(),
    ));
    if version == 3 {
        w.u16(u16::from_ne_bytes(
            i16::try_from(c.key_enctype).unwrap_or(0).to_ne_bytes(),
        ));
    }
    w.data32(&c.key);
    for t in [c.authtime, c.starttime, c.endtime, c.renew_till] {
        w.u32(t);
    }
    w.u8(c.is_skey);
    w.u32(c.ticket_flags);
    for list in [&c.addresses, &c.authdata] {
        w.u32(u32::try_from(list.len()).unwrap_or(0));
        for (t, v) in list {
            w.u16(*t);
            w.data32(v);
        }
    }
    w.data32(&c.ticket);
    w.data32(&c.second_ticket);
}

fn pairs(r: &mut Reader<'_>) -> Result<Vec<(u16, Vec<u8>)>, WireError> {
    let count = usize::try_from(r.u32()?).map_err(|_| WireError::TooLong)?;
    if count > r.remaining() {
        return Err(WireError::Truncated);
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let t = r.u16()?;
        out.push((t, r.data32()?.to_vec()));
    }
    Ok(out)
}

fn credential(r: &mut Reader<'_>, version: u8) -> Result<Credential, WireError> {
    let client = principal(r)?;
    let server = principal(r)?;
    let raw_enctype = r.u16()?;
    // Version 3 writes the enctype twice; MIT always writes the same value.
    if version == 3 && r.u16()? != raw_enctype {
        return Err(WireError::Invalid("keyblock enctypes differ"));
    }
    let key_enctype = i32::from(i16::from_ne_bytes(raw_enctype.to_ne_bytes()));
    let key = Zeroizing::new(r.data32()?.to_vec());
    let (authtime, starttime, endtime, renew_till) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let is_skey = r.u8()?;
    let ticket_flags = r.u32()?;
    let addresses = pairs(r)?;
    let authdata = pairs(r)?;
    let ticket = r.data32()?.to_vec();
    let second_ticket = r.data32()?.to_vec();
    Ok(Credential {
        client,
        server,
        key_enctype,
        key,
        authtime,
        starttime,
        endtime,
        renew_till,
        is_skey,
        ticket_flags,
        addresses,
        authdata,
        ticket,
        second_ticket,
    })
}

/// The file a cache name refers to, as MIT resolves it: `FILE:path` and a bare path name a
/// file; `DIR:dir` names the directory's primary cache (the name in `dir/primary`, default
/// `tkt`); `DIR::path` names one file of a collection.
pub fn resolve(name: &str) -> Result<PathBuf, CcacheError> {
    if let Some(path) = name.strip_prefix("FILE:") {
        return Ok(PathBuf::from(path));
    }
    if let Some(rest) = name.strip_prefix("DIR:") {
        if let Some(file) = rest.strip_prefix(':') {
            return Ok(PathBuf::from(file));
        }
        let dir = Path::new(rest);
        let primary = std::fs::read_to_string(dir.join("primary")).unwrap_or_default();
        let primary = primary.trim();
        return Ok(dir.join(if primary.is_empty() { "tkt" } else { primary }));
    }
    match name.split_once(':') {
        // A single letter before ':' is a Windows drive, not a cache type.
        Some((kind, _)) if kind.len() > 1 && !kind.contains('/') => {
            Err(CcacheError::UnsupportedType(name.to_string()))
        }
        _ => Ok(PathBuf::from(name)),
    }
}

/// The default cache name, as MIT finds it: `KRB5CCNAME`, else krb5.conf's (`KRB5_CONFIG`)
/// `default_ccache_name` with its tokens expanded, else `FILE:/tmp/krb5cc_<uid>` (see
/// [`crate::defaults`]).
pub fn default_name() -> String {
    let conf = crate::krb5_conf::Krb5Conf::from_env().ok();
    crate::defaults::ccache_name(conf.as_ref())
}
