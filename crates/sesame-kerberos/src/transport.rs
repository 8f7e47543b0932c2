//! Reaching a KDC: the [`KdcTransport`] trait the sans-IO exchanges are driven through, and
//! [`KdcClient`], the blocking TCP/UDP transport to the KDCs krb5.conf names (RFC 4120 7.2.1,
//! 7.2.2), with the retry over TCP that KRB_ERR_RESPONSE_TOO_BIG asks for.
//!
//! Every failure says which KDC was tried over what and how it failed, so that a deciding
//! layer (Negotiate's fallback policy) can tell "no KDC configured" from "connection refused"
//! from "timed out" without reading strings. DNS SRV discovery and the KDC proxy are further
//! implementations of the same trait.

use core::fmt;
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use sesame_asn1::Der;
use sesame_asn1::kerberos::KrbError;
use sesame_asn1::kerberos::constants::error_code;
use sesame_gss::{Input, KdcRequest, SecurityContext, Step};

use crate::error::KerberosError;
use crate::krb5_conf::{KdcAddress, Krb5Conf};

/// Sends a KDC request and returns the reply (without a length prefix).
pub trait KdcTransport {
    /// One request, one reply.
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError>;
}

impl<T: KdcTransport + ?Sized> KdcTransport for std::sync::Arc<T> {
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        self.as_ref().send(request)
    }
}

impl<T: KdcTransport + ?Sized> KdcTransport for &T {
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        (**self).send(request)
    }
}

/// How one KDC failed to answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KdcFailure {
    /// The host name did not resolve.
    #[error("name resolution failed: {0}")]
    NameResolution(String),
    /// Nothing listens there (TCP RST, or ICMP port unreachable for UDP).
    #[error("connection refused")]
    ConnectionRefused,
    /// No answer within the timeout.
    #[error("timed out")]
    TimedOut,
    /// The connection closed before a whole reply arrived.
    #[error("connection closed before the reply was complete")]
    Closed,
    /// Another I/O error.
    #[error("I/O error: {0:?}")]
    Io(ErrorKind),
    /// The reply is not a framed Kerberos message (e.g. a length beyond the limit).
    #[error("bad reply: {0}")]
    BadReply(&'static str),
    /// This kind of KDC address needs a feature this build does not have (a KDC proxy).
    #[error("unsupported KDC address: {0}")]
    Unsupported(&'static str),
}

/// The protocol of one try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// RFC 4120 7.2.1.
    Udp,
    /// RFC 4120 7.2.2 (4-byte length prefix).
    Tcp,
    /// MS-KKDCP over HTTPS.
    Https,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Https => "https",
        })
    }
}

/// One KDC tried and how it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdcAttempt {
    /// The KDC as configured (`host:port` or a URL).
    pub kdc: String,
    /// Over what.
    pub protocol: Protocol,
    /// What happened.
    pub failure: KdcFailure,
}

/// Why no KDC answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No KDC is known for the realm (nothing configured, nothing discovered).
    #[error("no KDC is known for realm {realm}")]
    NoKdc {
        /// The realm.
        realm: String,
    },
    /// Every KDC was tried and none answered.
    #[error("no KDC of realm {realm} answered: {}", attempts_text(.attempts))]
    AllFailed {
        /// The realm.
        realm: String,
        /// Every try, in order.
        attempts: Vec<KdcAttempt>,
    },
}

