//! Behaviour of [`WatchTable`] against ZooKeeper 3.9's `WatchManager` + `DataTree` watch
//! logic (`WatchManagerTest`, `RecursiveWatchQtyTest`, `PersistentWatcherTest`,
//! `PersistentRecursiveWatcherTest`, `RemoveWatchesTest`), one session = one connection.

use datatree::watch::{Notified, SessionWatches, WatcherType};
use datatree::{EventType, SessionId, WatchEvent, WatchKind, WatchTable};

const CHILDREN: i32 = WatcherType::Children as i32;
const DATA: i32 = WatcherType::Data as i32;
const ANY: i32 = WatcherType::Any as i32;
const PERSISTENT: i32 = WatcherType::Persistent as i32;
const RECURSIVE: i32 = WatcherType::PersistentRecursive as i32;

fn ev(session: SessionId, event: EventType, path: &str) -> WatchEvent {
    WatchEvent::new(session, event, path)
}

fn fire(table: &mut WatchTable, path: &str, event: EventType) -> Vec<WatchEvent> {
    let mut out = Vec::new();
    table.trigger(path, event, &mut out);
    out
}

fn created(table: &mut WatchTable, path: &str) -> Vec<WatchEvent> {
    let mut out = Vec::new();
    table.node_created(path, &mut out);
    out
}

fn deleted(table: &mut WatchTable, path: &str) -> Vec<WatchEvent> {
    let mut out = Vec::new();
    table.node_deleted(path, &mut out);
    out
}

fn changed(table: &mut WatchTable, path: &str) -> Vec<WatchEvent> {
    let mut out = Vec::new();
    table.node_data_changed(path, &mut out);
    out
}

// ---- one-shot watches ----

#[test]
fn one_shot_data_watch_fires_once() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    assert_eq!(
        changed(&mut t, "/a"),
        [ev(1, EventType::NodeDataChanged, "/a")]
    );
    assert!(changed(&mut t, "/a").is_empty());
    assert!(!t.contains("/a", 1, DATA));
}

#[test]
fn event_is_sync_connected_with_the_event_type_code() {
    let e = ev(9, EventType::NodeChildrenChanged, "/x");
    assert_eq!(
        (e.event.r#type, e.event.state, e.event.path.as_str()),
        (4, 3, "/x")
    );
}

#[test]
fn exist_watch_fires_on_create_and_is_consumed() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Exist);
    assert_eq!(created(&mut t, "/a"), [ev(1, EventType::NodeCreated, "/a")]);
    assert!(created(&mut t, "/a").is_empty());
}

#[test]
fn child_watch_fires_on_the_parent_when_a_child_is_created() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Child);
    assert_eq!(
        created(&mut t, "/a/b"),
        [ev(1, EventType::NodeChildrenChanged, "/a")]
    );
    assert!(created(&mut t, "/a/c").is_empty());
}

#[test]
fn child_watch_on_root_fires_for_top_level_nodes() {
    let mut t = WatchTable::default();
    t.add("/", 1, WatchKind::Child);
    assert_eq!(
        deleted(&mut t, "/a"),
        [ev(1, EventType::NodeChildrenChanged, "/")]
    );
}

#[test]
fn data_watch_does_not_fire_for_children_changes_and_child_watch_not_for_data() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    t.add("/a", 2, WatchKind::Child);
    assert!(
        fire(&mut t, "/a", EventType::NodeChildrenChanged)
            == [ev(2, EventType::NodeChildrenChanged, "/a")]
    );
    assert_eq!(
        changed(&mut t, "/a"),
        [ev(1, EventType::NodeDataChanged, "/a")]
    );
}

#[test]
fn one_shot_watch_on_a_parent_ignores_changes_below_it() {
    let mut t = WatchTable::default();
    t.add("/a/b", 1, WatchKind::Data);
    t.add("/a", 2, WatchKind::Data);
    assert_eq!(
        changed(&mut t, "/a/b"),
        [ev(1, EventType::NodeDataChanged, "/a/b")]
    );
    assert!(t.contains("/a", 2, DATA));
}

