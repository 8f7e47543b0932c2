//! The Privilege Attribute Certificate (MS-PAC 2.3-2.8) as far as an acceptor needs it: find it
//! in a ticket's authorization data, list its buffers, and verify the server signature with the
//! service's key. The PAC itself is handed to the caller as bytes.

use sesame_asn1::Der;
use sesame_asn1::kerberos::constants::ad_type;
use sesame_asn1::kerberos::{AuthorizationData, AuthorizationDataEntry};

use crate::crypto::{CryptoError, Key};
use crate::error::KerberosError;
use crate::key_usage;

/// PAC_INFO_BUFFER type of the server signature.
pub const SERVER_CHECKSUM: u32 = 6;
/// PAC_INFO_BUFFER type of the KDC (privilege server) signature.
pub const PRIVSVR_CHECKSUM: u32 = 7;

/// A parsed PAC: its bytes and where each buffer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pac {
    bytes: Vec<u8>,
    buffers: Vec<(u32, usize, usize)>,
}

impl Pac {
    /// Parses a PACTYPE (MS-PAC 2.3): `cBuffers`, `Version` 0, then 16-byte PAC_INFO_BUFFERs
    /// whose buffers lie within the PAC.
    pub fn parse(bytes: &[u8]) -> Result<Self, KerberosError> {
        let bad = |why| KerberosError::Protocol(why);
        let u32_at = |at: usize| -> Option<u32> {
            bytes
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
        };
        let count = u32_at(0).ok_or(bad("PAC shorter than its header"))?;
        if u32_at(4) != Some(0) {
            return Err(bad("PAC version is not 0"));
        }
        let count = usize::try_from(count).map_err(|_| bad("PAC buffer count"))?;
        if count > 64 {
            return Err(bad("PAC has more than 64 buffers"));
        }
        let mut buffers = Vec::with_capacity(count);
        for i in 0..count {
            let at = 8 + 16 * i;
            let (Some(kind), Some(size)) = (u32_at(at), u32_at(at + 4)) else {
                return Err(bad("PAC_INFO_BUFFER truncated"));
            };
            let offset = bytes
                .get(at + 8..at + 16)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .ok_or(bad("PAC_INFO_BUFFER truncated"))?;
            let offset = usize::try_from(offset).map_err(|_| bad("PAC buffer offset"))?;
            let size = usize::try_from(size).map_err(|_| bad("PAC buffer size"))?;
            if offset.checked_add(size).is_none_or(|end| end > bytes.len()) {
                return Err(bad("PAC buffer beyond the PAC"));
            }
            buffers.push((kind, offset, size));
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            buffers,
        })
    }

    /// The PAC's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The first buffer of `kind`.
    pub fn buffer(&self, kind: u32) -> Option<&[u8]> {
        self.buffers
            .iter()
            .find(|(k, _, _)| *k == kind)
            .and_then(|(_, o, s)| self.bytes.get(*o..o + s))
    }

    /// The buffer types, in order.
    pub fn buffer_types(&self) -> Vec<u32> {
        self.buffers.iter().map(|(k, _, _)| *k).collect()
    }

    /// Verifies the server signature (MS-PAC 2.8.1) with the key that decrypted the ticket:
    /// the keyed checksum of the PAC with both signature fields zeroed.
    pub fn verify_server_signature(&self, service_key: &Key) -> Result<(), KerberosError> {
        let (_, offset, size) = *self
            .buffers
            .iter()
            .find(|(k, _, _)| *k == SERVER_CHECKSUM)
            .ok_or(KerberosError::Protocol("PAC has no server signature"))?;
        let expected_type = service_key.enctype().checksum_type();
        let sig = self
            .bytes
            .get(offset..offset + size)
            .ok_or(KerberosError::Protocol("PAC server signature truncated"))?;
        let (kind, value) = sig
            .split_first_chunk::<4>()
            .ok_or(KerberosError::Protocol("PAC server signature truncated"))?;
        if i32::from_le_bytes(*kind) != expected_type {
            return Err(KerberosError::Protocol(
                "PAC server signature type differs from the service key's checksum",
            ));
        }
        let mac_len = service_key.enctype().mac_len();
        let value = value
            .get(..mac_len)
            .ok_or(KerberosError::Protocol("PAC server signature truncated"))?;
        let zeroed = self.zeroed_signatures();
        service_key
            .usage(key_usage::PAC_CHECKSUM)
            .verify_checksum(&zeroed, value)
            .map_err(|e| match e {
                CryptoError::ChecksumMismatch => {
                    KerberosError::Protocol("PAC server signature does not verify")
                }
                other => other.into(),
            })
    }

    /// The PAC with the signature bytes of the server and KDC signatures set to zero.
    fn zeroed_signatures(&self) -> Vec<u8> {
        let mut copy = self.bytes.clone();
        for (kind, offset, size) in &self.buffers {
            if matches!(*kind, SERVER_CHECKSUM | PRIVSVR_CHECKSUM)
                && *size > 4
                && let Some(s) = copy.get_mut(offset + 4..offset + size)
            {
                s.fill(0);
            }
        }
        copy
    }

    /// Builds and signs a PAC from `buffers` (for test KDCs): appends server and KDC
    /// signature buffers and fills them as MS-PAC 2.8 says.
    pub fn build_signed(
        buffers: &[(u32, Vec<u8>)],
        server_key: &Key,
        kdc_key: &Key,
    ) -> Result<Self, KerberosError> {
        let sig_buffer = |key: &Key| {
            let mut b = key.enctype().checksum_type().to_le_bytes().to_vec();
            b.resize(4 + key.enctype().mac_len(), 0);
            b
        };
        let mut all: Vec<(u32, Vec<u8>)> = buffers.to_vec();
        all.push((SERVER_CHECKSUM, sig_buffer(server_key)));
        all.push((PRIVSVR_CHECKSUM, sig_buffer(kdc_key)));
        let count = all.len();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::try_from(count).unwrap_or(0).to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        let mut offset = (8 + 16 * count).next_multiple_of(8);
        let mut layout = Vec::new();
        for (kind, data) in &all {
            bytes.extend_from_slice(&kind.to_le_bytes());
            bytes.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_le_bytes());
            bytes.extend_from_slice(&(offset as u64).to_le_bytes());
            layout.push((*kind, offset, data.len()));
            offset = (offset + data.len()).next_multiple_of(8);
        }
        for (_, data) in &all {
            bytes.resize(bytes.len().next_multiple_of(8), 0);
            bytes.extend_from_slice(data);
        }
        bytes.resize(bytes.len().next_multiple_of(8), 0);
        let mut pac = Self {
            bytes,
            buffers: layout,
        };
        let server_sig = server_key
            .usage(key_usage::PAC_CHECKSUM)
            .checksum(&pac.zeroed_signatures());
        pac.fill(SERVER_CHECKSUM, &server_sig);
        let kdc_sig = kdc_key.usage(key_usage::PAC_CHECKSUM).checksum(&server_sig);
        pac.fill(PRIVSVR_CHECKSUM, &kdc_sig);
        Ok(pac)
    }

    fn fill(&mut self, kind: u32, signature: &[u8]) {
        if let Some((_, offset, _)) = self.buffers.iter().find(|(k, _, _)| *k == kind)
            && let Some(s) = self.bytes.get_mut(offset + 4..offset + 4 + signature.len())
        {
            s.copy_from_slice(signature);
        }
    }
}

