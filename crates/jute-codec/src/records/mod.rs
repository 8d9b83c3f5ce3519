//! Every record of `zookeeper.jute`, one submodule per Jute module, in the file's order.

pub mod data;
pub mod persistence;
pub mod proto;
pub mod quorum;
pub mod txn;

pub use data::*;
pub use persistence::*;
pub use proto::*;
pub use quorum::*;
pub use txn::*;
