//! Golden tests: our bytes equal the bytes ZooKeeper 3.8.0's own Jute classes write.
//!
//! Every `tests/fixtures/*.bin` file was written by `tests/fixtures/gen/GenFixtures.java` with
//! Debian's ZooKeeper 3.8.0 jars (the classes generated from `zookeeper.jute`,
//! `MultiOperationRecord`, `MultiResponse`, `ClientCnxn.Packet.createBB`,
//! `persistence.Util.marshallTxnEntry`); `tests/fixtures/MANIFEST.txt` lists each file's field
//! values. Each test builds the same value in Rust and checks that encoding gives exactly the
//! fixture and decoding the fixture gives the value back. No Java is needed to run them.
//!

use std::fmt::Debug;
use std::path::PathBuf;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use jute_codec::frame::{try_split_frame, DEFAULT_MAX_BUFFER};
use jute_codec::records::*;
use jute_codec::request::{
    decode_multi_ops, decode_multi_response, encode_multi_ops, encode_multi_response, MultiOp,
    OpResult, Request,
};
use jute_codec::txn_body::{SubTxn, TxnBody, TxnEntry};
use jute_codec::{OpCode, Record};

// ---- the shared field values of GenFixtures.java ----

const DATA: &[u8] = b"hello";
const DATA2: &[u8] = b"world!";
const SESSION: i64 = 0x1000000abcdef01;
const ZXID: i64 = 0x200000005;
const TIME: i64 = 1700000000456;
const TREE_DIGEST: i64 = 0x0123456789abcdef;
const DIGEST_ID: &str = "alice:CRYzB5d7f4yKC1xRgF1qSbUQnfQ=";
const BMP_PATH: &str = "/ünï/中文/é";

fn data() -> Option<Bytes> {
    Some(Bytes::from_static(DATA))
}

fn data2() -> Option<Bytes> {
    Some(Bytes::from_static(DATA2))
}

fn empty() -> Option<Bytes> {
    Some(Bytes::new())
}

fn bytes_of(s: &str) -> Option<Bytes> {
    Some(Bytes::copy_from_slice(s.as_bytes()))
}

fn passwd() -> Option<Bytes> {
    Some((1..=16u8).collect::<Vec<_>>().into())
}

fn zero_passwd() -> Option<Bytes> {
    Some(Bytes::from_static(&[0; 16]))
}

fn all_bytes() -> Option<Bytes> {
    Some((0..=255u8).collect::<Vec<_>>().into())
}

fn stat() -> Stat {
    Stat {
        czxid: 0x100000001,
        mzxid: 0x100000002,
        ctime: 1700000000000,
        mtime: 1700000000123,
        version: 3,
        cversion: 7,
        aversion: 1,
        ephemeral_owner: 0,
        data_length: 5,
        num_children: 2,
        pzxid: 0x100000003,
    }
}

fn stat_ephemeral() -> Stat {
    Stat {
        czxid: ZXID,
        mzxid: ZXID,
        ctime: TIME,
        mtime: TIME,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeral_owner: SESSION,
        data_length: 0,
        num_children: 0,
        pzxid: ZXID,
    }
}

fn stat_all(l: i64, i: i32) -> Stat {
    Stat {
        czxid: l,
        mzxid: l,
        ctime: l,
        mtime: l,
        version: i,
        cversion: i,
        aversion: i,
        ephemeral_owner: l,
        data_length: i,
        num_children: i,
        pzxid: l,
    }
}

fn id(scheme: &str, id: &str) -> Id {
    Id {
        scheme: scheme.into(),
        id: id.into(),
    }
}

fn acl(perms: i32, scheme: &str, ident: &str) -> Acl {
    Acl {
        perms,
        id: id(scheme, ident),
    }
}

fn open_acl() -> Vec<Acl> {
    vec![acl(31, "world", "anyone")]
}

fn mixed_acl() -> Vec<Acl> {
    vec![
        acl(3, "digest", DIGEST_ID),
        acl(16, "ip", "10.0.0.0/8"),
        acl(31, "auth", ""),
    ]
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| (*s).to_owned()).collect()
}

