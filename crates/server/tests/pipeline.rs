//! Request semantics end to end without sockets: `prep::prepare` -> `DataTree::apply` ->
//! `apply::write_reply`, and `apply::read`, on a real tree. Expected values come from
//! ZooKeeper's `PrepRequestProcessor` / `FinalRequestProcessor` (3.9, 3.8.4+) and, where
//! noted, from runs against a ZooKeeper 3.8.0 server.

use bytes::Bytes;
use datatree::{acl, ApplyOutcome, DataTree, EventType, TreeConfig};
use jute_codec::records::*;
use jute_codec::request::{decode_multi_response, MultiOp, OpResult, Request};
use jute_codec::txn_body::{TxnBody, TxnEntry};
use jute_codec::{ErrorCode, OpCode, Record};
use server::pipeline::apply::{self, ReadContext, ReadReply, Reply};
use server::pipeline::pending::Pending;
use server::pipeline::prep::{self, PrepContext};

const SESSION: i64 = 0x0100_0000_0000_0001;
const OTHER: i64 = 0x0100_0000_0000_0002;
const NOW: i64 = 1_700_000_000_000;

/// One server's pipeline state, driven by hand.
struct Harness {
    tree: DataTree,
    pending: Pending,
    zxid: i64,
    auth: Vec<Id>,
    extended: bool,
    reconfig: bool,
}

impl Harness {
    fn new() -> Self {
        Self::with_extended(false)
    }

    fn with_extended(extended: bool) -> Self {
        Harness {
            tree: DataTree::with_config(TreeConfig {
                extended_types_enabled: extended,
            }),
            pending: Pending::new(),
            zxid: 0,
            auth: vec![ip("127.0.0.1")],
            extended,
            reconfig: false,
        }
    }

    /// Prepares `req` for `session` with the next zxid; nothing is applied.
    fn prep_as(&mut self, session: i64, req: &Request) -> TxnEntry {
        self.zxid += 1;
        let ctx = PrepContext {
            session_id: session,
            cxid: 7,
            zxid: self.zxid,
            now_ms: NOW + self.zxid,
            auth_ids: &self.auth,
            extended_types_enabled: self.extended,
            reconfig_enabled: self.reconfig,
        };
        prep::prepare(req, &ctx, &mut self.pending, &self.tree)
    }

    fn prep(&mut self, req: &Request) -> TxnEntry {
        self.prep_as(SESSION, req)
    }

    /// Applies a prepared txn, as the core does once it is durable. The txn goes through the
    /// log encoding first, as it would on its way to a follower or after a restart.
    fn apply(&mut self, entry: &TxnEntry) -> ApplyOutcome {
        assert_eq!(
            &log_round_trip(entry),
            entry,
            "txn changed through the log encoding"
        );
        self.apply_unlogged(entry)
    }

    /// [`Harness::apply`] without the log round trip.
    fn apply_unlogged(&mut self, entry: &TxnEntry) -> ApplyOutcome {
        let outcome = self.tree.apply(&entry.hdr, &entry.body);
        self.pending.prune(entry.hdr.zxid);
        outcome
    }

    /// prepare -> apply -> reply.
    fn write(&mut self, req: &Request) -> Reply {
        let entry = self.prep(req);
        let outcome = self.apply(&entry);
        apply::write_reply(req.op_code(), &outcome.result)
    }

    fn read_as(&mut self, session: i64, req: &Request) -> ReadReply {
        let ctx = ReadContext {
            session_id: session,
            auth_ids: &self.auth,
            last_zxid: self.zxid,
        };
        apply::read(req, &ctx, &mut self.tree)
    }

    fn read(&mut self, req: &Request) -> ReadReply {
        self.read_as(SESSION, req)
    }

    fn stat(&self, path: &str) -> Stat {
        self.tree.stat(path).expect("node exists")
    }

    /// Creates a persistent node with `world:anyone` ALL and asserts success.
    fn mk(&mut self, path: &str) {
        let reply = self.write(&create(path, 0));
        assert_eq!(reply.err, 0, "create {path}");
    }
}

/// Encodes a txn as the log stores it and decodes it back.
fn log_round_trip(entry: &TxnEntry) -> TxnEntry {
    let mut buf = Vec::new();
    entry.encode(&mut buf);
    TxnEntry::decode(&mut Bytes::from(buf)).expect("prepared txn decodes")
}

fn ip(addr: &str) -> Id {
    Id {
        scheme: "ip".into(),
        id: addr.into(),
    }
}

fn digest_id(user_password: &str) -> Id {
    Id {
        scheme: "digest".into(),
        id: acl::generate_digest(user_password),
    }
}

fn super_id() -> Id {
    Id {
        scheme: "super".into(),
        id: String::new(),
    }
}

