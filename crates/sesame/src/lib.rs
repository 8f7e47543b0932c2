//! Sesame: Windows-style integrated authentication in pure Rust — NTLM, Kerberos (with
//! user-to-user), SPNEGO and the Negotiate layer that tries Kerberos and falls back to NTLM —
//! for clients and servers, without the system GSSAPI.
//!
//! One dependency, features to pick: `negotiate` (the default: everything below, and the front
//! door [`Client`] / [`Server`]), `ntlm` or `kerberos` alone, `dns` (KDC discovery through SRV
//! records), `kdc-proxy` (MS-KKDCP over HTTPS), `x509` (channel bindings from a certificate),
//! `tokio` (`Client::step_async`, the KDC exchanges on tokio), `async-kdc-proxy` (the KDC proxy
//! on tokio too), `http-client` (reqwest), `https` (reqwest's TLS, with Extended Protection) and
//! `http-server` (an axum/tower layer): see [`http`]. Credentials as `kinit` and `kvno` get
//! them: [`Kinit`], [`Client::service_ticket`].
//! The layered crates are re-exported as modules ([`gss`], [`ntlm`], [`kerberos`], [`spnego`],
//! [`negotiate`]) and stay usable alone.
//!
//! A client, with the default credentials (what `kinit` left in the default cache):
//!
//! ```no_run
//! # fn send(_: &[u8]) -> Vec<u8> { Vec::new() }
//! let mut client = sesame::Client::new("HTTP/web.example.com");
//! let mut progress = client.step(None)?;
//! while let sesame::Progress::Continue(token) = &progress {
//!     let answer = send(token); // over your protocol: HTTP, LDAP, SMB...
//!     progress = client.step(Some(&answer))?;
//! }
//! println!("{:?}", client.negotiated());
//! # Ok::<(), sesame::Error>(())
//! ```
//!
//! A server, with the default keytab and the NTLM users of `NTLM_USER_FILE`:
//!
//! ```no_run
//! # fn receive() -> Vec<u8> { Vec::new() }
//! let server = sesame::Server::new()?.service_names(&["HTTP/web.example.com"])?;
//! let mut acceptor = server.accept(); // one per connection
//! let answer = acceptor.step(&receive())?;
//! if let Some(user) = acceptor.negotiated().and_then(|n| n.peer) {
//!     println!("logged on: {user}");
//! }
//! # Ok::<(), sesame::Error>(())
//! ```
//!
//! What each acceptor checks, and what it stops: docs/security.md; getting started:
//! docs/getting-started.md.
#![forbid(unsafe_code)]

/// HTTP Negotiate (RFC 4559): a reqwest client (`http-client`), an axum layer (`http-server`).
#[cfg(any(feature = "http-client", feature = "http-server"))]
pub mod http;

/// The contract the mechanisms share (contexts, steps, flags, channel bindings, errors).
pub use sesame_gss as gss;
/// Kerberos: crypto, AS/TGS/AP exchanges, RFC 4121 contexts, keytab, ccache, transports.
#[cfg(feature = "kerberos")]
pub use sesame_kerberos as kerberos;
/// Negotiate: composition, the fallback policy and the front door.
#[cfg(feature = "negotiate")]
pub use sesame_negotiate as negotiate;
/// NTLM (MS-NLMP) client and server.
#[cfg(feature = "ntlm")]
pub use sesame_ntlm as ntlm;
/// SPNEGO (RFC 4178, MS-SPNG) initiator and acceptor.
#[cfg(feature = "negotiate")]
pub use sesame_spnego as spnego;

pub use sesame_gss::{
    ChannelBindingPolicy, ChannelBindings, ContextFlags, Error, KeyInfo, MajorStatus,
    MessageProtection, SecurityContext,
};
#[cfg(feature = "negotiate")]
pub use sesame_negotiate::{
    Acceptor, Client, FallbackPolicy, FallbackReason, Kinit, Mechanism, Negotiated, Progress,
    Server, ServiceTicket, UserName,
};
