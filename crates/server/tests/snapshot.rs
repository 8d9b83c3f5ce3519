//! Snapshot files against Apache ZooKeeper 3.8.0's own (fixtures/snapshots/zk-3.8.0, made by
//! fixtures/snapshots/generate.sh): byte-identical empty snapshot, every node of a real
//! snapshot (uncompressed, gz and snappy) equal to what a ZooKeeper client read from that
//! server, fuzzy real snapshots + ZooKeeper's own txn logs replayed to the final tree with
//! every logged digest reproduced, and our files: compression round trips, the validity
//! pre-check, choosing the newest valid snapshot, atomic writes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::{Buf, Bytes};
use datatree::snapshot::{DigestCheck, FuzzySnapshot, LoadedSnapshot, WriteOptions};
use datatree::{DataTree, TreeConfig};
use jute_codec::records::{Acl, FileHeader, Stat};
use jute_codec::txn_body::{TxnBody, TxnEntry};
use jute_codec::Record;
use server::persist::snapshot::{self as snap, Compression};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots/zk-3.8.0")
}

/// The fixture server ran with extended types on (TTL nodes).
const CONFIG: TreeConfig = TreeConfig {
    extended_types_enabled: true,
};

/// `snapshot.*` files of a fixture directory, by name.
fn snapshots_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snapshot."))
        })
        .collect();
    v.sort();
    v
}

/// One line of dump.txt: what ZooKeeper's client API returned for a node.
#[derive(Debug)]
struct Dumped {
    data: Option<Vec<u8>>,
    stat: Stat,
    acl: Vec<Acl>,
}

fn parse_dump() -> BTreeMap<String, Dumped> {
    let text = fs::read_to_string(fixtures().join("dump.txt")).expect("dump.txt");
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "dump line {line:?}");
        let data = if f[1] == "null" {
            None
        } else {
            Some(b64.decode(f[1]).expect("base64"))
        };
        let n: Vec<i64> = f[2].split(',').map(|x| x.parse().expect("int")).collect();
        let stat = Stat {
            czxid: n[0],
            mzxid: n[1],
            ctime: n[2],
            mtime: n[3],
            version: n[4] as i32,
            cversion: n[5] as i32,
            aversion: n[6] as i32,
            ephemeral_owner: n[7],
            data_length: n[8] as i32,
            num_children: n[9] as i32,
            pzxid: n[10],
        };
        let acl = f[3]
            .split(';')
            .map(|a| {
                let mut parts = a.splitn(3, ':');
                let perms = parts.next().expect("perms").parse().expect("perms");
                let scheme = parts.next().expect("scheme").to_owned();
                let id = parts.next().expect("id").to_owned();
                Acl {
                    perms,
                    id: jute_codec::records::Id { scheme, id },
                }
            })
            .collect();
        out.insert(f[0].to_owned(), Dumped { data, stat, acl });
    }
    out
}

/// Every path of a tree.
fn paths(tree: &DataTree) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec!["/".to_owned()];
    while let Some(p) = stack.pop() {
        let n = tree.node(&p).expect("listed");
        for c in n.children.iter_sorted() {
            stack.push(if p == "/" {
                format!("/{c}")
            } else {
                format!("{p}/{c}")
            });
        }
        out.push(p);
    }
    out.sort();
    out
}

/// Asserts `tree` serves exactly what the ZooKeeper client read.
fn assert_matches_dump(tree: &DataTree, what: &str) {
    let dump = parse_dump();
    assert_eq!(
        paths(tree),
        dump.keys().cloned().collect::<Vec<_>>(),
        "{what}: paths"
    );
    for (path, want) in &dump {
        let n = tree.node(path).expect("exists");
        let data = n.data.as_ref().map(|d| d.to_vec());
        // ZooKeeper's client shows the root's and /zookeeper's empty data as empty, and
        // null data as null: they must stay distinct.
        assert_eq!(data, want.data, "{what}: data of {path}");
        assert_eq!(tree.stat(path), Some(want.stat), "{what}: stat of {path}");
        assert_eq!(*n.acl, want.acl, "{what}: ACL of {path}");
    }
}

