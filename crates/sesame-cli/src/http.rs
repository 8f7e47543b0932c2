//! `sesame http URL`: an HTTP GET with Negotiate authentication (RFC 4559): the first request
//! without credentials, then `Authorization: Negotiate <token>` for every 401 that carries a
//! `WWW-Authenticate: Negotiate` challenge, on one kept-alive connection (NTLM is bound to it);
//! the server's final token is checked (mutual authentication) before the body is printed.

use std::io::Write;

use base64::Engine as _;
use sesame_gss::{Input, SecurityContext, Step};
use sesame_kerberos::transport::step_with_kdc;

use crate::args::Args;

pub const USAGE: &str = "sesame http URL [--target SPN] (--user USER@REALM [--domain D] --password-env VAR | --ccache NAME)
            [--packages LIST] [--fallback allowlist|any|never] [--kdc ... | --kdc-proxy URL [--ca-file FILE]]
  GETs URL with Negotiate (Kerberos, NTLM fallback); prints the body; the mechanism used on stderr.";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// What a response's `WWW-Authenticate` headers say about Negotiate.
enum Challenge {
    /// No Negotiate challenge.
    Absent,
    /// `Negotiate` alone: start.
    Start,
    /// `Negotiate <token>`.
    Token(Vec<u8>),
}

type Response = ureq::http::Response<ureq::Body>;

/// One GET, with a Negotiate token or without.
type Get<'a> = &'a dyn Fn(Option<&[u8]>) -> Result<Response, String>;

fn challenge(resp: &Response) -> Result<Challenge, String> {
    for value in resp.headers().get_all("www-authenticate") {
        let text = value.to_str().unwrap_or_default().trim();
        let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
        if scheme.eq_ignore_ascii_case("Negotiate") {
            let rest = rest.trim();
            if rest.is_empty() {
                return Ok(Challenge::Start);
            }
            return b64()
                .decode(rest)
                .map(Challenge::Token)
                .map_err(|e| format!("the server's Negotiate token is not base64: {e}"));
        }
    }
    Ok(Challenge::Absent)
}

pub fn run(raw: &[String]) -> Result<(), String> {
    let mut options: Vec<&str> = vec![
        "target",
        "user",
        "domain",
        "password-env",
        "ccache",
        "packages",
        "fallback",
        "kdc",
        "kdc-proxy",
        "ca-file",
        "dns-server",
        "clock-offset",
        "channel-bindings",
        "enctypes",
    ];
    options.sort_unstable();
    let args = Args::parse(raw, &options, &["mutual", "delegate", "allow-weak"])?;
    let [url] = args.positional.as_slice() else {
        return Err(format!("one URL is needed\n{USAGE}"));
    };
    let host = url
        .split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    let mut with_target = raw.to_vec();
    if args.value("target").is_none() {
        with_target.extend(["--target".to_string(), format!("HTTP/{host}")]);
    }
    with_target.push("--mutual".into());
    let args = Args::parse(
        &with_target,
        &options,
        &["mutual", "delegate", "allow-weak"],
    )?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let get = |auth: Option<&[u8]>| {
        let mut req = agent.get(url.as_str());
        if let Some(token) = auth {
            req = req.header(
                "Authorization",
                format!("Negotiate {}", b64().encode(token)),
            );
        }
        req.call().map_err(|e| format!("GET {url}: {e}"))
    };
    // A 401's body is read to its end so that the connection goes back to the pool and the
    // next request takes the same one: NTLM authenticates the connection, not the request.
    let drain = |resp: &mut ureq::http::Response<ureq::Body>| {
        let _ = resp.body_mut().read_to_vec();
    };
    let mut resp = get(None)?;
    if resp.status().as_u16() == 401 && !matches!(challenge(&resp)?, Challenge::Absent) {
        drain(&mut resp);
        resp = authenticate(&args, &get, &drain)?;
    }
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_vec()
        .map_err(|e| format!("reading the body: {e}"))?;
    std::io::stdout()
        .write_all(&body)
        .map_err(|e| e.to_string())?;
    if status >= 400 {
        return Err(format!("HTTP {status}"));
    }
    Ok(())
}

/// The Negotiate round trips after the server's first 401; returns the final response.
fn authenticate(
    args: &Args,
    get: Get<'_>,
    drain: &dyn Fn(&mut Response),
) -> Result<Response, String> {
    let (mut ctx, transport, _) = crate::negotiate::initiator(args, true)?;
    let fail = |e: sesame_gss::Error| e.to_string();
    let mut step = step_with_kdc(&mut ctx, Input::Start, &transport).map_err(fail)?;
    let resp = loop {
        let (Step::Continue(token) | Step::Complete(Some(token))) = step else {
            return Err("the context produced no token for the server".into());
        };
        let mut resp = get(Some(&token))?;
        let status = resp.status().as_u16();
        match (status, challenge(&resp)?) {
            (401, Challenge::Token(reply)) if !ctx.is_established() => {
                drain(&mut resp);
                step = step_with_kdc(&mut ctx, Input::Token(&reply), &transport).map_err(fail)?;
            }
            (401, _) => return Err("the server refused the credentials (401)".into()),
            (_, Challenge::Token(reply)) if !ctx.is_established() => {
                // The server's last token: mutual authentication.
                if !matches!(
                    ctx.step(Input::Token(&reply)).map_err(fail)?,
                    Step::Complete(None)
                ) {
                    return Err("the server's final token did not complete the context".into());
                }
                break resp;
            }
            _ => break resp,
        }
    };
    if !ctx.is_established() {
        return Err("the server answered without authenticating itself (no final token)".into());
    }
    let (mech, fallback) = crate::negotiate::describe(&ctx).unwrap_or_default();
    if let Some(reason) = fallback {
        eprintln!("sesame: fell back to NTLM: {reason}");
    }
    eprintln!(
        "sesame: HTTP {} with {mech} to {}",
        resp.status().as_u16(),
        ctx.peer_name().map(|p| p.0.clone()).unwrap_or_default()
    );
    Ok(resp)
}
