//! The fallback policy (docs/fallback.md): a value, deciding from the facts of a failed first
//! Kerberos leg where Negotiate goes next — IAKerb through the server when no KDC is in reach
//! (and IAKerb is enabled), NTLM when the policy lets it, both in that order, or nowhere.

use core::fmt;

use sesame_asn1::kerberos::constants::error_code as code;
use sesame_kerberos::KerberosError;
use sesame_kerberos::transport::{KdcFailure, Protocol, TransportError};

/// When a failed first Kerberos leg may fall back to NTLM. IAKerb is Kerberos, not a
/// fallback to a weaker mechanism: it is taken under every policy, `Never` included, when
/// the failure is that no KDC is in reach.
///
/// ```
/// use sesame_negotiate::{Client, FallbackPolicy};
/// assert_eq!(FallbackPolicy::parse("never"), Some(FallbackPolicy::Never));
/// let client = Client::new("HTTP/web.example.com").fallback(FallbackPolicy::Never);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FallbackPolicy {
    /// Only for the failures that say Kerberos cannot work here (no KDC, clock skew, unknown
    /// service, KDC proxy trouble), never for a refused identity (wrong password, revoked or
    /// locked account). The default.
    #[default]
    Allowlist,
    /// On any failure of the first Kerberos leg (FreeRDP's and pyspnego's behaviour).
    AnyFirstLegError,
    /// Never: NTLM is not used after Kerberos was tried (curl, hardened deployments).
    Never,
}

/// Why Negotiate left direct Kerberos (for IAKerb or NTLM).
///
/// ```no_run
/// let mut client = sesame_negotiate::Client::new("HTTP/web.example.com");
/// client.step(None)?;
/// if let Some(reason) = client.context().and_then(|c| c.fallback()) {
///     eprintln!("fell back to NTLM: {reason}");
/// }
/// # Ok::<(), sesame_gss::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FallbackReason {
    /// The target is an IP address: Kerberos has no SPN for it, no KDC is asked.
    SpnIsIpAddress,
    /// KRB_AP_ERR_SKEW: the clocks differ by more than the KDC allows.
    ClockSkew,
    /// No KDC is known for the realm (nothing configured, no SRV record).
    NoKdc,
    /// DNS discovery of the KDC failed.
    DiscoveryFailed,
    /// Every KDC was tried and none answered (refused, timed out).
    KdcUnreachable,
    /// The KDC proxy's certificate is not trusted (or expired, or for another host).
    KdcProxyCertificate,
    /// The KDC proxy failed otherwise (HTTP error, not a KDC-PROXY-MESSAGE).
    KdcProxyFailed,
    /// KDC_ERR_WRONG_REALM.
    WrongRealm,
    /// KDC_ERR_S_PRINCIPAL_UNKNOWN: the KDC does not know the service.
    UnknownServicePrincipal,
    /// Any other first-leg failure, under [`FallbackPolicy::AnyFirstLegError`].
    Other(String),
}

impl fmt::Display for FallbackReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SpnIsIpAddress => f.write_str("the target is an IP address (no Kerberos SPN)"),
            Self::ClockSkew => f.write_str("clock skew too great (KRB_AP_ERR_SKEW)"),
            Self::NoKdc => f.write_str("no KDC is known for the realm"),
            Self::DiscoveryFailed => f.write_str("DNS discovery of the KDC failed"),
            Self::KdcUnreachable => f.write_str("no KDC could be reached"),
            Self::KdcProxyCertificate => f.write_str("the KDC proxy's TLS certificate was refused"),
            Self::KdcProxyFailed => f.write_str("the KDC proxy failed"),
            Self::WrongRealm => f.write_str("KDC_ERR_WRONG_REALM"),
            Self::UnknownServicePrincipal => f.write_str(
                "the KDC does not know the service principal (KDC_ERR_S_PRINCIPAL_UNKNOWN)",
            ),
            Self::Other(s) => write!(f, "Kerberos failed: {s}"),
        }
    }
}

