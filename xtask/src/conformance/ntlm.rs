//! NTLM interop: `sesame init` / `sesame accept` against pyspnego's pure-Python NTLM and MIT
//! GSSAPI with gss-ntlmssp, both directions with wrap/unwrap, and a negative matrix where each
//! failure must carry its exact error kind.

use std::path::{Path, PathBuf};
use std::process::Command;

use sesame_ntlm::messages::{Authenticate, Challenge, message_type};

use super::Row;
use super::pump::{Expect, Outcome, exchange, judge};
use crate::util::root;

const USER: &str = "EXAMPLE\\user1";
const PASSWORD: &str = "Passw0rd1";

pub struct Ntlm<'a> {
    pub sesame: &'a Path,
    pub python: &'a Path,
    pub users: PathBuf,
}

impl Ntlm<'_> {
    /// A peer that speaks NTLMv1 (pyspnego's `LM_COMPAT_LEVEL`, as Windows' setting).
    fn v1(mut c: Command) -> Command {
        c.env("LM_COMPAT_LEVEL", "1");
        c
    }

    fn sesame_init(&self, password: &str, extra: &[&str]) -> Command {
        let mut c = Command::new(self.sesame);
        c.args([
            "init",
            "--mech",
            "ntlm",
            "--target",
            "HTTP/localhost",
            "--user",
            "user1",
            "--domain",
            "EXAMPLE",
            "--password-env",
            "SESAME_PW",
        ])
        .args(extra)
        .env("SESAME_PW", password);
        c
    }

    fn sesame_accept(&self, extra: &[&str]) -> Command {
        let mut c = Command::new(self.sesame);
        c.args(["accept", "--mech", "ntlm", "--ntlm-users"])
            .arg(&self.users)
            .args(extra);
        c
    }

    fn peer(
        &self,
        role: &str,
        backend: &str,
        user: &str,
        password: &str,
        extra: &[&str],
    ) -> Command {
        let mut c = Command::new(self.python);
        c.arg(root().join("xtask/py/ntlm_peer.py"))
            .args([role, "--backend", backend]);
        if role == "init" {
            c.args(["--user", user, "--password", password]);
        }
        c.args(extra)
            .env("NTLM_USER_FILE", &self.users)
            .env("KRB5CCNAME", "FILE:/dev/null/none");
        c
    }

    #[allow(clippy::needless_pass_by_value)] // scenarios read better with the value
    fn row(
        peer: &'static str,
        scenario: &'static str,
        mut init: Command,
        mut accept: Command,
        tamper: &dyn Fn(usize, &mut Vec<u8>),
        expect: Expect,
    ) -> Row {
        let result = exchange(&mut init, &mut accept, tamper);
        let (messages, outcome) = match result {
            Err(e) => (vec![], Err(e)),
            Ok(o) => (summaries(&o), judge(&o, &expect)),
        };
        Row {
            peer,
            scenario,
            messages,
            outcome,
        }
    }

    #[allow(clippy::too_many_lines)] // one line per scenario
    pub fn rows(&self) -> Vec<Row> {
        let none = &|_: usize, _: &mut Vec<u8>| {};
        vec![
            Self::row(
                "pyspnego (pure NTLM)",
                "pyspnego client -> sesame accept, wrap both ways",
                self.peer("init", "pyspnego", USER, PASSWORD, &[]),
                self.sesame_accept(&[]),
                none,
                Expect::Success(""),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "sesame init -> pyspnego server, wrap both ways",
                self.sesame_init(PASSWORD, &[]),
                self.peer("accept", "pyspnego", "", "", &[]),
                none,
                Expect::Success(""),
            ),
            Self::row(
                "gss-ntlmssp (MIT GSSAPI)",
                "gss-ntlmssp client -> sesame accept, wrap both ways",
                self.peer("init", "gssapi", USER, PASSWORD, &[]),
                self.sesame_accept(&[]),
                none,
                Expect::Success(""),
            ),
            Self::row(
                "gss-ntlmssp (MIT GSSAPI)",
                "sesame init -> gss-ntlmssp server, wrap both ways",
                self.sesame_init(PASSWORD, &[]),
                self.peer("accept", "gssapi", "", "", &[]),
                none,
                Expect::Success(""),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "wrong password -> sesame accept",
                self.peer("init", "pyspnego", USER, "wrong", &[]),
                self.sesame_accept(&[]),
                none,
                Expect::Refused("acceptor", "wrong-password"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "unknown user -> sesame accept",
                self.peer("init", "pyspnego", "EXAMPLE\\nobody", PASSWORD, &[]),
                self.sesame_accept(&[]),
                none,
                Expect::Refused("acceptor", "unknown-user"),
            ),
            Self::row(
                "gss-ntlmssp (MIT GSSAPI)",
                "wrong password -> sesame accept",
                self.peer("init", "gssapi", USER, "wrong", &[]),
                self.sesame_accept(&[]),
                none,
                Expect::Refused("acceptor", "wrong-password"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "sesame init, wrong password -> pyspnego server refuses",
                self.sesame_init("wrong", &[]),
                self.peer("accept", "pyspnego", "", "", &[]),
                none,
                Expect::Refused("acceptor", "peer"),
            ),
            Self::row(
                "gss-ntlmssp (MIT GSSAPI)",
                "sesame init, wrong password -> gss-ntlmssp refuses",
                self.sesame_init("wrong", &[]),
                self.peer("accept", "gssapi", "", "", &[]),
                none,
                Expect::Refused("acceptor", "peer"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "CHALLENGE altered in flight (seal flag removed) -> sesame accept",
                self.peer("init", "pyspnego", USER, PASSWORD, &[]),
                self.sesame_accept(&[]),
                &tamper_challenge,
                Expect::Refused("acceptor", "bad-mic"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "CHALLENGE altered in flight -> pyspnego server (MIC)",
                self.sesame_init(PASSWORD, &[]),
                self.peer("accept", "pyspnego", "", "", &[]),
                &tamper_challenge,
                Expect::Refused("acceptor", "peer"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "MIC stripped from AUTHENTICATE -> sesame accept",
                self.peer("init", "pyspnego", USER, PASSWORD, &[]),
                self.sesame_accept(&[]),
                &strip_mic,
                Expect::Refused("acceptor", "mic-missing"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "AUTHENTICATE flags altered -> sesame accept",
                self.peer("init", "pyspnego", USER, PASSWORD, &[]),
                self.sesame_accept(&[]),
                &alter_auth_flags,
                Expect::Refused("acceptor", "bad-mic"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "channel bindings match -> sesame accept",
                self.peer(
                    "init",
                    "pyspnego",
                    USER,
                    PASSWORD,
                    &["--channel-bindings", "tls-server-end-point:A"],
                ),
                self.sesame_accept(&["--channel-bindings", "tls-server-end-point:A"]),
                none,
                Expect::Success(""),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "wrong channel bindings -> sesame accept",
                self.peer(
                    "init",
                    "pyspnego",
                    USER,
                    PASSWORD,
                    &["--channel-bindings", "tls-server-end-point:A"],
                ),
                self.sesame_accept(&["--channel-bindings", "tls-server-end-point:B"]),
                none,
                Expect::Refused("acceptor", "bad-channel-bindings"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "CHALLENGE timestamp 1 hour old (delayed/replayed) -> sesame accept",
                self.peer("init", "pyspnego", USER, PASSWORD, &[]),
                self.sesame_accept(&[]),
                &age_challenge,
                Expect::Refused("acceptor", "stale-timestamp"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "NTLMv1 client (LM_COMPAT_LEVEL=1) -> sesame accept, no opt-in",
                Self::v1(self.peer("init", "pyspnego", USER, PASSWORD, &[])),
                self.sesame_accept(&[]),
                none,
                Expect::Refused("acceptor", "ntlmv1-refused"),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "NTLMv1 client (LM_COMPAT_LEVEL=1) -> sesame accept --allow-ntlmv1, wrap both ways",
                Self::v1(self.peer("init", "pyspnego", USER, PASSWORD, &[])),
                self.sesame_accept(&["--allow-ntlmv1"]),
                none,
                Expect::Success(""),
            ),
            Self::row(
                "pyspnego (pure NTLM)",
                "sesame init --ntlmv1 -> pyspnego server (LM_COMPAT_LEVEL=1), wrap both ways",
                self.sesame_init(PASSWORD, &["--ntlmv1"]),
                Self::v1(self.peer("accept", "pyspnego", "", "", &[])),
                none,
                Expect::Success(""),
            ),
        ]
    }
}

/// Clears NTLMSSP_NEGOTIATE_SEAL in the CHALLENGE (token 1).
#[allow(clippy::ptr_arg)] // the pump's tamper signature
fn tamper_challenge(i: usize, token: &mut Vec<u8>) {
    if i == 1
        && message_type(token).ok() == Some(2)
        && let Some(b) = token.get_mut(20)
    {
        *b &= !0x20;
    }
}

/// Moves the CHALLENGE's MsvAvTimestamp one hour back (token 1): the client copies it into
/// its proof-protected blob, as a delayed or replayed exchange would carry it.
fn age_challenge(i: usize, token: &mut Vec<u8>) {
    if i == 1
        && let Ok(mut c) = Challenge::parse(token)
        && let Some(t) = c.target_info.timestamp()
    {
        let old = t.saturating_sub(3600 * 10_000_000);
        c.target_info
            .set(sesame_ntlm::av_pairs::av_id::TIMESTAMP, &old.to_le_bytes());
        *token = c.to_bytes();
    }
}

/// Removes the MIC from the AUTHENTICATE (token 2), leaving MsvAvFlags as the client set it.
fn strip_mic(i: usize, token: &mut Vec<u8>) {
    if i == 2
        && let Ok(mut m) = Authenticate::parse(token)
    {
        m.mic = None;
        *token = m.to_bytes();
    }
}

/// Clears NTLMSSP_NEGOTIATE_SEAL in the AUTHENTICATE's flags (token 2).
#[allow(clippy::ptr_arg)] // the pump's tamper signature
fn alter_auth_flags(i: usize, token: &mut Vec<u8>) {
    if i == 2
        && let Some(b) = token.get_mut(60)
    {
        *b &= !0x20;
    }
}

fn summaries(o: &Outcome) -> Vec<String> {
    let mut out: Vec<String> = o
        .tokens
        .iter()
        .map(|t| match message_type(t) {
            Ok(1) => "NEGOTIATE".into(),
            Ok(2) => "CHALLENGE".into(),
            Ok(3) => match Authenticate::parse(t) {
                Ok(a) => format!(
                    "AUTHENTICATE {}\\{} mic={}",
                    a.domain,
                    a.user,
                    a.mic.is_some()
                ),
                Err(e) => format!("AUTHENTICATE (undecodable: {e})"),
            },
            _ => "not NTLM".into(),
        })
        .collect();
    for (side, done) in ["initiator", "acceptor"].iter().zip(&o.done) {
        if !done.is_empty() {
            out.push(format!("{side} done {done}"));
        }
    }
    if let Some((side, e)) = &o.error {
        out.push(format!("{side} error {e}"));
    }
    out
}
