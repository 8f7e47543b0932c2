//! IAKerb (issue 18) against MIT krb5 1.22, the first MIT that speaks the current draft
//! (Debian 12's 1.20 speaks an older one): built here from Debian's own source package into a
//! private prefix and loaded by python-gssapi through LD_LIBRARY_PATH. The initiator's
//! krb5.conf names a KDC that does not answer, so every AS and TGS exchange must go through
//! the acceptor, which relays to the MIT KDC through the run's relay (its captures, and every
//! IAKerb token, are decoded byte-exact here).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Row;
use super::kerberos::Kerberos;
use super::mit_kdc::{PASSWORD, REALM};
use super::pump::Expect;
use crate::util::{Result, ensure_apt, root, run_ok};

const PEER: &str = "MIT krb5 1.22 GSSAPI (IAKerb)";

/// MIT 1.22's prefix, built once into target/conformance/mit-1.22 (about two minutes).
fn mit_122() -> Result<PathBuf> {
    let dir = root().join("target/conformance/mit-1.22");
    let prefix = dir.join("prefix");
    if prefix.join("lib/libgssapi_krb5.so.2").exists() {
        return Ok(prefix);
    }
    ensure_apt(&["build-essential", "bison", "libssl-dev", "pkg-config"])?;
    let mirror = debian_mirror()?;
    let apt = dir.join("apt");
    fs::create_dir_all(apt.join("lists/partial")).map_err(|e| e.to_string())?;
    let src = dir.join("src");
    let _ = fs::remove_dir_all(&src);
    fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    // A private source list and state: nothing under /etc changes.
    let list = apt.join("sources.list");
    fs::write(
        &list,
        format!(
            "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {mirror} sid main\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let options = [
        "-o".to_string(),
        format!("Dir::Etc::sourcelist={}", list.display()),
        "-o".to_string(),
        "Dir::Etc::sourceparts=-".to_string(),
        "-o".to_string(),
        format!("Dir::State::Lists={}", apt.join("lists").display()),
    ];
    run_ok(
        Command::new("apt-get")
            .args(["update", "-qq"])
            .args(&options),
    )?;
    run_ok(
        Command::new("apt-get")
            .current_dir(&src)
            .args(["source", "-qq", "--download-only"])
            .args(&options)
            .arg("krb5"),
    )?;
    let tarball = fs::read_dir(&src)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("krb5_") && n.ends_with(".orig.tar.gz"))
        })
        .ok_or("no krb5 source tarball downloaded")?;
    run_ok(
        Command::new("tar")
            .current_dir(&src)
            .arg("-xzf")
            .arg(&tarball),
    )?;
    let tree = fs::read_dir(&src)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("krb5-"))
        })
        .ok_or("no krb5 source tree")?
        .join("src");
    run_ok(
        Command::new("./configure")
            .current_dir(&tree)
            .arg(format!("--prefix={}", prefix.display()))
            .args(["--disable-rpath", "--without-system-verto"]),
    )?;
    let jobs = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    run_ok(
        Command::new("make")
            .current_dir(&tree)
            .arg(format!("-j{jobs}")),
    )?;
    run_ok(Command::new("make").current_dir(&tree).arg("install"))?;
    Ok(prefix)
}

