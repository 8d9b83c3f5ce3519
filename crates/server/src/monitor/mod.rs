//! Monitoring, as ZooKeeper exposes it: the data behind the four-letter words, the
//! AdminServer (`/commands`), the Prometheus endpoint (`/metrics`), and the ZooKeeper metric
//! registry behind `mntr`.
//!
//! ```text
//!  4lw connection ──CoreMsg::FourLetter──▶ core task ── commands::four_letter ──▶ text
//!  admin HTTP task ─CoreMsg::Monitor(Admin)─▶ core task ── commands::admin ──▶ JSON value
//!  /metrics task ──CoreMsg::Monitor(Metrics)─▶ core task ── gauges + registry copy ──▶ text
//! ```
//!
//! The core records figures with [`core_hooks`] (plain field updates, no lock); the HTTP
//! tasks ask the core task with a message and a oneshot reply, and render off the core.

pub mod admin;
pub mod commands;
pub mod core_hooks;
pub mod java;
pub mod json;
pub mod process;
pub mod prometheus;
pub mod registry;

use std::path::{Path, PathBuf};

use crate::config::{Config, PROMETHEUS_METRICS_PROVIDER};
use crate::net::four_letter::Whitelist;

/// Where the AdminServer listens (`admin.serverAddress`, `admin.serverPort`,
/// `admin.commandURL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// Bind address.
    pub address: String,
    /// Port.
    pub port: u16,
    /// URL prefix of the commands, `/commands` by default.
    pub command_url: String,
}

/// Where the Prometheus endpoint listens (`metricsProvider.httpHost`, `httpPort`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrometheusConfig {
    /// Bind address, `0.0.0.0` by default.
    pub host: String,
    /// Port, 7000 by default.
    pub port: u16,
}

/// Static facts the monitoring commands print, taken from the configuration at startup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitorInfo {
    /// `clientPort` (the bound port once known).
    pub client_port: i32,
    /// `secureClientPort`, -1 when unset.
    pub secure_client_port: i32,
    /// The snapshot directory, `<dataDir>/version-2`, absolute.
    pub data_dir: PathBuf,
    /// The txn log directory, `<dataLogDir>/version-2`, absolute.
    pub data_log_dir: PathBuf,
    /// `tickTime`.
    pub tick_time_ms: u32,
    /// `maxClientCnxns`.
    pub max_client_cnxns: u32,
    /// `minSessionTimeout`.
    pub session_timeout_ms_min: u32,
    /// `maxSessionTimeout`.
    pub session_timeout_ms_max: u32,
    /// `clientPortListenBacklog`, -1 when unset.
    pub client_port_listen_backlog: i64,
    /// `serverId` as a standalone server reports it (0).
    pub server_id: i64,
    /// The configuration file's text (`icfg`).
    pub initial_config: String,
    /// The four-letter words that may run.
    pub whitelist: Whitelist,
    /// System properties, sorted (`sysp`).
    pub system_properties: Vec<(String, String)>,
    /// The AdminServer, when `admin.enableServer` is on.
    pub admin: Option<AdminConfig>,
    /// The Prometheus endpoint, when the Prometheus metrics provider is configured.
    pub prometheus: Option<PrometheusConfig>,
}

impl MonitorInfo {
    /// The facts `cfg` gives.
    pub fn from_config(cfg: &Config) -> Self {
        let abs = |p: &Path| -> PathBuf {
            let p = if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p))
            };
            p.join("version-2")
        };
        let initial_config = cfg
            .config_path
            .as_deref()
            .and_then(|p| std::fs::read(p).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let mut system_properties: Vec<(String, String)> = cfg
            .system_properties
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        system_properties.sort();
        let props = &cfg.system_properties;
        let admin = cfg.admin_enable_server.then(|| AdminConfig {
            address: cfg.admin_server_address.clone(),
            port: cfg.admin_server_port,
            command_url: props
                .get("zookeeper.admin.commandURL")
                .unwrap_or("/commands")
                .to_owned(),
        });
        let prometheus =
            (cfg.metrics_provider_class_name == PROMETHEUS_METRICS_PROVIDER).then(|| {
                let get = |k: &str| cfg.metrics_provider_config.get(k).map(String::as_str);
                PrometheusConfig {
                    host: get("httpHost").unwrap_or("0.0.0.0").to_owned(),
                    port: get("httpPort")
                        .and_then(|p| p.trim().parse().ok())
                        .unwrap_or(7000),
                }
            });
        MonitorInfo {
            client_port: cfg.client_port.map_or(-1, i32::from),
            secure_client_port: cfg.secure_client_port.map_or(-1, i32::from),
            data_dir: abs(&cfg.data_dir),
            data_log_dir: abs(&cfg.data_log_dir),
            tick_time_ms: cfg.tick_time_ms,
            max_client_cnxns: cfg.max_client_cnxns,
            session_timeout_ms_min: cfg.session_timeout_ms_min,
            session_timeout_ms_max: cfg.session_timeout_ms_max,
            client_port_listen_backlog: cfg.client_port_listen_backlog.map_or(-1, i64::from),
            server_id: 0,
            initial_config,
            whitelist: cfg.four_letter_whitelist.clone(),
            system_properties,
            admin,
            prometheus,
        }
    }

    /// True when the Prometheus metrics provider replaces the default one.
    pub fn prometheus_enabled(&self) -> bool {
        self.prometheus.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_letter_replies_count_one_packet_per_buffer_flush() {
        assert_eq!(four_letter_packets(""), 0);
        assert_eq!(four_letter_packets("imok"), 1);
        assert_eq!(four_letter_packets(&"x".repeat(16314)), 2);
        assert_eq!(four_letter_packets(&"x".repeat(17078)), 3);
        assert_eq!(four_letter_packets(&"x".repeat(8192)), 1);
    }
}

