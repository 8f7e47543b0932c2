//! CredSSP interop: `sesame init|accept --mech credssp` (rustls, sesame-credssp over the
//! front door's Negotiate) against pyspnego's CredSSP (Python's ssl, its SPNEGO and NTLM), both
//! directions, the TLS records as tokens; the certificate is an RSA one as pyspnego makes
//! (pyspnego binds only RSA keys). NTLM inside (pyspnego's pure-Python SPNEGO and NTLM) and
//! Kerberos inside (MIT GSSAPI's SPNEGO, pykrb5 for the password; the MIT KDC). Negative rows: an untrusted certificate (refused before any
//! CredSSP, its fingerprint printed) and a wrong password (the server's errorCode).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Row;
use super::credssp_relay::Tamper;

/// A proxy that alters nothing.
const UNTOUCHED: Tamper<'static> = Tamper {
    to_client: &|_| {},
    to_server: &|_| {},
};
use super::pump::{Expect, exchange, judge};
use crate::util::{Result, root, run_ok};

const PEER: &str = "pyspnego CredSSP (ssl + NTLM)";
const PASSWORD: &str = "Passw0rd1";

pub struct Credssp<'a> {
    pub sesame: &'a Path,
    pub python: &'a Path,
    pub users: PathBuf,
    pub dir: PathBuf,
    /// The MIT KDC's krb5.conf and its HTTP/localhost keytab, for the Kerberos rows.
    pub krb5_conf: PathBuf,
    pub keytab: PathBuf,
}

