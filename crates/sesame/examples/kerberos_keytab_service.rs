//! A Kerberos service from its keytab, through the front door: the `Server` takes only tickets
//! for its own name, one replay cache for all its connections; a `Client` logs on with a
//! password (the KDC is an in-process test KDC, the keytab a file it wrote).
//!
//! `cargo run -p sesame --example kerberos_keytab_service`

use std::sync::Arc;

use sesame::gss::{Random, SystemClock, SystemRandom};
use sesame::kerberos::keytab::Keytab;
use sesame::kerberos::krb5_conf::Krb5Conf;
use sesame::{Client, MessageProtection, Server};
use sesame_testkdc::TestKdc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        Arc::new(SystemClock),
        Box::new(SystemRandom) as Box<dyn Random>,
    ));
    kdc.add_user("user1", "Passw0rd1");
    let path = std::env::temp_dir().join(format!("sesame-example-{}.keytab", std::process::id()));
    kdc.add_service("HTTP/localhost").write(&path)?;

    // What a service does at start: its keytab, its name.
    let server = Server::empty()
        .with_keytab(Keytab::read(&path)?)
        .service_names(&["HTTP/localhost"])?;
    let _ = std::fs::remove_file(&path);

    let conf = Krb5Conf::parse(
        "[libdefaults]\n    default_realm = EXAMPLE.TEST\n",
        std::path::Path::new("example.conf"),
    )?;
    let mut client = Client::new("HTTP/localhost")
        .with_password("user1", "Passw0rd1")
        .krb5_conf(conf)
        .kdc_transport(kdc.clone());
    let mut acceptor = server.accept();
    let token = client.step(None)?;
    let answer = acceptor.step(token.token().ok_or("no token")?)?;
    if let Some(t) = answer.token() {
        client.step(Some(t))?; // the AP-REP: mutual authentication
    }
    let n = acceptor.negotiated().ok_or("the server did not complete")?;
    println!(
        "server: {} logged on with {} ({:?})",
        n.peer.unwrap_or_default(),
        n.mechanism,
        n.key.map(|k| k.algorithm)
    );
    println!(
        "client: verified {}",
        client.negotiated().ok_or("no")?.peer.unwrap_or_default()
    );
    let sealed = acceptor.wrap(b"welcome", true)?;
    println!(
        "client unwrapped: {:?}",
        String::from_utf8_lossy(&client.unwrap(&sealed)?.0)
    );
    Ok(())
}
