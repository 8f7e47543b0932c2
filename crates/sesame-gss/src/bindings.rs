//! Channel bindings (RFC 2743 1.1.6, RFC 5929, RFC 5056): tie the authentication to the TLS
//! channel it runs in, so that it cannot be relayed into another one.

use md5::{Digest, Md5};
#[cfg(feature = "x509")]
use sha2::{Sha256, Sha384, Sha512};

#[cfg(feature = "x509")]
use crate::{Error, MajorStatus};

/// `gss_channel_bindings_struct` (RFC 2744 3.11), SSPI's `SEC_CHANNEL_BINDINGS`.
///
/// Mechanisms never send these fields; they send the MD5 hash of their flattened form
/// ([`ChannelBindings::md5`]): NTLM in `MsvAvChannelBindings` (MS-NLMP 2.2.2.1), Kerberos in the
/// `Bnd` field of the authenticator checksum (RFC 4121 4.1.1.2). With TLS, the addresses are
/// empty and the application data is `tls-server-end-point:` followed by the hash of the
/// server's certificate (RFC 5929 4), which is what Windows (EPA), pyspnego and MIT use.
///
/// ```
/// use sesame_gss::ChannelBindings;
/// // The SHA-256 of the server's certificate, as the TLS library gave it (RFC 5929 4.1).
/// let bindings = ChannelBindings::tls_server_end_point_hash(&[0x5a; 32]);
/// assert!(bindings.application_data.starts_with(b"tls-server-end-point:"));
/// assert_eq!(bindings.md5().len(), 16); // what the Kerberos checksum and NTLM carry
/// ```
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

/// What an acceptor does with the initiator's channel bindings: IIS's Extended Protection
/// settings (`tokenChecking` Require / Allow / None), applied alike by NTLM
/// (`MsvAvChannelBindings`, MS-NLMP 3.2.5.1.2), Kerberos (the `Bnd` field of the authenticator
/// checksum, RFC 4121 4.1.1.2) and so by Negotiate.
///
/// An initiator that has no bindings sends sixteen zero bytes (or, in NTLM, no
/// `MsvAvChannelBindings` at all): that is "absent". Bindings that are present must always
/// match the acceptor's, except under [`ChannelBindingPolicy::Off`].
///
/// ```
/// use sesame_gss::{BindingsRefusal, ChannelBindingPolicy, ChannelBindings};
/// let ours = ChannelBindings::tls_server_end_point_hash(&[1; 32]);
/// let theirs = ChannelBindings::tls_server_end_point_hash(&[2; 32]);
/// let when_present = ChannelBindingPolicy::parse("when-present").unwrap();
/// assert_eq!(when_present.check(Some(&ours), Some(&ours.md5()[..])), Ok(()));
/// assert_eq!(
///     when_present.check(Some(&ours), Some(&theirs.md5()[..])),
///     Err(BindingsRefusal::Mismatch)
/// );
/// assert_eq!(when_present.check(Some(&ours), None), Ok(())); // an older client
/// assert_eq!(
///     ChannelBindingPolicy::Required.check(Some(&ours), None),
///     Err(BindingsRefusal::Missing)
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChannelBindingPolicy {
    /// The initiator must send bindings, and they must match the acceptor's. With no bindings
    /// of its own, the acceptor refuses every initiator (it cannot check what it requires).
    Required,
    /// Bindings sent must match; an initiator that sends none (an older client, a proxy that
    /// terminates TLS) is accepted. IIS's "Allow", and Sesame's default.
    #[default]
    WhenPresent,
    /// Bindings are not looked at.
    Off,
}

/// Why the initiator's channel bindings were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum BindingsRefusal {
    /// The initiator sent bindings of another channel (a relayed or man-in-the-middle token).
    #[error("the initiator's channel bindings are of another channel")]
    Mismatch,
    /// The policy requires bindings and the initiator sent none.
    #[error("channel bindings are required and the initiator sent none")]
    Missing,
    /// The policy requires bindings and the acceptor was given none to check against.
    #[error("channel bindings are required but the acceptor has none of its own to compare")]
    AcceptorHasNone,
}

