//! Finding and reaching the KDC: dnsmasq on 127.0.0.1 serving SRV records for the realm (the
//! first KDC by priority down, the MIT KDC behind the recording relay second), and FreeIPA's
//! kdcproxy (MS-KKDCP) over TLS with a test CA, in front of the same relay. Each failure must
//! come out as its own fact: no SRV record, nameserver silent, certificate not trusted, expired,
//! for another host, the proxy's KDC down.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mit_kdc::{PASSWORD, REALM};
use super::pump::{Expect, exchange, judge};
use super::{Env, Row};
use crate::util::{Result, free_port, output, root, run_ok, which};

/// Child processes stopped when dropped.
struct Daemons(Vec<Child>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub struct Discovery<'a> {
    pub env: &'a Env<'a>,
    pub sesame: &'a Path,
    /// The facade's HTTP examples, for the async KDC proxy row.
    pub examples: &'a Result<super::facade_http::Examples>,
}

/// Ports of what this module starts.
struct Ports {
    dns: u16,
    dead_kdc: u16,
    good: u16,
    expired: u16,
    wronghost: u16,
    selfsigned: u16,
    proxy_without_kdc: u16,
}

impl Discovery<'_> {
    fn dir(&self) -> PathBuf {
        self.env.kdc.dir.join("discovery")
    }

    fn failed(scenario: &'static str, e: String) -> Row {
        Row {
            peer: "dnsmasq / kdcproxy",
            scenario,
            messages: vec![],
            outcome: Err(e),
        }
    }

    pub fn rows(&self) -> Vec<Row> {
        let ports = match (|| -> Result<Ports> {
            Ok(Ports {
                dns: free_port()?,
                dead_kdc: free_port()?,
                good: free_port()?,
                expired: free_port()?,
                wronghost: free_port()?,
                selfsigned: free_port()?,
                proxy_without_kdc: free_port()?,
            })
        })() {
            Ok(p) => p,
            Err(e) => return vec![Self::failed("ports", e)],
        };
        let _ = fs::remove_dir_all(self.dir());
        let daemons = match self.start(&ports) {
            Ok(d) => d,
            Err(e) => return vec![Self::failed("start dnsmasq and kdcproxy", e)],
        };
        let mut rows = self.dns_rows(&ports);
        rows.extend(self.proxy_rows(&ports));
        drop(daemons);
        rows
    }

    fn start(&self, p: &Ports) -> Result<Daemons> {
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut daemons = Daemons(Vec::new());
        let relay = self.env.relay.addr.port();
        let lc = REALM.to_lowercase();
        let srv = |name: &str, host: &str, port: u16, priority: u16, weight: u16| {
            format!("--srv-host={name}.{REALM},{host}.{lc},{port},{priority},{weight}")
        };
        let log = fs::File::create(dir.join("dnsmasq.log")).map_err(|e| e.to_string())?;
        let dnsmasq = Command::new(which("dnsmasq").unwrap_or_else(|| "dnsmasq".into()))
            .args([
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                &format!("--port={}", p.dns),
                "--user=root",
                "--pid-file=",
                "--log-queries",
                "--log-facility=-",
                &format!("--local=/{lc}/"),
                "--local=/nowhere.test/",
                &format!("--address=/kdc.{lc}/127.0.0.1"),
                &format!("--address=/kdc-down.{lc}/127.0.0.1"),
                &format!("--address=/light.{lc}/127.0.0.1"),
                &format!("--address=/heavy.{lc}/127.0.0.1"),
                // The KDC of priority 0 is down; the MIT KDC (through the relay) has priority 10.
                &srv("_kerberos._tcp", "kdc-down", p.dead_kdc, 0, 100),
                &srv("_kerberos._tcp", "kdc", relay, 10, 100),
                // Same priority, weights 1 and 99: the heavy one should come first almost always.
                &srv("_kerberos-master._tcp", "light", relay, 0, 1),
                &srv("_kerberos-master._tcp", "heavy", relay, 0, 99),
                &srv("_kpasswd._udp", "kdc", relay + 2, 0, 100),
                &srv("_kpasswd._tcp", "kdc", relay + 2, 0, 100),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start dnsmasq: {e}"))?;
        daemons.0.push(dnsmasq);

        let pki = dir.join("pki");
        run_ok(
            Command::new(&self.env.python)
                .arg(root().join("xtask/py/make_certs.py"))
                .arg(&pki),
        )?;
        let kdc = self.env.relay.addr.to_string();
        for (port, cert, upstream) in [
            (p.good, "good", kdc.clone()),
            (p.expired, "expired", kdc.clone()),
            (p.wronghost, "wronghost", kdc.clone()),
            (p.selfsigned, "selfsigned", kdc.clone()),
            (
                p.proxy_without_kdc,
                "good",
                format!("127.0.0.1:{}", p.dead_kdc),
            ),
        ] {
            let log = fs::File::create(dir.join(format!("kdcproxy-{port}.log")))
                .map_err(|e| e.to_string())?;
            let child = Command::new(&self.env.python)
                .arg(root().join("xtask/py/kdcproxy_serve.py"))
                .arg(port.to_string())
                .arg(pki.join(format!("{cert}.pem")))
                .arg(pki.join(format!("{cert}.key")))
                .args([REALM, &upstream])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot start kdcproxy: {e}"))?;
            daemons.0.push(child);
        }
        // Wait until every server listens.
        let deadline = Instant::now() + Duration::from_secs(15);
        for port in [
            p.dns,
            p.good,
            p.expired,
            p.wronghost,
            p.selfsigned,
            p.proxy_without_kdc,
        ] {
            if !crate::util::wait_listening(port, deadline) {
                return Err(format!("nothing listens on 127.0.0.1:{port} after 15 s"));
            }
        }
        Ok(daemons)
    }

    /// A krb5.conf with no KDC for the realm (DNS must find it), or one whose KDC is a proxy
    /// URL as MIT writes it.
    fn conf(&self, name: &str, kdc_line: &str) -> Result<PathBuf> {
        let path = self.dir().join(name);
        fs::write(
            &path,
            format!(
                "[libdefaults]\n    default_realm = {REALM}\n    dns_lookup_kdc = true\n    forwardable = true\n\
                 [realms]\n    {REALM} = {{\n{kdc_line}    }}\n[domain_realm]\n    localhost = {REALM}\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// The reqwest example client (tokio) whose only way to the KDC is the proxy: the AS and
    /// TGS exchanges go over the async HTTPS client (feature async-kdc-proxy), then Kerberos
    /// to the axum example server.
    fn async_proxy_row(&self, conf: &Path, ca: &str) -> Row {
        const SCENARIO: &str = "reqwest example client (tokio), the KDC only through kdcproxy over async HTTPS -> axum example server: Kerberos";
        let outcome = self
            .examples
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|examples| {
                let users = self.dir().join("users");
                fs::write(&users, "EXAMPLE:user1:Passw0rd1\n").map_err(|e| e.to_string())?;
                let (_server, port) = super::facade_http::start_server(self.env, examples, &users)?;
                self.env.relay.take();
                let mut client = Command::new(&examples.client);
                client
                    .arg(format!("http://localhost:{port}/"))
                    .env("KRB5_CONFIG", conf)
                    .env("KRB5CCNAME", "FILE:/dev/null/none")
                    .env("SSL_CERT_FILE", ca)
                    .env("SESAME_USER", format!("user1@{REALM}"))
                    .env("SESAME_PASSWORD", PASSWORD)
                    .env("SESAME_FALLBACK", "never");
                Self::expect(&mut client, true, &["with kerberos"])
                    .map(|err| err.replace('\n', " / "))
            });
        self.row(
            SCENARIO,
            "kdcproxy (MS-KKDCP) + Sesame axum layer",
            outcome,
            &[
                "AS-REQ cname=user1",
                "KRB-ERROR 25",
                "AS-REQ cname=user1",
                "AS-REP cname=user1",
                "TGS-REQ",
                "TGS-REP sname=HTTP/localhost",
            ],
        )
    }

    /// An AS exchange with pre-authentication, as the relay in front of the KDC sees it.
    const AS_EXCHANGE: &'static [&'static str] = &[
        "AS-REQ cname=user1",
        "KRB-ERROR 25",
        "AS-REQ cname=user1",
        "AS-REP cname=user1",
    ];

    /// A proxy serving a self-signed CA:TRUE certificate (what `openssl req -x509` makes by
    /// default), that certificate given as the anchor: MIT's kinit with `http_anchors` trusts
    /// it, and so does `sesame kinit --ca-file`.
    fn anchor_rows(&self, p: &Ports, selfsigned: &str, cc: &str) -> Vec<Row> {
        let url = format!("https://localhost:{}/KdcProxy", p.selfsigned);
        let conf = match self.conf(
            "krb5-anchor.conf",
            &format!("        kdc = {url}\n        http_anchors = FILE:{selfsigned}\n"),
        ) {
            Ok(c) => c,
            Err(e) => return vec![Self::failed("krb5.conf with http_anchors", e)],
        };
        let mut rows = Vec::new();
        self.env.relay.take();
        let mut mit = Command::new(which("kinit").unwrap_or_else(|| "kinit".into()));
        mit.env("KRB5_CONFIG", &conf)
            .env(
                "KRB5CCNAME",
                format!("FILE:{}", self.dir().join("cc-mit-anchor").display()),
            )
            .arg(format!("user1@{REALM}"));
        rows.push(self.row(
            "MIT kinit, http_anchors = the proxy's self-signed CA:TRUE certificate: trusted (the reference)",
            "MIT kinit + kdcproxy (MS-KKDCP)",
            super::feed(&mut mit, PASSWORD).map(|()| "MIT kinit: TGT".to_string()),
            Self::AS_EXCHANGE,
        ));
        self.env.relay.take();
        rows.push(self.row(
            "proxy certificate self-signed with CA:TRUE, given with --ca-file: trusted as MIT's http_anchors",
            "kdcproxy (MS-KKDCP)",
            Self::expect(
                &mut self.kinit(
                    &conf,
                    "user1",
                    cc,
                    &["--kdc-proxy", &url, "--ca-file", selfsigned],
                ),
                true,
                &[],
            ),
            Self::AS_EXCHANGE,
        ));
        rows
    }

    /// `sesame kinit USER --ccache CC` with the password from SESAME_PW, and `extra`.
    fn kinit(&self, conf: &Path, user: &str, cc: &str, extra: &[&str]) -> Command {
        let mut c = self.sesame(
            conf,
            &["kinit", user, "--password-env", "SESAME_PW", "--ccache", cc],
        );
        c.args(extra);
        c
    }

    fn sesame(&self, conf: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(self.sesame);
        c.args(args)
            .env("KRB5_CONFIG", conf)
            .env(
                "KRB5CCNAME",
                format!("FILE:{}", self.dir().join("ccache").display()),
            )
            .env("SESAME_PW", PASSWORD);
        c
    }

    /// Runs `cmd`; Ok(stderr) when it exits as `succeed` says and stderr contains `needles`.
    fn expect(cmd: &mut Command, succeed: bool, needles: &[&str]) -> Result<String> {
        let out = output(cmd)?;
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if out.status.success() != succeed {
            return Err(format!(
                "expected {}: `{}`: {err}",
                if succeed { "success" } else { "failure" },
                crate::util::show(cmd)
            ));
        }
        for n in needles {
            if !err.contains(n) {
                return Err(format!("stderr lacks `{n}`: {err}"));
            }
        }
        Ok(err)
    }

    fn row(
        &self,
        scenario: &'static str,
        peer: &'static str,
        outcome: Result<String>,
        expect: &[&str],
    ) -> Row {
        let traffic = self.env.traffic();
        let (outcome, note) = match outcome {
            Ok(note) => (Ok(()), note),
            Err(e) => (Err(e), String::new()),
        };
        let mut row = self.env.finish(peer, scenario, &traffic, outcome, expect);
        row.messages.extend(note.lines().map(ToString::to_string));
        row
    }

    #[allow(clippy::too_many_lines)] // one entry per scenario
    fn dns_rows(&self, p: &Ports) -> Vec<Row> {
        let dns = format!("127.0.0.1:{}", p.dns);
        let conf = match self.conf("krb5-dns.conf", "") {
            Ok(c) => c,
            Err(e) => return vec![Self::failed("krb5.conf for DNS", e)],
        };
        let cc = format!("FILE:{}", self.dir().join("cc-dns").display());
        let mut rows = Vec::new();
        self.env.relay.take();
        let outcome = Self::expect(
            &mut self.kinit(&conf, "user1", &cc, &["--dns-server", &dns, "--verbose"]),
            true,
            &[
                &format!(
                    "kdc tcp kdc-down.example.test:{} (SRV tcp): connection refused",
                    p.dead_kdc
                ),
                &format!(
                    "kdc tcp kdc.example.test:{} (SRV tcp): answered",
                    self.env.relay.addr.port()
                ),
            ],
        );
        rows.push(self.row(
            "sesame kinit finds the MIT KDC through DNS SRV only (priority 0 down, priority 10 up)",
            "dnsmasq SRV + MIT KDC",
            outcome,
            &[
                "AS-REQ cname=user1",
                "KRB-ERROR 25",
                "AS-REQ cname=user1",
                "AS-REP cname=user1",
            ],
        ));
        // Weights: `light` (1) and `heavy` (99) share priority 0 for _kerberos-master.
        let outcome = (|| -> Result<String> {
            let mut heavy_first = 0;
            let mut last = String::new();
            for _ in 0..20 {
                let out =
                    output(&mut self.sesame(&conf, &["locate", REALM, "--dns-server", &dns]))?;
                last = String::from_utf8_lossy(&out.stdout).into_owned();
                let first_master = last
                    .lines()
                    .find(|l| l.starts_with("master "))
                    .unwrap_or_default();
                if first_master.starts_with("master heavy.") {
                    heavy_first += 1;
                }
            }
            let kpasswd = last.lines().filter(|l| l.starts_with("kpasswd ")).count();
            let kdcs: Vec<&str> = last.lines().filter(|l| l.starts_with("kdc ")).collect();
            if heavy_first < 15 {
                return Err(format!(
                    "weight 99 came first only {heavy_first} times of 20"
                ));
            }
            if kpasswd != 2 || kdcs.len() != 2 || !kdcs[0].contains("kdc-down") {
                return Err(format!("unexpected locate output:\n{last}"));
            }
            Ok(format!(
                "weight 99 first in {heavy_first} of 20 lookups\n{last}"
            ))
        })();
        rows.push(self.row(
            "SRV priorities and weights (RFC 2782), _kerberos-master and _kpasswd records",
            "dnsmasq SRV",
            outcome,
            &[],
        ));
        let outcome = Self::expect(
            &mut self.kinit(&conf, "user1@NOWHERE.TEST", &cc, &["--dns-server", &dns]),
            false,
            &["sesame: no-kdc: no KDC is known for realm NOWHERE.TEST"],
        );
        rows.push(self.row(
            "a realm without SRV records: no KDC found",
            "dnsmasq SRV",
            outcome,
            &[],
        ));
        let silent = free_port().map(|port| format!("127.0.0.1:{port}"));
        let outcome = silent.and_then(|silent| {
            Self::expect(
                &mut self.kinit(&conf, "user1", &cc, &["--dns-server", &silent]),
                false,
                &["sesame: dns-failed: DNS discovery of the KDCs of EXAMPLE.TEST failed"],
            )
        });
        rows.push(self.row(
            "the nameserver does not answer: DNS discovery failed",
            "dnsmasq SRV",
            outcome,
            &[],
        ));
        rows
    }

    #[allow(clippy::too_many_lines)] // one entry per scenario
    fn proxy_rows(&self, p: &Ports) -> Vec<Row> {
        let ca = self.dir().join("pki/ca.pem");
        let ca = ca.to_string_lossy().into_owned();
        let selfsigned = self.dir().join("pki/selfsigned.pem");
        let selfsigned = selfsigned.to_string_lossy().into_owned();
        let url = |port: u16| format!("https://localhost:{port}/KdcProxy");
        let conf = match self.conf(
            "krb5-proxy.conf",
            &format!("        kdc = {}\n", url(p.good)),
        ) {
            Ok(c) => c,
            Err(e) => return vec![Self::failed("krb5.conf for the proxy", e)],
        };
        let cc = format!("FILE:{}", self.dir().join("cc-proxy").display());
        let mut rows = Vec::new();
        self.env.relay.take();
        let outcome = Self::expect(
            &mut self.kinit(&conf, "user1", &cc, &["--ca-file", &ca, "--verbose"]),
            true,
            &[&format!("kdc https {}: answered", url(p.good))],
        );
        rows.push(self.row(
            "sesame kinit through kdcproxy (krb5.conf kdc = https://.../KdcProxy, test CA)",
            "kdcproxy (MS-KKDCP) + MIT KDC",
            outcome,
            &[
                "AS-REQ cname=user1",
                "KRB-ERROR 25",
                "AS-REQ cname=user1",
                "AS-REP cname=user1",
            ],
        ));
        // A GSS context whose TGS exchange goes through the proxy, to an MIT acceptor.
        self.env.relay.take();
        let mut init = self.sesame(
            &conf,
            &[
                "init",
                "--mech",
                "kerberos",
                "--mutual",
                "--target",
                "HTTP/localhost",
                "--ccache",
                &cc,
                "--ca-file",
                &ca,
            ],
        );
        let mut accept = Command::new(&self.env.python);
        accept
            .arg(root().join("xtask/py/krb5_peer.py"))
            .arg("accept")
            .env("KRB5_CONFIG", &self.env.conf)
            .env("KRB5_KTNAME", self.env.kdc.dir.join("service.keytab"));
        let outcome = exchange(&mut init, &mut accept, &|_, _| {}).and_then(|o| {
            judge(&o, &Expect::Success("user1@EXAMPLE.TEST")).map(|()| o.done.join(" / "))
        });
        rows.push(self.row(
            "sesame init --mech kerberos via kdcproxy -> MIT GSSAPI acceptor, wrap both ways",
            "kdcproxy (MS-KKDCP) + MIT GSSAPI",
            outcome,
            &[
                "TGS-REQ cname= sname=HTTP/localhost",
                "TGS-REP sname=HTTP/localhost",
            ],
        ));
        // Negotiate: the proxy's certificate is refused, so NTLM takes over (allowlisted).
        let users = self.dir().join("users");
        let _ = fs::write(&users, "EXAMPLE:user1:Passw0rd1\n");
        let proxy = url(p.good);
        let mut init = self.sesame(
            &conf,
            &[
                "init",
                "--mech",
                "negotiate",
                "--target",
                "HTTP/localhost",
                "--user",
                "user1@EXAMPLE.TEST",
                "--password-env",
                "SESAME_PW",
                "--kdc-proxy",
                &proxy,
            ],
        );
        let mut accept = Command::new(&self.env.python);
        accept
            .arg(root().join("xtask/py/krb5_peer.py"))
            .args(["accept", "--mech", "spnego", "--ntlm-only"])
            .env("KRB5_CONFIG", &self.env.conf)
            .env("KRB5_KTNAME", self.env.kdc.dir.join("service.keytab"))
            .env("NTLM_USER_FILE", &users);
        self.env.relay.take();
        let outcome = exchange(&mut init, &mut accept, &|_, _| {}).and_then(|o| {
            judge(&o, &Expect::Success("spnego/ntlm"))?;
            let why = "fell back to NTLM: the KDC proxy's TLS certificate was refused";
            if o.stderr[0].contains(why) {
                Ok(format!("{}\n{}", o.done.join(" / "), o.stderr[0]))
            } else {
                Err(format!("initiator did not say `{why}`: {}", o.stderr[0]))
            }
        });
        rows.push(self.row(
            "Negotiate: KDC proxy certificate untrusted -> NTLM fallback -> MIT SPNEGO + gss-ntlmssp",
            "kdcproxy + gss-ntlmssp",
            outcome,
            &[],
        ));
        rows.extend(self.anchor_rows(p, &selfsigned, &cc));
        rows.push(self.async_proxy_row(&conf, &ca));
        for (scenario, port, ca_file, kind) in [
            (
                "proxy certificate from an untrusted CA",
                p.good,
                None,
                "sesame: kdc-proxy-untrusted-certificate: no KDC of realm EXAMPLE.TEST answered",
            ),
            (
                "proxy certificate expired",
                p.expired,
                Some(&ca),
                "sesame: kdc-proxy-expired-certificate: no KDC of realm EXAMPLE.TEST answered",
            ),
            (
                "proxy certificate for another host name",
                p.wronghost,
                Some(&ca),
                "sesame: kdc-proxy-wrong-host-certificate: no KDC of realm EXAMPLE.TEST answered",
            ),
            (
                "proxy certificate self-signed with CA:TRUE, not given (only the CA is): refused in plain words",
                p.selfsigned,
                Some(&ca),
                "sesame: kdc-proxy-ca-as-server-certificate: no KDC of realm EXAMPLE.TEST answered",
            ),
            (
                "proxy up, the KDC behind it down",
                p.proxy_without_kdc,
                Some(&ca),
                "HTTP 503: Remote unavailable",
            ),
        ] {
            let proxy = url(port);
            let mut extra = vec!["--kdc-proxy", proxy.as_str()];
            if let Some(ca) = ca_file {
                extra.extend_from_slice(&["--ca-file", ca]);
            }
            self.env.relay.take();
            let outcome =
                Self::expect(&mut self.kinit(&conf, "user1", &cc, &extra), false, &[kind]);
            rows.push(self.row(scenario, "kdcproxy (MS-KKDCP)", outcome, &[]));
        }
        rows
    }
}
