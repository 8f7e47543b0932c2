//! The clock and the randomness a mechanism is given, so that tests are deterministic and clock
//! skew can be simulated.

use core::fmt;
use std::time::{Duration, SystemTime};

use md5::{Digest, Md5};

/// Where a mechanism reads the time (Kerberos authenticators, NTLM timestamps, skew checks).
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always says the same time.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Another clock shifted by a number of seconds (the CLI's `--clock-offset`).
#[derive(Clone, Copy, Debug)]
pub struct OffsetClock<C> {
    /// The clock being shifted.
    pub inner: C,
    /// Seconds added (negative: subtracted).
    pub offset_secs: i64,
}

impl<C: Clock> Clock for OffsetClock<C> {
    fn now(&self) -> SystemTime {
        let now = self.inner.now();
        let delta = Duration::from_secs(self.offset_secs.unsigned_abs());
        let shifted = if self.offset_secs >= 0 {
            now.checked_add(delta)
        } else {
            now.checked_sub(delta)
        };
        shifted.unwrap_or(now)
    }
}

/// The random source could not deliver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("random source failed: {0}")]
pub struct RandomError(pub String);

/// Where a mechanism draws secret randomness (keys, confounders, nonces, challenges).
///
/// Any rand_core `TryCryptoRng` is one; [`SystemRandom`] is the operating system's.
pub trait Random: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError>;
}

impl<R> Random for R
where
    R: rand_core::TryCryptoRng + Send,
    R::Error: fmt::Display,
{
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        self.try_fill_bytes(buf)
            .map_err(|e| RandomError(e.to_string()))
    }
}

/// The operating system's generator (getrandom).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

impl Random for SystemRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
    }
}

/// A generator whose output depends only on its seed: MD5 over the seed and a counter.
/// For tests that need reproducible tokens; production code uses [`SystemRandom`].
#[derive(Clone)]
pub struct DeterministicRandom {
    seed: [u8; 32],
    counter: u64,
}

impl DeterministicRandom {
    /// A generator from a seed.
    pub fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0 }
    }
}

impl fmt::Debug for DeterministicRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeterministicRandom")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl Random for DeterministicRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        // MD5 in counter mode: enough for reproducible tests (never a secret), and MD5 is
        // already here for channel bindings, so the contract crate needs no other hash.
        for chunk in buf.chunks_mut(16) {
            let block = Md5::new()
                .chain_update(self.seed)
                .chain_update(self.counter.to_be_bytes())
                .finalize();
            self.counter += 1;
            for (out, b) in chunk.iter_mut().zip(block.iter()) {
                *out = *b;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_shifts_both_ways() {
        let base = SystemTime::UNIX_EPOCH + Duration::from_secs(10_000);
        let fixed = FixedClock(base);
        assert_eq!(
            OffsetClock {
                inner: fixed,
                offset_secs: 3600
            }
            .now(),
            base + Duration::from_secs(3600)
        );
        assert_eq!(
            OffsetClock {
                inner: fixed,
                offset_secs: -3600
            }
            .now(),
            base - Duration::from_secs(3600)
        );
    }

    #[test]
    fn deterministic_random_repeats_and_differs_by_seed() {
        let (mut a, mut b, mut c) = (
            DeterministicRandom::new([1; 32]),
            DeterministicRandom::new([1; 32]),
            DeterministicRandom::new([2; 32]),
        );
        let (mut x, mut y, mut z) = ([0u8; 80], [0u8; 80], [0u8; 80]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y).unwrap();
        c.fill(&mut z).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_ne!(x[..32], x[32..64]);
    }

    #[test]
    fn system_random_fills() {
        let mut buf = [0u8; 32];
        SystemRandom.fill(&mut buf).unwrap();
        assert_ne!(buf, [0u8; 32]);
    }
}
