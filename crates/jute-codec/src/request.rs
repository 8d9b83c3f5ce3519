//! Typed request bodies dispatched on `(OpCode, bytes)`, and the multi request/response
//! records. Counterpart of the `switch (request.type)` deserialisation in ZooKeeper's
//! `PrepRequestProcessor` / `FinalRequestProcessor`, and of `MultiOperationRecord` /
//! `MultiResponse`.

use bytes::{Buf, BufMut, Bytes};

use crate::codec::Record;
use crate::records::*;
use crate::{DecodeError, OpCode};

/// A decoded client request body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Request {
    Create(CreateRequest),
    Create2(CreateRequest),
    CreateContainer(CreateRequest),
    CreateTtl(CreateTtlRequest),
    Delete(DeleteRequest),
    /// The body is the raw path bytes, as ZooKeeper's `ContainerManager` sends it.
    DeleteContainer(Bytes),
    Exists(ExistsRequest),
    GetData(GetDataRequest),
    SetData(SetDataRequest),
    GetAcl(GetAclRequest),
    SetAcl(SetAclRequest),
    GetChildren(GetChildrenRequest),
    GetChildren2(GetChildren2Request),
    Sync(SyncRequest),
    Ping,
    Check(CheckVersionRequest),
    Multi(Vec<MultiOp>),
    MultiRead(Vec<MultiOp>),
    Reconfig(ReconfigRequest),
    CheckWatches(CheckWatchesRequest),
    RemoveWatches(RemoveWatchesRequest),
    Auth(AuthPacket),
    SetWatches(SetWatches),
    SetWatches2(SetWatches2),
    Sasl(GetSaslRequest),
    GetEphemerals(GetEphemeralsRequest),
    GetAllChildrenNumber(GetAllChildrenNumberRequest),
    AddWatch(AddWatchRequest),
    WhoAmI,
    CloseSession,
}

impl Request {
    /// Decodes a request body of type `op`. Like Java's `byteBuffer2Record`, bytes after the
    /// record are ignored.
    ///
    /// # Errors
    /// [`DecodeError`] on malformed bytes, and [`DecodeError::UnknownOpCode`] for opcodes a
    /// client may not send (notification, createSession, error).
    pub fn decode(op: OpCode, mut body: Bytes) -> Result<Self, DecodeError> {
        let b = &mut body;
        Ok(match op {
            OpCode::Create => Request::Create(Record::decode(b)?),
            OpCode::Create2 => Request::Create2(Record::decode(b)?),
            OpCode::CreateContainer => Request::CreateContainer(Record::decode(b)?),
            OpCode::CreateTtl => Request::CreateTtl(Record::decode(b)?),
            OpCode::Delete => Request::Delete(Record::decode(b)?),
            OpCode::DeleteContainer => Request::DeleteContainer(body),
            OpCode::Exists => Request::Exists(Record::decode(b)?),
            OpCode::GetData => Request::GetData(Record::decode(b)?),
            OpCode::SetData => Request::SetData(Record::decode(b)?),
            OpCode::GetAcl => Request::GetAcl(Record::decode(b)?),
            OpCode::SetAcl => Request::SetAcl(Record::decode(b)?),
            OpCode::GetChildren => Request::GetChildren(Record::decode(b)?),
            OpCode::GetChildren2 => Request::GetChildren2(Record::decode(b)?),
            OpCode::Sync => Request::Sync(Record::decode(b)?),
            OpCode::Ping => Request::Ping,
            OpCode::Check => Request::Check(Record::decode(b)?),
            OpCode::Multi => Request::Multi(decode_multi_ops(b)?),
            OpCode::MultiRead => Request::MultiRead(decode_multi_ops(b)?),
            OpCode::Reconfig => Request::Reconfig(Record::decode(b)?),
            OpCode::CheckWatches => Request::CheckWatches(Record::decode(b)?),
            OpCode::RemoveWatches => Request::RemoveWatches(Record::decode(b)?),
            OpCode::Auth => Request::Auth(Record::decode(b)?),
            OpCode::SetWatches => Request::SetWatches(Record::decode(b)?),
            OpCode::SetWatches2 => Request::SetWatches2(Record::decode(b)?),
            OpCode::Sasl => Request::Sasl(Record::decode(b)?),
            OpCode::GetEphemerals => Request::GetEphemerals(Record::decode(b)?),
            OpCode::GetAllChildrenNumber => Request::GetAllChildrenNumber(Record::decode(b)?),
            OpCode::AddWatch => Request::AddWatch(Record::decode(b)?),
            OpCode::WhoAmI => Request::WhoAmI,
            OpCode::CloseSession => Request::CloseSession,
            OpCode::Notification | OpCode::CreateSession | OpCode::Error => {
                return Err(DecodeError::UnknownOpCode(op.as_i32()))
            }
        })
    }