/// The stored fields SnapshotFormatter printed (stored cversion and ephemeralOwner, which
/// a client cannot see for containers and TTL nodes) and its session list.
fn assert_matches_formatter(loaded: &LoadedSnapshot) {
    let text = fs::read_to_string(fixtures().join("formatter.txt")).expect("formatter.txt");
    let mut blocks = 0;
    for block in text.split("----\n").skip(1) {
        let mut lines = block.lines();
        let Some(path) = lines.next() else { continue };
        if !path.starts_with('/') {
            continue;
        }
        blocks += 1;
        let fields: BTreeMap<&str, &str> =
            lines.filter_map(|l| l.trim().split_once(" = ")).collect();
        let hex = |k: &str| u64::from_str_radix(&fields[k][2..], 16).expect("hex") as i64;
        let int = |k: &str| fields[k].parse::<i32>().expect("int");
        let n = loaded.tree.node(path).expect(path);
        let s = n.stat;
        assert_eq!(s.czxid, hex("cZxid"), "{path}");
        assert_eq!(s.mzxid, hex("mZxid"), "{path}");
        assert_eq!(s.pzxid, hex("pZxid"), "{path}");
        assert_eq!(s.cversion, int("cversion"), "{path}");
        assert_eq!(s.version, int("dataVersion"), "{path}");
        assert_eq!(s.aversion, int("aclVersion"), "{path}");
        assert_eq!(s.ephemeral_owner, hex("ephemeralOwner"), "{path}");
    }
    // SnapshotFormatter counts "" and "/" separately and prints the root once.
    assert_eq!(blocks + 1, loaded.tree.node_count());
    let sessions: BTreeMap<i64, i32> = text
        .lines()
        .skip_while(|l| !l.starts_with("Session Details"))
        .skip(1)
        .take_while(|l| l.starts_with("0x"))
        .map(|l| {
            let f: Vec<&str> = l.split(", ").collect();
            (
                i64::from_str_radix(&f[0][2..], 16).expect("sid"),
                f[1].parse().expect("timeout"),
            )
        })
        .collect();
    assert_eq!(loaded.sessions, sessions);
}

#[test]
fn zookeepers_empty_database_snapshot_is_byte_identical_to_ours() {
    let theirs = fs::read(fixtures().join("empty/snapshot.0")).expect("snapshot.0");
    let tree = DataTree::new();
    let ours = FuzzySnapshot::new(&tree, [], WriteOptions::default())
        .finish(&tree)
        .to_vec();
    assert_eq!(ours, theirs);
}