#[test]
fn events_of_one_trigger_are_ordered_by_session_id() {
    let mut t = WatchTable::default();
    for session in [30, 10, 20] {
        t.add("/a", session, WatchKind::Data);
    }
    let sessions: Vec<_> = changed(&mut t, "/a").iter().map(|e| e.session).collect();
    assert_eq!(sessions, [10, 20, 30]);
}

#[test]
fn delete_notifies_a_session_once_even_with_data_and_child_watches() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    t.add("/a", 1, WatchKind::Child);
    t.add("/a", 2, WatchKind::Child);
    assert_eq!(
        deleted(&mut t, "/a"),
        [
            ev(1, EventType::NodeDeleted, "/a"),
            ev(2, EventType::NodeDeleted, "/a")
        ]
    );
    // The suppressed child watch was consumed too.
    assert!(!t.contains("/a", 1, ANY));
    assert!(t.is_empty());
}

#[test]
fn delete_fires_the_node_then_its_parent() {
    let mut t = WatchTable::default();
    t.add("/a/b", 1, WatchKind::Data);
    t.add("/a", 1, WatchKind::Child);
    assert_eq!(
        deleted(&mut t, "/a/b"),
        [
            ev(1, EventType::NodeDeleted, "/a/b"),
            ev(1, EventType::NodeChildrenChanged, "/a")
        ]
    );
}

#[test]
fn child_trigger_returns_suppressed_sessions_but_sends_them_nothing() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    t.add("/a", 1, WatchKind::Child);
    let mut out = Vec::new();
    let processed = t.trigger_data("/a", EventType::NodeDeleted, &mut out);
    assert_eq!(processed.as_slice(), [1]);
    let again = t.trigger_child("/a", EventType::NodeDeleted, Some(&processed), &mut out);
    assert_eq!(again.as_slice(), [1]);
    assert_eq!(out, [ev(1, EventType::NodeDeleted, "/a")]);
}

#[test]
fn trigger_without_watchers_notifies_nobody() {
    let mut t = WatchTable::default();
    let mut out = Vec::new();
    assert_eq!(
        t.trigger_data("/a", EventType::NodeCreated, &mut out),
        Notified::default()
    );
    t.add("/b", 1, WatchKind::Data);
    assert!(t
        .trigger_data("/a", EventType::NodeCreated, &mut out)
        .is_empty());
    assert!(out.is_empty());
}

#[test]
fn adding_the_same_watch_twice_yields_one_event() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    t.add("/a", 1, WatchKind::Exist);
    assert_eq!(t.count(), 1);
    assert_eq!(changed(&mut t, "/a").len(), 1);
}

// ---- persistent watches ----

#[test]
fn persistent_watch_survives_trigger() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Persistent);
    for _ in 0..3 {
        assert_eq!(
            changed(&mut t, "/a"),
            [ev(1, EventType::NodeDataChanged, "/a")]
        );
    }
    assert_eq!(deleted(&mut t, "/a"), [ev(1, EventType::NodeDeleted, "/a")]);
    assert_eq!(created(&mut t, "/a"), [ev(1, EventType::NodeCreated, "/a")]);
    assert!(t.contains("/a", 1, PERSISTENT));
}

#[test]
fn persistent_watch_sees_children_changes_but_not_grandchildren() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Persistent);
    assert_eq!(
        created(&mut t, "/a/b"),
        [ev(1, EventType::NodeChildrenChanged, "/a")]
    );
    assert!(created(&mut t, "/a/b/c").is_empty());
    assert!(changed(&mut t, "/a/b").is_empty());
}

#[test]
fn one_shot_and_persistent_watches_coexist_on_one_path() {
    // PersistentRecursiveWatcherTest.testSamePathWithDifferentWatchModes, one connection.
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Persistent);
    t.add("/a", 1, WatchKind::Data);
    assert_eq!(
        changed(&mut t, "/a"),
        [ev(1, EventType::NodeDataChanged, "/a")]
    );
    assert!(!t.contains("/a", 1, DATA));
    assert!(t.contains("/a", 1, PERSISTENT));
    assert_eq!(changed(&mut t, "/a").len(), 1);
}

#[test]
fn a_one_shot_watch_added_after_a_persistent_one_does_not_downgrade_it() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Persistent);
    t.add("/a", 1, WatchKind::Child);
    fire(&mut t, "/a", EventType::NodeChildrenChanged);
    assert!(t.contains("/a", 1, PERSISTENT));
    assert!(!t.contains("/a", 1, CHILDREN));
    assert_eq!(fire(&mut t, "/a", EventType::NodeChildrenChanged).len(), 1);
}

