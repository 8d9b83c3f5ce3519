//! Facts about this process read from `/proc` (Linux): open and maximum file descriptors
//! (`OSMXBean`, behind `mntr`'s `zk_open_file_descriptor_count` and
//! `zk_max_file_descriptor_count`), and the `process_*` figures the Prometheus client's
//! `StandardExports` publishes. Anything unreadable is `None`.

use std::path::Path;

/// `sysconf(_SC_CLK_TCK)` on every Linux architecture zkrs builds for.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// A snapshot of the process's resource figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessStats {
    /// Open file descriptors (`/proc/self/fd` entries).
    pub open_fds: Option<u64>,
    /// The soft `RLIMIT_NOFILE` (`Max open files` in `/proc/self/limits`).
    pub max_fds: Option<u64>,
    /// User + system CPU time, seconds.
    pub cpu_seconds: Option<f64>,
    /// Resident set size, bytes.
    pub resident_bytes: Option<u64>,
    /// Virtual memory size, bytes.
    pub virtual_bytes: Option<u64>,
    /// Start time, seconds since the epoch.
    pub start_time_seconds: Option<f64>,
}

impl ProcessStats {
    /// Reads the figures of the current process.
    pub fn read() -> Self {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        let fields = stat.as_deref().map(stat_fields).unwrap_or_default();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        // Fields after the command name (index 0 here is field 3, "state").
        let utime = field(11);
        let stime = field(12);
        let start_ticks = field(19);
        let vsize = field(20);
        let rss_pages = field(21);
        let boot_time = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        ProcessStats {
            open_fds: count_dir(Path::new("/proc/self/fd")),
            max_fds: max_open_files(),
            cpu_seconds: utime
                .zip(stime)
                .map(|(u, s)| (u + s) as f64 / CLOCK_TICKS_PER_SECOND),
            resident_bytes: rss_pages.map(|p| p * page_size()),
            virtual_bytes: vsize,
            start_time_seconds: boot_time
                .zip(start_ticks)
                .map(|(b, t)| b as f64 + t as f64 / CLOCK_TICKS_PER_SECOND),
        }
    }
}

/// The fields of `/proc/<pid>/stat` after the parenthesised command name, which may itself
/// contain spaces and parentheses.
fn stat_fields(stat: &str) -> Vec<&str> {
    match stat.rfind(')') {
        Some(end) => stat[end + 1..].split_whitespace().collect(),
        None => Vec::new(),
    }
}

fn count_dir(dir: &Path) -> Option<u64> {
    std::fs::read_dir(dir).ok().map(|d| d.count() as u64)
}

fn max_open_files() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    soft.parse().ok()
}

/// The page size of x86-64 and of the default arm64 kernels.
fn page_size() -> u64 {
    4096
}

/// Total size in bytes of the regular files under `dir`, recursively; 0 when `dir` is
/// missing (`ZooKeeperServer.getDirSize`).
pub fn dir_size(dir: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| dir_size(&e.path()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_skip_a_command_name_with_spaces() {
        let stat =
            "42 (my (odd) cmd) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 555 1000 20";
        let f = stat_fields(stat);
        assert_eq!(f[0], "S");
        assert_eq!(f[11], "7");
        assert_eq!(f[12], "3");
        assert_eq!(f[19], "555");
        assert_eq!(f[20], "1000");
        assert_eq!(f[21], "20");
    }

    #[test]
    fn this_process_has_open_files_and_memory() {
        let p = ProcessStats::read();
        if cfg!(target_os = "linux") {
            assert!(p.open_fds.unwrap_or(0) >= 3, "{p:?}");
            assert!(p.max_fds.unwrap_or(0) >= p.open_fds.unwrap_or(0));
            assert!(p.resident_bytes.unwrap_or(0) > 0);
            assert!(p.start_time_seconds.unwrap_or(0.0) > 1.0e9);
        }
    }

    #[test]
    fn dir_size_adds_file_lengths_recursively() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a"), [0u8; 10]).expect("write");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/b"), [0u8; 5]).expect("write");
        assert_eq!(dir_size(dir.path()), 15);
        assert_eq!(dir_size(&dir.path().join("missing")), 0);
    }
}
