//! `KCM:` credential caches: caches held by a daemon (sssd-kcm on Fedora and RHEL, Heimdal's
//! kcm) and reached over a Unix socket with Heimdal's KCM protocol, as MIT's client speaks it
//! (MIT `src/include/kcm.h`, `lib/krb5/ccache/cc_kcm.c`).
//!
//! A request is the protocol version (2, 0), a 16-bit big-endian opcode and its arguments:
//! names zero-terminated, principals and credentials in the version-4 FILE cache format, UUIDs
//! 16 bytes. On the socket it goes with a 32-bit big-endian length before it; the reply comes
//! as a length, a status word, then that many bytes which begin with the operation's own
//! status (0: done; else a krb5 error code, kept as it is). Building requests and reading
//! replies is done here without I/O; [`Connection`] is the one thing that touches the socket.

use super::{
    Ccache, CcacheError, Credential, credential, principal, write_credential, write_principal,
};
use crate::principal::Principal;
use crate::wire::{Reader, WireError, Writer};

/// Heimdal's and MIT's default socket (krb5.conf `[libdefaults] kcm_socket` names another).
pub const DEFAULT_SOCKET: &str = "/var/run/.heim_org.h5l.kcm-socket";

/// The largest reply read (MIT's `MAX_REPLY_SIZE`).
const MAX_REPLY: usize = 10 * 1024 * 1024;

/// KCM opcodes (MIT's `kcm_opcode`), the ones a client needs.
pub mod op {
    /// () -> (name): a new, unused cache name.
    pub const GEN_NEW: u16 = 3;
    /// (name, principal) -> (): empties the cache and sets its principal.
    pub const INITIALIZE: u16 = 4;
    /// (name) -> ().
    pub const DESTROY: u16 = 5;
    /// (name, credential) -> ().
    pub const STORE: u16 = 6;
    /// (name) -> (principal).
    pub const GET_PRINCIPAL: u16 = 8;
    /// (name) -> (uuid, ...).
    pub const GET_CRED_UUID_LIST: u16 = 9;
    /// (name, uuid) -> (credential).
    pub const GET_CRED_BY_UUID: u16 = 10;
    /// () -> (uuid, ...).
    pub const GET_CACHE_UUID_LIST: u16 = 18;
    /// (uuid) -> (name).
    pub const GET_CACHE_BY_UUID: u16 = 19;
    /// () -> (name): the collection's primary cache.
    pub const GET_DEFAULT_CACHE: u16 = 20;
    /// (name) -> (): makes it the primary cache (`kswitch`).
    pub const SET_DEFAULT_CACHE: u16 = 21;
}

