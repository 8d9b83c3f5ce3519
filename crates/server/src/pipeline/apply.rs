//! Replies to applied writes, and reads. Counterpart of `FinalRequestProcessor` (the reply
//! switch of `processRequest`, `handleGetDataRequest`, `handleGetChildrenRequest`) and of
//! `AuthUtil.getClientInfos`, in ZooKeeper 3.9 / 3.8.4+.
//!
//! Pure: [`write_reply`] turns the result of `DataTree::apply` into the reply body, and
//! [`read`] serves a read against the tree, leaving watches in it and returning the watch
//! events to deliver. The caller builds the `ReplyHeader` (`xid`, its last zxid, `err`) and
//! sends the body after it.
//!
//! Reads run no path validation, as in ZooKeeper: a malformed path is simply not in the tree
//! (NoNode), and "" is the root's alias. Only `exists` refuses a path with a NUL.

use bytes::{BufMut, Bytes, BytesMut};
use datatree::watch::{WatchEvent, WatchKind, WatcherType};
use datatree::{acl, DataTree, SessionId, TxnResult};
use jute_codec::records::{Acl, ClientInfo, Id, Stat};
use jute_codec::request::{encode_multi_response, MultiOp, NullPath, OpResult, Request};
use jute_codec::{ErrorCode, OpCode, Record};

/// What to send for a request: `err` goes into the `ReplyHeader`, `body` after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// `ReplyHeader.err`: 0 or a `KeeperException.Code`.
    pub err: i32,
    /// The encoded response record; empty when the reply has none.
    pub body: Bytes,
}

impl Reply {
    fn error(code: ErrorCode) -> Self {
        Reply {
            err: code.as_i32(),
            body: Bytes::new(),
        }
    }

    /// Whether ZooKeeper would close the connection instead of sending this reply: a
    /// SessionMoved error (FinalRequestProcessor catches `SessionMovedException` and calls
    /// `sendCloseSession`, ZOOKEEPER-710).
    pub fn closes_connection(&self) -> bool {
        self.err == ErrorCode::SessionMoved.as_i32()
    }
}

/// The reply to an applied write.
///
/// `op` is the request's opcode (FinalRequestProcessor switches on `request.type`); `result`
/// is what `DataTree::apply` returned for its txn. A txn of type error (-1) answers its code
/// with no body. Otherwise the body is the op's response record: create -> `CreateResponse`;
/// create2, createContainer, createTTL -> `Create2Response`; setData -> `SetDataResponse`;
/// setACL -> `SetAclResponse`; delete, deleteContainer, check, closeSession, createSession ->
/// none; multi -> the `MultiResponse`.
///
/// A multi answers `err` 0 even when an op failed: the per-op results carry the codes (ops
/// before the failing one `ErrorResult(0)`, the failing one its code, the ones after it
/// `ErrorResult(-2)`), which is what the Java client and Kafka read.
///
/// closeSession and createSession replies (closing the connection, the `ConnectResponse`)
/// are the caller's.
pub fn write_reply(op: OpCode, result: &TxnResult) -> Reply {
    if result.r#type == OpCode::Error.as_i32() {
        return Reply {
            err: result.err,
            body: Bytes::new(),
        };
    }
    let stat = result.stat.unwrap_or_default();
    let body = match op {
        OpCode::Create => encode_with(|b| put_str(b, &result.path)),
        OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => encode_with(|b| {
            put_str(b, &result.path);
            stat.encode(b);
        }),
        OpCode::SetData | OpCode::SetAcl => encode_with(|b| stat.encode(b)),
        OpCode::Multi => return multi_reply(result),
        // ZK-COMPAT: FinalRequestProcessor.java: a check sent on its own (not in a multi) is
        // answered with `SetDataResponse(rc.stat)`, but the tree leaves that stat null, the
        // serialisation throws, and ZooKeeper never answers (seen on 3.8.0). zkrs answers
        // with no body instead of leaving the client waiting.
        OpCode::Check => Bytes::new(),
        _ => Bytes::new(),
    };
    // An error from the tree itself (never expected after Prep) is reported with the body,
    // as ZooKeeper does; clients ignore bodies of failed replies.
    Reply {
        err: result.err,
        body,
    }
}

