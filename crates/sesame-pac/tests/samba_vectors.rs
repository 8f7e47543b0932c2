//! PACs that Samba 4.17's AD DC issued (tests/vectors/samba/README.md), decoded and compared
//! field by field with Samba's own NDR decoding of the same bytes (the `.ndrdump.txt` files).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use sesame_pac::{Pac, PacError, SidSource, buffer_type};

const HTTP: &[u8] = include_bytes!("vectors/samba/pac-user1-http.bin");
const HTTP_DUMP: &str = include_str!("vectors/samba/pac-user1-http.ndrdump.txt");
const TGT: &[u8] = include_bytes!("vectors/samba/pac-user1-tgt.bin");
const TGT_DUMP: &str = include_str!("vectors/samba/pac-user1-tgt.ndrdump.txt");
const DOMAIN: &str = "S-1-5-21-1909418437-1594895115-1515762820";

/// The values of every `name : value` line of Samba's dump, in order.
fn dumped<'a>(dump: &'a str, name: &str) -> Vec<&'a str> {
    dump.lines()
        .filter_map(|l| {
            let (key, value) = l.trim().split_once(':')?;
            (key.trim_end() == name).then(|| value.trim())
        })
        .filter(|v| *v != "*") // a pointer's line; its pointee follows under the same name
        .collect()
}

