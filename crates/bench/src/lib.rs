//! `zkrs-bench`: a ZooKeeper load generator and the runner that measures zkrs side by side with
//! Apache ZooKeeper.
//!
//! The load generator talks to servers through `zookeeper-client`, an independent Rust client,
//! never through our own `jute-codec`: a codec bug of ours cannot flatter both servers.
//!
//! - [`workload`]: the workloads (get, set, create, delete, exists, getChildren, mixed, multi,
//!   watch notification latency, session churn) and the knobs that shape them ([`Spec`]).
//! - [`report`]: throughput, latency percentiles (HdrHistogram) and errors, as a table and as one
//!   JSON line.
//! - [`compare`]: starts Apache ZooKeeper 3.8 and zkrs with equivalent configs, runs one grid
//!   against each, alternating, and writes `docs/benchmarks.md`.
//! - [`procfs`]: server CPU time and RSS from `/proc`.
//! - [`disk`]: this disk's own fdatasync latency, the floor under every durable write.
//! - [`svg`]: the bar charts of the report, written by hand (no font or image library).
//!
//! Every run is bounded in time and, where asked, in request count, and stops by itself.

pub mod compare;
pub mod disk;
pub mod procfs;
pub mod report;
pub mod svg;
pub mod workload;

pub use report::Report;
pub use workload::{Kind, Spec};

/// A failure of the benchmark itself (not a ZooKeeper result code counted as an error).
#[derive(Debug)]
pub struct BenchError(pub String);

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

impl From<zookeeper_client::Error> for BenchError {
    fn from(e: zookeeper_client::Error) -> Self {
        BenchError(format!("zookeeper: {e}"))
    }
}

impl From<std::io::Error> for BenchError {
    fn from(e: std::io::Error) -> Self {
        BenchError(format!("io: {e}"))
    }
}

/// Shorthand for results of the benchmark's own operations.
pub type Result<T> = std::result::Result<T, BenchError>;

/// Builds a [`BenchError`] from a format string.
#[macro_export]
macro_rules! bench_err {
    ($($arg:tt)*) => { $crate::BenchError(format!($($arg)*)) };
}
