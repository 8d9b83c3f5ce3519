//! The snapshot format, without files. Counterpart of `FileSnap.serialize`/`deserialize`,
//! `SerializeUtils.serializeSnapshot`/`deserializeSnapshot`, `DataTree.serialize`/
//! `deserialize`/`serializeNode`, `ReferenceCountedACLCache.serialize`/`deserialize`,
//! `SnapStream.sealStream`/`checkSealIntegrity` and `DataTree.serializeZxidDigest`.
//!
//! The bytes here are the **uncompressed** stream of a `snapshot.<zxid>` file; the server's
//! `persist::snapshot` adds file naming, compression (`gz`, `snappy`) and fsync.
//!
//! # Layout (ZooKeeper 3.8; 3.9 adds the optional trailer)
//!
//! ```text
//! FileHeader        "ZKSN" (i32 0x5A4B534E), i32 version 2, i64 dbid -1
//! sessions          i32 count, count × (i64 sessionId, i32 timeoutMs)
//! ACL map           i32 count, count × (i64 key, vector<ACL>)      key -1 is never listed
//! nodes             (ustring path, buffer data, i64 aclKey, StatPersisted)*   pre-order,
//!                   the root as "" and every parent before its children
//! end of nodes      ustring "/"
//! seal 1            i64 Adler32 of every byte before it, ustring "/"
//! ZxidDigest        i64 zxid, i32 version 2, i64 digest     (when digest.enabled)
//! seal 2            i64 running Adler32 (from byte 0, seal 1 included), ustring "/"
//! lastZxid          i64                                     (3.9, optional)
//! seal 3            i64 running Adler32, ustring "/"
//! ```
//!
//! # Fuzzy, incremental serialisation
//!
//! The core is single-threaded, so a snapshot of a large tree cannot be taken in one go
//! without stalling every client. [`FuzzySnapshot`] walks the live tree a few nodes at a time
//! ([`FuzzySnapshot::step`]), between txns, exactly as ZooKeeper's snapshot thread walks it
//! while the tree keeps changing (`DataTree.serializeNode`). The result is *fuzzy*: it is
//! named after the zxid `Z` the tree had when the walk started, but any node may show the
//! effect of txns after `Z`. Recovery loads it and replays the log from `Z + 1`; every txn is
//! idempotent over such a tree (creates of existing nodes and deletes of missing ones fail
//! harmlessly and still move the parent's cversion/pzxid forward; setData/setACL carry
//! absolute versions), so replay ends in the exact tree.
//!
//! That argument needs three properties of the walk, which it keeps:
//!
//! 1. **Parents before children**, so a reader can attach each node. A child is only reached
//!    from its parent's frame, after the parent was written.
//! 2. **No node created after its parent was written.** The parent's stored cversion and
//!    pzxid were copied when it was written; replaying a create of a child that *is* in the
//!    snapshot fails with NODEEXISTS, and only a plain `create` (type 1) then repairs the
//!    parent's cversion (`DataTree.processTxn`), not create2/TTL/container. ZooKeeper gets
//!    this by copying the child list with the parent. Here each frame remembers the zxid at
//!    which its node was written (`visit_zxid`) and skips children with
//!    `visit_zxid < czxid <= lastProcessedZxid` — created by a txn applied after the parent
//!    was written (czxids grow with apply order). A child deleted and re-created since the
//!    parent was written is skipped too; replay deletes (NONODE, pzxid moves) and re-creates
//!    it (cversion moves), which converges.
//! 3. **A missing path is skipped** with its subtree: it was deleted after `Z`, and replay
//!    deletes it again (NONODE).
//!
//! Each frame of the current path holds its node's child names as they were when the node
//! was written, in ZooKeeper's order (`serializeNode` copies the `HashSet` with
//! `childs.toArray`), so the file lists children exactly as ZooKeeper would write the same
//! tree, and a loader that adds them in file order (both do) rebuilds the same orders.
//!
//! **ACLs.** ZooKeeper writes its ACL map *before* the nodes, copied at that moment; a node
//! created during the walk with a new ACL then refers to a key that is not in the map
//! (ZOOKEEPER-4846). Here the node records go to a buffer, each ACL list a written node uses
//! gets a key the first time it is seen, and [`FuzzySnapshot::finish`] emits the header,
//! sessions and exactly the referenced lists before the buffered nodes. Every key is in the
//! map, and no unreferenced list is written.
//!
//! **Sessions** are the ones passed to [`FuzzySnapshot::new`], taken at `Z` like ZooKeeper's
//! (`sessionsWithTimeouts` is copied before the tree). createSession/closeSession txns after
//! `Z` are replayed.
//!
//! **Digest.** [`FuzzySnapshot::finish`] writes the tree digest of the *live* tree with the
//! zxid of the last txn applied at that moment (`lastProcessedZxidDigest`), not a digest of
//! the fuzzy content: a reader compares it once replay reaches that zxid, when the replayed
//! tree must equal the live tree. [`DataTree::digest`] is maintained incrementally, so this
//! costs nothing. A server passes its `lastProcessedZxidDigest` to
//! [`FuzzySnapshot::finish_with_digest`] instead, which is the empty digest `(0, 2, 0)` when
//! nothing was applied since the tree was loaded (or while it is still fuzzy), as ZooKeeper
//! writes it.
//!
//! # Keys and order
//! ACL keys are assigned 1, 2, … in walk order; `-1` (OPEN_ACL_UNSAFE) is used only for the
//! built-in `""`, `/zookeeper` and `/zookeeper/quota` while they keep that ACL, as ZooKeeper
//! writes them. Children are written in ZooKeeper's order (that of its `HashSet<String>`,
//! see [`crate::java_set`]). Sessions are written in id order; ZooKeeper writes them in the
//! hash order of its session map, which a reader does not observe.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use jute_codec::records::{Acl, FileHeader, StatPersisted};
use jute_codec::{DecodeError, Record};

