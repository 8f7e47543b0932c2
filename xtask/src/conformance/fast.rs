//! FAST (RFC 6113) against an MIT KDC that takes pre-authentication only inside it: its own
//! realm with `kdcpreauth = { disable = encrypted_timestamp }` and fast1 `+requires_preauth`.
//! The armor TGT is HTTP/localhost's, from its keytab, in a cache written by `sesame kinit -k`
//! (MIT `kinit -T` armors with that cache too) or by MIT `kinit -k` (Sesame armors with it).

use std::path::Path;
use std::process::Command;

use super::Row;
use super::feed;
use super::files::stdout_of;
use super::kerberos::Kerberos;
use super::mit_kdc::{MitKdc, PASSWORD, REALM};
use crate::util::{Result, output, root, run_ok};

const PEER: &str = "MIT KDC requiring FAST (encrypted_timestamp disabled)";

/// kdc.conf: encrypted timestamp off, so that only FAST's encrypted challenge is left.
const NO_TIMESTAMP: &str =
    "[plugins]\n    kdcpreauth = {\n        disable = encrypted_timestamp\n    }\n";

impl Kerberos<'_> {
    /// The FAST rows, with their KDC started for them (or one failed row saying why).
    pub fn fast_rows(&self) -> Vec<Row> {
        // The armor principal gets its TGT from its keytab without pre-authentication (with
        // encrypted timestamp off it could not pre-authenticate outside FAST), as MIT's FAST
        // setup asks of host principals.
        let started = MitKdc::start_with(&root().join("target/conformance/mit-fast"), NO_TIMESTAMP)
            .and_then(|kdc| {
                kdc.kadmin("modprinc -requires_preauth HTTP/localhost")?;
                Ok(kdc)
            });
        let kdc = match started {
            Ok(kdc) => kdc,
            Err(e) => {
                return vec![Row {
                    peer: PEER,
                    scenario: "MIT KDC requiring FAST started",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        let fast = Fast { k: self, kdc: &kdc };
        vec![
            fast.armored(),
            fast.unarmored(),
            fast.wrong_password(),
            fast.mit_armor(),
            fast.tgs(),
        ]
    }
}

struct Fast<'a> {
    k: &'a Kerberos<'a>,
    kdc: &'a MitKdc,
}

impl Fast<'_> {
    fn conf(&self) -> std::path::PathBuf {
        self.kdc.dir.join("krb5.conf")
    }

    fn cache(&self, name: &str) -> String {
        format!("FILE:{}", self.kdc.dir.join(name).display())
    }

    fn sesame(&self) -> Command {
        let mut c = Command::new(self.k.sesame);
        c.env("KRB5_CONFIG", self.conf()).env("SESAME_PW", PASSWORD);
        c
    }

    fn mit(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("KRB5_CONFIG", self.conf());
        c
    }

    /// The armor: HTTP/localhost's TGT from its keytab, by `sesame kinit -k`.
    fn sesame_armor(&self) -> Result<String> {
        let armor = self.cache("armor-sesame");
        run_ok(
            self.sesame()
                .args(["kinit", "-k", "-t"])
                .arg(keytab(&self.kdc.dir))
                .args([&format!("HTTP/localhost@{REALM}"), "-c", &armor]),
        )?;
        Ok(armor)
    }

    fn kinit_fast1(&self, armor: Option<&str>, password_var: &str) -> Command {
        let mut c = self.sesame();
        c.args(["kinit", "fast1", "--password-env", password_var])
            .args(["-c", &self.cache("cc-fast1")]);
        if let Some(a) = armor {
            c.args(["-T", a]);
        }
        c
    }

    /// `sesame kinit -T ARMOR fast1`: FAST with encrypted challenge, the KDC's challenge
    /// checked, the reply key strengthened; MIT klist reads the TGT.
    fn armored(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let armor = self.sesame_armor()?;
            checks.push("sesame kinit -k HTTP/localhost: armor TGT".into());
            run_ok(&mut self.kinit_fast1(Some(&armor), "SESAME_PW"))?;
            let listed = stdout_of(self.mit("klist").args(["-c", &self.cache("cc-fast1")]))?;
            if !listed.contains(&format!("Default principal: fast1@{REALM}")) {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push(format!(
                "sesame kinit -T: MIT klist: fast1@{REALM}, krbtgt/{REALM}"
            ));
            let log = std::fs::read_to_string(self.kdc.dir.join("kdc.log")).unwrap_or_default();
            if let Some(line) = log
                .lines()
                .rev()
                .find(|l| l.contains("ISSUE") && l.contains("fast1@"))
            {
                checks.push(format!("KDC: {}", line.split("): ").nth(1).unwrap_or(line)));
            }
            Ok(())
        })();
        row(
            "sesame kinit -T ARMOR (FAST, encrypted challenge, KDC challenge and strengthened reply key checked) -> TGT, MIT klist",
            checks,
            outcome,
        )
    }

    /// Without armor: the KDC offers no pre-authentication outside FAST; Sesame says so
    /// (fast-required, naming KDC_ERR_PREAUTH_REQUIRED and the PA types), where MIT's kinit
    /// says "Generic preauthentication failure".
    fn unarmored(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let out = output(&mut self.kinit_fast1(None, "SESAME_PW"))?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            checks.push(format!("sesame kinit fast1: {err}"));
            if out.status.success()
                || !err.contains("fast-required")
                || !err.contains("KDC_ERR_PREAUTH_REQUIRED (25)")
            {
                return Err(format!("expected fast-required: {err}"));
            }
            let mut mit = self.mit("kinit");
            mit.args(["-c", &self.cache("cc-mit-plain"), &format!("fast1@{REALM}")]);
            let theirs = feed(&mut mit, PASSWORD).err().unwrap_or_default();
            checks.push(format!("MIT kinit fast1: {theirs}"));
            if theirs.is_empty() {
                return Err("MIT kinit succeeded without armor".into());
            }
            Ok(())
        })();
        row(
            "without armor: fast-required (KDC_ERR_PREAUTH_REQUIRED (25), only FAST offered); MIT kinit fails too",
            checks,
            outcome,
        )
    }

    /// A wrong password inside the tunnel: the KDC's real error, from PA-FX-ERROR.
    fn wrong_password(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let armor = self.sesame_armor()?;
            let out = output(
                self.kinit_fast1(Some(&armor), "WRONG")
                    .env("WRONG", "not-it"),
            )?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            checks.push(format!("sesame kinit -T, wrong password: {err}"));
            if out.status.success() || !err.contains("KDC_ERR_PREAUTH_FAILED (24)") {
                return Err(format!("expected KDC_ERR_PREAUTH_FAILED (24): {err}"));
            }
            Ok(())
        })();
        row(
            "FAST, wrong password: the KDC's KDC_ERR_PREAUTH_FAILED (24) from inside the tunnel (PA-FX-ERROR)",
            checks,
            outcome,
        )
    }

    /// Armor caches both ways: MIT `kinit -T` with Sesame's armor cache, `sesame kinit -T`
    /// with MIT's (`kinit -k`).
    fn mit_armor(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let armor = self.sesame_armor()?;
            let mut mit = self.mit("kinit");
            mit.args([
                "-T",
                &armor,
                "-c",
                &self.cache("cc-mit-fast"),
                &format!("fast1@{REALM}"),
            ]);
            feed(&mut mit, PASSWORD).map_err(|e| format!("MIT kinit -T (Sesame's armor): {e}"))?;
            checks.push("MIT kinit -T with Sesame's armor cache: TGT".into());
            let mit_armor = self.cache("armor-mit");
            run_ok(
                self.mit("kinit")
                    .args(["-k", "-t"])
                    .arg(keytab(&self.kdc.dir))
                    .args(["-c", &mit_armor, &format!("HTTP/localhost@{REALM}")]),
            )?;
            run_ok(&mut self.kinit_fast1(Some(&mit_armor), "SESAME_PW"))?;
            checks.push("sesame kinit -T with MIT's armor cache (kinit -k): TGT".into());
            Ok(())
        })();
        row(
            "armor caches both ways: MIT kinit -T with Sesame's, sesame kinit -T with MIT's",
            checks,
            outcome,
        )
    }
}