    /// The request's opcode.
    pub fn op_code(&self) -> OpCode {
        match self {
            Request::Create(_) => OpCode::Create,
            Request::Create2(_) => OpCode::Create2,
            Request::CreateContainer(_) => OpCode::CreateContainer,
            Request::CreateTtl(_) => OpCode::CreateTtl,
            Request::Delete(_) => OpCode::Delete,
            Request::DeleteContainer(_) => OpCode::DeleteContainer,
            Request::Exists(_) => OpCode::Exists,
            Request::GetData(_) => OpCode::GetData,
            Request::SetData(_) => OpCode::SetData,
            Request::GetAcl(_) => OpCode::GetAcl,
            Request::SetAcl(_) => OpCode::SetAcl,
            Request::GetChildren(_) => OpCode::GetChildren,
            Request::GetChildren2(_) => OpCode::GetChildren2,
            Request::Sync(_) => OpCode::Sync,
            Request::Ping => OpCode::Ping,
            Request::Check(_) => OpCode::Check,
            Request::Multi(_) => OpCode::Multi,
            Request::MultiRead(_) => OpCode::MultiRead,
            Request::Reconfig(_) => OpCode::Reconfig,
            Request::CheckWatches(_) => OpCode::CheckWatches,
            Request::RemoveWatches(_) => OpCode::RemoveWatches,
            Request::Auth(_) => OpCode::Auth,
            Request::SetWatches(_) => OpCode::SetWatches,
            Request::SetWatches2(_) => OpCode::SetWatches2,
            Request::Sasl(_) => OpCode::Sasl,
            Request::GetEphemerals(_) => OpCode::GetEphemerals,
            Request::GetAllChildrenNumber(_) => OpCode::GetAllChildrenNumber,
            Request::AddWatch(_) => OpCode::AddWatch,
            Request::WhoAmI => OpCode::WhoAmI,
            Request::CloseSession => OpCode::CloseSession,
        }
    }

    /// Encodes the body (not the header), as a client would.
    pub fn encode<B: BufMut>(&self, buf: &mut B) {
        match self {
            Request::Create(r) | Request::Create2(r) | Request::CreateContainer(r) => r.encode(buf),
            Request::CreateTtl(r) => r.encode(buf),
            Request::Delete(r) => r.encode(buf),
            Request::DeleteContainer(b) => buf.put_slice(b),
            Request::Exists(r) => r.encode(buf),
            Request::GetData(r) => r.encode(buf),
            Request::SetData(r) => r.encode(buf),
            Request::GetAcl(r) => r.encode(buf),
            Request::SetAcl(r) => r.encode(buf),
            Request::GetChildren(r) => r.encode(buf),
            Request::GetChildren2(r) => r.encode(buf),
            Request::Sync(r) => r.encode(buf),
            Request::Ping | Request::WhoAmI | Request::CloseSession => {}
            Request::Check(r) => r.encode(buf),
            Request::Multi(ops) | Request::MultiRead(ops) => encode_multi_ops(ops, buf),
            Request::Reconfig(r) => r.encode(buf),
            Request::CheckWatches(r) => r.encode(buf),
            Request::RemoveWatches(r) => r.encode(buf),
            Request::Auth(r) => r.encode(buf),
            Request::SetWatches(r) => r.encode(buf),
            Request::SetWatches2(r) => r.encode(buf),
            Request::Sasl(r) => r.encode(buf),
            Request::GetEphemerals(r) => r.encode(buf),
            Request::GetAllChildrenNumber(r) => r.encode(buf),
            Request::AddWatch(r) => r.encode(buf),
        }
    }
}

