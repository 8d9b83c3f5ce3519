//! Txn log files (`log.<zxid>`) byte for byte as ZooKeeper 3.8 writes and reads them, and the
//! log-writer thread. Counterpart of `FileTxnLog` (+ its `FileTxnIterator`), `FilePadding`,
//! `Util.marshallTxnEntry`/`readTxnBytes` and the logging half of `SyncRequestProcessor`.
//!
//! ```text
//! FileHeader  "ZKLG" i32 2, i64 dbid 0                      16 bytes
//! entry*      i64 Adler32(payload) | i32 len | payload | 0x42 ('B')
//!             payload = TxnHeader + body [+ TxnDigest]
//! zeros       preallocated tail, in preAllocSize steps (64 MiB by default)
//! ```
//!
//! A reader stops a file at a clean EOF, at a zero length (the preallocated tail), at a short
//! read or a missing `'B'` (a torn write). A checksum mismatch or an unreasonable length is
//! corruption, fatal to ZooKeeper; [`super::recovery`] decides whether it is a torn tail it
//! may cut off.
//!
//! Group commit: [`LogThread`] runs on its own OS thread. It takes every batch queued since its
//! last fsync, writes them with one `write`, syncs once, and reports the highest durable zxid.
//! The core never waits for the disk; a write is acknowledged only after its sync.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::{BufMut, Bytes};
use jute_codec::records::FileHeader;
use jute_codec::txn_body::TxnEntry;
use jute_codec::{DecodeError, Record};
use tracing::{error, info};

use super::storage::{LogDir, LogFile};
use crate::clock::Stopwatch;

/// `FileTxnLog.TXNLOG_MAGIC`: "ZKLG".
pub const TXNLOG_MAGIC: i32 = 0x5A4B_4C47;
/// `FileTxnLog.VERSION`.
pub const TXNLOG_VERSION: i32 = 2;
/// The end-of-record byte after every entry (`'B'`).
pub const EOR: u8 = 0x42;
/// Bytes of a [`FileHeader`].
pub const HEADER_LEN: u64 = 16;
/// Bytes around a payload: checksum (8), length (4), EOR (1).
pub const FRAME_OVERHEAD: usize = 13;
/// `FilePadding`: grow the file when the write position comes this close to its end.
const PAD_THRESHOLD: u64 = 4096;

/// Adler-32 (`java.util.zip.Adler32`), the per-entry checksum.
pub fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // The largest n such that 255 n (n + 1) / 2 + (n + 1) (MOD - 1) fits in a u32.
    const NMAX: usize = 5552;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(NMAX) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// The 16-byte header of a new log file (dbid 0: `FileTxnLog.dbId` is never assigned).
pub fn file_header() -> FileHeader {
    FileHeader {
        magic: TXNLOG_MAGIC,
        version: TXNLOG_VERSION,
        dbid: 0,
    }
}

/// Appends one framed entry to `buf`: checksum, length, payload, `'B'`. The payload is
/// encoded in place, so the entry's data is copied exactly once (into the write buffer).
pub fn encode_entry(entry: &TxnEntry, buf: &mut Vec<u8>) {
    let start = buf.len();
    buf.put_u64(0);
    buf.put_i32(0);
    entry.encode(buf);
    let payload_len = buf.len() - start - 12;
    let sum = adler32(&buf[start + 12..]);
    buf[start..start + 8].copy_from_slice(&u64::from(sum).to_be_bytes());
    buf[start + 8..start + 12].copy_from_slice(&(payload_len as i32).to_be_bytes());
    buf.push(EOR);
}

/// Settings of the writer (`zookeeper.preAllocSize`, `zookeeper.forceSync`,
/// `zookeeper.txnLogSizeLimitInKb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Preallocation step in bytes; 0 disables preallocation.
    pub pre_alloc_bytes: u64,
    /// fdatasync on every commit.
    pub force_sync: bool,
    /// Roll to a new file after a commit that leaves the current one larger than this.
    pub size_limit_bytes: Option<u64>,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            pre_alloc_bytes: 64 * 1024 * 1024,
            force_sync: true,
            size_limit_bytes: None,
        }
    }
}