use crate::digest::{ZxidDigest, DIGEST_VERSION};
use crate::java_set::JavaHashSet;
use crate::tree::LoadNodeError;
use crate::{acl, quota, DataTree, FixedState, SessionId, TreeConfig, Znode};

/// `FileSnap.SNAP_MAGIC`: "ZKSN".
pub const SNAP_MAGIC: i32 = 0x5A4B_534E;
/// `FileSnap.VERSION`.
pub const SNAP_VERSION: i32 = 2;
/// `FileSnap.dbId`: always -1.
pub const SNAP_DBID: i64 = -1;
/// `ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID`: the key of OPEN_ACL_UNSAFE, never in the map.
pub const OPEN_UNSAFE_ACL_ID: i64 = -1;
/// The bytes of `ustring "/"`: the end of the nodes and of every seal. A complete snapshot
/// (uncompressed) ends with them (`SnapStream.isValidCheckedStream`).
pub const END_MARKER: [u8; 5] = [0, 0, 0, 1, b'/'];

/// The size of the node buffer's chunks.
const CHUNK: usize = 1 << 20;

/// What the writer emits besides the tree; ZooKeeper reads these from system properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// `zookeeper.digest.enabled` (default true): write the `ZxidDigest` section and seal 2.
    /// A 3.9 reader with digest disabled rejects a snapshot that has one, so this must match
    /// the readers' setting.
    pub digest_enabled: bool,
    /// `zookeeper.serializeLastProcessedZxid.enabled` (ZooKeeper 3.9 only, default true
    /// there): write the `lastZxid` trailer and seal 3. ZooKeeper 3.8 ignores it; default
    /// false here, so files look like 3.8's.
    pub serialize_last_processed_zxid: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            digest_enabled: true,
            serialize_last_processed_zxid: false,
        }
    }
}

