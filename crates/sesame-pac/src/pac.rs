//! PACTYPE (MS-PAC 2.3, 2.4): the buffer list, and every buffer an acceptor reads, decoded.

use crate::{
    AttributesInfo, ClientInfo, DelegationInfo, LogonInfo, PacError, Sid, Signature, UpnDnsInfo,
    buffer_type,
};

/// The most buffers a PAC may list (Windows issues fewer than 16).
const MAX_BUFFERS: usize = 64;

/// One PAC_INFO_BUFFER: a type and where its bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InfoBuffer {
    /// The ulType (see [`buffer_type`]).
    pub kind: u32,
    /// Offset of the buffer from the PAC's start.
    pub offset: usize,
    /// Its size in bytes.
    pub size: usize,
}

/// A PAC with its known buffers decoded. The bytes are kept: signatures cover them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pac {
    bytes: Vec<u8>,
    buffers: Vec<InfoBuffer>,
    /// KERB_VALIDATION_INFO (type 1).
    pub logon_info: Option<LogonInfo>,
    /// PAC_CLIENT_INFO (type 10).
    pub client_info: Option<ClientInfo>,
    /// UPN_DNS_INFO (type 12).
    pub upn_dns_info: Option<UpnDnsInfo>,
    /// S4U_DELEGATION_INFO (type 11), in tickets obtained by S4U2Proxy.
    pub delegation_info: Option<DelegationInfo>,
    /// PAC_ATTRIBUTES_INFO (type 17).
    pub attributes_info: Option<AttributesInfo>,
    /// PAC_REQUESTOR (type 18): the SID of the client that asked for the TGT.
    pub requestor: Option<Sid>,
    /// The server signature (type 6).
    pub server_signature: Option<Signature>,
    /// The KDC signature (type 7).
    pub kdc_signature: Option<Signature>,
    /// The ticket signature (type 16).
    pub ticket_signature: Option<Signature>,
    /// The extended KDC (full PAC) signature (type 19).
    pub full_signature: Option<Signature>,
}

