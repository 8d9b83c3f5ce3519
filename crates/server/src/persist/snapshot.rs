//! `snapshot.<zxid>` files. Counterpart of `FileSnap` (finding, reading and writing
//! snapshots), `SnapStream` (compression, the validity pre-check) and the snapshot half of
//! `Util` (file names).
//!
//! The stream inside a file is [`datatree::snapshot`]'s; this module adds:
//!
//! - **Names** exactly as ZooKeeper's: `<dataDir>/version-2/snapshot.<lowercase hex zxid>`
//!   plus `""`, `.gz` or `.snappy` from `zookeeper.snapshot.compression.method`. A reader
//!   picks the decoder from the name's last `.` component only.
//! - **Compression**: gzip (one member; any gzip stream is read) and snappy-java's
//!   ("xerial") stream: `\x82SNAPPY\0`, version 1, compatible version 1, then blocks of
//!   `i32 length` + one raw Snappy block of at most 32 KiB of input. The seals' Adler32 is
//!   over the uncompressed bytes.
//! - **Atomic writes**: ZooKeeper writes most snapshots straight into place, so a crash can
//!   leave a torn file that only the pre-check (or the full read) rejects. zkrs writes
//!   `tmp-snapshot.<zxid>...` (a name ZooKeeper's `Util.getZxidFromName` ignores), fsyncs it,
//!   renames it into place and fsyncs the directory: a file named `snapshot.*` is always
//!   complete. The bytes on disk are the same as ZooKeeper's.
//! - **Choosing a snapshot** (`FileSnap.findNValidSnapshots`, `deserialize`): newest zxid
//!   first, at most 100 candidates passing the cheap pre-check (`SnapStream.isValidSnapshot`),
//!   each fully read and checked until one loads; a corrupt one is skipped with a log line
//!   naming the file and the reason.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use datatree::snapshot::{self as stream, LoadedSnapshot, SnapshotError, SnapshotImage};
use datatree::TreeConfig;

use crate::config::SystemProperties;

/// `FileSnap.SNAPSHOT_FILE_PREFIX`.
pub const PREFIX: &str = "snapshot";
/// The subdirectory of `dataDir` that holds snapshots (`FileTxnSnapLog.version + VERSION`).
pub const VERSION_DIR: &str = "version-2";
/// How many valid-looking snapshots a load tries, newest first (`FileSnap.deserialize`).
pub const MAX_CANDIDATES: usize = 100;
/// Prefix of the files zkrs writes before renaming them into place.
const TEMP_PREFIX: &str = "tmp-";
/// `SnappyCodec.MAGIC_HEADER`.
const SNAPPY_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// snappy-java's `SnappyOutputStream.DEFAULT_BLOCK_SIZE`.
const SNAPPY_BLOCK: usize = 32 * 1024;
/// The largest uncompressed Snappy block accepted when reading, so a corrupt length cannot
/// make us allocate gigabytes (snappy-java writes 32 KiB blocks).
const SNAPPY_MAX_BLOCK: usize = 64 * 1024 * 1024;
/// `GZIPInputStream.GZIP_MAGIC`, as the first two bytes of a file.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// `SnapStream.StreamMode`: how a snapshot file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// `CHECKED`: no compression, no suffix.
    #[default]
    None,
    /// `GZIP`: suffix `.gz`.
    Gzip,
    /// `SNAPPY` (snappy-java's stream format): suffix `.snappy`.
    Snappy,
}

impl Compression {
    /// `StreamMode.fromString`: `gz` or `snappy` in any case; anything else (the default
    /// `""` included) is no compression.
    pub fn from_method(method: &str) -> Self {
        if method.eq_ignore_ascii_case("gz") {
            Compression::Gzip
        } else if method.eq_ignore_ascii_case("snappy") {
            Compression::Snappy
        } else {
            Compression::None
        }
    }

    /// `SnapStream.getStreamMode(fileName)`: from the last `.`-separated component of a
    /// file name (so `snapshot.5.gz.tmp` is uncompressed).
    pub fn from_file_name(name: &str) -> Self {
        let parts = java_split_dots(name);
        match parts.as_slice() {
            [_, .., last] => Compression::from_method(last),
            _ => Compression::None,
        }
    }

    /// `StreamMode.getFileExtension`.
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Snappy => ".snappy",
        }
    }
}

