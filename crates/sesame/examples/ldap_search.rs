//! An LDAP client's SASL bind to an Active Directory DC, then a search over the protection the
//! bind set up: `GSSAPI` (RFC 4752, Kerberos, with its security-layer negotiation) or
//! `GSS-SPNEGO` (Negotiate: Kerberos, or NTLM by the fallback policy, the LDAP messages then
//! signed and sealed by the context as AD does), over `ldap://` or over `ldaps://` with
//! tls-server-end-point channel bindings (what Windows Server 2025 requires by default).
//!
//! ```text
//! cargo run -p sesame --example ldap_search -- URL MECH SPN USER BASE FILTER_SAM [CA.pem]
//!   URL   ldap://127.0.0.1:389 or ldaps://127.0.0.1:636
//!   MECH  GSSAPI | GSS-SPNEGO | GSS-SPNEGO-NTLM (NTLM only)
//!   SPN   ldap/dc1, USER user1@SAMBA.TEST (password from SESAME_PW), BASE DC=samba,DC=test
//! ```
//! Prints the entry whose sAMAccountName is FILTER_SAM, its objectSid, and how the bind went.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rasn_ldap::{
    AttributeValueAssertion, AuthenticationChoice, BindRequest, Filter, LdapMessage, ProtocolOp,
    ResultCode, SaslCredentials, SearchRequest, SearchRequestDerefAliases, SearchRequestScope,
};
use rustls::pki_types::pem::PemObject;
use sesame::{ChannelBindings, Client, ContextFlags, Mechanism, MessageProtection};

type Error = Box<dyn std::error::Error>;

/// The TCP stream, or TLS over it.
enum Transport {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

/// How LDAP messages travel after the bind (RFC 4752 3.1; AD's GSS-SPNEGO sign and seal).
#[derive(Clone, Copy, PartialEq)]
enum Layer {
    None,
    Integrity,
    Confidentiality,
}

struct Connection {
    io: Transport,
    client: Client,
    layer: Layer,
    next_id: u32,
    /// Unwrapped bytes not yet decoded: one SASL buffer may carry several LDAP messages.
    pending: Vec<u8>,
}

/// One BER element (a definite length; LDAP servers send nothing else).
fn read_element(io: &mut impl Read) -> Result<Vec<u8>, Error> {
    let mut head = [0u8; 2];
    io.read_exact(&mut head)?;
    let mut out = head.to_vec();
    let len = if head[1] < 0x80 {
        usize::from(head[1])
    } else {
        let n = usize::from(head[1] & 0x7F);
        let mut b = vec![0u8; n];
        io.read_exact(&mut b)?;
        out.extend_from_slice(&b);
        b.iter().fold(0usize, |a, x| a << 8 | usize::from(*x))
    };
    if len > 16 << 20 {
        return Err("an LDAP message over 16 MiB".into());
    }
    let start = out.len();
    out.resize(start + len, 0);
    io.read_exact(&mut out[start..])?;
    Ok(out)
}

impl Connection {
    fn send(&mut self, op: ProtocolOp) -> Result<u32, Error> {
        self.next_id += 1;
        let bytes = rasn::ber::encode(&LdapMessage::new(self.next_id, op))?;
        if self.layer == Layer::None {
            self.io.write_all(&bytes)?;
        } else {
            let sealed = self
                .client
                .wrap(&bytes, self.layer == Layer::Confidentiality)?;
            let len = u32::try_from(sealed.len())?;
            self.io.write_all(&len.to_be_bytes())?;
            self.io.write_all(&sealed)?;
        }
        Ok(self.next_id)
    }

    fn receive(&mut self) -> Result<LdapMessage, Error> {
        if self.layer == Layer::None {
            return Ok(rasn::ber::decode(&read_element(&mut self.io)?)?);
        }
        loop {
            if !self.pending.is_empty() {
                let mut rest = self.pending.as_slice();
                if let Ok(element) = read_element(&mut rest) {
                    let consumed = self.pending.len() - rest.len();
                    let message = rasn::ber::decode(&element)?;
                    self.pending.drain(..consumed);
                    return Ok(message);
                }
            }
            let mut len = [0u8; 4];
            self.io.read_exact(&mut len)?;
            let mut sealed = vec![0u8; usize::try_from(u32::from_be_bytes(len))?];
            self.io.read_exact(&mut sealed)?;
            let (plain, confidential) = self.client.unwrap(&sealed)?;
            if self.layer == Layer::Confidentiality && !confidential {
                return Err("the server did not seal a message of the sealed layer".into());
            }
            self.pending.extend_from_slice(&plain);
        }
    }

