//! The znode tree. Counterpart of `org.apache.zookeeper.server.DataTree` (3.8): the path map,
//! the ephemeral/container/TTL indexes, quota bookkeeping and `processTxn`.
//!
//! [`DataTree::apply`] is the only mutator. It is `processTxn` for one committed txn: it
//! changes the tree, fires watches exactly where `DataTree` fires them, and returns the
//! result and the watch events as values, in ZooKeeper's order.
//!
//! Differences from the Java class, none observable by clients:
//! - there is no `""` alias entry for the root; lookups of `""` resolve to `/` instead, and
//!   [`DataTree::node_count`] adds the alias back so `srvr`/`mntr` match;
//! - ZooKeeper's hash sets are sorted sets here, so every list handed out is sorted;
//! - where a malformed committed txn would make Java throw an unchecked exception (and stop
//!   the server), the txn fails with an error code instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use jute_codec::records::{Acl, CreateTxn, ErrorTxn, Stat, TxnHeader};
use jute_codec::txn_body::{SubTxn, TxnBody};
use jute_codec::{ErrorCode, OpCode};

use crate::acl::{self, AclCache};
use crate::digest;
use crate::ephemeral::{self, EphemeralType};
use crate::java_set::JavaHashSet;
use crate::node::{create_stat, Znode};
use crate::node_map::NodeMap;
use crate::path::java_len;
use crate::quota::{self, QuotaIndex, StatsTrack};
use crate::watch::{EventType, WatchEvent, WatchKind, WatchTable};
use crate::SessionId;

/// Settings that change how the tree interprets txns. ZooKeeper reads them from system
/// properties; they must be equal on every server of an ensemble.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeConfig {
    /// `zookeeper.extendedTypesEnabled` (default false): whether `ephemeralOwner` values with
    /// a 0xFF top byte are TTL nodes rather than sessions.
    pub extended_types_enabled: bool,
}

/// Result of applying one txn (`DataTree.ProcessTxnResult`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxnResult {
    /// The txn type that was applied (-1 for errors, including the sub-txns a failed multi
    /// turned into errors).
    pub r#type: i32,
    /// 0 or the error code.
    pub err: i32,
    /// Path the txn was about (the created path for creates); empty where Java's is null
    /// (errors, sessions, multi).
    pub path: String,
    /// Stat after the txn: create2/createTTL/createContainer, setData/reconfig and setACL.
    /// Plain `create` (type 1) has none, as in ZooKeeper.
    pub stat: Option<Stat>,
    /// Sub-results of a multi.
    pub multi: Vec<TxnResult>,
}

/// What `apply` returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplyOutcome {
    /// The txn's result.
    pub result: TxnResult,
    /// Watch events to deliver, in the order ZooKeeper triggers them.
    pub events: Vec<WatchEvent>,
    /// `event_acls[i]` is the ACL of the znode `events[i]` is about, as it was when the event
    /// fired (the parent for `NodeChildrenChanged`, the deleted node's last ACL for
    /// `NodeDeleted`). ZooKeeper 3.8.4+/3.9 deliver an event only to sessions that may READ
    /// that znode (`ServerCnxn.process(event, znodeAcl)`, CVE-2024-23944); 3.8.0 delivers
    /// all of them.
    pub event_acls: Vec<Arc<Vec<Acl>>>,
}

/// Events fired while applying one txn, with the ACL each is about.
#[derive(Default)]
struct Fired {
    events: Vec<WatchEvent>,
    acls: Vec<Arc<Vec<Acl>>>,
}

impl Fired {
    /// Gives every event from index `from` on the ACL of the node that fired it.
    fn event_acls(&mut self, from: usize, acl: &Arc<Vec<Acl>>) {
        let added = self.events.len() - from;
        self.acls.extend(std::iter::repeat_n(acl, added).cloned());
    }
}

/// The tree.
pub struct DataTree {
    /// Every znode by full path (`nodes`); the root is `/`. Boxed so that the table's
    /// buckets stay small: a hash table keeps up to twice as many buckets as entries, and a
    /// 24-byte bucket instead of a 150-byte one saves about 100 MB per million znodes.
    nodes: NodeMap,
    /// Shared ACL lists (`aclCache`).
    acls: AclCache,
    /// Ephemeral paths per owning session (`ephemerals`). A session stays listed, possibly
    /// with no paths, until it closes, as in ZooKeeper (`dump` shows it).
    ephemerals: BTreeMap<SessionId, JavaHashSet>,
    /// Container paths (`containers`).
    containers: BTreeSet<String>,
    /// TTL node paths (`ttls`).
    ttls: BTreeSet<String>,
    /// Quota'd paths (`pTrie`).
    quotas: QuotaIndex,
    /// `nodeDataSize` (served as `approximate_data_size`).
    data_size: i64,
    /// `lastProcessedZxid`.
    last_processed_zxid: i64,
    /// The tree digest (`NodeHashMapImpl`'s `AdHash`): the wrapping sum of every node's
    /// [`digest::znode_digest`], the root counted once as `""`. Kept up to date by every
    /// change to a node's path, data or stat.
    digest: u64,
    config: TreeConfig,
    watches: WatchTable,
}

impl fmt::Debug for DataTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataTree")
            .field("nodes", &self.nodes.len())
            .field("ephemeral_sessions", &self.ephemerals.len())
            .field("containers", &self.containers.len())
            .field("ttls", &self.ttls.len())
            .field("quotas", &self.quotas)
            .field("data_size", &self.data_size)
            .field("last_processed_zxid", &self.last_processed_zxid)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for DataTree {
    fn default() -> Self {
        Self::new()
    }
}

