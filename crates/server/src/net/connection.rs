//! One client connection: four-letter-word detection, the handshake frame, request framing,
//! and writing what the core sends back. Counterpart of `NIOServerCnxn` (`doIO`, `readLength`,
//! `readConnectRequest`, `readRequest`).
//!
//! The task only moves bytes: it decodes frames into typed requests (in parallel with other
//! connections, off the core) and writes the frames the core produced, batching writes.

use bytes::{Buf, Bytes, BytesMut};
use jute_codec::frame::try_split_frame;
use jute_codec::records::{ConnectRequest, RequestHeader};
use jute_codec::request::{find_null_path, Request};
use jute_codec::{OpCode, Record};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tracing::{debug, info};

use crate::core::{ConnId, Input};
use crate::runtime::{ConnMsg, CoreMsg};

/// Settings every connection shares.
#[derive(Debug, Clone, Copy)]
pub struct ConnSettings {
    /// `jute.maxbuffer`: larger frames close the connection.
    pub max_buffer: usize,
}

/// Serves one accepted connection until either side closes it.
pub async fn serve(
    stream: TcpStream,
    conn: ConnId,
    core: mpsc::Sender<CoreMsg>,
    mut rx: mpsc::UnboundedReceiver<ConnMsg>,
    settings: ConnSettings,
) {
    let peer = stream
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let (mut rd, wr) = stream.into_split();
    // Small to start: thousands of idle sessions must stay cheap; the read buffer grows with
    // the frames it meets, and large replies bypass BufWriter's buffer.
    let mut wr = BufWriter::with_capacity(8 * 1024, wr);
    let mut buf = BytesMut::with_capacity(1024);
    let mut state = State::Start;

    loop {
        tokio::select! {
            r = rd.read_buf(&mut buf) => {
                match r {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        debug!("connection {conn}: read error: {e}");
                        break;
                    }
                }
                match process(&mut state, &mut buf, conn, &peer, &core, settings).await {
                    Ok(()) => {}
                    Err(why) => {
                        info!("Closing connection {conn} from {peer}: {why}");
                        break;
                    }
                }
            }
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                if write_batch(&mut wr, &mut rx, msg).await.is_err() {
                    break;
                }
                if state == State::Closing {
                    break;
                }
            }
        }
        if state == State::Closing {
            // Drain what the core still has for us (a refusal, a 4lw answer), then close.
            while let Some(msg) = rx.recv().await {
                if write_batch(&mut wr, &mut rx, msg).await.is_err() {
                    break;
                }
            }
            break;
        }
    }
    let _ = wr.flush().await;
    let _ = wr.shutdown().await;
    let _ = core
        .send(CoreMsg::Input(Input::Disconnected { conn }))
        .await;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing read yet: the first 4 bytes may be a four-letter word.
    Start,
    /// Waiting for the ConnectRequest frame.
    Handshake,
    /// Session requests.
    Requests,
    /// We asked the core for a final answer; stop reading.
    Closing,
}

/// Writes `first` and everything else already queued, then flushes once.
/// Returns `Err` when the core asked to close, or the socket failed.
async fn write_batch<W: tokio::io::AsyncWrite + Unpin>(
    wr: &mut BufWriter<W>,
    rx: &mut mpsc::UnboundedReceiver<ConnMsg>,
    first: ConnMsg,
) -> Result<(), ()> {
    let mut msg = Some(first);
    while let Some(m) = msg {
        match m {
            ConnMsg::Data(b) => wr.write_all(&b).await.map_err(drop)?,
            ConnMsg::Close => {
                let _ = wr.flush().await;
                return Err(());
            }
        }
        msg = rx.try_recv().ok();
    }
    wr.flush().await.map_err(drop)
}

async fn process(
    state: &mut State,
    buf: &mut BytesMut,
    conn: ConnId,
    peer: &str,
    core: &mpsc::Sender<CoreMsg>,
    settings: ConnSettings,
) -> Result<(), String> {
    loop {
        match *state {
            State::Start => {
                if buf.len() < 4 {
                    return Ok(());
                }
                let word = [buf[0], buf[1], buf[2], buf[3]];
                if let Some(cmd) = crate::net::four_letter::detect(&word) {
                    let mut arg = None;
                    if cmd == crate::net::four_letter::FourLetter::Stmk {
                        // ZK-COMPAT: NIOServerCnxn reads stmk's 8-byte big-endian mask next.
                        if buf.len() < 12 {
                            return Ok(());
                        }
                        arg = Some((&buf[4..12]).get_i64());
                    }
                    buf.clear();
                    *state = State::Closing;
                    let _ = core.send(CoreMsg::FourLetter { conn, cmd, arg }).await;
                    return Ok(());
                }
                *state = State::Handshake;
            }
            State::Handshake => {
                let Some(frame) = next_frame(buf, settings)? else {
                    return Ok(());
                };
                let req = ConnectRequest::decode(&mut frame.clone())
                    .map_err(|e| format!("bad connect request: {e}"))?;
                let input = Input::Connect {
                    conn,
                    req,
                    client_ip: peer.to_string(),
                };
                core.send(CoreMsg::Input(input))
                    .await
                    .map_err(|_| "server stopping")?;
                *state = State::Requests;
            }
            State::Requests => {
                let Some(mut frame) = next_frame(buf, settings)? else {
                    return Ok(());
                };
                let hdr = RequestHeader::decode(&mut frame)
                    .map_err(|e| format!("bad request header: {e}"))?;
                let (body, null_path) = match OpCode::try_from(hdr.r#type) {
                    Ok(op) => (
                        Request::decode(op, frame.clone()),
                        find_null_path(op, &frame),
                    ),
                    Err(e) => (Err(e), None),
                };
                let input = Input::Packet {
                    conn,
                    xid: hdr.xid,
                    op: hdr.r#type,
                    body,
                    null_path,
                };
                core.send(CoreMsg::Input(input))
                    .await
                    .map_err(|_| "server stopping")?;
            }
            State::Closing => return Ok(()),
        }
    }
}

fn next_frame(buf: &mut BytesMut, settings: ConnSettings) -> Result<Option<Bytes>, String> {
    match try_split_frame(buf, settings.max_buffer) {
        Ok(f) => Ok(f),
        Err(e) => {
            // ZK-COMPAT: NIOServerCnxn.readLength: "Len error" closes the connection.
            let len = if buf.remaining() >= 4 {
                (&buf[..4]).get_i32()
            } else {
                -1
            };
            Err(format!("Len error {len}: {e}"))
        }
    }
}