impl ChannelBindingPolicy {
    /// Parses `required`, `when-present` or `off`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "required" => Some(Self::Required),
            "when-present" => Some(Self::WhenPresent),
            "off" => Some(Self::Off),
            _ => None,
        }
    }

    /// Checks `sent`, the MD5 the initiator put on the wire (`None` or all zeros when it sent
    /// none), against `ours`, the acceptor's channel. The comparison is in constant time.
    pub fn check(
        self,
        ours: Option<&ChannelBindings>,
        sent: Option<&[u8]>,
    ) -> Result<(), BindingsRefusal> {
        use subtle::ConstantTimeEq as _;
        if self == Self::Off {
            return Ok(());
        }
        let sent = sent.filter(|s| s.iter().any(|b| *b != 0));
        match (ours, sent) {
            (Some(ours), Some(sent)) => {
                if bool::from(ours.md5().ct_eq(sent)) {
                    Ok(())
                } else {
                    Err(BindingsRefusal::Mismatch)
                }
            }
            (None, _) if self == Self::Required => Err(BindingsRefusal::AcceptorHasNone),
            (_, None) if self == Self::Required => Err(BindingsRefusal::Missing),
            // When present, with nothing of our own to compare: as MIT with
            // GSS_C_NO_CHANNEL_BINDINGS, the initiator's are not checked.
            _ => Ok(()),
        }
    }
}

impl core::fmt::Display for ChannelBindingPolicy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Required => "required",
            Self::WhenPresent => "when-present",
            Self::Off => "off",
        })
    }
}

/// Why the certificate could not be used for `tls-server-end-point`.
#[cfg(feature = "x509")]
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
    /// when the algorithm names no hash, as for Ed25519). Feature `x509` (it parses the
    /// certificate with rasn; without it, [`ChannelBindings::tls_server_end_point_hash`] takes
    /// a hash computed elsewhere).
    #[cfg(feature = "x509")]
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

    /// `tls-server-end-point` from the certificate's hash, already computed with the hash
    /// function RFC 5929 4.1 names (SHA-256 for MD5, SHA-1 and hashless signatures).
    pub fn tls_server_end_point_hash(hash: &[u8]) -> Self {
        let mut data = b"tls-server-end-point:".to_vec();
        data.extend_from_slice(hash);
        Self::from_application_data(data)
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

#[cfg(feature = "x509")]
use x509::{AlgorithmIdentifier, Certificate, PssParams};

/// The few X.509 types needed to find a certificate's signature hash.
#[cfg(feature = "x509")]
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

#[cfg(feature = "x509")]
enum EndPointHash {
    Sha256,
    Sha384,
    Sha512,
}

#[cfg(feature = "x509")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_decides_from_what_was_sent() {
        use ChannelBindingPolicy::{Off, Required, WhenPresent};
        let ours = ChannelBindings::from_application_data(b"tls-server-end-point:A".to_vec());
        let other = ChannelBindings::from_application_data(b"tls-server-end-point:B".to_vec());
        let (right, wrong, zero) = (ours.md5(), other.md5(), [0u8; 16]);
        for (policy, sent, expected) in [
            (Required, Some(&right[..]), Ok(())),
            (Required, Some(&wrong[..]), Err(BindingsRefusal::Mismatch)),
            (Required, Some(&zero[..]), Err(BindingsRefusal::Missing)),
            (Required, None, Err(BindingsRefusal::Missing)),
            (WhenPresent, Some(&right[..]), Ok(())),
            (
                WhenPresent,
                Some(&wrong[..]),
                Err(BindingsRefusal::Mismatch),
            ),
            (WhenPresent, Some(&zero[..]), Ok(())),
            (WhenPresent, None, Ok(())),
            (Off, Some(&wrong[..]), Ok(())),
            (Off, None, Ok(())),
        ] {
            assert_eq!(
                policy.check(Some(&ours), sent),
                expected,
                "{policy} {sent:?}"
            );
        }
        assert_eq!(
            Required.check(None, Some(&right[..])),
            Err(BindingsRefusal::AcceptorHasNone)
        );
        assert_eq!(WhenPresent.check(None, Some(&wrong[..])), Ok(()));
    }

    #[test]
    fn policy_names_round_trip() {
        for p in [
            ChannelBindingPolicy::Required,
            ChannelBindingPolicy::WhenPresent,
            ChannelBindingPolicy::Off,
        ] {
            assert_eq!(ChannelBindingPolicy::parse(&p.to_string()), Some(p));
        }
        assert_eq!(ChannelBindingPolicy::parse("sometimes"), None);
    }
}
