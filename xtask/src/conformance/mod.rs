//! `cargo xtask conformance`: real third-party peers on 127.0.0.1, the messages they exchange
//! recorded and checked against Sesame, and a printed matrix of the outcomes.
//!
//! Peers (installed with apt-get / pip when missing): the MIT KDC and MIT client tools
//! (`kinit`, `kvno`), MIT GSSAPI through python-gssapi, and pyspnego.

mod adversarial;
mod credssp;
mod credssp_relay;
mod discovery;
mod epa;
mod facade_http;
mod fast;
mod files;
mod freerdp;
mod http;
mod iakerb;
pub(crate) mod inspect;
mod kcm;
mod kerberos;
mod keyring;
mod kpasswd;
mod mit_kdc;
mod negotiate;
mod ntlm;
mod pump;
mod relay;
mod samba;

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;

use crate::util::{Result, ensure_apt, output, root, run};
use mit_kdc::{MitKdc, PASSWORD, REALM, UTF8_USER};
use relay::{Direction, Relay};

/// The facade's examples that need peers (HTTP clients and servers, the LDAP DC), run here.
pub const HTTP_EXAMPLES: &[&str] = &["http_client", "http_server", "ldap_search"];

/// One row of the printed matrix.
struct Row {
    peer: &'static str,
    scenario: &'static str,
    messages: Vec<String>,
    outcome: Result<()>,
}

/// Debian packages of the peers: the MIT KDC and client tools, MIT GSSAPI for Python, and venv
/// for the private Python environment that gets pyspnego.
const APT: &[&str] = &[
    "krb5-kdc",
    "krb5-admin-server",
    "krb5-user",
    // MIT's TLS plugin: MS-KKDCP (kinit through the KDC proxy).
    "krb5-k5tls",
    "python3-gssapi",
    "gss-ntlmssp",
    "python3-venv",
    "dnsmasq",
    "apache2",
    "libapache2-mod-auth-gssapi",
    "curl",
    "bsdutils",
    // KCM: caches (sssd-kcm on a private socket).
    "sssd-kcm",
    // A Samba AD DC (its provisioning data and DC modules are only recommended by samba).
    "samba",
    "samba-ad-provision",
    "samba-ad-dc",
    "samba-dsdb-modules",
    "samba-vfs-modules",
    // ldbsearch: a user's tokenGroups as the DC computes them, against the PAC's SIDs.
    "ldb-tools",
    // The DC's LDAPS certificate, made by a test CA.
    "openssl",
    // KEYRING: caches (the CLI is built with the keyring feature, which links libkeyutils).
    "libkeyutils-dev",
    // FreeRDP 2.11: xfreerdp and freerdp-shadow-cli (under Xvfb), winpr-hash for its SAM file.
    "freerdp2-x11",
    "freerdp2-shadow-x11",
    "winpr-utils",
    "xvfb",
    "xauth",
];

