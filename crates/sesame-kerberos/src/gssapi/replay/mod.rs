//! Replay caches for authenticators (RFC 4120 3.2.3): an authenticator is accepted once, and
//! remembered until its time falls out of the clock-skew window (after which the skew check
//! refuses it anyway).
//!
//! The acceptor asks a [`ReplayStore`] with the tag of the authenticator (a SHA-256 of its
//! ciphertext), the time until which it must be remembered and the injected clock's now; the
//! store never reads a clock. [`ReplayCache`] holds the tags in memory for the acceptors of one
//! process; [`FileReplayCache`] in a file that restarts and other processes share, as MIT's
//! file replay cache does. Both are bounded: when full they refuse new authenticators rather
//! than forget remembered ones, so that no replay ever gets through.

mod file;
mod memory;

pub use file::FileReplayCache;
pub use memory::ReplayCache;

/// Why a [`ReplayStore`] did not record an authenticator.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayRefusal {
    /// The authenticator was seen before, within its window: a replay.
    #[error("authenticator replayed")]
    Replayed,
    /// The store holds as many live authenticators as it may; it refuses new ones until some
    /// expire rather than forget any.
    #[error("the replay cache is full ({0} live authenticators); refusing rather than forgetting")]
    Full(usize),
    /// The store could not be read or written (a file cache).
    #[error("the replay cache is unusable: {0}")]
    Unusable(String),
}

/// Where an acceptor remembers the authenticators it has accepted.
pub trait ReplayStore: Send + Sync + core::fmt::Debug {
    /// Records `tag`, to be remembered while `now <= expires`; refuses it if it is already
    /// there (and not expired), or if the store cannot take it.
    fn check_and_insert(&self, tag: [u8; 32], expires: i64, now: i64) -> Result<(), ReplayRefusal>;
}
