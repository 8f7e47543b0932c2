//! S4U_DELEGATION_INFO (MS-PAC 2.9): in a ticket obtained by S4U2Proxy, the service the
//! delegation was for and the services it went through.

use crate::PacError;
use crate::ndr::Reader;

/// The constrained delegation information buffer (PAC type 11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegationInfo {
    /// The SPN the S4U2Proxy request asked for.
    pub s4u2proxy_target: String,
    /// The services (principals) that delegated, in order.
    pub transited_services: Vec<String>,
}

/// More transited services than this is not a real PAC.
const MAX_TRANSITED: usize = 1024;

impl DelegationInfo {
    /// The type serialization headers, the top-level pointer, the structure (target string,
    /// count, pointer to the array), then the deferred target buffer, the array of string
    /// headers and their buffers.
    pub fn decode(buffer: &[u8]) -> Result<Self, PacError> {
        let mut r = Reader::serialized(buffer)?;
        if !r.pointer()? {
            return Err(PacError::Invalid("delegation info is a null pointer"));
        }
        let target = r.unicode_header()?;
        let count = usize::try_from(r.u32()?).unwrap_or(usize::MAX);
        let has_list = r.pointer()?;
        let s4u2proxy_target = r.unicode_buffer(target)?;
        let mut transited_services = Vec::new();
        if has_list {
            let n = r.count(8)?;
            if n != count || n > MAX_TRANSITED {
                return Err(PacError::Invalid("TransitedListSize"));
            }
            let headers = (0..n)
                .map(|_| r.unicode_header())
                .collect::<Result<Vec<_>, _>>()?;
            for h in headers {
                transited_services.push(r.unicode_buffer(h)?);
            }
        } else if count != 0 {
            return Err(PacError::Invalid("TransitedListSize without a list"));
        }
        Ok(Self {
            s4u2proxy_target,
            transited_services,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// The NDR of MS-PAC 2.9's structure, written here field by field.
    fn encoded(target: &str, transited: &[&str]) -> Vec<u8> {
        let mut body = vec![0, 0, 2, 0]; // top-level referent
        let string_header = |b: &mut Vec<u8>, s: &str, referent: u32| {
            let len = u16::try_from(s.len() * 2).unwrap();
            b.extend_from_slice(&len.to_le_bytes());
            b.extend_from_slice(&len.to_le_bytes());
            b.extend_from_slice(&referent.to_le_bytes());
        };
        let string_buffer = |b: &mut Vec<u8>, s: &str| {
            let n = u32::try_from(s.len()).unwrap();
            b.extend_from_slice(&n.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            b.extend_from_slice(&n.to_le_bytes());
            b.extend_from_slice(&utf16(s));
            while !b.len().is_multiple_of(4) {
                b.push(0);
            }
        };
        string_header(&mut body, target, 0x0002_0004);
        body.extend_from_slice(&u32::try_from(transited.len()).unwrap().to_le_bytes());
        body.extend_from_slice(&0x0002_0008u32.to_le_bytes());
        string_buffer(&mut body, target);
        body.extend_from_slice(&u32::try_from(transited.len()).unwrap().to_le_bytes());
        for (i, t) in transited.iter().enumerate() {
            string_header(&mut body, t, 0x0002_000c + 4 * u32::try_from(i).unwrap());
        }
        for t in transited {
            string_buffer(&mut body, t);
        }
        let mut out = vec![1, 0x10, 8, 0, 0xcc, 0xcc, 0xcc, 0xcc];
        out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn target_and_transited_services() {
        let bytes = encoded("cifs/dc1", &["svc1@SAMBA.TEST", "web@SAMBA.TEST"]);
        let info = DelegationInfo::decode(&bytes).unwrap();
        assert_eq!(info.s4u2proxy_target, "cifs/dc1");
        assert_eq!(
            info.transited_services,
            ["svc1@SAMBA.TEST", "web@SAMBA.TEST"]
        );
        for len in 0..bytes.len() {
            assert!(DelegationInfo::decode(&bytes[..len]).is_err(), "{len}");
        }
    }
}
