//! Prepared-but-not-applied changes. Counterpart of `ZooKeeperServer.outstandingChanges`,
//! `ZooKeeperServer.outstandingChangesForPath` and `ZooKeeperServer.ChangeRecord`.
//!
//! Prep validates a write against the state the tree will have once every earlier write is
//! applied, so it looks here first and at the [`DataTree`] only when no pending record exists
//! for the path (`PrepRequestProcessor.getRecordForPath`). Records are immutable: a change to a
//! node is a new record carrying the node's whole new state (`ChangeRecord.duplicate`), so the
//! newest record of a path is all Prep needs.
//!
//! Lifecycle:
//! 1. Prep [`record`](Pending::record)s one record per node a write touches, with the write's
//!    zxid.
//! 2. A multi whose op fails is [`rollback`](Pending::rollback)ed: its records vanish and the
//!    paths see their earlier records again (`PrepRequestProcessor.rollbackPendingChanges`).
//! 3. After the txn with zxid `z` is applied to the tree, [`prune`](Pending::prune)`(z)` drops
//!    every record with zxid <= `z` (`ZooKeeperServer.processTxn`): the tree now holds them.
//!
//! **Digests** (`ChangeRecord.precalculatedDigest`, `PrepRequestProcessor.precalculateDigest`):
//! each record also holds its node's digest and the tree digest once it is applied, so Prep
//! knows the digest a txn will leave the tree with before the tree has it — the value
//! ZooKeeper writes in the txn's `TxnDigest`. A record's tree digest is the previous one
//! (the newest record's, else the tree's) minus the path's previous node digest (its newest
//! record's, else the tree node's, else 0) plus its new one (0 for a delete).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use datatree::{digest, DataTree};
use jute_codec::records::{Acl, StatPersisted};

/// The state one pending write leaves a node in (`ZooKeeperServer.ChangeRecord`; the
/// digests are kept beside it, see [`Pending::record`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    /// Zxid of the write that made this record.
    pub zxid: i64,
    /// The node's path. The root is always "/" (ZooKeeper also keys it as "", its alias in
    /// `DataTree.nodes`; one key is enough here, see [`Pending::get`]).
    pub path: Arc<str>,
    /// The node's persisted stat after the write (internal `cversion`, as in `DataNode.stat`);
    /// `None` when the write deletes the node.
    pub stat: Option<StatPersisted>,
    /// Number of children after the write.
    pub child_count: i32,
    /// The node's ACL.
    pub acl: Arc<Vec<Acl>>,
    /// The node's data after the write (only the digests read it); `Written(None)` for a
    /// delete.
    pub data: RecordData,
}

/// A node's data as Prep carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    /// The data a pending write gives the node (`None` is null data). `Bytes` is reference
    /// counted: the request's payload is not copied.
    Written(Option<Bytes>),
    /// What the tree's node holds: no pending write changed it, and the tree's copy cannot
    /// change before a record carrying this is applied (writes apply in zxid order, and a
    /// later write of the node would be a pending record), so it is read there, not copied.
    Tree,
}

/// A record and its precalculated digests (`ChangeRecord.precalculatedDigest`).
#[derive(Debug)]
struct Stored {
    rec: ChangeRecord,
    /// The node's digest after the write; 0 for a delete.
    node_digest: u64,
    /// The tree digest once this record (and every earlier one) is applied.
    tree_digest: u64,
}

/// A node as Prep sees it: from the newest pending record or else from the tree
/// (`getRecordForPath`'s answer, minus the path and zxid it never reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// Persisted stat (internal `cversion`).
    pub stat: StatPersisted,
    /// Number of children.
    pub child_count: i32,
    /// The node's ACL (shared with the tree or the record, never copied).
    pub acl: Arc<Vec<Acl>>,
    /// The node's data (shared or read in the tree, never copied).
    pub data: RecordData,
}

/// The overlay of prepared, unapplied changes (`outstandingChanges` in zxid order plus
/// `outstandingChangesForPath`, the newest record per path).
#[derive(Debug, Default)]
pub struct Pending {
    /// Every record in the order Prep made them (zxids never decrease).
    changes: VecDeque<Arc<Stored>>,
    /// The newest record of each path; always one of `changes`.
    by_path: BTreeMap<Arc<str>, Arc<Stored>>,
}

