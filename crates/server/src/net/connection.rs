//! One client connection: four-letter-word detection, the handshake frame, request framing,
//! and writing what the core sends back. Counterpart of `NIOServerCnxn` (`doIO`, `readLength`,
//! `readConnectRequest`, `readRequest`).
//!
//! The task only moves bytes: it decodes frames into typed requests (in parallel with other
//! connections, off the core) and writes the frames the core produced, batching writes.

use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};
use jute_codec::frame::try_split_frame;
use jute_codec::records::{ConnectRequest, RequestHeader};
use jute_codec::request::{find_null_path, Request};
use jute_codec::{OpCode, Record};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
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
    let (mut rd, mut wr) = stream.into_split();
    // Small to start: thousands of idle sessions must stay cheap. The read buffer grows with
    // the frames it meets; writes need no buffer of their own (see `write_batch`).
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

/// Frames gathered into one vectored write at most (the kernel's `IOV_MAX` is 1024).
const MAX_WRITE_FRAMES: usize = 64;

/// Writes `first` and everything else already queued, gathering the frames into vectored
/// writes: no copy, and no write buffer kept per connection.
/// Returns `Err` when the core asked to close, or the socket failed.
async fn write_batch<W: AsyncWrite + Unpin>(
    wr: &mut W,
    rx: &mut mpsc::UnboundedReceiver<ConnMsg>,
    first: ConnMsg,
) -> Result<(), ()> {
    let mut frames: Vec<Bytes> = Vec::new();
    let mut next = Some(first);
    loop {
        let mut close = false;
        while let Some(m) = next.take() {
            match m {
                ConnMsg::Data(b) => frames.push(b),
                ConnMsg::Close => {
                    close = true;
                    break;
                }
            }
            if frames.len() == MAX_WRITE_FRAMES {
                break;
            }
            next = rx.try_recv().ok();
        }
        write_all_frames(wr, &mut frames).await.map_err(drop)?;
        if close {
            return Err(());
        }
        match rx.try_recv() {
            Ok(m) => next = Some(m),
            Err(_) => return Ok(()),
        }
    }
}

/// Writes every frame, in order, with as few `writev` calls as the socket allows; leaves
/// `frames` empty.
async fn write_all_frames<W: AsyncWrite + Unpin>(
    wr: &mut W,
    frames: &mut Vec<Bytes>,
) -> std::io::Result<()> {
    let mut first = 0;
    loop {
        while first < frames.len() && frames[first].is_empty() {
            first += 1;
        }
        if first == frames.len() {
            break;
        }
        let slices: Vec<IoSlice<'_>> = frames[first..].iter().map(|b| IoSlice::new(b)).collect();
        let mut n = wr.write_vectored(&slices).await?;
        drop(slices);
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while first < frames.len() && n >= frames[first].len() {
            n -= frames[first].len();
            first += 1;
        }
        if n > 0 {
            frames[first].advance(n);
        }
    }
    frames.clear();
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Frames of many sizes (empty ones too) through a pipe that takes 7 bytes at a time:
    /// every partial `writev` resumes mid-frame and the bytes arrive whole and in order.
    #[tokio::test]
    async fn write_batch_survives_partial_writes_and_keeps_order() {
        let (mut wr, mut rd) = tokio::io::duplex(7);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut expected = Vec::new();
        for i in 0..200u32 {
            let frame: Vec<u8> = (0..(i * 37 % 300)).map(|j| (i + j) as u8).collect();
            expected.extend_from_slice(&frame);
            tx.send(ConnMsg::Data(Bytes::from(frame))).unwrap();
        }
        tx.send(ConnMsg::Close).unwrap();
        tx.send(ConnMsg::Data(Bytes::from_static(b"after close")))
            .unwrap();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            rd.read_to_end(&mut got).await.unwrap();
            got
        });
        let first = rx.recv().await.unwrap();
        assert_eq!(write_batch(&mut wr, &mut rx, first).await, Err(()));
        drop(wr);
        let got = tokio::time::timeout(std::time::Duration::from_secs(10), reader)
            .await
            .expect("reader finishes")
            .unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "bytes differ");
    }

    /// Without a Close, a batch writes what is queued and returns Ok.
    #[tokio::test]
    async fn write_batch_returns_ok_when_the_queue_is_empty() {
        let mut out: Vec<u8> = Vec::new();
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(ConnMsg::Data(Bytes::from_static(b"bc"))).unwrap();
        let first = ConnMsg::Data(Bytes::from_static(b"a"));
        assert_eq!(write_batch(&mut out, &mut rx, first).await, Ok(()));
        assert_eq!(out, b"abc");
    }
}
