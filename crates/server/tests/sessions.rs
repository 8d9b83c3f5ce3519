//! Sessions over real TCP: expiry in tickTime buckets, ephemeral cleanup and the watches it
//! fires, reconnects, closeSession, containers, TTL nodes and the per-IP connection limit.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::*;
use jute_codec::records::*;
use jute_codec::request::Request;
use jute_codec::{ErrorCode, Record};

/// Short ticks so expiry happens within the test deadline.
async fn fast_server() -> TestServer {
    TestServer::start_with(|cfg| {
        cfg.core.tick_time_ms = 50;
        cfg.core.session_timeout_ms_min = 100;
        cfg.core.session_timeout_ms_max = 2000;
        cfg.core.extended_types_enabled = true;
        cfg.core.container_check_interval_ms = 50;
    })
    .await
}

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

/// Polls `exists(path)` until it answers `err`, within the deadline.
async fn wait_for_exists(c: &mut RawClient, path: &str, err: i32) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if c.exists(path, false).await.hdr.err == err {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} never answered {err}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_expired_session_loses_its_ephemerals_and_fires_their_watches() {
    let srv = fast_server().await;
    let mut watcher =
        RawClient::connect_with(srv.addr, connect_req(0, Bytes::from_static(&[0; 16]), 2000))
            .await
            .unwrap();
    let mut doomed =
        RawClient::connect_with(srv.addr, connect_req(0, Bytes::from_static(&[0; 16]), 100))
            .await
            .unwrap();
    assert_eq!(doomed.timeout, 100);
    assert_eq!(doomed.create("/eph", b"", 1).await.hdr.err, 0);
    assert_eq!(watcher.exists("/eph", true).await.hdr.err, 0);
    let (id, pw) = (doomed.session_id, doomed.passwd.clone());
    // Stop pinging: the session must expire on its own.
    let ev = watcher.next_event().await;
    assert_eq!(
        (ev.r#type, ev.path.as_str()),
        (2, "/eph"),
        "NodeDeleted after expiry"
    );
    assert_eq!(
        watcher.exists("/eph", false).await.hdr.err,
        ErrorCode::NoNode.as_i32()
    );
    // The expired session's connection was closed, and it cannot come back.
    assert!(doomed.read_frame().await.is_none());
    let again = RawClient::connect_with(srv.addr, connect_req(id, pw, 100)).await;
    assert!(
        again.is_none(),
        "expired sessions are refused with timeout 0"
    );
}

#[tokio::test]
async fn pings_keep_a_session_alive_past_its_timeout() {
    let srv = fast_server().await;
    // A 1 s session pinged every ~50 ms for 2 s: margins for a loaded CI machine.
    let mut c =
        RawClient::connect_with(srv.addr, connect_req(0, Bytes::from_static(&[0; 16]), 1000))
            .await
            .unwrap();
    assert_eq!(c.create("/alive", b"", 1).await.hdr.err, 0);
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = c.call(Request::Ping).await;
        assert_eq!(r.hdr.err, 0);
    }
    assert_eq!(
        c.exists("/alive", false).await.hdr.err,
        0,
        "2 s of pings kept a 1 s session"
    );
}

#[tokio::test]
async fn close_session_answers_then_closes_the_connection() {
    let srv = fast_server().await;
    let mut c = RawClient::connect(srv.addr).await;
    c.create("/e1", b"", 1).await;
    let r = c.close().await;
    assert_eq!(r.hdr.err, 0);
    assert!(
        c.read_frame().await.is_none(),
        "connection closed after the reply"
    );
    let mut other = RawClient::connect(srv.addr).await;
    assert_eq!(
        other.exists("/e1", false).await.hdr.err,
        ErrorCode::NoNode.as_i32()
    );
}

#[tokio::test]
async fn reconnecting_moves_the_session_and_closes_the_old_connection() {
    let srv = fast_server().await;
    let mut first = RawClient::connect(srv.addr).await;
    first.create("/x", b"", 0).await;
    let second = RawClient::connect_with(
        srv.addr,
        connect_req(first.session_id, first.passwd.clone(), 2000),
    )
    .await
    .expect("resumed");
    assert_eq!(second.session_id, first.session_id);
    assert!(
        first.read_frame().await.is_none(),
        "the old connection is closed"
    );
}