    /// One SASL bind round: the server's result code and its credentials.
    fn bind(
        &mut self,
        mech: &str,
        token: Option<Vec<u8>>,
    ) -> Result<(ResultCode, Vec<u8>, String), Error> {
        let request = BindRequest::new(
            3,
            String::new().into(),
            AuthenticationChoice::Sasl(SaslCredentials::new(mech.into(), token.map(Into::into))),
        );
        self.send(ProtocolOp::BindRequest(request))?;
        match self.receive()?.protocol_op {
            ProtocolOp::BindResponse(r) => Ok((
                r.result_code,
                r.server_sasl_creds.map(|c| c.to_vec()).unwrap_or_default(),
                r.diagnostic_message.to_string(),
            )),
            other => Err(format!("not a BindResponse: {other:?}").into()),
        }
    }
}

fn connect(url: &str, ca: Option<&str>) -> Result<(Transport, Option<ChannelBindings>), Error> {
    let (tls, rest) = match url.split_once("://") {
        Some(("ldaps", r)) => (true, r),
        Some(("ldap", r)) => (false, r),
        _ => return Err(format!("not an ldap:// or ldaps:// URL: {url}").into()),
    };
    let tcp = TcpStream::connect(rest)?;
    if !tls {
        return Ok((Transport::Plain(tcp), None));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let ca = ca.ok_or("ldaps:// needs the CA certificate (PEM) as the last argument")?;
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca)? {
        roots.add(cert?)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h).to_string();
    let name = rustls::pki_types::ServerName::try_from(host)?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name)?;
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    stream.conn.complete_io(&mut stream.sock)?;
    let cert = stream
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("no server certificate")?;
    // RFC 5929 tls-server-end-point: the hash of the server's certificate, bound into the
    // authenticator (Kerberos) or the AUTHENTICATE (NTLM).
    let bindings = ChannelBindings::tls_server_end_point(cert)?;
    Ok((Transport::Tls(Box::new(stream)), Some(bindings)))
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, mech, spn, user, base, sam, rest @ ..] = args.as_slice() else {
        return Err("usage: ldap_search URL MECH SPN USER BASE SAM [CA.pem]".into());
    };
    let password = std::env::var("SESAME_PW").map_err(|_| "set SESAME_PW")?;
    let (io, bindings) = connect(url, rest.first().map(String::as_str))?;
    let over_tls = bindings.is_some();
    // Over TLS the channel is sealed already: AD refuses signing or sealing inside it, and
    // the channel bindings tie the authentication to this TLS session instead.
    let flags = if over_tls {
        ContextFlags::MUTUAL
    } else {
        ContextFlags::MUTUAL | ContextFlags::INTEGRITY | ContextFlags::CONFIDENTIALITY
    };
    let (sasl, mechanism, packages) = match mech.as_str() {
        "GSSAPI" => ("GSSAPI", Mechanism::Kerberos, ""),
        "GSS-SPNEGO" => ("GSS-SPNEGO", Mechanism::Negotiate, ""),
        "GSS-SPNEGO-NTLM" => ("GSS-SPNEGO", Mechanism::Negotiate, "ntlm"),
        other => return Err(format!("unknown mechanism {other}").into()),
    };
    let mut client = Client::new(spn)
        .with_password(user, &password)
        .mechanism(mechanism)
        .packages(packages)
        .flags(flags);
    if let Some(b) = bindings {
        client = client.channel_bindings(b);
    }
    let mut conn = Connection {
        io,
        client,
        layer: Layer::None,
        next_id: 0,
        pending: Vec::new(),
    };
    bind(&mut conn, sasl, over_tls)?;
    search(&mut conn, base, sam)
}

