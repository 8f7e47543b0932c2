//! A replay cache in a file that several processes (and a restarted one) share, as MIT's file
//! replay cache (`file2`) is shared: fixed-size records in open-addressed hash tables, every
//! check-and-insert done under an exclusive lock of the whole file, so that two acceptors
//! racing with the same authenticator cannot both record it.
//!
//! Layout: a 16-byte header (`SESAMERC`, version, slots per table), then up to
//! [`MAX_TABLES`] tables of `slots` records; a record is the 32-byte tag followed by the time
//! until which it is live (i64, big-endian); an all-zero tag is an empty slot. A tag is looked
//! for in a window of [`PROBES`] slots at its hash in every table present; it is written into
//! the first empty or expired slot seen, and a new table is appended when there is none. With
//! every table full at the tag's window, the authenticator is refused (never forgotten).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{ReplayRefusal, ReplayStore};

const MAGIC: &[u8; 8] = b"SESAMERC";
const VERSION: u32 = 1;
const HEADER: u64 = 16;
const RECORD: usize = 40;
/// Slots looked at per table.
pub const PROBES: usize = 8;
/// The most tables a file grows to: the bound on its size.
pub const MAX_TABLES: u64 = 16;
/// Slots per table of a new file: 16,384 records, 640 KiB a table, 10 MiB at most.
pub const DEFAULT_SLOTS: u32 = 16_384;
/// The most slots a table may have (40 MiB a table): a header asking for more is refused, so
/// that a damaged file cannot make the cache grow a huge file.
pub const MAX_SLOTS: u32 = 1 << 20;

/// A replay cache in a file shared by processes.
#[derive(Debug)]
pub struct FileReplayCache {
    path: PathBuf,
    file: Mutex<File>,
    slots: u32,
}

impl FileReplayCache {
    /// Opens the cache at `path`, creating it (with [`DEFAULT_SLOTS`] slots a table) if it
    /// does not exist. A file of another format is refused rather than overwritten.
    pub fn open(path: &Path) -> Result<Self, ReplayRefusal> {
        Self::open_with_slots(path, DEFAULT_SLOTS)
    }

    /// As [`Self::open`], a new file getting `slots` slots a table (at least [`PROBES`]).
    pub fn open_with_slots(path: &Path, slots: u32) -> Result<Self, ReplayRefusal> {
        let unusable =
            |e: std::io::Error| ReplayRefusal::Unusable(format!("{}: {e}", path.display()));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(unusable)?;
        file.lock().map_err(unusable)?;
        let slots = slots.clamp(u32::try_from(PROBES).unwrap_or(8), MAX_SLOTS);
        let header = Self::header(&mut file, slots);
        let _ = file.unlock();
        let slots =
            header.map_err(|e| ReplayRefusal::Unusable(format!("{}: {e}", path.display())))?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            slots,
        })
    }

    /// The slots per table from the header, writing a header first if the file is empty.
    fn header(file: &mut File, slots: u32) -> std::io::Result<u32> {
        let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
        if file.metadata()?.len() == 0 {
            let mut h = [0u8; 16];
            h[..8].copy_from_slice(MAGIC);
            h[8..12].copy_from_slice(&VERSION.to_be_bytes());
            h[12..].copy_from_slice(&slots.to_be_bytes());
            file.write_all(&h)?;
            file.sync_data()?;
            return Ok(slots);
        }
        let mut h = [0u8; 16];
        file.seek(SeekFrom::Start(0))?;
        file.read_exact(&mut h)?;
        if &h[..8] != MAGIC {
            return Err(bad("not a Sesame replay cache"));
        }
        if h[8..12] != VERSION.to_be_bytes() {
            return Err(bad("a replay cache of another version"));
        }
        let slots = u32::from_be_bytes([h[12], h[13], h[14], h[15]]);
        if (slots as usize) < PROBES || slots > MAX_SLOTS {
            return Err(bad("a replay cache with too few or too many slots"));
        }
        Ok(slots)
    }

    /// The most slots a table may have.
    pub const fn max_slots() -> u32 {
        MAX_SLOTS
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the window of `tag` starts in a table.
    fn window(&self, tag: &[u8; 32]) -> u64 {
        let h = u64::from_be_bytes([
            tag[0], tag[1], tag[2], tag[3], tag[4], tag[5], tag[6], tag[7],
        ]);
        h % (u64::from(self.slots) - PROBES as u64 + 1)
    }

    fn check_locked(
        &self,
        file: &mut File,
        tag: [u8; 32],
        expires: i64,
        now: i64,
    ) -> std::io::Result<Result<(), ReplayRefusal>> {
        let table_bytes = u64::from(self.slots) * RECORD as u64;
        let len = file.metadata()?.len();
        let tables = (len.saturating_sub(HEADER) / table_bytes).min(MAX_TABLES);
        let start = self.window(&tag);
        let mut free = None;
        let mut window = [0u8; RECORD * PROBES];
        for t in 0..tables {
            let at = HEADER + t * table_bytes + start * RECORD as u64;
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(&mut window)?;
            for (i, record) in window.chunks_exact(RECORD).enumerate() {
                let (stored, time) = record.split_at(32);
                let time = i64::from_be_bytes(time.try_into().unwrap_or_default());
                let empty = stored.iter().all(|b| *b == 0);
                if !empty && stored == tag && time >= now {
                    return Ok(Err(ReplayRefusal::Replayed));
                }
                if free.is_none() && (empty || time < now) {
                    free = Some(at + (i * RECORD) as u64);
                }
            }
        }
        let at = match free {
            Some(at) => at,
            None if tables < MAX_TABLES => {
                file.set_len(HEADER + (tables + 1) * table_bytes)?;
                HEADER + tables * table_bytes + start * RECORD as u64
            }
            None => {
                let capacity = usize::try_from(MAX_TABLES * PROBES as u64).unwrap_or(usize::MAX);
                return Ok(Err(ReplayRefusal::Full(capacity)));
            }
        };
        let mut record = [0u8; RECORD];
        record[..32].copy_from_slice(&tag);
        record[32..].copy_from_slice(&expires.to_be_bytes());
        file.seek(SeekFrom::Start(at))?;
        file.write_all(&record)?;
        file.sync_data()?;
        Ok(Ok(()))
    }
}

impl ReplayStore for FileReplayCache {
    fn check_and_insert(&self, tag: [u8; 32], expires: i64, now: i64) -> Result<(), ReplayRefusal> {
        if tag == [0; 32] {
            // The empty-slot marker; SHA-256 never gives it, but refuse rather than misfile.
            return Err(ReplayRefusal::Unusable("an all-zero tag".into()));
        }
        let mut file = self
            .file
            .lock()
            .map_err(|_| ReplayRefusal::Unusable("a thread panicked holding the cache".into()))?;
        let unusable =
            |e: std::io::Error| ReplayRefusal::Unusable(format!("{}: {e}", self.path.display()));
        file.lock().map_err(unusable)?;
        let result = self.check_locked(&mut file, tag, expires, now);
        let _ = file.unlock();
        result.map_err(unusable)?
    }
}
