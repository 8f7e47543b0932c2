//! `sesame rdp-auth` and `sesame rdp-listen`: RDP's network level authentication (MS-RDPBCGR
//! 1.3.1.1, 5.4.5.2), as `xfreerdp +auth-only` does it: the X.224 Connection Request with
//! RDP_NEG_REQ asking for CredSSP (PROTOCOL_HYBRID, HYBRID_EX), the Connection Confirm, TLS on
//! the same TCP stream, then CredSSP's TSRequests (each one DER value) inside TLS, and with
//! HYBRID_EX the server's Early User Authorization Result.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use rustls::pki_types::ServerName;
use sesame_credssp::{
    ClientConfig, ClientStep, CredsspClient, CredsspServer, ServerConfig, ServerStep,
};
use sesame_gss::SecurityContext;

use crate::cli::{ContextArgs, RdpAuthArgs, RdpListenArgs};

/// requestedProtocols / selectedProtocol bits (MS-RDPBCGR 2.2.1.1.1).
const PROTOCOL_SSL: u32 = 0x1;
const PROTOCOL_HYBRID: u32 = 0x2;
const PROTOCOL_HYBRID_EX: u32 = 0x8;
/// RDP_NEG_FAILURE's HYBRID_REQUIRED_BY_SERVER.
const HYBRID_REQUIRED_BY_SERVER: u32 = 0x5;
/// The largest TSRequest taken (a Kerberos AP-REQ with a PAC stays far below).
const MAX_TS_REQUEST: usize = 64 * 1024;

/// A TPKT (RFC 1006) around `body`.
fn tpkt(body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 4).unwrap_or(u16::MAX);
    let mut out = vec![3, 0];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn read_tpkt(stream: &mut impl Read) -> Result<Vec<u8>, String> {
    let mut head = [0u8; 4];
    stream
        .read_exact(&mut head)
        .map_err(|e| format!("X.224: {e}"))?;
    if head[0] != 3 {
        return Err("not a TPKT (not an RDP server?)".into());
    }
    let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
    let mut body = vec![0u8; len.saturating_sub(4)];
    stream
        .read_exact(&mut body)
        .map_err(|e| format!("X.224: {e}"))?;
    Ok(body)
}

/// The X.224 Connection Request (CR TPDU) with a routing cookie and RDP_NEG_REQ.
fn connection_request(user: &str, protocols: u32) -> Vec<u8> {
    let mut tpdu = vec![0xE0, 0, 0, 0, 0, 0];
    tpdu.extend_from_slice(format!("Cookie: mstshash={user}\r\n").as_bytes());
    tpdu.extend_from_slice(&[0x01, 0x00, 0x08, 0x00]);
    tpdu.extend_from_slice(&protocols.to_le_bytes());
    let mut body = vec![u8::try_from(tpdu.len()).unwrap_or(u8::MAX)];
    body.extend(tpdu);
    tpkt(&body)
}

/// The Connection Confirm with RDP_NEG_RSP (`selected`) or RDP_NEG_FAILURE (`failure`).
fn connection_confirm(kind: u8, value: u32) -> Vec<u8> {
    let mut tpdu = vec![0xD0, 0, 0, 0x12, 0x34, 0];
    tpdu.extend_from_slice(&[kind, 0x00, 0x08, 0x00]);
    tpdu.extend_from_slice(&value.to_le_bytes());
    let mut body = vec![u8::try_from(tpdu.len()).unwrap_or(u8::MAX)];
    body.extend(tpdu);
    tpkt(&body)
}

/// The negotiation structure after a CR/CC TPDU's fixed part (LI, code, DST-REF, SRC-REF,
/// class) and, in a request, the cookie line: `(type, value)`.
fn negotiation(tpdu: &[u8], code: u8) -> Result<Option<(u8, u32)>, String> {
    if tpdu.len() < 7 || tpdu[1] & 0xF0 != code {
        return Err(format!("X.224: not the TPDU expected ({code:#04x})"));
    }
    let mut rest = &tpdu[7..];
    if rest.starts_with(b"Cookie:") {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("X.224: cookie without CRLF")?;
        rest = &rest[end + 2..];
    }
    match rest {
        [] => Ok(None),
        [kind, _flags, 8, 0, a, b, c, d, ..] => {
            Ok(Some((*kind, u32::from_le_bytes([*a, *b, *c, *d]))))
        }
        _ => Err("X.224: malformed RDP negotiation structure".into()),
    }
}

/// The peer closed the stream where a TSRequest was due.
const CLOSED: &str = "closed";

