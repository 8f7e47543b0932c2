//! The KDC transport on the caller's tokio runtime (feature `tokio`): the same KDCs in the same
//! order as [`KdcClient`]'s blocking `send`, the same failover, timeouts and facts, over tokio's
//! UDP and TCP; DNS SRV discovery through hickory's async resolver; the KDC proxy's HTTPS
//! client on tokio (feature `async-kdc-proxy`: tokio-rustls) or else on tokio's blocking pool.
//! Nothing blocks a runtime thread.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sesame_gss::{Input, KdcRequest, SecurityContext, Step};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};

use super::socket::io_failure;
use super::{
    KdcAttempt, KdcClient, KdcFailure, KdcTransport, Protocol, Target, TransportError, Tried,
};
use crate::error::KerberosError;

/// A boxed future, so that transports can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends a KDC request and returns the reply, without blocking the runtime.
pub trait AsyncKdcTransport: Send + Sync {
    /// One request, one reply.
    fn send<'a>(
        &'a self,
        request: &'a KdcRequest,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>>;
}

impl AsyncKdcTransport for KdcClient {
    fn send<'a>(
        &'a self,
        request: &'a KdcRequest,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>> {
        Box::pin(self.send_async(request))
    }
}

impl<T: AsyncKdcTransport + ?Sized> AsyncKdcTransport for Arc<T> {
    fn send<'a>(
        &'a self,
        request: &'a KdcRequest,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>> {
        self.as_ref().send(request)
    }
}

/// A blocking transport (a test KDC, a caller's own) run on tokio's blocking pool.
pub struct OnBlockingPool(pub Arc<dyn KdcTransport + Send + Sync>);

impl AsyncKdcTransport for OnBlockingPool {
    fn send<'a>(
        &'a self,
        request: &'a KdcRequest,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>> {
        let transport = self.0.clone();
        let request = request.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || transport.send(&request))
                .await
                .map_err(|e| TransportError::AllFailed {
                    realm: String::new(),
                    attempts: vec![KdcAttempt {
                        kdc: "blocking pool".into(),
                        protocol: Protocol::Tcp,
                        failure: KdcFailure::Http(format!("the blocking task failed: {e}")),
                    }],
                })?
        })
    }
}

/// Steps `ctx` with `input`, answering its KDC requests through `transport`, until it
/// produces a token or completes: [`super::step_with_kdc`] for async callers.
pub async fn step_with_kdc_async(
    ctx: &mut (dyn SecurityContext + Send),
    input: Input<'_>,
    transport: &dyn AsyncKdcTransport,
) -> Result<Step, sesame_gss::Error> {
    let mut step = ctx.step(input)?;
    loop {
        match step {
            Step::NeedKdc(request) => match transport.send(&request).await {
                Ok(reply) => step = ctx.step(Input::KdcReply(&reply))?,
                Err(e) => step = ctx.kdc_failed(KerberosError::Transport(e).into())?,
            },
            other => return Ok(other),
        }
    }
}

impl KdcClient {
    /// [`KdcTransport::send`] on the caller's tokio runtime.
    pub async fn send_async(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        if let Ok(mut t) = self.trace.lock() {
            t.clear();
        }
        let mut targets = self.configured_targets(&request.realm);
        if targets.is_empty() {
            targets = self.discovered_async(&request.realm).await?;
        }
        if targets.is_empty() {
            return Err(TransportError::NoKdc {
                realm: request.realm.clone(),
            });
        }
        let started = Instant::now();
        let mut attempts = Vec::new();
        for target in targets {
            let left = self.deadline.saturating_sub(started.elapsed());
            match target {
                Target::Proxy(url) if left.is_zero() => {
                    attempts.push(deadline(url, Protocol::Https))
                }
                Target::Host { name, .. } if left.is_zero() => {
                    attempts.push(deadline(name, Protocol::Tcp));
                }
                Target::Proxy(url) => match self.proxy_async(&url, request).await {
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
                },
                Target::Host {
                    name,
                    host,
                    port,
                    addrs,
                    forced,
                } => {
                    if let Some(reply) = self
                        .over_sockets_async(
                            &name,
                            (&host, port, &addrs),
                            forced,
                            request,
                            started,
                            &mut attempts,
                        )
                        .await
                    {
                        return Ok(reply);
                    }
                }
            }
        }
        Err(TransportError::AllFailed {
            realm: request.realm.clone(),
            attempts,
        })
    }

    #[cfg(feature = "dns")]
    async fn discovered_async(&self, realm: &str) -> Result<Vec<Target>, TransportError> {
        let Some(dns) = &self.dns else {
            return Ok(Vec::new());
        };
        let records = dns
            .kdcs_async(realm)
            .await
            .map_err(|reason| TransportError::Discovery {
                realm: realm.to_string(),
                reason,
            })?;
        Ok(super::srv_targets(records))
    }

