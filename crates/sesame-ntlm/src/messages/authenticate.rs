//! AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3).

use super::{Builder, Version, from_utf16le, read_field, read_u32, to_utf16le};
use crate::{NegotiateFlags, NtlmError};

/// Offset of the MIC: after the 64-byte header and the 8-byte version.
pub(crate) const MIC_OFFSET: usize = 72;

/// The client's proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticate {
    /// LmChallengeResponse (NTLMv2: 24 bytes, zero when the server sent a timestamp).
    pub lm_response: Vec<u8>,
    /// NtChallengeResponse (NTLMv2: NTProofStr followed by the client blob).
    pub nt_response: Vec<u8>,
    /// The user's domain.
    pub domain: String,
    /// The user name.
    pub user: String,
    /// The client's workstation name.
    pub workstation: String,
    /// The session key encrypted with the key-exchange key (`KEY_EXCH`).
    pub encrypted_session_key: Vec<u8>,
    /// Negotiated flags.
    pub flags: NegotiateFlags,
    /// The version.
    pub version: Option<Version>,
    /// The MIC, when the message has room for one (payload starts at byte 88 or later).
    pub mic: Option<[u8; 16]>,
}

impl Authenticate {
    /// Parses the message. Strings are UTF-16LE when `UNICODE` is set, else OEM (taken as
    /// Latin-1).
    pub fn parse(b: &[u8]) -> Result<Self, NtlmError> {
        if super::message_type(b)? != 3 {
            return Err(NtlmError::UnexpectedMessage { expected: 3 });
        }
        let (lm, lm_off) = read_field(b, 12, "LM response")?;
        let (nt, nt_off) = read_field(b, 20, "NT response")?;
        let (domain, d_off) = read_field(b, 28, "domain")?;
        let (user, u_off) = read_field(b, 36, "user")?;
        let (workstation, w_off) = read_field(b, 44, "workstation")?;
        let (key, k_off) = read_field(b, 52, "session key")?;
        let flags = NegotiateFlags(read_u32(b, 60)?);
        let text = |bytes: &[u8]| {
            if flags.contains(NegotiateFlags::UNICODE) {
                from_utf16le(bytes)
            } else {
                bytes.iter().map(|c| char::from(*c)).collect()
            }
        };
        // Where the payload begins tells whether there is room for the version and the MIC.
        let payload_start = [
            (lm, lm_off),
            (nt, nt_off),
            (domain, d_off),
            (user, u_off),
            (workstation, w_off),
            (key, k_off),
        ]
        .iter()
        .filter(|(v, _)| !v.is_empty())
        .map(|(_, o)| *o)
        .min()
        .unwrap_or(b.len());
        let version = if payload_start >= MIC_OFFSET {
            Some(Version::parse(&b[64..])?)
        } else {
            None
        };
        let mic = if payload_start >= MIC_OFFSET + 16 {
            b.get(MIC_OFFSET..MIC_OFFSET + 16)
                .and_then(|m| m.try_into().ok())
        } else {
            None
        };
        Ok(Self {
            lm_response: lm.to_vec(),
            nt_response: nt.to_vec(),
            domain: text(domain),
            user: text(user),
            workstation: text(workstation),
            encrypted_session_key: key.to_vec(),
            flags,
            version,
            mic,
        })
    }

    /// Encodes the message: 72 fixed bytes with the version, 16 more for the MIC when `mic` is
    /// set (a MIC to be computed later is `Some([0; 16])`),
    /// then domain, user, workstation, LM response, NT response, session key as Windows lays
    /// them out. Strings are UTF-16LE.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (domain, user, workstation) = (
            to_utf16le(&self.domain),
            to_utf16le(&self.user),
            to_utf16le(&self.workstation),
        );
        let fields: [&[u8]; 6] = [
            &domain,
            &user,
            &workstation,
            &self.lm_response,
            &self.nt_response,
            &self.encrypted_session_key,
        ];
        let mut offsets = [0usize; 6];
        let mut at = 0;
        for (o, f) in offsets.iter_mut().zip(&fields) {
            *o = at;
            at += f.len();
        }
        let mic_room = if self.mic.is_some() { 16 } else { 0 };
        let mut m = Builder::new(3, MIC_OFFSET + mic_room);
        // Fixed-field order: LM, NT, domain, user, workstation, session key.
        for i in [3, 4, 0, 1, 2, 5] {
            m.field_at(fields[i].len(), offsets[i]);
        }
        m.u32(self.flags.0);
        m.raw(&self.version.unwrap_or(Version::SESAME).to_bytes());
        if let Some(mic) = &self.mic {
            m.raw(mic);
        }
        for f in &fields {
            m.payload(f);
        }
        m.finish()
    }
}
