//! The monitoring commands, run on the core task: the four-letter words' text and the
//! AdminServer's JSON, from the same data.
//!
//! Counterpart of `command/*Command` (4lw) and `admin/Commands` (AdminServer, ZooKeeper
//! 3.9's command set). Commands that need a feature zkrs lacks answer as ZooKeeper does when
//! that feature is off: `leader` as a standalone server, `snapshot`/`restore` as with
//! `zookeeper.admin.snapshot.enabled=false`/`restore.enabled=false`.

use super::core_hooks::CoreMonitor;
use super::json::Json;
use super::process::{dir_size, ProcessStats};
use super::prometheus;
use super::registry::{gauge_order, Metrics};
use super::MonitorInfo;
use crate::core::{Now, ServerCore};
use crate::metrics::{ConnStats, ServerStats};
use crate::net::four_letter::{self as fl, FourLetter};

/// The AdminServer's primary command names (ZooKeeper 3.9), sorted as `/commands` lists them.
pub const PRIMARY_NAMES: [&str; 28] = [
    "configuration",
    "connection_stat_reset",
    "connections",
    "dirs",
    "dump",
    "environment",
    "get_trace_mask",
    "hash",
    "initial_configuration",
    "is_read_only",
    "last_snapshot",
    "leader",
    "monitor",
    "observer_connection_stat_reset",
    "observers",
    "restore",
    "ruok",
    "server_stats",
    "set_trace_mask",
    "snapshot",
    "stat_reset",
    "stats",
    "system_properties",
    "voting_view",
    "watch_summary",
    "watches",
    "watches_by_path",
    "zabstate",
];

/// The primary name of an AdminServer command name or alias (`Commands.getCommand`).
pub fn primary_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "connection_stat_reset" | "crst" => "connection_stat_reset",
        "configuration" | "conf" | "config" => "configuration",
        "connections" | "cons" => "connections",
        "hash" => "hash",
        "dirs" => "dirs",
        "dump" => "dump",
        "environment" | "env" | "envi" => "environment",
        "get_trace_mask" | "gtmk" => "get_trace_mask",
        "initial_configuration" | "icfg" => "initial_configuration",
        "is_read_only" | "isro" => "is_read_only",
        "last_snapshot" | "lsnp" => "last_snapshot",
        "leader" | "lead" => "leader",
        "monitor" | "mntr" => "monitor",
        "observer_connection_stat_reset" | "orst" => "observer_connection_stat_reset",
        "restore" | "rest" => "restore",
        "ruok" => "ruok",
        "set_trace_mask" | "stmk" => "set_trace_mask",
        "snapshot" | "snap" => "snapshot",
        "server_stats" | "srvr" => "server_stats",
        "stats" | "stat" => "stats",
        "stat_reset" | "srst" => "stat_reset",
        "observers" | "obsr" => "observers",
        "system_properties" | "sysp" => "system_properties",
        "voting_view" => "voting_view",
        "watches" | "wchc" => "watches",
        "watches_by_path" | "wchp" => "watches_by_path",
        "watch_summary" | "wchs" => "watch_summary",
        "zabstate" => "zabstate",
        _ => return None,
    })
}

/// An AdminServer answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminReply {
    /// HTTP status code.
    pub status: u16,
    /// The body (`CommandResponse.toMap()`).
    pub body: Json,
}

/// How an admin request arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminRequest {
    /// The command name from the URL.
    pub name: String,
    /// Query parameters (first value of each).
    pub params: Vec<(String, String)>,
    /// The `Authorization` header, if any.
    pub auth: Option<String>,
    /// POST (true) or GET.
    pub post: bool,
}

/// Everything a command may read or reset.
pub struct Ctx<'a> {
    /// The core.
    pub core: &'a mut ServerCore,
    /// Static facts.
    pub info: &'a MonitorInfo,
    /// The time now.
    pub now: Now,
}

