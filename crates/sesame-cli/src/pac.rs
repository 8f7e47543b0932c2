//! The PAC as `sesame accept --show-pac` and `sesame decode --keytab` print it: who the user
//! is and every group SID a server would authorize with, each with its name when well known.

use sesame_kerberos::pac::{Pac, buffer_type};
use sesame_pac::SidSource;

/// The buffer types present, by name.
fn buffer_name(kind: u32) -> String {
    match kind {
        buffer_type::LOGON_INFO => "logon-info".into(),
        buffer_type::CREDENTIALS_INFO => "credentials".into(),
        buffer_type::SERVER_CHECKSUM => "server-signature".into(),
        buffer_type::PRIVSVR_CHECKSUM => "kdc-signature".into(),
        buffer_type::CLIENT_INFO => "client-info".into(),
        buffer_type::DELEGATION_INFO => "delegation-info".into(),
        buffer_type::UPN_DNS_INFO => "upn-dns-info".into(),
        buffer_type::CLIENT_CLAIMS => "client-claims".into(),
        buffer_type::DEVICE_INFO => "device-info".into(),
        buffer_type::DEVICE_CLAIMS => "device-claims".into(),
        buffer_type::TICKET_CHECKSUM => "ticket-signature".into(),
        buffer_type::ATTRIBUTES_INFO => "attributes".into(),
        buffer_type::REQUESTOR => "requestor".into(),
        buffer_type::FULL_CHECKSUM => "full-signature".into(),
        other => format!("type-{other}"),
    }
}

/// One line per fact, each starting with `PAC `.
pub fn summary(pac: &Pac) -> Vec<String> {
    let mut lines = vec![format!(
        "PAC buffers: {}",
        pac.buffers()
            .iter()
            .map(|b| buffer_name(b.kind))
            .collect::<Vec<_>>()
            .join(" ")
    )];
    if let Some(info) = &pac.logon_info {
        let sid = pac.user_sid().map(|s| s.to_string()).unwrap_or_default();
        lines.push(format!(
            "PAC user: {}\\{} {sid}",
            info.logon_domain_name, info.effective_name
        ));
        if !info.full_name.is_empty() {
            lines.push(format!("PAC full name: {}", info.full_name));
        }
        lines.push(format!(
            "PAC logon: {} from {} (user flags {:#x})",
            info.logon_time, info.logon_server, info.user_flags
        ));
        for g in pac.group_sids() {
            let source = match g.source {
                SidSource::PrimaryGroup => "primary group",
                SidSource::Group => "group",
                SidSource::Extra => "extra SID",
                SidSource::Resource => "resource group",
            };
            let name = g
                .sid
                .well_known_name()
                .map(|n| format!(" {n}"))
                .unwrap_or_default();
            lines.push(format!(
                "PAC group: {}{name} ({source}, attributes {:#x})",
                g.sid, g.attributes
            ));
        }
    }
    if let Some(upn) = &pac.upn_dns_info {
        lines.push(format!(
            "PAC upn: {} dns-domain: {}",
            upn.upn, upn.dns_domain_name
        ));
    }
    if let Some(c) = &pac.client_info {
        lines.push(format!("PAC client: {} at {}", c.name, c.client_id));
    }
    if let Some(d) = &pac.delegation_info {
        lines.push(format!(
            "PAC delegation: S4U2Proxy to {} through {}",
            d.s4u2proxy_target,
            d.transited_services.join(", ")
        ));
    }
    if let Some(r) = &pac.requestor {
        lines.push(format!("PAC requestor: {r}"));
    }
    lines
}
