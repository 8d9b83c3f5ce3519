//! This disk's own fdatasync latency: the physical floor under a durable write. A server that
//! fsyncs before it acknowledges cannot answer one session's sequential writes faster than
//! this. The probe writes as a txn log does: small appends into a preallocated file, each
//! followed by `fdatasync` (`File::sync_data`).

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::report::{new_histogram, Latency};

/// What the probe measured.
#[derive(Debug, Clone, Copy)]
pub struct FsyncProbe {
    /// fdatasync after a 128-byte write into a preallocated file (what ZooKeeper's log does).
    pub preallocated: Latency,
    /// fdatasync after a 128-byte append that grows the file (metadata must be flushed too).
    pub appending: Latency,
    /// Samples taken in each mode.
    pub samples: u64,
}

/// Runs the probe in `dir` (on the disk under test): at most `max_samples` syncs and
/// `budget` of time per mode. The scratch file is removed afterwards.
///
/// # Errors
/// I/O errors creating, writing or syncing the scratch file.
pub fn probe(dir: &Path, max_samples: u64, budget: Duration) -> std::io::Result<FsyncProbe> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("fsync-probe.tmp");
    let record = [0x5au8; 128];
    // Mode 1: preallocated (64 MiB of zeros, synced, as ZooKeeper's preAllocSize).
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)?;
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        f.write_all(&zeros)?;
    }
    f.sync_all()?;
    f.seek(SeekFrom::Start(0))?;
    let pre = sample(&mut f, &record, max_samples, budget)?;
    drop(f);
    // Mode 2: appends that grow the file.
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)?;
    f.sync_all()?;
    let app = sample(&mut f, &record, max_samples, budget)?;
    drop(f);
    std::fs::remove_file(&path)?;
    Ok(FsyncProbe {
        preallocated: pre.0,
        appending: app.0,
        samples: pre.1.min(app.1),
    })
}

fn sample(
    f: &mut std::fs::File,
    record: &[u8],
    max_samples: u64,
    budget: Duration,
) -> std::io::Result<(Latency, u64)> {
    let mut h = new_histogram();
    let start = Instant::now();
    let mut n = 0;
    while n < max_samples && start.elapsed() < budget {
        f.write_all(record)?;
        let t = Instant::now();
        f.sync_data()?;
        h.saturating_record((t.elapsed().as_micros() as u64).max(1));
        n += 1;
    }
    Ok((Latency::of(&h), n))
}
