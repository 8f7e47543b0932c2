//! The facade's HTTP examples against real peers: the axum example server (Sesame's
//! `NegotiateLayer`) asked by `curl --negotiate` (MIT GSSAPI: Kerberos), Python `requests` with
//! `requests-gssapi` (Kerberos) and pyspnego (SPNEGO with NTLM); the reqwest example client
//! against Apache mod_auth_gssapi (rows in `http.rs`, where Apache runs).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mit_kdc::{PASSWORD, REALM};
use super::{Env, Row};
use crate::util::{Result, cargo, free_port, output, root, run};

/// The built examples.
pub struct Examples {
    pub client: PathBuf,
    pub server: PathBuf,
    /// The LDAP SASL bind and search example (the Samba rows).
    pub ldap: PathBuf,
}

/// Builds `http_client` and `http_server` of the facade.
pub fn build() -> Result<Examples> {
    run(cargo().args([
        "build",
        "--quiet",
        "--locked",
        "-p",
        "sesame",
        "--features",
        "https,http-server,async-kdc-proxy",
        "--examples",
    ]))?;
    let dir = root().join("target/debug/examples");
    Ok(Examples {
        client: dir.join("http_client"),
        server: dir.join("http_server"),
        ldap: dir.join("ldap_search"),
    })
}

pub(super) struct Running(pub(super) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const PEER: &str = "Sesame axum layer (http_server example)";

#[allow(clippy::too_many_lines)] // one peer command per row, spelt out
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
        Err(e) => return failed("sesame kinit for the HTTP rows", e),
    };
    let users = dir.join("ntlm_users");
    if let Err(e) = std::fs::write(&users, "EXAMPLE:user1:Passw0rd1\n") {
        return failed("users file", e.to_string());
    }
    let (_server, port) = match start_server(env, examples, &users) {
        Ok(s) => s,
        Err(e) => return failed("start the http_server example", e),
    };
    let url = format!("http://localhost:{port}/index.txt");
    let kerberos = "hello user1@EXAMPLE.TEST (kerberos)";
    let ntlm = "hello EXAMPLE\\user1 (ntlm)";
    let mut curl = Command::new("curl");
    curl.args(["--negotiate", "-u", ":", "-s", "-S", "--fail", &url])
        .env("KRB5_CONFIG", &env.conf)
        .env("KRB5CCNAME", &cache);
    let mut curl_ntlm = Command::new("curl");
    curl_ntlm
        .args(["--negotiate", "-u", ":", "-s", "-S", "--fail", &url])
        .env("KRB5_CONFIG", &env.conf)
        .env("KRB5CCNAME", "FILE:/dev/null/none")
        .env("NTLM_USER_FILE", &users);
    let mut requests = Command::new(&env.python);
    requests
        .args([
            "-c",
            "import sys, requests, requests_gssapi as g\n\
             a = g.HTTPSPNEGOAuth(mutual_authentication=g.REQUIRED)\n\
             r = requests.get(sys.argv[1], auth=a)\n\
             print(r.text.strip()); sys.exit(0 if r.status_code == 200 else 1)",
            &url,
        ])
        .env("KRB5_CONFIG", &env.conf)
        .env("KRB5CCNAME", &cache);
    let mut pyspnego = Command::new(&env.python);
    pyspnego
        .arg(root().join("xtask/py/http_negotiate_client.py"))
        .args([url.as_str(), "EXAMPLE\\user1", PASSWORD])
        .env("KRB5CCNAME", "FILE:/dev/null/none");
    let mut pyspnego_again = Command::new(&env.python);
    pyspnego_again
        .arg(root().join("xtask/py/http_negotiate_client.py"))
        .args([url.as_str(), "EXAMPLE\\user1", PASSWORD, "--again"])
        .env("KRB5CCNAME", "FILE:/dev/null/none");
    let rows = vec![
        row(
            "curl --negotiate -u : (MIT GSSAPI, Kerberos from the ccache) -> sesame axum layer",
            curl,
            kerberos,
        ),
        row(
            "curl --negotiate -u : (MIT SPNEGO with gss-ntlmssp, no Kerberos credentials: NTLM) -> sesame axum layer",
            curl_ntlm,
            ntlm,
        ),
        row(
            "Python requests + requests-gssapi (Kerberos, mutual authentication required) -> sesame axum layer",
            requests,
            kerberos,
        ),
        row(
            "pyspnego SPNEGO over NTLM on one connection -> sesame axum layer",
            pyspnego,
            ntlm,
        ),
        row(
            "pyspnego NTLM, then a GET without Authorization on the same connection -> sesame axum layer: the logon holds for its connection (as IIS)",
            pyspnego_again,
            "again 200 hello EXAMPLE\\user1 (ntlm)",
        ),
    ];
    env.relay.take();
    rows
}

/// The rows' directory and user1's ccache in it (from `sesame kinit`, once).
pub(super) fn prepare(env: &Env<'_>, sesame: &Path) -> Result<(PathBuf, String)> {
    let dir = env.kdc.dir.join("facade-http");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let cache = format!("FILE:{}", dir.join("cc").display());
    if !dir.join("cc").exists() {
        let o = output(
            Command::new(sesame)
                .args(["kinit", &format!("user1@{REALM}"), "--password-env", "PW"])
                .args(["--ccache", &cache])
                .env("PW", PASSWORD)
                .env("KRB5_CONFIG", &env.conf),
        )?;
        env.relay.take();
        if !o.status.success() {
            return Err(String::from_utf8_lossy(&o.stderr).into_owned());
        }
    }
    Ok((dir, cache))
}

