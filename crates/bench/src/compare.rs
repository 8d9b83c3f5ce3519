//! The comparison runner: Apache ZooKeeper 3.8 (Debian's jars) and zkrs, started with
//! equivalent configs on free loopback ports, each with its own dataDir on the same disk, run
//! the same grid; A and B alternate at every point and their order flips on every repetition.
//!
//! Phases:
//! 1. the machine (CPU, memory, kernel, disk, load) and the disk's fdatasync latency;
//! 2. the grid: throughput, latency and server CPU per operation for each workload;
//! 3. scale, one server at a time: idle RSS; RSS with 100k znodes; 10k sessions,
//!    then 100k watches on them; RSS with 1M znodes; restart and recovery time with 1M znodes;
//!    the snapshot time ZooKeeper logs.
//!
//! Every measurement is appended as one JSON line to `results.jsonl`; the generated section of
//! `docs/benchmarks.md` and the SVG charts are rendered from that file, so `--render-only`
//! redraws them without measuring again.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::report::{round3, Report};
use crate::svg::{self, Marker, Scale, Series};
use crate::workload::{self, Kind, Spec};
use crate::{bench_err, disk, procfs, Result};

/// Knobs of `zkrs-bench compare`.
#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    /// The zkrs binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/zkrs")]
    pub zkrs_bin: PathBuf,
    /// Scratch directory for the servers' configs, dataDirs and logs (on the disk under test).
    #[arg(long, default_value = "target/bench-work")]
    pub work_dir: PathBuf,
    /// The report to write (its generated section is replaced, the prose kept).
    #[arg(long, default_value = "docs/benchmarks.md")]
    pub doc: PathBuf,
    /// Where the SVG charts and results.jsonl go.
    #[arg(long, default_value = "docs/benchmarks")]
    pub assets: PathBuf,
    /// The jar list that runs the reference server (names in /usr/share/java, one a line).
    #[arg(long, default_value = "compat-tests/lib/reference-jars.txt")]
    pub jar_list: PathBuf,
    /// Measured seconds per grid point.
    #[arg(long, default_value_t = 4.0)]
    pub duration: f64,
    /// Warm-up seconds before each measured window.
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Repetitions of the grid (A and B alternate within each).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// Znodes of the large-tree measurements.
    #[arg(long, default_value_t = 1_000_000)]
    pub big_znodes: usize,
    /// Znodes of the medium-tree measurement (and the watch targets).
    #[arg(long, default_value_t = 100_000)]
    pub mid_znodes: usize,
    /// Sessions held for the memory-per-session measurement.
    #[arg(long, default_value_t = 10_000)]
    pub hold_sessions: usize,
    /// Watches set from each held session.
    #[arg(long, default_value_t = 10)]
    pub watches_per_session: usize,
    /// Sessions of the session-scaling point.
    #[arg(long, default_value_t = 1_000)]
    pub many_sessions: usize,
    /// A short smoke run: 1 repetition, 1 s points, small trees.
    #[arg(long)]
    pub quick: bool,
    /// Skip the grid.
    #[arg(long)]
    pub skip_grid: bool,
    /// Skip the scale phase (memory, sessions, watches, recovery).
    #[arg(long)]
    pub skip_scale: bool,
    /// Only render the report from an existing results.jsonl.
    #[arg(long)]
    pub render_only: bool,
    /// Wait up to this many seconds for the 1-minute load average to fall below the number of
    /// cores first (other work on the machine skews every number).
    #[arg(long, default_value_t = 60)]
    pub wait_idle: u64,
}

/// The two servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServerKind {
    /// Apache ZooKeeper 3.8 from Debian.
    Zk,
    /// This project.
    Zkrs,
}

impl ServerKind {
    /// Label in reports.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Zk => "zk",
            ServerKind::Zkrs => "zkrs",
        }
    }
}

const LOG4J: &str = "log4j.rootLogger=INFO, CONSOLE\n\
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n\
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n\
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n\n";

/// One server process with its own directory, config and port.
pub struct Server {
    /// Which server.
    pub kind: ServerKind,
    dir: PathBuf,
    /// Client port on 127.0.0.1.
    pub port: u16,
    child: Option<Child>,
    command: Vec<String>,
}

impl Server {
    /// Prepares a fresh directory (an empty dataDir) and a config on a free port.
    ///
    /// # Errors
    /// I/O errors, or a missing jar or binary.
    pub fn fresh(kind: ServerKind, work: &Path, opts: &Options) -> Result<Self> {
        let dir = work.join(kind.name());
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(dir.join("data"))?;
        let port = free_port()?;
        let dir = fs::canonicalize(&dir)?;
        let cfg = format!(
            "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={port}\n\
             clientPortAddress=127.0.0.1\nmaxClientCnxns=0\nforceSync=yes\n\
             4lw.commands.whitelist=*\nadmin.enableServer=false\n",
            dir.join("data").display()
        );
        fs::write(dir.join("zoo.cfg"), cfg)?;
        let cfg_path = dir.join("zoo.cfg").display().to_string();
        let command = match kind {
            ServerKind::Zk => {
                fs::write(dir.join("log4j.properties"), LOG4J)?;
                vec![
                    "java".into(),
                    "-cp".into(),
                    reference_classpath(&opts.jar_list)?,
                    format!(
                        "-Dlog4j.configuration=file:{}",
                        dir.join("log4j.properties").display()
                    ),
                    "-Djava.awt.headless=true".into(),
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain".into(),
                    cfg_path,
                ]
            }
            ServerKind::Zkrs => {
                let bin = fs::canonicalize(&opts.zkrs_bin).map_err(|e| {
                    bench_err!(
                        "zkrs binary {}: {e} (run cargo build --release first)",
                        opts.zkrs_bin.display()
                    )
                })?;
                vec![bin.display().to_string(), cfg_path]
            }
        };
        Ok(Server {
            kind,
            dir,
            port,
            child: None,
            command,
        })
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The dataDir.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's log (stdout and stderr).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Resident memory now, bytes.
    pub fn rss(&self) -> Option<u64> {
        self.pid().and_then(|p| procfs::rss_bytes(&p.to_string()))
    }

    /// Starts the process and waits until it answers `ruok` with `imok` (at most `deadline`).
    /// Returns the time that took.
    ///
    /// # Errors
    /// The process cannot start, exits, or never answers.
    pub async fn start(&mut self, deadline: Duration) -> Result<Duration> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let t0 = Instant::now();
        let child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| bench_err!("starting {}: {e}", self.command[0]))?;
        self.child = Some(child);
        while t0.elapsed() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    self.child = None;
                    return Err(bench_err!(
                        "{} exited during startup ({st}); see {}",
                        self.kind.name(),
                        self.log_path().display()
                    ));
                }
            }
            if four_letter(self.port, "ruok").await.as_deref() == Some("imok") {
                return Ok(t0.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stop();
        Err(bench_err!(
            "{} did not answer ruok within {deadline:?}",
            self.kind.name()
        ))
    }

    /// Stops the process: SIGTERM, then SIGKILL after 30 s.
    pub fn stop(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = c.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
    }

    /// Whether the dataDir holds a txn log (`version-2/log.*`): the sign of a durable server.
    pub fn has_txn_log(&self) -> bool {
        files_with_prefix(&self.data_dir().join("version-2"), "log.") > 0
    }

    /// Whether the dataDir holds a snapshot (`version-2/snapshot.*`).
    pub fn has_snapshot(&self) -> bool {
        files_with_prefix(&self.data_dir().join("version-2"), "snapshot.") > 0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn files_with_prefix(dir: &Path, prefix: &str) -> usize {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                .count()
        })
        .unwrap_or(0)
}