/// The SASL bind: the context's tokens, then (GSSAPI) the security layer.
fn bind(conn: &mut Connection, sasl: &str, over_tls: bool) -> Result<(), Error> {
    // The context's tokens until it completes and the server says success (GSS-SPNEGO) or
    // asks for the security layer (GSSAPI).
    let mut token = conn.client.step(None)?.token().map(<[u8]>::to_vec);
    let mut server_creds;
    loop {
        let (code, creds, text) = conn.bind(sasl, token.take())?;
        server_creds = creds;
        match code {
            ResultCode::Success if conn.client.is_complete() || !server_creds.is_empty() => {
                if !server_creds.is_empty() && !conn.client.is_complete() {
                    conn.client.step(Some(&server_creds))?;
                }
                break;
            }
            ResultCode::SaslBindInProgress if !conn.client.is_complete() => {
                token = conn
                    .client
                    .step(Some(&server_creds))?
                    .token()
                    .map(<[u8]>::to_vec);
            }
            ResultCode::SaslBindInProgress if sasl == "GSSAPI" => break,
            other => return Err(format!("bind refused: {other:?} {text}").into()),
        }
    }
    let negotiated = conn
        .client
        .negotiated()
        .ok_or("the context did not complete")?;
    if sasl == "GSSAPI" {
        // RFC 4752 3.1: the server's wrapped offer (layers, max size); the client's choice.
        let (offer, _) = conn.client.unwrap(&server_creds)?;
        let offered = *offer.first().ok_or("an empty security layer offer")?;
        let (choice, layer) = if over_tls {
            (1u8, Layer::None)
        } else if offered & 4 != 0 {
            (4u8, Layer::Confidentiality)
        } else {
            (2u8, Layer::Integrity)
        };
        let answer = conn.client.wrap(&[choice, 0x01, 0x00, 0x00], false)?;
        let (code, _, text) = conn.bind(sasl, Some(answer))?;
        if code != ResultCode::Success {
            return Err(format!("security layer refused: {code:?} {text}").into());
        }
        conn.layer = layer;
        println!(
            "bind: GSSAPI ({}), security layer offered {offered:#x}, chosen {choice:#x}",
            negotiated.mechanism
        );
    } else {
        conn.layer = if over_tls {
            Layer::None
        } else {
            Layer::Confidentiality
        };
        println!(
            "bind: GSS-SPNEGO ({}), {}",
            negotiated.mechanism,
            if over_tls {
                "over TLS with channel bindings"
            } else {
                "sealed"
            }
        );
    }
    Ok(())
}

/// `(sAMAccountName=SAM)` under `base`, printing the entry.
fn search(conn: &mut Connection, base: &str, sam: &str) -> Result<(), Error> {
    let filter = Filter::EqualityMatch(AttributeValueAssertion::new(
        "sAMAccountName".into(),
        sam.as_bytes().to_vec().into(),
    ));
    let search = SearchRequest::new(
        base.into(),
        SearchRequestScope::WholeSubtree,
        SearchRequestDerefAliases::NeverDerefAliases,
        0,
        0,
        false,
        filter,
        vec!["sAMAccountName".into(), "objectSid".into()],
    );
    conn.send(ProtocolOp::SearchRequest(search))?;
    loop {
        match conn.receive()?.protocol_op {
            ProtocolOp::SearchResEntry(e) => {
                println!("dn: {}", e.object_name.as_str());
                for a in &e.attributes {
                    for v in a.vals.to_vec() {
                        let shown = if a.r#type.as_str() == "objectSid" {
                            sesame::kerberos::pac::Sid::from_bytes(v)
                                .map_or_else(|e| e.to_string(), |s| s.to_string())
                        } else {
                            String::from_utf8_lossy(v).into_owned()
                        };
                        println!("{}: {shown}", a.r#type.as_str());
                    }
                }
            }
            ProtocolOp::SearchResDone(d) => {
                let r = d.0;
                if r.result_code != ResultCode::Success {
                    return Err(format!(
                        "search failed: {:?} {}",
                        r.result_code,
                        r.diagnostic_message.as_str()
                    )
                    .into());
                }
                break;
            }
            ProtocolOp::SearchResRef(_) => {}
            other => return Err(format!("unexpected: {other:?}").into()),
        }
    }
    Ok(())
}
