//! TLS for the KDC proxy client that trusts what MIT's `http_anchors` trusts: besides the
//! usual chain to a root, a certificate given as an anchor is trusted when the server presents
//! that very certificate, even if it says CA:TRUE (what `openssl req -x509` makes by default,
//! and what kdcproxy deployments often serve). OpenSSL accepts such a chain of one; webpki
//! refuses it (`CaUsedAsEndEntity`), so rustls is given this verifier and ureq a connector
//! that uses it.
//!
//! The exception is narrow: the server's certificate must be byte for byte one of the given
//! anchors, valid now (webpki checked the dates before it found the CA flag) and for the host
//! name; the handshake signature is checked with its key as always.

use std::io::{Read as _, Write as _};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, StreamOwned,
};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

/// Chains to a root as webpki does, and trusts a pinned anchor presented as itself.
#[derive(Debug)]
pub(super) struct AnchorVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    anchors: Vec<CertificateDer<'static>>,
}

impl AnchorVerifier {
    /// Roots for ordinary chains, `anchors` (the `--ca-file` certificates) also trusted as
    /// the server's own certificate.
    pub(super) fn new(
        roots: rustls::RootCertStore,
        anchors: Vec<CertificateDer<'static>>,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Self, String> {
        if roots.is_empty() {
            return Err("no usable root certificate".into());
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { webpki, anchors })
    }
}

impl ServerCertVerifier for AnchorVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refusal =
            match self
                .webpki
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            {
                Ok(verified) => return Ok(verified),
                Err(e) => e,
            };
        let ca_as_leaf = matches!(
            &refusal,
            rustls::Error::InvalidCertificate(CertificateError::Other(o))
                if o.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity)
        );
        if !ca_as_leaf || !self.anchors.iter().any(|a| a == end_entity) {
            return Err(refusal);
        }
        // The pinned anchor itself: its dates passed (webpki checks them before the CA
        // flag); the host name is still to be checked.
        let cert = webpki::EndEntityCert::try_from(end_entity).map_err(|e| {
            rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                Arc::new(e),
            )))
        })?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::NotValidForName))?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// ureq's last link: TLS with our own rustls configuration (ureq's own connector builds its
/// configuration from root certificates only).
pub(super) struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    pub(super) fn new(config: Arc<ClientConfig>) -> Self {
        Self { config }
    }
}

impl core::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TlsConnector")
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Err(ureq::Error::ConnectionFailed);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("no host name for TLS"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| ureq::Error::Tls("not a host name TLS can check"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// A TLS connection carrying ureq's HTTP.
pub(super) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl core::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TlsTransport")
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = self
            .buffers
            .output()
            .get(..amount)
            .ok_or(ureq::Error::Tls("output beyond the buffer"))?;
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject as _;

    const CA_TRUE: &[u8] = include_bytes!("testdata/ca-true-localhost.pem");
    const OTHER: &[u8] = include_bytes!("testdata/ca-true-other.pem");

    fn der(pem: &[u8]) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(pem).unwrap()
    }

    fn verifier(anchors: &[&[u8]]) -> AnchorVerifier {
        let mut roots = rustls::RootCertStore::empty();
        // OTHER is always a root, so that the store is never empty.
        roots.add_parsable_certificates(anchors.iter().map(|a| der(a)).chain([der(OTHER)]));
        AnchorVerifier::new(
            roots,
            anchors.iter().map(|a| der(a)).collect(),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .unwrap()
    }

    fn check(v: &AnchorVerifier, cert: &[u8], host: &str, now: UnixTime) -> Result<(), String> {
        let name = ServerName::try_from(host.to_string()).unwrap();
        v.verify_server_cert(&der(cert), &[], &name, &[], now)
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn a_pinned_ca_true_certificate_is_trusted_as_itself() {
        let now = UnixTime::now();
        check(&verifier(&[CA_TRUE]), CA_TRUE, "localhost", now).unwrap();
    }

    #[test]
    fn a_ca_true_certificate_that_was_not_given_is_refused() {
        // A root, but not an anchor given for the server: webpki's refusal stands.
        let now = UnixTime::now();
        let e = check(&verifier(&[]), OTHER, "other.test", now).unwrap_err();
        assert!(e.contains("CaUsedAsEndEntity"), "{e}");
        // Neither a root nor given: webpki stops at the CA flag before it looks for an issuer.
        let e = check(&verifier(&[]), CA_TRUE, "localhost", now).unwrap_err();
        assert!(e.contains("CaUsedAsEndEntity"), "{e}");
    }

    #[test]
    fn the_pinned_certificate_must_name_the_host_and_be_valid_now() {
        let v = verifier(&[CA_TRUE]);
        let e = check(&v, CA_TRUE, "elsewhere.test", UnixTime::now()).unwrap_err();
        assert!(e.contains("NotValidForName"), "{e}");
        let later = UnixTime::since_unix_epoch(core::time::Duration::from_secs(400 * 365 * 86_400));
        let e = check(&v, CA_TRUE, "localhost", later).unwrap_err();
        assert!(e.contains("Expired"), "{e}");
    }
}
