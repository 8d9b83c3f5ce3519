//! The tokio driver: feeds inputs into the [`ServerCore`], executes its outputs, runs the log
//! stage, and fires timeouts. Counterpart of the threads ZooKeeper wires around its request
//! processors; here one task owns the core, so no lock guards the tree or the sessions.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use jute_codec::txn_body::TxnEntry;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tracing::{error, info, warn};

use crate::config::Config;
use crate::error::Error;

use crate::clock::{Clock, Stopwatch};
use crate::core::{ConnId, CoreConfig, Input, Output, ServerCore};
use crate::net::connection::ConnSettings;
use crate::net::four_letter::FourLetter;
use crate::net::listener;
use crate::persist::purge::AutoPurge;
use crate::persist::recovery::{self, Recovered, RecoveryOptions};
use crate::persist::snapshot::{self, SnapshotSettings};
use crate::persist::storage::{FileDir, LogDir};
use crate::persist::txn_log::{
    LogCmd, LogEvent, LogThread, LogWriter, SyncStats, TxnTiming, WriterConfig,
};
use crate::persist::{snapshot_io, DataDirs};
use datatree::snapshot::FuzzySnapshot;

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

/// The Log stage: where [`Output::AppendLog`] goes and [`Input::LogSynced`] comes from.
enum LogStage {
    /// Nothing is persisted: each batch is "durable" at once.
    Memory { appended_up_to: Option<i64> },
    /// The txn log: appends go to the log thread, which reports syncs as [`RuntimeEvent`]s.
    Durable {
        thread: LogThread,
        /// Appends of the current flush, sent as one command.
        batch: Vec<Arc<TxnEntry>>,
    },
}

impl LogStage {
    fn append(&mut self, entry: Arc<TxnEntry>) {
        match self {
            LogStage::Memory { appended_up_to } => *appended_up_to = Some(entry.hdr.zxid),
            LogStage::Durable { batch, .. } => batch.push(entry),
        }
    }

    fn roll(&mut self) {
        if let LogStage::Durable { thread, batch } = self {
            if !batch.is_empty() {
                thread.send(LogCmd::Append(std::mem::take(batch)));
            }
            thread.send(LogCmd::Roll);
        }
    }

    /// Hands the batch to the log thread. For the memory log: what became "durable".
    fn end_of_flush(&mut self) -> Option<i64> {
        match self {
            LogStage::Memory { appended_up_to } => appended_up_to.take(),
            LogStage::Durable { thread, batch } => {
                if !batch.is_empty() {
                    thread.send(LogCmd::Append(std::mem::take(batch)));
                }
                None
            }
        }
    }
}

/// Reports from the threads beside the core (log writer, snapshot writer).
#[derive(Debug)]
enum RuntimeEvent {
    Log(LogEvent),
    /// The snapshot writer thread finished (`Err` is logged; ZooKeeper goes on too).
    SnapshotWritten(Result<PathBuf, Error>),
}

/// A fuzzy snapshot in progress: walked a slice at a time between batches, then written by
/// a thread of its own (`SyncRequestProcessor`'s snapshot thread).
enum Snapshotting {
    Idle,
    Walking(FuzzySnapshot),
    Writing,
}

/// Nodes serialised per slice of a background snapshot, between two batches of requests.
const SNAPSHOT_SLICE_NODES: usize = 2000;

/// Where and how the server persists (`dataDir`, `dataLogDir` and the persistence system
/// properties). `None` in [`ServeConfig::persist`] keeps everything in memory.
#[derive(Debug, Clone)]
pub struct PersistConfig {
    /// `dataDir` (snapshots).
    pub data_dir: PathBuf,
    /// `dataLogDir` (txn logs; `dataDir` unless set).
    pub data_log_dir: PathBuf,
    /// Preallocation, forceSync, txnLogSizeLimitInKb.
    pub writer: WriterConfig,
    /// `zookeeper.snapshot.trust.empty`.
    pub trust_empty_snapshot: bool,
    /// `zookeeper.db.autocreate`.
    pub db_autocreate: bool,
    /// `zookeeper.datadir.autocreate`.
    pub datadir_autocreate: bool,
    /// Largest txn payload read back (`jute.maxbuffer` + extrasize).
    pub max_payload: usize,
    /// `autopurge.snapRetainCount` and `autopurge.purgeInterval`, when autopurge is on.
    pub autopurge: Option<(usize, Duration)>,
    /// Creates the log files instead of `dataLogDir/version-2` (fault injection in tests).
    pub log_dir: Option<Arc<dyn LogDir>>,
    /// Compression and sections of the snapshots written.
    pub snapshot: SnapshotSettings,
}

