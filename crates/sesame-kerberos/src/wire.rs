//! Fixed-width integers and length-prefixed data, for the keytab and ccache file formats.

use std::io::Write;
use std::path::Path;

/// A read past the end, or a value that does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The input ended early.
    #[error("truncated")]
    Truncated,
    /// A length too large for this platform or for its container.
    #[error("length too large")]
    TooLong,
    /// A field with an impossible value.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// Reads integers in one byte order, and length-prefixed byte strings.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    big_endian: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], big_endian: bool) -> Self {
        Self {
            rest: bytes,
            big_endian,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(WireError::Truncated)?;
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let (head, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(WireError::Truncated)?;
        self.rest = tail;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.array::<2>()?;
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.array::<4>()?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    pub(crate) fn i32(&mut self) -> Result<i32, WireError> {
        self.u32().map(|v| i32::from_ne_bytes(v.to_ne_bytes()))
    }

    pub(crate) fn data16(&mut self) -> Result<&'a [u8], WireError> {
        let len = usize::from(self.u16()?);
        self.bytes(len)
    }

    pub(crate) fn data32(&mut self) -> Result<&'a [u8], WireError> {
        let len = usize::try_from(self.u32()?).map_err(|_| WireError::TooLong)?;
        self.bytes(len)
    }

    pub(crate) fn string16(&mut self) -> Result<String, WireError> {
        String::from_utf8(self.data16()?.to_vec()).map_err(|_| WireError::Invalid("UTF-8 name"))
    }

    pub(crate) fn string32(&mut self) -> Result<String, WireError> {
        String::from_utf8(self.data32()?.to_vec()).map_err(|_| WireError::Invalid("UTF-8 name"))
    }
}

/// Writes big-endian integers and length-prefixed byte strings.
pub(crate) struct Writer(Vec<u8>);

impl Writer {
    pub(crate) fn new() -> Self {
        Self(Vec::new())
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn data16(&mut self, b: &[u8]) {
        self.u16(u16::try_from(b.len()).unwrap_or(u16::MAX));
        self.0
            .extend_from_slice(b.get(..usize::from(u16::MAX)).unwrap_or(b));
    }

    pub(crate) fn data32(&mut self, b: &[u8]) {
        self.u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(b);
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, mode 0600 on Unix, so that a
/// reader never sees half a file and nobody else can read the keys.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