// ---- persistent recursive watches ----

#[test]
fn recursive_watch_reports_the_changed_nodes_path() {
    let mut t = WatchTable::default();
    t.add("/a/b", 1, WatchKind::PersistentRecursive);
    assert_eq!(
        created(&mut t, "/a/b"),
        [ev(1, EventType::NodeCreated, "/a/b")]
    );
    assert_eq!(
        created(&mut t, "/a/b/c"),
        [ev(1, EventType::NodeCreated, "/a/b/c")]
    );
    assert_eq!(
        changed(&mut t, "/a/b/c/d/e"),
        [ev(1, EventType::NodeDataChanged, "/a/b/c/d/e")]
    );
    assert_eq!(
        deleted(&mut t, "/a/b/c/d/e"),
        [ev(1, EventType::NodeDeleted, "/a/b/c/d/e")]
    );
    assert!(created(&mut t, "/a").is_empty());
    assert!(created(&mut t, "/a/bb").is_empty());
}

#[test]
fn recursive_watch_ignores_children_changed() {
    // PersistentRecursiveWatcherTest.testNoChildEvents
    let mut t = WatchTable::default();
    t.add("/", 1, WatchKind::PersistentRecursive);
    t.add("/a", 2, WatchKind::Child);
    assert_eq!(
        created(&mut t, "/a/b"),
        [
            ev(1, EventType::NodeCreated, "/a/b"),
            ev(2, EventType::NodeChildrenChanged, "/a")
        ]
    );
    assert_eq!(
        created(&mut t, "/a/b/c"),
        [ev(1, EventType::NodeCreated, "/a/b/c")]
    );
    assert!(fire(&mut t, "/", EventType::NodeChildrenChanged).is_empty());
}

#[test]
fn recursive_watch_on_root_sees_every_node() {
    let mut t = WatchTable::default();
    t.add("/", 1, WatchKind::PersistentRecursive);
    assert_eq!(created(&mut t, "/a"), [ev(1, EventType::NodeCreated, "/a")]);
    assert_eq!(
        created(&mut t, "/b/c"),
        [ev(1, EventType::NodeCreated, "/b/c")]
    );
}

#[test]
fn overlapping_recursive_watches_notify_a_session_once() {
    let mut t = WatchTable::default();
    t.add("/", 1, WatchKind::PersistentRecursive);
    t.add("/a", 1, WatchKind::PersistentRecursive);
    t.add("/a/b", 1, WatchKind::Data);
    t.add("/a", 2, WatchKind::PersistentRecursive);
    assert_eq!(
        changed(&mut t, "/a/b"),
        [
            ev(1, EventType::NodeDataChanged, "/a/b"),
            ev(2, EventType::NodeDataChanged, "/a/b")
        ]
    );
    // The one-shot watch was consumed even though the session also got it recursively.
    assert!(!t.contains("/a/b", 1, DATA));
}

#[test]
fn recursive_watch_and_child_watch_on_one_path_both_work() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::PersistentRecursive);
    t.add("/a", 1, WatchKind::Child);
    assert_eq!(
        created(&mut t, "/a/b"),
        [
            ev(1, EventType::NodeCreated, "/a/b"),
            ev(1, EventType::NodeChildrenChanged, "/a")
        ]
    );
    assert_eq!(
        created(&mut t, "/a/c"),
        [ev(1, EventType::NodeCreated, "/a/c")]
    );
}

#[test]
fn deleting_a_recursively_watched_node_notifies_once() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::PersistentRecursive);
    t.add("/a", 1, WatchKind::Child);
    assert_eq!(
        deleted(&mut t, "/a/b"),
        [
            ev(1, EventType::NodeDeleted, "/a/b"),
            ev(1, EventType::NodeChildrenChanged, "/a")
        ]
    );
    assert_eq!(deleted(&mut t, "/a"), [ev(1, EventType::NodeDeleted, "/a")]);
}