#[test]
fn zookeepers_clean_snapshots_load_with_every_node_as_its_clients_saw_it() {
    let files = snapshots_in(&fixtures().join("clean"));
    let kinds: Vec<Compression> = files
        .iter()
        .map(|p| Compression::from_file_name(p.file_name().and_then(|n| n.to_str()).unwrap()))
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(kinds.contains(&Compression::None));
    assert!(kinds.contains(&Compression::Gzip));
    assert!(kinds.contains(&Compression::Snappy));
    for file in files {
        assert!(
            snap::is_valid_snapshot(&file).expect("pre-check"),
            "{file:?}"
        );
        let loaded = snap::read_file(&file, CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let what = file.display().to_string();
        assert_matches_dump(&loaded.tree, &what);
        assert_matches_formatter(&loaded);
        assert!(loaded.dangling_acl_paths.is_empty());
        // The first restart replayed the log, so its snapshot carries the digest of its own
        // zxid; later restarts loaded a snapshot without replay and write the empty digest.
        match loaded.digest_check {
            DigestCheck::Matched | DigestCheck::None => {}
            other => panic!("{what}: digest {other:?}"),
        }
        if Compression::from_file_name(&what) == Compression::None {
            assert_eq!(loaded.digest_check, DigestCheck::Matched, "{what}");
        }
        assert_eq!(loaded.last_zxid, None);
    }
}

/// Log entries of ZooKeeper's txn log files (`FileTxnLog`): header, then (checksum, length,
/// payload, 'B') until a zero length or the end.
fn read_log(path: &Path) -> Vec<TxnEntry> {
    let mut b = Bytes::from(fs::read(path).expect("log"));
    let hdr = FileHeader::decode(&mut b).expect("log header");
    assert_eq!(hdr.magic, 0x5A4B_4C47, "ZKLG");
    let mut out = Vec::new();
    while b.remaining() >= 12 {
        let crc = b.get_i64();
        let len = b.get_i32() as usize;
        if len == 0 {
            break;
        }
        let payload = b.split_to(len);
        assert_eq!(b.get_u8(), b'B', "end of record");
        let mut a = adler2::Adler32::new();
        a.write_slice(&payload);
        assert_eq!(crc, i64::from(a.checksum()), "entry checksum");
        out.push(TxnEntry::decode(&mut payload.clone()).expect("entry"));
    }
    out
}

fn fuzzy_log() -> Vec<TxnEntry> {
    let dir = fixtures().join("fuzzy");
    let mut logs: Vec<(i64, PathBuf)> = fs::read_dir(&dir)
        .expect("fuzzy dir")
        .map(|e| e.expect("entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let z = snap::zxid_from_name(&name, "log");
            (z != -1).then_some((z, p))
        })
        .collect();
    logs.sort();
    logs.iter().flat_map(|(_, p)| read_log(p)).collect()
}

#[test]
fn zookeepers_fuzzy_snapshots_plus_its_logs_replay_to_the_final_tree_digest_by_digest() {
    let log = fuzzy_log();
    assert!(log.len() > 50, "{} txns", log.len());
    let clean = snap::read_file(
        &snapshots_in(&fixtures().join("clean"))
            .into_iter()
            .find(|p| Compression::from_file_name(p.to_str().unwrap()) == Compression::None)
            .expect("clean snapshot"),
        CONFIG,
    )
    .expect("clean loads");
    let snapshots = snapshots_in(&fixtures().join("fuzzy"));
    assert!(snapshots.len() >= 2, "{snapshots:?}");
    for file in snapshots {
        let mut loaded = snap::read_file(&file, CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let start = loaded.tree.last_processed_zxid();
        // While the tree is fuzzy (before the snapshot's digest zxid), ZooKeeper does not
        // compare digests; after it, every logged digest must be reproduced.
        let mut fuzzy_until = match loaded.digest_check {
            DigestCheck::Pending(d) => d.zxid,
            DigestCheck::Matched | DigestCheck::None => start,
            DigestCheck::Mismatch { expected, actual } => {
                panic!("{file:?}: digest {expected:#x} != {actual:#x}")
            }
        };
        let mut compared = 0;
        for e in log.iter().filter(|e| e.hdr.zxid > start) {
            match &e.body {
                TxnBody::CreateSession(t) => {
                    loaded.sessions.insert(e.hdr.client_id, t.time_out);
                }
                TxnBody::CloseSession(_) => {
                    loaded.sessions.remove(&e.hdr.client_id);
                }
                _ => {}
            }
            loaded.tree.apply(&e.hdr, &e.body);
            if let DigestCheck::Pending(d) = loaded.digest_check {
                if d.zxid == e.hdr.zxid {
                    assert_eq!(loaded.tree.digest(), d.digest, "{file:?}: snapshot digest");
                    fuzzy_until = d.zxid;
                }
            }
            if e.hdr.zxid >= fuzzy_until {
                if let Some(d) = &e.digest {
                    assert_eq!(
                        loaded.tree.digest(),
                        d.tree_digest,
                        "{file:?}: digest after zxid {:#x}",
                        e.hdr.zxid
                    );
                    compared += 1;
                }
            }
        }
        if start == 0 {
            assert!(compared > 50, "{file:?}: only {compared} digests compared");
        }
        assert_eq!(paths(&loaded.tree), paths(&clean.tree), "{file:?}");
        for p in paths(&clean.tree) {
            let (a, b) = (
                loaded.tree.node(&p).expect("node"),
                clean.tree.node(&p).expect("node"),
            );
            assert_eq!(a.data, b.data, "{file:?}: data of {p}");
            assert_eq!(a.stat, b.stat, "{file:?}: stat of {p}");
            assert_eq!(a.acl, b.acl, "{file:?}: ACL of {p}");
        }
        assert_eq!(loaded.tree.digest(), clean.tree.digest(), "{file:?}");
        assert_eq!(loaded.sessions, clean.sessions, "{file:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Our files.

fn golden_tree() -> LoadedSnapshot {
    let file = snapshots_in(&fixtures().join("clean"))
        .into_iter()
        .find(|p| Compression::from_file_name(p.to_str().unwrap()) == Compression::None)
        .expect("clean snapshot");
    snap::read_file(&file, CONFIG).expect("loads")
}

#[test]
fn every_compression_round_trips_through_a_file() {
    let golden = golden_tree();
    let dir = tempfile::tempdir().expect("tempdir");
    for compression in [Compression::None, Compression::Gzip, Compression::Snappy] {
        let image = FuzzySnapshot::new(
            &golden.tree,
            golden.sessions.clone(),
            WriteOptions::default(),
        )
        .finish(&golden.tree);
        let path = snap::write(dir.path(), &image, compression).expect("write");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert_eq!(
            name,
            format!("snapshot.{:x}{}", image.zxid(), compression.suffix())
        );
        assert!(snap::is_valid_snapshot(&path).expect("pre-check"));
        let raw = fs::read(&path).expect("read");
        match compression {
            Compression::None => assert_eq!(raw, image.to_vec()),
            Compression::Gzip => assert_eq!(raw[..2], [0x1f, 0x8b]),
            Compression::Snappy => assert_eq!(raw[..8], *b"\x82SNAPPY\0"),
        }
        assert_eq!(
            snap::read_uncompressed(&path).expect("decompress"),
            image.to_vec()
        );
        let back = snap::read_file(&path, CONFIG).expect("loads");
        assert_matches_dump(&back.tree, name);
        assert_eq!(back.sessions, golden.sessions);
        assert_eq!(back.digest_check, DigestCheck::Matched);
    }
    let names: Vec<String> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("snapshot.")),
        "{names:?}"
    );
}

#[test]
fn a_large_tree_round_trips_through_snappy_and_gzip() {
    // Many 32 KiB snappy blocks and a long gzip stream.
    let mut tree = DataTree::new();
    for i in 0..3000i64 {
        let hdr = jute_codec::records::TxnHeader {
            client_id: 1,
            cxid: 1,
            zxid: i + 1,
            time: 1000 + i,
            r#type: jute_codec::OpCode::Create.as_i32(),
        };
        let body = TxnBody::Create(jute_codec::records::CreateTxn {
            path: format!("/n{i}"),
            data: Some(Bytes::from(vec![(i % 256) as u8; (i % 200) as usize])),
            acl: datatree::acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: i as i32 + 1,
        });
        tree.apply(&hdr, &body);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let image = FuzzySnapshot::new(&tree, [], WriteOptions::default()).finish(&tree);
    for compression in [Compression::Gzip, Compression::Snappy] {
        let path = snap::write(dir.path(), &image, compression).expect("write");
        let back = snap::read_file(&path, TreeConfig::default()).expect("loads");
        assert_eq!(back.tree.node_count(), tree.node_count());
        assert_eq!(back.tree.digest(), tree.digest());
    }
}

fn write_plain(dir: &Path, tree: &DataTree) -> PathBuf {
    let image = FuzzySnapshot::new(tree, [], WriteOptions::default()).finish(tree);
    snap::write(dir, &image, Compression::None).expect("write")
}

fn tree_at(zxid: i64) -> DataTree {
    let mut t = DataTree::new();
    let hdr = jute_codec::records::TxnHeader {
        client_id: 1,
        cxid: 1,
        zxid,
        time: 5,
        r#type: jute_codec::OpCode::Create.as_i32(),
    };
    t.apply(
        &hdr,
        &TxnBody::Create(jute_codec::records::CreateTxn {
            path: format!("/at-{zxid:x}"),
            data: None,
            acl: datatree::acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 1,
        }),
    );
    t
}

#[test]
fn the_newest_valid_snapshot_is_loaded_and_corrupt_ones_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let p10 = write_plain(d, &tree_at(0x10));
    let p20 = write_plain(d, &tree_at(0x20));
    let p30 = write_plain(d, &tree_at(0x30));
    // 0x30 is torn (fails the pre-check); 0x20 is damaged inside (passes the pre-check,
    // fails its seal); files that are not snapshots are ignored.
    let b = fs::read(&p30).expect("read");
    fs::write(&p30, &b[..b.len() / 2]).expect("tear");
    let mut b = fs::read(&p20).expect("read");
    b[40] ^= 0x55;
    fs::write(&p20, &b).expect("damage");
    fs::write(d.join("tmp-snapshot.40"), b"partial").expect("temp");
    fs::write(d.join("snapshot.zz"), b"junk").expect("junk");
    fs::write(d.join("log.5"), b"junk").expect("log");

    assert_eq!(
        snap::find_n_valid_snapshots(d, 100).expect("find"),
        vec![p20.clone(), p10.clone()]
    );
    assert_eq!(snap::find_n_valid_snapshots(d, 1).expect("find"), vec![p20]);
    let newest = snap::load_newest_valid(d, TreeConfig::default())
        .expect("one is valid")
        .expect("found");
    assert_eq!(newest.zxid, 0x10);
    assert_eq!(newest.path, p10);
    assert!(newest.snapshot.tree.node("/at-10").is_some());

    snap::remove_temp_files(d).expect("cleanup");
    assert!(!d.join("tmp-snapshot.40").exists());
    assert!(d.join("snapshot.zz").exists());

    // Every candidate corrupt: an error naming each file and reason (fatal in ZooKeeper).
    fs::write(&p10, b"not a snapshot but ends like one \x00\x00\x00\x01/").expect("damage");
    let err = snap::load_newest_valid(d, TreeConfig::default()).expect_err("none valid");
    assert_eq!(err.failures.len(), 2);
    let text = err.failures[1].to_string();
    assert!(
        text.contains("snapshot.10") && text.contains("offset"),
        "{text}"
    );
}

#[test]
fn no_snapshot_directory_means_no_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("version-2");
    assert!(snap::load_newest_valid(&missing, TreeConfig::default())
        .expect("no error")
        .is_none());
    assert!(snap::load_newest_valid(dir.path(), TreeConfig::default())
        .expect("no error")
        .is_none());
    assert_eq!(
        snap::snapshot_dir(Path::new("/data")),
        Path::new("/data/version-2")
    );
}

#[test]
fn a_write_replaces_a_snapshot_of_the_same_name_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("version-2");
    let first = write_plain(&d, &tree_at(7));
    fs::write(&first, b"garbage").expect("overwrite");
    let again = write_plain(&d, &tree_at(7));
    assert_eq!(first, again);
    assert!(snap::read_file(&again, TreeConfig::default()).is_ok());
    let names: Vec<String> = fs::read_dir(&d)
        .expect("list")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
        .collect();
    assert_eq!(names, vec!["snapshot.7".to_owned()]);
    // A directory that cannot be created: an error, nothing written.
    let blocker = dir.path().join("file");
    fs::write(&blocker, b"x").expect("file");
    let image = FuzzySnapshot::new(&tree_at(7), [], WriteOptions::default()).finish(&tree_at(7));
    assert!(snap::write(&blocker.join("version-2"), &image, Compression::None).is_err());
}

#[test]
fn damaged_compressed_files_are_errors_not_panics() {
    let golden = golden_tree();
    let dir = tempfile::tempdir().expect("tempdir");
    let image = FuzzySnapshot::new(&golden.tree, [], WriteOptions::default()).finish(&golden.tree);
    for compression in [Compression::Gzip, Compression::Snappy] {
        let path = snap::write(dir.path(), &image, compression).expect("write");
        let good = fs::read(&path).expect("read");
        for cut in (0..good.len()).step_by(97) {
            fs::write(&path, &good[..cut]).expect("cut");
            assert!(snap::read_file(&path, CONFIG).is_err(), "cut at {cut}");
        }
        for at in (20..good.len()).step_by(53) {
            let mut b = good.clone();
            b[at] ^= 0x10;
            fs::write(&path, &b).expect("flip");
            let _ = snap::read_file(&path, CONFIG); // an error or (rarely) a no-op: no panic
        }
    }
}