/// The PAC inside authorization data: AD-WIN2K-PAC, directly or within AD-IF-RELEVANT.
pub fn find_pac(authorization_data: &[AuthorizationDataEntry]) -> Option<Vec<u8>> {
    for entry in authorization_data {
        match entry.ad_type {
            ad_type::WIN2K_PAC => return Some(entry.ad_data.to_vec()),
            ad_type::IF_RELEVANT => {
                if let Ok(inner) = AuthorizationData::from_der(&entry.ad_data)
                    && let Some(pac) = find_pac(&inner)
                {
                    return Some(pac);
                }
            }
            _ => {}
        }
    }
    None
}

/// Authorization data carrying `pac` as MS-KILE 3.3.5.7.2 says: AD-IF-RELEVANT around
/// AD-WIN2K-PAC.
pub fn pac_authorization_data(pac: &Pac) -> Result<AuthorizationData, KerberosError> {
    if_relevant(ad_type::WIN2K_PAC, pac.as_bytes().to_vec())
}

/// One element of type `kind` inside an AD-IF-RELEVANT element (RFC 4120 5.2.6.1), where
/// MS-KILE puts what a peer that does not know it may ignore.
pub fn if_relevant(kind: i32, data: Vec<u8>) -> Result<AuthorizationData, KerberosError> {
    let inner: AuthorizationData = vec![AuthorizationDataEntry {
        ad_type: kind,
        ad_data: data.into(),
    }];
    Ok(vec![AuthorizationDataEntry {
        ad_type: ad_type::IF_RELEVANT,
        ad_data: inner
            .to_der()
            .map_err(KerberosError::decode("AD-IF-RELEVANT"))?
            .into(),
    }])
}