/// The map key of `path`: `""` is ZooKeeper's alias of the root.
fn key(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// Splits at the last '/', as `DataTree` does with `lastIndexOf('/')`: parent ("" for
/// children of the root) and child name.
fn split_path(path: &str) -> Option<(&str, &str)> {
    let slash = path.rfind('/')?;
    Some((&path[..slash], &path[slash + 1..]))
}

/// A copy of txn data that owns exactly its bytes. Txn data is usually a slice of a larger
/// buffer (a request frame or a log read buffer); storing that slice would keep the whole
/// buffer alive for as long as the znode exists.
fn own(data: &Option<Bytes>) -> Option<Box<[u8]>> {
    data.as_deref().map(Box::from)
}

fn len_of<T: AsRef<[u8]>>(data: &Option<T>) -> i64 {
    data.as_ref().map_or(0, |d| d.as_ref().len() as i64)
}

/// `getNodeSize(path, data)`: Java string length of the path plus the data length.
fn node_size(path: &str, data: &Option<Box<[u8]>>) -> i64 {
    java_len(path) as i64 + len_of(data)
}

/// Replaces `before` (a node's digest before a change) with the digest of `node` after it
/// (`NodeHashMapImpl.preChange` / `postChange`).
fn rehash(tree_digest: &mut u64, before: u64, path: &str, node: &Znode) {
    *tree_digest = tree_digest
        .wrapping_sub(before)
        .wrapping_add(digest::znode_digest(path, node));
}

/// The body of a txn whose header type does not match it. Bodies are decoded by their
/// header type ([`TxnBody::decode`]), so this is a bug in whoever built the txn.
fn mismatch(ty: i32, body: &TxnBody) -> ! {
    let variant = format!("{body:?}");
    let variant = variant.split(['(', ' ']).next().unwrap_or_default();
    panic!("txn type {ty} carries a {variant} body");
}

impl DataTree {
    /// A tree with `/`, `/zookeeper`, `/zookeeper/quota` and `/zookeeper/config`, as a fresh
    /// ZooKeeper has them: all-zero stats, empty (not null) data, `world:anyone` with every
    /// permission, except `/zookeeper/config` which is READ only with aversion -1 (its ACL is
    /// set with `setACL(.., -1)`, ZOOKEEPER-2014). Extended types off.
    pub fn new() -> Self {
        Self::with_config(TreeConfig::default())
    }

    /// [`DataTree::new`] with explicit settings.
    pub fn with_config(config: TreeConfig) -> Self {
        let mut tree = DataTree {
            nodes: NodeMap::default(),
            acls: AclCache::default(),
            ephemerals: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            quotas: QuotaIndex::default(),
            data_size: 0,
            last_processed_zxid: 0,
            digest: 0,
            config,
            watches: WatchTable::default(),
        };
        let open = tree.acls.intern(&acl::open_acl_unsafe());
        let read = tree.acls.intern(&acl::read_acl_unsafe());
        let system_node = |acl: &Arc<Vec<Acl>>, children: &[&str]| Znode {
            data: Some(Box::default()),
            acl: Arc::clone(acl),
            stat: create_stat(0, 0, 0),
            children: {
                let mut set = JavaHashSet::for_children();
                for c in children {
                    set.insert(c);
                }
                set
            },
        };
        tree.insert("/", system_node(&open, &["zookeeper"]));
        tree.insert(
            quota::PROC_ZOOKEEPER,
            system_node(&open, &["quota", "config"]),
        );
        tree.insert(quota::QUOTA_ZOOKEEPER, system_node(&open, &[]));
        let mut config_node = system_node(&read, &[]);
        config_node.stat.aversion = -1;
        tree.insert(quota::CONFIG_ZOOKEEPER, config_node);
        tree
    }

    fn insert(&mut self, path: &str, node: Znode) {
        self.data_size += node_size(path, &node.data);
        self.digest = self.digest.wrapping_add(digest::znode_digest(path, &node));
        let fresh = self.nodes.insert(path, node).is_ok();
        assert!(fresh, "insert over an existing node {path}");
    }

    /// Makes room for `additional` more nodes in the node map (a hint before a bulk load).
    pub fn reserve_nodes(&mut self, additional: usize) {
        self.nodes.reserve(additional);
    }

    /// Gives back node-map room beyond twice what the nodes need (after a bulk load whose
    /// hint overshot, such as a log that created and deleted the same nodes).
    pub fn shrink_nodes(&mut self) {
        if self.nodes.capacity() > 2 * self.nodes.len() + 1024 {
            self.nodes.shrink_to(self.nodes.len());
        }
    }

    /// The tree's shared copy of `acl` when a node has that list (no copy is made).
    pub fn shared_acl(&self, acl: &[Acl]) -> Option<Arc<Vec<Acl>>> {
        self.acls.find(acl)
    }

    /// The settings this tree was built with.
    pub fn config(&self) -> TreeConfig {
        self.config
    }

    /// The node at `path` (`""` is the root, as in ZooKeeper).
    pub fn node(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(key(path))
    }

    /// The client-visible Stat of the node at `path` (`DataNode.copyStat`: derived
    /// `dataLength`, `numChildren` and served `cversion`).
    pub fn stat(&self, path: &str) -> Option<Stat> {
        self.node(path).map(|n| self.client_stat(n))
    }

    fn client_stat(&self, n: &Znode) -> Stat {
        n.client_stat(self.config.extended_types_enabled)
    }

    /// Reads data and stat, leaving a data watch for `watch` when the node exists
    /// (`DataTree.getData`). ACL checks are the caller's (FinalRequestProcessor does them
    /// before reading).
    ///
    /// # Errors
    /// `NoNode`.
    pub fn get_data(
        &mut self,
        path: &str,
        watch: Option<SessionId>,
    ) -> Result<(Option<&[u8]>, Stat), ErrorCode> {
        let n = self.nodes.get(key(path)).ok_or(ErrorCode::NoNode)?;
        let stat = n.client_stat(self.config.extended_types_enabled);
        if let Some(session) = watch {
            self.watches.add(path, session, WatchKind::Data);
        }
        Ok((n.data.as_deref(), stat))
    }

    /// `exists` (`DataTree.statNode`): the stat, leaving a data watch when the node exists and
    /// an exist watch when it does not (ZooKeeper keeps both in its data-watch table).
    ///
    /// # Errors
    /// `NoNode` (the watch is still left).
    pub fn exists(&mut self, path: &str, watch: Option<SessionId>) -> Result<Stat, ErrorCode> {
        let stat = self.stat(path);
        if let Some(session) = watch {
            let kind = if stat.is_some() {
                WatchKind::Data
            } else {
                WatchKind::Exist
            };
            self.watches.add(path, session, kind);
        }
        stat.ok_or(ErrorCode::NoNode)
    }

    /// Children (sorted) and stat, leaving a child watch when the node exists
    /// (`DataTree.getChildren`).
    ///
    /// # Errors
    /// `NoNode`.
    pub fn get_children(
        &mut self,
        path: &str,
        watch: Option<SessionId>,
    ) -> Result<(Vec<String>, Stat), ErrorCode> {
        let n = self.node(path).ok_or(ErrorCode::NoNode)?;
        let out = (n.children.to_java_vec(), self.client_stat(n));
        if let Some(session) = watch {
            self.watches.add(path, session, WatchKind::Child);
        }
        Ok(out)
    }

    /// ACL and stat (`DataTree.getACL`).
    ///
    /// # Errors
    /// `NoNode`.
    pub fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat), ErrorCode> {
        let n = self.node(path).ok_or(ErrorCode::NoNode)?;
        Ok((n.acl.as_ref().clone(), self.client_stat(n)))
    }

    /// The ephemeral paths of `session` (`getEphemerals(sessionId)`), in the iteration order
    /// of the copy ZooKeeper returns: `HashSet.clone()`, whose smaller table may order them
    /// differently from the session's own set.
    pub fn ephemerals(&self, session: SessionId) -> Vec<String> {
        self.ephemeral_set(session).to_java_vec()
    }

    /// `getEphemerals(sessionId)` itself: a `clone()` of the session's set, or a new empty
    /// `HashSet` (closeSession's Prep edits this copy; its order is the txn's).
    pub fn ephemeral_set(&self, session: SessionId) -> JavaHashSet {
        self.ephemerals
            .get(&session)
            .map_or_else(JavaHashSet::default, JavaHashSet::java_clone)
    }

    /// Every session that owns (or owned, and has not closed) ephemerals, with its paths
    /// (`getEphemerals()`, for `dump` and `cons`).
    pub fn session_ephemerals(&self) -> &BTreeMap<SessionId, JavaHashSet> {
        &self.ephemerals
    }

    /// Number of ephemeral nodes (`getEphemeralsCount`).
    pub fn ephemeral_count(&self) -> usize {
        self.ephemerals.values().map(JavaHashSet::len).sum()
    }

    /// Container paths, sorted (`getContainers`).
    pub fn containers(&self) -> &BTreeSet<String> {
        &self.containers
    }

    /// TTL node paths, sorted (`getTtls`; only with extended types on).
    pub fn ttls(&self) -> &BTreeSet<String> {
        &self.ttls
    }

    /// `getAllChildrenNumber`: the number of descendants of `path`.
    ///
    /// ZK-COMPAT: DataTree.java: for "/" it is the node count minus the root, so the
    /// `/zookeeper` subtree counts (3 on a fresh server). For `""` (another name of the root
    /// there) it counts the keys starting with `/`, which include the root's own `/` key:
    /// one more than for `/`.
    ///
    /// # Errors
    /// `NoNode` (FinalRequestProcessor checks existence first).
    pub fn all_children_number(&self, path: &str) -> Result<i32, ErrorCode> {
        let n = self.node(path).ok_or(ErrorCode::NoNode)?;
        let count = if path == "/" {
            self.nodes.len() - 1
        } else if path.is_empty() {
            self.nodes.len()
        } else {
            let mut count = 0;
            let mut stack: Vec<(String, &Znode)> = vec![(path.to_owned(), n)];
            while let Some((p, n)) = stack.pop() {
                for c in n.children.iter_sorted() {
                    let child = format!("{p}/{c}");
                    if let Some(cn) = self.nodes.get(child.as_str()) {
                        count += 1;
                        stack.push((child, cn));
                    }
                }
            }
            count
        };
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }

    /// `getNodeCount`, as `srvr`/`mntr` report it.
    ///
    /// ZK-COMPAT: DataTree.java: ZooKeeper's map holds the root twice (`""` and `/`), so a
    /// fresh server reports 5 for its 4 nodes. This returns that count.
    pub fn node_count(&self) -> usize {
        self.nodes.len() + 1
    }

    /// `cachedApproximateDataSize` (what `mntr` reports): Java path lengths plus data lengths,
    /// kept up to date by create, delete and setData.
    ///
    /// ZK-COMPAT: DataTree.java: quota stats rewrites are not counted, as in ZooKeeper.
    pub fn approximate_data_size(&self) -> i64 {
        self.data_size
    }

    /// `lastProcessedZxid`: the highest zxid applied.
    pub fn last_processed_zxid(&self) -> i64 {
        self.last_processed_zxid
    }

    /// Sets `lastProcessedZxid`, as recovery does after loading a snapshot (to the zxid in the
    /// snapshot's file name, FileSnap.deserialize) and a new leader does for a new epoch.
    pub fn set_last_processed_zxid(&mut self, zxid: i64) {
        self.last_processed_zxid = zxid;
    }

    /// The tree digest (`DataTree.getTreeDigest`): what ZooKeeper writes in each txn's
    /// `TxnDigest` (after applying it) and in a snapshot's `ZxidDigest`. See [`digest`].
    pub fn digest(&self) -> i64 {
        self.digest as i64
    }

    /// Number of distinct ACL lists (`aclCacheSize`).
    pub fn acl_cache_size(&self) -> usize {
        self.acls.len()
    }

    /// `isSpecialPath`: `/`, `/zookeeper`, `/zookeeper/quota`, `/zookeeper/config` (Prep
    /// refuses to delete them).
    pub fn is_special_path(path: &str) -> bool {
        matches!(
            path,
            "/" | quota::PROC_ZOOKEEPER | quota::QUOTA_ZOOKEEPER | quota::CONFIG_ZOOKEEPER
        )
    }

    /// The watch table.
    pub fn watches(&mut self) -> &mut WatchTable {
        &mut self.watches
    }

    /// The watch table, read-only (`wchs`, `mntr`).
    pub fn watch_table(&self) -> &WatchTable {
        &self.watches
    }

    /// `ContainerManager.getCandidates` with `znode.container.maxNeverUsedIntervalMs` = 0
    /// (the default): see [`DataTree::containers_and_ttls_to_delete_with`].
    pub fn containers_and_ttls_to_delete(&self, now_ms: i64) -> Vec<String> {
        self.containers_and_ttls_to_delete_with(now_ms, 0)
    }

    /// `ContainerManager.getCandidates`, sorted: containers without children whose
    /// (persisted) cversion is above 0 — they had a child once — or, when
    /// `max_never_used_interval_ms` is not 0, that were last modified more than that long ago;
    /// and TTL nodes without children whose mtime is more than their TTL before `now_ms`.
    pub fn containers_and_ttls_to_delete_with(
        &self,
        now_ms: i64,
        max_never_used_interval_ms: i64,
    ) -> Vec<String> {
        let elapsed = |n: &Znode| now_ms.wrapping_sub(n.stat.mtime);
        let mut out = BTreeSet::new();
        for path in &self.containers {
            let Some(n) = self.nodes.get(path.as_str()) else {
                continue;
            };
            if n.children.is_empty()
                && (n.stat.cversion > 0
                    || (max_never_used_interval_ms != 0 && elapsed(n) > max_never_used_interval_ms))
            {
                out.insert(path.clone());
            }
        }
        for path in &self.ttls {
            let Some(n) = self.nodes.get(path.as_str()) else {
                continue;
            };
            let owner = n.stat.ephemeral_owner;
            if let EphemeralType::Ttl(ttl) =
                EphemeralType::from_owner(owner, self.config.extended_types_enabled)
            {
                if n.children.is_empty() && ttl != 0 && elapsed(n) > ttl {
                    out.insert(path.clone());
                }
            }
        }
        out.into_iter().collect()
    }

    /// `DataTree.setWatches` (a reconnecting client re-registers its watches): each watch
    /// whose condition already changed after `relative_zxid` fires at once (returned), the
    /// others are added.
    ///
    /// - data: missing -> NodeDeleted; `mzxid > relative_zxid` -> NodeDataChanged;
    /// - exist: exists -> NodeCreated;
    /// - child: missing -> NodeDeleted; `pzxid > relative_zxid` -> NodeChildrenChanged;
    /// - persistent and persistent-recursive watches are always added.
    #[allow(clippy::too_many_arguments)]
    pub fn set_watches(
        &mut self,
        relative_zxid: i64,
        data: &[String],
        exist: &[String],
        child: &[String],
        persistent: &[String],
        persistent_recursive: &[String],
        session: SessionId,
    ) -> Vec<WatchEvent> {
        let mut fired = Vec::new();
        let mut fire = |path: &str, ty: EventType| fired.push(WatchEvent::new(session, ty, path));
        for path in data {
            match self.nodes.get(key(path)) {
                None => fire(path, EventType::NodeDeleted),
                Some(n) if n.stat.mzxid > relative_zxid => fire(path, EventType::NodeDataChanged),
                Some(_) => self.watches.add(path, session, WatchKind::Data),
            }
        }
        for path in exist {
            match self.nodes.get(key(path)) {
                Some(_) => fire(path, EventType::NodeCreated),
                None => self.watches.add(path, session, WatchKind::Exist),
            }
        }
        for path in child {
            match self.nodes.get(key(path)) {
                None => fire(path, EventType::NodeDeleted),
                Some(n) if n.stat.pzxid > relative_zxid => {
                    fire(path, EventType::NodeChildrenChanged)
                }
                Some(_) => self.watches.add(path, session, WatchKind::Child),
            }
        }
        for path in persistent {
            self.watches.add(path, session, WatchKind::Persistent);
        }
        for path in persistent_recursive {
            self.watches
                .add(path, session, WatchKind::PersistentRecursive);
        }
        fired
    }

    /// `ZKDatabase.initConfigInZKDatabase`: a quorum server writes its configuration
    /// (`QuorumVerifier.toString()`) into `/zookeeper/config` when it loads its database,
    /// outside any txn, as `setData(CONFIG_NODE, data, -1, qv.getVersion(), now)`. So the node
    /// then shows `dataVersion = -1` and `mzxid` = the config's version. Re-creates the node
    /// if a snapshot from an old version lacked it. Returns the watch events it fires.
    /// Standalone servers never call this (their config node stays empty).
    pub fn init_config_node(
        &mut self,
        data: Bytes,
        config_version: i64,
        now_ms: i64,
    ) -> Vec<WatchEvent> {
        if self.node(quota::CONFIG_ZOOKEEPER).is_none() {
            let acl = self.acls.intern(&acl::read_acl_unsafe());
            let mut stat = create_stat(0, 0, 0);
            stat.aversion = -1;
            let node = Znode {
                data: Some(Box::default()),
                acl,
                stat,
                children: JavaHashSet::for_children(),
            };
            if let Some(proc) = self.nodes.get_mut(quota::PROC_ZOOKEEPER) {
                proc.children.insert("config");
            }
            self.insert(quota::CONFIG_ZOOKEEPER, node);
        }
        let ctx = TxnContext {
            client_id: 0,
            zxid: config_version,
            time: now_ms,
        };
        let mut fired = Fired::default();
        let data = Some(data);
        self.set_data(ctx, quota::CONFIG_ZOOKEEPER, &data, -1, &mut fired)
            .expect("the config node exists");
        fired.events
    }

    /// `getMaxPrefixWithQuota`: the deepest quota'd path above or at `path`.
    pub fn max_prefix_with_quota(&self, path: &str) -> Option<String> {
        self.quotas.max_prefix(path)
    }

    /// The quota check of `ZooKeeperServer.checkQuota` for a create (`is_create`, with the new
    /// data's length) or a setData (old and new lengths), against the applied tree. Call it
    /// only when `zookeeper.enforceQuota` is on. Soft limits are only logged by ZooKeeper;
    /// hard limits (`countHardLimit`, `byteHardLimit`) fail.
    ///
    /// # Errors
    /// `QuotaExceeded`.
    pub fn check_quota(
        &self,
        path: &str,
        last_data_len: usize,
        new_data_len: usize,
        is_create: bool,
    ) -> Result<(), ErrorCode> {
        let Some(prefix) = self.quotas.max_prefix(path) else {
            return Ok(());
        };
        let (bytes_diff, count_diff) = if is_create {
            (new_data_len as i64, 1)
        } else {
            (new_data_len as i64 - last_data_len as i64, 0)
        };
        let Some(limit_node) = self.node(&quota::limit_path(&prefix)) else {
            return Ok(());
        };
        let limits = StatsTrack::parse(limit_node.data.as_deref());
        let check_count =
            count_diff != 0 && (limits.count() > -1 || limits.count_hard_limit() > -1);
        let check_bytes = bytes_diff != 0 && (limits.bytes() > -1 || limits.byte_hard_limit() > -1);
        if !check_count && !check_bytes {
            return Ok(());
        }
        let Some(stat_node) = self.node(&quota::stat_path(&prefix)) else {
            return Ok(());
        };
        let current = StatsTrack::parse(stat_node.data.as_deref());
        let exceeds_hard = |current: i64, diff: i64, soft: i64, hard: i64| {
            let limit = if hard > -1 { hard } else { soft };
            hard > -1 && current + diff > limit
        };
        if check_count
            && exceeds_hard(
                current.count(),
                count_diff,
                limits.count(),
                limits.count_hard_limit(),
            )
        {
            return Err(ErrorCode::QuotaExceeded);
        }
        if check_bytes
            && exceeds_hard(
                current.bytes(),
                bytes_diff,
                limits.bytes(),
                limits.byte_hard_limit(),
            )
        {
            return Err(ErrorCode::QuotaExceeded);
        }
        Ok(())
    }

    /// Applies one committed txn: the only mutator. Deterministic. `DataTree.processTxn`:
    /// failures (`NoNode`, `NodeExists` when replaying, ...) are results, not errors, and the
    /// watches the change triggers are returned in ZooKeeper's order. `last_processed_zxid`
    /// moves up to the header's zxid (never down: replays over a fuzzy snapshot may apply
    /// older txns).
    ///
    /// # Panics
    /// If the body does not match the header's type (bodies are decoded by type, so this is
    /// a bug in whoever built the txn).
    pub fn apply(&mut self, hdr: &TxnHeader, body: &TxnBody) -> ApplyOutcome {
        let mut fired = Fired::default();
        let ctx = TxnContext {
            client_id: hdr.client_id,
            zxid: hdr.zxid,
            time: hdr.time,
        };
        let result = self.process_txn(ctx, hdr.r#type, body, &mut fired);
        if hdr.zxid > self.last_processed_zxid {
            self.last_processed_zxid = hdr.zxid;
        }
        assert_eq!(fired.events.len(), fired.acls.len(), "one ACL per event");
        ApplyOutcome {
            result,
            events: fired.events,
            event_acls: fired.acls,
        }
    }

    /// `processTxn(header, txn, isSubTxn)` without the `lastProcessedZxid` update.
    fn process_txn(
        &mut self,
        ctx: TxnContext,
        ty: i32,
        body: &TxnBody,
        fired: &mut Fired,
    ) -> TxnResult {
        let mut rc = TxnResult {
            r#type: ty,
            ..TxnResult::default()
        };
        let outcome = self.dispatch(ctx, ty, body, &mut rc, fired);
        if let Err(code) = outcome {
            rc.err = code.as_i32();
        }
        // ZK-COMPAT: DataTree.java: a plain create (type 1, also inside a multi) that finds
        // its node already there — a replay over a fuzzy snapshot where the node was deleted
        // and re-created by another session — still moves the parent's cversion and pzxid.
        if ty == OpCode::Create as i32 && rc.err == ErrorCode::NodeExists.as_i32() {
            if let TxnBody::Create(t) = body {
                if let Some((parent, _)) = split_path(&rc.path) {
                    if let Err(code) = self.set_cversion_pzxid(parent, t.parent_c_version, ctx.zxid)
                    {
                        rc.err = code.as_i32();
                    }
                }
            }
        }
        rc
    }

    /// The `switch (header.getType())` of `processTxn`. Types without a case there
    /// (createSession, ...) change nothing.
    fn dispatch(
        &mut self,
        ctx: TxnContext,
        ty: i32,
        body: &TxnBody,
        rc: &mut TxnResult,
        fired: &mut Fired,
    ) -> Result<(), ErrorCode> {
        let Ok(op) = OpCode::try_from(ty) else {
            return Ok(());
        };
        match (op, body) {
            (OpCode::Create | OpCode::Create2, TxnBody::Create(t)) => {
                rc.path.clone_from(&t.path);
                let owner = if t.ephemeral { ctx.client_id } else { 0 };
                let stat = self.create_txn(ctx, t, owner, fired)?;
                rc.stat = (op == OpCode::Create2).then_some(stat);
            }
            (OpCode::CreateTtl, TxnBody::CreateTtl(t)) => {
                rc.path.clone_from(&t.path);
                // ZK-COMPAT: DataTree.java: Java throws IllegalArgumentException (and stops
                // the server) for a TTL out of range; Prep never logs one.
                let owner = ephemeral::ttl_to_owner(t.ttl)?;
                let create = NewNode::from_parts(&t.path, &t.data, &t.acl, t.parent_c_version);
                rc.stat = Some(self.create_node(ctx, create, owner, fired)?);
            }
            (OpCode::CreateContainer, TxnBody::CreateContainer(t)) => {
                rc.path.clone_from(&t.path);
                let create = NewNode::from_parts(&t.path, &t.data, &t.acl, t.parent_c_version);
                let owner = ephemeral::CONTAINER_EPHEMERAL_OWNER;
                rc.stat = Some(self.create_node(ctx, create, owner, fired)?);
            }
            (OpCode::Delete | OpCode::DeleteContainer, TxnBody::Delete(t)) => {
                rc.path.clone_from(&t.path);
                self.delete_node(&t.path, ctx.zxid, fired)?;
            }
            (OpCode::SetData | OpCode::Reconfig, TxnBody::SetData(t)) => {
                rc.path.clone_from(&t.path);
                rc.stat = Some(self.set_data(ctx, &t.path, &t.data, t.version, fired)?);
            }
            (OpCode::SetAcl, TxnBody::SetAcl(t)) => {
                rc.path.clone_from(&t.path);
                rc.stat = Some(self.set_acl(&t.path, &t.acl, t.version)?);
            }
            (OpCode::CloseSession, TxnBody::CloseSession(t)) => {
                let in_txn = t.as_ref().map(|t| t.paths2_delete.as_slice());
                self.kill_session(ctx.client_id, ctx.zxid, in_txn, fired);
            }
            (OpCode::Error, TxnBody::Error(t)) => rc.err = t.err,
            (OpCode::Check, TxnBody::Check(t)) => rc.path.clone_from(&t.path),
            (OpCode::Multi, TxnBody::Multi(subs)) => self.apply_multi(ctx, subs, rc, fired),
            (OpCode::CreateSession, TxnBody::CreateSession(_)) => {}
            (
                OpCode::Create
                | OpCode::Create2
                | OpCode::CreateTtl
                | OpCode::CreateContainer
                | OpCode::Delete
                | OpCode::DeleteContainer
                | OpCode::SetData
                | OpCode::Reconfig
                | OpCode::SetAcl
                | OpCode::CloseSession
                | OpCode::Error
                | OpCode::Check
                | OpCode::Multi
                | OpCode::CreateSession,
                _,
            ) => mismatch(ty, body),
            _ => {}
        }
        Ok(())
    }

    fn create_txn(
        &mut self,
        ctx: TxnContext,
        t: &CreateTxn,
        owner: i64,
        fired: &mut Fired,
    ) -> Result<Stat, ErrorCode> {
        let create = NewNode::from_parts(&t.path, &t.data, &t.acl, t.parent_c_version);
        self.create_node(ctx, create, owner, fired)
    }

    /// The multi case of `processTxn`: all-or-nothing as ZooKeeper decides it. If any sub-txn
    /// is an error (Prep found one failing), every other sub-txn is turned into an error too:
    /// `Ok` before the first error, `RuntimeInconsistency` after it, and nothing changes.
    /// Sub-txns are applied in order; the multi's `err` is the first sub-error.
    fn apply_multi(
        &mut self,
        ctx: TxnContext,
        subs: &[SubTxn],
        rc: &mut TxnResult,
        fired: &mut Fired,
    ) {
        let failed = subs.iter().any(|s| s.r#type == OpCode::Error as i32);
        let mut post_failed = false;
        for sub in subs {
            let Ok(op) = OpCode::try_from(sub.r#type) else {
                break;
            };
            match op {
                OpCode::Error => post_failed = true,
                // 3.9 also accepts create2 here; a 3.8 Prep never produces it.
                OpCode::Create
                | OpCode::Create2
                | OpCode::CreateTtl
                | OpCode::CreateContainer
                | OpCode::Delete
                | OpCode::DeleteContainer
                | OpCode::SetData
                | OpCode::Check => {}
                // ZK-COMPAT: DataTree.java: any other type ends the multi with an
                // IOException: the sub-txns already applied stay applied.
                _ => break,
            }
            let sub_rc = if failed && op != OpCode::Error {
                let code = if post_failed {
                    ErrorCode::RuntimeInconsistency
                } else {
                    ErrorCode::Ok
                };
                let body = TxnBody::Error(ErrorTxn { err: code.as_i32() });
                self.process_txn(ctx, OpCode::Error as i32, &body, fired)
            } else {
                self.process_txn(ctx, sub.r#type, &sub.body, fired)
            };
            if sub_rc.err != 0 && rc.err == 0 {
                rc.err = sub_rc.err;
            }
            rc.multi.push(sub_rc);
        }
    }

    /// `DataTree.createNode`.
    fn create_node(
        &mut self,
        ctx: TxnContext,
        create: NewNode<'_>,
        owner: i64,
        fired: &mut Fired,
    ) -> Result<Stat, ErrorCode> {
        let path = create.path;
        let (parent_name, child_name) = split_path(path).ok_or(ErrorCode::NoNode)?;
        if path == "/" {
            // Java would alias a child named "" over the root; the root always exists.
            return Err(ErrorCode::NodeExists);
        }
        let parent = self
            .nodes
            .get_mut(key(parent_name))
            .ok_or(ErrorCode::NoNode)?;
        if !parent.children.insert(child_name) {
            return Err(ErrorCode::NodeExists);
        }
        let mut parent_cversion = create.parent_cversion;
        if parent_cversion == -1 {
            parent_cversion = parent.stat.cversion.wrapping_add(1);
        }
        // Only move forward: replaying a create over a fuzzy snapshot that already holds a
        // later cversion must not move it back.
        if parent_cversion > parent.stat.cversion {
            let before = digest::znode_digest(parent_name, parent);
            parent.stat.cversion = parent_cversion;
            parent.stat.pzxid = ctx.zxid;
            rehash(&mut self.digest, before, parent_name, parent);
        }

        let data = own(create.data);
        let data_len = len_of(&data);
        let node = Znode {
            data,
            acl: self.acls.intern(create.acl),
            stat: create_stat(ctx.zxid, ctx.time, owner),
            children: JavaHashSet::for_children(),
        };
        let stat = self.client_stat(&node);
        self.insert(path, node);
        match EphemeralType::from_owner(owner, self.config.extended_types_enabled) {
            EphemeralType::Container => {
                self.containers.insert(path.to_owned());
            }
            EphemeralType::Ttl(_) => {
                self.ttls.insert(path.to_owned());
            }
            EphemeralType::Session(session) => {
                self.ephemerals.entry(session).or_default().insert(path);
            }
            EphemeralType::Normal => {}
        }
        // Quota nodes: a limits node declares a quota, a stats node gets its initial counts.
        if let Some(quotaed) = parent_name.strip_prefix(quota::QUOTA_ZOOKEEPER) {
            if child_name == quota::LIMIT_NODE {
                self.quotas.add(quotaed);
            }
            if child_name == quota::STAT_NODE {
                self.update_quota_for_path(quotaed);
            }
        }
        if let Some(prefix) = self.quotas.max_prefix(path) {
            self.update_quota_stat(&prefix, data_len, 1);
        }
        self.fire_at_node(path, EventType::NodeCreated, fired);
        self.fire_at_node(key(parent_name), EventType::NodeChildrenChanged, fired);
        Ok(stat)
    }

    /// `DataTree.deleteNode`.
    fn delete_node(&mut self, path: &str, zxid: i64, fired: &mut Fired) -> Result<(), ErrorCode> {
        let (parent_name, child_name) = split_path(path).ok_or(ErrorCode::NoNode)?;
        if key(path) == "/" {
            // Prep refuses special paths; never let a txn remove the root.
            return Err(ErrorCode::BadArguments);
        }
        let parent = self
            .nodes
            .get_mut(key(parent_name))
            .ok_or(ErrorCode::NoNode)?;
        // ZK-COMPAT: DataTree.java: the parent's pzxid moves even when the child is already
        // gone (a replay over a fuzzy snapshot), and cversion does not move: the served
        // cversion derives deletions from the child count.
        parent.children.remove(child_name);
        if zxid > parent.stat.pzxid {
            let before = digest::znode_digest(parent_name, parent);
            parent.stat.pzxid = zxid;
            rehash(&mut self.digest, before, parent_name, parent);
        }
        let parent_acl = Arc::clone(&parent.acl);
        let node = self.nodes.remove(path).ok_or(ErrorCode::NoNode)?;
        self.data_size -= node_size(path, &node.data);
        self.digest = self.digest.wrapping_sub(digest::znode_digest(path, &node));
        let data_len = len_of(&node.data);
        match EphemeralType::from_owner(
            node.stat.ephemeral_owner,
            self.config.extended_types_enabled,
        ) {
            EphemeralType::Container => {
                self.containers.remove(path);
            }
            EphemeralType::Ttl(_) => {
                self.ttls.remove(path);
            }
            EphemeralType::Session(session) => {
                if let Some(paths) = self.ephemerals.get_mut(&session) {
                    paths.remove(path);
                }
            }
            EphemeralType::Normal => {}
        }
        let acl = node.acl;
        // ZK-COMPAT: DataTree.java: deleting a limits node drops the quota whenever the
        // parent starts with "/zookeeper" (not "/zookeeper/quota"), cutting the first 16
        // characters off the parent's path.
        if parent_name.starts_with(quota::PROC_ZOOKEEPER) && child_name == quota::LIMIT_NODE {
            if let Some(quotaed) = quota::trim_quota_path(parent_name) {
                self.quotas.remove(quotaed);
            }
        }
        if let Some(prefix) = self.quotas.max_prefix(path) {
            self.update_quota_stat(&prefix, -data_len, -1);
        }
        self.fire(path, EventType::NodeDeleted, &acl, fired);
        let parent = key(parent_name);
        self.fire(parent, EventType::NodeChildrenChanged, &parent_acl, fired);
        self.acls.release(acl);
        Ok(())
    }

    /// `DataTree.setData`: `version` is the new version Prep computed.
    fn set_data(
        &mut self,
        ctx: TxnContext,
        path: &str,
        data: &Option<Bytes>,
        version: i32,
        fired: &mut Fired,
    ) -> Result<Stat, ErrorCode> {
        let n = self.nodes.get_mut(key(path)).ok_or(ErrorCode::NoNode)?;
        let before = digest::znode_digest(path, n);
        let data = own(data);
        let bytes_diff = len_of(&data) - len_of(&n.data);
        n.data = data;
        n.stat.mtime = ctx.time;
        n.stat.mzxid = ctx.zxid;
        n.stat.version = version;
        rehash(&mut self.digest, before, path, n);
        let stat = n.client_stat(self.config.extended_types_enabled);
        let acl = Arc::clone(&n.acl);
        if let Some(prefix) = self.quotas.max_prefix(path) {
            self.update_quota_stat(&prefix, bytes_diff, 0);
        }
        self.data_size += bytes_diff;
        self.fire(path, EventType::NodeDataChanged, &acl, fired);
        Ok(stat)
    }

    /// Triggers `event` on `path` and records `acl` (the ACL of the znode at `path`) for each
    /// event it produced.
    /// [`DataTree::fire`] for a node that exists (`key(path)`), with its ACL, which is only
    /// looked up when a watch fires (most txns fire none).
    fn fire_at_node(&mut self, path: &str, event: EventType, fired: &mut Fired) {
        let before = fired.events.len();
        self.watches.trigger(path, event, &mut fired.events);
        if fired.events.len() > before {
            let acl = &self.nodes.get(key(path)).expect("the node exists").acl;
            fired.event_acls(before, acl);
        }
    }

    fn fire(&mut self, path: &str, event: EventType, acl: &Arc<Vec<Acl>>, fired: &mut Fired) {
        let before = fired.events.len();
        self.watches.trigger(path, event, &mut fired.events);
        fired.event_acls(before, acl);
    }

    /// `DataTree.setACL`: `version` is the new aversion. Triggers no watch.
    fn set_acl(&mut self, path: &str, acl: &[Acl], version: i32) -> Result<Stat, ErrorCode> {
        let new_acl = self.acls.intern(acl);
        let Some(n) = self.nodes.get_mut(key(path)) else {
            self.acls.release(new_acl);
            return Err(ErrorCode::NoNode);
        };
        let old = std::mem::replace(&mut n.acl, new_acl);
        let before = digest::znode_digest(path, n);
        n.stat.aversion = version;
        rehash(&mut self.digest, before, path, n);
        let stat = n.client_stat(self.config.extended_types_enabled);
        self.acls.release(old);
        Ok(stat)
    }

    /// `DataTree.setCversionPzxid`.
    fn set_cversion_pzxid(
        &mut self,
        path: &str,
        cversion: i32,
        zxid: i64,
    ) -> Result<(), ErrorCode> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let n = self.nodes.get_mut(key(path)).ok_or(ErrorCode::NoNode)?;
        let cversion = if cversion == -1 {
            n.stat.cversion.wrapping_add(1)
        } else {
            cversion
        };
        if cversion > n.stat.cversion {
            let before = digest::znode_digest(path, n);
            n.stat.cversion = cversion;
            n.stat.pzxid = zxid;
            rehash(&mut self.digest, before, path, n);
        }
        Ok(())
    }

    /// `DataTree.killSession`: deletes the paths the closeSession txn lists (3.6+), then any
    /// ephemeral of the session the tree still knows of, in its set's order. Missing nodes are
    /// skipped.
    fn kill_session(
        &mut self,
        session: SessionId,
        zxid: i64,
        in_txn: Option<&[String]>,
        fired: &mut Fired,
    ) {
        let local = self.ephemerals.remove(&session);
        if let Some(paths) = in_txn {
            for path in paths {
                // NoNode: already gone (the log replays over a fuzzy snapshot).
                let _ = self.delete_node(path, zxid, fired);
            }
        }
        let Some(mut local) = local else { return };
        if let Some(paths) = in_txn {
            for path in paths {
                local.remove(path);
            }
        }
        for path in local.to_java_vec() {
            let _ = self.delete_node(&path, zxid, fired);
        }
    }

    /// `updateQuotaStat`: adds the diffs to the stats node of the quota at `prefix`, rewriting
    /// its data in place.
    ///
    /// ZK-COMPAT: DataTree.java: the stats node's version, mzxid and mtime do not change, and
    /// neither does the cached data size.
    fn update_quota_stat(&mut self, prefix: &str, bytes_diff: i64, count_diff: i64) {
        let stat_path = quota::stat_path(prefix);
        let Some(n) = self.nodes.get_mut(stat_path.as_str()) else {
            return;
        };
        let before = digest::znode_digest(&stat_path, n);
        let mut st = StatsTrack::parse(n.data.as_deref());
        st.set("count", st.count() + count_diff);
        st.set("bytes", st.bytes() + bytes_diff);
        n.data = Some(st.format().into_bytes().into_boxed_slice());
        // Quota nodes are under /zookeeper/, so this is 0 both times; kept so the digest
        // stays right whatever digest::node_digest excludes.
        rehash(&mut self.digest, before, &stat_path, n);
    }

    /// `updateQuotaForPath`: recounts the subtree at `path` into its stats node.
    fn update_quota_for_path(&mut self, path: &str) {
        let (count, bytes) = self.counts(path);
        let mut st = StatsTrack::default();
        st.set("bytes", bytes);
        st.set("count", count);
        let stat_path = quota::stat_path(path);
        if let Some(n) = self.nodes.get_mut(stat_path.as_str()) {
            let before = digest::znode_digest(&stat_path, n);
            n.data = Some(st.format().into_bytes().into_boxed_slice());
            rehash(&mut self.digest, before, &stat_path, n);
        }
    }

    /// `getCounts`: nodes and data bytes in the subtree at `path`.
    ///
    /// ZK-COMPAT: DataTree.java: child paths are built as `path + "/" + child`, so for "/"
    /// they are "//x" and only the root itself is counted.
    fn counts(&self, path: &str) -> (i64, i64) {
        let (mut count, mut bytes) = (0, 0);
        let mut stack = vec![path.to_owned()];
        while let Some(p) = stack.pop() {
            let Some(n) = self.node(&p) else { continue };
            count += 1;
            bytes += n.data_len() as i64;
            stack.extend(n.children.iter_sorted().map(|c| format!("{p}/{c}")));
        }
        (count, bytes)
    }
}

/// The header fields every part of a txn uses.
#[derive(Debug, Clone, Copy)]
struct TxnContext {
    client_id: SessionId,
    zxid: i64,
    time: i64,
}

/// The fields of the three create txn records that `createNode` uses.
struct NewNode<'a> {
    path: &'a str,
    data: &'a Option<Bytes>,
    acl: &'a [Acl],
    parent_cversion: i32,
}

impl<'a> NewNode<'a> {
    fn from_parts(
        path: &'a str,
        data: &'a Option<Bytes>,
        acl: &'a [Acl],
        parent_cversion: i32,
    ) -> Self {
        NewNode {
            path,
            data,
            acl,
            parent_cversion,
        }
    }
}

/// Why [`DataTree::load_node`] refused a node record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LoadNodeError {
    /// The parent path has not been read yet.
    MissingParent(String),
    /// The path was read before.
    Duplicate,
}

