//! Samba 4.17 AD DC (Debian's) as a peer: an Active Directory KDC (Heimdal, issuing PACs) that
//! answers as Windows does where MIT does not. Provisioned on loopback into a private directory
//! (`interfaces = lo`, its KDC on its own port; LDAP and SMB use fixed ports, so one DC per
//! machine), accounts made with `samba-tool`, stopped when the rows are done.

use std::collections::BTreeSet;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::Row;
use super::files::stdout_of;
use super::kerberos::Kerberos;
use super::pump::{Expect, exchange, judge};
use crate::util::{Result, free_port, output, root, run_ok};

const PEER: &str = "Samba 4.17 AD DC";
const REALM: &str = "SAMBA.TEST";
const PASSWORD: &str = "Passw0rd1!";

/// A running Samba AD DC; stopped on drop.
pub struct SambaDc {
    child: Child,
    dir: PathBuf,
    /// A krb5.conf for realm SAMBA.TEST on the DC's KDC port.
    pub conf: PathBuf,
}

impl SambaDc {
    pub fn start(dir: &Path) -> Result<Self> {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let port = free_port()?;
        let kpasswd = port + 1;
        let tls = tls_certificate(dir)?;
        let opt = |o: String| format!("--option={o}");
        run_ok(
            Command::new("samba-tool")
                .args(["domain", "provision"])
                .arg(format!("--targetdir={}", dir.display()))
                .args([
                    "--realm=SAMBA.TEST",
                    "--domain=SAMBA",
                    "--server-role=dc",
                    "--dns-backend=NONE",
                    "--adminpass=Passw0rd1!",
                    "--host-name=dc1",
                    "--host-ip=127.0.0.1",
                ])
                .arg(opt("interfaces=lo".into()))
                .arg(opt("bind interfaces only=yes".into()))
                .arg(opt(format!("krb5 port={port}")))
                .arg(opt(format!("kpasswd port={}", port + 1)))
                .arg(opt(format!("log file={}/log.%m", dir.display())))
                // LDAPS with a certificate for 127.0.0.1 (Samba's own has no subjectAltName,
                // which rustls requires), and SASL binds inside TLS allowed: with `yes`,
                // Samba 4.17 takes inside TLS only simple binds. Plain LDAP still requires
                // signing or sealing.
                .arg(opt(format!(
                    "tls certfile={}",
                    tls.join("cert.pem").display()
                )))
                .arg(opt(format!(
                    "tls keyfile={}",
                    tls.join("key.pem").display()
                )))
                .arg(opt(format!("tls cafile={}", tls.join("ca.pem").display())))
                .arg(opt(
                    "ldap server require strong auth=allow_sasl_over_tls".into()
                )),
        )?;
        let conf = dir.join("krb5.conf");
        fs::write(
            &conf,
            format!(
                "[libdefaults]\n    default_realm = {REALM}\n    dns_lookup_kdc = false\n    \
                 dns_lookup_realm = false\n    dns_canonicalize_hostname = false\n    \
                 rdns = false\n[realms]\n    {REALM} = {{\n        kdc = 127.0.0.1:{port}\n    \
                 \x20   kpasswd_server = 127.0.0.1:{kpasswd}\n    }}\n[domain_realm]\n    localhost = {REALM}\n    aes.localhost = {REALM}\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        let log = fs::File::create(dir.join("samba.out")).map_err(|e| e.to_string())?;
        let child = Command::new("samba")
            .args(["-i", "-s"])
            .arg(dir.join("etc/smb.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("samba: {e}"))?;
        let dc = Self {
            child,
            dir: dir.to_path_buf(),
            conf,
        };
        for p in [389, port] {
            let mut up = false;
            for _ in 0..300 {
                if TcpStream::connect(("127.0.0.1", p)).is_ok() {
                    up = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if !up {
                return Err(format!("samba did not listen on port {p}"));
            }
        }
        Ok(dc)
    }

    fn tool(&self, args: &[&str]) -> Result {
        run_ok(
            Command::new("samba-tool")
                .args(args)
                .arg("-s")
                .arg(self.dir.join("etc/smb.conf")),
        )
    }
}

/// A test CA and the DC's certificate for 127.0.0.1 and dc1.samba.test, made with `openssl`
/// in `dir/tls` (ca.pem, cert.pem, key.pem); returns that directory.
fn tls_certificate(dir: &Path) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let tls = dir.join("tls");
    fs::create_dir_all(&tls).map_err(|e| e.to_string())?;
    let openssl = |args: &[&str]| run_ok(Command::new("openssl").current_dir(&tls).args(args));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=sesame conformance CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ])?;
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=dc1.samba.test",
        "-keyout",
        "key.pem",
        "-out",
        "dc.csr",
    ])?;
    fs::write(
        tls.join("dc.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:dc1.samba.test\nbasicConstraints=critical,CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "dc.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "dc.ext",
        "-out",
        "cert.pem",
    ])?;
    // Samba refuses a key file others can read.
    fs::set_permissions(tls.join("key.pem"), fs::Permissions::from_mode(0o600))
        .map_err(|e| e.to_string())?;
    Ok(tls)
}

impl Drop for SambaDc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // `samba -i` leaves its worker processes behind when killed.
        let _ = Command::new("pkill")
            .args([
                "-f",
                &format!("samba -i -s {}", self.dir.join("etc/smb.conf").display()),
            ])
            .status();
        let _ = Command::new("pkill").args(["-f", "samba: "]).status();
    }
}

/// One LDAP row: scenario, URL, SASL mechanism, user, CA (LDAPS), krb5.conf, expected line.
type LdapCase<'a> = (
    &'static str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a Path,
    &'a str,
);

