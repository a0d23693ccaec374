//! The live heap at its peak, by block size: what the simulation itself asks of the allocator,
//! whichever allocator serves it.
//!
//! Peak RSS adds the allocator's own overhead on top; when RSS grows with `--ticks` and the
//! live peak printed here does not, the growth is the allocator's. Blocks under 1 KiB are
//! listed by exact size (128 bytes is a learned-peer list at its cap of 32, 256 a one-entry
//! mempool, multiples of 12 verdict lists), larger ones by power-of-two range (message
//! buffers are multiples of 24 bytes from 1 KiB up). One thread:
//!
//! ```text
//! cargo run --release -p ecrust-systems --example live_heap -- 50000 500
//! cargo run --release -p ecrust-systems --example live_heap -- 50000 5000
//! ```

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

/// Sizes below this are counted one by one; larger ones per power-of-two range.
const EXACT: usize = 1024;

/// Slots: one per exact size, then one per range `[2^k, 2^(k+1))` for k = 10..64.
const SLOTS: usize = EXACT + 54;

fn slot(size: usize) -> usize {
    if size < EXACT {
        size
    } else {
        EXACT + (size.ilog2() as usize - EXACT.ilog2() as usize)
    }
}

fn label(slot: usize) -> String {
    if slot < EXACT {
        return slot.to_string();
    }
    let lo = EXACT << (slot - EXACT);
    format!("{}K-{}K", lo / 1024, 2 * lo / 1024)
}

/// Counts live bytes per block size and copies the counts whenever the total reaches a new
/// peak. The copy makes allocation slow while the heap is still growing; the example only
/// measures memory.
struct Counting;

static LIVE: [AtomicI64; SLOTS] = [const { AtomicI64::new(0) }; SLOTS];
static AT_PEAK: [AtomicI64; SLOTS] = [const { AtomicI64::new(0) }; SLOTS];
static TOTAL: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

fn count(size: usize, sign: i64) {
    let bytes = sign * size as i64;
    LIVE[slot(size)].fetch_add(bytes, Relaxed);
    let total = TOTAL.fetch_add(bytes, Relaxed) + bytes;
    if total > PEAK.load(Relaxed) {
        PEAK.store(total, Relaxed);
        for (live, at_peak) in LIVE.iter().zip(&AT_PEAK) {
            at_peak.store(live.load(Relaxed), Relaxed);
        }
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 1);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout.size(), -1);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 1);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(layout.size(), -1);
        count(new_size, 1);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn kib(bytes: i64) -> f64 {
    bytes as f64 / 1024.0
}

fn main() {
    let peers = common::arg("live_heap", 1, 50_000).max(1);
    let ticks = common::arg("live_heap", 2, 500).max(1);
    let mut sim = common::simulation("live_heap", peers, ticks);
    while sim.tick() < ticks {
        sim.step();
    }
    println!(
        "{peers} peers x {ticks} ticks: live heap at its peak {:.2} MiB",
        kib(PEAK.load(Relaxed)) / 1024.0
    );
    println!("{:>8} {:>12}", "block B", "KiB at peak");
    for (slot, at_peak) in AT_PEAK.iter().enumerate() {
        let bytes = at_peak.load(Relaxed);
        if bytes >= 50 * 1024 {
            println!("{:>8} {:>12.1}", label(slot), kib(bytes));
        }
    }
}
