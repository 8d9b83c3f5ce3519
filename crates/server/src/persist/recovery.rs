//! Recovery at start: the newest valid snapshot, then the txn logs after it. Counterpart of
//! `FileTxnSnapLog.restore`/`fastForwardFromEdits`, `FileTxnLog.FileTxnIterator` and the
//! session clean-up of `ZooKeeperServer.loadData`.
//!
//! Which logs are read (`FileTxnIterator.init`, `FileTxnLog.getLogFiles`): the newest `log.*`
//! whose name zxid is at or before the first txn to replay (snapshot zxid + 1) — it may hold
//! txns after the snapshot — and every later one. Entries at or before the snapshot zxid are
//! read, checked and skipped.
//!
//! How a file may end, and what happens then:
//!
//! | end | ZooKeeper 3.8 | zkrs |
//! |---|---|---|
//! | EOF, zero length (preallocation) | next file | same |
//! | short read, missing `'B'` (torn write) | next file, the torn bytes stay | same; in the last file the torn bytes are cut off (logged) |
//! | checksum mismatch, unreasonable length | fatal | in the last file, when no valid entry follows: a torn tail, cut off (logged). Otherwise a startup error naming file and offset |
//! | a payload with a good checksum that does not decode | fatal | fatal |
//! | last file shorter than its header, or all zeros | fatal (3.9.3+: a 0-byte one is deleted) | deleted (logged): a crash between creating and writing it |
//!
//! Cutting the damaged tail off (rather than leaving it as ZooKeeper does) keeps the data
//! directory readable by ZooKeeper afterwards: a checksum error left in an older file would
//! make ZooKeeper refuse to start. Only unacknowledged txns are lost: a txn is acknowledged
//! after the fsync that covers it, and every entry after a torn one was synced no earlier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datatree::digest::{DigestTracker, DigestVerdict};
use datatree::{DataTree, TreeConfig};
use jute_codec::records::TxnHeader;
use jute_codec::txn_body::{TxnBody, TxnEntry};
use jute_codec::OpCode;
use tracing::{debug, info, warn};

use super::txn_log::{self, Frame, LogEnd, LogFileReader, OpenError};
use super::{list_files, DataDirs, LOG_PREFIX};
use crate::clock::Stopwatch;
use crate::error::Error;
use crate::session::SessionId;

/// The snapshot recovery starts from.
#[derive(Debug)]
pub struct BaseSnapshot {
    /// Its zxid (from the file name).
    pub zxid: i64,
    /// The file.
    pub path: PathBuf,
    /// The tree (fuzzy: replay brings it up to date).
    pub tree: DataTree,
    /// Sessions with their timeouts in ms.
    pub sessions: BTreeMap<SessionId, i32>,
    /// The snapshot's digest when it is of a later zxid than the snapshot's own (a fuzzy
    /// snapshot): replay compares the tree with it on reaching that zxid.
    pub digest_target: Option<datatree::digest::ZxidDigest>,
    /// The snapshot's digest was of its own zxid and differed from the loaded tree's.
    pub digest_mismatch: bool,
}

/// Loads the newest valid snapshot of a snapshot directory, `None` when there is none.
pub type SnapshotLoader<'a> = &'a dyn Fn(&Path, TreeConfig) -> Result<Option<BaseSnapshot>, Error>;

/// How to recover.
#[derive(Debug, Clone)]
pub struct RecoveryOptions {
    /// `zookeeper.snapshot.trust.empty`: accept logs without any snapshot.
    pub trust_empty_snapshot: bool,
    /// `zookeeper.db.autocreate`: an empty data directory starts an empty database.
    pub db_autocreate: bool,
    /// Largest entry payload accepted (`jute.maxbuffer` + extrasize).
    pub max_payload: usize,
    /// How the tree interprets txns (extended types).
    pub tree_config: TreeConfig,
    /// Cut torn tails off and delete header-less last files. Off for read-only checks.
    pub repair: bool,
    /// `zookeeper.digest.enabled`: compare replayed txns' digests with the tree's.
    pub digest_enabled: bool,
}