impl Pending {
    /// An empty overlay.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of outstanding records (`outstandingChanges.size()`, mntr's
    /// `zk_outstanding_changes_queued` gauge).
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The newest pending record of `path` (`outstandingChangesForPath.get`). `""` is looked up
    /// as `"/"`: ZooKeeper's parent of "/a" is "", the root's alias.
    pub fn get(&self, path: &str) -> Option<&ChangeRecord> {
        self.by_path.get(root_alias(path)).map(|r| &r.rec)
    }

    /// `getRecordForPath`: the node at `path` as it will be once every pending write is
    /// applied; `None` when it does not exist or a pending write deletes it (Prep answers
    /// NoNode then).
    pub fn lookup(&self, path: &str, tree: &DataTree) -> Option<NodeView> {
        let path = root_alias(path);
        if let Some(stored) = self.by_path.get(path) {
            let rec = &stored.rec;
            return rec.stat.map(|stat| NodeView {
                stat,
                child_count: rec.child_count,
                acl: Arc::clone(&rec.acl),
                data: rec.data.clone(),
            });
        }
        tree.node(path).map(|n| NodeView {
            stat: n.stat,
            child_count: i32::try_from(n.children.len()).unwrap_or(i32::MAX),
            acl: Arc::clone(&n.acl),
            data: RecordData::Tree,
        })
    }

    /// The tree digest once every pending write is applied (`getCurrentTreeDigest`): the
    /// newest record's, or the tree's when nothing is pending. A Java `long`.
    pub fn tree_digest(&self, tree: &DataTree) -> i64 {
        match self.changes.back() {
            Some(last) => last.tree_digest as i64,
            None => tree.digest(),
        }
    }

    /// The digest `path`'s node has once the pending writes are applied (0 when it will not
    /// exist): the `prevNodeDigest` of `precalculateDigest`.
    fn node_digest(&self, path: &str, tree: &DataTree) -> u64 {
        match self.by_path.get(path) {
            Some(stored) => stored.node_digest,
            None => tree.node(path).map_or(0, |n| digest::znode_digest(path, n)),
        }
    }

    /// Records one change (`addChangeRecord`): it becomes the newest record of its path.
    /// `tree` is the tree the records lie over: the digests start from it (see the module
    /// docs).
    ///
    /// # Panics
    /// If `rec.zxid` is lower than the zxid of the last record: Prep hands out zxids in order.
    pub fn record(&mut self, rec: ChangeRecord, tree: &DataTree) {
        if let Some(last) = self.changes.back() {
            assert!(
                rec.zxid >= last.rec.zxid,
                "pending zxid regression 0x{:x} < 0x{:x}",
                rec.zxid,
                last.rec.zxid
            );
        }
        let path = root_alias(&rec.path);
        let before = self.node_digest(path, tree);
        let node_digest = rec.stat.as_ref().map_or(0, |stat| {
            let data = match &rec.data {
                RecordData::Written(data) => data.as_deref(),
                RecordData::Tree => tree.node(path).and_then(|n| n.data.as_deref()),
            };
            digest::node_digest(path, data, stat)
        });
        let tree_digest = (self.tree_digest(tree) as u64)
            .wrapping_sub(before)
            .wrapping_add(node_digest);
        let stored = Arc::new(Stored {
            rec,
            node_digest,
            tree_digest,
        });
        self.by_path
            .insert(Arc::clone(&stored.rec.path), Arc::clone(&stored));
        self.changes.push_back(stored);
    }

    /// Drops every record with zxid <= `applied_zxid`, once that txn is in the tree. A path
    /// keeps a newer record if it has one (`ZooKeeperServer.processTxn`, which removes the
    /// path entry only when it still points at the dropped record).
    pub fn prune(&mut self, applied_zxid: i64) {
        while let Some(front) = self.changes.front() {
            if front.rec.zxid > applied_zxid {
                break;
            }
            let Some(rec) = self.changes.pop_front() else {
                break;
            };
            if self
                .by_path
                .get(&rec.rec.path)
                .is_some_and(|newest| Arc::ptr_eq(newest, &rec))
            {
                self.by_path.remove(&rec.rec.path);
            }
        }
    }

