//! The workloads and the knobs that shape them.
//!
//! A run connects `sessions` sessions and starts `inflight` workers on each; a worker has one
//! request outstanding at a time, so a session has `inflight` requests in flight (the client
//! pipelines them on one connection, as ZooKeeper clients do). Closed loop by default; with a
//! `rate` the workers issue at fixed intended times (open loop) and latency counts from the
//! intended time, so a stalled server is not hidden by the client waiting for it
//! (coordinated omission).
//!
//! Data lives under `root`:
//! - `root/data-<znodes>x<size>/k<i>`: the key space of get, set, exists, mixed and multi,
//!   populated once (multi batches) and marked `ready`, then reused by later runs;
//! - `root/wide-<n>/c<i>`: a parent with `n` children for getChildren;
//! - `root/cd/b<run>/n<i>`: nodes create makes and delete removes (delete first populates
//!   `znodes` of them if create left none);
//! - `root/watch`, `root/churn`: the watch and session-churn workloads.
//!
//! Every run stops by itself: at `warmup + duration`, or after `max_requests` operations.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Barrier, Semaphore};
use tokio::task::JoinSet;
use zookeeper_client as zk;

use crate::report::{Report, Tally};
use crate::{bench_err, procfs, BenchError, Result};

/// Session timeout the benchmark asks for.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(30);

/// Which operation a run issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// getData on a random key.
    Get,
    /// setData on a random key.
    Set,
    /// create of a new node under `root/cd`.
    Create,
    /// delete of a node under `root/cd`.
    Delete,
    /// exists on a random key.
    Exists,
    /// getChildren on a parent with `children` children.
    Children,
    /// getData with probability `read_ratio`, else setData.
    Mixed,
    /// multi of `multi_ops` setData ops on random keys.
    Multi,
    /// Latency from a setData to the NodeDataChanged notification, fanned out to every
    /// watching session.
    Watch,
    /// One cycle: connect a session, create an ephemeral, close the session.
    Churn,
}

impl Kind {
    /// Every workload.
    pub const ALL: [Kind; 10] = [
        Kind::Get,
        Kind::Set,
        Kind::Create,
        Kind::Delete,
        Kind::Exists,
        Kind::Children,
        Kind::Mixed,
        Kind::Multi,
        Kind::Watch,
        Kind::Churn,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Get => "get",
            Kind::Set => "set",
            Kind::Create => "create",
            Kind::Delete => "delete",
            Kind::Exists => "exists",
            Kind::Children => "children",
            Kind::Mixed => "mixed",
            Kind::Multi => "multi",
            Kind::Watch => "watch",
            Kind::Churn => "churn",
        }
    }

    /// Parses [`Kind::name`].
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the workload writes (and so, on a durable server, waits for fsync).
    pub fn writes(self) -> bool {
        !matches!(self, Kind::Get | Kind::Exists | Kind::Children)
    }
}

/// Everything that shapes one run.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The operation.
    pub kind: Kind,
    /// Sessions (for churn: concurrent connect/create/close loops; for watch: watching sessions).
    pub sessions: usize,
    /// Requests in flight per session.
    pub inflight: usize,
    /// Bytes per value.
    pub value_size: usize,
    /// Keys in the key space (for delete: nodes to populate when create left none).
    pub znodes: usize,
    /// Children of the getChildren parent.
    pub children: usize,
    /// Share of reads in `mixed`, 0..=1.
    pub read_ratio: f64,
    /// Operations per multi.
    pub multi_ops: usize,
    /// Measured time.
    pub duration: Duration,
    /// Unmeasured time before it (the server and client reach a steady state).
    pub warmup: Duration,
    /// Stop after this many operations (watch: writes; churn: cycles), if set.
    pub max_requests: Option<u64>,
    /// Total offered load in ops/s (open loop); `None` is closed loop.
    pub rate: Option<f64>,
    /// Parent of everything the benchmark creates.
    pub root: String,
    /// Seed of the key choice.
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            kind: Kind::Get,
            sessions: 8,
            inflight: 8,
            value_size: 128,
            znodes: 10_000,
            children: 1_000,
            read_ratio: 0.9,
            multi_ops: 10,
            duration: Duration::from_secs(5),
            warmup: Duration::from_secs(1),
            max_requests: None,
            rate: None,
            root: "/zkrs-bench".into(),
            seed: 0x5eed,
        }
    }
}

