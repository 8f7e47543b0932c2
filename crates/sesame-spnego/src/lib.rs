//! SPNEGO (RFC 4178) as Windows speaks it (MS-SPNG): [`SpnegoInitiator`] and
//! [`SpnegoAcceptor`], generic over any [`sesame_gss::SecurityContext`] that also protects
//! messages. SPNEGO knows no NTLM or Kerberos internals: a mechanism says through
//! [`sesame_gss::SecurityContext::requires_mech_list_mic`] whether Windows exchanges
//! mechListMIC with it, and resets what it must through
//! [`sesame_gss::MessageProtection::reset_after_mech_list_mic`].
//!
//! The rules, as Windows, MIT and pyspnego apply them:
//! - the initiator's first mechanism sends its token optimistically in the NegTokenInit;
//! - the acceptor picks the first mechanism of the initiator's list it supports; it uses the
//!   optimistic token only if that is the initiator's first, else discards it, names its choice
//!   (`supportedMech`, with the OID the initiator listed) and asks for the MIC (`request-mic`);
//! - mechListMIC is computed over the DER of the mechTypes sent, and exchanged when the chosen
//!   mechanism was not the initiator's first, when the peer asks or sends one, or when the
//!   mechanism requires it (NTLM with a MIC, Kerberos user-to-user or DCE style) — and not
//!   otherwise, where Windows servers refuse an unexpected MIC; a MIC that repeats the
//!   responseToken (an old Windows bug) is ignored;
//! - the acceptor also takes a raw NTLMSSP or raw Kerberos token (browsers send raw NTLM in
//!   `Authorization: Negotiate`), and answers raw.
#![forbid(unsafe_code)]

mod acceptor;
mod initiator;
mod mech;
mod mic;

pub use acceptor::SpnegoAcceptor;
pub use initiator::SpnegoInitiator;
pub use mech::{Mech, MechContext};

/// Where a context stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    Established,
    Failed,
}

/// Why SPNEGO failed (the mechanism's own errors pass through unchanged).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpnegoError {
    /// A token is not SPNEGO (nor a raw token of a mechanism the acceptor has).
    #[error("malformed SPNEGO token: {0}")]
    Malformed(String),
    /// The peer offered or chose no mechanism we have.
    #[error("no common mechanism (offered: {0})")]
    NoCommonMechanism(String),
    /// The acceptor rejected the negotiation without saying why.
    #[error("the acceptor rejected the negotiation")]
    Rejected,
    /// The acceptor chose a mechanism the initiator did not offer.
    #[error("the acceptor chose {chosen}, which was not offered (offered: {offered})")]
    UnofferedMechanism {
        /// The acceptor's supportedMech.
        chosen: String,
        /// What the initiator offered.
        offered: String,
    },
    /// Both mechListMICs verified, yet the acceptor did not say accept-completed and nothing
    /// is left to send: it is still waiting (for a MIC of ours removed in flight).
    #[error(
        "the acceptor did not complete: both mechListMICs crossed, yet it answered accept-incomplete"
    )]
    AcceptorIncomplete,
    /// A mechListMIC was required (by the rules above) and did not come.
    #[error("mechListMIC required but missing")]
    MicMissing,
    /// The peer's mechListMIC does not verify: the mechanism list was altered (downgrade).
    #[error("mechListMIC does not verify")]
    BadMic,
    /// The exchange ended in an inconsistent state (completed before the mechanism did...).
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// The context is not in a state for this call.
    #[error("context not ready: {0}")]
    State(&'static str),
}

impl From<SpnegoError> for sesame_gss::Error {
    fn from(e: SpnegoError) -> Self {
        use sesame_gss::MajorStatus as M;
        let major = match &e {
            SpnegoError::Malformed(_)
            | SpnegoError::Protocol(_)
            | SpnegoError::AcceptorIncomplete => M::DefectiveToken,
            SpnegoError::NoCommonMechanism(_) | SpnegoError::UnofferedMechanism { .. } => {
                M::BadMech
            }
            SpnegoError::Rejected => M::Failure,
            SpnegoError::MicMissing | SpnegoError::BadMic => M::BadMic,
            SpnegoError::State(_) => M::NoContext,
        };
        sesame_gss::Error::new(major, e)
    }
}
