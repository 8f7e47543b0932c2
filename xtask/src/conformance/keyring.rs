//! `KEYRING:` caches in the kernel's key store (the session keyring of the run), used by MIT's
//! tools and by Sesame in both directions: MIT `kinit` writes, `sesame klist` reads and `sesame
//! kvno` adds a service ticket that MIT `klist` then lists; `sesame kinit` writes, MIT `klist`
//! and `kvno` use it and `sesame klist` reads the ticket kvno added; a collection of two caches
//! listed, switched and pruned by Sesame as MIT's `klist -l` sees it. Collection names carry
//! the process id, so that a rerun never reads an earlier run's caches.

use std::process::Command;

use super::files::stdout_of;
use super::kerberos::Kerberos;
use super::mit_kdc::{PASSWORD, REALM};
use super::{Row, feed};
use crate::util::{Result, run_ok};

const PEER: &str = "kernel keyring + MIT kinit/klist/kvno";

impl Kerberos<'_> {
    /// The KEYRING rows.
    pub fn keyring_rows(&self) -> Vec<Row> {
        let tag = std::process::id();
        vec![
            self.keyring_from_mit(&format!("KEYRING:session:sesame-mit-{tag}")),
            self.keyring_from_sesame(&format!("KEYRING:session:sesame-w-{tag}")),
            self.keyring_collection(&format!("KEYRING:session:sesame-coll-{tag}")),
            self.keyring_anchors(tag),
        ]
    }

    fn mit_klist(&self, args: &[&str]) -> Result<String> {
        stdout_of(self.env.command("klist").args(args))
    }

    /// MIT kinit writes; sesame klist reads it; sesame kvno adds HTTP/localhost's ticket,
    /// which MIT klist lists.
    fn keyring_from_mit(&self, cache: &str) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let mut kinit = self.env.command("kinit");
            kinit.args(["-c", cache, &format!("user1@{REALM}")]);
            feed(&mut kinit, PASSWORD).map_err(|e| format!("MIT kinit -c {cache}: {e}"))?;
            let listed = stdout_of(self.sesame().args(["klist", "-c", cache]))?;
            if !listed.contains(&format!("Default principal: user1@{REALM}"))
                || !listed.contains(&format!("krbtgt/{REALM}@{REALM}"))
            {
                return Err(format!("sesame klist:\n{listed}"));
            }
            checks.push(format!(
                "MIT kinit -c {cache} -> sesame klist: user1, krbtgt/{REALM}"
            ));
            run_ok(self.sesame().args(["kvno", "-c", cache, "HTTP/localhost"]))?;
            let theirs = self.mit_klist(&["-c", cache])?;
            if !theirs.contains(&format!("HTTP/localhost@{REALM}")) {
                return Err(format!("MIT klist after sesame kvno:\n{theirs}"));
            }
            checks.push(format!(
                "sesame kvno -> MIT klist: HTTP/localhost@{REALM} in the keyring cache"
            ));
            Ok(())
        })();
        row(
            "MIT kinit -> KEYRING:session -> sesame klist; sesame kvno adds a ticket MIT klist lists",
            checks,
            outcome,
        )
    }

    /// sesame kinit writes; MIT klist reads, MIT kvno adds a ticket; sesame klist lists it.
    fn keyring_from_sesame(&self, cache: &str) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            run_ok(&mut self.kinit_cmd("user1", cache))?;
            let theirs = self.mit_klist(&["-c", cache])?;
            if !theirs.contains(&format!("Default principal: user1@{REALM}")) {
                return Err(format!("MIT klist:\n{theirs}"));
            }
            checks.push(format!(
                "sesame kinit -c {cache} -> MIT klist: user1@{REALM}"
            ));
            run_ok(
                self.env
                    .command("kvno")
                    .args(["-c", cache, "HTTP/localhost"]),
            )?;
            let ours = stdout_of(self.sesame().args(["klist", "-c", cache]))?;
            if !ours.contains(&format!("HTTP/localhost@{REALM}")) {
                return Err(format!("sesame klist after MIT kvno:\n{ours}"));
            }
            checks.push(format!("MIT kvno -> sesame klist: HTTP/localhost@{REALM}"));
            Ok(())
        })();
        row(
            "sesame kinit -> KEYRING:session -> MIT klist; MIT kvno adds a ticket sesame klist lists",
            checks,
            outcome,
        )
    }

    /// A collection of two caches (MIT writes `:one`, Sesame `:two`): sesame klist -l lists
    /// both, sesame kswitch makes `:two` the primary (MIT klist of the collection shows it),
    /// sesame kdestroy removes `:one` (MIT klist -l no longer lists it).
    fn keyring_collection(&self, collection: &str) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let one = format!("{collection}:one");
            let two = format!("{collection}:two");
            let mut kinit = self.env.command("kinit");
            kinit.args(["-c", &one, &format!("user1@{REALM}")]);
            feed(&mut kinit, PASSWORD).map_err(|e| format!("MIT kinit -c {one}: {e}"))?;
            run_ok(&mut self.kinit_cmd("user2", &two))?;
            let listed = stdout_of(self.sesame().args(["klist", "-l", "-c", collection]))?;
            if !listed.contains(&one) || !listed.contains(&two) {
                return Err(format!("sesame klist -l:\n{listed}"));
            }
            checks.push(format!("sesame klist -l: {one} (user1), {two} (user2)"));
            run_ok(self.sesame().args(["kswitch", "-c", &two]))?;
            let primary = self.mit_klist(&["-c", collection])?;
            if !primary.contains(&format!("Default principal: user2@{REALM}")) {
                return Err(format!(
                    "MIT klist {collection} after sesame kswitch:\n{primary}"
                ));
            }
            checks.push(format!(
                "sesame kswitch -c {two} -> MIT klist of the collection: user2"
            ));
            run_ok(self.sesame().args(["kdestroy", "-c", &one]))?;
            let left = stdout_of(
                Command::new("klist")
                    .env("KRB5_CONFIG", &self.env.conf)
                    .env("KRB5CCNAME", collection)
                    .arg("-l"),
            )?;
            if left.contains(&one) || !left.contains(&two) {
                return Err(format!("MIT klist -l after sesame kdestroy:\n{left}"));
            }
            checks.push(format!(
                "sesame kdestroy -c {one} -> MIT klist -l lists only {two}"
            ));
            let _ = Command::new("kdestroy").args(["-c", &two]).status();
            Ok(())
        })();
        row(
            "KEYRING collection: sesame klist -l, kswitch, kdestroy against MIT klist -l",
            checks,
            outcome,
        )
    }
}

