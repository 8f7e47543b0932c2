//! The test KDC on loopback: TCP (length-prefixed) and UDP on one port of 127.0.0.1, so that a
//! binary under test can be pointed at it with `kdc = 127.0.0.1:PORT`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::TestKdc;

/// A running listener; stops when dropped.
pub struct Listener {
    /// Where it listens (TCP and UDP).
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

impl TestKdc {
    /// Serves `realm` on a free port of 127.0.0.1 until the listener is dropped.
    pub fn listen(self: &Arc<Self>, realm: &str) -> std::io::Result<Listener> {
        let tcp = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = tcp.local_addr()?;
        let udp = UdpSocket::bind(addr)?;
        udp.set_read_timeout(Some(Duration::from_millis(200)))?;
        let stop = Arc::new(AtomicBool::new(false));
        let (kdc, r, s) = (Arc::clone(self), realm.to_string(), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in tcp.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let (kdc, r) = (Arc::clone(&kdc), r.clone());
                    std::thread::spawn(move || serve_tcp(&kdc, &r, stream));
                }
            }
        });
        let (kdc, r, s) = (Arc::clone(self), realm.to_string(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            while !s.load(Ordering::SeqCst) {
                if let Ok((n, peer)) = udp.recv_from(&mut buf)
                    && let Some(reply) = buf.get(..n).and_then(|req| kdc.handle_over(&r, req, true))
                {
                    let _ = udp.send_to(&reply, peer);
                }
            }
        });
        Ok(Listener { addr, stop })
    }
}

fn serve_tcp(kdc: &TestKdc, realm: &str, mut stream: TcpStream) {
    let mut prefix = [0u8; 4];
    if stream.read_exact(&mut prefix).is_err() {
        return;
    }
    let len = usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
    if len > 1 << 20 {
        return;
    }
    let mut request = vec![0u8; len];
    if stream.read_exact(&mut request).is_err() {
        return;
    }
    match kdc.handle(realm, &request) {
        Some(reply) => {
            let len = u32::try_from(reply.len()).unwrap_or(0).to_be_bytes();
            let _ = stream.write_all(&len);
            let _ = stream.write_all(&reply);
        }
        // Dropped: keep the connection open and silent until the client gives up.
        None => {
            let _ = stream.read(&mut [0u8; 1]);
        }
    }
}
