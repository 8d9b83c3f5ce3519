//! The client protocol over real TCP with raw Jute bytes: handshake, CRUD, error codes,
//! zxid consumption, multi, watches, ordering and malformed input.

mod common;

use bytes::{BufMut, Bytes, BytesMut};
use common::*;
use jute_codec::records::*;
use jute_codec::request::{decode_multi_response, MultiOp, OpResult, Request};
use jute_codec::{ErrorCode, OpCode, Record};
use tokio::io::AsyncWriteExt;

const NO_NODE: i32 = ErrorCode::NoNode.as_i32();

fn connect_req(session_id: i64, passwd: Bytes, time_out: i32) -> ConnectRequest {
    ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        time_out,
        session_id,
        passwd: Some(passwd),
        read_only: Some(false),
    }
}

#[tokio::test]
async fn handshake_negotiates_timeout_and_puts_server_id_in_top_byte() {
    let srv = TestServer::start().await;
    let c = RawClient::connect_with(srv.addr, connect_req(0, Bytes::from_static(&[0; 16]), 1))
        .await
        .expect("session");
    assert_eq!(
        c.timeout, 4000,
        "raised to minSessionTimeout = 2 x tickTime"
    );
    assert_eq!(
        c.session_id >> 56,
        1,
        "standalone server id 1 in the top byte"
    );
    assert_eq!(c.passwd.len(), 16);
    let c2 = RawClient::connect_with(
        srv.addr,
        connect_req(0, Bytes::from_static(&[0; 16]), 1_000_000),
    )
    .await
    .expect("session");
    assert_eq!(
        c2.timeout, 40000,
        "lowered to maxSessionTimeout = 20 x tickTime"
    );
    assert_eq!(c2.session_id, c.session_id + 1);
}

#[tokio::test]
async fn old_client_without_read_only_byte_gets_a_short_connect_response() {
    let srv = TestServer::start().await;
    let mut req = connect_req(0, Bytes::from_static(&[0; 16]), 30000);
    req.read_only = None;
    let mut raw = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let mut b = BytesMut::new();
    b.put_i32(req.encoded_len() as i32);
    req.encode(&mut b);
    raw.write_all(&b).await.unwrap();
    let mut len = [0u8; 4];
    tokio::time::timeout(
        DEADLINE,
        tokio::io::AsyncReadExt::read_exact(&mut raw, &mut len),
    )
    .await
    .expect("answer")
    .unwrap();
    assert_eq!(
        i32::from_be_bytes(len),
        4 + 4 + 8 + 4 + 16,
        "no trailing readOnly byte"
    );
}

#[tokio::test]
async fn create_then_get_returns_data_and_full_stat() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c.create("/a", b"hello", 0).await;
    assert_eq!(r.hdr.err, 0);
    assert_eq!(
        CreateResponse::decode(&mut r.body.clone()).unwrap().path,
        "/a"
    );
    let created_zxid = r.hdr.zxid;
    let g = c.get_data("/a", false).await;
    assert_eq!(g.hdr.err, 0);
    let rsp = GetDataResponse::decode(&mut g.body.clone()).unwrap();
    assert_eq!(rsp.data.as_deref(), Some(&b"hello"[..]));
    assert_eq!(rsp.stat.czxid, created_zxid);
    assert_eq!(rsp.stat.mzxid, created_zxid);
    assert_eq!(rsp.stat.pzxid, created_zxid);
    assert_eq!(rsp.stat.data_length, 5);
    assert_eq!(rsp.stat.version, 0);
    assert_eq!(rsp.stat.ephemeral_owner, 0);
    assert!(rsp.stat.ctime > 1_600_000_000_000, "wall-clock ms");
}