/// The settings that shape the snapshots this server writes, from ZooKeeper's system
/// properties (zoo.cfg keys become `zookeeper.<key>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SnapshotSettings {
    /// `zookeeper.snapshot.compression.method`.
    pub compression: Compression,
    /// The sections written besides the tree (`zookeeper.digest.enabled`, 3.9's
    /// `zookeeper.serializeLastProcessedZxid.enabled`).
    pub write: stream::WriteOptions,
}

impl SnapshotSettings {
    /// Reads `zookeeper.snapshot.compression.method` (default `""`),
    /// `zookeeper.digest.enabled` (`Boolean.parseBoolean`, default true) and
    /// `zookeeper.serializeLastProcessedZxid.enabled` (default false here: ZooKeeper 3.8
    /// does not have it, and 3.9 reads files with or without it).
    pub fn from_properties(props: &SystemProperties) -> Self {
        let flag = |name: &str, default: bool| {
            props
                .get(name)
                .map_or(default, |v| v.eq_ignore_ascii_case("true"))
        };
        SnapshotSettings {
            compression: Compression::from_method(
                props
                    .get("zookeeper.snapshot.compression.method")
                    .unwrap_or(""),
            ),
            write: stream::WriteOptions {
                digest_enabled: flag("zookeeper.digest.enabled", true),
                serialize_last_processed_zxid: flag(
                    "zookeeper.serializeLastProcessedZxid.enabled",
                    false,
                ),
            },
        }
    }
}

/// `<dataDir>/version-2`.
pub fn snapshot_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(VERSION_DIR)
}

/// `Util.makeSnapshotName` + the suffix: `snapshot.<lowercase hex zxid><suffix>`.
pub fn file_name(zxid: i64, compression: Compression) -> String {
    format!("{PREFIX}.{:x}{}", zxid, compression.suffix())
}

/// `Util.getZxidFromName`: the zxid in a `<prefix>.<hex>[.anything]` name, or -1 when the
/// name does not have that shape (Java's `Long.parseLong(part, 16)` rules: an optional sign,
/// no overflow).
pub fn zxid_from_name(name: &str, prefix: &str) -> i64 {
    let parts = java_split_dots(name);
    if parts.len() < 2 || parts[0] != prefix {
        return -1;
    }
    i64::from_str_radix(parts[1], 16).unwrap_or(-1)
}

/// Java's `name.split("\\.")`: trailing empty strings removed.
fn java_split_dots(name: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = name.split('.').collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// `SnapStream.isValidSnapshot`: the cheap check before a full read. The name must carry a
/// zxid; an uncompressed file must be at least 10 bytes and end with the seal's `"/"`
/// (`00 00 00 01 2F`); a `.gz` file must start with the gzip magic and a `.snappy` file with
/// snappy-java's.
///
/// # Errors
/// I/O errors other than a missing file (which is just not valid).
pub fn is_valid_snapshot(path: &Path) -> io::Result<bool> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(false);
    };
    if zxid_from_name(name, PREFIX) == -1 {
        return Ok(false);
    }
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let starts_with = |f: &mut File, magic: &[u8]| -> io::Result<bool> {
        let mut head = vec![0u8; magic.len()];
        match f.read_exact(&mut head) {
            Ok(()) => Ok(head == magic),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(e),
        }
    };
    match Compression::from_file_name(name) {
        Compression::Gzip => starts_with(&mut f, &GZIP_MAGIC),
        Compression::Snappy => starts_with(&mut f, &SNAPPY_MAGIC),
        Compression::None => {
            use std::io::{Seek, SeekFrom};
            let len = f.metadata()?.len();
            if len < 10 {
                return Ok(false);
            }
            f.seek(SeekFrom::Start(len - 5))?;
            let mut tail = [0u8; 5];
            f.read_exact(&mut tail)?;
            Ok(tail == stream::END_MARKER)
        }
    }
}

/// Every `snapshot.*` file in `dir` with a parseable zxid, newest first (`Util.sortDataDir`
/// descending; ties by name, where ZooKeeper keeps the directory's order). A missing
/// directory has none.
///
/// # Errors
/// The directory cannot be listed.
pub fn list_snapshots(dir: &Path) -> io::Result<Vec<(i64, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let zxid = zxid_from_name(name, PREFIX);
        if zxid != -1 {
            out.push((zxid, entry.path()));
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(out)
}

/// `FileSnap.findNValidSnapshots`: up to `n` snapshots that pass [`is_valid_snapshot`],
/// newest first. A file whose pre-check fails with an I/O error is skipped with a warning.
///
/// # Errors
/// The directory cannot be listed.
pub fn find_n_valid_snapshots(dir: &Path, n: usize) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (_, path) in list_snapshots(dir)? {
        if out.len() == n {
            break;
        }
        match is_valid_snapshot(&path) {
            Ok(true) => out.push(path),
            Ok(false) => {}
            Err(e) => tracing::warn!("invalid snapshot {}: {e}", path.display()),
        }
    }
    Ok(out)
}

