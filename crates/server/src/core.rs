//! `ServerCore`: sessions, Prep, the commit gate and Apply, as one synchronous, sans-IO state
//! machine. Counterpart of `ZooKeeperServer` (connect handling, `processPacket`,
//! `submitRequest`) + `SessionTrackerImpl`'s expirer + the standalone processor chain
//! (`PrepRequestProcessor` -> `SyncRequestProcessor` -> `FinalRequestProcessor`) +
//! `ContainerManager`.
//!
//! The runtime feeds [`Input`]s through [`ServerCore::handle`], executes the [`Output`]s it
//! collects with [`ServerCore::poll_output`], and calls [`ServerCore::handle_timeout`] when
//! [`ServerCore::poll_timeout`] says so. The core owns no socket, clock, thread or RNG.
//!
//! Ordering contract (structural, not a caller duty):
//! - A write is applied, and its reply sent, only after [`Input::LogSynced`] covers its zxid.
//! - Replies leave in request order per session: a read waits behind its session's earlier
//!   writes (`CommitProcessor`'s rule); reads of other sessions do not wait.
//! - Watch events produced by a txn are emitted before that txn's reply.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use datatree::digest::{DigestTracker, DigestVerdict, ZxidDigest};
use datatree::{DataTree, WatchEvent};
use jute_codec::records::{
    Acl, ConnectRequest, ConnectResponse, Id, ReplyHeader, SetSaslResponse, TxnDigest,
};
use jute_codec::request::{NullPath, Request};
use jute_codec::txn_body::{TxnBody, TxnEntry};
use jute_codec::{DecodeError, ErrorCode, OpCode, Record};
use tracing::{debug, info, warn};

use crate::metrics::ServerStats;
use crate::monitor::core_hooks::CoreMonitor;
use crate::pipeline::apply::{self, ReadContext};
use crate::pipeline::null_path::{self, Handling, NullWatches};
use crate::pipeline::pending::Pending;
use crate::pipeline::prep::{self, PrepContext};
use crate::session::{self, SessionId, SessionTracker};

/// Identifies one client connection.
pub type ConnId = u64;

/// The reply xid ZooKeeper uses for notifications.
const NOTIFICATION_XID: i32 = -1;

/// Both clocks, read once by the runtime per batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Monotonic milliseconds (expiry).
    pub mono_ms: u64,
    /// Wall-clock milliseconds since the epoch (txn times).
    pub wall_ms: i64,
}

/// Settings the core needs (a subset of zoo.cfg and system properties).
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Server id placed in the top byte of session ids (1 when standalone, as ZooKeeper).
    pub server_id: i64,
    /// tickTime.
    pub tick_time_ms: u64,
    /// minSessionTimeout.
    pub session_timeout_ms_min: u32,
    /// maxSessionTimeout.
    pub session_timeout_ms_max: u32,
    /// `zookeeper.extendedTypesEnabled`.
    pub extended_types_enabled: bool,
    /// reconfigEnabled.
    pub reconfig_enabled: bool,
    /// `zookeeper.DigestAuthenticationProvider.superDigest`.
    pub super_digest: Option<String>,
    /// `znode.container.checkIntervalMs`.
    pub container_check_interval_ms: u64,
    /// `zookeeper.snapCount`: roll the log and snapshot after `snapCount/2 + rand(snapCount/2)`
    /// txns. 0 turns log rolling and snapshots off (the in-memory log).
    pub snap_count: u32,
    /// `zookeeper.snapSizeLimitInKb` in bytes: also roll and snapshot after
    /// `limit/2 + rand(limit/2)` bytes of log. 0 or less turns this off.
    pub snap_size_bytes: i64,
    /// Seed of the snapshot randomisation (the runtime draws it; tests fix it).
    pub snap_seed: u64,
    /// `zookeeper.digest.enabled` (default true): stamp each txn with the tree digest it
    /// leaves (`TxnDigest`) and compare the digests of applied txns with the tree's.
    pub digest_enabled: bool,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            server_id: 1,
            tick_time_ms: 2000,
            session_timeout_ms_min: 4000,
            session_timeout_ms_max: 40000,
            extended_types_enabled: false,
            reconfig_enabled: false,
            super_digest: None,
            container_check_interval_ms: 60_000,
            snap_count: 0,
            snap_size_bytes: 0,
            snap_seed: 0,
            digest_enabled: true,
        }
    }
}

/// What the runtime tells the core.
#[derive(Debug)]
pub enum Input {
    /// A connection sent its ConnectRequest.
    Connect {
        /// The connection.
        conn: ConnId,
        /// The request.
        req: ConnectRequest,
        /// The client's IP address, for the `ip` auth scheme.
        client_ip: String,
    },
    /// A connection sent a request frame after the handshake.
    Packet {
        /// The connection.
        conn: ConnId,
        /// The request header's xid.
        xid: i32,
        /// The request header's type.
        op: i32,
        /// The decoded body, or why it could not be decoded.
        body: Result<Request, DecodeError>,
        /// Where the body has a null path, which [`Request::decode`] read as `""`
        /// ([`jute_codec::request::find_null_path`]).
        null_path: Option<NullPath>,
    },
    /// A connection closed.
    Disconnected {
        /// The connection.
        conn: ConnId,
    },
    /// The log made every txn up to this zxid durable.
    LogSynced {
        /// Highest durable zxid.
        up_to: i64,
    },
}

/// What the core asks the runtime to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes (complete frames) to the connection.
    Send {
        /// The connection.
        conn: ConnId,
        /// Framed bytes.
        bytes: Bytes,
    },
    /// Close the connection after everything sent before.
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Append this txn to the log, then report [`Input::LogSynced`].
    /// Shared with the core's in-flight table: the log encodes it without a deep copy.
    AppendLog(Arc<TxnEntry>),
    /// Close the current log file after the appends before this; the next append starts a
    /// new one (`ZKDatabase.rollLog`, before a snapshot).
    RollLog,
}

