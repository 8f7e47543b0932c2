//! HTTP Negotiate for axum servers: [`NegotiateLayer`] answers unauthenticated requests with
//! `401 WWW-Authenticate: Negotiate`, runs the handshake (a [`crate::Acceptor`] per TCP
//! connection while it lasts, since NTLM's legs must reach the same acceptor), puts the
//! authenticated user into the request's extensions as [`Authenticated`], and adds the
//! server's last token (`WWW-Authenticate: Negotiate <token>`) to the handler's response for
//! mutual authentication.
//!
//! How the layer tells connections apart decides what it can remember:
//! - Served through a [`NumberedListener`] (`into_make_service_with_connect_info::<Connection>()`),
//!   every connection has a number no other has had: an NTLM logon then holds for the
//!   connection's later requests, as IIS does (NTLM authenticates the connection, and clients
//!   send no Authorization on them).
//! - With axum's `ConnectInfo<SocketAddr>` only the peer's address is known: handshakes under
//!   way are kept by address, but a completed logon is not remembered, since another
//!   connection from the same address and port (after the first closed) must not inherit its
//!   user. Each request carries its own Authorization; an NTLM client answers the next 401
//!   with a new handshake.
//! - With neither, every request must carry a complete single-leg exchange (Kerberos does,
//!   NTLM cannot).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::connect_info::Connected;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::serve::{IncomingStream, Listener};

use super::{Negotiate, header, parse};
use crate::{Acceptor, Progress, Server};

/// The user a request was authenticated as, in the request's extensions.
///
/// ```
/// use axum::Extension;
/// use sesame::http::server::Authenticated;
/// // A handler behind the layer: the user is always there.
/// async fn hello(Extension(user): Extension<Authenticated>) -> String {
///     format!("hello {} ({})", user.user, user.mechanism)
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    /// `user@REALM` (Kerberos) or `DOMAIN\user` (NTLM).
    pub user: String,
    /// `kerberos`, `kerberos-u2u` or `ntlm`.
    pub mechanism: &'static str,
    /// The user's SID, from the verified PAC of an Active Directory ticket.
    pub user_sid: Option<sesame_kerberos::pac::Sid>,
    /// The user's group SIDs from the same PAC (primary group, groups, extra and resource
    /// SIDs), to authorize by group; empty without a PAC.
    pub group_sids: Vec<sesame_kerberos::pac::Sid>,
}

impl Authenticated {
    /// Whether the PAC puts the user in the group `sid` (`S-1-5-21-...-1104`).
    pub fn in_group(&self, sid: &str) -> bool {
        sid.parse::<sesame_kerberos::pac::Sid>()
            .is_ok_and(|sid| self.group_sids.contains(&sid))
    }
}

/// A connection as [`NumberedListener`] names it: the peer's address and a number no other
/// connection of the listener has had.
///
/// ```
/// use axum::extract::ConnectInfo;
/// use sesame::http::server::Connection;
/// async fn which(ConnectInfo(c): ConnectInfo<Connection>) -> String {
///     format!("connection {} from {}", c.id, c.peer)
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The peer's address.
    pub peer: SocketAddr,
    /// This connection's number (from 1; 0 is the listener itself).
    pub id: u64,
}

/// A listener that numbers its connections, so that the layer knows a connection from any
/// later one with the same address and port.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use sesame::http::server::{Connection, NegotiateLayer, NumberedListener};
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = NumberedListener::new(tokio::net::TcpListener::bind("127.0.0.1:8080").await?);
/// axum::serve(listener, app.into_make_service_with_connect_info::<Connection>()).await
/// # }
/// ```
#[derive(Debug)]
pub struct NumberedListener<L> {
    inner: L,
    next: u64,
}

impl<L> NumberedListener<L> {
    /// Numbers the connections `inner` accepts (a `TcpListener`, or a TLS listener whose
    /// address is a `SocketAddr`).
    pub fn new(inner: L) -> Self {
        Self { inner, next: 0 }
    }
}

impl<L: Listener<Addr = SocketAddr>> Listener for NumberedListener<L> {
    type Io = L::Io;
    type Addr = Connection;

    async fn accept(&mut self) -> (Self::Io, Connection) {
        let (io, peer) = self.inner.accept().await;
        self.next += 1;
        (
            io,
            Connection {
                peer,
                id: self.next,
            },
        )
    }

