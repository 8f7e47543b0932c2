//! A private MIT KDC on 127.0.0.1: its own database, configuration and ports under the target
//! directory, nothing in /etc. The recipe follows the project's shared peer notes.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Result, free_port, output, run};

/// The realm of every test principal.
pub const REALM: &str = "EXAMPLE.TEST";
/// The password of every test user.
pub const PASSWORD: &str = "Passw0rd1";
/// A user whose name is not ASCII, as Active Directory allows.
pub const UTF8_USER: &str = "пользователь";

/// A running KDC; stopped when dropped.
pub struct MitKdc {
    /// Its working directory (database, configuration, logs, keytab).
    pub dir: PathBuf,
    /// Where it listens (TCP and UDP).
    pub addr: SocketAddr,
    /// Where kadmind's password-change service (RFC 3244) listens.
    pub kpasswd: SocketAddr,
    child: Child,
    kadmind: Child,
}

impl MitKdc {
    /// Creates a fresh realm in `dir` and starts the KDC.
    pub fn start(dir: &Path) -> Result<Self> {
        Self::start_with(dir, "")
    }

    /// The same with `extra` appended to kdc.conf (e.g. a `[plugins]` section).
    pub fn start_with(dir: &Path, extra: &str) -> Result<Self> {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir.join("db")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let port = free_port()?;
        let kadmin_port = free_port()?;
        let kpasswd_port = free_port()?;
        let kpasswd: SocketAddr = ([127, 0, 0, 1], kpasswd_port).into();
        let d = dir.display();
        write(
            &dir.join("kdc.conf"),
            &format!(
                "[kdcdefaults]\n    kdc_listen = 127.0.0.1:{port}\n    kdc_tcp_listen = 127.0.0.1:{port}\n\
                 [realms]\n    {REALM} = {{\n        database_name = {d}/db/principal\n\
                 \x20       key_stash_file = {d}/db/stash\n        acl_file = {d}/db/kadm5.acl\n\
                 \x20       kadmind_listen = 127.0.0.1:{kadmin_port}\n        kpasswd_listen = 127.0.0.1:{kpasswd_port}\n\
                 \x20       default_principal_flags = +preauth\n\
                 \x20       max_life = 10h 0m 0s\n        max_renewable_life = 7d 0h 0m 0s\n\
                 \x20       supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal aes256-cts-hmac-sha384-192:normal aes128-cts-hmac-sha256-128:normal\n    }}\n\
                 [logging]\n    kdc = FILE:{d}/kdc.log\n    admin_server = FILE:{d}/kadmind.log\n{extra}"
            ),
        )?;
        write(&dir.join("db/kadm5.acl"), &format!("*/admin@{REALM} *\n"))?;
        // The KDC's own krb5.conf points at itself; clients get their own from `client_conf`.
        write(
            &dir.join("krb5.conf"),
            &client_conf_text(dir, &format!("127.0.0.1:{port}"), kpasswd),
        )?;
        let kdc = Self::command_in(dir, "kdb5_util");
        run(kdc_env(kdc, dir)
            .args(["create", "-s", "-r", REALM, "-P", "masterpw"])
            .stdout(Stdio::null()))?;
        for q in [
            format!("addprinc -pw {PASSWORD} user1"),
            format!("addprinc -pw {PASSWORD} user2"),
            format!("addprinc -pw {PASSWORD} {UTF8_USER}"),
            // A user with an rc4-hmac key only: Sesame must refuse it unless opted in.
            format!("addprinc -e rc4-hmac:normal -pw {PASSWORD} rc4user"),
            "addprinc -randkey HTTP/localhost".into(),
            "addprinc -randkey host/localhost".into(),
            format!("ktadd -k {d}/service.keytab HTTP/localhost host/localhost"),
            // Password changes (kpasswd): kpw1 and kpw2 change theirs, pol1 is under a
            // 12-character minimum, exp1 must change at the next logon, admin/admin may set
            // any password (kadm5.acl).
            "addpol -minlength 12 strict".into(),
            format!("addprinc -pw {PASSWORD} kpw1"),
            format!("addprinc -pw {PASSWORD} kpw2"),
            format!("addprinc -policy strict -pw {PASSWORD}-long pol1"),
            format!("addprinc +needchange -pw {PASSWORD} exp1"),
            format!("addprinc -pw {PASSWORD} admin/admin"),
            // FAST: a user that must pre-authenticate (with encrypted timestamp disabled,
            // only inside FAST).
            format!("addprinc +requires_preauth -pw {PASSWORD} fast1"),
        ] {
            let out = output(
                kdc_env(Self::command_in(dir, "kadmin.local"), dir).args(["-r", REALM, "-q", &q]),
            )?;
            if !out.status.success() {
                return Err(format!(
                    "kadmin.local -q {q:?} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let log = fs::File::create(dir.join("krb5kdc.out")).map_err(|e| e.to_string())?;
        let child = kdc_env(Self::command_in(dir, "krb5kdc"), dir)
            .args(["-n", "-r", REALM])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start krb5kdc: {e}"))?;
        let admin_log = fs::File::create(dir.join("kadmind.out")).map_err(|e| e.to_string())?;
        let kadmind = kdc_env(Self::command_in(dir, "kadmind"), dir)
            .args(["-nofork", "-r", REALM])
            .stdin(Stdio::null())
            .stdout(admin_log.try_clone().map_err(|e| e.to_string())?)
            .stderr(admin_log)
            .spawn()
            .map_err(|e| format!("cannot start kadmind: {e}"))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let kdc = Self {
            dir: dir.to_path_buf(),
            addr,
            kpasswd,
            child,
            kadmind,
        };
        for (what, at) in [("krb5kdc", addr), ("kadmind's kpasswd", kpasswd)] {
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(at).is_err() {
                if Instant::now() > deadline {
                    return Err(format!("{what} did not start listening within 10 s"));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(kdc)
    }

    /// Runs `kadmin.local -q QUERY` on this realm.
    pub fn kadmin(&self, query: &str) -> Result {
        let out = output(
            kdc_env(Self::command_in(&self.dir, "kadmin.local"), &self.dir)
                .args(["-r", REALM, "-q", query]),
        )?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "kadmin.local -q {query:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn command_in(dir: &Path, program: &str) -> Command {
        let mut cmd = Command::new(crate::util::which(program).unwrap_or_else(|| program.into()));
        cmd.current_dir(dir);
        cmd
    }

    /// Writes a client krb5.conf that sends KDC traffic for the realm to `kdc` (e.g. a relay),
    /// over TCP only (`udp_preference_limit = 1`, so every message is length-framed), and returns its path.
    pub fn client_conf(&self, name: &str, kdc: &str) -> Result<PathBuf> {
        let path = self.dir.join(name);
        write(&path, &client_conf_text(&self.dir, kdc, self.kpasswd))?;
        Ok(path)
    }
}

impl Drop for MitKdc {
    fn drop(&mut self) {
        for child in [&mut self.child, &mut self.kadmind] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn kdc_env(mut cmd: Command, dir: &Path) -> Command {
    cmd.env("KRB5_CONFIG", dir.join("krb5.conf"))
        .env("KRB5_KDC_PROFILE", dir.join("kdc.conf"));
    cmd
}

fn client_conf_text(dir: &Path, kdc: &str, kpasswd: SocketAddr) -> String {
    format!(
        "[libdefaults]\n    default_realm = {REALM}\n    dns_lookup_kdc = false\n    dns_lookup_realm = false\n\
         \x20   dns_canonicalize_hostname = false\n    rdns = false\n    udp_preference_limit = 1\n    forwardable = true\n\
         \x20   default_keytab_name = FILE:{d}/service.keytab\n\
         [realms]\n    {REALM} = {{\n        kdc = {kdc}\n        kpasswd_server = {kpasswd}\n    }}\n\
         [domain_realm]\n    localhost = {REALM}\n",
        d = dir.display()
    )
}

fn write(path: &Path, text: &str) -> Result {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
