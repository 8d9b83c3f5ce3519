//! ZooKeeper's metric registry as `mntr` and Prometheus see it: every metric `ServerMetrics`
//! registers (3.8.0), with its kind, its value, and the order `DefaultMetricsProvider.dump`
//! prints them in.
//!
//! Counterpart of `ServerMetrics`, `metrics/impl/DefaultMetricsProvider`,
//! `metric/SimpleCounter`, `metric/AvgMinMaxCounter`, `metric/AvgMinMaxPercentileCounter`
//! and their `*Set` variants. The core owns one [`Metrics`] outright: recording a value is
//! an index and an add, no lock.

use std::collections::HashMap;

use super::java::{concurrent_hash_map_order, in_concurrent_hash_map_order};
use super::json::Json;
use crate::metrics::AvgMinMax;

/// How ZooKeeper registered a metric (`MetricsContext` call and `DetailLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `getCounter`: a monotonic count.
    Counter,
    /// `getSummary(.., BASIC)`: avg/min/max/cnt/sum.
    Basic,
    /// `getSummary(.., ADVANCED)`: avg/min/max/cnt/sum and p50/p95/p99/p999.
    Advanced,
    /// `getCounterSet`: one counter per key.
    CounterSet,
    /// `getSummarySet(.., BASIC)`: one basic summary per key.
    BasicSet,
    /// `getSummarySet(.., ADVANCED)`: one advanced summary per key.
    AdvancedSet,
}

macro_rules! ids {
    ($($var:ident = $name:literal : $kind:ident,)*) => {
        /// One of ZooKeeper's `ServerMetrics`, in registration order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Metric { $($var),* }

        /// Name and kind of every [`Metric`], in `ServerMetrics` registration order.
        pub const CATALOGUE: &[(&str, Kind)] = &[$(($name, Kind::$kind)),*];
    };
}