struct OpenLog {
    file: Box<dyn LogFile>,
    name: String,
    /// Where the next entry goes.
    pos: u64,
    /// The file's length, preallocation included.
    size: u64,
    /// Written since the last sync.
    dirty: bool,
}

/// Writes log files: one per run of txns between rolls, named after its first zxid. Not
/// thread-safe by itself; [`LogThread`] owns one.
pub struct LogWriter {
    dir: Arc<dyn LogDir>,
    cfg: WriterConfig,
    current: Option<OpenLog>,
    /// Encoded entries not yet written; the file header comes first for a new file.
    buf: Vec<u8>,
    /// `Some(offset)` when `buf` starts with a new file's header.
    pending_new: Option<String>,
    last_zxid: i64,
    /// Durations of the fsyncs done since [`LogWriter::take_fsync_times_ms`] last ran.
    fsync_ms: Vec<u64>,
}

impl std::fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriter")
            .field("dir", &self.dir)
            .field("cfg", &self.cfg)
            .field("current", &self.current.as_ref().map(|c| &c.name))
            .field("buffered", &self.buf.len())
            .field("last_zxid", &self.last_zxid)
            .finish()
    }
}

impl LogWriter {
    /// A writer that creates its files in `dir`. Like `FileTxnLog`, it never appends to an
    /// existing file: the first append opens `log.<that zxid>`.
    pub fn new(dir: Arc<dyn LogDir>, cfg: WriterConfig) -> Self {
        Self {
            dir,
            cfg,
            current: None,
            buf: Vec::with_capacity(64 * 1024),
            pending_new: None,
            last_zxid: -1,
            fsync_ms: Vec::new(),
        }
    }

    /// The highest zxid appended.
    pub fn last_zxid(&self) -> i64 {
        self.last_zxid
    }

    /// Bytes buffered and not yet written.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The current file's name, if one is open.
    pub fn current_name(&self) -> Option<&str> {
        self.current
            .as_ref()
            .map(|c| c.name.as_str())
            .or(self.pending_new.as_deref())
    }

    /// Encodes `entry` into the write buffer, starting a new file first if none is open.
    ///
    /// # Panics
    /// If zxids do not increase (a bug in the caller).
    pub fn append(&mut self, entry: &TxnEntry) {
        let zxid = entry.hdr.zxid;
        assert!(
            zxid > self.last_zxid,
            "txn log zxid regression: 0x{zxid:x} after 0x{:x}",
            self.last_zxid
        );
        if self.current.is_none() && self.pending_new.is_none() {
            self.pending_new = Some(super::log_name(zxid));
            file_header().encode(&mut self.buf);
        }
        encode_entry(entry, &mut self.buf);
        self.last_zxid = zxid;
    }

