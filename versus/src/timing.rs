//! Timing: Sesame and its anchor run alternately, batch after batch, so that whatever else the
//! machine does falls on both; each figure is the median of the batches' per-iteration times.

use std::time::{Duration, Instant};

/// Batches per side.
const ROUNDS: usize = 15;
/// How long one batch should take.
const BATCH: Duration = Duration::from_millis(8);

/// Iterations of `f` that take about one batch's time (after one warm-up call).
fn batch_size(f: &mut dyn FnMut()) -> usize {
    f();
    let mut n = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let took = t.elapsed();
        if took >= BATCH / 4 || n >= 1 << 24 {
            let per = took.as_secs_f64() / n as f64;
            return ((BATCH.as_secs_f64() / per) as usize).max(1);
        }
        n *= 4;
    }
}

fn time(f: &mut dyn FnMut(), n: usize) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() * 1e9 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median nanoseconds per call of `a` and of `b`, run alternately.
pub fn versus(a: &mut dyn FnMut(), b: &mut dyn FnMut()) -> (f64, f64) {
    let (na, nb) = (batch_size(a), batch_size(b));
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ta.push(time(a, na));
        tb.push(time(b, nb));
    }
    (median(ta), median(tb))
}

/// Median nanoseconds per call of `a` alone.
pub fn solo(a: &mut dyn FnMut()) -> f64 {
    let n = batch_size(a);
    median((0..ROUNDS).map(|_| time(a, n)).collect())
}