/// One level of the walk: a written node and its child names as they were then.
#[derive(Debug)]
struct Frame {
    /// The node's snapshot path (`""` for the root).
    path: String,
    /// `lastProcessedZxid` when the node was written: children created later are skipped.
    visit_zxid: i64,
    /// The node's children when it was written, in ZooKeeper's order (`childs.toArray`):
    /// their names back to back, two allocations per node however many children it has.
    children: ChildNames,
    /// How many of `children` were visited.
    next: usize,
}

/// Names packed into one string, with the end offset of each.
#[derive(Debug, Default)]
struct ChildNames {
    text: String,
    ends: Vec<usize>,
}

impl ChildNames {
    fn new<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let mut packed = ChildNames {
            text: String::new(),
            ends: Vec::with_capacity(names.len()),
        };
        for name in names {
            packed.text.push_str(name);
            packed.ends.push(packed.text.len());
        }
        packed
    }

    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }
}

/// An incremental, fuzzy snapshot of a [`DataTree`] (see the module docs for why it is
/// consistent).
///
/// ```
/// # use datatree::{DataTree, snapshot::{FuzzySnapshot, WriteOptions}};
/// let tree = DataTree::new();
/// let mut snap = FuzzySnapshot::new(&tree, [(0x100_0000_0000_0001, 30_000)], WriteOptions::default());
/// while !snap.step(&tree, 1000) {
///     // ... apply more txns to the tree between steps ...
/// }
/// let image = snap.finish(&tree);
/// let bytes = image.to_vec();
/// let loaded = datatree::snapshot::load(&bytes, image.zxid(), tree.config()).unwrap();
/// assert_eq!(loaded.tree.node_count(), tree.node_count());
/// ```
#[derive(Debug)]
pub struct FuzzySnapshot {
    zxid: i64,
    options: WriteOptions,
    sessions: BTreeMap<SessionId, i32>,
    started: bool,
    stack: Vec<Frame>,
    /// Serialised node records, in walk order, in chunks of about [`CHUNK`] bytes (one
    /// growing buffer would copy itself, up to the whole snapshot, inside a single step).
    nodes: Vec<Vec<u8>>,
    nodes_len: usize,
    node_count: u64,
    /// ACL lists written so far by identity (the tree shares one `Arc` per distinct list),
    /// with their keys; the `Arc`s in `acl_lists` keep the addresses from being reused.
    acl_keys: HashMap<usize, i64, FixedState>,
    acl_lists: Vec<Arc<Vec<Acl>>>,
}

impl FuzzySnapshot {
    /// Starts a snapshot of `tree` as it is now. Its zxid (the file name's) is
    /// `tree.last_processed_zxid()`; `sessions` are the live sessions and their timeouts
    /// (`sessionsWithTimeouts`), taken now.
    pub fn new(
        tree: &DataTree,
        sessions: impl IntoIterator<Item = (SessionId, i32)>,
        options: WriteOptions,
    ) -> Self {
        FuzzySnapshot {
            zxid: tree.last_processed_zxid(),
            options,
            sessions: sessions.into_iter().collect(),
            started: false,
            stack: Vec::new(),
            nodes: Vec::new(),
            nodes_len: 0,
            node_count: 0,
            acl_keys: HashMap::default(),
            acl_lists: Vec::new(),
        }
    }

    /// The snapshot's zxid: the tree's `lastProcessedZxid` when it started. Replay starts
    /// after it; the file is named after it.
    pub fn zxid(&self) -> i64 {
        self.zxid
    }

    /// Nodes written so far.
    pub fn node_count(&self) -> u64 {
        self.node_count
    }

    /// Bytes of node records buffered so far.
    pub fn buffered_bytes(&self) -> usize {
        self.nodes_len
    }

    /// Whether the walk is over (the last [`FuzzySnapshot::step`] returned true).
    pub fn is_done(&self) -> bool {
        self.started && self.stack.is_empty()
    }