    /// Writes the buffered bytes, growing the file by whole preallocation steps ahead of
    /// them (`FilePadding.padFile`).
    ///
    /// # Errors
    /// The I/O error; the writer must not be used again.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Some(name) = self.pending_new.take() {
            let file = self.dir.create(&name)?;
            info!("Creating new log file: {name}");
            self.current = Some(OpenLog {
                file,
                name,
                pos: 0,
                size: HEADER_LEN,
                dirty: false,
            });
        }
        let cur = self
            .current
            .as_mut()
            .expect("a file is open when bytes are buffered");
        let step = self.cfg.pre_alloc_bytes;
        // ZK-COMPAT: FilePadding.calculateFileSizeWithPadding, decided from the position
        // before the batch (3.8 looks at the flushed channel position, which a batch's
        // buffered entries have not moved yet). The header counts as written here.
        let pos = cur.pos.max(HEADER_LEN);
        let grow_to = (step > 0 && pos + PAD_THRESHOLD >= cur.size).then(|| {
            if pos <= cur.size {
                cur.size + step
            } else {
                (pos + step) / step * step
            }
        });
        let end = cur.pos + self.buf.len() as u64;
        let new_file = cur.pos == 0;
        if let (Some(size), false) = (grow_to, new_file) {
            // Zeros first, then the data: a crash in between leaves a padded file.
            cur.file.set_len(size)?;
        }
        cur.file.write_at(cur.pos, &self.buf)?;
        if let (Some(size), true) = (grow_to, new_file) {
            // A new file gets its header before its padding: a crash in between must not
            // leave a file of zeros without the "ZKLG" magic.
            cur.file.set_len(size.max(end))?;
        }
        if let Some(size) = grow_to {
            cur.size = size;
        }
        cur.pos = end;
        cur.size = cur.size.max(end);
        cur.dirty = true;
        self.buf.clear();
        Ok(())
    }

    /// Flushes and makes everything appended durable (`FileTxnLog.commit`). Rolls afterwards
    /// when the file passed `txnLogSizeLimitInKb`.
    ///
    /// # Errors
    /// The I/O error; the writer must not be used again.
    pub fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        let limit = self.cfg.size_limit_bytes;
        let force = self.cfg.force_sync;
        if let Some(cur) = self.current.as_mut() {
            if cur.dirty && force {
                let timer = Stopwatch::start();
                cur.file.sync()?;
                // ZK-COMPAT: FileTxnLog.commit feeds FSYNC_TIME once per fsync.
                self.fsync_ms.push(timer.elapsed_ms());
            }
            cur.dirty = false;
            if limit.is_some_and(|l| cur.size > l) {
                self.current = None;
            }
        }
        Ok(())
    }

    /// The durations of the fsyncs done since the last call, oldest first (`fsynctime`).
    pub fn take_fsync_times_ms(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.fsync_ms)
    }

    /// Syncs and closes the current file; the next append starts a new one
    /// (`FileTxnLog.rollLog`).
    ///
    /// # Errors
    /// The I/O error; the writer must not be used again.
    pub fn roll(&mut self) -> io::Result<()> {
        self.sync()?;
        self.current = None;
        Ok(())
    }
}

/// Why a file's entries ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEnd {
    /// EOF at an entry boundary.
    Eof,
    /// A zero length: the preallocated tail (`len == 0` ends a file in ZooKeeper).
    Padding,
    /// A short read inside an entry: a torn write.
    Truncated,
    /// The byte after the payload is not `'B'` ("Last transaction was partial.").
    MissingEor,
    /// A negative or too large length ("Unreasonable length"): fatal in ZooKeeper.
    BadLength(i32),
    /// The stored Adler32 does not match the payload ("CRC check failed"): fatal in
    /// ZooKeeper.
    BadChecksum {
        /// Stored value.
        stored: u64,
        /// Computed value.
        computed: u32,
    },
}

impl LogEnd {
    /// Whether ZooKeeper treats this as a normal end of the file (and goes on to the next
    /// one) rather than a fatal error.
    pub fn is_benign(&self) -> bool {
        matches!(
            self,
            LogEnd::Eof | LogEnd::Padding | LogEnd::Truncated | LogEnd::MissingEor
        )
    }

    /// Whether this end is a damaged entry (anything but a clean EOF or the padding).
    pub fn is_damage(&self) -> bool {
        !matches!(self, LogEnd::Eof | LogEnd::Padding)
    }
}

impl std::fmt::Display for LogEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogEnd::Eof => f.write_str("end of file"),
            LogEnd::Padding => f.write_str("preallocated zeros"),
            LogEnd::Truncated => f.write_str("entry cut short by the end of the file"),
            LogEnd::MissingEor => f.write_str("Last transaction was partial (no 0x42 end byte)"),
            LogEnd::BadLength(n) => write!(f, "Unreasonable length = {n}"),
            LogEnd::BadChecksum { stored, computed } => write!(
                f,
                "CRC check failed (stored 0x{stored:x}, computed 0x{computed:x})"
            ),
        }
    }
}

