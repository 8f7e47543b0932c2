//! Channel bindings (RFC 2743 1.1.6, RFC 5929, RFC 5056): tie the authentication to the TLS
//! channel it runs in, so that it cannot be relayed into another one.

use md5::Md5;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::{Error, MajorStatus};

/// `gss_channel_bindings_struct` (RFC 2744 3.11), SSPI's `SEC_CHANNEL_BINDINGS`.
///
/// Mechanisms never send these fields; they send the MD5 hash of their flattened form
/// ([`ChannelBindings::md5`]): NTLM in `MsvAvChannelBindings` (MS-NLMP 2.2.2.1), Kerberos in the
/// `Bnd` field of the authenticator checksum (RFC 4121 4.1.1.2). With TLS, the addresses are
/// empty and the application data is `tls-server-end-point:` followed by the hash of the
/// server's certificate (RFC 5929 4), which is what Windows (EPA), pyspnego and MIT use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChannelBindings {
    /// Address type of the initiator (0: unspecified).
    pub initiator_addrtype: u32,
    /// Address of the initiator.
    pub initiator_address: Vec<u8>,
    /// Address type of the acceptor.
    pub acceptor_addrtype: u32,
    /// Address of the acceptor.
    pub acceptor_address: Vec<u8>,
    /// The channel's identity, e.g. `tls-server-end-point:<hash>`.
    pub application_data: Vec<u8>,
}

/// Why the certificate could not be used for `tls-server-end-point`.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// Not a DER X.509 certificate.
    #[error("not a DER X.509 certificate: {0}")]
    NotACertificate(String),
}

impl ChannelBindings {
    /// Bindings that carry only application data.
    pub fn from_application_data(data: impl Into<Vec<u8>>) -> Self {
        Self {
            application_data: data.into(),
            ..Self::default()
        }
    }

    /// `tls-server-end-point` (RFC 5929 4.1) for the server certificate `cert_der`: its hash
    /// with the hash function of its signature algorithm, SHA-256 when that is MD5 or SHA-1 (or
    /// when the algorithm names no hash, as for Ed25519).
    pub fn tls_server_end_point(cert_der: &[u8]) -> Result<Self, Error> {
        let cert: Certificate = rasn::der::decode(cert_der).map_err(|e| {
            Error::new(
                MajorStatus::BadBindings,
                CertificateError::NotACertificate(e.to_string()),
            )
        })?;
        let hash = match end_point_hash(&cert.signature_algorithm) {
            EndPointHash::Sha384 => Sha384::digest(cert_der).to_vec(),
            EndPointHash::Sha512 => Sha512::digest(cert_der).to_vec(),
            EndPointHash::Sha256 => Sha256::digest(cert_der).to_vec(),
        };
        let mut data = b"tls-server-end-point:".to_vec();
        data.extend_from_slice(&hash);
        Ok(Self::from_application_data(data))
    }

    /// `tls-unique` (RFC 5929 3) from the first Finished message of the TLS handshake.
    pub fn tls_unique(finished: &[u8]) -> Self {
        let mut data = b"tls-unique:".to_vec();
        data.extend_from_slice(finished);
        Self::from_application_data(data)
    }

    /// The flattened structure that is hashed: each address type and each length as a 32-bit
    /// little-endian integer, followed by the bytes (RFC 4121 4.1.1.2, MS-NLMP 3.1.5.2.2).
    pub fn flatten(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            20 + self.initiator_address.len()
                + self.acceptor_address.len()
                + self.application_data.len(),
        );
        for (addrtype, address) in [
            (Some(self.initiator_addrtype), &self.initiator_address),
            (Some(self.acceptor_addrtype), &self.acceptor_address),
            (None, &self.application_data),
        ] {
            if let Some(t) = addrtype {
                out.extend_from_slice(&t.to_le_bytes());
            }
            out.extend_from_slice(
                &u32::try_from(address.len())
                    .unwrap_or(u32::MAX)
                    .to_le_bytes(),
            );
            out.extend_from_slice(address);
        }
        out
    }

    /// MD5 of [`ChannelBindings::flatten`]: what NTLM and Kerberos put on the wire.
    pub fn md5(&self) -> [u8; 16] {
        Md5::digest(self.flatten()).into()
    }
}

use x509::{AlgorithmIdentifier, Certificate, PssParams};

/// The few X.509 types needed to find a certificate's signature hash.
mod x509 {
    // rasn's derive output trips these pedantic lints.
    #![allow(clippy::no_effect_underscore_binding, clippy::struct_field_names)]

    use rasn::prelude::*;

    /// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
    /// (RFC 5280 4.1); only the algorithm is looked at.
    #[derive(AsnType, Decode, Encode)]
    pub(super) struct Certificate {
        pub tbs_certificate: Any,
        pub signature_algorithm: AlgorithmIdentifier,
        pub signature_value: BitString,
    }

    /// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`.
    #[derive(AsnType, Decode, Encode)]
    pub(super) struct AlgorithmIdentifier {
        pub algorithm: ObjectIdentifier,
        pub parameters: Option<Any>,
    }

    /// `RSASSA-PSS-params` (RFC 4055 3.1); only the hash is looked at.
    #[derive(AsnType, Decode, Encode)]
    pub(super) struct PssParams {
        #[rasn(tag(explicit(0)))]
        pub hash_algorithm: Option<AlgorithmIdentifier>,
        #[rasn(tag(explicit(1)))]
        pub mask_gen_algorithm: Option<Any>,
        #[rasn(tag(explicit(2)))]
        pub salt_length: Option<Integer>,
        #[rasn(tag(explicit(3)))]
        pub trailer_field: Option<Integer>,
    }
}

enum EndPointHash {
    Sha256,
    Sha384,
    Sha512,
}

fn end_point_hash(alg: &AlgorithmIdentifier) -> EndPointHash {
    const RSA_PSS: &[u32] = &[1, 2, 840, 113_549, 1, 1, 10];
    let arcs: &[u32] = &alg.algorithm;
    let named = match arcs {
        // sha384WithRSAEncryption, ecdsa-with-SHA384, id-sha384
        [1, 2, 840, 113_549, 1, 1, 12]
        | [1, 2, 840, 10_045, 4, 3, 3]
        | [2, 16, 840, 1, 101, 3, 4, 2, 2] => Some(EndPointHash::Sha384),
        // sha512WithRSAEncryption, ecdsa-with-SHA512, id-sha512
        [1, 2, 840, 113_549, 1, 1, 13]
        | [1, 2, 840, 10_045, 4, 3, 4]
        | [2, 16, 840, 1, 101, 3, 4, 2, 3] => Some(EndPointHash::Sha512),
        _ => None,
    };
    if let Some(h) = named {
        return h;
    }
    if arcs == RSA_PSS {
        let hash = alg
            .parameters
            .as_ref()
            .and_then(|p| rasn::der::decode::<PssParams>(p.as_bytes()).ok())
            .and_then(|p| p.hash_algorithm);
        if let Some(h) = hash {
            return end_point_hash(&h);
        }
    }
    EndPointHash::Sha256
}