/// Why a snapshot file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    /// Reading the file (or decompressing it) failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The uncompressed stream is corrupt.
    #[error("{}: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where and what.
        #[source]
        source: SnapshotError,
    },
    /// The name carries no zxid.
    #[error("{}: not a snapshot file name", path.display())]
    BadName {
        /// The file.
        path: PathBuf,
    },
}

impl From<SnapshotFileError> for crate::error::Error {
    fn from(e: SnapshotFileError) -> Self {
        match e {
            SnapshotFileError::Corrupt { path, source } => crate::error::Error::Corrupt {
                file: path,
                offset: source.offset as u64,
                message: source.kind.to_string(),
            },
            SnapshotFileError::Io { path, source } => crate::error::Error::Io {
                context: format!("reading snapshot {}", path.display()),
                source,
            },
            SnapshotFileError::BadName { path } => crate::error::Error::Corrupt {
                file: path,
                offset: 0,
                message: "not a snapshot file name".into(),
            },
        }
    }
}

/// The uncompressed stream of a snapshot file, decoded as its name says.
///
/// # Errors
/// I/O errors, and malformed compression (as `InvalidData`).
pub fn read_uncompressed(path: &Path) -> io::Result<Vec<u8>> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let compression = Compression::from_file_name(name);
    let file = File::open(path)?;
    let mut out = Vec::new();
    match compression {
        Compression::None => {
            BufReader::new(file).read_to_end(&mut out)?;
        }
        Compression::Gzip => {
            // GZIPInputStream reads concatenated members too.
            flate2::read::MultiGzDecoder::new(BufReader::new(file)).read_to_end(&mut out)?;
        }
        Compression::Snappy => {
            let mut raw = Vec::new();
            BufReader::new(file).read_to_end(&mut raw)?;
            out = snappy_decode(&raw)?;
        }
    }
    Ok(out)
}

/// Reads and checks one snapshot file (`FileSnap.deserialize` for one candidate). The tree's
/// `lastProcessedZxid` is the zxid in the name.
///
/// # Errors
/// See [`SnapshotFileError`].
pub fn read_file(path: &Path, config: TreeConfig) -> Result<LoadedSnapshot, SnapshotFileError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let zxid = zxid_from_name(name, PREFIX);
    if zxid == -1 {
        return Err(SnapshotFileError::BadName {
            path: path.to_owned(),
        });
    }
    let bytes = read_uncompressed(path).map_err(|source| SnapshotFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    stream::load(&bytes, zxid, config).map_err(|source| SnapshotFileError::Corrupt {
        path: path.to_owned(),
        source,
    })
}

/// A snapshot chosen at start-up.
#[derive(Debug)]
pub struct NewestSnapshot {
    /// The zxid in its name: replay starts after it.
    pub zxid: i64,
    /// The file.
    pub path: PathBuf,
    /// Its content.
    pub snapshot: LoadedSnapshot,
}

/// Why no snapshot could be loaded although some were found.
#[derive(Debug, thiserror::Error)]
#[error("Not able to find valid snapshots in {} ({} tried)", dir.display(), failures.len())]
pub struct NoValidSnapshot {
    /// The snapshot directory.
    pub dir: PathBuf,
    /// Why each candidate failed, newest first.
    pub failures: Vec<SnapshotFileError>,
}