/// One raw frame as read from a file.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// Offset of the frame's checksum.
    pub offset: u64,
    /// The stored checksum.
    pub stored_crc: u64,
    /// The payload.
    pub payload: Bytes,
}

impl RawEntry {
    /// Offset just past this frame.
    pub fn end(&self) -> u64 {
        self.offset + (self.payload.len() + FRAME_OVERHEAD) as u64
    }

    /// Whether the stored checksum matches the payload.
    pub fn crc_ok(&self) -> bool {
        self.stored_crc == u64::from(adler32(&self.payload))
    }
}

/// What reading the next frame gave.
#[derive(Debug)]
pub enum Frame {
    /// A complete frame (checksum not yet checked).
    Entry(RawEntry),
    /// The file's entries end here; `offset` is where the bad or missing frame starts.
    End {
        /// Where the frame that was not read starts.
        offset: u64,
        /// Why.
        why: LogEnd,
    },
}

/// Why a log file cannot be read at all.
#[derive(Debug)]
pub enum OpenError {
    /// I/O error.
    Io(io::Error),
    /// Shorter than a header (ZooKeeper 3.8: `EOFException`).
    ShortHeader(u64),
    /// The magic is not "ZKLG".
    BadMagic(i32),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "{e}"),
            OpenError::ShortHeader(n) => {
                write!(f, "file of {n} bytes is too short for a txn log header")
            }
            OpenError::BadMagic(m) => write!(f, "Invalid magic number 0x{m:08x} (not a txn log)"),
        }
    }
}

/// Reads a log file front to back (`FileTxnIterator` over one file).
pub struct LogFileReader {
    path: PathBuf,
    reader: BufReader<File>,
    offset: u64,
    max_payload: usize,
    /// The header read at open.
    pub header: FileHeader,
}

impl std::fmt::Debug for LogFileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogFileReader")
            .field("path", &self.path)
            .field("offset", &self.offset)
            .finish()
    }
}