    /// Writes up to `max_nodes` more nodes (at least one) of `tree`, which may have changed
    /// since the last step. Returns true when the walk is complete.
    pub fn step(&mut self, tree: &DataTree, max_nodes: usize) -> bool {
        let mut budget = max_nodes.max(1);
        if !self.started {
            self.started = true;
            if let Some(root) = tree.node("") {
                self.write_node(tree, "", root);
                budget -= 1;
            }
        }
        let now = tree.last_processed_zxid();
        // The child's path, built in place (no allocation per node).
        let mut path = String::new();
        while budget > 0 {
            let Some(frame) = self.stack.last_mut() else {
                return true;
            };
            // The frame's own node is not looked up again: if it was deleted since it was
            // written, each of its listed children is gone too or was created again later
            // (a node exists only under an existing parent), and both are skipped below.
            let mut found = None;
            while let Some(name) = frame.children.get(frame.next) {
                frame.next += 1;
                path.clear();
                path.push_str(&frame.path);
                path.push('/');
                path.push_str(name);
                let Some(child) = tree.node(&path) else {
                    continue; // deleted since the parent was written
                };
                let czxid = child.stat.czxid;
                if czxid > frame.visit_zxid && czxid <= now {
                    continue; // deleted and created again after the parent was written
                }
                found = Some(child);
                break;
            }
            match found {
                None => {
                    self.stack.pop();
                }
                Some(child) => {
                    self.write_node(tree, &path, child);
                    budget -= 1;
                }
            }
        }
        self.is_done()
    }

    /// Appends one node record and, when it has children, opens its frame.
    fn write_node(&mut self, tree: &DataTree, path: &str, node: &Znode) {
        let key = self.acl_key(path, &node.acl);
        if self.nodes.last().is_none_or(|c| c.len() >= CHUNK) {
            self.nodes.push(Vec::with_capacity(CHUNK + 1024));
        }
        let chunk = self.nodes.last_mut().expect("a chunk was just ensured");
        let before = chunk.len();
        jute_codec::codec::encode_ustring(path, chunk);
        jute_codec::codec::encode_buffer(node.data.as_deref(), chunk);
        key.encode(chunk);
        node.stat.encode(chunk);
        self.nodes_len += chunk.len() - before;
        self.node_count += 1;
        if !node.children.is_empty() {
            self.stack.push(Frame {
                path: path.to_owned(),
                visit_zxid: tree.last_processed_zxid(),
                children: ChildNames::new(node.children.java_order().into_iter()),
                next: 0,
            });
        }
    }

    /// The map key of `acl` (`ReferenceCountedACLCache.convertAcls`).
    fn acl_key(&mut self, path: &str, acl: &Arc<Vec<Acl>>) -> i64 {
        // ZK-COMPAT: DataTree.java: the root, /zookeeper and /zookeeper/quota are created
        // with a null ACL, which the cache maps to -1 (OPEN_ACL_UNSAFE).
        let builtin = matches!(path, "" | quota::PROC_ZOOKEEPER | quota::QUOTA_ZOOKEEPER);
        if builtin && **acl == acl::open_acl_unsafe() {
            return OPEN_UNSAFE_ACL_ID;
        }
        let id = Arc::as_ptr(acl) as usize;
        if let Some(k) = self.acl_keys.get(&id) {
            return *k;
        }
        self.acl_lists.push(Arc::clone(acl));
        let k = self.acl_lists.len() as i64;
        self.acl_keys.insert(id, k);
        k
    }

    /// Completes the walk if [`FuzzySnapshot::step`] has not, and takes the digest of `tree`
    /// (the last applied zxid and the tree digest, now). Cheap: the sections are assembled
    /// and checksummed later, by [`SnapshotImage::write_to`], which may run on another
    /// thread.
    pub fn finish(self, tree: &DataTree) -> SnapshotImage {
        let last = tree.last_processed_zxid();
        let digest = if last > 0 {
            ZxidDigest {
                zxid: last,
                version: DIGEST_VERSION,
                digest: tree.digest(),
            }
        } else {
            ZxidDigest::EMPTY
        };
        self.finish_with_digest(tree, digest)
    }

