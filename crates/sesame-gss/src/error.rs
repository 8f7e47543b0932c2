//! The common error facts: a GSS-API major status and the mechanism's own error.

use core::fmt;

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The routine errors of RFC 2743 1.2.1.1 (and their SSPI `SEC_E_*` counterparts), which let a
/// generic layer (SPNEGO) classify a failure without knowing the mechanism.
///
/// ```
/// use sesame_gss::{Error, MajorStatus};
/// let e = Error::bare(MajorStatus::NoCred);
/// assert_eq!(e.major(), MajorStatus::NoCred);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MajorStatus {
    /// `GSS_S_BAD_MECH`: the mechanism is not supported (`SEC_E_SECPKG_NOT_FOUND`).
    BadMech,
    /// `GSS_S_BAD_NAME`: a name could not be parsed or is not of the expected kind.
    BadName,
    /// `GSS_S_BAD_BINDINGS`: channel bindings do not match (`SEC_E_BAD_BINDINGS`).
    BadBindings,
    /// `GSS_S_BAD_SIG` / `GSS_S_BAD_MIC`: an integrity check failed (`SEC_E_MESSAGE_ALTERED`).
    BadMic,
    /// `GSS_S_NO_CRED`: no usable credentials (`SEC_E_NO_CREDENTIALS`).
    NoCred,
    /// `GSS_S_NO_CONTEXT`: the context is not in a state for this call.
    NoContext,
    /// `GSS_S_DEFECTIVE_TOKEN`: a token could not be parsed (`SEC_E_INVALID_TOKEN`).
    DefectiveToken,
    /// `GSS_S_DEFECTIVE_CREDENTIAL`: credentials were refused (`SEC_E_LOGON_DENIED`).
    DefectiveCredential,
    /// `GSS_S_CREDENTIALS_EXPIRED`.
    CredentialsExpired,
    /// `GSS_S_CONTEXT_EXPIRED` (`SEC_E_CONTEXT_EXPIRED`).
    ContextExpired,
    /// `GSS_S_DUPLICATE_TOKEN`: a replayed token (SSPI reports `SEC_E_OUT_OF_SEQUENCE`).
    DuplicateToken,
    /// `GSS_S_OLD_TOKEN`: a token too old to check for replay.
    OldToken,
    /// `GSS_S_UNSEQ_TOKEN`: a token out of order (`SEC_E_OUT_OF_SEQUENCE`).
    UnseqToken,
    /// `GSS_S_GAP_TOKEN`: an expected token is missing.
    GapToken,
    /// `GSS_S_UNAVAILABLE`: the operation is not available (e.g. no KDC could be reached).
    Unavailable,
    /// `GSS_S_FAILURE`: anything else; the source says what.
    Failure,
}

impl fmt::Display for MajorStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadMech => "unsupported mechanism",
            Self::BadName => "bad name",
            Self::BadBindings => "channel bindings do not match",
            Self::BadMic => "integrity check failed",
            Self::NoCred => "no usable credentials",
            Self::NoContext => "no context for this call",
            Self::DefectiveToken => "defective token",
            Self::DefectiveCredential => "credentials refused",
            Self::CredentialsExpired => "credentials expired",
            Self::ContextExpired => "context expired",
            Self::DuplicateToken => "duplicate token",
            Self::OldToken => "old token",
            Self::UnseqToken => "token out of sequence",
            Self::GapToken => "gap in token sequence",
            Self::Unavailable => "unavailable",
            Self::Failure => "failure",
        })
    }
}

/// A failed call: the major status for generic layers, and the mechanism's own error with all
/// its facts (a KRB-ERROR code, a transport failure, an NTLM verification failure), reachable
/// with [`Error::mech_error`] so that a deciding layer can match on it without string matching.
///
/// ```
/// use sesame_gss::{Error, MajorStatus};
/// // A mechanism's own error inside, its facts kept for the layer that decides.
/// let e = Error::new(MajorStatus::DefectiveToken, std::io::Error::other("truncated"));
/// assert_eq!(e.major(), MajorStatus::DefectiveToken);
/// let fact = e.mech_error::<std::io::Error>().map(ToString::to_string);
/// assert_eq!(fact.as_deref(), Some("truncated"));
/// ```
#[derive(Debug)]
pub struct Error {
    major: MajorStatus,
    source: Option<Source>,
}

impl Error {
    /// An error with the mechanism's cause.
    pub fn new(major: MajorStatus, source: impl Into<Source>) -> Self {
        Self {
            major,
            source: Some(source.into()),
        }
    }

    /// An error with no further cause.
    pub const fn bare(major: MajorStatus) -> Self {
        Self {
            major,
            source: None,
        }
    }

    /// The major status.
    pub const fn major(&self) -> MajorStatus {
        self.major
    }

    /// The mechanism's error, if it is of type `E`.
    pub fn mech_error<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.source.as_deref().and_then(|s| s.downcast_ref::<E>())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.major),
            None => fmt::Display::fmt(&self.major, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, thiserror::Error)]
    #[error("KRB-ERROR {0}")]
    struct KrbFact(i32);

    #[test]
    fn keeps_the_mechanism_error() {
        let e = Error::new(MajorStatus::DefectiveCredential, KrbFact(24));
        assert_eq!(e.major(), MajorStatus::DefectiveCredential);
        assert_eq!(e.mech_error::<KrbFact>(), Some(&KrbFact(24)));
        assert!(e.mech_error::<std::io::Error>().is_none());
        assert_eq!(e.to_string(), "credentials refused: KRB-ERROR 24");
        assert_eq!(
            Error::bare(MajorStatus::BadMic).to_string(),
            "integrity check failed"
        );
    }
}