/// Reads until `buf` is full or EOF; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl LogFileReader {
    /// Opens `path` and reads its header. `max_payload` is the largest payload accepted
    /// (`jute.maxbuffer` + `zookeeper.jute.maxbuffer.extrasize`).
    ///
    /// # Errors
    /// [`OpenError`] when the file cannot be read or is not a txn log.
    pub fn open(path: &Path, max_payload: usize) -> Result<Self, OpenError> {
        let file = File::open(path).map_err(OpenError::Io)?;
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        let mut hdr = [0u8; HEADER_LEN as usize];
        let n = read_full(&mut reader, &mut hdr).map_err(OpenError::Io)?;
        if n < hdr.len() {
            return Err(OpenError::ShortHeader(n as u64));
        }
        let header = FileHeader::decode(&mut &hdr[..]).expect("16 bytes hold a header");
        if header.magic != TXNLOG_MAGIC {
            return Err(OpenError::BadMagic(header.magic));
        }
        Ok(Self {
            path: path.to_owned(),
            reader,
            offset: HEADER_LEN,
            max_payload,
            header,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the next frame without checking its checksum.
    ///
    /// # Errors
    /// An I/O error.
    pub fn next_frame(&mut self) -> io::Result<Frame> {
        let offset = self.offset;
        let end = |why| Ok(Frame::End { offset, why });
        let mut head = [0u8; 12];
        let n = read_full(&mut self.reader, &mut head)?;
        if n == 0 {
            return end(LogEnd::Eof);
        }
        if n < 8 {
            return end(LogEnd::Truncated);
        }
        if n < 12 {
            return end(LogEnd::Truncated);
        }
        let stored_crc = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
        let len = i32::from_be_bytes(head[8..].try_into().expect("4 bytes"));
        if len == 0 {
            return end(LogEnd::Padding);
        }
        if len < 0 || len as usize > self.max_payload {
            return end(LogEnd::BadLength(len));
        }
        let mut payload = vec![0u8; len as usize + 1];
        let n = read_full(&mut self.reader, &mut payload)?;
        if n < payload.len() {
            return end(LogEnd::Truncated);
        }
        if payload.pop() != Some(EOR) {
            return end(LogEnd::MissingEor);
        }
        self.offset += (len as usize + FRAME_OVERHEAD) as u64;
        Ok(Frame::Entry(RawEntry {
            offset,
            stored_crc,
            payload: Bytes::from(payload),
        }))
    }
}

/// How many znodes the txn in `payload` creates at most (a create, or the creates inside a
/// multi), read from the types and lengths alone: a size hint for replay, 0 when the bytes
/// do not say.
pub fn creates_in(payload: &[u8]) -> usize {
    fn int(b: &[u8], at: usize) -> Option<i32> {
        Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    }
    let is_create = |t: i32| matches!(t, 1 | 15 | 19 | 21);
    // TxnHeader: clientId i64, cxid i32, zxid i64, time i64, type i32.
    match int(payload, 28) {
        Some(t) if is_create(t) => 1,
        Some(14) => {
            // MultiTxn: vector<Txn { int type; buffer data }>.
            let mut at = 32;
            let mut creates = 0;
            let count = int(payload, at).unwrap_or(0);
            at += 4;
            for _ in 0..count.max(0) {
                let (Some(t), Some(len)) = (int(payload, at), int(payload, at + 4)) else {
                    break;
                };
                creates += usize::from(is_create(t));
                at += 8 + len.max(0) as usize;
            }
            creates
        }
        _ => 0,
    }
}

/// Decodes a payload (`SerializeUtils.deserializeTxn`).
///
/// # Errors
/// The [`DecodeError`] of a payload that is not a txn ZooKeeper can read.
pub fn decode_payload(payload: &Bytes) -> Result<TxnEntry, DecodeError> {
    TxnEntry::decode(&mut payload.clone())
}

/// Commands to the log thread.
#[derive(Debug)]
pub enum LogCmd {
    /// Append these txns (zxids increasing). Shared with the core, which applies them once
    /// they are synced.
    Append(Vec<Arc<TxnEntry>>),
    /// Close the current file after what came before; the next append starts a new one.
    Roll,
}

/// How one group commit went, for the `sync_processor_*` and `fsynctime` metrics that
/// ZooKeeper's `SyncRequestProcessor` and `FileTxnLog.commit` feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// One per txn of the batch, in order.
    pub txns: Vec<TxnTiming>,
    /// Writing and syncing the batch (`sync_processor_queue_flush_time_ms`).
    pub flush_ms: u64,
    /// Each fsync done (`fsynctime`): none with `forceSync=no`.
    pub fsync_ms: Vec<u64>,
}

/// The log thread's timings of one txn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxnTiming {
    /// From its hand-over to the thread until the thread took it
    /// (`sync_processor_queue_time_ms`).
    pub queued_ms: u64,
    /// Txns still waiting behind it when the thread took it (`sync_processor_queue_size`).
    pub queue_size: u64,
    /// Encoding it into the write buffer (`sync_process_time`).
    pub process_ms: u64,
    /// From its hand-over until its batch was durable
    /// (`sync_processor_queue_and_flush_time_ms`).
    pub queue_and_flush_ms: u64,
}

/// Reports from the log thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// Every txn up to this zxid is durable.
    Synced {
        /// Highest durable zxid.
        up_to: i64,
        /// Timings of this group commit (for monitoring only).
        stats: SyncStats,
    },
    /// Writing or syncing failed. Nothing after the last `Synced` is durable; the thread has
    /// stopped and the server must stop too (`ZooKeeperCriticalThread`).
    Failed(String),
}

/// Most bytes one write call carries; a larger batch is written in several, still with one
/// sync at the end.
const MAX_WRITE_BYTES: usize = 4 * 1024 * 1024;

/// The log-writer thread (the logging half of `SyncRequestProcessor`).
#[derive(Debug)]
pub struct LogThread {
    /// Commands, stamped with the moment they were queued (for the queue-time metrics).
    tx: Option<mpsc::Sender<(LogCmd, Stopwatch)>>,
    handle: Option<JoinHandle<()>>,
}