/// Total bytes of files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// A loopback port nobody listens on now.
fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The reference server's classpath from the jar list (names in /usr/share/java).
fn reference_classpath(list: &Path) -> Result<String> {
    let text =
        fs::read_to_string(list).map_err(|e| bench_err!("jar list {}: {e}", list.display()))?;
    let mut jars = Vec::new();
    for name in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let p = format!("/usr/share/java/{name}.jar");
        if !Path::new(&p).exists() {
            return Err(bench_err!(
                "{p} missing: install Debian's zookeeper (compat-tests/setup.sh)"
            ));
        }
        jars.push(p);
    }
    Ok(jars.join(":"))
}

/// Sends a four-letter word and reads the answer (bounded by 2 s).
pub async fn four_letter(port: u16, word: &str) -> Option<String> {
    let go = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        s.write_all(word.as_bytes()).await.ok()?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.ok()?;
        String::from_utf8(out).ok()
    };
    tokio::time::timeout(Duration::from_secs(2), go)
        .await
        .ok()
        .flatten()
}

/// Appends JSON lines to results.jsonl.
struct Sink {
    file: fs::File,
}

impl Sink {
    fn put(&mut self, v: &Value) -> Result<()> {
        writeln!(self.file, "{v}")?;
        self.file.flush()?;
        Ok(())
    }
}

/// Runs the whole comparison and writes the report.
///
/// # Errors
/// A server that cannot start, or I/O errors writing results.
pub async fn main(mut opts: Options) -> Result<()> {
    if opts.quick {
        opts.reps = 1;
        opts.duration = opts.duration.min(1.0);
        opts.warmup = opts.warmup.min(0.5);
        opts.big_znodes = opts.big_znodes.min(20_000);
        opts.mid_znodes = opts.mid_znodes.min(5_000);
        opts.hold_sessions = opts.hold_sessions.min(200);
        opts.many_sessions = opts.many_sessions.min(100);
    }
    fs::create_dir_all(&opts.assets)?;
    let results = opts.assets.join("results.jsonl");
    if !opts.render_only {
        fs::create_dir_all(&opts.work_dir)?;
        let file = fs::File::create(&results)?;
        let mut sink = Sink { file };
        wait_idle(opts.wait_idle).await;
        sink.put(&machine_facts(&opts))?;
        sink.put(&fsync_record(&opts.work_dir, "before")?)?;
        if !opts.skip_grid {
            grid(&opts, &mut sink).await?;
        }
        if !opts.skip_scale {
            for kind in [ServerKind::Zk, ServerKind::Zkrs] {
                scale(kind, &opts, &mut sink).await?;
            }
        }
        // The disk is shared: probe again, and take the lower p50 as the floor.
        sink.put(&fsync_record(&opts.work_dir, "after")?)?;
        sink.put(&json!({"type": "end", "loadavg": procfs::load_average()}))?;
    }
    let lines = read_results(&results)?;
    let (md, charts) = render(&lines);
    for (name, body) in charts {
        fs::write(opts.assets.join(name), body)?;
    }
    write_doc(&opts.doc, &md)?;
    eprintln!("{}", caveat_line(&lines));
    eprintln!("wrote {} and {}", opts.doc.display(), opts.assets.display());
    Ok(())
}

/// Probes the disk's fdatasync latency in `dir` and returns the JSON record of it.
///
/// # Errors
/// I/O errors of the probe.
pub fn fsync_record(dir: &Path, when: &str) -> Result<Value> {
    let probe = disk::probe(dir, 2000, Duration::from_secs(5))?;
    eprintln!(
        "fdatasync ({when}): p50 {} µs (preallocated), {} µs (growing)",
        probe.preallocated.p50, probe.appending.p50
    );
    Ok(json!({
        "type": "fsync",
        "when": when,
        "loadavg": procfs::load_average(),
        "prealloc_us": lat_json(&probe.preallocated),
        "append_us": lat_json(&probe.appending),
        "samples": probe.samples,
    }))
}

