//! Connects two processes that speak Sesame's token line protocol (docs/cli.md) — the `sesame`
//! command or a Python peer — relaying tokens, optionally altering them in flight, then checking
//! message protection both ways. Every read has a deadline: nothing hangs.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use base64::Engine as _;

const DEADLINE: Duration = Duration::from_secs(20);

struct Peer {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Peer {
    fn start(name: &'static str, cmd: &mut Command) -> Result<Self, String> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", crate::util::show(cmd)))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(Self {
            name,
            child,
            stdin,
            lines,
        })
    }

    fn read(&self) -> Result<String, String> {
        self.lines.recv_timeout(DEADLINE).map_err(|_| {
            format!(
                "{} said nothing within {} s (or exited)",
                self.name,
                DEADLINE.as_secs()
            )
        })
    }

    fn write(&mut self, line: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("stdin closed")?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("{}: {e}", self.name))
    }

    fn finish(mut self) -> Result<String, String> {
        drop(self.stdin.take());
        let out = self.child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stderr).trim().to_string())
        } else {
            Err(format!(
                "{} exited with {}: {}",
                self.name,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

/// How an exchange ended.
pub struct Outcome {
    /// The tokens that crossed, in order (after any alteration).
    pub tokens: Vec<Vec<u8>>,
    /// The `done` lines of initiator and acceptor.
    pub done: [String; 2],
    /// The `error` line of whichever side refused, with the side's name.
    pub error: Option<(&'static str, String)>,
    /// What each side wrote on standard error (after a successful run).
    pub stderr: [String; 2],
}

/// Runs initiator and acceptor to the end of the handshake; `tamper(i, token)` may alter the
/// i-th token in flight. On success also wraps `ping` initiator→acceptor and `pong` back.
pub fn exchange(
    init: &mut Command,
    accept: &mut Command,
    tamper: &dyn Fn(usize, &mut Vec<u8>),
) -> Result<Outcome, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut peers = [
        Peer::start("initiator", init)?,
        Peer::start("acceptor", accept)?,
    ];
    let mut outcome = Outcome {
        tokens: Vec::new(),
        done: [String::new(), String::new()],
        error: None,
        stderr: [String::new(), String::new()],
    };
    let mut turn = 0;
    while outcome.done.iter().any(String::is_empty) {
        let line = peers[turn].read()?;
        let (verb, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match verb {
            "token" => {
                let mut token = b64
                    .decode(rest)
                    .map_err(|e| format!("{}: bad base64: {e}", peers[turn].name))?;
                tamper(outcome.tokens.len(), &mut token);
                peers[1 - turn].write(&b64.encode(&token))?;
                outcome.tokens.push(token);
                turn = 1 - turn;
            }
            "done" => {
                outcome.done[turn] = rest.to_string();
                if outcome.done[1 - turn].is_empty() {
                    turn = 1 - turn;
                }
            }
            "error" => {
                outcome.error = Some((peers[turn].name, rest.to_string()));
                return Ok(outcome);
            }
            _ => return Err(format!("{} said `{line}`", peers[turn].name)),
        }
    }
    for (from, to, text) in [(0, 1, &b"ping"[..]), (1, 0, b"pong")] {
        peers[from].write(&format!("wrap {}", b64.encode(text)))?;
        let wrapped = peers[from].read()?;
        let token = wrapped
            .strip_prefix("wrapped ")
            .ok_or_else(|| format!("{}: {wrapped}", peers[from].name))?;
        peers[to].write(&format!("unwrap {token}"))?;
        let plain = peers[to].read()?;
        let got = plain
            .strip_prefix("plain ")
            .and_then(|p| b64.decode(p).ok());
        if got.as_deref() != Some(text) {
            return Err(format!(
                "{} unwrapped `{plain}`, expected {}",
                peers[to].name,
                String::from_utf8_lossy(text)
            ));
        }
    }
    let [a, b] = peers;
    outcome.stderr = [a.finish()?, b.finish()?];
    Ok(outcome)
}

/// What an exchange must end with.
#[derive(Clone, Copy)]
pub enum Expect {
    /// Both sides done, wrap/unwrap both ways, and a done line contains this text.
    Success(&'static str),
    /// This side (`initiator` / `acceptor`) refuses with an error line starting with this kind.
    Refused(&'static str, &'static str),
}

/// Whether the outcome is the expected one.
pub fn judge(o: &Outcome, expect: &Expect) -> Result<(), String> {
    match (expect, &o.error) {
        (Expect::Success(says), None) => {
            if o.done.iter().any(|d| d.contains(says)) {
                Ok(())
            } else {
                Err(format!("no done line mentions `{says}`: {:?}", o.done))
            }
        }
        (Expect::Success(_), Some((side, e))) => Err(format!("{side} failed: {e}")),
        (Expect::Refused(side, kind), Some((who, e))) if who == side && e.starts_with(kind) => {
            Ok(())
        }
        (Expect::Refused(side, kind), Some((who, e))) => Err(format!(
            "expected {side} to refuse with {kind}, got {who}: {e}"
        )),
        (Expect::Refused(side, kind), None) => Err(format!(
            "expected {side} to refuse with {kind}, but both succeeded"
        )),
    }
}
