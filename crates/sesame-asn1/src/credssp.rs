//! CredSSP (MS-CSSP 2.2.1): the messages an RDP client and server (network level
//! authentication) or a WinRM CredSSP session exchange inside TLS.
//!
//! The module is `DEFINITIONS EXPLICIT TAGS`. A [`TsRequest`] carries the SPNEGO tokens
//! (`negoTokens`), the binding of the TLS server's public key (`pubKeyAuth`), and finally the
//! encrypted [`TsCredentials`] (`authInfo`). Names and passwords in the credential structures are
//! UTF-16LE in OCTET STRINGs; passwords and PINs are [`SecretOctets`]: wiped on drop, never
//! printed by `Debug`.

use rasn::prelude::*;

use crate::kerberos::SecretOctets;

/// `TSRequest ::= SEQUENCE { version [0] INTEGER, negoTokens [1] NegoData OPTIONAL, authInfo [2]
/// OCTET STRING OPTIONAL, pubKeyAuth [3] OCTET STRING OPTIONAL, errorCode [4] INTEGER OPTIONAL,
/// clientNonce [5] OCTET STRING OPTIONAL }` (MS-CSSP 2.2.1; `errorCode` from version 3,
/// `clientNonce` from version 5).
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsRequest {
    /// The protocol version the sender supports (2 to 6).
    #[rasn(tag(explicit(0)))]
    pub version: u32,
    /// SPNEGO (or raw NTLM) tokens.
    #[rasn(tag(explicit(1)))]
    pub nego_tokens: Option<NegoData>,
    /// The encrypted TSCredentials.
    #[rasn(tag(explicit(2)))]
    pub auth_info: Option<OctetString>,
    /// The encrypted public key of the TLS server, or (version 5+) its hash.
    #[rasn(tag(explicit(3)))]
    pub pub_key_auth: Option<OctetString>,
    /// An NTSTATUS the server reports (version 3+); a signed 32-bit value on the wire.
    #[rasn(tag(explicit(4)))]
    pub error_code: Option<i64>,
    /// 32 random bytes that bind the public-key hash (version 5+).
    #[rasn(tag(explicit(5)))]
    pub client_nonce: Option<OctetString>,
}

impl TsRequest {
    /// `errorCode` as the NTSTATUS it is (`0xC000006D`, not -1073741715); `None` when absent
    /// or outside 32 bits.
    pub fn ntstatus(&self) -> Option<u32> {
        let code = i32::try_from(self.error_code?).ok()?;
        Some(u32::from_ne_bytes(code.to_ne_bytes()))
    }
}

/// `NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }`.
pub type NegoData = SequenceOf<NegoToken>;

/// One element of [`NegoData`].
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct NegoToken {
    /// The token.
    #[rasn(tag(explicit(0)))]
    pub nego_token: OctetString,
}

/// `TSCredentials ::= SEQUENCE { credType [0] INTEGER, credentials [1] OCTET STRING }`: the
/// credentials are the DER of the structure `credType` names ([`cred_type`]).
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsCredentials {
    /// [`cred_type::PASSWORD`], [`cred_type::SMART_CARD`] or [`cred_type::REMOTE_GUARD`].
    #[rasn(tag(explicit(0)))]
    pub cred_type: u32,
    /// The DER of the credentials (secret: wiped on drop).
    #[rasn(tag(explicit(1)))]
    pub credentials: SecretOctets,
}

/// The `credType` values (MS-CSSP 2.2.1.2).
pub mod cred_type {
    /// TSPasswordCreds.
    pub const PASSWORD: u32 = 1;
    /// TSSmartCardCreds.
    pub const SMART_CARD: u32 = 2;
    /// TSRemoteGuardCreds.
    pub const REMOTE_GUARD: u32 = 6;
}

/// `TSPasswordCreds ::= SEQUENCE { domainName [0] OCTET STRING, userName [1] OCTET STRING,
/// password [2] OCTET STRING }`, UTF-16LE; all three empty for restricted admin mode.
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsPasswordCreds {
    /// The domain, UTF-16LE.
    #[rasn(tag(explicit(0)))]
    pub domain_name: OctetString,
    /// The user name, UTF-16LE.
    #[rasn(tag(explicit(1)))]
    pub user_name: OctetString,
    /// The password, UTF-16LE.
    #[rasn(tag(explicit(2)))]
    pub password: SecretOctets,
}

/// `TSSmartCardCreds ::= SEQUENCE { pin [0] OCTET STRING, cspData [1] TSCspDataDetail, userHint
/// [2] OCTET STRING OPTIONAL, domainHint [3] OCTET STRING OPTIONAL }`.
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsSmartCardCreds {
    /// The PIN, UTF-16LE.
    #[rasn(tag(explicit(0)))]
    pub pin: SecretOctets,
    /// Which card and key.
    #[rasn(tag(explicit(1)))]
    pub csp_data: TsCspDataDetail,
    /// The user, UTF-16LE.
    #[rasn(tag(explicit(2)))]
    pub user_hint: Option<OctetString>,
    /// The domain, UTF-16LE.
    #[rasn(tag(explicit(3)))]
    pub domain_hint: Option<OctetString>,
}

