//! The kill -9 crash test: a client streams pipelined writes, recording every one the
//! server acknowledged, while the `zkrs` binary is killed with SIGKILL at random moments.
//! After every restart every acknowledged write is present, and no write appears half
//! applied: each write is a multi creating `/w/<id>` and `/x/<id>` together, so the two
//! sets of children must always be equal.
//!
//! `ZKRS_CRASH_CYCLES` sets the number of kill/restart cycles (default 200);
//! `ZKRS_CRASH_SEED` fixes the random schedule (printed on failure).

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use jute_codec::records::*;
use jute_codec::request::{MultiOp, Request};
use jute_codec::{OpCode, Record};

/// SplitMix64: the schedule is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(cfg: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkrs"))
        .arg(cfg)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .env("RUST_LOG", "warn,server::runtime=info")
        .spawn()
        .expect("spawn zkrs");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("binding to port ").nth(1) {
                let port = rest
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.trim().parse::<u16>().ok());
                let _ = tx.send(Ok(port));
            } else if line.contains("ERROR") {
                eprintln!("zkrs: {line}");
                let _ = tx.send(Err(line));
            } else if line.contains("WARN") {
                // Shown when the test fails (torn tails cut off, unfinished snapshots).
                eprintln!("zkrs: {line}");
            }
        }
    });
    let port = match rx.recv_timeout(DEADLINE) {
        Ok(Ok(Some(p))) => p,
        other => panic!("zkrs did not start: {other:?}"),
    };
    Server { child, port }
}

fn multi(id: u64) -> Request {
    let create = |path: String| MultiOp::Create {
        op: OpCode::Create,
        req: CreateRequest {
            path,
            data: Some(Bytes::from(id.to_string())),
            acl: open_acl(),
            flags: 0,
        },
    };
    Request::Multi(vec![
        create(format!("/w/{id}")),
        MultiOp::SetData(SetDataRequest {
            path: "/last".into(),
            data: Some(Bytes::from(id.to_string())),
            version: -1,
        }),
        create(format!("/x/{id}")),
    ])
}

async fn children(c: &mut RawClient, path: &str) -> BTreeSet<u64> {
    let r = c
        .call(Request::GetChildren(GetChildrenRequest {
            path: path.into(),
            watch: false,
        }))
        .await;
    assert_eq!(r.hdr.err, 0, "getChildren {path}");
    GetChildrenResponse::decode(&mut r.body.clone())
        .expect("children")
        .children
        .iter()
        .map(|s| s.parse().expect("numeric child"))
        .collect()
}

/// Connects, retrying while the server is still recovering.
async fn connect(port: u16) -> RawClient {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let addr = ([127, 0, 0, 1], port).into();
        if let Ok(Ok(c)) = tokio::time::timeout(Duration::from_secs(5), async {
            tokio::net::TcpStream::connect(addr).await?;
            Ok::<_, std::io::Error>(RawClient::connect(addr).await)
        })
        .await
        {
            return c;
        }
        assert!(Instant::now() < deadline, "cannot connect to zkrs");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sends `ids` pipelined (a window at a time), noting each (xid, id) in `sent` before it
/// goes out, and records each acknowledged id in `acked`.
async fn stream(
    c: &mut RawClient,
    ids: &[u64],
    window: usize,
    sent: &mut Vec<(i32, u64)>,
    acked: &mut Vec<u64>,
) {
    for chunk in ids.chunks(window) {
        let mut xids = Vec::new();
        for id in chunk {
            let req = multi(*id);
            // The xid `send` will use.
            sent.push((c.peek_next_xid(), *id));
            xids.push((c.send(&req).await, *id));
        }
        for (xid, id) in xids {
            match c.reply_for(xid).await {
                Some(r) if r.hdr.err == 0 => acked.push(id),
                Some(r) => panic!("write {id} failed with {}", r.hdr.err),
                None => return,
            }
        }
    }
}

#[tokio::test]
async fn kill_9_at_random_moments_loses_no_acknowledged_write() {
    let cycles: u64 = std::env::var("ZKRS_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("ZKRS_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test: {cycles} cycles, ZKRS_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("zoo.cfg");
    // snapCount=40: log rolls and background snapshots happen all the time, so kills land
    // in the middle of them too.
    std::fs::write(
        &cfg,
        format!(
            "tickTime=100\nmaxSessionTimeout=2000\ndataDir={}\nclientPort=0\n\
             clientPortAddress=127.0.0.1\nsnapCount=40\npreAllocSize=1024\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();

    let started = Instant::now();
    let mut acked_total: BTreeSet<u64> = BTreeSet::new();
    let mut sent_total = 0usize;
    for cycle in 0..cycles {
        let mut srv = start(&cfg);
        let mut c = connect(srv.port).await;
        if cycle == 0 {
            for p in ["/w", "/x"] {
                assert_eq!(c.create(p, b"", 0).await.hdr.err, 0);
            }
            assert_eq!(c.create("/last", b"", 0).await.hdr.err, 0);
        }
        let w = children(&mut c, "/w").await;
        let x = children(&mut c, "/x").await;
        assert_eq!(
            w,
            x,
            "cycle {cycle} (seed {seed}): a multi was half applied: {:?}",
            w.symmetric_difference(&x).collect::<Vec<_>>()
        );
        let missing: Vec<&u64> = acked_total.difference(&w).collect();
        assert!(
            missing.is_empty(),
            "cycle {cycle} (seed {seed}): acknowledged writes lost: {missing:?}"
        );

        // Stream writes; kill the server at a random moment while they flow.
        let n = 20 + rng.below(200);
        let ids: Vec<u64> = (0..n).map(|i| cycle * 1000 + i).collect();
        sent_total += ids.len();
        let window = 1 + rng.below(64) as usize;
        let kill_after = Duration::from_micros(rng.below(60_000));
        let mut acked = Vec::new();
        let mut sent = Vec::new();
        tokio::select! {
            _ = stream(&mut c, &ids, window, &mut sent, &mut acked) => {}
            _ = tokio::time::sleep(kill_after) => {}
        }
        srv.child.kill().expect("SIGKILL");
        let _ = srv.child.wait();
        // Replies the server sent before it died count as acknowledged too.
        while let Some(frame) = tokio::time::timeout(DEADLINE, c.read_frame())
            .await
            .expect("EOF after the kill")
        {
            let hdr = ReplyHeader::decode(&mut frame.clone()).expect("reply header");
            if hdr.err == 0 {
                if let Some((_, id)) = sent.iter().find(|(x, _)| *x == hdr.xid) {
                    acked.push(*id);
                }
            }
        }
        acked_total.extend(acked);
        drop(srv);
    }
    // A last restart to check the final state.
    let srv = start(&cfg);
    let mut c = connect(srv.port).await;
    let w = children(&mut c, "/w").await;
    assert_eq!(w, children(&mut c, "/x").await);
    assert!(acked_total.is_subset(&w));
    eprintln!(
        "crash test: {cycles} kill -9 cycles in {:.1}s: {sent_total} writes sent, {} \
         acknowledged and all present, {} more applied (whole) without an acknowledgement",
        started.elapsed().as_secs_f64(),
        acked_total.len(),
        w.len() - acked_total.len()
    );
}
