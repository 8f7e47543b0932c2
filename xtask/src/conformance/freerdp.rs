//! FreeRDP 2.11 (Debian's) as the RDP peer of `sesame rdp-auth` and `sesame rdp-listen`:
//! `freerdp-shadow-cli /sec:nla` with a winpr-hash SAM file under Xvfb is the server, `xfreerdp
//! +auth-only` the client (../shared/peers/freerdp-shadow.sh). FreeRDP 2's server takes raw NTLM
//! in negoTokens only (its Negotiate package is NTLM), so `rdp-auth` runs with `--mech ntlm`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::Row;
use super::files::stdout_of;
use crate::util::{Result, free_port, output};

const PEER: &str = "FreeRDP 2.11 (xfreerdp, freerdp-shadow-cli)";
const PASSWORD: &str = "Passw0rd1";

/// A freerdp-shadow-cli in its own process group (xvfb-run, Xvfb, the server); stopped on drop.
struct Shadow {
    child: Child,
    port: u16,
}

impl Shadow {
    fn start(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let hash = stdout_of(
            Command::new("winpr-hash").args(["-u", "user1", "-p", PASSWORD, "-d", "EXAMPLE"]),
        )?;
        let sam = dir.join("sam");
        std::fs::write(&sam, format!("user1:EXAMPLE::{}:::\n", hash.trim()))
            .map_err(|e| e.to_string())?;
        // Up to three tries: `xvfb-run -a` can pick a display whose previous Xvfb (another
        // row's, just stopped) still holds its socket, and the shadow server then exits at
        // once ("failed to open display").
        for attempt in 1..=3 {
            let port = free_port()?;
            let log = std::fs::File::create(dir.join(format!("shadow-{attempt}.log")))
                .map_err(|e| e.to_string())?;
            let mut child = Command::new("xvfb-run")
                .args(["-a", "freerdp-shadow-cli"])
                .arg(format!("/port:{port}"))
                .arg("/sec:nla")
                .arg(format!("/sam-file:{}", sam.display()))
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .process_group(0)
                .spawn()
                .map_err(|e| format!("xvfb-run freerdp-shadow-cli: {e}"))?;
            for _ in 0..150 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(Self { child, port });
                }
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = Command::new("kill")
                .arg("--")
                .arg(format!("-{}", child.id()))
                .status();
            let _ = child.wait();
            std::thread::sleep(Duration::from_secs(1));
        }
        Err("freerdp-shadow-cli did not listen".into())
    }
}

impl Drop for Shadow {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
    }
}

pub struct Freerdp<'a> {
    pub sesame: &'a Path,
    pub users: PathBuf,
    pub dir: PathBuf,
    /// The RSA certificate and key of the CredSSP rows.
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn row(scenario: &'static str, checks: Vec<String>, outcome: Result) -> Row {
    Row {
        peer: PEER,
        scenario,
        messages: checks,
        outcome,
    }
}