impl Spec {
    /// Path of the key space's parent.
    pub fn data_dir(&self) -> String {
        format!("{}/data-{}x{}", self.root, self.znodes, self.value_size)
    }

    /// Path of the getChildren parent.
    pub fn wide_dir(&self) -> String {
        format!("{}/wide-{}", self.root, self.children)
    }

    /// Path of the create/delete parent.
    pub fn cd_dir(&self) -> String {
        format!("{}/cd", self.root)
    }
}

/// A small deterministic generator (SplitMix64): no dependency, same sequence everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Options for the persistent nodes the benchmark creates (world ACL).
pub fn persistent() -> zk::CreateOptions<'static> {
    zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all())
}

/// Options for the ephemerals of the churn workload.
pub fn ephemeral() -> zk::CreateOptions<'static> {
    zk::CreateMode::Ephemeral.with_acls(zk::Acls::anyone_all())
}

/// Connects one session to `addr` (`host:port`).
///
/// # Errors
/// The client's error when no session is established.
pub async fn connect(addr: &str) -> Result<zk::Client> {
    let c = zk::Client::connector()
        .with_session_timeout(SESSION_TIMEOUT)
        .with_connection_timeout(Duration::from_secs(20))
        .connect(addr)
        .await?;
    Ok(c)
}

/// Connects `n` sessions, at most `parallel` handshakes at a time.
///
/// # Errors
/// The first failed connect.
pub async fn connect_many(addr: &str, n: usize, parallel: usize) -> Result<Vec<zk::Client>> {
    let sem = Arc::new(Semaphore::new(parallel.max(1)));
    let mut set = JoinSet::new();
    for i in 0..n {
        let sem = sem.clone();
        let addr = addr.to_owned();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, connect(&addr).await)
        });
    }
    let mut out: Vec<Option<zk::Client>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, c) = r.map_err(|e| bench_err!("connect task: {e}"))?;
        out[i] = Some(c?);
    }
    Ok(out.into_iter().flatten().collect())
}

/// Creates `path` and its missing ancestors (persistent, empty).
///
/// # Errors
/// Any error but NodeExists.
pub async fn mkdirs(c: &zk::Client, path: &str) -> Result<()> {
    c.mkdir(path, &persistent()).await?;
    Ok(())
}

/// Creates `parent/<prefix><i>` for `i` in `range` with `value`, in multi batches over
/// `clients` with a few batches in flight each; then marks `parent` with `marker` as its data.
/// Nodes that already exist are left as they are, so an interrupted population resumes.
///
/// # Errors
/// Any failure but NodeExists.
pub async fn populate(
    clients: &[zk::Client],
    parent: &str,
    prefix: &str,
    range: std::ops::Range<usize>,
    value: &[u8],
    marker: Option<&[u8]>,
) -> Result<()> {
    let first = clients.first().ok_or_else(|| bench_err!("no client"))?;
    mkdirs(first, parent).await?;
    // Keep each multi well under jute.maxbuffer (1 MiB by default).
    let batch = (256 * 1024 / (value.len() + 64)).clamp(1, 500);
    let next = Arc::new(AtomicU64::new(range.start as u64));
    let value: Arc<[u8]> = value.into();
    let mut set = JoinSet::new();
    for c in clients {
        for _ in 0..4 {
            let (c, next, value) = (c.clone(), next.clone(), value.clone());
            let (parent, prefix, end) = (parent.to_owned(), prefix.to_owned(), range.end);
            set.spawn(async move {
                loop {
                    let lo = next.fetch_add(batch as u64, Ordering::Relaxed) as usize;
                    if lo >= end {
                        return Ok::<(), BenchError>(());
                    }
                    let hi = (lo + batch).min(end);
                    let paths: Vec<String> =
                        (lo..hi).map(|i| format!("{parent}/{prefix}{i}")).collect();
                    // A stalled disk can cost a connection (the client drops it after its
                    // timeout); the session survives, so retry: what was created is skipped.
                    let mut attempt = 0;
                    loop {
                        match create_batch(&c, &paths, &value).await {
                            Ok(()) => break,
                            Err(e) if attempt >= 4 => return Err(e),
                            Err(_) => attempt += 1,
                        }
                    }
                }
            });
        }
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| bench_err!("populate task: {e}"))??;
    }
    if let Some(m) = marker {
        first.set_data(parent, m, None).await?;
    }
    Ok(())
}

