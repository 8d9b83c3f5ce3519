//! Counters behind the `srvr`, `stat` and `mntr` four-letter words.
//!
//! Counterpart of ZooKeeper's `ServerStats` (with its `ServerStats.Provider`
//! values folded in as plain fields), `metric/AvgMinMaxCounter` (request
//! latency) and `quorum/BufferStats` (proposal and response sizes).
//!
//! Everything here is plain data: no I/O, no clock, no locks. Whoever owns a
//! [`ServerStats`] decides how it is shared (the single-threaded core can own
//! it outright and hand copies to connection tasks). Text formatting lives in
//! [`crate::net::four_letter`].

/// The role a server reports on the `Mode:` line of `srvr`/`stat`.
///
/// Counterpart of the `getState()` overrides of `ZooKeeperServer` and its
/// subclasses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServerMode {
    /// `ZooKeeperServer`: no ensemble.
    Standalone,
    /// `LeaderZooKeeperServer`.
    Leader,
    /// `FollowerZooKeeperServer`.
    Follower,
    /// `ObserverZooKeeperServer`.
    Observer,
    /// `ReadOnlyZooKeeperServer`: partitioned from the quorum, serving reads.
    ReadOnly,
}

impl ServerMode {
    /// The exact word ZooKeeper prints: `standalone`, `leader`, `follower`,
    /// `observer` or `read-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerMode::Standalone => "standalone",
            ServerMode::Leader => "leader",
            ServerMode::Follower => "follower",
            ServerMode::Observer => "observer",
            ServerMode::ReadOnly => "read-only",
        }
    }
}

impl std::fmt::Display for ServerMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Count, sum, minimum and maximum of a series of samples.
///
/// Counterpart of `AvgMinMaxCounter`. Empty statistics report 0 for min, avg
/// and max, as ZooKeeper does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvgMinMax {
    count: u64,
    total: u64,
    /// `u64::MAX` while empty (ZooKeeper uses `Long.MAX_VALUE`).
    min: u64,
    /// 0 while empty; samples are never negative, so 0 is a safe sentinel.
    max: u64,
}

impl Default for AvgMinMax {
    fn default() -> Self {
        AvgMinMax {
            count: 0,
            total: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

impl AvgMinMax {
    /// Adds one sample.
    pub fn record(&mut self, value: u64) {
        self.count += 1;
        self.total = self.total.saturating_add(value);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Number of samples since the last reset.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the samples since the last reset.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Smallest sample, or 0 when there is none.
    pub fn min(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.min
        }
    }

    /// Largest sample, or 0 when there is none.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Mean of the samples rounded half-up to 4 decimal places, or 0.0.
    pub fn avg(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // ZK-COMPAT: AvgMinMaxCounter.java: the mean is computed in double
        // precision and then rounded with `new BigDecimal(avg).setScale(4,
        // HALF_UP)`, i.e. on the exact binary value of that double.
        round_half_up_4(self.total as f64 / self.count as f64)
    }

    /// Forgets all samples.
    pub fn reset(&mut self) {
        *self = AvgMinMax::default();
    }

    /// Lowers the maximum to the current minimum (ZooKeeper's `resetMax`,
    /// used by the `srst` command family).
    pub fn reset_max(&mut self) {
        self.max = self.min();
    }
}

/// Rounds `x` half-up (away from zero on ties) to 4 decimal places, looking
/// at the exact binary value of `x`, like `BigDecimal(x).setScale(4, HALF_UP)
/// .doubleValue()`.
fn round_half_up_4(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let bits = x.to_bits();
    let negative = bits >> 63 == 1;
    let biased_exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    // x = mantissa * 2^exponent exactly.
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased_exponent - 1075)
    };
    if exponent >= 0 {
        // Already an integer: nothing below the 4th decimal to round.
        return x;
    }
    let scaled = u128::from(mantissa) * 10_000; // < 2^67
    let shift = exponent.unsigned_abs();
    let quotient = if shift >= 100 {
        // scaled / 2^shift < 2^-33: rounds to 0.
        0
    } else {
        let quotient = scaled >> shift;
        let remainder = scaled & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if remainder >= half {
            quotient + 1
        } else {
            quotient
        }
    };
    // BigDecimal.doubleValue: below 2^52 the unscaled value is divided by 1e4
    // in double precision (both exact, so the quotient is correctly rounded);
    // above, the decimal text is parsed, which is also correctly rounded.
    let rounded = if quotient < (1u128 << 52) {
        quotient as f64 / 10_000.0
    } else {
        format!("{quotient}e-4")
            .parse::<f64>()
            .expect("an integer with an exponent is a valid float literal")
    };
    if negative {
        -rounded
    } else {
        rounded
    }
}

/// Last, smallest and largest size of a series of buffers, `-1` while empty.
///
/// Counterpart of `quorum/BufferStats` (leader proposal sizes, client
/// response sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferStats {
    /// Size of the most recent buffer, or -1.
    pub last: i32,
    /// Smallest size seen, or -1.
    pub min: i32,
    /// Largest size seen, or -1.
    pub max: i32,
}

