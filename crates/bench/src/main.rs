//! `zkrs-bench`: run one workload against a ZooKeeper server, compare zkrs with Apache
//! ZooKeeper, or probe the disk's fdatasync latency. `zkrs-bench --help` lists the knobs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bench::{compare, disk, workload, Kind, Report, Spec};
use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "zkrs-bench",
    about = "ZooKeeper load generator and zkrs-vs-ZooKeeper runner"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run one workload against a running server and print a table and one JSON line.
    Run(RunArgs),
    /// Start Apache ZooKeeper 3.8 and zkrs side by side, run the grid, write the report.
    Compare(compare::Options),
    /// Measure this disk's fdatasync latency (the floor of a durable write).
    Fsync {
        /// Directory on the disk under test.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Syncs per mode at most.
        #[arg(long, default_value_t = 2000)]
        samples: u64,
        /// Print the comparison runner's JSON record (label WHEN) instead of the table.
        #[arg(long, value_name = "WHEN")]
        json: Option<String>,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Server address, host:port.
    #[arg(long, default_value = "127.0.0.1:2181")]
    server: String,
    /// get, set, create, delete, exists, children, mixed, multi, watch, churn.
    #[arg(long, default_value = "get")]
    workload: String,
    /// Sessions.
    #[arg(long, default_value_t = 8)]
    sessions: usize,
    /// Requests in flight per session.
    #[arg(long, default_value_t = 8)]
    inflight: usize,
    /// Value size in bytes.
    #[arg(long, default_value_t = 128)]
    value_size: usize,
    /// Znodes in the key space.
    #[arg(long, default_value_t = 10_000)]
    znodes: usize,
    /// Children of the getChildren parent.
    #[arg(long, default_value_t = 1_000)]
    children: usize,
    /// Share of reads in `mixed`.
    #[arg(long, default_value_t = 0.9)]
    read_ratio: f64,
    /// Operations per multi.
    #[arg(long, default_value_t = 10)]
    multi_ops: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Unmeasured warm-up seconds before.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Stop after this many operations.
    #[arg(long)]
    requests: Option<u64>,
    /// Offered load in ops/s (open loop); closed loop when absent.
    #[arg(long)]
    rate: Option<f64>,
    /// Parent znode of everything the benchmark creates.
    #[arg(long, default_value = "/zkrs-bench")]
    root: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zkrs-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.cmd {
        Cmd::Run(a) => rt.block_on(run(a)),
        Cmd::Compare(o) => rt.block_on(compare::main(o)),
        Cmd::Fsync {
            dir,
            json: Some(when),
            ..
        } => compare::fsync_record(&dir, &when).map(|v| println!("{v}")),
        Cmd::Fsync { dir, samples, .. } => fsync(&dir, samples),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zkrs-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(a: RunArgs) -> bench::Result<()> {
    let kind = Kind::parse(&a.workload)
        .ok_or_else(|| bench::bench_err!("unknown workload {:?}", a.workload))?;
    let spec = Spec {
        kind,
        sessions: a.sessions,
        inflight: a.inflight,
        value_size: a.value_size,
        znodes: a.znodes,
        children: a.children,
        read_ratio: a.read_ratio,
        multi_ops: a.multi_ops,
        duration: Duration::from_secs_f64(a.duration),
        warmup: Duration::from_secs_f64(a.warmup),
        max_requests: a.requests,
        rate: a.rate,
        root: a.root,
        ..Spec::default()
    };
    let report = workload::run(&a.server, &a.server, &spec).await?;
    println!("{}", Report::table_header());
    println!("{}", report.table_row());
    for (e, n) in &report.error_kinds {
        println!("  error {e}: {n}");
    }
    println!("{}", report.to_json());
    Ok(())
}

fn fsync(dir: &std::path::Path, samples: u64) -> bench::Result<()> {
    let p = disk::probe(dir, samples, Duration::from_secs(5))?;
    let ms = |us: u64| us as f64 / 1000.0;
    println!(
        "fdatasync, preallocated file: p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        ms(p.preallocated.p50),
        ms(p.preallocated.p99),
        ms(p.preallocated.max)
    );
    println!(
        "fdatasync, growing file:      p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        ms(p.appending.p50),
        ms(p.appending.p99),
        ms(p.appending.max)
    );
    Ok(())
}
