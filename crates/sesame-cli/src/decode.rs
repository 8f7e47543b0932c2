//! `sesame decode`: show what a token or Kerberos message holds.

use std::io::{Read, Write};

use base64::Engine as _;
use sesame_asn1::Der;
use sesame_asn1::gss::KerberosContextToken;
use sesame_asn1::kerberos::{ApReq, EncTicketPart};
use sesame_asn1::message::AnyMessage;
use sesame_asn1::spnego::NegotiationToken;
use sesame_kerberos::key_usage;
use sesame_kerberos::pac;
use sesame_kerberos::principal::Principal;

use crate::cli::DecodeArgs;

pub fn run(args: &DecodeArgs) -> Result<(), String> {
    let mut input = Vec::new();
    match args.file.as_deref() {
        None | Some("-") => std::io::stdin().read_to_end(&mut input).map(drop),
        Some(path) => std::fs::read(path).map(|b| input = b),
    }
    .map_err(|e| format!("cannot read input: {e}"))?;
    let bytes = if args.raw {
        input
    } else if args.hex {
        parse_hex(&input)?
    } else {
        let text = String::from_utf8_lossy(&input).trim().to_string();
        // Accept an HTTP header line as copied from a browser or curl -v.
        let last = text.rsplit(' ').next().unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(last)
            .map_err(|e| format!("input is not base64: {e}"))?
    };
    let message = AnyMessage::decode(&bytes).map_err(|e| format!("not a message: {e}"))?;
    let text = match &args.keytab {
        Some(keytab) => ticket(&message, keytab, args.kdc_keytab.as_deref())?,
        None => format!("{} ({} bytes)\n{message:#?}", message.kind(), bytes.len()),
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}") {
        // A reader that stops early (`sesame decode | head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write: {e}")),
        _ => Ok(()),
    }
}

/// The AP-REQ in `message`: bare, GSS-framed, or the mechanism token of a SPNEGO NegTokenInit.
fn ap_req(message: &AnyMessage) -> Option<ApReq> {
    match message {
        AnyMessage::ApReq(r)
        | AnyMessage::GssKerberos {
            token: KerberosContextToken::ApReq(r),
            ..
        } => Some(r.clone()),
        AnyMessage::SpnegoInitial(NegotiationToken::NegTokenInit(init)) => {
            ap_req(&AnyMessage::decode(init.mech_token.as_ref()?).ok()?)
        }
        _ => None,
    }
}

/// `decode --keytab`: the AP-REQ's ticket decrypted with the service's key, and its PAC
/// decoded and checked (server signature, client info; the KDC signature with --kdc-keytab).
fn ticket(message: &AnyMessage, keytab: &str, kdc_keytab: Option<&str>) -> Result<String, String> {
    let req =
        ap_req(message).ok_or_else(|| format!("{} holds no AP-REQ to decrypt", message.kind()))?;
    let server = Principal::from_wire(&req.ticket.sname, &req.ticket.realm);
    let enctype = req.ticket.enc_part.etype;
    let keytab = crate::kerberos::keytab(Some(keytab))?;
    let entry = keytab
        .find(&server, req.ticket.enc_part.kvno, enctype)
        .ok_or_else(|| format!("the keytab has no key for {server} of enctype {enctype}"))?;
    let key = entry.key(true).map_err(|e| e.to_string())?;
    let plain = key
        .usage(key_usage::TICKET)
        .decrypt(&req.ticket.enc_part.cipher)
        .map_err(|_| format!("the ticket does not decrypt with the keytab's key for {server}"))?;
    let part = EncTicketPart::from_der(&plain).map_err(|e| format!("EncTicketPart: {e}"))?;
    let client = Principal::from_wire(&part.cname, &part.crealm);
    let mut lines = vec![
        format!("ticket: {client} -> {server} (enctype {enctype})"),
        format!(
            "times: auth {} start {} end {}",
            part.authtime,
            part.starttime.map(|t| t.to_string()).unwrap_or_default(),
            part.endtime
        ),
    ];
    let Some(bytes) = part.authorization_data.as_deref().and_then(pac::find_pac) else {
        lines.push("PAC: none".into());
        return Ok(lines.join("\n"));
    };
    let kdc_keys = kdc_keytab.map(crate::kerberos::kdc_keys).transpose()?;
    let check = pac::PacCheck {
        service_key: &key,
        kdc_keys: kdc_keys.as_deref().unwrap_or_default(),
        client: &client,
        authtime: part.authtime.unix(),
    };
    let parsed = match pac::verify(&bytes, &check) {
        Ok(pac) => {
            lines.push(format!(
                "PAC verified: server signature{}, client info",
                if kdc_keys.is_some() {
                    ", KDC signature"
                } else {
                    " (KDC signature not checked: no --kdc-keytab)"
                }
            ));
            pac
        }
        Err(refusal) => {
            lines.push(format!("PAC refused: {refusal}"));
            pac::Pac::parse(&bytes).map_err(|e| format!("PAC: {e}"))?
        }
    };
    lines.extend(crate::pac::summary(&parsed));
    Ok(lines.join("\n"))
}

fn parse_hex(input: &[u8]) -> Result<Vec<u8>, String> {
    let digits: String = String::from_utf8_lossy(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| "input is not hex".to_string())
        })
        .collect()
}