impl Default for BufferStats {
    fn default() -> Self {
        BufferStats {
            last: -1,
            min: -1,
            max: -1,
        }
    }
}

impl BufferStats {
    /// Records the size of one more buffer.
    pub fn record(&mut self, size: i32) {
        self.last = size;
        if self.min == -1 || size < self.min {
            self.min = size;
        }
        if size > self.max {
            self.max = size;
        }
    }

    /// Back to `-1/-1/-1`.
    pub fn reset(&mut self) {
        *self = BufferStats::default();
    }
}

/// `last/min/max`, as `BufferStats.toString()` prints it.
impl std::fmt::Display for BufferStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.last, self.min, self.max)
    }
}

/// The server-wide numbers printed by `srvr` and `stat`.
///
/// Counterpart of `ServerStats`. ZooKeeper pulls outstanding requests, the
/// last zxid, the mode and the connection count from a `Provider` callback;
/// here the owner stores them in the public fields before formatting.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerStats {
    /// Packets received from clients, four-letter words included.
    pub packets_received: u64,
    /// Packets sent to clients.
    pub packets_sent: u64,
    /// Requests accepted but not yet answered.
    pub outstanding_requests: u64,
    /// Zxid of the last applied transaction (`Zxid: 0x...`).
    pub last_processed_zxid: i64,
    /// The role reported on the `Mode:` line.
    pub mode: ServerMode,
    /// Number of znodes in the tree, `/zookeeper` subtree included.
    pub node_count: u64,
    /// Open client connections, including the one asking.
    pub alive_connections: u64,
    /// Sizes of leader proposals (printed by a leader's `srvr`/`stat`).
    pub proposal_sizes: BufferStats,
    /// Sizes of responses sent to clients (`mntr`).
    pub client_response_sizes: BufferStats,
    latency_ms: AvgMinMax,
}

impl Default for ServerStats {
    /// A fresh standalone server.
    fn default() -> Self {
        ServerStats::new(ServerMode::Standalone)
    }
}

impl ServerStats {
    /// All counters at zero, in `mode`.
    pub fn new(mode: ServerMode) -> Self {
        ServerStats {
            packets_received: 0,
            packets_sent: 0,
            outstanding_requests: 0,
            last_processed_zxid: 0,
            mode,
            node_count: 0,
            alive_connections: 0,
            proposal_sizes: BufferStats::default(),
            client_response_sizes: BufferStats::default(),
            latency_ms: AvgMinMax::default(),
        }
    }

    /// Records the latency of one request, in milliseconds from its arrival to
    /// its reply (`ServerStats.updateLatency`).
    pub fn record_latency(&mut self, latency_ms: u64) {
        self.latency_ms.record(latency_ms);
    }

    /// The latency statistics.
    pub fn latency_ms(&self) -> &AvgMinMax {
        &self.latency_ms
    }

    /// Smallest request latency, or 0.
    pub fn min_latency_ms(&self) -> u64 {
        self.latency_ms.min()
    }

    /// Mean request latency rounded half-up to 4 decimals, or 0.0.
    pub fn avg_latency_ms(&self) -> f64 {
        self.latency_ms.avg()
    }

    /// Largest request latency, or 0.
    pub fn max_latency_ms(&self) -> u64 {
        self.latency_ms.max()
    }

    /// Counts one packet received.
    pub fn increment_packets_received(&mut self) {
        self.packets_received += 1;
    }

    /// Counts one packet sent.
    pub fn increment_packets_sent(&mut self) {
        self.packets_sent += 1;
    }

    /// Forgets the latency samples (`resetLatency`).
    pub fn reset_latency(&mut self) {
        self.latency_ms.reset();
    }