async fn create_batch(c: &zk::Client, paths: &[String], value: &[u8]) -> Result<()> {
    let opts = persistent();
    let mut w = c.new_multi_writer();
    for p in paths {
        w.add_create(p, value, &opts)?;
    }
    match w.commit().await {
        Ok(_) => Ok(()),
        Err(zk::MultiWriteError::OperationFailed {
            source: zk::Error::NodeExists,
            ..
        }) => {
            // Resuming an interrupted population: one by one, skipping what exists.
            for p in paths {
                match c.create(p, value, &opts).await {
                    Ok(_) | Err(zk::Error::NodeExists) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(())
        }
        Err(e) => Err(bench_err!("populating {}: {e}", paths[0])),
    }
}

/// Makes sure the data a run of `spec` reads exists, populating it with `clients` if not.
///
/// # Errors
/// Failures creating the data.
pub async fn prepare(clients: &[zk::Client], spec: &Spec) -> Result<()> {
    let first = clients.first().ok_or_else(|| bench_err!("no client"))?;
    mkdirs(first, &spec.root).await?;
    let ready = |dir: String| async move {
        matches!(first.get_data(&dir).await, Ok((d, _)) if d == b"ready")
    };
    match spec.kind {
        Kind::Get | Kind::Set | Kind::Exists | Kind::Mixed | Kind::Multi => {
            let dir = spec.data_dir();
            if !ready(dir.clone()).await {
                let value = vec![b'v'; spec.value_size];
                populate(clients, &dir, "k", 0..spec.znodes, &value, Some(b"ready")).await?;
            }
        }
        Kind::Children => {
            let dir = spec.wide_dir();
            if !ready(dir.clone()).await {
                populate(clients, &dir, "c", 0..spec.children, b"", Some(b"ready")).await?;
            }
        }
        Kind::Create => mkdirs(first, &spec.cd_dir()).await?,
        Kind::Delete => {
            let dir = spec.cd_dir();
            mkdirs(first, &dir).await?;
            if delete_victims(first, &dir).await?.is_empty() {
                let value = vec![b'v'; spec.value_size];
                let batch = format!("{dir}/b{}-0", run_id());
                populate(clients, &batch, "n", 0..spec.znodes, &value, None).await?;
            }
        }
        Kind::Watch => {
            mkdirs(first, &format!("{}/watch", spec.root)).await?;
        }
        Kind::Churn => mkdirs(first, &format!("{}/churn", spec.root)).await?,
    }
    Ok(())
}

/// A name unique to this run (nanoseconds since the epoch).
fn run_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// The nodes a delete run removes: what create runs left in `dir/b<run>-<k>/`. Each batch
/// directory holds at most [`CREATE_BATCH`] children, so listing one keeps the reply small,
/// and listing (rather than deriving names from a count) stays right after an earlier
/// delete run removed part of a batch.
async fn delete_victims(c: &zk::Client, dir: &str) -> Result<Vec<String>> {
    let (mut batches, _) = c.get_children(dir).await?;
    batches.sort();
    let mut out = Vec::new();
    for b in batches {
        let path = format!("{dir}/{b}");
        let (mut children, _) = c.get_children(&path).await?;
        children.sort_by_key(|n| n.trim_start_matches('n').parse::<u64>().unwrap_or(u64::MAX));
        out.extend(children.into_iter().map(|n| format!("{path}/{n}")));
    }
    Ok(out)
}

/// Children per directory the create workload fills before it starts the next one.
const CREATE_BATCH: u64 = 50_000;

/// Shared state of one run's workers.
struct Plan {
    spec: Spec,
    keys: Vec<String>,
    value: Vec<u8>,
    wide: String,
    /// The prefix of this run's batch directories: creates go to `<cd>-<n / CREATE_BATCH>`.
    cd: String,
    counter: AtomicU64,
    issued: AtomicU64,
    /// Nodes delete removes, listed before the run.
    victims: Vec<String>,
    start: Instant,
    measure_from: Instant,
    end: Instant,
    /// Interval between one worker's intended starts in open loop.
    interval: Option<Duration>,
}

impl Plan {
    /// Takes a ticket for one more operation, or `None` when the count bound is reached.
    fn ticket(&self) -> Option<u64> {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        match self.spec.max_requests {
            Some(max) if n >= max => None,
            _ => Some(n),
        }
    }
}

/// Runs `spec` against the server at `addr`; `server` labels the report.
///
/// # Errors
/// Failures to connect or to prepare the data. Failed operations during the run are counted
/// in the report, not returned.
pub async fn run(addr: &str, server: &str, spec: &Spec) -> Result<Report> {
    run_probed(addr, server, spec, None).await
}

/// [`run`], also measuring the CPU time the server process `server_pid` spends during the
/// measured window (`server_cpu_s` and `server_cpu_us_per_op` in the report's extras).
///
/// # Errors
/// As [`run`].
pub async fn run_probed(
    addr: &str,
    server: &str,
    spec: &Spec,
    server_pid: Option<u32>,
) -> Result<Report> {
    if spec.sessions == 0 || spec.inflight == 0 {
        return Err(bench_err!("sessions and inflight must be at least 1"));
    }
    if spec.znodes == 0 {
        return Err(bench_err!("znodes must be at least 1"));
    }
    match spec.kind {
        Kind::Watch => return run_watch(addr, server, spec, server_pid).await,
        Kind::Churn => return run_churn(addr, server, spec, server_pid).await,
        _ => {}
    }
    let clients = connect_many(addr, spec.sessions, 64).await?;
    prepare(&clients, spec).await?;
    let run_id = run_id();
    let victims = if spec.kind == Kind::Delete {
        delete_victims(&clients[0], &spec.cd_dir()).await?
    } else {
        Vec::new()
    };
    let cd = format!("{}/b{run_id}", spec.cd_dir());
    if spec.kind == Kind::Create {
        mkdirs(&clients[0], &format!("{cd}-0")).await?;
    }
    let workers = spec.sessions * spec.inflight;
    let start = Instant::now();
    let plan = Arc::new(Plan {
        keys: (0..spec.znodes)
            .map(|i| format!("{}/k{i}", spec.data_dir()))
            .collect(),
        value: vec![b'x'; spec.value_size],
        wide: spec.wide_dir(),
        cd,
        counter: AtomicU64::new(0),
        issued: AtomicU64::new(0),
        victims,
        start,
        measure_from: start + spec.warmup,
        end: start + spec.warmup + spec.duration,
        interval: spec
            .rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(workers as f64 / r)),
        spec: spec.clone(),
    });
    let cpu = CpuWindow::start(plan.measure_from, server_pid);
    let mut set = JoinSet::new();
    for (s, c) in clients.iter().enumerate() {
        for i in 0..spec.inflight {
            let w = s * spec.inflight + i;
            set.spawn(worker(plan.clone(), c.clone(), w, workers));
        }
    }
    let mut total = Tally::default();
    let mut last = plan.measure_from;
    while let Some(r) = set.join_next().await {
        let (t, l) = r.map_err(|e| bench_err!("worker: {e}"))?;
        total.merge(&t);
        last = last.max(l);
    }
    let elapsed = last.saturating_duration_since(plan.measure_from);
    let mut rep = Report::from_tally(spec, server, &total, elapsed.as_secs_f64());
    cpu.finish(&mut rep).await;
    drop(clients);
    Ok(rep)
}

/// CPU time of this process (the client) and of the server over the measured window: sampled
/// when the window opens and again when the run is done.
struct CpuWindow {
    at_open: tokio::task::JoinHandle<(Option<f64>, Option<f64>)>,
    pid: Option<String>,
}

impl CpuWindow {
    fn start(measure_from: Instant, server_pid: Option<u32>) -> Self {
        let pid = server_pid.map(|p| p.to_string());
        let p = pid.clone();
        let at_open = tokio::spawn(async move {
            tokio::time::sleep_until(measure_from.into()).await;
            (
                procfs::cpu_seconds("self"),
                p.and_then(|p| procfs::cpu_seconds(&p)),
            )
        });
        CpuWindow { at_open, pid }
    }

    async fn finish(self, rep: &mut Report) {
        let me = procfs::cpu_seconds("self");
        let srv = self.pid.as_deref().and_then(procfs::cpu_seconds);
        let Ok((me0, srv0)) = self.at_open.await else {
            return;
        };
        if let (Some(a), Some(b)) = (me0, me) {
            rep.client_cpu_s = b - a;
        }
        if let (Some(a), Some(b)) = (srv0, srv) {
            rep.extra.insert(
                "server_cpu_s".into(),
                serde_json::json!(crate::report::round3(b - a)),
            );
            if rep.ops > 0 {
                let per_op = (b - a) * 1e6 / rep.ops as f64;
                rep.extra.insert(
                    "server_cpu_us_per_op".into(),
                    serde_json::json!(crate::report::round3(per_op)),
                );
            }
        }
    }
}

/// One worker: one request outstanding at a time until the plan says stop. Returns its tally
/// and the time of its last measured completion.
async fn worker(plan: Arc<Plan>, c: zk::Client, w: usize, workers: usize) -> (Tally, Instant) {
    let mut rng = Rng::new(plan.spec.seed ^ ((w as u64 + 1) << 20));
    let mut t = Tally::default();
    let mut last = plan.measure_from;
    let mut k: u32 = 0;
    loop {
        // Intended start: now (closed loop) or this worker's next slot (open loop).
        let intended = match plan.interval {
            Some(iv) => {
                let offset = iv.mul_f64(w as f64 / workers as f64);
                let at = plan.start + offset + iv * k;
                k += 1;
                if at >= plan.end {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                at
            }
            None => Instant::now(),
        };
        if intended >= plan.end {
            break;
        }
        let Some(_) = plan.ticket() else { break };
        let outcome = one_op(&plan, &c, &mut rng).await;
        let done = Instant::now();
        if intended < plan.measure_from {
            continue;
        }
        match outcome {
            Step::Ok => t.ok(done.duration_since(intended).as_micros() as u64),
            Step::Err(e) => t.err(e),
            Step::Exhausted => break,
        }
        last = done;
    }
    (t, last)
}

enum Step {
    Ok,
    Err(String),
    Exhausted,
}

fn step<T>(r: std::result::Result<T, zk::Error>) -> Step {
    match r {
        Ok(_) => Step::Ok,
        Err(e) => Step::Err(format!("{e:?}")),
    }
}

fn pick<'a>(plan: &'a Plan, rng: &mut Rng) -> &'a str {
    &plan.keys[rng.below(plan.keys.len())]
}