ids! {
    Fsynctime = "fsynctime" : Basic,
    Snapshottime = "snapshottime" : Basic,
    Dbinittime = "dbinittime" : Basic,
    Readlatency = "readlatency" : Advanced,
    Updatelatency = "updatelatency" : Advanced,
    PropagationLatency = "propagation_latency" : Advanced,
    FollowerSyncTime = "follower_sync_time" : Basic,
    ObserverSyncTime = "observer_sync_time" : Basic,
    ElectionTime = "election_time" : Basic,
    LookingCount = "looking_count" : Counter,
    DiffCount = "diff_count" : Counter,
    SnapCount = "snap_count" : Counter,
    CommitCount = "commit_count" : Counter,
    ConnectionRequestCount = "connection_request_count" : Counter,
    ConnectionTokenDeficit = "connection_token_deficit" : Basic,
    ConnectionRejected = "connection_rejected" : Counter,
    InflightSnapCount = "inflight_snap_count" : Basic,
    InflightDiffCount = "inflight_diff_count" : Basic,
    WritePerNamespace = "write_per_namespace" : BasicSet,
    ReadPerNamespace = "read_per_namespace" : BasicSet,
    BytesReceivedCount = "bytes_received_count" : Counter,
    UnrecoverableErrorCount = "unrecoverable_error_count" : Counter,
    NodeCreatedWatchCount = "node_created_watch_count" : Basic,
    NodeDeletedWatchCount = "node_deleted_watch_count" : Basic,
    NodeChangedWatchCount = "node_changed_watch_count" : Basic,
    NodeChildrenWatchCount = "node_children_watch_count" : Basic,
    AddDeadWatcherStallTime = "add_dead_watcher_stall_time" : Counter,
    DeadWatchersQueued = "dead_watchers_queued" : Counter,
    DeadWatchersCleared = "dead_watchers_cleared" : Counter,
    DeadWatchersCleanerLatency = "dead_watchers_cleaner_latency" : Advanced,
    ResponsePacketCacheHits = "response_packet_cache_hits" : Counter,
    ResponsePacketCacheMisses = "response_packet_cache_misses" : Counter,
    ResponsePacketGetChildrenCacheHits = "response_packet_get_children_cache_hits" : Counter,
    ResponsePacketGetChildrenCacheMisses = "response_packet_get_children_cache_misses" : Counter,
    EnsembleAuthSuccess = "ensemble_auth_success" : Counter,
    EnsembleAuthFail = "ensemble_auth_fail" : Counter,
    EnsembleAuthSkip = "ensemble_auth_skip" : Counter,
    PrepProcessorQueueTimeMs = "prep_processor_queue_time_ms" : Advanced,
    PrepProcessorQueueSize = "prep_processor_queue_size" : Basic,
    PrepProcessorRequestQueued = "prep_processor_request_queued" : Counter,
    OutstandingChangesQueued = "outstanding_changes_queued" : Counter,
    OutstandingChangesRemoved = "outstanding_changes_removed" : Counter,
    PrepProcessTime = "prep_process_time" : Basic,
    ProposalProcessTime = "proposal_process_time" : Basic,
    CloseSessionPrepTime = "close_session_prep_time" : Advanced,
    RevalidateCount = "revalidate_count" : Counter,
    ConnectionDropCount = "connection_drop_count" : Counter,
    ConnectionRevalidateCount = "connection_revalidate_count" : Counter,
    SessionlessConnectionsExpired = "sessionless_connections_expired" : Counter,
    StaleSessionsExpired = "stale_sessions_expired" : Counter,
    UnavailableTime = "unavailable_time" : Basic,
    LeaderUnavailableTime = "leader_unavailable_time" : Basic,
    RequestsInSessionQueue = "requests_in_session_queue" : Basic,
    PendingSessionQueueSize = "pending_session_queue_size" : Basic,
    ReadsAfterWriteInSessionQueue = "reads_after_write_in_session_queue" : Basic,
    ReadsIssuedFromSessionQueue = "reads_issued_from_session_queue" : Basic,
    SessionQueuesDrained = "session_queues_drained" : Basic,
    TimeWaitingEmptyPoolInCommitProcessorReadMs = "time_waiting_empty_pool_in_commit_processor_read_ms" : Basic,
    WriteBatchTimeInCommitProcessor = "write_batch_time_in_commit_processor" : Basic,
    ConcurrentRequestProcessingInCommitProcessor = "concurrent_request_processing_in_commit_processor" : Basic,
    ReadCommitProcReqQueued = "read_commit_proc_req_queued" : Basic,
    WriteCommitProcReqQueued = "write_commit_proc_req_queued" : Basic,
    CommitCommitProcReqQueued = "commit_commit_proc_req_queued" : Basic,
    RequestCommitQueued = "request_commit_queued" : Counter,
    ReadCommitProcIssued = "read_commit_proc_issued" : Basic,
    WriteCommitProcIssued = "write_commit_proc_issued" : Basic,
    ThrottledOps = "throttled_ops" : Counter,
    ReadCommitprocTimeMs = "read_commitproc_time_ms" : Advanced,
    WriteCommitprocTimeMs = "write_commitproc_time_ms" : Advanced,
    LocalWriteCommittedTimeMs = "local_write_committed_time_ms" : Advanced,
    ServerWriteCommittedTimeMs = "server_write_committed_time_ms" : Advanced,
    CommitProcessTime = "commit_process_time" : Basic,
    OmProposalProcessTimeMs = "om_proposal_process_time_ms" : Advanced,
    OmCommitProcessTimeMs = "om_commit_process_time_ms" : Advanced,
    ReadFinalProcTimeMs = "read_final_proc_time_ms" : Advanced,
    WriteFinalProcTimeMs = "write_final_proc_time_ms" : Advanced,
    ProposalLatency = "proposal_latency" : Advanced,
    ProposalAckCreationLatency = "proposal_ack_creation_latency" : Advanced,
    CommitPropagationLatency = "commit_propagation_latency" : Advanced,
    LearnerProposalReceivedCount = "learner_proposal_received_count" : Counter,
    LearnerCommitReceivedCount = "learner_commit_received_count" : Counter,
    LearnerHandlerQpSize = "learner_handler_qp_size" : BasicSet,
    LearnerHandlerQpTimeMs = "learner_handler_qp_time_ms" : AdvancedSet,
    StartupTxnsLoaded = "startup_txns_loaded" : Basic,
    StartupTxnsLoadTime = "startup_txns_load_time" : Basic,
    StartupSnapLoadTime = "startup_snap_load_time" : Basic,
    SyncProcessorQueueAndFlushTimeMs = "sync_processor_queue_and_flush_time_ms" : Advanced,
    SyncProcessorQueueSize = "sync_processor_queue_size" : Basic,
    SyncProcessorRequestQueued = "sync_processor_request_queued" : Counter,
    SyncProcessorQueueTimeMs = "sync_processor_queue_time_ms" : Advanced,
    SyncProcessorQueueFlushTimeMs = "sync_processor_queue_flush_time_ms" : Advanced,
    SyncProcessTime = "sync_process_time" : Basic,
    SyncProcessorBatchSize = "sync_processor_batch_size" : Basic,
    QuorumAckLatency = "quorum_ack_latency" : Advanced,
    AckLatency = "ack_latency" : AdvancedSet,
    ProposalCount = "proposal_count" : Counter,
    QuitLeadingDueToDisloyalVoter = "quit_leading_due_to_disloyal_voter" : Counter,
    StaleRequests = "stale_requests" : Counter,
    StaleRequestsDropped = "stale_requests_dropped" : Counter,
    StaleReplies = "stale_replies" : Counter,
    RequestThrottleQueueTimeMs = "request_throttle_queue_time_ms" : Advanced,
    RequestThrottleWaitCount = "request_throttle_wait_count" : Counter,
    LargeRequestsRejected = "large_requests_rejected" : Counter,
    NettyQueuedBufferCapacity = "netty_queued_buffer_capacity" : Basic,
    DigestMismatchesCount = "digest_mismatches_count" : Counter,
    LearnerRequestProcessorQueueSize = "learner_request_processor_queue_size" : Basic,
    UnsuccessfulHandshake = "unsuccessful_handshake" : Counter,
    InsecureAdminCount = "insecure_admin_count" : Counter,
    TlsHandshakeExceeded = "tls_handshake_exceeded" : Counter,
    CnxnClosedWithoutZkServerRunning = "cnxn_closed_without_zk_server_running" : Counter,
    SkipLearnerRequestToNextProcessorCount = "skip_learner_request_to_next_processor_count" : Counter,
    SocketClosingTime = "socket_closing_time" : Basic,
    RequestsNotForwardedToCommitProcessor = "requests_not_forwarded_to_commit_processor" : Counter,
    ResponseBytes = "response_bytes" : Counter,
    WatchBytes = "watch_bytes" : Counter,
    JvmPauseTimeMs = "jvm_pause_time_ms" : Advanced,
    QuotaExceededErrorPerNamespace = "quota_exceeded_error_per_namespace" : CounterSet,
}

