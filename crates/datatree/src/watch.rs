//! Watches. Counterpart of `org.apache.zookeeper.server.watch.WatchManager` (one instance each
//! for the data and the child table), `WatchStats`, `WatcherMode`, `PathParentIterator`, and
//! the watch parts of `DataTree` (`addWatch`, `containsWatcher`, `removeWatch`, the
//! `triggerWatch` call sites in `createNode`/`deleteNode`/`setData`, `getWatchCount`,
//! `dumpWatches*`, `getWatches*`).
//!
//! A watcher is a session's connection: watches are removed when the connection closes
//! ([`WatchTable::remove_session`]) and restored by `setWatches` on reconnect.
//!
//! # Which ZooKeeper version
//! The per-(path, session) state is the 3.9 `WatchStats` bit set (ZOOKEEPER-4466, 4471): one
//! session can hold a one-shot watch *and* persistent / persistent-recursive watches on the
//! same path, and removing one mode keeps the others. 3.8's `WatcherModeManager` kept a single
//! mode, so a `getData(watch)` on a path with a persistent watch silently turned it into a
//! one-shot watch; that is a bug we do not reproduce. Consequences, all as in 3.9:
//! - `addWatch(PERSISTENT)` goes into both tables; `addWatch(PERSISTENT_RECURSIVE)` into the
//!   data table only (3.8 put it in both and filtered `NodeChildrenChanged` at trigger time;
//!   the events delivered are the same, only `mntr`'s `zk_watch_count` differs).
//! - checkWatches / removeWatches accept `WatcherType` 1..=5 ([`WatcherType`]); Children and
//!   Data match only one-shot watches, Persistent / PersistentRecursive only those modes,
//!   Any matches every mode in both tables.
//!
//! # Things left to the caller
//! - 3.8.4+/3.9 deliver a notification only if the session may READ the znode the event is
//!   about (`NIOServerCnxn.process(event, znodeAcl)`, CVE-2024-23944). The ACL is always the
//!   one of the node at `event.path` at the time of the change (for `NodeChildrenChanged`
//!   that is the parent, which is the event's path; for `NodeDeleted` the deleted node's last
//!   ACL). A session filtered out that way still counts as notified, and its one-shot watch
//!   is still consumed: the filter belongs after this table, at delivery.
//! - 3.9 puts the zxid of the triggering txn into the notification's `ReplyHeader.zxid`
//!   (ZOOKEEPER-4655); 3.8 sends -1. Events produced by `setWatches` carry -1 in both.
//! - A registration that arrives after the connection closed must not be added
//!   (`WatchManager.isDeadWatcher`); otherwise it would stay until the session id is reused.
//!
//! # Determinism
//! Every trigger call appends its events in ascending session-id order (ZooKeeper's order is
//! a `HashSet`'s). The path index is a `HashMap` with a fixed-key hasher; reports are sorted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::FixedState;

use jute_codec::records::WatcherEvent;

use crate::SessionId;

/// `Watcher.Event.EventType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum EventType {
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
    DataWatchRemoved = 5,
    ChildWatchRemoved = 6,
    PersistentWatchRemoved = 7,
}

/// The kinds of watch a session can leave on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WatchKind {
    /// One-shot data watch (getData, or exists on an existing node).
    Data,
    /// One-shot exist watch (exists on a missing node; held in the data table as in ZK).
    Exist,
    /// One-shot child watch (getChildren).
    Child,
    /// addWatch mode PERSISTENT (0).
    Persistent,
    /// addWatch mode PERSISTENT_RECURSIVE (1).
    PersistentRecursive,
}

/// `Watcher.WatcherType`, the `type` field of checkWatches / removeWatches requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum WatcherType {
    /// One-shot child watches.
    Children = 1,
    /// One-shot data and exist watches.
    Data = 2,
    /// Every watch, of every mode, in both tables.
    Any = 3,
    /// PERSISTENT watches (3.9+).
    Persistent = 4,
    /// PERSISTENT_RECURSIVE watches (3.9+).
    PersistentRecursive = 5,
}

