//! Counterpart of ZooKeeper's `DataTree` + `WatchManager`: the znode tree, its Stat rules,
//! ACLs and watches, as a pure, deterministic state machine. No I/O, no clock, no randomness:
//! time arrives inside txn headers, and watch triggers are returned as values.
//!
//! # Layout
//! - [`path`]: path validation (`PathUtils.validatePath`) and helpers.
//! - [`ephemeral`]: `ephemeralOwner` encodings (`EphemeralType`) and `CreateMode`.
//! - [`java_set`]: the iteration order of `java.util.HashSet<String>` (children, ephemerals).
//! - [`acl`]: permissions, ACL checks, auth providers (digest, ip, super), the shared ACL
//!   lists (`ReferenceCountedACLCache`).
//! - [`digest`]: the node and tree digests (`DigestCalculator`, `AdHash`).
//! - [`node`]: [`Znode`] (`DataNode`) and the client `Stat` it serves.
//! - [`quota`]: `/zookeeper/quota` bookkeeping (`Quotas`, `StatsTrack`, `PathTrie`).
//! - [`snapshot`]: the snapshot stream (`FileSnap`, `SerializeUtils`): the fuzzy incremental
//!   writer and the loader.
//! - [`tree`]: [`DataTree`]: reads, and `apply` — the only mutator — for committed txns.
//! - [`watch`]: [`WatchTable`]: one-shot, persistent and recursive watches.
//!
//! # Determinism
//! Hash maps use [`FixedState`] (foldhash with a fixed seed), never a randomly seeded hasher, and
//! nothing here exposes a Rust hash map's iteration order. Where ZooKeeper's clients see the
//! iteration order of a Java `HashSet<String>` (children lists, a session's ephemerals), the
//! order is computed from Java's rules by [`java_set::JavaHashSet`]; other lists are sorted.
//! `clippy.toml` bans the clock and random-seeded constructors in this crate.
#![warn(missing_docs)]

pub mod acl;
pub mod digest;
pub mod ephemeral;
pub mod java_set;
pub mod node;
mod node_map;
pub mod path;
pub mod quota;
pub mod snapshot;
pub mod tree;
pub mod watch;

pub use node::Znode;
pub use tree::{ApplyOutcome, DataTree, TreeConfig, TxnResult};
pub use watch::{EventType, WatchEvent, WatchKind, WatchTable};

/// A session id (`long sessionId`). The top byte is the server id.
pub type SessionId = i64;

/// The hasher of every hash map in this crate: foldhash with its fixed default seed, so runs
/// are reproducible (design rule 4). It replaced SipHash-1-3 with fixed keys, which was 14 %
/// of log replay's CPU; fixed keys never made SipHash's flooding resistance real anyway.
pub type FixedState = foldhash::fast::FixedState;
