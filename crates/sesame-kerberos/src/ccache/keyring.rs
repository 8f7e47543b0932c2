//! `KEYRING:` caches in the Linux kernel's key store, laid out as MIT's `cc_keyring.c` lays
//! them out, so that MIT's `kinit`, `klist` and GSSAPI and Sesame share them.
//!
//! A residual is `anchor:collection:subsidiary`, `anchor:collection` (the collection's
//! primary cache) or `collection` (the legacy form: anchor `session`). The anchor is the
//! session, user, process or thread keyring, or `persistent` (the collection name is then a
//! uid, and the collection the keyring `_krb` in that user's persistent keyring). Under the
//! anchor, the collection is the keyring `_krb_<collection>`; it holds the user key
//! `krb_ccache:primary` (version 1 and the primary cache's name, both as 32-bit big-endian
//! length-prefixed data) and one keyring per cache. A cache keyring holds `__krb5_princ__`
//! (the default principal) and one key per credential named by the server principal, both
//! in the version-4 FILE format, as KCM carries them.
//!
//! The system calls are the `keyutils` crate's (libkeyutils): the only unsafe code stays
//! there. Behind the `keyring` feature, Linux only.

use keyutils::keytypes::User;
use keyutils::{Key, Keyring, SpecialKeyring};

use super::kcm::{parse_credential, parse_principal};
use super::{Ccache, CcacheError, Credential, Writer, write_credential, write_principal};

const PRIMARY: &str = "krb_ccache:primary";
const PRINCIPAL: &str = "__krb5_princ__";
const TIME_OFFSETS: &str = "__krb5_time_offsets__";
const COLLECTION_PREFIX: &str = "_krb_";
const PERSISTENT_NAME: &str = "_krb";
/// Linux's EKEYEXPIRED.
const EKEYEXPIRED: i32 = 127;

/// A residual parsed: anchor, collection and (when named) subsidiary.
struct Name {
    anchor: String,
    collection: String,
    subsidiary: Option<String>,
}

impl Name {
    fn parse(residual: &str) -> Self {
        let (anchor, rest) = match residual.split_once(':') {
            Some((a, r)) => (a.to_string(), r),
            None => ("legacy".to_string(), residual),
        };
        let (collection, subsidiary) = match rest.split_once(':') {
            Some((c, s)) => (c.to_string(), Some(s.to_string())),
            None => (rest.to_string(), None),
        };
        Self {
            anchor,
            collection,
            subsidiary,
        }
    }

    /// The full name of a cache of this collection.
    fn cache_name(&self, subsidiary: &str) -> String {
        let anchor = if self.anchor == "legacy" {
            "session"
        } else {
            &self.anchor
        };
        format!("KEYRING:{anchor}:{}:{subsidiary}", self.collection)
    }
}

fn fail(operation: &'static str, e: impl std::fmt::Display) -> CcacheError {
    CcacheError::Keyring {
        operation,
        reason: e.to_string(),
    }
}

/// The anchor keyring.
fn anchor(name: &Name) -> Result<Keyring, CcacheError> {
    let special = match name.anchor.as_str() {
        "session" | "legacy" => {
            // The process's session keyring, else the user's session keyring, as MIT
            // resolves KEY_SPEC_SESSION_KEYRING: creating one would hide the caches of
            // every other process of the login.
            return Keyring::attach(SpecialKeyring::Session)
                .or_else(|_| Keyring::attach_or_create(SpecialKeyring::UserSession))
                .map_err(|e| fail("attach the session keyring", e));
        }
        // The persistent keyring is reached from the user keyring (attach_persistent).
        "user" | "persistent" => SpecialKeyring::User,
        "process" => SpecialKeyring::Process,
        "thread" => SpecialKeyring::Thread,
        other => {
            return Err(CcacheError::UnsupportedType(format!(
                "KEYRING anchor `{other}` (session, user, process, thread, persistent)"
            )));
        }
    };
    Keyring::attach_or_create(special).map_err(|e| fail("attach the anchor keyring", e))
}