/// The `MultiResponse` of an applied multi (`FinalRequestProcessor`'s multi case).
fn multi_reply(result: &TxnResult) -> Reply {
    let mut results = Vec::with_capacity(result.multi.len());
    for sub in &result.multi {
        let stat = || sub.stat.unwrap_or_default();
        let r = match OpCode::try_from(sub.r#type) {
            Ok(OpCode::Check) => OpResult::Check,
            Ok(OpCode::Create) => OpResult::Create {
                path: sub.path.clone(),
            },
            Ok(OpCode::Create2 | OpCode::CreateTtl | OpCode::CreateContainer) => {
                OpResult::Create2 {
                    path: sub.path.clone(),
                    stat: stat(),
                }
            }
            Ok(OpCode::Delete | OpCode::DeleteContainer) => OpResult::Delete,
            Ok(OpCode::SetData) => OpResult::SetData { stat: stat() },
            Ok(OpCode::Error) if sub.err == ErrorCode::SessionMoved.as_i32() => {
                return Reply::error(ErrorCode::SessionMoved);
            }
            Ok(OpCode::Error) => OpResult::Error { err: sub.err },
            // ZooKeeper throws "Invalid type of op" and answers MarshallingError with the
            // results built so far.
            _ => {
                return Reply {
                    err: ErrorCode::MarshallingError.as_i32(),
                    body: encode_with(|b| encode_multi_response(&results, b)),
                }
            }
        };
        results.push(r);
    }
    Reply {
        err: 0,
        body: encode_with(|b| encode_multi_response(&results, b)),
    }
}

/// Who is reading.
#[derive(Debug, Clone, Copy)]
pub struct ReadContext<'a> {
    /// The reading session: owner of the watches it leaves, and of the ephemerals
    /// getEphemerals lists.
    pub session_id: SessionId,
    /// The session's identities (ACL checks, whoAmI), the connection's `ip:` id included.
    pub auth_ids: &'a [Id],
    /// The tree's last applied zxid, for the caller's `ReplyHeader` (reads do not use it).
    pub last_zxid: i64,
}

/// The answer to a read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadReply {
    /// `ReplyHeader.err`.
    pub err: i32,
    /// The encoded response record; empty when none.
    pub body: Bytes,
    /// Watch events to deliver now (setWatches/setWatches2 fire those the client missed
    /// while disconnected).
    pub events: Vec<WatchEvent>,
}

impl ReadReply {
    fn ok(body: Bytes) -> Self {
        ReadReply {
            err: 0,
            body,
            events: Vec::new(),
        }
    }

    fn error(code: ErrorCode) -> Self {
        ReadReply {
            err: code.as_i32(),
            body: Bytes::new(),
            events: Vec::new(),
        }
    }
}

/// The reply to a request whose path at `at` is null and which ZooKeeper answers without a
/// txn (`null_path::Handling::Reply`): FinalRequestProcessor's NullPointerException gives
/// MARSHALLINGERROR with the response built so far.
/// - sync: OK, and the response echoes the null path.
/// - multi: an empty MultiResponse (made before `rc.multiResult`, null, was walked).
/// - multiRead: the results of the ops before the null one.
/// - the other reads: no body.
pub fn read_with_null_path(
    req: &Request,
    at: NullPath,
    ctx: &ReadContext<'_>,
    tree: &mut DataTree,
) -> ReadReply {
    let failed = |body: Bytes| ReadReply {
        err: ErrorCode::MarshallingError.as_i32(),
        body,
        events: Vec::new(),
    };
    match (req, at) {
        (Request::Sync(_), _) => ReadReply::ok(encode_with(|b| b.put_i32(-1))),
        (Request::Multi(_), _) => failed(encode_with(|b| encode_multi_response(&[], b))),
        (Request::MultiRead(ops), NullPath::MultiOp(i)) if ops.iter().all(MultiOp::is_read) => {
            let reader = Reader { ctx };
            let results: Vec<OpResult> = ops[..i]
                .iter()
                .map(|op| reader.multi_read_op(tree, op))
                .collect();
            failed(encode_with(|b| encode_multi_response(&results, b)))
        }
        // An all-write multiRead fails on its first op's type, before any path.
        (Request::MultiRead(_), _) => read(req, ctx, tree),
        _ => failed(Bytes::new()),
    }
}