/// The accounts, groups, delegation settings and exported keytabs the rows use.
fn provision(dc: &SambaDc, dir: &Path) -> Result {
    for args in [
        &["user", "create", "user1", PASSWORD][..],
        &["user", "create", "svc1", PASSWORD],
        &["spn", "add", "HTTP/localhost", "svc1"],
        // svc1 may delegate to cifs/dc1 only, with protocol transition (S4U2Self
        // gives a forwardable ticket).
        &["delegation", "add-service", "svc1", "cifs/dc1"],
        &["delegation", "for-any-protocol", "svc1", "on"],
        // svc2 (HTTP/svc2.localhost, AES) is in svc1's msDS-AllowedToDelegateTo: a
        // Sesame acceptor for it receives user1 through svc1. svc3 names svc1 in its
        // msDS-AllowedToActOnBehalfOfOtherIdentity only (resource-based delegation).
        &["user", "create", "svc2", PASSWORD],
        &["spn", "add", "HTTP/svc2.localhost", "svc2"],
        &["delegation", "add-service", "svc1", "HTTP/svc2.localhost"],
        &["user", "create", "svc3", PASSWORD],
        &["spn", "add", "HTTP/svc3.localhost", "svc3"],
        &["delegation", "add-principal", "svc3", "svc1"],
        // Nested groups of every scope: user1 in inner1 (global) and local1 (domain
        // local), inner1 in outer1 (global), outer1 in univ1 (universal).
        &["group", "add", "inner1"],
        &["group", "add", "outer1"],
        &["group", "add", "univ1", "--group-scope=Universal"],
        &["group", "add", "local1", "--group-scope=Domain"],
        &["group", "addmembers", "inner1", "user1"],
        &["group", "addmembers", "local1", "user1"],
        &["group", "addmembers", "outer1", "inner1"],
        &["group", "addmembers", "univ1", "outer1"],
        // upn1's UPN suffix is not the realm (set below): an enterprise name.
        &["user", "create", "upn1", PASSWORD],
        // svcaes: msDS-SupportedEncryptionTypes = AES only (set below); svc1 has none,
        // so its tickets and exported keys are RC4.
        &["user", "create", "svcaes", PASSWORD],
        &["spn", "add", "HTTP/aes.localhost", "svcaes"],
        // rc4only1: its password set as an NT hash only (below), so the DC holds no
        // AES key for it, as for an account whose password predates AES.
        &["user", "create", "rc4only1", PASSWORD],
        // kpasswd: pwchange1 changes its password, pwchange2 tries one the policy refuses;
        // no minimum age, so that a password just set may change.
        &["domain", "passwordsettings", "set", "--min-pwd-age=0"],
        &["user", "create", "pwchange1", PASSWORD],
        &["user", "create", "pwchange2", PASSWORD],
        &["user", "create", "disabled1", PASSWORD],
        &["user", "disable", "disabled1"],
        &[
            "user",
            "create",
            "newpw1",
            PASSWORD,
            "--must-change-at-next-login",
        ],
    ] {
        dc.tool(args)?;
    }
    let nt_hash: String = sesame_ntlm::crypto::nt_hash(PASSWORD)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    run_ok(
        Command::new("pdbedit")
            .arg("-s")
            .arg(dir.join("etc/smb.conf"))
            .args(["-u", "rc4only1", &format!("--set-nt-hash={nt_hash}")]),
    )?;
    let keytab = dir.join("http.keytab").display().to_string();
    dc.tool(&[
        "domain",
        "exportkeytab",
        &keytab,
        "--principal=HTTP/localhost",
    ])?;
    let ldif = dir.join("accounts.ldif");
    fs::write(
        &ldif,
        "dn: CN=upn1,CN=Users,DC=samba,DC=test\nchangetype: modify\n\
             replace: userPrincipalName\nuserPrincipalName: alice@corp.example\n\n\
             dn: CN=svcaes,CN=Users,DC=samba,DC=test\nchangetype: modify\n\
             replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n\n\
             dn: CN=svc2,CN=Users,DC=samba,DC=test\nchangetype: modify\n\
             replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n\n\
             dn: CN=svc3,CN=Users,DC=samba,DC=test\nchangetype: modify\n\
             replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n",
    )
    .map_err(|e| e.to_string())?;
    run_ok(
        Command::new("ldbmodify")
            .arg("-H")
            .arg(dir.join("private/sam.ldb"))
            .arg(&ldif),
    )?;
    let svc1 = dir.join("svc1.keytab").display().to_string();
    dc.tool(&["domain", "exportkeytab", &svc1, "--principal=svc1"])?;
    let aes = dir.join("aes.keytab").display().to_string();
    dc.tool(&[
        "domain",
        "exportkeytab",
        &aes,
        "--principal=HTTP/aes.localhost",
    ])?;
    for svc in ["svc2", "svc3"] {
        let keytab = dir.join(format!("{svc}.keytab")).display().to_string();
        dc.tool(&[
            "domain",
            "exportkeytab",
            &keytab,
            &format!("--principal=HTTP/{svc}.localhost"),
        ])?;
    }
    let krbtgt = dir.join("krbtgt.keytab").display().to_string();
    dc.tool(&["domain", "exportkeytab", &krbtgt, "--principal=krbtgt"])?;
    Ok(())
}