impl Pac {
    /// Parses a PACTYPE: `cBuffers`, `Version` 0, 16-byte PAC_INFO_BUFFERs whose buffers lie
    /// within the PAC, then decodes each known buffer; a known type listed twice is refused
    /// (which one would count?). Unknown types are kept as bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, PacError> {
        let word = |at: usize| {
            bytes
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or(PacError::Truncated("PAC header"))
        };
        let count = usize::try_from(word(0)?).unwrap_or(usize::MAX);
        if word(4)? != 0 {
            return Err(PacError::Invalid("PAC version is not 0"));
        }
        if count > MAX_BUFFERS {
            return Err(PacError::Invalid("PAC lists more than 64 buffers"));
        }
        let mut buffers = Vec::with_capacity(count);
        for i in 0..count {
            let at = 8 + 16 * i;
            let kind = word(at)?;
            let size = usize::try_from(word(at + 4)?).unwrap_or(usize::MAX);
            let offset = bytes
                .get(at + 8..at + 16)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .ok_or(PacError::Truncated("PAC_INFO_BUFFER"))?;
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
            if offset.checked_add(size).is_none_or(|end| end > bytes.len()) {
                return Err(PacError::Invalid("PAC buffer beyond the PAC"));
            }
            if buffer_type::KNOWN.contains(&kind)
                && buffers.iter().any(|b: &InfoBuffer| b.kind == kind)
            {
                return Err(PacError::Duplicate(kind));
            }
            buffers.push(InfoBuffer { kind, offset, size });
        }
        let mut pac = Self {
            bytes: bytes.to_vec(),
            buffers,
            logon_info: None,
            client_info: None,
            upn_dns_info: None,
            delegation_info: None,
            attributes_info: None,
            requestor: None,
            server_signature: None,
            kdc_signature: None,
            ticket_signature: None,
            full_signature: None,
        };
        pac.logon_info = pac.decode_buffer(buffer_type::LOGON_INFO, LogonInfo::decode)?;
        pac.client_info = pac.decode_buffer(buffer_type::CLIENT_INFO, ClientInfo::decode)?;
        pac.upn_dns_info = pac.decode_buffer(buffer_type::UPN_DNS_INFO, UpnDnsInfo::decode)?;
        pac.delegation_info =
            pac.decode_buffer(buffer_type::DELEGATION_INFO, DelegationInfo::decode)?;
        pac.attributes_info =
            pac.decode_buffer(buffer_type::ATTRIBUTES_INFO, AttributesInfo::decode)?;
        pac.requestor = pac.decode_buffer(buffer_type::REQUESTOR, Sid::from_bytes)?;
        pac.server_signature =
            pac.decode_buffer(buffer_type::SERVER_CHECKSUM, Signature::decode)?;
        pac.kdc_signature = pac.decode_buffer(buffer_type::PRIVSVR_CHECKSUM, Signature::decode)?;
        pac.ticket_signature =
            pac.decode_buffer(buffer_type::TICKET_CHECKSUM, Signature::decode)?;
        pac.full_signature = pac.decode_buffer(buffer_type::FULL_CHECKSUM, Signature::decode)?;
        Ok(pac)
    }

    fn decode_buffer<T>(
        &self,
        kind: u32,
        decode: fn(&[u8]) -> Result<T, PacError>,
    ) -> Result<Option<T>, PacError> {
        self.buffer(kind).map(decode).transpose()
    }

    /// The PAC's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The buffer list, in order.
    pub fn buffers(&self) -> &[InfoBuffer] {
        &self.buffers
    }

    /// The bytes of the first buffer of `kind` (claims, device info and other types this
    /// crate keeps undecoded are read this way).
    pub fn buffer(&self, kind: u32) -> Option<&[u8]> {
        self.buffers
            .iter()
            .find(|b| b.kind == kind)
            .and_then(|b| self.bytes.get(b.offset..b.offset + b.size))
    }

    /// The PAC with the checksum bytes of the server and KDC signatures set to zero: what the
    /// server signature covers (MS-PAC 2.8.1).
    pub fn zeroed_signatures(&self) -> Vec<u8> {
        let mut copy = self.bytes.clone();
        for b in &self.buffers {
            if matches!(
                b.kind,
                buffer_type::SERVER_CHECKSUM | buffer_type::PRIVSVR_CHECKSUM
            ) && b.size > 4
                && let Some(s) = copy.get_mut(b.offset + 4..b.offset + b.size)
            {
                s.fill(0);
            }
        }
        copy
    }

    /// The user's SID, from the logon info.
    pub fn user_sid(&self) -> Option<Sid> {
        self.logon_info.as_ref().and_then(LogonInfo::user_sid)
    }

    /// The group SIDs the logon info grants (see [`LogonInfo::group_sids`]), or none without
    /// logon info.
    pub fn group_sids(&self) -> Vec<crate::GroupSid> {
        self.logon_info
            .as_ref()
            .map(LogonInfo::group_sids)
            .unwrap_or_default()
    }

    /// Builds a PAC from buffers, laid out as Windows does (each buffer at a multiple of 8);
    /// signature buffers must already hold their type and room for the checksum. For KDCs
    /// that issue PACs and for tests; the result is parsed back, so it is always valid.
    pub fn build(buffers: &[(u32, Vec<u8>)]) -> Result<Self, PacError> {
        let count = buffers.len();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::try_from(count).unwrap_or(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        let mut offset = (8 + 16 * count).next_multiple_of(8);
        for (kind, data) in buffers {
            bytes.extend_from_slice(&kind.to_le_bytes());
            bytes.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
            bytes.extend_from_slice(&(offset as u64).to_le_bytes());
            offset = (offset + data.len()).next_multiple_of(8);
        }
        for (_, data) in buffers {
            bytes.resize(bytes.len().next_multiple_of(8), 0);
            bytes.extend_from_slice(data);
        }
        bytes.resize(bytes.len().next_multiple_of(8), 0);
        Self::parse(&bytes)
    }

    /// Writes `checksum` into the checksum bytes of the signature buffer of `kind` (after its
    /// 4-byte type), then decodes the buffer again.
    pub fn set_signature(&mut self, kind: u32, checksum: &[u8]) -> Result<(), PacError> {
        let b = *self
            .buffers
            .iter()
            .find(|b| b.kind == kind)
            .ok_or(PacError::Invalid("no such signature buffer"))?;
        if checksum.len() + 4 > b.size {
            return Err(PacError::Invalid("checksum longer than its buffer"));
        }
        self.bytes[b.offset + 4..b.offset + 4 + checksum.len()].copy_from_slice(checksum);
        let decoded = Some(Signature::decode(&self.bytes[b.offset..b.offset + b.size])?);
        match kind {
            buffer_type::SERVER_CHECKSUM => self.server_signature = decoded,
            buffer_type::PRIVSVR_CHECKSUM => self.kdc_signature = decoded,
            buffer_type::TICKET_CHECKSUM => self.ticket_signature = decoded,
            buffer_type::FULL_CHECKSUM => self.full_signature = decoded,
            _ => return Err(PacError::Invalid("not a signature buffer")),
        }
        Ok(())
    }
}