impl PersistConfig {
    /// Persistence in `data_dir` with ZooKeeper's defaults.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            data_log_dir: data_dir.to_owned(),
            writer: WriterConfig::default(),
            trust_empty_snapshot: false,
            db_autocreate: true,
            datadir_autocreate: true,
            max_payload: 2 * 0xfffff,
            autopurge: None,
            log_dir: None,
            snapshot: SnapshotSettings::default(),
        }
    }

    /// The `version-2` directories.
    pub fn dirs(&self) -> DataDirs {
        DataDirs::new(&self.data_dir, &self.data_log_dir)
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
    /// Where to persist; `None` keeps everything in memory.
    pub persist: Option<PersistConfig>,
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

/// Runs a standalone server on `listener` until `shutdown` flips to true. A fatal error
/// (recovery failed, the txn log cannot be written) is logged and ends the server; see
/// [`try_serve`] to get it as a value.
pub async fn serve(listener: TcpListener, cfg: ServeConfig, shutdown: watch::Receiver<bool>) {
    if let Err(e) = try_serve(listener, cfg, shutdown).await {
        error!("Unexpected exception, exiting abnormally: {e}");
    }
}

/// Recovers the database (when persisting), then serves clients on `listener` until
/// `shutdown` flips to true.
///
/// # Errors
/// [`Error`] when recovery fails, or the txn log fails at runtime: then no write is
/// acknowledged any more, every connection is closed and the server stops (as a ZooKeeper
/// critical thread stops the server).
pub async fn try_serve(
    listener: TcpListener,
    mut cfg: ServeConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<(), Error> {
    cfg.server_info.monitor.whitelist = cfg.four_letter.clone();
    let clock = Clock::new();
    let tree_config = datatree::tree::TreeConfig {
        extended_types_enabled: cfg.core.extended_types_enabled,
    };
    let (events_tx, events) = mpsc::unbounded_channel();
    let mut persisted = None;
    let mut snap_dir = None;
    let mut snap_settings = SnapshotSettings::default();
    let mut startup = None;
    let (tree, sessions, digests, log) = match &cfg.persist {
        None => (
            datatree::DataTree::with_config(tree_config),
            BTreeMap::new(),
            datatree::digest::DigestTracker::new(cfg.core.digest_enabled, None),
            LogStage::Memory {
                appended_up_to: None,
            },
        ),
        Some(p) => {
            let (r, thread, purge) = open_persistence(p, tree_config, events_tx.clone())?;
            persisted = purge;
            startup = Some(r.timings);
            snap_dir = Some(p.dirs().snap_dir);
            snap_settings = p.snapshot;
            (
                r.tree,
                r.sessions,
                r.digests,
                LogStage::Durable {
                    thread,
                    batch: Vec::new(),
                },
            )
        }
    };
    let now = clock.now();
    let mut core = ServerCore::new(cfg.core.clone(), tree, now);
    core.restore_sessions(sessions, now);
    core.restore_digests(digests);
    if let Some(timings) = startup {
        core.monitor_startup(&timings);
    }
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
    let mut driver = CoreDriver {
        core,
        clock,
        conns: HashMap::new(),
        log,
        cfg,
        snap_dir,
        snap_settings,
        snapshot: Snapshotting::Idle,
        snapshot_timer: Stopwatch::start(),
        events_tx,
    };
    // ZK-COMPAT: ZooKeeperServer.loadData makes a snapshot at every start, named after the
    // last recovered zxid (replacing a file of that name), before it serves. zkrs takes the
    // same snapshot in the background, as its snapCount snapshots: the recovered txns are
    // all in the logs already, so serving first loses nothing, and a restart of a large tree
    // does not wait for it.
    driver.start_snapshot();
    let result = driver.run(core_rx, events, shutdown).await;
    if result.is_err() {
        accept.abort();
    }
    let _ = accept.await;
    drop(persisted);
    info!("server stopped");
    result
}

/// The zxid (from its name) and modification time in seconds of a snapshot file
/// (`FileSnap`'s `SnapshotInfo(zxid, snapShot.lastModified() / 1000)`).
fn snapshot_info(path: &std::path::Path) -> Option<(i64, i64)> {
    let name = path.file_name()?.to_str()?;
    let zxid = crate::persist::zxid_from_name(name, crate::persist::SNAPSHOT_PREFIX)?;
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let secs = modified
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Some((zxid, secs))
}

/// Recovery, then the log thread and autopurge (the startup snapshot follows in the
/// background: [`CoreDriver::start_snapshot`]).
fn open_persistence(
    p: &PersistConfig,
    tree_config: datatree::tree::TreeConfig,
    events: mpsc::UnboundedSender<RuntimeEvent>,
) -> Result<(Recovered, LogThread, Option<AutoPurge>), Error> {
    let dirs = p.dirs();
    dirs.prepare(p.datadir_autocreate)?;
    let opts = RecoveryOptions {
        trust_empty_snapshot: p.trust_empty_snapshot,
        db_autocreate: p.db_autocreate,
        max_payload: p.max_payload,
        tree_config,
        repair: true,
        digest_enabled: p.snapshot.write.digest_enabled,
    };
    if let Err(e) = snapshot::remove_temp_files(&dirs.snap_dir) {
        warn!(
            "cannot remove unfinished snapshots in {}: {e}",
            dirs.snap_dir.display()
        );
    }
    let recovered = recovery::restore(&dirs, &opts, &crate::tools::load_snapshot)?;
    info!(
        "Recovered {} txns, last zxid 0x{:x}, {} sessions",
        recovered.replayed,
        recovered.last_zxid(),
        recovered.sessions.len()
    );
    let log_dir: Arc<dyn LogDir> = match &p.log_dir {
        Some(d) => Arc::clone(d),
        None => Arc::new(FileDir::new(&dirs.log_dir)),
    };
    let writer = LogWriter::new(log_dir, p.writer);
    let thread = LogThread::spawn(writer, move |e| {
        let _ = events.send(RuntimeEvent::Log(e));
    })
    .map_err(|e| Error::io("starting the txn log thread", e))?;
    let purge = match p.autopurge {
        Some((retain, interval)) => Some(
            AutoPurge::start(dirs, retain, interval)
                .map_err(|e| Error::io("starting the autopurge thread", e))?,
        ),
        None => None,
    };
    Ok((recovered, thread, purge))
}

struct CoreDriver {
    core: ServerCore,
    clock: Clock,
    conns: HashMap<ConnId, mpsc::UnboundedSender<ConnMsg>>,
    log: LogStage,
    cfg: ServeConfig,
    /// Where snapshots go; `None` for the memory log.
    snap_dir: Option<PathBuf>,
    snap_settings: SnapshotSettings,
    snapshot: Snapshotting,
    /// Started with the current snapshot (`snapshottime`).
    snapshot_timer: Stopwatch,
    events_tx: mpsc::UnboundedSender<RuntimeEvent>,
}

impl CoreDriver {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<CoreMsg>,
        mut events: mpsc::UnboundedReceiver<RuntimeEvent>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), Error> {
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
                biased;
                ev = events.recv() => {
                    // The sender lives in the log thread's closure: `None` cannot happen
                    // while the durable log runs, and the memory log sends nothing.
                    if let Some(ev) = ev {
                        self.handle_event(ev)?;
                    }
                }
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
                _ = std::future::ready(()), if matches!(self.snapshot, Snapshotting::Walking(_)) => {
                    self.step_snapshot();
                }
            }
            self.flush();
            if self.core.take_snapshot_request() {
                self.start_snapshot();
            }
        }
        Ok(())
    }

    /// `SyncRequestProcessor`: the log was just rolled; snapshot unless one is running.
    fn start_snapshot(&mut self) {
        if self.snap_dir.is_none() {
            return;
        }
        if !matches!(self.snapshot, Snapshotting::Idle) {
            warn!("Too busy to snap, skipping");
            return;
        }
        let sessions: Vec<(i64, i32)> = self
            .core
            .sessions()
            .iter()
            .map(|s| (s.id, s.timeout_ms.min(i32::MAX as u32) as i32))
            .collect();
        let snap = FuzzySnapshot::new(self.core.tree(), sessions, self.snap_settings.write);
        info!("Creating snapshot 0x{:x}", snap.zxid());
        self.snapshot = Snapshotting::Walking(snap);
        self.snapshot_timer = Stopwatch::start();
    }

    /// One slice of the fuzzy walk; the finished image goes to a writer thread.
    fn step_snapshot(&mut self) {
        let Snapshotting::Walking(snap) = &mut self.snapshot else {
            return;
        };
        if !snap.step(self.core.tree(), SNAPSHOT_SLICE_NODES) {
            return;
        }
        let Snapshotting::Walking(snap) =
            std::mem::replace(&mut self.snapshot, Snapshotting::Writing)
        else {
            unreachable!("walking above");
        };
        let image = snap.finish_with_digest(self.core.tree(), self.core.last_processed_digest());
        let dir = self
            .snap_dir
            .clone()
            .expect("snapshots only with a data dir");
        let tx = self.events_tx.clone();
        let settings = self.snap_settings;
        let spawned = std::thread::Builder::new()
            .name("zkrs-snapshot".into())
            .spawn(move || {
                let _ = tx.send(RuntimeEvent::SnapshotWritten(snapshot_io::write(
                    &dir, &image, &settings,
                )));
            });
        if let Err(e) = spawned {
            warn!("cannot start the snapshot thread: {e}");
            self.snapshot = Snapshotting::Idle;
        }
    }

    fn handle_event(&mut self, ev: RuntimeEvent) -> Result<(), Error> {
        match ev {
            RuntimeEvent::Log(LogEvent::Synced { up_to, stats }) => {
                self.core.monitor_log_synced(&stats);
                self.core
                    .handle(self.clock.now(), Input::LogSynced { up_to });
                Ok(())
            }
            RuntimeEvent::Log(LogEvent::Failed(msg)) => {
                // ZK-COMPAT: ZooKeeperCriticalThread: a txn log failure stops the server;
                // nothing after the last sync is acknowledged.
                error!("Severe unrecoverable error, from thread : zkrs-txnlog: {msg}");
                Err(Error::io("writing the txn log", std::io::Error::other(msg)))
            }
            RuntimeEvent::SnapshotWritten(result) => {
                match result {
                    Ok(path) => {
                        let took_ms = self.snapshot_timer.elapsed_ms();
                        info!("Snapshot taken in {took_ms} ms");
                        if let Some((zxid, mtime_s)) = snapshot_info(&path) {
                            self.core.monitor_snapshot_taken(zxid, mtime_s, took_ms);
                        }
                    }
                    Err(e) => warn!("Unexpected exception while taking a snapshot: {e}"),
                }
                self.snapshot = Snapshotting::Idle;
                Ok(())
            }
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
                if let Some(tx) = self.conns.remove(&conn) {
                    let _ = tx.send(ConnMsg::Data(Bytes::from(text.into_bytes())));
                    let _ = tx.send(ConnMsg::Close);
                }
                // ZK-COMPAT: NIOServerCnxn.close takes the connection out of the factory
                // before its socket closes, so a client that read the answer to EOF never
                // sees its own finished 4lw connection in the next `stat`/`cons`/`mntr`.
                // (The connection task's own Disconnected, later, finds nothing to do.)
                self.core.handle(now, Input::Disconnected { conn });
            }
            CoreMsg::Monitor(req) => {
                let info = &self.cfg.server_info.monitor;
                crate::monitor::handle_request(&mut self.core, info, now, req);
            }
        }
    }

    /// Executes outputs until the core is quiet. Appends go to the log stage as one batch
    /// per flush; the memory log acknowledges the batch at once (group commit), the durable
    /// log after its fsync.
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
                        self.log.append(entry);
                    }
                    Output::RollLog => self.log.roll(),
                }
            }
            match self.log.end_of_flush() {
                Some(up_to) => {
                    // The memory log: "durable" at once, nothing to time.
                    self.core.monitor_log_synced(&SyncStats {
                        txns: vec![TxnTiming::default(); appended],
                        ..SyncStats::default()
                    });
                    self.core
                        .handle(self.clock.now(), Input::LogSynced { up_to });
                }
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
                snap_count: cfg.snap_count.max(2),
                // ZK-COMPAT: ZooKeeperServer.getSnapSizeInBytes: KiB, 4 GiB by default, <= 0
                // disables it.
                snap_size_bytes: props
                    .get_long("zookeeper.snapSizeLimitInKb", 4_194_304)
                    .max(0)
                    .saturating_mul(1024),
                snap_seed: crate::clock::seed(),
                // `Boolean.parseBoolean`, default true (ZooKeeperServer's static initialiser).
                digest_enabled: props
                    .get("zookeeper.digest.enabled")
                    .is_none_or(|v| v.eq_ignore_ascii_case("true")),
            },
            max_client_cnxns: cfg.max_client_cnxns as usize,
            max_buffer: props.jute_max_buffer().max(0) as usize,
            four_letter: cfg.four_letter_whitelist.clone(),
            server_info: ServerInfo {
                client_addr: None,
                monitor: crate::monitor::MonitorInfo::from_config(cfg),
            },
            persist: Some(PersistConfig::from_config(cfg)),
        }
    }
}