fn attempts_text(attempts: &[KdcAttempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("{} ({}): {}", a.kdc, a.protocol, a.failure))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The largest reply accepted over TCP (MIT's limit is 1 MiB as well).
const MAX_TCP_REPLY: usize = 1 << 20;

/// Blocking TCP/UDP transport to configured KDCs.
#[derive(Clone, Debug)]
pub struct KdcClient {
    kdcs: HashMap<String, Vec<KdcAddress>>,
    conf: Option<Krb5Conf>,
    /// Time allowed for each try (connect, send, receive).
    pub timeout: Duration,
    /// Requests larger than this go over TCP first (krb5.conf `udp_preference_limit`; 1 means
    /// always TCP).
    pub udp_preference_limit: usize,
}

impl KdcClient {
    /// The KDCs of krb5.conf `[realms]`.
    pub fn from_conf(conf: &Krb5Conf) -> Self {
        Self {
            kdcs: HashMap::new(),
            conf: Some(conf.clone()),
            timeout: Duration::from_secs(3),
            udp_preference_limit: conf.udp_preference_limit(),
        }
    }

    /// No configuration: only the KDCs given with [`KdcClient::with_kdc`].
    pub fn new() -> Self {
        Self {
            kdcs: HashMap::new(),
            conf: None,
            timeout: Duration::from_secs(3),
            udp_preference_limit: 1465,
        }
    }

    /// Uses `kdc` (`host[:port]`, optionally `tcp/` or `udp/` first) for `realm` instead of
    /// the configured KDCs (explicit configuration comes first, as in MIT's discovery order).
    #[must_use]
    pub fn with_kdc(mut self, realm: &str, kdc: &str) -> Self {
        let (transport, rest) = match kdc.split_once('/') {
            Some(("tcp", r)) => (Some("tcp"), r),
            Some(("udp", r)) => (Some("udp"), r),
            _ => (None, kdc),
        };
        let (host, port) = split_host_port(rest);
        self.kdcs
            .entry(realm.to_string())
            .or_default()
            .push(KdcAddress::Host {
                host,
                port,
                transport,
            });
        self
    }

    /// The KDCs of `realm`: the explicit ones if any, else krb5.conf's.
    pub fn kdcs(&self, realm: &str) -> Vec<KdcAddress> {
        match (self.kdcs.get(realm), &self.conf) {
            (Some(explicit), _) => explicit.clone(),
            (None, Some(conf)) => conf.kdcs(realm),
            (None, None) => Vec::new(),
        }
    }

    fn try_host(
        &self,
        host: &str,
        port: u16,
        protocol: Protocol,
        message: &[u8],
    ) -> Result<Vec<u8>, KdcFailure> {
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| KdcFailure::NameResolution(e.to_string()))?
            .collect();
        let mut last = KdcFailure::NameResolution(format!("{host} has no address"));
        for addr in addrs {
            let result = match protocol {
                Protocol::Udp => self.udp(addr, message),
                _ => self.tcp(addr, message),
            };
            match result {
                Ok(reply) => return Ok(reply),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn udp(&self, addr: SocketAddr, message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
        let local: SocketAddr = if addr.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).map_err(io_failure)?;
        socket.connect(addr).map_err(io_failure)?;
        socket
            .set_read_timeout(Some(self.timeout))
            .map_err(io_failure)?;
        socket.send(message).map_err(io_failure)?;
        let mut buf = vec![0u8; 65_536];
        let n = socket.recv(&mut buf).map_err(io_failure)?;
        buf.truncate(n);
        Ok(buf)
    }

    fn tcp(&self, addr: SocketAddr, message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout).map_err(io_failure)?;
        stream
            .set_read_timeout(Some(self.timeout))
            .map_err(io_failure)?;
        stream
            .set_write_timeout(Some(self.timeout))
            .map_err(io_failure)?;
        let len = u32::try_from(message.len()).map_err(|_| KdcFailure::BadReply("too long"))?;
        let mut framed = Vec::with_capacity(message.len() + 4);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(message);
        stream.write_all(&framed).map_err(io_failure)?;
        let mut prefix = [0u8; 4];
        stream.read_exact(&mut prefix).map_err(io_failure)?;
        let len = usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
        if len > MAX_TCP_REPLY {
            return Err(KdcFailure::BadReply(
                "length prefix beyond 1 MiB (high bit set?)",
            ));
        }
        let mut reply = vec![0u8; len];
        stream.read_exact(&mut reply).map_err(io_failure)?;
        Ok(reply)
    }
}

impl Default for KdcClient {
    fn default() -> Self {
        Self::new()
    }
}

impl KdcTransport for KdcClient {
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        let kdcs = self.kdcs(&request.realm);
        if kdcs.is_empty() {
            return Err(TransportError::NoKdc {
                realm: request.realm.clone(),
            });
        }
        let mut attempts = Vec::new();
        for kdc in kdcs {
            let (host, port, forced) = match kdc {
                KdcAddress::Host {
                    host,
                    port,
                    transport,
                } => (host, port, transport),
                KdcAddress::Proxy(url) => {
                    attempts.push(KdcAttempt {
                        kdc: url,
                        protocol: Protocol::Https,
                        failure: KdcFailure::Unsupported("KDC proxy (needs the kdc-proxy feature)"),
                    });
                    continue;
                }
            };
            let name = format!("{host}:{port}");
            // `udp/` and `tcp/` entries name their transport; otherwise small requests try UDP
            // first (udp_preference_limit) and everything falls back to TCP. A UDP answer of
            // KRB_ERR_RESPONSE_TOO_BIG is retried over TCP in any case (RFC 4120 7.2.1).
            let mut order = match (forced, request.message.len() < self.udp_preference_limit) {
                (Some("udp"), _) => vec![Protocol::Udp],
                (Some(_), _) | (None, false) => vec![Protocol::Tcp],
                (None, true) => vec![Protocol::Udp, Protocol::Tcp],
            };
            let mut i = 0;
            while let Some(&protocol) = order.get(i) {
                i += 1;
                match self.try_host(&host, port, protocol, &request.message) {
                    Ok(reply) if protocol == Protocol::Udp && is_response_too_big(&reply) => {
                        attempts.push(KdcAttempt {
                            kdc: name.clone(),
                            protocol,
                            failure: KdcFailure::BadReply(
                                "KRB_ERR_RESPONSE_TOO_BIG, retrying over TCP",
                            ),
                        });
                        if !order.contains(&Protocol::Tcp) {
                            order.push(Protocol::Tcp);
                        }
                    }
                    Ok(reply) => return Ok(reply),
                    Err(failure) => {
                        let fatal = matches!(failure, KdcFailure::NameResolution(_));
                        attempts.push(KdcAttempt {
                            kdc: name.clone(),
                            protocol,
                            failure,
                        });
                        if fatal {
                            break;
                        }
                    }
                }
            }
        }
        Err(TransportError::AllFailed {
            realm: request.realm.clone(),
            attempts,
        })
    }
}

fn is_response_too_big(reply: &[u8]) -> bool {
    reply.first() == Some(&0x7e)
        && KrbError::from_der(reply)
            .is_ok_and(|e| e.error_code == error_code::KRB_ERR_RESPONSE_TOO_BIG)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(io_failure)`
fn io_failure(e: std::io::Error) -> KdcFailure {
    match e.kind() {
        ErrorKind::ConnectionRefused => KdcFailure::ConnectionRefused,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => KdcFailure::TimedOut,
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
            KdcFailure::Closed
        }
        kind => KdcFailure::Io(kind),
    }
}

fn split_host_port(s: &str) -> (String, u16) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            let port = tail
                .strip_prefix(':')
                .and_then(|p| p.parse().ok())
                .unwrap_or(88);
            return (host.to_string(), port);
        }
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host.to_string(), port.parse().unwrap_or(88)),
        _ => (s.to_string(), 88),
    }
}

/// Steps `ctx` with `input`, answering its KDC requests through `transport`, until it
/// produces a token or completes: what a blocking caller of a sans-IO context does.
pub fn step_with_kdc(
    ctx: &mut dyn SecurityContext,
    input: Input<'_>,
    transport: &dyn KdcTransport,
) -> Result<Step, sesame_gss::Error> {
    let mut step = ctx.step(input)?;
    loop {
        match step {
            Step::NeedKdc(request) => {
                let reply = transport
                    .send(&request)
                    .map_err(|e| sesame_gss::Error::from(KerberosError::Transport(e)))?;
                step = ctx.step(Input::KdcReply(&reply))?;
            }
            other => return Ok(other),
        }
    }
}
