//! Extended Protection over HTTPS against a real acceptor: the reqwest example client (its
//! bindings taken from the certificate of the connection that answered 401) against an HTTPS
//! server whose MIT GSSAPI SPNEGO acceptor (python-gssapi; krb5, and NTLM through
//! gss-ntlmssp) is given the certificate's `tls-server-end-point` bindings; and the same
//! client refused by an acceptor bound to another certificate, as behind a relay.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::facade_http::{Examples, Running, expect_row, prepare};
use super::mit_kdc::{PASSWORD, REALM};
use super::{Env, Row};
use crate::util::{Result, free_port, root, run};

const PEER: &str = "MIT GSSAPI SPNEGO acceptor over HTTPS (python-gssapi, gss-ntlmssp)";

/// An HTTPS server on a free port serving `good` whose acceptor binds to `bind_to`.
fn start(env: &Env<'_>, dir: &Path, bind_to: &str) -> Result<(Running, u16)> {
    let port = free_port()?;
    let log = std::fs::File::create(dir.join(format!("server-{bind_to}.log")))
        .map_err(|e| e.to_string())?;
    let child = Command::new(&env.python)
        .arg(root().join("xtask/py/https_negotiate_server.py"))
        .arg(port.to_string())
        .arg(dir.join("pki/good.pem"))
        .arg(dir.join("pki/good.key"))
        .arg(dir.join(format!("pki/{bind_to}.pem")))
        .env("KRB5_CONFIG", &env.conf)
        .env("KRB5_KTNAME", env.kdc.dir.join("service.keytab"))
        .env("NTLM_USER_FILE", dir.join("ntlm_users"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the HTTPS server: {e}"))?;
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    if !crate::util::wait_listening(port, deadline) {
        return Err(format!("the HTTPS server is not listening on {port}"));
    }
    Ok((running, port))
}

pub fn rows(env: &Env<'_>, sesame: &Path, examples: &Result<Examples>) -> Vec<Row> {
    let failed = |scenario: &'static str, e: String| {
        vec![Row {
            peer: PEER,
            scenario,
            messages: vec![],
            outcome: Err(e),
        }]
    };
    let examples = match examples {
        Ok(e) => e,
        Err(e) => return failed("build the HTTP examples", e.clone()),
    };
    let (dir, cache) = match prepare(env, sesame) {
        Ok(p) => p,
        Err(e) => return failed("sesame kinit for the HTTPS rows", e),
    };
    let dir = dir.join("https");
    let made = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            std::fs::write(dir.join("ntlm_users"), "EXAMPLE:user1:Passw0rd1\n")
                .map_err(|e| e.to_string())
        })
        .and_then(|()| {
            run(Command::new(&env.python)
                .arg(root().join("xtask/py/make_certs.py"))
                .arg(dir.join("pki")))
        });
    if let Err(e) = made {
        return failed("certificates for the HTTPS server", e);
    }
    let dead_conf = dir.join("dead-kdc.conf");
    let dead = match free_port() {
        Ok(p) => format!("127.0.0.1:{p}"),
        Err(e) => return failed("free port", e),
    };
    if let Err(e) = std::fs::write(
        &dead_conf,
        format!(
            "[libdefaults]\n default_realm = {REALM}\n udp_preference_limit = 1\n\
             [realms]\n {REALM} = {{\n  kdc = {dead}\n }}\n[domain_realm]\n localhost = {REALM}\n"
        ),
    ) {
        return failed("krb5.conf with the KDC down", e.to_string());
    }
    let servers = start(env, &dir, "good")
        .and_then(|bound| start(env, &dir, "wronghost").map(|relayed| (bound, relayed)));
    let ((_bound, bound), (_relayed, relayed)) = match servers {
        Ok(s) => s,
        Err(e) => return failed("start the HTTPS servers", e),
    };
    let client = |port: u16, kerberos: bool| {
        let mut c = Command::new(&examples.client);
        c.arg(format!("https://localhost:{port}/"))
            .env("SSL_CERT_FILE", dir.join("pki/ca.pem"));
        if kerberos {
            c.env("KRB5_CONFIG", &env.conf).env("KRB5CCNAME", &cache);
        } else {
            // The KDC down: Negotiate falls back to NTLM with the password.
            c.env("KRB5_CONFIG", &dead_conf)
                .env("KRB5CCNAME", "FILE:/dev/null/none")
                .env("SESAME_USER", "EXAMPLE\\user1")
                .env("SESAME_PASSWORD", PASSWORD);
        }
        c
    };
    vec![
        expect_row(
            env,
            PEER,
            "reqwest example client over HTTPS, bindings from the connection's certificate -> acceptor with them: Kerberos (KERB_AP_OPTIONS_CBT)",
            client(bound, true),
            true,
            "hello user1@EXAMPLE.TEST",
        ),
        expect_row(
            env,
            PEER,
            "reqwest example client over HTTPS, the KDC down -> acceptor with the bindings: NTLM (MsvAvChannelBindings, gss-ntlmssp)",
            client(bound, false),
            true,
            "fell back to NTLM",
        ),
        expect_row(
            env,
            PEER,
            "reqwest example client over HTTPS -> acceptor bound to another certificate (a relay's view): Kerberos refused",
            client(relayed, true),
            false,
            // MIT answers a binding mismatch with a generic KRB-ERROR.
            "KRB_ERR_GENERIC (60) from HTTP/localhost@EXAMPLE.TEST",
        ),
        expect_row(
            env,
            PEER,
            "reqwest example client over HTTPS, the KDC down -> acceptor bound to another certificate: NTLM refused",
            client(relayed, false),
            false,
            "the acceptor rejected the negotiation",
        ),
    ]
}