pub fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("conformance takes no arguments (got {a})"));
    }
    ensure_apt(APT)?;
    let work = root().join("target/conformance");
    let python = python_env(&work)?;
    let sesame = files::sesame_binary()?;
    let kdc = MitKdc::start(&work.join("mit-kdc"))?;
    let relay = Relay::start(kdc.addr).map_err(|e| format!("relay: {e}"))?;
    let conf = kdc.client_conf("client-relay.conf", &relay.addr.to_string())?;
    let captures = work.join("captures");
    let _ = fs::remove_dir_all(&captures);
    let env = Env {
        kdc: &kdc,
        relay: &relay,
        conf,
        captures,
        python,
    };

    let rows = vec![
        env.kinit("kinit user1, password", "user1", PASSWORD, true,
            &["AS-REQ cname=user1", "KRB-ERROR 25 KDC_ERR_PREAUTH_REQUIRED e-data=METHOD-DATA[", "AS-REQ cname=user1", "AS-REP cname=user1"]),
        env.kinit("kinit user1, wrong password", "user1", "wrong-password", false,
            &["AS-REQ", "KRB-ERROR 25", "AS-REQ", "KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED"]),
        env.kinit("kinit UTF-8 principal", UTF8_USER, PASSWORD, true,
            &["AS-REQ cname=пользователь", "KRB-ERROR 25", "AS-REQ cname=пользователь", "AS-REP cname=пользователь"]),
        env.kvno("kvno HTTP/localhost", &["HTTP/localhost"],
            &["TGS-REQ cname= sname=HTTP/localhost", "TGS-REP sname=HTTP/localhost"]),
        env.kvno("kvno --u2u user2 (user-to-user)", &["--u2u", "FILE:CC_USER2", "user2"],
            &["TGS-REQ cname= sname=user2", "TGS-REP sname=user2"]),
        env.gssapi("GSSAPI krb5, mutual, wrap", "krb5",
            &["AS-REQ", "KRB-ERROR 25", "AS-REQ", "AS-REP", "TGS-REQ", "TGS-REP",
              "initiator GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
              "acceptor GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP"]),
        env.gssapi("GSSAPI SPNEGO(krb5), mutual, wrap", "spnego",
            &["AS-REQ", "KRB-ERROR 25", "AS-REQ", "AS-REP", "TGS-REQ", "TGS-REP",
              "initiator SPNEGO NegTokenInit mechs=[kerberos", "acceptor SPNEGO NegTokenResp state=AcceptCompleted token=[GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP]"]),
        env.pyspnego(),
        env.mit_keytab_keys(),
        env.sesame_keytab_with_mit(&sesame),
        env.ccache_round_trip(&sesame),
        env.default_names(&sesame),
    ];
    let users = work.join("ntlm_users");
    fs::write(&users, "EXAMPLE:user1:Passw0rd1\nEXAMPLE:user2:Passw0rd1\n")
        .map_err(|e| e.to_string())?;
    let mut rows = rows;
    let krb = kerberos::Kerberos {
        env: &env,
        sesame: &sesame,
    };
    rows.extend(krb.rows());
    rows.extend(krb.kcm_rows());
    let examples = facade_http::build();
    rows.extend(krb.samba_rows(examples.as_ref().ok().map(|e| e.ldap.as_path())));
    rows.extend(krb.negotiate_rows());
    rows.extend(krb.adversarial_rows());
    rows.extend(http::rows(&env, &sesame, &examples));
    rows.extend(facade_http::rows(&env, &sesame, &examples));
    rows.extend(epa::rows(&env, &sesame, &examples));
    rows.extend(
        discovery::Discovery {
            env: &env,
            sesame: &sesame,
            examples: &examples,
        }
        .rows(),
    );
    rows.extend(tls_peer_rows(&env, &sesame, &work, &users));
    drop(env);
    let report = matrix(&rows);
    print!("{report}");
    let _ = fs::write(work.join("matrix.md"), &report);
    let failed = rows.iter().filter(|r| r.outcome.is_err()).count();
    println!("{} passed, {failed} failed", rows.len() - failed);
    if failed > 0 {
        return Err(format!("{failed} conformance scenario(s) failed"));
    }
    Ok(())
}

/// The rows of CredSSP (pyspnego, FreeRDP) and NTLM peers.
fn tls_peer_rows(env: &Env<'_>, sesame: &Path, work: &Path, users: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    rows.extend(
        credssp::Credssp {
            sesame,
            python: &env.python,
            users: users.to_path_buf(),
            dir: work.join("credssp"),
            krb5_conf: env.conf.clone(),
            keytab: env.kdc.dir.join("service.keytab"),
        }
        .rows(),
    );
    rows.extend(
        freerdp::Freerdp {
            sesame,
            users: users.to_path_buf(),
            dir: work.join("freerdp"),
            cert: work.join("credssp/cert.pem"),
            key: work.join("credssp/key.pem"),
        }
        .rows(),
    );
    rows.extend(
        ntlm::Ntlm {
            sesame,
            python: &env.python,
            users: users.to_path_buf(),
        }
        .rows(),
    );
    rows
}

/// A venv that sees Debian's python3-gssapi and has pyspnego installed from PyPI.
fn python_env(work: &Path) -> Result<PathBuf> {
    let venv = work.join("venv");
    let python = venv.join("bin/python3");
    if !python.exists() {
        run(Command::new("/usr/bin/python3")
            .args(["-m", "venv", "--system-site-packages"])
            .arg(&venv))?;
    }
    crate::util::ensure_pip(
        &python.to_string_lossy(),
        &[
            ("spnego", "pyspnego==0.12.*"),
            ("kdcproxy", "kdcproxy==1.1.*"),
            ("requests_gssapi", "requests-gssapi==1.3.*"),
            // pykrb5: pyspnego's Kerberos with a password (its CredSSP peer with --kerberos).
            ("krb5", "krb5==0.10.*"),
        ],
    )?;
    Ok(python)
}

struct Env<'a> {
    kdc: &'a MitKdc,
    relay: &'a Relay,
    conf: PathBuf,
    captures: PathBuf,
    python: PathBuf,
}

