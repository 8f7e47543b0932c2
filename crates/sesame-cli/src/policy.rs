//! The acceptor's checks as flags, shared by `accept --mech ntlm|kerberos|negotiate|spnego`
//! and the NTLM initiator: channel-binding policy, service names, target-name policy and the
//! NTLM minimum session security (docs/security.md).

use sesame_gss::{ChannelBindingPolicy, ChannelBindings};
use sesame_ntlm::{NegotiateFlags, TargetNamePolicy};

use crate::cli::ContextArgs;

/// `--channel-bindings TEXT`: the channel's bindings (the application data).
pub fn bindings(text: Option<&str>) -> Option<ChannelBindings> {
    text.map(|t| ChannelBindings::from_application_data(t.as_bytes().to_vec()))
}

/// `--channel-bindings-policy required|when-present|off`; without it, `required` when
/// `--channel-bindings` is given (the acceptor knows its channel and means to check it), else
/// `when-present`.
pub fn binding_policy(args: &ContextArgs) -> Result<ChannelBindingPolicy, String> {
    match args.channel_bindings_policy.as_deref() {
        Some(p) => ChannelBindingPolicy::parse(p).ok_or_else(|| {
            format!("--channel-bindings-policy takes required, when-present or off, not {p}")
        }),
        None if args.channel_bindings.is_some() => Ok(ChannelBindingPolicy::Required),
        None => Ok(ChannelBindingPolicy::WhenPresent),
    }
}

/// `--target-name-policy off|when-present|required` (default when-present).
pub fn target_name_policy(args: &ContextArgs) -> Result<TargetNamePolicy, String> {
    match args.target_name_policy.as_deref() {
        None => Ok(TargetNamePolicy::default()),
        Some(p) => TargetNamePolicy::parse(p).ok_or_else(|| {
            format!("--target-name-policy takes off, when-present or required, not {p}")
        }),
    }
}

/// `--ntlm-minimum LIST`: `none`, or any of `128` (128-bit keys), `ess` (extended session
/// security), `sign`, `seal`, comma-separated. Default `128`, as Windows.
pub fn ntlm_minimum(args: &ContextArgs) -> Result<NegotiateFlags, String> {
    let Some(list) = args.ntlm_minimum.as_deref() else {
        return Ok(NegotiateFlags::KEY_128);
    };
    let mut flags = NegotiateFlags::default();
    for item in list.split(',').map(str::trim) {
        flags = flags
            | match item {
                "none" => NegotiateFlags::default(),
                "128" => NegotiateFlags::KEY_128,
                "ess" => NegotiateFlags::EXTENDED_SESSIONSECURITY,
                "sign" => NegotiateFlags::SIGN,
                "seal" => NegotiateFlags::SEAL,
                other => {
                    return Err(format!(
                        "--ntlm-minimum takes none or 128, ess, sign, seal (comma-separated), not {other}"
                    ));
                }
            };
    }
    Ok(flags)
}

/// `--nt-hash`: 32 hex digits.
pub fn parse_nt_hash(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The machine name NTLM sends as the workstation.
pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_uppercase())
        .unwrap_or_default()
}