/// `TSCspDataDetail ::= SEQUENCE { keySpec [0] INTEGER, cardName [1] OCTET STRING OPTIONAL,
/// readerName [2] ..., containerName [3] ..., cspName [4] ... }`.
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsCspDataDetail {
    /// AT_KEYEXCHANGE (1) or AT_SIGNATURE (2).
    #[rasn(tag(explicit(0)))]
    pub key_spec: u32,
    /// The card's name, UTF-16LE.
    #[rasn(tag(explicit(1)))]
    pub card_name: Option<OctetString>,
    /// The reader's name, UTF-16LE.
    #[rasn(tag(explicit(2)))]
    pub reader_name: Option<OctetString>,
    /// The key container, UTF-16LE.
    #[rasn(tag(explicit(3)))]
    pub container_name: Option<OctetString>,
    /// The cryptographic service provider, UTF-16LE.
    #[rasn(tag(explicit(4)))]
    pub csp_name: Option<OctetString>,
}

/// `TSRemoteGuardCreds ::= SEQUENCE { logonCred [0] TSRemoteGuardPackageCred,
/// supplementalCreds [1] SEQUENCE OF TSRemoteGuardPackageCred OPTIONAL }` (Remote Credential
/// Guard).
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsRemoteGuardCreds {
    /// The logon package's credential (Kerberos).
    #[rasn(tag(explicit(0)))]
    pub logon_cred: TsRemoteGuardPackageCred,
    /// Further packages' credentials (NTLM).
    #[rasn(tag(explicit(1)))]
    pub supplemental_creds: Option<SequenceOf<TsRemoteGuardPackageCred>>,
}

/// `TSRemoteGuardPackageCred ::= SEQUENCE { packageName [0] OCTET STRING, credBuffer [1] OCTET
/// STRING }`.
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct TsRemoteGuardPackageCred {
    /// The package, UTF-16LE (`Kerberos`, `NTLM`).
    #[rasn(tag(explicit(0)))]
    pub package_name: OctetString,
    /// The package's credential buffer (secret).
    #[rasn(tag(explicit(1)))]
    pub cred_buffer: SecretOctets,
}

/// UTF-16LE of `s`, as the credential structures hold names.
pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The text of UTF-16LE `bytes`; `None` for an odd length or unpaired surrogates.
pub fn from_utf16le(bytes: &[u8]) -> Option<String> {
    let (units, rest) = bytes.as_chunks::<2>();
    if !rest.is_empty() {
        return None;
    }
    char::decode_utf16(units.iter().map(|u| u16::from_le_bytes(*u)))
        .collect::<Result<String, _>>()
        .ok()
}

/// The SubjectPublicKey of an X.509 certificate (RFC 5280 4.1: the BIT STRING inside
/// tbsCertificate's subjectPublicKeyInfo, e.g. the DER RSAPublicKey): what CredSSP's
/// pubKeyAuth binds (MS-CSSP 3.1.5). Only the structure around it is read.
pub fn subject_public_key(certificate: &[u8]) -> Result<Vec<u8>, crate::Error> {
    let cert: x509::Certificate = crate::Der::from_der(certificate)?;
    Ok(cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .as_raw_slice()
        .to_vec())
}

mod x509 {
    // rasn's derive output trips these pedantic lints.
    #![allow(clippy::no_effect_underscore_binding, clippy::struct_field_names)]
    use rasn::prelude::*;

    /// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`.
    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
    pub(super) struct Certificate {
        pub tbs_certificate: TbsCertificate,
        pub signature_algorithm: Any,
        pub signature_value: BitString,
    }

    /// `TBSCertificate` (RFC 5280 4.1), the fields around the key kept opaque.
    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
    pub(super) struct TbsCertificate {
        #[rasn(tag(explicit(0)))]
        pub version: Option<Integer>,
        pub serial_number: Integer,
        pub signature: Any,
        pub issuer: Any,
        pub validity: Any,
        pub subject: Any,
        pub subject_public_key_info: SubjectPublicKeyInfo,
        #[rasn(tag(1))]
        pub issuer_unique_id: Option<BitString>,
        #[rasn(tag(2))]
        pub subject_unique_id: Option<BitString>,
        #[rasn(tag(explicit(3)))]
        pub extensions: Option<Any>,
    }

    /// `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey
    /// BIT STRING }`.
    #[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
    pub(super) struct SubjectPublicKeyInfo {
        pub algorithm: Any,
        pub subject_public_key: BitString,
    }
}