fn world(perms: i32) -> Vec<Acl> {
    vec![Acl {
        perms,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

fn create_req(path: &str, flags: i32) -> CreateRequest {
    CreateRequest {
        path: path.into(),
        data: Some(Bytes::from_static(b"d")),
        acl: world(acl::ALL),
        flags,
    }
}

fn create(path: &str, flags: i32) -> Request {
    Request::Create(create_req(path, flags))
}

fn create2(path: &str, flags: i32) -> Request {
    Request::Create2(create_req(path, flags))
}

fn create_with_acl(path: &str, acl: Vec<Acl>) -> Request {
    Request::Create(CreateRequest {
        acl,
        ..create_req(path, 0)
    })
}

fn create_ttl(path: &str, flags: i32, ttl: i64) -> Request {
    Request::CreateTtl(CreateTtlRequest {
        path: path.into(),
        data: None,
        acl: world(acl::ALL),
        flags,
        ttl,
    })
}

fn delete(path: &str, version: i32) -> Request {
    Request::Delete(DeleteRequest {
        path: path.into(),
        version,
    })
}

fn set_data(path: &str, data: &'static [u8], version: i32) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Some(Bytes::from_static(data)),
        version,
    })
}

fn set_acl(path: &str, acl: Vec<Acl>, version: i32) -> Request {
    Request::SetAcl(SetAclRequest {
        path: path.into(),
        acl,
        version,
    })
}

fn get_data(path: &str, watch: bool) -> Request {
    Request::GetData(GetDataRequest {
        path: path.into(),
        watch,
    })
}

fn exists(path: &str, watch: bool) -> Request {
    Request::Exists(ExistsRequest {
        path: path.into(),
        watch,
    })
}

fn check_watches(path: &str, ty: i32) -> Request {
    Request::CheckWatches(CheckWatchesRequest {
        path: path.into(),
        r#type: ty,
    })
}

fn m_create(path: &str, op: OpCode, flags: i32) -> MultiOp {
    MultiOp::Create {
        op,
        req: create_req(path, flags),
    }
}

fn m_check(path: &str, version: i32) -> MultiOp {
    MultiOp::Check(CheckVersionRequest {
        path: path.into(),
        version,
    })
}

fn m_delete(path: &str, version: i32) -> MultiOp {
    MultiOp::Delete(DeleteRequest {
        path: path.into(),
        version,
    })
}

fn m_set_data(path: &str, version: i32) -> MultiOp {
    MultiOp::SetData(SetDataRequest {
        path: path.into(),
        data: Some(Bytes::from_static(b"m")),
        version,
    })
}

fn err(code: ErrorCode) -> i32 {
    code.as_i32()
}

/// The code of a failed, prepared write; panics when it is not an error txn.
fn error_of(entry: &TxnEntry) -> ErrorCode {
    assert_eq!(entry.hdr.r#type, -1, "expected an error txn, got {entry:?}");
    match entry.body {
        TxnBody::Error(ErrorTxn { err }) => ErrorCode::from_i32(err).expect("known code"),
        ref other => panic!("error header with body {other:?}"),
    }
}

fn created_path(reply: &Reply) -> String {
    assert_eq!(reply.err, 0);
    CreateResponse::decode_exact(reply.body.clone())
        .expect("CreateResponse")
        .path
}

fn multi_results(body: &Bytes) -> Vec<OpResult> {
    decode_multi_response(&mut body.clone()).expect("MultiResponse")
}

// ----- create and sequential names ------------------------------------------------------------

#[test]
fn create_answers_the_path_and_create2_also_the_stat() {
    let mut h = Harness::new();
    assert_eq!(created_path(&h.write(&create("/a", 0))), "/a");
    let reply = h.write(&create2("/b", 0));
    assert_eq!(reply.err, 0);
    let resp = Create2Response::decode_exact(reply.body).expect("Create2Response");
    assert_eq!(resp.path, "/b");
    assert_eq!(resp.stat, h.stat("/b"));
    assert_eq!(resp.stat.czxid, h.zxid);
    assert_eq!(resp.stat.ctime, NOW + h.zxid);
    assert_eq!(resp.stat.version, 0);
}

#[test]
fn sequential_suffix_is_the_parent_cversion_counting_creations_only() {
    // Observed on ZooKeeper 3.8.0 (kafka-zk-usage.md §7.5): suffixes 0, 1, 3 and parent
    // cversions 1..5 for create-seq, delete, create-seq, create, create-seq.
    let mut h = Harness::new();
    h.mk("/p");
    assert_eq!(
        created_path(&h.write(&create("/p/x_", 2))),
        "/p/x_0000000000"
    );
    assert_eq!(h.stat("/p").cversion, 1);
    assert_eq!(h.write(&delete("/p/x_0000000000", -1)).err, 0);
    assert_eq!(h.stat("/p").cversion, 2);
    assert_eq!(
        created_path(&h.write(&create("/p/x_", 2))),
        "/p/x_0000000001"
    );
    assert_eq!(h.stat("/p").cversion, 3);
    h.mk("/p/plain");
    assert_eq!(h.stat("/p").cversion, 4);
    assert_eq!(
        created_path(&h.write(&create("/p/x_", 2))),
        "/p/x_0000000003"
    );
    assert_eq!(h.stat("/p").cversion, 5);
}

#[test]
fn sequential_suffix_comes_from_the_pending_parent_cversion() {
    let mut h = Harness::new();
    h.mk("/q");
    let first = h.prep(&create("/q/n-", 2));
    let second = h.prep(&create("/q/n-", 3));
    let path_of = |e: &TxnEntry| match &e.body {
        TxnBody::Create(t) => (t.path.clone(), t.parent_c_version, t.ephemeral),
        other => panic!("{other:?}"),
    };
    assert_eq!(path_of(&first), ("/q/n-0000000000".into(), 1, false));
    assert_eq!(path_of(&second), ("/q/n-0000000001".into(), 2, true));
    h.apply(&first);
    h.apply(&second);
    assert_eq!(h.stat("/q/n-0000000001").ephemeral_owner, SESSION);
    assert!(h.pending.is_empty());
}

#[test]
fn sequential_suffix_wraps_like_a_java_int() {
    let mut h = Harness::new();
    h.mk("/w");
    // A replayed create can leave any parent cversion; take it to i32::MAX.
    h.zxid += 1;
    let hdr = TxnHeader {
        client_id: SESSION,
        cxid: 1,
        zxid: h.zxid,
        time: NOW,
        r#type: OpCode::Create.as_i32(),
    };
    let body = TxnBody::Create(CreateTxn {
        path: "/w/c".into(),
        data: None,
        acl: world(acl::ALL),
        ephemeral: false,
        parent_c_version: i32::MAX,
    });
    h.tree.apply(&hdr, &body);
    let path_of = |e: &TxnEntry| match &e.body {
        TxnBody::Create(t) => (t.path.clone(), t.parent_c_version),
        other => panic!("{other:?}"),
    };
    let first = h.prep(&create("/w/s", 2));
    let second = h.prep(&create("/w/s", 2));
    assert_eq!(path_of(&first), ("/w/s2147483647".into(), i32::MIN));
    assert_eq!(path_of(&second), ("/w/s-2147483648".into(), i32::MIN + 1));
    h.apply(&first);
    h.apply(&second);
    // ZK-COMPAT: DataTree.createNode only moves a parent's cversion forward, so once it
    // wrapped the tree keeps i32::MAX and the next sequential name is taken.
    assert_eq!(error_of(&h.prep(&create("/w/s", 2))), ErrorCode::NodeExists);
}

#[test]
fn a_failed_write_takes_its_zxid_as_an_error_txn() {
    let mut h = Harness::new();
    let entry = h.prep(&create("/missing/child", 0));
    assert_eq!(entry.hdr.zxid, 1);
    assert_eq!(entry.hdr.client_id, SESSION);
    assert_eq!(entry.hdr.cxid, 7);
    assert_eq!(error_of(&entry), ErrorCode::NoNode);
    let outcome = h.apply(&entry);
    assert_eq!(h.tree.last_processed_zxid(), 1);
    let reply = apply::write_reply(OpCode::Create, &outcome.result);
    assert_eq!(
        reply,
        Reply {
            err: err(ErrorCode::NoNode),
            body: Bytes::new()
        }
    );
    // The next write gets the next zxid.
    assert_eq!(h.prep(&create("/x", 0)).hdr.zxid, 2);
}

// ----- create: the order of the checks ----------------------------------------------------------

#[test]
fn unknown_create_flags_are_bad_arguments_before_any_other_check() {
    let mut h = Harness::new();
    let req = Request::Create(CreateRequest {
        acl: vec![],
        ..create_req("/missing/x", 7)
    });
    assert_eq!(error_of(&h.prep(&req)), ErrorCode::BadArguments);
}

#[test]
fn ttl_modes_need_extended_types() {
    let mut h = Harness::new();
    assert_eq!(
        error_of(&h.prep(&create_ttl("/t", 5, 1000))),
        ErrorCode::Unimplemented
    );
    // Checked before the parent.
    assert_eq!(
        error_of(&h.prep(&create_ttl("/no/t", 6, 1000))),
        ErrorCode::Unimplemented
    );

    let mut h = Harness::with_extended(true);
    let reply = h.write(&create_ttl("/t", 5, 1000));
    assert_eq!(reply.err, 0);
    let resp = Create2Response::decode_exact(reply.body).expect("Create2Response");
    assert_eq!(resp.path, "/t");
    // Clients see 0 as the owner of TTL nodes; the tree keeps the TTL marker.
    assert_eq!(resp.stat.ephemeral_owner, 0);
    assert_eq!(h.tree.ttls().iter().collect::<Vec<_>>(), ["/t"]);
    let seq = h.write(&create_ttl("/t-", 6, 1000));
    let resp = Create2Response::decode_exact(seq.body).expect("Create2Response");
    assert_eq!(resp.path, "/t-0000000001");
}

#[test]
fn bad_ttls_are_bad_arguments() {
    let mut h = Harness::with_extended(true);
    assert_eq!(
        error_of(&h.prep(&create_ttl("/t", 5, 0))),
        ErrorCode::BadArguments
    );
    assert_eq!(
        error_of(&h.prep(&create_ttl("/t", 5, datatree::ephemeral::MAX_TTL_MS + 1))),
        ErrorCode::BadArguments
    );
    // A TTL mode through create2 has no TTL at all.
    assert_eq!(
        error_of(&h.prep(&create2("/t", 5))),
        ErrorCode::BadArguments
    );
    // A TTL with a non-TTL mode.
    assert_eq!(
        error_of(&h.prep(&create_ttl("/t", 0, 100))),
        ErrorCode::BadArguments
    );
    // ZooKeeper prepares this one and then dies applying it; zkrs refuses it.
    assert_eq!(
        error_of(&h.prep(&create_ttl("/t", 0, -1))),
        ErrorCode::BadArguments
    );
    assert_eq!(
        error_of(&h.prep(&create_ttl("/t", 4, -1))),
        ErrorCode::BadArguments
    );
}

#[test]
fn a_path_without_slash_is_bad_arguments_before_the_acl_is_checked() {
    let mut h = Harness::new();
    let req = Request::Create(CreateRequest {
        acl: vec![],
        ..create_req("relative", 0)
    });
    assert_eq!(error_of(&h.prep(&req)), ErrorCode::BadArguments);
}

#[test]
fn an_invalid_acl_is_reported_before_a_missing_parent() {
    let mut h = Harness::new();
    assert_eq!(
        error_of(&h.prep(&create_with_acl("/missing/x", vec![]))),
        ErrorCode::InvalidAcl
    );
    // `auth` needs an authenticated (digest) id; the ip id does not count.
    let auth_acl = vec![Acl {
        perms: acl::ALL,
        id: Id {
            scheme: "auth".into(),
            id: String::new(),
        },
    }];
    assert_eq!(
        error_of(&h.prep(&create_with_acl("/x", auth_acl.clone()))),
        ErrorCode::InvalidAcl
    );
    h.auth.push(digest_id("bob:secret"));
    assert_eq!(h.write(&create_with_acl("/x", auth_acl)).err, 0);
    assert_eq!(
        h.tree.node("/x").expect("created").acl[0].id,
        digest_id("bob:secret")
    );
}

#[test]
fn create_needs_create_permission_on_the_parent() {
    let mut h = Harness::new();
    assert_eq!(
        h.write(&create_with_acl("/ro", world(acl::READ | acl::WRITE)))
            .err,
        0
    );
    assert_eq!(error_of(&h.prep(&create("/ro/x", 0))), ErrorCode::NoAuth);
    // NoAuth comes before NodeExists: the parent is checked first.
    h.auth.push(super_id());
    assert_eq!(h.write(&create("/ro/x", 0)).err, 0);
    h.auth.pop();
    assert_eq!(error_of(&h.prep(&create("/ro/x", 0))), ErrorCode::NoAuth);
}

#[test]
fn full_path_rules_apply_after_the_parent_checks() {
    let mut h = Harness::new();
    // Missing parent first: NoNode even though "/a/" is not a valid path.
    assert_eq!(error_of(&h.prep(&create("/a/", 0))), ErrorCode::NoNode);
    h.mk("/a");
    assert_eq!(
        error_of(&h.prep(&create("/a/", 0))),
        ErrorCode::BadArguments
    );
    assert_eq!(
        error_of(&h.prep(&create("/a/.", 0))),
        ErrorCode::BadArguments
    );
    assert_eq!(
        error_of(&h.prep(&create("/a\0b", 0))),
        ErrorCode::BadArguments
    );
    // A sequential create may end with '/': the suffix makes it valid.
    assert_eq!(created_path(&h.write(&create("/a/", 2))), "/a/0000000000");
    // "/a//b" has parent "/a/", which does not exist.
    assert_eq!(error_of(&h.prep(&create("/a//b", 0))), ErrorCode::NoNode);
}

#[test]
fn creating_an_existing_node_is_node_exists() {
    let mut h = Harness::new();
    h.mk("/e");
    assert_eq!(error_of(&h.prep(&create("/e", 0))), ErrorCode::NodeExists);
    assert_eq!(error_of(&h.prep(&create("/", 0))), ErrorCode::NodeExists);
    assert_eq!(
        error_of(&h.prep(&create("/zookeeper", 0))),
        ErrorCode::NodeExists
    );
}

#[test]
fn ephemeral_nodes_cannot_have_children_but_containers_can() {
    let mut h = Harness::new();
    assert_eq!(h.write(&create("/eph", 1)).err, 0);
    assert_eq!(h.stat("/eph").ephemeral_owner, SESSION);
    assert_eq!(
        error_of(&h.prep(&create("/eph/c", 0))),
        ErrorCode::NoChildrenForEphemerals
    );
    let reply = h.write(&Request::CreateContainer(create_req("/box", 4)));
    assert_eq!(reply.err, 0);
    assert_eq!(h.write(&create("/box/c", 1)).err, 0);
}

// ----- delete, setData, setACL, check ---------------------------------------------------------

#[test]
fn delete_checks_parent_permission_then_version_then_children() {
    let mut h = Harness::new();
    assert_eq!(
        h.write(&create_with_acl("/d", world(acl::ALL & !acl::DELETE)))
            .err,
        0
    );
    h.mk("/d/c");
    h.mk("/d/c/g");
    h.mk("/d/leaf");
    // No DELETE on the parent: NoAuth even with a wrong version.
    assert_eq!(error_of(&h.prep(&delete("/d/c", 5))), ErrorCode::NoAuth);
    // The DELETE permission of the node itself does not matter.
    assert_eq!(error_of(&h.prep(&delete("/d", -1))), ErrorCode::NotEmpty);
    assert_eq!(
        error_of(&h.prep(&delete("/d/c/g", 3))),
        ErrorCode::BadVersion
    );
    assert_eq!(
        error_of(&h.prep(&delete("/d/c/missing", -1))),
        ErrorCode::NoNode
    );
    assert_eq!(
        error_of(&h.prep(&delete("/missing/x", -1))),
        ErrorCode::NoNode
    );
    h.write(&set_acl("/d", world(acl::ALL), -1));
    // BadVersion comes before NotEmpty.
    assert_eq!(error_of(&h.prep(&delete("/d/c", 3))), ErrorCode::BadVersion);
    assert_eq!(error_of(&h.prep(&delete("/d/c", 0))), ErrorCode::NotEmpty);
    let before = h.stat("/d");
    let reply = h.write(&delete("/d/leaf", 0));
    assert_eq!(reply, Reply::default());
    let after = h.stat("/d");
    assert_eq!(after.pzxid, h.zxid);
    assert_eq!(after.num_children, before.num_children - 1);
}

#[test]
fn special_nodes_and_paths_without_slash_cannot_be_deleted() {
    let mut h = Harness::new();
    for p in [
        "/",
        "/zookeeper",
        "/zookeeper/quota",
        "/zookeeper/config",
        "nope",
        "",
    ] {
        assert_eq!(
            error_of(&h.prep(&delete(p, -1))),
            ErrorCode::BadArguments,
            "{p:?}"
        );
    }
    // Delete does not run the path rules: a trailing slash is just a missing node.
    h.mk("/t");
    assert_eq!(error_of(&h.prep(&delete("/t/", -1))), ErrorCode::NoNode);
}

#[test]
fn set_data_checks_path_node_permission_and_version_in_that_order() {
    let mut h = Harness::new();
    assert_eq!(
        error_of(&h.prep(&set_data("bad", b"x", 9))),
        ErrorCode::BadArguments
    );
    assert_eq!(
        error_of(&h.prep(&set_data("/none", b"x", 9))),
        ErrorCode::NoNode
    );
    assert_eq!(
        h.write(&create_with_acl("/s", world(acl::READ | acl::ADMIN)))
            .err,
        0
    );
    assert_eq!(
        error_of(&h.prep(&set_data("/s", b"x", 9))),
        ErrorCode::NoAuth
    );
    h.write(&set_acl("/s", world(acl::ALL), -1));
    assert_eq!(
        error_of(&h.prep(&set_data("/s", b"x", 9))),
        ErrorCode::BadVersion
    );
    let reply = h.write(&set_data("/s", b"x", 0));
    let stat = SetDataResponse::decode_exact(reply.body)
        .expect("SetDataResponse")
        .stat;
    assert_eq!(
        (stat.version, stat.mzxid, stat.mtime),
        (1, h.zxid, NOW + h.zxid)
    );
    // The same data again still bumps the version (Kafka relies on it).
    let reply = h.write(&set_data("/s", b"x", -1));
    let stat = SetDataResponse::decode_exact(reply.body)
        .expect("SetDataResponse")
        .stat;
    assert_eq!(stat.version, 2);
}

#[test]
fn set_acl_validates_the_acl_before_looking_at_the_node_and_needs_admin() {
    let mut h = Harness::new();
    assert_eq!(
        error_of(&h.prep(&set_acl("/none", vec![], -1))),
        ErrorCode::InvalidAcl
    );
    assert_eq!(
        error_of(&h.prep(&set_acl("/none", world(1), -1))),
        ErrorCode::NoNode
    );
    assert_eq!(
        h.write(&create_with_acl("/a", world(acl::ALL & !acl::ADMIN)))
            .err,
        0
    );
    assert_eq!(
        error_of(&h.prep(&set_acl("/a", world(acl::ALL), -1))),
        ErrorCode::NoAuth
    );
    h.auth.push(super_id());
    assert_eq!(
        error_of(&h.prep(&set_acl("/a", world(acl::ALL), 3))),
        ErrorCode::BadVersion
    );
    let reply = h.write(&set_acl("/a", world(acl::ALL), 0));
    let stat = SetAclResponse::decode_exact(reply.body)
        .expect("SetAclResponse")
        .stat;
    assert_eq!(stat.aversion, 1);
}

#[test]
fn a_check_outside_a_multi_is_a_logged_txn() {
    let mut h = Harness::new();
    h.mk("/c");
    let bad = Request::Check(CheckVersionRequest {
        path: "/c".into(),
        version: 4,
    });
    assert_eq!(h.write(&bad).err, err(ErrorCode::BadVersion));
    let good = Request::Check(CheckVersionRequest {
        path: "/c".into(),
        version: 0,
    });
    let entry = h.prep(&good);
    assert_eq!(entry.hdr.r#type, OpCode::Check.as_i32());
    // The txn carries the checked version plus one, as ZooKeeper's does.
    assert_eq!(
        entry.body,
        TxnBody::Check(CheckVersionTxn {
            path: "/c".into(),
            version: 1
        })
    );
    let outcome = h.apply(&entry);
    assert_eq!(
        apply::write_reply(OpCode::Check, &outcome.result),
        Reply::default()
    );
}

#[test]
fn reconfig_is_disabled_and_still_takes_a_zxid() {
    let mut h = Harness::new();
    let req = Request::Reconfig(ReconfigRequest {
        joining_servers: String::new(),
        leaving_servers: String::new(),
        new_members: String::new(),
        cur_config_id: -1,
    });
    let entry = h.prep(&req);
    assert_eq!(
        (error_of(&entry), entry.hdr.zxid),
        (ErrorCode::ReconfigDisabled, 1)
    );
    h.reconfig = true;
    assert_eq!(error_of(&h.prep(&req)), ErrorCode::Unimplemented);
}

// ----- multi ------------------------------------------------------------------------------------

#[test]
fn failed_multi_is_atomic_and_answers_ok_with_per_op_errors() {
    // The shape Kafka depends on (kafka-zk-usage.md §7.1), as ZooKeeper 3.8.0 answered it.
    let mut h = Harness::new();
    h.mk("/controller_epoch");
    let req = Request::Multi(vec![
        m_check("/controller_epoch", 0),
        m_create("/new", OpCode::Create, 0),
        m_delete("/admin/preferred_replica_election", -1),
        m_set_data("/controller_epoch", 0),
    ]);
    let entry = h.prep(&req);
    assert_eq!(entry.hdr.r#type, OpCode::Multi.as_i32());
    let TxnBody::Multi(subs) = &entry.body else {
        panic!("{:?}", entry.body)
    };
    let types: Vec<i32> = subs.iter().map(|s| s.r#type).collect();
    assert_eq!(types, [13, 1, -1, -1]);
    assert_eq!(subs[2].body, TxnBody::Error(ErrorTxn { err: -101 }));
    assert_eq!(subs[3].body, TxnBody::Error(ErrorTxn { err: -2 }));
    // Rolled back: the create is not visible to later requests.
    assert!(h.pending.is_empty());
    let outcome = h.apply(&entry);
    let reply = apply::write_reply(OpCode::Multi, &outcome.result);
    assert_eq!(reply.err, 0);
    assert_eq!(
        multi_results(&reply.body),
        [
            OpResult::Error { err: 0 },
            OpResult::Error { err: 0 },
            OpResult::Error { err: -101 },
            OpResult::Error { err: -2 },
        ]
    );
    assert!(h.tree.node("/new").is_none());
    assert_eq!(h.stat("/controller_epoch").version, 0);
    assert_eq!(h.tree.last_processed_zxid(), entry.hdr.zxid);
}

#[test]
fn losing_election_multi_answers_node_exists_then_runtime_inconsistency() {
    let mut h = Harness::new();
    h.mk("/controller");
    let reply = h.write(&Request::Multi(vec![
        m_create("/controller", OpCode::Create, 1),
        m_set_data("/controller_epoch", 0),
    ]));
    assert_eq!(reply.err, 0);
    assert_eq!(
        multi_results(&reply.body),
        [OpResult::Error { err: -110 }, OpResult::Error { err: -2 }]
    );
}

#[test]
fn multi_ops_see_the_effects_of_earlier_ops() {
    // Kafka's CheckedEphemeral: create an ephemeral, then setData it in the same multi.
    let mut h = Harness::new();
    h.mk("/brokers");
    let reply = h.write(&Request::Multi(vec![
        m_create("/brokers/1", OpCode::Create, 1),
        m_set_data("/brokers/1", 0),
        m_check("/brokers/1", 1),
    ]));
    assert_eq!(reply.err, 0);
    let results = multi_results(&reply.body);
    assert_eq!(
        results[0],
        OpResult::Create {
            path: "/brokers/1".into()
        }
    );
    let OpResult::SetData { stat } = results[1] else {
        panic!("{results:?}")
    };
    assert_eq!((stat.version, stat.czxid, stat.mzxid), (1, h.zxid, h.zxid));
    assert_eq!(stat.ephemeral_owner, SESSION);
    assert_eq!(results[2], OpResult::Check);
}

fn multi_with_create2() -> Request {
    Request::Multi(vec![
        m_create("/p", OpCode::Create, 0),
        m_create("/q", OpCode::Create2, 2),
        m_create("/box", OpCode::Create, 4),
        m_delete("/p", -1),
    ])
}

#[test]
fn multi_creates_answer_by_type_create2_and_containers_with_a_stat() {
    // ZOOKEEPER-4026 (3.8.2+, 3.9): a create2 op keeps its type inside a multi and so
    // answers with a stat; 3.8.0-3.8.1 turned it into a plain create.
    let mut h = Harness::new();
    let req = multi_with_create2();
    let entry = h.prep(&req);
    let TxnBody::Multi(subs) = &entry.body else {
        panic!("{:?}", entry.body)
    };
    let types: Vec<i32> = subs.iter().map(|s| s.r#type).collect();
    assert_eq!(types, [1, 15, 19, 2]);
    let outcome = h.apply_unlogged(&entry);
    let reply = apply::write_reply(OpCode::Multi, &outcome.result);
    let results = multi_results(&reply.body);
    assert_eq!(results[0], OpResult::Create { path: "/p".into() });
    let OpResult::Create2 { ref path, stat } = results[1] else {
        panic!("{results:?}")
    };
    assert_eq!((path.as_str(), stat.czxid), ("/q0000000001", h.zxid));
    assert!(matches!(results[2], OpResult::Create2 { ref path, .. } if path == "/box"));
    assert_eq!(results[3], OpResult::Delete);
    assert!(h.tree.containers().contains("/box"));
}

#[test]
fn an_empty_multi_takes_a_zxid_and_answers_no_results() {
    // Seen on ZooKeeper 3.8.0: the zxid moves and the body is only the terminator.
    let mut h = Harness::new();
    let entry = h.prep(&Request::Multi(vec![]));
    assert_eq!((entry.hdr.r#type, entry.hdr.zxid), (14, 1));
    let outcome = h.apply(&entry);
    let reply = apply::write_reply(OpCode::Multi, &outcome.result);
    assert_eq!(reply.err, 0);
    assert_eq!(
        &reply.body[..],
        [0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff]
    );
}

#[test]
fn read_ops_in_a_write_multi_fail_it_whole_with_marshalling_error() {
    // Seen on ZooKeeper 3.8.0: -5, no body, and the zxid is consumed.
    let mut h = Harness::new();
    h.mk("/r");
    let read_op = MultiOp::GetData(GetDataRequest {
        path: "/r".into(),
        watch: false,
    });
    for ops in [vec![m_set_data("/r", -1), read_op.clone()], vec![read_op]] {
        let entry = h.prep(&Request::Multi(ops));
        assert_eq!(error_of(&entry), ErrorCode::MarshallingError);
        let outcome = h.apply(&entry);
        let reply = apply::write_reply(OpCode::Multi, &outcome.result);
        assert_eq!(
            reply,
            Reply {
                err: -5,
                body: Bytes::new()
            }
        );
    }
    assert_eq!(h.stat("/r").version, 0);
    assert!(h.pending.is_empty());
}

#[test]
fn multi_create_ops_with_ttl_or_unknown_flags_fail_the_whole_multi() {
    let mut h = Harness::with_extended(true);
    for flags in [5, 6, 9] {
        let entry = h.prep(&Request::Multi(vec![
            m_create("/a", OpCode::Create, 0),
            m_create("/b", OpCode::Create, flags),
        ]));
        assert_eq!(
            error_of(&entry),
            ErrorCode::MarshallingError,
            "flags {flags}"
        );
    }
    assert!(h.pending.is_empty());
    // Through a createTTL op, unknown flags only fail that op.
    let reply = h.write(&Request::Multi(vec![MultiOp::CreateTtl(
        CreateTtlRequest {
            path: "/t".into(),
            data: None,
            acl: world(acl::ALL),
            flags: 9,
            ttl: 10,
        },
    )]));
    assert_eq!(multi_results(&reply.body), [OpResult::Error { err: -8 }]);
}

#[test]
fn a_failed_multi_leaves_earlier_pending_writes_as_they_were() {
    // ZOOKEEPER-1624: the parent's pending record must come back, or the next sequential
    // name skips a number.
    let mut h = Harness::new();
    h.mk("/q");
    let first = h.prep(&create("/q/s-", 2));
    let failed = h.prep(&Request::Multi(vec![
        m_create("/q/s-", OpCode::Create, 2),
        m_delete("/q/missing", -1),
    ]));
    let TxnBody::Multi(subs) = &failed.body else {
        panic!()
    };
    match &subs[0].body {
        TxnBody::Create(t) => assert_eq!(t.path, "/q/s-0000000001"),
        other => panic!("{other:?}"),
    }
    let again = h.prep(&create("/q/s-", 2));
    match &again.body {
        TxnBody::Create(t) => assert_eq!(
            (t.path.as_str(), t.parent_c_version),
            ("/q/s-0000000001", 2)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.pending.get("/q").and_then(|r| r.stat).map(|s| s.cversion),
        Some(2)
    );
    for e in [&first, &failed, &again] {
        h.apply(e);
    }
    assert_eq!(h.stat("/q").num_children, 2);
    assert!(h.pending.is_empty());
}

#[test]
fn multi_txns_with_create2_survive_the_log_encoding() {
    let mut h = Harness::new();
    let entry = h.prep(&multi_with_create2());
    assert_eq!(log_round_trip(&entry), entry);
}

// ----- Pending interplay ----------------------------------------------------------------------

#[test]
fn a_second_create_prepared_before_the_first_is_applied_is_node_exists() {
    let mut h = Harness::new();
    let first = h.prep(&create("/dup", 0));
    let second = h.prep(&create("/dup", 0));
    assert_eq!(first.hdr.r#type, 1);
    assert_eq!(error_of(&second), ErrorCode::NodeExists);
    h.apply(&first);
    h.apply(&second);
    assert!(h.pending.is_empty());
}

#[test]
fn a_node_created_only_in_pending_can_be_deleted_and_written() {
    let mut h = Harness::new();
    let c = h.prep(&create("/n", 0));
    let s = h.prep(&set_data("/n", b"v", 0));
    let d = h.prep(&delete("/n", 1));
    assert_eq!((c.hdr.r#type, s.hdr.r#type, d.hdr.r#type), (1, 5, 2));
    // Deleted in pending: gone for the next request, before anything is applied.
    assert_eq!(
        error_of(&h.prep(&set_data("/n", b"w", -1))),
        ErrorCode::NoNode
    );
    assert_eq!(error_of(&h.prep(&create("/n/child", 0))), ErrorCode::NoNode);
    for e in [&c, &s, &d] {
        h.apply(e);
    }
    assert!(h.tree.node("/n").is_none());
}

#[test]
fn pending_children_make_delete_not_empty() {
    let mut h = Harness::new();
    h.mk("/p");
    let _child = h.prep(&create("/p/c", 0));
    assert_eq!(error_of(&h.prep(&delete("/p", -1))), ErrorCode::NotEmpty);
}

#[test]
fn a_pending_set_acl_leaves_later_writes_checked_against_the_old_acl() {
    // ZK-COMPAT: ZooKeeper's pending record of a setACL keeps the old ACL.
    let mut h = Harness::new();
    h.mk("/acl");
    let set = h.prep(&set_acl("/acl", world(acl::READ), -1));
    let write = h.prep(&set_data("/acl", b"x", -1));
    assert_eq!(write.hdr.r#type, OpCode::SetData.as_i32());
    h.apply(&set);
    h.apply(&write);
    assert_eq!(
        error_of(&h.prep(&set_data("/acl", b"y", -1))),
        ErrorCode::NoAuth
    );
}

// ----- containers -----------------------------------------------------------------------------

#[test]
fn containers_are_created_by_create_container_and_deleted_without_acl_checks() {
    let mut h = Harness::new();
    let reply = h.write(&Request::CreateContainer(create_req("/box", 4)));
    let resp = Create2Response::decode_exact(reply.body).expect("Create2Response");
    assert_eq!((resp.path.as_str(), resp.stat.ephemeral_owner), ("/box", 0));
    assert!(h.tree.containers().contains("/box"));
    h.mk("/box/item");
    let del = |p: &str| Request::DeleteContainer(Bytes::copy_from_slice(p.as_bytes()));
    // The container manager's requests carry session 0.
    assert_eq!(error_of(&h.prep_as(0, &del("/box"))), ErrorCode::NotEmpty);
    assert_eq!(error_of(&h.prep_as(0, &del("/nope"))), ErrorCode::NoNode);
    assert_eq!(h.write(&create("/eph", 1)).err, 0);
    assert_eq!(error_of(&h.prep_as(0, &del("/eph"))), ErrorCode::BadVersion);
    assert_eq!(h.write(&delete("/box/item", -1)).err, 0);
    let entry = h.prep_as(0, &del("/box"));
    assert_eq!(entry.hdr.r#type, OpCode::DeleteContainer.as_i32());
    let outcome = h.apply(&entry);
    assert_eq!(
        apply::write_reply(OpCode::DeleteContainer, &outcome.result),
        Reply::default()
    );
    assert!(h.tree.node("/box").is_none());
}

#[test]
fn a_client_sent_delete_container_is_bad_arguments() {
    // Seen on ZooKeeper 3.8.0, for containers and plain nodes alike.
    let mut h = Harness::new();
    h.mk("/plain");
    let req = Request::DeleteContainer(Bytes::from_static(b"/plain"));
    assert_eq!(error_of(&h.prep(&req)), ErrorCode::BadArguments);
    // From the container manager, an empty persistent node goes like a container.
    let entry = h.prep_as(0, &req);
    assert_eq!(entry.hdr.r#type, OpCode::DeleteContainer.as_i32());
    h.apply(&entry);
    assert!(h.tree.node("/plain").is_none());
}

// ----- sessions -------------------------------------------------------------------------------

#[test]
fn create_session_txn_carries_the_timeout() {
    let entry = prep::prepare_create_session(SESSION, 4000, 0, 9, NOW);
    assert_eq!(entry.hdr.r#type, OpCode::CreateSession.as_i32());
    assert_eq!(
        (entry.hdr.client_id, entry.hdr.zxid, entry.hdr.time),
        (SESSION, 9, NOW)
    );
    assert_eq!(
        entry.body,
        TxnBody::CreateSession(CreateSessionTxn { time_out: 4000 })
    );
}

#[test]
fn close_session_deletes_applied_and_pending_ephemerals_and_hides_them_at_once() {
    let mut h = Harness::new();
    h.mk("/e");
    assert_eq!(h.write(&create("/e/applied", 1)).err, 0);
    assert_eq!(h.write(&create("/e/deleted", 1)).err, 0);
    assert_eq!(h.write(&create("/e/other", 1)).err, 0);
    let other = h.prep_as(OTHER, &create("/e/theirs", 1));
    let pending_create = h.prep(&create("/e/pending", 1));
    let pending_delete = h.prep(&delete("/e/deleted", -1));
    h.zxid += 1;
    let close = prep::prepare_close_session(SESSION, 3, h.zxid, NOW, &mut h.pending, &h.tree);
    assert_eq!(close.hdr.r#type, OpCode::CloseSession.as_i32());
    assert_eq!(
        close.body,
        TxnBody::CloseSession(Some(CloseSessionTxn {
            // JDK 17: the clone of {applied, deleted, other}, add pending, remove deleted.
            paths2_delete: vec!["/e/other".into(), "/e/pending".into(), "/e/applied".into()],
        }))
    );
    // Gone for requests prepared from now on.
    assert_eq!(
        error_of(&h.prep(&set_data("/e/applied", b"x", -1))),
        ErrorCode::NoNode
    );
    for e in [&other, &pending_create, &pending_delete] {
        h.apply(e);
    }
    let outcome = h.apply(&close);
    assert_eq!(outcome.result.err, 0);
    assert_eq!(h.stat("/e").num_children, 1);
    assert!(h.tree.node("/e/theirs").is_some());
    assert!(h.tree.ephemerals(SESSION).is_empty());
}

#[test]
fn prepare_routes_close_session_requests() {
    let mut h = Harness::new();
    assert_eq!(h.write(&create("/mine", 1)).err, 0);
    let entry = h.prep(&Request::CloseSession);
    assert_eq!(
        entry.body,
        TxnBody::CloseSession(Some(CloseSessionTxn {
            paths2_delete: vec!["/mine".into()]
        }))
    );
}

// ----- reads ----------------------------------------------------------------------------------

#[test]
fn get_data_checks_read_permission_before_leaving_a_watch() {
    let mut h = Harness::new();
    assert_eq!(
        h.write(&create_with_acl("/secret", world(acl::WRITE))).err,
        0
    );
    let reply = h.read(&get_data("/secret", true));
    assert_eq!(reply.err, err(ErrorCode::NoAuth));
    assert_eq!(
        h.read(&check_watches("/secret", 2)).err,
        err(ErrorCode::NoWatcher)
    );
    h.auth.push(super_id());
    let reply = h.read(&get_data("/secret", true));
    assert_eq!(reply.err, 0);
    let resp = GetDataResponse::decode_exact(reply.body).expect("GetDataResponse");
    assert_eq!(resp.data.as_deref(), Some(&b"d"[..]));
    assert_eq!(resp.stat, h.stat("/secret"));
    assert_eq!(h.read(&check_watches("/secret", 2)).err, 0);
}

#[test]
fn reads_of_invalid_paths_are_no_node_and_the_empty_path_is_the_root() {
    // Seen on ZooKeeper 3.8.0: no path validation on reads.
    let mut h = Harness::new();
    assert_eq!(
        h.read(&get_data("bad//path", false)).err,
        err(ErrorCode::NoNode)
    );
    let root = h.read(&get_data("", false));
    assert_eq!(root.err, 0);
    assert_eq!(
        GetDataResponse::decode_exact(root.body)
            .expect("GetDataResponse")
            .stat,
        h.stat("/")
    );
}

#[test]
fn exists_watches_a_missing_node_and_refuses_a_nul() {
    let mut h = Harness::new();
    assert_eq!(
        h.read(&exists("/x\0y", true)).err,
        err(ErrorCode::BadArguments)
    );
    let reply = h.read(&exists("/later", true));
    assert_eq!(reply.err, err(ErrorCode::NoNode));
    let entry = h.prep_as(OTHER, &create("/later", 0));
    let outcome = h.apply(&entry);
    let events: Vec<(i64, i32, &str)> = outcome
        .events
        .iter()
        .map(|e| (e.session, e.event.r#type, e.event.path.as_str()))
        .collect();
    assert_eq!(events, [(SESSION, EventType::NodeCreated as i32, "/later")]);
    let stat = ExistsResponse::decode_exact(h.read(&exists("/later", false)).body)
        .expect("ExistsResponse")
        .stat;
    assert_eq!(stat.czxid, entry.hdr.zxid);
}

#[test]
fn exists_needs_read_permission_on_an_existing_node() {
    // ZOOKEEPER-2590 (3.8.4+, 3.9.2+).
    let mut h = Harness::new();
    assert_eq!(
        h.write(&create_with_acl("/hidden", world(acl::WRITE))).err,
        0
    );
    assert_eq!(h.read(&exists("/hidden", true)).err, err(ErrorCode::NoAuth));
    assert_eq!(
        h.read(&check_watches("/hidden", 3)).err,
        err(ErrorCode::NoWatcher)
    );
}

#[test]
fn get_children_lists_names_in_hash_set_order_and_get_children2_adds_the_stat() {
    let mut h = Harness::new();
    h.mk("/k");
    for c in ["/k/b", "/k/a", "/k/c", "/k/q10", "/k/q9"] {
        h.mk(c);
    }
    let names = GetChildrenResponse::decode_exact(
        h.read(&Request::GetChildren(GetChildrenRequest {
            path: "/k".into(),
            watch: true,
        }))
        .body,
    )
    .expect("GetChildrenResponse")
    .children;
    // JDK 17: new HashSet<String>(8) after add("b", "a", "c", "q10", "q9").
    assert_eq!(names, ["q9", "a", "q10", "b", "c"]);
    assert_eq!(h.read(&check_watches("/k", 1)).err, 0);
    let resp = GetChildren2Response::decode_exact(
        h.read(&Request::GetChildren2(GetChildren2Request {
            path: "/k".into(),
            watch: false,
        }))
        .body,
    )
    .expect("GetChildren2Response");
    assert_eq!(resp.children, names);
    assert_eq!(resp.stat, h.stat("/k"));
    let missing = h.read(&Request::GetChildren(GetChildrenRequest {
        path: "/none".into(),
        watch: true,
    }));
    assert_eq!(missing.err, err(ErrorCode::NoNode));
}

#[test]
fn get_acl_needs_read_or_admin_and_masks_digests_without_admin() {
    let mut h = Harness::new();
    let bob = digest_id("bob:secret");
    let acl = vec![
        Acl {
            perms: acl::READ,
            id: Id {
                scheme: "world".into(),
                id: "anyone".into(),
            },
        },
        Acl {
            perms: acl::ALL,
            id: bob.clone(),
        },
    ];
    assert_eq!(h.write(&create_with_acl("/g", acl.clone())).err, 0);
    let read_acl = |h: &mut Harness| {
        let reply = h.read(&Request::GetAcl(GetAclRequest { path: "/g".into() }));
        assert_eq!(reply.err, 0);
        GetAclResponse::decode_exact(reply.body).expect("GetAclResponse")
    };
    let masked = read_acl(&mut h);
    assert_eq!(masked.acl[0], acl[0]);
    assert_eq!(masked.acl[1].id.id, "bob:x");
    assert_eq!(masked.stat, h.stat("/g"));
    h.auth.push(bob);
    assert_eq!(read_acl(&mut h).acl, acl);
    assert_eq!(h.write(&create_with_acl("/n", world(acl::WRITE))).err, 0);
    let reply = h.read(&Request::GetAcl(GetAclRequest { path: "/n".into() }));
    assert_eq!(reply.err, err(ErrorCode::NoAuth));
}

#[test]
fn get_all_children_number_counts_every_descendant() {
    let mut h = Harness::new();
    for p in ["/t", "/t/a", "/t/a/b", "/t/c"] {
        h.mk(p);
    }
    let count = |h: &mut Harness, p: &str| {
        let reply = h.read(&Request::GetAllChildrenNumber(
            GetAllChildrenNumberRequest { path: p.into() },
        ));
        (reply.err, reply.body)
    };
    let (e, body) = count(&mut h, "/t");
    assert_eq!((e, &body[..]), (0, &3i32.to_be_bytes()[..]));
    assert_eq!(count(&mut h, "/none").0, err(ErrorCode::NoNode));
}

#[test]
fn get_ephemerals_filters_by_plain_string_prefix() {
    let mut h = Harness::new();
    h.mk("/a");
    for p in ["/a/e1", "/ab", "/b"] {
        assert_eq!(h.write(&create(p, 1)).err, 0);
    }
    let list = |h: &mut Harness, prefix: &str| {
        GetEphemeralsResponse::decode_exact(
            h.read(&Request::GetEphemerals(GetEphemeralsRequest {
                prefix_path: prefix.into(),
            }))
            .body,
        )
        .expect("GetEphemeralsResponse")
        .ephemerals
    };
    // JDK 17: the order of the session's set's clone.
    assert_eq!(list(&mut h, "/"), ["/ab", "/a/e1", "/b"]);
    assert_eq!(list(&mut h, " "), ["/ab", "/a/e1", "/b"]);
    assert_eq!(list(&mut h, "/a"), ["/ab", "/a/e1"]);
    assert!(h
        .read_as(
            OTHER,
            &Request::GetEphemerals(GetEphemeralsRequest {
                prefix_path: "/".into()
            })
        )
        .body
        .ends_with(&[0, 0, 0, 0]));
}

#[test]
fn multi_read_answers_each_op_on_its_own_and_leaves_no_watches() {
    let mut h = Harness::new();
    h.mk("/m");
    h.mk("/m/c");
    assert_eq!(
        h.write(&create_with_acl("/locked", world(acl::WRITE))).err,
        0
    );
    let reply = h.read(&Request::MultiRead(vec![
        MultiOp::GetData(GetDataRequest {
            path: "/m".into(),
            watch: true,
        }),
        MultiOp::GetChildren(GetChildrenRequest {
            path: "/m".into(),
            watch: true,
        }),
        MultiOp::GetData(GetDataRequest {
            path: "/none".into(),
            watch: false,
        }),
        MultiOp::GetChildren(GetChildrenRequest {
            path: "/locked".into(),
            watch: false,
        }),
    ]));
    assert_eq!(reply.err, 0);
    assert_eq!(
        multi_results(&reply.body),
        [
            OpResult::GetData {
                data: Some(Bytes::from_static(b"d")),
                stat: h.stat("/m"),
            },
            OpResult::GetChildren {
                children: vec!["c".into()],
            },
            OpResult::Error { err: -101 },
            OpResult::Error { err: -102 },
        ]
    );
    assert_eq!(
        h.read(&check_watches("/m", 3)).err,
        err(ErrorCode::NoWatcher)
    );
}

#[test]
fn multi_read_with_write_ops_is_marshalling_error() {
    // Seen on ZooKeeper 3.8.0: an all-write multiRead answers -5 with an empty MultiResponse.
    let mut h = Harness::new();
    h.mk("/w");
    let all_writes = h.read(&Request::MultiRead(vec![m_set_data("/w", -1)]));
    assert_eq!(all_writes.err, -5);
    assert_eq!(multi_results(&all_writes.body), []);
    let mixed = h.read(&Request::MultiRead(vec![
        MultiOp::GetData(GetDataRequest {
            path: "/w".into(),
            watch: false,
        }),
        m_set_data("/w", -1),
    ]));
    assert_eq!((mixed.err, mixed.body.len()), (-5, 0));
    assert_eq!(h.stat("/w").version, 0);
    let empty = h.read(&Request::MultiRead(vec![]));
    assert_eq!((empty.err, multi_results(&empty.body)), (0, vec![]));
}

#[test]
fn add_watch_needs_no_node_and_answers_an_error_response_of_zero() {
    // Seen on ZooKeeper 3.8.0: body 00 00 00 00; mode 5 -> -5.
    let mut h = Harness::new();
    let add = |mode| {
        Request::AddWatch(AddWatchRequest {
            path: "/future".into(),
            mode,
        })
    };
    let reply = h.read(&add(1));
    assert_eq!((reply.err, &reply.body[..]), (0, &[0u8, 0, 0, 0][..]));
    assert_eq!(h.read(&add(5)).err, -5);
    assert_eq!(h.read(&check_watches("/future", 5)).err, 0);
    let outcome = {
        let entry = h.prep_as(OTHER, &create("/future", 0));
        h.apply(&entry)
    };
    assert!(outcome
        .events
        .iter()
        .any(|e| e.session == SESSION && e.event.r#type == EventType::NodeCreated as i32));
}

#[test]
fn check_and_remove_watches_answer_no_watcher_when_absent() {
    // Seen on ZooKeeper 3.8.0: -121 when absent, -5 for an unknown watcher type.
    let mut h = Harness::new();
    h.mk("/w");
    assert_eq!(
        h.read(&check_watches("/w", 2)).err,
        err(ErrorCode::NoWatcher)
    );
    assert_eq!(h.read(&check_watches("/w", 9)).err, -5);
    let remove = |ty| {
        Request::RemoveWatches(RemoveWatchesRequest {
            path: "/w".into(),
            r#type: ty,
        })
    };
    assert_eq!(h.read(&remove(3)).err, err(ErrorCode::NoWatcher));
    assert_eq!(h.read(&get_data("/w", true)).err, 0);
    assert_eq!(h.read(&remove(1)).err, err(ErrorCode::NoWatcher));
    assert_eq!(h.read(&remove(2)), ReadReply::default());
    assert_eq!(
        h.read(&check_watches("/w", 2)).err,
        err(ErrorCode::NoWatcher)
    );
}

#[test]
fn who_am_i_lists_each_identity_with_its_user_name() {
    // Seen on ZooKeeper 3.8.0 for a fresh connection: [("ip", "127.0.0.1")].
    let mut h = Harness::new();
    h.auth.push(digest_id("bob:secret"));
    let reply = h.read(&Request::WhoAmI);
    let infos = WhoAmIResponse::decode_exact(reply.body)
        .expect("WhoAmIResponse")
        .client_info;
    let pairs: Vec<(&str, &str)> = infos
        .iter()
        .map(|c| (c.auth_scheme.as_str(), c.user.as_str()))
        .collect();
    assert_eq!(pairs, [("ip", "127.0.0.1"), ("digest", "bob")]);
}

#[test]
fn sync_echoes_the_path_unvalidated() {
    let mut h = Harness::new();
    let reply = h.read(&Request::Sync(SyncRequest {
        path: "whatever".into(),
    }));
    assert_eq!(reply.err, 0);
    assert_eq!(
        SyncResponse::decode_exact(reply.body)
            .expect("SyncResponse")
            .path,
        "whatever"
    );
}

#[test]
fn set_watches_fires_the_changes_a_reconnecting_client_missed() {
    let mut h = Harness::new();
    h.mk("/sw");
    let seen = h.zxid;
    assert_eq!(h.write(&set_data("/sw", b"new", -1)).err, 0);
    let reply = h.read(&Request::SetWatches(SetWatches {
        relative_zxid: seen,
        data_watches: vec!["/sw".into()],
        exist_watches: vec!["/gone-missing".into()],
        child_watches: vec![],
    }));
    assert_eq!((reply.err, reply.body.len()), (0, 0));
    let events: Vec<(i32, &str)> = reply
        .events
        .iter()
        .map(|e| (e.event.r#type, e.event.path.as_str()))
        .collect();
    assert_eq!(events, [(EventType::NodeDataChanged as i32, "/sw")]);
    // The exist watch was re-armed.
    assert_eq!(h.read(&check_watches("/gone-missing", 2)).err, 0);
}

/// `PrepRequestProcessor.precalculateDigest`: the digest Prep predicts for each txn, with
/// several writes pending at once, is the digest the tree has once that txn is applied.
#[test]
fn precalculated_digests_equal_the_tree_digest_after_each_apply() {
    let mut h = Harness::new();
    h.mk("/a");
    let mut root_acl = world(acl::ALL);
    root_acl.push(Acl {
        perms: acl::READ,
        id: ip("10.0.0.1"),
    });
    let requests = vec![
        create("/a/b", 0),
        create("/a/seq-", 2),
        create("/e", 1),
        set_data("/a", b"payload", -1),
        set_data("/a/b", b"x", 0),
        set_acl("/", root_acl, -1),
        delete("/a/b", -1),
        create("/a/b", 0),
        Request::Multi(vec![m_create("/m", OpCode::Create, 0), m_set_data("/m", 0)]),
        // Fails at its second op: the records of the first are rolled back.
        Request::Multi(vec![
            m_create("/n", OpCode::Create, 0),
            m_delete("/nope", -1),
        ]),
        Request::Multi(vec![m_check("/a", 1)]),
        delete("/missing", -1),
    ];
    let mut prepared = Vec::new();
    for req in &requests {
        let mut entry = h.prep(req);
        entry.digest = (entry.hdr.r#type != -1).then(|| TxnDigest {
            version: 2,
            tree_digest: h.pending.tree_digest(&h.tree),
        });
        prepared.push(entry);
    }
    h.zxid += 1;
    let close = prep::prepare_close_session(SESSION, 3, h.zxid, NOW, &mut h.pending, &h.tree);
    let close_digest = h.pending.tree_digest(&h.tree);
    for entry in &prepared {
        h.apply(entry);
        if let Some(d) = entry.digest {
            assert_eq!(d.tree_digest, h.tree.digest(), "after {:?}", entry.hdr);
        }
    }
    assert!(prepared.last().is_some_and(|e| e.digest.is_none()));
    assert_eq!(h.tree.ephemerals(SESSION).len(), 1);
    h.apply(&close);
    assert!(h.tree.ephemerals(SESSION).is_empty());
    assert_eq!(close_digest, h.tree.digest());
    assert_eq!(h.pending.tree_digest(&h.tree), h.tree.digest());
}