/// `FileSnap.deserialize`: loads the newest snapshot of `dir` (a `version-2` directory)
/// that reads and checks cleanly, trying at most [`MAX_CANDIDATES`] that pass the
/// pre-check, newest first. Each one skipped is logged with its file and the reason.
///
/// Returns `Ok(None)` when there is no candidate at all (a new server; ZooKeeper's -1).
///
/// # Errors
/// [`NoValidSnapshot`] when candidates exist but none loads (fatal in ZooKeeper), or the
/// directory cannot be listed (as a failure of that directory).
pub fn load_newest_valid(
    dir: &Path,
    config: TreeConfig,
) -> Result<Option<NewestSnapshot>, NoValidSnapshot> {
    let candidates =
        find_n_valid_snapshots(dir, MAX_CANDIDATES).map_err(|source| NoValidSnapshot {
            dir: dir.to_owned(),
            failures: vec![SnapshotFileError::Io {
                path: dir.to_owned(),
                source,
            }],
        })?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let mut failures = Vec::new();
    for path in candidates {
        tracing::info!("Reading snapshot {}", path.display());
        match read_file(&path, config) {
            Ok(snapshot) => {
                let zxid = snapshot.tree.last_processed_zxid();
                if !snapshot.dangling_acl_paths.is_empty() {
                    tracing::warn!(
                        "snapshot {}: {} node(s) refer to ACLs missing from the ACL map \
                         (first: {}); nobody but super can access them",
                        path.display(),
                        snapshot.dangling_acl_paths.len(),
                        snapshot.dangling_acl_paths[0]
                    );
                }
                if let stream::DigestCheck::Mismatch { expected, actual } = snapshot.digest_check {
                    tracing::error!(
                        "Digests are not matching in snapshot {}: stored {expected:#x}, \
                         tree {actual:#x}",
                        path.display()
                    );
                }
                return Ok(Some(NewestSnapshot {
                    zxid,
                    path,
                    snapshot,
                }));
            }
            Err(e) => {
                tracing::warn!("problem reading snap file, skipping it: {e}");
                failures.push(e);
            }
        }
    }
    Err(NoValidSnapshot {
        dir: dir.to_owned(),
        failures,
    })
}

/// Writes `image` as `<dir>/snapshot.<zxid><suffix>` (`FileTxnSnapLog.save`): into a
/// temporary file first, fsynced, then renamed over any file of that name (as ZooKeeper
/// overwrites one), then the directory is fsynced. Creates `dir` if needed. Returns the
/// path.
///
/// # Errors
/// I/O errors; the temporary file is removed and no `snapshot.*` file is left behind.
pub fn write(dir: &Path, image: &SnapshotImage, compression: Compression) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let name = file_name(image.zxid(), compression);
    let path = dir.join(&name);
    let tmp = dir.join(format!("{TEMP_PREFIX}{name}"));
    let result = write_synced(&tmp, image, compression)
        .and_then(|()| fs::rename(&tmp, &path))
        .and_then(|()| sync_dir(dir));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(path)
}