/// The collection keyring, created when `create` and missing.
fn collection(name: &Name, create: bool) -> Result<Keyring, CcacheError> {
    let mut parent = anchor(name)?;
    let wanted = if name.anchor == "persistent" {
        if !name.collection.is_empty() {
            let uid: u32 = name.collection.parse().map_err(|_| {
                CcacheError::UnsupportedType(format!(
                    "KEYRING:persistent:{} (not a uid)",
                    name.collection
                ))
            })?;
            // Only one's own persistent keyring is reachable here.
            let mine =
                std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m));
            if mine.ok() != Some(uid) {
                return Err(fail(
                    "open the persistent keyring",
                    format!("uid {uid} is not ours"),
                ));
            }
        }
        parent = parent
            .attach_persistent()
            .map_err(|e| fail("attach the persistent keyring", e))?;
        PERSISTENT_NAME.to_string()
    } else {
        format!("{COLLECTION_PREFIX}{}", name.collection)
    };
    match parent.search_for_keyring(wanted.as_str(), None) {
        Ok(k) => Ok(k),
        Err(_) if create => {
            let made = parent
                .add_keyring(wanted.as_str())
                .map_err(|e| fail("create the collection keyring", e))?;
            if name.anchor == "user" {
                // As MIT: the user keyring confers no possession; the process keyring does.
                if let Ok(mut process) = Keyring::attach_or_create(SpecialKeyring::Process) {
                    let _ = process.link_keyring(&made);
                }
            }
            Ok(made)
        }
        Err(e) => Err(fail("find the collection keyring", e)),
    }
}

/// The collection's primary cache name (initialized to the collection name, or `tkt`).
fn primary(coll: &mut Keyring, name: &Name, create: bool) -> Result<String, CcacheError> {
    if let Ok(key) = coll.search_for_key::<User, _, _>(PRIMARY, None) {
        let payload = key.read().map_err(|e| fail("read the primary key", e))?;
        return parse_primary(&payload)
            .ok_or_else(|| fail("read the primary key", "malformed payload"));
    }
    let initial = if name.collection.is_empty() {
        "tkt".to_string()
    } else {
        name.collection.clone()
    };
    if create {
        set_primary(coll, &initial)?;
    }
    Ok(initial)
}

/// `krb_ccache:primary`'s payload: version 1, then the name, each as 32-bit big-endian.
fn parse_primary(payload: &[u8]) -> Option<String> {
    let (version, rest) = payload.split_first_chunk::<4>()?;
    let (len, name) = rest.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    if u32::from_be_bytes(*version) != 1 {
        return None;
    }
    Some(String::from_utf8_lossy(name.get(..len)?).into_owned())
}

fn set_primary(coll: &mut Keyring, subsidiary: &str) -> Result<(), CcacheError> {
    let len =
        u32::try_from(subsidiary.len()).map_err(|_| fail("set the primary", "name too long"))?;
    let mut payload = 1u32.to_be_bytes().to_vec();
    payload.extend_from_slice(&len.to_be_bytes());
    payload.extend_from_slice(subsidiary.as_bytes());
    coll.add_key::<User, _, _>(PRIMARY, payload.as_slice())
        .map(drop)
        .map_err(|e| fail("set the primary", e))
}

/// The cache keyring of `residual`, and its full name.
fn cache(residual: &str, create: bool) -> Result<(Keyring, String), CcacheError> {
    let name = Name::parse(residual);
    let mut coll = collection(&name, create)?;
    let subsidiary = match &name.subsidiary {
        Some(s) => s.clone(),
        None => primary(&mut coll, &name, create)?,
    };
    let full = name.cache_name(&subsidiary);
    match coll.search_for_keyring(subsidiary.as_str(), None) {
        Ok(k) => Ok((k, full)),
        Err(_) if create => coll
            .add_keyring(subsidiary.as_str())
            .map(|k| (k, full))
            .map_err(|e| fail("create the cache keyring", e)),
        Err(e) => Err(fail("find the cache keyring", format!("{full}: {e}"))),
    }
}

fn description(key: &Key) -> String {
    key.description().map(|d| d.description).unwrap_or_default()
}

