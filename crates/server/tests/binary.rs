//! The `zkrs` binary as operators and test harnesses run it: a zoo.cfg path, `-D` system
//! properties or `SERVER_JVMFLAGS`, a clear error for a bad config, and a prompt, clean exit
//! on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use jute_codec::records::CreateTtlRequest;
use jute_codec::request::Request;

struct Running {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_cfg(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let cfg = dir.join("zoo.cfg");
    let text = format!(
        "tickTime=2000\ndataDir={}\nclientPort=0\nclientPortAddress=127.0.0.1\n{extra}\n",
        dir.join("data").display()
    );
    std::fs::write(&cfg, text).expect("write zoo.cfg");
    cfg
}

/// Starts the binary and waits (bounded) for its "binding to port" log line.
fn start(args: &[&str], env: &[(&str, &str)], dir: tempfile::TempDir) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkrs"));
    cmd.args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn zkrs");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("binding to port ").nth(1) {
                let port = rest
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.trim().parse::<u16>().ok());
                let _ = tx.send(port);
            }
        }
    });
    let port = rx
        .recv_timeout(DEADLINE)
        .expect("zkrs logs its port")
        .expect("a port number");
    Running {
        child,
        port,
        _dir: dir,
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s;
        }
        assert!(Instant::now() < deadline, "zkrs did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn create_ttl(port: u16) -> i32 {
    let mut c = RawClient::connect(([127, 0, 0, 1], port).into()).await;
    c.call(Request::CreateTtl(CreateTtlRequest {
        path: "/t".into(),
        data: None,
        acl: open_acl(),
        flags: 5,
        ttl: 60_000,
    }))
    .await
    .hdr
    .err
}

#[tokio::test]
async fn dash_d_properties_before_the_config_path_take_effect_and_sigterm_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), "");
    let cfg = cfg.to_str().unwrap().to_owned();
    let mut srv = start(&["-Dzookeeper.extendedTypesEnabled=true", &cfg], &[], dir);
    assert_eq!(create_ttl(srv.port).await, 0, "TTL nodes enabled by -D");
    sigterm(&srv.child);
    assert!(wait_exit(&mut srv.child).success(), "clean exit on SIGTERM");
}

#[tokio::test]
async fn server_jvmflags_carry_system_properties_too() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), "");
    let cfg = cfg.to_str().unwrap().to_owned();
    let srv = start(
        &[&cfg],
        &[(
            "SERVER_JVMFLAGS",
            "-Xmx512m -Dzookeeper.extendedTypesEnabled=true",
        )],
        dir,
    );
    assert_eq!(create_ttl(srv.port).await, 0);
}

#[tokio::test]
async fn unknown_zoo_cfg_keys_become_zookeeper_system_properties() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), "extendedTypesEnabled=true");
    let cfg = cfg.to_str().unwrap().to_owned();
    let srv = start(&[&cfg], &[], dir);
    assert_eq!(
        create_ttl(srv.port).await,
        0,
        "extendedTypesEnabled in zoo.cfg enables TTL"
    );
}

#[tokio::test]
async fn without_extended_types_ttl_is_unimplemented() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), "");
    let cfg = cfg.to_str().unwrap().to_owned();
    let srv = start(&[&cfg], &[], dir);
    assert_eq!(
        create_ttl(srv.port).await,
        jute_codec::ErrorCode::Unimplemented.as_i32()
    );
}

#[test]
fn a_malformed_config_is_a_clear_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), "tickTime=abc");
    let out = Command::new(env!("CARGO_BIN_EXE_zkrs"))
        .arg(&cfg)
        .output()
        .expect("run zkrs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "ZooKeeper exits 2 on a bad config"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tickTime"), "{err}");
}