    #[cfg(not(feature = "dns"))]
    #[allow(clippy::unused_async, clippy::unnecessary_wraps, clippy::unused_self)]
    async fn discovered_async(&self, _realm: &str) -> Result<Vec<Target>, TransportError> {
        Ok(Vec::new())
    }

    #[cfg(feature = "kdc-proxy")]
    async fn proxy_async(&self, url: &str, request: &KdcRequest) -> Result<Vec<u8>, KdcFailure> {
        let client = self
            .proxy
            .get_or_init(|| super::ProxyClient::new(&super::ProxyConfig::default()))
            .as_ref()
            .map_err(|e| KdcFailure::Http(e.clone()))?
            .clone();
        let (url, realm, message) = (
            url.to_string(),
            request.realm.clone(),
            request.message.clone(),
        );
        #[cfg(feature = "async-kdc-proxy")]
        return client.send_async(&url, &realm, &message).await;
        #[cfg(not(feature = "async-kdc-proxy"))]
        tokio::task::spawn_blocking(move || client.send(&url, &realm, &message))
            .await
            .map_err(|e| KdcFailure::Http(format!("the proxy task failed: {e}")))?
    }

    #[cfg(not(feature = "kdc-proxy"))]
    #[allow(clippy::unused_async, clippy::unused_self)]
    async fn proxy_async(&self, _url: &str, _request: &KdcRequest) -> Result<Vec<u8>, KdcFailure> {
        Err(KdcFailure::Unsupported(
            "KDC proxy (build with the kdc-proxy feature)",
        ))
    }

    /// The async twin of the blocking `try_over_sockets`: UDP and/or TCP as the target and
    /// `udp_preference_limit` say, RESPONSE_TOO_BIG retried over TCP.
    #[allow(clippy::too_many_arguments)]
    async fn over_sockets_async(
        &self,
        name: &str,
        (host, port, addrs): (&str, u16, &[SocketAddr]),
        forced: Option<Protocol>,
        request: &KdcRequest,
        started: Instant,
        attempts: &mut Vec<KdcAttempt>,
    ) -> Option<Vec<u8>> {
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
            let result = try_host(host, port, addrs, protocol, &request.message, timeout).await;
            match self.settle(name, protocol, result, &mut order, attempts) {
                Tried::Answered(reply) => return Some(reply),
                Tried::Next => {}
                Tried::Stop => break,
            }
        }
        None
    }
}

fn deadline(kdc: String, protocol: Protocol) -> KdcAttempt {
    KdcAttempt {
        kdc,
        protocol,
        failure: KdcFailure::DeadlineReached,
    }
}

async fn try_host(
    host: &str,
    port: u16,
    known: &[SocketAddr],
    protocol: Protocol,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, KdcFailure> {
    let addrs: Vec<SocketAddr> = if known.is_empty() {
        tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| KdcFailure::NameResolution(format!("{host}: {e}")))?
            .collect()
    } else {
        known.to_vec()
    };
    let mut last = KdcFailure::NameResolution(format!("{host} has no address"));
    for addr in addrs {
        let attempt = async {
            match protocol {
                Protocol::Udp => udp(addr, message).await,
                _ => tcp(addr, message).await,
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(reply)) => return Ok(reply),
            Ok(Err(e)) => last = e,
            Err(_) => last = KdcFailure::TimedOut,
        }
    }
    Err(last)
}

async fn udp(addr: SocketAddr, message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).await.map_err(io_failure)?;
    socket.connect(addr).await.map_err(io_failure)?;
    socket.send(message).await.map_err(io_failure)?;
    let mut buf = vec![0u8; 65_536];
    let n = socket.recv(&mut buf).await.map_err(io_failure)?;
    buf.truncate(n);
    Ok(buf)
}

async fn tcp(addr: SocketAddr, message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
    let mut stream = TcpStream::connect(addr).await.map_err(io_failure)?;
    let len = u32::try_from(message.len()).map_err(|_| KdcFailure::BadReply("request too long"))?;
    let mut framed = Vec::with_capacity(message.len() + 4);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    stream.write_all(&framed).await.map_err(io_failure)?;
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix).await.map_err(io_failure)?;
    let len = usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
    if len > super::socket::MAX_TCP_REPLY {
        return Err(KdcFailure::BadReply(
            "length prefix beyond 1 MiB (high bit set?)",
        ));
    }
    let mut reply = vec![0u8; len];
    stream.read_exact(&mut reply).await.map_err(io_failure)?;
    Ok(reply)
}