#[test]
fn recursive_watch_count_tracks_pairs() {
    // RecursiveWatchQtyTest
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::PersistentRecursive);
    t.add("/a", 1, WatchKind::PersistentRecursive);
    t.add("/a/b", 1, WatchKind::PersistentRecursive);
    t.add("/b", 2, WatchKind::PersistentRecursive);
    assert_eq!(t.recursive_watch_count(), 3);
    assert!(t.remove("/a/b", 1, ANY));
    assert_eq!(t.recursive_watch_count(), 2);
    t.add("/a", 1, WatchKind::Persistent);
    assert!(t.remove("/a", 1, PERSISTENT));
    assert_eq!(t.recursive_watch_count(), 2);
    t.remove_session(1);
    t.remove_session(2);
    assert_eq!(t.recursive_watch_count(), 0);
}

// ---- sessions ----

#[test]
fn remove_session_drops_all_its_watches() {
    let mut t = WatchTable::default();
    for kind in [
        WatchKind::Data,
        WatchKind::Child,
        WatchKind::Persistent,
        WatchKind::PersistentRecursive,
    ] {
        t.add("/a", 1, kind);
    }
    t.add("/b", 1, WatchKind::Exist);
    t.add("/a", 2, WatchKind::Data);
    t.remove_session(1);
    assert_eq!(t.watches_of(1), SessionWatches::default());
    assert_eq!(t.session_watch_count(1), 0);
    assert_eq!(t.recursive_watch_count(), 0);
    assert_eq!(t.count(), 1);
    assert!(created(&mut t, "/a/x").is_empty());
    assert_eq!(
        changed(&mut t, "/a"),
        [ev(2, EventType::NodeDataChanged, "/a")]
    );
    assert!(t.is_empty());
}

#[test]
fn watches_of_lists_each_kind() {
    let mut t = WatchTable::default();
    t.add("/d", 1, WatchKind::Data);
    t.add("/e", 1, WatchKind::Exist);
    t.add("/c", 1, WatchKind::Child);
    t.add("/p", 1, WatchKind::Persistent);
    t.add("/r", 1, WatchKind::PersistentRecursive);
    t.add("/c", 1, WatchKind::Data);
    assert_eq!(
        t.watches_of(1),
        SessionWatches {
            data: vec!["/c".into(), "/d".into()],
            exist: vec!["/e".into()],
            child: vec!["/c".into()],
            persistent: vec!["/p".into()],
            recursive: vec!["/r".into()],
        }
    );
    created(&mut t, "/e");
    assert!(t.watches_of(1).exist.is_empty());
}

// ---- checkWatches / removeWatches ----

#[test]
fn check_and_remove_children_type_matches_only_one_shot_child_watches() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Persistent);
    assert!(!t.contains("/a", 1, CHILDREN));
    assert!(!t.remove("/a", 1, CHILDREN));
    t.add("/a", 1, WatchKind::Child);
    assert!(t.contains("/a", 1, CHILDREN));
    assert!(t.remove("/a", 1, CHILDREN));
    assert!(!t.contains("/a", 1, CHILDREN));
    assert!(t.contains("/a", 1, PERSISTENT));
}

#[test]
fn check_and_remove_data_type_matches_data_and_exist_watches_only() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Exist);
    t.add("/b", 1, WatchKind::PersistentRecursive);
    assert!(t.contains("/a", 1, DATA));
    assert!(!t.contains("/b", 1, DATA));
    assert!(!t.remove("/b", 1, DATA));
    assert!(t.remove("/a", 1, DATA));
    assert!(!t.remove("/a", 1, DATA));
    assert!(created(&mut t, "/a").is_empty());
}

#[test]
fn remove_persistent_type_removes_it_from_both_tables_and_keeps_other_modes() {
    // RemoveWatchesTest.testRemoveAllPersistentWatchers
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Persistent);
    t.add("/a", 1, WatchKind::PersistentRecursive);
    assert!(t.remove("/a", 1, PERSISTENT));
    assert!(!t.remove("/a", 1, PERSISTENT));
    assert!(!t.contains("/a", 1, PERSISTENT));
    assert!(t.contains("/a", 1, RECURSIVE));
    // No NodeChildrenChanged any more: the child-table half went too.
    assert!(fire(&mut t, "/a", EventType::NodeChildrenChanged).is_empty());
    assert_eq!(
        created(&mut t, "/a/b"),
        [ev(1, EventType::NodeCreated, "/a/b")]
    );
}

