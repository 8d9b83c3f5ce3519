//! The one place that reads the clocks. Everything else gets time as arguments.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::core::Now;

/// A monotonic origin plus the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// Starts the monotonic clock. Its origin is the process start, so monotonic
    /// milliseconds are small and session ids (which mix them in) look like ZooKeeper's.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Reads both clocks.
    pub fn now(&self) -> Now {
        let wall_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        // Offset by the wall clock at start so session ids differ across restarts, as
        // ZooKeeper's (which use System.nanoTime) do in practice.
        Now {
            mono_ms: self.origin.elapsed().as_millis() as u64,
            wall_ms,
        }
    }

    /// The instant at monotonic time `mono_ms`.
    pub fn instant_at(&self, mono_ms: u64) -> Instant {
        self.origin + std::time::Duration::from_millis(mono_ms)
    }
}

/// A seed for the randomised snapshot schedule (`SyncRequestProcessor` draws from
/// `ThreadLocalRandom`): the wall clock's nanoseconds.
pub fn seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// A running timer for the durations monitoring reports (fsync, flush and snapshot times,
/// startup load times): `Time.currentElapsedTime()` differences in ZooKeeper.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    /// Starts timing now.
    pub fn start() -> Self {
        Stopwatch(Instant::now())
    }

    /// Whole milliseconds since [`Stopwatch::start`].
    pub fn elapsed_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}