    /// [`FuzzySnapshot::finish`] with the digest section given: ZooKeeper writes
    /// `lastProcessedZxidDigest`, the digest of the last txn applied while the tree was not
    /// fuzzy ([`crate::digest::DigestTracker::last_processed`]), which is the empty digest
    /// after a load that applied nothing.
    pub fn finish_with_digest(mut self, tree: &DataTree, digest: ZxidDigest) -> SnapshotImage {
        while !self.step(tree, usize::MAX) {}
        let last = tree.last_processed_zxid();
        let digest = self.options.digest_enabled.then_some(digest);
        let mut head = Vec::new();
        FileHeader {
            magic: SNAP_MAGIC,
            version: SNAP_VERSION,
            dbid: SNAP_DBID,
        }
        .encode(&mut head);
        (self.sessions.len() as i32).encode(&mut head);
        for (id, timeout) in &self.sessions {
            id.encode(&mut head);
            timeout.encode(&mut head);
        }
        (self.acl_lists.len() as i32).encode(&mut head);
        for (i, list) in self.acl_lists.iter().enumerate() {
            (i as i64 + 1).encode(&mut head);
            list.encode(&mut head);
        }
        SnapshotImage {
            zxid: self.zxid,
            head,
            nodes: self.nodes,
            nodes_len: self.nodes_len,
            node_count: self.node_count,
            digest,
            last_zxid: self.options.serialize_last_processed_zxid.then_some(last),
        }
    }
}

/// A finished snapshot: every section, ready to be written (uncompressed).
#[derive(Debug, Clone)]
pub struct SnapshotImage {
    zxid: i64,
    head: Vec<u8>,
    nodes: Vec<Vec<u8>>,
    nodes_len: usize,
    node_count: u64,
    digest: Option<ZxidDigest>,
    last_zxid: Option<i64>,
}

impl SnapshotImage {
    /// The snapshot's zxid (the file name's): the tree's `lastProcessedZxid` when the walk
    /// started.
    pub fn zxid(&self) -> i64 {
        self.zxid
    }

    /// Nodes in the snapshot.
    pub fn node_count(&self) -> u64 {
        self.node_count
    }

    /// The digest section, if written.
    pub fn digest(&self) -> Option<ZxidDigest> {
        self.digest
    }

    /// Length of the uncompressed stream.
    pub fn len(&self) -> usize {
        let seal = 8 + END_MARKER.len();
        self.head.len()
            + self.nodes_len
            + END_MARKER.len()
            + seal
            + self.digest.map_or(0, |_| 20 + seal)
            + self.last_zxid.map_or(0, |_| 8 + seal)
    }

    /// Always false: a snapshot has at least a header.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the uncompressed stream, computing the running Adler32 of the seals as it
    /// goes (`SnapStream.sealStream`).
    ///
    /// # Errors
    /// Whatever `w` returns.
    pub fn write_to<W: Write>(&self, w: &mut W) -> io::Result<()> {
        let mut w = Sealer {
            inner: w,
            adler: adler2::Adler32::new(),
        };
        w.put(&self.head)?;
        for chunk in &self.nodes {
            w.put(chunk)?;
        }
        w.put(&END_MARKER)?;
        w.seal()?;
        if let Some(d) = self.digest {
            let mut b = Vec::with_capacity(20);
            d.zxid.encode(&mut b);
            d.version.encode(&mut b);
            d.digest.encode(&mut b);
            w.put(&b)?;
            w.seal()?;
        }
        if let Some(z) = self.last_zxid {
            w.put(&z.to_be_bytes())?;
            w.seal()?;
        }
        Ok(())
    }

