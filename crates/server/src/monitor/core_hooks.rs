//! What the core records for monitoring, and the hooks the core calls on its hot path.
//!
//! Counterpart of the statistics ZooKeeper keeps in `ServerCnxn` (per connection),
//! `ServerStats` (server-wide) and `ServerMetrics` (the registry), at the call sites of
//! `ServerCnxn.packetReceived`/`packetSent`/`updateStatsForResponse`, `ServerStats.updateLatency`,
//! `DataTree.updateReadStat`/`updateWriteStat` and `WatchManager.triggerWatch`.
//!
//! Each hook is a few field updates on data the core task owns: no lock, no allocation in
//! the common case.

use std::collections::HashMap;
use std::net::SocketAddr;

use datatree::{EventType, WatchEvent};
use jute_codec::request::Request;
use jute_codec::txn_body::{TxnBody, TxnEntry};
use jute_codec::OpCode;

use super::registry::{Metric, Metrics};
use crate::core::{ConnId, ServerCore};
use crate::metrics::{ConnStats, ExpiryBuckets};
use crate::persist::recovery::StartupTimings;
use crate::persist::txn_log::SyncStats;

/// `zookeeper.nio.sessionlessCnxnTimeout` default: the expiry (and bucket width) of a
/// connection without a session.
pub const SESSIONLESS_CNXN_TIMEOUT_MS: u64 = 10_000;

/// `ZooTrace`'s default text trace level (`CLIENT_REQUEST_TRACE_MASK |
/// SERVER_PACKET_TRACE_MASK | CLIENT_DATA_PACKET_TRACE_MASK | CLIENT_PING_TRACE_MASK` ...):
/// what `gtmk` prints on a fresh server.
pub const DEFAULT_TRACE_MASK: i64 = 306;

/// `DataTree.STAT_OVERHEAD_BYTES`: what a read adds to the per-namespace byte count.
const STAT_OVERHEAD_BYTES: i64 = 6 * 8 + 5 * 4;

/// Monitoring state owned by the core.
#[derive(Debug, Clone)]
pub struct CoreMonitor {
    /// ZooKeeper's metric registry.
    pub metrics: Metrics,
    /// Every open connection, handshake or not (`ServerCnxnFactory.cnxns`).
    pub cnxns: HashMap<ConnId, ConnStats>,
    /// `NIOServerCnxnFactory.cnxnExpiryQueue`.
    pub cnxn_expiry: ExpiryBuckets<ConnId>,
    /// Monotonic ms at which the server started (`ServerStats.startTime`, for `uptime`).
    pub started_mono_ms: u64,
    /// `ZooTrace.textTraceLevel` (`gtmk`/`stmk`).
    pub trace_mask: i64,
    /// Failed authentications (`ServerStats.authFailedCount`).
    pub auth_failed_count: u64,
    /// Monotonic ms of the input being handled (hooks without a `now` argument use it).
    pub now_ms: u64,
    /// The last snapshot written (`FileSnap.lastSnapshotInfo`): its zxid (from the file
    /// name) and its modification time in seconds; `None` before the first.
    pub last_snapshot: Option<(i64, i64)>,
}

impl CoreMonitor {
    /// A fresh server's state at monotonic time `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        let mut metrics = Metrics::new();
        // ZK-COMPAT: SyncRequestProcessor.run samples its queue at the top of every loop,
        // the first time before any request arrives.
        metrics.add(Metric::SyncProcessorQueueSize, 0);
        CoreMonitor {
            metrics,
            cnxns: HashMap::new(),
            cnxn_expiry: ExpiryBuckets::new(SESSIONLESS_CNXN_TIMEOUT_MS),
            started_mono_ms: now_ms,
            trace_mask: DEFAULT_TRACE_MASK,
            auth_failed_count: 0,
            now_ms,
            last_snapshot: None,
        }
    }
}

