//! The adversarial matrix (docs/security.md): each row an attack on an exchange between Sesame
//! and an honest third-party peer (pyspnego, MIT GSSAPI and its SPNEGO with gss-ntlmssp, the MIT
//! KDC), made by altering a token in flight or by replaying a genuine message, beside its
//! control: the same exchange, unaltered, in the same harness, which must succeed. A row passes
//! when the control succeeds and the attack is refused by the expected side with the exact
//! error kind the row names; for SPNEGO, also when neither side reports a logon.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;

use sesame_asn1::oid;
use sesame_asn1::spnego::{NegotiationToken, SpnegoToken};
use sesame_gss::{Input, SecurityContext, SystemClock, SystemRandom};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, KerberosAcceptor, ReplayCache};
use sesame_kerberos::keytab::Keytab;
use sesame_ntlm::messages::Authenticate;

use super::Row;
use super::kerberos::Kerberos;
use super::mit_kdc::{PASSWORD, REALM};
use super::pump::{Expect, exchange};
use super::relay::Direction;
use crate::util::{Result, output, root};

/// A token alteration: `(index of the token in the exchange, the token)`.
type Tamper<'a> = &'a dyn Fn(usize, &mut Vec<u8>);

/// One attack and its control.
struct Case<'a> {
    peer: &'static str,
    scenario: &'static str,
    control: (Command, Command),
    attack: (Command, Command),
    tamper: Tamper<'a>,
    /// The side that must refuse and the error kind its `error` line must start with.
    refused: (&'static str, &'static str),
    /// SPNEGO: neither side may print `done` in the attack (never one logged on and the other
    /// waiting or refusing).
    neither_done: bool,
}

const NTLM_PEER: &str = "pyspnego (pure NTLM)";
const KRB_PEER: &str = "MIT GSSAPI (python-gssapi)";