// ---- fixture access and assertions ----

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Bytes {
    let path = fixture_dir().join(format!("{name}.bin"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
        .into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Asserts equal bytes, reporting the first differing offset with some context.
#[track_caller]
fn assert_bytes(name: &str, actual: &[u8], expected: &[u8]) {
    if actual == expected {
        return;
    }
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, e)| a != e)
        .unwrap_or(actual.len().min(expected.len()));
    let from = at.saturating_sub(8);
    panic!(
        "{name}: our bytes differ from ZooKeeper's at offset {at} (ours {} bytes, ZooKeeper's {})\n  \
         ours:       ..{}\n  zookeeper:  ..{}\n  full ours:      {}\n  full zookeeper: {}",
        actual.len(),
        expected.len(),
        hex(&actual[from..actual.len().min(at + 24)]),
        hex(&expected[from..expected.len().min(at + 24)]),
        hex(actual),
        hex(expected),
    );
}

/// `value` encodes to exactly the fixture, `encoded_len` agrees, and the fixture decodes back.
#[track_caller]
fn golden<R: Record + PartialEq + Debug>(name: &str, value: &R) {
    let expected = fixture(name);
    assert_bytes(name, &value.to_vec(), &expected);
    assert_eq!(value.encoded_len(), expected.len(), "{name}: encoded_len");
    assert_eq!(
        R::decode_exact(expected).as_ref(),
        Ok(value),
        "{name}: decode"
    );
}

/// The fixture decodes to `value`, consuming every byte (for Java values our types cannot hold
/// exactly, such as null strings).
#[track_caller]
fn decodes_to<R: Record + PartialEq + Debug>(name: &str, value: &R) {
    assert_eq!(
        R::decode_exact(fixture(name)).as_ref(),
        Ok(value),
        "{name}: decode"
    );
}

/// A typed request body: `Request::decode(op, fixture)` gives `req`, and `req.encode` gives the
/// fixture back.
#[track_caller]
fn golden_request(name: &str, op: OpCode, req: Request) {
    let expected = fixture(name);
    let mut ours = Vec::new();
    req.encode(&mut ours);
    assert_bytes(name, &ours, &expected);
    assert_eq!(req.op_code(), op);
    assert_eq!(
        Request::decode(op, expected),
        Ok(req),
        "{name}: Request::decode"
    );
}

// ---- data ----

#[test]
fn data_records_encode_and_decode_as_zookeeper_does() {
    golden("Id", &id("world", "anyone"));
    golden("Id_digest", &id("digest", DIGEST_ID));
    golden("Id_empty", &id("", ""));
    golden("ACL", &acl(31, "world", "anyone"));
    golden("ACL_negative_perms", &acl(-1, "ip", "127.0.0.1"));
    golden("Stat", &stat());
    golden("Stat_ephemeral", &stat_ephemeral());
    golden("Stat_max", &stat_all(i64::MAX, i32::MAX));
    golden("Stat_min", &stat_all(i64::MIN, i32::MIN));
    golden("Stat_zero", &Stat::default());
    golden(
        "StatPersisted",
        &StatPersisted {
            czxid: 0x100000001,
            mzxid: 0x100000002,
            ctime: 1700000000000,
            mtime: 1700000000123,
            version: 3,
            cversion: 7,
            aversion: 1,
            ephemeral_owner: SESSION,
            pzxid: 0x100000003,
        },
    );
    golden(
        "StatPersisted_min",
        &StatPersisted {
            czxid: i64::MIN,
            mzxid: i64::MIN,
            ctime: i64::MIN,
            mtime: i64::MIN,
            version: i32::MIN,
            cversion: i32::MIN,
            aversion: i32::MIN,
            ephemeral_owner: i64::MIN,
            pzxid: i64::MIN,
        },
    );
    golden(
        "ClientInfo",
        &ClientInfo {
            auth_scheme: "digest".into(),
            user: "alice".into(),
        },
    );
    golden(
        "ClientInfo_ip",
        &ClientInfo {
            auth_scheme: "ip".into(),
            user: "127.0.0.1".into(),
        },
    );
}

/// Java writes a null `ustring` or `vector` as length -1. Our records hold `String` and `Vec`, so
/// such values decode as empty ones (and re-encode with length 0; see
/// `quorum_packets_with_null_authinfo_encode_as_zookeeper_does` for where that matters).
#[test]
fn null_strings_and_vectors_from_zookeeper_decode_as_empty() {
    decodes_to("Id_null", &id("", ""));
    decodes_to(
        "WatcherEvent_null_path",
        &WatcherEvent {
            r#type: -1,
            state: -112,
            path: String::new(),
        },
    );
    // ZooKeeperAdmin.reconfigure(null, "1", null, -1): incremental reconfig is signalled by a
    // null newMembers, which we can only see as "".
    decodes_to(
        "ReconfigRequest_nulls",
        &ReconfigRequest {
            joining_servers: String::new(),
            leaving_servers: "1".into(),
            new_members: String::new(),
            cur_config_id: -1,
        },
    );
    decodes_to(
        "GetChildrenResponse_null",
        &GetChildrenResponse { children: vec![] },
    );
}

// ---- proto: the connect handshake ----

#[test]
fn connect_request_matches_client_bytes_with_and_without_read_only_byte() {
    let new_session = |read_only| ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        time_out: 30000,
        session_id: 0,
        passwd: zero_passwd(),
        read_only,
    };
    golden("ConnectRequest_no_readonly", &new_session(None));
    golden("ConnectRequest_readonly_false", &new_session(Some(false)));
    golden(
        "ConnectRequest_resume_readonly_true",
        &ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: ZXID,
            time_out: 4000,
            session_id: SESSION,
            passwd: passwd(),
            read_only: Some(true),
        },
    );
    golden(
        "ConnectRequest_null_passwd",
        &ConnectRequest {
            passwd: None,
            ..new_session(None)
        },
    );
}

#[test]
fn connect_response_matches_server_bytes_with_and_without_read_only_byte() {
    let rsp = |read_only| ConnectResponse {
        protocol_version: 0,
        time_out: 30000,
        session_id: SESSION,
        passwd: passwd(),
        read_only,
    };
    golden("ConnectResponse_readonly_false", &rsp(Some(false)));
    golden("ConnectResponse_readonly_true", &rsp(Some(true)));
    golden("ConnectResponse_no_readonly", &rsp(None));
    golden(
        "ConnectResponse_expired",
        &ConnectResponse {
            protocol_version: 0,
            time_out: 0,
            session_id: 0,
            passwd: zero_passwd(),
            read_only: Some(false),
        },
    );
}

// ---- proto: headers, requests, responses ----