#[tokio::test]
async fn null_data_is_distinct_from_empty_data() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c
        .call(Request::Create(CreateRequest {
            path: "/null".into(),
            data: None,
            acl: open_acl(),
            flags: 0,
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    assert_eq!(c.create("/empty", b"", 0).await.hdr.err, 0);
    let n = GetDataResponse::decode(&mut c.get_data("/null", false).await.body).unwrap();
    let e = GetDataResponse::decode(&mut c.get_data("/empty", false).await.body).unwrap();
    assert_eq!(n.data, None);
    assert_eq!(e.data, Some(Bytes::new()));
}

#[tokio::test]
async fn failed_writes_consume_a_zxid() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let a = c.create("/a", b"", 0).await;
    let dup = c.create("/a", b"", 0).await;
    assert_eq!(dup.hdr.err, ErrorCode::NodeExists.as_i32());
    assert_eq!(dup.hdr.zxid, a.hdr.zxid + 1);
    let b = c.create("/b", b"", 0).await;
    assert_eq!(b.hdr.zxid, a.hdr.zxid + 2);
}

#[tokio::test]
async fn missing_node_reads_answer_no_node() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    assert_eq!(c.get_data("/nope", false).await.hdr.err, NO_NODE);
    assert_eq!(c.exists("/nope", false).await.hdr.err, NO_NODE);
}

#[tokio::test]
async fn sequential_nodes_get_ten_digit_suffix_from_parent_cversion() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    c.create("/q", b"", 0).await;
    c.create("/q/other", b"", 0).await;
    let r = c.create("/q/item-", b"", 2).await;
    assert_eq!(
        CreateResponse::decode(&mut r.body.clone()).unwrap().path,
        "/q/item-0000000001"
    );
    let r = c.create("/q/item-", b"", 2).await;
    assert_eq!(
        CreateResponse::decode(&mut r.body.clone()).unwrap().path,
        "/q/item-0000000002"
    );
}

#[tokio::test]
async fn failed_multi_reports_ok_then_error_then_runtime_inconsistency() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let ops = vec![
        MultiOp::Create {
            op: OpCode::Create,
            req: CreateRequest {
                path: "/m1".into(),
                data: None,
                acl: open_acl(),
                flags: 0,
            },
        },
        MultiOp::Check(CheckVersionRequest {
            path: "/missing".into(),
            version: 0,
        }),
        MultiOp::Delete(DeleteRequest {
            path: "/m1".into(),
            version: -1,
        }),
    ];
    let r = c.call(Request::Multi(ops)).await;
    assert_eq!(
        r.hdr.err, 0,
        "a failed multi still answers OK in the header"
    );
    let results = decode_multi_response(&mut r.body.clone()).unwrap();
    assert_eq!(
        results,
        vec![
            OpResult::Error { err: 0 },
            OpResult::Error {
                err: ErrorCode::NoNode.as_i32()
            },
            OpResult::Error {
                err: ErrorCode::RuntimeInconsistency.as_i32()
            },
        ]
    );
    assert_eq!(
        c.exists("/m1", false).await.hdr.err,
        NO_NODE,
        "nothing applied"
    );
}

