//! The errors of the Kerberos exchanges, with every fact kept: a KRB-ERROR's code, e-text and
//! e-data; which transport failed and how; which check the acceptor refused. Nothing is mapped
//! to a coarse kind here: the Negotiate layer decides from these facts.

use core::fmt;

use sesame_asn1::kerberos::KrbError;
use sesame_gss::MajorStatus;

use crate::ccache::CcacheError;
use crate::crypto::CryptoError;
use crate::keytab::KeytabError;
use crate::transport::TransportError;

/// A KRB-ERROR as received (RFC 4120 5.9.1), from a KDC or from the peer of a GSS exchange.
#[derive(Clone, PartialEq, Eq)]
pub struct KrbErrorFacts {
    /// The error code (`KDC_ERR_*`, `KRB_AP_ERR_*`).
    pub code: i32,
    /// The e-text, if any.
    pub e_text: Option<String>,
    /// The e-data, if any (METHOD-DATA, TYPED-DATA, or a Windows NTSTATUS structure).
    pub e_data: Option<Vec<u8>>,
    /// The realm of the server that answered.
    pub realm: String,
    /// The server named in the error.
    pub sname: String,
    /// The server's time, seconds since the epoch (tells the clock skew).
    pub stime: i64,
}

impl KrbErrorFacts {
    /// The facts of a decoded KRB-ERROR.
    pub fn from_message(e: &KrbError) -> Self {
        Self {
            code: e.error_code,
            e_text: e
                .e_text
                .as_ref()
                .map(sesame_asn1::kerberos::KerberosString::to_string_lossy),
            e_data: e.e_data.as_ref().map(|d| d.to_vec()),
            realm: e.realm.to_string_lossy(),
            sname: e.sname.to_string(),
            stime: e.stime.unix(),
        }
    }
}

impl fmt::Debug for KrbErrorFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KrbErrorFacts({self})")
    }
}

impl fmt::Display for KrbErrorFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Under its RFC 4120 name with the code, as `KDC_ERR_CLIENT_REVOKED (18)`.
        match error_name(self.code) {
            "" => write!(f, "KRB-ERROR {}", self.code)?,
            name => write!(f, "{name} ({})", self.code)?,
        }
        if let Some(t) = &self.e_text {
            write!(f, " \"{t}\"")?;
        }
        write!(f, " from {}@{}", self.sname, self.realm)
    }
}

