//! Restarts on the same data directory (the runtime in process, real files): every
//! acknowledged write survives with its exact Stat, zxids continue, sessions come back and
//! expire unless their clients reconnect, and a failing disk stops the server without
//! acknowledging anything it could not make durable.

mod common;

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use common::*;
use jute_codec::records::*;
use jute_codec::request::{MultiOp, Request};
use jute_codec::{OpCode, Record};
use server::persist::storage::{Fault, Faults, FaultyDir, FileDir};
use server::runtime::{try_serve, PersistConfig, ServeConfig};
use tokio::net::TcpListener;

fn persist(dir: &Path) -> PersistConfig {
    PersistConfig::in_dir(dir)
}

async fn start(dir: &Path) -> TestServer {
    let p = persist(dir);
    TestServer::start_with(move |cfg| {
        cfg.core.tick_time_ms = 100;
        cfg.core.session_timeout_ms_min = 200;
        cfg.persist = Some(p);
    })
    .await
}

/// getData of every path: (err, data, stat bytes).
async fn read_all(c: &mut RawClient, paths: &[String]) -> Vec<(i32, Bytes)> {
    let mut out = Vec::new();
    for p in paths {
        let r = c.get_data(p, false).await;
        out.push((r.hdr.err, r.body));
    }
    out
}

fn create_op(path: &str, data: &[u8]) -> MultiOp {
    MultiOp::Create {
        op: OpCode::Create,
        req: CreateRequest {
            path: path.into(),
            data: Some(Bytes::copy_from_slice(data)),
            acl: open_acl(),
            flags: 0,
        },
    }
}

#[tokio::test]
async fn restart_keeps_every_acknowledged_write_with_its_stat() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    assert_eq!(c.create("/a", b"1", 0).await.hdr.err, 0);
    assert_eq!(c.create("/a/s-", b"seq", 2).await.hdr.err, 0);
    assert_eq!(c.set_data("/a", b"2", 0).await.hdr.err, 0);
    assert_eq!(c.create("/gone", b"", 0).await.hdr.err, 0);
    assert_eq!(c.delete("/gone", -1).await.hdr.err, 0);
    let r = c
        .call(Request::Multi(vec![
            create_op("/m", b"x"),
            create_op("/m/k", b"y"),
        ]))
        .await;
    assert_eq!(r.hdr.err, 0);
    let failed = c
        .call(Request::Multi(vec![
            create_op("/m2", b"x"),
            create_op("/a", b"dup"),
        ]))
        .await;
    assert_eq!(failed.hdr.err, 0, "failed multi answers in its results");
    let paths: Vec<String> = ["/", "/a", "/a/s-0000000000", "/gone", "/m", "/m/k", "/m2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let before = read_all(&mut c, &paths).await;
    let last = c.get_data("/a", false).await.hdr.zxid;
    drop(c);
    srv.stop().await;

    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    assert_eq!(read_all(&mut c, &paths).await, before, "same data and Stat");
    let r = c.create("/after", b"", 0).await;
    assert!(r.hdr.zxid > last, "zxids continue after the recovered ones");
    srv.stop().await;
}

#[tokio::test]
async fn restored_sessions_expire_unless_their_clients_reconnect_with_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(dir.path()).await;
    let connect = |id: i64, passwd: Bytes| ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        time_out: 1000,
        session_id: id,
        passwd: Some(passwd),
        read_only: Some(false),
    };
    let mut keep = RawClient::connect_with(srv.addr, connect(0, Bytes::from_static(&[0; 16])))
        .await
        .unwrap();
    let mut lose = RawClient::connect_with(srv.addr, connect(0, Bytes::from_static(&[0; 16])))
        .await
        .unwrap();
    assert_eq!(keep.create("/keep", b"", 1).await.hdr.err, 0);
    assert_eq!(lose.create("/lose", b"", 1).await.hdr.err, 0);
    let (id, passwd) = (keep.session_id, keep.passwd.clone());
    drop((keep, lose));
    srv.stop().await;

    let srv = start(dir.path()).await;
    let mut keep = RawClient::connect_with(srv.addr, connect(id, passwd.clone()))
        .await
        .expect("the restored session accepts its password");
    assert_eq!(keep.session_id, id);
    let mut other = RawClient::connect(srv.addr).await;
    assert_ne!(other.session_id, id, "new ids never repeat a restored one");
    assert_eq!(
        other.exists("/lose", false).await.hdr.err,
        0,
        "not expired yet"
    );
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        // Pings keep `keep` alive; `lose` has no client and expires after ~1 s.
        assert_eq!(keep.exists("/keep", false).await.hdr.err, 0);
        if other.exists("/lose", false).await.hdr.err != 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "/lose never expired");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let wrong = RawClient::connect_with(srv.addr, connect(id, Bytes::from_static(&[1; 16]))).await;
    assert!(wrong.is_none(), "a wrong password is refused");
    srv.stop().await;
}

