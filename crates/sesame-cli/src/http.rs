//! `sesame http URL`: an HTTP GET with Negotiate authentication (RFC 4559): the first request
//! without credentials, then `Authorization: Negotiate <token>` for every 401 that carries a
//! `WWW-Authenticate: Negotiate` challenge, on one kept-alive connection (NTLM is bound to it);
//! the server's final token is checked (mutual authentication) before the body is printed.

use std::io::Write;

use std::sync::Arc;

use base64::Engine as _;
use sesame_gss::{Random, SystemRandom};
use sesame_kerberos::ccache::{self, Ccache};
use sesame_negotiate::{Client, UserName};

use crate::cli::HttpArgs;

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

pub fn run(args: &HttpArgs) -> Result<(), String> {
    let url = &args.url;
    let host = url
        .split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let verbose = args.kdc.verbose;
    let get = |auth: Option<&[u8]>| {
        let mut req = agent.get(url.as_str());
        if let Some(token) = auth {
            if verbose {
                eprintln!("sesame: > Authorization: Negotiate ({} bytes)", token.len());
            }
            req = req.header(
                "Authorization",
                format!("Negotiate {}", b64().encode(token)),
            );
        }
        let resp = req.call().map_err(|e| format!("GET {url}: {e}"))?;
        if verbose {
            let offers: Vec<String> = resp
                .headers()
                .get_all("www-authenticate")
                .iter()
                .map(|v| {
                    let v = v.to_str().unwrap_or_default();
                    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
                    if rest.is_empty() {
                        scheme.to_string()
                    } else {
                        format!(
                            "{scheme} ({} bytes)",
                            b64().decode(rest.trim()).map_or(0, |t| t.len())
                        )
                    }
                })
                .collect();
            eprintln!(
                "sesame: < HTTP {} {}",
                resp.status().as_u16(),
                offers.join(", ")
            );
        }
        Ok(resp)
    };
    // A 401's body is read to its end so that the connection goes back to the pool and the
    // next request takes the same one: NTLM authenticates the connection, not the request.
    let drain = |resp: &mut ureq::http::Response<ureq::Body>| {
        let _ = resp.body_mut().read_to_vec();
    };
    let mut resp = get(None)?;
    if resp.status().as_u16() == 401 {
        if matches!(challenge(&resp)?, Challenge::Absent) {
            let offered: Vec<&str> = resp
                .headers()
                .get_all("www-authenticate")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(|v| v.split_whitespace().next())
                .collect();
            return Err(format!(
                "HTTP 401: the server does not offer Negotiate (it offers: {})",
                if offered.is_empty() {
                    "nothing".to_string()
                } else {
                    offered.join(", ")
                }
            ));
        }
        drain(&mut resp);
        let mut client = client(args, &host)?;
        resp = authenticate(&mut client, &get, &drain)?;
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

/// The front door's client for the URL's host, with the credentials as `curl --negotiate`
/// takes them: none (the default cache), `--user` (a password from the environment, a file or
/// a prompt), or `--ccache`.
fn client(args: &HttpArgs, host: &str) -> Result<Client, String> {
    let conf = crate::kerberos::conf()?;
    let target = args
        .target
        .clone()
        .unwrap_or_else(|| format!("HTTP/{host}"));
    let mut client = Client::new(&target)
        .fallback(crate::negotiate::fallback(args.fallback.as_deref())?)
        .allow_weak(args.kerberos.allow_weak)
        .flags(crate::kerberos::context_flags(true, false, args.delegate));
    let realm = match (&args.user, &args.ccache) {
        (Some(user), _) => {
            let password =
                crate::password::read(&args.password, &format!("Password for {user}: "))?;
            client = client.with_password(user, &password);
            UserName::parse(user, conf.default_realm())
                .ok()
                .and_then(|n| n.kerberos(conf.default_realm()).ok())
                .map(|p| p.realm)
        }
        (None, Some(cache)) => {
            client = client.with_ccache(cache);
            Ccache::read(cache).ok().map(|c| c.default_principal.realm)
        }
        (None, None) => Ccache::read(&ccache::default_name())
            .ok()
            .map(|c| c.default_principal.realm),
    };
    let realm = realm
        .or_else(|| conf.default_realm().map(str::to_string))
        .unwrap_or_default();
    if let Some(d) = &args.domain {
        client = client.domain(d);
    }
    if let Some(p) = &args.packages {
        client = client.packages(p);
    }
    if let Some(cb) = crate::policy::bindings(args.channel_bindings.as_deref()) {
        client = client.channel_bindings(cb);
    }
    if args.kerberos.enctypes.is_some() {
        client = client.enctypes(crate::kerberos::enctypes(&args.kerberos, &conf)?);
    }
    let transport = crate::kerberos::transport(&args.kdc, &conf, &realm)?;
    Ok(client
        .environment(
            crate::kerberos::clock(&args.kerberos),
            Arc::new(|| Box::new(SystemRandom) as Box<dyn Random>),
        )
        .kdc_transport(Arc::new(transport))
        .krb5_conf(conf))
}

/// The Negotiate round trips after the server's first 401; returns the final response.
fn authenticate(
    client: &mut Client,
    get: Get<'_>,
    drain: &dyn Fn(&mut Response),
) -> Result<Response, String> {
    let fail = |e: sesame_gss::Error| crate::kinds::failure_text(&e);
    let mut progress = client.step(None).map_err(fail)?;
    let resp = loop {
        let Some(token) = progress.token().map(<[u8]>::to_vec) else {
            return Err("the context produced no token for the server".into());
        };
        let mut resp = get(Some(&token))?;
        let status = resp.status().as_u16();
        match (status, challenge(&resp)?) {
            (401, Challenge::Token(reply)) if !client.is_complete() => {
                drain(&mut resp);
                progress = client.step(Some(&reply)).map_err(fail)?;
            }
            (401, _) => return Err("the server refused the credentials (401)".into()),
            (_, Challenge::Token(reply)) if !client.is_complete() => {
                // The server's last token: mutual authentication.
                if client.step(Some(&reply)).map_err(fail)?.token().is_some() {
                    return Err("the server's final token did not complete the context".into());
                }
                break resp;
            }
            _ => break resp,
        }
    };
    let Some(n) = client.negotiated() else {
        return Err("the server answered without authenticating itself (no final token)".into());
    };
    if let Some(reason) = &n.fallback {
        eprintln!("sesame: fell back to NTLM: {reason}");
    }
    eprintln!(
        "sesame: HTTP {} with spnego/{} to {}",
        resp.status().as_u16(),
        n.mechanism,
        n.peer.unwrap_or_default()
    );
    Ok(resp)
}
