//! Seeded random op sequences against a small reference model of `DataTree.processTxn`
//! (redb `fuzz_redb.rs` style): after every txn, every znode's Stat field, data, children,
//! the ephemeral lists, counts and sizes must equal the model's.
//!
//! The model is written from ZooKeeper's rules, not from our code: persisted cversion counts
//! creations and is served as `2 * cversion - numChildren`; pzxid moves on create (when the
//! txn's parent cversion is newer) and on delete (when the zxid is newer); setData takes the
//! txn's version; multi is all-or-nothing as Prep + processTxn make it.
//!
//! Reproduce one seed with `MODEL_SEED=<n> cargo test -p datatree --test model`; run more
//! with `MODEL_SEEDS=<k>`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use common::*;
use datatree::acl;
use datatree::path::{java_len, parent, sequential_suffix};
use jute_codec::records::*;
use jute_codec::txn_body::{SubTxn, TxnBody};
use jute_codec::{ErrorCode, OpCode};

/// SplitMix64: a 10-line PRNG whose sequences never change with dependency upgrades.
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

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SESSIONS: [i64; 3] = [
    0x100_0000_0000_0001,
    0x100_0000_0000_0002,
    0x200_0000_0000_0003,
];
const CONTAINER: i64 = i64::MIN;

/// One znode of the model.
#[derive(Debug, Clone)]
struct MNode {
    data: Option<Vec<u8>>,
    czxid: i64,
    mzxid: i64,
    ctime: i64,
    mtime: i64,
    version: i32,
    /// Persisted cversion: number of child creations.
    creates: i32,
    aversion: i32,
    owner: i64,
    pzxid: i64,
    children: BTreeSet<String>,
}

impl MNode {
    fn new(zxid: i64, time: i64, data: Option<Vec<u8>>, owner: i64) -> Self {
        MNode {
            data,
            czxid: zxid,
            mzxid: zxid,
            ctime: time,
            mtime: time,
            version: 0,
            creates: 0,
            aversion: 0,
            owner,
            pzxid: zxid,
            children: BTreeSet::new(),
        }
    }

    fn stat(&self) -> Stat {
        let n = self.children.len() as i32;
        Stat {
            czxid: self.czxid,
            mzxid: self.mzxid,
            ctime: self.ctime,
            mtime: self.mtime,
            version: self.version,
            cversion: self.creates * 2 - n,
            aversion: self.aversion,
            ephemeral_owner: if self.owner == CONTAINER {
                0
            } else {
                self.owner
            },
            data_length: self.data.as_ref().map_or(0, Vec::len) as i32,
            num_children: n,
            pzxid: self.pzxid,
        }
    }
}

/// The reference model: the whole tree in a sorted map.
#[derive(Debug, Clone)]
struct Model {
    nodes: BTreeMap<String, MNode>,
}

fn child_name(path: &str) -> &str {
    &path[path.rfind('/').expect("absolute") + 1..]
}

impl Model {
    fn fresh() -> Self {
        let mut nodes = BTreeMap::new();
        let sys = |children: &[&str]| {
            let mut n = MNode::new(0, 0, Some(Vec::new()), 0);
            n.children = children.iter().map(|c| c.to_string()).collect();
            n
        };
        nodes.insert("/".to_owned(), sys(&["zookeeper"]));
        nodes.insert("/zookeeper".to_owned(), sys(&["quota", "config"]));
        nodes.insert("/zookeeper/quota".to_owned(), sys(&[]));
        let mut config = sys(&[]);
        config.aversion = -1;
        nodes.insert("/zookeeper/config".to_owned(), config);
        Model { nodes }
    }

    /// createNode; `adjust` is the plain-create NODEEXISTS rule of processTxn.
    fn create(&mut self, t: &CreateTxn, owner: i64, zxid: i64, adjust: bool) -> i32 {
        let p = parent(&t.path).to_owned();
        let name = child_name(&t.path).to_owned();
        let Some(par) = self.nodes.get_mut(&p) else {
            return ErrorCode::NoNode.as_i32();
        };
        let exists = par.children.contains(&name);
        if exists && !adjust {
            return ErrorCode::NodeExists.as_i32();
        }
        if t.parent_c_version > par.creates {
            par.creates = t.parent_c_version;
            par.pzxid = zxid;
        }
        if exists {
            return ErrorCode::NodeExists.as_i32();
        }
        par.children.insert(name);
        let data = t.data.as_ref().map(|d| d.to_vec());
        self.nodes
            .insert(t.path.clone(), MNode::new(zxid, time_of(zxid), data, owner));
        0
    }