impl Fast<'_> {
    /// TGS requests armored with the TGT (RFC 6113 5.4.1.1): `sesame kinit -T` records
    /// `fast_avail` in the cache as MIT's kinit does, and `sesame kvno` then sends PA-FX-FAST
    /// beside PA-TGS-REQ (checksum over the AP-REQ, no armor field), through a relay whose
    /// captures are decoded here; the reply comes back through the tunnel.
    fn tgs(&self) -> Row {
        const SCENARIO: &str = "sesame kinit -T, then sesame kvno: the TGS-REQ armored with the TGT (fast_avail), the TGS-REP through the tunnel";
        let relay = match super::relay::Relay::start(self.kdc.addr) {
            Ok(r) => r,
            Err(e) => return row(SCENARIO, vec![], Err(format!("relay: {e}"))),
        };
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let armor = self.sesame_armor()?;
            run_ok(&mut self.kinit_fast1(Some(&armor), "SESAME_PW"))?;
            let conf = self
                .kdc
                .client_conf("krb5-relay.conf", &relay.addr.to_string())?;
            relay.take();
            let out = stdout_of(self.sesame().env("KRB5_CONFIG", &conf).args([
                "kvno",
                "-c",
                &self.cache("cc-fast1"),
                "HTTP/localhost",
            ]))?;
            checks.push(format!("sesame kvno: {}", out.trim()));
            Ok(())
        })();
        let traffic = super::relay_traffic(&relay);
        let mut done = self.k.env.finish(
            PEER,
            SCENARIO,
            &traffic,
            outcome,
            &[
                "TGS-REQ cname= sname=HTTP/localhost realm=EXAMPLE.TEST padata=[PA-TGS-REQ(AP-REQ),PA-FX-FAST]",
                "TGS-REP sname=HTTP/localhost padata=[PA-FX-FAST]",
            ],
        );
        done.messages.extend(checks);
        done
    }
}

fn keytab(dir: &Path) -> std::path::PathBuf {
    dir.join("service.keytab")
}

fn row(scenario: &'static str, messages: Vec<String>, outcome: Result) -> Row {
    Row {
        peer: PEER,
        scenario,
        messages,
        outcome,
    }
}