    /// The uncompressed stream as one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        self.write_to(&mut v).expect("writing to a Vec cannot fail");
        v
    }
}

/// A writer that keeps the running Adler32 of everything written.
struct Sealer<'a, W: Write> {
    inner: &'a mut W,
    adler: adler2::Adler32,
}

impl<W: Write> Sealer<'_, W> {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.adler.write_slice(b);
        self.inner.write_all(b)
    }

    /// `sealStream`: the checksum so far (as a Java long: the 32-bit value, zero-extended),
    /// then `"/"`. Both count towards later seals.
    fn seal(&mut self) -> io::Result<()> {
        let sum = i64::from(self.adler.checksum());
        self.put(&sum.to_be_bytes())?;
        self.put(&END_MARKER)
    }
}

/// What was wrong with a snapshot, and where (offset in the uncompressed stream).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt snapshot at offset {offset}: {kind}")]
pub struct SnapshotError {
    /// Offset in the uncompressed stream of the field that could not be read or checked.
    pub offset: usize,
    /// What was wrong.
    pub kind: SnapshotErrorKind,
}

/// The kinds of [`SnapshotError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotErrorKind {
    /// The header's magic is not "ZKSN" (the only header field ZooKeeper checks).
    #[error("bad magic {0:#010x}, expected ZKSN")]
    BadMagic(i32),
    /// A field could not be decoded (truncated input, a bad length).
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// An ACL map entry has a null list (`ReferenceCountedACLCache.deserialize` throws).
    #[error("ACL list {key} is null")]
    NullAcl {
        /// The entry's key.
        key: i64,
    },
    /// A node came before its parent (`Invalid Datatree, unable to find parent`).
    #[error("parent {parent:?} of {path:?} has not been read")]
    MissingParent {
        /// The node.
        path: String,
        /// Its parent.
        parent: String,
    },
    /// A path appears twice.
    #[error("path {0:?} appears twice")]
    DuplicatePath(String),
    /// A seal's checksum is not the Adler32 of the bytes before it (`CRC corruption`).
    #[error("checksum mismatch: stored {stored:#x}, computed {computed:#x}")]
    Checksum {
        /// The value in the file.
        stored: i64,
        /// The Adler32 of the bytes before it.
        computed: i64,
    },
}

/// What a digest comparison at load time found (`DataTree.compareSnapshotDigests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestCheck {
    /// Nothing to compare: no digest section, the "empty" digest (zxid 0), a digest older
    /// than the snapshot's zxid, or another digest version.
    None,
    /// The digest is of the snapshot's own zxid and equals the loaded tree's.
    Matched,
    /// The digest is of the snapshot's own zxid and differs (ZooKeeper only logs this).
    Mismatch {
        /// The digest in the file.
        expected: i64,
        /// The loaded tree's.
        actual: i64,
    },
    /// The digest is of a later zxid (a fuzzy snapshot): compare [`DataTree::digest`] with
    /// it once replay has applied that zxid; until then the tree is fuzzy.
    Pending(ZxidDigest),
}

/// A loaded snapshot.
#[derive(Debug)]
pub struct LoadedSnapshot {
    /// The tree; its `lastProcessedZxid` is the zxid passed to [`load`].
    pub tree: DataTree,
    /// Sessions and their timeouts in ms.
    pub sessions: BTreeMap<SessionId, i32>,
    /// The digest section as stored, if any.
    pub digest: Option<ZxidDigest>,
    /// The digest comparison.
    pub digest_check: DigestCheck,
    /// The 3.9 `lastZxid` trailer, if any (ZooKeeper ignores it in favour of the name).
    pub last_zxid: Option<i64>,
    /// Nodes whose ACL key is not in the map. ZooKeeper loads them ("Ignoring acl") and then
    /// fails every ACL check on them; they get an ACL nobody but `super` passes
    /// (`world:anyone` with no permission). ZooKeeper 3.8.0–3.8.4 can write such snapshots
    /// when a node with a new ACL is created during a snapshot (ZOOKEEPER-4846).
    pub dangling_acl_paths: Vec<String>,
}

