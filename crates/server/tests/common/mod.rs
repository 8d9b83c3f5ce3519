//! Shared test support: a zkrs server on 127.0.0.1:0 and a minimal raw Jute client that
//! speaks the wire protocol byte by byte (no client library), so tests see exactly what a
//! client would.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use jute_codec::records::*;
use jute_codec::request::Request;
use jute_codec::{OpCode, Record};
use server::core::CoreConfig;
use server::net::four_letter::Whitelist;
use server::runtime::{serve, ServeConfig, ServerInfo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Every wait in these tests is bounded by this.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A running server; stops when dropped.
pub struct TestServer {
    pub addr: std::net::SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut ServeConfig)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut cfg = ServeConfig {
            core: CoreConfig {
                container_check_interval_ms: 100,
                ..CoreConfig::default()
            },
            max_client_cnxns: 60,
            max_buffer: 0xfffff,
            four_letter: Whitelist::all(),
            server_info: ServerInfo {
                client_addr: Some(addr),
                ..ServerInfo::default()
            },
            persist: None,
        };
        f(&mut cfg);
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, cfg, rx));
        Self {
            addr,
            stop,
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            tokio::time::timeout(DEADLINE, t)
                .await
                .expect("server stops")
                .expect("join");
        }
    }

    pub async fn four_letter(&self, word: &str) -> String {
        let mut s = TcpStream::connect(self.addr).await.expect("connect");
        s.write_all(word.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        tokio::time::timeout(DEADLINE, s.read_to_end(&mut out))
            .await
            .expect("4lw answer")
            .expect("read");
        String::from_utf8(out).expect("utf8")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A reply: header plus raw body.
#[derive(Debug)]
pub struct Reply {
    pub hdr: ReplyHeader,
    pub body: Bytes,
}

/// A raw client connection.
pub struct RawClient {
    pub stream: TcpStream,
    buf: BytesMut,
    pub session_id: i64,
    pub passwd: Bytes,
    pub timeout: i32,
    next_xid: i32,
    /// Notifications received while waiting for replies.
    pub events: Vec<WatcherEvent>,
}

impl RawClient {
    pub async fn connect(addr: std::net::SocketAddr) -> Self {
        Self::connect_with(
            addr,
            ConnectRequest {
                protocol_version: 0,
                last_zxid_seen: 0,
                time_out: 30000,
                session_id: 0,
                passwd: Some(Bytes::from_static(&[0; 16])),
                read_only: Some(false),
            },
        )
        .await
        .expect("session established")
    }

    /// Wraps a stream on which the caller does the handshake by hand.
    pub fn from_stream(stream: TcpStream) -> Self {
        RawClient {
            stream,
            buf: BytesMut::new(),
            session_id: 0,
            passwd: Bytes::new(),
            timeout: 0,
            next_xid: 1,
            events: Vec::new(),
        }
    }

    /// Handshake; `None` when the server refused (timeout 0) or closed.
    pub async fn connect_with(addr: std::net::SocketAddr, req: ConnectRequest) -> Option<Self> {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut c = RawClient::from_stream(stream);
        c.send_frame(&req.to_vec()).await;
        let frame = c.read_frame().await?;
        let rsp = ConnectResponse::decode(&mut frame.clone()).expect("connect response");
        if rsp.time_out <= 0 {
            return None;
        }
        c.session_id = rsp.session_id;
        c.passwd = rsp.passwd.unwrap_or_default();
        c.timeout = rsp.time_out;
        Some(c)
    }

    pub async fn send_frame(&mut self, payload: &[u8]) {
        let mut b = BytesMut::with_capacity(4 + payload.len());
        b.put_i32(payload.len() as i32);
        b.put_slice(payload);
        self.stream.write_all(&b).await.expect("write");
    }

    /// Reads one frame; `None` on EOF.
    pub async fn read_frame(&mut self) -> Option<Bytes> {
        loop {
            if self.buf.len() >= 4 {
                let len = (&self.buf[..4]).get_i32() as usize;
                if self.buf.len() >= 4 + len {
                    self.buf.advance(4);
                    return Some(self.buf.split_to(len).freeze());
                }
            }
            let n = tokio::time::timeout(DEADLINE, self.stream.read_buf(&mut self.buf))
                .await
                .expect("server answers within the deadline")
                .ok()?;
            if n == 0 {
                return None;
            }
        }
    }

    /// The xid the next [`RawClient::send`] will use.
    pub fn peek_next_xid(&self) -> i32 {
        self.next_xid
    }

    /// Sends a request with the next xid; returns the xid.
    pub async fn send(&mut self, req: &Request) -> i32 {
        let xid = self.next_xid;
        self.next_xid += 1;
        self.send_with_xid(xid, req.op_code().as_i32(), req).await;
        xid
    }

    pub async fn send_with_xid(&mut self, xid: i32, op: i32, req: &Request) {
        let mut b = BytesMut::new();
        RequestHeader { xid, r#type: op }.encode(&mut b);
        req.encode(&mut b);
        self.send_frame(&b).await;
    }

    /// Reads frames until the reply for `xid`, collecting notifications on the way.
    pub async fn reply_for(&mut self, xid: i32) -> Option<Reply> {
        loop {
            let mut f = self.read_frame().await?;
            let hdr = ReplyHeader::decode(&mut f).expect("reply header");
            if hdr.xid == -1 {
                self.events
                    .push(WatcherEvent::decode(&mut f).expect("event"));
                continue;
            }
            assert_eq!(hdr.xid, xid, "replies arrive in request order");
            return Some(Reply { hdr, body: f });
        }
    }

    /// Sends and waits for the reply.
    pub async fn call(&mut self, req: Request) -> Reply {
        let xid = self.send(&req).await;
        self.reply_for(xid).await.expect("reply before close")
    }

    /// Waits for the next notification.
    pub async fn next_event(&mut self) -> WatcherEvent {
        if !self.events.is_empty() {
            return self.events.remove(0);
        }
        let mut f = self.read_frame().await.expect("event before close");
        let hdr = ReplyHeader::decode(&mut f).expect("header");
        assert_eq!(hdr.xid, -1, "expected a notification");
        WatcherEvent::decode(&mut f).expect("event")
    }

    pub async fn create(&mut self, path: &str, data: &[u8], flags: i32) -> Reply {
        self.call(Request::Create(CreateRequest {
            path: path.into(),
            data: Some(Bytes::copy_from_slice(data)),
            acl: open_acl(),
            flags,
        }))
        .await
    }

    pub async fn get_data(&mut self, path: &str, watch: bool) -> Reply {
        self.call(Request::GetData(GetDataRequest {
            path: path.into(),
            watch,
        }))
        .await
    }

    pub async fn set_data(&mut self, path: &str, data: &[u8], version: i32) -> Reply {
        self.call(Request::SetData(SetDataRequest {
            path: path.into(),
            data: Some(Bytes::copy_from_slice(data)),
            version,
        }))
        .await
    }

    pub async fn delete(&mut self, path: &str, version: i32) -> Reply {
        self.call(Request::Delete(DeleteRequest {
            path: path.into(),
            version,
        }))
        .await
    }

    pub async fn exists(&mut self, path: &str, watch: bool) -> Reply {
        self.call(Request::Exists(ExistsRequest {
            path: path.into(),
            watch,
        }))
        .await
    }

    pub async fn close(&mut self) -> Reply {
        self.call(Request::CloseSession).await
    }
}

pub fn open_acl() -> Vec<Acl> {
    vec![Acl {
        perms: 31,
        id: Id {
            scheme: "world".into(),
            id: "anyone".into(),
        },
    }]
}

pub fn stat_of(body: &Bytes) -> Stat {
    Stat::decode(&mut body.clone()).expect("stat")
}

pub fn op(o: OpCode) -> i32 {
    o.as_i32()
}