/// The LDAP binds: plain LDAP with each SASL mechanism (and NTLM by fallback with the KDC
/// down, `dead` naming a KDC that does not answer), and LDAPS with channel bindings (`ca`
/// trusting the DC's certificate).
fn ldap_cases<'a>(dc: &'a SambaDc, dead: &'a Path, ca: Option<&'a str>) -> [LdapCase<'a>; 7] {
    [
        (
            "LDAP SASL GSSAPI (Kerberos, RFC 4752 confidentiality layer) -> Samba LDAP, sealed search",
            "ldap://127.0.0.1:389",
            "GSSAPI",
            "user1@SAMBA.TEST",
            None,
            &dc.conf,
            "bind: GSSAPI (kerberos), security layer offered 0x7, chosen 0x4",
        ),
        (
            "LDAP SASL GSS-SPNEGO (Kerberos, sealed) -> Samba LDAP",
            "ldap://127.0.0.1:389",
            "GSS-SPNEGO",
            "user1@SAMBA.TEST",
            None,
            &dc.conf,
            "bind: GSS-SPNEGO (kerberos), sealed",
        ),
        (
            "LDAP SASL GSS-SPNEGO with NTLM (sealed), completed by Samba's LDAP server",
            "ldap://127.0.0.1:389",
            "GSS-SPNEGO-NTLM",
            "SAMBA\\user1",
            None,
            &dc.conf,
            "bind: GSS-SPNEGO (ntlm), sealed",
        ),
        (
            "LDAP SASL GSS-SPNEGO with the DC's KDC down: Negotiate falls back to NTLM, sealed",
            "ldap://127.0.0.1:389",
            "GSS-SPNEGO",
            "user1@SAMBA.TEST",
            None,
            dead,
            "bind: GSS-SPNEGO (ntlm), sealed",
        ),
        (
            "LDAPS (636) SASL GSSAPI (Kerberos, no security layer inside TLS, tls-server-end-point bindings) -> Samba LDAP",
            "ldaps://127.0.0.1:636",
            "GSSAPI",
            "user1@SAMBA.TEST",
            ca,
            &dc.conf,
            "bind: GSSAPI (kerberos), security layer offered 0x1, chosen 0x1",
        ),
        (
            "LDAPS (636) SASL GSS-SPNEGO (Kerberos, tls-server-end-point bindings) -> Samba LDAP",
            "ldaps://127.0.0.1:636",
            "GSS-SPNEGO",
            "user1@SAMBA.TEST",
            ca,
            &dc.conf,
            "bind: GSS-SPNEGO (kerberos), over TLS with channel bindings",
        ),
        (
            "LDAPS (636) SASL GSS-SPNEGO with NTLM (no SIGN/SEAL inside TLS, bindings in the AUTHENTICATE) -> Samba LDAP",
            "ldaps://127.0.0.1:636",
            "GSS-SPNEGO-NTLM",
            "SAMBA\\user1",
            ca,
            &dc.conf,
            "bind: GSS-SPNEGO (ntlm), over TLS with channel bindings",
        ),
    ]
}