async fn wait_idle(max_s: u64) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(max_s) {
        let one: f64 = procfs::load_average()
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if one < cores as f64 {
            return;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

fn lat_json(l: &crate::report::Latency) -> Value {
    json!({"p50": l.p50, "p90": l.p90, "p99": l.p99, "p999": l.p999, "max": l.max})
}

fn run_cmd(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| {
            let mut s = String::from_utf8_lossy(&o.stdout).to_string();
            s.push_str(&String::from_utf8_lossy(&o.stderr));
            s.trim().to_owned()
        })
        .unwrap_or_default()
}

fn machine_facts(opts: &Options) -> Value {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb = procfs::parse_kb_field(&meminfo, "MemTotal:").unwrap_or(0);
    let df = run_cmd("df", &["-hT", &opts.work_dir.display().to_string()]);
    json!({
        "type": "machine",
        "date": run_cmd("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        "cpu": model,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "mem_gib": round3(mem_kb as f64 / 1048576.0),
        "kernel": fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
        "disk": df.lines().last().unwrap_or("?"),
        "java": run_cmd("java", &["-version"]).lines().next().unwrap_or("?"),
        "zkrs_commit": run_cmd("git", &["rev-parse", "--short", "HEAD"]),
        "loadavg": procfs::load_average(),
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "reps": opts.reps,
    })
}

/// One point of the grid.
#[derive(Debug, Clone)]
pub struct Point {
    /// Short name (`get-32x32`).
    pub name: String,
    /// What to run.
    pub spec: Spec,
}

/// The grid: every workload, the session/in-flight shapes the targets name, and one
/// open-loop point at a fixed offered load.
pub fn points(opts: &Options) -> Vec<Point> {
    let base = Spec {
        duration: Duration::from_secs_f64(opts.duration),
        warmup: Duration::from_secs_f64(opts.warmup),
        value_size: 128,
        znodes: 10_000,
        ..Spec::default()
    };
    let p = |kind: Kind, sessions: usize, inflight: usize| {
        let spec = Spec {
            kind,
            sessions,
            inflight,
            ..base.clone()
        };
        Point {
            name: format!("{}-{sessions}x{inflight}", kind.name()),
            spec,
        }
    };
    let mut v = vec![
        p(Kind::Get, 1, 1),
        p(Kind::Get, 1, 32),
        p(Kind::Get, 8, 32),
        p(Kind::Get, 32, 32),
        p(Kind::Exists, 32, 32),
        p(Kind::Children, 8, 8),
        p(Kind::Set, 1, 1),
        p(Kind::Set, 32, 32),
        p(Kind::Create, 32, 32),
        p(Kind::Delete, 32, 32),
        p(Kind::Mixed, 32, 32),
        p(Kind::Mixed, opts.many_sessions, 1),
        p(Kind::Multi, 8, 8),
        p(Kind::Watch, 32, 1),
        p(Kind::Churn, 8, 1),
    ];
    let mut fixed = p(Kind::Mixed, 32, 32);
    fixed.name = "mixed-32x32-fixed-rate".into();
    // The rate is set at run time from ZooKeeper's own closed-loop throughput.
    fixed.spec.rate = Some(1.0);
    v.push(fixed);
    v
}

/// The offered load of the fixed-rate point: half of ZooKeeper's median closed-loop mixed
/// throughput measured so far (a load both servers can carry), else 5,000 ops/s.
fn fixed_rate(done: &[Value]) -> f64 {
    let mut t: Vec<f64> = done
        .iter()
        .filter(|v| {
            v["point"] == "mixed-32x32" && v["server"] == "zk" && v["errors"].as_u64() == Some(0)
        })
        .filter_map(|v| v["throughput"].as_f64())
        .collect();
    t.sort_by(f64::total_cmp);
    t.get(t.len() / 2).map_or(5_000.0, |m| (m * 0.5).max(100.0))
}

async fn grid(opts: &Options, sink: &mut Sink) -> Result<()> {
    let mut servers = Vec::new();
    for kind in [ServerKind::Zk, ServerKind::Zkrs] {
        let mut s = Server::fresh(kind, &opts.work_dir.join("grid"), opts)?;
        s.start(Duration::from_secs(60)).await?;
        servers.push(s);
    }
    // Warm both up (the JVM compiles its hot paths); not recorded.
    for s in &servers {
        let spec = Spec {
            kind: Kind::Mixed,
            sessions: 8,
            inflight: 8,
            duration: Duration::from_secs_f64((opts.duration * 1.5).max(1.0)),
            warmup: Duration::ZERO,
            ..Spec::default()
        };
        let r = workload::run(&s.addr(), s.kind.name(), &spec).await?;
        eprintln!("warm-up {}: {:.0} ops/s", s.kind.name(), r.throughput);
    }
    let pts = points(opts);
    let mut done: Vec<Value> = Vec::new();
    eprintln!("{:<26} {}", "point", Report::table_header());
    for rep in 0..opts.reps {
        for (i, pt) in pts.iter().enumerate() {
            let mut order = [0usize, 1];
            if (i + rep) % 2 == 1 {
                order.reverse();
            }
            let mut spec = pt.spec.clone();
            if spec.rate.is_some() {
                spec.rate = Some(fixed_rate(&done));
            }
            for &k in &order {
                let s = &servers[k];
                let load = procfs::load_average();
                let r = workload::run_probed(&s.addr(), s.kind.name(), &spec, s.pid()).await;
                let mut r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("{} on {}: {e}", pt.name, s.kind.name());
                        continue;
                    }
                };
                r.extra.insert("type".into(), json!("grid"));
                r.extra.insert("point".into(), json!(pt.name));
                r.extra.insert("rep".into(), json!(rep));
                r.extra.insert("loadavg".into(), json!(load));
                if let Some(rss) = s.rss() {
                    r.extra.insert(
                        "server_rss_mb".into(),
                        json!(round3(rss as f64 / 1048576.0)),
                    );
                }
                if spec.kind.writes() {
                    r.extra.insert("durable".into(), json!(s.has_txn_log()));
                }
                eprintln!("{:<26} {}", pt.name, r.table_row());
                let v = r.to_json();
                sink.put(&v)?;
                done.push(v);
            }
        }
    }
    for s in &mut servers {
        s.stop();
    }
    Ok(())
}