impl Ctx<'_> {
    fn monitor(&self) -> &CoreMonitor {
        &self.core.monitor
    }

    /// Open connections, the asking one included (`getNumAliveConnections`).
    fn connection_count(&self) -> usize {
        self.monitor().cnxns.len()
    }

    fn server_stats(&self) -> ServerStats {
        self.core.stats_snapshot(self.connection_count())
    }

    /// Connections in accept order.
    fn connections(&self) -> Vec<&ConnStats> {
        let mut ids: Vec<_> = self.monitor().cnxns.keys().copied().collect();
        ids.sort_unstable();
        ids.iter()
            .filter_map(|id| self.monitor().cnxns.get(id))
            .collect()
    }

    fn uptime_ms(&self) -> u64 {
        self.now
            .mono_ms
            .saturating_sub(self.monitor().started_mono_ms)
    }

    /// ZooKeeper's `getDataDirSize` measures the txn log directory and `getLogDirSize` the
    /// snapshot directory; both names are kept swapped, as ZooKeeper prints them.
    fn dir_sizes(&self) -> (u64, u64) {
        // ZK-COMPAT: ZooKeeperServer.getDataDirSize uses snapLog.getDataDir() (the log dir).
        (
            dir_size(&self.info.data_log_dir),
            dir_size(&self.info.data_dir),
        )
    }

    /// `elapsedTimeToDate`: a monotonic bucket time as wall-clock ms.
    fn wall_of(&self, mono_ms: u64) -> i64 {
        self.now.wall_ms + mono_ms as i64 - self.now.mono_ms as i64
    }
}

/// Runs a four-letter word and returns its complete reply. `arg` is `stmk`'s 8-byte mask.
pub fn four_letter(word: FourLetter, arg: Option<i64>, ctx: &mut Ctx<'_>) -> String {
    if !fl::is_allowed(word, &ctx.info.whitelist) {
        return fl::refusal(word);
    }
    match word {
        FourLetter::Ruok => fl::RUOK_REPLY.to_owned(),
        FourLetter::Srvr => fl::format_srvr(&ctx.server_stats()),
        FourLetter::Stat => {
            let lines: Vec<String> = ctx
                .connections()
                .into_iter()
                .map(|c| fl::format_conn_info(c, true))
                .collect();
            fl::format_stat(&ctx.server_stats(), &lines)
        }
        FourLetter::Isro => fl::isro_reply(ctx.server_stats().mode).to_owned(),
        FourLetter::Envi => fl::format_envi(&fl::environment()),
        FourLetter::Conf => fl::format_conf(&conf_dump(ctx)),
        FourLetter::Cons => fl::format_cons(&ctx.connections()),
        FourLetter::Crst => {
            reset_connection_stats(ctx);
            fl::CRST_REPLY.to_owned()
        }
        FourLetter::Srst => {
            reset_server_stats(ctx);
            fl::SRST_REPLY.to_owned()
        }
        FourLetter::Dirs => {
            let (data, log) = ctx.dir_sizes();
            fl::format_dirs(data, log)
        }
        FourLetter::Dump => {
            let (sessions, ephemerals, connections) = dump_data(ctx);
            fl::format_dump(&sessions, &ephemerals, &connections)
        }
        FourLetter::Gtmk => ctx.monitor().trace_mask.to_string(),
        FourLetter::Stmk => {
            // ZK-COMPAT: NIOServerCnxn reads the 8-byte mask after the word; a short read
            // leaves the mask as it was.
            if let Some(mask) = arg {
                ctx.core.monitor.trace_mask = mask;
            }
            ctx.monitor().trace_mask.to_string()
        }
        FourLetter::Wchs => {
            let (c, p, t) = ctx.core.tree.watch_table().summary();
            fl::format_wchs(c, p, t)
        }
        FourLetter::Wchc => fl::format_wchc(&watches_by_session(ctx)),
        FourLetter::Wchp => fl::format_wchp(&watches_by_path(ctx)),
        FourLetter::Mntr => fl::format_mntr(&mntr_entries(ctx)),
        FourLetter::Hash => fl::format_hash(&digest_log(ctx)),
    }
}

