//! KERB_VALIDATION_INFO (MS-PAC 2.5), the PAC's logon information: who the user is and the
//! groups the domain controller put them in, as NETLOGON's validation info carries it.

use crate::ndr::{Reader, UnicodeHeader};
use crate::{FileTime, PacError, Sid};

/// USER_FLAGS bit: `ExtraSids` holds SIDs (MS-PAC 2.5, D).
pub const LOGON_EXTRA_SIDS: u32 = 0x20;
/// USER_FLAGS bit: `ResourceGroupIds` holds groups (MS-PAC 2.5, H).
pub const LOGON_RESOURCE_GROUPS: u32 = 0x200;

/// A group RID and its SE_GROUP_* attributes (MS-PAC 2.2.2 GROUP_MEMBERSHIP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupMembership {
    /// The group's RID in the domain.
    pub rid: u32,
    /// SE_GROUP_MANDATORY (1), _ENABLED_BY_DEFAULT (2), _ENABLED (4), _RESOURCE (0x20000000)...
    pub attributes: u32,
}

/// A SID and its SE_GROUP_* attributes (MS-PAC 2.2.1 KERB_SID_AND_ATTRIBUTES).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SidAndAttributes {
    /// The SID, of any domain or a well-known one.
    pub sid: Sid,
    /// SE_GROUP_* attributes.
    pub attributes: u32,
}

/// The logon information buffer (PAC type 1), with every field of MS-PAC 2.5 except the
/// NETLOGON session key, which a Kerberos PAC leaves zero and which is never kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // The fields are MS-PAC 2.5's, named as there.
pub struct LogonInfo {
    pub logon_time: FileTime,
    pub logoff_time: FileTime,
    pub kick_off_time: FileTime,
    pub password_last_set: FileTime,
    pub password_can_change: FileTime,
    pub password_must_change: FileTime,
    /// The account name (sAMAccountName).
    pub effective_name: String,
    pub full_name: String,
    pub logon_script: String,
    pub profile_path: String,
    pub home_directory: String,
    pub home_directory_drive: String,
    pub logon_count: u16,
    pub bad_password_count: u16,
    /// The user's RID in `logon_domain_id`.
    pub user_id: u32,
    /// The primary group's RID in `logon_domain_id`.
    pub primary_group_id: u32,
    /// The domain groups, RIDs in `logon_domain_id`.
    pub group_ids: Vec<GroupMembership>,
    /// USER_FLAGS (LOGON_EXTRA_SIDS, LOGON_RESOURCE_GROUPS, ...).
    pub user_flags: u32,
    pub logon_server: String,
    /// The NetBIOS domain name.
    pub logon_domain_name: String,
    /// The domain's SID: the user's and the groups' SIDs are it plus their RIDs.
    pub logon_domain_id: Option<Sid>,
    pub user_account_control: u32,
    pub sub_auth_status: u32,
    pub last_successful_i_logon: FileTime,
    pub last_failed_i_logon: FileTime,
    pub failed_i_logon_count: u32,
    /// SIDs of other domains and well-known SIDs (S-1-18-1 ...).
    pub extra_sids: Vec<SidAndAttributes>,
    /// The domain of `resource_group_ids` (resource SID compression).
    pub resource_group_domain_sid: Option<Sid>,
    pub resource_group_ids: Vec<GroupMembership>,
}

impl LogonInfo {
    /// Decodes the buffer: the type serialization headers, the top-level pointer, the
    /// structure, then its pointees in the order of their pointers.
    pub fn decode(buffer: &[u8]) -> Result<Self, PacError> {
        let mut r = Reader::serialized(buffer)?;
        if !r.pointer()? {
            return Err(PacError::Invalid("logon info is a null pointer"));
        }
        let logon_time = FileTime(r.filetime()?);
        let logoff_time = FileTime(r.filetime()?);
        let kick_off_time = FileTime(r.filetime()?);
        let password_last_set = FileTime(r.filetime()?);
        let password_can_change = FileTime(r.filetime()?);
        let password_must_change = FileTime(r.filetime()?);
        let names: [UnicodeHeader; 6] = [
            r.unicode_header()?,
            r.unicode_header()?,
            r.unicode_header()?,
            r.unicode_header()?,
            r.unicode_header()?,
            r.unicode_header()?,
        ];
        let logon_count = r.u16()?;
        let bad_password_count = r.u16()?;
        let user_id = r.u32()?;
        let primary_group_id = r.u32()?;
        let group_count = r.u32()?;
        let has_groups = r.pointer()?;
        let user_flags = r.u32()?;
        let _session_key = r.bytes(16)?;
        let logon_server = r.unicode_header()?;
        let logon_domain_name = r.unicode_header()?;
        let has_domain_id = r.pointer()?;
        let _reserved1 = (r.u32()?, r.u32()?);
        let user_account_control = r.u32()?;
        let sub_auth_status = r.u32()?;
        let last_successful_i_logon = FileTime(r.filetime()?);
        let last_failed_i_logon = FileTime(r.filetime()?);
        let failed_i_logon_count = r.u32()?;
        let _reserved3 = r.u32()?;
        let sid_count = r.u32()?;
        let has_extra_sids = r.pointer()?;
        let has_resource_domain = r.pointer()?;
        let resource_group_count = r.u32()?;
        let has_resource_groups = r.pointer()?;

        let [effective, full, script, profile, home, drive] = names;
        let effective_name = r.unicode_buffer(effective)?;
        let full_name = r.unicode_buffer(full)?;
        let logon_script = r.unicode_buffer(script)?;
        let profile_path = r.unicode_buffer(profile)?;
        let home_directory = r.unicode_buffer(home)?;
        let home_directory_drive = r.unicode_buffer(drive)?;
        let group_ids = groups(&mut r, has_groups, group_count, "GroupCount")?;
        let logon_server = r.unicode_buffer(logon_server)?;
        let logon_domain_name = r.unicode_buffer(logon_domain_name)?;
        let logon_domain_id = has_domain_id.then(|| r.sid()).transpose()?;
        let extra_sids = extra_sids(&mut r, has_extra_sids, sid_count)?;
        let resource_group_domain_sid = has_resource_domain.then(|| r.sid()).transpose()?;
        let resource_group_ids = groups(
            &mut r,
            has_resource_groups,
            resource_group_count,
            "ResourceGroupCount",
        )?;
        Ok(Self {
            logon_time,
            logoff_time,
            kick_off_time,
            password_last_set,
            password_can_change,
            password_must_change,
            effective_name,
            full_name,
            logon_script,
            profile_path,
            home_directory,
            home_directory_drive,
            logon_count,
            bad_password_count,
            user_id,
            primary_group_id,
            group_ids,
            user_flags,
            logon_server,
            logon_domain_name,
            logon_domain_id,
            user_account_control,
            sub_auth_status,
            last_successful_i_logon,
            last_failed_i_logon,
            failed_i_logon_count,
            extra_sids,
            resource_group_domain_sid,
            resource_group_ids,
        })
    }