/// One TSRequest from the TLS stream: a DER SEQUENCE, its length read from its header; the
/// error [`CLOSED`] when the peer closed the stream instead.
fn read_ts_request(stream: &mut impl Read) -> Result<Vec<u8>, String> {
    let eof = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            CLOSED.to_string()
        } else {
            format!("reading a TSRequest: {e}")
        }
    };
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).map_err(eof)?;
    if head[0] != 0x30 {
        return Err(format!("not a TSRequest (first byte {:#04x})", head[0]));
    }
    let mut value = head.to_vec();
    let len = if head[1] < 0x80 {
        usize::from(head[1])
    } else {
        let n = usize::from(head[1] & 0x7F);
        if n == 0 || n > 4 {
            return Err("TSRequest length of an unsupported form".into());
        }
        let mut bytes = vec![0u8; n];
        stream.read_exact(&mut bytes).map_err(eof)?;
        value.extend_from_slice(&bytes);
        bytes
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b))
    };
    if len > MAX_TS_REQUEST {
        return Err(format!(
            "a TSRequest of {len} bytes (more than {MAX_TS_REQUEST})"
        ));
    }
    let start = value.len();
    value.resize(start + len, 0);
    stream.read_exact(&mut value[start..]).map_err(eof)?;
    Ok(value)
}

fn host_port(server: &str) -> (String, u16) {
    match server.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().unwrap_or(3389)),
        _ => (server.to_string(), 3389),
    }
}

