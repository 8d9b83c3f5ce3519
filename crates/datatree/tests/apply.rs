//! Stat rules per txn, as `DataTree.processTxn` (ZooKeeper 3.8) applies them. Expected values
//! that come from a real 3.8.0 server (zkCli `stat`, `listquota`) say so.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use datatree::acl::{self, READ};
use datatree::ephemeral::{self, CreateMode, EphemeralType};
use datatree::{EventType, TreeConfig, WatchEvent, WatchKind};
use jute_codec::records::*;
use jute_codec::txn_body::TxnBody;
use jute_codec::{ErrorCode, OpCode};

const S1: i64 = 0x100_0000_0000_0001;
const S2: i64 = 0x100_0000_0000_0002;

fn ev(session: i64, ty: EventType, path: &str) -> WatchEvent {
    WatchEvent::new(session, ty, path)
}

// ---------------------------------------------------------------- fresh tree

#[test]
fn fresh_tree_matches_stat_of_a_fresh_zookeeper() {
    // Values from `stat` on a fresh 3.8.0 standalone server.
    let zk = Zk::new();
    let root = zk.tree.stat("/").expect("root");
    assert_eq!((root.cversion, root.num_children), (-1, 1));
    assert_eq!(
        (root.czxid, root.mzxid, root.pzxid, root.ctime),
        (0, 0, 0, 0)
    );
    let proc = zk.tree.stat("/zookeeper").expect("/zookeeper");
    assert_eq!((proc.cversion, proc.num_children), (-2, 2));
    let q = zk.tree.stat("/zookeeper/quota").expect("quota");
    assert_eq!((q.cversion, q.num_children, q.aversion), (0, 0, 0));
    let c = zk.tree.stat("/zookeeper/config").expect("config");
    assert_eq!((c.cversion, c.aversion, c.data_length), (0, -1, 0));
}

#[test]
fn fresh_tree_system_nodes_have_empty_not_null_data() {
    let zk = Zk::new();
    for p in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
        assert_eq!(
            zk.tree.node(p).expect(p).data.as_deref(),
            Some(&b""[..]),
            "{p}"
        );
    }
}

#[test]
fn fresh_tree_config_node_is_world_readable_only() {
    let zk = Zk::new();
    let (acl, _) = zk.tree.get_acl("/zookeeper/config").expect("config");
    assert_eq!(acl, acl::read_acl_unsafe());
    let (acl, _) = zk.tree.get_acl("/").expect("root");
    assert_eq!(acl, acl::open_acl_unsafe());
}

#[test]
fn fresh_tree_counts_like_srvr_and_get_all_children_number() {
    let zk = Zk::new();
    assert_eq!(zk.tree.node_count(), 5); // srvr "Node count: 5"
    assert_eq!(zk.tree.all_children_number("/"), Ok(3));
    assert_eq!(zk.tree.all_children_number("/zookeeper"), Ok(2));
    // ZooKeeper counts its map keys starting with "/" for "": the root's "/" key too.
    assert_eq!(zk.tree.all_children_number(""), Ok(4));
    assert_eq!(zk.tree.all_children_number("/nope"), Err(ErrorCode::NoNode));
    assert_eq!(zk.tree.approximate_data_size(), 44);
    assert_eq!(zk.tree.last_processed_zxid(), 0);
}

#[test]
fn empty_path_is_the_root_alias() {
    let zk = Zk::new();
    assert_eq!(zk.tree.stat(""), zk.tree.stat("/"));
}

// ---------------------------------------------------------------- create

#[test]
fn create_takes_zxid_and_time_from_the_header() {
    let mut zk = Zk::new();
    let out = zk.mk("/a");
    assert_eq!(out.result.err, 0);
    assert_eq!(out.result.path, "/a");
    let s = zk.tree.stat("/a").expect("/a");
    assert_eq!((s.czxid, s.mzxid, s.pzxid), (1, 1, 1));
    assert_eq!((s.ctime, s.mtime), (time_of(1), time_of(1)));
    assert_eq!((s.version, s.cversion, s.aversion), (0, 0, 0));
    assert_eq!(
        (s.ephemeral_owner, s.data_length, s.num_children),
        (0, 1, 0)
    );
    assert_eq!(out.result.stat, Some(s));
    assert_eq!(zk.tree.last_processed_zxid(), 1);
}

#[test]
fn create_sets_parent_cversion_from_the_txn_and_pzxid_to_the_zxid() {
    let mut zk = Zk::new();
    zk.mk("/a");
    let out = zk.apply(
        1,
        OpCode::Create,
        TxnBody::Create(CreateTxn {
            path: "/a/b".into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 7,
        }),
    );
    assert_eq!(out.result.err, 0);
    let a = zk.tree.node("/a").expect("/a");
    assert_eq!((a.stat.cversion, a.stat.pzxid), (7, 2));
    // Served: 2 * 7 - 1 child.
    assert_eq!(zk.tree.stat("/a").expect("/a").cversion, 13);
}

#[test]
fn create_with_parent_cversion_minus_one_increments_the_parent() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.apply(
        1,
        OpCode::Create,
        TxnBody::Create(CreateTxn {
            path: "/a/b".into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: -1,
        }),
    );
    assert_eq!(zk.tree.node("/a").expect("/a").stat.cversion, 1);
}

#[test]
fn create_with_an_older_parent_cversion_leaves_the_parent_alone() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/x");
    zk.mk("/a/y"); // parent cversion 2, pzxid 3
    zk.apply(
        1,
        OpCode::Create,
        TxnBody::Create(CreateTxn {
            path: "/a/z".into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 1,
        }),
    );
    let a = zk.tree.node("/a").expect("/a");
    assert_eq!((a.stat.cversion, a.stat.pzxid), (2, 3));
    assert!(a.children.contains("z"));
}

