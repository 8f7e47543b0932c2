//! The KDC proxy client on tokio (feature `async-kdc-proxy`): one HTTPS POST per exchange over
//! tokio TCP and tokio-rustls, with the blocking client's TLS configuration (its roots and
//! anchors), and no thread held while the proxy waits for its KDCs. The HTTP is the little
//! MS-KKDCP needs: `POST` with `Connection: close`, the answer's head parsed by httparse, its
//! body framed by `Content-Length`, chunked, or the end of the connection; no redirects.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::proxy::{MAX_REPLY, ProxyClient, reply, tls_failure};
use super::socket::io_failure;
use super::{KdcFailure, kkdcp};

/// Where a proxy URL points: `https://host[:port]/path`.
struct Endpoint {
    host: String,
    port: u16,
    path: String,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Self, KdcFailure> {
        let bad = || KdcFailure::Http(format!("not an https URL: {url}"));
        let rest = url.strip_prefix("https://").ok_or_else(bad)?;
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(bad)?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        let port = port.map_or(Ok(443), |p| p.parse().map_err(|_| bad()))?;
        if host.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }
}

/// An I/O failure of the TLS stream: rustls's certificate errors travel inside io::Error.
fn stream_failure(e: std::io::Error) -> KdcFailure {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(tls) => tls_failure(tls),
        None => io_failure(e),
    }
}

impl ProxyClient {
    /// [`ProxyClient::send`] on tokio: sends `message` for `realm` through the proxy at `url`
    /// and returns the KDC's reply, within the client's timeout.
    pub async fn send_async(
        &self,
        url: &str,
        realm: &str,
        message: &[u8],
    ) -> Result<Vec<u8>, KdcFailure> {
        let body = kkdcp::encode_request(message, realm)?;
        let endpoint = Endpoint::parse(url)?;
        tokio::time::timeout(self.timeout, self.post(&endpoint, &body))
            .await
            .map_err(|_| KdcFailure::TimedOut)?
    }

    async fn post(&self, to: &Endpoint, body: &[u8]) -> Result<Vec<u8>, KdcFailure> {
        let tcp = TcpStream::connect((to.host.as_str(), to.port))
            .await
            .map_err(io_failure)?;
        let name = rustls::pki_types::ServerName::try_from(to.host.clone())
            .map_err(|_| KdcFailure::Http(format!("not a host name: {}", to.host)))?;
        let mut tls = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(name, tcp)
            .await
            .map_err(stream_failure)?;
        let host = if to.host.contains(':') {
            format!("[{}]", to.host)
        } else {
            to.host.clone()
        };
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {host}:{}\r\nContent-Type: application/kerberos\r\n\
             Cache-Control: no-cache\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            to.path,
            to.port,
            body.len()
        );
        tls.write_all(head.as_bytes())
            .await
            .map_err(stream_failure)?;
        tls.write_all(body).await.map_err(stream_failure)?;
        tls.flush().await.map_err(stream_failure)?;
        let mut raw = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some((status, body)) = answer(&raw, false)? {
                return reply(status, &body);
            }
            let n = match tls.read(&mut chunk).await {
                Ok(n) => n,
                // Servers that close without TLS's close_notify (Python's ssl among them).
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
                Err(e) => return Err(stream_failure(e)),
            };
            if n == 0 {
                let (status, body) = answer(&raw, true)?.ok_or(KdcFailure::Closed)?;
                return reply(status, &body);
            }
            raw.extend_from_slice(chunk.get(..n).unwrap_or_default());
            if raw.len() > MAX_REPLY {
                return Err(KdcFailure::Http(format!(
                    "the proxy's answer exceeds {MAX_REPLY} bytes"
                )));
            }
        }
    }
}

/// The status and body of an HTTP answer once `raw` holds all of it (`closed`: the server has
/// closed the connection, which ends a body of no declared length); `None` while more is due.
fn answer(raw: &[u8], closed: bool) -> Result<Option<(u16, Vec<u8>)>, KdcFailure> {
    let bad = |why: &str| KdcFailure::Http(format!("malformed answer from the proxy: {why}"));
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(raw) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if closed => return Err(bad("the head is cut short")),
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(bad(&e.to_string())),
    };
    let status = response.code.unwrap_or_default();
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let rest = raw.get(head_len..).unwrap_or_default();
    if header("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        return match dechunk(rest).map_err(bad)? {
            Some(body) => Ok(Some((status, body))),
            None if closed => Err(bad("a chunk is cut short")),
            None => Ok(None),
        };
    }
    match header("content-length") {
        Some(len) => {
            let len: usize = len.parse().map_err(|_| bad("Content-Length"))?;
            match rest.get(..len) {
                Some(body) => Ok(Some((status, body.to_vec()))),
                None if closed => Err(bad("the body is shorter than its Content-Length")),
                None => Ok(None),
            }
        }
        None if closed => Ok(Some((status, rest.to_vec()))),
        None => Ok(None),
    }
}

