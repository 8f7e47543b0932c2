//! A relaying proxy between a CredSSP client and server: it terminates the client's TLS with
//! its own certificate and opens its own TLS to the real server, passing the TSRequests through
//! in clear. The client binds the proxy's key, the server its own: the side that checks must
//! refuse with its fact, and no TSRequest with authInfo (the credentials) may cross the proxy.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sesame_asn1::Der;
use sesame_asn1::credssp::TsRequest;

use crate::util::Result;

/// What a line-protocol peer said.
enum Reply {
    Token(Vec<u8>),
    Done,
    Error(String),
}

struct LinePeer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl LinePeer {
    fn start(cmd: &mut Command) -> Result<Self> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Self {
            child,
            stdin,
            stdout,
        })
    }

    fn send(&mut self, bytes: &[u8]) -> Result {
        let line = base64::engine::general_purpose::STANDARD.encode(bytes);
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| e.to_string())
    }

    fn recv(&mut self) -> Result<Reply> {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let (verb, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        match verb {
            "token" => base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map(Reply::Token)
                .map_err(|e| e.to_string()),
            "done" => Ok(Reply::Done),
            "error" => Ok(Reply::Error(rest.to_string())),
            "" => Ok(Reply::Error("closed".into())),
            other => Err(format!("peer said `{other} {rest}`")),
        }
    }
}

impl Drop for LinePeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The proxy trusts whatever the server shows (it is the attacker).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn feed(conn: &mut rustls::Connection, mut bytes: &[u8]) -> Result {
    while !bytes.is_empty() {
        conn.read_tls(&mut bytes).map_err(|e| e.to_string())?;
        conn.process_new_packets().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn drain(conn: &mut rustls::Connection) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn plaintext(conn: &mut rustls::Connection) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match conn.reader().read_to_end(&mut out) {
        Err(e) if e.kind() != std::io::ErrorKind::WouldBlock => Err(e.to_string()),
        _ => Ok(out),
    }
}

/// `data` as records, drained as rustls's send buffer fills.
fn seal(conn: &mut rustls::Connection, mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let n = conn.writer().write(data).map_err(|e| e.to_string())?;
        out.extend(drain(conn)?);
        data = &data[n..];
    }
    Ok(out)
}

/// How the relayed exchange ended.
pub struct Relayed {
    /// The TSRequests the client sent, as the proxy read them.
    pub from_client: Vec<TsRequest>,
    /// The server's `error` line, if it refused.
    pub server_error: Option<String>,
    /// The client's `error` line, if it refused.
    pub client_error: Option<String>,
}

/// What the proxy does to the messages it passes on.
pub struct Tamper<'a> {
    /// Each server TSRequest, decoded, on its way to the client.
    pub to_client: &'a dyn Fn(&mut TsRequest),
    /// The bytes of each client TSRequest on their way to the server.
    pub to_server: &'a dyn Fn(&mut Vec<u8>),
}

/// Runs `client` (initiator) and `server` (acceptor) through the proxy, which presents
/// `cert`/`key` to the client and alters what it passes on as `tamper` says.
pub fn relay(
    client: &mut Command,
    server: &mut Command,
    cert: &str,
    key: &str,
    tamper: &Tamper<'_>,
) -> Result<Relayed> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
        .map_err(|e| format!("{cert}: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{key}: {e}"))?;
    let to_client = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| e.to_string())?;
    let to_server = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let mut s: rustls::Connection = rustls::ServerConnection::new(Arc::new(to_client))
        .map_err(|e| e.to_string())?
        .into();
    let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let mut c: rustls::Connection = rustls::ClientConnection::new(Arc::new(to_server), name)
        .map_err(|e| e.to_string())?
        .into();
    let mut a = LinePeer::start(client)?;
    let mut b = LinePeer::start(server)?;
    let mut out = Relayed {
        from_client: Vec::new(),
        server_error: None,
        client_error: None,
    };
    // The proxy's own TLS to the server first, to its end (the server answers every token).
    while c.is_handshaking() || c.wants_write() {
        b.send(&drain(&mut c)?)?;
        match b.recv()? {
            Reply::Token(t) => feed(&mut c, &t)?,
            Reply::Error(e) => {
                out.server_error = Some(e);
                return Ok(out);
            }
            Reply::Done => return Err("the server finished during TLS".into()),
        }
    }
    let mut from_a = match a.recv()? {
        Reply::Token(t) => t,
        Reply::Error(e) => {
            out.client_error = Some(e);
            return Ok(out);
        }
        Reply::Done => return Err("the client finished before sending".into()),
    };
    loop {
        feed(&mut s, &from_a)?;
        let mut to_a = drain(&mut s)?;
        let mut request = if s.is_handshaking() {
            Vec::new()
        } else {
            plaintext(&mut s)?
        };
        if !request.is_empty() {
            out.from_client
                .push(TsRequest::from_der(&request).map_err(|e| e.to_string())?);
            (tamper.to_server)(&mut request);
            b.send(&seal(&mut c, &request)?)?;
            match b.recv()? {
                Reply::Token(t) => {
                    feed(&mut c, &t)?;
                    let mut answer = plaintext(&mut c)?;
                    if !answer.is_empty() {
                        let mut ts = TsRequest::from_der(&answer).map_err(|e| e.to_string())?;
                        (tamper.to_client)(&mut ts);
                        answer = ts.to_der().map_err(|e| e.to_string())?;
                    }
                    to_a.extend(seal(&mut s, &answer)?);
                }
                Reply::Error(e) => {
                    out.server_error = Some(e);
                    return Ok(out);
                }
                Reply::Done => return Ok(out),
            }
        }
        a.send(&to_a)?;
        match a.recv()? {
            Reply::Token(t) => from_a = t,
            Reply::Done => return Ok(out),
            Reply::Error(e) => {
                out.client_error = Some(e);
                return Ok(out);
            }
        }
    }
}
