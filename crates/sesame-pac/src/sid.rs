//! Security identifiers (MS-DTYP 2.4.2): the binary form the PAC carries, the `S-1-5-21-...`
//! string form that administrators and ACLs use, and names for the well-known SIDs a PAC holds.

use std::fmt;
use std::str::FromStr;

use crate::PacError;

/// The most sub-authorities a SID has (MS-DTYP 2.4.2.2).
const MAX_SUB_AUTHORITIES: usize = 15;

/// A SID: revision 1, a 48-bit identifier authority, up to 15 sub-authorities.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    revision: u8,
    authority: [u8; 6],
    sub_authorities: Vec<u32>,
}

impl Sid {
    /// A SID from its parts; revision 1 and at most 15 sub-authorities.
    pub fn new(
        revision: u8,
        authority: [u8; 6],
        sub_authorities: Vec<u32>,
    ) -> Result<Self, PacError> {
        if revision != 1 {
            return Err(PacError::Invalid("SID revision is not 1"));
        }
        if sub_authorities.len() > MAX_SUB_AUTHORITIES {
            return Err(PacError::Invalid("SID has more than 15 sub-authorities"));
        }
        Ok(Self {
            revision,
            authority,
            sub_authorities,
        })
    }

    /// The binary SID (MS-DTYP 2.4.2.2), as UPN_DNS_INFO and PAC_REQUESTOR carry it: revision,
    /// count, authority (big-endian), sub-authorities (little-endian). Bytes after it are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PacError> {
        let (&[revision, count], rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(PacError::Truncated("SID"))?;
        let (authority, rest) = rest
            .split_first_chunk::<6>()
            .ok_or(PacError::Truncated("SID"))?;
        if rest.len() != usize::from(count) * 4 {
            return Err(PacError::Invalid("SID length differs from its count"));
        }
        let sub_authorities = rest
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Self::new(revision, *authority, sub_authorities)
    }

    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.revision, self.sub_count()];
        out.extend_from_slice(&self.authority);
        for s in &self.sub_authorities {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    fn sub_count(&self) -> u8 {
        // At most 15, checked at construction.
        u8::try_from(self.sub_authorities.len()).unwrap_or(u8::MAX)
    }

    /// The identifier authority as a number (5 for NT AUTHORITY).
    pub fn authority(&self) -> u64 {
        self.authority
            .iter()
            .fold(0u64, |acc, b| acc << 8 | u64::from(*b))
    }

    /// The sub-authorities, the last of a domain account's SID being its RID.
    pub fn sub_authorities(&self) -> &[u32] {
        &self.sub_authorities
    }

    /// This (domain) SID with `rid` appended: how a PAC names the user and its groups.
    pub fn with_rid(&self, rid: u32) -> Result<Self, PacError> {
        let mut sub = self.sub_authorities.clone();
        sub.push(rid);
        Self::new(self.revision, self.authority, sub)
    }

    /// The relative identifier: the last sub-authority.
    pub fn rid(&self) -> Option<u32> {
        self.sub_authorities.last().copied()
    }

    /// The SID without its last sub-authority (a domain account's domain).
    pub fn domain(&self) -> Option<Self> {
        let (_, domain) = self.sub_authorities.split_last()?;
        Some(Self {
            revision: self.revision,
            authority: self.authority,
            sub_authorities: domain.to_vec(),
        })
    }

    /// The name of a well-known SID (MS-DTYP 2.4.2.4) that may appear in a PAC, or of a
    /// well-known RID in a domain.
    pub fn well_known_name(&self) -> Option<&'static str> {
        let sub = self.sub_authorities.as_slice();
        match (self.authority(), sub) {
            (1, [0]) => Some("Everyone"),
            (18, [1]) => Some("Authentication authority asserted identity"),
            (18, [2]) => Some("Service asserted identity"),
            (18, [3]) => Some("Fresh public key identity"),
            (18, [4]) => Some("Key trust identity"),
            (18, [5]) => Some("Key property MFA"),
            (18, [6]) => Some("Key property attestation"),
            (5, [11]) => Some("Authenticated Users"),
            (5, [15]) => Some("This Organization"),
            (5, [32, 545]) => Some("BUILTIN\\Users"),
            (5, [32, 544]) => Some("BUILTIN\\Administrators"),
            (5, [64, 10]) => Some("NTLM Authentication"),
            (5, [64, 21]) => Some("Digest Authentication"),
            (5, [64, 14]) => Some("SChannel Authentication"),
            (5, [65, 1]) => Some("This Organization Certificate"),
            (5, [21, _, _, _, rid]) => match rid {
                500 => Some("Administrator"),
                501 => Some("Guest"),
                502 => Some("krbtgt"),
                512 => Some("Domain Admins"),
                513 => Some("Domain Users"),
                514 => Some("Domain Guests"),
                515 => Some("Domain Computers"),
                516 => Some("Domain Controllers"),
                517 => Some("Cert Publishers"),
                518 => Some("Schema Admins"),
                519 => Some("Enterprise Admins"),
                520 => Some("Group Policy Creator Owners"),
                521 => Some("Read-only Domain Controllers"),
                525 => Some("Protected Users"),
                572 => Some("Denied RODC Password Replication Group"),
                _ => None,
            },
            _ => None,
        }
    }
}

