//! Our snapshots read by Apache ZooKeeper 3.8.0 itself (Debian's jars in /usr/share/java,
//! which compat-tests/setup.sh installs). Skipped, with a message, when `java` or the jars
//! are missing.
//!
//! - ZooKeeper's `SnapshotFormatter` prints our snapshot (uncompressed, gz, snappy) of the
//!   golden tree exactly as it printed ZooKeeper's own snapshot of that tree.
//! - A ZooKeeper server started on a dataDir holding only our snapshot serves every node with
//!   our data, Stat and ACL, accepts our digest (and counts a mismatch when we break it on
//!   purpose), and its own start-up snapshot reads back into the same tree.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::RawClient;
use datatree::java_set::JavaHashSet;
use datatree::snapshot::{FuzzySnapshot, WriteOptions};
use datatree::{DataTree, TreeConfig};
use jute_codec::records::*;
use jute_codec::request::Request;
use jute_codec::txn_body::TxnBody;
use jute_codec::{OpCode, Record};
use server::persist::snapshot::{self as snap, Compression};

const CONFIG: TreeConfig = TreeConfig {
    extended_types_enabled: true,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots/zk-3.8.0")
}

/// The reference server's classpath, or why it is unavailable.
fn classpath() -> Result<String, String> {
    let ok = Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        return Err("no `java` on PATH".into());
    }
    let list = fs::read_to_string(repo().join("compat-tests/lib/reference-jars.txt"))
        .map_err(|e| format!("compat-tests/lib/reference-jars.txt: {e}"))?;
    let mut jars = Vec::new();
    for name in list.lines().map(str::trim) {
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        let jar = format!("/usr/share/java/{name}.jar");
        if !Path::new(&jar).exists() {
            return Err(format!("{jar} is missing"));
        }
        jars.push(jar);
    }
    Ok(jars.join(":"))
}

macro_rules! require_zookeeper {
    () => {
        match classpath() {
            Ok(cp) => cp,
            Err(why) => {
                eprintln!(
                    "SKIPPED: Apache ZooKeeper 3.8.0 is not available ({why}); \
                     run compat-tests/setup.sh to install it"
                );
                return;
            }
        }
    };
}

fn log4j(dir: &Path) -> String {
    let path = dir.join("log4j.properties");
    fs::write(
        &path,
        "log4j.rootLogger=INFO, F\n\
         log4j.appender.F=org.apache.log4j.ConsoleAppender\n\
         log4j.appender.F.Target=System.err\n\
         log4j.appender.F.layout=org.apache.log4j.PatternLayout\n\
         log4j.appender.F.layout.ConversionPattern=%d{ISO8601} %-5p %c{1} - %m%n\n",
    )
    .expect("log4j.properties");
    format!("-Dlog4j.configuration=file:{}", path.display())
}

/// The golden tree: ZooKeeper's own clean snapshot of the fixture workload.
fn golden() -> datatree::snapshot::LoadedSnapshot {
    let dir = fixtures().join("clean");
    let file = fs::read_dir(&dir)
        .expect("clean dir")
        .map(|e| e.expect("entry").path())
        .find(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            n.starts_with("snapshot.") && Compression::from_file_name(n) == Compression::None
        })
        .expect("clean snapshot");
    snap::read_file(&file, CONFIG).expect("golden loads")
}

/// SnapshotFormatter's output, normalised: the node blocks and session lines sorted (both
/// come out in hash order), the other lines as they are.
fn formatter_view(text: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut nodes = Vec::new();
    let mut sessions = Vec::new();
    let mut other = Vec::new();
    for block in text.split("----\n") {
        if block.starts_with('/') {
            nodes.push(block.to_owned());
            continue;
        }
        for line in block.lines() {
            if line.starts_with("0x") {
                sessions.push(line.to_owned());
            } else {
                other.push(line.to_owned());
            }
        }
    }
    nodes.sort();
    sessions.sort();
    (nodes, sessions, other)
}

