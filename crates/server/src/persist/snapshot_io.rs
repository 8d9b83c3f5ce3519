//! The seam between recovery/the runtime and the snapshot files of [`super::snapshot`]:
//! load the newest valid snapshot as recovery's [`BaseSnapshot`], write an image with the
//! server's settings, read any snapshot file for the tools.

use std::path::{Path, PathBuf};

use datatree::snapshot::SnapshotImage;
use datatree::TreeConfig;
use tracing::info;

use super::recovery::BaseSnapshot;
use super::snapshot::{self, SnapshotSettings};
use crate::error::Error;

/// The newest snapshot of `snap_dir` that loads (`FileSnap.deserialize`), or `None` when
/// there is no candidate.
///
/// # Errors
/// [`Error::Corrupt`] when candidates exist but none loads ("Not able to find valid
/// snapshots").
pub fn load_newest(snap_dir: &Path, config: TreeConfig) -> Result<Option<BaseSnapshot>, Error> {
    match snapshot::load_newest_valid(snap_dir, config) {
        Ok(None) => Ok(None),
        Ok(Some(s)) => Ok(Some(BaseSnapshot {
            zxid: s.zxid,
            path: s.path,
            tree: s.snapshot.tree,
            sessions: s.snapshot.sessions,
            digest_target: match s.snapshot.digest_check {
                datatree::snapshot::DigestCheck::Pending(d) => Some(d),
                _ => None,
            },
            digest_mismatch: matches!(
                s.snapshot.digest_check,
                datatree::snapshot::DigestCheck::Mismatch { .. }
            ),
        })),
        Err(e) => Err(Error::Corrupt {
            file: snap_dir.to_owned(),
            offset: 0,
            message: e.to_string(),
        }),
    }
}

/// Writes `image` into `snap_dir` atomically and durably, compressed as `settings` say.
///
/// # Errors
/// [`Error::Io`] when a step fails (nothing is left behind).
pub fn write(
    snap_dir: &Path,
    image: &SnapshotImage,
    settings: &SnapshotSettings,
) -> Result<PathBuf, Error> {
    let path = snapshot::write(snap_dir, image, settings.compression).map_err(|e| {
        Error::io(
            format!(
                "writing snapshot 0x{:x} in {}",
                image.zxid(),
                snap_dir.display()
            ),
            e,
        )
    })?;
    info!("Snapshot taken: {}", path.display());
    Ok(path)
}

/// The uncompressed bytes of any snapshot file (`.gz`, `.snappy` or plain).
///
/// # Errors
/// [`Error::Io`] when it cannot be read or decompressed.
pub fn read_uncompressed(path: &Path) -> Result<Vec<u8>, Error> {
    snapshot::read_uncompressed(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))
}
