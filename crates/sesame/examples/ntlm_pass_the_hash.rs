//! NTLM with an NT hash instead of a password (pass-the-hash), through the front door: a
//! `Client` and a `Server` in one process; NTLM alone, as a client with only a hash can do no
//! Kerberos.
//!
//! `cargo run -p sesame --example ntlm_pass_the_hash`

use std::sync::Arc;

use sesame::kerberos::krb5_conf::Krb5Conf;
use sesame::ntlm::MemoryUserStore;
use sesame::{Client, MessageProtection, Server};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The hash of "Passw0rd1", as a secretsdump or a keytab's rc4 key would give it.
    let hash = *sesame::ntlm::crypto::nt_hash("Passw0rd1");
    println!(
        "NT hash: {}",
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let mut users = MemoryUserStore::new();
    users.add_nt_hash("EXAMPLE", "user1", hash);
    let server = Server::empty()
        .with_ntlm_users(Arc::new(users))
        .service_names(&["HTTP/localhost"])?;

    let mut client = Client::new("HTTP/localhost")
        .with_nt_hash("EXAMPLE\\user1", hash)
        .krb5_conf(Krb5Conf::parse("", std::path::Path::new("none"))?);
    let mut acceptor = server.accept();
    let mut progress = client.step(None)?;
    while let Some(token) = progress.token().map(<[u8]>::to_vec) {
        println!("client -> server: {} bytes", token.len());
        let answer = acceptor.step(&token)?;
        match answer.token() {
            Some(t) if !progress.is_complete() => {
                println!("server -> client: {} bytes", t.len());
                progress = client.step(Some(t))?;
            }
            _ => break,
        }
    }
    let n = client.negotiated().ok_or("the client did not complete")?;
    let s = acceptor.negotiated().ok_or("the server did not complete")?;
    println!(
        "client: {} to {}, key {:?}",
        n.mechanism,
        n.peer.unwrap_or_default(),
        n.key
    );
    println!("server: {} logged on", s.peer.unwrap_or_default());
    let sealed = client.wrap(b"hello", true)?;
    println!(
        "unwrapped: {:?}",
        String::from_utf8_lossy(&acceptor.unwrap(&sealed)?.0)
    );
    Ok(())
}
