//! Kerberos interop: `sesame kinit` against the MIT KDC (each AES enctype, rc4 opted in), `sesame
//! init --mech kerberos` against an MIT GSSAPI acceptor and an MIT GSSAPI initiator against
//! `sesame accept` (mutual or not, DCE style, delegation, wrap both ways), user-to-user with
//! tickets from the MIT KDC, and negative cases that must each give their exact error fact.
//! KDC traffic goes through the recording relay; every message is decoded and re-encoded.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::files::stdout_of;
use super::mit_kdc::{PASSWORD, REALM};
use super::pump::{Expect, exchange, judge};
use super::{Env, Row};
use crate::util::{Result, free_port, output, root, run_ok};

pub struct Kerberos<'a> {
    pub env: &'a Env<'a>,
    pub sesame: &'a Path,
}

impl Kerberos<'_> {
    pub(super) fn dir(&self) -> &Path {
        &self.env.kdc.dir
    }

    pub(super) fn ccache(&self, name: &str) -> String {
        format!("FILE:{}/sesame-{name}", self.dir().display())
    }

    pub(super) fn sesame(&self) -> Command {
        let mut c = Command::new(self.sesame);
        c.env("KRB5_CONFIG", &self.env.conf)
            .env("KRB5_KTNAME", self.dir().join("service.keytab"))
            .env("SESAME_PW", PASSWORD);
        c
    }

    pub(super) fn peer(&self, role: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.env.python);
        c.arg(root().join("xtask/py/krb5_peer.py"))
            .arg(role)
            .args(args)
            .env("KRB5_CONFIG", &self.env.conf)
            .env("KRB5_KTNAME", self.dir().join("service.keytab"))
            .env("KRB5CCNAME", "MEMORY:krb5-peer");
        if role == "init" {
            c.args(["--user", &format!("user1@{REALM}"), "--password", PASSWORD]);
        }
        c
    }

    /// `sesame kinit user@REALM` into `cc`, the password from SESAME_PW.
    pub(super) fn kinit_cmd(&self, user: &str, cc: &str) -> Command {
        let mut c = self.sesame();
        c.args([
            "kinit",
            &format!("{user}@{REALM}"),
            "--password-env",
            "SESAME_PW",
            "--ccache",
            cc,
        ]);
        c
    }

    /// A fresh TGT for `user` in ccache `name`, from `sesame kinit` (not recorded).
    pub(super) fn kinit(&self, user: &str, name: &str) -> Result<String> {
        let cc = self.ccache(name);
        let out = output(&mut self.kinit_cmd(user, &cc))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        self.env.relay.take();
        Ok(cc)
    }

    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for enctype in [
            "aes256-cts-hmac-sha1-96",
            "aes128-cts-hmac-sha1-96",
            "aes256-cts-hmac-sha384-192",
        ] {
            rows.push(self.kinit_row(enctype));
        }
        rows.push(self.kinit_rc4());
        rows.push(self.s4u2self());
        rows.extend(self.gss_rows());
        rows.push(self.user_to_user());
        rows.extend(self.negative_rows());
        rows.extend(self.renewal_rows());
        rows.extend(self.keytab_client_rows());
        rows.extend(self.kpasswd_rows());
        rows.extend(self.fast_rows());
        rows.extend(self.keyring_rows());
        rows.extend(self.iakerb_rows());
        rows
    }

    /// Initiator credentials from a keytab: `sesame kinit -k -t` with MIT's keytab of user1
    /// (kadmin `ktadd -norandkey`: every enctype, the KDC picks by ETYPE-INFO2) -> MIT klist;
    /// and with no credential flags and no cache, the default client keytab
    /// (`KRB5_CLIENT_KTNAME`) -> `sesame init` -> MIT GSSAPI acceptor.
    fn keytab_client_rows(&self) -> Vec<Row> {
        let keytab = self.dir().join("user1-client.keytab");
        let _ = std::fs::remove_file(&keytab);
        if let Err(e) = self
            .env
            .kadmin(&format!("ktadd -norandkey -k {} user1", keytab.display()))
        {
            return vec![failed_setup_row("client keytab from kadmin ktadd", e)];
        }
        let cache = self.ccache("from-keytab");
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            run_ok(self.sesame().args([
                "kinit",
                "-k",
                "-t",
                &keytab.display().to_string(),
                "-c",
                &cache,
                &format!("user1@{REALM}"),
            ]))?;
            checks.push("sesame kinit -k -t: TGT with the keytab's key".into());
            klist_has(
                &cache,
                &[
                    &format!("krbtgt/{REALM}@{REALM}"),
                    "Default principal: user1@",
                ],
            )?;
            checks.push("MIT klist reads it".into());
            Ok(())
        })();
        let first = Row {
            peer: "MIT KDC, kadmin, klist",
            scenario: "sesame kinit -k -t (MIT's keytab, every enctype) -> MIT klist",
            messages: checks,
            outcome,
        };
        let mut init = self.sesame();
        init.env(
            "KRB5CCNAME",
            format!("FILE:{}", self.dir().join("no-such-cache").display()),
        )
        .env("KRB5_CLIENT_KTNAME", &keytab)
        .args([
            "init",
            "--mech",
            "kerberos",
            "--target",
            "HTTP/localhost",
            "--mutual",
        ]);
        let second = self.gss(
            "default client keytab (KRB5_CLIENT_KTNAME, no cache) -> sesame init -> MIT GSSAPI acceptor",
            init,
            self.peer("accept", &[]),
            Expect::Success("user1@EXAMPLE.TEST"),
            &[
                "AS-REQ cname=user1",
                "AS-REP cname=user1",
                "TGS-REQ cname= sname=HTTP/localhost",
                "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
            ],
        );
        vec![first, second]
    }

    /// Renewal (`kinit -R`) both ways against the MIT KDC: MIT's renewable TGT renewed by
    /// `sesame kinit -R` (MIT `klist` shows the new end time, the renew-till unchanged);
    /// Sesame's renewable TGT (`sesame kinit -r`) renewed by MIT `kinit -R`; and a TGT that
    /// is not renewable refused by the KDC with its code.
    fn renewal_rows(&self) -> Vec<Row> {
        vec![
            self.renewed_by_sesame(),
            self.renewed_by_mit(),
            self.renewal_refused(),
            self.expired_tgt(),
            self.kinit_flags(),
        ]
    }

    fn renewed_by_sesame(&self) -> Row {
        let cache = self.ccache("renew-mit");
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let mut kinit = self.env.command("kinit");
            kinit.args([
                "-l",
                "1h",
                "-r",
                "2h",
                "-c",
                &cache,
                &format!("user1@{REALM}"),
            ]);
            super::feed(&mut kinit, PASSWORD)?;
            let mut renew = self.sesame();
            renew.args(["kinit", "-R", "-l", "1h", "-c", &cache]);
            renewed(
                &cache,
                "MIT kinit -l 1h -r 2h",
                "sesame kinit -R",
                &mut renew,
                &mut checks,
            )
        })();
        renewal_row(
            "renewal: MIT kinit -r -> sesame kinit -R -> MIT klist",
            checks,
            outcome,
        )
    }

    fn renewed_by_mit(&self) -> Row {
        let cache = self.ccache("renew-sesame");
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            run_ok(
                self.kinit_cmd("user1", &cache)
                    .args(["-l", "1h", "-r", "2h"]),
            )?;
            let mut renew = self.env.command("kinit");
            renew.args(["-R", "-c", &cache]);
            renewed(
                &cache,
                "sesame kinit -l 1h -r 2h",
                "MIT kinit -R",
                &mut renew,
                &mut checks,
            )
        })();
        renewal_row(
            "renewal: sesame kinit -r -> MIT kinit -R -> MIT klist",
            checks,
            outcome,
        )
    }

    /// A cache whose TGT expired (MIT `kinit -l 5s`, then 6 s): `sesame kvno` says the TGT
    /// expired, with its kind, instead of a generic "no credentials".
    fn expired_tgt(&self) -> Row {
        let cache = self.ccache("expired");
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let mut kinit = self.env.command("kinit");
            kinit.args(["-l", "5s", "-c", &cache, &format!("user1@{REALM}")]);
            super::feed(&mut kinit, PASSWORD)?;
            std::thread::sleep(std::time::Duration::from_secs(6));
            let out = output(self.sesame().args(["kvno", "-c", &cache, "HTTP/localhost"]))?;
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            checks.push(format!("sesame kvno: {}", err.trim()));
            if out.status.success() || !err.contains("tgt-expired") {
                return Err(format!("expected tgt-expired: {err}"));
            }
            Ok(())
        })();
        renewal_row(
            "MIT kinit -l 5s, 6 s later sesame kvno: tgt-expired",
            checks,
            outcome,
        )
    }

    /// Ticket flags asked for as MIT's kinit asks: `-F` (not forwardable, though krb5.conf
    /// says `forwardable = true`), `-f -p` (forwardable and proxiable): MIT `klist -f` shows
    /// the KDC's flags.
    fn kinit_flags(&self) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            for (args, want, not) in [
                (&["-F"][..], "", &['F', 'P'][..]),
                (&["-f", "-p"][..], "FP", &[][..]),
                (&[][..], "F", &['P'][..]),
            ] {
                let cache = self.ccache("flags");
                run_ok(self.kinit_cmd("user1", &cache).args(args))?;
                let text = mit_klist(&["-f"], &cache)?;
                let flags = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("Flags: "))
                    .unwrap_or_default()
                    .to_string();
                if !want.chars().all(|c| flags.contains(c))
                    || not.iter().any(|c| flags.contains(*c))
                {
                    return Err(format!(
                        "sesame kinit {args:?}: MIT klist -f shows `{flags}`"
                    ));
                }
                checks.push(format!(
                    "sesame kinit {args:?}: MIT klist -f Flags: {flags}"
                ));
            }
            Ok(())
        })();
        renewal_row(
            "sesame kinit -f/-F/-p (krb5.conf forwardable = true) -> MIT klist -f",
            checks,
            outcome,
        )
    }

    fn renewal_refused(&self) -> Row {
        let cache = self.ccache("renew-none");
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            // MIT kinit asks for a renewable TGT by default here; sesame kinit without -r
            // does not.
            run_ok(&mut self.kinit_cmd("user1", &cache))?;
            let mut mit = self.env.command("kinit");
            let theirs = output(mit.args(["-R", "-c", &cache]))?;
            let why = String::from_utf8_lossy(&theirs.stderr).into_owned();
            checks.push(format!("MIT kinit -R: {}", why.trim()));
            if theirs.status.success() {
                return Err("MIT kinit -R renewed a TGT that is not renewable".into());
            }
            let out = output(self.sesame().args(["kinit", "-R", "-c", &cache]))?;
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            checks.push(format!("sesame kinit -R: {}", err.trim()));
            if out.status.success() || !err.contains("KDC_ERR_BADOPTION") {
                return Err(format!("expected the KDC's KDC_ERR_BADOPTION: {err}"));
            }
            Ok(())
        })();
        renewal_row(
            "renewal of a TGT that is not renewable: the KDC's KDC_ERR_BADOPTION, as for MIT kinit -R",
            checks,
            outcome,
        )
    }

    /// `sesame kinit` with one enctype; MIT `klist -e` must list the TGT with that session key.
    fn kinit_row(&self, enctype: &'static str) -> Row {
        let scenario: &'static str = match enctype {
            "aes256-cts-hmac-sha1-96" => "sesame kinit aes256-sha1, MIT klist reads it",
            "aes128-cts-hmac-sha1-96" => "sesame kinit aes128-sha1, MIT klist reads it",
            _ => "sesame kinit aes256-sha384, MIT klist reads it",
        };
        let cc = self.ccache(enctype);
        self.env.relay.take();
        let mut cmd = self.sesame();
        cmd.args([
            "kinit",
            &format!("user1@{REALM}"),
            "--password-env",
            "SESAME_PW",
            "--enctypes",
            enctype,
            "--ccache",
            &cc,
        ]);
        let ran = run_ok(&mut cmd).and_then(|()| {
            klist_has(
                &cc,
                &[
                    "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST",
                    &format!("Etype (skey, tkt): {enctype}"),
                ],
            )
        });
        let traffic = self.env.traffic();
        self.env.finish("sesame kinit + MIT KDC", scenario, &traffic, ran, &[
            "AS-REQ cname=user1", "KRB-ERROR 25 KDC_ERR_PREAUTH_REQUIRED", "AS-REQ cname=user1 sname=krbtgt/EXAMPLE.TEST realm=EXAMPLE.TEST padata=[PA-ENC-TIMESTAMP", "AS-REP cname=user1",
        ])
    }

    /// S4U2Self against MIT's KDC (which reads PA-S4U-X509-USER, where Samba's reads only
    /// PA-FOR-USER): HTTP/localhost, from its keytab, gets a ticket to itself for user1; the
    /// KDC's echo of PA-S4U-X509-USER (checksummed with the request's subkey, usage 27) is
    /// decoded byte-exact here and verified by Sesame; MIT `klist` lists the ticket `for
    /// client user1`.
    fn s4u2self(&self) -> Row {
        const SCENARIO: &str = "sesame kvno -U user1 (S4U2Self: PA-FOR-USER and PA-S4U-X509-USER, the KDC's echo verified) -> MIT klist `for client user1`";
        let cc = self.ccache("s4u");
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            run_ok(
                self.sesame()
                    .args(["kinit", "-k", "-t"])
                    .arg(self.dir().join("service.keytab"))
                    .args([&format!("HTTP/localhost@{REALM}"), "-c", &cc]),
            )?;
            self.env.relay.take();
            let out = stdout_of(self.sesame().args([
                "kvno",
                "-c",
                &cc,
                "-U",
                "user1",
                &format!("HTTP/localhost@{REALM}"),
            ]))?;
            checks.push(format!("sesame kvno -U user1: {}", out.trim()));
            let listed = mit_klist(&[], &cc)?;
            if !listed.contains(&format!("for client user1@{REALM}")) {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push(format!(
                "MIT klist: HTTP/localhost@{REALM} for client user1@{REALM}"
            ));
            Ok(())
        })();
        let traffic = self.env.traffic();
        let mut row = self.env.finish("MIT KDC, kinit, klist", SCENARIO, &traffic, outcome, &[
            "TGS-REQ cname= sname=HTTP/localhost realm=EXAMPLE.TEST padata=[PA-TGS-REQ(AP-REQ),PA-FOR-USER(user1),PA-S4U-X509-USER(user1 options=0x20000000)]",
            "TGS-REP sname=HTTP/localhost padata=[PA-S4U-X509-USER(user1 options=0x20000000)]",
        ]);
        row.messages.extend(checks);
        row
    }

    /// rc4-hmac only when opted in: refused without `--allow-weak`, a ticket with it.
    fn kinit_rc4(&self) -> Row {
        let cc = self.ccache("rc4");
        self.env.relay.take();
        let plain = output(self.sesame().args([
            "kinit",
            &format!("rc4user@{REALM}"),
            "--password-env",
            "SESAME_PW",
            "--ccache",
            &cc,
        ]));
        let refused = match plain {
            Ok(o)
                if !o.status.success()
                    && String::from_utf8_lossy(&o.stderr)
                        .starts_with("sesame: enctype-refused") =>
            {
                Ok(())
            }
            Ok(o) => Err(format!(
                "without --allow-weak: expected enctype-refused, got {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Err(e),
        };
        // The KDC answers in the rc4 key; MIT 1.20 issues no rc4 session key by default, so
        // the session key stays AES. Sesame takes the rc4 reply key only with --allow-weak.
        let mut cmd = self.sesame();
        cmd.args([
            "kinit",
            &format!("rc4user@{REALM}"),
            "--password-env",
            "SESAME_PW",
            "--enctypes",
            "aes256-cts-hmac-sha1-96,rc4-hmac",
            "--allow-weak",
            "--ccache",
            &cc,
        ]);
        let ran = refused
            .and_then(|()| run_ok(&mut cmd))
            .and_then(|()| klist_has(&cc, &["krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"]));
        let traffic = self.env.traffic();
        self.env.finish("sesame kinit + MIT KDC", "rc4-hmac reply key: refused by default, --allow-weak opts in", &traffic, ran, &[
            "AS-REQ cname=rc4user", "KRB-ERROR 25 KDC_ERR_PREAUTH_REQUIRED e-data=METHOD-DATA[PA-FX-FAST,PA-FX-COOKIE]", "AS-REQ cname=rc4user", "KRB-ERROR 25 KDC_ERR_PREAUTH_REQUIRED e-data=METHOD-DATA[PA-FX-FAST,ETYPE-INFO2(23)", "AS-REQ cname=rc4user sname=krbtgt/EXAMPLE.TEST realm=EXAMPLE.TEST padata=[PA-ENC-TIMESTAMP]", "AS-REP cname=rc4user",
        ])
    }

    #[allow(clippy::too_many_lines)] // one entry per scenario
    fn gss_rows(&self) -> Vec<Row> {
        let cc = match self.kinit("user1", "user1") {
            Ok(cc) => cc,
            Err(e) => {
                return vec![Row {
                    peer: "MIT GSSAPI (python-gssapi)",
                    scenario: "sesame kinit for the GSS rows",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        let delegated = self.ccache("delegated");
        let sesame_init = |extra: &[&str]| {
            let mut c = self.sesame();
            c.args([
                "init",
                "--mech",
                "kerberos",
                "--target",
                "HTTP/localhost",
                "--ccache",
                &cc,
            ])
            .args(extra);
            c
        };
        let sesame_accept = |extra: &[&str]| {
            let mut c = self.sesame();
            c.args(["accept", "--mech", "kerberos", "--keytab"])
                .arg(self.dir().join("service.keytab"))
                .args(extra);
            c
        };
        let mut rows = vec![
            self.gss(
                "MIT GSSAPI initiator -> sesame accept --keytab, mutual, wrap both ways",
                self.peer("init", &["--mutual"]),
                sesame_accept(&[]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &[
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
                ],
            ),
            self.gss(
                "MIT GSSAPI initiator -> sesame accept, no mutual auth, wrap both ways",
                self.peer("init", &[]),
                sesame_accept(&[]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &["GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ"],
            ),
            self.gss(
                "MIT GSSAPI initiator -> sesame accept, DCE style (3 legs)",
                self.peer("init", &["--dce"]),
                sesame_accept(&[]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &["AP-REQ", "AP-REP", "AP-REP"],
            ),
            self.gss(
                "MIT GSSAPI initiator delegates -> sesame accept writes the forwarded TGT",
                self.peer("init", &["--mutual", "--delegate"]),
                sesame_accept(&["--delegated-ccache", &delegated]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &[
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
                ],
            ),
            self.gss(
                "sesame init -> MIT GSSAPI acceptor, mutual, wrap both ways",
                sesame_init(&["--mutual"]),
                self.peer("accept", &[]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &[
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
                ],
            ),
            self.gss(
                "sesame init -> MIT GSSAPI acceptor, no mutual auth, wrap both ways",
                sesame_init(&[]),
                self.peer("accept", &[]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &["GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ"],
            ),
            self.gss(
                "sesame init -> MIT GSSAPI acceptor, DCE style (3 legs)",
                sesame_init(&["--dce"]),
                self.peer("accept", &[]),
                Expect::Success("user1@EXAMPLE.TEST"),
                &["AP-REQ", "AP-REP", "AP-REP"],
            ),
            self.gss(
                "sesame init delegates -> MIT GSSAPI acceptor gets the forwarded TGT",
                sesame_init(&["--mutual", "--delegate"]),
                self.peer("accept", &[]),
                Expect::Success("delegated=user1@EXAMPLE.TEST"),
                &[
                    "TGS-REQ",
                    "TGS-REP sname=krbtgt/EXAMPLE.TEST",
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
                ],
            ),
        ];
        // The delegated TGT written by `sesame accept` must work for MIT's kvno.
        let mut kvno = Command::new(crate::util::which("kvno").unwrap_or_else(|| "kvno".into()));
        kvno.env("KRB5_CONFIG", &self.env.conf)
            .env("KRB5CCNAME", &delegated)
            .arg("host/localhost");
        let check = run_ok(&mut kvno).and_then(|()| {
            klist_has(
                &delegated,
                &[
                    "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST",
                    "host/localhost@EXAMPLE.TEST",
                ],
            )
        });
        self.env.relay.take();
        rows.push(Row {
            peer: "MIT kvno",
            scenario: "the TGT delegated to sesame accept gets a service ticket from MIT kvno",
            messages: vec![format!("ccache {delegated}")],
            outcome: check,
        });
        rows
    }

    /// User-to-user: user1 asks user2 (who holds only a TGT) through the MIT KDC.
    fn user_to_user(&self) -> Row {
        let (cc1, cc2) = match self
            .kinit("user1", "u2u-user1")
            .and_then(|a| self.kinit("user2", "u2u-user2").map(|b| (a, b)))
        {
            Ok(pair) => pair,
            Err(e) => {
                return Row {
                    peer: "sesame u2u + MIT KDC",
                    scenario: "user-to-user",
                    messages: vec![],
                    outcome: Err(e),
                };
            }
        };
        let mut init = self.sesame();
        init.args([
            "init",
            "--mech",
            "kerberos",
            "--u2u",
            "--mutual",
            "--target",
            &format!("user2@{REALM}"),
            "--ccache",
            &cc1,
        ]);
        let mut accept = self.sesame();
        accept.args(["accept", "--mech", "kerberos", "--u2u", "--ccache", &cc2]);
        self.gss_with("sesame u2u + MIT KDC", "sesame init --u2u -> sesame accept --u2u (TGT-REQ, TGS with the acceptor's TGT)", init, accept, Expect::Success("kerberos-u2u user1@EXAMPLE.TEST"), &[
            "TGS-REQ cname= sname=user2 realm=EXAMPLE.TEST padata=[PA-TGS-REQ(AP-REQ)] additional-tickets=1 enc-tkt-in-skey",
            "TGS-REP sname=user2",
            "GSS(1.2.840.113554.1.2.2.3) GSS Kerberos TGT-REQ",
            "GSS(1.2.840.113554.1.2.2.3) GSS Kerberos TGT-REP",
            "GSS(1.2.840.113554.1.2.2.3) GSS Kerberos AP-REQ",
            "GSS(1.2.840.113554.1.2.2.3) GSS Kerberos AP-REP",
        ])
    }

    fn negative_rows(&self) -> Vec<Row> {
        let dead = free_port().map(|p| format!("127.0.0.1:{p}"));
        let mut rows = vec![
            self.kinit_fails(
                "wrong password",
                "user1",
                "wrong-password",
                &[],
                "kdc-err-preauth-failed",
                &[
                    "AS-REQ",
                    "KRB-ERROR 25",
                    "AS-REQ",
                    "KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED",
                ],
            ),
            self.kinit_fails(
                "unknown client",
                "nobody",
                PASSWORD,
                &[],
                "kdc-err-c-principal-unknown",
                &[
                    "AS-REQ cname=nobody",
                    "KRB-ERROR 6 KDC_ERR_C_PRINCIPAL_UNKNOWN",
                ],
            ),
            self.kinit_fails(
                "clock one hour ahead",
                "user1",
                PASSWORD,
                &["--clock-offset", "3600"],
                "krb-ap-err-skew",
                &[
                    "AS-REQ",
                    "KRB-ERROR 25",
                    "AS-REQ",
                    "KRB-ERROR 37 KRB_AP_ERR_SKEW",
                ],
            ),
        ];
        match &dead {
            Ok(addr) => rows.push(self.kinit_fails(
                "KDC not listening",
                "user1",
                PASSWORD,
                &["--kdc", addr],
                "kdc-unreachable",
                &[],
            )),
            Err(e) => rows.push(Row {
                peer: "sesame kinit + MIT KDC",
                scenario: "KDC not listening",
                messages: vec![],
                outcome: Err(e.clone()),
            }),
        }
        let cc = self.kinit("user1", "negative");
        let mut init = self.sesame();
        init.args([
            "init",
            "--mech",
            "kerberos",
            "--mutual",
            "--target",
            "HTTP/nowhere.example.test@EXAMPLE.TEST",
            "--ccache",
            cc.as_deref().unwrap_or("FILE:/nonexistent"),
        ]);
        rows.push(self.gss_with(
            "sesame init + MIT KDC",
            "unknown service principal",
            init,
            self.peer("accept", &[]),
            Expect::Refused("initiator", "kdc-err-s-principal-unknown"),
            &[
                "TGS-REQ cname= sname=HTTP/nowhere.example.test",
                "KRB-ERROR 7 KDC_ERR_S_PRINCIPAL_UNKNOWN",
            ],
        ));
        let mut accept = self.sesame();
        accept
            .args([
                "accept",
                "--mech",
                "kerberos",
                "--clock-offset",
                "3600",
                "--keytab",
            ])
            .arg(self.dir().join("service.keytab"));
        rows.push(self.gss(
            "MIT GSSAPI initiator -> sesame accept with its clock one hour ahead",
            self.peer("init", &["--mutual"]),
            accept,
            Expect::Refused("acceptor", "krb-ap-err-skew"),
            &["GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ"],
        ));
        rows
    }

    fn kinit_fails(
        &self,
        scenario: &'static str,
        user: &str,
        password: &str,
        extra: &[&str],
        kind: &str,
        expect: &[&str],
    ) -> Row {
        self.env.relay.take();
        let cc = self.ccache("failing");
        let out = output(
            self.kinit_cmd(user, &cc)
                .env("SESAME_PW", password)
                .args(extra),
        );
        let outcome = match out {
            Ok(o) => {
                let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
                if o.status.success() {
                    Err("kinit succeeded".into())
                } else if err.starts_with(&format!("sesame: {kind}")) {
                    Ok(())
                } else {
                    Err(format!("expected `{kind}`, got `{err}`"))
                }
            }
            Err(e) => Err(e),
        };
        let traffic = self.env.traffic();
        let mut row = self.env.finish(
            "sesame kinit + MIT KDC",
            scenario,
            &traffic,
            outcome,
            expect,
        );
        row.messages.push(format!("error kind {kind}"));
        row
    }

    fn gss(
        &self,
        scenario: &'static str,
        init: Command,
        accept: Command,
        expect: Expect,
        tokens: &[&str],
    ) -> Row {
        self.gss_with(
            "MIT GSSAPI (python-gssapi)",
            scenario,
            init,
            accept,
            expect,
            tokens,
        )
    }

    /// Runs an exchange; `sequence` lists (in order, as prefixes) the summaries of the KDC
    /// messages (all of them first) and then the context tokens that must appear.
    pub(super) fn gss_with(
        &self,
        peer: &'static str,
        scenario: &'static str,
        init: Command,
        accept: Command,
        expect: Expect,
        sequence: &[&str],
    ) -> Row {
        self.gss_tampered(peer, scenario, init, accept, &|_, _| {}, expect, sequence)
    }

    /// As [`Self::gss_with`], with `tamper(i, token)` altering the i-th token in flight.
    #[allow(clippy::too_many_arguments)] // the parts of one scenario, read in one call
    pub(super) fn gss_tampered(
        &self,
        peer: &'static str,
        scenario: &'static str,
        mut init: Command,
        mut accept: Command,
        tamper: &dyn Fn(usize, &mut Vec<u8>),
        expect: Expect,
        sequence: &[&str],
    ) -> Row {
        self.env.relay.take();
        let result = exchange(&mut init, &mut accept, tamper);
        let mut messages = Vec::new();
        let mut outcome = Ok(());
        let mut all = self.env.traffic();
        if let Ok(o) = &result {
            all.extend(
                o.tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (format!("token{i}"), t.clone())),
            );
        }
        for (side, bytes) in &all {
            match super::inspect::inspect(bytes) {
                Ok(s) => messages.push(s),
                Err(e) => {
                    messages.push(format!("{side} UNDECODABLE"));
                    outcome = Err(format!("{side}: {e}"));
                }
            }
        }
        let outcome = outcome.and(match &result {
            Err(e) => Err(e.clone()),
            Ok(o) => judge(o, &expect),
        });
        let outcome = outcome.and_then(|()| in_order(&messages, sequence));
        if let Ok(o) = &result {
            for (side, done) in ["initiator", "acceptor"].iter().zip(&o.done) {
                if !done.is_empty() {
                    messages.push(format!("{side} done {done}"));
                }
            }
            if let Some((side, e)) = &o.error {
                messages.push(format!("{side} error {e}"));
            }
            for (side, text) in ["initiator", "acceptor"].iter().zip(&o.stderr) {
                for line in text.lines().filter(|l| l.starts_with("sesame:")) {
                    messages.push(format!("{side} stderr {line}"));
                }
            }
        }
        let dir = self.env.captures.join(super::slug(scenario));
        let _ = std::fs::create_dir_all(&dir);
        for (i, (side, bytes)) in all.iter().enumerate() {
            let _ = std::fs::write(dir.join(format!("{i:02}-{side}.der")), bytes);
        }
        Row {
            peer,
            scenario,
            messages,
            outcome,
        }
    }
}

/// Each expected prefix matches a later message than the previous one.
fn in_order(messages: &[String], sequence: &[&str]) -> Result {
    let mut at = 0;
    for want in sequence {
        match messages[at..].iter().position(|m| m.starts_with(want)) {
            Some(i) => at += i + 1,
            None => {
                return Err(format!(
                    "expected a message `{want}` (in order) among {messages:?}"
                ));
            }
        }
    }
    Ok(())
}

/// MIT `klist -e -c NAME` lists every one of `needles`.
/// What MIT `klist ARGS -c CACHE` prints.
fn mit_klist(args: &[&str], cache: &str) -> Result<String> {
    let out = output(
        Command::new(crate::util::which("klist").unwrap_or_else(|| PathBuf::from("klist")))
            .args(args)
            .args(["-c", cache]),
    )?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn klist_has(cache: &str, needles: &[&str]) -> Result {
    let text = mit_klist(&["-e"], cache)?;
    for n in needles {
        if !text.contains(n) {
            return Err(format!("MIT klist does not show `{n}`:\n{text}"));
        }
    }
    Ok(())
}

fn failed_setup_row(scenario: &'static str, e: String) -> Row {
    Row {
        peer: "MIT KDC, kadmin, klist",
        scenario,
        messages: vec![],
        outcome: Err(e),
    }
}

/// The TGT in `cache` renewed by `renew` two seconds on: its end time moves, its renew-till
/// stays (MIT `klist` before and after).
fn renewed(
    cache: &str,
    got_by: &str,
    renewer: &str,
    renew: &mut Command,
    checks: &mut Vec<String>,
) -> Result {
    let (expires, till) = klist_times(cache)?;
    checks.push(format!("{got_by}: expires {expires}, renew until {till}"));
    std::thread::sleep(std::time::Duration::from_secs(2));
    run_ok(renew)?;
    let (expires2, till2) = klist_times(cache)?;
    checks.push(format!(
        "{renewer}: expires {expires2}, renew until {till2}"
    ));
    if expires2 == expires || till2 != till {
        return Err("the renewed TGT's end time did not move, or its renew-till did".into());
    }
    Ok(())
}

fn renewal_row(scenario: &'static str, messages: Vec<String>, outcome: Result) -> Row {
    Row {
        peer: "MIT KDC, kinit, klist",
        scenario,
        messages,
        outcome,
    }
}

/// The TGT's end time and renew-till as MIT `klist` prints them.
fn klist_times(cache: &str) -> std::result::Result<(String, String), String> {
    let text = mit_klist(&[], cache)?;
    let mut lines = text
        .lines()
        .skip_while(|l| !l.contains(&format!("krbtgt/{REALM}@{REALM}")));
    let tgt = lines
        .next()
        .ok_or_else(|| format!("no TGT in MIT klist:\n{text}"))?;
    let words: Vec<&str> = tgt.split_whitespace().collect();
    let expires = words.get(2..4).map(|w| w.join(" ")).unwrap_or_default();
    let renew = lines
        .next()
        .and_then(|l| l.trim().strip_prefix("renew until "))
        .ok_or_else(|| format!("MIT klist shows no renew-till:\n{text}"))?
        .to_string();
    Ok((expires, renew))
}
