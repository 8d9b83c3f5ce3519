//! The `Record` trait and Jute's primitive encodings. Counterpart of
//! `org.apache.jute.BinaryInputArchive` / `BinaryOutputArchive`.
//!
//! Jute rules: integers are big-endian; `boolean` is one byte (0 or 1; any non-zero byte reads
//! as true, as `DataInputStream.readBoolean` does); `ustring` and `buffer` are an `i32` length
//! followed by the bytes, with length -1 meaning null; `vector<T>` is an `i32` count (-1 = null)
//! followed by the elements.

use bytes::{Buf, BufMut, Bytes};

use crate::DecodeError;

/// A Jute record: something with a byte-exact wire form.
pub trait Record: Sized {
    /// Appends the wire form of `self` to `buf`.
    fn encode<B: BufMut>(&self, buf: &mut B);

    /// Reads one record from the front of `buf`.
    ///
    /// # Errors
    /// A [`DecodeError`] when the bytes are not a valid record; `buf` is then left at an
    /// unspecified position and should be discarded.
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError>;

    /// The number of bytes `encode` writes.
    fn encoded_len(&self) -> usize;

    /// Encodes into a fresh `Vec`.
    fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        v
    }

    /// Decodes a record that must fill `bytes` exactly.
    ///
    /// # Errors
    /// As [`Record::decode`], plus [`DecodeError::TrailingBytes`] when bytes are left over.
    fn decode_exact(mut bytes: Bytes) -> Result<Self, DecodeError> {
        let r = Self::decode(&mut bytes)?;
        if bytes.has_remaining() {
            return Err(DecodeError::TrailingBytes(bytes.remaining()));
        }
        Ok(r)
    }
}

#[inline]
pub(crate) fn need<B: Buf>(buf: &B, needed: usize) -> Result<(), DecodeError> {
    if buf.remaining() < needed {
        Err(DecodeError::UnexpectedEnd {
            needed,
            remaining: buf.remaining(),
        })
    } else {
        Ok(())
    }
}

/// Reads a length prefix: `Ok(None)` for -1 (null), an error when negative otherwise or longer
/// than the input left (which also bounds allocations by the frame size).
#[inline]
pub(crate) fn read_len<B: Buf>(
    buf: &mut B,
    min_elem_size: usize,
) -> Result<Option<usize>, DecodeError> {
    let len = i32::decode(buf)?;
    if len == -1 {
        return Ok(None);
    }
    if len < 0 {
        return Err(DecodeError::BadLength(len));
    }
    let n = len as usize;
    if n.saturating_mul(min_elem_size) > buf.remaining() {
        return Err(DecodeError::BadLength(len));
    }
    Ok(Some(n))
}

impl Record for i32 {
    #[inline]
    fn encode<B: BufMut>(&self, buf: &mut B) {
        buf.put_i32(*self);
    }
    #[inline]
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        need(buf, 4)?;
        Ok(buf.get_i32())
    }
    fn encoded_len(&self) -> usize {
        4
    }
}

impl Record for i64 {
    #[inline]
    fn encode<B: BufMut>(&self, buf: &mut B) {
        buf.put_i64(*self);
    }
    #[inline]
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        need(buf, 8)?;
        Ok(buf.get_i64())
    }
    fn encoded_len(&self) -> usize {
        8
    }
}

impl Record for bool {
    #[inline]
    fn encode<B: BufMut>(&self, buf: &mut B) {
        buf.put_u8(u8::from(*self));
    }
    #[inline]
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        need(buf, 1)?;
        Ok(buf.get_u8() != 0)
    }
    fn encoded_len(&self) -> usize {
        1
    }
}

/// Writes `s` as a Jute `ustring` (the encoding of `impl Record for String`), from a
/// borrowed string.
pub fn encode_ustring<B: BufMut>(s: &str, buf: &mut B) {
    buf.put_i32(java_utf8_len(s) as i32);
    if !has_supplementary(s) {
        buf.put_slice(s.as_bytes());
        return;
    }
    let mut tmp = [0u16; 2];
    for c in s.chars() {
        if (c as u32) < 0x10000 {
            let mut b = [0u8; 4];
            buf.put_slice(c.encode_utf8(&mut b).as_bytes());
        } else {
            for unit in c.encode_utf16(&mut tmp).iter() {
                let u = u32::from(*unit);
                buf.put_slice(&[
                    0xE0 | (u >> 12) as u8,
                    0x80 | ((u >> 6) & 0x3F) as u8,
                    0x80 | (u & 0x3F) as u8,
                ]);
            }
        }
    }
}