/// `Content-Type` of the Prometheus text format 0.0.4.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A question for the core task from a monitoring endpoint.
#[derive(Debug)]
pub enum MonitorRequest {
    /// Run an AdminServer command.
    Admin {
        /// The request.
        req: commands::AdminRequest,
        /// Where the answer goes.
        reply: tokio::sync::oneshot::Sender<commands::AdminReply>,
    },
    /// Copy the figures for a Prometheus scrape.
    Metrics {
        /// Where the copy goes.
        reply: tokio::sync::oneshot::Sender<prometheus::MetricsSnapshot>,
    },
}

/// Answers `req` on the core task.
pub fn handle_request(
    core: &mut crate::core::ServerCore,
    info: &MonitorInfo,
    now: crate::core::Now,
    req: MonitorRequest,
) {
    let mut ctx = commands::Ctx { core, info, now };
    match req {
        MonitorRequest::Admin { req, reply } => {
            let _ = reply.send(commands::admin(&req, &mut ctx));
        }
        MonitorRequest::Metrics { reply } => {
            let snapshot = prometheus::MetricsSnapshot {
                gauges: commands::gauges(&ctx),
                metrics: commands::metrics(&ctx),
            };
            let _ = reply.send(snapshot);
        }
    }
}

/// Answers a four-letter word on the core task: the whole reply text.
pub fn four_letter(
    core: &mut crate::core::ServerCore,
    info: &MonitorInfo,
    now: crate::core::Now,
    conn: crate::core::ConnId,
    word: crate::net::four_letter::FourLetter,
    arg: Option<i64>,
) -> String {
    core.monitor_four_letter(conn, now.mono_ms);
    let mut ctx = commands::Ctx { core, info, now };
    let text = commands::four_letter(word, arg, &mut ctx);
    core.monitor_four_letter_sent(conn, four_letter_packets(&text));
    text
}

/// How many packets ZooKeeper counts as sent for a four-letter reply of `text`: the command
/// writes through a `PrintWriter` over an 8192-char `BufferedWriter` over `SendBufferWriter`,
/// which sends a buffer each time it holds more than 2048 chars and once more at the end.
pub fn four_letter_packets(text: &str) -> u64 {
    let chars = if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    } as u64;
    chars / 8192 + u64::from(chars % 8192 > 0)
}

/// Binds and starts the AdminServer and the Prometheus endpoint that `info` asks for, on
/// the current tokio runtime, until `shutdown` flips. A port that cannot be bound is logged
/// as ZooKeeper logs it, and the server goes on without that endpoint.
pub async fn start(
    info: &MonitorInfo,
    core: tokio::sync::mpsc::Sender<crate::runtime::CoreMsg>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    if let Some(a) = &info.admin {
        match tokio::net::TcpListener::bind((a.address.as_str(), a.port)).await {
            Ok(listener) => {
                tracing::info!(
                    "Started AdminServer on address {}, port {} and command URL {}",
                    a.address,
                    listener.local_addr().map_or(a.port, |l| l.port()),
                    a.command_url
                );
                let endpoint = admin::Endpoint::Admin {
                    command_url: a.command_url.clone(),
                };
                tokio::spawn(admin::serve(
                    listener,
                    endpoint,
                    core.clone(),
                    shutdown.clone(),
                ));
            }
            Err(e) => tracing::error!(
                "Problem starting AdminServer on address {}, port {} and command URL {}: {e}",
                a.address,
                a.port,
                a.command_url
            ),
        }
    }
    if let Some(p) = &info.prometheus {
        match tokio::net::TcpListener::bind((p.host.as_str(), p.port)).await {
            Ok(listener) => {
                tracing::info!(
                    "Started Prometheus HTTP endpoint on {}:{}",
                    p.host,
                    listener.local_addr().map_or(p.port, |l| l.port())
                );
                tokio::spawn(admin::serve(
                    listener,
                    admin::Endpoint::Prometheus,
                    core,
                    shutdown,
                ));
            }
            Err(e) => tracing::error!(
                "Cannot start Prometheus metrics provider on {}:{}: {e}",
                p.host,
                p.port
            ),
        }
    }
}