/// Memory, sessions, watches and recovery on one server, alone on the machine.
async fn scale(kind: ServerKind, opts: &Options, sink: &mut Sink) -> Result<()> {
    let mut s = Server::fresh(kind, &opts.work_dir.join("scale"), opts)?;
    let startup = s.start(Duration::from_secs(60)).await?;
    let mut out =
        json!({"type": "scale", "server": kind.name(), "startup_s": round3(startup.as_secs_f64())});
    let settle = || tokio::time::sleep(Duration::from_secs(3));
    let mb = |b: Option<u64>| b.map(|b| round3(b as f64 / 1048576.0));
    settle().await;
    out["rss_idle_mb"] = json!(mb(s.rss()));
    eprintln!("{}: idle RSS {:?} MB", kind.name(), out["rss_idle_mb"]);
    let addr = s.addr();
    let spec = Spec {
        kind: Kind::Get,
        znodes: opts.big_znodes,
        value_size: 64,
        sessions: 32,
        inflight: 32,
        duration: Duration::from_secs_f64(opts.duration),
        warmup: Duration::from_secs_f64(opts.warmup),
        ..Spec::default()
    };
    let dir = spec.data_dir();
    let value = vec![b'v'; spec.value_size];
    let loaders = workload::connect_many(&addr, 4, 4).await?;
    workload::mkdirs(&loaders[0], &spec.root).await?;
    let t0 = Instant::now();
    workload::populate(&loaders, &dir, "k", 0..opts.mid_znodes, &value, None).await?;
    out["populate_mid_s"] = json!(round3(t0.elapsed().as_secs_f64()));
    settle().await;
    out["rss_mid_mb"] = json!(mb(s.rss()));
    out["mid_znodes"] = json!(opts.mid_znodes);
    eprintln!(
        "{}: RSS with {} znodes {:?} MB",
        kind.name(),
        opts.mid_znodes,
        out["rss_mid_mb"]
    );

    // Sessions, then watches on them.
    let before = s.rss().unwrap_or(0);
    let t0 = Instant::now();
    let held = workload::connect_many(&addr, opts.hold_sessions, 64).await?;
    out["connect_sessions_s"] = json!(round3(t0.elapsed().as_secs_f64()));
    settle().await;
    let with_sessions = s.rss().unwrap_or(0);
    let paths: Vec<String> = (0..opts.mid_znodes)
        .map(|i| format!("{dir}/k{i}"))
        .collect();
    let watches = workload::hold_watches(&held, &paths, opts.watches_per_session).await?;
    settle().await;
    let with_watches = s.rss().unwrap_or(0);
    out["held_sessions"] = json!(held.len());
    out["held_watches"] = json!(watches.len());
    out["rss_sessions_mb"] = json!(mb(Some(with_sessions)));
    out["rss_watches_mb"] = json!(mb(Some(with_watches)));
    out["bytes_per_session"] =
        json!((with_sessions as f64 - before as f64) / held.len().max(1) as f64);
    out["bytes_per_watch"] =
        json!((with_watches as f64 - with_sessions as f64) / watches.len().max(1) as f64);
    if let Some(wchs) = four_letter(s.port, "wchs").await {
        out["wchs"] = json!(wchs.trim());
    }
    eprintln!(
        "{}: {} sessions {} B each, {} watches {} B each",
        kind.name(),
        held.len(),
        out["bytes_per_session"],
        watches.len(),
        out["bytes_per_watch"]
    );
    drop(watches);
    drop(held);
    // Let the closes drain before the next phase.
    tokio::time::sleep(Duration::from_secs(5)).await;

    // To the large tree.
    let t0 = Instant::now();
    workload::populate(
        &loaders,
        &dir,
        "k",
        opts.mid_znodes..opts.big_znodes,
        &value,
        Some(b"ready"),
    )
    .await?;
    out["populate_big_s"] = json!(round3(t0.elapsed().as_secs_f64()));
    settle().await;
    out["rss_big_mb"] = json!(mb(s.rss()));
    out["big_znodes"] = json!(opts.big_znodes);
    eprintln!(
        "{}: RSS with {} znodes {:?} MB",
        kind.name(),
        opts.big_znodes,
        out["rss_big_mb"]
    );
    // Reads against the large tree.
    match workload::run_probed(&addr, kind.name(), &spec, s.pid()).await {
        Ok(r) => out["get_big"] = r.to_json(),
        Err(e) => eprintln!("{}: get on the large tree: {e}", kind.name()),
    }
    drop(loaders);
    out["durable"] = json!(s.has_txn_log());
    out["snapshot_files"] = json!(s.has_snapshot());

    // Restart and recovery.
    s.stop();
    out["data_dir_mb"] = json!(round3(dir_size(&s.data_dir()) as f64 / 1048576.0));
    let log_len = fs::metadata(s.log_path()).map_or(0, |m| m.len());
    let t0 = Instant::now();
    s.start(Duration::from_secs(600)).await?;
    let mut recovered = None;
    while t0.elapsed() < Duration::from_secs(600) {
        match workload::connect(&addr).await {
            Ok(c) => {
                match c.check_stat(&dir).await {
                    Ok(Some(st)) if st.num_children as usize >= opts.big_znodes => {
                        recovered = Some(true);
                    }
                    Ok(_) => recovered = Some(false),
                    Err(_) => {}
                }
                if recovered.is_some() {
                    break;
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    out["recovery_s"] = json!(round3(t0.elapsed().as_secs_f64()));
    out["recovered"] = json!(recovered);
    settle().await;
    out["rss_recovered_mb"] = json!(mb(s.rss()));
    let log = fs::read(s.log_path()).unwrap_or_default();
    let fresh = String::from_utf8_lossy(&log[log_len.min(log.len() as u64) as usize..]).to_string();
    if let Some(ms) = last_number_after(&fresh, "Snapshot taken in ") {
        out["snapshot_ms"] = json!(ms);
    }
    if let Some(ms) = last_number_after(&fresh, "txns loaded in ") {
        out["log_replay_ms"] = json!(ms);
    }
    eprintln!(
        "{}: restart with {} znodes: {}s, recovered {:?}",
        kind.name(),
        opts.big_znodes,
        out["recovery_s"],
        recovered
    );
    s.stop();
    sink.put(&out)?;
    Ok(())
}

/// The number right after the last occurrence of `needle` in `text`.
fn last_number_after(text: &str, needle: &str) -> Option<f64> {
    let i = text.rfind(needle)? + needle.len();
    let digits: String = text[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

fn read_results(path: &Path) -> Result<Vec<Value>> {
    let text = fs::read_to_string(path).map_err(|e| bench_err!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

const BEGIN: &str = "<!-- results:begin (generated by zkrs-bench compare; do not edit) -->";
const END: &str = "<!-- results:end -->";

fn write_doc(path: &Path, generated: &str) -> Result<()> {
    let old = fs::read_to_string(path).unwrap_or_else(|_| {
        format!("# Benchmarks: zkrs and Apache ZooKeeper side by side\n\n{BEGIN}\n{END}\n")
    });
    let (head, tail) = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => (&old[..b], &old[e + END.len()..]),
        _ => (old.as_str(), "\n"),
    };
    let doc = format!("{head}{BEGIN}\n{generated}\n{END}{tail}");
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, doc)?;
    Ok(())
}

/// Median of the values (None when empty).
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Medians over the repetitions of one point on one server.
#[derive(Debug, Clone, Default)]
struct Agg {
    throughput: Option<f64>,
    p50: Option<f64>,
    p99: Option<f64>,
    p999: Option<f64>,
    cpu_us_per_op: Option<f64>,
    client_cpu_pct: Option<f64>,
    errors: u64,
    rate: Option<f64>,
    shape: String,
}

fn aggregate(lines: &[Value]) -> (Vec<String>, BTreeMap<(String, String), Agg>) {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<Report>> = BTreeMap::new();
    for v in lines.iter().filter(|v| v["type"] == "grid") {
        let Some(r) = Report::from_json(v) else {
            continue;
        };
        let point = v["point"].as_str().unwrap_or("?").to_owned();
        if !order.contains(&point) {
            order.push(point.clone());
        }
        groups.entry((point, r.server.clone())).or_default().push(r);
    }
    let aggs = groups
        .into_iter()
        .map(|(k, rs)| {
            let m = |f: &dyn Fn(&Report) -> Option<f64>| median(rs.iter().filter_map(f).collect());
            let a = Agg {
                throughput: m(&|r| Some(r.throughput)),
                p50: m(&|r| Some(r.latency.p50 as f64)),
                p99: m(&|r| Some(r.latency.p99 as f64)),
                p999: m(&|r| Some(r.latency.p999 as f64)),
                cpu_us_per_op: m(&|r| r.extra.get("server_cpu_us_per_op").and_then(Value::as_f64)),
                client_cpu_pct: m(&|r| {
                    (r.elapsed_s > 0.0).then(|| 100.0 * r.client_cpu_s / r.elapsed_s)
                }),
                errors: rs.iter().map(|r| r.errors).sum(),
                rate: rs.iter().filter_map(|r| r.rate).next(),
                shape: format!("{}×{}", rs[0].sessions, rs[0].inflight),
            };
            (k, a)
        })
        .collect();
    (order, aggs)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt_opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "n/a".into(), f)
}

fn ms(us: f64) -> String {
    if us >= 100_000.0 {
        format!("{:.0}", us / 1000.0)
    } else {
        format!("{:.2}", us / 1000.0)
    }
}

/// Whether zkrs wrote a txn log during the measured writes: `None` when nothing says.
fn zkrs_durable(lines: &[Value]) -> Option<bool> {
    lines
        .iter()
        .filter(|v| v["server"] == "zkrs")
        .filter_map(|v| v["durable"].as_bool())
        .reduce(|a, b| a && b)
}

fn caveat_line(lines: &[Value]) -> String {
    match zkrs_durable(lines) {
        Some(true) => "zkrs wrote a txn log (version-2/log.*): write numbers count.".into(),
        Some(false) => "CAVEAT: zkrs has no durable txn log yet (no version-2/log.* in its \
                        dataDir after writes): it acknowledges writes without fsync, so its \
                        write numbers do not count yet."
            .into(),
        None => "no writes measured".into(),
    }
}

/// Renders the generated section and the charts.
fn render(lines: &[Value]) -> (String, Vec<(String, String)>) {
    let mut md = String::new();
    let machine = lines.iter().find(|v| v["type"] == "machine");
    let probes: Vec<&Value> = lines.iter().filter(|v| v["type"] == "fsync").collect();
    // The floor: the probe with the lowest p50 (the disk is shared; a busy moment only adds).
    let fsync = probes
        .iter()
        .min_by(|a, b| {
            let p = |v: &Value| v["prealloc_us"]["p50"].as_f64().unwrap_or(f64::MAX);
            p(a).total_cmp(&p(b))
        })
        .copied();
    let end = lines.iter().find(|v| v["type"] == "end");
    let scale: BTreeMap<String, &Value> = lines
        .iter()
        .filter(|v| v["type"] == "scale")
        .map(|v| (v["server"].as_str().unwrap_or("?").to_owned(), v))
        .collect();
    let (order, aggs) = aggregate(lines);
    let get = |p: &str, s: &str| aggs.get(&(p.to_owned(), s.to_owned()));
    let durable = zkrs_durable(lines);

    if let Some(m) = machine {
        let _ = writeln!(md, "### Machine and run\n");
        let _ = writeln!(md, "| | |\n|---|---|");
        let s = |k: &str| {
            m[k].as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| m[k].to_string())
        };
        let _ = writeln!(md, "| date | {} |", s("date"));
        let _ = writeln!(md, "| CPU | {} × {} |", s("cores"), s("cpu"));
        let _ = writeln!(md, "| memory | {} GiB |", s("mem_gib"));
        let _ = writeln!(md, "| kernel | {} |", s("kernel"));
        let _ = writeln!(md, "| disk (dataDirs) | `{}` |", s("disk"));
        let _ = writeln!(md, "| Java | {} |", s("java"));
        let _ = writeln!(md, "| zkrs commit | {} |", s("zkrs_commit"));
        let _ = writeln!(
            md,
            "| load average (1/5/15 min) | {} at start, {} at end |",
            s("loadavg"),
            end.map_or("?".into(), |e| e["loadavg"]
                .as_str()
                .unwrap_or("?")
                .to_owned())
        );
        let _ = writeln!(
            md,
            "| grid | {} s measured after {} s warm-up, {} repetitions, medians shown |\n",
            s("duration_s"),
            s("warmup_s"),
            s("reps")
        );
    }
    let _ = writeln!(md, "> {}\n", caveat_line(lines));

    if let Some(f) = fsync {
        let _ = writeln!(
            md,
            "**This disk's fdatasync** (128-byte writes into a preallocated file, as ZooKeeper's \
             log): p50 {} ms, p99 {} ms — the floor used below is the lowest p50 of the probes \
             taken before and after the run ({}); p50 {} ms when each write grows the file.\n",
            ms(f["prealloc_us"]["p50"].as_f64().unwrap_or(0.0)),
            ms(f["prealloc_us"]["p99"].as_f64().unwrap_or(0.0)),
            probes
                .iter()
                .map(|p| format!(
                    "{}: {} ms at load {}",
                    p["when"].as_str().unwrap_or("probe"),
                    ms(p["prealloc_us"]["p50"].as_f64().unwrap_or(0.0)),
                    p["loadavg"].as_str().unwrap_or("?")
                ))
                .collect::<Vec<_>>()
                .join("; "),
            ms(f["append_us"]["p50"].as_f64().unwrap_or(0.0)),
        );
    }

    // Targets.
    let t = |p: &str, s: &str| get(p, s).and_then(|a| a.throughput);
    let tr = |p: &str| ratio(t(p, "zkrs"), t(p, "zk"));
    let writes_note = if durable == Some(true) {
        ""
    } else {
        " (does not count: no durable log)"
    };
    let mut targets: Vec<(String, String, String, Option<bool>)> = Vec::new();
    let mut thr_target = |name: &str, p: &str, min: f64, note: &str| {
        let r = tr(p);
        targets.push((
            name.to_owned(),
            format!("≥ {min}×"),
            fmt_opt(r, |x| format!("{x:.2}×{note}")),
            // A write target counts only once zkrs fsyncs as ZooKeeper does.
            if note.is_empty() {
                r.map(|x| x >= min)
            } else {
                None
            },
        ));
    };
    thr_target(
        "set throughput, 32 sessions × 32 in flight",
        "set-32x32",
        3.0,
        writes_note,
    );
    thr_target(
        "create throughput, 32 × 32",
        "create-32x32",
        3.0,
        writes_note,
    );
    thr_target("get throughput, 1 session × 32", "get-1x32", 2.0, "");
    thr_target("get throughput, 8 × 32", "get-8x32", 2.0, "");
    thr_target("get throughput, 32 × 32", "get-32x32", 2.0, "");
    thr_target(
        "mixed 90/10 throughput, 32 × 32",
        "mixed-32x32",
        2.5,
        writes_note,
    );
    let fixed = "mixed-32x32-fixed-rate";
    let p99r = ratio(
        get(fixed, "zkrs").and_then(|a| a.p99),
        get(fixed, "zk").and_then(|a| a.p99),
    );
    let rate = get(fixed, "zk").and_then(|a| a.rate);
    targets.push((
        format!(
            "p99 at the same offered load (mixed 90/10, 32 × 32, {} ops/s)",
            fmt_opt(rate, |r| format!("{r:.0}"))
        ),
        "≤ 0.5×".into(),
        fmt_opt(p99r, |x| format!("{x:.2}×{writes_note}")),
        if writes_note.is_empty() {
            p99r.map(|x| x <= 0.5)
        } else {
            None
        },
    ));
    let sc = |s: &str, k: &str| scale.get(s).and_then(|v| v[k].as_f64());
    let rss_big = ratio(sc("zkrs", "rss_big_mb"), sc("zk", "rss_big_mb"));
    let big_n = scale
        .values()
        .next()
        .and_then(|v| v["big_znodes"].as_u64())
        .unwrap_or(0);
    let mid_n = scale
        .values()
        .next()
        .and_then(|v| v["mid_znodes"].as_u64())
        .unwrap_or(0);
    targets.push((
        format!("RSS with {} znodes", human_count(big_n)),
        "≤ 0.1×".into(),
        fmt_opt(rss_big, |x| {
            format!(
                "{x:.3}× ({} vs {} MB)",
                fmt_opt(sc("zkrs", "rss_big_mb"), |v| format!("{v:.0}")),
                fmt_opt(sc("zk", "rss_big_mb"), |v| format!("{v:.0}"))
            )
        }),
        rss_big.map(|x| x <= 0.1),
    ));
    let idle = sc("zkrs", "rss_idle_mb");
    targets.push((
        "zkrs idle RSS".into(),
        "≤ 10 MB".into(),
        fmt_opt(idle, |x| {
            format!(
                "{x:.1} MB (ZooKeeper: {})",
                fmt_opt(sc("zk", "rss_idle_mb"), |v| format!("{v:.0} MB"))
            )
        }),
        idle.map(|x| x <= 10.0),
    ));
    let zkrs_recovered = scale
        .get("zkrs")
        .and_then(|v| v["recovered"].as_bool())
        .unwrap_or(false);
    let rec = ratio(sc("zkrs", "recovery_s"), sc("zk", "recovery_s"));
    targets.push((
        format!("recovery (restart) with {} znodes", human_count(big_n)),
        "≤ 0.2×".into(),
        if zkrs_recovered {
            fmt_opt(rec, |x| format!("{x:.2}×"))
        } else {
            format!(
                "n/a: zkrs lost the tree on restart (no durable log); ZooKeeper {} s",
                fmt_opt(sc("zk", "recovery_s"), |v| format!("{v:.1}"))
            )
        },
        if zkrs_recovered {
            rec.map(|x| x <= 0.2)
        } else {
            None
        },
    ));
    let floor = fsync.and_then(|f| f["prealloc_us"]["p50"].as_f64());
    let seq = get("set-1x1", "zkrs").and_then(|a| a.p50);
    let seq_r = ratio(seq, floor);
    targets.push((
        "single-session sequential write p50 vs fdatasync p50".into(),
        "≤ 1.3×".into(),
        fmt_opt(seq_r, |x| {
            format!(
                "{x:.2}× ({} vs {} ms; ZooKeeper {} ms){writes_note}",
                fmt_opt(seq, ms),
                fmt_opt(floor, ms),
                fmt_opt(get("set-1x1", "zk").and_then(|a| a.p50), ms)
            )
        }),
        if durable == Some(true) {
            seq_r.map(|x| x <= 1.3)
        } else {
            None
        },
    ));
    let many = order
        .iter()
        .find(|p| p.starts_with("mixed-") && p.ends_with("x1") && *p != "mixed-32x32")
        .cloned()
        .unwrap_or_else(|| "mixed-1000x1".into());
    let fall = |s: &str| ratio(t(&many, s), t("mixed-32x32", s)).map(|r| 100.0 * (1.0 - r));
    targets.push((
        format!(
            "throughput drop from 32 to {} sessions (mixed)",
            many.trim_start_matches("mixed-").trim_end_matches("x1")
        ),
        "< 20 %".into(),
        fmt_opt(fall("zkrs"), |x| {
            format!(
                "{x:.0} % (ZooKeeper: {})",
                fmt_opt(fall("zk"), |z| format!("{z:.0} %"))
            )
        }),
        fall("zkrs").map(|x| x < 20.0),
    ));
    let per = |s: &str, k: &str| scale.get(s).and_then(|v| v[k].as_f64());
    targets.push((
        "memory per session / per watch (report)".into(),
        "report".into(),
        format!(
            "zkrs {} / {} B; ZooKeeper {} / {} B",
            fmt_opt(per("zkrs", "bytes_per_session"), |v| format!("{v:.0}")),
            fmt_opt(per("zkrs", "bytes_per_watch"), |v| format!("{v:.0}")),
            fmt_opt(per("zk", "bytes_per_session"), |v| format!("{v:.0}")),
            fmt_opt(per("zk", "bytes_per_watch"), |v| format!("{v:.0}")),
        ),
        None,
    ));
    let _ = writeln!(md, "### Targets\n");
    let _ = writeln!(
        md,
        "| target | wanted | measured | met? |\n|---|---|---|---|"
    );
    for (name, want, got, ok) in &targets {
        let verdict = match ok {
            Some(true) => "met",
            Some(false) => "**not met**",
            None if name.contains("report") => "—",
            None => "— (does not count yet)",
        };
        let _ = writeln!(md, "| {name} | {want} | {got} | {verdict} |");
    }
    let _ = writeln!(
        md,
        "\n![zkrs ÷ ZooKeeper throughput](benchmarks/ratio.svg)\n"
    );

    // The grid table.
    let _ = writeln!(md, "### Grid\n");
    let _ = writeln!(
        md,
        "Throughput in ops/s (watch: notifications/s; churn: connect+create+close cycles/s), \
         latency in ms, server CPU in µs per operation, client CPU in % of one core. \
         Medians over repetitions.\n"
    );
    let _ = writeln!(
        md,
        "| point | sessions×in flight | ZK ops/s | zkrs ops/s | zkrs÷ZK | ZK p50 / p99 / p99.9 | zkrs p50 / p99 / p99.9 | p99 zkrs÷ZK | server CPU µs/op ZK / zkrs | client CPU ZK / zkrs run | errors ZK / zkrs |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for p in &order {
        let (Some(z), Some(r)) = (get(p, "zk"), get(p, "zkrs")) else {
            continue;
        };
        let lat = |a: &Agg| {
            format!(
                "{} / {} / {}",
                fmt_opt(a.p50, ms),
                fmt_opt(a.p99, ms),
                fmt_opt(a.p999, ms)
            )
        };
        let shape = if p.ends_with("fixed-rate") {
            format!(
                "{} @ {} ops/s",
                r.shape,
                fmt_opt(r.rate, |x| format!("{x:.0}"))
            )
        } else {
            r.shape.clone()
        };
        let _ = writeln!(
            md,
            "| {p} | {shape} | {} | {} | **{}** | {} | {} | {} | {} / {} | {} / {} % | {} / {} |",
            fmt_opt(z.throughput, |x| format!("{x:.0}")),
            fmt_opt(r.throughput, |x| format!("{x:.0}")),
            fmt_opt(ratio(r.throughput, z.throughput), |x| format!("{x:.2}×")),
            lat(z),
            lat(r),
            fmt_opt(ratio(r.p99, z.p99), |x| format!("{x:.2}×")),
            fmt_opt(z.cpu_us_per_op, |x| format!("{x:.1}")),
            fmt_opt(r.cpu_us_per_op, |x| format!("{x:.1}")),
            fmt_opt(z.client_cpu_pct, |x| format!("{x:.0}")),
            fmt_opt(r.client_cpu_pct, |x| format!("{x:.0}")),
            z.errors,
            r.errors,
        );
    }
    let _ = writeln!(md, "\n![throughput](benchmarks/throughput.svg)\n");
    let _ = writeln!(md, "![p99 latency](benchmarks/latency.svg)\n");
    let _ = writeln!(md, "![server CPU per operation](benchmarks/cpu.svg)\n");

    // Scale.
    if !scale.is_empty() {
        let _ = writeln!(md, "### Memory, sessions, recovery\n");
        let _ = writeln!(md, "| measure | ZooKeeper | zkrs |\n|---|---|---|");
        let row = |md: &mut String, name: &str, k: &str, f: &dyn Fn(f64) -> String| {
            let _ = writeln!(
                md,
                "| {name} | {} | {} |",
                fmt_opt(sc("zk", k), f),
                fmt_opt(sc("zkrs", k), f)
            );
        };
        let mbf = |v: f64| format!("{v:.1} MB");
        let secs = |v: f64| format!("{v:.2} s");
        let bytes = |v: f64| format!("{v:.0} B");
        let held = scale
            .values()
            .next()
            .and_then(|v| v["held_sessions"].as_u64())
            .unwrap_or(0);
        let watches = scale
            .values()
            .next()
            .and_then(|v| v["held_watches"].as_u64())
            .unwrap_or(0);
        row(
            &mut md,
            "startup to `imok` (empty dataDir)",
            "startup_s",
            &secs,
        );
        row(&mut md, "RSS idle", "rss_idle_mb", &mbf);
        row(
            &mut md,
            &format!("RSS, {} znodes of 64 B", human_count(mid_n)),
            "rss_mid_mb",
            &mbf,
        );
        row(
            &mut md,
            &format!("RSS, + {} sessions", human_count(held)),
            "rss_sessions_mb",
            &mbf,
        );
        row(
            &mut md,
            &format!("RSS, + {} watches", human_count(watches)),
            "rss_watches_mb",
            &mbf,
        );
        row(&mut md, "memory per session", "bytes_per_session", &bytes);
        row(&mut md, "memory per watch", "bytes_per_watch", &bytes);
        row(
            &mut md,
            &format!("RSS, {} znodes", human_count(big_n)),
            "rss_big_mb",
            &mbf,
        );
        row(
            &mut md,
            &format!(
                "populate {} znodes (multi of 500 creates)",
                human_count(mid_n)
            ),
            "populate_mid_s",
            &secs,
        );
        row(
            &mut md,
            &format!("connect {} sessions", human_count(held)),
            "connect_sessions_s",
            &secs,
        );
        row(
            &mut md,
            "dataDir size after the large tree",
            "data_dir_mb",
            &mbf,
        );
        row(
            &mut md,
            &format!("restart until {} znodes are served", human_count(big_n)),
            "recovery_s",
            &secs,
        );
        row(&mut md, "RSS after restart", "rss_recovered_mb", &mbf);
        row(
            &mut md,
            "snapshot at startup (\"Snapshot taken in\")",
            "snapshot_ms",
            &|v| format!("{v:.0} ms"),
        );
        row(
            &mut md,
            "log replay (\"txns loaded in\")",
            "log_replay_ms",
            &|v| format!("{v:.0} ms"),
        );
        let gb = |s: &str, k: &str| scale.get(s).and_then(|v| v["get_big"][k].as_f64());
        let _ = writeln!(
            md,
            "| get 32×32 throughput with {} znodes | {} ops/s | {} ops/s |",
            human_count(big_n),
            fmt_opt(gb("zk", "throughput"), |v| format!("{v:.0}")),
            fmt_opt(gb("zkrs", "throughput"), |v| format!("{v:.0}"))
        );
        let rec = |s: &str| {
            scale
                .get(s)
                .map(|v| match v["recovered"].as_bool() {
                    Some(true) => "yes",
                    Some(false) => "**no** (tree empty after restart)",
                    None => "did not answer",
                })
                .unwrap_or("n/a")
        };
        let _ = writeln!(
            md,
            "| data intact after restart | {} | {} |",
            rec("zk"),
            rec("zkrs")
        );
        let _ = writeln!(md, "\n![memory](benchmarks/memory.svg)\n");
    }

    // Charts.
    let mut charts = Vec::new();
    let cats: Vec<String> = order
        .iter()
        .filter(|p| get(p, "zk").is_some() && get(p, "zkrs").is_some())
        .cloned()
        .collect();
    let series = |f: &dyn Fn(&Agg) -> Option<f64>| {
        vec![
            Series {
                name: "Apache ZooKeeper 3.8".into(),
                color: "#7a8ca5",
                values: cats.iter().map(|p| get(p, "zk").and_then(f)).collect(),
            },
            Series {
                name: "zkrs".into(),
                color: "#e8762c",
                values: cats.iter().map(|p| get(p, "zkrs").and_then(f)).collect(),
            },
        ]
    };
    charts.push((
        "throughput.svg".to_owned(),
        svg::hbar(
            "Throughput",
            "ops/s (median), higher is better",
            &cats,
            &series(&|a| a.throughput),
            Scale::Log,
            &[],
        ),
    ));
    charts.push((
        "latency.svg".to_owned(),
        svg::hbar(
            "p99 latency",
            "ms (median of repetitions), lower is better",
            &cats,
            &series(&|a| a.p99.map(|x| x / 1000.0)),
            Scale::Log,
            &[],
        ),
    ));
    charts.push((
        "cpu.svg".to_owned(),
        svg::hbar(
            "Server CPU per operation",
            "µs of user+system CPU per op, lower is better",
            &cats,
            &series(&|a| a.cpu_us_per_op),
            Scale::Log,
            &[],
        ),
    ));
    charts.push((
        "ratio.svg".to_owned(),
        svg::hbar(
            "zkrs ÷ ZooKeeper throughput",
            "ratio of medians; right of the line zkrs is faster",
            &cats,
            &[Series {
                name: "zkrs ÷ ZooKeeper".into(),
                color: "#e8762c",
                values: cats.iter().map(|p| tr(p)).collect(),
            }],
            Scale::Log,
            &[Marker {
                at: 1.0,
                label: "1×".into(),
            }],
        ),
    ));
    if !scale.is_empty() {
        let mid_label = format!("{} znodes", human_count(mid_n));
        let big_label = format!("{} znodes", human_count(big_n));
        let keys = [
            ("idle", "rss_idle_mb"),
            (mid_label.as_str(), "rss_mid_mb"),
            ("+ sessions", "rss_sessions_mb"),
            ("+ watches", "rss_watches_mb"),
            (big_label.as_str(), "rss_big_mb"),
            ("after restart", "rss_recovered_mb"),
        ];
        let cats: Vec<String> = keys.iter().map(|(n, _)| (*n).to_owned()).collect();
        let ser = |s: &str, name: &str, color: &'static str| Series {
            name: name.into(),
            color,
            values: keys.iter().map(|(_, k)| sc(s, k)).collect(),
        };
        charts.push((
            "memory.svg".to_owned(),
            svg::hbar(
                "Resident memory (RSS)",
                "MB, lower is better",
                &cats,
                &[
                    ser("zk", "Apache ZooKeeper 3.8", "#7a8ca5"),
                    ser("zkrs", "zkrs", "#e8762c"),
                ],
                Scale::Log,
                &[],
            ),
        ));
    }
    (md, charts)
}

fn human_count(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rate_is_half_of_zk_median() {
        let done = vec![
            json!({"point": "mixed-32x32", "server": "zk", "errors": 0, "throughput": 1000.0}),
            json!({"point": "mixed-32x32", "server": "zk", "errors": 0, "throughput": 3000.0}),
            json!({"point": "mixed-32x32", "server": "zk", "errors": 0, "throughput": 2000.0}),
            json!({"point": "mixed-32x32", "server": "zkrs", "errors": 0, "throughput": 9e9}),
        ];
        assert_eq!(fixed_rate(&done), 1000.0);
        assert_eq!(fixed_rate(&[]), 5000.0);
    }

    #[test]
    fn parses_log_numbers_and_renders_without_data() {
        let log =
            "x Snapshot taken in 12 ms\ny 1000 txns loaded in 345 ms\nSnapshot taken in 67 ms";
        assert_eq!(last_number_after(log, "Snapshot taken in "), Some(67.0));
        assert_eq!(last_number_after(log, "txns loaded in "), Some(345.0));
        let (md, charts) = render(&[]);
        assert!(md.contains("Targets"));
        assert_eq!(charts.len(), 4);
        assert_eq!(human_count(1_000_000), "1M");
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
    }
}