/// Starts `try_serve` with a faulty log directory; returns the address and the server task.
async fn start_faulty(
    dir: &Path,
    fault: Fault,
    after: u64,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<Result<(), server::error::Error>>,
    tokio::sync::watch::Sender<bool>,
) {
    let mut p = persist(dir);
    let v2 = dir.join("version-2");
    std::fs::create_dir_all(&v2).unwrap();
    p.log_dir = Some(Arc::new(FaultyDir::new(
        FileDir::new(v2),
        Faults::new(fault, after),
    )));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut cfg = ServeConfig {
        core: Default::default(),
        max_client_cnxns: 60,
        max_buffer: 0xfffff,
        four_letter: server::net::four_letter::Whitelist::all(),
        server_info: Default::default(),
        persist: Some(p),
    };
    cfg.core.tick_time_ms = 100;
    let (stop, rx) = tokio::sync::watch::channel(false);
    (addr, tokio::spawn(try_serve(listener, cfg, rx)), stop)
}

async fn faulty_disk_stops_the_server(fault: Fault) {
    let dir = tempfile::tempdir().unwrap();
    // Sync (or write) 1 is the createSession, then one per create.
    let (addr, task, _stop) = start_faulty(dir.path(), fault, 4).await;
    let mut c = RawClient::connect(addr).await;
    let mut acked = Vec::new();
    for i in 0..10 {
        let path = format!("/n{i}");
        let xid = c
            .send(&Request::Create(CreateRequest {
                path: path.clone(),
                data: None,
                acl: open_acl(),
                flags: 0,
            }))
            .await;
        match tokio::time::timeout(DEADLINE, c.reply_for(xid)).await {
            Ok(Some(r)) if r.hdr.err == 0 => acked.push(path),
            Ok(_) => break,
            Err(_) => panic!("{fault:?}: neither a reply nor a closed connection"),
        }
    }
    assert_eq!(
        acked.len(),
        3,
        "{fault:?}: acknowledged until the disk failed"
    );
    let result = tokio::time::timeout(DEADLINE, task).await.unwrap().unwrap();
    assert!(
        result.is_err(),
        "{fault:?}: the server stopped with an error"
    );

    // Every acknowledged create is on disk.
    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    for p in &acked {
        assert_eq!(c.exists(p, false).await.hdr.err, 0, "{fault:?}: {p}");
    }
    srv.stop().await;
}

#[tokio::test]
async fn failing_fsync_stops_the_server_and_acknowledges_nothing_after_it() {
    faulty_disk_stops_the_server(Fault::SyncError).await;
}

#[tokio::test]
async fn a_full_disk_stops_the_server() {
    faulty_disk_stops_the_server(Fault::WriteError(28)).await;
}

#[tokio::test]
async fn a_short_write_stops_the_server() {
    faulty_disk_stops_the_server(Fault::ShortWrite).await;
}

#[tokio::test]
async fn pipelined_writes_share_fsyncs_and_all_survive() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    let mut xids = Vec::new();
    for i in 0..500 {
        xids.push(
            c.send(&Request::Create(CreateRequest {
                path: format!("/p{i}"),
                data: Some(Bytes::from(vec![b'x'; 100])),
                acl: open_acl(),
                flags: 0,
            }))
            .await,
        );
    }
    for xid in xids {
        assert_eq!(c.reply_for(xid).await.unwrap().hdr.err, 0);
    }
    drop(c);
    srv.stop().await;
    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    let r = c
        .call(Request::GetAllChildrenNumber(GetAllChildrenNumberRequest {
            path: "/".into(),
        }))
        .await;
    let n = GetAllChildrenNumberResponse::decode(&mut r.body.clone()).unwrap();
    assert_eq!(
        n.total_number,
        500 + 3,
        "500 nodes plus /zookeeper and its two children"
    );
    srv.stop().await;
}

