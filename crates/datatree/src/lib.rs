//! Counterpart of ZooKeeper's `DataTree` + `WatchManager`: the znode tree, its Stat rules,
//! ACLs and watches, as a pure, deterministic state machine. No I/O, no clock, no randomness:
//! time arrives inside txn headers, and watch triggers are returned as values.
//!
//! # Layout
//! - [`path`]: path validation (`PathUtils.validatePath`) and helpers.
//! - [`ephemeral`]: `ephemeralOwner` encodings (`EphemeralType`): sessions, containers, TTLs.
//! - [`acl`]: permissions, ACL checks, auth providers (digest, ip, super).
//! - [`tree`]: [`DataTree`]: reads, and `apply` — the only mutator — for committed txns.
//! - [`watch`]: [`WatchTable`]: one-shot, persistent and recursive watches.
#![warn(missing_docs)]

pub mod acl;
pub mod ephemeral;
pub mod path;
pub mod tree;
pub mod watch;

pub use tree::{ApplyOutcome, DataTree, TxnResult, Znode};
pub use watch::{EventType, WatchEvent, WatchKind, WatchTable};

/// A session id (`long sessionId`). The top byte is the server id.
pub type SessionId = i64;