impl Kerberos<'_> {
    /// Runs an attack and its control.
    fn attack(&self, a: Case<'_>) -> Row {
        let (side, kind) = a.refused;
        let control = self.gss_tampered(
            a.peer,
            a.scenario,
            a.control.0,
            a.control.1,
            &|_, _| {},
            Expect::Success(""),
            &[],
        );
        let attacked = self.gss_tampered(
            a.peer,
            a.scenario,
            a.attack.0,
            a.attack.1,
            a.tamper,
            Expect::Refused(side, kind),
            &[],
        );
        let mut outcome = control
            .outcome
            .map_err(|e| format!("control: {e}"))
            .and(attacked.outcome.map_err(|e| format!("attack: {e}")));
        if a.neither_done
            && let Some(done) = attacked.messages.iter().find(|m| m.contains(" done "))
        {
            outcome = outcome.and(Err(format!("attack: a side logged on: {done}")));
        }
        let mut messages = vec![format!("expects {side} error {kind}")];
        messages.extend(control.messages.iter().map(|m| format!("control: {m}")));
        messages.extend(attacked.messages.iter().map(|m| format!("attack: {m}")));
        Row {
            peer: a.peer,
            scenario: a.scenario,
            messages,
            outcome,
        }
    }

    /// A row that must succeed (what the policies must keep letting through).
    fn allowed(
        &self,
        peer: &'static str,
        scenario: &'static str,
        init: Command,
        accept: Command,
    ) -> Row {
        self.gss_with(peer, scenario, init, accept, Expect::Success(""), &[])
    }

    /// pyspnego's pure-Python NTLM client (`extra`: `--channel-bindings`, `--service`...).
    fn ntlm_client(&self, extra: &[&str]) -> Command {
        let mut c = Command::new(&self.env.python);
        c.arg(root().join("xtask/py/ntlm_peer.py"))
            .args(["init", "--backend", "pyspnego", "--user", "EXAMPLE\\user1"])
            .args(["--password", PASSWORD])
            .args(extra)
            .env("KRB5CCNAME", "FILE:/dev/null/none");
        c
    }

    /// pyspnego's pure-Python NTLM server.
    fn ntlm_server(&self) -> Command {
        let mut c = Command::new(&self.env.python);
        c.arg(root().join("xtask/py/ntlm_peer.py"))
            .args(["accept", "--backend", "pyspnego"])
            .env("NTLM_USER_FILE", self.users_file())
            .env("KRB5CCNAME", "FILE:/dev/null/none");
        c
    }

    fn sesame_ntlm_accept(&self, extra: &[&str]) -> Command {
        let mut c = self.sesame();
        c.args(["accept", "--mech", "ntlm", "--ntlm-users"])
            .arg(self.users_file())
            .args(extra);
        c
    }

    fn sesame_ntlm_init(&self) -> Command {
        let mut c = self.sesame();
        c.args(["init", "--mech", "ntlm", "--target", "HTTP/localhost"])
            .args(["--user", "user1", "--domain", "EXAMPLE"])
            .args(["--password-env", "SESAME_PW"]);
        c
    }

    /// MIT's initiator with krb5.conf's `client_aware_channel_bindings`: its authenticator
    /// announces KERB_AP_OPTIONS_CBT (MS-KILE 2.2.10).
    fn aware_peer(&self, extra: &[&str]) -> Command {
        let conf = self.dir().join("krb5-aware.conf");
        let text = std::fs::read_to_string(&self.env.conf)
            .unwrap_or_default()
            .replacen(
                "[libdefaults]",
                "[libdefaults]\n    client_aware_channel_bindings = true",
                1,
            );
        let _ = std::fs::write(&conf, text);
        let mut c = self.peer("init", extra);
        c.env("KRB5_CONFIG", conf);
        c
    }

    fn sesame_krb_accept(&self, extra: &[&str]) -> Command {
        let mut c = self.sesame();
        c.args(["accept", "--mech", "kerberos", "--keytab"])
            .arg(self.dir().join("service.keytab"))
            .args(extra);
        c
    }

    #[allow(clippy::too_many_lines)] // one entry per attack
    pub fn adversarial_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let none: &[&str] = &[];
        // NTLM: relay to another service, below-minimum sessions, empty responses.
        rows.push(self.attack(Case {
            peer: NTLM_PEER,
            scenario: "NTLM relay: an AUTHENTICATE made for cifs/evil.example -> sesame accept --target HTTP/localhost",
            control: (
                self.ntlm_client(none),
                self.sesame_ntlm_accept(&["--target", "HTTP/localhost"]),
            ),
            attack: (
                self.ntlm_client(&["--service", "cifs", "--hostname", "evil.example"]),
                self.sesame_ntlm_accept(&["--target", "HTTP/localhost"]),
            ),
            tamper: &|_, _| {},
            refused: ("acceptor", "target-name-mismatch"),
            neither_done: false,
        }));
        rows.push(self.attack(Case {
            peer: NTLM_PEER,
            scenario: "NTLM NEGOTIATE without 128-bit keys (flag removed in flight) -> sesame accept",
            control: (self.ntlm_client(none), self.sesame_ntlm_accept(none)),
            attack: (self.ntlm_client(none), self.sesame_ntlm_accept(none)),
            tamper: &|i, t| clear_ntlm_flag(i, t, 0, 12, 0x2000_0000),
            refused: ("acceptor", "below-minimum-security"),
            neither_done: false,
        }));
        rows.push(self.attack(Case {
            peer: NTLM_PEER,
            scenario: "NTLM CHALLENGE without 128-bit keys (flag removed in flight) -> sesame init",
            control: (self.sesame_ntlm_init(), self.ntlm_server()),
            attack: (self.sesame_ntlm_init(), self.ntlm_server()),
            tamper: &|i, t| clear_ntlm_flag(i, t, 1, 20, 0x2000_0000),
            refused: ("initiator", "below-minimum-security"),
            neither_done: false,
        }));
        rows.push(self.attack(Case {
            peer: NTLM_PEER,
            scenario: "NTLM AUTHENTICATE with a user name and empty NT and LM responses -> sesame accept",
            control: (self.ntlm_client(none), self.sesame_ntlm_accept(none)),
            attack: (self.ntlm_client(none), self.sesame_ntlm_accept(none)),
            tamper: &empty_responses,
            refused: ("acceptor", "empty-response"),
            neither_done: false,
        }));
        // Channel bindings, NTLM then Kerberos, in the three policies.
        rows.extend(self.binding_rows(
            NTLM_PEER,
            "NTLM",
            &|cb| match cb {
                Some(cb) => self.ntlm_client(&["--channel-bindings", cb]),
                None => self.ntlm_client(&[]),
            },
            &|extra| self.sesame_ntlm_accept(extra),
        ));
        rows.extend(self.binding_rows(
            KRB_PEER,
            "Kerberos",
            &|cb| match cb {
                Some(cb) => self.peer("init", &["--channel-bindings", cb]),
                None => self.peer("init", &[]),
            },
            &|extra| self.sesame_krb_accept(extra),
        ));
        // KERB_AP_OPTIONS_CBT: an initiator that promised bindings and sent none.
        let when_present = [
            "--channel-bindings",
            "tls-server-end-point:A",
            "--channel-bindings-policy",
            "when-present",
        ];
        rows.push(self.attack(Case {
            peer: KRB_PEER,
            scenario: "Kerberos: MIT announces channel bindings (client_aware_channel_bindings: KERB_AP_OPTIONS_CBT) and sends none -> sesame accept, when present",
            control: (
                self.aware_peer(&["--channel-bindings", "tls-server-end-point:A"]),
                self.sesame_krb_accept(&when_present),
            ),
            attack: (self.aware_peer(&[]), self.sesame_krb_accept(&when_present)),
            tamper: &|_, _| {},
            refused: ("acceptor", "channel-bindings-missing"),
            neither_done: false,
        }));
        // Kerberos: service-name substitution, forged AP-REP.
        rows.push(self.attack(Case {
            peer: KRB_PEER,
            scenario: "Kerberos service substitution: a ticket for host/localhost -> sesame accept --target HTTP/localhost",
            control: (
                self.peer("init", &["--target", "HTTP@localhost"]),
                self.sesame_krb_accept(&["--target", "HTTP/localhost"]),
            ),
            attack: (
                self.peer("init", &["--target", "host@localhost"]),
                self.sesame_krb_accept(&["--target", "HTTP/localhost"]),
            ),
            tamper: &|_, _| {},
            refused: ("acceptor", "krb-ap-err-not-us"),
            neither_done: false,
        }));
        let krb5_ccache = self
            .kinit_for_peers()
            .unwrap_or_else(|e| format!("FILE:/nonexistent ({e})"));
        let mit_spnego_krb = || {
            let mut c = self.mit_spnego("init", &["--mutual", "--target", "host@localhost"]);
            c.env_remove("NTLM_USER_FILE")
                .env("KRB5CCNAME", &krb5_ccache);
            c
        };
        let negotiate_accept_named = || {
            let mut c = self.negotiate_accept();
            c.args(["--target", "HTTP/localhost"]);
            c
        };
        rows.push(self.attack(Case {
            peer: "MIT SPNEGO (python-gssapi)",
            scenario: "Negotiate service substitution: MIT SPNEGO with a ticket for host/localhost -> sesame accept --mech negotiate --target HTTP/localhost",
            control: (
                {
                    let mut c = mit_spnego_krb();
                    c.args(["--target", "HTTP@localhost"]);
                    c
                },
                negotiate_accept_named(),
            ),
            attack: (mit_spnego_krb(), negotiate_accept_named()),
            tamper: &|_, _| {},
            refused: ("acceptor", "krb-ap-err-not-us"),
            neither_done: true,
        }));
        let cc = self.kinit("user1", "adversarial");
        let krb_init = || {
            let mut c = self.sesame();
            c.args(["init", "--mech", "kerberos", "--mutual"])
                .args(["--target", "HTTP/localhost", "--ccache"])
                .arg(cc.as_deref().unwrap_or("FILE:/nonexistent"));
            c
        };
        rows.push(self.attack(Case {
            peer: KRB_PEER,
            scenario: "Kerberos AP-REP altered in flight -> sesame init --mutual (mutual authentication)",
            control: (krb_init(), self.peer("accept", &[])),
            attack: (krb_init(), self.peer("accept", &[])),
            tamper: &|i, t| {
                if i == 1
                    && let Some(b) = t.last_mut() {
                        *b ^= 1;
                    }
            },
            refused: ("initiator", "mutual-auth-failed"),
            neither_done: false,
        }));
        // SPNEGO: MIC stripping, mechanism-list rewriting, a choice never offered.
        rows.push(self.attack(Case {
            peer: "pyspnego (SPNEGO + NTLM)",
            // NTLM only: pyspnego's server fails on a Kerberos optimistic token (KeyError).
            // The NTLM MIC alone makes the mechListMIC required.
            scenario: "SPNEGO: sesame init's mechListMIC stripped -> pyspnego server answers accept-incomplete and waits; sesame init does not log on",
            control: (
                self.negotiate_init(&["--packages", "ntlm"]),
                self.pyspnego("accept"),
            ),
            attack: (
                self.negotiate_init(&["--packages", "ntlm"]),
                self.pyspnego("accept"),
            ),
            tamper: &strip_initiator_mic,
            refused: ("initiator", "acceptor-incomplete"),
            neither_done: true,
        }));
        let mit_ntlm_acceptor = || {
            let mut c = self.mit_spnego("accept", &["--ntlm-only"]);
            c.env("KRB5_KTNAME", "FILE:/nonexistent/keytab");
            c
        };
        rows.push(self.attack(Case {
            peer: "MIT SPNEGO + gss-ntlmssp",
            scenario: "SPNEGO: the initiator's mechListMIC stripped (Kerberos offered, NTLM chosen) -> MIT SPNEGO rejects, sesame init fails",
            control: (self.negotiate_init(&[]), mit_ntlm_acceptor()),
            attack: (self.negotiate_init(&[]), mit_ntlm_acceptor()),
            tamper: &strip_initiator_mic,
            refused: ("initiator", "rejected"),
            neither_done: true,
        }));
        rows.push(self.attack(Case {
            peer: "pyspnego (SPNEGO + NTLM)",
            scenario: "SPNEGO: pyspnego's mechListMIC stripped -> sesame accept --mech negotiate refuses at once",
            control: (self.pyspnego("init"), self.negotiate_accept()),
            attack: (self.pyspnego("init"), self.negotiate_accept()),
            tamper: &strip_initiator_mic,
            refused: ("acceptor", "mechlistmic-missing"),
            neither_done: true,
        }));
        rows.push(self.attack(Case {
            peer: "MIT SPNEGO (python-gssapi)",
            scenario: "SPNEGO downgrade: Kerberos removed from sesame init's mechanism list in flight -> MIT SPNEGO rejects (mechListMIC), sesame init fails",
            control: (self.negotiate_init(&[]), self.mit_spnego("accept", &[])),
            attack: (self.negotiate_init(&[]), self.mit_spnego("accept", &[])),
            tamper: &|i, t| {
                rewrite_mech_list(i, t, &|init| {
                    init.mech_types = vec![oid::NTLMSSP.to_owned()];
                    init.mech_token = None;
                });
            },
            refused: ("initiator", "rejected"),
            neither_done: true,
        }));
        rows.push(self.attack(Case {
            peer: "pyspnego (SPNEGO + NTLM)",
            scenario: "SPNEGO: pyspnego's mechanism list rewritten in flight -> sesame accept --mech negotiate (mechListMIC fails)",
            control: (self.pyspnego("init"), self.negotiate_accept()),
            attack: (self.pyspnego("init"), self.negotiate_accept()),
            tamper: &|i, t| {
                rewrite_mech_list(i, t, &|init| init.mech_types.push(oid::KERBEROS.to_owned()));
            },
            refused: ("acceptor", "mechlistmic-bad"),
            neither_done: true,
        }));
        rows.push(self.attack(Case {
            peer: "MIT SPNEGO (python-gssapi)",
            scenario: "SPNEGO: the acceptor's choice replaced in flight by a mechanism never offered (NEGOEX) -> sesame init",
            control: (self.negotiate_init(&[]), self.mit_spnego("accept", &[])),
            attack: (self.negotiate_init(&[]), self.mit_spnego("accept", &[])),
            tamper: &|i, t| {
                if i == 1 {
                    edit_spnego(t, &mut |token| {
                        if let NegotiationToken::NegTokenResp(r) = token {
                            r.supported_mech = Some(oid::NEGOEX.to_owned());
                        }
                    });
                }
            },
            refused: ("initiator", "unoffered-mechanism"),
            // MIT completed when it sent its (genuine) accept-completed; the client refuses.
            neither_done: false,
        }));
        rows.push(self.replay_in_one_acceptor());
        rows.push(self.replay_across_processes());
        rows.push(self.replayed_kdc_reply());
        rows
    }

    /// Channel bindings under the three policies: attacks (another channel's bindings, none
    /// where required) and what each policy must keep letting through.
    fn binding_rows(
        &self,
        peer: &'static str,
        mech: &'static str,
        client: &dyn Fn(Option<&str>) -> Command,
        server: &dyn Fn(&[&str]) -> Command,
    ) -> Vec<Row> {
        const A: &str = "tls-server-end-point:A";
        const B: &str = "tls-server-end-point:B";
        let scenario =
            |ntlm: &'static str, krb: &'static str| if mech == "NTLM" { ntlm } else { krb };
        let required = ["--channel-bindings", A];
        let when_present = [
            "--channel-bindings",
            A,
            "--channel-bindings-policy",
            "when-present",
        ];
        let off = ["--channel-bindings", A, "--channel-bindings-policy", "off"];
        vec![
            self.attack(Case {
                peer,
                scenario: scenario(
                    "NTLM channel bindings required: the client's are of another channel",
                    "Kerberos channel bindings required: the initiator's are of another channel",
                ),
                control: (client(Some(A)), server(&required)),
                attack: (client(Some(B)), server(&required)),
                tamper: &|_, _| {},
                refused: ("acceptor", "bad-channel-bindings"),
                neither_done: false,
            }),
            self.attack(Case {
                peer,
                scenario: scenario(
                    "NTLM channel bindings required: the client sends none",
                    "Kerberos channel bindings required: the initiator sends none",
                ),
                control: (client(Some(A)), server(&required)),
                attack: (client(None), server(&required)),
                tamper: &|_, _| {},
                refused: ("acceptor", "channel-bindings-missing"),
                neither_done: false,
            }),
            self.attack(Case {
                peer,
                scenario: scenario(
                    "NTLM channel bindings when present: the client's are of another channel",
                    "Kerberos channel bindings when present: the initiator's are of another channel",
                ),
                control: (client(Some(A)), server(&when_present)),
                attack: (client(Some(B)), server(&when_present)),
                tamper: &|_, _| {},
                refused: ("acceptor", "bad-channel-bindings"),
                neither_done: false,
            }),
            self.allowed(
                peer,
                scenario(
                    "NTLM channel bindings when present: a client without bindings logs on",
                    "Kerberos channel bindings when present: an initiator without bindings logs on",
                ),
                client(None),
                server(&when_present),
            ),
            self.allowed(
                peer,
                scenario(
                    "NTLM channel bindings off: another channel's bindings are not looked at",
                    "Kerberos channel bindings off: another channel's bindings are not looked at",
                ),
                client(Some(B)),
                server(&off),
            ),
        ]
    }

    /// MIT's AP-REQ, accepted by `sesame accept`, then given twice to one acceptor (one
    /// process, one replay cache): the second is KRB_AP_ERR_REPEAT.
    fn replay_in_one_acceptor(&self) -> Row {
        let scenario =
            "Kerberos: MIT's AP-REQ replayed to the same acceptor (one process, one replay cache)";
        special(
            KRB_PEER,
            scenario,
            "acceptor error krb-ap-err-repeat",
            |messages| {
                let o = exchange(
                    &mut self.peer("init", &[]),
                    &mut self.sesame_krb_accept(&[]),
                    &|_, _| {},
                )?;
                self.env.relay.take();
                messages.push(format!("control: sesame accept done {}", o.done[1]));
                let ap_req = o.tokens.first().ok_or("no AP-REQ crossed")?;
                let keytab =
                    Keytab::read(&self.dir().join("service.keytab")).map_err(|e| e.to_string())?;
                let creds = Arc::new(AcceptorCredentials::Keytab(keytab));
                let config = AcceptorConfig {
                    replay_cache: Arc::new(ReplayCache::new()),
                    ..AcceptorConfig::default()
                };
                let accept = || {
                    KerberosAcceptor::new(
                        creds.clone(),
                        config.clone(),
                        Arc::new(SystemClock),
                        Box::new(SystemRandom),
                    )
                };
                let mut first = accept();
                first
                    .step(Input::Token(ap_req))
                    .map_err(|e| format!("the first acceptance failed: {e}"))?;
                messages.push(format!(
                    "attack: acceptor, first time: {}",
                    first.peer_name().map(|p| p.0.as_str()).unwrap_or_default()
                ));
                let e = accept()
                    .step(Input::Token(ap_req))
                    .err()
                    .ok_or("the replayed AP-REQ was accepted")?;
                let code = e
                    .mech_error::<sesame_kerberos::KerberosError>()
                    .and_then(sesame_kerberos::KerberosError::krb_error_code);
                messages.push(format!("attack: acceptor, replayed: {e}"));
                if code == Some(sesame_asn1::kerberos::constants::error_code::KRB_AP_ERR_REPEAT) {
                    Ok(())
                } else {
                    Err(format!("expected KRB_AP_ERR_REPEAT, got {e}"))
                }
            },
        )
    }

    /// MIT's AP-REQ accepted by one `sesame accept --replay-cache FILE` process, then given to
    /// a second process with the same file: KRB_AP_ERR_REPEAT. Without the shared file the
    /// second process, which remembers nothing of the first, would accept it (shown).
    fn replay_across_processes(&self) -> Row {
        let scenario = "Kerberos: MIT's AP-REQ replayed to a second sesame accept process (shared --replay-cache file)";
        let rc = self.dir().join("shared.rcache");
        let _ = std::fs::remove_file(&rc);
        let rc_arg = rc.to_string_lossy().into_owned();
        special(
            KRB_PEER,
            scenario,
            "acceptor error krb-ap-err-repeat",
            |messages| {
                let o = exchange(
                    &mut self.peer("init", &[]),
                    &mut self.sesame_krb_accept(&["--replay-cache", &rc_arg]),
                    &|_, _| {},
                )?;
                self.env.relay.take();
                if o.done[1].is_empty() {
                    return Err(format!("control: {:?}", o.error));
                }
                messages.push(format!("control: first process done {}", o.done[1]));
                let ap_req = o.tokens.first().ok_or("no AP-REQ crossed")?;
                let unshared = accept_one(&mut self.sesame_krb_accept(&[]), ap_req)?;
                messages.push(format!("a process with its own memory cache: {unshared}"));
                let replayed = accept_one(
                    &mut self.sesame_krb_accept(&["--replay-cache", &rc_arg]),
                    ap_req,
                )?;
                messages.push(format!("attack: second process: {replayed}"));
                if replayed.starts_with("error krb-ap-err-repeat") {
                    Ok(())
                } else {
                    Err(format!("expected krb-ap-err-repeat, got `{replayed}`"))
                }
            },
        )
    }

    /// An AS exchange with the MIT KDC recorded, then its replies replayed to a new `sesame
    /// kinit` by a KDC stand-in: the old AS-REP decrypts with the user's key but answers
    /// another request (its nonce).
    fn replayed_kdc_reply(&self) -> Row {
        let scenario = "KDC: the MIT KDC's earlier AS-REP replayed to sesame kinit";
        special(
            "MIT KDC (recorded replies)",
            scenario,
            "kinit error kdc-reply-mismatch",
            |messages| {
                self.env.relay.take();
                let cc = self.ccache("replayed");
                let control = output(
                    self.sesame()
                        .args([
                            "kinit",
                            &format!("user1@{REALM}"),
                            "--password-env",
                            "SESAME_PW",
                        ])
                        .args(["--ccache", &cc]),
                )?;
                if !control.status.success() {
                    return Err(format!(
                        "control: {}",
                        String::from_utf8_lossy(&control.stderr).trim()
                    ));
                }
                let replies: Vec<Vec<u8>> = self
                    .env
                    .relay
                    .take()
                    .into_iter()
                    .filter(|r| r.direction == Direction::Reply)
                    .map(|r| r.bytes)
                    .collect();
                messages.push(format!(
                    "control: sesame kinit, {} KDC replies recorded",
                    replies.len()
                ));
                let addr = replay_kdc(replies)?;
                let attack = output(
                    self.sesame()
                        .args([
                            "kinit",
                            &format!("user1@{REALM}"),
                            "--password-env",
                            "SESAME_PW",
                        ])
                        .args(["--ccache", &cc, "--kdc", &format!("tcp/{addr}")]),
                )?;
                let err = String::from_utf8_lossy(&attack.stderr).trim().to_string();
                messages.push(format!("attack: {err}"));
                if !attack.status.success() && err.starts_with("sesame: kdc-reply-mismatch") {
                    Ok(())
                } else {
                    Err(format!("expected kdc-reply-mismatch, got `{err}`"))
                }
            },
        )
    }
}