async fn one_op(plan: &Plan, c: &zk::Client, rng: &mut Rng) -> Step {
    let s = &plan.spec;
    match s.kind {
        Kind::Get => step(c.get_data(pick(plan, rng)).await),
        Kind::Set => step(c.set_data(pick(plan, rng), &plan.value, None).await),
        Kind::Exists => step(c.check_stat(pick(plan, rng)).await),
        Kind::Children => step(c.get_children(&plan.wide).await),
        Kind::Mixed => {
            if rng.unit() < s.read_ratio {
                step(c.get_data(pick(plan, rng)).await)
            } else {
                step(c.set_data(pick(plan, rng), &plan.value, None).await)
            }
        }
        Kind::Multi => {
            let mut w = c.new_multi_writer();
            for _ in 0..s.multi_ops.max(1) {
                if let Err(e) = w.add_set_data(pick(plan, rng), &plan.value, None) {
                    return Step::Err(format!("{e:?}"));
                }
            }
            match w.commit().await {
                Ok(_) => Step::Ok,
                Err(e) => Step::Err(format!("{e}")),
            }
        }
        Kind::Create => {
            let n = plan.counter.fetch_add(1, Ordering::Relaxed);
            let dir = format!("{}-{}", plan.cd, n / CREATE_BATCH);
            let path = format!("{dir}/n{n}");
            match c.create(&path, &plan.value, &persistent()).await {
                Err(zk::Error::NoNode) => {
                    // The first create of a new batch directory: make it, then retry.
                    match c.create(&dir, b"", &persistent()).await {
                        Ok(_) | Err(zk::Error::NodeExists) => {}
                        Err(e) => return Step::Err(format!("{e:?}")),
                    }
                    step(c.create(&path, &plan.value, &persistent()).await)
                }
                r => step(r),
            }
        }
        Kind::Delete => {
            let n = plan.counter.fetch_add(1, Ordering::Relaxed) as usize;
            match plan.victims.get(n) {
                Some(p) => step(c.delete(p, None).await),
                None => Step::Exhausted,
            }
        }
        Kind::Watch | Kind::Churn => Step::Err("not a per-request workload".into()),
    }
}