/// A request waiting in its session's queue.
#[derive(Debug)]
pub(crate) enum Queued {
    /// A prepared write, waiting to be committed.
    Write { zxid: i64 },
    /// A read waiting for the session's earlier writes.
    Read {
        conn: ConnId,
        xid: i32,
        req: Request,
        received_ms: u64,
        /// A null path: answered as ZooKeeper does (`null_path::Handling::Reply`).
        null_path: Option<NullPath>,
    },
}

/// Who is waiting for a prepared txn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// A client request: reply on `conn`.
    Client {
        conn: ConnId,
        xid: i32,
        op: OpCode,
        received_ms: u64,
    },
    /// A createSession: answer the handshake on `conn`.
    CreateSession { conn: ConnId, old_client: bool },
    /// A closeSession: reply (if `xid` is some) and close `conn`.
    CloseSession {
        conn: Option<ConnId>,
        xid: Option<i32>,
    },
    /// The server's own request (container cleanup): nobody to answer.
    Internal,
}

#[derive(Debug)]
pub(crate) struct InFlight {
    entry: Arc<TxnEntry>,
    origin: Origin,
}

/// A packet (xid, type, body) received before its connection's handshake finished.
pub(crate) type EarlyPacket = (i32, i32, Result<Request, DecodeError>, Option<NullPath>);

#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) session: Option<SessionId>,
    pub(crate) auth_ids: Vec<Id>,
    pub(crate) old_client: bool,
    /// Packets that arrived before the ConnectResponse was sent, in order. ZooKeeper reads
    /// nothing more from a connection until its session exists (`disableRecv`), so they are
    /// handled, in order, right after the response.
    pub(crate) before_handshake: Option<Vec<EarlyPacket>>,
    /// Watches added with a null path (K2). ZK-COMPAT: while it holds one, closing the
    /// connection throws in ZooKeeper 3.8.0 (inside `NIOServerCnxn.close`, after the
    /// connection left the factory, before its socket closes): the server forgets the
    /// connection and leaves the socket open.
    pub(crate) null_watches: NullWatches,
}

/// The server's single-writer core. Fields are `pub(crate)` so the monitoring and
/// persistence modules can read state without a getter per figure; only this module mutates.
#[derive(Debug)]
pub struct ServerCore {
    pub(crate) cfg: CoreConfig,
    pub(crate) tree: DataTree,
    pub(crate) pending: Pending,
    pub(crate) sessions: SessionTracker,
    pub(crate) conns: HashMap<ConnId, Conn>,
    pub(crate) session_conn: HashMap<SessionId, ConnId>,
    pub(crate) queues: HashMap<SessionId, VecDeque<Queued>>,
    pub(crate) in_flight: BTreeMap<i64, InFlight>,
    pub(crate) last_zxid: i64,
    pub(crate) next_container_check_ms: u64,
    pub(crate) output: VecDeque<Output>,
    pub(crate) stats: ServerStats,
    /// Monitoring: per-connection statistics and ZooKeeper's metric registry.
    pub(crate) monitor: CoreMonitor,
    /// Digest checks of applied txns and the digest log (`DataTree`'s digest state).
    pub(crate) digests: DigestTracker,
    pub(crate) snap: SnapSchedule,
    pub(crate) snapshot_requested: bool,
}

/// When to roll the log and snapshot (`SyncRequestProcessor.shouldSnapshot`,
/// `resetSnapshotStats`).
#[derive(Debug)]
pub(crate) struct SnapSchedule {
    /// Txns appended since the last roll.
    pub(crate) txns: u64,
    /// Log bytes appended since the last roll.
    pub(crate) bytes: i64,
    /// `randRoll`: uniform in `[0, snapCount/2)`.
    rand_roll: u64,
    /// `randSize`: uniform in `[0, snapSizeInBytes/2)`.
    rand_size: i64,
    rng: SplitMix64,
}

/// A 10-line PRNG (SplitMix64) so the core stays deterministic for a given seed.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

impl SnapSchedule {
    fn new(cfg: &CoreConfig) -> Self {
        let mut s = Self {
            txns: 0,
            bytes: 0,
            rand_roll: 0,
            rand_size: 0,
            rng: SplitMix64(cfg.snap_seed),
        };
        s.reset(cfg);
        s
    }

    fn reset(&mut self, cfg: &CoreConfig) {
        self.txns = 0;
        self.bytes = 0;
        self.rand_roll = self.rng.below(u64::from(cfg.snap_count / 2));
        self.rand_size = if cfg.snap_size_bytes > 0 {
            self.rng.below((cfg.snap_size_bytes / 2) as u64) as i64
        } else {
            0
        };
    }

    /// Counts one appended txn of `len` log bytes; true when it is time to roll.
    fn count(&mut self, cfg: &CoreConfig, len: i64) -> bool {
        if cfg.snap_count == 0 {
            return false;
        }
        self.txns += 1;
        self.bytes += len;
        self.txns > u64::from(cfg.snap_count / 2) + self.rand_roll
            || (cfg.snap_size_bytes > 0 && self.bytes > cfg.snap_size_bytes / 2 + self.rand_size)
    }
}