    /// The user's SID: the logon domain's SID and the user's RID.
    pub fn user_sid(&self) -> Option<Sid> {
        self.logon_domain_id.as_ref()?.with_rid(self.user_id).ok()
    }
}

/// A GROUP_MEMBERSHIP array behind a pointer; its conformance must equal the count field.
fn groups(
    r: &mut Reader<'_>,
    present: bool,
    count: u32,
    field: &'static str,
) -> Result<Vec<GroupMembership>, PacError> {
    if !present {
        return if count == 0 {
            Ok(Vec::new())
        } else {
            Err(PacError::Invalid(field))
        };
    }
    let n = r.count(8)?;
    if u32::try_from(n).ok() != Some(count) {
        return Err(PacError::Invalid(field));
    }
    (0..n)
        .map(|_| {
            Ok(GroupMembership {
                rid: r.u32()?,
                attributes: r.u32()?,
            })
        })
        .collect()
}

/// The KERB_SID_AND_ATTRIBUTES array: the elements (pointer, attributes), then each SID.
fn extra_sids(
    r: &mut Reader<'_>,
    present: bool,
    count: u32,
) -> Result<Vec<SidAndAttributes>, PacError> {
    if !present {
        return if count == 0 {
            Ok(Vec::new())
        } else {
            Err(PacError::Invalid("SidCount"))
        };
    }
    let n = r.count(8)?;
    if u32::try_from(n).ok() != Some(count) {
        return Err(PacError::Invalid("SidCount"));
    }
    let mut heads = Vec::with_capacity(n);
    for _ in 0..n {
        let present = r.pointer()?;
        let attributes = r.u32()?;
        if !present {
            return Err(PacError::Invalid("extra SID is a null pointer"));
        }
        heads.push(attributes);
    }
    heads
        .into_iter()
        .map(|attributes| {
            Ok(SidAndAttributes {
                sid: r.sid()?,
                attributes,
            })
        })
        .collect()
}

/// Where in the logon info a group SID came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SidSource {
    /// `PrimaryGroupId`.
    PrimaryGroup,
    /// `GroupIds`: a group of the user's domain.
    Group,
    /// `ExtraSids`: another domain's group, or a well-known SID such as S-1-18-1.
    Extra,
    /// `ResourceGroupIds`: a domain-local group of the resource's domain.
    Resource,
}

/// A group SID the PAC grants, with its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSid {
    /// The SID.
    pub sid: Sid,
    /// SE_GROUP_* attributes (the primary group's are MANDATORY | ENABLED_BY_DEFAULT | ENABLED).
    pub attributes: u32,
    /// Where it came from.
    pub source: SidSource,
}

/// SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED.
const DEFAULT_ATTRIBUTES: u32 = 7;

impl LogonInfo {
    /// Every group SID the PAC grants, as Windows builds a token from it (MS-PAC 2.5, MS-KILE
    /// 3.4.5.3): the primary group, the domain's groups, the extra SIDs when LOGON_EXTRA_SIDS
    /// is set and the resource groups when LOGON_RESOURCE_GROUPS is set; each SID once, first
    /// source kept. Domain-relative RIDs without a logon domain SID give no SID.
    pub fn group_sids(&self) -> Vec<GroupSid> {
        let mut out: Vec<GroupSid> = Vec::new();
        let mut add = |sid: Sid, attributes: u32, source: SidSource| {
            if !out.iter().any(|g| g.sid == sid) {
                out.push(GroupSid {
                    sid,
                    attributes,
                    source,
                });
            }
        };
        if let Some(domain) = &self.logon_domain_id {
            if let Ok(sid) = domain.with_rid(self.primary_group_id) {
                add(sid, DEFAULT_ATTRIBUTES, SidSource::PrimaryGroup);
            }
            for g in &self.group_ids {
                if let Ok(sid) = domain.with_rid(g.rid) {
                    add(sid, g.attributes, SidSource::Group);
                }
            }
        }
        if self.user_flags & LOGON_EXTRA_SIDS != 0 {
            for e in &self.extra_sids {
                add(e.sid.clone(), e.attributes, SidSource::Extra);
            }
        }
        if self.user_flags & LOGON_RESOURCE_GROUPS != 0
            && let Some(domain) = &self.resource_group_domain_sid
        {
            for g in &self.resource_group_ids {
                if let Ok(sid) = domain.with_rid(g.rid) {
                    add(sid, g.attributes, SidSource::Resource);
                }
            }
        }
        out
    }
}