/// `ustring`, as Jute writes it: each UTF-16 unit of the Java string on its own, so a character
/// above U+FFFF becomes two 3-byte surrogate encodings (CESU-8), not 4-byte UTF-8.
///
/// Null (-1) decodes as the empty string. Bytes that are not UTF-8 are repaired the way Java's
/// `new String(bytes, UTF_8)` does (one U+FFFD per malformed sequence, one per encoded
/// surrogate), so path validation then rejects them exactly as ZooKeeper would.
impl Record for String {
    fn encode<B: BufMut>(&self, buf: &mut B) {
        encode_ustring(self, buf);
    }
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        let Some(n) = read_len(buf, 1)? else {
            return Ok(String::new());
        };
        let mut v = vec![0u8; n];
        buf.copy_to_slice(&mut v);
        Ok(match String::from_utf8(v) {
            Ok(s) => s,
            Err(e) => java_lossy(e.as_bytes()),
        })
    }
    fn encoded_len(&self) -> usize {
        4 + java_utf8_len(self)
    }
}

/// Whether `s` has characters above U+FFFF (4-byte UTF-8 sequences).
#[inline]
fn has_supplementary(s: &str) -> bool {
    s.bytes().any(|b| b >= 0xF0)
}

/// Length of `s` in Java's per-UTF-16-unit encoding: 2 more bytes per supplementary character.
#[inline]
fn java_utf8_len(s: &str) -> usize {
    s.len() + 2 * s.bytes().filter(|&b| b >= 0xF0).count()
}

/// `new String(bytes, UTF_8)` for bytes that are not valid UTF-8. Rust's lossy conversion
/// agrees with Java's decoder except for encoded surrogates (`ED A0..BF`): Java replaces the
/// whole 3-byte sequence (or the 2 bytes, when the third is missing or no continuation byte)
/// with one U+FFFD, where Rust replaces each byte.
fn java_lossy(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 8);
    let mut i = 0;
    while i < b.len() {
        let next = b[i..]
            .windows(2)
            .position(|w| w[0] == 0xED && (0xA0..=0xBF).contains(&w[1]));
        match next {
            None => {
                out.push_str(&String::from_utf8_lossy(&b[i..]));
                break;
            }
            Some(j) => {
                out.push_str(&String::from_utf8_lossy(&b[i..i + j]));
                let k = i + j;
                let n = if k + 2 < b.len() && b[k + 2] & 0xC0 == 0x80 {
                    3
                } else {
                    2
                };
                out.push('\u{FFFD}');
                i = k + n;
            }
        }
    }
    out
}

/// `buffer`: `None` is Jute's null (-1), distinct from an empty buffer. Decoding from a `Bytes`
/// input shares the input's memory instead of copying.
/// Writes a Jute `buffer` (`None` is null, length -1) from a borrowed slice: the encoding
/// of `impl Record for Option<Bytes>`.
pub fn encode_buffer<B: BufMut>(data: Option<&[u8]>, buf: &mut B) {
    match data {
        None => buf.put_i32(-1),
        Some(b) => {
            buf.put_i32(b.len() as i32);
            buf.put_slice(b);
        }
    }
}

impl Record for Option<Bytes> {
    fn encode<B: BufMut>(&self, buf: &mut B) {
        encode_buffer(self.as_deref(), buf);
    }
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        Ok(read_len(buf, 1)?.map(|n| buf.copy_to_bytes(n)))
    }
    fn encoded_len(&self) -> usize {
        4 + self.as_ref().map_or(0, Bytes::len)
    }
}