/// Reads the cache of `residual`.
pub fn read(residual: &str) -> Result<Ccache, CcacheError> {
    let (ring, full) = cache(residual, false)?;
    // A key past its timeout (MIT gives each credential key its ticket's end) makes the
    // listing fail until the kernel collects it (key_gc_delay, 5 minutes by default): say so.
    let (keys, _) = ring.read().map_err(|e| {
        if e.0 == EKEYEXPIRED {
            fail(
                "list the cache keyring",
                format!("{full}: a ticket in it has expired and the kernel has not dropped its key yet (kinit again, or wait a few minutes)"),
            )
        } else {
            fail("list the cache keyring", e)
        }
    })?;
    let mut principal = None;
    let mut credentials: Vec<Credential> = Vec::new();
    for key in &keys {
        let what = description(key);
        if what == TIME_OFFSETS {
            continue;
        }
        let payload = key.read().map_err(|e| fail("read a credential key", e))?;
        if what == PRINCIPAL {
            principal = Some(parse_principal(&payload)?);
        } else {
            credentials.push(parse_credential(&payload)?);
        }
    }
    let principal =
        principal.ok_or_else(|| fail("read the cache", format!("{full} has no principal")))?;
    let mut cache = Ccache::new(principal);
    cache.credentials = credentials;
    Ok(cache)
}

/// Replaces the cache of `residual` with `cache` (as `kinit` initializes one).
pub fn write(residual: &str, cache_data: &Ccache) -> Result<(), CcacheError> {
    let (mut ring, _) = cache(residual, true)?;
    ring.clear()
        .map_err(|e| fail("clear the cache keyring", e))?;
    let mut w = Writer::new();
    write_principal(&mut w, &cache_data.default_principal);
    ring.add_key::<User, _, _>(PRINCIPAL, w.finish().as_slice())
        .map_err(|e| fail("store the principal", e))?;
    for c in &cache_data.credentials {
        let mut w = Writer::new();
        write_credential(&mut w, c, 4);
        ring.add_key::<User, _, _>(c.server.to_string().as_str(), w.finish().as_slice())
            .map_err(|e| fail("store a credential", e))?;
    }
    Ok(())
}

/// The caches of the collection of `residual`, the primary first, by full name.
pub fn list(residual: &str) -> Result<Vec<String>, CcacheError> {
    let name = Name::parse(residual);
    let mut coll = collection(&name, false)?;
    let primary = primary(&mut coll, &name, false)?;
    let (_, rings) = coll.read().map_err(|e| fail("list the collection", e))?;
    let mut names = vec![name.cache_name(&primary)];
    for r in rings {
        let sub = r.description().map(|d| d.description).unwrap_or_default();
        let full = name.cache_name(&sub);
        if !names.contains(&full) {
            names.push(full);
        }
    }
    Ok(names)
}

/// Removes the cache of `residual` from its collection.
pub fn destroy(residual: &str) -> Result<(), CcacheError> {
    let name = Name::parse(residual);
    let (mut ring, _) = cache(residual, false)?;
    ring.clear()
        .map_err(|e| fail("clear the cache keyring", e))?;
    let mut coll = collection(&name, false)?;
    coll.unlink_keyring(&ring)
        .map_err(|e| fail("unlink the cache keyring", e))
}

/// Makes the cache of `residual` (which must name one) its collection's primary.
pub fn switch_to(residual: &str) -> Result<(), CcacheError> {
    let name = Name::parse(residual);
    let sub = name.subsidiary.clone().ok_or_else(|| {
        CcacheError::UnsupportedType(format!(
            "KEYRING:{residual} (name a cache: anchor:collection:name)"
        ))
    })?;
    cache(residual, false)?;
    let mut coll = collection(&name, false)?;
    set_primary(&mut coll, &sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residuals_and_primary_payloads() {
        let n = Name::parse("session:coll:one");
        assert_eq!(
            (
                n.anchor.as_str(),
                n.collection.as_str(),
                n.subsidiary.as_deref()
            ),
            ("session", "coll", Some("one"))
        );
        let legacy = Name::parse("krb5cc");
        assert_eq!(
            (legacy.anchor.as_str(), legacy.subsidiary.as_deref()),
            ("legacy", None)
        );
        assert_eq!(legacy.cache_name("krb5cc"), "KEYRING:session:krb5cc:krb5cc");
        assert_eq!(
            parse_primary(b"\0\0\0\x01\0\0\0\x05probe").as_deref(),
            Some("probe")
        );
        assert_eq!(
            parse_primary(b"\0\0\0\x02\0\0\0\x05probe"),
            None,
            "version 2"
        );
        assert_eq!(
            parse_primary(b"\0\0\0\x01\0\0\0\x09probe"),
            None,
            "truncated"
        );
    }
}
