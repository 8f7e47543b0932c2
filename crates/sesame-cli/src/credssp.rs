//! `sesame init|accept --mech credssp`: CredSSP inside TLS over the token line protocol, the
//! TLS records being the tokens, as pyspnego's CredSSP context exchanges them. rustls runs over
//! in-memory buffers; sesame-credssp runs inside it over the front door's Negotiate contexts.
//!
//! Trust is never silent: the initiator takes the server's certificate only when `--ca-file`
//! anchors it or `--accept-fingerprint` names its SHA-256 fingerprint; a refusal prints the
//! fingerprint (as ssh prints a host key's).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sesame_credssp::{
    ClientConfig, ClientStep, Credentials, CredsspClient, CredsspError, CredsspServer, Delegated,
    ServerConfig, ServerStep,
};
use sesame_gss::{
    ContextFlags, Input, MajorStatus, MessageProtection, PeerName, SecurityContext, Step, Unwrapped,
};
use sesame_negotiate::{Acceptor, Client};
use sha2::{Digest, Sha256};

use crate::cli::ContextArgs;

/// Why the CredSSP-in-TLS context stopped, for the `error` line's kind.
#[derive(Debug, thiserror::Error)]
pub enum TlsCredsspError {
    /// TLS failed (handshake, record, certificate).
    #[error("TLS: {0}")]
    Tls(String),
    /// The server's certificate is anchored by nothing given.
    #[error(
        "the server's certificate is not trusted (SHA-256 fingerprint {0}); give --ca-file, or --accept-fingerprint {0} if that is the server's"
    )]
    Untrusted(String),
    /// CredSSP itself refused.
    #[error(transparent)]
    Credssp(#[from] CredsspError),
}

impl TlsCredsspError {
    /// The `error` line's kind.
    pub fn kind(&self) -> String {
        match self {
            Self::Tls(_) => "tls".into(),
            Self::Untrusted(_) => "untrusted-certificate".into(),
            Self::Credssp(e) => crate::kinds::credssp_kind(e),
        }
    }
}

fn fail(e: impl Into<TlsCredsspError>) -> sesame_gss::Error {
    sesame_gss::Error::new(MajorStatus::Failure, e.into())
}

fn tls(e: impl std::fmt::Display) -> sesame_gss::Error {
    fail(TlsCredsspError::Tls(e.to_string()))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS connection over byte buffers, and the application data it has received.
struct Pipe(rustls::Connection, Vec<u8>);

/// The most application data taken before the CredSSP layer reads it (a TSRequest with a
/// Kerberos ticket and its PAC stays far below).
const MAX_RECEIVED: usize = 1 << 20;

impl Pipe {
    fn new(conn: impl Into<rustls::Connection>) -> Self {
        Self(conn.into(), Vec::new())
    }

    /// Takes the peer's records, moving their plaintext out as it comes (rustls holds only a
    /// bounded amount of received plaintext).
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), sesame_gss::Error> {
        while !bytes.is_empty() {
            self.0.read_tls(&mut bytes).map_err(tls)?;
            self.0.process_new_packets().map_err(tls)?;
            match self.0.reader().read_to_end(&mut self.1) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(tls(e)),
            }
            if self.1.len() > MAX_RECEIVED {
                return Err(tls(format!(
                    "the peer sent more than {MAX_RECEIVED} bytes of application data at once"
                )));
            }
        }
        Ok(())
    }

    /// The records to send.
    fn drain(&mut self) -> Result<Vec<u8>, sesame_gss::Error> {
        let mut out = Vec::new();
        while self.0.wants_write() {
            self.0.write_tls(&mut out).map_err(tls)?;
        }
        Ok(out)
    }

    /// The application data received so far.
    fn plaintext(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.1)
    }

    /// `data` as application data records, drained as rustls's send buffer fills.
    fn seal(&mut self, mut data: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        let mut out = Vec::new();
        while !data.is_empty() {
            let n = self.0.writer().write(data).map_err(tls)?;
            out.extend(self.drain()?);
            data = &data[n..];
        }
        Ok(out)
    }
}