fn conf_dump(ctx: &Ctx<'_>) -> fl::ConfDump {
    let (data_size, log_size) = ctx.dir_sizes();
    let i = ctx.info;
    fl::ConfDump {
        client_port: i.client_port,
        secure_client_port: i.secure_client_port,
        data_dir: i.data_dir.display().to_string(),
        data_dir_size: data_size,
        data_log_dir: i.data_log_dir.display().to_string(),
        data_log_size: log_size,
        tick_time: i.tick_time_ms,
        max_client_cnxns: i.max_client_cnxns,
        min_session_timeout: i.session_timeout_ms_min,
        max_session_timeout: i.session_timeout_ms_max,
        client_port_listen_backlog: i.client_port_listen_backlog,
        server_id: i.server_id,
    }
}

/// `ServerCnxnFactory.resetAllConnectionStats`.
fn reset_connection_stats(ctx: &mut Ctx<'_>) {
    for c in ctx.core.monitor.cnxns.values_mut() {
        c.reset();
    }
}

/// `ServerStats.reset`: latency, packet counters, response sizes and every metric.
fn reset_server_stats(ctx: &mut Ctx<'_>) {
    ctx.core.stats.reset();
    if !ctx.info.prometheus_enabled() {
        // PrometheusMetricsProvider.resetAllValues is a no-op.
        ctx.core.monitor.metrics.reset();
    }
}

type Dump = (fl::ExpiryDump, Vec<(i64, Vec<String>)>, fl::ExpiryDump);

fn dump_data(ctx: &Ctx<'_>) -> Dump {
    let session_buckets = ctx.core.sessions.buckets();
    let sessions = fl::ExpiryDump {
        buckets: session_buckets
            .iter()
            .map(|(t, ids)| {
                (
                    ctx.wall_of(*t),
                    ids.iter().map(|id| format!("0x{id:x}")).collect(),
                )
            })
            .collect(),
        elements: session_buckets.values().map(|s| s.len()).sum(),
    };
    let ephemerals = ctx
        .core
        .tree
        .session_ephemerals()
        .iter()
        // DataTree.dumpEphemerals walks each session's set itself: Java order.
        .map(|(s, paths)| (*s, paths.to_java_vec()))
        .collect();
    let q = &ctx.monitor().cnxn_expiry;
    let connections = fl::ExpiryDump {
        buckets: q
            .buckets()
            .iter()
            .map(|(t, conns)| {
                let texts = conns
                    .iter()
                    .filter_map(|c| ctx.monitor().cnxns.get(c))
                    .map(|c| {
                        format!(
                            "ip: {} sessionId: 0x{:x}",
                            fl::java_socket_address(c.remote),
                            c.session_id
                        )
                    })
                    .collect();
                (ctx.wall_of(*t), texts)
            })
            .collect(),
        elements: q.len(),
    };
    (sessions, ephemerals, connections)
}

fn watches_by_session(ctx: &Ctx<'_>) -> Vec<(i64, Vec<String>)> {
    ctx.core
        .tree
        .watch_table()
        .by_session()
        .into_iter()
        .collect()
}

