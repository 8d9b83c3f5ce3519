//! Watches. Counterpart of `WatchManager` (data and child tables), `WatcherMode` and the
//! watch parts of `DataTree` (3.6+: persistent and persistent-recursive watches).
//!
//! A watcher is a session's connection: watches are removed when the connection closes
//! ([`WatchTable::remove_session`]) and restored by `setWatches` on reconnect.

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

/// A notification to deliver to one session (`xid` -1, state SyncConnected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    /// Who gets it.
    pub session: SessionId,
    /// What to send.
    pub event: WatcherEvent,
}

/// All watches, keyed by path and session.
#[derive(Debug, Default)]
pub struct WatchTable {
    _private: (),
}

impl WatchTable {
    /// Adds a watch.
    pub fn add(&mut self, path: &str, session: SessionId, kind: WatchKind) {
        let _ = (path, session, kind);
        unimplemented!("helper fills this in")
    }

    /// Fires the watches an event on `path` triggers, appending one event per session to
    /// `out` (ZK `triggerWatch` semantics: one-shot watches are removed; persistent stay;
    /// recursive watches on ancestors fire, but not for NodeChildrenChanged).
    pub fn trigger(&mut self, path: &str, event: EventType, out: &mut Vec<WatchEvent>) {
        let _ = (path, event, out);
        unimplemented!("helper fills this in")
    }

    /// Removes every watch of `session` (its connection closed).
    pub fn remove_session(&mut self, session: SessionId) {
        let _ = session;
        unimplemented!("helper fills this in")
    }

    /// checkWatches: whether `session` has a watch of `watcher_type` (1 children, 2 data,
    /// 3 any, as `WatcherType`) on `path`.
    pub fn contains(&self, path: &str, session: SessionId, watcher_type: i32) -> bool {
        let _ = (path, session, watcher_type);
        unimplemented!("helper fills this in")
    }

    /// removeWatches: removes `session`'s watches of `watcher_type` on `path`; returns
    /// whether any was removed.
    pub fn remove(&mut self, path: &str, session: SessionId, watcher_type: i32) -> bool {
        let _ = (path, session, watcher_type);
        unimplemented!("helper fills this in")
    }

    /// Number of watches (for `srvr`/`mntr`/`wchs`).
    pub fn count(&self) -> usize {
        unimplemented!("helper fills this in")
    }
}