    /// Removes the records of the write with `zxid` (a multi that failed part way), which
    /// are the newest ones, and lets each of their paths see its previous record again
    /// (`rollbackPendingChanges`).
    ///
    /// ZooKeeper restores the previous records from a copy it takes before the multi; here
    /// they are found again in `changes`, which still holds them in order.
    pub fn rollback(&mut self, zxid: i64) {
        let mut touched: Vec<Arc<str>> = Vec::new();
        while self.changes.back().is_some_and(|c| c.rec.zxid == zxid) {
            let Some(stored) = self.changes.pop_back() else {
                break;
            };
            self.by_path.remove(&stored.rec.path);
            touched.push(Arc::clone(&stored.rec.path));
        }
        for path in touched {
            if self.by_path.contains_key(&path) {
                continue;
            }
            if let Some(prev) = self.changes.iter().rev().find(|c| c.rec.path == path) {
                self.by_path.insert(path, Arc::clone(prev));
            }
        }
    }

    /// Every record, oldest first (`outstandingChanges` iteration, used by closeSession).
    pub fn iter(&self) -> impl Iterator<Item = &ChangeRecord> {
        self.changes.iter().map(|r| &r.rec)
    }
}

/// `""` is ZooKeeper's alias of the root (`DataTree` stores the root under both keys).
fn root_alias(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(zxid: i64, path: &str, version: Option<i32>) -> ChangeRecord {
        ChangeRecord {
            zxid,
            path: Arc::from(path),
            stat: version.map(|version| StatPersisted {
                czxid: 1,
                mzxid: zxid,
                ctime: 0,
                mtime: 0,
                version,
                cversion: 0,
                aversion: 0,
                ephemeral_owner: 0,
                pzxid: 1,
            }),
            child_count: 0,
            acl: Arc::new(Vec::new()),
            data: RecordData::Written(None),
        }
    }

    fn version(p: &Pending, path: &str) -> Option<Option<i32>> {
        p.get(path).map(|r| r.stat.map(|s| s.version))
    }

    #[test]
    fn newest_record_of_a_path_wins() {
        let mut p = Pending::new();
        p.record(rec(5, "/a", Some(1)), &DataTree::new());
        p.record(rec(6, "/a", Some(2)), &DataTree::new());
        assert_eq!(version(&p, "/a"), Some(Some(2)));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn prune_keeps_newer_records_of_the_same_path() {
        let mut p = Pending::new();
        p.record(rec(5, "/a", Some(1)), &DataTree::new());
        p.record(rec(6, "/a", Some(2)), &DataTree::new());
        p.record(rec(6, "/b", Some(0)), &DataTree::new());
        p.prune(5);
        assert_eq!(version(&p, "/a"), Some(Some(2)));
        assert_eq!(p.len(), 2);
        p.prune(6);
        assert!(p.is_empty());
        assert_eq!(p.get("/a"), None);
        assert_eq!(p.get("/b"), None);
    }

    #[test]
    fn rollback_restores_the_previous_record_of_each_path() {
        let mut p = Pending::new();
        p.record(rec(5, "/a", Some(1)), &DataTree::new());
        p.record(rec(7, "/a", Some(2)), &DataTree::new());
        p.record(rec(7, "/a/b", None), &DataTree::new());
        p.rollback(7);
        assert_eq!(version(&p, "/a"), Some(Some(1)));
        assert_eq!(p.get("/a/b"), None);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn rollback_of_the_only_write_empties_the_overlay() {
        let mut p = Pending::new();
        p.record(rec(9, "/x", Some(0)), &DataTree::new());
        p.rollback(9);
        assert!(p.is_empty());
        assert_eq!(p.get("/x"), None);
    }

    #[test]
    fn empty_path_is_the_root() {
        let mut p = Pending::new();
        p.record(rec(3, "/", Some(4)), &DataTree::new());
        assert_eq!(version(&p, ""), Some(Some(4)));
    }

    #[test]
    #[should_panic(expected = "pending zxid regression")]
    fn records_must_come_in_zxid_order() {
        let mut p = Pending::new();
        p.record(rec(9, "/x", Some(0)), &DataTree::new());
        p.record(rec(8, "/y", Some(0)), &DataTree::new());
    }
}
