//! Persistence in Apache ZooKeeper 3.8's on-disk format, so a data directory moves between
//! ZooKeeper and zkrs in both directions. Counterpart of `org.apache.zookeeper.server.
//! persistence` (`FileTxnSnapLog`, `FileTxnLog`, `FileSnap`, `Util`) and `PurgeTxnLog`.
//!
//! - [`storage`]: the file seam (real, in-memory, fault-injecting).
//! - [`txn_log`]: `log.<zxid>` files: framing, preallocation, reading, the group-commit writer
//!   thread.
//! - [`recovery`]: newest valid snapshot + log replay, torn-tail repair, digest checks and
//!   the startup timings (`FileTxnSnapLog.restore`).
//! - [`snapshot_io`]: loading the newest valid snapshot and writing one atomically.
//! - [`purge`]: retention (`PurgeTxnLog`) and autopurge.
//! - [`dump`]: the `zkrs txnlog-dump` / `check-datadir` tools (`TxnLogToolkit`).
//!
//! File names (`Util.makeLogName`, `getZxidFromName`): `log.` / `snapshot.` + lowercase hex
//! zxid without leading zeros; anything after a further `.` is ignored when parsing.

pub mod dump;
pub mod purge;
pub mod recovery;
pub mod snapshot;
pub mod snapshot_io;
pub mod storage;
pub mod txn_log;

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The subdirectory both `dataDir` and `dataLogDir` keep their files in (`version-2`).
pub const VERSION_DIR: &str = "version-2";
/// Prefix of txn log files.
pub const LOG_PREFIX: &str = "log";
/// Prefix of snapshot files.
pub const SNAPSHOT_PREFIX: &str = "snapshot";

/// `log.<hex zxid>` (`Util.makeLogName`).
pub fn log_name(zxid: i64) -> String {
    format!("{LOG_PREFIX}.{zxid:x}")
}

/// The zxid in a `log.*` or `snapshot.*` file name, as `Util.getZxidFromName` reads it: the
/// second `.`-separated part, hex; `None` when the prefix differs or the hex does not parse.
pub fn zxid_from_name(name: &str, prefix: &str) -> Option<i64> {
    let mut parts = name.split('.');
    if parts.next()? != prefix {
        return None;
    }
    let hex = parts.next()?;
    // ZK-COMPAT: Long.parseLong(s, 16): an optional sign, then hex digits.
    let (neg, digits) = match hex.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, hex.strip_prefix('+').unwrap_or(hex)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = i64::from_str_radix(digits, 16).ok()?;
    Some(if neg { -v } else { v })
}

/// The files in `dir` named `<prefix>.<hex zxid>...`, sorted by zxid ascending (stable on
/// ties, like `Util.sortDataDir`). A missing directory has none.
///
/// # Errors
/// [`Error::Io`] when the directory cannot be listed.
pub fn list_files(dir: &Path, prefix: &str) -> Result<Vec<(i64, PathBuf)>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(zxid) = zxid_from_name(name, prefix) {
            out.push((zxid, entry.path()));
        }
    }
    // Name order first, so ties are deterministic here (Java keeps the listing order).
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out.sort_by_key(|(z, _)| *z);
    Ok(out)
}

/// The two directories of a server: snapshots in `dataDir/version-2`, logs in
/// `dataLogDir/version-2` (`FileTxnSnapLog`'s `snapDir` and `dataDir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDirs {
    /// `dataDir/version-2`.
    pub snap_dir: PathBuf,
    /// `dataLogDir/version-2`.
    pub log_dir: PathBuf,
}

impl DataDirs {
    /// The `version-2` directories under `data_dir` and `data_log_dir`.
    pub fn new(data_dir: &Path, data_log_dir: &Path) -> Self {
        Self {
            snap_dir: data_dir.join(VERSION_DIR),
            log_dir: data_log_dir.join(VERSION_DIR),
        }
    }

    /// Creates both directories if missing (unless `autocreate` is false, then a missing one
    /// is an error), and refuses mixed-up directories as `FileTxnSnapLog` does
    /// (`checkLogDir`, `checkSnapDir`).
    ///
    /// # Errors
    /// [`Error::Io`] when a directory is missing (without autocreate) or cannot be created;
    /// [`Error::Config`] when the log directory holds snapshots or the other way round.
    pub fn prepare(&self, autocreate: bool) -> Result<(), Error> {
        for dir in [&self.log_dir, &self.snap_dir] {
            if dir.is_dir() {
                continue;
            }
            if !autocreate {
                return Err(Error::io(
                    format!(
                        "missing data directory {}, automatic data directory creation is \
                         disabled (zookeeper.datadir.autocreate is false)",
                        dir.display()
                    ),
                    std::io::ErrorKind::NotFound.into(),
                ));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        if self.log_dir != self.snap_dir {
            if !list_files(&self.log_dir, SNAPSHOT_PREFIX)?.is_empty() {
                return Err(Error::config(
                    "dataLogDir",
                    format!(
                        "Log directory has snapshot files. Check if dataLogDir and dataDir \
                         configuration is correct. ({})",
                        self.log_dir.display()
                    ),
                ));
            }
            if !list_files(&self.snap_dir, LOG_PREFIX)?.is_empty() {
                return Err(Error::config(
                    "dataDir",
                    format!(
                        "Snapshot directory has log files. Check if dataLogDir and dataDir \
                         configuration is correct. ({})",
                        self.snap_dir.display()
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_hex_without_padding() {
        assert_eq!(log_name(1), "log.1");
        assert_eq!(log_name(0x1_0000_0001), "log.100000001");
        assert_eq!(log_name(0xab), "log.ab");
    }

    #[test]
    fn zxid_parsing_follows_util_get_zxid_from_name() {
        assert_eq!(zxid_from_name("log.1f", "log"), Some(0x1f));
        assert_eq!(zxid_from_name("log.1f.bak", "log"), Some(0x1f));
        assert_eq!(zxid_from_name("snapshot.5.tmp", "snapshot"), Some(5));
        assert_eq!(zxid_from_name("snapshot.26.snappy", "snapshot"), Some(0x26));
        assert_eq!(zxid_from_name("log.xyz", "log"), None);
        assert_eq!(zxid_from_name("log", "log"), None);
        assert_eq!(zxid_from_name("snapshot.1", "log"), None);
        assert_eq!(zxid_from_name("log.", "log"), None);
    }

    #[test]
    fn listing_sorts_by_zxid_not_by_name() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for n in ["log.a", "log.9", "log.100", "snapshot.3", "other"] {
            std::fs::write(tmp.path().join(n), b"").expect("write");
        }
        let logs: Vec<i64> = list_files(tmp.path(), LOG_PREFIX)
            .expect("list")
            .into_iter()
            .map(|(z, _)| z)
            .collect();
        assert_eq!(logs, vec![9, 0xa, 0x100]);
    }

    #[test]
    fn separate_dirs_must_not_mix_file_kinds() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dirs = DataDirs::new(&tmp.path().join("d"), &tmp.path().join("l"));
        dirs.prepare(true).expect("created");
        std::fs::write(dirs.log_dir.join("snapshot.0"), b"").expect("write");
        assert!(matches!(dirs.prepare(true), Err(Error::Config { .. })));
    }
}
