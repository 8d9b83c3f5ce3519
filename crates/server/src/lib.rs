//! zkrs: a ZooKeeper-compatible server. See ARCHITECTURE.md for the picture.
//!
//! # Layout
//! - [`cli`], [`config`]: the command line and zoo.cfg (`QuorumPeerConfig`).
//! - [`core`]: [`core::ServerCore`], the sans-IO single-writer core.
//! - [`session`]: session ids, passwords and expiry (`SessionTrackerImpl`).
//! - [`pipeline`]: Prep, Pending, Apply (`PrepRequestProcessor`, `FinalRequestProcessor`).
//! - [`net`]: listener, connections, four-letter words.
//! - [`persist`]: txn logs, snapshots, recovery and purge in ZooKeeper's on-disk format.
//! - [`runtime`]: the tokio driver.
//! - [`tools`]: the offline subcommands (`txnlog-dump`, `check-datadir`).
//! - [`clock`]: the only place that reads the clocks.
//! - [`metrics`]: the counters behind the monitoring commands.
//! - [`error`]: startup and fatal errors.
pub mod cli;
pub mod clock;
pub mod config;
pub mod core;
pub mod error;
pub mod metrics;
pub mod monitor;
pub mod net;
pub mod persist;
pub mod pipeline;
pub mod runtime;
pub mod session;
pub mod tools;