#[test]
fn headers_encode_and_decode_as_zookeeper_does() {
    golden("RequestHeader", &RequestHeader { xid: 1, r#type: 1 });
    golden(
        "RequestHeader_ping",
        &RequestHeader {
            xid: -2,
            r#type: 11,
        },
    );
    golden(
        "RequestHeader_extremes",
        &RequestHeader {
            xid: i32::MAX,
            r#type: i32::MIN,
        },
    );
    golden(
        "MultiHeader",
        &MultiHeader {
            r#type: 1,
            done: false,
            err: -1,
        },
    );
    golden(
        "MultiHeader_done",
        &MultiHeader {
            r#type: -1,
            done: true,
            err: -1,
        },
    );
    golden(
        "ReplyHeader",
        &ReplyHeader {
            xid: 1,
            zxid: ZXID,
            err: 0,
        },
    );
    golden(
        "ReplyHeader_notification",
        &ReplyHeader {
            xid: -1,
            zxid: -1,
            err: 0,
        },
    );
    golden(
        "ReplyHeader_error",
        &ReplyHeader {
            xid: 7,
            zxid: ZXID,
            err: -101,
        },
    );
}

fn create_request() -> CreateRequest {
    CreateRequest {
        path: "/app/node".into(),
        data: data(),
        acl: open_acl(),
        flags: 0,
    }
}

fn ephemeral_sequential_request() -> CreateRequest {
    CreateRequest {
        path: "/locks/lock-".into(),
        data: None,
        acl: mixed_acl(),
        flags: 3,
    }
}

fn set_watches() -> SetWatches {
    SetWatches {
        relative_zxid: ZXID,
        data_watches: strings(&["/a", "/b"]),
        exist_watches: strings(&["/c"]),
        child_watches: strings(&["/"]),
    }
}

fn set_watches2() -> SetWatches2 {
    SetWatches2 {
        relative_zxid: ZXID,
        data_watches: strings(&["/a"]),
        exist_watches: strings(&["/b"]),
        child_watches: strings(&["/c", "/d"]),
        persistent_watches: strings(&["/p"]),
        persistent_recursive_watches: strings(&["/r", "/"]),
    }
}

#[test]
fn request_records_encode_and_decode_as_zookeeper_does() {
    golden("SetWatches", &set_watches());
    golden("SetWatches_empty", &SetWatches::default());
    golden("SetWatches2", &set_watches2());
    golden(
        "SetWatches2_empty",
        &SetWatches2 {
            relative_zxid: -1,
            ..SetWatches2::default()
        },
    );
    golden(
        "AuthPacket",
        &AuthPacket {
            r#type: 0,
            scheme: "digest".into(),
            auth: bytes_of("alice:secret"),
        },
    );
    golden(
        "AuthPacket_null_auth",
        &AuthPacket {
            r#type: 0,
            scheme: "ip".into(),
            auth: None,
        },
    );
    golden(
        "GetDataRequest",
        &GetDataRequest {
            path: "/app/node".into(),
            watch: true,
        },
    );
    golden(
        "GetDataRequest_nowatch",
        &GetDataRequest {
            path: "/".into(),
            watch: false,
        },
    );
    let set_data = |data, version| SetDataRequest {
        path: "/app/node".into(),
        data,
        version,
    };
    golden("SetDataRequest", &set_data(data2(), 3));
    golden("SetDataRequest_null_data", &set_data(None, -1));
    golden("SetDataRequest_empty_data", &set_data(empty(), -1));
    golden(
        "SetDataRequest_all_bytes",
        &SetDataRequest {
            path: "/bin".into(),
            data: all_bytes(),
            version: i32::MAX,
        },
    );
    golden(
        "ReconfigRequest",
        &ReconfigRequest {
            joining_servers: "server.4=127.0.0.1:2891:3891:participant;2184".into(),
            leaving_servers: "2,3".into(),
            new_members: String::new(),
            cur_config_id: 0x100000000,
        },
    );
    golden("GetSASLRequest", &GetSaslRequest { token: all_bytes() });
    golden(
        "SetSASLRequest",
        &SetSaslRequest {
            token: bytes_of("token"),
        },
    );
    golden("CreateRequest", &create_request());
    golden(
        "CreateRequest_ephemeral_sequential",
        &ephemeral_sequential_request(),
    );
    golden(
        "CreateRequest_empty_acl",
        &CreateRequest {
            path: "/x".into(),
            data: empty(),
            acl: vec![],
            flags: 0,
        },
    );
    golden(
        "CreateTTLRequest",
        &CreateTtlRequest {
            path: "/ttl/n".into(),
            data: data(),
            acl: open_acl(),
            flags: 5,
            ttl: 60000,
        },
    );
    golden(
        "CreateTTLRequest_max",
        &CreateTtlRequest {
            path: "/ttl/s-".into(),
            data: None,
            acl: open_acl(),
            flags: 6,
            ttl: i64::MAX,
        },
    );
    golden(
        "DeleteRequest",
        &DeleteRequest {
            path: "/app/node".into(),
            version: -1,
        },
    );
    golden(
        "DeleteRequest_version",
        &DeleteRequest {
            path: "/app/node".into(),
            version: 5,
        },
    );
    golden(
        "GetChildrenRequest",
        &GetChildrenRequest {
            path: "/app".into(),
            watch: true,
        },
    );
    golden(
        "GetAllChildrenNumberRequest",
        &GetAllChildrenNumberRequest {
            path: "/app".into(),
        },
    );
    golden(
        "GetChildren2Request",
        &GetChildren2Request {
            path: "/app".into(),
            watch: false,
        },
    );
    golden(
        "CheckVersionRequest",
        &CheckVersionRequest {
            path: "/app".into(),
            version: 7,
        },
    );
    golden(
        "GetMaxChildrenRequest",
        &GetMaxChildrenRequest {
            path: "/app".into(),
        },
    );
    golden(
        "SetMaxChildrenRequest",
        &SetMaxChildrenRequest {
            path: "/app".into(),
            max: -1,
        },
    );
    golden(
        "SyncRequest",
        &SyncRequest {
            path: "/app".into(),
        },
    );
    golden(
        "GetACLRequest",
        &GetAclRequest {
            path: "/app".into(),
        },
    );
    golden(
        "SetACLRequest",
        &SetAclRequest {
            path: "/app".into(),
            acl: mixed_acl(),
            version: 2,
        },
    );
    golden(
        "AddWatchRequest",
        &AddWatchRequest {
            path: "/app".into(),
            mode: 0,
        },
    );
    golden(
        "AddWatchRequest_recursive",
        &AddWatchRequest {
            path: "/".into(),
            mode: 1,
        },
    );
    golden(
        "ExistsRequest",
        &ExistsRequest {
            path: "/app/node".into(),
            watch: true,
        },
    );
    golden(
        "CheckWatchesRequest",
        &CheckWatchesRequest {
            path: "/app".into(),
            r#type: 1,
        },
    );
    golden(
        "RemoveWatchesRequest",
        &RemoveWatchesRequest {
            path: "/app".into(),
            r#type: 3,
        },
    );
    golden(
        "GetEphemeralsRequest",
        &GetEphemeralsRequest {
            prefix_path: "/".into(),
        },
    );
}

#[test]
fn typed_requests_decode_from_zookeeper_client_bodies_for_each_opcode() {
    golden_request(
        "CreateRequest",
        OpCode::Create,
        Request::Create(create_request()),
    );
    golden_request(
        "CreateRequest_ephemeral_sequential",
        OpCode::Create2,
        Request::Create2(ephemeral_sequential_request()),
    );
    golden_request(
        "CreateRequest",
        OpCode::CreateContainer,
        Request::CreateContainer(create_request()),
    );
    golden_request(
        "CreateTTLRequest",
        OpCode::CreateTtl,
        Request::CreateTtl(CreateTtlRequest {
            path: "/ttl/n".into(),
            data: data(),
            acl: open_acl(),
            flags: 5,
            ttl: 60000,
        }),
    );
    golden_request(
        "DeleteRequest",
        OpCode::Delete,
        Request::Delete(DeleteRequest {
            path: "/app/node".into(),
            version: -1,
        }),
    );
    golden_request(
        "ExistsRequest",
        OpCode::Exists,
        Request::Exists(ExistsRequest {
            path: "/app/node".into(),
            watch: true,
        }),
    );
    golden_request(
        "GetDataRequest",
        OpCode::GetData,
        Request::GetData(GetDataRequest {
            path: "/app/node".into(),
            watch: true,
        }),
    );
    golden_request(
        "SetDataRequest",
        OpCode::SetData,
        Request::SetData(SetDataRequest {
            path: "/app/node".into(),
            data: data2(),
            version: 3,
        }),
    );
    golden_request(
        "GetACLRequest",
        OpCode::GetAcl,
        Request::GetAcl(GetAclRequest {
            path: "/app".into(),
        }),
    );
    golden_request(
        "SetACLRequest",
        OpCode::SetAcl,
        Request::SetAcl(SetAclRequest {
            path: "/app".into(),
            acl: mixed_acl(),
            version: 2,
        }),
    );
    golden_request(
        "GetChildrenRequest",
        OpCode::GetChildren,
        Request::GetChildren(GetChildrenRequest {
            path: "/app".into(),
            watch: true,
        }),
    );
    golden_request(
        "GetChildren2Request",
        OpCode::GetChildren2,
        Request::GetChildren2(GetChildren2Request {
            path: "/app".into(),
            watch: false,
        }),
    );
    golden_request(
        "SyncRequest",
        OpCode::Sync,
        Request::Sync(SyncRequest {
            path: "/app".into(),
        }),
    );
    golden_request(
        "CheckVersionRequest",
        OpCode::Check,
        Request::Check(CheckVersionRequest {
            path: "/app".into(),
            version: 7,
        }),
    );
    golden_request(
        "MultiOperationRecord_write",
        OpCode::Multi,
        Request::Multi(multi_write_ops()),
    );
    golden_request(
        "MultiOperationRecord_read",
        OpCode::MultiRead,
        Request::MultiRead(multi_read_ops()),
    );
    golden_request(
        "ReconfigRequest",
        OpCode::Reconfig,
        Request::Reconfig(ReconfigRequest {
            joining_servers: "server.4=127.0.0.1:2891:3891:participant;2184".into(),
            leaving_servers: "2,3".into(),
            new_members: String::new(),
            cur_config_id: 0x100000000,
        }),
    );
    golden_request(
        "CheckWatchesRequest",
        OpCode::CheckWatches,
        Request::CheckWatches(CheckWatchesRequest {
            path: "/app".into(),
            r#type: 1,
        }),
    );
    golden_request(
        "RemoveWatchesRequest",
        OpCode::RemoveWatches,
        Request::RemoveWatches(RemoveWatchesRequest {
            path: "/app".into(),
            r#type: 3,
        }),
    );
    golden_request(
        "AuthPacket",
        OpCode::Auth,
        Request::Auth(AuthPacket {
            r#type: 0,
            scheme: "digest".into(),
            auth: bytes_of("alice:secret"),
        }),
    );
    golden_request(
        "SetWatches",
        OpCode::SetWatches,
        Request::SetWatches(set_watches()),
    );
    golden_request(
        "SetWatches2",
        OpCode::SetWatches2,
        Request::SetWatches2(set_watches2()),
    );
    golden_request(
        "GetSASLRequest",
        OpCode::Sasl,
        Request::Sasl(GetSaslRequest { token: all_bytes() }),
    );
    golden_request(
        "GetEphemeralsRequest",
        OpCode::GetEphemerals,
        Request::GetEphemerals(GetEphemeralsRequest {
            prefix_path: "/".into(),
        }),
    );
    golden_request(
        "GetAllChildrenNumberRequest",
        OpCode::GetAllChildrenNumber,
        Request::GetAllChildrenNumber(GetAllChildrenNumberRequest {
            path: "/app".into(),
        }),
    );
    golden_request(
        "AddWatchRequest_recursive",
        OpCode::AddWatch,
        Request::AddWatch(AddWatchRequest {
            path: "/".into(),
            mode: 1,
        }),
    );
}

#[test]
fn response_records_encode_and_decode_as_zookeeper_does() {
    golden("SetDataResponse", &SetDataResponse { stat: stat() });
    golden(
        "SetSASLResponse",
        &SetSaslResponse {
            token: bytes_of("challenge"),
        },
    );
    golden("SetSASLResponse_null", &SetSaslResponse { token: None });
    golden(
        "GetMaxChildrenResponse",
        &GetMaxChildrenResponse { max: 100 },
    );
    golden(
        "SyncResponse",
        &SyncResponse {
            path: "/app".into(),
        },
    );
    golden("SetACLResponse", &SetAclResponse { stat: stat() });
    golden(
        "WatcherEvent",
        &WatcherEvent {
            r#type: 3,
            state: 3,
            path: "/app/node".into(),
        },
    );
    golden(
        "WatcherEvent_children",
        &WatcherEvent {
            r#type: 4,
            state: 3,
            path: "/app".into(),
        },
    );
    golden("ErrorResponse", &ErrorResponse { err: -101 });
    golden(
        "CreateResponse",
        &CreateResponse {
            path: "/locks/lock-0000000042".into(),
        },
    );
    golden(
        "Create2Response",
        &Create2Response {
            path: "/app/node".into(),
            stat: stat(),
        },
    );
    golden(
        "ExistsResponse",
        &ExistsResponse {
            stat: stat_ephemeral(),
        },
    );
    golden(
        "GetDataResponse",
        &GetDataResponse {
            data: data(),
            stat: stat(),
        },
    );
    golden(
        "GetDataResponse_null_data",
        &GetDataResponse {
            data: None,
            stat: Stat::default(),
        },
    );
    golden(
        "GetChildrenResponse",
        &GetChildrenResponse {
            children: strings(&["a", "b", "zk-ünï"]),
        },
    );
    golden(
        "GetChildrenResponse_empty",
        &GetChildrenResponse { children: vec![] },
    );
    golden(
        "GetAllChildrenNumberResponse",
        &GetAllChildrenNumberResponse {
            total_number: 12345,
        },
    );
    golden(
        "GetChildren2Response",
        &GetChildren2Response {
            children: strings(&["x"]),
            stat: stat(),
        },
    );
    golden(
        "GetACLResponse",
        &GetAclResponse {
            acl: mixed_acl(),
            stat: stat(),
        },
    );
    golden(
        "GetEphemeralsResponse",
        &GetEphemeralsResponse {
            ephemerals: strings(&["/e1", "/e2/x"]),
        },
    );
    golden(
        "WhoAmIResponse",
        &WhoAmIResponse {
            client_info: vec![
                ClientInfo {
                    auth_scheme: "ip".into(),
                    user: "127.0.0.1".into(),
                },
                ClientInfo {
                    auth_scheme: "digest".into(),
                    user: "alice".into(),
                },
            ],
        },
    );
    golden("WhoAmIResponse_empty", &WhoAmIResponse::default());
}

// ---- strings ----

#[test]
fn non_ascii_strings_without_surrogates_encode_as_java_does() {
    golden(
        "CreateRequest_unicode",
        &CreateRequest {
            path: BMP_PATH.into(),
            data: data(),
            acl: open_acl(),
            flags: 0,
        },
    );
}

/// `BinaryOutputArchive.writeString` encodes each UTF-16 unit on its own, so U+1F600 is written
/// as the two 3-byte surrogate encodings `ED A0 BD ED B8 80` (CESU-8), where standard UTF-8 has
/// `F0 9F 98 80`. A Java server echoes a C client's 4-byte UTF-8 back in that form too.
#[test]
fn supplementary_characters_encode_as_java_surrogate_pairs() {
    let emoji = SyncResponse {
        path: "/emoji/\u{1F600}".into(),
    };
    assert_bytes(
        "SyncResponse_supplementary",
        &emoji.to_vec(),
        &fixture("SyncResponse_supplementary"),
    );
    let echoed = SyncResponse::decode_exact(fixture("SyncResponse_utf8_4byte_input")).unwrap();
    assert_eq!(echoed, emoji);
    assert_bytes(
        "SyncResponse_utf8_4byte_reencoded",
        &echoed.to_vec(),
        &fixture("SyncResponse_utf8_4byte_reencoded"),
    );
}

/// One case of `Utf8_decode_table`: raw bytes, and the string Java decoded from them (read back
/// from Java's CESU-8 so that the decode can be compared apart from the encode).
struct Utf8Case {
    input: Bytes,
    java: String,
}

fn utf8_cases() -> Vec<Utf8Case> {
    let mut table = fixture("Utf8_decode_table");
    let mut cases = Vec::new();
    while table.has_remaining() {
        let input = Option::<Bytes>::decode(&mut table).unwrap().unwrap();
        let n = table.get_i32() as usize;
        let java = from_java_utf8(&table.split_to(n));
        cases.push(Utf8Case { input, java });
    }
    cases
}

/// Reads what `BinaryOutputArchive.writeString` wrote: every UTF-16 unit as a 1- to 3-byte
/// sequence, surrogates included.
fn from_java_utf8(b: &[u8]) -> String {
    let mut units = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let (unit, len) = match b[i] {
            x if x < 0x80 => (u16::from(x), 1),
            x if x < 0xe0 => ((u16::from(x & 0x1f) << 6) | u16::from(b[i + 1] & 0x3f), 2),
            x => (
                (u16::from(x & 0x0f) << 12)
                    | (u16::from(b[i + 1] & 0x3f) << 6)
                    | u16::from(b[i + 2] & 0x3f),
                3,
            ),
        };
        units.push(unit);
        i += len;
    }
    String::from_utf16(&units).expect("Java wrote a lone surrogate")
}

/// Whether the input holds an encoded surrogate (ED A0..BF xx), which Java replaces with one
/// U+FFFD per 3 bytes and Rust's `from_utf8_lossy` with one per byte.
fn has_encoded_surrogate(input: &[u8]) -> bool {
    input
        .windows(2)
        .any(|w| w[0] == 0xed && (0xa0..=0xbf).contains(&w[1]))
}

/// Our `ustring` decode of raw bytes.
fn our_decode(input: &Bytes) -> String {
    let mut framed = BytesMut::new();
    framed.put_i32(input.len() as i32);
    framed.put_slice(input);
    String::decode_exact(framed.freeze()).unwrap()
}

fn escape(s: &str) -> String {
    s.escape_unicode().to_string()
}

#[test]
fn malformed_utf8_is_repaired_with_the_same_replacement_characters_as_java() {
    let cases = utf8_cases();
    assert!(cases.len() == 5382);
    let mut checked = 0;
    for case in cases.iter().filter(|c| !has_encoded_surrogate(&c.input)) {
        let ours = our_decode(&case.input);
        assert!(
            ours == case.java,
            "Utf8_decode_table case {}: ours {} java {}",
            hex(&case.input),
            escape(&ours),
            escape(&case.java)
        );
        checked += 1;
    }
    assert!(checked > 5_000);
    // The hand-picked mix of malformed sequences (with the CESU-8 one, see below).
    let malformed = SyncResponse::decode_exact(fixture("SyncResponse_malformed_input")).unwrap();
    assert_eq!(
        malformed.path,
        "/a\u{fffd}/b\u{fffd}\u{fffd}/c\u{fffd}\u{fffd}/d\u{fffd}\
         /e\u{fffd}/f\u{fffd}\u{fffd}\u{fffd}\u{fffd}/g\u{fffd}/h",
        "SyncResponse_malformed_input is repaired as Java repairs it"
    );
}

#[test]
fn encoded_surrogates_are_repaired_with_one_replacement_character_each_as_java() {
    let mut mismatches = Vec::new();
    for case in utf8_cases()
        .iter()
        .filter(|c| has_encoded_surrogate(&c.input))
    {
        let ours = our_decode(&case.input);
        if ours != case.java {
            mismatches.push(format!(
                "{}: ours {} java {}",
                hex(&case.input),
                escape(&ours),
                escape(&case.java)
            ));
        }
    }
    let malformed = SyncResponse::decode_exact(fixture("SyncResponse_malformed_input")).unwrap();
    let java = SyncResponse::decode_exact(fixture("SyncResponse_malformed_reencoded")).unwrap();
    if malformed != java {
        mismatches.push(format!(
            "SyncResponse_malformed_input: ours {} java {}",
            escape(&malformed.path),
            escape(&java.path)
        ));
    }
    assert!(
        mismatches.is_empty(),
        "{} cases differ, e.g.\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(8)].join("\n")
    );
}

// ---- multi ----

fn multi_write_ops() -> Vec<MultiOp> {
    vec![
        MultiOp::Create {
            op: OpCode::Create,
            req: CreateRequest {
                path: "/m/a".into(),
                data: data(),
                acl: open_acl(),
                flags: 0,
            },
        },
        MultiOp::Create {
            op: OpCode::Create,
            req: CreateRequest {
                path: "/m/seq-".into(),
                data: None,
                acl: mixed_acl(),
                flags: 3,
            },
        },
        MultiOp::Create {
            op: OpCode::CreateContainer,
            req: CreateRequest {
                path: "/m/c".into(),
                data: empty(),
                acl: open_acl(),
                flags: 4,
            },
        },
        MultiOp::CreateTtl(CreateTtlRequest {
            path: "/m/t".into(),
            data: data(),
            acl: open_acl(),
            flags: 5,
            ttl: 60000,
        }),
        MultiOp::Delete(DeleteRequest {
            path: "/m/old".into(),
            version: -1,
        }),
        MultiOp::SetData(SetDataRequest {
            path: "/m/a".into(),
            data: data2(),
            version: 3,
        }),
        MultiOp::Check(CheckVersionRequest {
            path: "/m".into(),
            version: 7,
        }),
    ]
}

fn multi_read_ops() -> Vec<MultiOp> {
    vec![
        MultiOp::GetChildren(GetChildrenRequest {
            path: "/m".into(),
            watch: false,
        }),
        MultiOp::GetData(GetDataRequest {
            path: "/m/a".into(),
            watch: false,
        }),
    ]
}

#[track_caller]
fn golden_multi_ops(name: &str, ops: &[MultiOp]) {
    let expected = fixture(name);
    let mut ours = Vec::new();
    encode_multi_ops(ops, &mut ours);
    assert_bytes(name, &ours, &expected);
    let mut buf = expected;
    assert_eq!(decode_multi_ops(&mut buf).as_deref(), Ok(ops), "{name}");
    assert_eq!(
        buf.remaining(),
        0,
        "{name}: bytes left after the terminator"
    );
}

#[track_caller]
fn golden_multi_response(name: &str, results: &[OpResult]) {
    let expected = fixture(name);
    let mut ours = Vec::new();
    encode_multi_response(results, &mut ours);
    assert_bytes(name, &ours, &expected);
    let mut buf = expected;
    assert_eq!(
        decode_multi_response(&mut buf).as_deref(),
        Ok(results),
        "{name}"
    );
    assert_eq!(
        buf.remaining(),
        0,
        "{name}: bytes left after the terminator"
    );
}

#[test]
fn multi_requests_match_multi_operation_record() {
    golden_multi_ops("MultiOperationRecord_write", &multi_write_ops());
    golden_multi_ops("MultiOperationRecord_read", &multi_read_ops());
    golden_multi_ops("MultiOperationRecord_empty", &[]);
}

#[test]
fn multi_responses_match_multi_response_including_the_failed_shape() {
    golden_multi_response(
        "MultiResponse_write",
        &[
            OpResult::Create {
                path: "/m/a".into(),
            },
            OpResult::Create2 {
                path: "/m/seq-0000000001".into(),
                stat: stat_ephemeral(),
            },
            OpResult::Delete,
            OpResult::SetData { stat: stat() },
            OpResult::Check,
        ],
    );
    golden_multi_response(
        "MultiResponse_read",
        &[
            OpResult::GetChildren {
                children: strings(&["a", "b"]),
            },
            OpResult::GetData {
                data: data(),
                stat: stat(),
            },
            OpResult::GetData {
                data: None,
                stat: Stat::default(),
            },
            OpResult::Error { err: -101 },
        ],
    );
    golden_multi_response(
        "MultiResponse_failed",
        &[
            OpResult::Error { err: 0 },
            OpResult::Error { err: -101 },
            OpResult::Error { err: -2 },
        ],
    );
    golden_multi_response("MultiResponse_empty", &[]);
}

// ---- framing ----

#[test]
fn client_frames_from_client_cnxn_split_and_decode() {
    let all = fixture("Frames_client_session");
    // Fed in small pieces, as a socket might deliver them.
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in all.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = try_split_frame(&mut buf, DEFAULT_MAX_BUFFER).unwrap() {
            frames.push(frame);
        }
    }
    assert!(buf.is_empty());
    assert_eq!(frames.len(), 4);

    let connect = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: ZXID,
        time_out: 30000,
        session_id: SESSION,
        passwd: passwd(),
        read_only: Some(true),
    };
    assert_eq!(
        ConnectRequest::decode_exact(frames[0].clone()),
        Ok(connect.clone())
    );

    let with_header = |frame: &Bytes| {
        let mut body = frame.clone();
        let header = RequestHeader::decode(&mut body).unwrap();
        let op = OpCode::try_from(header.r#type).unwrap();
        (header, Request::decode(op, body).unwrap())
    };
    let create = Request::Create(create_request());
    assert_eq!(
        with_header(&frames[1]),
        (RequestHeader { xid: 1, r#type: 1 }, create.clone())
    );
    let ping_header = RequestHeader {
        xid: -2,
        r#type: 11,
    };
    assert_eq!(with_header(&frames[2]), (ping_header, Request::Ping));
    let multi = Request::Multi(vec![
        MultiOp::Check(CheckVersionRequest {
            path: "/m".into(),
            version: 7,
        }),
        MultiOp::Delete(DeleteRequest {
            path: "/m/old".into(),
            version: -1,
        }),
    ]);
    assert_eq!(
        with_header(&frames[3]),
        (RequestHeader { xid: 2, r#type: 14 }, multi.clone())
    );

    // And the same frames written by us.
    let mut ours = Vec::new();
    let mut frame = |header: Option<RequestHeader>, write: &dyn Fn(&mut Vec<u8>)| {
        let mut body = Vec::new();
        if let Some(h) = header {
            h.encode(&mut body);
        }
        write(&mut body);
        ours.put_i32(body.len() as i32);
        ours.extend_from_slice(&body);
    };
    frame(None, &|b| connect.encode(b));
    frame(Some(RequestHeader { xid: 1, r#type: 1 }), &|b| {
        create.encode(b)
    });
    frame(Some(ping_header), &|_| {});
    frame(Some(RequestHeader { xid: 2, r#type: 14 }), &|b| {
        multi.encode(b)
    });
    assert_bytes("Frames_client_session", &ours, &all);
}

// ---- quorum ----

fn learner_info() -> LearnerInfo {
    LearnerInfo {
        serverid: 3,
        protocol_version: 0x10000,
        config_version: 0x100000000,
    }
}

fn learner_request_body() -> Bytes {
    let mut v = Vec::new();
    v.put_i64(SESSION);
    v.put_i32(9);
    v.put_i32(1);
    create_request().encode(&mut v);
    v.into()
}

fn request_authinfo() -> Vec<Id> {
    vec![id("ip", "127.0.0.1"), id("digest", DIGEST_ID)]
}

#[test]
fn quorum_records_encode_and_decode_as_zookeeper_does() {
    golden("LearnerInfo", &learner_info());
    golden(
        "QuorumPacket_request",
        &QuorumPacket {
            r#type: 1,
            zxid: -1,
            data: Some(learner_request_body()),
            authinfo: Some(request_authinfo()),
        },
    );
    golden(
        "QuorumPacket_empty_authinfo",
        &QuorumPacket {
            r#type: 5,
            zxid: ZXID,
            data: empty(),
            authinfo: Some(vec![]),
        },
    );
    golden(
        "QuorumAuthPacket",
        &QuorumAuthPacket {
            magic: 0xdeadbeefcafef00du64 as i64,
            status: 0,
            token: bytes_of("token"),
        },
    );
    golden(
        "QuorumAuthPacket_null_token",
        &QuorumAuthPacket {
            magic: -1,
            status: 2,
            token: None,
        },
    );
}

fn followerinfo_packet() -> QuorumPacket {
    QuorumPacket {
        r#type: 11,
        zxid: 0x100000000,
        data: Some(learner_info().to_vec().into()),
        authinfo: None,
    }
}

fn proposal_packet() -> QuorumPacket {
    QuorumPacket {
        r#type: 2,
        zxid: ZXID,
        data: Some(encode_entry(&create_entry(Some(digest())))),
        authinfo: None,
    }
}

fn commit_packet() -> QuorumPacket {
    QuorumPacket {
        r#type: 4,
        zxid: ZXID,
        data: None,
        authinfo: None,
    }
}

/// The leader and learners pass `null` for `authinfo` in every packet but REQUEST, so Java
/// writes count -1 there; we decode that as an empty `Vec`.
#[test]
fn quorum_packets_with_null_authinfo_decode_as_empty() {
    decodes_to("QuorumPacket_followerinfo", &followerinfo_packet());
    decodes_to("QuorumPacket_proposal", &proposal_packet());
    decodes_to("QuorumPacket_commit", &commit_packet());
}

#[test]
fn quorum_packets_with_null_authinfo_encode_as_zookeeper_does() {
    golden("QuorumPacket_followerinfo", &followerinfo_packet());
    golden("QuorumPacket_proposal", &proposal_packet());
    golden("QuorumPacket_commit", &commit_packet());
}

// ---- persistence ----

#[test]
fn file_headers_match_txn_log_and_snapshot_headers() {
    golden(
        "FileHeader_txnlog",
        &FileHeader {
            magic: i32::from_be_bytes(*b"ZKLG"),
            version: 2,
            dbid: 0,
        },
    );
    golden(
        "FileHeader_snapshot",
        &FileHeader {
            magic: i32::from_be_bytes(*b"ZKSN"),
            version: 2,
            dbid: -1,
        },
    );
}

// ---- txn ----

fn digest() -> TxnDigest {
    TxnDigest {
        version: 2,
        tree_digest: TREE_DIGEST,
    }
}

fn hdr(r#type: i32) -> TxnHeader {
    TxnHeader {
        client_id: SESSION,
        cxid: 42,
        zxid: ZXID,
        time: TIME,
        r#type,
    }
}

fn create_txn() -> CreateTxn {
    CreateTxn {
        path: "/app/node".into(),
        data: data(),
        acl: open_acl(),
        ephemeral: false,
        parent_c_version: 1,
    }
}

fn create_container_txn(path: &str, parent_c_version: i32) -> CreateContainerTxn {
    CreateContainerTxn {
        path: path.into(),
        data: empty(),
        acl: open_acl(),
        parent_c_version,
    }
}

fn create_ttl_txn(path: &str, parent_c_version: i32) -> CreateTtlTxn {
    CreateTtlTxn {
        path: path.into(),
        data: data(),
        acl: open_acl(),
        parent_c_version,
        ttl: 60000,
    }
}

fn set_acl_txn() -> SetAclTxn {
    SetAclTxn {
        path: "/app".into(),
        acl: mixed_acl(),
        version: 2,
    }
}

fn close_session_txn() -> CloseSessionTxn {
    CloseSessionTxn {
        paths2_delete: strings(&["/e1", "/e2/x"]),
    }
}

/// The sub-txns of `MultiTxn` / `TxnEntry_multi`, as `PrepRequestProcessor` records them.
fn multi_subs() -> Vec<SubTxn> {
    vec![
        SubTxn {
            r#type: 1,
            body: TxnBody::Create(CreateTxn {
                path: "/m/a".into(),
                data: data(),
                acl: open_acl(),
                ephemeral: false,
                parent_c_version: 1,
            }),
        },
        SubTxn {
            r#type: 19,
            body: TxnBody::CreateContainer(create_container_txn("/m/c", 2)),
        },
        SubTxn {
            r#type: 21,
            body: TxnBody::CreateTtl(create_ttl_txn("/m/t", 3)),
        },
        SubTxn {
            r#type: 2,
            body: TxnBody::Delete(DeleteTxn {
                path: "/m/old".into(),
            }),
        },
        SubTxn {
            r#type: 5,
            body: TxnBody::SetData(SetDataTxn {
                path: "/m/a".into(),
                data: data2(),
                version: 1,
            }),
        },
        SubTxn {
            r#type: 13,
            body: TxnBody::Check(CheckVersionTxn {
                path: "/m".into(),
                version: 7,
            }),
        },
    ]
}

/// A failed multi: the ops before the failure keep their txns, the failing op gets its code, the
/// rest RUNTIMEINCONSISTENCY.
fn failed_multi_subs() -> Vec<SubTxn> {
    vec![
        SubTxn {
            r#type: 1,
            body: TxnBody::Create(CreateTxn {
                path: "/m/a".into(),
                data: data(),
                acl: open_acl(),
                ephemeral: false,
                parent_c_version: 1,
            }),
        },
        SubTxn {
            r#type: -1,
            body: TxnBody::Error(ErrorTxn { err: -101 }),
        },
        SubTxn {
            r#type: -1,
            body: TxnBody::Error(ErrorTxn { err: -2 }),
        },
    ]
}

/// The `MultiTxn` record for sub-txns: each body serialised into a `Txn` buffer.
fn multi_txn_record(subs: &[SubTxn]) -> MultiTxn {
    MultiTxn {
        txns: subs
            .iter()
            .map(|s| {
                let mut data = Vec::new();
                s.body.encode(&mut data);
                Txn {
                    r#type: s.r#type,
                    data: Some(data.into()),
                }
            })
            .collect(),
    }
}

#[test]
fn txn_records_encode_and_decode_as_zookeeper_does() {
    golden("TxnDigest", &digest());
    golden(
        "TxnDigest_negative",
        &TxnDigest {
            version: 2,
            tree_digest: -2,
        },
    );
    golden("TxnHeader", &hdr(1));
    golden(
        "TxnHeader_error",
        &TxnHeader {
            cxid: 43,
            ..hdr(-1)
        },
    );
    golden(
        "CreateTxnV0",
        &CreateTxnV0 {
            path: "/v0".into(),
            data: data(),
            acl: open_acl(),
            ephemeral: true,
        },
    );
    golden("CreateTxn", &create_txn());
    golden(
        "CreateTxn_ephemeral_sequential",
        &CreateTxn {
            path: "/locks/lock-0000000042".into(),
            data: None,
            acl: mixed_acl(),
            ephemeral: true,
            parent_c_version: 43,
        },
    );
    golden("CreateTTLTxn", &create_ttl_txn("/ttl/n", 2));
    golden("CreateContainerTxn", &create_container_txn("/c", 0));
    golden(
        "DeleteTxn",
        &DeleteTxn {
            path: "/app/node".into(),
        },
    );
    golden(
        "SetDataTxn",
        &SetDataTxn {
            path: "/app/node".into(),
            data: data2(),
            version: 4,
        },
    );
    golden(
        "SetDataTxn_null_data",
        &SetDataTxn {
            path: "/app/node".into(),
            data: None,
            version: 5,
        },
    );
    golden(
        "CheckVersionTxn",
        &CheckVersionTxn {
            path: "/app".into(),
            version: 7,
        },
    );
    golden("SetACLTxn", &set_acl_txn());
    golden(
        "SetMaxChildrenTxn",
        &SetMaxChildrenTxn {
            path: "/app".into(),
            max: 100,
        },
    );
    golden("CreateSessionTxn", &CreateSessionTxn { time_out: 30000 });
    golden("CloseSessionTxn", &close_session_txn());
    golden("CloseSessionTxn_empty", &CloseSessionTxn::default());
    golden("ErrorTxn", &ErrorTxn { err: -101 });
    golden(
        "Txn",
        &Txn {
            r#type: 1,
            data: Some(create_txn().to_vec().into()),
        },
    );
    golden("MultiTxn", &multi_txn_record(&multi_subs()));
    golden("MultiTxn_failed", &multi_txn_record(&failed_multi_subs()));
    golden("MultiTxn_empty", &MultiTxn::default());
}

#[test]
fn multi_txn_bodies_decode_into_typed_sub_txns_as_prep_wrote_them() {
    for (name, subs) in [
        ("MultiTxn", multi_subs()),
        ("MultiTxn_failed", failed_multi_subs()),
        ("MultiTxn_empty", vec![]),
    ] {
        let body = TxnBody::Multi(subs);
        let expected = fixture(name);
        let mut ours = Vec::new();
        body.encode(&mut ours);
        assert_bytes(name, &ours, &expected);
        assert_eq!(body.encoded_len(), expected.len(), "{name}: encoded_len");
        let mut buf = expected;
        assert_eq!(TxnBody::decode(14, &mut buf).as_ref(), Ok(&body), "{name}");
        assert_eq!(buf.remaining(), 0, "{name}");
    }
}

// ---- txn log entries ----

fn create_entry(digest: Option<TxnDigest>) -> TxnEntry {
    TxnEntry {
        hdr: hdr(1),
        body: TxnBody::Create(create_txn()),
        digest,
    }
}

fn encode_entry(e: &TxnEntry) -> Bytes {
    let mut v = Vec::new();
    e.encode(&mut v);
    v.into()
}

#[track_caller]
fn golden_entry(name: &str, entry: TxnEntry) {
    let expected = fixture(name);
    assert_bytes(name, &encode_entry(&entry), &expected);
    let mut buf = expected;
    assert_eq!(TxnEntry::decode(&mut buf), Ok(entry), "{name}: decode");
    assert_eq!(buf.remaining(), 0, "{name}: bytes left");
}

#[test]
fn txn_log_entries_match_util_marshall_txn_entry() {
    let d = Some(digest());
    let entry = |r#type, body| TxnEntry {
        hdr: hdr(r#type),
        body,
        digest: d,
    };
    golden_entry("TxnEntry_create_digest", create_entry(d));
    golden_entry(
        "TxnEntry_create2_nodigest",
        TxnEntry {
            hdr: hdr(15),
            body: TxnBody::Create(create_txn()),
            digest: None,
        },
    );
    golden_entry(
        "TxnEntry_createContainer",
        entry(19, TxnBody::CreateContainer(create_container_txn("/c", 0))),
    );
    golden_entry(
        "TxnEntry_createTTL",
        entry(21, TxnBody::CreateTtl(create_ttl_txn("/ttl/n", 2))),
    );
    golden_entry(
        "TxnEntry_delete",
        entry(
            2,
            TxnBody::Delete(DeleteTxn {
                path: "/app/node".into(),
            }),
        ),
    );
    golden_entry(
        "TxnEntry_deleteContainer",
        entry(20, TxnBody::Delete(DeleteTxn { path: "/c".into() })),
    );
    golden_entry(
        "TxnEntry_setData",
        entry(
            5,
            TxnBody::SetData(SetDataTxn {
                path: "/app/node".into(),
                data: data2(),
                version: 4,
            }),
        ),
    );
    golden_entry(
        "TxnEntry_reconfig",
        entry(
            16,
            TxnBody::SetData(SetDataTxn {
                path: "/zookeeper/config".into(),
                data: bytes_of("server.1=127.0.0.1:2888:3888:participant;2181\nversion=100000000"),
                version: -1,
            }),
        ),
    );
    golden_entry("TxnEntry_setACL", entry(7, TxnBody::SetAcl(set_acl_txn())));
    golden_entry(
        "TxnEntry_error",
        entry(-1, TxnBody::Error(ErrorTxn { err: -110 })),
    );
    golden_entry(
        "TxnEntry_createSession",
        entry(
            -10,
            TxnBody::CreateSession(CreateSessionTxn { time_out: 30000 }),
        ),
    );
    golden_entry(
        "TxnEntry_closeSession",
        entry(-11, TxnBody::CloseSession(Some(close_session_txn()))),
    );
    golden_entry(
        "TxnEntry_closeSession_pre36",
        TxnEntry {
            hdr: hdr(-11),
            body: TxnBody::CloseSession(None),
            digest: None,
        },
    );
    golden_entry("TxnEntry_multi", entry(14, TxnBody::Multi(multi_subs())));
    golden_entry(
        "TxnEntry_multi_failed",
        entry(14, TxnBody::Multi(failed_multi_subs())),
    );
}

/// `SerializeUtils.deserializeTxn` reads a create body that ends early as a `CreateTxnV0` and
/// turns it into a `CreateTxn` with `parentCVersion` -1 (logs written before 3.3).
#[test]
fn pre_3_3_create_entries_decode_with_parent_cversion_minus_one() {
    let mut buf = fixture("TxnEntry_create_v0");
    assert_eq!(
        TxnEntry::decode(&mut buf),
        Ok(TxnEntry {
            hdr: hdr(1),
            body: TxnBody::Create(CreateTxn {
                path: "/v0".into(),
                data: data(),
                acl: open_acl(),
                ephemeral: true,
                parent_c_version: -1,
            }),
            digest: None,
        })
    );
}

// ---- bookkeeping ----

#[test]
fn every_fixture_file_is_checked_by_a_test_and_listed_in_the_manifest() {
    let source = include_str!("golden.rs");
    let manifest = std::fs::read_to_string(fixture_dir().join("MANIFEST.txt")).unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            names.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert!(names.len() > 150, "only {} fixtures found", names.len());
    let unchecked: Vec<_> = names
        .iter()
        .filter(|n| !source.contains(&format!("\"{n}\"")))
        .collect();
    assert!(
        unchecked.is_empty(),
        "fixtures no test reads: {unchecked:?}"
    );
    let unlisted: Vec<_> = names
        .iter()
        .filter(|n| !manifest.contains(&format!("\n{n}.bin (")))
        .collect();
    assert!(
        unlisted.is_empty(),
        "fixtures missing from MANIFEST.txt: {unlisted:?}"
    );
}
