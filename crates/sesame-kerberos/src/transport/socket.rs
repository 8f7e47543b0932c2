//! One try over UDP (RFC 4120 7.2.1) or TCP with its 4-byte length prefix (7.2.2).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use super::KdcFailure;

/// The largest reply accepted over TCP (MIT's limit is 1 MiB as well).
pub(super) const MAX_TCP_REPLY: usize = 1 << 20;

pub(super) fn udp(
    addr: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, KdcFailure> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).map_err(io_failure)?;
    socket.connect(addr).map_err(io_failure)?;
    socket.set_read_timeout(Some(timeout)).map_err(io_failure)?;
    socket.send(message).map_err(io_failure)?;
    let mut buf = vec![0u8; 65_536];
    let n = socket.recv(&mut buf).map_err(io_failure)?;
    buf.truncate(n);
    Ok(buf)
}

pub(super) fn tcp(
    addr: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, KdcFailure> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(io_failure)?;
    stream.set_read_timeout(Some(timeout)).map_err(io_failure)?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(io_failure)?;
    let len = u32::try_from(message.len()).map_err(|_| KdcFailure::BadReply("request too long"))?;
    let mut framed = Vec::with_capacity(message.len() + 4);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    stream.write_all(&framed).map_err(io_failure)?;
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix).map_err(io_failure)?;
    let len = usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
    if len > MAX_TCP_REPLY {
        return Err(KdcFailure::BadReply(
            "length prefix beyond 1 MiB (high bit set?)",
        ));
    }
    let mut reply = vec![0u8; len];
    stream.read_exact(&mut reply).map_err(io_failure)?;
    Ok(reply)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(io_failure)`
pub(super) fn io_failure(e: std::io::Error) -> KdcFailure {
    match e.kind() {
        ErrorKind::ConnectionRefused => KdcFailure::ConnectionRefused,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => KdcFailure::TimedOut,
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
            KdcFailure::Closed
        }
        kind => KdcFailure::Io(kind),
    }
}
