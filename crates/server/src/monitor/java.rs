//! The few bits of the JDK whose behaviour shows in ZooKeeper's monitoring output.
//!
//! - `String.hashCode` and the iteration order of `java.util.concurrent.ConcurrentHashMap`:
//!   `mntr` prints ZooKeeper's metrics in the order of the `ConcurrentHashMap`s of
//!   `DefaultMetricsProvider`, which depends on each name's hash, on the insertion order and on
//!   how the table was resized (`ConcurrentHashMap.transfer` reverses part of each bin).
//! - `java.util.Date.toString()` (`dump` prints expiry times with it).
//!
//! Pure functions, no I/O.

use datatree::java_set::string_hash;

/// `ConcurrentHashMap.spread`: mixes the high half into the low half, clears the sign bit.
fn spread(h: i32) -> u32 {
    ((h ^ ((h as u32) >> 16) as i32) & 0x7fff_ffff) as u32
}

/// Iteration order of a `new ConcurrentHashMap<>()` into which `keys` were inserted, in
/// this order, by one thread (`put`/`computeIfAbsent`, no removals): the indices of `keys`
/// as a `forEach`/`values()` traversal visits them.
///
/// Models JDK 8-17: a lazily created table of 16 bins; a key is appended to the tail of its
/// bin; after each insertion the table doubles when the size reaches `sizeCtl` (3/4 of the
/// capacity), and `transfer` rebuilds each bin from the highest index down, keeping the
/// "last run" of nodes that go to the same half and prepending the others in reverse.
/// Bins long enough to be treeified (8 nodes) do not occur for the maps this is used for;
/// such a bin is still modelled as a list.
pub fn concurrent_hash_map_order<S: AsRef<str>>(keys: &[S]) -> Vec<usize> {
    let hashes: Vec<u32> = keys
        .iter()
        .map(|k| spread(string_hash(k.as_ref())))
        .collect();
    let mut n = 16usize;
    let mut size_ctl = n - (n >> 2);
    let mut table: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut count = 0usize;
    for (idx, &h) in hashes.iter().enumerate() {
        let bin = &mut table[h as usize & (n - 1)];
        if bin
            .iter()
            .any(|&other| keys[other].as_ref() == keys[idx].as_ref())
        {
            continue;
        }
        bin.push(idx);
        count += 1;
        while count >= size_ctl {
            table = transfer(&table, &hashes, n);
            size_ctl = (n << 1) - (n >> 1);
            n <<= 1;
        }
    }
    table.into_iter().flatten().collect()
}

/// `ConcurrentHashMap.transfer` by a single thread: the new table of `2n` bins.
fn transfer(table: &[Vec<usize>], hashes: &[u32], n: usize) -> Vec<Vec<usize>> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n * 2];
    for i in (0..n).rev() {
        let bin = &table[i];
        if bin.is_empty() {
            continue;
        }
        let bit = |idx: usize| hashes[idx] as usize & n;
        // The last run: the longest tail whose nodes all go to the same half.
        let mut last_run = 0;
        let mut run_bit = bit(bin[0]);
        for (pos, &idx) in bin.iter().enumerate().skip(1) {
            let b = bit(idx);
            if b != run_bit {
                run_bit = b;
                last_run = pos;
            }
        }
        let mut low: Vec<usize> = Vec::new();
        let mut high: Vec<usize> = Vec::new();
        if run_bit == 0 {
            low.extend_from_slice(&bin[last_run..]);
        } else {
            high.extend_from_slice(&bin[last_run..]);
        }
        // Nodes before the last run are prepended one by one: reversed.
        for &idx in &bin[..last_run] {
            if bit(idx) == 0 {
                low.insert(0, idx);
            } else {
                high.insert(0, idx);
            }
        }
        next[i] = low;
        next[i + n] = high;
    }
    next
}

/// Sorts `items` into the order of a `ConcurrentHashMap` keyed by `key(item)`, inserted in
/// the order given.
pub fn in_concurrent_hash_map_order<T, K: AsRef<str>>(
    items: Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let keys: Vec<K> = items.iter().map(&key).collect();
    let order = concurrent_hash_map_order(&keys);
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `java.util.Date.toString()` for `wall_ms` milliseconds since the epoch, in UTC:
/// `EEE MMM dd HH:mm:ss zzz yyyy`, e.g. `Sun Nov 22 04:20:32 UTC 2026`.
///
/// ZooKeeper prints the server's default time zone; zkrs always prints UTC.
pub fn date_to_string(wall_ms: i64) -> String {
    let secs = wall_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        year
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian (H. Hinnant).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order ZooKeeper 3.8.0's `mntr` prints its gauges in (captured from a standalone
    /// server), from the registration order of `ZooKeeperServer.registerMetrics`.
    #[test]
    fn gauge_order_matches_a_real_zookeeper() {
        let registered = [
            "avg_latency",
            "max_latency",
            "min_latency",
            "packets_received",
            "packets_sent",
            "num_alive_connections",
            "outstanding_requests",
            "uptime",
            "znode_count",
            "watch_count",
            "ephemerals_count",
            "approximate_data_size",
            "global_sessions",
            "local_sessions",
            "open_file_descriptor_count",
            "max_file_descriptor_count",
            "connection_drop_probability",
            "last_client_response_size",
            "max_client_response_size",
            "min_client_response_size",
            "outstanding_tls_handshake",
            "auth_failed_count",
            "non_mtls_remote_conn_count",
            "non_mtls_local_conn_count",
        ];
        let printed = "ephemerals_count num_alive_connections avg_latency outstanding_requests \
            znode_count global_sessions non_mtls_remote_conn_count last_client_response_size \
            packets_sent packets_received max_client_response_size connection_drop_probability \
            watch_count auth_failed_count min_latency max_file_descriptor_count \
            approximate_data_size open_file_descriptor_count local_sessions uptime max_latency \
            outstanding_tls_handshake min_client_response_size non_mtls_local_conn_count";
        let order: Vec<&str> = concurrent_hash_map_order(&registered)
            .into_iter()
            .map(|i| registered[i])
            .collect();
        assert_eq!(order, printed.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn small_maps_iterate_by_bin() {
        // Two namespaces of a per-namespace summary set, as a real server printed them.
        let order = concurrent_hash_map_order(&["other", "app"]);
        assert_eq!(order, [1, 0], "app before other");
        let keys = ["x"; 3];
        assert_eq!(
            concurrent_hash_map_order(&keys),
            [0],
            "duplicates are kept once"
        );
    }

    #[test]
    fn dates_print_like_java_util_date_in_utc() {
        assert_eq!(date_to_string(0), "Thu Jan 01 00:00:00 UTC 1970");
        // 2026-11-22T04:20:32Z
        assert_eq!(
            date_to_string(1_795_321_232_000),
            "Sun Nov 22 04:20:32 UTC 2026"
        );
        assert_eq!(
            date_to_string(951_782_400_000),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
    }
}