impl Default for RecoveryOptions {
    fn default() -> Self {
        Self {
            trust_empty_snapshot: false,
            db_autocreate: true,
            max_payload: 2 * 0xfffff,
            tree_config: TreeConfig::default(),
            repair: true,
            digest_enabled: true,
        }
    }
}

/// What recovery produced.
#[derive(Debug)]
pub struct Recovered {
    /// The tree, up to date with every durable txn.
    pub tree: DataTree,
    /// Live sessions and their timeouts in ms.
    pub sessions: BTreeMap<SessionId, i32>,
    /// The snapshot started from, if any.
    pub snapshot: Option<(i64, PathBuf)>,
    /// Txns replayed from the logs.
    pub replayed: u64,
    /// What was repaired or tolerated, in words (one line each), for logs and tools.
    pub notes: Vec<String>,
    /// The digest checks of the snapshot and the replayed txns, and the digest log, which
    /// the server carries on with (`DataTree`'s digest state survives `loadData`).
    pub digests: DigestTracker,
    /// How long the steps took, for the startup metrics.
    pub timings: StartupTimings,
}

/// How long loading the database took (the `startup_*` and `dbinittime` metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartupTimings {
    /// Finding and loading the snapshot (`STARTUP_SNAP_LOAD_TIME`).
    pub snap_load_ms: u64,
    /// Txns replayed and the time replay took (`STARTUP_TXNS_LOADED`,
    /// `STARTUP_TXNS_LOAD_TIME`); `None` for a new empty database, which ZooKeeper creates
    /// without that step.
    pub txns: Option<(u64, u64)>,
    /// The whole restore (`DB_INIT_TIME`).
    pub db_init_ms: u64,
}

impl Recovered {
    /// The last zxid: new txns continue after it.
    pub fn last_zxid(&self) -> i64 {
        self.tree.last_processed_zxid()
    }
}

/// `FileTxnSnapLog.restore` + `ZooKeeperServer.loadData`'s dead-session clean-up.
///
/// # Errors
/// [`Error::Corrupt`] naming the file and offset of damage that is not a torn tail;
/// [`Error::Io`] for I/O failures; [`Error::Corrupt`] for logs without a snapshot unless
/// `trust_empty_snapshot`.
pub fn restore(
    dirs: &DataDirs,
    opts: &RecoveryOptions,
    load_snapshot: SnapshotLoader<'_>,
) -> Result<Recovered, Error> {
    let restore_timer = Stopwatch::start();
    let mut notes = Vec::new();
    let trust_empty_db = take_initialize_marker(dirs, opts.repair)? || opts.db_autocreate;
    let logs = list_files(&dirs.log_dir, LOG_PREFIX)?;
    let snap_timer = Stopwatch::start();
    let base = load_snapshot(&dirs.snap_dir, opts.tree_config)?;
    let snap_load_ms = snap_timer.elapsed_ms();
    let empty_db = base.is_none() && logs.is_empty();
    let mut digests = DigestTracker::new(opts.digest_enabled, None);
    let (tree, sessions, snapshot) = match base {
        Some(b) => {
            info!(
                "Snapshot loaded in zxid order: 0x{:x} from {}",
                b.zxid,
                b.path.display()
            );
            digests = DigestTracker::new(opts.digest_enabled, b.digest_target);
            if b.digest_mismatch && opts.digest_enabled {
                digests.count_mismatch();
            }
            (b.tree, b.sessions, Some((b.zxid, b.path)))
        }
        None if !logs.is_empty() => {
            if !opts.trust_empty_snapshot {
                return Err(Error::Corrupt {
                    file: dirs.snap_dir.clone(),
                    offset: 0,
                    message: "No snapshot found, but there are log entries. Something is \
                              broken! (set zookeeper.snapshot.trust.empty=true to replay the \
                              logs onto an empty tree)"
                        .into(),
                });
            }
            warn!("No snapshot found, but there are log entries. This should only be allowed during upgrading.");
            notes.push("no snapshot: replayed the logs onto an empty tree".into());
            (
                DataTree::with_config(opts.tree_config),
                BTreeMap::new(),
                None,
            )
        }
        None => {
            if !trust_empty_db {
                return Err(Error::Corrupt {
                    file: dirs.snap_dir.clone(),
                    offset: 0,
                    message: "no snapshot and no txn log, and zookeeper.db.autocreate is \
                              false: refusing to start an empty database"
                        .into(),
                });
            }
            info!("Initialize file found or autocreate: an empty database");
            (
                DataTree::with_config(opts.tree_config),
                BTreeMap::new(),
                None,
            )
        }
    };
    let mut r = Recovered {
        tree,
        sessions,
        snapshot,
        replayed: 0,
        notes,
        digests,
        timings: StartupTimings {
            snap_load_ms,
            ..StartupTimings::default()
        },
    };
    let from = r.snapshot.as_ref().map_or(0, |(z, _)| *z) + 1;
    let replay_timer = Stopwatch::start();
    replay(&logs, from, opts, &mut r)?;
    if !empty_db {
        r.timings.txns = Some((r.replayed, replay_timer.elapsed_ms()));
    }
    kill_dead_sessions(&mut r);
    r.timings.db_init_ms = restore_timer.elapsed_ms();
    Ok(r)
}