    fn local_addr(&self) -> std::io::Result<Connection> {
        self.inner
            .local_addr()
            .map(|peer| Connection { peer, id: 0 })
    }
}

impl<L: Listener<Addr = SocketAddr>> Connected<IncomingStream<'_, NumberedListener<L>>>
    for Connection
{
    fn connect_info(stream: IncomingStream<'_, NumberedListener<L>>) -> Self {
        *stream.remote_addr()
    }
}

/// How a request's connection is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Peer {
    /// Numbered: this connection and no other.
    Numbered(Connection),
    /// Only the peer's address: perhaps a later connection.
    Address(SocketAddr),
}

/// Connections with a handshake under way. Bounded: beyond [`MAX_CONNECTIONS`] entries the
/// oldest half is forgotten (their clients start over). A handshake found by another
/// connection from the same address cannot be completed by it: the next leg is checked
/// against the first client's exchange (NTLM's proof and MIC).
#[derive(Default)]
struct Connections {
    pending: HashMap<Peer, (u64, Acceptor)>,
    /// Numbered connections an NTLM logon completed on, and who logged on.
    authenticated: HashMap<Connection, (u64, Authenticated)>,
    counter: u64,
}

/// The most handshakes under way remembered.
///
/// ```
/// // Beyond this, the oldest half of the handshakes under way is forgotten.
/// assert_eq!(sesame::http::server::MAX_CONNECTIONS, 10_000);
/// ```
pub const MAX_CONNECTIONS: usize = 10_000;

impl Connections {
    fn trim(&mut self) {
        if self.pending.len() + self.authenticated.len() <= MAX_CONNECTIONS {
            return;
        }
        let cut = self.counter.saturating_sub(MAX_CONNECTIONS as u64 / 2);
        self.pending.retain(|_, (n, _)| *n >= cut);
        self.authenticated.retain(|_, (n, _)| *n >= cut);
    }
}

/// A tower layer requiring Negotiate authentication on the services it wraps.
///
/// ```no_run
/// use std::sync::Arc;
/// use axum::{Extension, Router, routing::get};
/// use sesame::http::server::{Authenticated, NegotiateLayer};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let server = sesame::Server::new()?.service_names(&["HTTP/web.example.com"])?;
/// let app = Router::new()
///     .route("/", get(|Extension(user): Extension<Authenticated>| async move {
///         format!("hello {}", user.user)
///     }))
///     .layer(NegotiateLayer::new(Arc::new(server)));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct NegotiateLayer {
    server: Arc<Server>,
    connections: Arc<Mutex<Connections>>,
}

impl NegotiateLayer {
    /// A layer accepting with `server`'s credentials and policies.
    pub fn new(server: Arc<Server>) -> Self {
        Self {
            server,
            connections: Arc::default(),
        }
    }
}

impl<S> tower_layer::Layer<S> for NegotiateLayer {
    type Service = NegotiateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        NegotiateService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`NegotiateLayer`] wraps around another.
///
/// ```
/// use std::sync::Arc;
/// use sesame::http::server::{NegotiateLayer, NegotiateService};
/// use tower_layer::Layer as _;
/// # let server = sesame::Server::empty();
/// let handler: axum::routing::MethodRouter = axum::routing::get(|| async { "hello" });
/// let service: NegotiateService<_> = NegotiateLayer::new(Arc::new(server)).layer(handler);
/// ```
#[derive(Clone)]
pub struct NegotiateService<S> {
    inner: S,
    layer: NegotiateLayer,
}

/// What the handshake decided for one request.
enum Decision {
    /// Pass on, as this user; add this token to the response.
    Pass(Authenticated, Option<Vec<u8>>),
    /// Answer 401 with this `WWW-Authenticate` value.
    Challenge(String),
}

/// The first, locked part of a request's handshake.
enum Begun {
    /// Decided without a step.
    Decided(Decision),
    /// Step this acceptor (the connection's pending one, or a new one) with the token.
    Step(Box<Acceptor>, Vec<u8>),
}