    /// Lowers the maximum latency to the minimum (`resetMaxLatency`).
    pub fn reset_max_latency(&mut self) {
        self.latency_ms.reset_max();
    }

    /// Zeroes the packet counters (`resetRequestCounters`).
    pub fn reset_request_counters(&mut self) {
        self.packets_received = 0;
        self.packets_sent = 0;
    }

    /// What the `srst` command resets (`ServerStats.reset`): latency, packet
    /// counters and response sizes. Gauges (zxid, mode, node count,
    /// connections, outstanding requests) are left alone.
    pub fn reset(&mut self) {
        self.reset_latency();
        self.reset_request_counters();
        self.client_response_sizes.reset();
    }
}

/// Statistics of one client connection, as `cons` prints them.
///
/// Counterpart of the per-connection fields of `ServerCnxn` (`packetsReceived`,
/// `packetsSent`, `outstandingCount`, `lastOp`, `lastCxid`, `lastZxid`, `lastResponseTime`,
/// `lastLatency`, `minLatency`, `maxLatency`, `count`, `totalLatency`, `established`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnStats {
    /// The client's address (`getRemoteSocketAddress`).
    pub remote: Option<std::net::SocketAddr>,
    /// Wall-clock ms when the connection was accepted (`established`).
    pub established_wall_ms: i64,
    /// A four-letter-word connection: ZooKeeper cancels its selection key (`[0]` in `cons`).
    pub four_letter: bool,
    /// The session, once the handshake attached one.
    pub session_id: i64,
    /// Negotiated session timeout, ms.
    pub session_timeout_ms: u32,
    /// Packets read from this connection.
    pub packets_received: u64,
    /// Packets written to this connection.
    pub packets_sent: u64,
    /// Requests (xid > 0) read and not yet answered (`outstandingCount`).
    pub outstanding: i64,
    /// Four-letter name of the last operation answered (`NA` after a reset).
    pub last_op: &'static str,
    /// Xid of the last answered request with a non-negative xid, or -1.
    pub last_cxid: i64,
    /// Zxid of the last response, or -1.
    pub last_zxid: i64,
    /// Monotonic ms of the last response, or 0.
    pub last_response_ms: u64,
    /// Latency of the last response, ms.
    pub last_latency_ms: u64,
    min_latency_ms: u64,
    max_latency_ms: u64,
    count: u64,
    total_latency_ms: u64,
    /// The connection's expiry bucket (`NIOServerCnxnFactory.cnxnExpiryQueue`), 0 if none.
    pub expires_at_ms: u64,
}

impl ConnStats {
    /// A connection accepted at `established_wall_ms` from `remote`.
    pub fn new(remote: Option<std::net::SocketAddr>, established_wall_ms: i64) -> Self {
        ConnStats {
            remote,
            established_wall_ms,
            four_letter: false,
            session_id: 0,
            session_timeout_ms: 0,
            packets_received: 0,
            packets_sent: 0,
            outstanding: 0,
            last_op: "NA",
            last_cxid: -1,
            last_zxid: -1,
            last_response_ms: 0,
            last_latency_ms: 0,
            min_latency_ms: u64::MAX,
            max_latency_ms: 0,
            count: 0,
            total_latency_ms: 0,
            expires_at_ms: 0,
        }
    }

    /// `ServerCnxn.resetStats` (`crst`): counters and last-response fields; the outstanding
    /// count and the session stay.
    pub fn reset(&mut self) {
        self.packets_received = 0;
        self.packets_sent = 0;
        self.min_latency_ms = u64::MAX;
        self.max_latency_ms = 0;
        self.last_op = "NA";
        self.last_cxid = -1;
        self.last_zxid = -1;
        self.last_response_ms = 0;
        self.last_latency_ms = 0;
        self.count = 0;
        self.total_latency_ms = 0;
    }

    /// `ServerCnxn.updateStatsForResponse`.
    pub fn record_response(
        &mut self,
        cxid: i64,
        zxid: i64,
        op: &'static str,
        start_ms: u64,
        end_ms: u64,
    ) {
        if cxid >= 0 {
            self.last_cxid = cxid;
        }
        self.last_zxid = zxid;
        self.last_op = op;
        self.last_response_ms = end_ms;
        let elapsed = end_ms.saturating_sub(start_ms);
        self.last_latency_ms = elapsed;
        self.min_latency_ms = self.min_latency_ms.min(elapsed);
        self.max_latency_ms = self.max_latency_ms.max(elapsed);
        self.count += 1;
        self.total_latency_ms += elapsed;
    }

