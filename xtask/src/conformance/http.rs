//! HTTP Negotiate (RFC 4559): `sesame http` against Apache httpd with mod_auth_gssapi on
//! 127.0.0.1 — a Kerberos-only location, a SPNEGO location offering Kerberos and NTLM
//! (gss-ntlmssp), and an NTLM-only one — including the NTLM fallback with no KDC listening.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mit_kdc::{PASSWORD, REALM};
use super::{Env, Row};
use crate::util::{Result, free_port, output};

/// Apache, stopped (and its directory removed) when dropped.
struct Apache(Child, PathBuf);

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        // The parent's workers follow it; make sure none is left.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self.1.join("httpd.conf"))
            .status();
        let _ = fs::remove_dir_all(&self.1);
    }
}

const MODULES: &str = "/usr/lib/apache2/modules";

fn start(env: &Env<'_>, port: u16) -> Result<Apache> {
    // The workers run as www-data: everything they read lives in a directory they can reach
    // (a checkout under a private temporary directory would answer 403).
    let dir =
        std::env::temp_dir().join(format!("sesame-conformance-apache-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    for location in ["krb", "spnego", "ntlm"] {
        fs::create_dir_all(dir.join("htdocs").join(location)).map_err(|e| e.to_string())?;
        fs::write(
            dir.join("htdocs").join(location).join("index.txt"),
            format!("ok {location}\n"),
        )
        .map_err(|e| e.to_string())?;
    }
    // The workers run as www-data: they get their own copies of the keytab and the users.
    let keytab = dir.join("http.keytab");
    fs::copy(env.kdc.dir.join("service.keytab"), &keytab).map_err(|e| e.to_string())?;
    // The same for krb5.conf (MIT's acceptor will not start without a readable one).
    let krb5_conf = dir.join("krb5.conf");
    fs::copy(&env.conf, &krb5_conf).map_err(|e| e.to_string())?;
    fs::set_permissions(&krb5_conf, fs::Permissions::from_mode(0o644))
        .map_err(|e| e.to_string())?;
    let users = dir.join("ntlm_users");
    fs::write(&users, "EXAMPLE:user1:Passw0rd1\n").map_err(|e| e.to_string())?;
    for f in [&keytab, &users] {
        let _ = Command::new("chown")
            .arg("www-data:www-data")
            .arg(f)
            .status();
    }
    let d = dir.display();
    let location = |name: &str, mechs: &[&str], bound: bool| {
        let mut s = format!("<Location /{name}>\n    AuthType GSSAPI\n    AuthName \"{name}\"\n");
        for m in mechs {
            let _ = writeln!(s, "    GssapiAllowedMech {m}");
        }
        if bound {
            s += "    GssapiConnectionBound On\n";
        }
        s + "    GssapiBasicAuth Off\n    Require valid-user\n</Location>\n"
    };
    let mut conf = format!(
        "ServerRoot \"{d}\"\nServerName localhost\nListen 127.0.0.1:{port}\nPidFile \"{d}/httpd.pid\"\n\
         ErrorLog \"{d}/error.log\"\nLogLevel info auth_gssapi:debug\nUser www-data\nGroup www-data\n\
         TypesConfig /dev/null\nDocumentRoot \"{d}/htdocs\"\n"
    );
    for m in [
        "mpm_event",
        "authz_core",
        "authn_core",
        "authz_user",
        "mime",
        "env",
    ] {
        let _ = writeln!(conf, "LoadModule {m}_module {MODULES}/mod_{m}.so");
    }
    let _ = writeln!(
        conf,
        "LoadModule auth_gssapi_module {MODULES}/mod_auth_gssapi.so"
    );
    // The keytab comes through KRB5_KTNAME: with GssapiCredStore the SPNEGO->NTLM path crashes
    // the worker (mod_auth_gssapi 1.6 with gss-ntlmssp 1.2; the shared peer notes).
    conf += &location("krb", &["krb5"], false);
    conf += &location("spnego", &["krb5", "ntlmssp"], true);
    conf += &location("ntlm", &["ntlmssp"], true);
    fs::write(dir.join("httpd.conf"), conf).map_err(|e| e.to_string())?;
    let log = fs::File::create(dir.join("stdout.log")).map_err(|e| e.to_string())?;
    let child = Command::new("apache2")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("KRB5_CONFIG", &krb5_conf)
        .env("KRB5_KTNAME", format!("FILE:{}", keytab.display()))
        .env("NTLM_USER_FILE", &users)
        .args(["-f"])
        .arg(dir.join("httpd.conf"))
        .arg("-DFOREGROUND")
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start apache2: {e}"))?;
    let apache = Apache(child, dir.clone());
    let deadline = Instant::now() + Duration::from_secs(15);
    if !crate::util::wait_listening(port, deadline) {
        return Err(format!(
            "apache2 does not listen on {port}: see {d}/error.log"
        ));
    }
    Ok(apache)
}

pub fn rows(
    env: &Env<'_>,
    sesame: &Path,
    examples: &Result<super::facade_http::Examples>,
) -> Vec<Row> {
    let port = match free_port() {
        Ok(p) => p,
        Err(e) => return vec![failed("free port", e)],
    };
    let _apache = match start(env, port) {
        Ok(a) => a,
        Err(e) => return vec![failed("start Apache with mod_auth_gssapi", e)],
    };
    let dead = free_port().map_or_else(|_| "127.0.0.1:9".into(), |p| format!("127.0.0.1:{p}"));
    let session = new_user_session(env, sesame, port, &dead);
    let mut rows: Vec<Row> = [
        (
            "GET /krb/ (Kerberos only): mutual authentication checked",
            "krb",
            None,
            "with spnego/kerberos",
        ),
        (
            "GET /spnego/ (Kerberos and NTLM offered): Kerberos",
            "spnego",
            None,
            "with spnego/kerberos",
        ),
        (
            "GET /spnego/ with no KDC listening: NTLM fallback (gss-ntlmssp)",
            "spnego",
            Some(dead.as_str()),
            "fell back to NTLM: no KDC could be reached",
        ),
        (
            "GET /ntlm/ (NTLM only): the server picks NTLM, request-mic",
            "ntlm",
            None,
            "with spnego/ntlm",
        ),
    ]
    .into_iter()
    .map(|(scenario, location, kdc, says)| {
        let mut cmd = Command::new(sesame);
        cmd.arg("http")
            .arg(format!("http://localhost:{port}/{location}/index.txt"))
            .args([
                "--user",
                &format!("user1@{REALM}"),
                "--password-env",
                "SESAME_PW",
            ])
            .env("SESAME_PW", PASSWORD)
            .env("KRB5_CONFIG", &env.conf)
            .env("KRB5CCNAME", "FILE:/dev/null/none");
        if let Some(k) = kdc {
            cmd.args(["--kdc", k]);
        }
        let outcome = output(&mut cmd).and_then(|o| {
            let body = String::from_utf8_lossy(&o.stdout).trim().to_string();
            let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
            if !o.status.success() {
                return Err(format!("sesame http failed: {err}"));
            }
            if body != format!("ok {location}") || !err.contains(says) {
                return Err(format!("body `{body}`, stderr `{err}` (expected `{says}`)"));
            }
            Ok(vec![format!("body: {body}"), err.replace('\n', " / ")])
        });
        env.relay.take();
        match outcome {
            Ok(messages) => Row {
                peer: "Apache httpd + mod_auth_gssapi",
                scenario,
                messages,
                outcome: Ok(()),
            },
            Err(e) => Row {
                peer: "Apache httpd + mod_auth_gssapi",
                scenario,
                messages: vec![],
                outcome: Err(e),
            },
        }
    })
    .collect();
    rows.push(session);
    rows.extend(super::facade_http::client_rows(
        env,
        sesame,
        examples,
        &format!("http://localhost:{port}"),
        &dead,
    ));
    rows
}

/// What a new user does: `sesame kinit` answering the password prompt on a terminal (a
/// pseudo-terminal from `script`), then `sesame http URL` with no credential flags (the
/// default cache, Kerberos), then `--user 'EXAMPLE\user1'` with the KDC down (NTLM).
fn new_user_session(env: &Env<'_>, sesame: &Path, port: u16, dead: &str) -> Row {
    let scenario = "a new user: sesame kinit at a password prompt, sesame http with no credential flags (Kerberos), then --user 'EXAMPLE\\user1' with the KDC down (NTLM)";
    let dir = env.kdc.dir.join("new-user");
    let _ = fs::create_dir_all(&dir);
    let cache = format!("FILE:{}", dir.join("cc").display());
    let _ = fs::remove_file(dir.join("cc"));
    let mut messages = Vec::new();
    let outcome = (|| -> Result {
        let shown = kinit_at_prompt(env, sesame, &cache)?;
        messages.push(format!(
            "kinit: {}",
            shown.trim().replace(['\r', '\n'], " ")
        ));
        let url = format!("http://localhost:{port}/spnego/index.txt");
        let http = |extra: &[&str]| -> Result<String> {
            let o = output(
                Command::new(sesame)
                    .arg("http")
                    .arg(&url)
                    .args(extra)
                    .env("KRB5_CONFIG", &env.conf)
                    .env("KRB5CCNAME", &cache),
            )?;
            let err = String::from_utf8_lossy(&o.stderr)
                .trim()
                .replace('\n', " / ");
            let body = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if !o.status.success() || body != "ok spnego" {
                return Err(format!("sesame http {extra:?}: {err} (body `{body}`)"));
            }
            Ok(err)
        };
        let said = http(&[])?;
        messages.push(format!("http, no flags: {said}"));
        if !said.contains("with spnego/kerberos") {
            return Err(format!("expected Kerberos: {said}"));
        }
        let pw = dir.join("password");
        fs::write(&pw, format!("{PASSWORD}\n")).map_err(|e| e.to_string())?;
        let pw = pw.to_string_lossy().into_owned();
        let said = http(&[
            "--user",
            "EXAMPLE\\user1",
            "--password-file",
            &pw,
            "--kdc",
            dead,
        ])?;
        messages.push(format!("http --user EXAMPLE\\user1, KDC down: {said}"));
        if !said.contains("fell back to NTLM") || !said.contains("with spnego/ntlm") {
            return Err(format!("expected the NTLM fallback: {said}"));
        }
        Ok(())
    })();
    env.relay.take();
    Row {
        peer: "Apache httpd + mod_auth_gssapi",
        scenario,
        messages,
        outcome,
    }
}

/// `sesame kinit user1@REALM` on a pseudo-terminal, the password typed at its prompt.
fn kinit_at_prompt(env: &Env<'_>, sesame: &Path, cache: &str) -> Result<String> {
    use std::io::{Read as _, Write as _};
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("{} kinit user1@{REALM}", sesame.display()),
            "/dev/null",
        ])
        .env("KRB5_CONFIG", &env.conf)
        .env("KRB5CCNAME", cache)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start script: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut shown = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&shown).contains("Password for") {
        let n = stdout.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!("no prompt: {}", String::from_utf8_lossy(&shown)));
        }
        shown.extend_from_slice(&buf[..n]);
    }
    // rpassword prints the prompt, then turns echo off: give it that moment.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    drop(stdin);
    let _ = stdout.read_to_end(&mut shown);
    let status = child.wait().map_err(|e| e.to_string())?;
    let shown = String::from_utf8_lossy(&shown).into_owned();
    if !status.success() {
        return Err(format!("sesame kinit: {shown}"));
    }
    if shown.contains(PASSWORD) {
        return Err("the password was echoed".into());
    }
    Ok(shown)
}

fn failed(scenario: &'static str, e: String) -> Row {
    Row {
        peer: "Apache httpd + mod_auth_gssapi",
        scenario,
        messages: vec![],
        outcome: Err(e),
    }
}
