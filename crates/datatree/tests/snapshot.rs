//! The snapshot stream: byte layout against ZooKeeper's (disk-format reference §7.6),
//! round trips of every node kind, the fuzzy walk under concurrent changes (load + replay
//! must give the live tree), and corrupt input (never a panic, always an offset).
//!
//! Reproduce one fuzzy seed with `SNAP_SEED=<n> cargo test -p datatree --test snapshot`;
//! run more with `SNAP_SEEDS=<k>`.

mod common;

use std::collections::BTreeMap;

use bytes::Bytes;
use common::*;
use datatree::acl;
use datatree::digest::ZxidDigest;
use datatree::ephemeral::CreateMode;
use datatree::snapshot::{
    load, DigestCheck, FuzzySnapshot, LoadedSnapshot, SnapshotErrorKind, WriteOptions,
};
use datatree::{DataTree, TreeConfig};
use jute_codec::records::*;
use jute_codec::txn_body::{SubTxn, TxnBody};
use jute_codec::OpCode;

/// Everything a snapshot must carry about one node.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeView {
    data: Option<Vec<u8>>,
    acl: Vec<Acl>,
    stat: StatPersisted,
    children: Vec<String>,
}

/// Every node of `tree`, by path, walked from the root.
fn dump(tree: &DataTree) -> BTreeMap<String, NodeView> {
    let mut out = BTreeMap::new();
    let mut stack = vec!["/".to_owned()];
    while let Some(p) = stack.pop() {
        let n = tree
            .node(&p)
            .unwrap_or_else(|| panic!("{p} is listed but missing"));
        for c in n.children.iter_sorted() {
            stack.push(if p == "/" {
                format!("/{c}")
            } else {
                format!("{p}/{c}")
            });
        }
        out.insert(
            p,
            NodeView {
                data: n.data.as_ref().map(|d| d.to_vec()),
                acl: n.acl.as_ref().clone(),
                stat: n.stat,
                // As a set: a reloaded set's order depends on its table, which a load
                // rebuilds (as ZooKeeper's does).
                children: n.children.iter_sorted().map(str::to_owned).collect(),
            },
        );
    }
    out
}

