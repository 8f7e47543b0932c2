//! A counting allocator: live bytes and the number of allocations, for "bytes per context" and
//! "allocations per exchange".

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        COUNT.fetch_add(1, Relaxed);
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        COUNT.fetch_add(1, Relaxed);
        // SAFETY: as the caller promised.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Bytes allocated and not yet freed.
pub fn live() -> usize {
    LIVE.load(Relaxed)
}

/// Allocations (and reallocations) so far.
pub fn count() -> usize {
    COUNT.load(Relaxed)
}

/// Allocations `f` makes per call, over `n` calls.
pub fn per_call(n: usize, mut f: impl FnMut()) -> f64 {
    let before = count();
    for _ in 0..n {
        f();
    }
    (count() - before) as f64 / n as f64
}

/// Bytes each value that `make` returns keeps alive, over `n` values held at once.
pub fn bytes_held<T>(n: usize, mut make: impl FnMut() -> T) -> f64 {
    let mut held = Vec::with_capacity(n);
    let before = live();
    for _ in 0..n {
        held.push(make());
    }
    let after = live();
    drop(held);
    // The Vec's own slots were reserved before `before`: what grew is the values' heap, plus
    // their inline size, which lives in the Vec's buffer.
    (after - before) as f64 / n as f64 + std::mem::size_of::<T>() as f64
}
