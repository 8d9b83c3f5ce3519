//! Decoding errors. Counterpart of the `IOException`s thrown by Jute's `BinaryInputArchive`.
//!
//! A `DecodeError` is a small `Copy` value (quinn's `UnexpectedEnd` style): the caller closes the
//! one connection (or rejects the one file) that sent the bad bytes and carries on.

/// Why a byte sequence is not a valid Jute record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before the record did.
    #[error("unexpected end of input: needed {needed} more bytes, {remaining} remaining")]
    UnexpectedEnd {
        /// Bytes the next field needs.
        needed: usize,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// A length prefix is negative (other than -1, the null marker) or larger than what is left.
    #[error("bad length {0}")]
    BadLength(i32),
    /// A frame or buffer is longer than `jute.maxbuffer`.
    #[error("length {len} exceeds jute.maxbuffer {max}")]
    TooLarge {
        /// The length that was announced.
        len: i64,
        /// The configured limit.
        max: usize,
    },
    /// An opcode that ZooKeeper does not define.
    #[error("unknown opcode {0}")]
    UnknownOpCode(i32),
    /// A record was followed by bytes that belong to nothing.
    #[error("{0} trailing bytes after record")]
    TrailingBytes(usize),
    /// A multi request or response contained an op that may not appear there.
    #[error("invalid op type {0} inside multi")]
    InvalidMultiOp(i32),
}