#[tokio::test]
async fn data_watch_fires_once_for_another_sessions_write() {
    let srv = TestServer::start().await;
    let mut a = RawClient::connect(srv.addr).await;
    let mut b = RawClient::connect(srv.addr).await;
    a.create("/w", b"1", 0).await;
    assert_eq!(a.get_data("/w", true).await.hdr.err, 0);
    assert_eq!(b.set_data("/w", b"2", -1).await.hdr.err, 0);
    let ev = a.next_event().await;
    assert_eq!((ev.r#type, ev.state, ev.path.as_str()), (3, 3, "/w"));
    b.set_data("/w", b"3", -1).await;
    // One-shot: a ping round trip shows no second event arrived before it.
    a.call(Request::Ping).await;
    assert!(
        a.events.is_empty(),
        "one-shot watch fired twice: {:?}",
        a.events
    );
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let mut xids = Vec::new();
    for i in 0..200 {
        let req = if i % 3 == 0 {
            Request::Create(CreateRequest {
                path: format!("/p{i}"),
                data: None,
                acl: open_acl(),
                flags: 0,
            })
        } else {
            Request::Exists(ExistsRequest {
                path: format!("/p{}", i - i % 3),
                watch: false,
            })
        };
        xids.push(c.send(&req).await);
    }
    for (i, xid) in xids.into_iter().enumerate() {
        let r = c.reply_for(xid).await.expect("reply");
        assert_eq!(
            r.hdr.err, 0,
            "request {i}: a read sees its session's earlier write"
        );
    }
}

#[tokio::test]
async fn ephemerals_survive_reconnect_with_password_and_vanish_on_close() {
    let srv = TestServer::start().await;
    let mut a = RawClient::connect(srv.addr).await;
    assert_eq!(a.create("/e", b"", 1).await.hdr.err, 0);
    let (id, pw) = (a.session_id, a.passwd.clone());
    drop(a);
    let mut again = RawClient::connect_with(srv.addr, connect_req(id, pw, 30000))
        .await
        .expect("resumed");
    assert_eq!(again.session_id, id);
    let st = stat_of(&again.exists("/e", false).await.body);
    assert_eq!(st.ephemeral_owner, id);
    again.close().await;
    let mut other = RawClient::connect(srv.addr).await;
    assert_eq!(other.exists("/e", false).await.hdr.err, NO_NODE);
}

#[tokio::test]
async fn wrong_password_is_refused_like_an_expired_session() {
    let srv = TestServer::start().await;
    let a = RawClient::connect(srv.addr).await;
    let mut bad = a.passwd.to_vec();
    bad[0] ^= 1;
    let r =
        RawClient::connect_with(srv.addr, connect_req(a.session_id, Bytes::from(bad), 30000)).await;
    assert!(r.is_none(), "timeout 0 answers a bad password");
    let r = RawClient::connect_with(
        srv.addr,
        connect_req(0x01ff_0000_0000_0001, Bytes::from_static(&[0; 16]), 30000),
    )
    .await;
    assert!(r.is_none(), "unknown session is refused");
}

#[tokio::test]
async fn oversized_frame_closes_only_that_connection() {
    let srv = TestServer::start().await;
    let mut good = RawClient::connect(srv.addr).await;
    let mut bad = RawClient::connect(srv.addr).await;
    bad.stream
        .write_all(&0x0100_0000i32.to_be_bytes())
        .await
        .unwrap();
    assert!(
        bad.read_frame().await.is_none(),
        "connection closed on Len error"
    );
    assert_eq!(good.create("/still-fine", b"", 0).await.hdr.err, 0);
}

#[tokio::test]
async fn garbage_before_handshake_closes_the_connection() {
    let srv = TestServer::start().await;
    let mut s = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(&[0, 0, 0, 3, 1, 2, 3]).await.unwrap();
    let mut c = RawClient::connect(srv.addr).await;
    let mut buf = Vec::new();
    let n = tokio::time::timeout(
        DEADLINE,
        tokio::io::AsyncReadExt::read_to_end(&mut s, &mut buf),
    )
    .await;
    assert!(n.is_ok(), "server closed the garbage connection");
    assert_eq!(c.create("/ok", b"", 0).await.hdr.err, 0);
}

#[tokio::test]
async fn unknown_opcode_answers_unimplemented_and_closes() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    c.send_with_xid(7, 77, &Request::Ping).await;
    let r = c.reply_for(7).await.expect("reply");
    assert_eq!(r.hdr.err, ErrorCode::Unimplemented.as_i32());
    assert!(c.read_frame().await.is_none(), "then the connection closes");
}

#[tokio::test]
async fn truncated_body_of_a_read_answers_marshalling_error() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let mut b = BytesMut::new();
    RequestHeader {
        xid: 9,
        r#type: OpCode::GetData.as_i32(),
    }
    .encode(&mut b);
    b.put_i32(100); // a string length with no string behind it
    c.send_frame(&b).await;
    let r = c.reply_for(9).await.expect("reply");
    assert_eq!(r.hdr.err, ErrorCode::MarshallingError.as_i32());
    assert_eq!(
        c.exists("/", false).await.hdr.err,
        0,
        "connection still usable"
    );
}

#[tokio::test]
async fn invalid_path_answers_bad_arguments() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    assert_eq!(
        c.create("no-slash", b"", 0).await.hdr.err,
        ErrorCode::BadArguments.as_i32()
    );
    c.create("/a", b"", 0).await;
    assert_eq!(
        c.create("/a/", b"", 0).await.hdr.err,
        ErrorCode::BadArguments.as_i32()
    );
    assert_eq!(
        c.create("/a/b\u{1}", b"", 0).await.hdr.err,
        ErrorCode::BadArguments.as_i32()
    );
    // ZooKeeper looks the parent up before validating the whole path: "/a//b" has parent
    // "/a/", which does not exist.
    assert_eq!(c.create("/a//b", b"", 0).await.hdr.err, NO_NODE);
}

