//! Reaching a KDC: the [`KdcTransport`] trait the sans-IO exchanges are driven through, and
//! [`KdcClient`], the blocking transport that finds the KDCs of a realm — explicit ones, then
//! krb5.conf `[realms]`, then DNS SRV records (feature `dns`) — and tries them in order over
//! UDP, TCP (RFC 4120 7.2.1, 7.2.2) or an MS-KKDCP proxy over HTTPS (feature `kdc-proxy`), with a
//! per-try timeout and an overall deadline.
//!
//! Every failure says which KDC was tried over what and how it failed, so that a deciding
//! layer (Negotiate's fallback policy) can tell "no KDC known" from "connection refused" from
//! "timed out" from "the proxy's certificate is not trusted" without reading strings.

#[cfg(feature = "tokio")]
mod asynchronous;
#[cfg(feature = "dns")]
mod dns;
pub mod kkdcp;
#[cfg(feature = "kdc-proxy")]
mod proxy;
#[cfg(feature = "async-kdc-proxy")]
mod proxy_async;
#[cfg(feature = "kdc-proxy")]
mod proxy_tls;
mod socket;

use core::fmt;
use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sesame_asn1::Der;
use sesame_asn1::kerberos::KrbError;
use sesame_asn1::kerberos::constants::error_code;
use sesame_gss::{Input, KdcRequest, SecurityContext, Step};

#[cfg(feature = "tokio")]
pub use asynchronous::{AsyncKdcTransport, BoxFuture, OnBlockingPool, step_with_kdc_async};
#[cfg(feature = "dns")]
pub use dns::{DnsDiscovery, SrvRecord};
#[cfg(feature = "kdc-proxy")]
pub use proxy::{ProxyClient, ProxyConfig};

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