impl NegotiateLayer {
    /// The handshake for one request: the connection's state is read and written under the
    /// lock, the step itself runs outside it (an IAKerb client's KDC requests are relayed
    /// over the server's KDC transport, on tokio's blocking pool, without holding up the
    /// other connections).
    async fn decide(&self, connection: Option<Peer>, authorization: Option<&str>) -> Decision {
        let (mut acceptor, token) = match self.begin(connection, authorization) {
            Begun::Decided(d) => return d,
            Begun::Step(acceptor, token) => (acceptor, token),
        };
        let step = acceptor.step_async(&token).await;
        self.finish(connection, *acceptor, step)
    }

    fn begin(&self, connection: Option<Peer>, authorization: Option<&str>) -> Begun {
        let Ok(mut connections) = self.connections.lock() else {
            return Begun::Decided(Decision::Challenge("Negotiate".into()));
        };
        let Some(Negotiate::Token(token)) = authorization.map(parse) else {
            // NTLM authenticated this connection (and only a numbered one is known for sure).
            if let Some(Peer::Numbered(c)) = connection
                && let Some((_, user)) = connections.authenticated.get(&c)
            {
                return Begun::Decided(Decision::Pass(user.clone(), None));
            }
            return Begun::Decided(Decision::Challenge("Negotiate".into()));
        };
        if let Some(Peer::Numbered(c)) = connection {
            // A new handshake replaces the connection's logon, whatever its outcome.
            connections.authenticated.remove(&c);
        }
        let acceptor = connection
            .and_then(|c| connections.pending.remove(&c))
            .map_or_else(|| self.server.accept(), |(_, a)| a);
        Begun::Step(Box::new(acceptor), token)
    }

    fn finish(
        &self,
        connection: Option<Peer>,
        acceptor: Acceptor,
        step: Result<Progress, sesame_gss::Error>,
    ) -> Decision {
        let Ok(mut connections) = self.connections.lock() else {
            return Decision::Challenge("Negotiate".into());
        };
        match step {
            Err(_) => Decision::Challenge(
                acceptor
                    .error_token()
                    .map_or_else(|| "Negotiate".into(), |t| header(&t)),
            ),
            Ok(Progress::Continue(t)) => {
                if let Some(c) = connection {
                    connections.counter += 1;
                    let n = connections.counter;
                    connections.pending.insert(c, (n, acceptor));
                    connections.trim();
                }
                Decision::Challenge(header(&t))
            }
            Ok(Progress::Complete(t)) => {
                let Some(n) = acceptor.negotiated() else {
                    return Decision::Challenge("Negotiate".into());
                };
                let pac = acceptor.pac();
                let user = Authenticated {
                    user: n.peer.unwrap_or_default(),
                    mechanism: n.mechanism,
                    user_sid: pac.and_then(sesame_kerberos::pac::Pac::user_sid),
                    group_sids: pac
                        .map(|p| p.group_sids().into_iter().map(|g| g.sid).collect())
                        .unwrap_or_default(),
                };
                if let Some(Peer::Numbered(c)) = connection
                    && n.mechanism == "ntlm"
                {
                    connections.counter += 1;
                    let n = connections.counter;
                    connections.authenticated.insert(c, (n, user.clone()));
                    connections.trim();
                }
                Decision::Pass(user, t)
            }
        }
    }
}

impl<S> tower_service::Service<Request<Body>> for NegotiateService<S>
where
    S: tower_service::Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let extensions = request.extensions();
        let connection = extensions
            .get::<ConnectInfo<Connection>>()
            .map(|c| Peer::Numbered(c.0))
            .or_else(|| {
                extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| Peer::Address(c.0))
            });
        let authorization = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // The inner service was made ready by poll_ready; this clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            match layer.decide(connection, authorization.as_deref()).await {
                Decision::Challenge(value) => {
                    let mut response = Response::new(Body::empty());
                    *response.status_mut() = StatusCode::UNAUTHORIZED;
                    if let Ok(v) = HeaderValue::from_str(&value) {
                        response.headers_mut().insert(WWW_AUTHENTICATE, v);
                    }
                    Ok(response)
                }
                Decision::Pass(user, token) => {
                    request.extensions_mut().insert(user);
                    let mut response = inner.call(request).await?;
                    if let Some(t) = token
                        && let Ok(v) = HeaderValue::from_str(&header(&t))
                    {
                        response.headers_mut().insert(WWW_AUTHENTICATE, v);
                    }
                    Ok(response)
                }
            }
        })
    }
}
