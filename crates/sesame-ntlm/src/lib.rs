//! NTLM (MS-NLMP): the messages, NTLMv2 authentication with MIC, and session security.
//!
//! [`NtlmClient`] and [`NtlmServer`] are sans-IO [`sesame_gss::SecurityContext`]s with
//! [`sesame_gss::MessageProtection`]. Only NTLMv2 with extended session security is spoken:
//! NTLMv1 and LM are neither sent nor accepted. The server checks the MIC whenever MsvAvFlags
//! announces one (refusing a stripped MIC, CVE-2019-1040), channel bindings when it is given
//! them, and the freshness of the client's timestamp.
#![forbid(unsafe_code)]

pub mod av_pairs;
mod client;
mod context;
pub mod crypto;
mod flags;
pub mod messages;
mod server;
pub mod session;
mod users;

pub use client::{ClientConfig, ClientCredentials, Credentials, NtlmClient};
pub use flags::NegotiateFlags;
pub use server::{NtlmServer, ServerConfig, ServerCredentials, TargetNamePolicy};
pub use users::{FileUserStore, MemoryUserStore, NtlmUserStore};

use sesame_gss::MajorStatus;

/// The NTLMSSP mechanism OID, 1.3.6.1.4.1.311.2.2.10.
pub const NTLMSSP_OID: &[u32] = &[1, 3, 6, 1, 4, 1, 311, 2, 2, 10];

/// Seconds between 1601-01-01 (FILETIME's epoch) and 1970-01-01.
const FILETIME_UNIX_OFFSET: u64 = 11_644_473_600;

/// A `SystemTime` as a FILETIME (100 ns intervals since 1601).
pub(crate) fn filetime(t: std::time::SystemTime) -> u64 {
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (since.as_secs() + FILETIME_UNIX_OFFSET) * 10_000_000 + u64::from(since.subsec_nanos() / 100)
}

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
    /// The server does not know the user.
    #[error("unknown user {domain}\\{user}")]
    UnknownUser {
        /// The domain the client sent.
        domain: String,
        /// The user name the client sent.
        user: String,
    },
    /// The NTLMv2 response does not match: wrong password (or NT hash).
    #[error("wrong password for {domain}\\{user}")]
    WrongPassword {
        /// The domain the client sent.
        domain: String,
        /// The user name the client sent.
        user: String,
    },
    /// An NTLMv1 or LM response, which Sesame does not accept.
    #[error("NTLMv1/LM responses are refused; only NTLMv2 is accepted")]
    Ntlmv1Refused,
    /// A user name with empty NT and LM responses: neither an anonymous logon (which has no
    /// user name) nor any NTLM version's proof.
    #[error("{domain}\\{user} sent empty NT and LM responses (no proof of any NTLM version)")]
    EmptyResponse {
        /// The domain the client sent.
        domain: String,
        /// The user name the client sent.
        user: String,
    },
    /// The client authenticated to another service than this server's (MsvAvTargetName,
    /// MS-NLMP 3.2.5.1.2): a relayed AUTHENTICATE.
    #[error("the client authenticated to {sent}, not to this server ({})", .expected.join(", "))]
    TargetNameMismatch {
        /// The SPN in the client's MsvAvTargetName.
        sent: String,
        /// This server's service names.
        expected: Vec<String>,
    },
    /// The policy requires a target name and the client sent none.
    #[error("the client sent no target name (MsvAvTargetName), which this server requires ({})", .expected.join(", "))]
    TargetNameMissing {
        /// This server's service names.
        expected: Vec<String>,
    },
    /// The peer's flags fall below the configured minimum session security ("Network
    /// security: Minimum session security for NTLM SSP based clients/servers").
    #[error("the {message} lacks the session security this side requires: {missing}")]
    BelowMinimum {
        /// The message that fell short: `NEGOTIATE`, `CHALLENGE` or `AUTHENTICATE`.
        message: &'static str,
        /// The required flags it did not set.
        missing: NegotiateFlags,
    },
    /// An anonymous AUTHENTICATE where anonymous logons are not allowed.
    #[error("anonymous authentication is not allowed")]
    AnonymousRefused,
    /// MsvAvFlags announces a MIC that the AUTHENTICATE does not carry (the "drop the MIC"
    /// attack, CVE-2019-1040).
    #[error("the MIC announced by MsvAvFlags is missing")]
    MicMissing,
    /// The MIC does not match: the NEGOTIATE, CHALLENGE or AUTHENTICATE (its flags, say) was
    /// altered.
    #[error("MIC mismatch: a message of the exchange was altered")]
    BadMic,
    /// The client's channel bindings were refused by the server's policy (of another
    /// channel, or missing where required).
    #[error("{0}")]
    BadChannelBindings(sesame_gss::BindingsRefusal),
    /// The client's timestamp is too far from the server's clock.
    #[error("stale NTLMv2 timestamp: {seconds} s away from the server's clock")]
    StaleTimestamp {
        /// How far, in seconds.
        seconds: u64,
    },
    /// The CHALLENGE does not allow NTLMv2 with extended session security.
    #[error("the server offers no NTLMv2 (no target info or no extended session security)")]
    NoNtlmv2,
    /// A call in the wrong state (a token after completion, wrap before completion).
    #[error("NTLM context is not in a state for this call")]
    State,
    /// The random source failed.
    #[error("random source failed: {0}")]
    Random(String),
}

impl NtlmError {
    /// The GSS-API major status of this error.
    pub fn major(&self) -> MajorStatus {
        match self {
            Self::NotNtlm
            | Self::UnexpectedMessage { .. }
            | Self::Malformed(_)
            | Self::Ntlmv1Refused
            | Self::NoNtlmv2
            | Self::BelowMinimum { .. } => MajorStatus::DefectiveToken,
            Self::BadSignature | Self::BadMic | Self::MicMissing => MajorStatus::BadMic,
            Self::UnknownUser { .. }
            | Self::WrongPassword { .. }
            | Self::AnonymousRefused
            | Self::EmptyResponse { .. } => MajorStatus::DefectiveCredential,
            Self::TargetNameMismatch { .. } | Self::TargetNameMissing { .. } => {
                MajorStatus::BadName
            }
            Self::BadChannelBindings(_) => MajorStatus::BadBindings,
            Self::StaleTimestamp { .. } => MajorStatus::OldToken,
            Self::State => MajorStatus::NoContext,
            Self::Random(_) => MajorStatus::Failure,
        }
    }
}

impl From<NtlmError> for sesame_gss::Error {
    fn from(e: NtlmError) -> Self {
        sesame_gss::Error::new(e.major(), e)
    }
}