impl Env<'_> {
    fn ccache(&self, user: &str) -> String {
        format!("FILE:{}/cc-{user}", self.kdc.dir.display())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(crate::util::which(program).unwrap_or_else(|| program.into()));
        cmd.env("KRB5_CONFIG", &self.conf)
            .env("KRB5_KTNAME", self.kdc.dir.join("service.keytab"))
            .env("KRB5CCNAME", self.ccache("user1"))
            .env("KRB5_TRACE", self.kdc.dir.join("trace.log"));
        cmd
    }

    fn kinit(
        &self,
        scenario: &'static str,
        user: &str,
        password: &str,
        succeed: bool,
        expect: &[&str],
    ) -> Row {
        let mut cmd = self.command("kinit");
        cmd.env("KRB5CCNAME", self.ccache(user))
            .arg(format!("{user}@{REALM}"));
        self.kerberos_tool(
            scenario,
            "MIT kinit + KDC",
            cmd,
            Some(password),
            succeed,
            expect,
        )
    }

    fn kvno(&self, scenario: &'static str, args: &[&str], expect: &[&str]) -> Row {
        // user1 and user2 need TGTs first; they come from the kinit scenarios' caches, made
        // here again (unrecorded) so that this scenario stands on its own.
        for user in ["user1", "user2"] {
            let mut kinit = self.command("kinit");
            kinit
                .env("KRB5CCNAME", self.ccache(user))
                .arg(format!("{user}@{REALM}"));
            if let Err(e) = feed(&mut kinit, PASSWORD) {
                return Row {
                    peer: "MIT kvno + KDC",
                    scenario,
                    messages: vec![],
                    outcome: Err(e),
                };
            }
        }
        self.relay.take();
        let mut cmd = self.command("kvno");
        for a in args {
            cmd.arg(if *a == "FILE:CC_USER2" {
                self.ccache("user2")
            } else {
                (*a).to_string()
            });
        }
        self.kerberos_tool(scenario, "MIT kvno + KDC", cmd, None, true, expect)
    }

    fn kerberos_tool(
        &self,
        scenario: &'static str,
        peer: &'static str,
        mut cmd: Command,
        stdin: Option<&str>,
        succeed: bool,
        expect: &[&str],
    ) -> Row {
        self.relay.take();
        let ran = match stdin {
            Some(input) => feed(&mut cmd, input),
            None => output(&mut cmd).and_then(|o| {
                if o.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&o.stderr).trim().to_string())
                }
            }),
        };
        let outcome = match (ran, succeed) {
            (Ok(()), true) | (Err(_), false) => Ok(()),
            (Ok(()), false) => Err(format!(
                "`{}` succeeded but should have failed",
                crate::util::show(&cmd)
            )),
            (Err(e), true) => Err(e),
        };
        let traffic = self.traffic();
        self.finish(peer, scenario, &traffic, outcome, expect)
    }

    fn traffic(&self) -> Vec<(String, Vec<u8>)> {
        relay_traffic(self.relay)
    }

    fn gssapi(&self, scenario: &'static str, mech: &str, expect: &[&str]) -> Row {
        self.relay.take();
        let mut cmd = self.command(&self.python.to_string_lossy());
        cmd.arg(root().join("xtask/py/gssapi_exchange.py"))
            .args([mech, "user1", PASSWORD])
            .env("KRB5CCNAME", "MEMORY:conformance");
        let (tokens, outcome) = tokens_of(&mut cmd);
        let mut messages = self.traffic();
        messages.extend(tokens);
        self.finish(
            "MIT GSSAPI (python-gssapi)",
            scenario,
            &messages,
            outcome,
            expect,
        )
    }

    fn pyspnego(&self) -> Row {
        let users = self.kdc.dir.join("ntlm_users");
        let outcome = fs::write(&users, "EXAMPLE:user1:Passw0rd1\n").map_err(|e| e.to_string());
        let mut cmd = Command::new(&self.python);
        cmd.arg(root().join("xtask/py/pyspnego_negotiate.py"))
            .env("NTLM_USER_FILE", &users);
        let (tokens, ran) = tokens_of(&mut cmd);
        self.finish("pyspnego (pure Python)", "Negotiate -> NTLM, both sides", &tokens, outcome.and(ran), &[
            "initiator SPNEGO NegTokenInit mechs=[ntlm] token=NTLMSSP type 1",
            "acceptor SPNEGO NegTokenResp state=RequestMic token=NTLMSSP type 2",
            "initiator SPNEGO NegTokenResp state=AcceptIncomplete token=NTLMSSP type 3 mechListMIC",
            "acceptor SPNEGO NegTokenResp state=AcceptCompleted mechListMIC",
        ])
    }

    /// Checks every message (exact re-encoding, nested too) and the expected sequence, saves the
    /// captures, and makes the row.
    fn finish(
        &self,
        peer: &'static str,
        scenario: &'static str,
        messages: &[(String, Vec<u8>)],
        ran: Result,
        expect: &[&str],
    ) -> Row {
        let dir = self.captures.join(slug(scenario));
        let _ = fs::create_dir_all(&dir);
        let mut summaries = Vec::new();
        let mut outcome = ran;
        for (i, (side, bytes)) in messages.iter().enumerate() {
            let _ = fs::write(dir.join(format!("{i:02}-{side}.der")), bytes);
            match inspect::inspect(bytes) {
                Ok(summary) => summaries.push(format!("{side} {summary}")),
                Err(e) => {
                    summaries.push(format!("{side} UNDECODABLE"));
                    outcome = outcome.and(Err(format!("message {i} ({side}): {e}")));
                }
            }
        }
        if outcome.is_ok() {
            outcome = expect_sequence(&summaries, expect);
        }
        Row {
            peer,
            scenario,
            messages: summaries,
            outcome,
        }
    }
}