fn write_synced(tmp: &Path, image: &SnapshotImage, compression: Compression) -> io::Result<()> {
    let file = File::create(tmp)?;
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    match compression {
        Compression::None => image.write_to(&mut out)?,
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
            image.write_to(&mut gz)?;
            gz.finish()?;
        }
        Compression::Snappy => {
            let mut sn = SnappyWriter::new(&mut out);
            image.write_to(&mut sn)?;
            sn.finish()?;
        }
    }
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Removes temporary files a crash may have left in `dir` (zkrs's own `tmp-snapshot.*`).
///
/// # Errors
/// The directory cannot be listed or a file cannot be removed.
pub fn remove_temp_files(dir: &Path) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        if name
            .to_str()
            .is_some_and(|n| n.starts_with(&format!("{TEMP_PREFIX}{PREFIX}.")))
        {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// snappy-java's `SnappyOutputStream`: the stream header, then one raw Snappy block per
/// 32 KiB of input, each behind its big-endian compressed length.
struct SnappyWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    encoder: snap::raw::Encoder,
    header_written: bool,
}

impl<W: Write> SnappyWriter<W> {
    fn new(inner: W) -> Self {
        SnappyWriter {
            inner,
            buf: Vec::with_capacity(SNAPPY_BLOCK),
            encoder: snap::raw::Encoder::new(),
            header_written: false,
        }
    }

    fn write_header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.inner.write_all(&SNAPPY_MAGIC)?;
            self.inner.write_all(&1i32.to_be_bytes())?; // version
            self.inner.write_all(&1i32.to_be_bytes())?; // minimum compatible version
            self.header_written = true;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> io::Result<()> {
        self.write_header()?;
        if self.buf.is_empty() {
            return Ok(());
        }
        let block = self
            .encoder
            .compress_vec(&self.buf)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let len = i32::try_from(block.len()).map_err(io::Error::other)?;
        self.inner.write_all(&len.to_be_bytes())?;
        self.inner.write_all(&block)?;
        self.buf.clear();
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.flush_block()?;
        self.inner.flush()
    }
}

impl<W: Write> Write for SnappyWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(SNAPPY_BLOCK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == SNAPPY_BLOCK {
            self.flush_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Blocks are cut at SNAPPY_BLOCK only, as snappy-java does; nothing to push early.
        Ok(())
    }
}

/// snappy-java's `SnappyInputStream` for a stream with its header: concatenated blocks.
fn snappy_decode(raw: &[u8]) -> io::Result<Vec<u8>> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    if raw.len() < 16 || raw[..8] != SNAPPY_MAGIC {
        return Err(bad("missing the snappy-java stream header".into()));
    }
    let mut out = Vec::new();
    let mut decoder = snap::raw::Decoder::new();
    let mut at = 16;
    while at < raw.len() {
        let Some(len_bytes) = raw.get(at..at + 4) else {
            return Err(bad(format!("snappy block length cut off at offset {at}")));
        };
        let len = i32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let len = usize::try_from(len)
            .map_err(|_| bad(format!("negative snappy block length at offset {at}")))?;
        let Some(block) = raw.get(at + 4..at + 4 + len) else {
            return Err(bad(format!("snappy block at offset {at} is cut off")));
        };
        let n = snap::raw::decompress_len(block)
            .map_err(|e| bad(format!("snappy block at offset {at}: {e}")))?;
        if n > SNAPPY_MAX_BLOCK {
            return Err(bad(format!(
                "snappy block at offset {at} claims {n} bytes uncompressed"
            )));
        }
        let start = out.len();
        out.resize(start + n, 0);
        decoder
            .decompress(block, &mut out[start..])
            .map_err(|e| bad(format!("snappy block at offset {at}: {e}")))?;
        at += 4 + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_util_get_zxid_from_name() {
        assert_eq!(zxid_from_name("snapshot.1f", PREFIX), 0x1f);
        assert_eq!(
            zxid_from_name("snapshot.100000001.gz", PREFIX),
            0x1_0000_0001
        );
        assert_eq!(zxid_from_name("snapshot.5.tmp", PREFIX), 5);
        assert_eq!(zxid_from_name("snapshot", PREFIX), -1);
        assert_eq!(zxid_from_name("snapshot.", PREFIX), -1);
        assert_eq!(zxid_from_name("snapshot.xyz", PREFIX), -1);
        assert_eq!(zxid_from_name("snapshot.ffffffffffffffff", PREFIX), -1);
        assert_eq!(zxid_from_name("log.1", PREFIX), -1);
        assert_eq!(zxid_from_name("tmp-snapshot.5", PREFIX), -1);
        assert_eq!(file_name(0x26, Compression::Snappy), "snapshot.26.snappy");
        assert_eq!(
            file_name(0x1_0000_0001, Compression::None),
            "snapshot.100000001"
        );
    }

    #[test]
    fn decoder_comes_from_the_last_name_component() {
        assert_eq!(
            Compression::from_file_name("snapshot.5.gz"),
            Compression::Gzip
        );
        assert_eq!(
            Compression::from_file_name("snapshot.5.GZ"),
            Compression::Gzip
        );
        assert_eq!(
            Compression::from_file_name("snapshot.5.snappy"),
            Compression::Snappy
        );
        assert_eq!(
            Compression::from_file_name("snapshot.5.gz.tmp"),
            Compression::None
        );
        assert_eq!(Compression::from_file_name("snapshot.5"), Compression::None);
        assert_eq!(Compression::from_method(""), Compression::None);
        assert_eq!(Compression::from_method("lz4"), Compression::None);
    }

    #[test]
    fn settings_come_from_system_properties() {
        let mut p = SystemProperties::default();
        assert_eq!(
            SnapshotSettings::from_properties(&p),
            SnapshotSettings::default()
        );
        p.set("zookeeper.snapshot.compression.method", "snappy");
        p.set("zookeeper.digest.enabled", "false");
        let s = SnapshotSettings::from_properties(&p);
        assert_eq!(s.compression, Compression::Snappy);
        assert!(!s.write.digest_enabled);
    }

    #[test]
    fn snappy_stream_round_trips_across_blocks() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        let mut w = SnappyWriter::new(&mut out);
        w.write_all(&data).expect("write");
        w.finish().expect("finish");
        assert_eq!(out[..8], SNAPPY_MAGIC);
        assert_eq!(snappy_decode(&out).expect("decode"), data);
        // Cut anywhere past the header: an error, never a panic.
        for cut in 16..out.len() {
            let _ = snappy_decode(&out[..cut]);
        }
    }
}
