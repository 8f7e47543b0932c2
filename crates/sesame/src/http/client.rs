//! HTTP Negotiate for reqwest: [`get`] sends a request, and on a `401` offering Negotiate runs
//! the handshake with a [`crate::Client`] on the same kept-alive connection (NTLM authenticates
//! the connection, not the request: each `401`'s body is read to its end so that the pool
//! reuses the connection), then checks the server's final token (mutual authentication).
//!
//! Extended Protection (feature `https`): over HTTPS, with a reqwest client built with
//! `.tls_info(true)`, the certificate of the connection that answered 401 is bound into the
//! handshake as `tls-server-end-point` (RFC 5929): NTLM's MsvAvChannelBindings, the Kerberos
//! authenticator checksum with `KERB_AP_OPTIONS_CBT`, as Windows sends them. A server that
//! requires Extended Protection (IIS, Windows Server 2025 by default) refuses a token without
//! them, and a token relayed through another TLS connection carries the wrong ones. Bindings
//! given with [`Client::channel_bindings`] are kept as they are.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};

use super::{Negotiate, header, parse};
use crate::{Client, Negotiated};

/// Why an HTTP Negotiate request failed.
///
/// ```no_run
/// use sesame::http::client::{HttpError, get};
/// # async fn run() {
/// let http = reqwest::Client::new();
/// match get(&http, "http://web.example.com/", sesame::Client::new("HTTP/web.example.com")).await {
///     Ok((response, _)) => println!("{}", response.status()),
///     Err(HttpError::NoNegotiate { offered }) => eprintln!("no Negotiate here, only {offered}"),
///     Err(HttpError::Refused(status)) => eprintln!("refused: HTTP {status}"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The HTTP exchange itself failed.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// The security context failed (its facts inside: a KRB-ERROR, a transport failure...).
    #[error("authentication: {0}")]
    Auth(#[from] crate::Error),
    /// The server answered 401 without offering Negotiate.
    #[error("the server does not offer Negotiate (it offers: {offered})")]
    NoNegotiate {
        /// The schemes of its `WWW-Authenticate` headers.
        offered: String,
    },
    /// The server refused the credentials (a 401 that carries no further token).
    #[error("the server refused the credentials (HTTP {0})")]
    Refused(u16),
    /// The server answered without its final token, or with one that does not complete the
    /// context: it did not prove who it is.
    #[error("the server did not authenticate itself (no final Negotiate token)")]
    NotMutual,
    /// A token that is not base64.
    #[error("the server's Negotiate token is not base64")]
    Malformed,
    /// The server's certificate could not be read for channel bindings.
    #[cfg(feature = "https")]
    #[error("the server's certificate, for channel bindings: {0}")]
    Certificate(crate::Error),
}

/// The response to a GET of `url`, authenticated with `client` when the server asks for
/// Negotiate; and what was negotiated, when it did. Over HTTPS with feature `https` and a
/// reqwest client built with `.tls_info(true)`, the handshake is bound to the certificate of
/// the connection (Extended Protection, see the module's documentation).
///
/// ```no_run
/// # async fn run() -> Result<(), sesame::http::client::HttpError> {
/// let http = reqwest::Client::new();
/// let url = "http://web.example.com/";
/// let (response, negotiated) =
///     sesame::http::client::get(&http, url, sesame::Client::new("HTTP/web.example.com")).await?;
/// println!("{:?} {}", negotiated.map(|n| n.mechanism), response.text().await?);
/// # Ok(()) }
/// ```
pub async fn get(
    http: &reqwest::Client,
    url: &str,
    mut client: Client,
) -> Result<(reqwest::Response, Option<Negotiated>), HttpError> {
    let response = http.get(url).send().await?;
    if response.status() != StatusCode::UNAUTHORIZED {
        return Ok((response, None));
    }
    if !offers(&response).iter().any(|o| *o != Negotiate::Other) {
        let offered: Vec<String> = response
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| {
                v.to_str()
                    .ok()?
                    .split_whitespace()
                    .next()
                    .map(str::to_string)
            })
            .collect();
        return Err(HttpError::NoNegotiate {
            offered: if offered.is_empty() {
                "nothing".into()
            } else {
                offered.join(", ")
            },
        });
    }
    #[cfg(feature = "https")]
    if !client.has_channel_bindings()
        && let Some(cert) = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(reqwest::tls::TlsInfo::peer_certificate)
    {
        let bindings =
            crate::ChannelBindings::tls_server_end_point(cert).map_err(HttpError::Certificate)?;
        client = client.channel_bindings(bindings);
    }
    drop(response.bytes().await);
    let mut progress = client.step_async(None).await?;
    loop {
        let token = progress.token().ok_or(HttpError::NotMutual)?.to_vec();
        let response = http
            .get(url)
            .header(AUTHORIZATION, header(&token))
            .send()
            .await?;
        let reply = offers(&response)
            .into_iter()
            .find(|o| *o != Negotiate::Other);
        match (response.status(), reply) {
            (_, Some(Negotiate::Malformed)) => return Err(HttpError::Malformed),
            (StatusCode::UNAUTHORIZED, Some(Negotiate::Token(t))) if !client.is_complete() => {
                drop(response.bytes().await);
                progress = client.step_async(Some(&t)).await?;
            }
            (StatusCode::UNAUTHORIZED, _) => return Err(HttpError::Refused(401)),
            (_, Some(Negotiate::Token(t))) if !client.is_complete() => {
                // The server's last token: mutual authentication.
                if client.step_async(Some(&t)).await?.token().is_some() {
                    return Err(HttpError::NotMutual);
                }
                let negotiated = client.negotiated().ok_or(HttpError::NotMutual)?;
                return Ok((response, Some(negotiated)));
            }
            _ => {
                let negotiated = client.negotiated().ok_or(HttpError::NotMutual)?;
                return Ok((response, Some(negotiated)));
            }
        }
    }
}

fn offers(response: &reqwest::Response) -> Vec<Negotiate> {
    response
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.to_str().map_or(Negotiate::Other, parse))
        .collect()
}
