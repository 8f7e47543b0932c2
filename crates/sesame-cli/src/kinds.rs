//! The short kinds of failures that `error` lines and standard error carry (`wrong-password`,
//! `kdc-err-preauth-failed`, `bad-channel-bindings`...): the mechanism's fact, else the
//! transport's, else the major status. docs/cli.md lists them.

use sesame_gss::{BindingsRefusal, MajorStatus};
use sesame_kerberos::KerberosError;
use sesame_kerberos::crypto::CryptoError;
use sesame_kerberos::transport::{KdcFailure, TlsProblem, TransportError};
use sesame_ntlm::NtlmError;
use sesame_spnego::SpnegoError;

/// The kind of an error: the mechanism's fact, else the major status.
pub fn of(e: &sesame_gss::Error) -> String {
    if let Some(k) = e.mech_error::<KerberosError>() {
        kerberos_kind(k)
    } else if let Some(n) = e.mech_error::<NtlmError>() {
        ntlm_kind(n).to_string()
    } else if let Some(s) = e.mech_error::<SpnegoError>() {
        spnego_kind(s).to_string()
    } else if let Some(c) = e.mech_error::<crate::credssp::TlsCredsspError>() {
        c.kind()
    } else {
        major_kind(e.major()).to_string()
    }
}

/// The kind of a CredSSP failure: the inner context's own kind, else the CredSSP fact.
pub fn credssp_kind(e: &sesame_credssp::CredsspError) -> String {
    use sesame_credssp::CredsspError;
    match e {
        CredsspError::Context(inner) => of(inner),
        CredsspError::PublicKeyMismatch => "public-key-mismatch".into(),
        CredsspError::MissingPublicKeyAuth => "no-public-key-auth".into(),
        CredsspError::ServerError(_) => "logon-refused".into(),
        CredsspError::VersionTooOld { .. } => "credssp-version".into(),
        _ => "defective-token".into(),
    }
}

/// `kind: message` of a failed call, as the `error` lines and standard error give it.
pub fn failure_text(e: &sesame_gss::Error) -> String {
    format!("{}: {e}", of(e))
}

/// The facts of a Kerberos failure as a short kind for `error` lines: the KRB-ERROR name in
/// lower case (`kdc-err-preauth-failed`), or the transport fact (`no-kdc`, `kdc-unreachable`).
pub fn kerberos_kind(e: &KerberosError) -> String {
    match e {
        KerberosError::Transport(t) => transport_kind(t).into(),
        KerberosError::ChannelBindings(r) => bindings_kind(*r).into(),
        KerberosError::MutualAuthFailed(_) => "mutual-auth-failed".into(),
        KerberosError::ReplayCache(_) => "replay-cache-unavailable".into(),
        KerberosError::ReplyMismatch { .. } => "kdc-reply-mismatch".into(),
        KerberosError::NoCredentials(_) | KerberosError::Ccache(_) | KerberosError::Keytab(_) => {
            "no-credentials".into()
        }
        KerberosError::Sequence(_) => "sequence".into(),
        KerberosError::FastRequired { .. } => "fast-required".into(),
        KerberosError::TgtExpired { .. } => "tgt-expired".into(),
        KerberosError::ReplyKeyMismatch => "wrong-password".into(),
        KerberosError::Crypto(
            CryptoError::WeakEnctypeRefused(_) | CryptoError::UnsupportedEnctype(_),
        )
        | KerberosError::NoPreauthMethod { .. } => "enctype-refused".into(),
        KerberosError::Crypto(_) => "bad-mic".into(),
        KerberosError::Decode { .. } | KerberosError::Protocol(_) => "defective-token".into(),
        // `kpasswd-softerror` for KRB5_KPASSWD_SOFTERROR (a policy refusal), and so on.
        KerberosError::Kpasswd(r) => sesame_asn1::kpasswd::result_code::name(r.code).map_or_else(
            || format!("kpasswd-{}", r.code),
            |n| {
                format!(
                    "kpasswd-{}",
                    n.trim_start_matches("KRB5_KPASSWD_")
                        .to_lowercase()
                        .replace('_', "-")
                )
            },
        ),
        other => match other.krb_error_code() {
            Some(code) => {
                let name = sesame_kerberos::error::error_name(code);
                if name.is_empty() {
                    format!("krb-error-{code}")
                } else {
                    name.to_lowercase().replace('_', "-")
                }
            }
            None => "failure".into(),
        },
    }
}