/// The four letters `cons` shows as `lop` for a request type (`FinalRequestProcessor`).
pub fn last_op_name(op: OpCode) -> &'static str {
    match op {
        OpCode::Ping => "PING",
        OpCode::CreateSession => "SESS",
        OpCode::Multi => "MULT",
        OpCode::MultiRead => "MLTR",
        OpCode::Create | OpCode::Create2 | OpCode::CreateTtl | OpCode::CreateContainer => "CREA",
        OpCode::Delete | OpCode::DeleteContainer => "DELE",
        OpCode::SetData => "SETD",
        OpCode::Reconfig => "RECO",
        OpCode::SetAcl => "SETA",
        OpCode::CloseSession => "CLOS",
        OpCode::Sync => "SYNC",
        OpCode::Check => "CHEC",
        OpCode::Exists => "EXIS",
        OpCode::GetData => "GETD",
        OpCode::SetWatches => "SETW",
        OpCode::SetWatches2 => "STW2",
        OpCode::AddWatch => "ADDW",
        OpCode::GetAcl => "GETA",
        OpCode::GetChildren | OpCode::GetChildren2 => "GETC",
        OpCode::GetAllChildrenNumber => "GETACN",
        OpCode::CheckWatches => "CHKW",
        OpCode::RemoveWatches => "REMW",
        OpCode::WhoAmI => "HOMI",
        OpCode::GetEphemerals => "GETE",
        _ => "NA",
    }
}

/// `PathUtils.getTopNamespace`: the first component of `path` (`None` for `/`).
pub fn top_namespace(path: &str) -> Option<&str> {
    // Java's split("/") drops trailing empty strings: "/" has no parts, "/a" has ["", "a"].
    let mut parts = path.split('/');
    parts.next()?;
    match parts.next() {
        Some(ns) if !ns.is_empty() || path.trim_end_matches('/').len() > 1 => Some(ns),
        _ => None,
    }
}

/// Java `String.length()`.
fn java_len(s: &str) -> i64 {
    if s.is_ascii() {
        s.len() as i64
    } else {
        s.encode_utf16().count() as i64
    }
}

impl ServerCore {
    /// A connection was accepted (`ServerCnxnFactory.addCnxn`).
    pub fn monitor_register(
        &mut self,
        conn: ConnId,
        remote: Option<SocketAddr>,
        mono_ms: u64,
        wall_ms: i64,
    ) {
        let mut stats = ConnStats::new(remote, wall_ms);
        stats.expires_at_ms =
            self.monitor
                .cnxn_expiry
                .update(conn, 0, mono_ms, SESSIONLESS_CNXN_TIMEOUT_MS);
        self.monitor.cnxns.insert(conn, stats);
    }

    /// A connection went away (`removeCnxn`).
    pub(crate) fn monitor_unregister(&mut self, conn: ConnId) {
        if let Some(stats) = self.monitor.cnxns.remove(&conn) {
            self.monitor.cnxn_expiry.remove(conn, stats.expires_at_ms);
        }
    }

    /// `NIOServerCnxnFactory.touchCnxn`: the connection did I/O.
    fn monitor_touch(&mut self, conn: ConnId, mono_ms: u64) {
        let Some(stats) = self.monitor.cnxns.get_mut(&conn) else {
            return;
        };
        let timeout = if stats.session_id != 0 {
            u64::from(stats.session_timeout_ms)
        } else {
            SESSIONLESS_CNXN_TIMEOUT_MS
        };
        stats.expires_at_ms =
            self.monitor
                .cnxn_expiry
                .update(conn, stats.expires_at_ms, mono_ms, timeout);
    }