/// The http_server example on a free port (the service keytab, NTLM users from `users`).
pub(super) fn start_server(
    env: &Env<'_>,
    examples: &Examples,
    users: &Path,
) -> Result<(Running, u16)> {
    let port = free_port()?;
    let server = Command::new(&examples.server)
        .arg(format!("127.0.0.1:{port}"))
        .env("KRB5_CONFIG", &env.conf)
        .env("KRB5_KTNAME", env.kdc.dir.join("service.keytab"))
        .env("NTLM_USER_FILE", users)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let running = Running(server);
    let deadline = Instant::now() + Duration::from_secs(20);
    if !crate::util::wait_listening(port, deadline) {
        return Err("not listening".into());
    }
    Ok((running, port))
}

/// Runs `cmd`, which must exit as `ok` says with `says` in its output (standard output and
/// error, joined); the output is the row's message.
pub(super) fn expect_row(
    env: &Env<'_>,
    peer: &'static str,
    scenario: &'static str,
    mut cmd: Command,
    ok: bool,
    says: &str,
) -> Row {
    let outcome = output(&mut cmd).and_then(|o| {
        let text = format!(
            "{} / {}",
            String::from_utf8_lossy(&o.stdout).trim(),
            String::from_utf8_lossy(&o.stderr)
                .trim()
                .replace('\n', " / ")
        );
        if o.status.success() == ok && text.contains(says) {
            Ok(text)
        } else {
            Err(format!(
                "expected {} with `{says}`: {text}",
                if ok { "success" } else { "failure" }
            ))
        }
    });
    env.relay.take();
    Row {
        peer,
        scenario,
        messages: outcome
            .as_ref()
            .map(|t| vec![t.clone()])
            .unwrap_or_default(),
        outcome: outcome.map(drop),
    }
}

/// Runs `cmd`, which must succeed with `says` in its output.
fn row(scenario: &'static str, mut cmd: Command, says: &str) -> Row {
    let outcome = output(&mut cmd).and_then(|o| {
        let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
        let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
        if o.status.success() && out.contains(says) {
            Ok(out)
        } else {
            Err(format!("expected `{says}`: {out} {err}"))
        }
    });
    match outcome {
        Ok(out) => Row {
            peer: PEER,
            scenario,
            messages: vec![out],
            outcome: Ok(()),
        },
        Err(e) => Row {
            peer: PEER,
            scenario,
            messages: vec![],
            outcome: Err(e),
        },
    }
}

/// The reqwest example client against Apache at `base` (`http://localhost:PORT`): Kerberos
/// from the default cache, the NTLM fallback with the KDC down, and no fallback when the
/// policy says never.
pub fn client_rows(
    env: &Env<'_>,
    sesame: &Path,
    examples: &Result<Examples>,
    base: &str,
    dead: &str,
) -> Vec<Row> {
    const APACHE: &str = "Apache httpd + mod_auth_gssapi";
    let prepared = examples
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|_| prepare(env, sesame));
    let (dir, cache) = match prepared {
        Ok(p) => p,
        Err(e) => {
            return vec![Row {
                peer: APACHE,
                scenario: "the reqwest example client",
                messages: vec![],
                outcome: Err(e),
            }];
        }
    };
    let Ok(examples) = examples else {
        return vec![];
    };
    let dead_conf = dir.join("dead-kdc.conf");
    let _ = std::fs::write(
        &dead_conf,
        format!(
            "[libdefaults]\n default_realm = {REALM}\n udp_preference_limit = 1\n\
             [realms]\n {REALM} = {{\n  kdc = {dead}\n }}\n[domain_realm]\n localhost = {REALM}\n"
        ),
    );
    let client = |url: String, cc: &str, conf: &Path| {
        let mut c = Command::new(&examples.client);
        c.arg(url).env("KRB5_CONFIG", conf).env("KRB5CCNAME", cc);
        c
    };
    let check = |scenario: &'static str, cmd: Command, ok: bool, says: &str| {
        expect_row(env, APACHE, scenario, cmd, ok, says)
    };
    let with_password = |mut c: Command| {
        c.env("SESAME_USER", "EXAMPLE\\user1")
            .env("SESAME_PASSWORD", PASSWORD);
        c
    };
    vec![
        check(
            "reqwest example client (sesame::http::client), default ccache -> GET /krb/: Kerberos, mutual",
            client(format!("{base}/krb/index.txt"), &cache, &env.conf),
            true,
            "with kerberos",
        ),
        check(
            "reqwest example client, EXAMPLE\\user1 with the KDC down -> GET /spnego/: NTLM fallback",
            with_password(client(
                format!("{base}/spnego/index.txt"),
                "FILE:/dev/null/none",
                &dead_conf,
            )),
            true,
            "fell back to NTLM",
        ),
        check(
            "reqwest example client, the KDC down and SESAME_FALLBACK=never -> no NTLM",
            {
                let mut c = with_password(client(
                    format!("{base}/spnego/index.txt"),
                    "FILE:/dev/null/none",
                    &dead_conf,
                ));
                c.env("SESAME_FALLBACK", "never");
                c
            },
            false,
            "no KDC of realm EXAMPLE.TEST answered",
        ),
    ]
}
