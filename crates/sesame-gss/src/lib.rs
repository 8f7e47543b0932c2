//! The contract Sesame's mechanisms share: GSS-API (RFC 2743) and SSPI concepts, no protocol.
//!
//! | here | RFC 2743 | SSPI |
//! |---|---|---|
//! | [`SecurityContext::step`] | `GSS_Init_sec_context`, `GSS_Accept_sec_context` | `InitializeSecurityContext`, `AcceptSecurityContext` |
//! | [`Step::NeedKdc`] | (hidden inside the mechanism) | (hidden inside the LSA) |
//! | [`SecurityContext::flags`], [`SecurityContext::peer_name`] | `GSS_Inquire_context` | `QueryContextAttributes` |
//! | [`MessageProtection::wrap`], [`MessageProtection::unwrap`] | `GSS_Wrap`, `GSS_Unwrap` | `EncryptMessage`, `DecryptMessage` |
//! | [`MessageProtection::get_mic`], [`MessageProtection::verify_mic`] | `GSS_GetMIC`, `GSS_VerifyMIC` | `MakeSignature`, `VerifySignature` |
//! | [`ContextFlags`] | `req_flags` / `ret_flags` | `ISC_REQ_*` / `ASC_RET_*` |
//! | [`ChannelBindings`] | `chan_bindings` | `SEC_CHANNEL_BINDINGS` |
//! | [`Spn`], [`PeerName`] | `GSS_C_NT_HOSTBASED_SERVICE`, `src_name` | SPN, `SECPKG_ATTR_NAMES` |
//! | [`Error`], [`MajorStatus`] | major status codes | `SEC_E_*` |
//! | [`Clock`], [`Random`] | (implicit) | (implicit) |
//!
//! Mechanisms are sans-IO: a context consumes tokens and produces tokens or a request for the
//! KDC, and never opens a socket, reads the clock or draws randomness except through the
//! [`Clock`] and [`Random`] it was given.
#![forbid(unsafe_code)]

mod bindings;
mod context;
mod env;
mod error;
mod flags;
mod name;

pub use bindings::{BindingsRefusal, ChannelBindingPolicy, ChannelBindings};
pub use context::{
    Input, KdcRequest, KeyInfo, MessageProtection, SecurityContext, Step, Unwrapped,
};
pub use env::{
    Clock, DeterministicRandom, FixedClock, OffsetClock, Random, RandomError, SystemClock,
    SystemRandom,
};
pub use error::{Error, MajorStatus};
pub use flags::ContextFlags;
pub use name::{PeerName, Spn};