#[tokio::test]
async fn ruok_answers_imok_and_srvr_reports_standalone_mode() {
    let srv = TestServer::start().await;
    assert_eq!(srv.four_letter("ruok").await, "imok");
    let srvr = srv.four_letter("srvr").await;
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    assert!(srvr.starts_with("Zookeeper version: 3.8"), "{srvr}");
}

#[tokio::test]
async fn envi_reports_a_3_8_0_compatible_version_first() {
    let srv = TestServer::start().await;
    let envi = srv.four_letter("envi").await;
    assert!(
        envi.starts_with("Environment:\nzookeeper.version=3.8.0-"),
        "{envi}"
    );
    assert!(envi.contains("\nos.name="), "{envi}");
}

#[tokio::test]
async fn requests_pipelined_behind_the_connect_request_wait_for_the_session() {
    let srv = TestServer::start().await;
    let mut raw = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let mut b = BytesMut::new();
    let req = connect_req(0, Bytes::from_static(&[0; 16]), 30000);
    b.put_i32(req.encoded_len() as i32);
    req.encode(&mut b);
    for (xid, path) in [(1, "/early"), (2, "/early2")] {
        let mut body = BytesMut::new();
        RequestHeader {
            xid,
            r#type: OpCode::Create.as_i32(),
        }
        .encode(&mut body);
        Request::Create(CreateRequest {
            path: path.into(),
            data: None,
            acl: open_acl(),
            flags: 0,
        })
        .encode(&mut body);
        b.put_i32(body.len() as i32);
        b.put_slice(&body);
    }
    let mut body = BytesMut::new();
    RequestHeader {
        xid: 3,
        r#type: OpCode::Exists.as_i32(),
    }
    .encode(&mut body);
    Request::Exists(ExistsRequest {
        path: "/early2".into(),
        watch: false,
    })
    .encode(&mut body);
    b.put_i32(body.len() as i32);
    b.put_slice(&body);
    raw.write_all(&b).await.unwrap();
    let mut c = RawClient::from_stream(raw);
    let first = c.read_frame().await.expect("connect response first");
    assert!(
        ConnectResponse::decode(&mut first.clone())
            .unwrap()
            .time_out
            > 0
    );
    for xid in 1..=3 {
        let r = c.reply_for(xid).await.expect("reply");
        assert_eq!(r.hdr.err, 0, "request {xid}");
    }
}

#[tokio::test]
async fn a_wrong_password_still_closes_the_sessions_current_connection() {
    let srv = TestServer::start().await;
    let mut a = RawClient::connect(srv.addr).await;
    let mut bad = a.passwd.to_vec();
    bad[0] ^= 1;
    let r =
        RawClient::connect_with(srv.addr, connect_req(a.session_id, Bytes::from(bad), 30000)).await;
    assert!(r.is_none());
    assert!(
        a.read_frame().await.is_none(),
        "ZooKeeper closes the live connection first"
    );
}

#[tokio::test]
async fn create_session_from_a_client_answers_marshalling_error_and_takes_a_zxid() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let before = c.create("/z", b"", 0).await.hdr.zxid;
    c.send_with_xid(5, OpCode::CreateSession.as_i32(), &Request::Ping)
        .await;
    let r = c.reply_for(5).await.expect("reply");
    assert_eq!(r.hdr.err, ErrorCode::MarshallingError.as_i32());
    assert_eq!(r.hdr.zxid, before + 1);
}

#[tokio::test]
async fn an_auth_packet_without_credentials_fails_and_closes() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c
        .call(Request::Auth(AuthPacket {
            r#type: 0,
            scheme: "digest".into(),
            auth: None,
        }))
        .await;
    assert_eq!(r.hdr.err, ErrorCode::AuthFailed.as_i32());
    assert!(c.read_frame().await.is_none());
}

// ----- null paths (K2) ------------------------------------------------------------------------