    /// Smallest latency, or 0.
    pub fn min_latency_ms(&self) -> u64 {
        if self.min_latency_ms == u64::MAX {
            0
        } else {
            self.min_latency_ms
        }
    }

    /// Integer mean latency (`totalLatency / count`), or 0.
    pub fn avg_latency_ms(&self) -> u64 {
        self.total_latency_ms.checked_div(self.count).unwrap_or(0)
    }

    /// Largest latency.
    pub fn max_latency_ms(&self) -> u64 {
        self.max_latency_ms
    }

    /// The `interestOps` `cons` prints: 0 for a four-letter-word connection, else OP_READ.
    pub fn interest_ops(&self) -> i32 {
        if self.four_letter {
            0
        } else {
            1
        }
    }
}

/// Time buckets of elements, as ZooKeeper's `ExpiryQueue`: an element lives in the bucket
/// `roundToNextInterval(now + timeout)`, and a bucket left empty by a move stays until its
/// time has passed (so `dump` lists it as `0 expire at ...`).
#[derive(Debug, Clone, Default)]
pub struct ExpiryBuckets<E: Ord + Copy> {
    buckets: std::collections::BTreeMap<u64, std::collections::BTreeSet<E>>,
    interval_ms: u64,
}

impl<E: Ord + Copy> ExpiryBuckets<E> {
    /// Buckets `interval_ms` wide.
    pub fn new(interval_ms: u64) -> Self {
        ExpiryBuckets {
            buckets: std::collections::BTreeMap::new(),
            interval_ms: interval_ms.max(1),
        }
    }

    /// `ExpiryQueue.update`: moves `elem` from bucket `current` (0 = none) to the bucket of
    /// `now_ms + timeout_ms`; returns the new bucket.
    pub fn update(&mut self, elem: E, current: u64, now_ms: u64, timeout_ms: u64) -> u64 {
        let t = now_ms + timeout_ms;
        let next = (t / self.interval_ms + 1) * self.interval_ms;
        if next == current {
            return current;
        }
        self.buckets.entry(next).or_default().insert(elem);
        if current != 0 {
            if let Some(set) = self.buckets.get_mut(&current) {
                set.remove(&elem);
            }
        }
        next
    }

    /// `ExpiryQueue.remove`.
    pub fn remove(&mut self, elem: E, current: u64) {
        if let Some(set) = self.buckets.get_mut(&current) {
            set.remove(&elem);
        }
    }

    /// Forgets the buckets whose time has come (`poll`).
    pub fn drop_expired(&mut self, now_ms: u64) {
        while let Some((&t, _)) = self.buckets.iter().next() {
            if t > now_ms {
                break;
            }
            self.buckets.remove(&t);
        }
    }

    /// Buckets in time order, empty ones included.
    pub fn buckets(&self) -> &std::collections::BTreeMap<u64, std::collections::BTreeSet<E>> {
        &self.buckets
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.buckets.values().map(|s| s.len()).sum()
    }

