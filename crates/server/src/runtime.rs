//! The tokio driver: feeds inputs into the [`ServerCore`], executes its outputs, runs the log
//! stage, and fires timeouts. Counterpart of the threads ZooKeeper wires around its request
//! processors; here one task owns the core, so no lock guards the tree or the sessions.

use std::collections::HashMap;
use std::net::SocketAddr;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::config::Config;
use crate::error::Error;

use crate::clock::Clock;
use crate::core::{ConnId, CoreConfig, Input, Output, ServerCore};
use crate::net::connection::ConnSettings;
use crate::net::four_letter::FourLetter;
use crate::net::listener;

/// Messages into the core task.
#[derive(Debug)]
pub enum CoreMsg {
    /// A new connection and the channel to write to it.
    Register {
        /// The connection.
        conn: ConnId,
        /// Where its outbound frames go.
        tx: mpsc::UnboundedSender<ConnMsg>,
        /// The client's address (`cons`, `dump`).
        addr: Option<SocketAddr>,
    },
    /// An input for the core.
    Input(Input),
    /// A four-letter word arrived on `conn`.
    FourLetter {
        /// The connection.
        conn: ConnId,
        /// The command.
        cmd: FourLetter,
        /// `stmk`'s 8-byte trace mask, when it came.
        arg: Option<i64>,
    },
    /// A question from the AdminServer or the Prometheus endpoint.
    Monitor(crate::monitor::MonitorRequest),
}

/// Messages to a connection task.
#[derive(Debug)]
pub enum ConnMsg {
    /// Bytes to write.
    Data(Bytes),
    /// Close after writing what came before.
    Close,
}

/// The Log stage. `Memory` acknowledges at once; the durable txn log replaces it.
#[derive(Debug)]
enum LogStage {
    Memory { appended_up_to: Option<i64> },
}

impl LogStage {
    fn append(&mut self, zxid: i64) {
        match self {
            LogStage::Memory { appended_up_to } => *appended_up_to = Some(zxid),
        }
    }

    /// What became durable since the last call.
    fn take_synced(&mut self) -> Option<i64> {
        match self {
            LogStage::Memory { appended_up_to } => appended_up_to.take(),
        }
    }
}

/// Everything `serve` needs besides the listener.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Core settings.
    pub core: CoreConfig,
    /// `maxClientCnxns` (0 = unlimited).
    pub max_client_cnxns: usize,
    /// `jute.maxbuffer`.
    pub max_buffer: usize,
    /// Four-letter words that may run.
    pub four_letter: crate::net::four_letter::Whitelist,
    /// Facts `srvr` and friends print.
    pub server_info: ServerInfo,
}

/// Static facts about this server for the monitoring commands.
#[derive(Debug, Clone, Default)]
pub struct ServerInfo {
    /// The client port address.
    pub client_addr: Option<SocketAddr>,
    /// What the monitoring commands print (conf, dirs, icfg, ...) and where the AdminServer
    /// and the Prometheus endpoint listen.
    pub monitor: crate::monitor::MonitorInfo,
}

/// Runs a standalone server on `listener` until `shutdown` flips to true.
pub async fn serve(listener: TcpListener, mut cfg: ServeConfig, shutdown: watch::Receiver<bool>) {
    cfg.server_info.monitor.whitelist = cfg.four_letter.clone();
    let clock = Clock::new();
    let tree = datatree::DataTree::with_config(datatree::tree::TreeConfig {
        extended_types_enabled: cfg.core.extended_types_enabled,
    });
    let core = ServerCore::new(cfg.core.clone(), tree, clock.now());
    let (core_tx, core_rx) = mpsc::channel(64 * 1024);
    crate::monitor::start(&cfg.server_info.monitor, core_tx.clone(), shutdown.clone()).await;
    let settings = ConnSettings {
        max_buffer: cfg.max_buffer,
    };
    let accept = tokio::spawn(listener::accept_loop(
        listener,
        core_tx,
        cfg.max_client_cnxns,
        settings,
        shutdown.clone(),
    ));
    let driver = CoreDriver {
        core,
        clock,
        conns: HashMap::new(),
        log: LogStage::Memory {
            appended_up_to: None,
        },
        cfg,
    };
    driver.run(core_rx, shutdown).await;
    let _ = accept.await;
    info!("server stopped");
}

struct CoreDriver {
    core: ServerCore,
    clock: Clock,
    conns: HashMap<ConnId, mpsc::UnboundedSender<ConnMsg>>,
    log: LogStage,
    cfg: ServeConfig,
}