/// The `initialize` marker next to `dataLogDir/version-2`: deleted, and a reason to trust an
/// empty database (`FileTxnSnapLog.restore`).
fn take_initialize_marker(dirs: &DataDirs, delete: bool) -> Result<bool, Error> {
    let Some(parent) = dirs.log_dir.parent() else {
        return Ok(false);
    };
    let marker = parent.join("initialize");
    if !marker.exists() {
        return Ok(false);
    }
    if !delete {
        return Ok(true);
    }
    std::fs::remove_file(&marker)
        .map_err(|e| Error::io(format!("deleting {}", marker.display()), e))?;
    Ok(true)
}

/// The logs `FileTxnIterator` reads to start at `from`: the newest one whose name zxid is
/// `<= from` (it may hold `from`), and all later ones.
pub fn logs_from(logs: &[(i64, PathBuf)], from: i64) -> &[(i64, PathBuf)] {
    // ZK-COMPAT: FileTxnLog.getLogFiles: the newest file whose name zxid is <= the start,
    // and every later one.
    let first_after = logs.partition_point(|(z, _)| *z <= from);
    &logs[first_after.saturating_sub(1)..]
}

fn replay(
    logs: &[(i64, PathBuf)],
    from: i64,
    opts: &RecoveryOptions,
    r: &mut Recovered,
) -> Result<(), Error> {
    let selected = logs_from(logs, from);
    let mut highest = from - 1;
    for (i, (_, path)) in selected.iter().enumerate() {
        let last_file = i + 1 == selected.len();
        let mut reader = match LogFileReader::open(path, opts.max_payload) {
            Ok(rd) => rd,
            Err(e @ (OpenError::ShortHeader(_) | OpenError::BadMagic(0)))
                if last_file && all_zeros_after_header(path, &e) =>
            {
                let note = format!(
                    "{}: {e}, and nothing but zeros (a crash while creating it)",
                    path.display()
                );
                warn!("{note}; deleting it");
                if opts.repair {
                    std::fs::remove_file(path)
                        .map_err(|e| Error::io(format!("deleting {}", path.display()), e))?;
                }
                r.notes.push(note);
                continue;
            }
            Err(e) => return Err(corrupt(path, 0, e.to_string())),
        };
        // Reading, checksums and decoding run on a thread of their own, a batch ahead of
        // the tree (they were a fifth of the replay time of a large log).
        let outcome = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Read>>(READ_AHEAD_BATCHES);
            scope.spawn(move || {
                if let Some(creates) = count_creates(path, from, opts.max_payload) {
                    let _ = tx.send(vec![Read::Hint(creates)]);
                }
                read_ahead(&mut reader, &tx);
            });
            replay_file(&rx, path, last_file, from, &mut highest, opts, r)
        });
        outcome?;
    }
    r.tree.shrink_nodes();
    if r.replayed > 0 {
        info!(
            "{} txns loaded from the logs, last zxid 0x{highest:x}",
            r.replayed
        );
    }
    Ok(())
}

