//! Decoding captured bytes with sesame-asn1 and requiring byte-exact re-encoding, recursively
//! into the messages nested inside (PA-DATA, e-data, SPNEGO mechanism tokens).

use sesame_asn1::Der;
use sesame_asn1::gss::KerberosContextToken;
use sesame_asn1::kerberos::constants::{error_code, pa_type};
use sesame_asn1::kerberos::{
    ApReq, EtypeInfo2, KdcRep, KdcReq, KrbError, MethodData, PaData, PaForUser, PaPacOptions,
    PaPacRequest, PaS4uX509User,
};
use sesame_asn1::message::AnyMessage;
use sesame_asn1::spnego::NegotiationToken;

use std::fmt::Write as _;

use crate::util::Result;

/// Decodes `bytes`, requires `encode(decode(bytes)) == bytes`, and does the same for what is
/// nested inside. Returns a one-line description, e.g. `KRB-ERROR 25 KDC_ERR_PREAUTH_REQUIRED`.
pub fn inspect(bytes: &[u8]) -> Result<String> {
    let message = exact(bytes)?;
    let summary = match &message {
        AnyMessage::AsReq(m) => format!("AS-REQ {}", kdc_req(&m.0)?),
        AnyMessage::TgsReq(m) => format!("TGS-REQ {}", kdc_req(&m.0)?),
        AnyMessage::AsRep(m) => format!("AS-REP cname={}", m.0.cname),
        AnyMessage::TgsRep(m) => format!("TGS-REP sname={}{}", m.0.ticket.sname, rep_padata(&m.0)?),
        AnyMessage::KrbError(e) => krb_error(e)?,
        AnyMessage::GssKerberos { mech, token } => match token {
            KerberosContextToken::KrbError(e) => format!("GSS({mech}) {}", krb_error(e)?),
            _ => format!("GSS({mech}) {}", message.kind()),
        },
        AnyMessage::SpnegoInitial(t) | AnyMessage::SpnegoSubsequent(t) => spnego(t)?,
        AnyMessage::Iakerb(t) => {
            let inner = if t.message.is_empty() {
                "-".to_string()
            } else {
                inspect(&t.message)?
            };
            format!(
                "IAKerb realm={} cookie={} [{inner}]",
                t.header.target_realm,
                t.header.cookie.as_ref().map_or(0, |c| c.len())
            )
        }
        other => other.kind().to_string(),
    };
    Ok(summary)
}

fn exact(bytes: &[u8]) -> Result<AnyMessage> {
    let message = AnyMessage::decode(bytes).map_err(|e| format!("decode failed: {e}"))?;
    let again = message
        .encode()
        .map_err(|e| format!("re-encode of {} failed: {e}", message.kind()))?;
    if again != bytes {
        return Err(format!(
            "{} re-encodes to different bytes ({} vs {} bytes, first difference at {})",
            message.kind(),
            again.len(),
            bytes.len(),
            again
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(again.len().min(bytes.len()))
        ));
    }
    Ok(message)
}

fn exact_der<T: Der>(bytes: &[u8], what: &str) -> Result<T> {
    let value = T::from_der(bytes).map_err(|e| format!("{what}: decode failed: {e}"))?;
    let again = value
        .to_der()
        .map_err(|e| format!("{what}: encode failed: {e}"))?;
    if again != bytes {
        return Err(format!("{what} re-encodes to different bytes"));
    }
    Ok(value)
}

fn kdc_req(req: &KdcReq) -> Result<String> {
    let mut pa = Vec::new();
    for p in req.padata.iter().flatten() {
        pa.push(padata(p)?);
    }
    let b = &req.req_body;
    let sname = b
        .sname
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let cname = b
        .cname
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut s = format!(
        "cname={cname} sname={sname} realm={} padata=[{}]",
        b.realm,
        pa.join(",")
    );
    if let Some(tickets) = &b.additional_tickets {
        let _ = write!(s, " additional-tickets={}", tickets.len());
    }
    if b.kdc_options
        .is_set(sesame_asn1::kerberos::constants::kdc_options::ENC_TKT_IN_SKEY)
    {
        s += " enc-tkt-in-skey";
    }
    Ok(s)
}