/// A row made by `body`, which says what happened in `messages` (after the expected error).
fn special(
    peer: &'static str,
    scenario: &'static str,
    expects: &str,
    body: impl FnOnce(&mut Vec<String>) -> Result,
) -> Row {
    let mut messages = vec![format!("expects {expects}")];
    let outcome = body(&mut messages);
    Row {
        peer,
        scenario,
        messages,
        outcome,
    }
}

/// Gives `token` to an acceptor process; its first line (`done ...` or `error ...`).
fn accept_one(cmd: &mut Command, token: &[u8]) -> Result<String> {
    use base64::Engine as _;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        let line = base64::engine::general_purpose::STANDARD.encode(token);
        writeln!(stdin, "{line}").map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// A KDC stand-in on 127.0.0.1 (TCP) that answers the n-th request with `replies[n]`.
fn replay_kdc(replies: Vec<Vec<u8>>) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .to_string();
    std::thread::spawn(move || {
        for (reply, stream) in replies.into_iter().zip(listener.incoming()) {
            let Ok(mut stream) = stream else { return };
            let mut len = [0u8; 4];
            if stream.read_exact(&mut len).is_err() {
                return;
            }
            let mut request = vec![0u8; u32::from_be_bytes(len) as usize];
            if stream.read_exact(&mut request).is_err() {
                return;
            }
            let Ok(n) = u32::try_from(reply.len()) else {
                return;
            };
            let _ = stream
                .write_all(&n.to_be_bytes())
                .and_then(|()| stream.write_all(&reply));
        }
    });
    Ok(addr)
}

