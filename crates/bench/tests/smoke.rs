//! CI smoke point: a zkrs server in this process (`server::runtime::serve` on 127.0.0.1:0,
//! configured from a zoo.cfg as the binary would be) and short bounded workloads through the
//! independent client. Asserts that work was done without errors; never asserts on timing.

use std::time::Duration;

use bench::workload::{self, Kind, Spec};
use server::config::{Config, SystemProperties};
use server::runtime::{serve, ServeConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Every run below is bounded by its duration and request count; this bounds the whole test.
const DEADLINE: Duration = Duration::from_secs(60);

async fn start_server(
    dir: &std::path::Path,
) -> (String, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let cfg_path = dir.join("zoo.cfg");
    std::fs::write(
        &cfg_path,
        format!(
            "tickTime=2000\ndataDir={}\nclientPort={}\nmaxClientCnxns=0\n",
            dir.join("data").display(),
            addr.port()
        ),
    )
    .expect("write zoo.cfg");
    let cfg = Config::load(&cfg_path, &SystemProperties::new()).expect("config");
    let mut serve_cfg = ServeConfig::from_config(&cfg);
    serve_cfg.server_info.client_addr = Some(addr);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(serve(listener, serve_cfg, stopped));
    (addr.to_string(), stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_workloads_run_without_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (addr, stop, task) = start_server(dir.path()).await;
    let base = Spec {
        sessions: 2,
        inflight: 4,
        znodes: 200,
        children: 50,
        value_size: 64,
        duration: Duration::from_secs(1),
        warmup: Duration::ZERO,
        max_requests: Some(20_000),
        ..Spec::default()
    };
    let runs = [
        Spec {
            kind: Kind::Mixed,
            ..base.clone()
        },
        Spec {
            kind: Kind::Create,
            ..base.clone()
        },
        Spec {
            kind: Kind::Delete,
            ..base.clone()
        },
        Spec {
            kind: Kind::Children,
            max_requests: Some(200),
            ..base.clone()
        },
        Spec {
            kind: Kind::Multi,
            max_requests: Some(200),
            ..base.clone()
        },
        Spec {
            kind: Kind::Watch,
            max_requests: Some(20),
            ..base.clone()
        },
        Spec {
            kind: Kind::Churn,
            max_requests: Some(10),
            ..base.clone()
        },
        Spec {
            kind: Kind::Get,
            rate: Some(500.0),
            max_requests: Some(300),
            ..base.clone()
        },
    ];
    for spec in runs {
        let r = tokio::time::timeout(DEADLINE, workload::run(&addr, "zkrs", &spec))
            .await
            .expect("the run stops by itself")
            .expect("the run completes");
        println!("{}", r.table_row());
        assert_eq!(r.errors, 0, "{}: {:?}", spec.kind.name(), r.error_kinds);
        assert!(r.ops > 0, "{}: no operations", spec.kind.name());
        assert!(r.to_json()["throughput"].as_f64().unwrap_or(0.0) > 0.0);
    }
    let _ = stop.send(true);
    tokio::time::timeout(DEADLINE, task)
        .await
        .expect("server stops")
        .expect("server task");
}