/// Batches in flight between the reading thread and the tree.
const READ_AHEAD_BATCHES: usize = 4;
/// Frames per batch, at most.
const READ_AHEAD_BATCH: usize = 128;
/// Payload bytes per batch, at most (about): decoded txns take a few times their encoded
/// size, and a multi can hold thousands of creates, so frames alone would not bound the
/// memory in flight.
const READ_AHEAD_BYTES: usize = 256 * 1024;

/// What the reading thread found at one place in a log file.
enum Read {
    /// The file creates at most this many znodes: room is made for them at once, rather than
    /// the node map growing (and rehashing every key) step by step.
    Hint(usize),
    /// A frame whose checksum is good, decoded (or not).
    Decoded {
        offset: u64,
        entry: Result<TxnEntry, jute_codec::DecodeError>,
    },
    /// The last item of a file: its end, or a frame with a bad checksum.
    Stop(Frame),
    /// The last item of a file: it could not be read.
    Failed(std::io::Error),
}

/// The znodes the txns from zxid `from` on in the log at `path` create at most
/// ([`txn_log::creates_in`] over its frames, checksums unchecked). A quick pass ahead of the
/// real one; `None` if the file cannot be read.
fn count_creates(path: &Path, from: i64, max_payload: usize) -> Option<usize> {
    let mut reader = LogFileReader::open(path, max_payload).ok()?;
    let mut creates = 0usize;
    while let Ok(Frame::Entry(raw)) = reader.next_frame() {
        // TxnHeader: clientId i64, cxid i32, zxid i64, ...
        let zxid = raw
            .payload
            .get(12..20)
            .map(|b| i64::from_be_bytes(b.try_into().expect("an 8-byte slice")));
        if zxid.is_some_and(|z| z >= from) {
            creates = creates.saturating_add(txn_log::creates_in(&raw.payload));
        }
    }
    Some(creates)
}

/// Reads, checks and decodes `reader`'s frames into `tx` until the file ends (or the
/// receiver is gone).
fn read_ahead(reader: &mut LogFileReader, tx: &std::sync::mpsc::SyncSender<Vec<Read>>) {
    let mut batch = Vec::with_capacity(READ_AHEAD_BATCH);
    let mut bytes = 0;
    loop {
        let item = match reader.next_frame() {
            Err(e) => Read::Failed(e),
            Ok(Frame::Entry(raw)) if raw.crc_ok() => {
                bytes += raw.payload.len();
                Read::Decoded {
                    offset: raw.offset,
                    entry: txn_log::decode_payload(&raw.payload),
                }
            }
            Ok(frame) => Read::Stop(frame),
        };
        let last = !matches!(item, Read::Decoded { .. });
        batch.push(item);
        if last || batch.len() == READ_AHEAD_BATCH || bytes >= READ_AHEAD_BYTES {
            bytes = 0;
            let full = std::mem::replace(&mut batch, Vec::with_capacity(READ_AHEAD_BATCH));
            if tx.send(full).is_err() || last {
                return;
            }
        }
    }
}