#[tokio::test]
async fn set_watches_after_reconnect_fires_for_changes_missed_while_away() {
    let srv = fast_server().await;
    let mut a = RawClient::connect(srv.addr).await;
    let mut b = RawClient::connect(srv.addr).await;
    a.create("/sw", b"1", 0).await;
    let seen = a.get_data("/sw", true).await.hdr.zxid;
    let (id, pw) = (a.session_id, a.passwd.clone());
    drop(a);
    b.set_data("/sw", b"2", -1).await;
    let mut a = RawClient::connect_with(srv.addr, connect_req(id, pw, 2000))
        .await
        .unwrap();
    let r = a
        .call(Request::SetWatches(SetWatches {
            relative_zxid: seen,
            data_watches: vec!["/sw".into()],
            exist_watches: vec![],
            child_watches: vec![],
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    let ev = a
        .events
        .first()
        .cloned()
        .expect("the missed change fires at once");
    assert_eq!((ev.r#type, ev.path.as_str()), (3, "/sw"));
}

#[tokio::test]
async fn an_empty_container_is_deleted_after_its_last_child_goes() {
    let srv = fast_server().await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c
        .call(Request::CreateContainer(CreateRequest {
            path: "/box".into(),
            data: None,
            acl: open_acl(),
            flags: 4,
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    let st = Create2Response::decode(&mut r.body.clone()).unwrap().stat;
    assert_eq!(
        st.ephemeral_owner, 0,
        "containers show ephemeralOwner 0 to clients"
    );
    c.create("/box/item", b"", 0).await;
    c.delete("/box/item", -1).await;
    wait_for_exists(&mut c, "/box", ErrorCode::NoNode.as_i32()).await;
}

#[tokio::test]
async fn a_ttl_node_without_children_is_deleted_after_its_ttl() {
    let srv = fast_server().await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c
        .call(Request::CreateTtl(CreateTtlRequest {
            path: "/ttl".into(),
            data: None,
            acl: open_acl(),
            flags: 5,
            ttl: 100,
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    wait_for_exists(&mut c, "/ttl", ErrorCode::NoNode.as_i32()).await;
}

#[tokio::test]
async fn ttl_nodes_need_extended_types() {
    let srv = TestServer::start().await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c
        .call(Request::CreateTtl(CreateTtlRequest {
            path: "/ttl".into(),
            data: None,
            acl: open_acl(),
            flags: 5,
            ttl: 100,
        }))
        .await;
    assert_eq!(r.hdr.err, ErrorCode::Unimplemented.as_i32());
}

#[tokio::test]
async fn connections_beyond_max_client_cnxns_per_ip_are_closed() {
    let srv = TestServer::start_with(|cfg| cfg.max_client_cnxns = 2).await;
    let _a = RawClient::connect(srv.addr).await;
    let _b = RawClient::connect(srv.addr).await;
    let third = RawClient::connect_with(
        srv.addr,
        connect_req(0, Bytes::from_static(&[0; 16]), 30000),
    )
    .await;
    assert!(
        third.is_none(),
        "the third connection from 127.0.0.1 is closed"
    );
}

#[tokio::test]
async fn digest_auth_and_super_digest_control_access() {
    let srv = TestServer::start_with(|cfg| {
        cfg.core.super_digest = Some("super:D/InIHSb7yEEbrWz8b9l71RjZJU=".into());
    })
    .await;
    let mut owner = RawClient::connect(srv.addr).await;
    let auth = |user: &str| {
        Request::Auth(AuthPacket {
            r#type: 0,
            scheme: "digest".into(),
            auth: Some(Bytes::from(user.to_string())),
        })
    };
    assert_eq!(owner.call(auth("bob:pw")).await.hdr.err, 0);
    let r = owner
        .call(Request::Create(CreateRequest {
            path: "/private".into(),
            data: Some(Bytes::from_static(b"s")),
            acl: vec![Acl {
                perms: 31,
                id: Id {
                    scheme: "auth".into(),
                    id: String::new(),
                },
            }],
            flags: 0,
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    let mut stranger = RawClient::connect(srv.addr).await;
    assert_eq!(
        stranger.get_data("/private", false).await.hdr.err,
        ErrorCode::NoAuth.as_i32()
    );
    let mut admin = RawClient::connect(srv.addr).await;
    assert_eq!(admin.call(auth("super:test")).await.hdr.err, 0);
    assert_eq!(
        admin.get_data("/private", false).await.hdr.err,
        0,
        "super reads everything"
    );
    let mut bad = RawClient::connect(srv.addr).await;
    let r = bad
        .call(Request::Auth(AuthPacket {
            r#type: 0,
            scheme: "nope".into(),
            auth: None,
        }))
        .await;
    assert_eq!(r.hdr.err, ErrorCode::AuthFailed.as_i32());
    assert!(
        bad.read_frame().await.is_none(),
        "AuthFailed closes the connection"
    );
}

#[tokio::test]
async fn watch_events_about_unreadable_znodes_are_not_delivered() {
    let srv = TestServer::start().await;
    let mut owner = RawClient::connect(srv.addr).await;
    let auth = Request::Auth(AuthPacket {
        r#type: 0,
        scheme: "digest".into(),
        auth: Some(Bytes::from_static(b"bob:pw")),
    });
    assert_eq!(owner.call(auth).await.hdr.err, 0);
    let private = vec![Acl {
        perms: 31,
        id: Id {
            scheme: "auth".into(),
            id: String::new(),
        },
    }];
    let r = owner
        .call(Request::Create(CreateRequest {
            path: "/private".into(),
            data: None,
            acl: private,
            flags: 0,
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    owner.create("/public", b"", 0).await;
    let mut stranger = RawClient::connect(srv.addr).await;
    let r = stranger
        .call(Request::AddWatch(AddWatchRequest {
            path: "/".into(),
            mode: 1,
        }))
        .await;
    assert_eq!(r.hdr.err, 0);
    owner.set_data("/private", b"secret", -1).await;
    owner.set_data("/public", b"news", -1).await;
    let ev = stranger.next_event().await;
    assert_eq!(
        (ev.r#type, ev.path.as_str()),
        (3, "/public"),
        "the change to /private is filtered out (CVE-2024-23944)"
    );
}
