//! Password changes over the kpasswd protocol (RFC 3244) against MIT's kadmind: `sesame
//! kpasswd` and `sesame kinit --new-password-env` change passwords that MIT's kinit then
//! uses, MIT's kpasswd changes one that `sesame kinit` then uses, and the server's refusals
//! (its password policy, a wrong current password, a principal without the right to set
//! another's) come back with their codes and words.

use std::process::Command;

use super::kerberos::Kerberos;
use super::mit_kdc::{PASSWORD, REALM};
use super::{Row, feed};
use crate::util::{Result, output, run_ok};

const PEER: &str = "MIT kadmind (kpasswd), kinit";

impl Kerberos<'_> {
    /// The kpasswd rows.
    pub fn kpasswd_rows(&self) -> Vec<Row> {
        vec![
            self.kpasswd_change(),
            self.kpasswd_by_mit(),
            self.kpasswd_refusals(),
            self.kpasswd_expired(),
            self.kpasswd_set(),
        ]
    }

    fn sesame_kpasswd(&self, principal: &str, old: &str, new: &str) -> Command {
        let mut c = self.sesame();
        c.args(["kpasswd", principal])
            .args(["--password-env", "OLD_PW", "--new-password-env", "NEW_PW"])
            .env("OLD_PW", old)
            .env("NEW_PW", new);
        c
    }

    /// MIT's kinit with `password` for `principal` into a fresh cache: the password works.
    fn mit_kinit_works(&self, principal: &str, password: &str) -> Result {
        let cache = self.ccache(&format!("kpasswd-mit-{}", principal.replace('/', "_")));
        let mut kinit = self.env.command("kinit");
        kinit.args(["-c", &cache, &format!("{principal}@{REALM}")]);
        feed(&mut kinit, password).map_err(|e| format!("MIT kinit {principal}: {e}"))
    }

    /// `sesame kpasswd kpw1` -> "Password changed."; MIT kinit with the new password works,
    /// with the old one no longer.
    fn kpasswd_change(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let new = "Changed-by-sesame-1";
            let out = super::files::stdout_of(&mut self.sesame_kpasswd("kpw1", PASSWORD, new))?;
            checks.push(format!("sesame kpasswd kpw1: {}", out.trim()));
            self.mit_kinit_works("kpw1", new)?;
            checks.push("MIT kinit kpw1 with the new password: TGT".into());
            if self.mit_kinit_works("kpw1", PASSWORD).is_ok() {
                return Err("the old password still works".into());
            }
            checks.push("MIT kinit kpw1 with the old password: refused".into());
            Ok(())
        })();
        row(
            "sesame kpasswd -> MIT kadmind: password changed, MIT kinit with the new one",
            checks,
            outcome,
        )
    }

    /// MIT's kpasswd changes kpw2's password; `sesame kinit` then gets a TGT with it.
    fn kpasswd_by_mit(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let new = "Changed-by-mit-2";
            let mut mit = self.env.command("kpasswd");
            mit.arg(format!("kpw2@{REALM}"));
            feed(&mut mit, &format!("{PASSWORD}\n{new}\n{new}"))
                .map_err(|e| format!("MIT kpasswd: {e}"))?;
            checks.push("MIT kpasswd kpw2: changed".into());
            let cache = self.ccache("kpasswd-kpw2");
            run_ok(
                self.sesame()
                    .args(["kinit", "kpw2", "--password-env", "NEW_PW", "-c", &cache])
                    .env("NEW_PW", new),
            )?;
            checks.push("sesame kinit kpw2 with the new password: TGT".into());
            Ok(())
        })();
        row(
            "MIT kpasswd -> kadmind, then sesame kinit with the new password",
            checks,
            outcome,
        )
    }

    /// The server's refusals, each with its code: a password shorter than pol1's policy
    /// allows (KRB5_KPASSWD_SOFTERROR and kadmind's words), a wrong current password (the
    /// KDC's KDC_ERR_PREAUTH_FAILED: the changepw ticket is never issued).
    fn kpasswd_refusals(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            for (principal, old, kind, words) in [
                (
                    "pol1",
                    &format!("{PASSWORD}-long")[..],
                    "kpasswd-softerror",
                    "at least 12 characters",
                ),
                (
                    "kpw2",
                    "not-the-password",
                    "kdc-err-preauth-failed",
                    "KDC_ERR_PREAUTH_FAILED (24)",
                ),
            ] {
                let out = output(&mut self.sesame_kpasswd(principal, old, "short1"))?;
                let err = String::from_utf8_lossy(&out.stderr)
                    .trim()
                    .replace('\n', " ");
                checks.push(format!("sesame kpasswd {principal}: {err}"));
                if out.status.success() || !err.contains(kind) || !err.contains(words) {
                    return Err(format!("expected {kind} with `{words}`: {err}"));
                }
            }
            Ok(())
        })();
        row(
            "kpasswd refusals: policy (KRB5_KPASSWD_SOFTERROR, kadmind's words), wrong current password (KDC_ERR_PREAUTH_FAILED)",
            checks,
            outcome,
        )
    }

    /// A principal that must change its password (+needchange): `sesame kinit` alone gets
    /// KDC_ERR_KEY_EXPIRED; with `--new-password-env` it changes the password over kpasswd
    /// and gets the TGT, as MIT's kinit does after prompting; MIT kinit then uses the new one.
    fn kpasswd_expired(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let cache = self.ccache("kpasswd-exp1");
            let plain = output(self.sesame().args([
                "kinit",
                "exp1",
                "--password-env",
                "SESAME_PW",
                "-c",
                &cache,
            ]))?;
            let err = String::from_utf8_lossy(&plain.stderr).trim().to_string();
            checks.push(format!("sesame kinit exp1: {err}"));
            if plain.status.success() || !err.contains("KDC_ERR_KEY_EXPIRED (23)") {
                return Err(format!("expected KDC_ERR_KEY_EXPIRED (23): {err}"));
            }
            let new = "Renewed-at-logon-3";
            run_ok(
                self.sesame()
                    .args(["kinit", "exp1", "--password-env", "SESAME_PW"])
                    .args(["--new-password-env", "NEW_PW", "-c", &cache])
                    .env("NEW_PW", new),
            )?;
            let listed = super::files::stdout_of(Command::new("klist").args(["-c", &cache]))?;
            if !listed.contains(&format!("krbtgt/{REALM}@{REALM}")) {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push(format!(
                "sesame kinit exp1 --new-password-env: changed, MIT klist shows krbtgt/{REALM}"
            ));
            self.mit_kinit_works("exp1", new)?;
            checks.push("MIT kinit exp1 with the new password: TGT".into());
            Ok(())
        })();
        row(
            "expired password: sesame kinit --new-password-env changes it over kpasswd and gets the TGT (KDC_ERR_KEY_EXPIRED without)",
            checks,
            outcome,
        )
    }

    /// Set password (RFC 3244 version 0xff80): admin/admin sets kpw1's, which MIT kinit then
    /// uses; user1, without the right in kadm5.acl, gets KRB5_KPASSWD_ACCESSDENIED.
    fn kpasswd_set(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let new = "Set-by-admin-4";
            let mut set = self.sesame_kpasswd("admin/admin", PASSWORD, new);
            set.args(["--set-for", "kpw1"]);
            let out = super::files::stdout_of(&mut set)?;
            checks.push(format!(
                "sesame kpasswd admin/admin --set-for kpw1: {}",
                out.trim()
            ));
            self.mit_kinit_works("kpw1", new)?;
            checks.push("MIT kinit kpw1 with the password admin set: TGT".into());
            let mut denied = self.sesame_kpasswd("user1", PASSWORD, new);
            denied.args(["--set-for", "kpw1"]);
            let out = output(&mut denied)?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            checks.push(format!("sesame kpasswd user1 --set-for kpw1: {err}"));
            if out.status.success() || !err.contains("kpasswd-accessdenied") {
                return Err(format!("expected kpasswd-accessdenied: {err}"));
            }
            Ok(())
        })();
        row(
            "set password (0xff80): admin/admin sets kpw1's (MIT kinit uses it); user1 gets KRB5_KPASSWD_ACCESSDENIED",
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