/// `S-1-5-21-...`: the authority in decimal below 2^32, else in hex (MS-DTYP 2.4.2.1).
impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let authority = self.authority();
        if authority < 1 << 32 {
            write!(f, "S-{}-{authority}", self.revision)?;
        } else {
            write!(f, "S-{}-0x{authority:012X}", self.revision)?;
        }
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

impl FromStr for Sid {
    type Err = PacError;

    fn from_str(s: &str) -> Result<Self, PacError> {
        let bad = PacError::Invalid("not a SID string (S-1-...)");
        let mut parts = s
            .strip_prefix("S-")
            .or_else(|| s.strip_prefix("s-"))
            .ok_or(bad.clone())?
            .split('-');
        let revision = parts
            .next()
            .and_then(|r| r.parse().ok())
            .ok_or(bad.clone())?;
        let authority = parts.next().ok_or(bad.clone())?;
        let authority = match authority
            .strip_prefix("0x")
            .or_else(|| authority.strip_prefix("0X"))
        {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => authority.parse(),
        }
        .ok()
        .filter(|a| *a < 1 << 48)
        .ok_or(bad.clone())?;
        let mut bytes = [0u8; 6];
        bytes.copy_from_slice(&authority.to_be_bytes()[2..]);
        let sub = parts
            .map(str::parse::<u32>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad)?;
        Self::new(revision, bytes, sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn string_and_binary_forms() {
        let sid: Sid = "S-1-5-21-1909418437-1594895115-1515762820-1102"
            .parse()
            .unwrap();
        let bytes = sid.to_bytes();
        assert_eq!(bytes.len(), 28);
        assert_eq!(&bytes[..8], &[1, 5, 0, 0, 0, 0, 0, 5]);
        assert_eq!(Sid::from_bytes(&bytes).unwrap(), sid);
        assert_eq!(sid.rid(), Some(1102));
        assert_eq!(
            sid.domain().unwrap().to_string(),
            "S-1-5-21-1909418437-1594895115-1515762820"
        );
        assert_eq!(
            sid.domain()
                .unwrap()
                .with_rid(513)
                .unwrap()
                .well_known_name(),
            Some("Domain Users")
        );
        assert_eq!(
            "S-1-18-1".parse::<Sid>().unwrap().well_known_name(),
            Some("Authentication authority asserted identity")
        );
        let big: Sid = "S-1-0x123456789ABC-7".parse().unwrap();
        assert_eq!(big.to_string(), "S-1-0x123456789ABC-7");
    }

    #[test]
    fn malformed_sids_are_errors() {
        for s in [
            "S-2-5-1",
            "S-1",
            "X-1-5",
            "S-1-5-x",
            "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
        ] {
            assert!(s.parse::<Sid>().is_err(), "{s}");
        }
        assert!(Sid::from_bytes(&[1, 2, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0]).is_err());
        assert!(Sid::from_bytes(&[1]).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(authority in 0u64..1 << 48, sub in proptest::collection::vec(any::<u32>(), 0..=15)) {
            let mut a = [0u8; 6];
            a.copy_from_slice(&authority.to_be_bytes()[2..]);
            let sid = Sid::new(1, a, sub).unwrap();
            prop_assert_eq!(&Sid::from_bytes(&sid.to_bytes()).unwrap(), &sid);
            prop_assert_eq!(&sid.to_string().parse::<Sid>().unwrap(), &sid);
        }

        #[test]
        fn any_bytes_decode_or_fail(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = Sid::from_bytes(&bytes);
        }
    }
}