    /// True when no element is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_latency_reports_zeroes() {
        let stats = ServerStats::new(ServerMode::Standalone);
        assert_eq!(stats.min_latency_ms(), 0);
        assert_eq!(stats.avg_latency_ms(), 0.0);
        assert_eq!(stats.max_latency_ms(), 0);
    }

    #[test]
    fn latency_tracks_min_avg_max() {
        let mut stats = ServerStats::new(ServerMode::Standalone);
        for ms in [3, 1, 8] {
            stats.record_latency(ms);
        }
        assert_eq!(stats.min_latency_ms(), 1);
        assert_eq!(stats.max_latency_ms(), 8);
        assert_eq!(stats.avg_latency_ms(), 4.0);
        assert_eq!(stats.latency_ms().count(), 3);
        assert_eq!(stats.latency_ms().total(), 12);
    }

    #[test]
    fn avg_is_rounded_half_up_to_four_decimals() {
        let mut l = AvgMinMax::default();
        l.record(1);
        l.record(0);
        l.record(0);
        assert_eq!(l.avg(), 0.3333);
        l.reset();
        l.record(2);
        l.record(0);
        l.record(0);
        assert_eq!(l.avg(), 0.6667);
    }

    #[test]
    fn exact_binary_ties_round_up() {
        // 1/32 = 0.03125 is exact in binary: HALF_UP gives 0.0313, where
        // round-half-even would give 0.0312.
        assert_eq!(round_half_up_4(0.03125), 0.0313);
        assert_eq!(round_half_up_4(-0.03125), -0.0313);
        // 0.00005 is slightly above the tie in binary.
        assert_eq!(round_half_up_4(0.00005), 0.0001);
        assert_eq!(round_half_up_4(1e-300), 0.0);
        assert_eq!(round_half_up_4(123456.0), 123456.0);
        assert_eq!(round_half_up_4(1.5e30), 1.5e30);
    }

    #[test]
    fn reset_max_lowers_max_to_min() {
        let mut stats = ServerStats::new(ServerMode::Leader);
        stats.record_latency(2);
        stats.record_latency(9);
        stats.reset_max_latency();
        assert_eq!(stats.max_latency_ms(), 2);
        assert_eq!(stats.min_latency_ms(), 2);
    }

    #[test]
    fn reset_clears_counters_but_keeps_gauges() {
        let mut stats = ServerStats::new(ServerMode::Follower);
        stats.record_latency(5);
        stats.increment_packets_received();
        stats.increment_packets_sent();
        stats.node_count = 7;
        stats.last_processed_zxid = 0x1_0000_0002;
        stats.alive_connections = 2;
        stats.client_response_sizes.record(10);
        stats.reset();
        assert_eq!(stats.packets_received, 0);
        assert_eq!(stats.packets_sent, 0);
        assert_eq!(stats.max_latency_ms(), 0);
        assert_eq!(stats.client_response_sizes, BufferStats::default());
        assert_eq!(stats.node_count, 7);
        assert_eq!(stats.last_processed_zxid, 0x1_0000_0002);
        assert_eq!(stats.alive_connections, 2);
        assert_eq!(stats.mode, ServerMode::Follower);
    }

    #[test]
    fn conn_stats_track_latency_and_reset() {
        let mut c = ConnStats::new(None, 7);
        assert_eq!((c.last_op, c.last_cxid, c.last_zxid), ("NA", -1, -1));
        c.record_response(3, 9, "GETD", 10, 14);
        c.record_response(-2, 10, "PING", 20, 20);
        assert_eq!((c.last_op, c.last_cxid, c.last_zxid), ("PING", 3, 10));
        assert_eq!(
            (c.min_latency_ms(), c.avg_latency_ms(), c.max_latency_ms()),
            (0, 2, 4)
        );
        c.packets_received = 4;
        c.outstanding = 1;
        c.reset();
        assert_eq!((c.packets_received, c.outstanding, c.last_op), (0, 1, "NA"));
        assert_eq!((c.min_latency_ms(), c.avg_latency_ms()), (0, 0));
    }

    #[test]
    fn expiry_buckets_keep_emptied_sets_until_due() {
        let mut q = ExpiryBuckets::new(2000);
        let b1 = q.update(1u64, 0, 1000, 4000);
        assert_eq!(b1, 6000);
        let b2 = q.update(1u64, b1, 3000, 4000);
        assert_eq!(b2, 8000);
        let sizes: Vec<(u64, usize)> = q.buckets().iter().map(|(t, s)| (*t, s.len())).collect();
        assert_eq!(sizes, [(6000, 0), (8000, 1)]);
        q.drop_expired(6000);
        assert_eq!(q.buckets().len(), 1);
        q.remove(1, b2);
        assert!(q.is_empty());
    }

    #[test]
    fn buffer_stats_start_at_minus_one() {
        let mut b = BufferStats::default();
        assert_eq!(b.to_string(), "-1/-1/-1");
        b.record(40);
        b.record(10);
        b.record(25);
        assert_eq!(b.to_string(), "25/10/40");
        b.reset();
        assert_eq!(b.to_string(), "-1/-1/-1");
    }

    #[test]
    fn mode_words_match_zookeeper() {
        let words: Vec<_> = [
            ServerMode::Standalone,
            ServerMode::Leader,
            ServerMode::Follower,
            ServerMode::Observer,
            ServerMode::ReadOnly,
        ]
        .iter()
        .map(|m| m.to_string())
        .collect();
        assert_eq!(
            words,
            ["standalone", "leader", "follower", "observer", "read-only"]
        );
    }
}