#[test]
fn remove_recursive_type_keeps_a_persistent_watch() {
    // RemoveWatchesTest.testRemoveAllPersistentRecursiveWatchers
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::PersistentRecursive);
    t.add("/a", 1, WatchKind::Persistent);
    assert!(!t.remove("/b", 1, RECURSIVE));
    assert!(t.remove("/a", 1, RECURSIVE));
    assert!(!t.remove("/a", 1, RECURSIVE));
    assert!(t.contains("/a", 1, PERSISTENT));
    assert_eq!(
        created(&mut t, "/a/b"),
        [ev(1, EventType::NodeChildrenChanged, "/a")]
    );
}

#[test]
fn any_type_matches_and_removes_every_mode() {
    let mut t = WatchTable::default();
    assert!(!t.contains("/a", 1, ANY));
    assert!(!t.remove("/a", 1, ANY));
    t.add("/a", 1, WatchKind::PersistentRecursive);
    assert!(t.contains("/a", 1, ANY));
    assert!(t.remove("/a", 1, ANY));
    assert!(t.is_empty());
    for kind in [WatchKind::Data, WatchKind::Child, WatchKind::Persistent] {
        t.add("/a", 1, kind);
    }
    assert!(t.remove("/a", 1, ANY));
    assert!(!t.contains("/a", 1, ANY));
    assert!(t.is_empty());
    assert!(deleted(&mut t, "/a").is_empty());
}

#[test]
fn check_watches_ignores_other_sessions_and_ancestor_recursive_watches() {
    let mut t = WatchTable::default();
    t.add("/a", 2, WatchKind::Data);
    t.add("/", 1, WatchKind::PersistentRecursive);
    assert!(!t.contains("/a", 1, ANY));
    assert!(!t.contains("/a", 1, RECURSIVE));
    assert!(!t.remove("/a", 1, DATA));
    assert!(t.contains("/a", 2, DATA));
}

#[test]
fn unknown_watcher_types_match_nothing() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    for ty in [0, 6, -1] {
        assert_eq!(WatcherType::from_i32(ty), None);
        assert!(!t.contains("/a", 1, ty));
        assert!(!t.remove("/a", 1, ty));
    }
    assert!(t.contains("/a", 1, DATA));
}

// ---- counts and reports ----

#[test]
fn count_adds_data_and_child_tables_like_get_watch_count() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    t.add("/a", 1, WatchKind::Child);
    t.add("/b", 1, WatchKind::Persistent); // both tables
    t.add("/b", 1, WatchKind::PersistentRecursive); // same data-table pair
    t.add("/c", 2, WatchKind::PersistentRecursive); // data table only
    assert_eq!(t.count(), 5);
    assert_eq!(t.session_watch_count(1), 4);
    assert_eq!(t.session_watch_count(2), 1);
}

#[test]
fn reports_cover_the_data_table_only_sorted() {
    let mut t = WatchTable::default();
    t.add("/b", 2, WatchKind::Data);
    t.add("/a", 2, WatchKind::Exist);
    t.add("/a", 1, WatchKind::Data);
    t.add("/c", 3, WatchKind::Child);
    assert_eq!(t.summary(), (2, 2, 3));
    assert_eq!(
        t.by_session().into_iter().collect::<Vec<_>>(),
        [
            (1, vec!["/a".to_string()]),
            (2, vec!["/a".to_string(), "/b".to_string()])
        ]
    );
    assert_eq!(
        t.by_path().into_iter().collect::<Vec<_>>(),
        [("/a".to_string(), vec![1, 2]), ("/b".to_string(), vec![2])]
    );
}

#[test]
fn a_session_whose_watches_fired_still_counts_as_a_connection_in_wchs() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    changed(&mut t, "/a");
    assert_eq!(t.summary(), (1, 0, 0));
    assert_eq!(t.by_session().get(&1), Some(&Vec::new()));
    t.remove_session(1);
    assert_eq!(t.summary(), (0, 0, 0));
}

