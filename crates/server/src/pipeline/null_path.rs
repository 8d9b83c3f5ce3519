//! Requests with a null path (a `ustring` of length -1 where the record has its path): what
//! ZooKeeper 3.8.0 answers, opcode by opcode. Java reads such a path as `null`, and most of
//! what follows is where the servers' code first dereferences it: the `catch (Exception e)`
//! of `PrepRequestProcessor.pRequest` (an ErrorTxn of MARSHALLINGERROR, or none when the
//! header was not set yet) and of `FinalRequestProcessor.processRequest` (MARSHALLINGERROR
//! with whatever response was built so far). Checked against the Debian 3.8.0 server with
//! the differential tester (`compat-tests/diff/repros/K2-null-path.json`).

use jute_codec::request::{NullPath, Request};

use crate::pipeline::prep;

/// How a request with a null path is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// As if the path were `""`, which ZooKeeper answers the same way: setData and setACL
    /// (`validatePath` turns the IllegalArgumentException into BADARGUMENTS), removeWatches
    /// (NOWATCHER), getEphemerals (a null
    /// prefix lists everything), check outside a multi (never answered by 3.8.0), and a multi
    /// whose ops mix reads and writes (which fails to decode before any path is looked at).
    AsEmpty,
    /// create, create2, createContainer, createTTL, delete: `pRequest2Txn` set the header
    /// before the path's `lastIndexOf`, so an ErrorTxn(MARSHALLINGERROR) takes a zxid. A
    /// create whose flags or TTL are refused first is [`Handling::AsEmpty`] (Prep refuses
    /// them before it looks at the path, as ZooKeeper does).
    ErrorTxn,
    /// Answered in the session's order with [`crate::pipeline::apply::read_with_null_path`],
    /// no txn. addWatch is answered as for `""` (its watch matches no event), but the
    /// connection is marked: ZooKeeper fails to close it later (`core::Conn::close_fails`). `burns_zxid`: a multi took `getNextZxid()` before `getPendingChanges` failed,
    /// so the next txn's zxid skips one.
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