/// A reply's padata, when it has any (` padata=[...]`).
fn rep_padata(rep: &KdcRep) -> Result<String> {
    let Some(list) = &rep.padata else {
        return Ok(String::new());
    };
    let mut pa = Vec::new();
    for p in list {
        pa.push(padata(p)?);
    }
    Ok(format!(" padata=[{}]", pa.join(",")))
}

fn padata(p: &PaData) -> Result<String> {
    let v = &p.padata_value;
    Ok(match p.padata_type {
        pa_type::TGS_REQ => {
            exact_der::<ApReq>(v, "PA-TGS-REQ AP-REQ")?;
            "PA-TGS-REQ(AP-REQ)".into()
        }
        pa_type::ETYPE_INFO2 => {
            let info = exact_der::<EtypeInfo2>(v, "ETYPE-INFO2")?;
            let etypes: Vec<String> = info.iter().map(|e| e.etype.to_string()).collect();
            format!("ETYPE-INFO2({})", etypes.join(" "))
        }
        pa_type::PAC_REQUEST => {
            let r = exact_der::<PaPacRequest>(v, "PA-PAC-REQUEST")?;
            format!("PA-PAC-REQUEST({})", r.include_pac)
        }
        pa_type::ENC_TIMESTAMP => "PA-ENC-TIMESTAMP".into(),
        pa_type::REQ_ENC_PA_REP => "PA-REQ-ENC-PA-REP".into(),
        pa_type::AS_FRESHNESS => "PA-AS-FRESHNESS".into(),
        pa_type::FX_FAST => "PA-FX-FAST".into(),
        pa_type::FX_COOKIE => "PA-FX-COOKIE".into(),
        pa_type::FOR_USER => {
            let u = exact_der::<PaForUser>(v, "PA-FOR-USER")?;
            format!("PA-FOR-USER({})", u.user_name)
        }
        pa_type::S4U_X509_USER => {
            let u = exact_der::<PaS4uX509User>(v, "PA-S4U-X509-USER")?;
            let name = u.user_id.cname.map(|n| n.to_string()).unwrap_or_default();
            let options = u.user_id.options.map_or(0, |o| o.to_u32());
            format!("PA-S4U-X509-USER({name} options={options:#x})")
        }
        pa_type::PAC_OPTIONS => {
            let o = exact_der::<PaPacOptions>(v, "PA-PAC-OPTIONS")?;
            let rbcd = if o.flags.is_set(3) { "rbcd" } else { "-" };
            format!("PA-PAC-OPTIONS({rbcd})")
        }
        other => other.to_string(),
    })
}

fn krb_error(e: &KrbError) -> Result<String> {
    let name = error_code::name(e.error_code).unwrap_or("?");
    let mut s = format!("KRB-ERROR {} {name}", e.error_code);
    if e.error_code == error_code::KDC_ERR_PREAUTH_REQUIRED {
        let data = e.e_data.as_ref().ok_or("PREAUTH_REQUIRED without e-data")?;
        let methods = exact_der::<MethodData>(data, "METHOD-DATA")?;
        let mut pa = Vec::new();
        for p in &methods {
            pa.push(padata(p)?);
        }
        let _ = write!(s, " e-data=METHOD-DATA[{}]", pa.join(","));
    }
    Ok(s)
}

fn spnego(t: &NegotiationToken) -> Result<String> {
    let (head, inner, mic) = match t {
        NegotiationToken::NegTokenInit(i) => {
            let mechs: Vec<&str> = i
                .mech_types
                .iter()
                .map(|m| sesame_asn1::oid::mech_name(m).unwrap_or("?"))
                .collect();
            (
                format!("NegTokenInit mechs=[{}]", mechs.join(",")),
                i.mech_token.as_deref(),
                i.mech_list_mic.is_some(),
            )
        }
        NegotiationToken::NegTokenResp(r) => {
            let state = r.neg_state.map_or_else(|| "-".into(), |s| format!("{s:?}"));
            (
                format!("NegTokenResp state={state}"),
                r.response_token.as_deref(),
                r.mech_list_mic.is_some(),
            )
        }
    };
    let inner = match inner {
        None => String::new(),
        Some(b) if b.starts_with(b"NTLMSSP\0") => {
            format!(" token=NTLMSSP type {}", b.get(8).copied().unwrap_or(0))
        }
        Some(b) => format!(" token=[{}]", inspect(b)?),
    };
    Ok(format!(
        "SPNEGO {head}{inner}{}",
        if mic { " mechListMIC" } else { "" }
    ))
}