#[test]
fn remove_watches_of_the_last_path_drops_the_session_from_wchs() {
    let mut t = WatchTable::default();
    t.add("/a", 1, WatchKind::Data);
    assert!(t.remove("/a", 1, DATA));
    assert_eq!(t.summary(), (0, 0, 0));
}

// ---- model-based: random operations against a naive reference ----

mod model {
    use std::collections::{BTreeMap, BTreeSet};

    use datatree::{EventType, SessionId, WatchEvent, WatchKind};

    const STANDARD: u8 = 1;
    const PERSISTENT: u8 = 2;
    const RECURSIVE: u8 = 4;
    const DATA: usize = 0;
    const CHILD: usize = 1;

    /// The ZooKeeper 3.9 rules written as plainly as possible: scan every entry.
    #[derive(Default)]
    pub(super) struct Model {
        /// Per table: (path, session) → (modes, added as exist).
        entries: [BTreeMap<(String, SessionId), (u8, bool)>; 2],
        /// Per table: session → paths (kept, possibly empty, after one-shot watches fire).
        sessions: [BTreeMap<SessionId, BTreeSet<String>>; 2],
    }

    fn is_below(ancestor: &str, path: &str) -> bool {
        if ancestor == "/" {
            path != "/"
        } else {
            path.len() > ancestor.len()
                && path.starts_with(ancestor)
                && path.as_bytes()[ancestor.len()] == b'/'
        }
    }

    fn parent(path: &str) -> Option<&str> {
        match path.rfind('/') {
            _ if path == "/" => None,
            Some(0) => Some("/"),
            Some(at) => Some(&path[..at]),
            None => None,
        }
    }

    impl Model {
        fn add_to(&mut self, table: usize, path: &str, session: SessionId, mode: u8, exist: bool) {
            let entry = self.entries[table]
                .entry((path.to_string(), session))
                .or_insert((0, false));
            entry.0 |= mode;
            if mode == STANDARD {
                entry.1 = exist;
            }
            self.sessions[table]
                .entry(session)
                .or_default()
                .insert(path.to_string());
        }

        pub(super) fn add(&mut self, path: &str, session: SessionId, kind: WatchKind) {
            match kind {
                WatchKind::Data => self.add_to(DATA, path, session, STANDARD, false),
                WatchKind::Exist => self.add_to(DATA, path, session, STANDARD, true),
                WatchKind::Child => self.add_to(CHILD, path, session, STANDARD, false),
                WatchKind::Persistent => {
                    self.add_to(DATA, path, session, PERSISTENT, false);
                    self.add_to(CHILD, path, session, PERSISTENT, false);
                }
                WatchKind::PersistentRecursive => {
                    self.add_to(DATA, path, session, RECURSIVE, false)
                }
            }
        }

        fn trigger(
            &mut self,
            table: usize,
            path: &str,
            event: EventType,
            suppress: &BTreeSet<SessionId>,
            out: &mut Vec<WatchEvent>,
        ) -> BTreeSet<SessionId> {
            let mut notified = BTreeSet::new();
            let mut consumed = Vec::new();
            for ((p, session), (modes, _)) in &self.entries[table] {
                if p == path {
                    notified.insert(*session);
                    if modes & STANDARD != 0 {
                        consumed.push(*session);
                    }
                } else if modes & RECURSIVE != 0 && is_below(p, path) {
                    notified.insert(*session);
                }
            }
            for session in consumed {
                let key = (path.to_string(), session);
                let entry = self.entries[table].get_mut(&key).unwrap();
                entry.0 &= !STANDARD;
                if entry.0 == 0 {
                    self.entries[table].remove(&key);
                    self.sessions[table].get_mut(&session).unwrap().remove(path);
                }
            }
            for &session in &notified {
                if !suppress.contains(&session) {
                    out.push(WatchEvent::new(session, event, path));
                }
            }
            notified
        }

        pub(super) fn node_created(&mut self, path: &str, out: &mut Vec<WatchEvent>) {
            let none = BTreeSet::new();
            self.trigger(DATA, path, EventType::NodeCreated, &none, out);
            if let Some(parent) = parent(path) {
                self.trigger(CHILD, parent, EventType::NodeChildrenChanged, &none, out);
            }
        }