/// A chunked body (RFC 9112 7.1) once complete, `None` while chunks are missing.
fn dechunk(mut raw: &[u8]) -> Result<Option<Vec<u8>>, &'static str> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(raw.get(..eol).unwrap_or_default())
            .map_err(|_| "a chunk size that is not text")?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| "a chunk size that is not hex")?;
        let data = raw.get(eol + 2..).unwrap_or_default();
        if size == 0 {
            // Trailers are not looked at; the last chunk is enough.
            return Ok(Some(body));
        }
        let Some(chunk) = data.get(..size) else {
            return Ok(None);
        };
        match data.get(size..size + 2) {
            Some(b"\r\n") => {}
            Some(_) => return Err("a chunk without its CRLF"),
            None => return Ok(None),
        }
        body.extend_from_slice(chunk);
        raw = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let e = Endpoint::parse("https://kdc.example.com/KdcProxy").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("kdc.example.com", 443, "/KdcProxy")
        );
        let e = Endpoint::parse("https://localhost:8443").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("localhost", 8443, "/")
        );
        let e = Endpoint::parse("https://[::1]:9/p").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("::1", 9, "/p"));
        for bad in ["http://x/", "https://", "https://x:port/", "https://[::1/"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies_by_length_by_chunks_and_by_close() {
        let by_length = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(
            answer(by_length, false).unwrap(),
            Some((200, b"abc".to_vec()))
        );
        assert_eq!(
            answer(&by_length[..by_length.len() - 1], false).unwrap(),
            None
        );
        assert!(answer(&by_length[..by_length.len() - 1], true).is_err());
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\n\r\n";
        assert_eq!(
            answer(chunked, false).unwrap(),
            Some((200, b"abc".to_vec()))
        );
        assert_eq!(answer(&chunked[..60], false).unwrap(), None);
        let by_close = b"HTTP/1.0 503 Service Unavailable\r\n\r\nRemote unavailable";
        assert_eq!(answer(by_close, false).unwrap(), None);
        assert_eq!(
            answer(by_close, true).unwrap(),
            Some((503, b"Remote unavailable".to_vec()))
        );
        assert!(
            answer(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                false
            )
            .is_err()
        );
        assert!(answer(b"SMTP nonsense\r\n\r\n", false).is_err());
    }

    /// A proxy on loopback with the CA:TRUE test certificate, answering each request once
    /// with the request's own message (as if the KDC echoed), framed as `framing` says.
    async fn proxy(framing: &'static str) -> String {
        use rustls::pki_types::pem::PemObject as _;
        let cert = rustls::pki_types::CertificateDer::from_pem_slice(include_bytes!(
            "testdata/ca-true-localhost.pem"
        ))
        .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(include_bytes!(
            "testdata/ca-true-localhost.key"
        ))
        .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    continue;
                };
                let mut raw = Vec::new();
                let mut buf = [0u8; 4096];
                let request = loop {
                    let n = tls.read(&mut buf).await.unwrap();
                    raw.extend_from_slice(&buf[..n]);
                    let mut headers = [httparse::EMPTY_HEADER; 16];
                    let mut req = httparse::Request::new(&mut headers);
                    if let Ok(httparse::Status::Complete(head)) = req.parse(&raw) {
                        let len: usize = req
                            .headers
                            .iter()
                            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                            .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                            .unwrap();
                        if raw.len() >= head + len {
                            break raw[head..head + len].to_vec();
                        }
                    }
                };
                if framing == "silent" {
                    std::future::pending::<()>().await;
                }
                let message = kkdcp::decode_reply(&request).unwrap();
                let body = kkdcp::encode_request(&message, "EXAMPLE.TEST").unwrap();
                let mut answer =
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/kerberos\r\n".to_vec();
                match framing {
                    "length" => {
                        answer.extend(format!("Content-Length: {}\r\n\r\n", body.len()).bytes());
                        answer.extend(&body);
                    }
                    "chunked" => {
                        answer.extend(b"Transfer-Encoding: chunked\r\n\r\n");
                        for part in body.chunks(5) {
                            answer.extend(format!("{:x}\r\n", part.len()).bytes());
                            answer.extend(part);
                            answer.extend(b"\r\n");
                        }
                        answer.extend(b"0\r\n\r\n");
                    }
                    _ => {
                        answer.extend(b"\r\n");
                        answer.extend(&body);
                    }
                }
                tls.write_all(&answer).await.unwrap();
                if framing == "close" {
                    // Closed without TLS's close_notify, as Python's ssl may.
                    drop(tls.into_inner());
                } else {
                    let _ = tls.shutdown().await;
                }
            }
        });
        format!("https://localhost:{port}/KdcProxy")
    }

    fn client(anchor: bool, timeout: std::time::Duration) -> ProxyClient {
        let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/transport/testdata/ca-true-localhost.pem");
        ProxyClient::new(&super::super::ProxyConfig {
            extra_ca: anchor.then_some(ca),
            timeout,
        })
        .unwrap()
    }

    /// On a current-thread runtime the proxy task and the client share one thread: a client
    /// that blocked it would never see the answer.
    #[tokio::test]
    async fn answers_framed_each_way_on_one_runtime_thread() {
        let message = b"\x6a\x03abc";
        for framing in ["length", "chunked", "close"] {
            let url = proxy(framing).await;
            let reply = client(true, std::time::Duration::from_secs(10))
                .send_async(&url, "EXAMPLE.TEST", message)
                .await;
            assert_eq!(reply.as_deref(), Ok(&message[..]), "{framing}");
        }
    }

    #[tokio::test]
    async fn a_silent_proxy_times_out_and_an_unknown_certificate_is_refused() {
        let url = proxy("silent").await;
        let e = client(true, std::time::Duration::from_millis(300))
            .send_async(&url, "EXAMPLE.TEST", b"\x6a\x03abc")
            .await;
        assert_eq!(e, Err(KdcFailure::TimedOut));
        let url = proxy("length").await;
        let e = client(false, std::time::Duration::from_secs(10))
            .send_async(&url, "EXAMPLE.TEST", b"\x6a\x03abc")
            .await;
        assert_eq!(
            e,
            Err(KdcFailure::Tls(super::super::TlsProblem::CaUsedAsEndEntity))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_answer_is_parsed_or_refused(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..300), closed: bool) {
            let _ = answer(&raw, closed);
        }
    }
}