/// `vector<T>`. Null (-1) decodes as empty; an empty vector encodes with count 0.
impl<T: Record> Record for Vec<T> {
    fn encode<B: BufMut>(&self, buf: &mut B) {
        buf.put_i32(self.len() as i32);
        for x in self {
            x.encode(buf);
        }
    }
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        Ok(decode_vector(buf)?.unwrap_or_default())
    }
    fn encoded_len(&self) -> usize {
        4 + self.iter().map(Record::encoded_len).sum::<usize>()
    }
}

/// Reads a `vector<T>`: `None` for null (-1).
fn decode_vector<T: Record, B: Buf>(buf: &mut B) -> Result<Option<Vec<T>>, DecodeError> {
    // Every Jute element is at least one byte, so a count larger than the bytes left is
    // garbage: reject it before allocating.
    let Some(n) = read_len(buf, 1)? else {
        return Ok(None);
    };
    let mut v = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        v.push(T::decode(buf)?);
    }
    Ok(Some(v))
}

/// A `vector<T>` whose null (-1) matters: `None` encodes as -1 (ZooKeeper writes a null
/// `authinfo` in most quorum packets).
impl<T: Record> Record for Option<Vec<T>> {
    fn encode<B: BufMut>(&self, buf: &mut B) {
        match self {
            None => buf.put_i32(-1),
            Some(v) => v.encode(buf),
        }
    }
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        decode_vector(buf)
    }
    fn encoded_len(&self) -> usize {
        self.as_ref().map_or(4, Record::encoded_len)
    }
}

/// Declares a Jute record: a struct with public fields and a `Record` impl that encodes the
/// fields in declaration order, exactly as zookeeper.jute lists them.
macro_rules! jute_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty ),*
        }

        impl $crate::Record for $name {
            #[inline]
            #[allow(unused_variables)]
            fn encode<B: bytes::BufMut>(&self, buf: &mut B) {
                $( $crate::Record::encode(&self.$field, buf); )*
            }
            #[inline]
            #[allow(unused_variables)]
            fn decode<B: bytes::Buf>(buf: &mut B) -> Result<Self, $crate::DecodeError> {
                Ok(Self { $( $field: <$ty as $crate::Record>::decode(buf)? ),* })
            }
            #[inline]
            fn encoded_len(&self) -> usize {
                0 $( + $crate::Record::encoded_len(&self.$field) )*
            }
        }
    };
}
pub(crate) use jute_record;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_buffer_is_distinct_from_empty() {
        let null: Option<Bytes> = None;
        let empty = Some(Bytes::new());
        assert_eq!(null.to_vec(), vec![0xff, 0xff, 0xff, 0xff]);
        assert_eq!(empty.to_vec(), vec![0, 0, 0, 0]);
        assert_eq!(
            Option::<Bytes>::decode_exact(Bytes::from(null.to_vec())),
            Ok(None)
        );
        assert_eq!(
            Option::<Bytes>::decode_exact(Bytes::from(empty.to_vec())),
            Ok(empty)
        );
    }

    #[test]
    fn oversized_length_is_rejected_without_allocating() {
        let bytes = Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 1, 2]);
        assert_eq!(
            Option::<Bytes>::decode_exact(bytes.clone()),
            Err(DecodeError::BadLength(i32::MAX))
        );
        assert_eq!(
            Vec::<i64>::decode_exact(bytes),
            Err(DecodeError::BadLength(i32::MAX))
        );
    }

    #[test]
    fn negative_length_other_than_null_is_rejected() {
        let bytes = Bytes::from_static(&[0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(String::decode_exact(bytes), Err(DecodeError::BadLength(-2)));
    }

    #[test]
    fn invalid_utf8_is_replaced_like_java() {
        let bytes = Bytes::from_static(&[0, 0, 0, 2, b'/', 0xff]);
        assert_eq!(String::decode_exact(bytes).unwrap(), "/\u{fffd}");
    }

    #[test]
    fn truncated_int_reports_needed_bytes() {
        let bytes = Bytes::from_static(&[0, 0]);
        assert_eq!(
            i32::decode_exact(bytes),
            Err(DecodeError::UnexpectedEnd {
                needed: 4,
                remaining: 2
            })
        );
    }
}