/// Building a tree from snapshot records (`DataTree.deserialize`), for [`crate::snapshot`].
impl DataTree {
    /// A tree with no node at all, not even the root: the start of a snapshot load.
    pub(crate) fn empty_for_load(config: TreeConfig) -> Self {
        DataTree {
            nodes: NodeMap::default(),
            acls: AclCache::default(),
            ephemerals: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            quotas: QuotaIndex::default(),
            data_size: 0,
            last_processed_zxid: 0,
            digest: 0,
            config,
            watches: WatchTable::default(),
        }
    }

    /// The shared list equal to `acl` (`ReferenceCountedACLCache.deserialize`).
    pub(crate) fn intern_acl(&mut self, acl: &[Acl]) -> Arc<Vec<Acl>> {
        self.acls.intern(acl)
    }

    /// Adds one node read from a snapshot. A path without '/' is the root (ZooKeeper writes
    /// it as `""`); any other path needs its parent already loaded, and joins the parent's
    /// children and the ephemeral, container or TTL index its `ephemeralOwner` names (the
    /// root's owner is never indexed, as in ZooKeeper).
    pub(crate) fn load_node(&mut self, path: &str, node: Znode) -> Result<(), LoadNodeError> {
        let Some((parent_name, child_name)) = split_path(path) else {
            if self.nodes.contains_key("/") {
                return Err(LoadNodeError::Duplicate);
            }
            self.insert("/", node);
            return Ok(());
        };
        if path == "/" || self.nodes.contains_key(path) {
            return Err(LoadNodeError::Duplicate);
        }
        let parent = self
            .nodes
            .get_mut(key(parent_name))
            .ok_or_else(|| LoadNodeError::MissingParent(parent_name.to_owned()))?;
        parent.children.insert(child_name);
        let owner = node.stat.ephemeral_owner;
        self.insert(path, node);
        match EphemeralType::from_owner(owner, self.config.extended_types_enabled) {
            EphemeralType::Container => {
                self.containers.insert(path.to_owned());
            }
            EphemeralType::Ttl(_) => {
                self.ttls.insert(path.to_owned());
            }
            EphemeralType::Session(session) => {
                self.ephemerals.entry(session).or_default().insert(path);
            }
            EphemeralType::Normal => {}
        }
        Ok(())
    }