/// Runs `cmd` with `input` on its standard input; Ok when it exits with status 0.
pub(super) fn feed(cmd: &mut Command, input: &str) -> Result {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", crate::util::show(cmd)))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{input}");
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// What `relay` carried since it was last taken, each message named by direction and
/// transport (`kdc-req-tcp`), for [`Env::finish`].
fn relay_traffic(relay: &Relay) -> Vec<(String, Vec<u8>)> {
    relay
        .take()
        .into_iter()
        .map(|r| {
            let side = match r.direction {
                Direction::Request => "kdc-req",
                Direction::Reply => "kdc-rep",
            };
            (format!("{side}-{}", r.transport), r.bytes)
        })
        .collect()
}

/// Runs a token-printing script: lines `<side> <base64>` and a final `done ...`.
fn tokens_of(cmd: &mut Command) -> (Vec<(String, Vec<u8>)>, Result) {
    let out = match output(cmd) {
        Ok(o) => o,
        Err(e) => return (vec![], Err(e)),
    };
    let mut tokens = Vec::new();
    let mut done = false;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        match line.split_once(' ') {
            Some(("done", _)) => done = true,
            Some((side, b64)) => match base64::engine::general_purpose::STANDARD.decode(b64) {
                Ok(bytes) => tokens.push((side.to_string(), bytes)),
                Err(e) => return (tokens, Err(format!("bad base64 from peer: {e}"))),
            },
            None => {}
        }
    }
    let outcome = if out.status.success() && done {
        Ok(())
    } else {
        Err(format!(
            "peer failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    (tokens, outcome)
}

/// Every message must start with the expected text, in order, one for one.
fn expect_sequence(summaries: &[String], expect: &[&str]) -> Result {
    if summaries.len() != expect.len() {
        return Err(format!(
            "expected {} messages, saw {}",
            expect.len(),
            summaries.len()
        ));
    }
    for (got, want) in summaries.iter().zip(expect) {
        let want_full = if want.starts_with("initiator") || want.starts_with("acceptor") {
            (*want).to_string()
        } else {
            format!(
                "{}{want}",
                got.split_once(' ')
                    .map(|(s, _)| format!("{s} "))
                    .unwrap_or_default()
            )
        };
        if !got.starts_with(&want_full) {
            return Err(format!("expected `{want}`, saw `{got}`"));
        }
    }
    Ok(())
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn matrix(rows: &[Row]) -> String {
    let mut s = String::from(
        "\n## Conformance matrix (every message crossing the wire decoded and re-encoded byte for byte; files exchanged with MIT tools)\n\n",
    );
    s += "| peer | scenario | messages or checks | result |\n|---|---|---|---|\n";
    for r in rows {
        let result = match &r.outcome {
            Ok(()) => "PASS".to_string(),
            Err(e) => format!("FAIL: {}", e.replace('|', "\\|").replace('\n', " ")),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {result} |",
            r.peer,
            r.scenario,
            r.messages.len()
        );
    }
    s += "\nMessages:\n\n";
    for r in rows {
        let _ = writeln!(s, "- {} / {}:", r.peer, r.scenario);
        for m in &r.messages {
            let _ = writeln!(s, "  - {m}");
        }
    }
    s
}
