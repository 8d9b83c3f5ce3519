//! Jute, ZooKeeper's record serialisation, and every record of `zookeeper.jute`.
//!
//! Counterpart of `org.apache.jute.BinaryInputArchive`/`BinaryOutputArchive` and the classes
//! generated from `zookeeper-jute/src/main/resources/zookeeper.jute`.
//!
//! # Rules
//! - Integers are big-endian (`int` = `i32`, `long` = `i64`); `boolean` is one byte.
//! - `ustring` and `buffer` are an `i32` length then the bytes; length -1 is null. Buffers are
//!   `Option<Bytes>` so null data stays distinct from empty data.
//! - `vector<T>` is an `i32` count (-1 = null) then the elements.
//! - Records encode their fields in the order the `.jute` file declares them.
//!
//! Decoding never panics: malformed input yields a [`DecodeError`]. Lengths are checked
//! against the bytes left before anything is allocated, and frames against `jute.maxbuffer`
//! ([`frame::try_split_frame`]).
//!
//! # Layout
//! - [`codec`]: the [`Record`] trait and primitive encodings.
//! - [`records`]: one submodule per Jute module (`data`, `proto`, `quorum`, `persistence`,
//!   `txn`).
//! - [`request`]: typed request bodies per [`OpCode`], multi requests and responses.
//! - [`txn_body`]: typed txn bodies and log entries.
//! - [`frame`]: 4-byte length framing.
//! - [`OpCode`], [`ErrorCode`]: `ZooDefs.OpCode` and `KeeperException.Code`.
#![warn(missing_docs)]

pub mod codec;
mod error;
mod error_code;
pub mod frame;
mod op_code;
pub mod records;
pub mod request;
pub mod txn_body;

pub use codec::Record;
pub use error::DecodeError;
pub use error_code::ErrorCode;
pub use op_code::OpCode;