impl Credssp<'_> {
    fn peer(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.python);
        c.arg(root().join("xtask/py/credssp_peer.py"))
            .args(args)
            .env("NTLM_USER_FILE", &self.users);
        c
    }

    fn sesame_init(&self, password: &str, trust: &[&str]) -> Command {
        let mut c = Command::new(self.sesame);
        c.args(["init", "--mech", "credssp", "--target", "TERMSRV/localhost"])
            .args(["--user", "EXAMPLE\\user1", "--password-env", "SESAME_PW"])
            .args(["--packages", "ntlm"])
            .args(trust)
            .env("SESAME_PW", password)
            .env("KRB5_CONFIG", "/dev/null");
        c
    }

    /// A client and a server through [`super::credssp_relay::relay`], the proxy presenting its
    /// own certificate: the server must refuse with `refusal` (its error line) and none of the
    /// client's TSRequests that crossed may carry authInfo.
    fn relay_row(
        &self,
        scenario: &'static str,
        mut client: Command,
        mut server: Command,
        refusal: &str,
        tamper: &super::credssp_relay::Tamper<'_>,
    ) -> Row {
        let mut messages = Vec::new();
        let relay_dir = self.dir.join("relay");
        let outcome = super::credssp_relay::relay(
            &mut client,
            &mut server,
            &relay_dir.join("cert.pem").display().to_string(),
            &relay_dir.join("key.pem").display().to_string(),
            tamper,
        )
        .and_then(|r| {
            messages.push(format!(
                "{} TSRequests from the client crossed the proxy: {}",
                r.from_client.len(),
                r.from_client
                    .iter()
                    .map(|t| {
                        let mut parts = Vec::new();
                        if t.nego_tokens.is_some() {
                            parts.push("negoTokens");
                        }
                        if t.pub_key_auth.is_some() {
                            parts.push("pubKeyAuth");
                        }
                        if t.auth_info.is_some() {
                            parts.push("authInfo");
                        }
                        parts.join("+")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let said = r
                .server_error
                .clone()
                .or_else(|| r.client_error.clone().map(|e| format!("(client) {e}")))
                .unwrap_or_default();
            messages.push(format!("refused: {said}"));
            if r.from_client.iter().any(|t| t.auth_info.is_some()) {
                return Err("credentials (authInfo) crossed the proxy".into());
            }
            if !said.contains(refusal) {
                return Err(format!("expected a refusal with `{refusal}`"));
            }
            let binding_refused = refusal.contains("ublic key") || refusal.contains("public-key");
            if binding_refused && !r.from_client.iter().any(|t| t.pub_key_auth.is_some()) {
                return Err("the client never bound the key".into());
            }
            Ok(())
        });
        Row {
            peer: PEER,
            scenario,
            messages,
            outcome,
        }
    }

    /// `sesame rdp-auth --ccache` (Kerberos from a cache that `sesame kinit` filled from the MIT
    /// KDC, no password) -> `sesame rdp-listen --keytab`: authenticated with Kerberos, and only
    /// restricted admin mode delegated (nothing reusable).
    fn rdp_ccache_row(&self, fingerprint: &str) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let cache = format!("FILE:{}", self.dir.join("cc-rdp").display());
            run_ok(
                Command::new(self.sesame)
                    .args([
                        "kinit",
                        "user1@EXAMPLE.TEST",
                        "--password-env",
                        "SESAME_PW",
                        "-c",
                        &cache,
                    ])
                    .env("SESAME_PW", PASSWORD)
                    .env("KRB5_CONFIG", &self.krb5_conf),
            )?;
            let port = crate::util::free_port()?;
            let listener = Command::new(self.sesame)
                .args([
                    "rdp-listen",
                    &port.to_string(),
                    "--cert",
                    &self.cert("cert.pem"),
                ])
                .args(["--key", &self.cert("key.pem"), "--keytab"])
                .arg(&self.keytab)
                .env("KRB5_CONFIG", &self.krb5_conf)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?;
            for _ in 0..50 {
                if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let auth = crate::util::output(
                Command::new(self.sesame)
                    .arg("rdp-auth")
                    .arg(format!("127.0.0.1:{port}"))
                    .args(["--ccache", &cache, "--spn", "HTTP/localhost"])
                    .args(["--accept-fingerprint", fingerprint])
                    .env("KRB5_CONFIG", &self.krb5_conf),
            )?;
            let said = String::from_utf8_lossy(&auth.stdout).trim().to_string();
            let out = listener.wait_with_output().map_err(|e| e.to_string())?;
            let heard = String::from_utf8_lossy(&out.stdout).trim().to_string();
            checks.push(format!(
                "rdp-auth: {said}{}",
                String::from_utf8_lossy(&auth.stderr).trim()
            ));
            checks.push(format!("rdp-listen: {heard}"));
            if said.contains("with kerberos, restricted admin, nothing delegated")
                && heard.contains("user1@EXAMPLE.TEST authenticated")
                && heard.contains("delegated restricted-admin credentials")
            {
                Ok(())
            } else {
                Err("expected Kerberos and restricted admin on both sides".into())
            }
        })();
        Row {
            peer: "MIT KDC (tickets) + sesame rdp-listen",
            scenario: "sesame rdp-auth --ccache (Kerberos, no password) -> sesame rdp-listen --keytab: restricted admin, nothing reusable delegated",
            messages: checks,
            outcome,
        }
    }

    /// With the MIT KDC's configuration and keytab, and a private memory ccache.
    fn kerberos(&self, mut c: Command) -> Command {
        c.env("KRB5_CONFIG", &self.krb5_conf)
            .env("KRB5_KTNAME", &self.keytab)
            .env("KRB5CCNAME", "MEMORY:credssp-peer");
        c
    }

    fn sesame_kerberos_init(&self, fingerprint: &str) -> Command {
        let mut c = Command::new(self.sesame);
        c.args(["init", "--mech", "credssp", "--target", "HTTP/localhost"])
            .args([
                "--user",
                "user1@EXAMPLE.TEST",
                "--password-env",
                "SESAME_PW",
            ])
            .args(["--accept-fingerprint", fingerprint])
            .env("SESAME_PW", PASSWORD);
        c
    }

    fn sesame_kerberos_accept(&self) -> Command {
        let mut c = Command::new(self.sesame);
        c.args([
            "accept",
            "--mech",
            "credssp",
            "--cert",
            &self.cert("cert.pem"),
        ])
        .args(["--key", &self.cert("key.pem"), "--keytab"])
        .arg(&self.keytab);
        c
    }

    fn cert(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn row(
        scenario: &'static str,
        mut init: Command,
        mut accept: Command,
        expect: Expect,
        check: &dyn Fn(&super::pump::Outcome) -> Result<String>,
    ) -> Row {
        let mut messages = Vec::new();
        let outcome = exchange(&mut init, &mut accept, &|_, _| {}).and_then(|o| {
            messages.push(format!("{} TLS tokens crossed", o.tokens.len()));
            for (side, done) in ["initiator", "acceptor"].iter().zip(&o.done) {
                if !done.is_empty() {
                    messages.push(format!("{side} done {done}"));
                }
            }
            if let Some((side, e)) = &o.error {
                messages.push(format!("{side} error {e}"));
            }
            judge(&o, &expect)?;
            messages.push(check(&o)?);
            Ok(())
        });
        Row {
            peer: PEER,
            scenario,
            messages,
            outcome,
        }
    }

    #[allow(clippy::too_many_lines)] // one entry per scenario
    pub fn rows(&self) -> Vec<Row> {
        if let Err(e) = fs::create_dir_all(&self.dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                run_ok(
                    self.peer(&["make-cert", &self.dir.display().to_string()])
                        .env_remove("NTLM_USER_FILE"),
                )
            })
        {
            return vec![Row {
                peer: PEER,
                scenario: "an RSA certificate for CredSSP",
                messages: vec![],
                outcome: Err(e),
            }];
        }
        let relay_dir = self.dir.join("relay");
        let relay_fingerprint = run_ok(
            self.peer(&["make-cert", &relay_dir.display().to_string()])
                .env_remove("NTLM_USER_FILE"),
        )
        .and_then(|()| fs::read_to_string(relay_dir.join("fingerprint")).map_err(|e| e.to_string()))
        .unwrap_or_default();
        let fingerprint = fs::read_to_string(self.dir.join("fingerprint")).unwrap_or_default();
        let fingerprint = fingerprint.trim();
        let server = || {
            self.peer(&[
                "accept",
                "--cert",
                &self.cert("cert.pem"),
                "--key",
                &self.cert("key.pem"),
            ])
        };
        let server_kerberos = || {
            self.peer(&[
                "accept",
                "--kerberos",
                "--cert",
                &self.cert("cert.pem"),
                "--key",
                &self.cert("key.pem"),
            ])
        };
        let accept = || {
            let mut c = Command::new(self.sesame);
            c.args([
                "accept",
                "--mech",
                "credssp",
                "--cert",
                &self.cert("cert.pem"),
            ])
            .args(["--key", &self.cert("key.pem"), "--ntlm-users"])
            .arg(&self.users)
            .env("KRB5_CONFIG", "/dev/null");
            c
        };
        vec![
            Self::row(
                "pyspnego CredSSP client -> sesame accept --mech credssp (NTLM in SPNEGO), wrap both ways",
                self.peer(&["init", "--user", "EXAMPLE\\user1", "--password", PASSWORD]),
                accept(),
                Expect::Success("EXAMPLE\\user1"),
                &|o| {
                    let said = &o.stderr[1];
                    if said.contains("sesame: delegated password credentials: Password(EXAMPLE\\user1, <secret>)")
                        && !said.contains(PASSWORD)
                    {
                        Ok("sesame accept: delegated password credentials for EXAMPLE\\user1 (the password never printed)".into())
                    } else {
                        Err(format!("acceptor said: {said}"))
                    }
                },
            ),
            Self::row(
                "sesame init --mech credssp --accept-fingerprint -> pyspnego CredSSP server, wrap both ways",
                self.sesame_init(PASSWORD, &["--accept-fingerprint", fingerprint]),
                server(),
                Expect::Success("EXAMPLE\\user1"),
                &|o| Ok(format!("pyspnego: {}", o.done[1])),
            ),
            Self::row(
                "sesame init --mech credssp, certificate not anchored: refused with its SHA-256 fingerprint",
                self.sesame_init(PASSWORD, &[]),
                server(),
                Expect::Refused("initiator", "untrusted-certificate"),
                &|o| {
                    let (_, e) = o.error.clone().unwrap_or_default();
                    let shown: String = fingerprint
                        .as_bytes()
                        .chunks(2)
                        .map(|c| String::from_utf8_lossy(c).to_uppercase())
                        .collect::<Vec<_>>()
                        .join(":");
                    if e.contains(&shown) && o.tokens.len() <= 2 {
                        Ok(format!(
                            "fingerprint {shown} shown; no CredSSP message sent"
                        ))
                    } else {
                        Err(format!("expected the fingerprint {shown}: {e}"))
                    }
                },
            ),
            Self::row(
                "sesame init --mech credssp, wrong password -> pyspnego server's errorCode: logon-refused",
                self.sesame_init("wrong", &["--accept-fingerprint", fingerprint]),
                server(),
                Expect::Refused("initiator", "logon-refused"),
                &|o| Ok(o.error.clone().map(|e| e.1).unwrap_or_default()),
            ),
            Self::row(
                "Kerberos (MIT KDC) inside: sesame init --mech credssp -> pyspnego CredSSP server (MIT GSSAPI), wrap both ways",
                self.kerberos(self.sesame_kerberos_init(fingerprint)),
                self.kerberos(server_kerberos()),
                Expect::Success("user1@EXAMPLE.TEST"),
                &|o| Ok(format!("pyspnego: {}", o.done[1])),
            ),
            Self::row(
                "Kerberos (MIT KDC) inside: pyspnego CredSSP client (MIT GSSAPI) -> sesame accept --mech credssp --keytab",
                self.kerberos(self.peer(&[
                    "init",
                    "--kerberos",
                    "--user",
                    "user1@EXAMPLE.TEST",
                    "--password",
                    PASSWORD,
                ])),
                self.kerberos(self.sesame_kerberos_accept()),
                Expect::Success("user1@EXAMPLE.TEST"),
                &|o| {
                    if o.stderr[1].contains("delegated password credentials") {
                        Ok("sesame accept: delegated password credentials".into())
                    } else {
                        Err(format!("acceptor said: {}", o.stderr[1]))
                    }
                },
            ),
            self.relay_row(
                "relaying proxy (its own certificate) between pyspnego CredSSP client and sesame accept: public-key-mismatch, no authInfo crossed",
                self.peer(&["init", "--user", "EXAMPLE\\user1", "--password", PASSWORD]),
                accept(),
                "public-key-mismatch",
                &UNTOUCHED,
            ),
            self.relay_row(
                "relaying proxy between sesame init (fooled into trusting the proxy) and pyspnego CredSSP server: refused, no authInfo crossed",
                self.sesame_init(PASSWORD, &["--accept-fingerprint", &relay_fingerprint]),
                server(),
                "Public key verification failed",
                &UNTOUCHED,
            ),
            self.relay_row(
                "a server that answers version 2 (the proxy rewrites pyspnego's version) -> sesame init refuses: credssp-version, no authInfo",
                self.sesame_init(PASSWORD, &["--accept-fingerprint", &relay_fingerprint]),
                server(),
                "(client) credssp-version",
                &Tamper {
                    to_client: &|ts| ts.version = 2,
                    to_server: &|_| {},
                },
            ),
            self.relay_row(
                "a truncated TSRequest (the proxy passes half of the client's first) -> sesame accept: defective-token",
                self.peer(&["init", "--user", "EXAMPLE\\user1", "--password", PASSWORD]),
                accept(),
                "defective-token",
                &Tamper {
                    to_client: &|_| {},
                    to_server: &|b| b.truncate(b.len() / 2),
                },
            ),
            self.relay_row(
                "an oversized TSRequest (64 KiB after the client's first) -> sesame accept: defective-token",
                self.peer(&["init", "--user", "EXAMPLE\\user1", "--password", PASSWORD]),
                accept(),
                "defective-token",
                &Tamper {
                    to_client: &|_| {},
                    to_server: &|b| b.extend(std::iter::repeat_n(0x30, 64 * 1024)),
                },
            ),
            self.rdp_ccache_row(fingerprint),
            Self::row(
                "pyspnego CredSSP client, wrong password -> sesame accept: wrong-password",
                self.peer(&["init", "--user", "EXAMPLE\\user1", "--password", "wrong"]),
                accept(),
                Expect::Refused("acceptor", "wrong-password"),
                &|o| Ok(o.error.clone().map(|e| e.1).unwrap_or_default()),
            ),
        ]
    }
}