/// Applies one file's frames as the reading thread delivers them (`FileTxnIterator.next`
/// and `fastForwardFromEdits` over one file).
fn replay_file(
    rx: &std::sync::mpsc::Receiver<Vec<Read>>,
    path: &Path,
    last_file: bool,
    from: i64,
    highest: &mut i64,
    opts: &RecoveryOptions,
    r: &mut Recovered,
) -> Result<(), Error> {
    for batch in rx.iter() {
        for item in batch {
            let (offset, entry) = match item {
                Read::Hint(creates) => {
                    r.tree.reserve_nodes(creates);
                    continue;
                }
                Read::Decoded { offset, entry } => (offset, entry),
                Read::Failed(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
                Read::Stop(Frame::End { offset, why }) => {
                    return end_of_file(path, offset, &why, last_file, opts, r);
                }
                Read::Stop(Frame::Entry(raw)) => {
                    let why = LogEnd::BadChecksum {
                        stored: raw.stored_crc,
                        computed: txn_log::adler32(&raw.payload),
                    };
                    if last_file && !valid_frame_at(path, raw.end(), *highest, opts.max_payload) {
                        return end_of_file(path, raw.offset, &why, true, opts, r);
                    }
                    return Err(corrupt(path, raw.offset, why.to_string()));
                }
            };
            let entry = entry.map_err(|e| {
                corrupt(
                    path,
                    offset,
                    format!("checksum is good but the txn cannot be decoded: {e}"),
                )
            })?;
            let zxid = entry.hdr.zxid;
            if zxid < from {
                continue;
            }
            if zxid <= *highest {
                warn!(
                    "{}: txn 0x{zxid:x} at offset {offset} is not after 0x{:x}; skipped",
                    path.display(),
                    *highest
                );
                continue;
            }
            apply(r, &entry);
            *highest = zxid;
        }
    }
    Err(Error::io(
        format!("reading {}", path.display()),
        std::io::Error::other("the reading thread stopped early"),
    ))
}

/// One replayed txn (`FileTxnSnapLog.processTransaction`): sessions, then the tree.
fn apply(r: &mut Recovered, entry: &TxnEntry) {
    let hdr = &entry.hdr;
    match &entry.body {
        TxnBody::CreateSession(t) => {
            r.sessions.insert(hdr.client_id, t.time_out);
        }
        TxnBody::CloseSession(_) => {
            r.sessions.remove(&hdr.client_id);
        }
        _ => {}
    }
    let outcome = r.tree.apply(hdr, &entry.body);
    let logged = entry.digest.map(|d| (d.version, d.tree_digest));
    if let DigestVerdict::Mismatch { expected, actual } =
        r.digests.txn_applied(hdr.zxid, logged, r.tree.digest())
    {
        warn!(
            "Digests are not matching. Value is Zxid. 0x{:x}: txn log {expected}, tree {actual}",
            hdr.zxid
        );
    }
    if outcome.result.err != 0 && hdr.r#type != OpCode::Error.as_i32() {
        // NODEEXISTS / NONODE: the fuzzy snapshot already had this txn's effect.
        debug!(
            "replay of 0x{:x} (type {}) gave {}",
            hdr.zxid, hdr.r#type, outcome.result.err
        );
    }
    r.replayed += 1;
}

/// A file's entries ended with `why` at `offset`.
fn end_of_file(
    path: &Path,
    offset: u64,
    why: &LogEnd,
    last_file: bool,
    opts: &RecoveryOptions,
    r: &mut Recovered,
) -> Result<(), Error> {
    if !why.is_damage() {
        return Ok(());
    }
    if !last_file {
        if why.is_benign() {
            // ZK-COMPAT: FileTxnIterator.next: a torn entry ends this file, reading goes on
            // with the next one (ZooKeeper leaves such files in place after a crash).
            warn!(
                "{}: {why} at offset {offset}; continuing with the next log",
                path.display()
            );
            r.notes
                .push(format!("{}: {why} at offset {offset}", path.display()));
            return Ok(());
        }
        return Err(corrupt(path, offset, why.to_string()));
    }
    let note = format!(
        "{}: torn tail at offset {offset} ({why}): truncated to the last complete txn",
        path.display()
    );
    warn!("{note}");
    if opts.repair {
        truncate(path, offset)?;
    }
    r.notes.push(note);
    Ok(())
}