        pub(super) fn node_deleted(&mut self, path: &str, out: &mut Vec<WatchEvent>) {
            let none = BTreeSet::new();
            let done = self.trigger(DATA, path, EventType::NodeDeleted, &none, out);
            self.trigger(CHILD, path, EventType::NodeDeleted, &done, out);
            if let Some(parent) = parent(path) {
                self.trigger(CHILD, parent, EventType::NodeChildrenChanged, &none, out);
            }
        }

        pub(super) fn node_data_changed(&mut self, path: &str, out: &mut Vec<WatchEvent>) {
            let none = BTreeSet::new();
            self.trigger(DATA, path, EventType::NodeDataChanged, &none, out);
        }

        pub(super) fn remove_session(&mut self, session: SessionId) {
            for table in [DATA, CHILD] {
                self.entries[table].retain(|(_, s), _| *s != session);
                self.sessions[table].remove(&session);
            }
        }

        /// `mode` None: every mode.
        fn remove_from(
            &mut self,
            table: usize,
            path: &str,
            session: SessionId,
            mode: Option<u8>,
        ) -> bool {
            let key = (path.to_string(), session);
            let Some(entry) = self.entries[table].get_mut(&key) else {
                return false;
            };
            let new = mode.map_or(0, |bit| entry.0 & !bit);
            if new == entry.0 {
                return false;
            }
            entry.0 = new;
            if new == 0 {
                self.entries[table].remove(&key);
                let paths = self.sessions[table].get_mut(&session).unwrap();
                paths.remove(path);
                if paths.is_empty() {
                    self.sessions[table].remove(&session);
                }
            }
            true
        }

        fn has(&self, table: usize, path: &str, session: SessionId, mode: Option<u8>) -> bool {
            self.entries[table]
                .get(&(path.to_string(), session))
                .is_some_and(|(modes, _)| mode.is_none_or(|bit| modes & bit != 0))
        }

        pub(super) fn contains(&self, path: &str, session: SessionId, ty: i32) -> bool {
            match ty {
                1 => self.has(CHILD, path, session, Some(STANDARD)),
                2 => self.has(DATA, path, session, Some(STANDARD)),
                3 => self.has(CHILD, path, session, None) || self.has(DATA, path, session, None),
                4 => self.has(DATA, path, session, Some(PERSISTENT)),
                5 => self.has(DATA, path, session, Some(RECURSIVE)),
                _ => false,
            }
        }

        pub(super) fn remove(&mut self, path: &str, session: SessionId, ty: i32) -> bool {
            match ty {
                1 => self.remove_from(CHILD, path, session, Some(STANDARD)),
                2 => self.remove_from(DATA, path, session, Some(STANDARD)),
                3 => {
                    let c = self.remove_from(CHILD, path, session, None);
                    let d = self.remove_from(DATA, path, session, None);
                    c || d
                }
                4 => {
                    let c = self.remove_from(CHILD, path, session, Some(PERSISTENT));
                    let d = self.remove_from(DATA, path, session, Some(PERSISTENT));
                    c || d
                }
                5 => self.remove_from(DATA, path, session, Some(RECURSIVE)),
                _ => false,
            }
        }

        pub(super) fn count(&self) -> usize {
            self.entries[DATA].len() + self.entries[CHILD].len()
        }

        pub(super) fn recursive_count(&self) -> usize {
            self.entries[DATA]
                .values()
                .filter(|(m, _)| m & RECURSIVE != 0)
                .count()
        }

        pub(super) fn summary(&self) -> (usize, usize, usize) {
            let paths: BTreeSet<_> = self.entries[DATA].keys().map(|(p, _)| p).collect();
            let total = self.sessions[DATA].values().map(BTreeSet::len).sum();
            (self.sessions[DATA].len(), paths.len(), total)
        }

        pub(super) fn by_session(&self) -> BTreeMap<SessionId, Vec<String>> {
            self.sessions[DATA]
                .iter()
                .map(|(s, paths)| (*s, paths.iter().cloned().collect()))
                .collect()
        }

        pub(super) fn by_path(&self) -> BTreeMap<String, Vec<SessionId>> {
            let mut map: BTreeMap<String, Vec<SessionId>> = BTreeMap::new();
            for (path, session) in self.entries[DATA].keys() {
                map.entry(path.clone()).or_default().push(*session);
            }
            map
        }