impl WatcherType {
    /// `WatcherType.fromInt`. `None` where ZooKeeper throws (FinalRequestProcessor then answers
    /// with a generic error rather than NoWatcher).
    pub fn from_i32(value: i32) -> Option<Self> {
        match value {
            1 => Some(Self::Children),
            2 => Some(Self::Data),
            3 => Some(Self::Any),
            4 => Some(Self::Persistent),
            5 => Some(Self::PersistentRecursive),
            _ => None,
        }
    }
}

/// `Watcher.Event.KeeperState.SyncConnected`: the state of every server-side notification.
const SYNC_CONNECTED: i32 = 3;

/// A notification to deliver to one session (`xid` -1, state SyncConnected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    /// Who gets it.
    pub session: SessionId,
    /// What to send.
    pub event: WatcherEvent,
}

impl WatchEvent {
    /// A SyncConnected notification of `event` about `path` (the changed node's path) for
    /// `session`. Also what `setWatches` sends for changes missed while disconnected.
    pub fn new(session: SessionId, event: EventType, path: &str) -> Self {
        WatchEvent {
            session,
            event: WatcherEvent {
                r#type: event as i32,
                state: SYNC_CONNECTED,
                path: path.to_owned(),
            },
        }
    }
}

/// The sessions one trigger call notified, suppressed ones included: ZooKeeper's
/// `WatcherOrBitSet` returned by `triggerWatch`. Sorted ascending, no duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notified(Vec<SessionId>);

impl Notified {
    /// Whether `session` was notified.
    pub fn contains(&self, session: SessionId) -> bool {
        self.0.binary_search(&session).is_ok()
    }

    /// The sessions, ascending.
    pub fn as_slice(&self) -> &[SessionId] {
        &self.0
    }

    /// Whether nobody was notified (ZooKeeper returns `null` then).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many sessions were notified.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// One session's watches, per kind, each list sorted (see [`WatchTable::watches_of`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionWatches {
    /// One-shot data-table watches added as [`WatchKind::Data`].
    pub data: Vec<String>,
    /// One-shot data-table watches added as [`WatchKind::Exist`].
    pub exist: Vec<String>,
    /// One-shot child-table watches.
    pub child: Vec<String>,
    /// PERSISTENT watches.
    pub persistent: Vec<String>,
    /// PERSISTENT_RECURSIVE watches.
    pub recursive: Vec<String>,
}

/// `WatchStats` flags, `1 << WatcherMode.ordinal()`.
const STANDARD: u8 = 1;
const PERSISTENT: u8 = 2;
const RECURSIVE: u8 = 4;
const MODES: u8 = STANDARD | PERSISTENT | RECURSIVE;
/// Not a ZooKeeper mode: remembers that the STANDARD bit was last set by an exists() on a
/// missing node, so [`WatchTable::watches_of`] can tell exist from data watches. Only
/// meaningful together with STANDARD; never compared as a mode.
const EXIST_HINT: u8 = 8;

/// One `WatchManager`: the data table or the child table.
#[derive(Debug, Clone, Default)]
struct Table {
    /// `watchTable` joined with the `WatchStats` of `watch2Paths`: path → session → mode bits.
    /// A path is present only while some session has a non-empty mode set on it.
    watchers: HashMap<Arc<str>, BTreeMap<SessionId, u8>, FixedState>,
    /// `watch2Paths` key sets: session → watched paths. As in ZooKeeper, a session's entry
    /// may be empty after its one-shot watches fired; it goes when its last watch is removed
    /// by removeWatches, or when the session goes.
    paths: BTreeMap<SessionId, HashSet<Arc<str>, FixedState>>,
    /// `recursiveWatchQty`: number of (path, session) pairs with the RECURSIVE bit.
    recursive: usize,
}