    /// The end of a snapshot load: a root if the snapshot had none, then the quota index and
    /// the stats nodes (`setupQuota`: every leaf `.../zookeeper_limits` under
    /// `/zookeeper/quota` declares a quota, and its stats node is recounted).
    pub(crate) fn finish_load(&mut self, last_processed_zxid: i64) {
        if !self.nodes.contains_key("/") {
            let open = self.acls.intern(&acl::open_acl_unsafe());
            let root = Znode {
                data: Some(Box::default()),
                acl: open,
                stat: create_stat(0, 0, 0),
                children: JavaHashSet::for_children(),
            };
            self.insert("/", root);
        }
        let mut limits = Vec::new();
        let mut stack = vec![quota::QUOTA_ZOOKEEPER.to_owned()];
        while let Some(p) = stack.pop() {
            let Some(n) = self.nodes.get(p.as_str()) else {
                continue;
            };
            if n.children.is_empty() {
                let end = format!("/{}", quota::LIMIT_NODE);
                if p.ends_with(&end) {
                    // ZK-COMPAT: DataTree.java: the quota'd path ends at the *first*
                    // "/zookeeper_limits" (`indexOf`).
                    let start = quota::QUOTA_ZOOKEEPER.len();
                    if let Some(at) = p.find(&end) {
                        limits.push(p[start..at.max(start)].to_owned());
                    }
                }
                continue;
            }
            stack.extend(n.children.iter_sorted().map(|c| format!("{p}/{c}")));
        }
        for real in limits {
            self.update_quota_for_path(&real);
            self.quotas.add(&real);
        }
        self.last_processed_zxid = last_processed_zxid;
    }
}
