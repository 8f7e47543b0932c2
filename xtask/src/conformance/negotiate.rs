//! Negotiate interop: `sesame init --mech negotiate` against MIT's SPNEGO (Kerberos, and NTLM
//! through gss-ntlmssp) and pyspnego's SPNEGO, MIT initiators and pyspnego against
//! `sesame accept --mech negotiate`, and every fallback reason caused by a real fault (KDC not
//! listening, unknown service, one hour of clock skew) with an NTLM acceptor completing the
//! handshake — and a wrong password that must not fall back.

use std::process::Command;

use super::Row;
use super::kerberos::Kerberos;
use super::mit_kdc::{PASSWORD, REALM};
use super::pump::Expect;
use crate::util::{free_port, root};

impl Kerberos<'_> {
    pub(super) fn users_file(&self) -> std::path::PathBuf {
        let path = self.env.kdc.dir.join("negotiate-users");
        let _ = std::fs::write(&path, "EXAMPLE:user1:Passw0rd1\n");
        path
    }

    pub(super) fn negotiate_init(&self, extra: &[&str]) -> Command {
        let mut c = Command::new(self.sesame);
        c.args([
            "init",
            "--mech",
            "negotiate",
            "--target",
            "HTTP/localhost",
            "--user",
        ])
        .arg(format!("user1@{REALM}"))
        .args(["--password-env", "SESAME_PW", "--mutual"])
        .args(extra)
        .env("KRB5_CONFIG", &self.env.conf)
        .env("SESAME_PW", PASSWORD);
        c
    }

    pub(super) fn negotiate_accept(&self) -> Command {
        let mut c = Command::new(self.sesame);
        c.args(["accept", "--mech", "negotiate", "--keytab"])
            .arg(self.env.kdc.dir.join("service.keytab"))
            .arg("--ntlm-users")
            .arg(self.users_file())
            .env("KRB5_CONFIG", &self.env.conf);
        c
    }

    /// MIT's SPNEGO through python-gssapi; NTLM by gss-ntlmssp with the users file.
    pub(super) fn mit_spnego(&self, role: &str, extra: &[&str]) -> Command {
        let mut c = Command::new(&self.env.python);
        c.arg(root().join("xtask/py/krb5_peer.py"))
            .arg(role)
            .args(["--mech", "spnego"])
            .args(extra)
            .env("KRB5_CONFIG", &self.env.conf)
            .env("KRB5_KTNAME", self.env.kdc.dir.join("service.keytab"))
            .env("KRB5CCNAME", "MEMORY:spnego-peer")
            .env("NTLM_USER_FILE", self.users_file());
        c
    }

    /// pyspnego's own SPNEGO over its pure-Python NTLM.
    pub(super) fn pyspnego(&self, role: &str) -> Command {
        let mut c = Command::new(&self.env.python);
        c.arg(root().join("xtask/py/ntlm_peer.py"))
            .args([role, "--backend", "pyspnego", "--protocol", "negotiate"])
            .env("NTLM_USER_FILE", self.users_file())
            .env("KRB5CCNAME", "FILE:/dev/null/none");
        if role == "init" {
            c.args(["--user", "EXAMPLE\\user1", "--password", PASSWORD]);
        }
        c
    }

    /// A ccache with user1's TGT for MIT initiators.
    pub(super) fn kinit_for_peers(&self) -> crate::util::Result<String> {
        let cc = format!("FILE:{}/negotiate-user1", self.env.kdc.dir.display());
        let out = crate::util::output(
            Command::new(self.sesame)
                .args([
                    "kinit",
                    &format!("user1@{REALM}"),
                    "--password-env",
                    "SESAME_PW",
                    "--ccache",
                    &cc,
                ])
                .env("KRB5_CONFIG", &self.env.conf)
                .env("SESAME_PW", PASSWORD),
        )?;
        self.env.relay.take();
        if out.status.success() {
            Ok(cc)
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// A negotiate exchange whose initiator must end in `mech` and (on fallback) say `why`.
    #[allow(clippy::too_many_arguments)] // the parts of one scenario, read in one call
    fn negotiate_row(
        &self,
        scenario: &'static str,
        peer: &'static str,
        init: Command,
        accept: Command,
        expect: Expect,
        why: Option<&str>,
        sequence: &[&str],
    ) -> Row {
        let mut row = self.gss_with(peer, scenario, init, accept, expect, sequence);
        row.messages.retain(|m| !m.is_empty());
        if row.outcome.is_ok()
            && let Some(why) = why
        {
            let said = row.messages.iter().any(|m| m.contains(why));
            if !said {
                row.outcome = Err(format!("the fallback reason `{why}` was not reported"));
            }
        }
        row
    }

    #[allow(clippy::too_many_lines)] // one entry per scenario
    pub fn negotiate_rows(&self) -> Vec<Row> {
        let dead =
            free_port().map_or_else(|_| "127.0.0.1:9".to_string(), |p| format!("127.0.0.1:{p}"));
        let ntlm_first = "SPNEGO NegTokenInit mechs=[ntlm] token=NTLMSSP type 1";
        let krb5_ccache = self
            .kinit_for_peers()
            .unwrap_or_else(|e| format!("FILE:/nonexistent ({e})"));
        vec![
            self.negotiate_row(
                "sesame init --mech negotiate -> MIT SPNEGO acceptor: Kerberos, mutual, no mechListMIC",
                "MIT SPNEGO (python-gssapi)",
                self.negotiate_init(&[]),
                self.mit_spnego("accept", &[]),
                Expect::Success("spnego/kerberos"),
                None,
                &["AS-REQ", "AS-REP", "TGS-REQ", "TGS-REP", "SPNEGO NegTokenInit mechs=[kerberos (MS OID),kerberos,ntlm] token=[GSS", "SPNEGO NegTokenResp state=AcceptCompleted"],
            ),
            self.negotiate_row(
                "KDC not listening -> NTLM fallback -> MIT SPNEGO + gss-ntlmssp",
                "MIT SPNEGO + gss-ntlmssp",
                self.negotiate_init(&["--kdc", &dead]),
                self.mit_spnego("accept", &["--ntlm-only"]),
                Expect::Success("spnego/ntlm"),
                Some("fell back to NTLM: no KDC could be reached"),
                &[ntlm_first, "SPNEGO NegTokenResp", "SPNEGO NegTokenResp state=- token=NTLMSSP type 3 mechListMIC", "SPNEGO NegTokenResp state=AcceptCompleted mechListMIC"],
            ),
            self.negotiate_row(
                "unknown service principal -> NTLM fallback -> pyspnego negotiate server",
                "pyspnego (SPNEGO + NTLM)",
                {
                    let mut c = self.negotiate_init(&[]);
                    c.args(["--target", "HTTP/nowhere.example.test"]);
                    c
                },
                self.pyspnego("accept"),
                Expect::Success("spnego/ntlm"),
                Some("fell back to NTLM: the KDC does not know the service principal"),
                &["TGS-REQ cname= sname=HTTP/nowhere.example.test", "KRB-ERROR 7 KDC_ERR_S_PRINCIPAL_UNKNOWN", ntlm_first],
            ),
            self.negotiate_row(
                "clock one hour ahead -> NTLM fallback (KRB_AP_ERR_SKEW) -> MIT SPNEGO + gss-ntlmssp",
                "MIT SPNEGO + gss-ntlmssp",
                self.negotiate_init(&["--clock-offset", "3600"]),
                self.mit_spnego("accept", &["--ntlm-only"]),
                Expect::Success("spnego/ntlm"),
                Some("fell back to NTLM: clock skew too great (KRB_AP_ERR_SKEW)"),
                &["AS-REQ", "KRB-ERROR 25", "AS-REQ", "KRB-ERROR 37 KRB_AP_ERR_SKEW", ntlm_first],
            ),
            self.negotiate_row(
                "wrong password -> no fallback",
                "pyspnego (SPNEGO + NTLM)",
                {
                    let mut c = self.negotiate_init(&[]);
                    c.env("SESAME_PW", "wrong-password");
                    c
                },
                self.pyspnego("accept"),
                Expect::Refused("initiator", "kdc-err-preauth-failed"),
                None,
                &["AS-REQ", "KRB-ERROR 25", "AS-REQ", "KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED"],
            ),
            self.negotiate_row(
                "sesame init --mech negotiate (Kerberos first) -> MIT SPNEGO acceptor without a keytab picks NTLM: request-mic",
                "MIT SPNEGO + gss-ntlmssp",
                self.negotiate_init(&[]),
                {
                    let mut c = self.mit_spnego("accept", &["--ntlm-only"]);
                    c.env("KRB5_KTNAME", "FILE:/nonexistent/keytab");
                    c
                },
                Expect::Success("spnego/ntlm"),
                None,
                &["SPNEGO NegTokenInit mechs=[kerberos (MS OID),kerberos,ntlm] token=[GSS", "SPNEGO NegTokenResp state=RequestMic", "SPNEGO NegTokenResp state=- token=NTLMSSP type 1", "SPNEGO NegTokenResp", "SPNEGO NegTokenResp state=- token=NTLMSSP type 3 mechListMIC", "SPNEGO NegTokenResp state=AcceptCompleted mechListMIC"],
            ),
            self.negotiate_row(
                "pyspnego negotiate client -> sesame accept --mech negotiate (NTLM, mechListMIC both ways)",
                "pyspnego (SPNEGO + NTLM)",
                self.pyspnego("init"),
                self.negotiate_accept(),
                Expect::Success("spnego/ntlm"),
                None,
                &[ntlm_first, "SPNEGO NegTokenResp", "SPNEGO NegTokenResp", "SPNEGO NegTokenResp state=AcceptCompleted mechListMIC"],
            ),
            self.negotiate_row(
                "MIT SPNEGO initiator (Kerberos) -> sesame accept --mech negotiate, mutual",
                "MIT SPNEGO (python-gssapi)",
                {
                    // A ccache from `sesame kinit`, and no NTLM credentials: MIT offers Kerberos.
                    let mut c = self.mit_spnego("init", &["--mutual"]);
                    c.env_remove("NTLM_USER_FILE").env("KRB5CCNAME", &krb5_ccache);
                    c
                },
                self.negotiate_accept(),
                Expect::Success("spnego/kerberos"),
                None,
                &["SPNEGO NegTokenInit mechs=[kerberos", "SPNEGO NegTokenResp state=AcceptCompleted"],
            ),
            self.negotiate_row(
                "MIT SPNEGO initiator (gss-ntlmssp NTLM) -> sesame accept --mech negotiate",
                "MIT SPNEGO + gss-ntlmssp",
                self.mit_spnego("init", &["--user", "EXAMPLE\\user1", "--password", PASSWORD, "--ntlm-only"]),
                self.negotiate_accept(),
                Expect::Success("spnego/ntlm"),
                None,
                &[ntlm_first, "SPNEGO NegTokenResp", "SPNEGO NegTokenResp", "SPNEGO NegTokenResp state=AcceptCompleted"],
            ),
        ]
    }
}