/// `0x0000044e (1102)` -> 1102.
fn number(value: &str) -> u64 {
    value
        .rsplit_once('(')
        .and_then(|(_, n)| n.strip_suffix(')'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a dumped number: {value}"))
}

fn quoted(value: &str) -> &str {
    value.trim_matches('\'')
}

fn check_against_samba(pac: &Pac, dump: &str) {
    let info = pac.logon_info.as_ref().expect("logon info");
    let rids: Vec<u64> = dumped(dump, "rid").into_iter().map(number).collect();
    let mut ours = vec![u64::from(info.user_id)];
    ours.extend(info.group_ids.iter().map(|g| u64::from(g.rid)));
    assert_eq!(ours, rids, "user RID then group RIDs");
    let attributes: Vec<u64> = dumped(dump, "attributes").into_iter().map(number).collect();
    let mut ours: Vec<u64> = info
        .group_ids
        .iter()
        .map(|g| u64::from(g.attributes))
        .collect();
    ours.extend(info.extra_sids.iter().map(|s| u64::from(s.attributes)));
    assert_eq!(ours, attributes);
    assert_eq!(
        u64::from(info.primary_group_id),
        number(dumped(dump, "primary_gid")[0])
    );
    assert_eq!(
        u64::from(info.user_flags),
        number(dumped(dump, "user_flags")[0])
    );
    assert_eq!(
        u64::from(info.logon_count),
        number(dumped(dump, "logon_count")[0])
    );
    assert_eq!(
        u64::from(info.user_account_control),
        number(dumped(dump, "acct_flags")[0])
    );
    // The logon info's eight strings come first (delegation info's follow).
    let strings: Vec<&str> = dumped(dump, "string")
        .into_iter()
        .map(quoted)
        .take(8)
        .collect();
    assert_eq!(
        strings,
        [
            info.effective_name.as_str(),
            &info.full_name,
            &info.logon_script,
            &info.profile_path,
            &info.home_directory,
            &info.home_directory_drive,
            &info.logon_server,
            &info.logon_domain_name,
        ]
    );
    let domain = info.logon_domain_id.as_ref().unwrap().to_string();
    assert_eq!(dumped(dump, "domain_sid")[0], domain);
    let sids: Vec<String> = info.extra_sids.iter().map(|s| s.sid.to_string()).collect();
    assert_eq!(
        dumped(dump, "sid")
            .into_iter()
            .filter(|s| s.starts_with("S-"))
            .collect::<Vec<_>>()[..sids.len()],
        sids[..]
    );
    assert_eq!(
        dumped(dump, "count").last().map(|c| number(c)),
        Some(info.resource_group_ids.len() as u64)
    );

    let client = pac.client_info.as_ref().expect("client info");
    assert_eq!(
        client.name,
        quoted(dumped(dump, "account_name").last().unwrap())
    );
    let upn = pac.upn_dns_info.as_ref().expect("UPN DNS info");
    assert_eq!(upn.upn, quoted(dumped(dump, "upn_name")[0]));
    assert_eq!(
        upn.dns_domain_name,
        quoted(dumped(dump, "dns_domain_name")[0])
    );
    assert_eq!(u64::from(upn.flags), number(dumped(dump, "flags")[0]));
    assert_eq!(
        upn.sam_name.as_deref(),
        Some(quoted(dumped(dump, "samaccountname")[0]))
    );
    assert_eq!(
        upn.sid.as_ref().unwrap().to_string(),
        dumped(dump, "objectsid")[0]
    );

    let types: Vec<u64> = dumped(dump, "type")
        .into_iter()
        .filter(|t| t.starts_with("PAC_TYPE"))
        .map(number)
        .collect();
    let ours: Vec<u64> = pac.buffers().iter().map(|b| u64::from(b.kind)).collect();
    assert_eq!(ours, types);
}

#[test]
fn service_ticket_pac_decodes_as_samba_decodes_it() {
    let pac = Pac::parse(HTTP).unwrap();
    check_against_samba(&pac, HTTP_DUMP);
    let info = pac.logon_info.as_ref().unwrap();
    assert_eq!(info.effective_name, "user1");
    assert_eq!(info.logon_domain_name, "SAMBA");
    // 00:37:09.678: Samba's dump rounds to the nearest second, whole seconds here truncate.
    assert_eq!(info.logon_time.0 % 10_000_000, 6_783_840);
    assert_eq!(info.logon_time.to_string(), "2026-12-07T00:37:09Z");
    assert!(HTTP_DUMP.contains("logon_time               : Mon Dec  7 00:37:10 2026 UTC"));
    assert_eq!(info.kick_off_time.to_string(), "never");
    assert_eq!(
        pac.client_info.as_ref().unwrap().client_id.to_string(),
        "2026-12-07T00:37:09Z"
    );
    // The service key is RC4 (HMAC-MD5, -138), the krbtgt key aes256 (16).
    assert_eq!(pac.server_signature.as_ref().unwrap().checksum_type, -138);
    assert_eq!(pac.server_signature.as_ref().unwrap().value.len(), 16);
    assert_eq!(
        pac.server_signature.as_ref().unwrap().value[..4],
        [0xBE, 0x5B, 0x8B, 0xD0]
    );
    assert_eq!(pac.kdc_signature.as_ref().unwrap().checksum_type, 16);
    assert_eq!(pac.kdc_signature.as_ref().unwrap().value.len(), 12);
    assert!(pac.ticket_signature.is_some() && pac.full_signature.is_some());
    assert!(pac.attributes_info.is_none() && pac.requestor.is_none());
}

#[test]
fn tgt_pac_carries_attributes_and_requestor() {
    let pac = Pac::parse(TGT).unwrap();
    check_against_samba(&pac, TGT_DUMP);
    let attributes = pac.attributes_info.as_ref().unwrap();
    assert_eq!(
        u64::from(attributes.flags_length),
        number(dumped(TGT_DUMP, "flags_length")[0])
    );
    assert_eq!(attributes.flags, sesame_pac::PAC_WAS_GIVEN_IMPLICITLY);
    assert_eq!(
        pac.requestor.as_ref().unwrap().to_string(),
        format!("{DOMAIN}-1102")
    );
}

/// The SIDs a server authorizes with: user1's own SID and its tokenGroups as the DC computed
/// them (README), less BUILTIN\Users, plus S-1-18-1.
#[test]
fn group_sids_are_the_users_token_groups() {
    let pac = Pac::parse(HTTP).unwrap();
    assert_eq!(
        pac.user_sid().unwrap().to_string(),
        format!("{DOMAIN}-1102")
    );
    let groups: Vec<(String, SidSource)> = pac
        .group_sids()
        .into_iter()
        .map(|g| (g.sid.to_string(), g.source))
        .collect();
    let d = |rid: u32| format!("{DOMAIN}-{rid}");
    assert_eq!(
        groups,
        [
            (d(513), SidSource::PrimaryGroup),
            (d(1104), SidSource::Group),
            (d(1105), SidSource::Group),
            (d(1106), SidSource::Group),
            (d(1107), SidSource::Group),
            ("S-1-18-1".to_string(), SidSource::Extra),
        ]
    );
    assert_eq!(
        pac.group_sids()[5].sid.well_known_name(),
        Some("Authentication authority asserted identity")
    );
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    for pac in [HTTP, TGT] {
        for len in 0..pac.len() {
            let _ = Pac::parse(&pac[..len]);
        }
        let logon = Pac::parse(pac).unwrap();
        let logon = logon.buffer(buffer_type::LOGON_INFO).unwrap();
        for len in 0..logon.len() {
            assert!(
                sesame_pac::LogonInfo::decode(&logon[..len]).is_err(),
                "{len}"
            );
        }
    }
}

#[test]
fn buffers_listed_twice_or_outside_are_refused() {
    let mut twice = HTTP.to_vec();
    // The second PAC_INFO_BUFFER (client info, type 10) relabelled as logon info (1).
    twice[8 + 16] = 1;
    assert_eq!(Pac::parse(&twice), Err(PacError::Duplicate(1)));
    let mut outside = HTTP.to_vec();
    outside[8 + 4..8 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(Pac::parse(&outside), Err(PacError::Invalid(_))));
    let mut version = HTTP.to_vec();
    version[4] = 1;
    assert!(Pac::parse(&version).is_err());
}

#[test]
fn a_built_pac_parses_back_with_its_signatures() {
    let client = sesame_pac::ClientInfo {
        client_id: sesame_pac::FileTime::from_unix(1_800_000_000),
        name: "alice".into(),
    };
    let signature = |t: i32| {
        let mut b = t.to_le_bytes().to_vec();
        b.resize(16, 0);
        b
    };
    let mut pac = Pac::build(&[
        (buffer_type::CLIENT_INFO, client.encode()),
        (buffer_type::SERVER_CHECKSUM, signature(16)),
        (buffer_type::PRIVSVR_CHECKSUM, signature(16)),
    ])
    .unwrap();
    assert_eq!(pac.client_info.as_ref(), Some(&client));
    pac.set_signature(buffer_type::SERVER_CHECKSUM, &[7; 12])
        .unwrap();
    assert_eq!(pac.server_signature.as_ref().unwrap().value, [7; 12]);
    assert_eq!(Pac::parse(pac.as_bytes()).unwrap(), pac);
    assert!(
        pac.zeroed_signatures()[..]
            .windows(12)
            .all(|w| w != [7; 12])
    );
}

const PROXY: &[u8] = include_bytes!("vectors/samba/pac-user1-s4u2proxy.bin");
const PROXY_DUMP: &str = include_str!("vectors/samba/pac-user1-s4u2proxy.ndrdump.txt");

/// The PAC of the ticket svc1 got to cifs/dc1 for user1 by S4U2Proxy: user1's groups, and
/// the delegation info naming the target and svc1 as the transited service.
#[test]
fn s4u2proxy_pac_names_the_target_and_the_delegating_service() {
    let pac = Pac::parse(PROXY).unwrap();
    check_against_samba(&pac, PROXY_DUMP);
    let info = pac.delegation_info.as_ref().expect("S4U_DELEGATION_INFO");
    let strings: Vec<&str> = dumped(PROXY_DUMP, "string")
        .into_iter()
        .map(quoted)
        .collect();
    assert!(strings.contains(&"cifs/dc1") && strings.contains(&"svc1@SAMBA.TEST"));
    assert_eq!(info.s4u2proxy_target, "cifs/dc1");
    assert_eq!(info.transited_services, ["svc1@SAMBA.TEST"]);
    assert_eq!(
        u64::try_from(info.transited_services.len()).unwrap(),
        number(dumped(PROXY_DUMP, "num_transited_services")[0])
    );
    assert_eq!(
        pac.user_sid().unwrap().to_string(),
        format!("{DOMAIN}-1102")
    );
}