/// What is wrong with a KDC proxy's TLS certificate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsProblem {
    /// No trusted CA issued it (self-signed, or a CA the client does not know).
    #[error(
        "the proxy's certificate is not trusted: no known CA issued it (give its CA with --ca-file, as MIT's http_anchors)"
    )]
    UntrustedIssuer,
    /// Outside its validity period.
    #[error("the proxy's certificate has expired or is not valid yet")]
    Expired,
    /// Issued for another host name.
    #[error("the proxy's certificate is for another host name than the one in the URL")]
    WrongHostName,
    /// The server presented a CA certificate (basicConstraints CA:TRUE) as its own, as
    /// `openssl req -x509` makes by default, and that certificate was not given as an anchor
    /// (given with `--ca-file`, it is trusted as itself, as MIT's `http_anchors` does).
    #[error(
        "the proxy presents a CA certificate (CA:TRUE) as its own; trust that very certificate with --ca-file (as MIT's http_anchors), or reissue it with basicConstraints CA:FALSE"
    )]
    CaUsedAsEndEntity,
    /// Its issuer revoked it.
    #[error("the proxy's certificate was revoked")]
    Revoked,
    /// It is not for TLS servers (extended key usage without serverAuth).
    #[error("the proxy's certificate is not for TLS servers (no serverAuth extended key usage)")]
    NotForServerAuth,
    /// Any other TLS failure, in the TLS library's words.
    #[error("TLS: {0}")]
    Other(String),
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
    /// The KDC proxy's certificate was refused.
    #[error("{0}")]
    Tls(TlsProblem),
    /// The KDC proxy answered with an HTTP error; kdcproxy says 503 when its own KDCs do not
    /// answer, and the first line of its body says why.
    #[error("proxy answered HTTP {status}: {body}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The first line of the body.
        body: String,
    },
    /// The KDC proxy answered 200 with something that is not a KDC-PROXY-MESSAGE.
    #[error("proxy answer is not a KDC-PROXY-MESSAGE: {0}")]
    NotKdcProxyMessage(&'static str),
    /// Another HTTP failure.
    #[error("HTTP: {0}")]
    Http(String),
    /// This kind of KDC address needs a feature this build does not have.
    #[error("unsupported KDC address: {0}")]
    Unsupported(&'static str),
    /// The overall deadline passed before this KDC could be tried.
    #[error("not tried: the overall deadline passed")]
    DeadlineReached,
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
    /// The KDC as found (`host:port`, a URL, and `via SRV` when DNS named it).
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
    /// No KDC is known for the realm: nothing configured, and DNS (if asked) has no SRV record.
    #[error("no KDC is known for realm {realm}")]
    NoKdc {
        /// The realm.
        realm: String,
    },
    /// The DNS SRV lookup itself failed (nameserver unreachable, timed out, refused).
    #[error("DNS discovery of the KDCs of {realm} failed: {reason}")]
    Discovery {
        /// The realm.
        realm: String,
        /// What the resolver said.
        reason: String,
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

/// A KDC to try: a host (with addresses already known when DNS gave them) over the named
/// protocols, or a proxy URL.
#[derive(Clone, Debug)]
enum Target {
    Host {
        name: String,
        host: String,
        port: u16,
        addrs: Vec<SocketAddr>,
        forced: Option<Protocol>,
    },
    Proxy(String),
}

/// What one try of a host decided.
enum Tried {
    Answered(Vec<u8>),
    Next,
    Stop,
}

/// Blocking transport to the KDCs of a realm.
#[derive(Debug)]
pub struct KdcClient {
    explicit: HashMap<String, Vec<KdcAddress>>,
    conf: Option<Krb5Conf>,
    /// Time allowed for each try (connect, send, receive) over UDP or TCP.
    pub timeout: Duration,
    /// Time allowed for all tries of one request together.
    pub deadline: Duration,
    /// Requests larger than this go over TCP first (krb5.conf `udp_preference_limit`; 1 means
    /// always TCP).
    pub udp_preference_limit: usize,
    #[cfg(feature = "dns")]
    dns: Option<DnsDiscovery>,
    /// Built on first use: most realms have no proxy, and the system roots cost a file read.
    #[cfg(feature = "kdc-proxy")]
    proxy: std::sync::OnceLock<Result<ProxyClient, String>>,
    trace: Mutex<Vec<String>>,
}

impl KdcClient {
    /// No configuration: only the KDCs given with [`KdcClient::with_kdc`].
    pub fn new() -> Self {
        Self {
            explicit: HashMap::new(),
            conf: None,
            timeout: Duration::from_secs(3),
            deadline: Duration::from_secs(30),
            udp_preference_limit: 1465,
            #[cfg(feature = "dns")]
            dns: None,
            #[cfg(feature = "kdc-proxy")]
            proxy: std::sync::OnceLock::new(),
            trace: Mutex::new(Vec::new()),
        }
    }

    /// The KDCs of krb5.conf `[realms]`; with the `dns` feature, DNS SRV discovery as
    /// `dns_lookup_kdc` says, through the system's nameservers.
    pub fn from_conf(conf: &Krb5Conf) -> Self {
        let client = Self {
            conf: Some(conf.clone()),
            udp_preference_limit: conf.udp_preference_limit(),
            ..Self::new()
        };
        #[cfg(feature = "dns")]
        let client = if conf.dns_lookup_kdc() {
            client.with_dns(DnsDiscovery::system())
        } else {
            client
        };
        client
    }

    /// Uses `kdc` for `realm` instead of the configured KDCs: `host[:port]`, optionally
    /// `tcp/` or `udp/` first, or a KDC proxy URL `https://host[:port]/path`.
    #[must_use]
    pub fn with_kdc(mut self, realm: &str, kdc: &str) -> Self {
        let address = if kdc.starts_with("https://") {
            KdcAddress::Proxy(kdc.to_string())
        } else {
            let (transport, rest) = match kdc.split_once('/') {
                Some(("tcp", r)) => (Some("tcp"), r),
                Some(("udp", r)) => (Some("udp"), r),
                _ => (None, kdc),
            };
            let (host, port) = split_host_port(rest);
            KdcAddress::Host {
                host,
                port,
                transport,
            }
        };
        self.explicit
            .entry(realm.to_string())
            .or_default()
            .push(address);
        self
    }

    /// Discovers KDCs through DNS SRV records when neither explicit KDCs nor krb5.conf name
    /// any (with an explicit nameserver even where `dns_lookup_kdc` is false).
    #[cfg(feature = "dns")]
    #[must_use]
    pub fn with_dns(mut self, dns: DnsDiscovery) -> Self {
        self.dns = Some(dns);
        self
    }

    /// Sends through KDC proxies with this client (its CA and timeout).
    #[cfg(feature = "kdc-proxy")]
    #[must_use]
    pub fn with_proxy(mut self, proxy: ProxyClient) -> Self {
        self.proxy = std::sync::OnceLock::from(Ok(proxy));
        self
    }

    /// What the last request did, one line per try (`udp 127.0.0.1:88: connection refused`,
    /// `tcp 127.0.0.1:88: answered`), for `--verbose` output.
    pub fn trace(&self) -> Vec<String> {
        self.trace.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// The KDCs of `realm` as they will be tried (`host:port`, `(SRV udp)` when DNS named it,
    /// or a proxy URL); what `sesame locate` prints.
    pub fn locate(&self, realm: &str) -> Result<Vec<String>, TransportError> {
        Ok(self
            .targets(realm)?
            .into_iter()
            .map(|t| match t {
                Target::Host { name, forced, .. } => match forced {
                    Some(p) if !name.contains("(SRV") => format!("{p}/{name}"),
                    _ => name,
                },
                Target::Proxy(url) => url,
            })
            .collect())
    }

    /// The KDCs of `realm` in the order they will be tried.
    fn targets(&self, realm: &str) -> Result<Vec<Target>, TransportError> {
        let configured = self.configured_targets(realm);
        if !configured.is_empty() {
            return Ok(configured);
        }
        self.discovered(realm)
    }

    /// The KDCs named explicitly or in krb5.conf (no I/O).
    fn configured_targets(&self, realm: &str) -> Vec<Target> {
        let configured = match (self.explicit.get(realm), &self.conf) {
            (Some(explicit), _) => explicit.clone(),
            (None, Some(conf)) => conf.kdcs(realm),
            (None, None) => Vec::new(),
        };
        configured
            .into_iter()
            .map(|a| match a {
                KdcAddress::Host {
                    host,
                    port,
                    transport,
                } => Target::Host {
                    name: format!("{host}:{port}"),
                    host,
                    port,
                    addrs: Vec::new(),
                    forced: match transport {
                        Some("udp") => Some(Protocol::Udp),
                        Some(_) => Some(Protocol::Tcp),
                        None => None,
                    },
                },
                KdcAddress::Proxy(url) => Target::Proxy(url),
            })
            .collect()
    }

    #[cfg(feature = "dns")]
    fn discovered(&self, realm: &str) -> Result<Vec<Target>, TransportError> {
        let Some(dns) = &self.dns else {
            return Ok(Vec::new());
        };
        let records = dns
            .kdcs(realm)
            .map_err(|reason| TransportError::Discovery {
                realm: realm.to_string(),
                reason,
            })?;
        Ok(srv_targets(records))
    }

    #[cfg(not(feature = "dns"))]
    #[allow(clippy::unnecessary_wraps, clippy::unused_self)]
    fn discovered(&self, _realm: &str) -> Result<Vec<Target>, TransportError> {
        Ok(Vec::new())
    }

    fn try_host(
        host: &str,
        port: u16,
        known: &[SocketAddr],
        protocol: Protocol,
        message: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, KdcFailure> {
        let addrs: Vec<SocketAddr> = if known.is_empty() {
            (host, port)
                .to_socket_addrs()
                .map_err(|e| KdcFailure::NameResolution(format!("{host}: {e}")))?
                .collect()
        } else {
            known.to_vec()
        };
        let mut last = KdcFailure::NameResolution(format!("{host} has no address"));
        for addr in addrs {
            let result = match protocol {
                Protocol::Udp => socket::udp(addr, message, timeout),
                _ => socket::tcp(addr, message, timeout),
            };
            match result {
                Ok(reply) => return Ok(reply),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    #[cfg(feature = "kdc-proxy")]
    fn try_proxy(&self, url: &str, realm: &str, message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
        self.proxy
            .get_or_init(|| ProxyClient::new(&ProxyConfig::default()))
            .as_ref()
            .map_err(|e| KdcFailure::Http(e.clone()))?
            .send(url, realm, message)
    }

    #[cfg(not(feature = "kdc-proxy"))]
    #[allow(clippy::unused_self)]
    fn try_proxy(&self, _url: &str, _realm: &str, _message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
        Err(KdcFailure::Unsupported(
            "KDC proxy (build with the kdc-proxy feature)",
        ))
    }

    /// The protocols to try a host with: its own when it names one, else UDP first for small
    /// requests (`udp_preference_limit`), then TCP.
    fn protocol_order(&self, forced: Option<Protocol>, request: &KdcRequest) -> Vec<Protocol> {
        match (forced, request.message.len() < self.udp_preference_limit) {
            (Some(Protocol::Udp), _) => vec![Protocol::Udp],
            (Some(_), _) | (None, false) => vec![Protocol::Tcp],
            (None, true) => vec![Protocol::Udp, Protocol::Tcp],
        }
    }

    /// Tries one host over UDP and/or TCP; records each failure in `attempts`.
    fn try_over_sockets(
        &self,
        name: &str,
        (host, port, addrs): (&str, u16, &[SocketAddr]),
        forced: Option<Protocol>,
        request: &KdcRequest,
        started: Instant,
        attempts: &mut Vec<KdcAttempt>,
    ) -> Option<Vec<u8>> {
        // `udp/` and `tcp/` entries (and SRV records) name their transport; otherwise
        // small requests try UDP first (udp_preference_limit) and everything falls back to
        // TCP. A UDP answer of KRB_ERR_RESPONSE_TOO_BIG is retried over TCP in any case
        // (RFC 4120 7.2.1).
        let mut order = self.protocol_order(forced, request);
        let mut i = 0;
        while let Some(&protocol) = order.get(i) {
            i += 1;
            let timeout = self
                .timeout
                .min(self.deadline.saturating_sub(started.elapsed()));
            if timeout.is_zero() {
                break;
            }
            let result = Self::try_host(host, port, addrs, protocol, &request.message, timeout);
            match self.settle(name, protocol, result, &mut order, attempts) {
                Tried::Answered(reply) => return Some(reply),
                Tried::Next => {}
                Tried::Stop => break,
            }
        }
        None
    }

    /// What one try over UDP or TCP means for the tries of this host, the same for the
    /// blocking and the async transport: an answer; KRB_ERR_RESPONSE_TOO_BIG over UDP (retry
    /// over TCP); a failure recorded (stop when the name does not resolve).
    fn settle(
        &self,
        name: &str,
        protocol: Protocol,
        result: Result<Vec<u8>, KdcFailure>,
        order: &mut Vec<Protocol>,
        attempts: &mut Vec<KdcAttempt>,
    ) -> Tried {
        match result {
            Ok(reply) if protocol == Protocol::Udp && is_response_too_big(&reply) => {
                self.note(format!("{protocol} {name}: KRB_ERR_RESPONSE_TOO_BIG"));
                attempts.push(KdcAttempt {
                    kdc: name.to_string(),
                    protocol,
                    failure: KdcFailure::BadReply("KRB_ERR_RESPONSE_TOO_BIG, retrying over TCP"),
                });
                if !order.contains(&Protocol::Tcp) {
                    order.push(Protocol::Tcp);
                }
                Tried::Next
            }
            Ok(reply) => {
                self.note(format!("{protocol} {name}: answered"));
                Tried::Answered(reply)
            }
            Err(failure) => {
                self.note(format!("{protocol} {name}: {failure}"));
                let fatal = matches!(failure, KdcFailure::NameResolution(_));
                attempts.push(KdcAttempt {
                    kdc: name.to_string(),
                    protocol,
                    failure,
                });
                if fatal { Tried::Stop } else { Tried::Next }
            }
        }
    }

    fn note(&self, line: String) {
        if let Ok(mut t) = self.trace.lock() {
            t.push(line);
        }
    }
}

impl Default for KdcClient {
    fn default() -> Self {
        Self::new()
    }
}

impl KdcTransport for KdcClient {
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        if let Ok(mut t) = self.trace.lock() {
            t.clear();
        }
        let targets = self.targets(&request.realm)?;
        if targets.is_empty() {
            return Err(TransportError::NoKdc {
                realm: request.realm.clone(),
            });
        }
        let started = Instant::now();
        let mut attempts = Vec::new();
        for target in targets {
            let left = self.deadline.saturating_sub(started.elapsed());
            let (name, first) = match &target {
                Target::Host { name, .. } => (name.clone(), Protocol::Tcp),
                Target::Proxy(url) => (url.clone(), Protocol::Https),
            };
            if left.is_zero() {
                attempts.push(KdcAttempt {
                    kdc: name,
                    protocol: first,
                    failure: KdcFailure::DeadlineReached,
                });
                continue;
            }
            let (host, port, addrs, forced) = match target {
                Target::Host {
                    host,
                    port,
                    addrs,
                    forced,
                    ..
                } => (host, port, addrs, forced),
                Target::Proxy(url) => {
                    match self.try_proxy(&url, &request.realm, &request.message) {
                        Ok(reply) => {
                            self.note(format!("https {url}: answered"));
                            return Ok(reply);
                        }
                        Err(failure) => {
                            self.note(format!("https {url}: {failure}"));
                            attempts.push(KdcAttempt {
                                kdc: url,
                                protocol: Protocol::Https,
                                failure,
                            });
                        }
                    }
                    continue;
                }
            };
            if let Some(reply) = self.try_over_sockets(
                &name,
                (&host, port, &addrs),
                forced,
                request,
                started,
                &mut attempts,
            ) {
                return Ok(reply);
            }
        }
        Err(TransportError::AllFailed {
            realm: request.realm.clone(),
            attempts,
        })
    }
}

/// The targets of SRV records, each over the protocol of its record.
#[cfg(feature = "dns")]
fn srv_targets(records: Vec<(SrvRecord, Protocol)>) -> Vec<Target> {
    records
        .into_iter()
        .map(|(r, protocol)| Target::Host {
            name: format!("{}:{} (SRV {protocol})", r.target, r.port),
            addrs: r
                .addrs
                .iter()
                .map(|ip| SocketAddr::new(*ip, r.port))
                .collect(),
            host: r.target,
            port: r.port,
            forced: Some(protocol),
        })
        .collect()
}

fn is_response_too_big(reply: &[u8]) -> bool {
    reply.first() == Some(&0x7e)
        && KrbError::from_der(reply)
            .is_ok_and(|e| e.error_code == error_code::KRB_ERR_RESPONSE_TOO_BIG)
}

fn split_host_port(s: &str) -> (String, u16) {
    if let Some(rest) = s.strip_prefix('[')
        && let Some((host, tail)) = rest.split_once(']')
    {
        let port = tail
            .strip_prefix(':')
            .and_then(|p| p.parse().ok())
            .unwrap_or(88);
        return (host.to_string(), port);
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
            Step::NeedKdc(request) => match transport.send(&request) {
                Ok(reply) => step = ctx.step(Input::KdcReply(&reply))?,
                Err(e) => step = ctx.kdc_failed(KerberosError::Transport(e).into())?,
            },
            other => return Ok(other),
        }
    }
}

/// This host's address on the route to `host:port` (a connected UDP socket's local address:
/// nothing is sent), for the sender address a kpasswd KRB-PRIV must carry. `None` when the
/// name does not resolve or no route leads there.
pub fn source_address(host: &str, port: u16) -> Option<std::net::IpAddr> {
    let target = (host, port).to_socket_addrs().ok()?.next()?;
    let any: SocketAddr = if target.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = std::net::UdpSocket::bind(any).ok()?;
    socket.connect(target).ok()?;
    Some(socket.local_addr().ok()?.ip())
}

/// A transport to the password-change servers of `realm` (krb5.conf's `kpasswd_server`, else
/// its `admin_server` or KDC hosts on port 464; or `explicit` when given), each tried in turn
/// as KDCs are: UDP first for a request under krb5.conf's `udp_preference_limit`, as MIT's
/// kpasswd does, TCP (with the 4-byte length prefix) otherwise or when UDP gets no answer;
/// and this host's address towards the first of them.
pub fn kpasswd_transport(
    conf: &Krb5Conf,
    realm: &str,
    explicit: Option<&str>,
) -> Result<(KdcClient, std::net::IpAddr), TransportError> {
    let servers = match explicit {
        Some(e) if e.contains(':') => vec![e.to_string()],
        Some(e) => vec![format!("{e}:464")],
        None => conf
            .kpasswd_servers(realm)
            .into_iter()
            .filter_map(|a| match a {
                KdcAddress::Host { host, port, .. } if host.contains(':') => {
                    Some(format!("[{host}]:{port}"))
                }
                KdcAddress::Host { host, port, .. } => Some(format!("{host}:{port}")),
                KdcAddress::Proxy(_) => None,
            })
            .collect(),
    };
    let mut client = KdcClient::new();
    client.udp_preference_limit = conf.udp_preference_limit();
    let mut source = None;
    for s in &servers {
        if source.is_none() {
            let (host, port) = split_host_port(s);
            source = source_address(&host, port);
        }
        client = client.with_kdc(realm, s);
    }
    let source = source.ok_or_else(|| TransportError::Discovery {
        realm: realm.to_string(),
        reason: if servers.is_empty() {
            "no kpasswd_server, admin_server or kdc in krb5.conf".into()
        } else {
            format!("no route to the kpasswd servers {}", servers.join(", "))
        },
    })?;
    Ok((client, source))
}