impl Metric {
    /// The name ZooKeeper registered it under (`mntr` adds `zk_` and the summary prefixes).
    pub fn name(self) -> &'static str {
        CATALOGUE[self as usize].0
    }

    /// How it was registered.
    pub fn kind(self) -> Kind {
        CATALOGUE[self as usize].1
    }
}

/// The gauges `ZooKeeperServer.registerMetrics` registers, in registration order.
pub const GAUGES: [&str; 24] = [
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

/// The gauge sets `ZooKeeperServer.registerMetrics` registers (`QuotaMetricsUtils`), in
/// registration order.
pub const GAUGE_SETS: [&str; 4] = [
    "quota_count_limit_per_namespace",
    "quota_bytes_limit_per_namespace",
    "quota_count_usage_per_namespace",
    "quota_bytes_usage_per_namespace",
];

/// Size of the uniform reservoir behind the percentiles (`ResettableUniformReservoir`).
const RESERVOIR_SIZE: usize = 4096;

/// `AvgMinMaxPercentileCounter`: a summary plus a uniform reservoir sample for percentiles.
#[derive(Debug, Clone, Default)]
pub struct Percentile {
    summary: AvgMinMax,
    seen: u64,
    sample: Vec<i64>,
    rng: u64,
}

impl Percentile {
    fn add(&mut self, value: i64) {
        self.summary.record(value.max(0) as u64);
        self.seen += 1;
        if self.sample.len() < RESERVOIR_SIZE {
            self.sample.push(value);
        } else {
            // Vitter's algorithm R, as the reservoir does; SplitMix64 instead of
            // ThreadLocalRandom keeps runs reproducible.
            self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let r = z % self.seen;
            if (r as usize) < RESERVOIR_SIZE {
                self.sample[r as usize] = value;
            }
        }
    }

    fn reset(&mut self) {
        self.summary.reset();
        self.seen = 0;
        self.sample.clear();
    }

    /// The summary (avg/min/max/count/sum).
    pub fn summary(&self) -> &AvgMinMax {
        &self.summary
    }

    /// `UniformSnapshot.getValue(q)`: linear interpolation between the sorted samples around
    /// position `q * (n + 1)`; 0.0 without samples.
    pub fn quantile(&self, q: f64) -> f64 {
        quantile_of(&self.sample, q)
    }
}

/// `UniformSnapshot.getValue(q)` over `sample` (unsorted).
pub fn quantile_of(sample: &[i64], q: f64) -> f64 {
    if sample.is_empty() {
        return 0.0;
    }
    let mut sorted = sample.to_vec();
    sorted.sort_unstable();
    let pos = q * (sorted.len() as f64 + 1.0);
    let index = pos as usize;
    if index < 1 {
        return sorted[0] as f64;
    }
    if index >= sorted.len() {
        return sorted[sorted.len() - 1] as f64;
    }
    let lower = sorted[index - 1] as f64;
    let upper = sorted[index] as f64;
    lower + (pos - pos.floor()) * (upper - lower)
}

/// `Math.round(double)`: floor(x + 0.5).
fn java_round(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

/// The current value of one metric.
#[derive(Debug, Clone)]
pub enum Value {
    /// A counter.
    Counter(i64),
    /// A basic summary (its sample feeds only the Prometheus quantiles).
    Summary(Box<Percentile>),
    /// An advanced summary.
    Percentile(Box<Percentile>),
    /// A counter per key, in first-use order.
    CounterSet(Keyed<i64>),
    /// A basic summary per key, in first-use order.
    SummarySet(Keyed<Percentile>),
    /// An advanced summary per key, in first-use order.
    PercentileSet(Keyed<Percentile>),
}

/// Values by key, remembering the order keys were first used (the insertion order of the
/// set's `ConcurrentHashMap`).
#[derive(Debug, Clone, Default)]
pub struct Keyed<T> {
    index: HashMap<String, usize>,
    entries: Vec<(String, T)>,
}

impl<T: Default> Keyed<T> {
    fn entry(&mut self, key: &str) -> &mut T {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                self.entries.push((key.to_owned(), T::default()));
                self.index.insert(key.to_owned(), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Entries in first-use order.
    pub fn entries(&self) -> &[(String, T)] {
        &self.entries
    }

    /// Entries in the set's `ConcurrentHashMap` order.
    fn in_java_order(&self) -> Vec<&(String, T)> {
        in_concurrent_hash_map_order(self.entries.iter().collect(), |e| e.0.as_str())
    }
}

/// Every ZooKeeper metric's value, plus the precomputed `mntr` order.
#[derive(Debug, Clone)]
pub struct Metrics {
    values: Vec<Value>,
    /// Catalogue indices in dump order: counters, counter sets, basic summaries, advanced
    /// summaries, basic summary sets, advanced summary sets, each in its map's order.
    dump_order: Vec<usize>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric at zero.
    pub fn new() -> Self {
        let values = CATALOGUE
            .iter()
            .map(|(_, kind)| match kind {
                Kind::Counter => Value::Counter(0),
                Kind::Basic => Value::Summary(Box::default()),
                Kind::Advanced => Value::Percentile(Box::default()),
                Kind::CounterSet => Value::CounterSet(Keyed::default()),
                Kind::BasicSet => Value::SummarySet(Keyed::default()),
                Kind::AdvancedSet => Value::PercentileSet(Keyed::default()),
            })
            .collect();
        let mut dump_order = Vec::with_capacity(CATALOGUE.len());
        for kind in [
            Kind::Counter,
            Kind::CounterSet,
            Kind::Basic,
            Kind::Advanced,
            Kind::BasicSet,
            Kind::AdvancedSet,
        ] {
            let members: Vec<usize> = (0..CATALOGUE.len())
                .filter(|&i| CATALOGUE[i].1 == kind)
                .collect();
            let names: Vec<&str> = members.iter().map(|&i| CATALOGUE[i].0).collect();
            dump_order.extend(
                concurrent_hash_map_order(&names)
                    .into_iter()
                    .map(|j| members[j]),
            );
        }
        Metrics { values, dump_order }
    }

    /// Adds `value` to a counter, or a data point to a summary (`Counter.add`,
    /// `Summary.add`). Keyed metrics are ignored here; see [`Metrics::add_keyed`].
    pub fn add(&mut self, metric: Metric, value: i64) {
        match &mut self.values[metric as usize] {
            Value::Counter(c) => *c += value,
            Value::Summary(p) | Value::Percentile(p) => p.add(value),
            _ => {}
        }
    }

    /// `CounterSet.add(key, v)` / `SummarySet.add(key, v)`.
    pub fn add_keyed(&mut self, metric: Metric, key: &str, value: i64) {
        match &mut self.values[metric as usize] {
            Value::CounterSet(k) => *k.entry(key) += value,
            Value::SummarySet(k) | Value::PercentileSet(k) => k.entry(key).add(value),
            _ => {}
        }
    }

    /// The value of `metric`.
    pub fn value(&self, metric: Metric) -> &Value {
        &self.values[metric as usize]
    }

    /// The value at catalogue index `i`.
    pub fn value_at(&self, i: usize) -> Option<&Value> {
        self.values.get(i)
    }

    /// A counter's count (0 for other kinds).
    pub fn counter(&self, metric: Metric) -> i64 {
        match self.values[metric as usize] {
            Value::Counter(c) => c,
            _ => 0,
        }
    }

    /// `DefaultMetricsProvider.resetAllValues` (run by `srst`): counters back to 0,
    /// summaries emptied; keys of sets are kept.
    pub fn reset(&mut self) {
        for v in &mut self.values {
            match v {
                Value::Counter(c) => *c = 0,
                Value::Summary(p) | Value::Percentile(p) => p.reset(),
                Value::CounterSet(k) => k.entries.iter_mut().for_each(|e| e.1 = 0),
                Value::SummarySet(k) | Value::PercentileSet(k) => {
                    k.entries.iter_mut().for_each(|e| e.1.reset())
                }
            }
        }
    }

    /// Every metric in `DefaultMetricsProvider.dump` order, as `mntr` prints them after the
    /// gauges: `(key, value)` without the `zk_` prefix.
    pub fn dump(&self, sink: &mut dyn FnMut(String, Json)) {
        for &i in &self.dump_order {
            let name = CATALOGUE[i].0;
            match &self.values[i] {
                Value::Counter(c) => sink(name.to_owned(), Json::Long(*c)),
                Value::Summary(p) => dump_summary(name, &p.summary, sink),
                Value::Percentile(p) => dump_percentile(name, p, sink),
                Value::CounterSet(k) => {
                    for (key, c) in k.in_java_order() {
                        sink(format!("{key}_{name}"), Json::Long(*c));
                    }
                }
                Value::SummarySet(k) => {
                    for (key, p) in k.in_java_order() {
                        dump_summary(&format!("{key}_{name}"), &p.summary, sink);
                    }
                }
                Value::PercentileSet(k) => {
                    for (key, p) in k.in_java_order() {
                        dump_percentile(&format!("{key}_{name}"), p, sink);
                    }
                }
            }
        }
    }
}

/// `AvgMinMaxCounter.values()`.
fn dump_summary(name: &str, s: &AvgMinMax, sink: &mut dyn FnMut(String, Json)) {
    sink(format!("avg_{name}"), Json::Double(s.avg()));
    sink(format!("min_{name}"), Json::from(s.min()));
    sink(format!("max_{name}"), Json::from(s.max()));
    sink(format!("cnt_{name}"), Json::from(s.count()));
    sink(format!("sum_{name}"), Json::from(s.total()));
}

/// `AvgMinMaxPercentileCounter.values()`.
fn dump_percentile(name: &str, p: &Percentile, sink: &mut dyn FnMut(String, Json)) {
    dump_summary(name, &p.summary, sink);
    for (prefix, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("p999", 0.999)] {
        sink(
            format!("{prefix}_{name}"),
            Json::Long(java_round(p.quantile(q))),
        );
    }
}

/// The gauges in the order `mntr` prints them (their `ConcurrentHashMap`'s order).
pub fn gauge_order() -> Vec<&'static str> {
    concurrent_hash_map_order(&GAUGES)
        .into_iter()
        .map(|i| GAUGES[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_every_server_metric() {
        assert_eq!(CATALOGUE.len(), 117);
        assert_eq!(Metric::Fsynctime.name(), "fsynctime");
        assert_eq!(Metric::Readlatency.kind(), Kind::Advanced);
        assert_eq!(
            Metric::QuotaExceededErrorPerNamespace.kind(),
            Kind::CounterSet
        );
        assert_eq!(Metric::JvmPauseTimeMs.name(), "jvm_pause_time_ms");
    }

    /// The metric names of a fresh ZooKeeper 3.8.0 standalone server's `mntr`, after the
    /// gauges, with the summary prefixes folded: the dump order must be the same.
    #[test]
    fn dump_order_matches_a_real_zookeeper() {
        let real = include_str!("testdata/mntr-3.8.0-metric-order.txt");
        let mut ours: Vec<String> = Vec::new();
        Metrics::new().dump(&mut |key, _| {
            let folded = [
                "avg_", "min_", "max_", "cnt_", "sum_", "p50_", "p95_", "p99_", "p999_",
            ]
            .iter()
            .find_map(|p| key.strip_prefix(p))
            .map_or(key.clone(), str::to_owned);
            if ours.last() != Some(&folded) {
                ours.push(folded);
            }
        });
        assert_eq!(ours, real.lines().collect::<Vec<_>>());
    }

    #[test]
    fn summaries_dump_five_keys_and_percentiles_nine() {
        let mut m = Metrics::new();
        for v in [2, 1, 12, 3, 2] {
            m.add(Metric::Updatelatency, v);
        }
        m.add(Metric::Fsynctime, 4);
        let mut out = Vec::new();
        m.dump(&mut |k, v| out.push((k, v)));
        let get = |k: &str| out.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("avg_updatelatency"), Some(Json::Double(4.0)));
        assert_eq!(get("cnt_updatelatency"), Some(Json::Long(5)));
        assert_eq!(get("p50_updatelatency"), Some(Json::Long(2)));
        assert_eq!(get("p99_updatelatency"), Some(Json::Long(12)));
        assert_eq!(get("sum_fsynctime"), Some(Json::Long(4)));
        m.reset();
        let mut out = Vec::new();
        m.dump(&mut |k, v| out.push((k, v)));
        assert!(out
            .iter()
            .all(|(_, v)| matches!(v, Json::Long(0)) || *v == Json::Double(0.0)));
    }

    #[test]
    fn summary_sets_print_key_then_name_in_map_order() {
        let mut m = Metrics::new();
        m.add_keyed(Metric::ReadPerNamespace, "other", 75);
        m.add_keyed(Metric::ReadPerNamespace, "app", 86);
        m.add_keyed(Metric::ReadPerNamespace, "app", 76);
        let mut keys = Vec::new();
        m.dump(&mut |k, _| {
            if k.ends_with("read_per_namespace") {
                keys.push(k);
            }
        });
        assert_eq!(
            keys,
            [
                "avg_app_read_per_namespace",
                "min_app_read_per_namespace",
                "max_app_read_per_namespace",
                "cnt_app_read_per_namespace",
                "sum_app_read_per_namespace",
                "avg_other_read_per_namespace",
                "min_other_read_per_namespace",
                "max_other_read_per_namespace",
                "cnt_other_read_per_namespace",
                "sum_other_read_per_namespace"
            ]
        );
    }

    #[test]
    fn quantiles_interpolate_like_uniform_snapshot() {
        assert_eq!(quantile_of(&[], 0.5), 0.0);
        assert_eq!(quantile_of(&[5], 0.5), 5.0);
        // pos = 0.5 * 5 = 2.5 -> between the 2nd and 3rd values.
        assert_eq!(quantile_of(&[1, 2, 4, 8], 0.5), 3.0);
        assert_eq!(quantile_of(&[1, 2, 4, 8], 0.999), 8.0);
        assert_eq!(java_round(2.5), 3);
        assert_eq!(java_round(-2.5), -2);
    }
}
