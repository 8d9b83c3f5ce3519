//! The seam between recovery/the runtime and snapshot files: load the newest valid snapshot
//! (`FileSnap.deserialize` over `findNValidSnapshots(100)`), write one atomically
//! (`AtomicFileOutputStream`: `<name>.tmp`, fsync, rename, fsync the directory).
//!
//! Uncompressed files only; compressed snapshots (`.gz`, `.snappy`) are skipped with a
//! warning until the snapshot files module handles them.

use std::io::Write;
use std::path::{Path, PathBuf};

use datatree::snapshot::{self, SnapshotImage};
use datatree::TreeConfig;
use tracing::{info, warn};

use super::purge::is_valid_snapshot;
use super::recovery::BaseSnapshot;
use super::storage::sync_dir;
use super::{list_files, SNAPSHOT_PREFIX};
use crate::error::Error;

/// How many candidates are tried, newest first (`FileSnap.deserialize`).
const MAX_CANDIDATES: usize = 100;

/// `snapshot.<hex zxid>`.
pub fn snapshot_name(zxid: i64) -> String {
    format!("{SNAPSHOT_PREFIX}.{zxid:x}")
}

/// The newest snapshot of `snap_dir` that loads, or `None` when there is no candidate.
///
/// # Errors
/// [`Error::Corrupt`] when candidates exist but none loads ("Not able to find valid
/// snapshots"); [`Error::Io`] when the directory cannot be listed.
pub fn load_newest(snap_dir: &Path, config: TreeConfig) -> Result<Option<BaseSnapshot>, Error> {
    let mut snaps = list_files(snap_dir, SNAPSHOT_PREFIX)?;
    snaps.reverse();
    let candidates: Vec<(i64, PathBuf)> = snaps
        .into_iter()
        .filter(|(_, p)| is_valid_snapshot(p))
        .take(MAX_CANDIDATES)
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    for (zxid, path) in &candidates {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".gz") || name.ends_with(".snappy") {
            warn!(
                "compressed snapshot {} is not supported yet; skipped",
                path.display()
            );
            continue;
        }
        info!("Reading snapshot {}", path.display());
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                warn!("problem reading snap file {}: {e}", path.display());
                continue;
            }
        };
        match snapshot::load(&bytes, *zxid, config) {
            Ok(s) => {
                return Ok(Some(BaseSnapshot {
                    zxid: *zxid,
                    path: path.clone(),
                    tree: s.tree,
                    sessions: s.sessions,
                }))
            }
            Err(e) => warn!("problem reading snap file {}: {e}", path.display()),
        }
    }
    Err(Error::Corrupt {
        file: snap_dir.to_owned(),
        offset: 0,
        message: "Not able to find valid snapshots".into(),
    })
}

/// The uncompressed bytes of a snapshot file.
///
/// # Errors
/// [`Error::Io`] when it cannot be read; [`Error::Corrupt`] for a compressed file (not
/// supported yet).
pub fn read_uncompressed(path: &Path) -> Result<Vec<u8>, Error> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ext = name.rsplit('.').next().unwrap_or_default();
    if ext.eq_ignore_ascii_case("gz") || ext.eq_ignore_ascii_case("snappy") {
        return Err(Error::Corrupt {
            file: path.to_owned(),
            offset: 0,
            message: "compressed snapshots are not supported yet".into(),
        });
    }
    std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))
}

/// Writes `image` as `snap_dir/snapshot.<zxid>` atomically and durably.
///
/// # Errors
/// [`Error::Io`] when a step fails; the temporary file is removed.
pub fn write(snap_dir: &Path, image: &SnapshotImage) -> Result<PathBuf, Error> {
    let path = snap_dir.join(snapshot_name(image.zxid()));
    let tmp = snap_dir.join(format!("{}.tmp", snapshot_name(image.zxid())));
    let ctx = || format!("writing snapshot {}", path.display());
    let result = (|| -> std::io::Result<()> {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        image.write_to(&mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
        drop(w);
        std::fs::rename(&tmp, &path)?;
        sync_dir(snap_dir)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(ctx(), e));
    }
    info!("Snapshot taken: {}", path.display());
    Ok(path)
}