/// Why a Kerberos operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KerberosError {
    /// A KDC (or the GSS peer) answered with a KRB-ERROR.
    #[error("{0}")]
    Krb(Box<KrbErrorFacts>),
    /// The KDC could not be reached; see the transport error for how.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Encryption, decryption or a checksum failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A message could not be decoded.
    #[error("malformed {what}: {source}")]
    Decode {
        /// Which message.
        what: &'static str,
        /// The decoder's error.
        source: sesame_asn1::Error,
    },
    /// The KDC's reply does not decrypt with the client's key: a wrong password or an old key
    /// (what MIT reports as "Password incorrect" when no pre-authentication was required).
    #[error("the KDC reply does not decrypt with the client's key (wrong password or key)")]
    ReplyKeyMismatch,
    /// The KDC asked for pre-authentication but offers no method Sesame can do with the
    /// enctypes requested (MIT's KDC leaves out ETYPE-INFO2 and PA-ENC-TIMESTAMP when the client
    /// has no key of those enctypes, e.g. an rc4-only account without the rc4 opt-in).
    #[error(
        "the KDC offers no usable pre-authentication (PA types offered: {offered:?}); the client has no key of the enctypes requested ({requested:?})?"
    )]
    NoPreauthMethod {
        /// The PA-DATA types of the KDC's METHOD-DATA.
        offered: Vec<i32>,
        /// The enctypes the request listed.
        requested: Vec<i32>,
    },
    /// The KDC accepts pre-authentication only inside FAST (RFC 6113: it offers PA-FX-FAST
    /// and no encrypted timestamp, as an MIT KDC with encrypted_timestamp disabled or a
    /// domain requiring armoring does), and the request was not armored.
    #[error(
        "KDC_ERR_PREAUTH_REQUIRED (25) offering only FAST-armored pre-authentication (PA types {offered:?}): the KDC requires FAST; give an armor cache (kinit -T)"
    )]
    FastRequired {
        /// The PA-DATA types of the KDC's METHOD-DATA.
        offered: Vec<i32>,
    },
    /// A message decoded but does not answer what was asked (wrong nonce, name, token id...).
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// The acceptor refused the AP-REQ; `code` is the KRB-ERROR code it stands for.
    #[error("{} ({}): {reason}", error_name(*.code), .code)]
    Rejected {
        /// The `KRB_AP_ERR_*` code.
        code: i32,
        /// What check failed.
        reason: String,
    },
    /// The acceptor's channel-binding policy refused the initiator's bindings (RFC 4121
    /// 4.1.1.2): of another channel, or missing where required.
    #[error("{0}")]
    ChannelBindings(sesame_gss::BindingsRefusal),
    /// The acceptor's AP-REP does not prove that it holds the service key (RFC 4120 3.2.5):
    /// it does not decrypt with the session key, or does not echo the authenticator's time.
    /// Whoever answered is not the service the ticket was for.
    #[error("mutual authentication failed: {0}")]
    MutualAuthFailed(&'static str),
    /// A KDC reply that decrypts but does not answer the request (RFC 4120 3.1.5): another
    /// nonce, client or server than asked for. A replayed or substituted reply.
    #[error("the KDC reply does not match the request: {field} is {got}, expected {expected}")]
    ReplyMismatch {
        /// Which field: `nonce`, `client` or `server`.
        field: &'static str,
        /// What the request asked for.
        expected: String,
        /// What the reply says.
        got: String,
    },
    /// The replay cache could not record the authenticator (full, or its file unusable): the
    /// acceptor refuses rather than risk letting a replay through.
    #[error(transparent)]
    ReplayCache(crate::gssapi::ReplayRefusal),
    /// The ticket's PAC failed a check of MS-PAC 2.7/2.8 (the acceptor answers
    /// KRB_AP_ERR_MODIFIED, as Windows does).
    #[error("PAC refused: {0}")]
    Pac(crate::pac::PacRefusal),
    /// The kpasswd server refused the password change (RFC 3244 result code and its words).
    #[error("password change refused: {0}")]
    Kpasswd(crate::kpasswd::KpasswdRefusal),
    /// No credentials to do what was asked (no TGT, no key for the ticket, no password).
    #[error("no usable credentials: {0}")]
    NoCredentials(String),
    /// The cache's TGT has expired and there is no password or key to get another: `kinit`
    /// (or `kinit -R` while it is renewable) is what the user needs.
    #[error("the TGT of {client} expired at {}; get a new one with kinit", utc(*.expired))]
    TgtExpired {
        /// Whose TGT.
        client: String,
        /// Its end time, seconds since 1970.
        expired: i64,
    },
    /// The per-message token is a replay, too old, out of order, or follows a gap.
    #[error("sequence check: {0}")]
    Sequence(SequenceError),
    /// A credential cache could not be read or written.
    #[error(transparent)]
    Ccache(#[from] CcacheError),
    /// A keytab could not be read.
    #[error(transparent)]
    Keytab(#[from] KeytabError),
    /// A configuration value is invalid (e.g. an enctype list with nothing usable).
    #[error("configuration: {0}")]
    Config(String),
    /// The context is not in a state for this call.
    #[error("context not ready: {0}")]
    State(&'static str),
}

/// The outcomes of RFC 2743 1.2.3 sequence checking other than success.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    /// The token was seen before (`GSS_S_DUPLICATE_TOKEN`).
    #[error("duplicate token")]
    Duplicate,
    /// The token is older than the replay window (`GSS_S_OLD_TOKEN`).
    #[error("token too old")]
    Old,
    /// A later token was already seen (`GSS_S_UNSEQ_TOKEN`).
    #[error("token out of sequence")]
    Unsequenced,
    /// Tokens between the last one and this one are missing (`GSS_S_GAP_TOKEN`).
    #[error("gap before this token")]
    Gap,
}

impl KerberosError {
    /// A decode error of `what`.
    pub(crate) fn decode(what: &'static str) -> impl FnOnce(sesame_asn1::Error) -> Self {
        move |source| Self::Decode { what, source }
    }

    /// A rejection standing for KRB-ERROR `code`.
    pub(crate) fn rejected(code: i32, reason: impl Into<String>) -> Self {
        Self::Rejected {
            code,
            reason: reason.into(),
        }
    }

    /// The KRB-ERROR code of a received or locally decided Kerberos error.
    pub fn krb_error_code(&self) -> Option<i32> {
        match self {
            Self::Krb(f) => Some(f.code),
            Self::Rejected { code, .. } => Some(*code),
            Self::Pac(_) => Some(sesame_asn1::kerberos::constants::error_code::KRB_AP_ERR_MODIFIED),
            Self::FastRequired { .. } => {
                Some(sesame_asn1::kerberos::constants::error_code::KDC_ERR_PREAUTH_REQUIRED)
            }
            _ => None,
        }
    }

    /// The GSS-API major status this error reports (RFC 2743 1.2.1.1).
    pub fn major(&self) -> MajorStatus {
        use sesame_asn1::kerberos::constants::error_code as e;
        match self {
            Self::Krb(f) => match f.code {
                e::KDC_ERR_PREAUTH_FAILED | e::KDC_ERR_CLIENT_REVOKED | e::KDC_ERR_KEY_EXPIRED => {
                    MajorStatus::DefectiveCredential
                }
                e::KDC_ERR_C_PRINCIPAL_UNKNOWN | e::KDC_ERR_S_PRINCIPAL_UNKNOWN => {
                    MajorStatus::BadName
                }
                e::KRB_AP_ERR_TKT_EXPIRED => MajorStatus::CredentialsExpired,
                _ => MajorStatus::Failure,
            },
            Self::Transport(_) | Self::ReplayCache(_) => MajorStatus::Unavailable,
            Self::Crypto(CryptoError::IntegrityCheckFailed | CryptoError::ChecksumMismatch) => {
                MajorStatus::BadMic
            }
            Self::Decode { .. }
            | Self::MutualAuthFailed(_)
            | Self::ReplyMismatch { .. }
            | Self::Pac(_) => MajorStatus::DefectiveToken,
            Self::Rejected { code, .. } => match *code {
                e::KRB_AP_ERR_REPEAT => MajorStatus::DuplicateToken,
                e::KRB_AP_ERR_TKT_EXPIRED => MajorStatus::CredentialsExpired,
                _ => MajorStatus::DefectiveToken,
            },
            Self::NoCredentials(_) | Self::Ccache(_) | Self::Keytab(_) => MajorStatus::NoCred,
            Self::TgtExpired { .. } => MajorStatus::CredentialsExpired,
            Self::ReplyKeyMismatch => MajorStatus::DefectiveCredential,
            Self::Sequence(s) => match s {
                SequenceError::Duplicate => MajorStatus::DuplicateToken,
                SequenceError::Old => MajorStatus::OldToken,
                SequenceError::Unsequenced => MajorStatus::UnseqToken,
                SequenceError::Gap => MajorStatus::GapToken,
            },
            Self::State(_) => MajorStatus::NoContext,
            Self::ChannelBindings(_) => MajorStatus::BadBindings,
            _ => MajorStatus::Failure,
        }
    }
}

impl From<KerberosError> for sesame_gss::Error {
    fn from(e: KerberosError) -> Self {
        let major = e.major();
        sesame_gss::Error::new(major, e)
    }
}

/// The name RFC 4120 7.5.9 (and MS-KILE) gives an error code.
pub fn error_name(code: i32) -> &'static str {
    use sesame_asn1::kerberos::constants::error_code as e;
    match code {
        e::KDC_ERR_NAME_EXP => "KDC_ERR_NAME_EXP",
        e::KDC_ERR_SERVICE_EXP => "KDC_ERR_SERVICE_EXP",
        e::KDC_ERR_BAD_PVNO => "KDC_ERR_BAD_PVNO",
        e::KDC_ERR_C_PRINCIPAL_UNKNOWN => "KDC_ERR_C_PRINCIPAL_UNKNOWN",
        e::KDC_ERR_S_PRINCIPAL_UNKNOWN => "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        e::KDC_ERR_PRINCIPAL_NOT_UNIQUE => "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
        e::KDC_ERR_NULL_KEY => "KDC_ERR_NULL_KEY",
        e::KDC_ERR_POLICY => "KDC_ERR_POLICY",
        e::KDC_ERR_BADOPTION => "KDC_ERR_BADOPTION",
        e::KDC_ERR_ETYPE_NOSUPP => "KDC_ERR_ETYPE_NOSUPP",
        e::KDC_ERR_SUMTYPE_NOSUPP => "KDC_ERR_SUMTYPE_NOSUPP",
        e::KDC_ERR_PADATA_TYPE_NOSUPP => "KDC_ERR_PADATA_TYPE_NOSUPP",
        e::KDC_ERR_CLIENT_REVOKED => "KDC_ERR_CLIENT_REVOKED",
        e::KDC_ERR_SERVICE_REVOKED => "KDC_ERR_SERVICE_REVOKED",
        e::KDC_ERR_TGT_REVOKED => "KDC_ERR_TGT_REVOKED",
        e::KDC_ERR_CLIENT_NOTYET => "KDC_ERR_CLIENT_NOTYET",
        e::KDC_ERR_KEY_EXPIRED => "KDC_ERR_KEY_EXPIRED",
        e::KDC_ERR_PREAUTH_FAILED => "KDC_ERR_PREAUTH_FAILED",
        e::KDC_ERR_PREAUTH_REQUIRED => "KDC_ERR_PREAUTH_REQUIRED",
        e::KDC_ERR_SERVER_NOMATCH => "KDC_ERR_SERVER_NOMATCH",
        e::KDC_ERR_MUST_USE_USER2USER => "KDC_ERR_MUST_USE_USER2USER",
        e::KDC_ERR_SVC_UNAVAILABLE => "KDC_ERR_SVC_UNAVAILABLE",
        e::KRB_AP_ERR_BAD_INTEGRITY => "KRB_AP_ERR_BAD_INTEGRITY",
        e::KRB_AP_ERR_TKT_EXPIRED => "KRB_AP_ERR_TKT_EXPIRED",
        e::KRB_AP_ERR_TKT_NYV => "KRB_AP_ERR_TKT_NYV",
        e::KRB_AP_ERR_REPEAT => "KRB_AP_ERR_REPEAT",
        e::KRB_AP_ERR_NOT_US => "KRB_AP_ERR_NOT_US",
        e::KRB_AP_ERR_BADMATCH => "KRB_AP_ERR_BADMATCH",
        e::KRB_AP_ERR_SKEW => "KRB_AP_ERR_SKEW",
        e::KRB_AP_ERR_BADADDR => "KRB_AP_ERR_BADADDR",
        e::KRB_AP_ERR_BADVERSION => "KRB_AP_ERR_BADVERSION",
        e::KRB_AP_ERR_MSG_TYPE => "KRB_AP_ERR_MSG_TYPE",
        e::KRB_AP_ERR_MODIFIED => "KRB_AP_ERR_MODIFIED",
        e::KRB_AP_ERR_BADORDER => "KRB_AP_ERR_BADORDER",
        e::KRB_AP_ERR_BADKEYVER => "KRB_AP_ERR_BADKEYVER",
        e::KRB_AP_ERR_NOKEY => "KRB_AP_ERR_NOKEY",
        e::KRB_AP_ERR_MUT_FAIL => "KRB_AP_ERR_MUT_FAIL",
        e::KRB_AP_ERR_BADDIRECTION => "KRB_AP_ERR_BADDIRECTION",
        e::KRB_AP_ERR_METHOD => "KRB_AP_ERR_METHOD",
        e::KRB_AP_ERR_BADSEQ => "KRB_AP_ERR_BADSEQ",
        e::KRB_AP_ERR_INAPP_CKSUM => "KRB_AP_ERR_INAPP_CKSUM",
        e::KRB_ERR_RESPONSE_TOO_BIG => "KRB_ERR_RESPONSE_TOO_BIG",
        e::KRB_ERR_GENERIC => "KRB_ERR_GENERIC",
        e::KRB_AP_ERR_NO_TGT => "KRB_AP_ERR_NO_TGT",
        e::KDC_ERR_WRONG_REALM => "KDC_ERR_WRONG_REALM",
        e::KRB_AP_ERR_USER_TO_USER_REQUIRED => "KRB_AP_ERR_USER_TO_USER_REQUIRED",
        _ => "",
    }
}

/// `2026-12-06 22:39:38 UTC` for a Unix time.
fn utc(secs: i64) -> String {
    match sesame_asn1::kerberos::KerberosTime::from_unix(secs) {
        Some(t) => {
            let g = t.to_generalized();
            let d = |r: core::ops::Range<usize>| String::from_utf8_lossy(&g[r]).into_owned();
            format!(
                "{}-{}-{} {}:{}:{} UTC",
                d(0..4),
                d(4..6),
                d(6..8),
                d(8..10),
                d(10..12),
                d(12..14)
            )
        }
        None => format!("{secs} (Unix time)"),
    }
}
