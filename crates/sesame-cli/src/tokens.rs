//! `sesame init` and `sesame accept`: a security context driven over the token line protocol.
//!
//! Out (stdout), one per line: `token <base64>` (send to the peer), `done <mech> <peer-name>`,
//! `error <kind> <message>` (then exit status 1), `wrapped <base64>`, `plain <base64>`.
//! In (stdin): a base64 token from the peer; after `done`, `wrap <base64>` and
//! `unwrap <base64>`. End of input ends the process with status 0. See docs/cli.md.

use std::io::{BufRead, Write};

use base64::Engine as _;
use sesame_gss::{Input, MessageProtection, SecurityContext, Step};

use crate::cli::ContextArgs;

/// A context that can also protect messages.
trait Context: SecurityContext + MessageProtection {
    /// For mechanism-specific results once established (a Kerberos acceptor's delegation).
    fn as_any(&self) -> &dyn std::any::Any;
}
impl<T: SecurityContext + MessageProtection + 'static> Context for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A failure on the protocol: its `error` line.
struct Failure {
    kind: String,
    message: String,
}

impl From<sesame_gss::Error> for Failure {
    fn from(e: sesame_gss::Error) -> Self {
        Self {
            kind: crate::kinds::of(&e),
            message: e.to_string(),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        kind: "usage".into(),
        message: message.into(),
    }
}

/// A context (an initiator does its KDC exchanges inside its steps), and where to write the
/// credentials a Kerberos acceptor is delegated.
struct Session {
    ctx: Box<dyn Context>,
    delegated_ccache: Option<String>,
    show_pac: bool,
}

impl Session {
    fn plain(ctx: Box<dyn Context>) -> Self {
        Self {
            ctx,
            delegated_ccache: None,
            show_pac: false,
        }
    }
}

pub fn init(args: &ContextArgs) -> Result<(), String> {
    run_protocol(
        || {
            if args.mech == "credssp" {
                let client = crate::credssp::CredsspInitiator::new(args).map_err(usage)?;
                return Ok(Session::plain(Box::new(client)));
            }
            let client = crate::negotiate::initiator(args, args.mech.as_str()).map_err(usage)?;
            Ok(Session::plain(Box::new(client)))
        },
        true,
    )
}

pub fn accept(args: &ContextArgs) -> Result<(), String> {
    run_protocol(
        || {
            let mut session = if args.mech == "credssp" {
                let ctx = crate::credssp::CredsspAcceptor::new(args).map_err(usage)?;
                Session::plain(Box::new(ctx))
            } else {
                let ctx = crate::negotiate::acceptor(args, args.mech.as_str()).map_err(usage)?;
                Session::plain(Box::new(ctx))
            };
            session.delegated_ccache.clone_from(&args.delegated_ccache);
            session.show_pac = args.show_pac;
            Ok(session)
        },
        false,
    )
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Runs the protocol; on failure an `error` line on stdout, and the reason returned (main
/// repeats it on stderr and exits with status 1).
fn run_protocol(
    make: impl FnOnce() -> Result<Session, Failure>,
    initiator: bool,
) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    let result = make().and_then(|mut session| converse(&mut session, initiator, &mut out));
    match result {
        Ok(()) => Ok(()),
        Err(f) => {
            let message = f.message.replace('\n', " ");
            let _ = writeln!(out, "error {} {message}", f.kind);
            let _ = out.flush();
            Err(format!("{}: {message}", f.kind))
        }
    }
}

fn say(out: &mut impl Write, line: &str) -> Result<(), Failure> {
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure {
            kind: "io".into(),
            message: e.to_string(),
        })
}

/// A token or message read from standard input; not base64 is a `bad-base64` error line.
fn decode_base64(text: &str) -> Result<Vec<u8>, Failure> {
    b64().decode(text).map_err(|e| Failure {
        kind: "bad-base64".into(),
        message: e.to_string(),
    })
}

fn converse(session: &mut Session, initiator: bool, out: &mut impl Write) -> Result<(), Failure> {
    let ctx = session.ctx.as_mut();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut next_line = || -> Result<Option<String>, Failure> {
        lines.next().transpose().map_err(|e| Failure {
            kind: "io".into(),
            message: e.to_string(),
        })
    };
    let mut input: Option<Vec<u8>> = None;
    if !initiator {
        let Some(line) = next_line()? else {
            return Ok(());
        };
        input = Some(decode_base64(line.trim())?);
    }
    loop {
        let first = match &input {
            None => Input::Start,
            Some(t) => Input::Token(t),
        };
        let step = ctx.step(first)?;
        match step {
            Step::Continue(token) => say(out, &format!("token {}", b64().encode(token)))?,
            Step::Complete(token) => {
                if let Some(token) = token {
                    say(out, &format!("token {}", b64().encode(token)))?;
                }
                let peer = ctx.peer_name().map(|p| p.0.clone()).unwrap_or_default();
                let mech = report(ctx, session.show_pac);
                if let Some(name) = session.delegated_ccache.take() {
                    crate::kerberos::store_delegated(ctx.as_any(), &name).map_err(|e| Failure {
                        kind: "ccache".into(),
                        message: e,
                    })?;
                }
                say(out, &format!("done {mech} {peer}"))?;
                break;
            }
            Step::NeedKdc(_) => {
                return Err(Failure {
                    kind: "failure".into(),
                    message: "a KDC request without a transport".into(),
                });
            }
        }
        let Some(line) = next_line()? else {
            return Ok(());
        };
        input = Some(decode_base64(line.trim())?);
    }
    // Message protection on request.
    while let Some(line) = next_line()? {
        let (verb, data) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let data = decode_base64(data)?;
        match verb {
            "wrap" => {
                let token = ctx.wrap(&data, true)?;
                say(out, &format!("wrapped {}", b64().encode(token)))?;
            }
            "unwrap" => {
                let (plain, _) = ctx.unwrap(&data)?;
                say(out, &format!("plain {}", b64().encode(plain)))?;
            }
            other => return Err(usage(format!("unknown request `{other}` (wrap or unwrap)"))),
        }
    }
    Ok(())
}

/// What an established context reports on standard error (the fallback, the service the
/// ticket was for, delegated CredSSP credentials, the PAC); returns the mechanism for `done`.
fn report(ctx: &dyn Context, show_pac: bool) -> String {
    let credssp = ctx.as_any().is::<crate::credssp::CredsspInitiator>()
        || ctx.as_any().is::<crate::credssp::CredsspAcceptor>();
    let (mech, fallback) = if credssp {
        ("credssp".to_string(), None)
    } else {
        crate::negotiate::describe(ctx.as_any()).unwrap_or_else(|| {
            let name = sesame_asn1::oid::mech_name(ctx.mechanism()).unwrap_or("unknown");
            (name.to_string(), None)
        })
    };
    if let Some(reason) = fallback {
        if mech.ends_with("iakerb") {
            eprintln!("sesame: Kerberos through the server (IAKerb), not NTLM: {reason}");
        } else {
            eprintln!("sesame: fell back to NTLM: {reason}");
        }
    }
    let acceptor = ctx.as_any().downcast_ref::<sesame_negotiate::Acceptor>();
    if let Some(server) = acceptor
        .and_then(sesame_negotiate::Acceptor::kerberos)
        .and_then(sesame_kerberos::gssapi::KerberosAcceptor::server)
    {
        eprintln!("sesame: accepted for {server}");
    }
    if let Some(d) = ctx
        .as_any()
        .downcast_ref::<crate::credssp::CredsspAcceptor>()
        .and_then(crate::credssp::CredsspAcceptor::delegated)
    {
        eprintln!("sesame: delegated {} credentials: {d:?}", d.kind());
    }
    if show_pac {
        match acceptor.and_then(sesame_negotiate::Acceptor::pac) {
            Some(pac) => {
                for line in crate::pac::summary(pac) {
                    eprintln!("{line}");
                }
            }
            None => eprintln!("PAC: none"),
        }
    }
    mech
}