impl Freerdp<'_> {
    fn rdp_auth(&self, port: u16, password: &str, extra: &[&str]) -> Command {
        let mut c = Command::new(self.sesame);
        c.arg("rdp-auth")
            .arg(format!("127.0.0.1:{port}"))
            .args([
                "--user",
                "EXAMPLE\\user1",
                "--password-env",
                "SESAME_PW",
                "--mech",
                "ntlm",
            ])
            .args(extra)
            .env("SESAME_PW", password)
            .env("KRB5_CONFIG", "/dev/null");
        c
    }

    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        match Shadow::start(&self.dir.join("shadow")) {
            Ok(shadow) => rows.extend(self.client_rows(&shadow)),
            Err(e) => rows.push(row("freerdp-shadow-cli on loopback", vec![], Err(e))),
        }
        rows.push(self.listen_row(PASSWORD));
        rows.push(self.listen_row("wrong"));
        rows
    }

    /// `sesame rdp-auth` against freerdp-shadow-cli: refused without trust (the fingerprint
    /// printed), then with that fingerprint authenticated; a wrong password refused.
    fn client_rows(&self, shadow: &Shadow) -> Vec<Row> {
        let mut checks = Vec::new();
        let trusted = (|| -> Result {
            let out = output(&mut self.rdp_auth(shadow.port, PASSWORD, &[]))?;
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            let fp = err
                .split("--accept-fingerprint ")
                .nth(1)
                .and_then(|s| s.split_whitespace().next())
                .filter(|_| !out.status.success() && err.contains("untrusted-certificate"))
                .ok_or(format!(
                    "expected untrusted-certificate with a fingerprint: {err}"
                ))?;
            checks.push(format!(
                "without trust: untrusted-certificate, fingerprint {fp}"
            ));
            let line = stdout_of(&mut self.rdp_auth(
                shadow.port,
                PASSWORD,
                &["--accept-fingerprint", fp],
            ))?;
            if !line.contains("EXAMPLE\\user1 authenticated") {
                return Err(format!("rdp-auth said: {line}"));
            }
            checks.push(format!("with --accept-fingerprint: {}", line.trim()));
            Ok(())
        })();
        let first = row(
            "sesame rdp-auth --mech ntlm -> freerdp-shadow-cli /sec:nla: the fingerprint flow, then authenticated and delegated",
            checks,
            trusted,
        );
        let mut checks = Vec::new();
        let refused = (|| -> Result {
            let probe = output(&mut self.rdp_auth(shadow.port, PASSWORD, &[]))?;
            let err = String::from_utf8_lossy(&probe.stderr).into_owned();
            let fp = err
                .split("--accept-fingerprint ")
                .nth(1)
                .and_then(|s| s.split_whitespace().next())
                .ok_or(format!("no fingerprint: {err}"))?
                .to_string();
            let out =
                output(&mut self.rdp_auth(shadow.port, "wrong", &["--accept-fingerprint", &fp]))?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            checks.push(err.clone());
            // FreeRDP 2.11 mostly closes the connection without an errorCode.
            if out.status.success()
                || !(err.contains("logon-refused") || err.contains("connection-closed"))
            {
                return Err(format!(
                    "expected logon-refused or connection-closed: {err}"
                ));
            }
            Ok(())
        })();
        vec![
            first,
            row(
                "sesame rdp-auth, wrong password -> freerdp-shadow-cli: refused (it closes without an errorCode), nothing delegated",
                checks,
                refused,
            ),
        ]
    }

    /// `xfreerdp +auth-only` against `sesame rdp-listen`: the listener authenticates the user
    /// and reports the delegated credentials' kind (a wrong password: it refuses, non-zero).
    /// xfreerdp completes NLA (its log sends authInfo) and then expects an RDP connection
    /// sequence, which rdp-listen does not serve: its own exit status is not the judge.
    fn listen_row(&self, password: &str) -> Row {
        let good = password == PASSWORD;
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let port = free_port()?;
            let listener = Command::new(self.sesame)
                .arg("rdp-listen")
                .arg(port.to_string())
                .arg("--cert")
                .arg(&self.cert)
                .arg("--key")
                .arg(&self.key)
                .arg("--ntlm-users")
                .arg(&self.users)
                .env("KRB5_CONFIG", "/dev/null")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?;
            // Listening once the port cannot be bound (a probe connection would be the one
            // connection it serves).
            for _ in 0..50 {
                if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let client = output(
                Command::new("xvfb-run")
                    .args(["-a", "xfreerdp"])
                    .arg(format!("/v:127.0.0.1:{port}"))
                    .args(["/u:user1", "/d:EXAMPLE"])
                    .arg(format!("/p:{password}"))
                    .args(["/sec:nla", "+auth-only", "/cert:ignore", "/log-level:DEBUG"]),
            )?;
            let out = listener.wait_with_output().map_err(|e| e.to_string())?;
            let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let xlog = String::from_utf8_lossy(&client.stdout).into_owned();
            let sent_auth_info = xlog.contains("NLA.authInfo");
            checks.push(format!("rdp-listen: {said}{err}").replace('\n', " / "));
            checks.push(format!(
                "xfreerdp sent authInfo (delegated): {sent_auth_info}"
            ));
            match (good, out.status.success()) {
                (true, true)
                    if said.contains("EXAMPLE\\user1 authenticated")
                        && said.contains("delegated password credentials")
                        && sent_auth_info =>
                {
                    Ok(())
                }
                (false, false) if err.contains("wrong-password") && !sent_auth_info => Ok(()),
                _ => Err(format!(
                    "rdp-listen exit {:?}: {said} {err}",
                    out.status.code()
                )),
            }
        })();
        row(
            if good {
                "xfreerdp /sec:nla +auth-only -> sesame rdp-listen (raw NTLM): user and delegated password kind reported"
            } else {
                "xfreerdp, wrong password -> sesame rdp-listen: wrong-password, nothing delegated"
            },
            checks,
            outcome,
        )
    }
}