/// One op of a multi or multiRead request (`MultiOperationRecord`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum MultiOp {
    /// create, create2 or createContainer: `op` tells which.
    Create {
        op: OpCode,
        req: CreateRequest,
    },
    CreateTtl(CreateTtlRequest),
    Delete(DeleteRequest),
    SetData(SetDataRequest),
    Check(CheckVersionRequest),
    GetChildren(GetChildrenRequest),
    GetData(GetDataRequest),
}

impl MultiOp {
    /// The op's opcode as it appears in its `MultiHeader`.
    pub fn op_code(&self) -> OpCode {
        match self {
            MultiOp::Create { op, .. } => *op,
            MultiOp::CreateTtl(_) => OpCode::CreateTtl,
            MultiOp::Delete(_) => OpCode::Delete,
            MultiOp::SetData(_) => OpCode::SetData,
            MultiOp::Check(_) => OpCode::Check,
            MultiOp::GetChildren(_) => OpCode::GetChildren,
            MultiOp::GetData(_) => OpCode::GetData,
        }
    }

    /// The path the op is about.
    pub fn path(&self) -> &str {
        match self {
            MultiOp::Create { req, .. } => &req.path,
            MultiOp::CreateTtl(r) => &r.path,
            MultiOp::Delete(r) => &r.path,
            MultiOp::SetData(r) => &r.path,
            MultiOp::Check(r) => &r.path,
            MultiOp::GetChildren(r) => &r.path,
            MultiOp::GetData(r) => &r.path,
        }
    }

    /// Whether this is a read op (allowed only in multiRead).
    pub fn is_read(&self) -> bool {
        matches!(self, MultiOp::GetChildren(_) | MultiOp::GetData(_))
    }
}

const MULTI_END: MultiHeader = MultiHeader {
    r#type: -1,
    done: true,
    err: -1,
};