#[test]
fn plain_create_returns_no_stat_and_create2_does() {
    let mut zk = Zk::new();
    let body = |p: &str| {
        TxnBody::Create(CreateTxn {
            path: p.into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: -1,
        })
    };
    let out = zk.apply(1, OpCode::Create, body("/a"));
    assert_eq!((out.result.r#type, out.result.stat), (1, None));
    let out = zk.apply(1, OpCode::Create2, body("/b"));
    assert_eq!(out.result.r#type, 15);
    assert_eq!(out.result.stat, zk.tree.stat("/b"));
}

#[test]
fn create_under_a_missing_parent_is_no_node_and_changes_nothing() {
    let mut zk = Zk::new();
    let out = zk.mk("/a/b");
    assert_eq!(out.result.err, ErrorCode::NoNode.as_i32());
    assert_eq!(out.result.path, "/a/b");
    assert!(zk.tree.node("/a/b").is_none());
    assert_eq!(zk.tree.last_processed_zxid(), 1);
}

#[test]
fn replayed_plain_create_of_an_existing_node_still_moves_parent_cversion() {
    // DataTree.processTxn: NODEEXISTS on a `create` txn sets the parent's cversion/pzxid.
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    let before = zk.tree.node("/a/b").expect("/a/b").stat;
    let out = zk.apply(
        1,
        OpCode::Create,
        TxnBody::Create(CreateTxn {
            path: "/a/b".into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 5,
        }),
    );
    assert_eq!(out.result.err, ErrorCode::NodeExists.as_i32());
    let a = zk.tree.node("/a").expect("/a");
    assert_eq!((a.stat.cversion, a.stat.pzxid), (5, 3));
    assert_eq!(zk.tree.node("/a/b").expect("/a/b").stat, before);
}

#[test]
fn replayed_create2_of_an_existing_node_does_not_move_parent_cversion() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    let out = zk.apply(
        1,
        OpCode::Create2,
        TxnBody::Create(CreateTxn {
            path: "/a/b".into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 5,
        }),
    );
    assert_eq!(out.result.err, ErrorCode::NodeExists.as_i32());
    assert_eq!(zk.tree.node("/a").expect("/a").stat.cversion, 1);
}

#[test]
fn null_and_empty_data_stay_distinct() {
    let mut zk = Zk::new();
    zk.create(1, "/null", None, CreateMode::Persistent);
    zk.create(1, "/empty", Some(Bytes::new()), CreateMode::Persistent);
    assert_eq!(zk.tree.node("/null").expect("n").data, None);
    assert_eq!(
        zk.tree.node("/empty").expect("e").data.as_deref(),
        Some(&b""[..])
    );
    assert_eq!(zk.tree.stat("/null").expect("n").data_length, 0);
    let (d, _) = zk.tree.get_data("/null", None).expect("n");
    assert_eq!(d, None);
    zk.set_data(1, "/empty", None);
    assert_eq!(zk.tree.node("/empty").expect("e").data, None);
}

#[test]
fn stored_data_does_not_share_the_txn_buffer() {
    let mut zk = Zk::new();
    let frame = Bytes::from(vec![7u8; 4096]);
    zk.create(1, "/a", Some(frame.slice(10..20)), CreateMode::Persistent);
    let stored = zk.tree.node("/a").expect("/a").data.clone().expect("data");
    assert_eq!(stored.len(), 10);
    assert!(!std::ptr::eq(stored.as_ptr(), frame[10..].as_ptr()));
}

// ---------------------------------------------------------------- cversion and sequence

#[test]
fn served_cversion_and_sequence_numbers_match_a_real_server() {
    // zkCli on 3.8.0: create /a x; create /a/b; create /a/c; delete /a/b; create -s /a/s
    // -> "Created /a/s0000000002"; stat /a -> cversion = 4, numChildren = 2.
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    zk.mk("/a/c");
    zk.delete(1, "/a/b");
    let (_, _, path) = zk.create_txn(1, "/a/s", None, CreateMode::PersistentSequential, -1);
    assert_eq!(path, "/a/s0000000002");
    zk.create(1, "/a/s", None, CreateMode::PersistentSequential);
    assert!(zk.tree.node("/a/s0000000002").is_some());
    let s = zk.tree.stat("/a").expect("/a");
    assert_eq!((s.cversion, s.num_children, s.pzxid), (4, 2, 5));
    assert_eq!(zk.tree.node("/a").expect("/a").stat.cversion, 3);
}

#[test]
fn delete_moves_parent_pzxid_but_not_the_persisted_cversion() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    let out = zk.delete(1, "/a/b");
    assert_eq!(out.result.err, 0);
    assert_eq!(out.result.path, "/a/b");
    let a = zk.tree.node("/a").expect("/a");
    assert_eq!((a.stat.cversion, a.stat.pzxid), (1, 3));
    assert_eq!(zk.tree.stat("/a").expect("/a").cversion, 2);
    assert_eq!(zk.tree.stat("/a").expect("/a").num_children, 0);
}

#[test]
fn delete_of_a_missing_child_is_no_node_but_still_moves_parent_pzxid() {
    // deleteNode updates the parent before it looks the child up (fuzzy snapshot replay).
    let mut zk = Zk::new();
    zk.mk("/a");
    let out = zk.delete(1, "/a/gone");
    assert_eq!(out.result.err, ErrorCode::NoNode.as_i32());
    assert_eq!(zk.tree.node("/a").expect("/a").stat.pzxid, 2);
    let out = zk.delete(1, "/missing/x");
    assert_eq!(out.result.err, ErrorCode::NoNode.as_i32());
}

#[test]
fn delete_never_moves_pzxid_backwards() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    zk.mk("/a/c"); // pzxid 3
    zk.tree.apply(
        &hdr(1, 2, OpCode::Delete),
        &TxnBody::Delete(DeleteTxn {
            path: "/a/b".into(),
        }),
    );
    assert_eq!(zk.tree.node("/a").expect("/a").stat.pzxid, 3);
    assert_eq!(zk.tree.last_processed_zxid(), 3);
}

