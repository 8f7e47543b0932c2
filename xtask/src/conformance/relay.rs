//! A recording relay for KDC traffic on 127.0.0.1: it forwards every Kerberos request to the
//! real KDC and keeps a copy of each message that crosses it, in order.
//!
//! TCP messages carry the 4-byte length prefix of RFC 4120 7.2.2, which the relay removes from
//! the copies; UDP datagrams are copied as they are.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Which way a recorded message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to KDC.
    Request,
    /// KDC to client.
    Reply,
}

/// One message that crossed the relay.
#[derive(Clone, Debug)]
pub struct Record {
    /// Request or reply.
    pub direction: Direction,
    /// `tcp` or `udp`.
    pub transport: &'static str,
    /// The Kerberos message, without any length prefix.
    pub bytes: Vec<u8>,
}

/// A running relay; it stops when dropped.
pub struct Relay {
    /// Where clients should send their requests (TCP and UDP on the same port).
    pub addr: SocketAddr,
    records: Arc<Mutex<Vec<Record>>>,
    stop: Arc<AtomicBool>,
}

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_MESSAGE: usize = 1 << 20;

impl Relay {
    /// Starts relaying to the KDC at `upstream` (TCP and UDP).
    pub fn start(upstream: SocketAddr) -> io::Result<Self> {
        let tcp = TcpListener::bind("127.0.0.1:0")?;
        let addr = tcp.local_addr()?;
        let udp = UdpSocket::bind(addr)?;
        tcp.set_nonblocking(true)?;
        udp.set_read_timeout(Some(Duration::from_millis(50)))?;
        let records = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (records, stop) = (records.clone(), stop.clone());
            thread::spawn(move || accept_loop(&tcp, upstream, &records, &stop));
        }
        {
            let (records, stop) = (records.clone(), stop.clone());
            thread::spawn(move || udp_loop(&udp, upstream, &records, &stop));
        }
        Ok(Self {
            addr,
            records,
            stop,
        })
    }

    /// Takes the messages recorded so far.
    pub fn take(&self) -> Vec<Record> {
        self.records
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn push(records: &Mutex<Vec<Record>>, direction: Direction, transport: &'static str, bytes: &[u8]) {
    if let Ok(mut r) = records.lock() {
        r.push(Record {
            direction,
            transport,
            bytes: bytes.to_vec(),
        });
    }
}

fn accept_loop(
    listener: &TcpListener,
    upstream: SocketAddr,
    records: &Arc<Mutex<Vec<Record>>>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((client, _)) => {
                let records = records.clone();
                thread::spawn(move || {
                    if let Err(e) = serve_tcp(client, upstream, &records) {
                        eprintln!("relay: tcp connection: {e}");
                    }
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                eprintln!("relay: accept: {e}");
                return;
            }
        }
    }
}

fn read_framed(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
    if len > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "message too large",
        ));
    }
    let mut msg = vec![0u8; len];
    stream.read_exact(&mut msg)?;
    Ok(Some(msg))
}

fn write_framed(stream: &mut TcpStream, msg: &[u8]) -> io::Result<()> {
    let len = u32::try_from(msg.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "message too large"))?;
    stream.write_all(&len.to_be_bytes())?;
    stream.write_all(msg)
}

fn serve_tcp(
    mut client: TcpStream,
    upstream: SocketAddr,
    records: &Mutex<Vec<Record>>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(TIMEOUT))?;
    while let Some(request) = read_framed(&mut client)? {
        push(records, Direction::Request, "tcp", &request);
        let mut kdc = TcpStream::connect_timeout(&upstream, TIMEOUT)?;
        kdc.set_read_timeout(Some(TIMEOUT))?;
        write_framed(&mut kdc, &request)?;
        let reply = read_framed(&mut kdc)?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "KDC closed"))?;
        push(records, Direction::Reply, "tcp", &reply);
        write_framed(&mut client, &reply)?;
    }
    Ok(())
}

fn udp_loop(
    socket: &UdpSocket,
    upstream: SocketAddr,
    records: &Mutex<Vec<Record>>,
    stop: &AtomicBool,
) {
    let mut buf = vec![0u8; 65_536];
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let request = buf.get(..n).unwrap_or_default().to_vec();
        push(records, Direction::Request, "udp", &request);
        let forward = || -> io::Result<Vec<u8>> {
            let kdc = UdpSocket::bind("127.0.0.1:0")?;
            kdc.set_read_timeout(Some(TIMEOUT))?;
            kdc.send_to(&request, upstream)?;
            let mut reply = vec![0u8; 65_536];
            let (m, _) = kdc.recv_from(&mut reply)?;
            reply.truncate(m);
            Ok(reply)
        };
        match forward() {
            Ok(reply) => {
                push(records, Direction::Reply, "udp", &reply);
                let _ = socket.send_to(&reply, from);
            }
            Err(e) => eprintln!("relay: udp: {e}"),
        }
    }
}