impl ServerCore {
    /// A core over `tree` (fresh or recovered) whose last logged zxid is `last_zxid`.
    pub fn new(cfg: CoreConfig, tree: DataTree, now: Now) -> Self {
        let last_zxid = tree.last_processed_zxid();
        // The wall clock, not the process's monotonic one: ids must not repeat across
        // restarts (a restored session keeps its id, and passwords derive from ids).
        let first_id = session::initial_session_id(cfg.server_id, now.wall_ms.max(0) as u64);
        let sessions = SessionTracker::new(first_id, cfg.tick_time_ms);
        let next_container_check_ms = now.mono_ms + cfg.container_check_interval_ms;
        let cfg_snap = cfg.clone();
        Self {
            cfg,
            tree,
            pending: Pending::new(),
            sessions,
            conns: HashMap::new(),
            session_conn: HashMap::new(),
            queues: HashMap::new(),
            in_flight: BTreeMap::new(),
            last_zxid,
            next_container_check_ms,
            output: VecDeque::new(),
            stats: ServerStats::default(),
            monitor: CoreMonitor::new(now.mono_ms),
            digests: DigestTracker::new(cfg_snap.digest_enabled, None),
            snap: SnapSchedule::new(&cfg_snap),
            snapshot_requested: false,
        }
    }

    /// Tracks sessions recovered from disk (`SessionTrackerImpl` built from the restored
    /// `sessionsWithTimeouts`): each expires `timeout` after `now` unless its client
    /// reconnects with the session's id and password. New session ids continue after the
    /// highest restored id of this server.
    pub fn restore_sessions(
        &mut self,
        sessions: impl IntoIterator<Item = (SessionId, i32)>,
        now: Now,
    ) {
        for (id, timeout_ms) in sessions {
            let timeout = timeout_ms.max(0) as u32;
            self.sessions.add(id, timeout, Vec::new(), now.mono_ms);
            if id >> 56 == self.cfg.server_id {
                self.sessions.ensure_next_id_after(id);
            }
        }
    }

    /// Carries on with the digest state recovery left (`DataTree`'s digest log and fuzzy
    /// state survive `loadData`); mismatches recovery found count in
    /// `digest_mismatches_count`.
    pub fn restore_digests(&mut self, digests: DigestTracker) {
        let found = digests.mismatches();
        if found > 0 {
            self.monitor_digest_mismatches(found);
        }
        self.digests = digests;
    }

    /// `lastProcessedZxidDigest`: what a snapshot taken now carries in its digest section.
    pub fn last_processed_digest(&self) -> ZxidDigest {
        self.digests.last_processed()
    }

    /// The digest log (`DataTree.getDigestLog`), oldest first: what `hash` prints.
    pub fn digest_log(&self) -> impl Iterator<Item = &ZxidDigest> {
        self.digests.log()
    }

    /// Whether the log has been rolled for a snapshot that the runtime should take now
    /// (and clears the flag).
    pub fn take_snapshot_request(&mut self) -> bool {
        std::mem::take(&mut self.snapshot_requested)
    }

    /// The tree (for 4lw and tests).
    pub fn tree(&self) -> &DataTree {
        &self.tree
    }

    /// The live sessions.
    pub fn sessions(&self) -> &SessionTracker {
        &self.sessions
    }

    /// Counters behind `srvr`.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Counters behind `srvr`, for the runtime to update connection counts.
    pub fn stats_mut(&mut self) -> &mut ServerStats {
        &mut self.stats
    }

    /// The counters with the live figures filled in (`srvr`, `stat`).
    pub fn stats_snapshot(&self, connections: usize) -> ServerStats {
        let mut s = self.stats.clone();
        s.outstanding_requests = self.outstanding() as u64;
        s.last_processed_zxid = self.tree.last_processed_zxid();
        s.node_count = self.tree.node_count() as u64;
        s.alive_connections = connections as u64;
        s
    }

    /// Number of open client connections that completed or started a handshake.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Prepared writes not yet committed (`Outstanding` in `srvr`).
    pub fn outstanding(&self) -> usize {
        self.in_flight.len() + self.queues.values().map(VecDeque::len).sum::<usize>()
    }