impl Table {
    /// `WatchManager.addWatch(path, watcher, mode)`; `mode` is one of the mode bits.
    fn add(&mut self, path: &str, session: SessionId, mode: u8, exist_hint: bool) {
        let key: Arc<str> = match self.watchers.get_key_value(path) {
            Some((key, _)) => Arc::clone(key),
            None => Arc::from(path),
        };
        let sessions = self.watchers.entry(Arc::clone(&key)).or_default();
        let old = sessions.get(&session).copied().unwrap_or(0);
        let mut new = old | mode;
        if mode == STANDARD {
            new = if exist_hint {
                new | EXIST_HINT
            } else {
                new & !EXIST_HINT
            };
        }
        sessions.insert(session, new);
        if mode == RECURSIVE && old & RECURSIVE == 0 {
            self.recursive += 1;
        }
        self.paths.entry(session).or_default().insert(key);
    }

    /// `WatchManager.removeWatcher(watcher)`: the connection closed.
    fn remove_session(&mut self, session: SessionId) {
        let Some(paths) = self.paths.remove(&session) else {
            return;
        };
        for path in paths {
            let Some(sessions) = self.watchers.get_mut(&*path) else {
                continue;
            };
            if let Some(modes) = sessions.remove(&session) {
                if modes & RECURSIVE != 0 {
                    self.recursive -= 1;
                }
            }
            if sessions.is_empty() {
                self.watchers.remove(&*path);
            }
        }
    }

    /// Mode bits of `session` on `path` (0 when none).
    fn modes(&self, path: &str, session: SessionId) -> u8 {
        self.watchers
            .get(path)
            .and_then(|sessions| sessions.get(&session))
            .map_or(0, |modes| modes & MODES)
    }

    /// `WatchManager.containsWatcher(path, watcher, mode)`; `None` matches any mode.
    fn contains(&self, path: &str, session: SessionId, mode: Option<u8>) -> bool {
        let modes = self.modes(path, session);
        modes != 0 && mode.is_none_or(|bit| modes & bit != 0)
    }

    /// `WatchManager.removeWatcher(path, watcher, mode)`; `None` removes every mode. Returns
    /// whether anything changed.
    fn remove(&mut self, path: &str, session: SessionId, mode: Option<u8>) -> bool {
        let Some(sessions) = self.watchers.get_mut(path) else {
            return false;
        };
        let Some(&old) = sessions.get(&session) else {
            return false;
        };
        let mut new = match mode {
            Some(bit) => old & !bit,
            None => 0,
        };
        if new & STANDARD == 0 {
            new &= !EXIST_HINT;
        }
        if new & MODES == old & MODES {
            return false;
        }
        if old & RECURSIVE != 0 && new & RECURSIVE == 0 {
            self.recursive -= 1;
        }
        if new & MODES != 0 {
            sessions.insert(session, new);
            return true;
        }
        // `unwatch`: the pair goes, and so do an empty path entry and an empty session entry.
        sessions.remove(&session);
        if sessions.is_empty() {
            self.watchers.remove(path);
        }
        if let Some(paths) = self.paths.get_mut(&session) {
            paths.remove(path);
            if paths.is_empty() {
                self.paths.remove(&session);
            }
        }
        true
    }

    /// `WatchManager.triggerWatch(path, type, supress)` (3.9). Walks `path` and, only while
    /// some recursive watch exists in this table, its ancestors up to `/`. On `path` itself
    /// every mode fires and the STANDARD bit is consumed; on an ancestor only RECURSIVE fires.
    /// Each notified session gets one event, unless it is in `suppress`; suppressed sessions
    /// still have their one-shot watch consumed and are still returned.
    fn trigger(
        &mut self,
        path: &str,
        event: EventType,
        suppress: Option<&Notified>,
        out: &mut Vec<WatchEvent>,
    ) -> Notified {
        if self.watchers.is_empty() {
            return Notified::default();
        }
        let mut notified = Vec::new();
        let walk_ancestors = self.recursive > 0;
        for (level, local) in Ancestry::new(path, walk_ancestors).enumerate() {
            let Some(sessions) = self.watchers.get_mut(local) else {
                continue;
            };
            if level > 0 {
                notified.extend(
                    sessions
                        .iter()
                        .filter(|(_, modes)| **modes & RECURSIVE != 0)
                        .map(|(session, _)| *session),
                );
                continue;
            }
            let paths = &mut self.paths;
            sessions.retain(|&session, modes| {
                notified.push(session);
                if *modes & STANDARD == 0 {
                    return true;
                }
                *modes &= !(STANDARD | EXIST_HINT);
                if *modes != 0 {
                    return true;
                }
                // As ZooKeeper: the path leaves the session's set, the (maybe empty) set stays.
                if let Some(session_paths) = paths.get_mut(&session) {
                    session_paths.remove(local);
                }
                false
            });
            if sessions.is_empty() {
                self.watchers.remove(local);
            }
        }
        if notified.is_empty() {
            return Notified::default();
        }
        notified.sort_unstable();
        notified.dedup();
        for &session in &notified {
            if suppress.is_some_and(|s| s.contains(session)) {
                continue;
            }
            out.push(WatchEvent::new(session, event, path));
        }
        Notified(notified)
    }