impl Kerberos<'_> {
    /// The user and persistent anchors, both ways: sesame kinit -> MIT klist, MIT kinit ->
    /// sesame klist (the persistent collection is the uid's `_krb` keyring).
    fn keyring_anchors(&self, tag: u32) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let uid = std::fs::metadata("/proc/self")
                .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
                .map_err(|e| e.to_string())?;
            for collection in [
                format!("KEYRING:user:sesame-u-{tag}"),
                format!("KEYRING:persistent:{uid}"),
            ] {
                let ours = format!("{collection}:sesame-{tag}");
                run_ok(&mut self.kinit_cmd("user1", &ours))?;
                let theirs = self.mit_klist(&["-c", &ours])?;
                if !theirs.contains(&format!("Default principal: user1@{REALM}")) {
                    return Err(format!("MIT klist -c {ours}:\n{theirs}"));
                }
                let mit = format!("{collection}:mit-{tag}");
                let mut kinit = self.env.command("kinit");
                kinit.args(["-c", &mit, &format!("user2@{REALM}")]);
                feed(&mut kinit, PASSWORD).map_err(|e| format!("MIT kinit -c {mit}: {e}"))?;
                let listed = stdout_of(self.sesame().args(["klist", "-c", &mit]))?;
                if !listed.contains(&format!("Default principal: user2@{REALM}")) {
                    return Err(format!("sesame klist -c {mit}:\n{listed}"));
                }
                checks.push(format!(
                    "{ours}: sesame kinit -> MIT klist; {mit}: MIT kinit -> sesame klist"
                ));
                for c in [&ours, &mit] {
                    let _ = Command::new("kdestroy").args(["-c", c]).status();
                }
            }
            Ok(())
        })();
        row(
            "KEYRING user and persistent anchors, both ways with MIT kinit/klist",
            checks,
            outcome,
        )
    }
}

fn row(scenario: &'static str, messages: Vec<String>, outcome: Result) -> Row {
    Row {
        peer: PEER,
        scenario,
        messages,
        outcome,
    }
}