#[test]
fn snapshot_formatter_prints_our_snapshot_as_it_printed_zookeepers() {
    let cp = require_zookeeper!();
    let golden = golden();
    let want = fs::read_to_string(fixtures().join("formatter.txt")).expect("formatter.txt");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = log4j(dir.path());
    let image = FuzzySnapshot::new(
        &golden.tree,
        golden.sessions.clone(),
        WriteOptions::default(),
    )
    .finish(&golden.tree);
    for compression in [Compression::None, Compression::Gzip, Compression::Snappy] {
        let path = snap::write(dir.path(), &image, compression).expect("write");
        let out = Command::new("java")
            .env("TZ", "UTC")
            .args(["-cp", &cp, &log])
            .arg("org.apache.zookeeper.server.SnapshotFormatter")
            .arg("-d")
            .arg(&path)
            .output()
            .expect("run SnapshotFormatter");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{path:?}: {stderr}");
        let got = String::from_utf8(out.stdout).expect("utf8");
        assert_eq!(
            formatter_view(&got),
            formatter_view(&want),
            "{path:?}: SnapshotFormatter output differs"
        );
    }
}

/// A tree for ZooKeeper to serve: the golden one plus changes made by our own apply (a new
/// ACL list, a TTL node, a container, an ephemeral of a snapshot session, a setACL, deletes).
fn extended_tree() -> (DataTree, Vec<(i64, i32)>) {
    let golden = golden();
    let mut tree = golden.tree;
    let sessions: Vec<(i64, i32)> = golden.sessions.into_iter().collect();
    let owner = sessions[0].0;
    let mut zxid = tree.last_processed_zxid();
    let mut apply = |tree: &mut DataTree, client: i64, op: OpCode, body: TxnBody| {
        zxid += 1;
        let hdr = TxnHeader {
            client_id: client,
            cxid: 1,
            zxid,
            time: 1_700_000_000_000 + zxid,
            r#type: op.as_i32(),
        };
        let out = tree.apply(&hdr, &body);
        assert_eq!(out.result.err, 0, "{op:?}");
    };
    let pcv = |tree: &DataTree, parent: &str| tree.node(parent).expect("parent").stat.cversion + 1;
    let fresh_acl = vec![
        Acl {
            perms: datatree::acl::READ | datatree::acl::CREATE,
            id: Id {
                scheme: "ip".into(),
                id: "192.168.0.0/16".into(),
            },
        },
        Acl {
            perms: datatree::acl::ALL,
            id: Id {
                scheme: "digest".into(),
                id: datatree::acl::generate_digest("zkrs:pw"),
            },
        },
    ];
    let c = pcv(&tree, "/");
    apply(
        &mut tree,
        1,
        OpCode::Create2,
        TxnBody::Create(CreateTxn {
            path: "/from-zkrs".into(),
            data: Some(Bytes::from_static(b"written by zkrs")),
            acl: fresh_acl.clone(),
            ephemeral: false,
            parent_c_version: c,
        }),
    );
    let c = pcv(&tree, "/from-zkrs");
    apply(
        &mut tree,
        1,
        OpCode::CreateTtl,
        TxnBody::CreateTtl(CreateTtlTxn {
            path: "/from-zkrs/ttl".into(),
            data: None,
            acl: datatree::acl::open_acl_unsafe(),
            parent_c_version: c,
            ttl: 123_456,
        }),
    );
    let c = pcv(&tree, "/from-zkrs");
    apply(
        &mut tree,
        1,
        OpCode::CreateContainer,
        TxnBody::CreateContainer(CreateContainerTxn {
            path: "/from-zkrs/cont".into(),
            data: Some(Bytes::new()),
            acl: datatree::acl::open_acl_unsafe(),
            parent_c_version: c,
        }),
    );
    let c = pcv(&tree, "/from-zkrs/cont");
    apply(
        &mut tree,
        owner,
        OpCode::Create,
        TxnBody::Create(CreateTxn {
            path: "/from-zkrs/cont/eph".into(),
            data: Some(Bytes::from_static(b"e")),
            acl: fresh_acl,
            ephemeral: true,
            parent_c_version: c,
        }),
    );
    let v = tree.node("/app").expect("/app").stat.aversion + 1;
    apply(
        &mut tree,
        1,
        OpCode::SetAcl,
        TxnBody::SetAcl(SetAclTxn {
            path: "/app".into(),
            acl: datatree::acl::read_acl_unsafe(),
            version: v,
        }),
    );
    apply(
        &mut tree,
        1,
        OpCode::Delete,
        TxnBody::Delete(DeleteTxn {
            path: "/multi/a".into(),
        }),
    );
    (tree, sessions)
}