    /// The next output to execute, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.output.pop_front()
    }

    /// The next monotonic time at which [`ServerCore::handle_timeout`] must be called.
    pub fn poll_timeout(&self) -> Option<u64> {
        let expiry = self.sessions.next_expiry_ms();
        Some(expiry.map_or(self.next_container_check_ms, |e| {
            e.min(self.next_container_check_ms)
        }))
    }

    /// Feeds one input.
    pub fn handle(&mut self, now: Now, input: Input) {
        self.monitor.now_ms = now.mono_ms;
        match input {
            Input::Connect {
                conn,
                req,
                client_ip,
            } => self.handle_connect(now, conn, req, client_ip),
            Input::Packet {
                conn,
                xid,
                op,
                body,
                null_path,
            } => self.handle_packet(now, conn, xid, op, body, null_path),
            Input::Disconnected { conn } => self.handle_disconnected(conn),
            Input::LogSynced { up_to } => self.handle_log_synced(now, up_to),
        }
    }

    /// Expires sessions whose time has come and deletes empty containers and expired TTL
    /// nodes (`SessionTrackerImpl.run`, `ContainerManager.checkContainers`).
    pub fn handle_timeout(&mut self, now: Now) {
        self.monitor.now_ms = now.mono_ms;
        self.monitor.cnxn_expiry.drop_expired(now.mono_ms);
        for id in self.sessions.take_expired(now.mono_ms) {
            self.monitor_session_expired();
            info!(
                "Expiring session 0x{id:x}, timeout of {}ms exceeded",
                self.session_timeout(id)
            );
            let conn = self.session_conn.get(&id).copied();
            self.monitor_internal_request();
            self.prepare_close(now, id, 0, Origin::CloseSession { conn, xid: None });
        }
        if now.mono_ms >= self.next_container_check_ms {
            self.next_container_check_ms = now.mono_ms + self.cfg.container_check_interval_ms;
            for path in self.tree.containers_and_ttls_to_delete(now.wall_ms) {
                let req = Request::DeleteContainer(Bytes::from(path.into_bytes()));
                self.monitor_internal_request();
                let entry = self.prepare_request(now, 0, 0, &req, None);
                self.submit(entry, Origin::Internal);
            }
        }
    }

    fn session_timeout(&self, id: SessionId) -> u32 {
        self.sessions.get(id).map_or(0, |s| s.timeout_ms)
    }

    // ----- handshake -----------------------------------------------------------------------

    fn handle_connect(&mut self, now: Now, conn: ConnId, req: ConnectRequest, client_ip: String) {
        self.monitor_connect_request(conn, now.mono_ms);
        let old_client = req.read_only.is_none();
        let last = self.tree.last_processed_zxid();
        if req.last_zxid_seen > last {
            info!(
                "Refusing session request for client {client_ip} as it has seen zxid 0x{:x} our last zxid is 0x{last:x} client must try another server",
                req.last_zxid_seen
            );
            self.output.push_back(Output::Close { conn });
            return;
        }
        let timeout = req.time_out.clamp(
            self.cfg.session_timeout_ms_min as i32,
            self.cfg.session_timeout_ms_max as i32,
        ) as u32;
        // ZK-COMPAT: NIOServerCnxn adds ip:<address> to every connection's auth info.
        let ip_id = datatree::acl::ip_id(&client_ip);
        self.conns.insert(
            conn,
            Conn {
                session: None,
                auth_ids: vec![ip_id],
                old_client,
                // A new session answers after its createSession commits; a reconnect at once.
                before_handshake: (req.session_id == 0).then(Vec::new),
                null_watches: NullWatches::default(),
            },
        );
        if req.session_id == 0 {
            let id = self.sessions.next_id();
            self.sessions.add(id, timeout, Vec::new(), now.mono_ms);
            self.attach(conn, id);
            self.monitor_internal_request();
            let entry =
                prep::prepare_create_session(id, timeout as i32, 0, self.next_zxid(), now.wall_ms);
            // Requests pipelined behind the ConnectRequest wait behind the createSession:
            // ZooKeeper reads nothing more from a connection until its session exists.
            self.queues.entry(id).or_default().push_back(Queued::Write {
                zxid: entry.hdr.zxid,
            });
            self.submit(entry, Origin::CreateSession { conn, old_client });
        } else {
            self.reopen_session(now, conn, req.session_id, req.passwd.as_deref(), timeout);
        }
    }

    /// `ZooKeeperServer.reopenSession` / `revalidateSession`.
    fn reopen_session(
        &mut self,
        now: Now,
        conn: ConnId,
        id: SessionId,
        passwd: Option<&[u8]>,
        timeout: u32,
    ) {
        let pass_ok = passwd == Some(&session::password(id)[..]);
        let valid = pass_ok && self.sessions.touch(id, timeout, now.mono_ms);
        if !pass_ok {
            warn!("Incorrect password for session 0x{id:x}");
        }
        let old_client = self.conns.get(&conn).is_some_and(|c| c.old_client);
        if let Some(old) = self.session_conn.get(&id).copied() {
            if old != conn {
                // ZK-COMPAT: ZooKeeperServer.processConnectRequest closes the session's
                // current connection (CLIENT_RECONNECT) before it checks the password; its
                // watches go with it.
                self.detach(old);
                self.drop_conn(old);
            }
        }
        if valid {
            if let Some(s) = self.sessions.get_mut(id) {
                s.timeout_ms = timeout;
            }
            self.attach(conn, id);
            self.send_connect_response(conn, timeout as i32, id, session::password(id), old_client);
        } else {
            info!("Invalid session 0x{id:x} for client, probably expired");
            self.send_connect_response(conn, 0, 0, [0; 16], old_client);
            self.conns.remove(&conn);
            self.output.push_back(Output::Close { conn });
        }
    }

    fn attach(&mut self, conn: ConnId, id: SessionId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.session = Some(id);
        }
        self.session_conn.insert(id, conn);
        let timeout = self.session_timeout(id);
        self.monitor_session_attached(conn, id, timeout);
    }

    /// Forgets `conn` as its session's connection and drops that connection's watches.
    /// Forgets `conn` and closes its socket, unless ZooKeeper's close would throw first
    /// ([`Conn::null_watches`]).
    fn drop_conn(&mut self, conn: ConnId) {
        if self
            .conns
            .remove(&conn)
            .is_some_and(|c| c.null_watches.close_fails())
        {
            debug!("Leaving connection {conn:?} open, as ZooKeeper's failing close does");
        } else {
            self.output.push_back(Output::Close { conn });
        }
    }

    /// Closes a live connection after a reply (an unknown opcode, a failed auth); with
    /// [`Conn::null_watches`], forgets it and leaves the socket open, as ZooKeeper's failing
    /// close does.
    fn close_conn(&mut self, conn: ConnId) {
        if self
            .conns
            .get(&conn)
            .is_some_and(|c| c.null_watches.close_fails())
        {
            self.detach(conn);
            self.conns.remove(&conn);
            debug!("Leaving connection {conn:?} open, as ZooKeeper's failing close does");
        } else {
            self.output.push_back(Output::Close { conn });
        }
    }

    fn detach(&mut self, conn: ConnId) {
        let Some(id) = self.conns.get(&conn).and_then(|c| c.session) else {
            return;
        };
        if self.session_conn.get(&id) == Some(&conn) {
            self.session_conn.remove(&id);
            self.tree.watches().remove_session(id);
        }
    }

    fn send_connect_response(
        &mut self,
        conn: ConnId,
        timeout: i32,
        id: SessionId,
        passwd: [u8; 16],
        old_client: bool,
    ) {
        let rsp = ConnectResponse {
            protocol_version: 0,
            time_out: timeout,
            session_id: id,
            passwd: Some(Bytes::copy_from_slice(&passwd)),
            // ZK-COMPAT: ZooKeeperServer.finishSessionInit: old clients get no readOnly byte.
            read_only: if old_client { None } else { Some(false) },
        };
        self.send_record(conn, &rsp);
    }

    fn handle_disconnected(&mut self, conn: ConnId) {
        self.monitor_unregister(conn);
        self.detach(conn);
        self.conns.remove(&conn);
    }

    // ----- requests ------------------------------------------------------------------------

    fn handle_packet(
        &mut self,
        now: Now,
        conn: ConnId,
        xid: i32,
        op: i32,
        body: Result<Request, DecodeError>,
        null_path: Option<NullPath>,
    ) {
        if let Some(early) = self
            .conns
            .get_mut(&conn)
            .and_then(|c| c.before_handshake.as_mut())
        {
            early.push((xid, op, body, null_path));
            return;
        }
        let is_write = OpCode::try_from(op).is_ok_and(|o| o.is_write());
        self.monitor_request(conn, xid, is_write, now.mono_ms);
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let Some(session) = c.session else {
            // A request before the handshake finished: ZooKeeper disables receive until then.
            self.output.push_back(Output::Close { conn });
            return;
        };
        let Some(s) = self.sessions.get(session) else {
            debug!("Dropping request 0x{xid:x}: no session 0x{session:x}");
            return;
        };
        if s.closing {
            debug!("Dropping request from closing session 0x{session:x}");
            return;
        }
        let timeout = s.timeout_ms;
        self.sessions.touch(session, timeout, now.mono_ms);

        let op = match OpCode::try_from(op) {
            Ok(op) if is_client_op(op) => op,
            _ => {
                // ZK-COMPAT: UnimplementedRequestProcessor: UNIMPLEMENTED with zxid -1, then
                // the connection closes.
                warn!("Received packet at server of unknown type {op}");
                self.send_reply(conn, xid, -1, ErrorCode::Unimplemented.as_i32(), &[]);
                self.close_conn(conn);
                return;
            }
        };
        // ZK-COMPAT: a null path (K2): see pipeline::null_path.
        let handling = match (&body, null_path) {
            (Ok(req), Some(at)) => null_path::handling(req, at, self.cfg.extended_types_enabled),
            _ => Handling::AsEmpty,
        };
        match op {
            OpCode::Auth => self.handle_auth(conn, xid, body),
            OpCode::Sasl => {
                // ZK-COMPAT: ZooKeeperServer.processSasl without a SASL server: OK and a null
                // token.
                let mut b = BytesMut::new();
                SetSaslResponse { token: None }.encode(&mut b);
                self.send_reply(conn, xid, 0, 0, &b);
            }
            OpCode::CloseSession => {
                self.sessions.set_closing(session);
                self.prepare_close(
                    now,
                    session,
                    xid,
                    Origin::CloseSession {
                        conn: Some(conn),
                        xid: Some(xid),
                    },
                );
            }
            _ if matches!(handling, Handling::Reply { .. }) => {
                if handling == (Handling::Reply { burns_zxid: true }) {
                    self.next_zxid();
                }
                let req = body.expect("a null path was found in a decoded body");
                self.queue_read(now, session, conn, xid, req, null_path);
            }
            op if op.is_write() => {
                let entry = match &body {
                    Ok(_) if handling == Handling::ErrorTxn => {
                        warn!("Null path in request type {op:?} from session 0x{session:x}");
                        self.error_entry(now, session, xid, ErrorCode::MarshallingError)
                    }
                    Ok(req) => self.prepare_request(now, session, xid, req, Some(conn)),
                    Err(e) => {
                        warn!(
                            "Failed to decode request type {op:?} from session 0x{session:x}: {e}"
                        );
                        self.error_entry(now, session, xid, ErrorCode::MarshallingError)
                    }
                };
                self.queues
                    .entry(session)
                    .or_default()
                    .push_back(Queued::Write {
                        zxid: entry.hdr.zxid,
                    });
                self.submit(
                    entry,
                    Origin::Client {
                        conn,
                        xid,
                        op,
                        received_ms: now.mono_ms,
                    },
                );
            }
            _ => match body {
                Ok(req) => self.queue_read(now, session, conn, xid, req, None),
                Err(e) => {
                    // ZK-COMPAT: FinalRequestProcessor answers an undecodable read with
                    // MARSHALLINGERROR and keeps the connection.
                    warn!("Failed to decode request type {op:?} from session 0x{session:x}: {e}");
                    let zxid = self.tree.last_processed_zxid();
                    self.send_reply(conn, xid, zxid, ErrorCode::MarshallingError.as_i32(), &[]);
                }
            },
        }
    }

    /// Serves a read now, or queues it behind the session's earlier writes (CommitGate).
    fn queue_read(
        &mut self,
        now: Now,
        session: SessionId,
        conn: ConnId,
        xid: i32,
        req: Request,
        null_path: Option<NullPath>,
    ) {
        let q = self.queues.entry(session).or_default();
        if q.is_empty() {
            self.serve_read(now, session, conn, xid, (&req, null_path), now.mono_ms);
        } else {
            q.push_back(Queued::Read {
                conn,
                xid,
                req,
                received_ms: now.mono_ms,
                null_path,
            });
        }
    }

    /// `ZooKeeperServer.processPacket`'s auth branch: answered at once, outside the pipeline.
    fn handle_auth(&mut self, conn: ConnId, xid: i32, body: Result<Request, DecodeError>) {
        let result = match body {
            // ZK-COMPAT: a null auth buffer makes ZooKeeper's provider throw: AUTHFAILED.
            Ok(Request::Auth(p)) => match p.auth.as_deref() {
                Some(auth) => {
                    datatree::acl::authenticate(&p.scheme, auth, self.cfg.super_digest.as_deref())
                }
                None => Err(ErrorCode::AuthFailed),
            },
            _ => Err(ErrorCode::AuthFailed),
        };
        match result {
            Ok(ids) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    for id in ids {
                        if !c.auth_ids.contains(&id) {
                            c.auth_ids.push(id);
                        }
                    }
                    session::order_like_java_set(&mut c.auth_ids);
                }
                self.send_reply(conn, xid, 0, 0, &[]);
            }
            Err(code) => {
                warn!("Authentication failed for connection {conn}");
                self.monitor.auth_failed_count += 1;
                self.send_reply(conn, xid, 0, code.as_i32(), &[]);
                self.close_conn(conn);
            }
        }
    }

    fn next_zxid(&mut self) -> i64 {
        self.last_zxid += 1;
        self.last_zxid
    }

    fn prepare_request(
        &mut self,
        now: Now,
        session: SessionId,
        xid: i32,
        req: &Request,
        conn: Option<ConnId>,
    ) -> TxnEntry {
        let zxid = self.next_zxid();
        // Borrowed, not cloned: Prep reads the connection's ids while the tree and the
        // pending overlay are borrowed too (disjoint fields).
        let auth: &[Id] = conn
            .and_then(|c| self.conns.get(&c))
            .map_or(&[], |c| &c.auth_ids);
        let ctx = PrepContext {
            session_id: session,
            cxid: xid,
            zxid,
            now_ms: now.wall_ms,
            auth_ids: auth,
            extended_types_enabled: self.cfg.extended_types_enabled,
            reconfig_enabled: self.cfg.reconfig_enabled,
        };
        prep::prepare(req, &ctx, &mut self.pending, &self.tree)
    }

    fn error_entry(&mut self, now: Now, session: SessionId, xid: i32, code: ErrorCode) -> TxnEntry {
        let zxid = self.next_zxid();
        TxnEntry {
            hdr: jute_codec::records::TxnHeader {
                client_id: session,
                cxid: xid,
                zxid,
                time: now.wall_ms,
                r#type: OpCode::Error.as_i32(),
            },
            body: TxnBody::Error(jute_codec::records::ErrorTxn { err: code.as_i32() }),
            digest: None,
        }
    }

    fn prepare_close(&mut self, now: Now, session: SessionId, xid: i32, origin: Origin) {
        let zxid = self.next_zxid();
        let entry = prep::prepare_close_session(
            session,
            xid,
            zxid,
            now.wall_ms,
            &mut self.pending,
            &self.tree,
        );
        if origin_has_conn_reply(&origin) {
            self.queues
                .entry(session)
                .or_default()
                .push_back(Queued::Write { zxid });
        }
        self.submit(entry, origin);
    }

    fn submit(&mut self, mut entry: TxnEntry, origin: Origin) {
        let zxid = entry.hdr.zxid;
        assert!(
            !self.in_flight.contains_key(&zxid),
            "zxid 0x{zxid:x} prepared twice"
        );
        // ZK-COMPAT: PrepRequestProcessor.pRequest2Txn/setTxnDigest: every txn but a
        // top-level error carries the tree digest it leaves, precalculated over the pending
        // records (a failed multi and createSession carry the current one).
        if self.cfg.digest_enabled && entry.hdr.r#type != OpCode::Error.as_i32() {
            entry.digest = Some(TxnDigest {
                version: datatree::digest::DIGEST_VERSION,
                tree_digest: self.pending.tree_digest(&self.tree),
            });
        }
        let digest_len = if entry.digest.is_some() { 12 } else { 0 };
        let len = (entry.hdr.encoded_len() + entry.body.encoded_len() + digest_len + 13) as i64;
        let entry = Arc::new(entry);
        self.output.push_back(Output::AppendLog(Arc::clone(&entry)));
        self.in_flight.insert(zxid, InFlight { entry, origin });
        if self.snap.count(&self.cfg, len) {
            // ZK-COMPAT: SyncRequestProcessor.run: roll after the txn that crossed the
            // (randomised) threshold, then snapshot in the background.
            self.snap.reset(&self.cfg);
            self.output.push_back(Output::RollLog);
            self.snapshot_requested = true;
        }
    }

    fn serve_read(
        &mut self,
        now: Now,
        session: SessionId,
        conn: ConnId,
        xid: i32,
        (req, null_path): (&Request, Option<NullPath>),
        received_ms: u64,
    ) {
        let last_zxid = self.tree.last_processed_zxid();
        if matches!(req, Request::Ping) {
            self.monitor_response(
                conn,
                xid,
                last_zxid,
                OpCode::Ping,
                received_ms,
                now.mono_ms,
                false,
            );
            self.send_reply(conn, xid, last_zxid, 0, &[]);
            return;
        }
        let null_watch = match (null_path, req) {
            (Some(_), Request::AddWatch(r)) => self.conns.get_mut(&conn).map(|c| {
                let err = c.null_watches.add(r.mode);
                (err, Bytes::from_static(&[0; 4]))
            }),
            (Some(_), Request::RemoveWatches(r)) => self
                .conns
                .get_mut(&conn)
                .and_then(|c| c.null_watches.remove(r.r#type))
                .map(|err| (err, Bytes::new())),
            _ => None,
        };
        let auth: &[Id] = self.conns.get(&conn).map_or(&[], |c| &c.auth_ids);
        let ctx = ReadContext {
            session_id: session,
            auth_ids: auth,
            last_zxid,
        };
        let reply = match (null_watch, null_path) {
            (Some((err, body)), _) => apply::ReadReply {
                body: if err == ErrorCode::Ok {
                    body
                } else {
                    Bytes::new()
                },
                err: err.as_i32(),
                events: Vec::new(),
            },
            (None, Some(at)) => apply::read_with_null_path(req, at, &ctx, &mut self.tree),
            (None, None) => apply::read(req, &ctx, &mut self.tree),
        };
        self.deliver_events(&reply.events, None);
        if null_path.is_none() {
            self.monitor_read_stat(req, reply.err);
        }
        let op = req.op_code();
        self.monitor_response(conn, xid, last_zxid, op, received_ms, now.mono_ms, false);
        self.send_reply(conn, xid, last_zxid, reply.err, &reply.body);
    }

    // ----- commit and apply ----------------------------------------------------------------

    fn handle_log_synced(&mut self, now: Now, up_to: i64) {
        while let Some(entry) = self.in_flight.first_entry() {
            if *entry.key() > up_to {
                break;
            }
            let f = entry.remove();
            self.commit(now, f);
        }
    }

    /// Applies one durable txn and answers whoever waits for it (`FinalRequestProcessor`).
    fn commit(&mut self, now: Now, f: InFlight) {
        let zxid = f.entry.hdr.zxid;
        self.monitor_write_stats(&f.entry);
        let outcome = self.tree.apply(&f.entry.hdr, &f.entry.body);
        let logged = f.entry.digest.map(|d| (d.version, d.tree_digest));
        if let DigestVerdict::Mismatch { expected, actual } =
            self.digests.txn_applied(zxid, logged, self.tree.digest())
        {
            // ZK-COMPAT: DataTree.compareDigest: logged and counted, never fatal.
            warn!(
                "Digests are not matching. Value is Zxid. 0x{zxid:x}: txn {expected}, tree {actual}"
            );
            self.monitor_digest_mismatches(1);
        }
        self.monitor_applied(&outcome.events);
        self.pending.prune(zxid);
        self.deliver_events(&outcome.events, Some(&outcome.event_acls));
        let session = f.entry.hdr.client_id;
        match f.origin {
            Origin::Client {
                conn,
                xid,
                op,
                received_ms,
            } => {
                let reply = apply::write_reply(op, &outcome.result);
                self.monitor_response(conn, xid, zxid, op, received_ms, now.mono_ms, true);
                self.send_reply(conn, xid, zxid, reply.err, &reply.body);
                self.finish_write(now, session, zxid);
            }
            Origin::CreateSession { conn, old_client } => {
                let timeout = self.session_timeout(session) as i32;
                let t = now.mono_ms;
                self.monitor_response(conn, 0, zxid, OpCode::CreateSession, t, t, true);
                if self.conns.contains_key(&conn) {
                    self.send_connect_response(
                        conn,
                        timeout,
                        session,
                        session::password(session),
                        old_client,
                    );
                }
                self.finish_write(now, session, zxid);
                let early = self
                    .conns
                    .get_mut(&conn)
                    .and_then(|c| c.before_handshake.take());
                for (xid, op, body, null_path) in early.into_iter().flatten() {
                    self.handle_packet(now, conn, xid, op, body, null_path);
                }
            }
            Origin::CloseSession { conn, xid } => {
                if let (Some(conn), Some(xid)) = (conn, xid) {
                    let t = now.mono_ms;
                    self.monitor_response(conn, xid, zxid, OpCode::CloseSession, t, t, true);
                    self.send_reply(conn, xid, zxid, 0, &[]);
                }
                if let Some(conn) = conn {
                    self.detach(conn);
                    self.drop_conn(conn);
                }
                if let Some(c) = self.session_conn.remove(&session) {
                    self.drop_conn(c);
                }
                self.tree.watches().remove_session(session);
                self.sessions.remove(session);
                self.queues.remove(&session);
            }
            Origin::Internal => {}
        }
    }

    /// Pops the committed write off its session's queue and serves the reads behind it.
    fn finish_write(&mut self, now: Now, session: SessionId, zxid: i64) {
        let Some(q) = self.queues.get_mut(&session) else {
            return;
        };
        match q.pop_front() {
            Some(Queued::Write { zxid: z }) => {
                assert_eq!(z, zxid, "session 0x{session:x} committed out of order");
            }
            other => panic!(
                "session 0x{session:x}: expected write 0x{zxid:x} at queue front, found {other:?}"
            ),
        }
        while let Some(Queued::Read { .. }) = self.queues.get(&session).and_then(VecDeque::front) {
            let Some(Queued::Read {
                conn,
                xid,
                req,
                received_ms,
                null_path,
            }) = self.queues.get_mut(&session).and_then(VecDeque::pop_front)
            else {
                unreachable!("front was a read");
            };
            if self.conns.contains_key(&conn) {
                self.serve_read(now, session, conn, xid, (&req, null_path), received_ms);
            }
        }
        // The emptied queue stays until the session closes: dropping and regrowing it on
        // every burst of writes cost ~12% of the create benchmark's samples (realloc).
    }

    // ----- sending -------------------------------------------------------------------------

    /// Sends notifications. With `acls` (events of an applied txn), an event reaches a session
    /// only if that session may READ the znode it is about.
    ///
    /// ZK-COMPAT: ServerCnxn.process(event, znodeAcl): the CVE-2024-23944 fix of 3.8.4+/3.9.2+
    /// (also in Debian's 3.8.0-11+deb12u2); the watch is used up either way.
    fn deliver_events(&mut self, events: &[WatchEvent], acls: Option<&[Arc<Vec<Acl>>]>) {
        for (i, ev) in events.iter().enumerate() {
            let Some(&conn) = self.session_conn.get(&ev.session) else {
                continue;
            };
            if let Some(acl) = acls.and_then(|a| a.get(i)) {
                let auth: &[Id] = self.conns.get(&conn).map_or(&[], |c| &c.auth_ids);
                if datatree::acl::check(acl, datatree::acl::READ, auth).is_err() {
                    continue;
                }
            }
            let mut b = BytesMut::with_capacity(32 + ev.event.path.len());
            b.put_i32(0);
            ReplyHeader {
                xid: NOTIFICATION_XID,
                zxid: -1,
                err: 0,
            }
            .encode(&mut b);
            ev.event.encode(&mut b);
            self.monitor_notification(b.len());
            self.push_frame(conn, b);
        }
    }

    fn send_reply(&mut self, conn: ConnId, xid: i32, zxid: i64, err: i32, body: &[u8]) {
        let mut b = BytesMut::with_capacity(4 + 16 + body.len());
        b.put_i32(0);
        ReplyHeader { xid, zxid, err }.encode(&mut b);
        b.put_slice(body);
        self.monitor_reply(conn, xid, b.len());
        self.push_frame(conn, b);
    }

    fn send_record<R: Record>(&mut self, conn: ConnId, r: &R) {
        let mut b = BytesMut::with_capacity(4 + r.encoded_len());
        b.put_i32(0);
        r.encode(&mut b);
        self.push_frame(conn, b);
    }

    /// Fills in the length prefix reserved at the front of `b` and queues the frame.
    fn push_frame(&mut self, conn: ConnId, mut b: BytesMut) {
        let len = (b.len() - 4) as i32;
        b[..4].copy_from_slice(&len.to_be_bytes());
        self.stats.packets_sent += 1;
        self.monitor_frame_sent(conn);
        self.output.push_back(Output::Send {
            conn,
            bytes: b.freeze(),
        });
    }
}

fn origin_has_conn_reply(origin: &Origin) -> bool {
    matches!(origin, Origin::CloseSession { xid: Some(_), .. })
}

/// `Request.isValid` plus the two opcodes `processPacket` handles itself (auth, sasl).
///
/// ZK-COMPAT: createSession is a valid request type, so a client that sends one gets a
/// MARSHALLINGERROR error txn (its body is no request), not UNIMPLEMENTED.
fn is_client_op(op: OpCode) -> bool {
    !matches!(op, OpCode::Notification | OpCode::Error)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn rolls_after(cfg: &CoreConfig, s: &mut SnapSchedule, len: i64) -> u64 {
        let mut n = 0;
        loop {
            n += 1;
            if s.count(cfg, len) {
                s.reset(cfg);
                return n;
            }
            assert!(n < 1_000_000, "never rolls");
        }
    }

    /// Drives `core` until no log append is outstanding; returns every other output.
    fn drain(core: &mut ServerCore, now: Now) -> Vec<Output> {
        let mut out = Vec::new();
        loop {
            let mut synced = None;
            while let Some(o) = core.poll_output() {
                match o {
                    Output::AppendLog(e) => synced = Some(e.hdr.zxid),
                    other => out.push(other),
                }
            }
            let Some(up_to) = synced else { return out };
            core.handle(now, Input::LogSynced { up_to });
        }
    }

    fn packet(conn: ConnId, xid: i32, req: Request, null_path: Option<NullPath>) -> Input {
        Input::Packet {
            conn,
            xid,
            op: req.op_code().as_i32(),
            body: Ok(req),
            null_path,
        }
    }

    #[test]
    fn a_connection_with_a_null_path_watch_stays_open_after_close_session() {
        use jute_codec::records::AddWatchRequest;
        let now = Now {
            mono_ms: 1_000,
            wall_ms: 1_700_000_000_000,
        };
        let mut core = ServerCore::new(CoreConfig::default(), DataTree::new(), now);
        let closes = |out: &[Output], conn: ConnId| {
            out.iter()
                .any(|o| matches!(o, Output::Close { conn: c } if *c == conn))
        };
        for (conn, null_path) in [(1, Some(NullPath::Request)), (2, None)] {
            let connect = ConnectRequest {
                protocol_version: 0,
                last_zxid_seen: 0,
                time_out: 30_000,
                session_id: 0,
                passwd: Some(Bytes::from_static(&[0; 16])),
                read_only: Some(false),
            };
            core.handle(
                now,
                Input::Connect {
                    conn,
                    req: connect,
                    client_ip: "127.0.0.1:5000".into(),
                },
            );
            drain(&mut core, now);
            let watch = AddWatchRequest {
                path: String::new(),
                mode: 1,
            };
            core.handle(now, packet(conn, 1, Request::AddWatch(watch), null_path));
            core.handle(now, packet(conn, 2, Request::CloseSession, None));
            let out = drain(&mut core, now);
            assert!(
                out.iter().any(|o| matches!(o, Output::Send { .. })),
                "replies"
            );
            // ZooKeeper 3.8.0's close throws on the null-path watch: the socket stays open.
            assert_eq!(closes(&out, conn), null_path.is_none(), "conn {conn}");
            assert!(!core.conns.contains_key(&conn));
        }
    }

    #[test]
    fn log_rolls_after_half_snap_count_plus_a_random_share_of_the_other_half() {
        // SyncRequestProcessor.shouldSnapshot: txnCount > snapCount/2 + randRoll,
        // randRoll in [0, snapCount/2).
        let cfg = CoreConfig {
            snap_count: 10,
            snap_seed: 42,
            ..CoreConfig::default()
        };
        let mut s = SnapSchedule::new(&cfg);
        let seen: BTreeSet<u64> = (0..500).map(|_| rolls_after(&cfg, &mut s, 50)).collect();
        assert_eq!(seen, (6..=10).collect());
    }

    #[test]
    fn log_also_rolls_by_size_and_never_when_snapshots_are_off() {
        let cfg = CoreConfig {
            snap_count: 1_000_000,
            snap_size_bytes: 10_000,
            snap_seed: 1,
            ..CoreConfig::default()
        };
        let mut s = SnapSchedule::new(&cfg);
        for _ in 0..100 {
            // > 5000 + rand[0, 5000) bytes: 51..=100 entries of 100 bytes.
            let n = rolls_after(&cfg, &mut s, 100);
            assert!((51..=100).contains(&n), "{n}");
        }
        let off = CoreConfig::default();
        let mut s = SnapSchedule::new(&off);
        assert!((0..10_000).all(|_| !s.count(&off, 1000)));
    }
}