/// The kind of a transport failure, from the first KDC's fact when there is one.
pub fn transport_kind(e: &TransportError) -> &'static str {
    match e {
        TransportError::NoKdc { .. } => "no-kdc",
        TransportError::Discovery { .. } => "dns-failed",
        TransportError::AllFailed { attempts, .. } => match attempts.first().map(|a| &a.failure) {
            Some(KdcFailure::Tls(TlsProblem::UntrustedIssuer)) => "kdc-proxy-untrusted-certificate",
            Some(KdcFailure::Tls(TlsProblem::Expired)) => "kdc-proxy-expired-certificate",
            Some(KdcFailure::Tls(TlsProblem::WrongHostName)) => "kdc-proxy-wrong-host-certificate",
            Some(KdcFailure::Tls(TlsProblem::CaUsedAsEndEntity)) => {
                "kdc-proxy-ca-as-server-certificate"
            }
            Some(KdcFailure::Tls(_)) => "kdc-proxy-tls",
            Some(KdcFailure::HttpStatus { .. }) => "kdc-proxy-http-error",
            Some(KdcFailure::NotKdcProxyMessage(_)) => "kdc-proxy-bad-answer",
            _ => "kdc-unreachable",
        },
        _ => "kdc-unreachable",
    }
}

fn ntlm_kind(e: &NtlmError) -> &'static str {
    match e {
        NtlmError::NotNtlm => "not-ntlm",
        NtlmError::UnexpectedMessage { .. } | NtlmError::Malformed(_) | NtlmError::State => {
            "defective-token"
        }
        NtlmError::BadSignature => "bad-signature",
        NtlmError::UnknownUser { .. } => "unknown-user",
        NtlmError::WrongPassword { .. } => "wrong-password",
        NtlmError::Ntlmv1Refused => "ntlmv1-refused",
        NtlmError::AnonymousRefused => "anonymous-refused",
        NtlmError::MicMissing => "mic-missing",
        NtlmError::BadMic => "bad-mic",
        NtlmError::BadChannelBindings(r) => bindings_kind(*r),
        NtlmError::StaleTimestamp { .. } => "stale-timestamp",
        NtlmError::NoNtlmv2 => "no-ntlmv2",
        NtlmError::EmptyResponse { .. } => "empty-response",
        NtlmError::TargetNameMismatch { .. } => "target-name-mismatch",
        NtlmError::TargetNameMissing { .. } => "target-name-missing",
        NtlmError::BelowMinimum { .. } => "below-minimum-security",
        _ => "failure",
    }
}

/// The kind of a channel-binding refusal, the same for NTLM and Kerberos.
pub fn bindings_kind(r: BindingsRefusal) -> &'static str {
    match r {
        BindingsRefusal::Mismatch => "bad-channel-bindings",
        BindingsRefusal::Missing => "channel-bindings-missing",
        BindingsRefusal::AcceptorHasNone => "channel-bindings-unavailable",
    }
}

fn spnego_kind(e: &SpnegoError) -> &'static str {
    match e {
        SpnegoError::Malformed(_) | SpnegoError::Protocol(_) => "defective-token",
        SpnegoError::NoCommonMechanism(_) => "no-common-mechanism",
        SpnegoError::UnofferedMechanism { .. } => "unoffered-mechanism",
        SpnegoError::Rejected => "rejected",
        SpnegoError::MicMissing => "mechlistmic-missing",
        SpnegoError::BadMic => "mechlistmic-bad",
        SpnegoError::AcceptorIncomplete => "acceptor-incomplete",
        SpnegoError::State(_) => "no-context",
        _ => "failure",
    }
}

fn major_kind(m: MajorStatus) -> &'static str {
    match m {
        MajorStatus::DefectiveToken => "defective-token",
        MajorStatus::BadMic => "bad-mic",
        MajorStatus::DefectiveCredential => "bad-credentials",
        MajorStatus::BadBindings => "bad-channel-bindings",
        MajorStatus::NoContext => "no-context",
        _ => "failure",
    }
}
