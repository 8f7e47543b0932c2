//! The KDC proxy client (MS-KKDCP over HTTPS) with ureq 3 and rustls: a POST of
//! `application/kerberos`, no redirects followed, a timeout, the system's root certificates
//! plus an extra CA file, and TLS and HTTP failures reported as facts, not strings.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use ureq::tls::{Certificate, PemItem, parse_pem};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector as _, TcpConnector};

use super::proxy_tls::{AnchorVerifier, TlsConnector};
use super::{KdcFailure, TlsProblem, kkdcp, socket::io_failure};

/// Where the system keeps its root certificates (SSL_CERT_FILE first, as OpenSSL does).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// How to reach KDC proxies.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// A CA (PEM) trusted besides the system's roots.
    pub extra_ca: Option<std::path::PathBuf>,
    /// The whole request may take this long (a proxy waits for its KDCs: kdcproxy up to ~17 s).
    pub timeout: Duration,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self {
            extra_ca: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// An HTTPS client for KDC proxies (cheap to clone: the connection pool is shared).
#[derive(Clone)]
pub struct ProxyClient {
    agent: ureq::Agent,
    /// The same TLS for the async client (feature `async-kdc-proxy`).
    #[cfg_attr(not(feature = "async-kdc-proxy"), allow(dead_code))]
    pub(super) tls: Arc<rustls::ClientConfig>,
    #[cfg_attr(not(feature = "async-kdc-proxy"), allow(dead_code))]
    pub(super) timeout: Duration,
}

impl core::fmt::Debug for ProxyClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ProxyClient")
    }
}

fn certificates(pem: &[u8]) -> Vec<Certificate<'static>> {
    parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect()
}

impl ProxyClient {
    /// A client for `config`; an error when the extra CA file cannot be read or holds no
    /// certificate.
    pub fn new(config: &ProxyConfig) -> Result<Self, String> {
        let system = system_roots();
        let anchors = match &config.extra_ca {
            None => Vec::new(),
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let certs = certificates(&pem);
                if certs.is_empty() {
                    return Err(format!("{}: no PEM certificate", path.display()));
                }
                certs
            }
        };
        let der = |c: &Certificate<'static>| CertificateDer::from(c.der().to_vec());
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(anchors.iter().map(der));
        match &system {
            Some(system) => {
                roots.add_parsable_certificates(system.iter().map(der));
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            AnchorVerifier::new(roots, anchors.iter().map(der).collect(), provider.clone())?;
        let tls = Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth(),
        );
        let agent_config = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .https_only(true)
            .build();
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(TlsConnector::new(tls.clone()));
        let agent = ureq::Agent::with_parts(agent_config, connector, DefaultResolver::default());
        Ok(Self {
            agent,
            tls,
            timeout: config.timeout,
        })
    }

    /// Sends `message` for `realm` through the proxy at `url`; returns the KDC's reply.
    pub fn send(&self, url: &str, realm: &str, message: &[u8]) -> Result<Vec<u8>, KdcFailure> {
        let body = kkdcp::encode_request(message, realm)?;
        let mut response = self
            .agent
            .post(url)
            .header("Content-Type", "application/kerberos")
            .header("Cache-Control", "no-cache")
            .send(&body[..])
            .map_err(failure)?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY as u64)
            .read_to_vec()
            .map_err(failure)?;
        reply(status, &bytes)
    }
}

/// The largest proxy answer read (a KDC reply with a PAC is a few kB).
pub(super) const MAX_REPLY: usize = 1 << 20;

/// The KDC's reply inside a proxy's answer: a 200 carrying a KDC-PROXY-MESSAGE; any other
/// status with the first line of its body (kdcproxy says why in it).
pub(super) fn reply(status: u16, body: &[u8]) -> Result<Vec<u8>, KdcFailure> {
    if status != 200 {
        let text = String::from_utf8_lossy(body);
        return Err(KdcFailure::HttpStatus {
            status,
            body: text
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
        });
    }
    kkdcp::decode_reply(body)
}

fn system_roots() -> Option<Vec<Certificate<'static>>> {
    let from_env = std::env::var_os("SSL_CERT_FILE");
    let paths = from_env
        .iter()
        .map(Path::new)
        .chain(SYSTEM_BUNDLES.iter().map(Path::new));
    for path in paths {
        if let Ok(pem) = std::fs::read(path) {
            let certs = certificates(&pem);
            if !certs.is_empty() {
                return Some(certs);
            }
        }
    }
    None
}

fn failure(e: ureq::Error) -> KdcFailure {
    match e {
        ureq::Error::StatusCode(status) => KdcFailure::HttpStatus {
            status,
            body: String::new(),
        },
        ureq::Error::Timeout(_) => KdcFailure::TimedOut,
        ureq::Error::HostNotFound => KdcFailure::NameResolution("proxy host not found".into()),
        ureq::Error::ConnectionFailed => KdcFailure::ConnectionRefused,
        ureq::Error::Rustls(tls) => tls_failure(&tls),
        ureq::Error::Io(io) => {
            let tls = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .map(tls_failure);
            tls.unwrap_or_else(|| io_failure(io))
        }
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => KdcFailure::HttpStatus {
            status: 302,
            body: "redirect refused".into(),
        },
        other => KdcFailure::Http(other.to_string()),
    }
}

pub(super) fn tls_failure(e: &rustls::Error) -> KdcFailure {
    use rustls::CertificateError as C;
    KdcFailure::Tls(match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer | C::BadSignature => TlsProblem::UntrustedIssuer,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsProblem::Expired,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::WrongHostName,
            C::Revoked => TlsProblem::Revoked,
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => TlsProblem::NotForServerAuth,
            C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                Some(webpki::Error::CaUsedAsEndEntity) => TlsProblem::CaUsedAsEndEntity,
                Some(webpki::Error::RequiredEkuNotFoundContext(_)) => TlsProblem::NotForServerAuth,
                Some(w) => TlsProblem::Other(format!("invalid certificate ({w:?})")),
                None => TlsProblem::Other(format!("invalid certificate: {other}")),
            },
            other => TlsProblem::Other(format!("invalid certificate ({other:?})")),
        },
        other => TlsProblem::Other(other.to_string()),
    })
}