/// Reads an uncompressed snapshot stream (`FileSnap.deserialize`). `zxid` is the zxid in the
/// file's name; it becomes the tree's `lastProcessedZxid` (ZooKeeper ignores any zxid inside
/// the file). `config` must be the server's (extended types decide what a 0xFF owner is).
///
/// The sections after seal 1 are optional, as for ZooKeeper: a file may end after seal 1,
/// after the digest and seal 2, or carry 3.9's `lastZxid` and seal 3 with or without a
/// digest. Bytes after the last seal are ignored.
///
/// # Errors
/// [`SnapshotError`] with the offset of the first bad field. Never panics, whatever the
/// input.
pub fn load(bytes: &[u8], zxid: i64, config: TreeConfig) -> Result<LoadedSnapshot, SnapshotError> {
    let mut r = Reader::new(bytes);
    let header: FileHeader = r.read()?;
    if header.magic != SNAP_MAGIC {
        return Err(SnapshotError {
            offset: 0,
            kind: SnapshotErrorKind::BadMagic(header.magic),
        });
    }
    let mut sessions = BTreeMap::new();
    // ZK-COMPAT: SerializeUtils.java / ReferenceCountedACLCache.java: `while (count > 0)`,
    // so a negative count reads as none.
    let count: i32 = r.read()?;
    for _ in 0..count.max(0) {
        let id: i64 = r.read()?;
        let timeout: i32 = r.read()?;
        sessions.insert(id, timeout);
    }
    let mut tree = DataTree::empty_for_load(config);
    let acls = read_acl_map(&mut r, &mut tree)?;
    let dangling_acl_paths = read_nodes(&mut r, &mut tree, &acls)?;
    drop(acls);
    tree.finish_load(zxid);
    r.seal()?;

    let (digest, last_zxid) = read_trailers(&mut r)?;
    let digest_check = match digest {
        Some(d) if d.zxid > 0 && d.zxid >= zxid && d.version == DIGEST_VERSION => {
            if d.zxid == zxid {
                if d.digest == tree.digest() {
                    DigestCheck::Matched
                } else {
                    DigestCheck::Mismatch {
                        expected: d.digest,
                        actual: tree.digest(),
                    }
                }
            } else {
                DigestCheck::Pending(d)
            }
        }
        _ => DigestCheck::None,
    };
    Ok(LoadedSnapshot {
        tree,
        sessions,
        digest,
        digest_check,
        last_zxid,
        dangling_acl_paths,
    })
}

/// `ReferenceCountedACLCache.deserialize`: key -> shared list. Later duplicates win.
fn read_acl_map(
    r: &mut Reader<'_>,
    tree: &mut DataTree,
) -> Result<BTreeMap<i64, Arc<Vec<Acl>>>, SnapshotError> {
    let mut acls = BTreeMap::new();
    let count: i32 = r.read()?;
    for _ in 0..count.max(0) {
        let key: i64 = r.read()?;
        let at = r.pos;
        let list: Option<Vec<Acl>> = r.read()?;
        let Some(list) = list else {
            return Err(SnapshotError {
                offset: at,
                kind: SnapshotErrorKind::NullAcl { key },
            });
        };
        acls.insert(key, tree.intern_acl(&list));
    }
    Ok(acls)
}