/// The SHA-256 fingerprint of a certificate, `AB:CD:...`.
fn fingerprint(cert: &[u8]) -> String {
    Sha256::digest(cert)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Takes the certificate that `--accept-fingerprint` names, else what `--ca-file` anchors;
/// handshake signatures are checked either way.
#[derive(Debug)]
pub struct Trust {
    fingerprint: Option<String>,
    anchors: Option<Arc<dyn ServerCertVerifier>>,
    provider: Arc<CryptoProvider>,
    refused: Mutex<Option<String>>,
}

impl ServerCertVerifier for Trust {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = fingerprint(end_entity);
        if self.fingerprint.as_deref() == Some(seen.as_str()) {
            return Ok(ServerCertVerified::assertion());
        }
        if let Some(anchors) = &self.anchors
            && let Ok(v) = anchors.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )
        {
            return Ok(v);
        }
        if let Ok(mut refused) = self.refused.lock() {
            *refused = Some(seen);
        }
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `AB:CD...` or `abcd...` to the canonical `AB:CD:...` form; 32 bytes.
fn parse_fingerprint(text: &str) -> Result<String, String> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "--accept-fingerprint takes 64 hex digits, not {text}"
        ));
    }
    Ok(hex
        .to_ascii_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

enum ClientPhase {
    /// The TLS handshake; CredSSP waits for the server's key.
    Handshake(Box<(Client, Credentials)>),
    /// Our Finished went alone; the server's next token (tickets, or nothing) comes first.
    AfterFinished(Box<(Client, Credentials)>),
    Credssp(Box<CredsspClient<Client>>),
    Done(Box<CredsspClient<Client>>),
    Failed,
}

/// The initiator: TLS client, then CredSSP over Negotiate.
pub struct CredsspInitiator {
    pipe: Pipe,
    phase: ClientPhase,
    trust: Arc<Trust>,
    target: PeerName,
}

impl CredsspInitiator {
    /// From `init --mech credssp`: the front door's client (Negotiate, mutual), the TLS server
    /// name from the target's host, the trust flags, and the password credentials to delegate.
    pub fn new(args: &ContextArgs) -> Result<Self, String> {
        let target = args.target.clone().ok_or("--target is required")?;
        let host = target
            .split('@')
            .next()
            .and_then(|s| s.split('/').nth(1))
            .unwrap_or("localhost")
            .to_string();
        let (config, trust) = client_tls(args)?;
        let name = ServerName::try_from(host).map_err(|e| e.to_string())?;
        let conn = rustls::ClientConnection::new(config, name).map_err(|e| e.to_string())?;
        let (client, credentials) = negotiate_client(args)?;
        Ok(Self {
            pipe: Pipe::new(conn),
            phase: ClientPhase::Handshake(Box::new((client, credentials))),
            trust,
            target: PeerName(target),
        })
    }

    fn refusal(&self, e: sesame_gss::Error) -> sesame_gss::Error {
        match self.trust.refused() {
            Some(fp) => fail(TlsCredsspError::Untrusted(fp)),
            None => e,
        }
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        match input {
            Input::Start => return Ok(Step::Continue(self.pipe.drain()?)),
            Input::Token(bytes) => self.pipe.feed(bytes).map_err(|e| self.refusal(e))?,
            Input::KdcReply(_) => return Err(sesame_gss::Error::bare(MajorStatus::NoContext)),
        }
        match std::mem::replace(&mut self.phase, ClientPhase::Failed) {
            ClientPhase::Handshake(pending) => {
                let out = self.pipe.drain()?;
                if self.pipe.0.is_handshaking() {
                    self.phase = ClientPhase::Handshake(pending);
                    Ok(Step::Continue(out))
                } else if out.is_empty() {
                    self.start(*pending)
                } else {
                    self.phase = ClientPhase::AfterFinished(pending);
                    Ok(Step::Continue(out))
                }
            }
            ClientPhase::AfterFinished(pending) => self.start(*pending),
            ClientPhase::Credssp(mut credssp) => {
                let request = self.pipe.plaintext();
                let step = credssp.step(Some(&request)).map_err(fail)?;
                self.answer(credssp, step)
            }
            ClientPhase::Done(_) | ClientPhase::Failed => {
                Err(sesame_gss::Error::bare(MajorStatus::NoContext))
            }
        }
    }

    /// The handshake is over: CredSSP starts, bound to the key of the certificate TLS took.
    fn start(
        &mut self,
        (client, credentials): (Client, Credentials),
    ) -> Result<Step, sesame_gss::Error> {
        let rustls::Connection::Client(conn) = &self.pipe.0 else {
            return Err(sesame_gss::Error::bare(MajorStatus::NoContext));
        };
        let cert = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .ok_or_else(|| tls("the server sent no certificate"))?;
        let key = sesame_asn1::credssp::subject_public_key(cert)
            .map_err(|e| tls(format!("the server's certificate: {e}")))?;
        let mut rng = sesame_gss::SystemRandom;
        let mut credssp = Box::new(
            CredsspClient::new(client, ClientConfig::new(key, credentials), &mut rng)
                .map_err(fail)?,
        );
        let step = credssp.step(None).map_err(fail)?;
        self.answer(credssp, step)
    }

    fn answer(
        &mut self,
        credssp: Box<CredsspClient<Client>>,
        step: ClientStep,
    ) -> Result<Step, sesame_gss::Error> {
        match step {
            ClientStep::Send(request) => {
                let out = self.pipe.seal(&request)?;
                self.phase = ClientPhase::Credssp(credssp);
                Ok(Step::Continue(out))
            }
            ClientStep::Done(request) => {
                let out = self.pipe.seal(&request)?;
                self.phase = ClientPhase::Done(credssp);
                Ok(Step::Complete(Some(out)))
            }
            ClientStep::NeedKdc(_) => Err(sesame_gss::Error::bare(MajorStatus::Failure)),
        }
    }
}

/// The TLS client configuration of a CredSSP initiator: `--ca-file` anchors and
/// `--accept-fingerprint`, nothing else; the returned trust remembers a refused fingerprint.
pub fn client_tls(args: &ContextArgs) -> Result<(Arc<rustls::ClientConfig>, Arc<Trust>), String> {
    let provider = provider();
    let anchors = match &args.kdc.ca_file {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| format!("{path}: {e}"))? {
                roots
                    .add(cert.map_err(|e| format!("{path}: {e}"))?)
                    .map_err(|e| format!("{path}: {e}"))?;
            }
            let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| e.to_string())?;
            Some(verifier as Arc<dyn ServerCertVerifier>)
        }
        None => None,
    };
    let trust = Arc::new(Trust {
        fingerprint: args
            .accept_fingerprint
            .as_deref()
            .map(parse_fingerprint)
            .transpose()?,
        anchors,
        provider: provider.clone(),
        refused: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(trust.clone())
        .with_no_client_auth();
    Ok((Arc::new(config), trust))
}

/// The front door's client for CredSSP (mutual authentication always) and the credentials to
/// delegate.
pub fn negotiate_client(args: &ContextArgs) -> Result<(Client, Credentials), String> {
    let negotiate_args = ContextArgs {
        mutual: true,
        ..args.clone()
    };
    let mech = match args.mech.as_str() {
        "credssp" => "negotiate",
        other => other,
    };
    let client = crate::negotiate::initiator(&negotiate_args, mech)?;
    Ok((client, delegation(args)?))
}

/// The TLS server configuration of `--cert`/`--key`, and the certificate's SubjectPublicKey.
pub fn server_tls(
    cert_path: &str,
    key_path: &str,
) -> Result<(Arc<rustls::ServerConfig>, Vec<u8>), String> {
    let certs = CertificateDer::pem_file_iter(cert_path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| format!("{cert_path}: {e}"))?;
    let first = certs
        .first()
        .ok_or_else(|| format!("{cert_path}: no certificate"))?;
    let public_key =
        sesame_asn1::credssp::subject_public_key(first).map_err(|e| format!("{cert_path}: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| format!("{key_path}: {e}"))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| e.to_string())?;
    Ok((Arc::new(config), public_key))
}

impl Trust {
    /// The fingerprint of a certificate this trust refused, if it refused one.
    pub fn refused(&self) -> Option<String> {
        self.refused.lock().ok().and_then(|r| r.clone())
    }
}

/// What `init --mech credssp` delegates: `--user` (DOMAIN\user or user with `--domain`) and the
/// same password the context uses; with `--ccache` and no password, restricted admin mode.
pub fn delegation(args: &ContextArgs) -> Result<Credentials, String> {
    let password_given =
        args.password.password_env.is_some() || args.password.password_file.is_some();
    // Kerberos from a cache without a password: restricted admin mode, nothing reusable.
    let Some(user) = args
        .user
        .as_deref()
        .filter(|_| password_given || args.ccache.is_none())
    else {
        return if args.ccache.is_some() {
            Ok(Credentials::RestrictedAdmin)
        } else {
            Err("--user is required for CredSSP".into())
        };
    };
    let (domain, name) = match user.split_once('\\') {
        Some((d, u)) => (d.to_string(), u.to_string()),
        None => (args.domain.clone().unwrap_or_default(), user.to_string()),
    };
    let password = crate::password::read(&args.password, &format!("Password for {user}: "))?;
    Ok(Credentials::password(&domain, &name, &password))
}

enum ServerPhase {
    Handshake(Box<Acceptor>),
    Credssp(Box<CredsspServer<Acceptor>>),
    Done(Box<(CredsspServer<Acceptor>, Delegated)>),
    Failed,
}

/// The acceptor: TLS server with `--cert`/`--key`, then CredSSP over Negotiate.
pub struct CredsspAcceptor {
    pipe: Pipe,
    phase: ServerPhase,
    public_key: Vec<u8>,
}

impl CredsspAcceptor {
    /// From `accept --mech credssp --cert --key` and the Negotiate acceptor's flags.
    pub fn new(args: &ContextArgs) -> Result<Self, String> {
        let cert_path = args.cert.as_deref().ok_or("--cert FILE is required")?;
        let key_path = args.key.as_deref().ok_or("--key FILE is required")?;
        let (config, public_key) = server_tls(cert_path, key_path)?;
        let conn = rustls::ServerConnection::new(config).map_err(|e| e.to_string())?;
        let acceptor = crate::negotiate::acceptor(args, "negotiate")?;
        Ok(Self {
            pipe: Pipe::new(conn),
            phase: ServerPhase::Handshake(Box::new(acceptor)),
            public_key,
        })
    }

    /// What the client delegated, once done.
    pub fn delegated(&self) -> Option<&Delegated> {
        match &self.phase {
            ServerPhase::Done(done) => Some(&done.1),
            _ => None,
        }
    }

    fn advance(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        let Input::Token(bytes) = input else {
            return Err(sesame_gss::Error::bare(MajorStatus::NoContext));
        };
        self.pipe.feed(bytes)?;
        match std::mem::replace(&mut self.phase, ServerPhase::Failed) {
            ServerPhase::Handshake(acceptor) => {
                let out = self.pipe.drain()?;
                if self.pipe.0.is_handshaking() {
                    self.phase = ServerPhase::Handshake(acceptor);
                    return Ok(Step::Continue(out));
                }
                let config = ServerConfig::new(self.public_key.clone());
                let credssp = Box::new(CredsspServer::new(*acceptor, config));
                // The handshake's last records (or nothing, and the client speaks next), unless
                // the client's first TSRequest came with its Finished.
                self.respond(credssp, out)
            }
            ServerPhase::Credssp(credssp) => self.respond(credssp, Vec::new()),
            ServerPhase::Done(_) | ServerPhase::Failed => {
                Err(sesame_gss::Error::bare(MajorStatus::NoContext))
            }
        }
    }

    /// The client's TSRequest, if one arrived, through CredSSP; the answer after `prefix`.
    fn respond(
        &mut self,
        mut credssp: Box<CredsspServer<Acceptor>>,
        mut out: Vec<u8>,
    ) -> Result<Step, sesame_gss::Error> {
        let request = self.pipe.plaintext();
        if request.is_empty() {
            self.phase = ServerPhase::Credssp(credssp);
            return Ok(Step::Continue(out));
        }
        match credssp.step(&request).map_err(fail)? {
            ServerStep::Send(answer) => {
                out.extend(self.pipe.seal(&answer)?);
                self.phase = ServerPhase::Credssp(credssp);
                Ok(Step::Continue(out))
            }
            ServerStep::Done(delegated) => {
                self.phase = ServerPhase::Done(Box::new((*credssp, delegated)));
                Ok(Step::Complete((!out.is_empty()).then_some(out)))
            }
        }
    }
}

/// After the exchange, messages are TLS application data (as pyspnego's CredSSP wraps them).
fn seal_after(pipe: &mut Pipe, done: bool, buf: &mut Vec<u8>) -> Result<(), sesame_gss::Error> {
    if !done {
        return Err(sesame_gss::Error::bare(MajorStatus::NoContext));
    }
    *buf = pipe.seal(buf)?;
    Ok(())
}

fn open_after<'a>(
    pipe: &mut Pipe,
    done: bool,
    buf: &'a mut [u8],
) -> Result<Unwrapped<'a>, sesame_gss::Error> {
    if !done {
        return Err(sesame_gss::Error::bare(MajorStatus::NoContext));
    }
    pipe.feed(buf)?;
    let plain = pipe.plaintext();
    let n = plain.len().min(buf.len());
    buf[..n].copy_from_slice(&plain[..n]);
    Ok(Unwrapped {
        message: &mut buf[..n],
        confidential: true,
    })
}

impl SecurityContext for CredsspInitiator {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        self.advance(input)
    }

    fn is_established(&self) -> bool {
        matches!(self.phase, ClientPhase::Done(_))
    }

    fn flags(&self) -> ContextFlags {
        match &self.phase {
            ClientPhase::Credssp(c) | ClientPhase::Done(c) => c.context().flags(),
            _ => ContextFlags::NONE,
        }
    }

    fn mechanism(&self) -> &'static [u32] {
        match &self.phase {
            ClientPhase::Credssp(c) | ClientPhase::Done(c) => c.context().mechanism(),
            _ => &[1, 3, 6, 1, 5, 5, 2],
        }
    }

    fn peer_name(&self) -> Option<&PeerName> {
        self.is_established().then_some(&self.target)
    }
}