impl LogThread {
    /// Starts the thread; `report` is called on it with every [`LogEvent`].
    ///
    /// # Errors
    /// The OS error when the thread cannot be started.
    pub fn spawn(
        writer: LogWriter,
        report: impl Fn(LogEvent) + Send + 'static,
    ) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("zkrs-txnlog".into())
            .spawn(move || run_log_thread(writer, &rx, &report))?;
        Ok(Self {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queues a command. After a failure the thread is gone and commands are dropped (the
    /// [`LogEvent::Failed`] report already told the server to stop).
    pub fn send(&self, cmd: LogCmd) {
        if let Some(tx) = &self.tx {
            let _ = tx.send((cmd, Stopwatch::start()));
        }
    }

    /// Lets the thread finish what is queued (written and synced) and waits for it.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for LogThread {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run_log_thread(
    mut writer: LogWriter,
    rx: &mpsc::Receiver<(LogCmd, Stopwatch)>,
    report: &dyn Fn(LogEvent),
) {
    while let Ok(first) = rx.recv() {
        let mut cmd = Some(first);
        // When each txn was handed over, for the queue-and-flush time once it is durable.
        let mut handed_over: Vec<Stopwatch> = Vec::new();
        let mut stats = SyncStats::default();
        let result = (|| -> io::Result<()> {
            while let Some((c, queued_at)) = cmd.take() {
                match c {
                    LogCmd::Append(entries) => {
                        let queued_ms = queued_at.elapsed_ms();
                        for (i, e) in entries.iter().enumerate() {
                            let timer = Stopwatch::start();
                            writer.append(e);
                            if writer.buffered() >= MAX_WRITE_BYTES {
                                writer.flush()?;
                            }
                            stats.txns.push(TxnTiming {
                                queued_ms,
                                queue_size: (entries.len() - i - 1) as u64,
                                process_ms: timer.elapsed_ms(),
                                queue_and_flush_ms: 0,
                            });
                            handed_over.push(queued_at);
                        }
                    }
                    LogCmd::Roll => writer.roll()?,
                }
                // Group commit: everything queued while the last sync ran joins this one.
                cmd = rx.try_recv().ok();
            }
            let timer = Stopwatch::start();
            writer.sync()?;
            stats.flush_ms = timer.elapsed_ms();
            Ok(())
        })();
        match result {
            Ok(()) => {
                stats.fsync_ms = writer.take_fsync_times_ms();
                for (t, at) in stats.txns.iter_mut().zip(&handed_over) {
                    t.queue_and_flush_ms = at.elapsed_ms();
                }
                if writer.last_zxid() >= 0 {
                    report(LogEvent::Synced {
                        up_to: writer.last_zxid(),
                        stats,
                    });
                }
            }
            Err(e) => {
                let msg = format!(
                    "Severe unrecoverable error writing the txn log {}: {e}",
                    writer.current_name().map_or_else(String::new, |n| writer
                        .dir
                        .path_of(n)
                        .display()
                        .to_string())
                );
                error!("{msg}");
                report(LogEvent::Failed(msg));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::storage::MemDir;
    use jute_codec::records::{SetDataTxn, TxnDigest, TxnHeader};
    use jute_codec::txn_body::TxnBody;

    fn set_data(zxid: i64) -> TxnEntry {
        TxnEntry {
            hdr: TxnHeader {
                client_id: 0x0100_0000_abcd_0001,
                cxid: 7,
                zxid,
                time: 1_700_000_000_000,
                r#type: 5,
            },
            body: TxnBody::SetData(SetDataTxn {
                path: "/app".into(),
                data: Some(Bytes::from_static(b"hi")),
                version: 3,
            }),
            digest: Some(TxnDigest {
                version: 2,
                tree_digest: 0x0000_0001_234a_bcd0,
            }),
        }
    }

    #[test]
    fn creates_are_counted_from_types_and_lengths() {
        use jute_codec::records::{CreateTxn, DeleteTxn};
        use jute_codec::txn_body::SubTxn;
        let create = |p: &str| {
            TxnBody::Create(CreateTxn {
                path: p.into(),
                data: Some(Bytes::from_static(b"v")),
                acl: Vec::new(),
                ephemeral: false,
                parent_c_version: 1,
            })
        };
        let payload = |r#type: i32, body: TxnBody| {
            let mut entry = set_data(9);
            entry.hdr.r#type = r#type;
            entry.body = body;
            let mut buf = Vec::new();
            entry.encode(&mut buf);
            buf
        };
        let multi = TxnBody::Multi(vec![
            SubTxn {
                r#type: 1,
                body: create("/a"),
            },
            SubTxn {
                r#type: 2,
                body: TxnBody::Delete(DeleteTxn { path: "/b".into() }),
            },
            SubTxn {
                r#type: 15,
                body: create("/c"),
            },
        ]);
        assert_eq!(creates_in(&payload(14, multi.clone())), 2);
        assert_eq!(creates_in(&payload(1, create("/x"))), 1);
        assert_eq!(creates_in(&payload(5, set_data(9).body)), 0);
        // Truncated or garbage payloads give a count, never a panic.
        let whole = payload(14, multi);
        for cut in 0..whole.len() {
            assert!(creates_in(&whole[..cut]) <= 2);
        }
        assert_eq!(creates_in(&[0xff; 64]), 0);
    }

    #[test]
    fn adler32_matches_zlib() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let big = vec![0xffu8; 100_000];
        // Reference from zlib.adler32(b"\xff" * 100000).
        assert_eq!(adler32(&big), 0x149A_302C);
    }

    #[test]
    fn entry_framing_matches_the_worked_example() {
        // zookeeper-disk-format.md §5.6.
        let mut buf = Vec::new();
        encode_entry(&set_data(0x1_0000_0005), &mut buf);
        assert_eq!(buf.len(), 75);
        assert_eq!(&buf[..8], &[0, 0, 0, 0, 0xf1, 0x7e, 0x08, 0x7b]);
        assert_eq!(&buf[8..12], &[0, 0, 0, 0x3e]);
        assert_eq!(buf[74], 0x42);
    }

    #[test]
    fn a_new_file_is_preallocated_in_whole_steps() {
        let dir = MemDir::default();
        let mut w = LogWriter::new(
            Arc::new(dir.clone()),
            WriterConfig {
                pre_alloc_bytes: 4096,
                ..WriterConfig::default()
            },
        );
        w.append(&set_data(1));
        w.sync().expect("sync");
        let files = dir.files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "log.1");
        let c = files[0].1.contents();
        // One step after the header, as ZooKeeper's 4112-byte file with one txn.
        assert_eq!(c.data.len(), 16 + 4096);
        assert_eq!(c.durable, c.data);
        assert_eq!(&c.data[..4], b"ZKLG");
    }

    #[test]
    fn roll_starts_a_file_named_after_the_next_zxid() {
        let dir = MemDir::default();
        let mut w = LogWriter::new(Arc::new(dir.clone()), WriterConfig::default());
        w.append(&set_data(1));
        w.append(&set_data(2));
        w.roll().expect("roll");
        w.append(&set_data(3));
        w.sync().expect("sync");
        let names: Vec<String> = dir.files().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["log.1", "log.3"]);
    }

    #[test]
    fn size_limit_rolls_after_the_commit_that_passes_it() {
        let dir = MemDir::default();
        let mut w = LogWriter::new(
            Arc::new(dir.clone()),
            WriterConfig {
                pre_alloc_bytes: 0,
                force_sync: false,
                size_limit_bytes: Some(100),
            },
        );
        w.append(&set_data(1));
        w.sync().expect("sync"); // 16 + 75 = 91: stays
        w.append(&set_data(2));
        w.sync().expect("sync"); // 166 > 100: rolls
        w.append(&set_data(3));
        w.sync().expect("sync");
        let names: Vec<String> = dir.files().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["log.1", "log.3"]);
    }
}
