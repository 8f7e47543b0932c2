//! The Privilege Attribute Certificate (MS-PAC) as data: the PAC's buffer list, the buffers an
//! acceptor authorizes with (logon info with the user's groups, client info, UPN and DNS info,
//! attributes, requestor, signatures), the NDR the logon info is written in, and SIDs.
//!
//! This crate only reads what the bytes say. Whether the PAC can be trusted (its server and
//! KDC signatures, its client info against the ticket) is decided by the Kerberos layer, which
//! holds the keys: `sesame-kerberos` verifies a PAC before its acceptor hands it out.
//!
//! ```
//! # let bytes = include_bytes!("../tests/vectors/samba/pac-user1-http.bin");
//! let pac = sesame_pac::Pac::parse(bytes)?;
//! let user = pac.user_sid().unwrap();
//! assert_eq!(user.to_string(), "S-1-5-21-1909418437-1594895115-1515762820-1102");
//! let domain_users = user.domain().unwrap().with_rid(513)?;
//! assert!(pac.group_sids().iter().any(|g| g.sid == domain_users));
//! # Ok::<(), sesame_pac::PacError>(())
//! ```

#![forbid(unsafe_code)]

mod attributes_info;
mod client_info;
mod delegation_info;
mod logon_info;
mod ndr;
mod pac;
mod sid;
mod signature;
mod upn_dns_info;

pub use attributes_info::{AttributesInfo, PAC_WAS_GIVEN_IMPLICITLY, PAC_WAS_REQUESTED};
pub use client_info::ClientInfo;
pub use delegation_info::DelegationInfo;
pub use logon_info::{
    GroupMembership, GroupSid, LOGON_EXTRA_SIDS, LOGON_RESOURCE_GROUPS, LogonInfo,
    SidAndAttributes, SidSource,
};
pub use pac::{InfoBuffer, Pac};
pub use sid::Sid;
pub use signature::{Signature, checksum_length};
pub use upn_dns_info::{SAM_NAME_AND_SID, UPN_CONSTRUCTED, UpnDnsInfo};

/// PAC_INFO_BUFFER types (MS-PAC 2.4).
pub mod buffer_type {
    /// KERB_VALIDATION_INFO.
    pub const LOGON_INFO: u32 = 1;
    /// PAC_CREDENTIAL_INFO (PKINIT's NTLM credentials, encrypted).
    pub const CREDENTIALS_INFO: u32 = 2;
    /// Server signature.
    pub const SERVER_CHECKSUM: u32 = 6;
    /// KDC (privilege server) signature.
    pub const PRIVSVR_CHECKSUM: u32 = 7;
    /// PAC_CLIENT_INFO.
    pub const CLIENT_INFO: u32 = 10;
    /// S4U_DELEGATION_INFO.
    pub const DELEGATION_INFO: u32 = 11;
    /// UPN_DNS_INFO.
    pub const UPN_DNS_INFO: u32 = 12;
    /// Client claims (MS-ADTS claims, kept as bytes).
    pub const CLIENT_CLAIMS: u32 = 13;
    /// PAC_DEVICE_INFO.
    pub const DEVICE_INFO: u32 = 14;
    /// Device claims (kept as bytes).
    pub const DEVICE_CLAIMS: u32 = 15;
    /// Ticket signature.
    pub const TICKET_CHECKSUM: u32 = 16;
    /// PAC_ATTRIBUTES_INFO.
    pub const ATTRIBUTES_INFO: u32 = 17;
    /// PAC_REQUESTOR.
    pub const REQUESTOR: u32 = 18;
    /// Extended KDC (full PAC) signature.
    pub const FULL_CHECKSUM: u32 = 19;

    /// The types this crate decodes, each allowed once.
    pub(crate) const KNOWN: [u32; 10] = [
        LOGON_INFO,
        DELEGATION_INFO,
        SERVER_CHECKSUM,
        PRIVSVR_CHECKSUM,
        CLIENT_INFO,
        UPN_DNS_INFO,
        TICKET_CHECKSUM,
        ATTRIBUTES_INFO,
        REQUESTOR,
        FULL_CHECKSUM,
    ];
}

/// Why PAC bytes could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PacError {
    /// The bytes end inside the named structure.
    #[error("{0} truncated")]
    Truncated(&'static str),
    /// A field has a value the specification does not allow.
    #[error("{0}")]
    Invalid(&'static str),
    /// A buffer type that may appear once appears again.
    #[error("PAC buffer type {0} appears twice")]
    Duplicate(u32),
}

/// A FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileTime(pub u64);

/// Seconds between 1601-01-01 and 1970-01-01.
const EPOCH_DIFFERENCE: i64 = 11_644_473_600;

impl FileTime {
    /// "Never" as MS-PAC writes it (0x7FFFFFFFFFFFFFFF).
    pub const NEVER: Self = Self(0x7FFF_FFFF_FFFF_FFFF);

    /// From seconds since the Unix epoch.
    pub fn from_unix(seconds: i64) -> Self {
        let ticks = seconds
            .saturating_add(EPOCH_DIFFERENCE)
            .saturating_mul(10_000_000);
        Self(u64::try_from(ticks).unwrap_or(0))
    }

    /// Whole seconds since the Unix epoch; `None` for 0 (not set) and "never".
    pub fn unix(self) -> Option<i64> {
        if self.0 == 0 || self.0 >= Self::NEVER.0 {
            return None;
        }
        i64::try_from(self.0 / 10_000_000)
            .ok()
            .map(|s| s - EPOCH_DIFFERENCE)
    }
}

/// `2026-12-07T00:37:10Z`, or `never` / `unset`.
impl std::fmt::Display for FileTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(unix) = self.unix() else {
            return f.write_str(if self.0 == 0 { "unset" } else { "never" });
        };
        // Days to civil date (H. Hinnant's algorithm).
        let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}