/// Serves a read, as FinalRequestProcessor does once the request's turn comes: exists,
/// getData, getChildren, getChildren2, getACL, getAllChildrenNumber, getEphemerals,
/// multiRead, checkWatches, removeWatches, addWatch, whoAmI, sync, setWatches, setWatches2
/// and ping.
///
/// Permissions are checked before any watch is left, so a refused read leaves none.
///
/// # Panics
/// When `req` is a write or auth/sasl/closeSession, which never reach this point.
pub fn read(req: &Request, ctx: &ReadContext<'_>, tree: &mut DataTree) -> ReadReply {
    let reader = Reader { ctx };
    let result = match req {
        Request::Exists(r) => reader.exists(tree, &r.path, r.watch),
        Request::GetData(r) => reader.get_data(tree, &r.path, r.watch),
        Request::GetChildren(r) => reader.get_children(tree, &r.path, r.watch, false),
        Request::GetChildren2(r) => reader.get_children(tree, &r.path, r.watch, true),
        Request::GetAcl(r) => reader.get_acl(tree, &r.path),
        Request::GetAllChildrenNumber(r) => reader.get_all_children_number(tree, &r.path),
        Request::GetEphemerals(r) => Ok(reader.get_ephemerals(tree, &r.prefix_path)),
        Request::MultiRead(ops) => return reader.multi_read(tree, ops),
        Request::CheckWatches(r) => reader.check_watches(tree, &r.path, r.r#type),
        Request::RemoveWatches(r) => reader.remove_watches(tree, &r.path, r.r#type),
        Request::AddWatch(r) => reader.add_watch(tree, &r.path, r.mode),
        Request::WhoAmI => Ok(who_am_i(ctx.auth_ids)),
        Request::Sync(r) => Ok(encode_with(|b| put_str(b, &r.path))),
        Request::SetWatches(w) => {
            return reader.set_watches(
                tree,
                w.relative_zxid,
                [
                    &w.data_watches,
                    &w.exist_watches,
                    &w.child_watches,
                    &Vec::new(),
                    &Vec::new(),
                ],
            )
        }
        Request::SetWatches2(w) => {
            return reader.set_watches(
                tree,
                w.relative_zxid,
                [
                    &w.data_watches,
                    &w.exist_watches,
                    &w.child_watches,
                    &w.persistent_watches,
                    &w.persistent_recursive_watches,
                ],
            )
        }
        Request::Ping => Ok(Bytes::new()),
        other => panic!(
            "read() called with {:?}, which is not a read",
            other.op_code()
        ),
    };
    match result {
        Ok(body) => ReadReply::ok(body),
        Err(code) => ReadReply::error(code),
    }
}

/// One read being served.
struct Reader<'c, 'a> {
    ctx: &'c ReadContext<'a>,
}

impl Reader<'_, '_> {
    /// The watcher to register for a read with the `watch` flag.
    fn watcher(&self, watch: bool) -> Option<SessionId> {
        watch.then_some(self.ctx.session_id)
    }

    /// The node's ACL, checked for `perm`: `NoNode` when it is missing, else `NoAuth` when
    /// the session lacks the permission.
    fn checked(&self, tree: &DataTree, path: &str, perm: i32) -> Result<(), ErrorCode> {
        let node = tree.node(path).ok_or(ErrorCode::NoNode)?;
        acl::check(&node.acl, perm, self.ctx.auth_ids)
    }

    /// exists (3). A watch is left whether or not the node exists (an exist watch then, which
    /// NodeCreated fires).
    fn exists(&self, tree: &mut DataTree, path: &str, watch: bool) -> Result<Bytes, ErrorCode> {
        if path.contains('\0') {
            return Err(ErrorCode::BadArguments);
        }
        // ZOOKEEPER-2590 (3.8.4+, 3.9.2+): READ is needed to see an existing node; 3.8.0-3.8.3
        // did not check.
        if let Some(node) = tree.node(path) {
            acl::check(&node.acl, acl::READ, self.ctx.auth_ids)?;
        }
        let stat = tree.exists(path, self.watcher(watch))?;
        Ok(encode_with(|b| stat.encode(b)))
    }

    /// getData (4): READ on the node, then the data and a data watch.
    fn get_data(&self, tree: &mut DataTree, path: &str, watch: bool) -> Result<Bytes, ErrorCode> {
        self.checked(tree, path, acl::READ)?;
        let (data, stat) = tree.get_data(path, self.watcher(watch))?;
        Ok(encode_with(|b| {
            jute_codec::codec::encode_buffer(data, b);
            stat.encode(b);
        }))
    }

    /// getChildren (8) and getChildren2 (12, with the node's stat): READ on the node, then
    /// the child names and a child watch.
    fn get_children(
        &self,
        tree: &mut DataTree,
        path: &str,
        watch: bool,
        with_stat: bool,
    ) -> Result<Bytes, ErrorCode> {
        self.checked(tree, path, acl::READ)?;
        if let Some(session) = self.watcher(watch) {
            tree.watches().add(path, session, WatchKind::Child);
        }
        encode_children(tree, path, with_stat)
    }

    /// getACL (6): READ or ADMIN suffices; without ADMIN, digest ids come back as `user:x`.
    fn get_acl(&self, tree: &DataTree, path: &str) -> Result<Bytes, ErrorCode> {
        let node = tree.node(path).ok_or(ErrorCode::NoNode)?;
        acl::check(&node.acl, acl::READ | acl::ADMIN, self.ctx.auth_ids)?;
        let stat = tree.stat(path).ok_or(ErrorCode::NoNode)?;
        let admin = acl::check(&node.acl, acl::ADMIN, self.ctx.auth_ids).is_ok();
        Ok(encode_with(|b| {
            put_len(b, node.acl.len());
            for entry in node.acl.iter() {
                if admin || entry.id.scheme != "digest" {
                    entry.encode(b);
                } else {
                    masked_digest(entry).encode(b);
                }
            }
            stat.encode(b);
        }))
    }

    /// getAllChildrenNumber (104): READ on the node, then the number of its descendants.
    fn get_all_children_number(&self, tree: &DataTree, path: &str) -> Result<Bytes, ErrorCode> {
        self.checked(tree, path, acl::READ)?;
        let n = tree.all_children_number(path)?;
        Ok(encode_with(|b| b.put_i32(n)))
    }

    /// getEphemerals (103): the session's ephemerals whose path starts with the prefix
    /// (plain string prefix: "/a" also matches "/ab"); a null, blank or "/" prefix lists all.
    fn get_ephemerals(&self, tree: &DataTree, prefix: &str) -> Bytes {
        let all = prefix.trim().is_empty() || prefix.trim() == "/";
        let mut paths = tree.ephemerals(self.ctx.session_id);
        paths.retain(|p| all || p.starts_with(prefix));
        encode_with(|b| {
            put_len(b, paths.len());
            for p in &paths {
                put_str(b, p);
            }
        })
    }

    /// multiRead (22): each op answered on its own, failures as `ErrorResult(code)`. No
    /// watches are left.
    fn multi_read(&self, tree: &mut DataTree, ops: &[MultiOp]) -> ReadReply {
        let reads = ops.iter().filter(|op| op.is_read()).count();
        if reads != ops.len() {
            // ZK-COMPAT: FinalRequestProcessor.java: mixing kinds fails while decoding
            // (MarshallingError, no body); an all-write request decodes and then fails on its
            // first op, after the empty MultiResponse was made, which is sent.
            let body = if reads == 0 {
                encode_with(|b| encode_multi_response(&[], b))
            } else {
                Bytes::new()
            };
            return ReadReply {
                err: ErrorCode::MarshallingError.as_i32(),
                body,
                events: Vec::new(),
            };
        }
        let results: Vec<OpResult> = ops.iter().map(|op| self.multi_read_op(tree, op)).collect();
        ReadReply::ok(encode_with(|b| encode_multi_response(&results, b)))
    }

    fn multi_read_op(&self, tree: &mut DataTree, op: &MultiOp) -> OpResult {
        // ZK-COMPAT: MultiOperationRecord.java: the ops are decoded as `Op.getData(path)` /
        // `Op.getChildren(path)`, which drop the watch flag.
        let result = match op {
            MultiOp::GetData(r) => self
                .checked(tree, &r.path, acl::READ)
                .and_then(|()| tree.get_data(&r.path, None))
                .map(|(data, stat)| OpResult::GetData {
                    data: data.map(Bytes::copy_from_slice),
                    stat,
                }),
            MultiOp::GetChildren(r) => {
                self.checked(tree, &r.path, acl::READ)
                    .map(|()| OpResult::GetChildren {
                        children: child_names(tree, &r.path),
                    })
            }
            _ => Err(ErrorCode::MarshallingError),
        };
        result.unwrap_or_else(|code| OpResult::Error { err: code.as_i32() })
    }

    /// checkWatches (17): NoWatcher unless the session has such a watch on the path.
    fn check_watches(&self, tree: &mut DataTree, path: &str, ty: i32) -> Result<Bytes, ErrorCode> {
        // `WatcherType.fromInt` throws for unknown types: MarshallingError.
        WatcherType::from_i32(ty).ok_or(ErrorCode::MarshallingError)?;
        if tree.watches().contains(path, self.ctx.session_id, ty) {
            Ok(Bytes::new())
        } else {
            Err(ErrorCode::NoWatcher)
        }
    }

    /// removeWatches (18): NoWatcher when nothing was removed. The client raises the
    /// "watch removed" events itself.
    fn remove_watches(&self, tree: &mut DataTree, path: &str, ty: i32) -> Result<Bytes, ErrorCode> {
        WatcherType::from_i32(ty).ok_or(ErrorCode::MarshallingError)?;
        if tree.watches().remove(path, self.ctx.session_id, ty) {
            Ok(Bytes::new())
        } else {
            Err(ErrorCode::NoWatcher)
        }
    }

    /// addWatch (106): mode 0 persistent, 1 persistent-recursive. The path need not exist and
    /// no permission is checked; the answer is an `ErrorResponse(0)` body.
    fn add_watch(&self, tree: &mut DataTree, path: &str, mode: i32) -> Result<Bytes, ErrorCode> {
        let kind = match mode {
            0 => WatchKind::Persistent,
            1 => WatchKind::PersistentRecursive,
            // `WatcherMode.fromZooDef` throws IllegalArgumentException.
            _ => return Err(ErrorCode::MarshallingError),
        };
        tree.watches().add(path, self.ctx.session_id, kind);
        Ok(encode_with(|b| b.put_i32(0)))
    }

    /// setWatches (101) / setWatches2 (105): re-arms the client's watches after a reconnect
    /// and fires those whose change it missed (`DataTree.setWatches`). No body.
    fn set_watches(
        &self,
        tree: &mut DataTree,
        relative_zxid: i64,
        lists: [&Vec<String>; 5],
    ) -> ReadReply {
        let [data, exist, child, persistent, recursive] = lists;
        let events = tree.set_watches(
            relative_zxid,
            data,
            exist,
            child,
            persistent,
            recursive,
            self.ctx.session_id,
        );
        ReadReply {
            err: 0,
            body: Bytes::new(),
            events,
        }
    }
}

/// whoAmI (107): one `ClientInfo` per identity, with the provider's user name
/// (`AuthUtil.getClientInfos`): the part before ':' for digest, the id itself for ip, sasl and
/// x509, "" for schemes without a provider (`super`).
fn who_am_i(auth_ids: &[Id]) -> Bytes {
    encode_with(|b| {
        put_len(b, auth_ids.len());
        for id in auth_ids {
            let user = match id.scheme.as_str() {
                "digest" => id.id.split(':').next().unwrap_or(""),
                "ip" | "sasl" | "x509" => id.id.as_str(),
                _ => "",
            };
            ClientInfo {
                auth_scheme: id.scheme.clone(),
                user: user.to_owned(),
            }
            .encode(b);
        }
    })
}

/// A digest ACL entry as getACL shows it to a session without ADMIN: `id.replaceAll(":.*",
/// ":x")`, i.e. everything from the first ':' becomes ":x".
fn masked_digest(entry: &Acl) -> Acl {
    let mut masked = entry.clone();
    if let Some(colon) = masked.id.id.find(':') {
        masked.id.id.truncate(colon);
        masked.id.id.push_str(":x");
    }
    masked
}

fn child_names(tree: &DataTree, path: &str) -> Vec<String> {
    tree.node(path)
        .map(|n| n.children.to_java_vec())
        .unwrap_or_default()
}

/// `GetChildrenResponse` / `GetChildren2Response`, written straight from the tree's child set.
fn encode_children(tree: &DataTree, path: &str, with_stat: bool) -> Result<Bytes, ErrorCode> {
    let node = tree.node(path).ok_or(ErrorCode::NoNode)?;
    let stat: Option<Stat> = if with_stat {
        Some(tree.stat(path).ok_or(ErrorCode::NoNode)?)
    } else {
        None
    };
    // `new ArrayList<>(node.getChildren())`: the HashSet's iteration order.
    let children = node.children.java_order();
    let len: usize = children.iter().map(|c| 4 + c.len()).sum();
    let mut b = BytesMut::with_capacity(4 + len + 68);
    put_len(&mut b, children.len());
    for c in children {
        put_str(&mut b, c);
    }
    if let Some(stat) = stat {
        stat.encode(&mut b);
    }
    Ok(b.freeze())
}

fn encode_with(f: impl FnOnce(&mut BytesMut)) -> Bytes {
    let mut b = BytesMut::new();
    f(&mut b);
    b.freeze()
}

/// A Jute `ustring` from a borrowed `str` (no `String` copy).
fn put_str(b: &mut BytesMut, s: &str) {
    put_len(b, s.len());
    b.put_slice(s.as_bytes());
}

/// A Jute vector or string length.
fn put_len(b: &mut BytesMut, len: usize) {
    b.put_i32(i32::try_from(len).unwrap_or(i32::MAX));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_acl(id: &str) -> Acl {
        Acl {
            perms: acl::READ,
            id: Id {
                scheme: "digest".into(),
                id: id.into(),
            },
        }
    }

    #[test]
    fn digest_ids_are_masked_from_the_first_colon() {
        assert_eq!(masked_digest(&digest_acl("bob:abc=")).id.id, "bob:x");
        assert_eq!(masked_digest(&digest_acl("bob:a:b")).id.id, "bob:x");
        assert_eq!(masked_digest(&digest_acl("nocolon")).id.id, "nocolon");
    }

    #[test]
    fn who_am_i_names_users_per_provider() {
        let ids = [
            Id {
                scheme: "ip".into(),
                id: "127.0.0.1".into(),
            },
            Id {
                scheme: "digest".into(),
                id: "bob:abc=".into(),
            },
            Id {
                scheme: "super".into(),
                id: String::new(),
            },
        ];
        let mut expected = BytesMut::new();
        expected.put_i32(3);
        for (scheme, user) in [("ip", "127.0.0.1"), ("digest", "bob"), ("super", "")] {
            put_str(&mut expected, scheme);
            put_str(&mut expected, user);
        }
        assert_eq!(who_am_i(&ids), expected.freeze());
    }

    #[test]
    fn error_txn_answers_its_code_without_body() {
        let result = TxnResult {
            r#type: -1,
            err: ErrorCode::NodeExists.as_i32(),
            ..TxnResult::default()
        };
        assert_eq!(
            write_reply(OpCode::Create, &result),
            Reply::error(ErrorCode::NodeExists)
        );
    }

    #[test]
    fn failed_multi_answers_ok_with_error_results() {
        let sub = |err| TxnResult {
            r#type: -1,
            err,
            ..TxnResult::default()
        };
        let result = TxnResult {
            r#type: OpCode::Multi.as_i32(),
            err: -101,
            multi: vec![sub(0), sub(-101), sub(-2)],
            ..TxnResult::default()
        };
        let reply = write_reply(OpCode::Multi, &result);
        assert_eq!(reply.err, 0);
        let mut expected = BytesMut::new();
        for err in [0, -101, -2] {
            expected.put_i32(-1);
            expected.put_u8(0);
            expected.put_i32(err);
            expected.put_i32(err);
        }
        expected.put_i32(-1);
        expected.put_u8(1);
        expected.put_i32(-1);
        assert_eq!(reply.body, expected.freeze());
    }

    #[test]
    fn session_moved_inside_a_multi_closes_the_connection() {
        let result = TxnResult {
            r#type: OpCode::Multi.as_i32(),
            multi: vec![TxnResult {
                r#type: -1,
                err: ErrorCode::SessionMoved.as_i32(),
                ..TxnResult::default()
            }],
            ..TxnResult::default()
        };
        assert!(write_reply(OpCode::Multi, &result).closes_connection());
    }
}