/// Decodes the ops of a multi request up to its terminator.
///
/// # Errors
/// [`DecodeError`] for malformed bytes or an op type that `MultiOperationRecord` rejects.
pub fn decode_multi_ops<B: Buf>(buf: &mut B) -> Result<Vec<MultiOp>, DecodeError> {
    let mut ops = Vec::new();
    loop {
        let h = MultiHeader::decode(buf)?;
        if h.done {
            return Ok(ops);
        }
        ops.push(decode_multi_op(h.r#type, buf)?);
    }
}

/// One op of a multi request, after its header.
fn decode_multi_op<B: Buf>(r#type: i32, buf: &mut B) -> Result<MultiOp, DecodeError> {
    Ok(match OpCode::try_from(r#type) {
        Ok(op @ (OpCode::Create | OpCode::Create2 | OpCode::CreateContainer)) => MultiOp::Create {
            op,
            req: Record::decode(buf)?,
        },
        Ok(OpCode::CreateTtl) => MultiOp::CreateTtl(Record::decode(buf)?),
        Ok(OpCode::Delete) => MultiOp::Delete(Record::decode(buf)?),
        Ok(OpCode::SetData) => MultiOp::SetData(Record::decode(buf)?),
        Ok(OpCode::Check) => MultiOp::Check(Record::decode(buf)?),
        Ok(OpCode::GetChildren) => MultiOp::GetChildren(Record::decode(buf)?),
        Ok(OpCode::GetData) => MultiOp::GetData(Record::decode(buf)?),
        _ => return Err(DecodeError::InvalidMultiOp(r#type)),
    })
}

/// Where a request body carries a null path: a `ustring` of length -1 where ZooKeeper's
/// record has its `path` (or getEphemerals' `prefixPath`). Java reads it as `null`, which
/// the servers then trip over in different ways; [`Request::decode`] reads it as `""`, so
/// the server asks this first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullPath {
    /// The request's own path.
    Request,
    /// The path of the multi (or multiRead) op with this index, the first null one.
    MultiOp(usize),
}

/// Finds a null path in the body of an `op` request (see [`NullPath`]); `None` when there is
/// none or the body does not decode (decoding reports that).
pub fn find_null_path(op: OpCode, body: &[u8]) -> Option<NullPath> {
    const NULL: [u8; 4] = [0xFF; 4];
    match op {
        OpCode::Create
        | OpCode::Create2
        | OpCode::CreateContainer
        | OpCode::CreateTtl
        | OpCode::Delete
        | OpCode::Exists
        | OpCode::GetData
        | OpCode::SetData
        | OpCode::GetAcl
        | OpCode::SetAcl
        | OpCode::GetChildren
        | OpCode::GetChildren2
        | OpCode::Sync
        | OpCode::Check
        | OpCode::CheckWatches
        | OpCode::RemoveWatches
        | OpCode::GetEphemerals
        | OpCode::GetAllChildrenNumber
        | OpCode::AddWatch => body.starts_with(&NULL).then_some(NullPath::Request),
        OpCode::Multi | OpCode::MultiRead => {
            let mut buf = body;
            for index in 0.. {
                let h = MultiHeader::decode(&mut buf).ok()?;
                if h.done {
                    return None;
                }
                if buf.starts_with(&NULL) {
                    return Some(NullPath::MultiOp(index));
                }
                decode_multi_op(h.r#type, &mut buf).ok()?;
            }
            None
        }
        _ => None,
    }
}

/// Encodes multi ops followed by the terminator header.
pub fn encode_multi_ops<B: BufMut>(ops: &[MultiOp], buf: &mut B) {
    for op in ops {
        MultiHeader {
            r#type: op.op_code().as_i32(),
            done: false,
            err: -1,
        }
        .encode(buf);
        match op {
            MultiOp::Create { req, .. } => req.encode(buf),
            MultiOp::CreateTtl(r) => r.encode(buf),
            MultiOp::Delete(r) => r.encode(buf),
            MultiOp::SetData(r) => r.encode(buf),
            MultiOp::Check(r) => r.encode(buf),
            MultiOp::GetChildren(r) => r.encode(buf),
            MultiOp::GetData(r) => r.encode(buf),
        }
    }
    MULTI_END.encode(buf);
}

/// One result of a multi or multiRead (`OpResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum OpResult {
    /// Result of a plain create (type 1).
    Create {
        path: String,
    },
    /// Result of create2/createContainer/createTTL (type 15).
    Create2 {
        path: String,
        stat: Stat,
    },
    Delete,
    SetData {
        stat: Stat,
    },
    Check,
    GetChildren {
        children: Vec<String>,
    },
    GetData {
        data: Option<Bytes>,
        stat: Stat,
    },
    /// A failed op (type -1), with its code.
    Error {
        err: i32,
    },
}

impl OpResult {
    fn type_code(&self) -> i32 {
        match self {
            OpResult::Create { .. } => OpCode::Create.as_i32(),
            OpResult::Create2 { .. } => OpCode::Create2.as_i32(),
            OpResult::Delete => OpCode::Delete.as_i32(),
            OpResult::SetData { .. } => OpCode::SetData.as_i32(),
            OpResult::Check => OpCode::Check.as_i32(),
            OpResult::GetChildren { .. } => OpCode::GetChildren.as_i32(),
            OpResult::GetData { .. } => OpCode::GetData.as_i32(),
            OpResult::Error { .. } => OpCode::Error.as_i32(),
        }
    }
}

/// Encodes a multi response: for each result a `MultiHeader(type, false, err)` and its body,
/// then the terminator `MultiHeader(-1, true, -1)`.
pub fn encode_multi_response<B: BufMut>(results: &[OpResult], buf: &mut B) {
    for r in results {
        let err = if let OpResult::Error { err } = r {
            *err
        } else {
            0
        };
        MultiHeader {
            r#type: r.type_code(),
            done: false,
            err,
        }
        .encode(buf);
        match r {
            OpResult::Create { path } => path.encode(buf),
            OpResult::Create2 { path, stat } => {
                path.encode(buf);
                stat.encode(buf);
            }
            OpResult::Delete | OpResult::Check => {}
            OpResult::SetData { stat } => stat.encode(buf),
            OpResult::GetChildren { children } => children.encode(buf),
            OpResult::GetData { data, stat } => {
                data.encode(buf);
                stat.encode(buf);
            }
            OpResult::Error { err } => err.encode(buf),
        }
    }
    MULTI_END.encode(buf);
}

/// Decodes a multi response (what a client does).
///
/// # Errors
/// [`DecodeError`] for malformed bytes or an unknown result type.
pub fn decode_multi_response<B: Buf>(buf: &mut B) -> Result<Vec<OpResult>, DecodeError> {
    let mut out = Vec::new();
    loop {
        let h = MultiHeader::decode(buf)?;
        if h.done {
            return Ok(out);
        }
        let r = match OpCode::try_from(h.r#type) {
            Ok(OpCode::Create) => OpResult::Create {
                path: Record::decode(buf)?,
            },
            Ok(OpCode::Create2) => OpResult::Create2 {
                path: Record::decode(buf)?,
                stat: Record::decode(buf)?,
            },
            Ok(OpCode::Delete) => OpResult::Delete,
            Ok(OpCode::SetData) => OpResult::SetData {
                stat: Record::decode(buf)?,
            },
            Ok(OpCode::Check) => OpResult::Check,
            Ok(OpCode::GetChildren) => OpResult::GetChildren {
                children: Record::decode(buf)?,
            },
            Ok(OpCode::GetData) => OpResult::GetData {
                data: Record::decode(buf)?,
                stat: Record::decode(buf)?,
            },
            Ok(OpCode::Error) => OpResult::Error {
                err: Record::decode(buf)?,
            },
            _ => return Err(DecodeError::InvalidMultiOp(h.r#type)),
        };
        out.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_ops_round_trip_with_terminator() {
        let ops = vec![
            MultiOp::Check(CheckVersionRequest {
                path: "/a".into(),
                version: 3,
            }),
            MultiOp::Create {
                op: OpCode::Create2,
                req: CreateRequest {
                    path: "/a/b".into(),
                    data: None,
                    acl: vec![],
                    flags: 1,
                },
            },
            MultiOp::Delete(DeleteRequest {
                path: "/c".into(),
                version: -1,
            }),
        ];
        let mut v = Vec::new();
        encode_multi_ops(&ops, &mut v);
        assert_eq!(
            &v[v.len() - 9..],
            &[0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff]
        );
        let body = Bytes::from(v);
        assert_eq!(
            Request::decode(OpCode::Multi, body),
            Ok(Request::Multi(ops))
        );
    }

    #[test]
    fn failed_multi_response_has_error_bodies() {
        let results = vec![
            OpResult::Error { err: 0 },
            OpResult::Error { err: -101 },
            OpResult::Error { err: -2 },
        ];
        let mut v = Vec::new();
        encode_multi_response(&results, &mut v);
        // header(-1,false,0) + err 0
        assert_eq!(
            &v[..13],
            &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(decode_multi_response(&mut Bytes::from(v)), Ok(results));
    }

    #[test]
    fn unknown_op_inside_multi_is_an_error() {
        let mut v = Vec::new();
        MultiHeader {
            r#type: 3,
            done: false,
            err: -1,
        }
        .encode(&mut v);
        assert_eq!(
            Request::decode(OpCode::Multi, Bytes::from(v)),
            Err(DecodeError::InvalidMultiOp(3))
        );
    }
}

#[cfg(test)]
mod null_path_tests {
    use super::*;

    #[test]
    fn finds_a_null_path_in_a_request_or_in_a_multi_op() {
        let null = [0xFFu8; 4];
        assert_eq!(
            find_null_path(OpCode::GetData, &[&null[..], &[0]].concat()),
            Some(NullPath::Request)
        );
        assert_eq!(
            find_null_path(OpCode::GetData, &[0, 0, 0, 1, b'/', 0]),
            None
        );
        assert_eq!(find_null_path(OpCode::Ping, &null), None);
        let ops = vec![
            MultiOp::Delete(DeleteRequest {
                path: "/a".into(),
                version: -1,
            }),
            MultiOp::Delete(DeleteRequest {
                path: "/b".into(),
                version: -1,
            }),
        ];
        let mut b = Vec::new();
        encode_multi_ops(&ops, &mut b);
        assert_eq!(find_null_path(OpCode::Multi, &b), None);
        // The second op's path "/b" (length 2) becomes null.
        let at = b
            .windows(6)
            .position(|w| w == [0, 0, 0, 2, b'/', b'b'])
            .unwrap();
        b.splice(at..at + 6, null);
        assert_eq!(
            find_null_path(OpCode::Multi, &b),
            Some(NullPath::MultiOp(1))
        );
        assert!(Request::decode(OpCode::Multi, Bytes::from(b)).is_ok());
    }
}
