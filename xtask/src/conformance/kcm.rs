//! `KCM:` caches held by sssd-kcm (Debian's), used by MIT's tools and by Sesame in both
//! directions: MIT `kinit` writes, `sesame klist` reads and `sesame init` authenticates to an
//! MIT GSSAPI acceptor with the cache's TGT; `sesame kinit` writes, MIT `klist` and `kvno` use
//! it and Sesame reads the ticket kvno added. The daemon runs on a private socket that a
//! krb5.conf names with `kcm_socket` (sssd keeps its caches under /var/lib/sss: one per host).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::files::stdout_of;
use super::kerberos::Kerberos;
use super::mit_kdc::{PASSWORD, REALM};
use super::pump::Expect;
use super::{Row, feed};
use crate::util::{Result, run_ok};

const PEER: &str = "sssd-kcm + MIT kinit/klist/kvno";

/// A running `sssd_kcm`; stopped on drop.
pub struct SssdKcm {
    child: Child,
    /// A copy of the client krb5.conf with `kcm_socket` set.
    pub conf: PathBuf,
}

impl SssdKcm {
    pub fn start(dir: &Path, client_conf: &Path) -> Result<Self> {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let socket = dir.join("kcm.sock");
        let sssd_conf = dir.join("sssd.conf");
        fs::write(
            &sssd_conf,
            format!(
                "[sssd]\nservices = nss\ndomains =\n[kcm]\nsocket_path = {}\n",
                socket.display()
            ),
        )
        .map_err(|e| e.to_string())?;
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&sssd_conf, fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
        }
        // sssd_kcm reads its configuration from sssd's database, written from the file.
        run_ok(
            Command::new("sssd")
                .args(["--genconf-section=kcm", "-c"])
                .arg(&sssd_conf),
        )?;
        let log = fs::File::create(dir.join("kcm.log")).map_err(|e| e.to_string())?;
        let child = Command::new("/usr/libexec/sssd/sssd_kcm")
            .args(["--uid", "0", "--gid", "0", "--logger=stderr"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("sssd_kcm: {e}"))?;
        let text = fs::read_to_string(client_conf).map_err(|e| e.to_string())?;
        let conf = dir.join("krb5.conf");
        fs::write(
            &conf,
            text.replacen(
                "[libdefaults]",
                &format!("[libdefaults]\n    kcm_socket = {}", socket.display()),
                1,
            ),
        )
        .map_err(|e| e.to_string())?;
        let kcm = Self { child, conf };
        for _ in 0..100 {
            if socket.exists() {
                return Ok(kcm);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("sssd_kcm did not listen on {}", socket.display()))
    }
}

impl Drop for SssdKcm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Kerberos<'_> {
    /// The KCM rows, with sssd-kcm started for them (or one failed row saying why).
    pub fn kcm_rows(&self) -> Vec<Row> {
        let kcm = match SssdKcm::start(&self.dir().join("kcm"), &self.env.conf) {
            Ok(k) => k,
            Err(e) => {
                return vec![Row {
                    peer: PEER,
                    scenario: "sssd-kcm started on a private socket",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        vec![
            self.kcm_from_mit(&kcm),
            self.kcm_from_sesame(&kcm),
            self.kcm_collection(&kcm),
        ]
    }

    /// A second cache in the collection; `sesame kswitch` makes each the primary in turn (MIT
    /// `klist -c KCM:` follows), `sesame klist -l` lists what MIT `klist -l` lists, and
    /// `sesame kdestroy` removes one.
    fn kcm_collection(&self, kcm: &SssdKcm) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let uid = stdout_of(Command::new("id").arg("-u"))?.trim().to_string();
            let second = format!("KCM:{uid}:second");
            let mit = |args: &[&str]| {
                let mut c = self.env.command("klist");
                c.env("KRB5_CONFIG", &kcm.conf)
                    .env("KRB5CCNAME", "KCM:")
                    .args(args);
                stdout_of(&mut c)
            };
            let ours =
                |args: &[&str]| stdout_of(self.sesame().env("KRB5_CONFIG", &kcm.conf).args(args));
            // The primary now holds user1's TGT (the row before).
            let first = mit(&[])?
                .lines()
                .find_map(|l| l.strip_prefix("Ticket cache: "))
                .map(str::to_string)
                .ok_or("MIT klist names no KCM cache")?;
            stdout_of(
                self.kinit_cmd("user2", &second)
                    .env("KRB5_CONFIG", &kcm.conf),
            )?;
            for (cache, user) in [(&first, "user1"), (&second, "user2")] {
                ours(&["kswitch", "-c", cache])?;
                let shown = mit(&[])?;
                if !shown.contains(&format!("Default principal: {user}@{REALM}")) {
                    return Err(format!(
                        "after sesame kswitch -c {cache}, MIT klist:\n{shown}"
                    ));
                }
                checks.push(format!(
                    "sesame kswitch -c {cache}: MIT klist -c KCM: shows {user}"
                ));
            }
            let pairs = |text: &str| {
                let mut v: Vec<String> = text
                    .lines()
                    .filter(|l| l.contains("KCM:"))
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .collect();
                v.sort();
                v
            };
            let (theirs, listed) = (mit(&["-l"])?, ours(&["klist", "-l", "-c", "KCM:"])?);
            if pairs(&theirs) != pairs(&listed) || pairs(&theirs).len() < 2 {
                return Err(format!(
                    "MIT klist -l:\n{theirs}\nsesame klist -l:\n{listed}"
                ));
            }
            checks.push(format!("klist -l: both list {:?}", pairs(&theirs)));
            ours(&["kdestroy", "-c", &second])?;
            if mit(&["-l"])?.contains(&second) {
                return Err(format!("{second} still listed after sesame kdestroy"));
            }
            checks.push(format!(
                "sesame kdestroy -c {second}: gone from MIT klist -l"
            ));
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "KCM collection: sesame kswitch, klist -l, kdestroy against MIT klist",
            messages: checks,
            outcome,
        }
    }

    /// MIT `kinit -c KCM:` -> `sesame klist -c KCM:` -> `sesame init --ccache KCM:` to MIT's
    /// GSSAPI acceptor.
    fn kcm_from_mit(&self, kcm: &SssdKcm) -> Row {
        let mut checks = Vec::new();
        let prepared = (|| -> Result {
            let mut kinit = self.env.command("kinit");
            kinit
                .env("KRB5_CONFIG", &kcm.conf)
                .args(["-c", "KCM:", &format!("user1@{REALM}")]);
            feed(&mut kinit, PASSWORD)?;
            checks.push("MIT kinit -c KCM: wrote the primary KCM cache".to_string());
            let listed = stdout_of(
                self.sesame()
                    .env("KRB5_CONFIG", &kcm.conf)
                    .args(["klist", "-c", "KCM:"]),
            )?;
            if !listed.contains(&format!("Default principal: user1@{REALM}"))
                || !listed.contains(&format!("krbtgt/{REALM}@{REALM}"))
            {
                return Err(format!("sesame klist -c KCM:\n{listed}"));
            }
            checks.push("sesame klist -c KCM: lists its TGT".into());
            Ok(())
        })();
        if let Err(e) = prepared {
            return Row {
                peer: PEER,
                scenario: "MIT kinit -> KCM -> sesame klist, sesame init -> MIT GSSAPI",
                messages: checks,
                outcome: Err(e),
            };
        }
        let mut init = self.sesame();
        init.env("KRB5_CONFIG", &kcm.conf).args([
            "init",
            "--mech",
            "kerberos",
            "--target",
            "HTTP/localhost",
            "--ccache",
            "KCM:",
            "--mutual",
        ]);
        let mut row = self.gss_with(
            PEER,
            "MIT kinit -> KCM -> sesame klist, sesame init -> MIT GSSAPI",
            init,
            self.peer("accept", &[]),
            Expect::Success("user1@EXAMPLE.TEST"),
            &[
                "TGS-REQ cname= sname=HTTP/localhost",
                "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
            ],
        );
        checks.append(&mut row.messages);
        row.messages = checks;
        row
    }

    /// `sesame kinit -c KCM:` -> MIT `klist` and `kvno` -> `sesame klist` sees kvno's ticket.
    fn kcm_from_sesame(&self, kcm: &SssdKcm) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let mut destroy = self.env.command("kdestroy");
            run_ok(destroy.env("KRB5_CONFIG", &kcm.conf).args(["-c", "KCM:"]))?;
            run_ok(
                self.kinit_cmd("user1", "KCM:")
                    .env("KRB5_CONFIG", &kcm.conf),
            )?;
            let mut klist = self.env.command("klist");
            let listed = stdout_of(klist.env("KRB5_CONFIG", &kcm.conf).args(["-c", "KCM:"]))?;
            if !listed.contains(&format!("krbtgt/{REALM}@{REALM}")) {
                return Err(format!("MIT klist -c KCM:\n{listed}"));
            }
            checks.push("sesame kinit -c KCM: -> MIT klist lists the TGT".into());
            let mut kvno = self.env.command("kvno");
            stdout_of(
                kvno.env("KRB5_CONFIG", &kcm.conf)
                    .args(["-c", "KCM:", "HTTP/localhost"]),
            )?;
            checks.push("MIT kvno -c KCM: HTTP/localhost with Sesame's TGT".into());
            let listed = stdout_of(
                self.sesame()
                    .env("KRB5_CONFIG", &kcm.conf)
                    .args(["klist", "-c", "KCM:"]),
            )?;
            if !listed.contains(&format!("HTTP/localhost@{REALM}")) {
                return Err(format!("sesame klist after kvno:\n{listed}"));
            }
            checks.push("sesame klist -c KCM: shows the ticket kvno stored".into());
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "sesame kinit -> KCM -> MIT klist, kvno -> sesame klist",
            messages: checks,
            outcome,
        }
    }
}
