//! Replay and sequence detection for per-message tokens (RFC 2743 1.2.3, RFC 4121 4.2.6): a
//! 64-token window behind the next expected sequence number.

use crate::error::SequenceError;

/// The receive-side state of one direction.
#[derive(Clone, Debug)]
pub(crate) struct SequenceWindow {
    next: u64,
    /// Bit i set: `next - 1 - i` was seen.
    seen: u64,
    replay: bool,
    sequence: bool,
}

const WINDOW: u64 = 64;

impl SequenceWindow {
    /// A window expecting `first` next; `replay` and `sequence` are the negotiated flags.
    pub(crate) fn new(first: u64, replay: bool, sequence: bool) -> Self {
        Self {
            next: first,
            seen: 0,
            replay,
            sequence,
        }
    }

    /// Records `seq` and says whether it is acceptable.
    pub(crate) fn check(&mut self, seq: u64) -> Result<(), SequenceError> {
        if !self.replay && !self.sequence {
            return Ok(());
        }
        if seq >= self.next {
            let gap = seq - self.next;
            self.seen = if gap + 1 >= WINDOW {
                1
            } else {
                (self.seen << (gap + 1)) | 1
            };
            self.next = seq + 1;
            return if gap > 0 && self.sequence {
                Err(SequenceError::Gap)
            } else {
                Ok(())
            };
        }
        let behind = self.next - 1 - seq;
        if behind >= WINDOW {
            return Err(SequenceError::Old);
        }
        let bit = 1u64 << behind;
        if self.seen & bit != 0 {
            return Err(SequenceError::Duplicate);
        }
        self.seen |= bit;
        if self.sequence {
            Err(SequenceError::Unsequenced)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn in_order_replay_gap_and_old() {
        let mut w = SequenceWindow::new(10, true, true);
        assert_eq!(w.check(10), Ok(()));
        assert_eq!(w.check(11), Ok(()));
        assert_eq!(w.check(11), Err(SequenceError::Duplicate));
        assert_eq!(w.check(13), Err(SequenceError::Gap));
        assert_eq!(w.check(12), Err(SequenceError::Unsequenced));
        assert_eq!(w.check(12), Err(SequenceError::Duplicate));
        assert_eq!(w.check(200), Err(SequenceError::Gap));
        assert_eq!(w.check(13), Err(SequenceError::Old));
        assert_eq!(w.check(201), Ok(()));
    }

    #[test]
    fn replay_only_accepts_reordering_but_not_duplicates() {
        let mut w = SequenceWindow::new(0, true, false);
        assert_eq!(w.check(2), Ok(()));
        assert_eq!(w.check(0), Ok(()));
        assert_eq!(w.check(0), Err(SequenceError::Duplicate));
        let mut none = SequenceWindow::new(0, false, false);
        assert_eq!(none.check(5), Ok(()));
        assert_eq!(none.check(5), Ok(()));
    }
}
