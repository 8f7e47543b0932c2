//! Keytab and credential-cache interop with MIT's own tools: files MIT writes are read by
//! Sesame, files Sesame writes are read and used by MIT (`klist`, `kinit -k`, `kvno`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::principal::Principal;

use super::mit_kdc::{PASSWORD, REALM, UTF8_USER};
use super::{Env, Row, feed};
use crate::util::{Result, output, root, show};

const PEER: &str = "MIT kadmin/klist/kinit/kvno";

/// Runs a command; Ok(stdout) on success, Err(stderr) otherwise.
pub(super) fn stdout_of(cmd: &mut Command) -> Result<String> {
    let out = output(cmd)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{}` failed: {}",
            show(cmd),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn row(scenario: &'static str, checks: Vec<String>, outcome: Result) -> Row {
    Row {
        peer: PEER,
        scenario,
        messages: checks,
        outcome,
    }
}

/// The `sesame` binary of this workspace, built if needed.
pub fn sesame_binary() -> Result<PathBuf> {
    crate::util::run(crate::util::cargo().args([
        "build",
        "--quiet",
        "-p",
        "sesame-cli",
        "--features",
        "keyring",
    ]))?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    Ok(target.join("debug/sesame"))
}

impl Env<'_> {
    pub(super) fn kadmin(&self, query: &str) -> Result<String> {
        let mut cmd = self.command("kadmin.local");
        cmd.env("KRB5_CONFIG", self.kdc.dir.join("krb5.conf"))
            .env("KRB5_KDC_PROFILE", self.kdc.dir.join("kdc.conf"))
            .args(["-r", REALM, "-q", query]);
        stdout_of(&mut cmd)
    }

    /// `kadmin.local ktadd -norandkey` writes the keys the KDC holds; Sesame reads the keytab
    /// and derives the same keys from the password, for every enctype.
    pub fn mit_keytab_keys(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            for user in ["user1", UTF8_USER] {
                let path = self.kdc.dir.join(format!("mit-{}.keytab", user.len()));
                let _ = fs::remove_file(&path);
                self.kadmin(&format!("ktadd -norandkey -k {} {user}", path.display()))?;
                let kt = Keytab::read(&path).map_err(|e| e.to_string())?;
                let principal = Principal::parse(&format!("{user}@{REALM}"), None)
                    .map_err(|e| e.to_string())?;
                if kt.entries.len() != 4 {
                    return Err(format!("{user}: {} entries, expected 4", kt.entries.len()));
                }
                for e in &kt.entries {
                    let enctype = Enctype::from_id(e.enctype).map_err(|e| e.to_string())?;
                    let ours = Key::from_password(
                        enctype,
                        PASSWORD.as_bytes(),
                        &principal.default_salt(),
                        None,
                    )
                    .map_err(|e| e.to_string())?;
                    if ours.as_bytes() != &e.key[..] {
                        return Err(format!("{user} {enctype}: Sesame's key differs from MIT's"));
                    }
                    checks.push(format!(
                        "{} kvno {} {enctype}: same key",
                        e.principal, e.kvno
                    ));
                }
                if kt.to_bytes() != fs::read(&path).map_err(|e| e.to_string())? {
                    return Err(format!("{user}: keytab does not re-encode byte for byte"));
                }
            }
            Ok(())
        })();
        row(
            "keytab from kadmin ktadd: read, keys = Sesame's string-to-key",
            checks,
            outcome,
        )
    }

    /// `sesame ktadd` writes a keytab; MIT `klist -ke` lists it and `kinit -k -t` gets a TGT
    /// with it from the MIT KDC.
    pub fn sesame_keytab_with_mit(&self, sesame: &Path) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let path = self.kdc.dir.join("sesame.keytab");
            let _ = fs::remove_file(&path);
            let mut add = Command::new(sesame);
            add.args([
                "ktadd",
                &path.to_string_lossy(),
                &format!("user1@{REALM}"),
                "--password-env",
                "SESAME_PW",
            ])
            .env("SESAME_PW", PASSWORD)
            .env("KRB5_CONFIG", &self.conf);
            stdout_of(&mut add)?;
            let listed = stdout_of(Command::new("klist").args(["-ke", &path.to_string_lossy()]))?;
            let entries = listed
                .lines()
                .filter(|l| l.contains(&format!("user1@{REALM}")))
                .count();
            checks.push(format!("klist -ke: {entries} entries"));
            if entries != 4 {
                return Err(format!("klist -ke listed {entries} entries:\n{listed}"));
            }
            let cc = format!("FILE:{}", self.kdc.dir.join("cc-keytab").display());
            let mut kinit = self.command("kinit");
            kinit.env("KRB5CCNAME", &cc).args([
                "-k",
                "-t",
                &path.to_string_lossy(),
                &format!("user1@{REALM}"),
            ]);
            stdout_of(&mut kinit)?;
            checks.push("kinit -k -t: TGT obtained".into());
            let cache = Ccache::read(&cc).map_err(|e| e.to_string())?;
            checks.push(format!(
                "Sesame reads kinit's cache: {}",
                cache.default_principal
            ));
            Ok(())
        })();
        row(
            "keytab from sesame ktadd: klist -ke, kinit -k -t",
            checks,
            outcome,
        )
    }

    /// MIT `kinit` writes a cache; `sesame klist --ccache` lists it; Sesame writes a new cache
    /// from its credentials (FILE: and DIR:), which MIT `klist` lists and `kvno` uses to get a
    /// service ticket from the KDC.
    pub fn ccache_round_trip(&self, sesame: &Path) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let mit_cc = format!("FILE:{}", self.kdc.dir.join("cc-mit").display());
            let mut kinit = self.command("kinit");
            kinit
                .env("KRB5CCNAME", &mit_cc)
                .arg(format!("user1@{REALM}"));
            feed(&mut kinit, PASSWORD)?;
            let listed = stdout_of(Command::new(sesame).args(["klist", "--ccache", &mit_cc]))?;
            if !listed.contains(&format!("Default principal: user1@{REALM}"))
                || !listed.contains(&format!("krbtgt/{REALM}@{REALM}"))
            {
                return Err(format!("sesame klist:\n{listed}"));
            }
            checks.push("sesame klist reads kinit's cache".into());

            // A new cache built by Sesame from the credentials (not a copy of the bytes).
            let read = Ccache::read(&mit_cc).map_err(|e| e.to_string())?;
            let mut ours = Ccache::new(read.default_principal.clone());
            ours.credentials.clone_from(&read.credentials);
            let dir = self.kdc.dir.join("ccdir");
            let _ = fs::remove_dir_all(&dir);
            for name in [
                format!("FILE:{}", self.kdc.dir.join("cc-sesame").display()),
                format!("DIR:{}", dir.display()),
            ] {
                ours.write(&name).map_err(|e| e.to_string())?;
                let mut klist = self.command("klist");
                klist.env("KRB5CCNAME", &name);
                let listed = stdout_of(&mut klist)?;
                if !listed.contains(&format!("krbtgt/{REALM}@{REALM}")) {
                    return Err(format!("MIT klist of {name}:\n{listed}"));
                }
                checks.push(format!(
                    "MIT klist lists {}",
                    name.split(':').next().unwrap_or_default()
                ));
                let mut kvno = self.command("kvno");
                kvno.env("KRB5CCNAME", &name).arg("HTTP/localhost");
                stdout_of(&mut kvno)?;
                checks.push(format!(
                    "MIT kvno HTTP/localhost with Sesame's {} cache",
                    name.split(':').next().unwrap_or_default()
                ));
                let after = Ccache::read(&name).map_err(|e| e.to_string())?;
                if !after
                    .tickets()
                    .any(|c| c.server.to_string() == format!("HTTP/localhost@{REALM}"))
                {
                    return Err(format!("kvno did not store its service ticket in {name}"));
                }
                checks.push("Sesame reads the service ticket kvno added".into());
            }
            Ok(())
        })();
        row(
            "ccache: kinit -> sesame klist; Sesame-written FILE:/DIR: -> MIT klist, kvno",
            checks,
            outcome,
        )
    }

    /// The default names, as MIT finds them with no variable set: krb5.conf's
    /// `default_ccache_name` and `default_keytab_name` with `%{TEMP}`, `%{uid}`, `%{euid}` and
    /// `%{username}` tokens. MIT `kinit` writes the default cache, `sesame klist` (no cache
    /// given) reads it; `sesame kinit` writes it, MIT `klist` reads it; `sesame klist -k` and MIT
    /// `klist -k` (no keytab given) list the same default keytab.
    pub fn default_names(&self, sesame: &Path) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let tmp = self.kdc.dir.join("tmpdir");
            let _ = fs::remove_dir_all(&tmp);
            fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
            let defaults = self.kdc.dir.join("defaults.conf");
            fs::write(
                &defaults,
                "[libdefaults]\n default_ccache_name = FILE:%{TEMP}/cc_%{uid}_%{username}\n \
                 default_keytab_name = FILE:%{TEMP}/kt_%{euid}.keytab\n",
            )
            .map_err(|e| e.to_string())?;
            // The first file that sets a relation wins, for MIT as for Sesame.
            let conf = format!("{}:{}", defaults.display(), self.conf.display());
            let id =
                |flag: &str| stdout_of(Command::new("id").arg(flag)).map(|s| s.trim().to_string());
            let (uid, euid, name) = (id("-ru")?, id("-u")?, id("-un")?);
            let cache = tmp.join(format!("cc_{uid}_{name}"));
            let keytab = tmp.join(format!("kt_{euid}.keytab"));
            let env = |cmd: &mut Command| {
                cmd.env("KRB5_CONFIG", &conf)
                    .env("TMPDIR", &tmp)
                    .env_remove("KRB5CCNAME")
                    .env_remove("KRB5_KTNAME");
            };

            let mut kinit = self.command("kinit");
            env(&mut kinit);
            kinit.arg(format!("user1@{REALM}"));
            feed(&mut kinit, PASSWORD)?;
            if !cache.exists() {
                return Err(format!("MIT kinit did not write {}", cache.display()));
            }
            checks.push(format!("MIT kinit wrote {}", cache.display()));
            let mut klist = Command::new(sesame);
            env(&mut klist);
            let listed = stdout_of(klist.arg("klist"))?;
            if !listed.contains(&format!("Default principal: user1@{REALM}")) {
                return Err(format!("sesame klist (default cache):\n{listed}"));
            }
            checks.push("sesame klist with no cache given lists it".into());

            fs::remove_file(&cache).map_err(|e| e.to_string())?;
            let mut ours = Command::new(sesame);
            env(&mut ours);
            ours.args([
                "kinit",
                &format!("user1@{REALM}"),
                "--password-env",
                "SESAME_PW",
            ])
            .env("SESAME_PW", PASSWORD);
            stdout_of(&mut ours)?;
            let mut klist = self.command("klist");
            env(&mut klist);
            let listed = stdout_of(&mut klist)?;
            if !listed.contains(&format!("krbtgt/{REALM}@{REALM}"))
                || !listed.contains(&cache.display().to_string())
            {
                return Err(format!(
                    "MIT klist (default cache) after sesame kinit:\n{listed}"
                ));
            }
            checks.push("sesame kinit with no cache given -> MIT klist reads it".into());

            self.kadmin(&format!("ktadd -norandkey -k {} user1", keytab.display()))?;
            let mut mit = self.command("klist");
            env(&mut mit);
            let theirs = stdout_of(mit.arg("-k"))?;
            let mut ours = Command::new(sesame);
            env(&mut ours);
            let listed = stdout_of(ours.args(["klist", "-k"]))?;
            let principals = |text: &str| -> Vec<String> {
                text.lines()
                    .filter(|l| l.contains('@'))
                    .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
                    .collect()
            };
            let (a, b) = (principals(&theirs), principals(&listed));
            if a.is_empty() || a != b || !listed.contains(&keytab.display().to_string()) {
                return Err(format!(
                    "MIT klist -k:\n{theirs}\nsesame klist -k:\n{listed}"
                ));
            }
            checks.push(format!(
                "klist -k: both list {} entries of {}",
                a.len(),
                keytab.display()
            ));
            Ok(())
        })();
        row(
            "default names: default_ccache_name / default_keytab_name with %{TEMP} %{uid} %{euid} %{username}, both ways",
            checks,
            outcome,
        )
    }
}