impl CoreDriver {
    async fn run(mut self, mut rx: mpsc::Receiver<CoreMsg>, mut shutdown: watch::Receiver<bool>) {
        let mut batch = Vec::with_capacity(1024);
        loop {
            let deadline = self.core.poll_timeout().map(|t| self.clock.instant_at(t));
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                n = rx.recv_many(&mut batch, 1024) => {
                    if n == 0 {
                        break;
                    }
                    let now = self.clock.now();
                    for msg in batch.drain(..) {
                        self.handle_msg(now, msg);
                    }
                }
                _ = sleep => {
                    let now = self.clock.now();
                    self.core.handle_timeout(now);
                }
                _ = shutdown.changed() => break,
            }
            self.flush();
        }
    }

    fn handle_msg(&mut self, now: crate::core::Now, msg: CoreMsg) {
        match msg {
            CoreMsg::Register { conn, tx, addr } => {
                self.conns.insert(conn, tx);
                self.core
                    .monitor_register(conn, addr, now.mono_ms, now.wall_ms);
            }
            CoreMsg::Input(input) => {
                if let Input::Disconnected { conn } = &input {
                    self.conns.remove(conn);
                }
                self.core.handle(now, input);
            }
            CoreMsg::FourLetter { conn, cmd, arg } => {
                let info = &self.cfg.server_info.monitor;
                let text = crate::monitor::four_letter(&mut self.core, info, now, conn, cmd, arg);
                if let Some(tx) = self.conns.get(&conn) {
                    let _ = tx.send(ConnMsg::Data(Bytes::from(text.into_bytes())));
                    let _ = tx.send(ConnMsg::Close);
                }
            }
            CoreMsg::Monitor(req) => {
                let info = &self.cfg.server_info.monitor;
                crate::monitor::handle_request(&mut self.core, info, now, req);
            }
        }
    }

    /// Executes outputs until the core is quiet; the memory log acknowledges each batch of
    /// appends at once (one "sync" per batch: group commit).
    fn flush(&mut self) {
        loop {
            let mut appended = 0;
            while let Some(out) = self.core.poll_output() {
                match out {
                    Output::Send { conn, bytes } => {
                        if let Some(tx) = self.conns.get(&conn) {
                            let _ = tx.send(ConnMsg::Data(bytes));
                        }
                    }
                    Output::Close { conn } => {
                        if let Some(tx) = self.conns.remove(&conn) {
                            let _ = tx.send(ConnMsg::Close);
                        }
                    }
                    Output::AppendLog(entry) => {
                        appended += 1;
                        self.log.append(entry.hdr.zxid);
                    }
                }
            }
            if appended > 0 {
                self.core.monitor_log_batch(appended);
            }
            match self.log.take_synced() {
                Some(up_to) => self
                    .core
                    .handle(self.clock.now(), Input::LogSynced { up_to }),
                None => break,
            }
        }
    }
}

impl ServeConfig {
    /// The serving settings a loaded [`Config`] asks for.
    pub fn from_config(cfg: &Config) -> Self {
        let props = &cfg.system_properties;
        ServeConfig {
            core: CoreConfig {
                server_id: 1,
                tick_time_ms: u64::from(cfg.tick_time_ms.max(1)),
                session_timeout_ms_min: cfg.session_timeout_ms_min,
                session_timeout_ms_max: cfg.session_timeout_ms_max,
                extended_types_enabled: props.extended_types_enabled(),
                reconfig_enabled: cfg.reconfig_enabled,
                super_digest: props.super_digest().map(str::to_owned),
                container_check_interval_ms: props.container_check_interval_ms().max(1) as u64,
            },
            max_client_cnxns: cfg.max_client_cnxns as usize,
            max_buffer: props.jute_max_buffer().max(0) as usize,
            four_letter: cfg.four_letter_whitelist.clone(),
            server_info: ServerInfo {
                client_addr: None,
                monitor: crate::monitor::MonitorInfo::from_config(cfg),
            },
        }
    }
}

/// Runs the server `cfg` describes until SIGTERM or Ctrl-C: builds the tokio runtime, binds
/// the client port and serves.
///
/// # Errors
/// [`Error::Io`] when the runtime cannot start or the client port cannot be bound.
pub fn run_blocking(cfg: Config) -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("zkrs")
        .build()
        .map_err(|e| Error::io("starting the tokio runtime", e))?;
    rt.block_on(async move {
        let Some((host, port)) = cfg.client_bind_address() else {
            warn!("no clientPort configured: serving no clients");
            wait_for_signal().await;
            return Ok(());
        };
        let host = if host.is_empty() { "0.0.0.0" } else { host };
        let listener = TcpListener::bind((host, port))
            .await
            .map_err(|e| Error::io(format!("binding the client port {host}:{port}"), e))?;
        let addr = listener.local_addr().ok();
        info!(
            "binding to port {}",
            addr.map_or_else(|| port.to_string(), |a| a.to_string())
        );
        let mut serve_cfg = ServeConfig::from_config(&cfg);
        serve_cfg.server_info.client_addr = addr;
        if let Some(a) = addr {
            serve_cfg.server_info.monitor.client_port = i32::from(a.port());
        }
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            info!("shutting down");
            let _ = stop.send(true);
        });
        serve(listener, serve_cfg, stopped).await;
        Ok(())
    })
}

/// Resolves on SIGTERM (how test harnesses and init systems stop servers) or Ctrl-C.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                warn!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