/// Sends `op` with `body` under `xid` and returns the reply.
async fn raw_call(c: &mut RawClient, xid: i32, op: OpCode, body: &[u8]) -> Reply {
    let mut b = BytesMut::new();
    RequestHeader {
        xid,
        r#type: op.as_i32(),
    }
    .encode(&mut b);
    b.put_slice(body);
    c.send_frame(&b).await;
    c.reply_for(xid).await.expect("reply")
}

const NULL: [u8; 4] = [0xFF; 4];
/// The terminator of a multi request or response (MultiHeader -1, done, -1).
const DONE: [u8; 9] = [0xFF, 0xFF, 0xFF, 0xFF, 1, 0xFF, 0xFF, 0xFF, 0xFF];

#[tokio::test]
async fn a_null_path_answers_as_zookeeper_3_8_0_does() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let marshalling = ErrorCode::MarshallingError.as_i32();
    let start = c.create("/a", b"", 0).await.hdr.zxid;
    // Reads trip over the null in FinalRequestProcessor: MARSHALLINGERROR, no body, no zxid.
    let with_watch = [NULL.as_slice(), &[1]].concat();
    for (xid, op, body) in [
        (10, OpCode::GetData, with_watch.as_slice()),
        (11, OpCode::Exists, &with_watch),
        (12, OpCode::GetChildren2, &with_watch),
        (13, OpCode::GetAcl, &NULL),
        (14, OpCode::GetAllChildrenNumber, &NULL),
    ] {
        let r = raw_call(&mut c, xid, op, body).await;
        assert_eq!((r.hdr.err, r.hdr.zxid), (marshalling, start), "{op:?}");
        assert!(r.body.is_empty(), "{op:?}");
    }
    // sync echoes the null path.
    let r = raw_call(&mut c, 20, OpCode::Sync, &NULL).await;
    assert_eq!((r.hdr.err, &r.body[..]), (0, &NULL[..]));
    // delete: an ErrorTxn(MARSHALLINGERROR) takes a zxid.
    let r = raw_call(&mut c, 21, OpCode::Delete, &[NULL, [0xFF; 4]].concat()).await;
    assert_eq!((r.hdr.err, r.hdr.zxid), (marshalling, start + 1));
    // setData: validatePath says BADARGUMENTS (also a txn).
    let set = [NULL.as_slice(), &[0, 0, 0, 0], &[0xFF; 4]].concat();
    let r = raw_call(&mut c, 22, OpCode::SetData, &set).await;
    assert_eq!(
        (r.hdr.err, r.hdr.zxid),
        (ErrorCode::BadArguments.as_i32(), start + 2)
    );
    // multi: an empty MultiResponse, no txn, but a zxid is used up.
    let delete_op = [
        &OpCode::Delete.as_i32().to_be_bytes()[..],
        &[0],
        &[0xFF; 4],
        &NULL,
        &[0xFF; 4],
    ]
    .concat();
    let multi = [delete_op.as_slice(), &DONE].concat();
    let r = raw_call(&mut c, 23, OpCode::Multi, &multi).await;
    assert_eq!((r.hdr.err, r.hdr.zxid), (marshalling, start + 2));
    assert_eq!(&r.body[..], &DONE[..]);
    assert_eq!(
        c.create("/b", b"", 0).await.hdr.zxid,
        start + 4,
        "a zxid was skipped"
    );
    // multiRead: the results before the null op, then MARSHALLINGERROR.
    let get_children = |path: &[u8]| {
        [
            &OpCode::GetChildren.as_i32().to_be_bytes()[..],
            &[0],
            &[0xFF; 4],
            path,
            &[0],
        ]
        .concat()
    };
    let root = [&1i32.to_be_bytes()[..], b"/"].concat();
    let read = [get_children(&root), get_children(&NULL), DONE.to_vec()].concat();
    let r = raw_call(&mut c, 24, OpCode::MultiRead, &read).await;
    assert_eq!(r.hdr.err, marshalling);
    let results = decode_multi_response(&mut r.body.clone()).expect("a MultiResponse");
    assert_eq!(results.len(), 1);
    assert!(matches!(&results[0], OpResult::GetChildren { children } if children.len() == 3));
}