// ---------------------------------------------------------------- setData / setACL

#[test]
fn set_data_takes_the_version_from_the_txn_and_mzxid_mtime_from_the_header() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.set_data(1, "/a", data(b"hello"));
    let out = zk.set_data(1, "/a", data(b"hi"));
    let s = zk.tree.stat("/a").expect("/a");
    assert_eq!((s.version, s.mzxid, s.mtime), (2, 3, time_of(3)));
    assert_eq!((s.czxid, s.ctime, s.pzxid), (1, time_of(1), 1));
    assert_eq!(s.data_length, 2);
    assert_eq!(out.result.stat, Some(s));
    assert_eq!(out.result.path, "/a");
    // The version is whatever the txn says (Prep computed it).
    zk.apply(
        1,
        OpCode::SetData,
        TxnBody::SetData(SetDataTxn {
            path: "/a".into(),
            data: None,
            version: 42,
        }),
    );
    assert_eq!(zk.tree.stat("/a").expect("/a").version, 42);
}

#[test]
fn reconfig_is_applied_as_set_data() {
    let mut zk = Zk::new();
    let out = zk.apply(
        0,
        OpCode::Reconfig,
        TxnBody::SetData(SetDataTxn {
            path: "/zookeeper/config".into(),
            data: data(b"server.1=a:1:2\nversion=100000000"),
            version: 1,
        }),
    );
    assert_eq!((out.result.r#type, out.result.err), (16, 0));
    assert_eq!(zk.tree.stat("/zookeeper/config").expect("c").version, 1);
}

#[test]
fn set_data_on_a_missing_node_is_no_node() {
    let mut zk = Zk::new();
    let out = zk.set_data(1, "/nope", None);
    assert_eq!(out.result.err, ErrorCode::NoNode.as_i32());
    assert_eq!(out.result.stat, None);
}

#[test]
fn set_acl_sets_aversion_and_shares_equal_acl_lists() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/b");
    let before = zk.tree.acl_cache_size();
    let out = zk.set_acl(1, "/a", acl::read_acl_unsafe());
    assert_eq!(out.result.stat.expect("stat").aversion, 1);
    let s = zk.tree.stat("/a").expect("/a");
    assert_eq!((s.aversion, s.version, s.mzxid), (1, 0, 1));
    let a = &zk.tree.node("/a").expect("/a").acl;
    let cfg = &zk.tree.node("/zookeeper/config").expect("c").acl;
    assert!(Arc::ptr_eq(a, cfg), "equal ACL lists are shared");
    assert_eq!(zk.tree.acl_cache_size(), before);
    assert!(out.events.is_empty(), "setACL triggers no watch");
}

#[test]
fn unused_acl_lists_leave_the_cache() {
    let mut zk = Zk::new();
    zk.mk("/a");
    let custom = vec![Acl {
        perms: READ,
        id: Id {
            scheme: "digest".into(),
            id: "u:h".into(),
        },
    }];
    zk.set_acl(1, "/a", custom);
    assert_eq!(zk.tree.acl_cache_size(), 3);
    zk.delete(1, "/a");
    assert_eq!(zk.tree.acl_cache_size(), 2);
}

// ---------------------------------------------------------------- ephemerals and sessions

#[test]
fn ephemeral_owner_is_the_header_client_id() {
    let mut zk = Zk::new();
    zk.create(S1, "/e", None, CreateMode::Ephemeral);
    assert_eq!(zk.tree.stat("/e").expect("/e").ephemeral_owner, S1);
    assert_eq!(zk.tree.ephemerals(S1), vec!["/e".to_owned()]);
    assert_eq!(zk.tree.ephemeral_count(), 1);
}

#[test]
fn close_session_deletes_its_ephemerals_and_fires_their_watches() {
    let mut zk = Zk::new();
    zk.mk("/p");
    zk.create(S1, "/p/e1", None, CreateMode::Ephemeral);
    zk.create(S1, "/p/e2", None, CreateMode::EphemeralSequential);
    zk.create(S2, "/p/other", None, CreateMode::Ephemeral);
    zk.tree.watches().add("/p/e1", S2, WatchKind::Data);
    zk.tree.watches().add("/p", S2, WatchKind::Child);
    let out = zk.close_session(S1);
    assert_eq!((out.result.r#type, out.result.err), (-11, 0));
    assert!(zk.tree.node("/p/e1").is_none());
    assert!(zk.tree.node("/p/e20000000001").is_none());
    assert!(zk.tree.node("/p/other").is_some());
    assert!(zk.tree.ephemerals(S1).is_empty());
    assert!(!zk.tree.session_ephemerals().contains_key(&S1));
    assert_eq!(zk.tree.node("/p").expect("/p").stat.pzxid, 5);
    // The txn lists them in the order of getEphemerals' clone (4 buckets), which JDK 17 gives
    // as [/p/e20000000001, /p/e1] (the session's own 16-bucket set has the reverse): so the
    // child watch fires on the first delete, before /p/e1's data watch.
    assert_eq!(
        out.events,
        vec![
            ev(S2, EventType::NodeChildrenChanged, "/p"),
            ev(S2, EventType::NodeDeleted, "/p/e1"),
        ]
    );
}

#[test]
fn close_session_without_a_body_deletes_the_ephemerals_the_tree_knows() {
    // Logs written before 3.6 have no CloseSessionTxn: killSession uses the tree's own list.
    let mut zk = Zk::new();
    zk.create(S1, "/e", None, CreateMode::Ephemeral);
    let out = zk.apply(S1, OpCode::CloseSession, TxnBody::CloseSession(None));
    assert_eq!(out.result.err, 0);
    assert!(zk.tree.node("/e").is_none());
}

#[test]
fn close_session_deletes_txn_paths_first_then_leftovers_and_skips_missing_ones() {
    let mut zk = Zk::new();
    zk.create(S1, "/e1", None, CreateMode::Ephemeral);
    zk.create(S1, "/e2", None, CreateMode::Ephemeral);
    zk.tree.watches().add("/e1", S2, WatchKind::Data);
    zk.tree.watches().add("/e2", S2, WatchKind::Data);
    let out = zk.apply(
        S1,
        OpCode::CloseSession,
        TxnBody::CloseSession(Some(CloseSessionTxn {
            paths2_delete: vec!["/gone".into(), "/e2".into()],
        })),
    );
    assert_eq!(out.result.err, 0);
    assert!(zk.tree.node("/e1").is_none());
    assert!(zk.tree.node("/e2").is_none());
    assert_eq!(
        out.events,
        vec![
            ev(S2, EventType::NodeDeleted, "/e2"),
            ev(S2, EventType::NodeDeleted, "/e1"),
        ]
    );
}

#[test]
fn a_session_stays_listed_after_its_last_ephemeral_is_deleted() {
    // ZooKeeper keeps the (empty) set until the session closes; `dump` shows it.
    let mut zk = Zk::new();
    zk.create(S1, "/e", None, CreateMode::Ephemeral);
    zk.delete(S1, "/e");
    assert_eq!(
        zk.tree.session_ephemerals().get(&S1).map(|s| s.len()),
        Some(0)
    );
    assert_eq!(zk.tree.ephemeral_count(), 0);
    zk.close_session(S1);
    assert!(zk.tree.session_ephemerals().is_empty());
}

#[test]
fn create_session_changes_nothing_but_the_zxid() {
    let mut zk = Zk::new();
    let out = zk.apply(
        S1,
        OpCode::CreateSession,
        TxnBody::CreateSession(CreateSessionTxn { time_out: 30000 }),
    );
    assert_eq!((out.result.r#type, out.result.err), (-10, 0));
    assert_eq!(zk.tree.node_count(), 5);
    assert_eq!(zk.tree.last_processed_zxid(), 1);
}

// ---------------------------------------------------------------- containers and TTLs

#[test]
fn containers_carry_the_marker_but_clients_see_no_owner() {
    let mut zk = Zk::new();
    let out = zk.create(1, "/c", None, CreateMode::Container);
    assert_eq!(out.result.r#type, OpCode::CreateContainer as i32);
    let n = zk.tree.node("/c").expect("/c");
    assert_eq!(n.stat.ephemeral_owner, i64::MIN);
    assert_eq!(zk.tree.stat("/c").expect("/c").ephemeral_owner, 0);
    assert!(zk.tree.containers().contains("/c"));
    zk.delete(1, "/c");
    assert!(zk.tree.containers().is_empty());
}

#[test]
fn ttl_nodes_are_tracked_when_extended_types_are_on() {
    let mut zk = Zk::with_config(TreeConfig {
        extended_types_enabled: true,
    });
    zk.create_ttl(1, "/t", None, CreateMode::PersistentWithTtl, 5000);
    let n = zk.tree.node("/t").expect("/t");
    assert_eq!(
        EphemeralType::from_owner(n.stat.ephemeral_owner, true),
        EphemeralType::Ttl(5000)
    );
    assert_eq!(zk.tree.stat("/t").expect("/t").ephemeral_owner, 0);
    assert!(zk.tree.ttls().contains("/t"));
    assert_eq!(zk.tree.ephemeral_count(), 0);
}

#[test]
fn ttl_owner_counts_as_a_session_when_extended_types_are_off() {
    // EphemeralType.get only decodes TTLs with extended types on; otherwise the owner is a
    // session id, as ZooKeeper would (mis)read a log written with them on.
    let mut zk = Zk::new();
    zk.create_ttl(1, "/t", None, CreateMode::PersistentWithTtl, 5000);
    let owner = ephemeral::ttl_to_owner(5000).expect("ttl");
    assert_eq!(zk.tree.ephemerals(owner), vec!["/t".to_owned()]);
    assert!(zk.tree.ttls().is_empty());
}

#[test]
fn create_ttl_with_an_invalid_ttl_fails_bad_arguments() {
    let mut zk = Zk::new();
    let out = zk.create_ttl(1, "/t", None, CreateMode::PersistentWithTtl, 0);
    assert_eq!(out.result.err, ErrorCode::BadArguments.as_i32());
    assert!(zk.tree.node("/t").is_none());
}

#[test]
fn never_used_containers_are_kept_and_emptied_ones_are_candidates() {
    let mut zk = Zk::new();
    zk.create(1, "/c1", None, CreateMode::Container);
    zk.create(1, "/c2", None, CreateMode::Container);
    zk.mk("/c2/x");
    assert!(zk.tree.containers_and_ttls_to_delete(i64::MAX).is_empty());
    zk.delete(1, "/c2/x");
    assert_eq!(
        zk.tree.containers_and_ttls_to_delete(0),
        vec!["/c2".to_owned()]
    );
    // znode.container.maxNeverUsedIntervalMs: /c1 was last modified at time_of(1).
    let now = time_of(1) + 100;
    assert_eq!(
        zk.tree.containers_and_ttls_to_delete_with(now, 99),
        vec!["/c1".to_owned(), "/c2".to_owned()]
    );
    assert_eq!(
        zk.tree.containers_and_ttls_to_delete_with(now, 100),
        vec!["/c2".to_owned()]
    );
}

#[test]
fn ttl_nodes_expire_after_their_ttl_since_mtime_unless_they_have_children() {
    let mut zk = Zk::with_config(TreeConfig {
        extended_types_enabled: true,
    });
    zk.create_ttl(1, "/t", None, CreateMode::PersistentWithTtl, 1000);
    zk.create_ttl(1, "/u", None, CreateMode::PersistentWithTtl, 1000);
    zk.mk("/u/child");
    let created = time_of(1);
    assert!(zk
        .tree
        .containers_and_ttls_to_delete(created + 1000)
        .is_empty());
    assert_eq!(
        zk.tree.containers_and_ttls_to_delete(created + 1001),
        vec!["/t".to_owned()]
    );
    zk.set_data(1, "/t", data(b"touch")); // mtime moves: the TTL restarts
    assert!(zk
        .tree
        .containers_and_ttls_to_delete(created + 1001)
        .is_empty());
}

// ---------------------------------------------------------------- multi

#[test]
fn multi_applies_every_sub_txn_in_order_under_one_zxid() {
    let mut zk = Zk::new();
    let (op1, b1, _) = zk.create_txn(1, "/a", data(b"1"), CreateMode::Persistent, -1);
    let op1 = if op1 == OpCode::Create2 {
        OpCode::Create
    } else {
        op1
    };
    let out = zk.multi(
        1,
        vec![
            sub(op1, b1),
            sub(
                OpCode::SetData,
                TxnBody::SetData(SetDataTxn {
                    path: "/a".into(),
                    data: data(b"22"),
                    version: 1,
                }),
            ),
            sub(
                OpCode::Check,
                TxnBody::Check(CheckVersionTxn {
                    path: "/a".into(),
                    version: 1,
                }),
            ),
        ],
    );
    assert_eq!((out.result.r#type, out.result.err), (14, 0));
    let types: Vec<i32> = out.result.multi.iter().map(|r| r.r#type).collect();
    assert_eq!(types, vec![1, 5, 13]);
    assert_eq!(out.result.multi[2].path, "/a");
    let s = zk.tree.stat("/a").expect("/a");
    assert_eq!((s.czxid, s.mzxid, s.version, s.data_length), (1, 1, 1, 2));
    assert_eq!(zk.tree.last_processed_zxid(), 1);
}

#[test]
fn multi_with_an_error_sub_txn_applies_nothing() {
    // Prep logs the failing op as ErrorTxn; processTxn turns the others into errors too:
    // OK before it, RUNTIMEINCONSISTENCY after it.
    let mut zk = Zk::new();
    zk.mk("/a");
    let create = |p: &str| {
        sub(
            OpCode::Create,
            TxnBody::Create(CreateTxn {
                path: p.into(),
                data: None,
                acl: acl::open_acl_unsafe(),
                ephemeral: false,
                parent_c_version: -1,
            }),
        )
    };
    let out = zk.multi(
        1,
        vec![
            create("/x"),
            sub(
                OpCode::Error,
                TxnBody::Error(ErrorTxn {
                    err: ErrorCode::NodeExists.as_i32(),
                }),
            ),
            create("/y"),
        ],
    );
    let errs: Vec<(i32, i32)> = out.result.multi.iter().map(|r| (r.r#type, r.err)).collect();
    assert_eq!(errs, vec![(-1, 0), (-1, -110), (-1, -2)]);
    assert!(out.result.multi.iter().all(|r| r.path.is_empty()));
    assert_eq!(out.result.err, -110);
    assert!(zk.tree.node("/x").is_none() && zk.tree.node("/y").is_none());
    assert_eq!(zk.tree.node("/").expect("/").stat.cversion, 1);
    assert_eq!(zk.tree.last_processed_zxid(), 2);
}

#[test]
fn multi_sub_txn_failing_at_apply_time_keeps_earlier_changes() {
    // No rollback in processTxn: an apply-time failure (impossible after a correct Prep)
    // fails that sub-txn only.
    let mut zk = Zk::new();
    let out = zk.multi(
        1,
        vec![
            sub(
                OpCode::Create,
                TxnBody::Create(CreateTxn {
                    path: "/a".into(),
                    data: None,
                    acl: acl::open_acl_unsafe(),
                    ephemeral: false,
                    parent_c_version: -1,
                }),
            ),
            sub(
                OpCode::Delete,
                TxnBody::Delete(DeleteTxn {
                    path: "/missing".into(),
                }),
            ),
            sub(
                OpCode::SetData,
                TxnBody::SetData(SetDataTxn {
                    path: "/a".into(),
                    data: None,
                    version: 1,
                }),
            ),
        ],
    );
    assert_eq!(out.result.err, ErrorCode::NoNode.as_i32());
    let errs: Vec<i32> = out.result.multi.iter().map(|r| r.err).collect();
    assert_eq!(errs, vec![0, -101, 0]);
    assert_eq!(zk.tree.stat("/a").expect("/a").version, 1);
}

#[test]
fn multi_stops_at_a_sub_txn_type_processtxn_does_not_know() {
    let mut zk = Zk::new();
    zk.mk("/a");
    let out = zk.multi(
        1,
        vec![
            sub(
                OpCode::SetData,
                TxnBody::SetData(SetDataTxn {
                    path: "/a".into(),
                    data: None,
                    version: 1,
                }),
            ),
            sub(
                OpCode::SetAcl,
                TxnBody::SetAcl(SetAclTxn {
                    path: "/a".into(),
                    acl: acl::read_acl_unsafe(),
                    version: 1,
                }),
            ),
            sub(
                OpCode::Delete,
                TxnBody::Delete(DeleteTxn { path: "/a".into() }),
            ),
        ],
    );
    assert_eq!(out.result.multi.len(), 1);
    assert_eq!(out.result.err, 0);
    assert!(zk.tree.node("/a").is_some());
    assert_eq!(zk.tree.stat("/a").expect("/a").aversion, 0);
}

#[test]
fn multi_events_follow_the_sub_txn_order() {
    let mut zk = Zk::new();
    zk.tree.watches().add("/a", S2, WatchKind::Exist);
    zk.tree.watches().add("/", S2, WatchKind::Child);
    let create = sub(
        OpCode::Create,
        TxnBody::Create(CreateTxn {
            path: "/a".into(),
            data: None,
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 1,
        }),
    );
    let set = sub(
        OpCode::SetData,
        TxnBody::SetData(SetDataTxn {
            path: "/a".into(),
            data: None,
            version: 1,
        }),
    );
    zk.tree
        .watches()
        .add("/a", S1, WatchKind::PersistentRecursive);
    let out = zk.multi(1, vec![create, set]);
    assert_eq!(
        out.events,
        vec![
            ev(S1, EventType::NodeCreated, "/a"),
            ev(S2, EventType::NodeCreated, "/a"),
            ev(S2, EventType::NodeChildrenChanged, "/"),
            ev(S1, EventType::NodeDataChanged, "/a"),
        ]
    );
}

// ---------------------------------------------------------------- error txns and zxids

#[test]
fn error_txn_reports_its_code_and_only_moves_the_zxid() {
    let mut zk = Zk::new();
    let out = zk.error(1, ErrorCode::NoAuth);
    assert_eq!(
        (out.result.r#type, out.result.err, out.result.path.as_str()),
        (-1, -102, "")
    );
    assert_eq!(zk.tree.last_processed_zxid(), 1);
    assert_eq!(zk.tree.node_count(), 5);
}

#[test]
fn last_processed_zxid_never_moves_back() {
    let mut zk = Zk::new();
    zk.tree.apply(
        &hdr(1, 10, OpCode::Error),
        &TxnBody::Error(ErrorTxn { err: 0 }),
    );
    zk.tree.apply(
        &hdr(1, 4, OpCode::Error),
        &TxnBody::Error(ErrorTxn { err: 0 }),
    );
    assert_eq!(zk.tree.last_processed_zxid(), 10);
}

#[test]
#[should_panic(expected = "txn type 2 carries a SetData body")]
fn a_body_that_does_not_match_its_type_is_a_bug() {
    let mut zk = Zk::new();
    zk.apply(
        1,
        OpCode::Delete,
        TxnBody::SetData(SetDataTxn {
            path: "/a".into(),
            data: None,
            version: 1,
        }),
    );
}

// ---------------------------------------------------------------- watches

#[test]
fn create_fires_node_created_then_parent_children_changed() {
    let mut zk = Zk::new();
    zk.mk("/p");
    assert_eq!(zk.tree.exists("/p/a", Some(S1)), Err(ErrorCode::NoNode));
    zk.tree.get_children("/p", Some(S2)).expect("/p");
    let out = zk.mk("/p/a");
    assert_eq!(
        out.events,
        vec![
            ev(S1, EventType::NodeCreated, "/p/a"),
            ev(S2, EventType::NodeChildrenChanged, "/p"),
        ]
    );
    assert_eq!(out.event_acls.len(), 2);
    // One-shot: gone now.
    assert!(zk
        .tree
        .set_watches(i64::MAX, &[], &[], &[], &[], &[], S1)
        .is_empty());
    assert!(zk.mk("/p/b").events.is_empty());
}

#[test]
fn children_changed_on_a_root_child_is_reported_on_slash() {
    let mut zk = Zk::new();
    zk.tree.get_children("/", Some(S1)).expect("/");
    let out = zk.mk("/a");
    assert_eq!(
        out.events,
        vec![ev(S1, EventType::NodeChildrenChanged, "/")]
    );
}

#[test]
fn delete_fires_node_deleted_once_per_session_then_parent_children_changed() {
    let mut zk = Zk::new();
    zk.mk("/p");
    zk.mk("/p/a");
    zk.tree.get_data("/p/a", Some(S1)).expect("/p/a");
    zk.tree.get_children("/p/a", Some(S1)).expect("/p/a");
    zk.tree.get_children("/p/a", Some(S2)).expect("/p/a");
    zk.tree.get_children("/p", Some(S2)).expect("/p");
    let out = zk.delete(1, "/p/a");
    assert_eq!(
        out.events,
        vec![
            ev(S1, EventType::NodeDeleted, "/p/a"),
            ev(S2, EventType::NodeDeleted, "/p/a"),
            ev(S2, EventType::NodeChildrenChanged, "/p"),
        ]
    );
}

#[test]
fn event_acls_name_the_znode_each_event_is_about() {
    let mut zk = Zk::new();
    zk.mk("/p");
    zk.mk("/p/a");
    zk.set_acl(1, "/p/a", acl::read_acl_unsafe());
    zk.tree.get_data("/p/a", Some(S1)).expect("/p/a");
    zk.tree.get_children("/p", Some(S1)).expect("/p");
    let out = zk.delete(1, "/p/a");
    assert_eq!(out.events.len(), 2);
    assert_eq!(*out.event_acls[0], acl::read_acl_unsafe());
    assert_eq!(*out.event_acls[1], acl::open_acl_unsafe());
}

#[test]
fn set_data_fires_node_data_changed_for_data_watches_only() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.tree.exists("/a", Some(S1)).expect("/a");
    zk.tree.get_children("/a", Some(S2)).expect("/a");
    let out = zk.set_data(1, "/a", None);
    assert_eq!(out.events, vec![ev(S1, EventType::NodeDataChanged, "/a")]);
}

#[test]
fn reads_leave_no_watch_on_missing_nodes_except_exists() {
    let mut zk = Zk::new();
    assert_eq!(zk.tree.get_data("/a", Some(S1)), Err(ErrorCode::NoNode));
    assert_eq!(
        zk.tree.get_children("/a", Some(S1)).map(|_| ()),
        Err(ErrorCode::NoNode)
    );
    assert!(zk.mk("/a").events.is_empty());
    zk.delete(1, "/a");
    assert_eq!(zk.tree.exists("/a", Some(S1)), Err(ErrorCode::NoNode));
    assert_eq!(
        zk.mk("/a").events,
        vec![ev(S1, EventType::NodeCreated, "/a")]
    );
}

#[test]
fn get_children_is_sorted_with_the_node_stat() {
    let mut zk = Zk::new();
    zk.mk("/p");
    for c in ["b", "a", "c"] {
        zk.mk(&format!("/p/{c}"));
    }
    let (children, stat) = zk.tree.get_children("/p", None).expect("/p");
    assert_eq!(children, vec!["a", "b", "c"]);
    assert_eq!(stat, zk.tree.stat("/p").expect("/p"));
}

#[test]
fn set_watches_fires_for_changes_after_the_relative_zxid() {
    let mut zk = Zk::new();
    zk.mk("/a"); // zxid 1
    zk.mk("/b"); // zxid 2
    zk.mk("/b/c"); // zxid 3: /b pzxid 3
    zk.set_data(1, "/a", None); // zxid 4: /a mzxid 4
    let s = |v: &[&str]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let fired = zk.tree.set_watches(
        3,
        &s(&["/a", "/b", "/gone"]),
        &s(&["/b", "/nothere"]),
        &s(&["/b", "/a", "/gone"]),
        &s(&["/p"]),
        &s(&["/r"]),
        S1,
    );
    assert_eq!(
        fired,
        vec![
            ev(S1, EventType::NodeDataChanged, "/a"),
            ev(S1, EventType::NodeDeleted, "/gone"),
            ev(S1, EventType::NodeCreated, "/b"),
            ev(S1, EventType::NodeDeleted, "/gone"),
        ]
    );
    // Added: data /b, exist /nothere, child /b and /a, persistent /p, recursive /r.
    let out = zk.mk("/nothere");
    assert_eq!(out.events, vec![ev(S1, EventType::NodeCreated, "/nothere")]);
    let out = zk.set_data(1, "/b", None);
    assert_eq!(out.events, vec![ev(S1, EventType::NodeDataChanged, "/b")]);
    let out = zk.mk("/a/x");
    assert_eq!(
        out.events,
        vec![ev(S1, EventType::NodeChildrenChanged, "/a")]
    );
    let out = zk.mk("/r");
    assert_eq!(out.events, vec![ev(S1, EventType::NodeCreated, "/r")]);
    let out = zk.mk("/r/deep");
    assert_eq!(out.events, vec![ev(S1, EventType::NodeCreated, "/r/deep")]);
}

// ---------------------------------------------------------------- sizes and counts

#[test]
fn approximate_data_size_tracks_paths_and_data() {
    let mut zk = Zk::new();
    let base = zk.tree.approximate_data_size();
    zk.create(1, "/ab", data(b"xyz"), CreateMode::Persistent);
    assert_eq!(zk.tree.approximate_data_size(), base + 3 + 3);
    zk.set_data(1, "/ab", data(b"x"));
    assert_eq!(zk.tree.approximate_data_size(), base + 3 + 1);
    zk.create(1, "/é", None, CreateMode::Persistent); // Java length 2
    assert_eq!(zk.tree.approximate_data_size(), base + 4 + 2);
    zk.delete(1, "/ab");
    zk.delete(1, "/é");
    assert_eq!(zk.tree.approximate_data_size(), base);
}

#[test]
fn all_children_number_counts_every_descendant() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    zk.mk("/a/b/c");
    zk.mk("/a/d");
    zk.mk("/ab");
    assert_eq!(zk.tree.all_children_number("/a"), Ok(3));
    assert_eq!(zk.tree.all_children_number("/a/b/c"), Ok(0));
    assert_eq!(zk.tree.all_children_number("/"), Ok(8));
    assert_eq!(zk.tree.node_count(), 10);
}

// ---------------------------------------------------------------- quotas

/// What `zkCli setquota -n 5 /a` writes, in order (SetQuotaCommand.createQuota).
fn setquota_count_5(zk: &mut Zk, path: &str) {
    zk.create(
        1,
        &format!("/zookeeper/quota{path}"),
        None,
        CreateMode::Persistent,
    );
    zk.create(
        1,
        &format!("/zookeeper/quota{path}/zookeeper_limits"),
        data(b"count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1"),
        CreateMode::Persistent,
    );
    zk.create(
        1,
        &format!("/zookeeper/quota{path}/zookeeper_stats"),
        data(b"count=0,bytes=0"),
        CreateMode::Persistent,
    );
}

fn stats(zk: &Zk, path: &str) -> String {
    let n = zk
        .tree
        .node(&format!("/zookeeper/quota{path}/zookeeper_stats"))
        .expect("stats node");
    String::from_utf8(n.data.clone().expect("data").to_vec()).expect("utf8")
}

#[test]
fn quota_stats_match_listquota_on_a_real_server() {
    // 3.8.0: /a "x" with children /a/c and /a/s0000000002 (no data); setquota -n 5 /a ->
    // "count=3,bytes=1"; create /a/n hello; set /a/c abc -> "count=4,bytes=9".
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.create(1, "/a/c", None, CreateMode::Persistent);
    zk.create(1, "/a/s0000000002", None, CreateMode::Persistent);
    setquota_count_5(&mut zk, "/a");
    assert_eq!(stats(&zk, "/a"), "count=3,bytes=1");
    assert_eq!(zk.tree.max_prefix_with_quota("/a/c"), Some("/a".into()));
    let stats_stat = zk
        .tree
        .stat("/zookeeper/quota/a/zookeeper_stats")
        .expect("s");
    zk.create(1, "/a/n", data(b"hello"), CreateMode::Persistent);
    zk.set_data(1, "/a/c", data(b"abc"));
    assert_eq!(stats(&zk, "/a"), "count=4,bytes=9");
    // The rewrite does not touch the stats node's version or mzxid (dataLength 15 both).
    assert_eq!(
        zk.tree
            .stat("/zookeeper/quota/a/zookeeper_stats")
            .expect("s"),
        stats_stat
    );
    zk.delete(1, "/a/n");
    assert_eq!(stats(&zk, "/a"), "count=3,bytes=4");
}

#[test]
fn quota_rewrites_do_not_count_in_the_approximate_data_size() {
    let mut zk = Zk::new();
    zk.mk("/a");
    setquota_count_5(&mut zk, "/a");
    let before = zk.tree.approximate_data_size();
    zk.mk("/a/b");
    assert_eq!(zk.tree.approximate_data_size(), before + 4 + 1);
}

#[test]
fn deleting_the_limits_node_drops_the_quota() {
    let mut zk = Zk::new();
    zk.mk("/a");
    setquota_count_5(&mut zk, "/a");
    zk.delete(1, "/zookeeper/quota/a/zookeeper_limits");
    assert_eq!(zk.tree.max_prefix_with_quota("/a/b"), None);
    zk.mk("/a/b");
    assert_eq!(stats(&zk, "/a"), "count=1,bytes=1");
}

#[test]
fn the_deepest_quota_takes_the_counts() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    setquota_count_5(&mut zk, "/a");
    setquota_count_5(&mut zk, "/a/b");
    assert_eq!(stats(&zk, "/a/b"), "count=1,bytes=1");
    zk.mk("/a/b/c");
    assert_eq!(stats(&zk, "/a/b"), "count=2,bytes=2");
    assert_eq!(stats(&zk, "/a"), "count=2,bytes=2");
}

#[test]
fn ephemeral_cleanup_updates_quota_stats() {
    let mut zk = Zk::new();
    zk.mk("/a");
    setquota_count_5(&mut zk, "/a");
    zk.create(S1, "/a/e", data(b"12"), CreateMode::Ephemeral);
    assert_eq!(stats(&zk, "/a"), "count=2,bytes=3");
    zk.close_session(S1);
    assert_eq!(stats(&zk, "/a"), "count=1,bytes=1");
}

#[test]
fn hard_count_limit_fails_creates_and_soft_limits_do_not() {
    let mut zk = Zk::new();
    zk.mk("/a");
    setquota_count_5(&mut zk, "/a");
    assert_eq!(zk.tree.check_quota("/a/x", 0, 1, true), Ok(()));
    zk.set_data(
        1,
        "/zookeeper/quota/a/zookeeper_limits",
        data(b"count=5,bytes=-1=;byteHardLimit=3;countHardLimit=1"),
    );
    assert_eq!(
        zk.tree.check_quota("/a/x", 0, 0, true),
        Err(ErrorCode::QuotaExceeded)
    );
    assert_eq!(zk.tree.check_quota("/a", 1, 3, false), Ok(()));
    assert_eq!(
        zk.tree.check_quota("/a", 1, 4, false),
        Err(ErrorCode::QuotaExceeded)
    );
    assert_eq!(zk.tree.check_quota("/b", 0, 100, true), Ok(()));
}

#[test]
fn quorum_config_is_written_outside_txns_with_version_minus_one() {
    // ZKDatabase.initConfigInZKDatabase: setData(CONFIG_NODE, qv, -1, qv.getVersion(), now).
    let mut zk = Zk::new();
    zk.tree
        .exists("/zookeeper/config", Some(S1))
        .expect("config");
    let text = "server.1=127.0.0.1:2888:3888:participant\nversion=100000000";
    let events = zk
        .tree
        .init_config_node(Bytes::from(text), 0x1_0000_0000, 1234);
    assert_eq!(
        events,
        vec![ev(S1, EventType::NodeDataChanged, "/zookeeper/config")]
    );
    let s = zk.tree.stat("/zookeeper/config").expect("config");
    assert_eq!(
        (s.version, s.mzxid, s.mtime, s.aversion),
        (-1, 0x1_0000_0000, 1234, -1)
    );
    assert_eq!(s.data_length as usize, text.len());
    assert_eq!(zk.tree.last_processed_zxid(), 0);
}

// ---------------------------------------------------------------- Java HashSet orders

#[test]
fn get_children_lists_in_zookeepers_hash_set_order() {
    let mut zk = Zk::new();
    zk.mk("/p");
    for i in 0..20 {
        zk.mk(&format!("/p/c{i}"));
    }
    zk.delete(S1, "/p/c3");
    zk.delete(S1, "/p/c15");
    // JDK 17: new HashSet<String>(8), add c0..c19, remove c3 and c15, then iterate.
    let java = "c11,c10,c13,c12,c14,c17,c16,c19,c18,c0,c1,c2,c4,c5,c6,c7,c8,c9";
    let (children, stat) = zk.tree.get_children("/p", None).expect("/p");
    assert_eq!(children.join(","), java);
    assert_eq!(stat.num_children, 18);
}
