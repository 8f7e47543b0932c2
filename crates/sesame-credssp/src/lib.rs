//! CredSSP (MS-CSSP): the protocol RDP's network level authentication and WinRM's CredSSP
//! transport run inside TLS. A security context (Negotiate with its Kerberos-to-NTLM fallback,
//! or Kerberos or NTLM alone) authenticates the user; `pubKeyAuth` binds the TLS server's public
//! key to that context, so that a man in the middle who terminates TLS cannot relay it; then the
//! client delegates the user's credentials to the server, encrypted with the context.
//!
//! The crate is sans-IO like the mechanisms: it takes and returns TSRequest bytes, and the
//! caller runs TLS (the TLS server's SubjectPublicKey is an input) and, for a context that asks
//! for one, the KDC exchange ([`ClientStep::NeedKdc`]).
//!
//! ```no_run
//! # fn tls_send(_: &[u8]) {} fn tls_recv() -> Vec<u8> { Vec::new() }
//! # fn demo(context: sesame_negotiate::Client, public_key: Vec<u8>) -> Result<(), sesame_credssp::CredsspError> {
//! use sesame_credssp::{ClientConfig, ClientStep, Credentials, CredsspClient};
//! let creds = Credentials::password("SAMBA", "user1", "Passw0rd1!");
//! let mut rng = sesame_gss::SystemRandom;
//! let mut client = CredsspClient::new(context, ClientConfig::new(public_key, creds), &mut rng)?;
//! let mut input = None;
//! loop {
//!     match client.step(input.as_deref())? {
//!         ClientStep::Send(ts_request) => tls_send(&ts_request),
//!         ClientStep::Done(ts_request) => { tls_send(&ts_request); break; }
//!         ClientStep::NeedKdc(_) => unreachable!("the front door's Client talks to the KDC itself"),
//!     }
//!     input = Some(tls_recv());
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod binding;
mod client;
mod credentials;
mod server;

pub use binding::{CLIENT_TO_SERVER, SERVER_TO_CLIENT};
pub use client::{ClientConfig, ClientStep, CredsspClient};
pub use credentials::{Credentials, Delegated};
pub use server::{CredsspServer, ServerConfig, ServerStep};

/// The highest CredSSP version this crate speaks (MS-CSSP 2.2.1: 6 adds the errorCode of
/// version 3 and the clientNonce-bound hash of version 5).
pub const VERSION: u32 = 6;

/// The NTSTATUS a server reports when the logon failed (`STATUS_LOGON_FAILURE`).
pub const STATUS_LOGON_FAILURE: u32 = 0xC000_006D;

/// Why a CredSSP exchange stopped. Each names its fact; none of them sends credentials.
#[derive(Debug, thiserror::Error)]
pub enum CredsspError {
    /// A TSRequest (or the TSCredentials inside authInfo) does not decode.
    #[error("malformed {what}: {source}")]
    Decode {
        /// Which structure.
        what: &'static str,
        /// The decoder's error.
        source: sesame_asn1::Error,
    },
    /// The security context failed (wrong password, KDC refusal, ...); its error is kept.
    #[error("authentication failed: {0}")]
    Context(#[from] sesame_gss::Error),
    /// The server reported a status in errorCode (version 3+): an NTSTATUS such as
    /// 0xC000006D, or (pyspnego) an SSPI status such as SEC_E_LOGON_DENIED 0x8009030C.
    #[error("the server refused the logon (errorCode {0:#010x})")]
    ServerError(u32),
    /// The peer speaks a version below the configured minimum (versions 2-4 bind the public
    /// key without a nonce, CVE-2018-0886).
    #[error("the peer speaks CredSSP version {peer}; at least {minimum} is required")]
    VersionTooOld {
        /// The peer's version.
        peer: u32,
        /// The minimum configured.
        minimum: u32,
    },
    /// The peer's pubKeyAuth does not bind the TLS public key this side sees: another key is
    /// on the other end of the TLS channel (a man in the middle relaying the exchange).
    #[error("pubKeyAuth does not match this TLS channel's public key (a man in the middle?)")]
    PublicKeyMismatch,
    /// The peer went on without binding the TLS key (no pubKeyAuth where it is due).
    #[error("the peer sent no pubKeyAuth")]
    MissingPublicKeyAuth,
    /// A message that does not belong at this point of the exchange.
    #[error("unexpected message: {0}")]
    Unexpected(&'static str),
}

impl CredsspError {
    fn decode(what: &'static str) -> impl FnOnce(sesame_asn1::Error) -> Self {
        move |source| Self::Decode { what, source }
    }
}