        /// (data, exist, child, persistent, recursive)
        pub(super) fn watches_of(&self, session: SessionId) -> [Vec<String>; 5] {
            let pick = |table: usize, want: &dyn Fn(u8, bool) -> bool| -> Vec<String> {
                self.entries[table]
                    .iter()
                    .filter(|((_, s), (m, e))| *s == session && want(*m, *e))
                    .map(|((p, _), _)| p.clone())
                    .collect()
            };
            [
                pick(DATA, &|m, e| m & STANDARD != 0 && !e),
                pick(DATA, &|m, e| m & STANDARD != 0 && e),
                pick(CHILD, &|m, _| m & STANDARD != 0),
                pick(DATA, &|m, _| m & PERSISTENT != 0),
                pick(DATA, &|m, _| m & RECURSIVE != 0),
            ]
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add(usize, SessionId, WatchKind),
    Created(usize),
    Deleted(usize),
    Changed(usize),
    RemoveSession(SessionId),
    Remove(usize, SessionId, i32),
    Check(usize, SessionId, i32),
}

const PATHS: [&str; 7] = ["/", "/a", "/a/b", "/a/b/c", "/ab", "/b", "/b/c"];

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    let path = 0..PATHS.len();
    let session = 1..5i64;
    let kind = prop_oneof![
        Just(WatchKind::Data),
        Just(WatchKind::Exist),
        Just(WatchKind::Child),
        Just(WatchKind::Persistent),
        Just(WatchKind::PersistentRecursive),
    ];
    prop_oneof![
        6 => (path.clone(), session.clone(), kind).prop_map(|(p, s, k)| Op::Add(p, s, k)),
        2 => path.clone().prop_map(Op::Created),
        2 => path.clone().prop_map(Op::Deleted),
        2 => path.clone().prop_map(Op::Changed),
        1 => session.clone().prop_map(Op::RemoveSession),
        2 => (path.clone(), session.clone(), 0..7i32).prop_map(|(p, s, t)| Op::Remove(p, s, t)),
        1 => (path, session, 0..7i32).prop_map(|(p, s, t)| Op::Check(p, s, t)),
    ]
}

proptest::proptest! {
    #[test]
    fn random_operations_match_the_reference_model(ops in proptest::collection::vec(op(), 0..80)) {
        let mut table = WatchTable::default();
        let mut reference = model::Model::default();
        for op in ops {
            let (mut got, mut want) = (Vec::new(), Vec::new());
            match op {
                Op::Add(p, s, k) => {
                    table.add(PATHS[p], s, k);
                    reference.add(PATHS[p], s, k);
                }
                Op::Created(p) => {
                    table.node_created(PATHS[p], &mut got);
                    reference.node_created(PATHS[p], &mut want);
                }
                Op::Deleted(p) => {
                    table.node_deleted(PATHS[p], &mut got);
                    reference.node_deleted(PATHS[p], &mut want);
                }
                Op::Changed(p) => {
                    table.node_data_changed(PATHS[p], &mut got);
                    reference.node_data_changed(PATHS[p], &mut want);
                }
                Op::RemoveSession(s) => {
                    table.remove_session(s);
                    reference.remove_session(s);
                }
                Op::Remove(p, s, t) => {
                    proptest::prop_assert_eq!(table.remove(PATHS[p], s, t), reference.remove(PATHS[p], s, t));
                }
                Op::Check(p, s, t) => {
                    proptest::prop_assert_eq!(table.contains(PATHS[p], s, t), reference.contains(PATHS[p], s, t));
                }
            }
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(table.count(), reference.count());
            proptest::prop_assert_eq!(table.recursive_watch_count(), reference.recursive_count());
            proptest::prop_assert_eq!(table.summary(), reference.summary());
            proptest::prop_assert_eq!(table.by_session(), reference.by_session());
            proptest::prop_assert_eq!(table.by_path(), reference.by_path());
            proptest::prop_assert_eq!(table.is_empty(), reference.count() == 0);
            for s in 1..5 {
                let w = table.watches_of(s);
                proptest::prop_assert_eq!(
                    [w.data, w.exist, w.child, w.persistent, w.recursive],
                    reference.watches_of(s)
                );
            }
        }
    }
}