    /// `ServerCnxn.packetReceived`: one packet (a 4lw, the handshake or a request) read.
    pub(crate) fn monitor_packet_received(&mut self, conn: ConnId, mono_ms: u64) {
        self.stats.packets_received += 1;
        if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
            stats.packets_received += 1;
        }
        self.monitor_touch(conn, mono_ms);
    }

    /// A four-letter word arrived on `conn`.
    pub fn monitor_four_letter(&mut self, conn: ConnId, mono_ms: u64) {
        if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
            stats.four_letter = true;
        }
        self.monitor_packet_received(conn, mono_ms);
    }

    /// A four-letter reply went out as `packets` packets (counted after the command ran, so
    /// the command does not see its own reply).
    pub fn monitor_four_letter_sent(&mut self, conn: ConnId, packets: u64) {
        self.stats.packets_sent += packets;
        if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
            stats.packets_sent += packets;
        }
    }

    /// A ConnectRequest arrived (`processConnectRequest`).
    pub(crate) fn monitor_connect_request(&mut self, conn: ConnId, mono_ms: u64) {
        self.monitor.metrics.add(Metric::ConnectionRequestCount, 1);
        // BlueThrottle is off: a deficit of 0 tokens per connection.
        self.monitor.metrics.add(Metric::ConnectionTokenDeficit, 0);
        self.monitor_packet_received(conn, mono_ms);
    }

    /// `conn` now carries `session` with `timeout_ms`.
    pub(crate) fn monitor_session_attached(&mut self, conn: ConnId, session: i64, timeout_ms: u32) {
        if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
            stats.session_id = session;
            stats.session_timeout_ms = timeout_ms;
        }
    }

    /// A request frame was read (`incrOutstandingAndCheckThrottle` + `packetReceived`).
    pub(crate) fn monitor_request(&mut self, conn: ConnId, xid: i32, is_write: bool, mono_ms: u64) {
        self.monitor_packet_received(conn, mono_ms);
        if xid > 0 {
            if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
                stats.outstanding += 1;
            }
        }
        // PrepRequestProcessor sees every request in the standalone chain; reads pass through
        // it too (it only prepares writes).
        self.monitor
            .metrics
            .add(Metric::PrepProcessorRequestQueued, 1);
        self.monitor.metrics.add(Metric::PrepProcessorQueueSize, 0);
        self.monitor
            .metrics
            .add(Metric::PrepProcessorQueueTimeMs, 0);
        self.monitor.metrics.add(Metric::PrepProcessTime, 0);
        self.monitor.metrics.add(Metric::ProposalProcessTime, 0);
        self.monitor
            .metrics
            .add(Metric::SyncProcessorRequestQueued, 1);
        self.monitor
            .metrics
            .add(Metric::RequestThrottleQueueTimeMs, 0);
        if is_write {
            self.monitor
                .metrics
                .add(Metric::OutstandingChangesQueued, 1);
        } else {
            // ZK-COMPAT: SyncRequestProcessor.run: in the standalone chain reads pass the
            // sync queue too (at once, nothing to flush); writes are timed by the log thread
            // (monitor_log_synced).
            self.monitor.metrics.add(Metric::SyncProcessorQueueSize, 0);
            self.monitor
                .metrics
                .add(Metric::SyncProcessorQueueTimeMs, 0);
        }
    }

    /// `FinalRequestProcessor.updateStats`: server latency, read/update latency and the
    /// connection's last-response fields.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn monitor_response(
        &mut self,
        conn: ConnId,
        cxid: i32,
        zxid: i64,
        op: OpCode,
        start_ms: u64,
        now_ms: u64,
        is_update: bool,
    ) {
        let latency = now_ms.saturating_sub(start_ms);
        self.stats.record_latency(latency);
        let metric = if is_update {
            Metric::Updatelatency
        } else {
            Metric::Readlatency
        };
        self.monitor.metrics.add(metric, latency as i64);
        if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
            stats.record_response(i64::from(cxid), zxid, last_op_name(op), start_ms, now_ms);
        }
    }

    /// A reply frame of `len` bytes (length prefix included) goes to `conn`.
    pub(crate) fn monitor_reply(&mut self, conn: ConnId, xid: i32, len: usize) {
        let size = len.saturating_sub(4) as i32;
        self.stats.client_response_sizes.record(size);
        if xid > 0 {
            if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
                stats.outstanding -= 1;
            }
        }
        // Pings return before FinalRequestProcessor counts response bytes.
        if xid != -2 {
            self.monitor
                .metrics
                .add(Metric::ResponseBytes, i64::from(size));
        }
    }

    /// A watch notification of `len` bytes (length prefix included) goes out.
    pub(crate) fn monitor_notification(&mut self, len: usize) {
        let size = len.saturating_sub(4) as i32;
        self.stats.client_response_sizes.record(size);
        self.monitor
            .metrics
            .add(Metric::WatchBytes, i64::from(size));
    }

    /// Any frame goes to `conn` (`packetSent`).
    pub(crate) fn monitor_frame_sent(&mut self, conn: ConnId) {
        if let Some(stats) = self.monitor.cnxns.get_mut(&conn) {
            stats.packets_sent += 1;
        }
        self.monitor_touch(conn, self.monitor.now_ms);
    }

    /// `DataTree.updateReadStat` for a read answered with `err`.
    pub(crate) fn monitor_read_stat(&mut self, req: &Request, err: i32) {
        if err != 0 {
            return;
        }
        let (path, bytes) = match req {
            Request::GetData(r) => {
                let len = self.tree.node(&r.path).map_or(0, |n| n.data_len());
                (r.path.as_str(), len as i64)
            }
            Request::Exists(r) => (r.path.as_str(), 0),
            Request::GetChildren(r) => (r.path.as_str(), self.children_bytes(&r.path)),
            Request::GetChildren2(r) => (r.path.as_str(), self.children_bytes(&r.path)),
            _ => return,
        };
        if let Some(ns) = top_namespace(path) {
            let total = java_len(path) + bytes + STAT_OVERHEAD_BYTES;
            self.monitor
                .metrics
                .add_keyed(Metric::ReadPerNamespace, ns, total);
        }
    }

    fn children_bytes(&self, path: &str) -> i64 {
        self.tree
            .node(path)
            .map_or(0, |n| n.children.iter_sorted().map(java_len).sum())
    }

    /// `DataTree.updateWriteStat` for each node a committed txn creates, changes or deletes
    /// (called before the txn is applied, so a closeSession still sees its ephemerals).
    pub(crate) fn monitor_write_stats(&mut self, entry: &TxnEntry) {
        if let TxnBody::CloseSession(_) = entry.body {
            let paths = self.tree.ephemerals(entry.hdr.client_id);
            for p in paths {
                self.write_stat(&p, 0);
            }
            self.monitor.metrics.add(Metric::CloseSessionPrepTime, 0);
            return;
        }
        self.monitor_write_body(&entry.body);
    }

    fn monitor_write_body(&mut self, body: &TxnBody) {
        let data_len = |d: &Option<bytes::Bytes>| d.as_ref().map_or(0, |b| b.len()) as i64;
        match body {
            TxnBody::Create(t) => self.write_stat(&t.path, data_len(&t.data)),
            TxnBody::CreateContainer(t) => self.write_stat(&t.path, data_len(&t.data)),
            TxnBody::CreateTtl(t) => self.write_stat(&t.path, data_len(&t.data)),
            TxnBody::Delete(t) => self.write_stat(&t.path, 0),
            TxnBody::SetData(t) => self.write_stat(&t.path, data_len(&t.data)),
            TxnBody::Multi(subs) => {
                for sub in subs {
                    self.monitor_write_body(&sub.body);
                }
            }
            _ => {}
        }
    }

    fn write_stat(&mut self, path: &str, bytes: i64) {
        if let Some(ns) = top_namespace(path) {
            let total = java_len(path) + bytes;
            self.monitor
                .metrics
                .add_keyed(Metric::WritePerNamespace, ns, total);
        }
    }

    /// A txn was applied: the outstanding change is gone, the log synced it, and its watch
    /// events fired (`WatchManager.triggerWatch` records how many watchers each trigger hit).
    pub(crate) fn monitor_applied(&mut self, events: &[WatchEvent]) {
        self.monitor
            .metrics
            .add(Metric::OutstandingChangesRemoved, 1);
        let mut i = 0;
        while i < events.len() {
            let first = &events[i];
            let mut j = i + 1;
            while j < events.len()
                && events[j].event.r#type == first.event.r#type
                && events[j].event.path == first.event.path
            {
                j += 1;
            }
            let ty = first.event.r#type;
            let metric = if ty == EventType::NodeCreated as i32 {
                Some(Metric::NodeCreatedWatchCount)
            } else if ty == EventType::NodeDeleted as i32 {
                Some(Metric::NodeDeletedWatchCount)
            } else if ty == EventType::NodeDataChanged as i32 {
                Some(Metric::NodeChangedWatchCount)
            } else if ty == EventType::NodeChildrenChanged as i32 {
                Some(Metric::NodeChildrenWatchCount)
            } else {
                None
            };
            if let Some(m) = metric {
                self.monitor.metrics.add(m, (j - i) as i64);
            }
            i = j;
        }
    }

    /// A session expired (`SessionTrackerImpl.run`).
    /// `DataTree.reportDigestMismatch`: `n` digest mismatches found.
    pub(crate) fn monitor_digest_mismatches(&mut self, n: u64) {
        self.monitor
            .metrics
            .add(Metric::DigestMismatchesCount, n as i64);
    }

    pub(crate) fn monitor_session_expired(&mut self) {
        self.monitor.metrics.add(Metric::StaleSessionsExpired, 1);
    }

    /// The log stage made a batch durable (`SyncRequestProcessor.run`/`flush`,
    /// `FileTxnLog.commit`): per txn its queue time, the queue behind it, its processing time
    /// and its queue-to-durable time; per batch its size and flush time; per fsync its time.
    pub fn monitor_log_synced(&mut self, stats: &SyncStats) {
        let m = &mut self.monitor.metrics;
        let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        for t in &stats.txns {
            m.add(Metric::SyncProcessorQueueSize, ms(t.queue_size));
            m.add(Metric::SyncProcessorQueueTimeMs, ms(t.queued_ms));
            m.add(Metric::SyncProcessTime, ms(t.process_ms));
            m.add(
                Metric::SyncProcessorQueueAndFlushTimeMs,
                ms(t.queue_and_flush_ms),
            );
        }
        if !stats.txns.is_empty() {
            m.add(Metric::SyncProcessorBatchSize, stats.txns.len() as i64);
            m.add(Metric::SyncProcessorQueueFlushTimeMs, ms(stats.flush_ms));
        }
        for f in &stats.fsync_ms {
            m.add(Metric::Fsynctime, ms(*f));
        }
    }

    /// What loading the database at start took (`FileTxnSnapLog.restore`,
    /// `ZKDatabase.loadDataBase`): `startup_snap_load_time` and `dbinittime` always,
    /// `startup_txns_loaded`/`startup_txns_load_time` when logs were replayed (ZooKeeper
    /// skips that step for a brand-new empty database).
    pub fn monitor_startup(&mut self, t: &StartupTimings) {
        let m = &mut self.monitor.metrics;
        let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        m.add(Metric::StartupSnapLoadTime, ms(t.snap_load_ms));
        if let Some((loaded, load_ms)) = t.txns {
            m.add(Metric::StartupTxnsLoaded, ms(loaded));
            m.add(Metric::StartupTxnsLoadTime, ms(load_ms));
        }
        m.add(Metric::Dbinittime, ms(t.db_init_ms));
    }

    /// A snapshot was written (`ZooKeeperServer.takeSnapshot`, `FileSnap.serialize`): its
    /// zxid, its file's modification time in seconds, and how long taking it took.
    pub fn monitor_snapshot_taken(&mut self, zxid: i64, mtime_s: i64, took_ms: u64) {
        self.monitor.last_snapshot = Some((zxid, mtime_s));
        self.monitor.metrics.add(
            Metric::Snapshottime,
            i64::try_from(took_ms).unwrap_or(i64::MAX),
        );
    }

    /// A txn the server makes itself entered the pipeline (createSession on a handshake,
    /// closeSession on expiry, deleteContainer): ZooKeeper submits these as requests too, so
    /// they pass its Prep and Sync queues.
    pub(crate) fn monitor_internal_request(&mut self) {
        let m = &mut self.monitor.metrics;
        m.add(Metric::PrepProcessorRequestQueued, 1);
        m.add(Metric::PrepProcessorQueueSize, 0);
        m.add(Metric::PrepProcessorQueueTimeMs, 0);
        m.add(Metric::PrepProcessTime, 0);
        m.add(Metric::ProposalProcessTime, 0);
        m.add(Metric::SyncProcessorRequestQueued, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_namespace_is_the_first_component() {
        assert_eq!(top_namespace("/app/cfg"), Some("app"));
        assert_eq!(top_namespace("/app"), Some("app"));
        assert_eq!(top_namespace("/"), None);
        assert_eq!(top_namespace("/zookeeper/quota"), Some("zookeeper"));
    }

    #[test]
    fn last_op_names_match_final_request_processor() {
        assert_eq!(last_op_name(OpCode::GetData), "GETD");
        assert_eq!(last_op_name(OpCode::Create2), "CREA");
        assert_eq!(last_op_name(OpCode::GetChildren2), "GETC");
        assert_eq!(last_op_name(OpCode::GetAllChildrenNumber), "GETACN");
        assert_eq!(last_op_name(OpCode::Ping), "PING");
    }
}