/// Asserts two trees are the same in every way a snapshot and replay must preserve.
fn assert_same_tree(got: &DataTree, want: &DataTree, context: &str) {
    let (g, w) = (dump(got), dump(want));
    for (path, wn) in &w {
        match g.get(path) {
            None => panic!("{context}: {path} missing"),
            Some(gn) => assert_eq!(gn, wn, "{context}: {path} differs"),
        }
    }
    for path in g.keys() {
        assert!(w.contains_key(path), "{context}: extra node {path}");
    }
    assert_eq!(got.node_count(), want.node_count(), "{context}: node count");
    assert_eq!(got.digest(), want.digest(), "{context}: digest");
    // As sets: a load rebuilds each set's table, as ZooKeeper's does.
    let ephemerals = |t: &DataTree| {
        t.session_ephemerals()
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(s, p)| (*s, p.iter_sorted().map(str::to_owned).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ephemerals(got), ephemerals(want), "{context}: ephemerals");
    assert_eq!(got.containers(), want.containers(), "{context}: containers");
    assert_eq!(got.ttls(), want.ttls(), "{context}: ttls");
    assert_eq!(
        got.approximate_data_size(),
        want.approximate_data_size(),
        "{context}: data size"
    );
}

fn snapshot_of(tree: &DataTree, sessions: &[(i64, i32)]) -> (Vec<u8>, i64) {
    let image =
        FuzzySnapshot::new(tree, sessions.iter().copied(), WriteOptions::default()).finish(tree);
    (image.to_vec(), image.zxid())
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn empty_tree_snapshot_is_byte_identical_to_zookeepers() {
    // disk-format reference §7.6: snapshot.0 of a fresh standalone ZooKeeper 3.8.0.
    let zero60 = "00".repeat(60);
    let mut config_stat = "00".repeat(60);
    config_stat.replace_range(2 * 40..2 * 44, "ffffffff"); // aversion
    let want = hex(&format!(
        "5a4b534e 00000002 ffffffffffffffff
         00000000
         00000001 0000000000000001 00000001 00000001 00000005 776f726c64 00000006 616e796f6e65
         00000000 00000000 ffffffffffffffff {zero60}
         0000000a 2f7a6f6f6b6565706572 00000000 ffffffffffffffff {zero60}
         00000011 2f7a6f6f6b65657065722f636f6e666967 00000000 0000000000000001 {config_stat}
         00000010 2f7a6f6f6b65657065722f71756f7461 00000000 ffffffffffffffff {zero60}
         00000001 2f
         00000000b8a23b49 00000001 2f
         0000000000000000 00000002 0000000000000000
         0000000095b93d59 00000001 2f"
    ));
    assert_eq!(want.len(), 457);
    let (got, zxid) = snapshot_of(&DataTree::new(), &[]);
    assert_eq!(zxid, 0);
    assert_eq!(hex_string(&got), hex_string(&want));
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A tree with every kind of node: persistent, ephemeral (two sessions), sequential,
/// container, TTL, null and empty data, several ACLs, a quota, deletes (stored vs served
/// cversion).
fn rich_tree() -> Zk {
    let mut zk = Zk::with_config(TreeConfig {
        extended_types_enabled: true,
    });
    let (s1, s2) = (0x100_0000_0000_0001, 0x100_0000_0000_0002);
    zk.mk("/app");
    zk.create(s1, "/app/eph", data(b"e1"), CreateMode::Ephemeral);
    zk.create(s2, "/app/eph2", None, CreateMode::Ephemeral);
    zk.create(1, "/app/seq-", data(b""), CreateMode::PersistentSequential);
    zk.create(1, "/app/seq-", None, CreateMode::PersistentSequential);
    zk.create(1, "/cont", None, CreateMode::Container);
    zk.create_ttl(
        1,
        "/ttl",
        data(b"t"),
        CreateMode::PersistentWithTtl,
        3_600_000,
    );
    zk.mk("/gone");
    zk.delete(1, "/gone");
    zk.mk("/acl");
    let digest_acl = Acl {
        perms: acl::ALL,
        id: Id {
            scheme: "digest".into(),
            id: acl::generate_digest("u:p"),
        },
    };
    let ip_acl = Acl {
        perms: acl::READ | acl::WRITE,
        id: Id {
            scheme: "ip".into(),
            id: "10.0.0.0/8".into(),
        },
    };
    zk.set_acl(1, "/acl", vec![digest_acl.clone(), ip_acl]);
    zk.set_data(1, "/acl", data(&[0, 1, 2, 255]));
    // A quota on /app, as zkCli setquota creates it.
    zk.mk("/zookeeper/quota/app");
    zk.create(
        1,
        "/zookeeper/quota/app/zookeeper_limits",
        data(b"count=10,bytes=-1"),
        CreateMode::Persistent,
    );
    zk.create(
        1,
        "/zookeeper/quota/app/zookeeper_stats",
        data(b"count=0,bytes=0"),
        CreateMode::Persistent,
    );
    zk.mk("/app/after-quota");
    zk.mk("/é中");
    zk
}

#[test]
fn every_node_kind_round_trips_with_its_stat_acl_and_data() {
    let zk = rich_tree();
    let sessions = [
        (0x100_0000_0000_0001, 30_000),
        (0x100_0000_0000_0002, 4_000),
    ];
    let (bytes, zxid) = snapshot_of(&zk.tree, &sessions);
    assert_eq!(zxid, zk.zxid);
    let loaded = load(&bytes, zxid, zk.tree.config()).expect("loads");
    assert_same_tree(&loaded.tree, &zk.tree, "round trip");
    assert_eq!(loaded.sessions, sessions.iter().copied().collect());
    assert_eq!(loaded.tree.last_processed_zxid(), zxid);
    assert_eq!(loaded.digest_check, DigestCheck::Matched);
    assert!(loaded.dangling_acl_paths.is_empty());
    // Null and empty data stay distinct.
    assert_eq!(loaded.tree.node("/app/eph2").expect("eph2").data, None);
    assert_eq!(
        loaded.tree.node("/app/seq-0000000002").expect("seq").data,
        Some(Box::default())
    );
    assert_eq!(
        loaded.tree.node("/app/seq-0000000003").expect("seq").data,
        None
    );
    // The quota survives: a create under /app updates its stats node.
    let mut t = loaded.tree;
    let stats = |t: &DataTree| {
        t.node("/zookeeper/quota/app/zookeeper_stats")
            .and_then(|n| n.data.clone())
            .expect("stats")
    };
    assert_eq!(stats(&t), Box::from(&b"count=6,bytes=4"[..]));
    t.apply(
        &hdr(1, zxid + 1, OpCode::Create),
        &TxnBody::Create(CreateTxn {
            path: "/app/new".into(),
            data: data(b"12345"),
            acl: acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: 10,
        }),
    );
    assert_eq!(stats(&t), Box::from(&b"count=7,bytes=9"[..]));
}

#[test]
fn stats_nodes_are_recounted_on_load_as_zookeeper_does() {
    let mut zk = rich_tree();
    // Someone wrote nonsense into the stats node; setupQuota recounts it.
    zk.set_data(
        1,
        "/zookeeper/quota/app/zookeeper_stats",
        data(b"count=99,bytes=99"),
    );
    let (bytes, zxid) = snapshot_of(&zk.tree, &[]);
    let loaded = load(&bytes, zxid, zk.tree.config()).expect("loads");
    let stats = loaded
        .tree
        .node("/zookeeper/quota/app/zookeeper_stats")
        .and_then(|n| n.data.clone())
        .expect("stats");
    assert_eq!(stats, Box::from(&b"count=6,bytes=4"[..]));
}

#[test]
fn builtin_nodes_use_the_open_acl_key_and_client_acls_get_map_keys() {
    let zk = rich_tree();
    let (bytes, _) = snapshot_of(&zk.tree, &[]);
    let loaded = load(&bytes, zk.zxid, zk.tree.config()).expect("loads");
    assert_eq!(
        *loaded.tree.node("/").expect("root").acl,
        acl::open_acl_unsafe()
    );
    // The ACL map holds exactly the lists nodes other than the built-ins use: READ-only
    // (/zookeeper/config), OPEN (client nodes) and the /acl list.
    let map_count = i32::from_be_bytes(bytes[20..24].try_into().expect("4 bytes"));
    assert_eq!(map_count, 3);
}

#[test]
fn digest_section_and_39_trailer_follow_the_options() {
    let zk = rich_tree();
    for (digest_enabled, trailer) in [(true, false), (false, false), (true, true), (false, true)] {
        let options = WriteOptions {
            digest_enabled,
            serialize_last_processed_zxid: trailer,
        };
        let image = FuzzySnapshot::new(&zk.tree, [], options).finish(&zk.tree);
        let bytes = image.to_vec();
        assert_eq!(bytes.len(), image.len());
        assert!(bytes.ends_with(&[0, 0, 0, 1, b'/']));
        let loaded = load(&bytes, zk.zxid, zk.tree.config()).expect("loads");
        let want_digest = digest_enabled.then_some(ZxidDigest {
            zxid: zk.zxid,
            version: 2,
            digest: zk.tree.digest(),
        });
        assert_eq!(loaded.digest, want_digest, "{options:?}");
        assert_eq!(loaded.last_zxid, trailer.then_some(zk.zxid), "{options:?}");
        assert_same_tree(&loaded.tree, &zk.tree, "options");
    }
}

#[test]
fn digest_of_a_later_zxid_is_pending_and_a_wrong_one_is_reported() {
    let zk = rich_tree();
    let (bytes, zxid) = snapshot_of(&zk.tree, &[]);
    // Loaded as if the file were named after an earlier zxid: the digest is of a later one.
    let loaded = load(&bytes, zxid - 3, zk.tree.config()).expect("loads");
    assert_eq!(
        loaded.digest_check,
        DigestCheck::Pending(ZxidDigest {
            zxid,
            version: 2,
            digest: zk.tree.digest()
        })
    );
    // Named after a later zxid: the digest is older and ignored.
    let loaded = load(&bytes, zxid + 1, zk.tree.config()).expect("loads");
    assert_eq!(loaded.digest_check, DigestCheck::None);
}

#[test]
fn a_node_whose_acl_key_is_missing_loads_with_an_acl_nobody_passes() {
    let mut zk = Zk::new();
    zk.mk("/a");
    let (mut bytes, zxid) = snapshot_of(&zk.tree, &[]);
    // Point /a at key 77, which is not in the map, and re-seal.
    let at = find(&bytes, b"\x00\x00\x00\x02/a").expect("/a record") + 6;
    let data_len = i32::from_be_bytes(bytes[at..at + 4].try_into().expect("len")) as usize;
    let key_at = at + 4 + data_len;
    bytes[key_at..key_at + 8].copy_from_slice(&77i64.to_be_bytes());
    let bytes = reseal(&bytes);
    let loaded = load(&bytes, zxid, TreeConfig::default()).expect("loads");
    assert_eq!(loaded.dangling_acl_paths, vec!["/a".to_owned()]);
    let acl = loaded.tree.node("/a").expect("/a").acl.clone();
    assert!(acl::check(&acl, acl::READ, &[acl::anyone_id()]).is_err());
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Recomputes the seals of a stream that ends with "seal 1, digest, seal 2".
fn reseal(bytes: &[u8]) -> Vec<u8> {
    let seal2 = bytes.len() - 13;
    let seal1 = seal2 - 20 - 13;
    let mut out = bytes.to_vec();
    let s1 = adler(&out[..seal1]);
    out[seal1..seal1 + 8].copy_from_slice(&s1.to_be_bytes());
    let s2 = adler(&out[..seal2]);
    out[seal2..seal2 + 8].copy_from_slice(&s2.to_be_bytes());
    out
}

fn adler(b: &[u8]) -> i64 {
    let mut a = adler2::Adler32::new();
    a.write_slice(b);
    i64::from(a.checksum())
}

// ---------------------------------------------------------------------------------------
// Corrupt input

#[test]
fn every_truncation_is_an_error_with_an_offset_inside_the_input() {
    let zk = rich_tree();
    let (bytes, zxid) = snapshot_of(&zk.tree, &[(5, 6000)]);
    let seal1_end = bytes.len() - 33;
    for len in 0..bytes.len() {
        let r = load(&bytes[..len], zxid, zk.tree.config());
        if len == seal1_end {
            // Ends right after seal 1: a snapshot written with digest disabled.
            assert!(r.is_ok(), "cut at {len}");
            continue;
        }
        let e = r.expect_err("truncated input is an error");
        assert!(e.offset <= len, "cut at {len}: offset {}", e.offset);
        assert!(e.to_string().contains(&format!("offset {}", e.offset)));
    }
}

#[test]
fn every_byte_flip_is_caught_except_in_the_final_marker() {
    let zk = rich_tree();
    let (bytes, zxid) = snapshot_of(&zk.tree, &[(5, 6000)]);
    for at in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[at] ^= bit;
            let r = load(&b, zxid, zk.tree.config());
            if at >= bytes.len() - 5 {
                // ZK-COMPAT: SnapStream.java reads the string after a seal and ignores it
                // (a shorter one leaves bytes that are ignored too). The file-level
                // pre-check (`isValidSnapshot`: the file ends in 00 00 00 01 2F) is what
                // rejects such a file.
                continue;
            } else {
                let Err(e) = r else {
                    panic!("flip {bit:#x} at {at} of {} is not caught", b.len());
                };
                assert!(e.offset <= b.len(), "flip at {at}");
            }
        }
    }
}

#[test]
fn bad_magic_missing_parent_and_null_acl_are_named() {
    let mut zk = Zk::new();
    zk.mk("/a");
    zk.mk("/a/b");
    let (bytes, zxid) = snapshot_of(&zk.tree, &[]);

    let mut b = bytes.clone();
    b[0] = b'X';
    let e = load(&b, zxid, TreeConfig::default()).expect_err("bad magic");
    assert_eq!(e.offset, 0);
    assert!(matches!(e.kind, SnapshotErrorKind::BadMagic(_)));

    // Rename /a to /x: /a/b then has no parent.
    let mut b = bytes.clone();
    let at = find(&b, b"\x00\x00\x00\x02/a").expect("/a") + 5;
    b[at] = b'x';
    let e = load(&reseal(&b), zxid, TreeConfig::default()).expect_err("orphan");
    assert!(
        matches!(&e.kind, SnapshotErrorKind::MissingParent { path, parent }
            if path == "/a/b" && parent == "/a"),
        "{e}"
    );

    // A null ACL list in the map.
    let mut b = bytes.clone();
    let count_at = 16 + 4 + 4 + 8; // header, sessions, map count, first key
    b[count_at..count_at + 4].copy_from_slice(&(-1i32).to_be_bytes());
    let e = load(&b, zxid, TreeConfig::default()).expect_err("null acl");
    assert!(matches!(e.kind, SnapshotErrorKind::NullAcl { .. }), "{e}");
    assert_eq!(e.offset, count_at);
}

#[test]
fn random_garbage_never_panics() {
    let zk = rich_tree();
    let (bytes, zxid) = snapshot_of(&zk.tree, &[(5, 6000)]);
    let mut rng = Rng(7);
    for _ in 0..3000 {
        let mut b = bytes.clone();
        let cut = rng.below(b.len() + 1);
        b.truncate(cut);
        for _ in 0..=rng.below(4) {
            if b.is_empty() {
                break;
            }
            let i = rng.below(b.len());
            b[i] = rng.next() as u8;
        }
        let _ = load(&b, zxid, zk.tree.config());
    }
    for len in 0..64 {
        let b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(load(&b, 0, TreeConfig::default()).is_err());
    }
}

// ---------------------------------------------------------------------------------------
// Fuzzy snapshots: random txns between steps; load + replay from the snapshot's zxid must
// give the live tree.

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A live tree, its sessions, and the log of every txn applied to it.
struct Live {
    zk: Zk,
    sessions: BTreeMap<i64, i32>,
    log: Vec<(TxnHeader, TxnBody)>,
    next_session: i64,
    acl_serial: u32,
}

impl Live {
    fn new() -> Self {
        Live {
            zk: Zk::with_config(TreeConfig {
                extended_types_enabled: true,
            }),
            sessions: BTreeMap::new(),
            log: Vec::new(),
            next_session: 0x100_0000_0000_0000,
            acl_serial: 0,
        }
    }

    fn apply(&mut self, client: i64, op: OpCode, body: TxnBody) {
        self.zk.zxid += 1;
        let h = hdr(client, self.zk.zxid, op);
        match (&op, &body) {
            (OpCode::CreateSession, TxnBody::CreateSession(t)) => {
                self.sessions.insert(client, t.time_out);
            }
            (OpCode::CloseSession, _) => {
                self.sessions.remove(&client);
            }
            _ => {}
        }
        self.zk.tree.apply(&h, &body);
        self.log.push((h, body));
    }

    /// Every path, sorted (the root as "/").
    fn paths(&self) -> Vec<String> {
        dump(&self.zk.tree).into_keys().collect()
    }

    fn random_acl(&mut self, rng: &mut Rng) -> Vec<Acl> {
        if rng.chance(60) {
            return acl::open_acl_unsafe();
        }
        // Often a brand-new list, so lists appear during the walk.
        self.acl_serial += 1;
        let n = if rng.chance(50) {
            self.acl_serial
        } else {
            self.acl_serial % 3
        };
        vec![Acl {
            perms: acl::READ | acl::ADMIN,
            id: Id {
                scheme: "ip".into(),
                id: format!("10.0.{}.{}", n / 250, n % 250),
            },
        }]
    }

    fn random_data(rng: &mut Rng) -> Option<Bytes> {
        match rng.below(4) {
            0 => None,
            1 => Some(Bytes::new()),
            _ => Some(Bytes::from(
                (0..rng.below(40))
                    .map(|_| rng.next() as u8)
                    .collect::<Vec<_>>(),
            )),
        }
    }

    /// One random txn, built the way Prep builds a valid one.
    fn random_txn(&mut self, rng: &mut Rng) {
        let paths = self.paths();
        let path = paths[rng.below(paths.len())].clone();
        let sessions: Vec<i64> = self.sessions.keys().copied().collect();
        match rng.below(100) {
            0..=4 => {
                self.next_session += 1;
                let s = self.next_session;
                self.apply(
                    s,
                    OpCode::CreateSession,
                    TxnBody::CreateSession(CreateSessionTxn { time_out: 30_000 }),
                );
            }
            5..=7 if !sessions.is_empty() => {
                let s = sessions[rng.below(sessions.len())];
                let paths = self.zk.tree.ephemerals(s);
                self.apply(
                    s,
                    OpCode::CloseSession,
                    TxnBody::CloseSession(Some(CloseSessionTxn {
                        paths2_delete: paths,
                    })),
                );
            }
            8..=49 => self.random_create(rng, &path, &sessions),
            50..=64 => {
                let n = self.zk.tree.node(&path).expect("listed");
                if n.children.is_empty() && !DataTree::is_special_path(&path) {
                    let op = if rng.chance(20) {
                        OpCode::DeleteContainer
                    } else {
                        OpCode::Delete
                    };
                    self.apply(1, op, TxnBody::Delete(DeleteTxn { path }));
                }
            }
            65..=84 => {
                let version = self.zk.tree.node(&path).expect("listed").stat.version + 1;
                let data = Self::random_data(rng);
                self.apply(
                    1,
                    OpCode::SetData,
                    TxnBody::SetData(SetDataTxn {
                        path,
                        data,
                        version,
                    }),
                );
            }
            85..=92 => {
                let version = self.zk.tree.node(&path).expect("listed").stat.aversion + 1;
                let acl = self.random_acl(rng);
                self.apply(
                    1,
                    OpCode::SetAcl,
                    TxnBody::SetAcl(SetAclTxn { path, acl, version }),
                );
            }
            _ => self.random_multi(rng, &path),
        }
    }

    fn random_create(&mut self, rng: &mut Rng, parent: &str, sessions: &[i64]) {
        let pn = self.zk.tree.node(parent).expect("listed");
        if pn.stat.ephemeral_owner != 0 && pn.stat.ephemeral_owner != i64::MIN {
            return; // ephemerals and TTL nodes: keep it simple, no children there
        }
        let pc = pn.stat.cversion;
        let name = format!("n{}", rng.below(12));
        let base = if parent == "/" {
            format!("/{name}")
        } else {
            format!("{parent}/{name}")
        };
        let sequential = rng.chance(25);
        let path = if sequential {
            format!("{base}{:010}", pc)
        } else {
            base
        };
        if self.zk.tree.node(&path).is_some() {
            return;
        }
        let data = Self::random_data(rng);
        let acl = self.random_acl(rng);
        let parent_c_version = pc + 1;
        match rng.below(6) {
            0 => self.apply(
                1,
                OpCode::CreateContainer,
                TxnBody::CreateContainer(CreateContainerTxn {
                    path,
                    data,
                    acl,
                    parent_c_version,
                }),
            ),
            1 => self.apply(
                1,
                OpCode::CreateTtl,
                TxnBody::CreateTtl(CreateTtlTxn {
                    path,
                    data,
                    acl,
                    parent_c_version,
                    ttl: 1 + rng.below(100_000) as i64,
                }),
            ),
            k => {
                let ephemeral = k == 2 && !sessions.is_empty();
                let client = if ephemeral {
                    sessions[rng.below(sessions.len())]
                } else {
                    1
                };
                let op = if rng.chance(50) {
                    OpCode::Create
                } else {
                    OpCode::Create2
                };
                self.apply(
                    client,
                    op,
                    TxnBody::Create(CreateTxn {
                        path,
                        data,
                        acl,
                        ephemeral,
                        parent_c_version,
                    }),
                );
            }
        }
    }

    /// A successful multi: set data on `path` and create a child of the root.
    fn random_multi(&mut self, rng: &mut Rng, path: &str) {
        let version = self.zk.tree.node(path).expect("listed").stat.version + 1;
        let name = format!("/m{}", rng.below(8));
        if self.zk.tree.node(&name).is_some() {
            return;
        }
        let root_cv = self.zk.tree.node("/").expect("root").stat.cversion;
        let subs: Vec<SubTxn> = vec![
            sub(
                OpCode::SetData,
                TxnBody::SetData(SetDataTxn {
                    path: path.to_owned(),
                    data: data(b"multi"),
                    version,
                }),
            ),
            sub(
                OpCode::Create,
                TxnBody::Create(CreateTxn {
                    path: name,
                    data: None,
                    acl: acl::open_acl_unsafe(),
                    ephemeral: false,
                    parent_c_version: root_cv + 1,
                }),
            ),
        ];
        self.apply(1, OpCode::Multi, TxnBody::Multi(subs));
    }
}

/// Replays `log` entries after `from` onto a loaded snapshot, as recovery does
/// (FileTxnSnapLog.processTransaction), checking the snapshot's digest when replay reaches
/// its zxid.
fn replay(loaded: &mut LoadedSnapshot, log: &[(TxnHeader, TxnBody)], from: i64) {
    let mut pending = match loaded.digest_check {
        DigestCheck::Pending(d) => Some(d),
        DigestCheck::Matched | DigestCheck::None => None,
        DigestCheck::Mismatch { expected, actual } => {
            panic!("digest mismatch at load: {expected:#x} vs {actual:#x}")
        }
    };
    for (h, body) in log.iter().filter(|(h, _)| h.zxid > from) {
        match body {
            TxnBody::CreateSession(t) => {
                loaded.sessions.insert(h.client_id, t.time_out);
            }
            TxnBody::CloseSession(_) => {
                loaded.sessions.remove(&h.client_id);
            }
            _ => {}
        }
        loaded.tree.apply(h, body);
        if let Some(d) = pending {
            if d.zxid == h.zxid {
                assert_eq!(
                    loaded.tree.digest(),
                    d.digest,
                    "snapshot digest at {:#x}",
                    d.zxid
                );
                pending = None;
            }
        }
    }
    assert!(pending.is_none(), "replay never reached the digest's zxid");
}

fn fuzzy_round(seed: u64) {
    let mut rng = Rng(seed);
    let mut live = Live::new();
    for _ in 0..(50 + rng.below(200)) {
        live.random_txn(&mut rng);
    }
    let snap_sessions: Vec<(i64, i32)> = live.sessions.iter().map(|(k, v)| (*k, *v)).collect();
    let mut snap = FuzzySnapshot::new(&live.zk.tree, snap_sessions, WriteOptions::default());
    let start = snap.zxid();
    assert_eq!(start, live.zk.zxid);
    loop {
        let done = snap.step(&live.zk.tree, 1 + rng.below(4));
        if done {
            break;
        }
        for _ in 0..rng.below(6) {
            live.random_txn(&mut rng);
        }
    }
    // A few more txns between the end of the walk and finish.
    for _ in 0..rng.below(3) {
        live.random_txn(&mut rng);
    }
    let image = snap.finish(&live.zk.tree);
    let bytes = image.to_vec();
    let mut loaded =
        load(&bytes, start, live.zk.tree.config()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert!(loaded.dangling_acl_paths.is_empty(), "seed {seed}");
    replay(&mut loaded, &live.log, start);
    assert_same_tree(&loaded.tree, &live.zk.tree, &format!("seed {seed}"));
    assert_eq!(loaded.sessions, live.sessions, "seed {seed}: sessions");
}

#[test]
fn fuzzy_snapshot_plus_replay_gives_the_live_tree() {
    let seeds: Vec<u64> = match std::env::var("SNAP_SEED") {
        Ok(s) => vec![s.parse().expect("SNAP_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("SNAP_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(100);
            (0..n).collect()
        }
    };
    for seed in seeds {
        fuzzy_round(seed);
    }
}

#[test]
fn a_node_deleted_during_the_walk_is_skipped_with_its_subtree() {
    let mut live = Live::new();
    live.zk.mk("/a");
    live.zk.mk("/a/b");
    live.zk.mk("/z");
    let mut snap = FuzzySnapshot::new(&live.zk.tree, [], WriteOptions::default());
    assert!(!snap.step(&live.zk.tree, 2)); // "" and /a
    live.zk.delete(1, "/a/b");
    live.zk.delete(1, "/a");
    live.zk.mk("/y"); // created after the root was written: not in the snapshot
    let image = snap.finish(&live.zk.tree);
    let loaded = load(&image.to_vec(), image.zxid(), TreeConfig::default()).expect("loads");
    assert!(
        loaded.tree.node("/a").is_some(),
        "written before the delete"
    );
    assert!(loaded.tree.node("/a/b").is_none());
    assert!(loaded.tree.node("/y").is_none());
    assert!(loaded.tree.node("/z").is_some());
}

#[test]
fn a_finished_snapshot_is_the_tree_when_nothing_changes() {
    let zk = rich_tree();
    let mut snap = FuzzySnapshot::new(&zk.tree, [], WriteOptions::default());
    let mut steps = 0;
    while !snap.step(&zk.tree, 3) {
        steps += 1;
    }
    assert!(steps > 3);
    assert!(snap.is_done());
    let n = snap.node_count();
    let image = snap.finish(&zk.tree);
    assert_eq!(image.node_count(), n);
    let loaded = load(&image.to_vec(), image.zxid(), zk.tree.config()).expect("loads");
    assert_eq!(loaded.digest_check, DigestCheck::Matched);
    assert_same_tree(&loaded.tree, &zk.tree, "static");
}

#[test]
fn a_snapshot_in_progress_and_a_finished_image_can_move_to_another_thread() {
    fn is_send<T: Send + 'static>() {}
    is_send::<FuzzySnapshot>();
    is_send::<datatree::snapshot::SnapshotImage>();
}

#[test]
fn children_are_written_and_reloaded_in_zookeepers_order() {
    let mut zk = Zk::new();
    zk.mk("/p");
    for i in 0..20 {
        zk.mk(&format!("/p/c{i}"));
    }
    // JDK 17: new HashSet<String>(8), add c0..c19, then iterate.
    let java = "c11,c10,c13,c12,c15,c14,c17,c16,c19,c18,c0,c1,c2,c3,c4,c5,c6,c7,c8,c9";
    let listed = |t: &DataTree| t.node("/p").expect("/p").children.java_order().join(",");
    assert_eq!(listed(&zk.tree), java);
    let (bytes, zxid) = snapshot_of(&zk.tree, &[]);
    // The file holds /p's children in that order (serializeNode's childs.toArray) ...
    let record = |c: &str| {
        let path = format!("/p/{c}");
        let mut rec = (path.len() as i32).to_be_bytes().to_vec();
        rec.extend_from_slice(path.as_bytes());
        find(&bytes, &rec).expect("written")
    };
    let in_file: BTreeMap<usize, &str> = java.split(',').map(|c| (record(c), c)).collect();
    assert_eq!(in_file.into_values().collect::<Vec<_>>().join(","), java);
    // ... and a load that adds them in file order gets the same set back.
    let loaded = load(&bytes, zxid, zk.tree.config()).expect("loads").tree;
    assert_eq!(listed(&loaded), java);
}