/// One argument of a request.
pub enum Arg<'a> {
    /// A cache name.
    Name(&'a str),
    /// A principal.
    Principal(&'a Principal),
    /// A credential.
    Credential(&'a Credential),
    /// A cache or credential UUID.
    Uuid(&'a [u8; 16]),
}

/// The bytes of a request (without the socket's length prefix).
pub fn request(opcode: u16, args: &[Arg<'_>]) -> Vec<u8> {
    let mut out = vec![2, 0];
    out.extend_from_slice(&opcode.to_be_bytes());
    for arg in args {
        match arg {
            Arg::Name(name) => {
                out.extend_from_slice(name.as_bytes());
                out.push(0);
            }
            Arg::Principal(p) => {
                let mut w = Writer::new();
                write_principal(&mut w, p);
                out.extend_from_slice(&w.finish());
            }
            Arg::Credential(c) => {
                let mut w = Writer::new();
                write_credential(&mut w, c, 4);
                out.extend_from_slice(&w.finish());
            }
            Arg::Uuid(u) => out.extend_from_slice(*u),
        }
    }
    out
}

/// The payload of a reply (what follows the length and status words on the socket), checked:
/// its status word, then the rest.
pub fn reply_body(opcode: u16, reply: &[u8]) -> Result<&[u8], CcacheError> {
    let (status, rest) = reply
        .split_first_chunk::<4>()
        .ok_or(CcacheError::Malformed {
            offset: 0,
            reason: WireError::Truncated,
        })?;
    match i32::from_be_bytes(*status) {
        0 => Ok(rest),
        code => Err(CcacheError::Kcm { opcode, code }),
    }
}

fn malformed(body: &[u8], r: &Reader<'_>, reason: WireError) -> CcacheError {
    CcacheError::Malformed {
        offset: body.len() - r.remaining(),
        reason,
    }
}

/// A zero-terminated name.
pub fn parse_name(body: &[u8]) -> Result<String, CcacheError> {
    let end = body
        .iter()
        .position(|b| *b == 0)
        .ok_or(CcacheError::Malformed {
            offset: body.len(),
            reason: WireError::Invalid("name without its terminating zero"),
        })?;
    String::from_utf8(body[..end].to_vec()).map_err(|_| CcacheError::Malformed {
        offset: 0,
        reason: WireError::Invalid("name not UTF-8"),
    })
}

/// A list of 16-byte UUIDs (the rest of the reply).
pub fn parse_uuids(body: &[u8]) -> Result<Vec<[u8; 16]>, CcacheError> {
    let (uuids, rest) = body.as_chunks::<16>();
    if !rest.is_empty() {
        return Err(CcacheError::Malformed {
            offset: body.len() - rest.len(),
            reason: WireError::Invalid("UUID list not a multiple of 16 bytes"),
        });
    }
    Ok(uuids.to_vec())
}

/// A principal in the version-4 format.
pub fn parse_principal(body: &[u8]) -> Result<Principal, CcacheError> {
    let mut r = Reader::new(body, true);
    principal(&mut r).map_err(|e| malformed(body, &r, e))
}

/// A credential in the version-4 format.
pub fn parse_credential(body: &[u8]) -> Result<Credential, CcacheError> {
    let mut r = Reader::new(body, true);
    credential(&mut r, 4).map_err(|e| malformed(body, &r, e))
}

/// Where the daemon listens: krb5.conf's `kcm_socket`, else the default.
pub fn socket_path(conf: Option<&crate::krb5_conf::Krb5Conf>) -> String {
    conf.and_then(|c| c.value(&["libdefaults", "kcm_socket"]))
        .unwrap_or(DEFAULT_SOCKET)
        .to_string()
}

/// A connection to the KCM daemon, carrying every request of one cache operation (MIT's
/// client keeps one per cache handle), not one connection per credential.
pub struct Connection {
    socket: String,
    #[cfg(unix)]
    stream: std::os::unix::net::UnixStream,
}

impl Connection {
    /// Connects to the daemon on `socket`.
    #[cfg(unix)]
    pub fn open(socket: &str) -> Result<Self, CcacheError> {
        let stream =
            std::os::unix::net::UnixStream::connect(socket).map_err(|source| CcacheError::Io {
                path: socket.to_string(),
                source,
            })?;
        Ok(Self {
            socket: socket.to_string(),
            stream,
        })
    }

    /// Without Unix sockets there is no KCM.
    #[cfg(not(unix))]
    pub fn open(_: &str) -> Result<Self, CcacheError> {
        Err(CcacheError::UnsupportedType("KCM:".into()))
    }

    /// Sends one request and returns the reply's checked body. A reply refused with a code is
    /// still read whole, so that the next request on the connection starts in step.
    #[cfg(unix)]
    pub fn call(&mut self, opcode: u16, args: &[Arg<'_>]) -> Result<Vec<u8>, CcacheError> {
        use std::io::{Read, Write};
        let socket = &self.socket;
        let io = |source| CcacheError::Io {
            path: socket.clone(),
            source,
        };
        let req = request(opcode, args);
        let len = u32::try_from(req.len()).map_err(|_| CcacheError::Malformed {
            offset: 0,
            reason: WireError::TooLong,
        })?;
        let mut framed = len.to_be_bytes().to_vec();
        framed.extend_from_slice(&req);
        self.stream.write_all(&framed).map_err(io)?;
        let mut head = [0u8; 8];
        self.stream.read_exact(&mut head).map_err(io)?;
        let len = usize::try_from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
            .unwrap_or(usize::MAX);
        let code = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if len > MAX_REPLY {
            return Err(CcacheError::Malformed {
                offset: 0,
                reason: WireError::TooLong,
            });
        }
        let mut reply = vec![0u8; len];
        self.stream.read_exact(&mut reply).map_err(io)?;
        if code != 0 {
            return Err(CcacheError::Kcm { opcode, code });
        }
        reply_body(opcode, &reply).map(<[u8]>::to_vec)
    }

    /// Without Unix sockets there is no KCM.
    #[cfg(not(unix))]
    pub fn call(&mut self, _: u16, _: &[Arg<'_>]) -> Result<Vec<u8>, CcacheError> {
        Err(CcacheError::UnsupportedType(format!(
            "KCM: ({})",
            self.socket
        )))
    }

    /// The cache a `KCM:` residual names: itself, or for `KCM:` the primary cache.
    pub fn cache_name(&mut self, residual: &str) -> Result<String, CcacheError> {
        if residual.is_empty() {
            parse_name(&self.call(op::GET_DEFAULT_CACHE, &[])?)
        } else {
            Ok(residual.to_string())
        }
    }
}

/// Reads the cache `residual` (empty: the primary): its principal and every credential.
pub fn read(socket: &str, residual: &str) -> Result<Ccache, CcacheError> {
    let mut kcm = Connection::open(socket)?;
    let name = kcm.cache_name(residual)?;
    let body = kcm.call(op::GET_PRINCIPAL, &[Arg::Name(&name)])?;
    if body.is_empty() {
        // Heimdal answers a cache that does not exist with success and no principal.
        return Err(CcacheError::Kcm {
            opcode: op::GET_PRINCIPAL,
            code: KRB5_FCC_NOFILE,
        });
    }
    let mut cache = Ccache::new(parse_principal(&body)?);
    let uuids = parse_uuids(&kcm.call(op::GET_CRED_UUID_LIST, &[Arg::Name(&name)])?)?;
    for uuid in &uuids {
        let body = kcm.call(op::GET_CRED_BY_UUID, &[Arg::Name(&name), Arg::Uuid(uuid)])?;
        cache.credentials.push(parse_credential(&body)?);
    }
    Ok(cache)
}

/// Replaces the cache `residual` (empty: the primary) with `cache`, as `kinit` does: one
/// INITIALIZE with the principal, one STORE per credential.
pub fn write(socket: &str, residual: &str, cache: &Ccache) -> Result<(), CcacheError> {
    let mut kcm = Connection::open(socket)?;
    let name = kcm.cache_name(residual)?;
    kcm.call(
        op::INITIALIZE,
        &[Arg::Name(&name), Arg::Principal(&cache.default_principal)],
    )?;
    for c in &cache.credentials {
        kcm.call(op::STORE, &[Arg::Name(&name), Arg::Credential(c)])?;
    }
    Ok(())
}

/// The names of the collection's caches, the primary first.
pub fn list(socket: &str) -> Result<Vec<String>, CcacheError> {
    let mut kcm = Connection::open(socket)?;
    let primary = kcm.cache_name("")?;
    let uuids = match kcm.call(op::GET_CACHE_UUID_LIST, &[]) {
        Ok(body) => parse_uuids(&body)?,
        Err(CcacheError::Kcm {
            code: KRB5_FCC_NOFILE,
            ..
        }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut names = vec![primary];
    for uuid in &uuids {
        match kcm.call(op::GET_CACHE_BY_UUID, &[Arg::Uuid(uuid)]) {
            Ok(body) => {
                let name = parse_name(&body)?;
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            // Deleted in between.
            Err(CcacheError::Kcm {
                code: KRB5_FCC_NOFILE | KRB5_CC_END,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(names)
}

/// MIT's "no credentials cache found" (`KRB5_FCC_NOFILE`).
pub const KRB5_FCC_NOFILE: i32 = -1_765_328_189;
/// MIT's "end of credential cache reached" (`KRB5_CC_END`).
pub const KRB5_CC_END: i32 = -1_765_328_242;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_version_opcode_and_arguments() {
        let p = Principal::parse("user1@EXAMPLE.TEST", None).unwrap_or_else(|_| unreachable!());
        let req = request(op::INITIALIZE, &[Arg::Name("0"), Arg::Principal(&p)]);
        assert_eq!(&req[..6], &[2, 0, 0, 4, b'0', 0]);
        assert_eq!(parse_principal(&req[6..]).ok(), Some(p));
        assert_eq!(
            request(op::GET_CRED_BY_UUID, &[Arg::Name("x"), Arg::Uuid(&[7; 16])]).len(),
            4 + 2 + 16
        );
    }

    #[test]
    fn replies_keep_the_daemons_code() {
        assert_eq!(
            reply_body(op::STORE, &[0, 0, 0, 0, 9]).ok(),
            Some(&[9u8][..])
        );
        let nofile = KRB5_FCC_NOFILE.to_be_bytes();
        assert!(matches!(
            reply_body(op::GET_PRINCIPAL, &nofile),
            Err(CcacheError::Kcm {
                opcode: op::GET_PRINCIPAL,
                code: KRB5_FCC_NOFILE
            })
        ));
        assert!(reply_body(op::STORE, &[0, 0]).is_err());
        assert_eq!(parse_name(b"0:1000\0").ok().as_deref(), Some("0:1000"));
        assert!(parse_name(b"no zero").is_err());
        assert_eq!(parse_uuids(&[1; 32]).map(|u| u.len()).ok(), Some(2));
        assert!(parse_uuids(&[1; 17]).is_err());
    }
}