/// The Debian mirror of this machine's own apt configuration.
fn debian_mirror() -> Result<String> {
    let mut texts = Vec::new();
    if let Ok(dir) = fs::read_dir("/etc/apt/sources.list.d") {
        for e in dir.flatten() {
            texts.push(fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    texts.push(fs::read_to_string("/etc/apt/sources.list").unwrap_or_default());
    texts
        .iter()
        .flat_map(|t| t.lines())
        .find_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("URIs:").or_else(|| l.strip_prefix("deb "))?;
            rest.split_whitespace()
                .find(|w| w.starts_with("http") && w.trim_end_matches('/').ends_with("/debian"))
                .map(str::to_string)
        })
        .ok_or_else(|| "no Debian mirror in this machine's apt configuration".to_string())
}

impl Kerberos<'_> {
    /// The IAKerb rows (or one failed row when MIT 1.22 could not be built).
    pub fn iakerb_rows(&self) -> Vec<Row> {
        let prefix = match mit_122() {
            Ok(p) => p,
            Err(e) => {
                return vec![Row {
                    peer: PEER,
                    scenario: "MIT krb5 1.22 built from Debian's source package",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        // The initiators' krb5.conf: the realm's KDC is a port nothing answers on.
        let dead = match self.env.kdc.client_conf("krb5-no-kdc.conf", "127.0.0.1:9") {
            Ok(p) => p,
            Err(e) => {
                return vec![Row {
                    peer: PEER,
                    scenario: "a krb5.conf with an unreachable KDC",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        // Neither a default realm nor a realm for the host: the initiator's user has none.
        let nowhere = match fs::read_to_string(&dead)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                let text: String = t
                    .lines()
                    .filter(|l| !l.contains("default_realm") && !l.contains("localhost ="))
                    .map(|l| format!("{l}\n"))
                    .collect();
                let path = self.dir().join("krb5-no-realm.conf");
                fs::write(&path, text).map_err(|e| e.to_string())?;
                Ok(path)
            }) {
            Ok(p) => p,
            Err(e) => {
                return vec![Row {
                    peer: PEER,
                    scenario: "a krb5.conf with no realm",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        vec![
            self.iakerb_mit_initiator(&prefix, &dead),
            self.iakerb_sesame_initiator(&prefix, &dead),
            self.iakerb_mit_discovers(&prefix, &dead),
            self.iakerb_sesame_discovers(&prefix, &nowhere),
            self.iakerb_mit_foreign_realm(&prefix, &dead),
            self.iakerb_negotiate_ladder(&dead, false),
            self.iakerb_negotiate_ladder(&nowhere, true),
            self.iakerb_negotiate_to_mit_spnego(&prefix, &dead),
            self.iakerb_mit_tampered(&prefix, &dead),
            self.iakerb_sesame_tampered(&prefix, &dead),
            self.iakerb_mit_wrong_password(&prefix, &dead),
            self.iakerb_negotiate_wrong_password(&dead),
        ]
    }

    /// MIT 1.22's initiator, the acceptor's first answer altered in flight (a cookie added to
    /// its IAKERB-HEADER): the KDC exchanges still work, but the two conversations differ, and
    /// Sesame's acceptor refuses the finish.
    fn iakerb_mit_tampered(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.mit_initiator(prefix, dead, &format!("user1@{REALM}"), PASSWORD);
        let accept = self.sesame_acceptor();
        self.gss_tampered(
            PEER,
            "MIT 1.22 initiator, a cookie slipped into the acceptor's first answer: the finish does not verify (KRB_AP_ERR_BAD_INTEGRITY)",
            init,
            accept,
            &add_cookie,
            Expect::Refused("acceptor", "krb-ap-err-bad-integrity"),
            &[
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
                "IAKerb realm=EXAMPLE.TEST cookie=3 [KRB-ERROR 25",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ",
            ],
        )
    }

    /// Sesame's initiator, MIT 1.22's first answer altered in flight: MIT's acceptor refuses
    /// the finish Sesame computed over what it received, and its KRB-ERROR says so.
    fn iakerb_sesame_tampered(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.sesame_initiator(dead, &format!("user1@{REALM}"));
        let accept = self.mit_acceptor(prefix, "iakerb");
        self.gss_tampered(
            PEER,
            "sesame init --mech iakerb, a cookie slipped into MIT 1.22's first answer: MIT's acceptor refuses the finish with KRB_AP_ERR_BAD_INTEGRITY",
            init,
            accept,
            &add_cookie,
            Expect::Refused("initiator", "krb-ap-err-bad-integrity"),
            &[
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
                "IAKerb realm=EXAMPLE.TEST cookie=3 [KRB-ERROR 25",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ",
                "GSS(1.3.6.1.5.2.5) KRB-ERROR 31 KRB_AP_ERR_BAD_INTEGRITY",
            ],
        )
    }

    /// MIT 1.22's initiator with a wrong password: the KDC's KDC_ERR_PREAUTH_FAILED comes back
    /// through Sesame's acceptor, and MIT reports it.
    fn iakerb_mit_wrong_password(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.mit_initiator(prefix, dead, &format!("user1@{REALM}"), "wrong-password");
        let accept = self.sesame_acceptor();
        self.gss_with(
            PEER,
            "MIT 1.22 initiator, wrong password: the KDC's KDC_ERR_PREAUTH_FAILED relayed back through sesame's acceptor",
            init,
            accept,
            Expect::Refused("initiator", "peer"),
            &[
                "KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED",
            ],
        )
    }

    /// The ladder with a wrong password: the KDC's refusal comes back through the acceptor,
    /// and the default policy does not go on to NTLM.
    fn iakerb_negotiate_wrong_password(&self, dead: &Path) -> Row {
        let mut init = self.ladder_initiator(dead, "user1@EXAMPLE.TEST");
        init.env("SESAME_PW", "wrong-password");
        self.gss_with(
            "Sesame Negotiate (IAKerb rung)",
            "Negotiate ladder, wrong password: KDC_ERR_PREAUTH_FAILED through the acceptor, and no NTLM after it",
            init,
            self.ladder_acceptor(),
            Expect::Refused("initiator", "kdc-err-preauth-failed"),
            &[
                "KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED",
                "SPNEGO NegTokenInit mechs=[iakerb,ntlm] token=[IAKerb",
                "SPNEGO NegTokenResp state=AcceptIncomplete token=[IAKerb realm=EXAMPLE.TEST cookie=0 [KRB-ERROR 24",
            ],
        )
    }

    /// The ladder's Sesame acceptor: Negotiate with Kerberos, IAKerb and NTLM, relaying to
    /// the MIT KDC.
    fn ladder_acceptor(&self) -> Command {
        let users = self.dir().join("iakerb_ntlm_users");
        let _ = fs::write(&users, "EXAMPLE:user1:Passw0rd1\n");
        let mut accept = self.sesame();
        accept
            .args(["accept", "--mech", "negotiate"])
            .args(["--packages", "kerberos,iakerb,ntlm", "--keytab"])
            .arg(self.dir().join("service.keytab"))
            .arg("--ntlm-users")
            .arg(users);
        accept
    }

    /// The ladder's Sesame initiator, with `conf` (its KDC out of reach).
    fn ladder_initiator(&self, conf: &Path, user: &str) -> Command {
        self.sesame_init("negotiate", conf, user)
    }

    /// MIT 1.22's initiator for a user with no realm (`user1@`): it asks the acceptor for its
    /// realm first (an empty header, no message), then goes on in it.
    fn iakerb_mit_discovers(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.mit_initiator(prefix, dead, "user1@", PASSWORD);
        let accept = self.sesame_acceptor();
        self.gss_with(
            PEER,
            "realm discovery: MIT 1.22 initiator for `user1@` (no realm) -> sesame accept --mech iakerb names EXAMPLE.TEST",
            init,
            accept,
            Expect::Success("user1@EXAMPLE.TEST"),
            &[
                "IAKerb realm= cookie=0 [-]",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [-]",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ",
            ],
        )
    }

    /// `sesame init --mech iakerb --user user1` with no realm configured anywhere -> MIT
    /// 1.22's acceptor names its realm.
    fn iakerb_sesame_discovers(&self, prefix: &Path, nowhere: &Path) -> Row {
        let init = self.sesame_initiator(nowhere, "user1");
        let accept = self.mit_acceptor(prefix, "iakerb");
        self.gss_with(
            PEER,
            "realm discovery: sesame init --mech iakerb --user user1 (no realm configured) -> MIT 1.22 acceptor names EXAMPLE.TEST",
            init,
            accept,
            Expect::Success("user1@EXAMPLE.TEST"),
            &[
                "IAKerb realm= cookie=0 [-]",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [-]",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REP",
            ],
        )
    }

    /// MIT 1.22's initiator for a user of another realm: Sesame's acceptor is no open relay.
    fn iakerb_mit_foreign_realm(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.mit_initiator(prefix, dead, "user1@OTHER.TEST", PASSWORD);
        let accept = self.sesame_acceptor();
        let row = self.gss_with(
            PEER,
            "MIT 1.22 initiator asks to relay to OTHER.TEST -> sesame's IAKerb acceptor refuses (not its realm), nothing sent to any KDC",
            init,
            accept,
            Expect::Refused("acceptor", "defective-token"),
            &["IAKerb realm=OTHER.TEST cookie=0 [AS-REQ cname=user1"],
        );
        require(row, |m| {
            if m.iter()
                .any(|l| l.starts_with("AS-REQ") || l.starts_with("AS-REP"))
            {
                Err("a request reached the KDC".into())
            } else if !m.iter().any(|l| l.contains("not relayed")) {
                Err("the refusal does not say `not relayed`".into())
            } else {
                Ok(())
            }
        })
    }

    /// Sesame's Negotiate on both sides, the initiator's KDC out of reach: IAKerb, not NTLM,
    /// and the initiator says why. With `discover`, its user names no realm either.
    fn iakerb_negotiate_ladder(&self, conf: &Path, discover: bool) -> Row {
        let (scenario, user, reason, first): (&'static str, _, _, _) = if discover {
            (
                "Negotiate ladder, no realm configured: sesame init --packages kerberos,iakerb,ntlm --user user1 -> sesame accept; IAKerb with realm discovery, not NTLM",
                "user1",
                "no KDC is known for the realm",
                "SPNEGO NegTokenInit mechs=[iakerb,ntlm] token=[IAKerb realm= cookie=0 [-]]",
            )
        } else {
            (
                "Negotiate ladder, the initiator's KDC unreachable: sesame init --packages kerberos,iakerb,ntlm -> sesame accept relaying to the KDC; IAKerb chosen, not NTLM",
                "user1@EXAMPLE.TEST",
                "no KDC could be reached",
                "SPNEGO NegTokenInit mechs=[iakerb,ntlm] token=[IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
            )
        };
        let row = self.gss_with(
            "Sesame Negotiate (IAKerb rung)",
            scenario,
            self.ladder_initiator(conf, user),
            self.ladder_acceptor(),
            Expect::Success("spnego/iakerb user1@EXAMPLE.TEST"),
            &[
                "AS-REQ cname=user1",
                "TGS-REQ",
                first,
                "SPNEGO NegTokenResp state=AcceptIncomplete token=[IAKerb realm=EXAMPLE.TEST",
                "SPNEGO NegTokenResp state=- token=[IAKerb realm=EXAMPLE.TEST cookie=0 [TGS-REQ",
                "SPNEGO NegTokenResp state=AcceptIncomplete token=[IAKerb realm=EXAMPLE.TEST cookie=0 [TGS-REP",
                "SPNEGO NegTokenResp state=- token=[GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ]",
                "SPNEGO NegTokenResp state=AcceptCompleted token=[GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REP]",
            ],
        );
        let said = format!("Kerberos through the server (IAKerb), not NTLM: {reason}");
        require(row, |m| {
            if m.iter()
                .any(|l| l.starts_with("initiator stderr") && l.ends_with(&said))
            {
                Ok(())
            } else {
                Err(format!("the initiator does not say `{said}`"))
            }
        })
    }

    /// Sesame's Negotiate (KDC unreachable, IAKerb then NTLM offered) -> MIT 1.22's SPNEGO
    /// acceptor: MIT's SPNEGO negotiates neither IAKerb (not among its SPNEGO mechanisms) nor
    /// NTLM (no gss-ntlmssp in the private prefix), and rejects.
    fn iakerb_negotiate_to_mit_spnego(&self, prefix: &Path, dead: &Path) -> Row {
        let accept = self.mit_acceptor(prefix, "spnego");
        self.gss_with(
            PEER,
            "sesame Negotiate with the IAKerb rung (KDC unreachable) -> MIT 1.22 SPNEGO acceptor: rejected, MIT's SPNEGO does not negotiate IAKerb",
            self.ladder_initiator(dead, "user1@EXAMPLE.TEST"),
            accept,
            Expect::Refused("initiator", "rejected"),
            &[
                "SPNEGO NegTokenInit mechs=[iakerb,ntlm] token=[IAKerb realm=EXAMPLE.TEST",
                "SPNEGO NegTokenResp state=Reject",
            ],
        )
    }

    /// MIT 1.22's IAKerb initiator for `user` with `password`, its krb5.conf `conf`.
    fn mit_initiator(&self, prefix: &Path, conf: &Path, user: &str, password: &str) -> Command {
        let mut init = self.mit_122_peer(prefix, "init", conf);
        init.args(["--mech", "iakerb", "--mutual", "--target", "HTTP@localhost"])
            .args(["--user", user, "--password", password]);
        init
    }

    /// MIT 1.22's acceptor of `mech` (iakerb, spnego) with the service keytab, reaching the KDC.
    fn mit_acceptor(&self, prefix: &Path, mech: &str) -> Command {
        let mut accept = self.mit_122_peer(prefix, "accept", &self.env.conf);
        accept.args(["--mech", mech]);
        accept
    }

    /// `sesame accept --mech iakerb` with the service keytab, relaying to the KDC.
    fn sesame_acceptor(&self) -> Command {
        let mut accept = self.sesame();
        accept
            .args(["accept", "--mech", "iakerb", "--keytab"])
            .arg(self.dir().join("service.keytab"));
        accept
    }

    /// `sesame init --mech iakerb` for `user` (password in SESAME_PW), its krb5.conf `conf`.
    fn sesame_initiator(&self, conf: &Path, user: &str) -> Command {
        self.sesame_init("iakerb", conf, user)
    }

    /// `sesame init --mech MECH` (IAKerb among the Negotiate packages), its krb5.conf `conf`.
    fn sesame_init(&self, mech: &str, conf: &Path, user: &str) -> Command {
        let mut init = self.sesame();
        init.env("KRB5_CONFIG", conf)
            .env("KRB5CCNAME", "FILE:/dev/null/none")
            .args(["init", "--mech", mech, "--mutual"])
            .args(["--packages", "kerberos,iakerb,ntlm"])
            .args(["--target", "HTTP/localhost", "--user", user])
            .args(["--password-env", "SESAME_PW"]);
        init
    }

    fn mit_122_peer(&self, prefix: &Path, role: &str, conf: &Path) -> Command {
        let mut c = Command::new(&self.env.python);
        c.arg(root().join("xtask/py/krb5_peer.py"))
            .arg(role)
            .env("LD_LIBRARY_PATH", prefix.join("lib"))
            .env("KRB5_CONFIG", conf)
            .env("KRB5_KTNAME", self.dir().join("service.keytab"))
            .env("KRB5CCNAME", "MEMORY:iakerb");
        c
    }

    /// MIT 1.22's IAKerb initiator, its KDC unreachable -> `sesame accept --mech iakerb`,
    /// which relays its AS and TGS requests to the MIT KDC and checks the finish.
    fn iakerb_mit_initiator(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.mit_initiator(prefix, dead, &format!("user1@{REALM}"), PASSWORD);
        let accept = self.sesame_acceptor();
        self.gss_with(
            PEER,
            "MIT 1.22 IAKerb initiator (its KDC unreachable) -> sesame accept --mech iakerb, relaying to the KDC; the finish checked",
            init,
            accept,
            Expect::Success("user1@EXAMPLE.TEST"),
            &[
                "AS-REQ cname=user1",
                "AS-REP cname=user1",
                "TGS-REQ cname= sname=HTTP/localhost",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REP cname=user1]",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [TGS-REQ",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [TGS-REP sname=HTTP/localhost",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REP",
            ],
        )
    }

    /// `sesame init --mech iakerb`, its KDC unreachable -> MIT 1.22's IAKerb acceptor.
    fn iakerb_sesame_initiator(&self, prefix: &Path, dead: &Path) -> Row {
        let init = self.sesame_initiator(dead, &format!("user1@{REALM}"));
        let accept = self.mit_acceptor(prefix, "iakerb");
        self.gss_with(
            PEER,
            "sesame init --mech iakerb (its KDC unreachable) -> MIT 1.22 IAKerb acceptor",
            init,
            accept,
            Expect::Success("user1@EXAMPLE.TEST"),
            &[
                "AS-REQ cname=user1",
                "AS-REP cname=user1",
                "TGS-REQ cname= sname=HTTP/localhost",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [AS-REQ cname=user1",
                "IAKerb realm=EXAMPLE.TEST cookie=0 [TGS-REQ",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REQ",
                "GSS(1.3.6.1.5.2.5) GSS Kerberos AP-REP",
            ],
        )
    }
}

/// `row` failed unless its messages also pass `check`.
fn require(mut row: Row, check: impl Fn(&[String]) -> Result) -> Row {
    if row.outcome.is_ok() {
        row.outcome = check(&row.messages);
    }
    row
}

/// Adds a three-byte cookie to the IAKERB-HEADER of the acceptor's first answer (token 1).
fn add_cookie(i: usize, token: &mut Vec<u8>) {
    use sesame_asn1::iakerb::IakerbToken;
    if i != 1 {
        return;
    }
    if let Ok(mut t) = IakerbToken::decode(token) {
        t.header.cookie = Some(b"xyz".to_vec().into());
        if let Ok(bytes) = t.encode() {
            *token = bytes;
        }
    }
}