/// Watch notification latency: `sessions` sessions each watch one node; a writer session sets
/// its data; each watcher records the time from just before the setData to its
/// NodeDataChanged. All watchers re-arm before the next write, so no change goes unseen.
async fn run_watch(
    addr: &str,
    server: &str,
    spec: &Spec,
    server_pid: Option<u32>,
) -> Result<Report> {
    let writer = connect(addr).await?;
    prepare(std::slice::from_ref(&writer), spec).await?;
    let path = format!("{}/watch/n", spec.root);
    match writer.create(&path, b"", &persistent()).await {
        Ok(_) | Err(zk::Error::NodeExists) => {}
        Err(e) => return Err(e.into()),
    }
    let watchers = connect_many(addr, spec.sessions, 64).await?;
    let n = watchers.len();
    let barrier = Arc::new(Barrier::new(n + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let base = Instant::now();
    let t0_ns = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + spec.warmup;
    let end = measure_from + spec.duration;
    let mut set = JoinSet::new();
    for c in watchers {
        let (barrier, stop, t0_ns, path) =
            (barrier.clone(), stop.clone(), t0_ns.clone(), path.clone());
        set.spawn(async move {
            let mut t = Tally::default();
            loop {
                let armed = c.get_and_watch_data(&path).await;
                barrier.wait().await;
                if stop.load(Ordering::Acquire) {
                    break;
                }
                match armed {
                    Ok((_, _, w)) => {
                        let ev = tokio::time::timeout(Duration::from_secs(10), w.changed()).await;
                        let now = base.elapsed().as_nanos() as u64;
                        let sent = t0_ns.load(Ordering::Acquire);
                        let measured = base + Duration::from_nanos(sent) >= measure_from;
                        match ev {
                            Ok(e) if e.event_type == zk::EventType::NodeDataChanged => {
                                if measured {
                                    t.ok(now.saturating_sub(sent) / 1000);
                                }
                            }
                            Ok(e) => t.err(format!("unexpected event {:?}", e.event_type)),
                            Err(_) => t.err("notification timed out".into()),
                        }
                    }
                    Err(e) => {
                        t.err(format!("{e:?}"));
                        // Stay in step with the writer's rounds.
                    }
                }
            }
            t
        });
    }
    let value = vec![b'x'; spec.value_size];
    let mut rounds = 0u64;
    let mut writer_errors = Tally::default();
    let cpu = CpuWindow::start(measure_from, server_pid);
    loop {
        let done = Instant::now() >= end || spec.max_requests.is_some_and(|m| rounds >= m);
        if done {
            stop.store(true, Ordering::Release);
        }
        barrier.wait().await;
        if done {
            break;
        }
        t0_ns.store(base.elapsed().as_nanos() as u64, Ordering::Release);
        if let Err(e) = writer.set_data(&path, &value, None).await {
            writer_errors.err(format!("{e:?}"));
        }
        rounds += 1;
    }
    let last = Instant::now();
    let mut total = Tally::default();
    while let Some(r) = set.join_next().await {
        total.merge(&r.map_err(|e| bench_err!("watcher: {e}"))?);
    }
    total.merge(&writer_errors);
    let elapsed = last.saturating_duration_since(measure_from).as_secs_f64();
    let mut rep = Report::from_tally(spec, server, &total, elapsed);
    rep.inflight = 1;
    cpu.finish(&mut rep).await;
    Ok(rep)
}

/// Session churn: `sessions` loops of connect, create an ephemeral, close (and wait until the
/// server acknowledged the close). Latency is the whole cycle.
async fn run_churn(
    addr: &str,
    server: &str,
    spec: &Spec,
    server_pid: Option<u32>,
) -> Result<Report> {
    {
        let c = connect(addr).await?;
        prepare(std::slice::from_ref(&c), spec).await?;
    }
    let start = Instant::now();
    let measure_from = start + spec.warmup;
    let end = measure_from + spec.duration;
    let issued = Arc::new(AtomicU64::new(0));
    let cpu = CpuWindow::start(measure_from, server_pid);
    let mut set = JoinSet::new();
    for w in 0..spec.sessions {
        let (addr, root, issued) = (addr.to_owned(), spec.root.clone(), issued.clone());
        let max = spec.max_requests;
        set.spawn(async move {
            let mut t = Tally::default();
            let mut last = measure_from;
            let mut n = 0u64;
            loop {
                let t0 = Instant::now();
                if t0 >= end || max.is_some_and(|m| issued.fetch_add(1, Ordering::Relaxed) >= m) {
                    break;
                }
                let r = churn_once(&addr, &format!("{root}/churn/e{w}-{n}")).await;
                n += 1;
                let done = Instant::now();
                if t0 < measure_from {
                    continue;
                }
                match r {
                    Ok(()) => t.ok(done.duration_since(t0).as_micros() as u64),
                    Err(e) => t.err(e.0),
                }
                last = done;
            }
            (t, last)
        });
    }
    let mut total = Tally::default();
    let mut last = measure_from;
    while let Some(r) = set.join_next().await {
        let (t, l) = r.map_err(|e| bench_err!("churn: {e}"))?;
        total.merge(&t);
        last = last.max(l);
    }
    let elapsed = last.saturating_duration_since(measure_from).as_secs_f64();
    let mut rep = Report::from_tally(spec, server, &total, elapsed);
    rep.inflight = 1;
    cpu.finish(&mut rep).await;
    Ok(rep)
}

async fn churn_once(addr: &str, path: &str) -> Result<()> {
    let c = connect(addr).await?;
    c.create(path, b"", &ephemeral()).await?;
    let mut state = c.state_watcher();
    drop(c);
    // The client sends closeSession when its last handle drops and reports Closed once the
    // server answered it.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if state.changed().await == zk::SessionState::Closed {
                break;
            }
        }
    })
    .await;
    closed.map_err(|_| bench_err!("close timed out"))
}

/// Sets `per_session` exists watches from each client on distinct `paths` (round robin) and
/// returns the watchers, which must stay alive to keep the watches (dropping one removes it).
/// With [`connect_many`], this is how the memory of sessions and watches is measured.
///
/// # Errors
/// Failed watch registrations.
pub async fn hold_watches(
    clients: &[zk::Client],
    paths: &[String],
    per_session: usize,
) -> Result<Vec<zk::OneshotWatcher>> {
    let paths: Arc<[String]> = paths.into();
    let mut set = JoinSet::new();
    for (i, c) in clients.iter().enumerate() {
        let (c, paths) = (c.clone(), paths.clone());
        set.spawn(async move {
            let mut out = Vec::with_capacity(per_session);
            for j in 0..per_session {
                let p = &paths[(i * per_session + j) % paths.len()];
                let (_, w) = c.check_and_watch_stat(p).await?;
                out.push(w);
            }
            Ok::<_, BenchError>(out)
        });
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        all.extend(r.map_err(|e| bench_err!("watch task: {e}"))??);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_uniform_enough_and_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let mut counts = [0u32; 10];
        for _ in 0..10_000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            counts[x] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
        let u = a.unit();
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        assert!(Kind::Set.writes() && !Kind::Get.writes());
    }
}
