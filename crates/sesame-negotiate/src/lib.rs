//! Negotiate, as SSPI's "Negotiate" package: SPNEGO over Kerberos and NTLM, Kerberos first,
//! IAKerb through the server when enabled and no KDC is in reach, and an explicit, documented
//! policy for falling back to NTLM (docs/fallback.md).
//!
//! This crate only composes: [`Packages`] says which mechanisms may be used (in SSPI's
//! `"kerberos,!ntlm"` form), [`FallbackPolicy`] decides from the Kerberos error *facts* whether
//! a failed first Kerberos leg may give way to NTLM, and [`NegotiateInitiator`] /
//! [`negotiate_acceptor`] build the SPNEGO contexts. The Kerberos crate maps no error to a
//! decision; the decision is made here, in one place.
#![forbid(unsafe_code)]

mod client;
mod initiator;
mod kinit;
mod packages;
mod policy;
mod progress;
mod server;
mod user_name;

pub use client::{Client, Mechanism, ServiceTicket, SetupError};
pub use initiator::{
    AcceptorSetup, Identity, NegotiateConfig, NegotiateInitiator, RandomSource, negotiate_acceptor,
};
pub use kinit::Kinit;
pub use packages::{Packages, UnknownPackage};
pub use policy::{Fallback, FallbackPolicy, FallbackReason};
pub use progress::{Negotiated, Progress};
pub use server::{Acceptor, Server};
pub use user_name::{BadUserName, UserName};