impl PersistConfig {
    /// The persistence settings of a loaded [`Config`].
    pub fn from_config(cfg: &Config) -> Self {
        let props = &cfg.system_properties;
        let max_buffer = i64::from(props.jute_max_buffer().max(0));
        // ZK-COMPAT: BinaryInputArchive: maxBuffer + extrasize (default maxBuffer, >= 1024).
        let extra = props
            .get_long("zookeeper.jute.maxbuffer.extrasize", max_buffer)
            .max(1024);
        let size_limit_kb = props.get_long("zookeeper.txnLogSizeLimitInKb", -1);
        let autopurge = (cfg.autopurge_purge_interval_hours > 0).then(|| {
            (
                cfg.autopurge_snap_retain_count as usize,
                Duration::from_secs(u64::from(cfg.autopurge_purge_interval_hours) * 3600),
            )
        });
        PersistConfig {
            data_dir: cfg.data_dir.clone(),
            data_log_dir: cfg.data_log_dir.clone(),
            writer: WriterConfig {
                pre_alloc_bytes: cfg.pre_alloc_size_kb.saturating_mul(1024),
                force_sync: cfg.force_sync,
                size_limit_bytes: (size_limit_kb > 0).then(|| size_limit_kb as u64 * 1024),
            },
            trust_empty_snapshot: props.get_boolean("zookeeper.snapshot.trust.empty"),
            // ZK-COMPAT: FileTxnSnapLog: Boolean.parseBoolean(getProperty(.., "true")).
            db_autocreate: props
                .get("zookeeper.db.autocreate")
                .is_none_or(|v| v.eq_ignore_ascii_case("true")),
            datadir_autocreate: props.datadir_autocreate(),
            max_payload: (max_buffer + extra).clamp(0, i64::from(i32::MAX)) as usize,
            autopurge,
            log_dir: None,
            snapshot: SnapshotSettings::from_properties(props),
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
