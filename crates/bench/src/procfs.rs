//! CPU time and resident memory of a process, read from Linux `/proc` (proc(5)).

use std::fs;

/// Clock ticks per second of `utime`/`stime` in `/proc/<pid>/stat` (USER_HZ, 100 on every
/// Linux architecture this runs on).
pub const TICKS_PER_SEC: f64 = 100.0;

/// User plus system CPU seconds `pid` has used (all its threads), or `None` when it is gone.
/// `pid` may be `"self"`.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_cpu_ticks(&stat).map(|t| t as f64 / TICKS_PER_SEC)
}

/// utime + stime from the text of `/proc/<pid>/stat`. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted from the last `)`.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command come field 3 (state) onwards: utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Resident set size of `pid` in bytes (`VmRSS`), or `None` when it is gone.
pub fn rss_bytes(pid: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_kb_field(&status, "VmRSS:").map(|kb| kb * 1024)
}

/// A `Name:   123 kB` field of `/proc/<pid>/status` or `/proc/meminfo`, in kB.
pub fn parse_kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The three load averages from `/proc/loadavg`, as printed there.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_command_names() {
        let stat = "1234 (java (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 \
                    30 0 123 456 789";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
    }

    #[test]
    fn reads_own_process() {
        assert!(cpu_seconds("self").is_some());
        assert!(rss_bytes("self").unwrap_or(0) > 0);
        assert_eq!(parse_kb_field("VmRSS:\t  5120 kB\n", "VmRSS:"), Some(5120));
    }
}