impl Kerberos<'_> {
    /// The Samba AD rows, with the DC provisioned for them (or one failed row saying why).
    pub fn samba_rows(&self, ldap: Option<&Path>) -> Vec<Row> {
        let dir = root().join("target/conformance/samba");
        let dc = match SambaDc::start(&dir).and_then(|dc| {
            provision(&dc, &dir)?;
            Ok(dc)
        }) {
            Ok(dc) => dc,
            Err(e) => {
                return vec![Row {
                    peer: PEER,
                    scenario: "Samba AD DC provisioned on loopback",
                    messages: vec![],
                    outcome: Err(e),
                }];
            }
        };
        let mut rows = vec![self.samba_kinit(&dc), self.samba_enterprise(&dc)];
        rows.extend(self.samba_refusals(&dc));
        rows.push(self.samba_rc4_user(&dc));
        rows.extend(self.samba_kpasswd(&dc));
        rows.push(self.samba_fast(&dc, &dir));
        rows.push(self.samba_acceptor(&dc, &dir));
        rows.push(self.samba_pac(&dc, &dir));
        rows.extend(self.samba_enctypes(&dc, &dir));
        rows.extend(Self::samba_ldap(&dc, ldap));
        rows.extend(self.samba_s4u(&dc, &dir));
        rows
    }

    fn samba_sesame(&self, dc: &SambaDc) -> Command {
        let mut c = self.sesame();
        c.env("KRB5_CONFIG", &dc.conf).env("SESAME_PW", PASSWORD);
        c
    }

    /// `sesame kinit` of an AD user (aes256 from the DC), MIT `klist` reads it; `sesame kvno`
    /// for the DC's own SPNs (ldap/dc1, cifs/dc1) with that TGT.
    fn samba_kinit(&self, dc: &SambaDc) -> Row {
        let mut checks = Vec::new();
        let cache = format!("FILE:{}", dc.dir.join("cc-user1").display());
        let outcome = (|| -> Result {
            run_ok(self.samba_sesame(dc).args([
                "kinit",
                &format!("user1@{REALM}"),
                "--password-env",
                "SESAME_PW",
                "-c",
                &cache,
            ]))?;
            let mut klist = Command::new("klist");
            klist
                .env("KRB5_CONFIG", &dc.conf)
                .args(["-e", "-c", &cache]);
            let listed = stdout_of(&mut klist)?;
            if !listed.contains(&format!("krbtgt/{REALM}@{REALM}"))
                || !listed.contains("aes256-cts-hmac-sha1-96")
            {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push("sesame kinit user1: aes256 TGT from the DC, MIT klist reads it".into());
            let out = stdout_of(
                self.samba_sesame(dc)
                    .args(["kvno", "-c", &cache, "ldap/dc1", "cifs/dc1"]),
            )?;
            checks.push(format!("sesame kvno: {}", out.trim().replace('\n', "; ")));
            let listed = stdout_of(&mut klist)?;
            for spn in ["ldap/dc1@SAMBA.TEST", "cifs/dc1@SAMBA.TEST"] {
                if !listed.contains(spn) {
                    return Err(format!("no {spn} in MIT klist:\n{listed}"));
                }
            }
            checks.push("MIT klist lists the DC's ldap/dc1 and cifs/dc1 tickets".into());
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "sesame kinit (AD user) -> MIT klist; sesame kvno ldap/dc1 cifs/dc1",
            messages: checks,
            outcome,
        }
    }

    /// Enterprise names (RFC 6806, `kinit -E`): the KDC finds the account by its UPN, the
    /// realm's own suffix and one that differs from the realm, and answers with the canonical
    /// name, under which MIT klist finds the cache. Sesame always canonicalizes, so it is
    /// compared with MIT's `kinit -E -C` (without -C, MIT 1.20 keeps the enterprise name as the
    /// cache's principal).
    fn samba_enterprise(&self, dc: &SambaDc) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            for (upn, canonical) in [
                ("user1@samba.test", "user1@SAMBA.TEST"),
                ("alice@corp.example", "upn1@SAMBA.TEST"),
            ] {
                let cache = format!("FILE:{}", dc.dir.join("cc-enterprise").display());
                run_ok(self.samba_sesame(dc).args([
                    "kinit",
                    "-E",
                    upn,
                    "--password-env",
                    "SESAME_PW",
                    "-c",
                    &cache,
                ]))?;
                let listed = stdout_of(
                    Command::new("klist")
                        .env("KRB5_CONFIG", &dc.conf)
                        .args(["-c", &cache]),
                )?;
                if !listed.contains(&format!("Default principal: {canonical}")) {
                    return Err(format!("sesame kinit -E {upn}: MIT klist:\n{listed}"));
                }
                let mit_cache = format!("FILE:{}", dc.dir.join("cc-enterprise-mit").display());
                let mut kinit = Command::new("kinit");
                kinit
                    .env("KRB5_CONFIG", &dc.conf)
                    .args(["-E", "-C", "-c", &mit_cache, upn]);
                super::feed(&mut kinit, PASSWORD)
                    .map_err(|e| format!("MIT kinit -E {upn}: {e}"))?;
                let mit = stdout_of(
                    Command::new("klist")
                        .env("KRB5_CONFIG", &dc.conf)
                        .args(["-c", &mit_cache]),
                )?;
                if !mit.contains(&format!("Default principal: {canonical}")) {
                    return Err(format!("MIT kinit -E -C {upn}: MIT klist:\n{mit}"));
                }
                checks.push(format!(
                    "sesame kinit -E {upn}: cache of {canonical} (MIT kinit -E -C: the same)"
                ));
            }
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "sesame kinit -E (enterprise name, UPN suffix of the realm and another) -> canonical name, MIT klist",
            messages: checks,
            outcome,
        }
    }

    /// The AD KDC's refusals, each with its code: a disabled account, a password that must
    /// change.
    fn samba_refusals(&self, dc: &SambaDc) -> Vec<Row> {
        [
            (
                "disabled1",
                "kdc-err-client-revoked",
                "KDC_ERR_CLIENT_REVOKED (18)",
                "disabled account: KDC_ERR_CLIENT_REVOKED (18)",
            ),
            (
                "newpw1",
                "kdc-err-key-expired",
                "KDC_ERR_KEY_EXPIRED (23)",
                "password must change: KDC_ERR_KEY_EXPIRED (23)",
            ),
            (
                "rc4only1",
                "kdc-err-etype-nosupp",
                "KDC_ERR_ETYPE_NOSUPP (14)",
                "RC4-only account (no AES key) without the weak opt-in: KDC_ERR_ETYPE_NOSUPP (14)",
            ),
        ]
        .into_iter()
        .map(|(user, kind, name, scenario)| {
            let mut checks = Vec::new();
            let outcome = (|| -> Result {
                let out = output(self.samba_sesame(dc).args([
                    "kinit",
                    &format!("{user}@{REALM}"),
                    "--password-env",
                    "SESAME_PW",
                    "-c",
                    &format!("FILE:{}", dc.dir.join("cc-refused").display()),
                ]))?;
                let err = String::from_utf8_lossy(&out.stderr).into_owned();
                checks.push(format!("sesame kinit {user}: {}", err.trim()));
                if out.status.success() || !err.contains(kind) || !err.contains(name) {
                    return Err(format!("expected {kind} ({name}): {err}"));
                }
                Ok(())
            })();
            Row {
                peer: PEER,
                scenario,
                messages: checks,
                outcome,
            }
        })
        .collect()
    }

    /// FAST against the AD KDC (Heimdal in Samba): armor from svc1's TGT (its exported keytab
    /// holds RC4 only, hence the opt-in for the armor), `sesame kinit -T` for user1 armored
    /// through the tunnel (a reply outside it would be refused), then `sesame kvno ldap/dc1`
    /// armored with the TGT (fast_avail), which MIT klist lists.
    fn samba_fast(&self, dc: &SambaDc, dir: &Path) -> Row {
        let armor = format!("FILE:{}", dc.dir.join("cc-armor").display());
        let cache = format!("FILE:{}", dc.dir.join("cc-fast").display());
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            run_ok(
                self.samba_sesame(dc)
                    .args(["kinit", "-k", "-t"])
                    .arg(dir.join("svc1.keytab"))
                    .args(["svc1@SAMBA.TEST", "-c", &armor, "--allow-weak"])
                    .args(["--enctypes", "aes256-cts-hmac-sha1-96,rc4-hmac"]),
            )?;
            checks.push("sesame kinit -k svc1: armor TGT".into());
            run_ok(self.samba_sesame(dc).args([
                "kinit",
                &format!("user1@{REALM}"),
                "--password-env",
                "SESAME_PW",
                "-c",
                &cache,
                "-T",
                &armor,
            ]))?;
            checks.push("sesame kinit -T: user1's TGT through FAST".into());
            let out = stdout_of(
                self.samba_sesame(dc)
                    .args(["kvno", "-c", &cache, "ldap/dc1"]),
            )?;
            let listed = stdout_of(
                Command::new("klist")
                    .env("KRB5_CONFIG", &dc.conf)
                    .args(["-c", &cache]),
            )?;
            if !listed.contains(&format!("ldap/dc1@{REALM}")) {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push(format!(
                "sesame kvno (FAST TGS): {}; MIT klist lists it",
                out.trim()
            ));
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "FAST: sesame kinit -T (svc1's TGT as armor) and an armored TGS-REQ (fast_avail) -> Samba KDC, MIT klist",
            messages: checks,
            outcome,
        }
    }

    /// Password changes against the DC's kpasswd service (its KDC port + 1): pwchange1's
    /// password changed (the new one then gets a TGT, the old one KDC_ERR_PREAUTH_FAILED);
    /// pwchange2's new password too short for the domain's policy: KRB5_KPASSWD_SOFTERROR
    /// with the DC's words (Samba sends text where Windows sends its binary policy block).
    fn samba_kpasswd(&self, dc: &SambaDc) -> Vec<Row> {
        let kpasswd = |user: &str, new: &str| {
            let mut c = self.samba_sesame(dc);
            c.args(["kpasswd", &format!("{user}@{REALM}")])
                .args([
                    "--password-env",
                    "SESAME_PW",
                    "--new-password-env",
                    "NEW_PW",
                ])
                .env("NEW_PW", new);
            c
        };
        let kinit = |user: &str, password: &str| {
            let mut c = self.samba_sesame(dc);
            c.args([
                "kinit",
                &format!("{user}@{REALM}"),
                "--password-env",
                "TRY_PW",
            ])
            .args([
                "-c",
                &format!("FILE:{}", dc.dir.join("cc-kpasswd").display()),
            ])
            .env("TRY_PW", password);
            c
        };
        let mut changed = Vec::new();
        let change = (|| -> Result {
            let new = "Changed-on-the-DC-5";
            let out = stdout_of(&mut kpasswd("pwchange1", new))?;
            changed.push(format!("sesame kpasswd pwchange1: {}", out.trim()));
            run_ok(&mut kinit("pwchange1", new))?;
            changed.push("sesame kinit pwchange1 with the new password: TGT".into());
            let old = output(&mut kinit("pwchange1", PASSWORD))?;
            let err = String::from_utf8_lossy(&old.stderr).trim().to_string();
            if old.status.success() {
                return Err("the old password still works".into());
            }
            changed.push(format!("with the old password: {err}"));
            Ok(())
        })();
        let mut refused = Vec::new();
        let refusal = (|| -> Result {
            let out = output(&mut kpasswd("pwchange2", "abc"))?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            refused.push(format!(
                "sesame kpasswd pwchange2 (new password `abc`): {err}"
            ));
            if out.status.success()
                || !err.contains("kpasswd-softerror")
                || !err.contains("at least 7 characters")
            {
                return Err(format!(
                    "expected kpasswd-softerror with the minimum length: {err}"
                ));
            }
            Ok(())
        })();
        vec![
            Row {
                peer: PEER,
                scenario: "sesame kpasswd -> Samba kpasswd: password changed, the new one gets a TGT, the old one is refused",
                messages: changed,
                outcome: change,
            },
            Row {
                peer: PEER,
                scenario: "sesame kpasswd -> Samba kpasswd, a password the domain policy refuses: KRB5_KPASSWD_SOFTERROR with the DC's words",
                messages: refused,
                outcome: refusal,
            },
        ]
    }

    /// The RC4-only account with the weak opt-in (`--allow-weak` and rc4-hmac among the
    /// enctypes offered): the DC answers with its RC4 key (ETYPE-INFO2 23) and a TGT whose
    /// session key is AES, which MIT klist reads.
    fn samba_rc4_user(&self, dc: &SambaDc) -> Row {
        let cache = format!("FILE:{}", dc.dir.join("cc-rc4").display());
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            run_ok(self.samba_sesame(dc).args([
                "kinit",
                &format!("rc4only1@{REALM}"),
                "--password-env",
                "SESAME_PW",
                "--allow-weak",
                "--enctypes",
                "aes256-cts-hmac-sha1-96,rc4-hmac",
                "-c",
                &cache,
            ]))?;
            let listed = stdout_of(
                Command::new("klist")
                    .env("KRB5_CONFIG", &dc.conf)
                    .args(["-e", "-c", &cache]),
            )?;
            let principal = format!("Default principal: rc4only1@{REALM}");
            if !listed.contains(&principal) || !listed.contains(&format!("krbtgt/{REALM}@{REALM}"))
            {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push(format!(
                "sesame kinit --allow-weak: MIT klist: {principal}, krbtgt/{REALM}"
            ));
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "RC4-only account with --allow-weak (rc4-hmac offered) -> TGT, MIT klist",
            messages: checks,
            outcome,
        }
    }

    /// The PAC of a user in nested groups, verified by `sesame accept --show-pac` (server and
    /// KDC signatures, the krbtgt key exported from the DC), against the DC's own view: the
    /// user's objectSid, and its tokenGroups less the BUILTIN aliases (domain-local to the DC,
    /// never in a PAC); any other SID in the PAC must be a well-known one, shown with its name.
    fn samba_pac(&self, dc: &SambaDc, dir: &Path) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let ldb = stdout_of(
                Command::new("ldbsearch")
                    .arg("-H")
                    .arg(dc.dir.join("private/sam.ldb"))
                    .args(["-b", "CN=user1,CN=Users,DC=samba,DC=test", "-s", "base"])
                    .args(["objectSid", "tokenGroups"]),
            )?;
            let values = |name: &str| -> Vec<String> {
                ldb.lines()
                    .filter_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
                    .map(str::to_string)
                    .collect()
            };
            let user_sid = values("objectSid")
                .pop()
                .ok_or(format!("ldbsearch:\n{ldb}"))?;
            let token_groups: BTreeSet<String> = values("tokenGroups")
                .into_iter()
                .filter(|s| !s.starts_with("S-1-5-32-"))
                .collect();
            if token_groups.len() < 5 {
                return Err(format!(
                    "tokenGroups of user1 lack the nested groups:\n{ldb}"
                ));
            }
            checks.push(format!(
                "DC (ldbsearch): user1 {user_sid}, tokenGroups less BUILTIN: {} SIDs",
                token_groups.len()
            ));
            let mut init = Command::new(&self.env.python);
            init.arg(root().join("xtask/py/krb5_peer.py"))
                .args(["init", "--mutual", "--user", &format!("user1@{REALM}")])
                .args(["--password", PASSWORD])
                .env("KRB5_CONFIG", &dc.conf)
                .env("KRB5CCNAME", "MEMORY:krb5-peer");
            let mut accept = self.samba_sesame(dc);
            accept
                .args(["accept", "--mech", "kerberos", "--allow-weak", "--show-pac"])
                .arg("--keytab")
                .arg(dir.join("http.keytab"))
                .arg("--kdc-keytab")
                .arg(dir.join("krbtgt.keytab"));
            let o = exchange(&mut init, &mut accept, &|_, _| {})?;
            judge(&o, &Expect::Success("user1@SAMBA.TEST"))?;
            let shown = &o.stderr[1];
            let pac_user = shown
                .lines()
                .find_map(|l| l.strip_prefix("PAC user: "))
                .and_then(|l| l.rsplit(' ').next())
                .ok_or(format!("no PAC user line:\n{shown}"))?;
            if pac_user != user_sid {
                return Err(format!(
                    "PAC user {pac_user}, the DC's objectSid {user_sid}"
                ));
            }
            checks.push(format!(
                "PAC verified (server and KDC signatures); user {pac_user}"
            ));
            let groups: Vec<(&str, &str)> = shown
                .lines()
                .filter_map(|l| l.strip_prefix("PAC group: "))
                .filter_map(|l| l.split_once(' '))
                .collect();
            let in_pac: BTreeSet<String> = groups.iter().map(|(s, _)| (*s).to_string()).collect();
            if let Some(missing) = token_groups.difference(&in_pac).next() {
                return Err(format!(
                    "tokenGroups SID {missing} not in the PAC:\n{shown}"
                ));
            }
            for (sid, rest) in &groups {
                if token_groups.contains(*sid) {
                    continue;
                }
                // Not in tokenGroups: must be well known, its name before the "(source...)".
                let name = rest.split(" (").next().unwrap_or_default();
                if name.is_empty() || name.starts_with('(') {
                    return Err(format!("PAC SID {sid} is neither in tokenGroups nor named"));
                }
                checks.push(format!("PAC also: {sid} {name}"));
            }
            checks.push(format!(
                "PAC group SIDs = the DC's tokenGroups less BUILTIN ({} SIDs)",
                token_groups.len()
            ));
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "MIT GSSAPI initiator (user in nested groups) -> sesame accept --show-pac: PAC SIDs = DC tokenGroups",
            messages: checks,
            outcome,
        }
    }

    /// S4U (MS-SFU) as MIT's `kvno -U [-P]` does it: svc1, from its keytab, gets a ticket to
    /// itself in user1's name (S4U2Self), then one to cifs/dc1 (S4U2Proxy, allowed by its
    /// msDS-AllowedToDelegateTo), which MIT klist lists `for client user1`; to ldap/dc1, not
    /// allowed, the KDC answers KDC_ERR_BADOPTION.
    fn samba_s4u(&self, dc: &SambaDc, dir: &Path) -> Vec<Row> {
        let cache = format!("FILE:{}", dc.dir.join("cc-svc1").display());
        let mut checks = Vec::new();
        let allowed = (|| -> Result {
            run_ok(
                self.samba_sesame(dc)
                    .args(["kinit", "-k", "-t"])
                    .arg(dir.join("svc1.keytab"))
                    .args(["-f", "svc1@SAMBA.TEST", "-c", &cache]),
            )?;
            let s4u_self = stdout_of(self.samba_sesame(dc).args([
                "kvno",
                "-c",
                &cache,
                "-U",
                "user1",
                "svc1@SAMBA.TEST",
            ]))?;
            checks.push(format!("sesame kvno -U user1 svc1: {}", s4u_self.trim()));
            let proxy = stdout_of(
                self.samba_sesame(dc)
                    .args(["kvno", "-c", &cache, "-U", "user1", "-P", "cifs/dc1"]),
            )?;
            checks.push(format!(
                "sesame kvno -U user1 -P cifs/dc1: {}",
                proxy.trim()
            ));
            let listed = stdout_of(
                Command::new("klist")
                    .env("KRB5_CONFIG", &dc.conf)
                    .args(["-c", &cache]),
            )?;
            let for_user1 = listed.lines().collect::<Vec<_>>().windows(2).any(|w| {
                w[0].contains("cifs/dc1@SAMBA.TEST") && w[1].contains("for client user1@SAMBA.TEST")
            });
            if !for_user1 {
                return Err(format!("MIT klist:\n{listed}"));
            }
            checks.push("MIT klist: cifs/dc1@SAMBA.TEST for client user1@SAMBA.TEST".into());
            let mut mit = Command::new("kvno");
            mit.env("KRB5_CONFIG", &dc.conf).args([
                "-c",
                &cache,
                "-U",
                "user1",
                "-P",
                "cifs/dc1@SAMBA.TEST",
            ]);
            let mit = stdout_of(&mut mit)?;
            checks.push(format!(
                "MIT kvno -U user1 -P on the same cache: {}",
                mit.trim()
            ));
            Ok(())
        })();
        let mut refused_checks = Vec::new();
        let refused = (|| -> Result {
            let out = output(
                self.samba_sesame(dc)
                    .args(["kvno", "-c", &cache, "-U", "user1", "-P", "ldap/dc1"]),
            )?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            refused_checks.push(err.clone());
            if out.status.success() || !err.contains("KDC_ERR_BADOPTION (13)") {
                return Err(format!("expected KDC_ERR_BADOPTION (13): {err}"));
            }
            Ok(())
        })();
        vec![
            self.samba_impersonation(dc, dir, &cache),
            self.samba_rbcd(dc, &cache),
            Row {
                peer: PEER,
                scenario: "sesame kvno -U user1 [-P cifs/dc1]: S4U2Self then S4U2Proxy (constrained delegation) -> MIT klist `for client user1`",
                messages: checks,
                outcome: allowed,
            },
            Row {
                peer: PEER,
                scenario: "S4U2Proxy to an SPN not in msDS-AllowedToDelegateTo: KDC_ERR_BADOPTION (13)",
                messages: refused_checks,
                outcome: refused,
            },
        ]
    }

    /// Constrained delegation end to end: `sesame init --impersonate user1` with svc1's cache
    /// (S4U2Self, then S4U2Proxy to HTTP/svc2.localhost, allowed by svc1's
    /// msDS-AllowedToDelegateTo) -> `sesame accept --show-pac` with svc2's keytab and the
    /// krbtgt keys: the acceptor sees user1, the KDC's "service asserted identity" SID
    /// (S-1-18-2) and the PAC's S4U_DELEGATION_INFO naming svc1.
    fn samba_impersonation(&self, dc: &SambaDc, dir: &Path, cache: &str) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let mut init = self.samba_sesame(dc);
            init.args(["init", "--mech", "negotiate", "--mutual", "--ccache", cache])
                .args(["--impersonate", "user1", "--target", "HTTP/svc2.localhost"]);
            let mut accept = self.samba_sesame(dc);
            accept
                .args(["accept", "--mech", "negotiate", "--show-pac", "--keytab"])
                .arg(dir.join("svc2.keytab"))
                .arg("--kdc-keytab")
                .arg(dir.join("krbtgt.keytab"));
            let o = exchange(&mut init, &mut accept, &|_, _| {})?;
            judge(&o, &Expect::Success("user1@SAMBA.TEST"))?;
            let shown = &o.stderr[1];
            for needle in [
                "PAC user: SAMBA\\user1 ",
                "S-1-18-2 Service asserted identity",
                "PAC delegation: S4U2Proxy to HTTP/svc2.localhost through svc1@SAMBA.TEST",
            ] {
                let line = shown
                    .lines()
                    .find(|l| l.contains(needle))
                    .ok_or(format!("acceptor does not show `{needle}`:\n{shown}"))?;
                checks.push(line.trim().to_string());
            }
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "sesame init --impersonate user1 (svc1: S4U2Self + S4U2Proxy) -> sesame accept (svc2) --show-pac: user1, S-1-18-2, delegation info through svc1",
            messages: checks,
            outcome,
        }
    }

    /// Resource-based constrained delegation: svc3 trusts svc1 through
    /// msDS-AllowedToActOnBehalfOfOtherIdentity only. Sesame's S4U2Proxy carries
    /// PA-PAC-OPTIONS with the RBCD bit as Windows does, but Samba 4.17's KDC has no RBCD (its
    /// KDC reads that attribute from 4.19 on): it answers KDC_ERR_BADOPTION (13), the same as
    /// for any SPN outside msDS-AllowedToDelegateTo. The row pins that fact, so the day the
    /// DC supports RBCD it fails and is turned into a success row.
    fn samba_rbcd(&self, dc: &SambaDc, cache: &str) -> Row {
        let mut checks = Vec::new();
        let outcome = (|| -> Result {
            let out = output(self.samba_sesame(dc).args([
                "kvno",
                "-c",
                cache,
                "-U",
                "user1",
                "-P",
                "HTTP/svc3.localhost",
            ]))?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            checks.push(format!(
                "sesame kvno -U user1 -P HTTP/svc3.localhost: {err}"
            ));
            if out.status.success() || !err.contains("KDC_ERR_BADOPTION (13)") {
                return Err(format!("expected KDC_ERR_BADOPTION (13): {err}"));
            }
            Ok(())
        })();
        Row {
            peer: PEER,
            scenario: "S4U2Proxy with PA-PAC-OPTIONS(rbcd) to an account trusting svc1 by msDS-AllowedToActOnBehalfOfOtherIdentity: Samba 4.17 has no RBCD, KDC_ERR_BADOPTION (13)",
            messages: checks,
            outcome,
        }
    }

    /// LDAP, the most common AD client job: the facade's `ldap_search` example binds with SASL
    /// and searches `(sAMAccountName=user1)` over the protection the bind set up, against
    /// Samba's LDAP server (`ldap server require strong auth` is its default, yes).
    fn samba_ldap(dc: &SambaDc, ldap: Option<&Path>) -> Vec<Row> {
        let Some(ldap) = ldap else {
            return vec![Row {
                peer: PEER,
                scenario: "LDAP binds (the ldap_search example)",
                messages: vec![],
                outcome: Err("the facade examples did not build".into()),
            }];
        };
        // A krb5.conf whose KDC does not answer: Negotiate must fall back to NTLM.
        let dead = dc.dir.join("krb5-dead.conf");
        let conf = fs::read_to_string(&dc.conf).unwrap_or_default();
        let port = free_port().unwrap_or(1);
        let dead_conf = conf
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("kdc =") {
                    format!("        kdc = 127.0.0.1:{port}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let _ = fs::write(&dead, dead_conf);
        let ca = dc.dir.join("tls/ca.pem");
        let cases = ldap_cases(dc, &dead, ca.to_str());
        cases
            .into_iter()
            .map(|(scenario, url, mech, user, ca, conf, expect)| {
                let mut checks = Vec::new();
                let outcome = (|| -> Result {
                    let mut cmd = Command::new(ldap);
                    cmd.args([url, mech, "ldap/dc1", user, "DC=samba,DC=test", "user1"])
                        .args(ca)
                        .env("KRB5_CONFIG", conf)
                        .env("KRB5CCNAME", "MEMORY:ldap")
                        .env("SESAME_PW", PASSWORD);
                    let out = stdout_of(&mut cmd)?;
                    checks.extend(out.lines().map(str::to_string));
                    if !out.contains(expect)
                        || !out.contains("dn: CN=user1,CN=Users,DC=samba,DC=test")
                        || !out.contains("objectSid: S-1-5-21-")
                    {
                        return Err(format!("expected `{expect}` and user1's entry:\n{out}"));
                    }
                    Ok(())
                })();
                Row {
                    peer: PEER,
                    scenario,
                    messages: checks,
                    outcome,
                }
            })
            .collect()
    }

    /// The service account's msDS-SupportedEncryptionTypes decides the ticket's enctype: AES
    /// only gives an aes256 ticket that `sesame accept` takes with no opt-in; an account without
    /// it (svc1) gets rc4-hmac tickets, refused without `--allow-weak` (enctype-refused).
    fn samba_enctypes(&self, dc: &SambaDc, dir: &Path) -> Vec<Row> {
        let init = |target: &str| {
            let mut init = Command::new(&self.env.python);
            init.arg(root().join("xtask/py/krb5_peer.py"))
                .args(["init", "--mutual", "--target", target])
                .args(["--user", &format!("user1@{REALM}"), "--password", PASSWORD])
                .env("KRB5_CONFIG", &dc.conf)
                .env("KRB5CCNAME", "MEMORY:krb5-peer");
            init
        };
        let accept = |keytab: &str| {
            let mut accept = self.samba_sesame(dc);
            accept
                .args(["accept", "--mech", "kerberos", "--keytab"])
                .arg(dir.join(keytab));
            accept
        };
        let mut spnego = init("HTTP@aes.localhost");
        spnego.args(["--mech", "spnego"]);
        let mut negotiate = self.samba_sesame(dc);
        negotiate
            .args(["accept", "--mech", "negotiate", "--keytab"])
            .arg(dir.join("aes.keytab"));
        vec![
            self.gss_with(
                PEER,
                "MIT SPNEGO initiator (Samba ticket with PAC) -> sesame accept --mech negotiate (exportkeytab, AES)",
                spnego,
                negotiate,
                Expect::Success("user1@SAMBA.TEST"),
                &[
                    "SPNEGO NegTokenInit mechs=[kerberos] token=[GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ]",
                    "SPNEGO NegTokenResp state=AcceptCompleted token=[GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP]",
                ],
            ),
            self.gss_with(
                PEER,
                "AES-only service account (msDS-SupportedEncryptionTypes 24) -> sesame accept, aes256, no weak opt-in",
                init("HTTP@aes.localhost"),
                accept("aes.keytab"),
                Expect::Success("user1@SAMBA.TEST"),
                &[
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                    "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
                ],
            ),
            self.gss_with(
                PEER,
                "service account without msDS-SupportedEncryptionTypes: rc4-hmac ticket -> sesame accept without --allow-weak: enctype-refused",
                init("HTTP@localhost"),
                accept("http.keytab"),
                Expect::Refused("acceptor", "enctype-refused"),
                &["GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ"],
            ),
        ]
    }

    /// MIT GSSAPI initiator with a Samba-issued ticket (a PAC inside, rc4-hmac: the exported
    /// keytab of an account without msDS-SupportedEncryptionTypes holds RC4 only) -> `sesame
    /// accept` with `samba-tool domain exportkeytab`'s keytab, the weak enctype opted in.
    fn samba_acceptor(&self, dc: &SambaDc, dir: &Path) -> Row {
        let mut init = Command::new(&self.env.python);
        init.arg(root().join("xtask/py/krb5_peer.py"))
            .args([
                "init",
                "--mutual",
                "--user",
                &format!("user1@{REALM}"),
                "--password",
                PASSWORD,
            ])
            .env("KRB5_CONFIG", &dc.conf)
            .env("KRB5CCNAME", "MEMORY:krb5-peer");
        let mut accept = self.samba_sesame(dc);
        accept
            .args(["accept", "--mech", "kerberos", "--allow-weak", "--keytab"])
            .arg(dir.join("http.keytab"));
        self.gss_with(
            PEER,
            "MIT GSSAPI initiator (Samba ticket with PAC) -> sesame accept --keytab (exportkeytab)",
            init,
            accept,
            Expect::Success("user1@SAMBA.TEST"),
            &[
                "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REQ",
                "GSS(1.2.840.113554.1.2.2) GSS Kerberos AP-REP",
            ],
        )
    }
}
