//! Kerberos V5 for Sesame: RFC 3961/3962/8009/4757 cryptography, the AS and TGS exchanges,
//! the RFC 4121 GSS-API mechanism (with DCE style and user-to-user), keytab and credential-cache
//! files, krb5.conf, and blocking KDC transports.
//!
//! The exchanges and contexts are sans-IO: they produce [`sesame_gss::Step::NeedKdc`] requests
//! and consume the replies; [`transport::KdcClient`] (or any [`transport::KdcTransport`]) carries them.
#![forbid(unsafe_code)]

pub mod ccache;
pub mod crypto;
pub mod defaults;
pub mod error;
pub mod exchange;
pub mod gssapi;
pub mod key_usage;
pub mod keytab;
pub mod kpasswd;
pub mod krb5_conf;
pub mod pac;
pub mod principal;
pub mod tickets;
pub mod transport;
mod wire;

pub use error::{KerberosError, KrbErrorFacts, SequenceError};
pub use wire::WireError;
