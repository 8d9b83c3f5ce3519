//! The request pipeline: Prep -> Log -> Commit -> Apply (see ARCHITECTURE.md).
//!
//! | zkrs | ZooKeeper |
//! |---|---|
//! | [`prep`] | `PrepRequestProcessor` |
//! | [`pending`] | `ZooKeeperServer.outstandingChanges` |
//! | [`apply`] | `FinalRequestProcessor` |

pub mod apply;
pub mod null_path;
pub mod pending;
pub mod prep;