    fn delete(&mut self, path: &str, zxid: i64) -> i32 {
        let Some(par) = self.nodes.get_mut(parent(path)) else {
            return ErrorCode::NoNode.as_i32();
        };
        par.children.remove(child_name(path));
        par.pzxid = par.pzxid.max(zxid);
        match self.nodes.remove(path) {
            Some(_) => 0,
            None => ErrorCode::NoNode.as_i32(),
        }
    }

    fn set_data(&mut self, t: &SetDataTxn, zxid: i64) -> i32 {
        let Some(n) = self.nodes.get_mut(&t.path) else {
            return ErrorCode::NoNode.as_i32();
        };
        n.data = t.data.as_ref().map(|d| d.to_vec());
        n.mzxid = zxid;
        n.mtime = time_of(zxid);
        n.version = t.version;
        0
    }

    fn set_acl(&mut self, t: &SetAclTxn) -> i32 {
        let Some(n) = self.nodes.get_mut(&t.path) else {
            return ErrorCode::NoNode.as_i32();
        };
        n.aversion = t.version;
        0
    }

    fn ephemerals(&self, session: i64) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.owner == session)
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Applies one (sub-)txn of type `op`; returns its error code.
    fn apply(&mut self, client: i64, op: OpCode, body: &TxnBody, zxid: i64) -> i32 {
        match (op, body) {
            (OpCode::Create | OpCode::Create2, TxnBody::Create(t)) => {
                let owner = if t.ephemeral { client } else { 0 };
                self.create(t, owner, zxid, op == OpCode::Create)
            }
            (OpCode::CreateContainer, TxnBody::CreateContainer(t)) => {
                let t = CreateTxn {
                    path: t.path.clone(),
                    data: t.data.clone(),
                    acl: t.acl.clone(),
                    ephemeral: false,
                    parent_c_version: t.parent_c_version,
                };
                self.create(&t, CONTAINER, zxid, false)
            }
            (OpCode::Delete, TxnBody::Delete(t)) => self.delete(&t.path, zxid),
            (OpCode::SetData, TxnBody::SetData(t)) => self.set_data(t, zxid),
            (OpCode::SetAcl, TxnBody::SetAcl(t)) => self.set_acl(t),
            (OpCode::CloseSession, TxnBody::CloseSession(_)) => {
                for p in self.ephemerals(client) {
                    self.delete(&p, zxid);
                }
                0
            }
            (OpCode::Error, TxnBody::Error(t)) => t.err,
            (OpCode::Check, _) => 0,
            (OpCode::Multi, TxnBody::Multi(subs)) => {
                let failed = subs.iter().any(|s| s.r#type == -1);
                if failed {
                    // Nothing changes; the first error is the multi's.
                    return subs
                        .iter()
                        .find_map(|s| match &s.body {
                            TxnBody::Error(e) if e.err != 0 => Some(e.err),
                            _ => None,
                        })
                        .unwrap_or(0);
                }
                let mut err = 0;
                for s in subs {
                    let op = OpCode::try_from(s.r#type).unwrap();
                    let e = self.apply(client, op, &s.body, zxid);
                    if err == 0 {
                        err = e;
                    }
                }
                err
            }
            other => panic!("model cannot apply {other:?}"),
        }
    }
}

/// A request before Prep.
#[derive(Debug, Clone)]
enum Req {
    Create {
        path: String,
        data: Option<Vec<u8>>,
        ephemeral: bool,
        sequential: bool,
        container: bool,
    },
    Delete(String),
    SetData(String, Option<Vec<u8>>, i32),
    Check(String, i32),
}

/// Prep for the model: validates `req` against `m` and returns the txn, or the error code.
/// Applies the txn to `m` (so a multi's later ops see the earlier ones).
fn prep(m: &mut Model, client: i64, req: &Req, zxid: i64) -> Result<(OpCode, TxnBody), i32> {
    let (op, body) = match req {
        Req::Create {
            path,
            data,
            ephemeral,
            sequential,
            container,
        } => {
            let par = m
                .nodes
                .get(parent(path))
                .ok_or(ErrorCode::NoNode.as_i32())?;
            let full = if *sequential {
                format!("{path}{}", sequential_suffix(par.creates))
            } else {
                path.clone()
            };
            if m.nodes.contains_key(&full) {
                return Err(ErrorCode::NodeExists.as_i32());
            }
            if par.owner != 0 && par.owner != CONTAINER {
                return Err(ErrorCode::NoChildrenForEphemerals.as_i32());
            }
            let data = data.clone().map(Bytes::from);
            let acl = acl::open_acl_unsafe();
            let parent_c_version = par.creates + 1;
            if *container {
                let body = TxnBody::CreateContainer(CreateContainerTxn {
                    path: full,
                    data,
                    acl,
                    parent_c_version,
                });
                (OpCode::CreateContainer, body)
            } else {
                let body = TxnBody::Create(CreateTxn {
                    path: full,
                    data,
                    acl,
                    ephemeral: *ephemeral,
                    parent_c_version,
                });
                (OpCode::Create, body)
            }
        }
        Req::Delete(path) => {
            let n = m.nodes.get(path).ok_or(ErrorCode::NoNode.as_i32())?;
            if !n.children.is_empty() {
                return Err(ErrorCode::NotEmpty.as_i32());
            }
            let body = TxnBody::Delete(DeleteTxn { path: path.clone() });
            (OpCode::Delete, body)
        }
        Req::SetData(path, data, expected) => {
            let n = m.nodes.get(path).ok_or(ErrorCode::NoNode.as_i32())?;
            if *expected != -1 && *expected != n.version {
                return Err(ErrorCode::BadVersion.as_i32());
            }
            let body = TxnBody::SetData(SetDataTxn {
                path: path.clone(),
                data: data.clone().map(Bytes::from),
                version: n.version + 1,
            });
            (OpCode::SetData, body)
        }
        Req::Check(path, expected) => {
            let n = m.nodes.get(path).ok_or(ErrorCode::NoNode.as_i32())?;
            if *expected != -1 && *expected != n.version {
                return Err(ErrorCode::BadVersion.as_i32());
            }
            let body = TxnBody::Check(CheckVersionTxn {
                path: path.clone(),
                version: *expected,
            });
            (OpCode::Check, body)
        }
    };
    let err = m.apply(client, op, &body, zxid);
    assert_eq!(err, 0, "prep validated {req:?}");
    Ok((op, body))
}

/// A random path: usually a child of an existing user node, sometimes anything.
fn random_path(rng: &mut Rng, m: &Model) -> String {
    let names = ["a", "b", "c", "d"];
    let user: Vec<&String> = m
        .nodes
        .keys()
        .filter(|p| !p.starts_with("/zookeeper"))
        .collect();
    if rng.chance(85) {
        let base = rng.pick(&user).as_str();
        let base = if base == "/" { "" } else { base };
        if rng.chance(30) {
            // An existing node.
            return if base.is_empty() {
                "/".into()
            } else {
                base.into()
            };
        }
        format!("{base}/{}", rng.pick(&names))
    } else {
        let depth = 1 + rng.below(3);
        (0..depth)
            .map(|_| format!("/{}", rng.pick(&names)))
            .collect()
    }
}

fn random_data(rng: &mut Rng) -> Option<Vec<u8>> {
    match rng.below(4) {
        0 => None,
        1 => Some(Vec::new()),
        _ => Some((0..rng.below(20)).map(|i| i as u8).collect()),
    }
}

fn random_req(rng: &mut Rng, m: &Model) -> Req {
    let path = random_path(rng, m);
    let path = if path == "/" { "/a".into() } else { path };
    match rng.below(10) {
        0..=3 => Req::Create {
            path,
            data: random_data(rng),
            ephemeral: rng.chance(30),
            sequential: rng.chance(20),
            container: rng.chance(10),
        },
        4..=6 => Req::Delete(path),
        7 | 8 => {
            let v = if rng.chance(70) {
                -1
            } else {
                rng.below(3) as i32
            };
            Req::SetData(path, random_data(rng), v)
        }
        _ => Req::Check(
            path,
            if rng.chance(50) {
                -1
            } else {
                rng.below(2) as i32
            },
        ),
    }
}

/// One step: picks an op, builds the txn as Prep would (or a raw txn that fails at apply),
/// applies it to both, returns a description for failure messages.
fn step(rng: &mut Rng, zk: &mut Zk, m: &mut Model) -> String {
    let client = *rng.pick(&SESSIONS);
    let zxid = zk.zxid + 1;
    let kind = rng.below(20);
    let raw = kind == 5;
    let (op, body, expected_err) = match kind {
        0 => (
            OpCode::CloseSession,
            TxnBody::CloseSession(Some(CloseSessionTxn {
                paths2_delete: zk.tree.ephemerals(client),
            })),
            None,
        ),
        1 => {
            let path = random_path(rng, m);
            let n = m.nodes.get(&path).map_or(0, |n| n.aversion + 1);
            let body = TxnBody::SetAcl(SetAclTxn {
                path,
                acl: if rng.chance(50) {
                    acl::read_acl_unsafe()
                } else {
                    acl::open_acl_unsafe()
                },
                version: n,
            });
            (OpCode::SetAcl, body, None)
        }
        2..=4 => multi_txn(rng, m, client, zxid),
        5 => {
            // A raw delete or create that may fail at apply time (log replay).
            let path = random_path(rng, m);
            if path == "/" || path.starts_with("/zookeeper") {
                return "skip".into();
            }
            if rng.chance(50) {
                // Never a node with children: that would orphan them, which no log holds.
                if m.nodes.get(&path).is_some_and(|n| !n.children.is_empty()) {
                    return "skip".into();
                }
                (OpCode::Delete, TxnBody::Delete(DeleteTxn { path }), None)
            } else {
                // Never under an ephemeral: closing its session would orphan the child.
                let owner = m.nodes.get(parent(&path)).map_or(0, |n| n.owner);
                if owner != 0 && owner != CONTAINER {
                    return "skip".into();
                }
                let body = TxnBody::Create(CreateTxn {
                    path,
                    data: None,
                    acl: acl::open_acl_unsafe(),
                    ephemeral: false,
                    parent_c_version: rng.below(6) as i32,
                });
                (OpCode::Create, body, None)
            }
        }
        _ => {
            let req = random_req(rng, m);
            let mut scratch = m.clone();
            match prep(&mut scratch, client, &req, zxid) {
                Ok((op, body)) => {
                    let op = if op == OpCode::Create && rng.chance(50) {
                        OpCode::Create2
                    } else {
                        op
                    };
                    (op, body, None)
                }
                Err(code) => (
                    OpCode::Error,
                    TxnBody::Error(ErrorTxn { err: code }),
                    Some(code),
                ),
            }
        }
    };
    if matches!(&body, TxnBody::Delete(t) if t.path == "/" || t.path.starts_with("/zookeeper")) {
        return "skip".into();
    }
    // Raw txns are sometimes replays: an older zxid, as when a log is replayed over a fuzzy
    // snapshot. lastProcessedZxid must not move back, and neither may pzxid.
    let replay = raw && zk.zxid > 3 && rng.chance(40);
    let zxid = if replay {
        zk.zxid - rng.below(3) as i64
    } else {
        zxid
    };
    let desc = format!("{op:?} by {client:#x} at zxid {zxid}: {body:?}");
    let want = m.apply(client, op, &body, zxid);
    let out = if replay {
        zk.tree.apply(&hdr(client, zxid, op), &body)
    } else {
        zk.apply(client, op, body)
    };
    assert_eq!(out.result.err, want, "result of {desc}");
    if let Some(code) = expected_err {
        assert_eq!(out.result.err, code, "{desc}");
    }
    desc
}

/// A multi of 1..=4 requests, Prep-style: ops are validated in order against the state the
/// earlier ops leave; the first failure becomes an ErrorTxn and later ops
/// RUNTIMEINCONSISTENCY errors.
fn multi_txn(rng: &mut Rng, m: &Model, client: i64, zxid: i64) -> (OpCode, TxnBody, Option<i32>) {
    let mut scratch = m.clone();
    let mut subs = Vec::new();
    let mut failed = None;
    for _ in 0..1 + rng.below(4) {
        let req = random_req(rng, &scratch);
        if failed.is_some() {
            subs.push(SubTxn {
                r#type: -1,
                body: TxnBody::Error(ErrorTxn {
                    err: ErrorCode::RuntimeInconsistency.as_i32(),
                }),
            });
            continue;
        }
        match prep(&mut scratch, client, &req, zxid) {
            Ok((op, body)) => subs.push(SubTxn {
                r#type: op as i32,
                body,
            }),
            Err(code) => {
                failed = Some(code);
                subs.push(SubTxn {
                    r#type: -1,
                    body: TxnBody::Error(ErrorTxn { err: code }),
                });
            }
        }
    }
    (OpCode::Multi, TxnBody::Multi(subs), failed)
}

/// Compares everything observable.
fn check(zk: &Zk, m: &Model, ctx: &str) {
    let t = &zk.tree;
    assert_eq!(t.node_count(), m.nodes.len() + 1, "node count after {ctx}");
    assert_eq!(
        t.all_children_number("/"),
        Ok(m.nodes.len() as i32 - 1),
        "{ctx}"
    );
    for (path, n) in &m.nodes {
        let node = t
            .node(path)
            .unwrap_or_else(|| panic!("{path} missing after {ctx}"));
        assert_eq!(t.stat(path), Some(n.stat()), "stat of {path} after {ctx}");
        assert_eq!(
            node.stat.cversion, n.creates,
            "persisted cversion of {path} after {ctx}"
        );
        assert_eq!(
            node.data.as_deref(),
            n.data.as_deref(),
            "data of {path} after {ctx}"
        );
        assert!(
            node.children
                .iter_sorted()
                .eq(n.children.iter().map(String::as_str)),
            "children of {path} after {ctx}"
        );
    }
    for s in SESSIONS {
        let mut got = t.ephemerals(s);
        got.sort_unstable();
        assert_eq!(got, m.ephemerals(s), "ephemerals of {s:#x} after {ctx}");
    }
    let size: i64 = m
        .nodes
        .iter()
        .map(|(p, n)| java_len(p) as i64 + n.data.as_ref().map_or(0, Vec::len) as i64)
        .sum();
    assert_eq!(t.approximate_data_size(), size, "data size after {ctx}");
    assert_eq!(t.last_processed_zxid(), zk.zxid, "{ctx}");
    let containers: Vec<String> = m
        .nodes
        .iter()
        .filter(|(_, n)| n.owner == CONTAINER && n.children.is_empty() && n.creates > 0)
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(t.containers_and_ttls_to_delete(0), containers, "{ctx}");
}

fn run(seed: u64, steps: usize) {
    let mut rng = Rng(seed);
    let mut zk = Zk::new();
    let mut m = Model::fresh();
    check(&zk, &m, "start");
    for i in 0..steps {
        let desc = step(&mut rng, &mut zk, &mut m);
        if desc == "skip" {
            continue;
        }
        check(&zk, &m, &format!("step {i} (seed {seed}): {desc}"));
    }
}

#[test]
fn random_txn_sequences_match_the_reference_model() {
    if let Some(seed) = std::env::var("MODEL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run(seed, 400);
        return;
    }
    let seeds: u64 = std::env::var("MODEL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    for seed in 0..seeds {
        let result = std::panic::catch_unwind(|| run(seed, 250));
        if let Err(e) = result {
            eprintln!("reproduce: MODEL_SEED={seed} cargo test -p datatree --test model");
            std::panic::resume_unwind(e);
        }
    }
}

#[test]
fn the_model_exercises_every_kind_of_txn() {
    // Guards the generator: a seed run must contain successful creates of every mode,
    // deletes, setData, closeSession with ephemerals, and failing and succeeding multis.
    let mut rng = Rng(7);
    let mut zk = Zk::new();
    let mut m = Model::fresh();
    let mut seen = BTreeSet::new();
    for _ in 0..2000 {
        let before = zk.zxid;
        let desc = step(&mut rng, &mut zk, &mut m);
        if desc == "skip" || zk.zxid == before {
            continue;
        }
        let kind = desc
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        seen.insert(kind);
    }
    for kind in [
        "Create",
        "Create2",
        "CreateContainer",
        "Delete",
        "SetData",
        "SetAcl",
    ] {
        assert!(seen.contains(kind), "{kind} never generated: {seen:?}");
    }
    for kind in ["CloseSession", "Multi", "Error"] {
        assert!(seen.contains(kind), "{kind} never generated: {seen:?}");
    }
}
