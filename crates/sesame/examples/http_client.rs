//! GET a URL with HTTP Negotiate, as `curl --negotiate -u :` does: the default credentials (the
//! default credential cache, else the default client keytab); Kerberos, with NTLM as the
//! fallback policy allows. Prints the body; what was negotiated goes to standard error.
//!
//! `cargo run -p sesame --features https --example http_client -- URL`
//! Over HTTPS the handshake is bound to the server's certificate (Extended Protection), the
//! roots being the system's (`SSL_CERT_FILE` names others).
//! (`SESAME_USER` and `SESAME_PASSWORD` in the environment log on with a password instead;
//! `SESAME_FALLBACK` is `allowlist`, `any` or `never`.)

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: http_client URL")?;
    let host = url
        .split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    let mut client = sesame::Client::new(&format!("HTTP/{host}"));
    if let (Ok(user), Ok(password)) = (
        std::env::var("SESAME_USER"),
        std::env::var("SESAME_PASSWORD"),
    ) {
        client = client.with_password(&user, &password);
    }
    if let Ok(policy) = std::env::var("SESAME_FALLBACK") {
        client = client.fallback(
            sesame::FallbackPolicy::parse(&policy)
                .ok_or("SESAME_FALLBACK: allowlist, any or never")?,
        );
    }
    // tls_info: the certificate of the connection, for the channel bindings.
    let http = reqwest::Client::builder().tls_info(true).build()?;
    let (response, negotiated) = sesame::http::client::get(&http, &url, client).await?;
    if let Some(n) = negotiated {
        if let Some(reason) = &n.fallback {
            eprintln!("fell back to NTLM: {reason}");
        }
        eprintln!(
            "HTTP {} with {} to {}",
            response.status().as_u16(),
            n.mechanism,
            n.peer.unwrap_or_default()
        );
    }
    let status = response.status();
    print!("{}", response.text().await?);
    if !status.is_success() {
        return Err(format!("HTTP {status}").into());
    }
    Ok(())
}
