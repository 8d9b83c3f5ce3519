//! Length-prefixed framing: every client packet is an `i32` length followed by that many bytes.
//! Counterpart of `NIOServerCnxn.readLength` / `NettyServerCnxn`'s length decoding.

use bytes::{Buf, Bytes, BytesMut};

use crate::DecodeError;

/// ZooKeeper's default `jute.maxbuffer`: 0xfffff bytes.
pub const DEFAULT_MAX_BUFFER: usize = 0xfffff;

/// Splits one complete frame off the front of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed (an incomplete frame is no error). The frame's
/// bytes are split off without copying.
///
/// # Errors
/// [`DecodeError::BadLength`] for a negative length and [`DecodeError::TooLarge`] for a length
/// over `max_len`: ZooKeeper closes the connection in both cases ("Len error").
pub fn try_split_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<Bytes>, DecodeError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if len < 0 {
        return Err(DecodeError::BadLength(len));
    }
    let len = len as usize;
    if len > max_len {
        return Err(DecodeError::TooLarge {
            len: len as i64,
            max: max_len,
        });
    }
    if buf.len() < 4 + len {
        buf.reserve(4 + len - buf.len());
        return Ok(None);
    }
    buf.advance(4);
    Ok(Some(buf.split_to(len).freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_frames_wait_for_more_bytes() {
        let mut buf = BytesMut::from(&[0u8, 0, 0, 3, 1, 2][..]);
        assert_eq!(try_split_frame(&mut buf, 100), Ok(None));
        buf.extend_from_slice(&[3, 0, 0]);
        assert_eq!(
            try_split_frame(&mut buf, 100).unwrap().unwrap().as_ref(),
            &[1, 2, 3]
        );
        assert_eq!(buf.as_ref(), &[0, 0]);
        assert_eq!(try_split_frame(&mut buf, 100), Ok(None));
    }

    #[test]
    fn oversized_and_negative_lengths_are_errors() {
        let mut buf = BytesMut::from(&[0u8, 0x10, 0, 0][..]);
        assert_eq!(
            try_split_frame(&mut buf, DEFAULT_MAX_BUFFER),
            Err(DecodeError::TooLarge {
                len: 0x100000,
                max: DEFAULT_MAX_BUFFER
            })
        );
        let mut buf = BytesMut::from(&[0xffu8, 0xff, 0xff, 0xff][..]);
        assert_eq!(
            try_split_frame(&mut buf, 10),
            Err(DecodeError::BadLength(-1))
        );
    }
}