fn watches_by_path(ctx: &Ctx<'_>) -> Vec<(String, Vec<i64>)> {
    let mut v: Vec<_> = ctx.core.tree.watch_table().by_path().into_iter().collect();
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The tree digests logged so far (`DataTree.getDigestLog`): one per applied txn whose zxid
/// is a multiple of 128, the newest 1024, oldest first.
fn digest_log(ctx: &Ctx<'_>) -> Vec<(i64, i64)> {
    ctx.core.digest_log().map(|d| (d.zxid, d.digest)).collect()
}

/// The values of ZooKeeper's gauges (`ZooKeeperServer.registerMetrics`), by name.
fn gauge_value(
    name: &str,
    ctx: &Ctx<'_>,
    stats: &ServerStats,
    proc: &ProcessStats,
) -> Option<Json> {
    let tree = &ctx.core.tree;
    Some(match name {
        "avg_latency" => Json::Double(stats.avg_latency_ms()),
        "max_latency" => Json::from(stats.max_latency_ms()),
        "min_latency" => Json::from(stats.min_latency_ms()),
        "packets_received" => Json::from(stats.packets_received),
        "packets_sent" => Json::from(stats.packets_sent),
        "num_alive_connections" => Json::from(stats.alive_connections),
        "outstanding_requests" => Json::from(stats.outstanding_requests),
        "uptime" => Json::from(ctx.uptime_ms()),
        "znode_count" => Json::from(stats.node_count),
        "watch_count" => Json::from(tree.watch_table().count()),
        "ephemerals_count" => Json::from(tree.ephemeral_count()),
        "approximate_data_size" => Json::Long(tree.approximate_data_size()),
        "global_sessions" => Json::from(ctx.core.sessions.len()),
        "local_sessions" => Json::Long(0),
        // OSMXBean answers -1 where it cannot tell; the gauge is then printed as -1.
        "open_file_descriptor_count" => Json::Long(proc.open_fds.map_or(-1, |v| v as i64)),
        "max_file_descriptor_count" => Json::Long(proc.max_fds.map_or(-1, |v| v as i64)),
        "connection_drop_probability" => Json::Double(0.0),
        "last_client_response_size" => Json::from(stats.client_response_sizes.last),
        "max_client_response_size" => Json::from(stats.client_response_sizes.max),
        "min_client_response_size" => Json::from(stats.client_response_sizes.min),
        "outstanding_tls_handshake" => Json::Long(0),
        "auth_failed_count" => Json::from(ctx.monitor().auth_failed_count),
        "non_mtls_remote_conn_count" => Json::Long(0),
        "non_mtls_local_conn_count" => Json::Long(0),
        _ => return None,
    })
}

/// `mntr`'s entries (without the `zk_` prefix), in ZooKeeper's order: version and state
/// (`ZooKeeperServer.dumpMonitorValues`), then the metrics provider's `dump`. The default
/// provider lists the gauges then the registry (`DefaultMetricsProvider.dump`); the
/// Prometheus provider lists every sample of its exposition, each a double, summaries as
/// their `{quantile="…"}`, `_count` and `_sum` samples ([`prometheus::mntr_samples`]).
pub fn mntr_entries(ctx: &Ctx<'_>) -> Vec<(String, Json)> {
    let stats = ctx.server_stats();
    let proc = ProcessStats::read();
    let mut out = vec![
        ("version".to_owned(), Json::from(fl::full_version())),
        ("server_state".to_owned(), Json::from(stats.mode.as_str())),
    ];
    if ctx.info.prometheus_enabled() {
        let snap = prometheus::MetricsSnapshot {
            gauges: gauges(ctx),
            metrics: metrics(ctx),
        };
        for (key, value) in prometheus::mntr_samples(&snap, &proc) {
            out.push((key, Json::Double(value)));
        }
        return out;
    }
    for name in gauge_order() {
        if let Some(v) = gauge_value(name, ctx, &stats, &proc) {
            out.push((name.to_owned(), v));
        }
    }
    ctx.monitor().metrics.dump(&mut |k, v| out.push((k, v)));
    out
}

/// The gauges, with their current values, for the Prometheus endpoint (registration order).
pub fn gauges(ctx: &Ctx<'_>) -> Vec<(&'static str, Json)> {
    let stats = ctx.server_stats();
    let proc = ProcessStats::read();
    super::registry::GAUGES
        .iter()
        .filter_map(|name| gauge_value(name, ctx, &stats, &proc).map(|v| (*name, v)))
        .collect()
}

/// A copy of the metric registry (for the Prometheus endpoint).
pub fn metrics(ctx: &Ctx<'_>) -> Metrics {
    ctx.monitor().metrics.clone()
}

// ----- AdminServer -------------------------------------------------------------------------

/// `CommandResponse.toMap()`: the command's data, then `command`, then `error` (a data
/// entry named `error` keeps its place and value).
fn finish(command: &str, data: Json, error: Option<&str>, status: u16) -> AdminReply {
    let mut body = data.clone();
    body.put("command", command);
    body.put("error", Json::from(error));
    if let Json::Object(fields) = data {
        for (k, v) in fields {
            body.put(k, v);
        }
    }
    AdminReply { status, body }
}

/// `remote_socket_address` as Jackson writes an `InetSocketAddress`: `127.0.0.1:60006`,
/// `[0:0:0:0:0:0:0:1]:2181`.
fn jackson_socket_address(c: &ConnStats) -> Json {
    match c.remote {
        None => Json::Null,
        Some(std::net::SocketAddr::V4(a)) => Json::from(format!("{}:{}", a.ip(), a.port())),
        Some(std::net::SocketAddr::V6(a)) => {
            let segs: Vec<String> = a.ip().segments().iter().map(|s| format!("{s:x}")).collect();
            Json::from(format!("[{}]:{}", segs.join(":"), a.port()))
        }
    }
}

/// `ServerCnxn.getConnectionInfo(brief)`.
fn connection_info(c: &ConnStats, brief: bool) -> Json {
    let mut o = Json::object();
    o.put("remote_socket_address", jackson_socket_address(c));
    o.put("interest_ops", c.interest_ops());
    o.put("outstanding_requests", c.outstanding);
    o.put("packets_received", c.packets_received);
    o.put("packets_sent", c.packets_sent);
    if !brief {
        o.put("session_id", c.session_id);
        o.put("last_operation", c.last_op);
        o.put("established", c.established_wall_ms);
        o.put("session_timeout", c.session_timeout_ms);
        o.put("last_cxid", c.last_cxid);
        o.put("last_zxid", c.last_zxid);
        o.put("last_response_time", c.last_response_ms);
        o.put("last_latency", c.last_latency_ms);
        o.put("min_latency", c.min_latency_ms());
        o.put("avg_latency", c.avg_latency_ms());
        o.put("max_latency", c.max_latency_ms());
    }
    o
}

fn buffer_stats_json(b: &crate::metrics::BufferStats) -> Json {
    let mut o = Json::object();
    o.put("last_buffer_size", b.last);
    o.put("min_buffer_size", b.min);
    o.put("max_buffer_size", b.max);
    o
}

/// `ServerStats` as Jackson serialises the bean.
fn server_stats_json(ctx: &Ctx<'_>, s: &ServerStats) -> Json {
    let (data_size, log_size) = ctx.dir_sizes();
    let mut o = Json::object();
    o.put("packets_sent", s.packets_sent);
    o.put("packets_received", s.packets_received);
    o.put("fsync_threshold_exceed_count", 0i64);
    o.put(
        "client_response_stats",
        buffer_stats_json(&s.client_response_sizes),
    );
    o.put("data_dir_size", data_size);
    o.put("log_dir_size", log_size);
    o.put("provider_null", false);
    o.put("server_state", s.mode.as_str());
    o.put("last_processed_zxid", s.last_processed_zxid);
    o.put("outstanding_requests", s.outstanding_requests);
    o.put("avg_latency", s.avg_latency_ms());
    o.put("max_latency", s.max_latency_ms());
    o.put("min_latency", s.min_latency_ms());
    o.put("num_alive_client_connections", s.alive_connections);
    o.put("auth_failed_count", ctx.monitor().auth_failed_count);
    o.put("non_mtlsremote_conn_count", 0i64);
    o.put("non_mtlslocal_conn_count", 0i64);
    o.put("uptime", ctx.uptime_ms());
    o
}

/// Runs an AdminServer command (`Commands.runGetCommand`/`runPostCommand`).
pub fn admin(req: &AdminRequest, ctx: &mut Ctx<'_>) -> AdminReply {
    let Some(command) = primary_name(&req.name) else {
        return finish(
            &req.name,
            Json::object(),
            Some(&format!("Unknown command: {}", req.name)),
            200,
        );
    };
    // Snapshot and restore need auth (`AuthRequest(ALL, "/")`), checked before anything.
    if matches!(command, "snapshot" | "restore") {
        if req.auth.is_none() {
            return finish(
                command,
                Json::object(),
                Some("Auth info is missing for the command"),
                401,
            );
        }
        // zkrs cannot take or install a snapshot on request: answer as ZooKeeper does with
        // zookeeper.admin.snapshot.enabled / restore.enabled set to false.
        return finish(command, Json::object(), None, 503);
    }
    let mut data = Json::object();
    match command {
        "connection_stat_reset" => reset_connection_stats(ctx),
        "configuration" => {
            let c = conf_dump(ctx);
            data.put("client_port", c.client_port);
            data.put("data_dir", c.data_dir);
            data.put("data_log_dir", c.data_log_dir);
            data.put("tick_time", c.tick_time);
            data.put("max_client_cnxns", c.max_client_cnxns);
            data.put("min_session_timeout", c.min_session_timeout);
            data.put("max_session_timeout", c.max_session_timeout);
            data.put("server_id", c.server_id);
            data.put("client_port_listen_backlog", c.client_port_listen_backlog);
        }
        "connections" => {
            let conns: Vec<Json> = ctx
                .connections()
                .into_iter()
                .map(|c| connection_info(c, false))
                .collect();
            data.put("connections", Json::Array(conns));
            data.put("secure_connections", Json::Array(vec![]));
        }
        "hash" => data.put(
            "digests",
            Json::Array(
                digest_log(ctx)
                    .into_iter()
                    .map(|(zxid, digest)| {
                        let mut o = Json::object();
                        // Jackson's order: ZxidDigest's fields (zxid, digest, digestVersion).
                        o.put("zxid", zxid);
                        o.put("digest", digest);
                        o.put("digest_version", 2i64);
                        o
                    })
                    .collect(),
            ),
        ),
        "dirs" => {
            let (d, l) = ctx.dir_sizes();
            data.put("datadir_size", d);
            data.put("logdir_size", l);
        }
        "dump" => {
            let mut expiry = Json::object();
            for (t, ids) in ctx.core.sessions.buckets() {
                expiry.put(
                    t.to_string(),
                    Json::from(ids.iter().copied().collect::<Vec<i64>>()),
                );
            }
            let mut eph = Json::object();
            for (s, paths) in ctx.core.tree.session_ephemerals() {
                eph.put(
                    s.to_string(),
                    // ZooKeeperServer.getEphemerals copies each set (`new
                    // HashSet<>(set)`), whose table may order it differently.
                    Json::from(paths.java_copy().to_java_vec()),
                );
            }
            data.put("expiry_time_to_session_ids", expiry);
            data.put("session_id_to_ephemeral_paths", eph);
        }
        "environment" => {
            for (k, v) in fl::environment() {
                data.put(k, v);
            }
        }
        "get_trace_mask" => data.put("tracemask", ctx.monitor().trace_mask),
        "initial_configuration" => {
            data.put("initial_configuration", ctx.info.initial_config.clone());
        }
        "is_read_only" => data.put("read_only", false),
        "last_snapshot" => {
            // `FileSnap.lastSnapshotInfo`; null (-1, -1) before the first snapshot, which
            // only a server without a data directory never takes.
            let (zxid, timestamp) = ctx.monitor().last_snapshot.unwrap_or((-1, -1));
            data.put("zxid", format!("{zxid:x}"));
            data.put("timestamp", timestamp);
        }
        "leader" => data.put("error", "server is not initialized"),
        "monitor" => {
            for (k, v) in mntr_entries(ctx) {
                data.put(k, v);
            }
        }
        "observer_connection_stat_reset" | "ruok" => {}
        "set_trace_mask" => match req.params.iter().find(|(k, _)| k == "traceMask") {
            None => data.put("error", "setTraceMask requires long traceMask argument"),
            Some((_, v)) => match parse_java_long(v) {
                Some(mask) => {
                    ctx.core.monitor.trace_mask = mask;
                    data.put("tracemask", mask);
                }
                None => data.put(
                    "error",
                    format!("setTraceMask requires long traceMask argument, got {v}"),
                ),
            },
        },
        "server_stats" | "stats" => {
            let s = ctx.server_stats();
            data.put("version", fl::full_version());
            data.put("read_only", false);
            data.put("server_stats", server_stats_json(ctx, &s));
            data.put(
                "client_response",
                buffer_stats_json(&s.client_response_sizes),
            );
            data.put("node_count", s.node_count);
            if command == "stats" {
                let conns: Vec<Json> = ctx
                    .connections()
                    .into_iter()
                    .map(|c| connection_info(c, true))
                    .collect();
                data.put("connections", Json::Array(conns));
                data.put("secure_connections", Json::Array(vec![]));
            }
        }
        "stat_reset" => reset_server_stats(ctx),
        "observers" => {
            data.put("synced_observers", 0i64);
            data.put("observers", Json::Array(vec![]));
        }
        "system_properties" => {
            for (k, v) in &ctx.info.system_properties {
                data.put(k.clone(), v.clone());
            }
        }
        "voting_view" => data.put("current_config", Json::object()),
        "watches" => {
            let mut o = Json::object();
            for (s, paths) in watches_by_session(ctx) {
                o.put(s.to_string(), Json::from(paths));
            }
            data.put("session_id_to_watched_paths", o);
        }
        "watches_by_path" => {
            let mut o = Json::object();
            for (p, ids) in watches_by_path(ctx) {
                o.put(p, Json::from(ids));
            }
            data.put("path_to_session_ids", o);
        }
        "watch_summary" => {
            let (c, p, t) = ctx.core.tree.watch_table().summary();
            data.put("num_connections", c);
            data.put("num_paths", p);
            data.put("num_total_watches", t);
        }
        "zabstate" => {
            data.put("voting", false);
            data.put("zabstate", "");
        }
        _ => {}
    }
    finish(command, data, None, 200)
}

/// `Long.parseLong`: an optional sign and decimal digits, in range.
fn parse_java_long(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The HTML of `/commands` (`JettyAdminServer.commandLinks`): one link and one `<br/>` per
/// primary name, each on its own line.
pub fn command_links(command_url: &str) -> String {
    let mut out = String::new();
    for name in PRIMARY_NAMES {
        out.push_str(&format!(
            "<a href=\"{command_url}/{name}\">{name}</a>\n<br/>\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_primary_names() {
        assert_eq!(primary_name("mntr"), Some("monitor"));
        assert_eq!(primary_name("config"), Some("configuration"));
        assert_eq!(primary_name("wchp"), Some("watches_by_path"));
        assert_eq!(primary_name("snap"), Some("snapshot"));
        assert_eq!(primary_name("nosuch"), None);
        for name in PRIMARY_NAMES {
            assert_eq!(primary_name(name), Some(name));
        }
        let mut sorted = PRIMARY_NAMES;
        sorted.sort_unstable();
        assert_eq!(sorted, PRIMARY_NAMES);
    }

    #[test]
    fn responses_put_command_and_error_after_the_data() {
        let mut data = Json::object();
        data.put("read_only", false);
        let r = finish("is_read_only", data, None, 200);
        assert_eq!(
            r.body.to_pretty(),
            "{\n  \"read_only\" : false,\n  \"command\" : \"is_read_only\",\n  \"error\" : null\n}"
        );
        let mut data = Json::object();
        data.put("error", "setTraceMask requires long traceMask argument");
        let r = finish("set_trace_mask", data, None, 200);
        assert_eq!(
            r.body.to_pretty(),
            "{\n  \"error\" : \"setTraceMask requires long traceMask argument\",\n  \"command\" : \"set_trace_mask\"\n}"
        );
        let r = finish(
            "nosuch",
            Json::object(),
            Some("Unknown command: nosuch"),
            200,
        );
        assert_eq!(
            r.body.to_pretty(),
            "{\n  \"command\" : \"nosuch\",\n  \"error\" : \"Unknown command: nosuch\"\n}"
        );
    }

    #[test]
    fn java_longs_parse_strictly() {
        assert_eq!(parse_java_long("306"), Some(306));
        assert_eq!(parse_java_long("-1"), Some(-1));
        assert_eq!(parse_java_long("abc"), None);
        assert_eq!(parse_java_long(""), None);
        assert_eq!(parse_java_long("1 "), None);
        assert_eq!(parse_java_long("99999999999999999999"), None);
    }

    #[test]
    fn command_links_list_every_primary_name() {
        let html = command_links("/commands");
        assert!(html.starts_with("<a href=\"/commands/configuration\">configuration</a>\n<br/>\n"));
        assert_eq!(html.lines().count(), 2 * PRIMARY_NAMES.len());
    }
}