/// Where a failed first Kerberos leg goes: the mechanisms offered next, in order, and why.
///
/// ```
/// use sesame_negotiate::{Fallback, FallbackPolicy, FallbackReason};
/// use sesame_kerberos::KerberosError;
/// use sesame_kerberos::transport::TransportError;
/// let unreachable: sesame_gss::Error =
///     KerberosError::Transport(TransportError::NoKdc { realm: "EXAMPLE.COM".into() }).into();
/// let next = FallbackPolicy::Never.decide(&unreachable, true);
/// assert_eq!(
///     next,
///     Some(Fallback { reason: FallbackReason::NoKdc, iakerb: true, ntlm: false })
/// );
/// assert_eq!(FallbackPolicy::Never.decide(&unreachable, false), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// Why direct Kerberos was left.
    pub reason: FallbackReason,
    /// IAKerb is offered, first: the KDC is out of the initiator's reach, not refusing it.
    pub iakerb: bool,
    /// NTLM is offered (after IAKerb when both are).
    pub ntlm: bool,
}

impl FallbackReason {
    /// Whether the reason is that no KDC is in the initiator's reach (none known, none found,
    /// none answering, the KDC proxy failing): the failures the acceptor's own way to its KDC
    /// can overcome, and the only ones IAKerb is taken for. A KDC that answered (skew, an
    /// unknown service, a wrong realm) would answer the same through the acceptor.
    pub fn kdc_out_of_reach(&self) -> bool {
        matches!(
            self,
            Self::NoKdc
                | Self::DiscoveryFailed
                | Self::KdcUnreachable
                | Self::KdcProxyCertificate
                | Self::KdcProxyFailed
        )
    }
}

impl FallbackPolicy {
    /// Parses `allowlist`, `any` or `never`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "allowlist" => Some(Self::Allowlist),
            "any" => Some(Self::AnyFirstLegError),
            "never" => Some(Self::Never),
            _ => None,
        }
    }

    /// Where the failed first Kerberos leg `error` goes, when `iakerb` is enabled or not:
    /// IAKerb first when no KDC is in reach, then NTLM when this policy lets it; `None` when
    /// neither (the error stands).
    pub fn decide(self, error: &sesame_gss::Error, iakerb: bool) -> Option<Fallback> {
        let reason = error.mech_error::<KerberosError>().and_then(allowlisted);
        let iakerb = iakerb
            && reason
                .as_ref()
                .is_some_and(FallbackReason::kdc_out_of_reach);
        let ntlm = match self {
            Self::Never => false,
            Self::Allowlist => reason.is_some(),
            Self::AnyFirstLegError => true,
        };
        if !iakerb && !ntlm {
            return None;
        }
        let reason = reason.unwrap_or_else(|| FallbackReason::Other(error.to_string()));
        Some(Fallback {
            reason,
            iakerb,
            ntlm,
        })
    }
}

/// The failures that say Kerberos cannot work here, as opposed to refusing the user.
fn allowlisted(e: &KerberosError) -> Option<FallbackReason> {
    match e {
        KerberosError::Krb(f) => match f.code {
            code::KRB_AP_ERR_SKEW => Some(FallbackReason::ClockSkew),
            code::KDC_ERR_WRONG_REALM => Some(FallbackReason::WrongRealm),
            code::KDC_ERR_S_PRINCIPAL_UNKNOWN => Some(FallbackReason::UnknownServicePrincipal),
            _ => None,
        },
        KerberosError::Transport(t) => Some(match t {
            TransportError::NoKdc { .. } => FallbackReason::NoKdc,
            TransportError::Discovery { .. } => FallbackReason::DiscoveryFailed,
            TransportError::AllFailed { attempts, .. } => {
                if attempts
                    .iter()
                    .any(|a| matches!(a.failure, KdcFailure::Tls(_)))
                {
                    FallbackReason::KdcProxyCertificate
                } else if attempts.iter().any(|a| a.protocol == Protocol::Https) {
                    FallbackReason::KdcProxyFailed
                } else {
                    FallbackReason::KdcUnreachable
                }
            }
            _ => FallbackReason::KdcUnreachable,
        }),
        _ => None,
    }
}