/// `sesame rdp-auth HOST[:PORT]`.
pub fn auth(args: &RdpAuthArgs) -> Result<(), String> {
    let (host, port) = host_port(&args.server);
    let context = ContextArgs {
        mech: args.mech.clone(),
        target: Some(
            args.spn
                .clone()
                .unwrap_or_else(|| format!("TERMSRV/{host}")),
        ),
        user: args.user.clone(),
        ccache: args.ccache.clone(),
        domain: args.domain.clone(),
        password: args.password.clone(),
        packages: args.packages.clone(),
        fallback: args.fallback.clone(),
        accept_fingerprint: args.accept_fingerprint.clone(),
        kerberos: args.kerberos.clone(),
        kdc: args.kdc.clone(),
        ..ContextArgs::default()
    };
    let (config, trust) = crate::credssp::client_tls(&context)?;
    let (client, credentials) = crate::credssp::negotiate_client(&context)?;
    let mut tcp =
        TcpStream::connect((host.as_str(), port)).map_err(|e| format!("{host}:{port}: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let who = rdp_user(args)?;
    let delegated = if matches!(credentials, sesame_credssp::Credentials::RestrictedAdmin) {
        "restricted admin, nothing delegated"
    } else {
        "credentials delegated"
    };
    let cookie = who.rsplit('\\').next().unwrap_or(&who).to_string();
    let selected = negotiate_nla(&mut tcp, &cookie)?;
    let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
    let conn = rustls::ClientConnection::new(config, name).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    // The handshake runs on the first write; a refused certificate says its fingerprint.
    if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
        return Err(match trust.refused() {
            Some(fp) => format!(
                "untrusted-certificate: the server's certificate is not trusted (SHA-256 fingerprint {fp}); give --ca-file, or --accept-fingerprint {fp} if that is the server's"
            ),
            None => format!("tls: {e}"),
        });
    }
    let cert = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("tls: the server sent no certificate")?;
    let key = sesame_asn1::credssp::subject_public_key(cert).map_err(|e| format!("tls: {e}"))?;
    let mut rng = sesame_gss::SystemRandom;
    let mut credssp = CredsspClient::new(client, ClientConfig::new(key, credentials), &mut rng)
        .map_err(|e| credssp_failure(&e))?;
    let mut step = credssp.step(None).map_err(|e| credssp_failure(&e))?;
    loop {
        match step {
            ClientStep::Send(request) => {
                tls.write_all(&request).map_err(|e| format!("tls: {e}"))?;
                let answer = read_ts_request(&mut tls).map_err(|e| {
                    if e == CLOSED {
                        // FreeRDP 2 closes without an errorCode when it refuses the logon.
                        "connection-closed: the server closed the connection during CredSSP, \
                         without an errorCode (a refused logon?)"
                            .to_string()
                    } else {
                        e
                    }
                })?;
                step = credssp
                    .step(Some(&answer))
                    .map_err(|e| credssp_failure(&e))?;
            }
            ClientStep::Done(request) => {
                tls.write_all(&request).map_err(|e| format!("tls: {e}"))?;
                break;
            }
            ClientStep::NeedKdc(_) => return Err("a KDC request inside CredSSP".into()),
        }
    }
    if selected & PROTOCOL_HYBRID_EX != 0 {
        // Early User Authorization Result (MS-RDPBCGR 2.2.10.2).
        let mut result = [0u8; 4];
        tls.read_exact(&mut result)
            .map_err(|e| format!("tls: {e}"))?;
        if u32::from_le_bytes(result) != 0 {
            return Err(format!(
                "access-denied: the server denied user {who} (Early User Authorization Result {:#x})",
                u32::from_le_bytes(result)
            ));
        }
    }
    let mech = credssp
        .context()
        .negotiated()
        .map_or("unknown", |n| n.mechanism);
    println!(
        "rdp-auth: {who} authenticated to {host}:{port} with {mech}, {delegated} (CredSSP v{})",
        credssp.version()
    );
    Ok(())
}

/// Who `rdp-auth` logs on as: `--user`, else the cache's principal.
fn rdp_user(args: &RdpAuthArgs) -> Result<String, String> {
    match (&args.user, &args.ccache) {
        (Some(u), _) => Ok(u.clone()),
        (None, Some(c)) => sesame_kerberos::ccache::Ccache::read(c)
            .map(|c| c.default_principal.to_string())
            .map_err(|e| format!("{c}: {e}")),
        (None, None) => Err("--user or --ccache is required".into()),
    }
}

/// The X.224 exchange of a client asking for CredSSP: the protocol the server selected.
fn negotiate_nla(tcp: &mut TcpStream, user: &str) -> Result<u32, String> {
    tcp.write_all(&connection_request(
        user,
        PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX,
    ))
    .map_err(|e| e.to_string())?;
    match negotiation(&read_tpkt(tcp)?, 0xD0)? {
        Some((0x02, p)) if p & (PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX) != 0 => Ok(p),
        Some((0x02, p)) => Err(format!(
            "the server chose protocol {p:#x}, not CredSSP (network level authentication is off)"
        )),
        Some((0x03, code)) => Err(format!(
            "the server refused the negotiation (failure code {code})"
        )),
        _ => {
            Err("the server offers no network level authentication (standard RDP security)".into())
        }
    }
}

fn credssp_failure(e: &sesame_credssp::CredsspError) -> String {
    format!("{}: {e}", crate::kinds::credssp_kind(e))
}

/// `sesame rdp-listen PORT`.
pub fn listen(args: &RdpListenArgs) -> Result<(), String> {
    let context = ContextArgs {
        mech: "negotiate".into(),
        keytab: args.keytab.clone(),
        ntlm_users: args.ntlm_users.clone(),
        kerberos: args.kerberos.clone(),
        ..ContextArgs::default()
    };
    let acceptor = crate::negotiate::acceptor(&context, "negotiate")?;
    let (config, public_key) = crate::credssp::server_tls(&args.cert, &args.key)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port)).map_err(|e| e.to_string())?;
    eprintln!("rdp-listen: listening on 127.0.0.1:{}", args.port);
    let (mut tcp, peer) = listener.accept().map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let requested = match negotiation(&read_tpkt(&mut tcp)?, 0xE0)? {
        Some((0x01, p)) => p,
        _ => 0,
    };
    if requested & (PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX) == 0 {
        let _ = tcp.write_all(&connection_confirm(0x03, HYBRID_REQUIRED_BY_SERVER));
        return Err(format!(
            "{peer} did not ask for network level authentication (protocols {requested:#x})"
        ));
    }
    let selected = if requested & PROTOCOL_HYBRID_EX != 0 {
        PROTOCOL_HYBRID_EX
    } else {
        PROTOCOL_HYBRID
    };
    tcp.write_all(&connection_confirm(0x02, selected))
        .map_err(|e| e.to_string())?;
    let conn = rustls::ServerConnection::new(config).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut credssp = CredsspServer::new(acceptor, ServerConfig::new(public_key));
    let delegated = loop {
        let request = read_ts_request(&mut tls).map_err(|e| {
            if e == CLOSED {
                "connection-closed: the client closed the connection during CredSSP".to_string()
            } else {
                e
            }
        })?;
        match credssp.step(&request) {
            Ok(ServerStep::Send(answer)) => {
                tls.write_all(&answer).map_err(|e| format!("tls: {e}"))?
            }
            Ok(ServerStep::Done(d)) => break d,
            Err(e) => {
                if let Some(token) = credssp.error_token() {
                    let _ = tls.write_all(token);
                    let _ = tls.flush();
                }
                return Err(credssp_failure(&e));
            }
        }
    };
    if selected == PROTOCOL_HYBRID_EX {
        tls.write_all(&0u32.to_le_bytes())
            .map_err(|e| format!("tls: {e}"))?;
    }
    let _ = tls.flush();
    let ctx = credssp.context();
    println!(
        "rdp-listen: {} authenticated from {peer} with {}, delegated {} credentials",
        ctx.peer_name().map(|p| p.0.as_str()).unwrap_or_default(),
        ctx.negotiated().map_or("unknown", |n| n.mechanism),
        delegated.kind()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x224_negotiation_round_trips() {
        let cr = connection_request("user1", PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX);
        let body = read_tpkt(&mut cr.as_slice()).unwrap();
        assert_eq!(negotiation(&body, 0xE0).unwrap(), Some((0x01, 0xA)));
        let cc = connection_confirm(0x02, PROTOCOL_HYBRID);
        let body = read_tpkt(&mut cc.as_slice()).unwrap();
        assert_eq!(
            negotiation(&body, 0xD0).unwrap(),
            Some((0x02, PROTOCOL_HYBRID))
        );
        assert!(negotiation(&body, 0xE0).is_err());
        // A TSRequest of 300 bytes, length in the long form.
        let mut ts = vec![0x30, 0x82, 0x01, 0x2C];
        ts.extend([0u8; 300]);
        assert_eq!(read_ts_request(&mut ts.as_slice()).unwrap().len(), 304);
        assert!(read_ts_request(&mut [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff].as_slice()).is_err());
    }
}