/// A ZooKeeper 3.8.0 server on a free port; killed when dropped.
struct ZkServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl ZkServer {
    fn start(cp: &str, data_dir: &Path, work: &Path) -> ZkServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cfg = work.join("zoo.cfg");
        fs::write(
            &cfg,
            format!(
                "tickTime=2000\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
                 maxSessionTimeout=600000\nadmin.enableServer=false\n\
                 4lw.commands.whitelist=*\n",
                data_dir.display()
            ),
        )
        .expect("zoo.cfg");
        let log = work.join("server.log");
        let log_file = fs::File::create(&log).expect("server.log");
        let child = Command::new("java")
            .args(["-cp", cp, &log4j(work)])
            .arg("-Dzookeeper.extendedTypesEnabled=true")
            .arg("-Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=")
            .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
            .arg(&cfg)
            .stdout(log_file.try_clone().expect("log fd"))
            .stderr(log_file)
            .spawn()
            .expect("start ZooKeeper");
        let zk = ZkServer { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        // ZooKeeper answers ruok before it has loaded its database; it logs "Snapshot taken"
        // once it has loaded it and written its start-up snapshot.
        while !zk.log_text().contains("Snapshot taken") {
            assert!(
                Instant::now() < deadline,
                "ZooKeeper did not start:\n{}",
                zk.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        zk
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// A four-letter word's answer.
    fn four_letter(&self, word: &str) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(self.addr()).expect("connect");
        s.write_all(word.as_bytes()).expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    }
}

impl Drop for ZkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects (ZooKeeper refuses sessions until it is fully up) and authenticates as super.
async fn super_client(addr: std::net::SocketAddr) -> RawClient {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut c = loop {
        let req = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            time_out: 30000,
            session_id: 0,
            passwd: Some(Bytes::from_static(&[0; 16])),
            read_only: Some(false),
        };
        if let Some(c) = RawClient::connect_with(addr, req).await {
            break c;
        }
        assert!(Instant::now() < deadline, "no session from ZooKeeper");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let auth = Request::Auth(AuthPacket {
        r#type: 0,
        scheme: "digest".into(),
        auth: Some(Bytes::from_static(b"super:test")),
    });
    c.send_with_xid(-4, OpCode::Auth.as_i32(), &auth).await;
    let reply = c.reply_for(-4).await.expect("auth reply");
    assert_eq!(reply.hdr.err, 0, "super auth");
    c
}

/// Reads every node from a server and compares data, Stat and ACL with `tree`'s.
async fn assert_served(c: &mut RawClient, tree: &DataTree) {
    let mut todo = vec!["/".to_owned()];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        seen += 1;
        let r = c
            .call(Request::GetData(GetDataRequest {
                path: path.clone(),
                watch: false,
            }))
            .await;
        assert_eq!(r.hdr.err, 0, "getData {path}");
        let got = GetDataResponse::decode(&mut r.body.clone()).expect("getData reply");
        let n = tree
            .node(&path)
            .unwrap_or_else(|| panic!("ZooKeeper has {path}, we do not"));
        assert_eq!(got.data.as_deref(), n.data.as_deref(), "data of {path}");
        assert_eq!(Some(got.stat), tree.stat(&path), "Stat of {path}");
        let r = c
            .call(Request::GetAcl(GetAclRequest { path: path.clone() }))
            .await;
        let acl = GetAclResponse::decode(&mut r.body.clone()).expect("getACL reply");
        assert_eq!(acl.acl, *n.acl, "ACL of {path}");
        let r = c
            .call(Request::GetChildren(GetChildrenRequest {
                path: path.clone(),
                watch: false,
            }))
            .await;
        let kids = GetChildrenResponse::decode(&mut r.body.clone()).expect("children reply");
        // ZooKeeper added them in our file's order (our Java order) to a fresh HashSet.
        let mut reloaded = JavaHashSet::for_children();
        for k in n.children.java_order() {
            reloaded.insert(k);
        }
        let kids = kids.children;
        assert_eq!(kids, reloaded.to_java_vec(), "children of {path}, in order");
        for k in kids {
            todo.push(if path == "/" {
                format!("/{k}")
            } else {
                format!("{path}/{k}")
            });
        }
    }
    assert_eq!(seen + 1, tree.node_count(), "node count");
}

fn mntr_value(zk: &ZkServer, key: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut mntr = zk.four_letter("mntr");
    while mntr.contains("not currently serving") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        mntr = zk.four_letter("mntr");
    }
    mntr.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('\t').map(str::to_owned))
        .unwrap_or_else(|| panic!("{key} not in mntr:\n{mntr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeeper_serves_the_tree_of_our_snapshot_and_accepts_its_digest() {
    let cp = require_zookeeper!();
    let (tree, sessions) = extended_tree();
    let work = tempfile::tempdir().expect("tempdir");
    let data_dir = work.path().join("data");
    let snap_dir = snap::snapshot_dir(&data_dir);
    let image = FuzzySnapshot::new(&tree, sessions.clone(), WriteOptions::default()).finish(&tree);
    let ours = snap::write(&snap_dir, &image, Compression::Snappy).expect("write");

    let zk = ZkServer::start(&cp, &data_dir, work.path());
    let mut c = super_client(zk.addr()).await;
    assert_served(&mut c, &tree).await;
    let log = zk.log_text();
    assert!(!log.contains("problem reading snap file"), "{log}");
    assert!(
        log.contains(&format!(
            "with zxid as 0x{:x}, and digest value as {}",
            image.zxid(),
            tree.digest()
        )),
        "ZooKeeper did not read our digest:\n{log}"
    );
    assert_eq!(mntr_value(&zk, "zk_digest_mismatches_count"), "0");
    assert!(!log.contains("Digests are not matching"), "{log}");
    drop(c);
    drop(zk);

    // ZooKeeper's own start-up snapshot of the tree it loaded reads back into our tree.
    let theirs = snap_dir.join(snap::file_name(image.zxid(), Compression::None));
    let back = snap::read_file(&theirs, CONFIG).expect("ZooKeeper's snapshot loads");
    assert_eq!(back.tree.digest(), tree.digest());
    assert_eq!(back.tree.node_count(), tree.node_count());
    assert_eq!(back.sessions, sessions.into_iter().collect());
    assert!(ours.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeeper_counts_a_digest_mismatch_when_our_digest_is_wrong() {
    let cp = require_zookeeper!();
    let (tree, _) = extended_tree();
    let work = tempfile::tempdir().expect("tempdir");
    let data_dir = work.path().join("data");
    let snap_dir = snap::snapshot_dir(&data_dir);
    let image = FuzzySnapshot::new(&tree, [], WriteOptions::default()).finish(&tree);
    // Break the digest value and re-seal, so only the digest is wrong.
    let mut b = image.to_vec();
    let seal2 = b.len() - 13;
    let digest_at = seal2 - 8;
    b[digest_at + 7] ^= 1;
    let mut a = adler2::Adler32::new();
    a.write_slice(&b[..seal2]);
    b[seal2..seal2 + 8].copy_from_slice(&i64::from(a.checksum()).to_be_bytes());
    fs::create_dir_all(&snap_dir).expect("dir");
    fs::write(
        snap_dir.join(snap::file_name(image.zxid(), Compression::None)),
        &b,
    )
    .expect("write");

    let zk = ZkServer::start(&cp, &data_dir, work.path());
    assert_eq!(mntr_value(&zk, "zk_digest_mismatches_count"), "1");
}
