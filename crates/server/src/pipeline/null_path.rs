//! Requests with a null path (a `ustring` of length -1 where the record has its path): what
//! ZooKeeper 3.8.0 answers, opcode by opcode. Java reads such a path as `null`, and most of
//! what follows is where the servers' code first dereferences it: the `catch (Exception e)`
//! of `PrepRequestProcessor.pRequest` (an ErrorTxn of MARSHALLINGERROR, or none when the
//! header was not set yet) and of `FinalRequestProcessor.processRequest` (MARSHALLINGERROR
//! with whatever response was built so far). Checked against the Debian 3.8.0 server with
//! the differential tester (`compat-tests/diff/repros/K2-null-path.json`).

use jute_codec::request::{NullPath, Request};
use jute_codec::ErrorCode;

use crate::pipeline::prep;

/// How a request with a null path is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// As if the path were `""`, which ZooKeeper answers the same way: setData and setACL
    /// (`validatePath` turns the IllegalArgumentException into BADARGUMENTS), getEphemerals
    /// (a null prefix lists everything), check outside a multi (never answered by 3.8.0), and
    /// a multi whose ops mix reads and writes (which fails to decode before any path is
    /// looked at).
    AsEmpty,
    /// create, create2, createContainer, createTTL, delete: `pRequest2Txn` set the header
    /// before the path's `lastIndexOf`, so an ErrorTxn(MARSHALLINGERROR) takes a zxid. A
    /// create whose flags or TTL are refused first is [`Handling::AsEmpty`] (Prep refuses
    /// them before it looks at the path, as ZooKeeper does).
    ErrorTxn,
    /// Answered in the session's order with [`crate::pipeline::apply::read_with_null_path`],
    /// no txn; addWatch and removeWatches by the connection's [`NullWatches`]. `burns_zxid`:
    /// a multi took `getNextZxid()` before `getPendingChanges` failed, so the next txn's zxid
    /// skips one.
    Reply {
        /// Whether a zxid is used up.
        burns_zxid: bool,
    },
}

/// How `req`, whose path at `at` is null, is handled.
pub fn handling(req: &Request, at: NullPath, extended_types_enabled: bool) -> Handling {
    match (req, at) {
        (
            Request::Create(_)
            | Request::Create2(_)
            | Request::CreateContainer(_)
            | Request::CreateTtl(_),
            NullPath::Request,
        ) if prep::create_mode_is_valid(req, extended_types_enabled) => Handling::ErrorTxn,
        (Request::Delete(_), NullPath::Request) => Handling::ErrorTxn,
        (
            Request::Exists(_)
            | Request::GetData(_)
            | Request::GetChildren(_)
            | Request::GetChildren2(_)
            | Request::GetAcl(_)
            | Request::GetAllChildrenNumber(_)
            | Request::CheckWatches(_)
            | Request::AddWatch(_)
            | Request::RemoveWatches(_)
            | Request::Sync(_),
            NullPath::Request,
        ) => Handling::Reply { burns_zxid: false },
        (Request::Multi(ops), NullPath::MultiOp(_)) if !mixed(ops) => {
            Handling::Reply { burns_zxid: true }
        }
        (Request::MultiRead(ops), NullPath::MultiOp(_)) if !mixed(ops) => {
            Handling::Reply { burns_zxid: false }
        }
        _ => Handling::AsEmpty,
    }
}

/// Whether a multi mixes read and write ops (`MultiOperationRecord` refuses to decode it).
fn mixed(ops: &[jute_codec::request::MultiOp]) -> bool {
    let reads = ops.iter().filter(|op| op.is_read()).count();
    reads != 0 && reads != ops.len()
}

/// The watches one connection added with a null path, as ZooKeeper 3.8.0 keeps them: under a
/// `null` key in its data `WatchManager` (both modes) and its child one (PERSISTENT only;
/// `DataTree.addWatch`). They never fire (no event has a null path), so zkrs does not
/// register them; it only remembers where ZooKeeper would trip over them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NullWatches {
    /// In the data watch manager.
    pub data: bool,
    /// In the child watch manager.
    pub child: bool,
}

impl NullWatches {
    /// Whether closing the connection throws in ZooKeeper: `DataTree.removeCnxn` removes the
    /// connection's watches from each manager, and `WatcherModeManager.Key.equals` throws on
    /// the null key. The connection has left the factory by then, but its socket stays open.
    pub fn close_fails(self) -> bool {
        self.data || self.child
    }

    /// addWatch(null, mode): the reply's error code (0, or MARSHALLINGERROR for a mode
    /// `WatcherMode.fromZooKeeperMode` refuses).
    pub fn add(&mut self, mode: i32) -> ErrorCode {
        match mode {
            0 => {
                self.data = true;
                self.child = true;
            }
            1 => self.data = true,
            _ => return ErrorCode::MarshallingError,
        }
        ErrorCode::Ok
    }

    /// removeWatches(null, type) for types 1 (children), 2 (data), 3 (any): `None` for other
    /// types (answered as for `""`). `WatchManager.removeWatcher(path, watcher)` unlinks the
    /// null key and then throws in `WatcherModeManager` (MARSHALLINGERROR); a manager without
    /// it answers false (NOWATCHER). Any tries the child manager first.
    pub fn remove(&mut self, r#type: i32) -> Option<ErrorCode> {
        let (child, data) = match r#type {
            1 => (true, false),
            2 => (false, true),
            3 => (true, true),
            _ => return None,
        };
        Some(if child && self.child {
            self.child = false;
            ErrorCode::MarshallingError
        } else if data && self.data {
            self.data = false;
            ErrorCode::MarshallingError
        } else {
            ErrorCode::NoWatcher
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_watches_follow_zookeepers_two_watch_managers() {
        // PERSISTENT: in both managers; removing children first, then data.
        let mut w = NullWatches::default();
        assert_eq!(w.add(0), ErrorCode::Ok);
        assert_eq!(w.remove(3), Some(ErrorCode::MarshallingError));
        assert_eq!(
            w,
            NullWatches {
                data: true,
                child: false
            }
        );
        assert!(w.close_fails());
        assert_eq!(w.remove(1), Some(ErrorCode::NoWatcher));
        assert_eq!(w.remove(3), Some(ErrorCode::MarshallingError));
        assert!(!w.close_fails());
        assert_eq!(w.remove(3), Some(ErrorCode::NoWatcher));
        // PERSISTENT_RECURSIVE: the data manager only; bad modes and types.
        assert_eq!(w.add(1), ErrorCode::Ok);
        assert_eq!(w.remove(1), Some(ErrorCode::NoWatcher));
        assert_eq!(w.remove(2), Some(ErrorCode::MarshallingError));
        assert_eq!(w.add(7), ErrorCode::MarshallingError);
        assert_eq!(w.remove(6), None);
        assert!(!w.close_fails());
    }
}