    /// `WatchManager.size()`: (path, session) pairs.
    fn size(&self) -> usize {
        self.watchers.values().map(BTreeMap::len).sum()
    }

    /// Paths of `session` whose modes intersect `mask`, sorted.
    fn paths_of(&self, session: SessionId, mask: u8, want: impl Fn(u8) -> bool) -> Vec<String> {
        let Some(paths) = self.paths.get(&session) else {
            return Vec::new();
        };
        let mut list: Vec<String> = paths
            .iter()
            .filter(|path| {
                let modes = self
                    .watchers
                    .get(&***path)
                    .and_then(|sessions| sessions.get(&session))
                    .copied()
                    .unwrap_or(0);
                modes & mask != 0 && want(modes)
            })
            .map(|path| path.to_string())
            .collect();
        list.sort_unstable();
        list
    }
}

/// `PathParentIterator`: `path`, then (if `walk_ancestors`) each parent up to `/`.
struct Ancestry<'a> {
    next: Option<&'a str>,
    walk_ancestors: bool,
}

impl<'a> Ancestry<'a> {
    fn new(path: &'a str, walk_ancestors: bool) -> Self {
        Ancestry {
            next: (!path.is_empty()).then_some(path),
            walk_ancestors,
        }
    }
}

impl<'a> Iterator for Ancestry<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let current = self.next?;
        self.next = if !self.walk_ancestors || current == "/" {
            None
        } else {
            parent_of(current)
        };
        Some(current)
    }
}

/// `DataTree`'s `parentName` (`"" → "/"`); `None` for `/` and slash-less strings.
fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(at) => Some(&path[..at]),
        None => None,
    }
}

/// All watches, keyed by path and session: `DataTree`'s `dataWatches` and `childWatches`.
///
/// Data and exist watches are STANDARD entries in the data table, child watches STANDARD
/// entries in the child table, PERSISTENT watches live in both tables and
/// PERSISTENT_RECURSIVE ones in the data table only (3.9 `DataTree.addWatch`/`setWatches`).
#[derive(Debug, Clone, Default)]
pub struct WatchTable {
    data: Table,
    child: Table,
}

impl WatchTable {
    /// Adds a watch: `DataTree.getData`/`statNode` (`Data`, `Exist`: `dataWatches.addWatch`),
    /// `getChildren` (`Child`: `childWatches.addWatch`), `addWatch` (`Persistent`: both tables;
    /// `PersistentRecursive`: data table only) and the same per list in `setWatches`. Adding a
    /// mode the pair already has changes nothing; other modes on the pair are kept.
    pub fn add(&mut self, path: &str, session: SessionId, kind: WatchKind) {
        match kind {
            WatchKind::Data => self.data.add(path, session, STANDARD, false),
            WatchKind::Exist => self.data.add(path, session, STANDARD, true),
            WatchKind::Child => self.child.add(path, session, STANDARD, false),
            WatchKind::Persistent => {
                self.child.add(path, session, PERSISTENT, false);
                self.data.add(path, session, PERSISTENT, false);
            }
            WatchKind::PersistentRecursive => self.data.add(path, session, RECURSIVE, false),
        }
    }