#[tokio::test]
async fn background_snapshots_roll_the_log_and_recovery_starts_from_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let p = persist(dir.path());
    let start_small = |p: PersistConfig| {
        TestServer::start_with(move |cfg| {
            cfg.core.snap_count = 10;
            cfg.core.snap_seed = 7;
            cfg.persist = Some(p);
        })
    };
    let srv = start_small(p.clone()).await;
    let mut c = RawClient::connect(srv.addr).await;
    // Pipelined, so snapshots are walked while txns keep being applied.
    let mut xids = Vec::new();
    for i in 0..300 {
        let req = if i % 3 == 2 {
            Request::SetData(SetDataRequest {
                path: format!("/n{}", i - 1),
                data: Some(Bytes::from(format!("v{i}"))),
                version: -1,
            })
        } else {
            Request::Create(CreateRequest {
                path: format!("/n{i}"),
                data: Some(Bytes::from(format!("d{i}"))),
                acl: open_acl(),
                flags: 0,
            })
        };
        xids.push(c.send(&req).await);
    }
    for xid in xids {
        assert_eq!(c.reply_for(xid).await.unwrap().hdr.err, 0);
    }
    let paths: Vec<String> = (0..300)
        .filter(|i| i % 3 != 2)
        .map(|i| format!("/n{i}"))
        .collect();
    let before = read_all(&mut c, &paths).await;
    drop(c);
    srv.stop().await;
    let v2 = dir.path().join("version-2");
    let count = |prefix: &str| {
        std::fs::read_dir(&v2)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(prefix)
            })
            .count()
    };
    // A roll every 5..10 txns; a snapshot per roll unless one is still running ("Too busy
    // to snap"), plus the startup snapshot.
    assert!(
        count("log.") >= 30,
        "a log file per roll: {}",
        count("log.")
    );
    assert!(count("snapshot.") >= 2, "snapshots: {}", count("snapshot."));

    let srv = start_small(p).await;
    let mut c = RawClient::connect(srv.addr).await;
    assert_eq!(read_all(&mut c, &paths).await, before);
    srv.stop().await;
}

#[tokio::test]
async fn autopurge_keeps_the_newest_snapshots_and_the_logs_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = persist(dir.path());
    p.autopurge = Some((3, std::time::Duration::from_secs(3600)));
    for round in 0..6 {
        // Every start writes a snapshot; the purge runs at start, as DatadirCleanupManager's.
        let p = p.clone();
        let srv = TestServer::start_with(move |cfg| cfg.persist = Some(p)).await;
        let mut c = RawClient::connect(srv.addr).await;
        assert_eq!(c.create(&format!("/r{round}"), b"", 0).await.hdr.err, 0);
        drop(c);
        srv.stop().await;
    }
    let v2 = dir.path().join("version-2");
    let names = |prefix: &str| -> Vec<String> {
        std::fs::read_dir(&v2)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(prefix))
            .collect()
    };
    // The last start purged down to 3 snapshots. Its own startup snapshot is written in the
    // background after that purge (as ZooKeeper's purge timer fires at start while the
    // database loads), so it may be a fourth; six starts without the purge leave six or more.
    let snaps = names("snapshot.");
    assert!((3..=4).contains(&snaps.len()), "{snaps:?}");
    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    for round in 0..6 {
        assert_eq!(c.exists(&format!("/r{round}"), false).await.hdr.err, 0);
    }
    srv.stop().await;
}

#[tokio::test]
async fn a_zxid_skipped_by_a_null_path_multi_leaves_a_gap_that_recovery_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    let first = c.create("/a", b"1", 0).await.hdr.zxid;
    // multi [delete <null path>]: MARSHALLINGERROR, no txn, one zxid used up (K2).
    let mut body = Vec::new();
    RequestHeader {
        xid: 50,
        r#type: OpCode::Multi.as_i32(),
    }
    .encode(&mut body);
    for chunk in [
        &OpCode::Delete.as_i32().to_be_bytes()[..],
        &[0],
        &[0xFF; 4],
        &[0xFF; 4],
        &[0xFF; 4],
        &[0xFF, 0xFF, 0xFF, 0xFF, 1, 0xFF, 0xFF, 0xFF, 0xFF],
    ] {
        body.extend_from_slice(chunk);
    }
    c.send_frame(&body).await;
    let r = c.reply_for(50).await.expect("reply");
    assert_eq!(r.hdr.err, jute_codec::ErrorCode::MarshallingError.as_i32());
    let after = c.create("/b", b"2", 0).await.hdr.zxid;
    assert_eq!(after, first + 2);
    drop(c);
    srv.stop().await;

    let srv = start(dir.path()).await;
    let mut c = RawClient::connect(srv.addr).await;
    let paths = ["/a".to_owned(), "/b".to_owned()];
    let got = read_all(&mut c, &paths).await;
    assert!(got.iter().all(|(err, _)| *err == 0), "both creates survive");
    // The new session's createSession, then the create.
    assert_eq!(c.create("/c", b"", 0).await.hdr.zxid, after + 2);
    srv.stop().await;
}