/// Clears `flag` in the NTLM message at token `index` (flags at `offset`).
#[allow(clippy::ptr_arg)] // the pump's tamper signature
fn clear_ntlm_flag(i: usize, token: &mut Vec<u8>, index: usize, offset: usize, flag: u32) {
    if i == index
        && let Some(bytes) = token.get_mut(offset..offset + 4)
    {
        let f = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) & !flag;
        bytes.copy_from_slice(&f.to_le_bytes());
    }
}

/// The AUTHENTICATE (token 2) with its user name kept and both responses (and the MIC) gone.
fn empty_responses(i: usize, token: &mut Vec<u8>) {
    if i == 2
        && let Ok(mut m) = Authenticate::parse(token)
    {
        m.nt_response.clear();
        m.lm_response.clear();
        m.mic = None;
        *token = m.to_bytes();
    }
}

/// Re-encodes a SPNEGO token after `edit`.
fn edit_spnego(token: &mut Vec<u8>, edit: &mut dyn FnMut(&mut NegotiationToken)) {
    let Ok(mut t) = SpnegoToken::decode(token) else {
        return;
    };
    match &mut t {
        SpnegoToken::Initial(n) | SpnegoToken::Subsequent(n) => edit(n),
    }
    if let Ok(bytes) = t.encode() {
        *token = bytes;
    }
}

/// Removes the mechListMIC from every initiator message (even tokens).
fn strip_initiator_mic(i: usize, token: &mut Vec<u8>) {
    if i.is_multiple_of(2) {
        edit_spnego(token, &mut |t| {
            if let NegotiationToken::NegTokenResp(r) = t {
                r.mech_list_mic = None;
            }
        });
    }
}

/// Edits the initiator's NegTokenInit (token 0).
fn rewrite_mech_list(
    i: usize,
    token: &mut Vec<u8>,
    edit: &dyn Fn(&mut sesame_asn1::spnego::NegTokenInit),
) {
    if i == 0 {
        edit_spnego(token, &mut |t| {
            if let NegotiationToken::NegTokenInit(init) = t {
                edit(init);
            }
        });
    }
}