fn truncate(path: &Path, len: u64) -> Result<(), Error> {
    let ctx = || format!("truncating {} to {len} bytes", path.display());
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(ctx(), e))?;
    f.set_len(len).map_err(|e| Error::io(ctx(), e))?;
    f.sync_all().map_err(|e| Error::io(ctx(), e))
}

/// For a last log that could not be opened: a short header is always a file cut short while
/// being created; a zero magic counts as one only when the whole file is zeros (created and
/// preallocated, nothing written), so no data can be lost by removing it.
fn all_zeros_after_header(path: &Path, e: &OpenError) -> bool {
    if matches!(e, OpenError::ShortHeader(_)) {
        return true;
    }
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) if buf[..n].iter().all(|b| *b == 0) => {}
            _ => return false,
        }
    }
}

/// Whether a complete, checksummed, decodable entry with a zxid after `after` starts at
/// `offset` of `path`: then damage before it is not a torn tail.
fn valid_frame_at(path: &Path, offset: u64, after: i64, max_payload: usize) -> bool {
    use std::os::unix::fs::FileExt;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 12];
    if f.read_exact_at(&mut head, offset).is_err() {
        return false;
    }
    let len = i32::from_be_bytes(head[8..].try_into().expect("4 bytes"));
    if len <= 0 || len as usize > max_payload {
        return false;
    }
    let mut payload = vec![0u8; len as usize + 1];
    if f.read_exact_at(&mut payload, offset + 12).is_err() || payload.pop() != Some(txn_log::EOR) {
        return false;
    }
    let stored = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
    if stored != u64::from(txn_log::adler32(&payload)) {
        return false;
    }
    txn_log::decode_payload(&bytes::Bytes::from(payload)).is_ok_and(|e| e.hdr.zxid > after)
}

fn corrupt(path: &Path, offset: u64, message: String) -> Error {
    Error::Corrupt {
        file: path.to_owned(),
        offset,
        message,
    }
}

/// `ZooKeeperServer.loadData`: sessions that own ephemerals but are not live are killed, in
/// memory and without a txn, at the last zxid.
fn kill_dead_sessions(r: &mut Recovered) {
    let dead: Vec<SessionId> = r
        .tree
        .session_ephemerals()
        .keys()
        .filter(|s| !r.sessions.contains_key(s))
        .copied()
        .collect();
    let zxid = r.tree.last_processed_zxid();
    for session in dead {
        info!("Killing dead session 0x{session:x} and its ephemerals");
        let hdr = TxnHeader {
            client_id: session,
            cxid: 0,
            zxid,
            time: 0,
            r#type: OpCode::CloseSession.as_i32(),
        };
        r.tree.apply(&hdr, &TxnBody::CloseSession(None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_selection_includes_the_newest_file_before_the_start() {
        let logs: Vec<(i64, PathBuf)> = [1, 9, 0x13, 0x1c]
            .into_iter()
            .map(|z| (z, PathBuf::from(format!("log.{z:x}"))))
            .collect();
        let zs = |from| -> Vec<i64> { logs_from(&logs, from).iter().map(|(z, _)| *z).collect() };
        assert_eq!(zs(1), vec![1, 9, 0x13, 0x1c]);
        assert_eq!(zs(0x12), vec![9, 0x13, 0x1c]);
        assert_eq!(zs(0x13), vec![0x13, 0x1c]);
        assert_eq!(zs(0x14), vec![0x13, 0x1c]);
        assert_eq!(zs(0x100), vec![0x1c]);
    }
}