    /// Convenience for one change of `path`, as `DataTree` triggers it on that path:
    /// - `NodeCreated`, `NodeDataChanged`: [`trigger_data`](Self::trigger_data) only;
    /// - `NodeChildrenChanged`: [`trigger_child`](Self::trigger_child) only (`path` is the
    ///   parent whose children changed);
    /// - `NodeDeleted`: `trigger_data`, then `trigger_child` on the same path suppressing the
    ///   sessions the data table notified (`deleteNode`'s first two calls);
    /// - other types: nothing (the server never triggers them).
    ///
    /// It does not touch the parent; for whole `DataTree` operations use
    /// [`node_created`](Self::node_created), [`node_deleted`](Self::node_deleted) and
    /// [`node_data_changed`](Self::node_data_changed).
    pub fn trigger(&mut self, path: &str, event: EventType, out: &mut Vec<WatchEvent>) {
        match event {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                self.trigger_data(path, event, out);
            }
            EventType::NodeChildrenChanged => {
                self.trigger_child(path, event, None, out);
            }
            EventType::NodeDeleted => {
                let notified = self.trigger_data(path, event, out);
                self.trigger_child(path, event, Some(&notified), out);
            }
            EventType::None
            | EventType::DataWatchRemoved
            | EventType::ChildWatchRemoved
            | EventType::PersistentWatchRemoved => {}
        }
    }

    /// `dataWatches.triggerWatch(path, event)`: fires data, exist, persistent and recursive
    /// watches on `path`, plus recursive watches on its ancestors. One-shot watches on `path`
    /// are consumed. Appends one event per notified session (ascending session id), each
    /// carrying `path`, and returns the notified sessions.
    pub fn trigger_data(
        &mut self,
        path: &str,
        event: EventType,
        out: &mut Vec<WatchEvent>,
    ) -> Notified {
        self.data.trigger(path, event, None, out)
    }

    /// `childWatches.triggerWatch(path, event, suppress)`: fires child and persistent watches
    /// on `path` (recursive watches are never in the child table). Sessions in `suppress`
    /// get no event here but their one-shot child watch is still consumed; they are part of
    /// the returned set, as in ZooKeeper.
    pub fn trigger_child(
        &mut self,
        path: &str,
        event: EventType,
        suppress: Option<&Notified>,
        out: &mut Vec<WatchEvent>,
    ) -> Notified {
        self.child.trigger(path, event, suppress, out)
    }

    /// The watch part of `DataTree.createNode(path)`:
    /// `dataWatches.triggerWatch(path, NodeCreated)` then
    /// `childWatches.triggerWatch(parent, NodeChildrenChanged)`.
    pub fn node_created(&mut self, path: &str, out: &mut Vec<WatchEvent>) {
        self.trigger_data(path, EventType::NodeCreated, out);
        if let Some(parent) = parent_of(path) {
            self.trigger_child(parent, EventType::NodeChildrenChanged, None, out);
        }
    }

    /// The watch part of `DataTree.deleteNode(path)`:
    /// `processed = dataWatches.triggerWatch(path, NodeDeleted)`, then
    /// `childWatches.triggerWatch(path, NodeDeleted, processed)`, then
    /// `childWatches.triggerWatch(parent, NodeChildrenChanged)`.
    pub fn node_deleted(&mut self, path: &str, out: &mut Vec<WatchEvent>) {
        self.trigger(path, EventType::NodeDeleted, out);
        if let Some(parent) = parent_of(path) {
            self.trigger_child(parent, EventType::NodeChildrenChanged, None, out);
        }
    }

    /// The watch part of `DataTree.setData(path)`:
    /// `dataWatches.triggerWatch(path, NodeDataChanged)`.
    pub fn node_data_changed(&mut self, path: &str, out: &mut Vec<WatchEvent>) {
        self.trigger_data(path, EventType::NodeDataChanged, out);
    }

    /// Removes every watch of `session` in both tables (`DataTree.removeCnxn`).
    pub fn remove_session(&mut self, session: SessionId) {
        self.data.remove_session(session);
        self.child.remove_session(session);
    }

    /// checkWatches (`DataTree.containsWatcher`, 3.9): whether `session` has a watch of
    /// `watcher_type` on `path` (exact path; a recursive watch on an ancestor does not count).
    /// 1 Children: a one-shot child watch; 2 Data: a one-shot data/exist watch;
    /// 4 Persistent; 5 PersistentRecursive; 3 Any: any mode in either table. Other values:
    /// `false` (see [`WatcherType::from_i32`]).
    pub fn contains(&self, path: &str, session: SessionId, watcher_type: i32) -> bool {
        match WatcherType::from_i32(watcher_type) {
            Some(WatcherType::Children) => self.child.contains(path, session, Some(STANDARD)),
            Some(WatcherType::Data) => self.data.contains(path, session, Some(STANDARD)),
            Some(WatcherType::Persistent) => self.data.contains(path, session, Some(PERSISTENT)),
            Some(WatcherType::PersistentRecursive) => {
                self.data.contains(path, session, Some(RECURSIVE))
            }
            Some(WatcherType::Any) => {
                self.child.contains(path, session, None) || self.data.contains(path, session, None)
            }
            None => false,
        }
    }

    /// removeWatches (`DataTree.removeWatch`, 3.9): removes `session`'s watches of
    /// `watcher_type` on `path`; returns whether any was removed (else the reply is
    /// NoWatcher). 1 Children: the one-shot child watch; 2 Data: the one-shot data/exist
    /// watch; 4 Persistent: the persistent watch in both tables; 5 PersistentRecursive: the
    /// recursive watch; 3 Any: every mode in both tables. Other modes on the pair stay.
    /// Other values: `false`.
    pub fn remove(&mut self, path: &str, session: SessionId, watcher_type: i32) -> bool {
        match WatcherType::from_i32(watcher_type) {
            Some(WatcherType::Children) => self.child.remove(path, session, Some(STANDARD)),
            Some(WatcherType::Data) => self.data.remove(path, session, Some(STANDARD)),
            Some(WatcherType::Persistent) => {
                let child = self.child.remove(path, session, Some(PERSISTENT));
                let data = self.data.remove(path, session, Some(PERSISTENT));
                child || data
            }
            Some(WatcherType::PersistentRecursive) => {
                self.data.remove(path, session, Some(RECURSIVE))
            }
            Some(WatcherType::Any) => {
                let child = self.child.remove(path, session, None);
                let data = self.data.remove(path, session, None);
                child || data
            }
            None => false,
        }
    }

    /// `DataTree.getWatchCount()` (`mntr`'s `zk_watch_count`, the `watch_count` gauge):
    /// (path, session) pairs in the data table plus those in the child table. A pair counts
    /// once whatever its modes; a persistent watch counts twice (it is in both tables).
    pub fn count(&self) -> usize {
        self.data.size() + self.child.size()
    }

    /// `wchs` (`DataTree.getWatchesSummary`, data table only, as ZooKeeper):
    /// `(connections, paths, total)`, printed as
    /// `"{connections} connections watching {paths} paths\nTotal watches:{total}\n"`.
    /// `connections` includes sessions whose one-shot watches all fired (ZooKeeper keeps
    /// their empty entry until the connection closes).
    pub fn summary(&self) -> (usize, usize, usize) {
        let total = self.data.paths.values().map(HashSet::len).sum();
        (self.data.paths.len(), self.data.watchers.len(), total)
    }

    /// `wchc` (`DataTree.getWatches`, data table only): session → watched paths, sorted.
    /// Includes sessions with an empty list (see [`summary`](Self::summary)).
    pub fn by_session(&self) -> BTreeMap<SessionId, Vec<String>> {
        self.data
            .paths
            .iter()
            .map(|(&session, paths)| {
                let mut list: Vec<String> = paths.iter().map(|path| path.to_string()).collect();
                list.sort_unstable();
                (session, list)
            })
            .collect()
    }

    /// `wchp` (`DataTree.getWatchesByPath`, data table only): path → sessions, sorted.
    pub fn by_path(&self) -> BTreeMap<String, Vec<SessionId>> {
        self.data
            .watchers
            .iter()
            .map(|(path, sessions)| (path.to_string(), sessions.keys().copied().collect()))
            .collect()
    }

    /// Watches `session` holds, counted as [`count`](Self::count) counts them: its
    /// (path, table) pairs in both tables.
    pub fn session_watch_count(&self, session: SessionId) -> usize {
        let in_table = |table: &Table| table.paths.get(&session).map_or(0, HashSet::len);
        in_table(&self.data) + in_table(&self.child)
    }

    /// `session`'s watches per kind, each list sorted: the lists a client would send in
    /// `SetWatches2` to restore them. A path can appear in several lists.
    pub fn watches_of(&self, session: SessionId) -> SessionWatches {
        SessionWatches {
            data: self
                .data
                .paths_of(session, STANDARD, |modes| modes & EXIST_HINT == 0),
            exist: self
                .data
                .paths_of(session, STANDARD, |modes| modes & EXIST_HINT != 0),
            child: self.child.paths_of(session, STANDARD, |_| true),
            persistent: self.data.paths_of(session, PERSISTENT, |_| true),
            recursive: self.data.paths_of(session, RECURSIVE, |_| true),
        }
    }

    /// Number of persistent-recursive watches (`getRecursiveWatchQty`). While it is 0,
    /// triggers look at the changed path only.
    pub fn recursive_watch_count(&self) -> usize {
        self.data.recursive + self.child.recursive
    }

    /// Whether no session watches anything.
    pub fn is_empty(&self) -> bool {
        self.data.watchers.is_empty() && self.child.watchers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(path: &str, ancestors: bool) -> Vec<&str> {
        Ancestry::new(path, ancestors).collect()
    }

    #[test]
    fn ancestry_walks_up_to_the_root_only_when_asked() {
        assert_eq!(walk("/a/b/c", true), ["/a/b/c", "/a/b", "/a", "/"]);
        assert_eq!(walk("/a/b/c", false), ["/a/b/c"]);
        assert_eq!(walk("/", true), ["/"]);
        assert_eq!(walk("/a", true), ["/a", "/"]);
        assert!(walk("", true).is_empty());
    }

    #[test]
    fn parent_of_mirrors_data_tree_parent_name() {
        assert_eq!(parent_of("/a/b"), Some("/a"));
        assert_eq!(parent_of("/a"), Some("/"));
        assert_eq!(parent_of("/"), None);
    }

    #[test]
    fn removing_a_mode_the_pair_lacks_changes_nothing() {
        let mut table = Table::default();
        table.add("/a", 1, PERSISTENT, false);
        assert!(!table.remove("/a", 1, Some(STANDARD)));
        assert!(!table.remove("/a", 1, Some(RECURSIVE)));
        assert!(table.contains("/a", 1, Some(PERSISTENT)));
        assert!(table.remove("/a", 1, Some(PERSISTENT)));
        assert!(table.watchers.is_empty());
        assert!(table.paths.is_empty());
    }

    #[test]
    fn recursive_quantity_follows_adds_and_removals() {
        let mut table = Table::default();
        table.add("/a", 1, RECURSIVE, false);
        table.add("/a", 1, RECURSIVE, false);
        table.add("/a", 1, STANDARD, false);
        table.add("/b", 2, RECURSIVE, false);
        assert_eq!(table.recursive, 2);
        assert!(table.remove("/a", 1, None));
        assert_eq!(table.recursive, 1);
        table.remove_session(2);
        assert_eq!(table.recursive, 0);
    }

    #[test]
    fn firing_the_last_one_shot_watch_keeps_an_empty_session_entry() {
        let mut table = Table::default();
        table.add("/a", 7, STANDARD, false);
        let mut out = Vec::new();
        table.trigger("/a", EventType::NodeDataChanged, None, &mut out);
        assert!(table.watchers.is_empty());
        assert_eq!(table.paths.get(&7).map(HashSet::len), Some(0));
    }
}
