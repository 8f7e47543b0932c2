//! NTLM (MS-NLMP): the messages, NTLMv2 authentication with MIC, and session security.
//!
//! This crate so far holds the message codecs, the NTLMv2 computations and session security,
//! checked against MS-NLMP 4.2.4 and pyspnego's captures; the client and server contexts and
//! their interop with pyspnego and gss-ntlmssp come next.
#![forbid(unsafe_code)]

pub mod av_pairs;
pub mod crypto;
mod flags;
pub mod messages;
pub mod session;

pub use flags::NegotiateFlags;

/// Why an NTLM operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NtlmError {
    /// The bytes do not start with `NTLMSSP\0`.
    #[error("not an NTLMSSP message")]
    NotNtlm,
    /// Another message type than the one expected.
    #[error("expected NTLM message type {expected}")]
    UnexpectedMessage {
        /// The expected type.
        expected: u32,
    },
    /// A field points outside the message or is malformed.
    #[error("malformed NTLM message: {0}")]
    Malformed(&'static str),
    /// A signature did not verify.
    #[error("NTLM signature mismatch")]
    BadSignature,
}
