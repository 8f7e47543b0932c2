//! An axum server requiring HTTP Negotiate: the keytab of `KRB5_KTNAME` (Kerberos) and the
//! NTLM users of `NTLM_USER_FILE`, only for its own name (`SESAME_SPN`, default
//! `HTTP/localhost`); every authenticated GET is answered `200` with a body naming the user.
//! The listener numbers its connections, so that an NTLM logon holds for its connection.
//!
//! `cargo run -p sesame --features http-server --example http_server -- 127.0.0.1:8080`

use std::sync::Arc;

use axum::extract::Extension;
use axum::routing::get;
use sesame::http::server::{Authenticated, Connection, NegotiateLayer, NumberedListener};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let spn = std::env::var("SESAME_SPN").unwrap_or_else(|_| "HTTP/localhost".into());
    let server = sesame::Server::new()?.service_names(&[spn.as_str()])?;
    let app = axum::Router::new()
        .fallback(get(
            |Extension(user): Extension<Authenticated>| async move {
                format!("hello {} ({})\n", user.user, user.mechanism)
            },
        ))
        .layer(NegotiateLayer::new(Arc::new(server)));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    axum::serve(
        NumberedListener::new(listener),
        app.into_make_service_with_connect_info::<Connection>(),
    )
    .await?;
    Ok(())
}