impl MessageProtection for CredsspInitiator {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, _: bool) -> Result<(), sesame_gss::Error> {
        let done = self.is_established();
        seal_after(&mut self.pipe, done, buf)
    }

    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        let done = self.is_established();
        open_after(&mut self.pipe, done, buf)
    }

    fn get_mic(&mut self, _: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        Err(sesame_gss::Error::bare(MajorStatus::Unavailable))
    }

    fn verify_mic(&mut self, _: &[u8], _: &[u8]) -> Result<(), sesame_gss::Error> {
        Err(sesame_gss::Error::bare(MajorStatus::Unavailable))
    }
}

impl SecurityContext for CredsspAcceptor {
    fn step(&mut self, input: Input<'_>) -> Result<Step, sesame_gss::Error> {
        self.advance(input)
    }

    fn is_established(&self) -> bool {
        matches!(self.phase, ServerPhase::Done(_))
    }

    fn flags(&self) -> ContextFlags {
        match &self.phase {
            ServerPhase::Credssp(c) => c.context().flags(),
            ServerPhase::Done(done) => done.0.context().flags(),
            _ => ContextFlags::NONE,
        }
    }

    fn mechanism(&self) -> &'static [u32] {
        match &self.phase {
            ServerPhase::Credssp(c) => c.context().mechanism(),
            ServerPhase::Done(done) => done.0.context().mechanism(),
            _ => &[1, 3, 6, 1, 5, 5, 2],
        }
    }

    fn peer_name(&self) -> Option<&PeerName> {
        match &self.phase {
            ServerPhase::Done(done) => done.0.context().peer_name(),
            _ => None,
        }
    }
}

impl MessageProtection for CredsspAcceptor {
    fn wrap_in_place(&mut self, buf: &mut Vec<u8>, _: bool) -> Result<(), sesame_gss::Error> {
        let done = self.is_established();
        seal_after(&mut self.pipe, done, buf)
    }

    fn unwrap_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
    ) -> Result<Unwrapped<'a>, sesame_gss::Error> {
        let done = self.is_established();
        open_after(&mut self.pipe, done, buf)
    }

    fn get_mic(&mut self, _: &[u8]) -> Result<Vec<u8>, sesame_gss::Error> {
        Err(sesame_gss::Error::bare(MajorStatus::Unavailable))
    }

    fn verify_mic(&mut self, _: &[u8], _: &[u8]) -> Result<(), sesame_gss::Error> {
        Err(sesame_gss::Error::bare(MajorStatus::Unavailable))
    }
}
