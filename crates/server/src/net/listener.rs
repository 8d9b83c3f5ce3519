//! The client port: accepts connections, enforces `maxClientCnxns` per IP, and stops on
//! shutdown. Counterpart of `NIOServerCnxnFactory`'s accept thread (mini-redis `server.rs`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::net::connection::{self, ConnSettings};
use crate::runtime::CoreMsg;

/// Per-IP connection counts (`NIOServerCnxnFactory.ipMap`).
#[derive(Debug, Default)]
struct IpCounts(Mutex<HashMap<IpAddr, usize>>);

impl IpCounts {
    fn try_add(&self, ip: IpAddr, max: usize) -> bool {
        let mut m = self.0.lock().expect("ip count lock poisoned");
        let n = m.entry(ip).or_insert(0);
        if max > 0 && *n >= max {
            return false;
        }
        *n += 1;
        true
    }

    fn remove(&self, ip: IpAddr) {
        let mut m = self.0.lock().expect("ip count lock poisoned");
        if let Some(n) = m.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&ip);
            }
        }
    }
}

/// Accepts clients until `shutdown` flips to true.
pub async fn accept_loop(
    listener: TcpListener,
    core: mpsc::Sender<CoreMsg>,
    max_client_cnxns: usize,
    settings: ConnSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let counts = Arc::new(IpCounts::default());
    let mut next_conn = 1u64;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let (stream, addr) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: keep serving the others.
                warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let ip = addr.ip();
        if !counts.try_add(ip, max_client_cnxns) {
            warn!("Too many connections from {ip} - max is {max_client_cnxns}");
            drop(stream);
            continue;
        }
        let conn = next_conn;
        next_conn += 1;
        let (tx, rx) = mpsc::unbounded_channel();
        let addr = Some(addr);
        if core
            .send(CoreMsg::Register { conn, tx, addr })
            .await
            .is_err()
        {
            break;
        }
        let core = core.clone();
        let counts = counts.clone();
        tokio::spawn(async move {
            connection::serve(stream, conn, core, rx, settings).await;
            counts.remove(ip);
        });
    }
    info!("client port listener stopped");
}
