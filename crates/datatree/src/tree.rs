//! The znode tree. Counterpart of `org.apache.zookeeper.server.DataTree`.

use bytes::Bytes;
use jute_codec::records::{Acl, Stat, StatPersisted, TxnHeader};
use jute_codec::txn_body::TxnBody;
use jute_codec::ErrorCode;

use crate::watch::{WatchEvent, WatchTable};
use crate::SessionId;

/// One znode.
#[derive(Debug, Clone)]
pub struct Znode {
    /// Data; `None` is null data, distinct from empty.
    pub data: Option<Bytes>,
    /// ACL.
    pub acl: std::sync::Arc<Vec<Acl>>,
    /// Persisted stat.
    pub stat: StatPersisted,
    /// Child names, sorted.
    pub children: std::collections::BTreeSet<String>,
}

/// Result of applying one txn (`DataTree.ProcessTxnResult`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxnResult {
    /// The txn type that was applied (-1 for errors).
    pub r#type: i32,
    /// 0 or the error code.
    pub err: i32,
    /// Path the txn was about (the created path for creates).
    pub path: String,
    /// Stat after the txn (create/setData/setACL).
    pub stat: Option<Stat>,
    /// Sub-results of a multi.
    pub multi: Vec<TxnResult>,
}

/// What `apply` returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplyOutcome {
    /// The txn's result.
    pub result: TxnResult,
    /// Watch events to deliver.
    pub events: Vec<WatchEvent>,
}

/// The tree.
#[derive(Debug)]
pub struct DataTree {
    watches: WatchTable,
}

impl DataTree {
    /// A tree with `/`, `/zookeeper`, `/zookeeper/quota` and `/zookeeper/config`.
    pub fn new() -> Self {
        unimplemented!("helper fills this in")
    }

    /// The node at `path`.
    pub fn node(&self, path: &str) -> Option<&Znode> {
        let _ = path;
        unimplemented!("helper fills this in")
    }

    /// The client-visible Stat of the node at `path`.
    pub fn stat(&self, path: &str) -> Option<Stat> {
        let _ = path;
        unimplemented!("helper fills this in")
    }

    /// Applies one committed txn: the only mutator. Deterministic.
    pub fn apply(&mut self, hdr: &TxnHeader, body: &TxnBody) -> ApplyOutcome {
        let _ = (hdr, body);
        unimplemented!("helper fills this in")
    }

    /// Reads data and stat, leaving a data watch for `watch` when the node exists.
    ///
    /// # Errors
    /// `NoNode`.
    pub fn get_data(&mut self, path: &str, watch: Option<SessionId>) -> Result<(Option<Bytes>, Stat), ErrorCode> {
        let _ = (path, watch);
        unimplemented!("helper fills this in")
    }

    /// The watch table.
    pub fn watches(&mut self) -> &mut WatchTable {
        &mut self.watches
    }
}