/// `DataTree.deserialize`: node records up to the `"/"` marker. Returns the paths whose
/// ACL key was not in the map.
fn read_nodes(
    r: &mut Reader<'_>,
    tree: &mut DataTree,
    acls: &BTreeMap<i64, Arc<Vec<Acl>>>,
) -> Result<Vec<String>, SnapshotError> {
    let open = tree.intern_acl(&acl::open_acl_unsafe());
    let mut deny_all: Option<Arc<Vec<Acl>>> = None;
    let mut dangling = Vec::new();
    loop {
        let at = r.pos;
        let path: String = r.read()?;
        if path == "/" {
            return Ok(dangling);
        }
        let data: Option<Bytes> = r.read()?;
        let key: i64 = r.read()?;
        let stat: StatPersisted = r.read()?;
        let acl = if key == OPEN_UNSAFE_ACL_ID {
            Arc::clone(&open)
        } else if let Some(a) = acls.get(&key) {
            Arc::clone(a)
        } else {
            dangling.push(path.clone());
            Arc::clone(deny_all.get_or_insert_with(|| {
                tree.intern_acl(&[Acl {
                    perms: 0,
                    id: acl::anyone_id(),
                }])
            }))
        };
        let node = Znode {
            data: data.as_deref().map(Box::from),
            acl,
            stat,
            children: JavaHashSet::for_children(),
        };
        tree.load_node(&path, node).map_err(|e| SnapshotError {
            offset: at,
            kind: match e {
                LoadNodeError::MissingParent(parent) => {
                    SnapshotErrorKind::MissingParent { path, parent }
                }
                LoadNodeError::Duplicate => SnapshotErrorKind::DuplicatePath(path),
            },
        })?;
    }
}

/// The optional sections after seal 1: the digest with seal 2, and 3.9's `lastZxid` with
/// seal 3. A 3.9 writer with digest disabled writes only the latter: 21 bytes.
fn read_trailers(r: &mut Reader<'_>) -> Result<(Option<ZxidDigest>, Option<i64>), SnapshotError> {
    const LAST_ZXID_SECTION: usize = 8 + 8 + END_MARKER.len();
    let mut digest = None;
    if r.remaining() > 0 && r.remaining() != LAST_ZXID_SECTION {
        let zxid: i64 = r.read()?;
        let version: i32 = r.read()?;
        // ZK-COMPAT: DataTree.java: versions before 2 stored the digest as a hex string.
        let value = if version < 2 {
            let s: String = r.read()?;
            u64::from_str_radix(&s, 16).map_or(0, |v| v as i64)
        } else {
            r.read()?
        };
        r.seal()?;
        digest = Some(ZxidDigest {
            zxid,
            version,
            digest: value,
        });
    }
    let mut last_zxid = None;
    if r.remaining() >= LAST_ZXID_SECTION {
        last_zxid = Some(r.read()?);
        r.seal()?;
    }
    Ok((digest, last_zxid))
}

/// A position in the input plus the running Adler32 of the bytes before the last seal.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    adler: adler2::Adler32,
    adler_pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            adler: adler2::Adler32::new(),
            adler_pos: 0,
        }
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn read<T: Record>(&mut self) -> Result<T, SnapshotError> {
        let mut rest = &self.buf[self.pos..];
        match T::decode(&mut rest) {
            Ok(v) => {
                self.pos = self.buf.len() - rest.len();
                Ok(v)
            }
            Err(e) => Err(SnapshotError {
                offset: self.pos,
                kind: SnapshotErrorKind::Decode(e),
            }),
        }
    }

    /// `SnapStream.checkSealIntegrity`: the Adler32 of every byte before the seal, then a
    /// string ZooKeeper reads and ignores (`"/"`).
    fn seal(&mut self) -> Result<(), SnapshotError> {
        let at = self.pos;
        self.adler.write_slice(&self.buf[self.adler_pos..at]);
        self.adler_pos = at;
        let computed = i64::from(self.adler.checksum());
        let stored: i64 = self.read()?;
        let _marker: String = self.read()?;
        if stored != computed {
            return Err(SnapshotError {
                offset: at,
                kind: SnapshotErrorKind::Checksum { stored, computed },
            });
        }
        Ok(())
    }
}
