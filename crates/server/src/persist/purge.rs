//! Retention of old snapshots and logs. Counterpart of `PurgeTxnLog.purge`/
//! `purgeOlderSnapshots`, `FileSnap.findNValidSnapshots`, `SnapStream.isValidSnapshot` and
//! `DatadirCleanupManager` (autopurge).
//!
//! Rules (zookeeper-disk-format.md §13.7):
//! 1. keep the `retain` newest *valid* snapshots (at least 3);
//! 2. keep every log a recovery from the oldest kept snapshot reads: those after it and the
//!    newest one at or before it;
//! 3. delete every other `log.*` and `snapshot.*` whose name zxid is below the oldest kept
//!    snapshot's.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::{info, warn};

use super::recovery::logs_from;
use super::{list_files, snapshot, zxid_from_name, DataDirs, LOG_PREFIX, SNAPSHOT_PREFIX};
use crate::error::Error;

/// The smallest `snapRetainCount` (`PurgeTxnLog.purge` refuses fewer).
pub const MIN_RETAIN: usize = 3;

/// The `n` newest snapshots that pass ZooKeeper's pre-check, newest first
/// (`FileSnap.findNValidSnapshots`), with their zxids.
///
/// # Errors
/// [`Error::Io`] when the directory cannot be listed.
pub fn newest_valid_snapshots(snap_dir: &Path, n: usize) -> Result<Vec<(i64, PathBuf)>, Error> {
    let found = snapshot::find_n_valid_snapshots(snap_dir, n)
        .map_err(|e| Error::io(format!("listing {}", snap_dir.display()), e))?;
    Ok(found
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            Some((zxid_from_name(name, SNAPSHOT_PREFIX)?, p))
        })
        .collect())
}

/// What a purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Files deleted.
    pub deleted: Vec<PathBuf>,
}

/// `PurgeTxnLog.purge(dataLogDir, snapDir, retain)`.
///
/// # Errors
/// [`Error::Config`] for `retain < 3`; [`Error::Io`] when a directory cannot be listed.
/// A file that cannot be deleted is logged and skipped, as ZooKeeper does.
pub fn purge(dirs: &DataDirs, retain: usize) -> Result<PurgeReport, Error> {
    if retain < MIN_RETAIN {
        return Err(Error::config(
            "autopurge.snapRetainCount",
            format!("snapRetainCount should be at least {MIN_RETAIN}"),
        ));
    }
    let mut report = PurgeReport::default();
    let snaps = newest_valid_snapshots(&dirs.snap_dir, retain)?;
    let Some((least, _)) = snaps.last() else {
        return Ok(report);
    };
    let least = *least;
    let logs = list_files(&dirs.log_dir, LOG_PREFIX)?;
    let keep: Vec<PathBuf> = logs_from(&logs, least)
        .iter()
        .map(|(_, p)| p.clone())
        .collect();
    let mut doomed: Vec<PathBuf> = logs
        .into_iter()
        .filter(|(z, p)| *z < least && !keep.contains(p))
        .map(|(_, p)| p)
        .collect();
    doomed.extend(
        list_files(&dirs.snap_dir, SNAPSHOT_PREFIX)?
            .into_iter()
            .filter(|(z, _)| *z < least)
            .map(|(_, p)| p),
    );
    for path in doomed {
        info!("Removing file: {}", path.display());
        match std::fs::remove_file(&path) {
            Ok(()) => report.deleted.push(path),
            Err(e) => warn!("Failed to remove {}: {e}", path.display()),
        }
    }
    Ok(report)
}

/// The autopurge task (`DatadirCleanupManager`): purges every `interval`, on its own thread,
/// until dropped.
#[derive(Debug)]
pub struct AutoPurge {
    stop: Option<mpsc::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl AutoPurge {
    /// Starts purging `dirs` every `interval`, keeping `retain` snapshots. Like ZooKeeper
    /// the first purge runs right away.
    ///
    /// # Errors
    /// The OS error when the thread cannot start.
    pub fn start(dirs: DataDirs, retain: usize, interval: Duration) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        info!(
            "autopurge.snapRetainCount set to {retain}, autopurge.purgeInterval set to {}h",
            interval.as_secs() / 3600
        );
        let handle = std::thread::Builder::new()
            .name("zkrs-purge".into())
            .spawn(move || loop {
                info!("Purge task started.");
                match purge(&dirs, retain) {
                    Ok(r) => info!("Purge task completed: {} files removed.", r.deleted.len()),
                    Err(e) => warn!("Error occurred while purging: {e}"),
                }
                match stopped.recv_timeout(interval) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            })?;
        Ok(Self {
            stop: Some(stop),
            handle: Some(handle),
        })
    }
}

impl Drop for AutoPurge {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str, bytes: &[u8]) {
        std::fs::write(dir.join(name), bytes).expect("write");
    }

    const VALID: &[u8] = b"ZKSN....\x00\x00\x00\x01/";

    #[test]
    fn purge_keeps_the_logs_recovery_needs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dirs = DataDirs::new(tmp.path(), tmp.path());
        dirs.prepare(true).expect("dirs");
        let d = &dirs.snap_dir;
        for s in ["snapshot.0", "snapshot.10", "snapshot.20", "snapshot.30"] {
            touch(d, s, VALID);
        }
        touch(d, "snapshot.40", b"torn"); // invalid: not counted, not deleted (newer)
        for l in ["log.1", "log.8", "log.12", "log.25", "log.33"] {
            touch(d, l, b"");
        }
        let r = purge(&dirs, 3).expect("purge");
        let mut deleted: Vec<String> = r
            .deleted
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        deleted.sort();
        // Oldest kept snapshot: 0x10. Logs kept: log.8 (newest <= 0x10) and later.
        assert_eq!(deleted, vec!["log.1", "snapshot.0"]);
    }

    #[test]
    fn fewer_than_three_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dirs = DataDirs::new(tmp.path(), tmp.path());
        assert!(purge(&dirs, 2).is_err());
    }
}
