//! Validation of writes and their conversion to txns. Counterpart of `PrepRequestProcessor`
//! (`pRequest2Txn`, `pRequest2TxnCreate`, the multi loop of `pRequestHelper`,
//! `validateCreateRequest`, `checkAndIncVersion`) in ZooKeeper 3.9 / 3.8.4+.
//!
//! Pure: the zxid and the wall-clock time come in through [`PrepContext`], state is read from
//! [`Pending`] then the [`DataTree`], and the only effect is on `Pending`.
//!
//! Every write yields a txn, and takes its zxid, even when it fails: a failed write becomes a
//! header of type `error` (-1) with an `ErrorTxn(code)`, which is logged and replicated like
//! any other txn. Checks run in ZooKeeper's order, so a request that breaks several rules gets
//! the code ZooKeeper gives.
//!
//! Session checks (`sessionTracker.checkSession`, SessionExpired / SessionMoved) are not done
//! here: the core knows the sessions and turns such a request into an error txn itself.
//! Quotas are not enforced (`zookeeper.enforceQuota` is off by default). The txn digest is
//! not set here: every record Prep makes carries its precalculated digests (see
//! [`Pending`]), and the core stamps the entry with [`Pending::tree_digest`] afterwards
//! (`setTxnDigest`).

use std::sync::Arc;

use bytes::Bytes;
use datatree::ephemeral::{CreateMode, EphemeralType};
use datatree::node::create_stat;
use datatree::{acl, path, DataTree};
use jute_codec::records::{
    Acl, CheckVersionTxn, CloseSessionTxn, CreateContainerTxn, CreateRequest, CreateSessionTxn,
    CreateTtlRequest, CreateTtlTxn, CreateTxn, DeleteTxn, ErrorTxn, Id, SetAclTxn, SetDataTxn,
    StatPersisted, TxnHeader,
};
use jute_codec::request::{MultiOp, Request};
use jute_codec::txn_body::{SubTxn, TxnBody, TxnEntry};
use jute_codec::{ErrorCode, OpCode};

use super::pending::{ChangeRecord, NodeView, Pending, RecordData};

/// Everything Prep needs to know about the request besides its body.
#[derive(Debug, Clone, Copy)]
pub struct PrepContext<'a> {
    /// The requesting session (`TxnHeader.clientId`; owner of ephemerals it creates).
    pub session_id: i64,
    /// The request's xid (`TxnHeader.cxid`).
    pub cxid: i32,
    /// The zxid this write takes, whether it succeeds or not.
    pub zxid: i64,
    /// Wall-clock time in ms (`TxnHeader.time`; ctime/mtime of what the write changes).
    pub now_ms: i64,
    /// The session's identities, for ACL checks and `auth` ACL expansion (the `ip:` id of the
    /// connection included, as ZooKeeper adds it on accept).
    pub auth_ids: &'a [Id],
    /// `zookeeper.extendedTypesEnabled`: TTL nodes allowed, TTL owners decoded.
    pub extended_types_enabled: bool,
    /// `reconfigEnabled`.
    pub reconfig_enabled: bool,
}

/// Validates a write and turns it into the txn to log, recording its changes in `pending`.
///
/// Handles every request whose [`OpCode::is_write`] is true: create (1), create2 (15),
/// createContainer (19), createTTL (21), delete (2), deleteContainer (20), setData (5),
/// setACL (7), check (13), multi (14), reconfig (16) and closeSession (-11, see
/// [`prepare_close_session`]). The result always carries `ctx.zxid`; a failed request has
/// header type -1 and an [`ErrorTxn`] body. A multi keeps type 14 when one of its ops fails
/// (see [`TxnBody::Multi`]).
///
/// # Panics
/// When `req` is a read or a session-level request (auth, setWatches, ...): those never
/// become txns, so passing one is a bug in the caller.
pub fn prepare(
    req: &Request,
    ctx: &PrepContext<'_>,
    pending: &mut Pending,
    tree: &DataTree,
) -> TxnEntry {
    let mut prep = Prep { ctx, pending, tree };
    let (op, result) = match req {
        Request::Create(r) => (OpCode::Create, prep.create(OpCode::Create, &create_args(r))),
        Request::Create2(r) => (
            OpCode::Create2,
            prep.create(OpCode::Create2, &create_args(r)),
        ),
        Request::CreateContainer(r) => (
            OpCode::CreateContainer,
            prep.create(OpCode::CreateContainer, &create_args(r)),
        ),
        Request::CreateTtl(r) => (OpCode::CreateTtl, prep.create_ttl(r)),
        Request::Delete(r) => (OpCode::Delete, prep.delete(&r.path, r.version)),
        Request::DeleteContainer(raw) => (OpCode::DeleteContainer, prep.delete_container(raw)),
        Request::SetData(r) => (OpCode::SetData, prep.set_data(&r.path, &r.data, r.version)),
        Request::SetAcl(r) => (OpCode::SetAcl, prep.set_acl(&r.path, &r.acl, r.version)),
        Request::Check(r) => (OpCode::Check, prep.check(&r.path, r.version)),
        Request::Multi(ops) => (OpCode::Multi, prep.multi(ops)),
        Request::Reconfig(_) => (OpCode::Reconfig, Err(prep.reconfig())),
        Request::CloseSession => {
            return prepare_close_session(
                ctx.session_id,
                ctx.cxid,
                ctx.zxid,
                ctx.now_ms,
                pending,
                tree,
            )
        }
        other => panic!(
            "prepare() called with {:?}, which is not a write",
            other.op_code()
        ),
    };
    match result {
        Ok(body) => entry(ctx.session_id, ctx.cxid, ctx.zxid, ctx.now_ms, op, body),
        Err(code) => error_entry(ctx, code),
    }
}

/// The txn of a new session (`pRequest2Txn` for `createSession`): `CreateSessionTxn` with the
/// negotiated timeout. Records nothing in `Pending`.
pub fn prepare_create_session(
    session_id: i64,
    timeout_ms: i32,
    cxid: i32,
    zxid: i64,
    now_ms: i64,
) -> TxnEntry {
    let body = TxnBody::CreateSession(CreateSessionTxn {
        time_out: timeout_ms,
    });
    entry(session_id, cxid, zxid, now_ms, OpCode::CreateSession, body)
}

/// The txn that closes a session, by request or expiry (`pRequest2Txn` for `closeSession`,
/// with the 3.6+ `CloseSessionTxn` body): it lists the session's ephemerals as they will be
/// once the pending writes are applied, and records their deletion in `pending` so that later
/// requests see them gone.
///
/// The paths are the tree's ephemerals of the session, plus those pending creates give it,
/// minus those pending deletes remove, taking the pending records in order. They are listed
/// in ZooKeeper's order: that of the `HashSet` `getEphemerals` clones from the session's
/// set, after those edits (`new ArrayList<>(es)`); killSession deletes in this order, so it
/// is also the order of the NodeDeleted / NodeChildrenChanged events.
pub fn prepare_close_session(
    session_id: i64,
    cxid: i32,
    zxid: i64,
    now_ms: i64,
    pending: &mut Pending,
    tree: &DataTree,
) -> TxnEntry {
    let mut doomed = tree.ephemeral_set(session_id);
    for change in pending.iter() {
        match change.stat {
            None => {
                doomed.remove(&change.path);
            }
            Some(stat) if stat.ephemeral_owner == session_id => {
                doomed.insert(&change.path);
            }
            Some(_) => {}
        }
    }
    let doomed = doomed.to_java_vec();
    for doomed_path in &doomed {
        record_close_delete(doomed_path, zxid, pending, tree);
    }
    let body = TxnBody::CloseSession(Some(CloseSessionTxn {
        paths2_delete: doomed,
    }));
    entry(session_id, cxid, zxid, now_ms, OpCode::CloseSession, body)
}

/// The pending records closeSession leaves for one ephemeral it deletes.
fn record_close_delete(doomed: &str, zxid: i64, pending: &mut Pending, tree: &DataTree) {
    if let Some(parent_path) = parent_of(doomed) {
        if let Some(parent) = pending.lookup(parent_path, tree) {
            // ZK-COMPAT: PrepRequestProcessor.java: closeSession only moves the parent's pzxid
            // (the digest bookkeeping, on by default); its child count stays as it was until
            // the txn is applied, so deleting the parent meanwhile answers NotEmpty.
            let mut stat = parent.stat;
            stat.pzxid = zxid;
            pending.record(
                ChangeRecord {
                    zxid,
                    path: Arc::from(parent_path),
                    stat: Some(stat),
                    child_count: parent.child_count,
                    acl: parent.acl,
                    data: parent.data,
                },
                tree,
            );
        }
    }
    pending.record(
        ChangeRecord {
            zxid,
            path: Arc::from(doomed),
            stat: None,
            child_count: 0,
            acl: Arc::new(Vec::new()),
            data: RecordData::Written(None),
        },
        tree,
    );
}

/// Whether a create request passes the checks `pRequest2TxnCreate` makes before it looks at
/// the path (`CreateMode.fromFlag`, `validateCreateRequest`); true for other requests.
pub fn create_mode_is_valid(req: &Request, extended_types_enabled: bool) -> bool {
    let a = match req {
        Request::Create(r) | Request::Create2(r) | Request::CreateContainer(r) => create_args(r),
        Request::CreateTtl(r) => create_ttl_args(r),
        _ => return true,
    };
    CreateMode::from_flag(a.flags)
        .and_then(|mode| mode.validate_ttl(a.ttl_ms, extended_types_enabled))
        .is_ok()
}

/// The fields of a create request, whichever record carried them.
struct CreateArgs<'r> {
    path: &'r str,
    data: &'r Option<Bytes>,
    acl: &'r [Acl],
    flags: i32,
    /// The request's TTL; -1 for requests without one (as `pRequest2TxnCreate` sets it).
    ttl_ms: i64,
}

fn create_args(r: &CreateRequest) -> CreateArgs<'_> {
    CreateArgs {
        path: &r.path,
        data: &r.data,
        acl: &r.acl,
        flags: r.flags,
        ttl_ms: -1,
    }
}

fn create_ttl_args(r: &CreateTtlRequest) -> CreateArgs<'_> {
    CreateArgs {
        path: &r.path,
        data: &r.data,
        acl: &r.acl,
        flags: r.flags,
        ttl_ms: r.ttl,
    }
}

/// One request being prepared.
struct Prep<'c, 'a> {
    ctx: &'c PrepContext<'a>,
    pending: &'c mut Pending,
    tree: &'c DataTree,
}

impl Prep<'_, '_> {
    /// `getRecordForPath`: the node as the pending writes leave it.
    fn lookup(&self, path: &str) -> Result<NodeView, ErrorCode> {
        self.pending
            .lookup(path, self.tree)
            .ok_or(ErrorCode::NoNode)
    }

    fn check_acl(&self, node: &NodeView, perm: i32) -> Result<(), ErrorCode> {
        acl::check(&node.acl, perm, self.ctx.auth_ids)
    }

    fn record(
        &mut self,
        path: &str,
        stat: Option<StatPersisted>,
        child_count: i32,
        acl: Arc<Vec<Acl>>,
        data: RecordData,
    ) {
        self.pending.record(
            ChangeRecord {
                zxid: self.ctx.zxid,
                path: Arc::from(path),
                stat,
                child_count,
                acl,
                data,
            },
            self.tree,
        );
    }

    /// createTTL (21). A request whose flags are not a TTL mode still gets a `CreateTTLTxn`
    /// in ZooKeeper when its TTL is negative.
    fn create_ttl(&mut self, r: &CreateTtlRequest) -> Result<TxnBody, ErrorCode> {
        if r.ttl < 0 && CreateMode::from_flag(r.flags).is_ok_and(|m| !m.is_ttl()) {
            // ZK-COMPAT: PrepRequestProcessor.java: that txn carries ttl < 0, which
            // `DataTree.processTxn` cannot turn into an owner: the IllegalArgumentException
            // kills ZooKeeper's SyncThread (the server exits; seen on 3.8.0). The request is
            // refused as the TTL checks refuse other bad TTLs instead.
            return Err(ErrorCode::BadArguments);
        }
        self.create(OpCode::CreateTtl, &create_ttl_args(r))
    }

    /// create (1), create2 (15), createContainer (19), createTTL (21): `pRequest2TxnCreate`.
    /// `op` picks the txn record; the flags pick the node's kind in `Pending`.
    fn create(&mut self, op: OpCode, a: &CreateArgs<'_>) -> Result<TxnBody, ErrorCode> {
        let mode = CreateMode::from_flag(a.flags)?;
        mode.validate_ttl(a.ttl_ms, self.ctx.extended_types_enabled)?;
        // `validatePathForCreate`: only a missing '/' or a NUL is checked before the ACL and
        // the parent; the full path rules run once the sequence suffix is on.
        if a.path.contains('\0') {
            return Err(ErrorCode::BadArguments);
        }
        let parent_path = parent_of(a.path).ok_or(ErrorCode::BadArguments)?;
        let acl = acl::fixup(a.acl, self.ctx.auth_ids)?;
        let parent = self.lookup(parent_path)?;
        self.check_acl(&parent, acl::CREATE)?;
        let path = if mode.is_sequential() {
            let mut p = String::with_capacity(a.path.len() + 11);
            p.push_str(a.path);
            p.push_str(&path::sequential_suffix(parent.stat.cversion));
            p
        } else {
            a.path.to_owned()
        };
        path::validate(&path, false)?;
        if self.pending.lookup(&path, self.tree).is_some() {
            return Err(ErrorCode::NodeExists);
        }
        let parent_kind =
            EphemeralType::from_owner(parent.stat.ephemeral_owner, self.ctx.extended_types_enabled);
        if matches!(parent_kind, EphemeralType::Session(_)) {
            return Err(ErrorCode::NoChildrenForEphemerals);
        }
        let owner = mode.owner(self.ctx.session_id, a.ttl_ms)?;
        // Java int arithmetic: the cversion wraps, and so does the sequence number.
        let parent_c_version = parent.stat.cversion.wrapping_add(1);
        let node = NodeView {
            stat: create_stat(self.ctx.zxid, self.ctx.now_ms, owner),
            child_count: 0,
            acl: self
                .tree
                .shared_acl(&acl)
                .unwrap_or_else(|| Arc::new(acl.clone())),
            data: RecordData::Written(a.data.clone()),
        };
        self.record_create(parent_path, parent, parent_c_version, &path, node);
        Ok(create_body(op, path, a, acl, mode, parent_c_version))
    }

    /// The two records of a create: the parent's new child count, cversion and pzxid, and the
    /// new node (`DataTree.createStat`).
    fn record_create(
        &mut self,
        parent_path: &str,
        parent: NodeView,
        parent_c_version: i32,
        path: &str,
        node: NodeView,
    ) {
        let mut pstat = parent.stat;
        pstat.cversion = parent_c_version;
        pstat.pzxid = self.ctx.zxid;
        let count = parent.child_count + 1;
        self.record(parent_path, Some(pstat), count, parent.acl, parent.data);
        self.record(path, Some(node.stat), 0, node.acl, node.data);
    }

    /// delete (2). The DELETE permission is checked on the parent.
    fn delete(&mut self, path: &str, version: i32) -> Result<TxnBody, ErrorCode> {
        let parent_path = parent_for_delete(path)?;
        let parent = self.lookup(parent_path)?;
        self.check_acl(&parent, acl::DELETE)?;
        let node = self.lookup(path)?;
        check_version(node.stat.version, version)?;
        if node.child_count > 0 {
            return Err(ErrorCode::NotEmpty);
        }
        self.record_delete(parent_path, parent, path, node);
        Ok(TxnBody::Delete(DeleteTxn {
            path: path.to_owned(),
        }))
    }

    /// deleteContainer (20), sent by the container manager with session 0, as ZooKeeper's
    /// `ContainerManager` does: no ACL or version check. The body is the raw path bytes.
    fn delete_container(&mut self, raw: &Bytes) -> Result<TxnBody, ErrorCode> {
        if self.ctx.session_id != 0 {
            // ZK-COMPAT: PrepRequestProcessor.java (3.8): the path is decoded from the whole
            // packet buffer (`request.request.array()`), header included, so a client's
            // deleteContainer always holds a NUL and is BadArguments (seen on 3.8.0; 3.9 fails
            // to decode it instead). Clients must not delete nodes without ACL checks.
            return Err(ErrorCode::BadArguments);
        }
        // Java decodes with `new String(bytes, UTF_8)`, which replaces bad sequences too.
        let path = String::from_utf8_lossy(raw);
        let parent_path = parent_for_delete(&path)?;
        let node = self.lookup(&path)?;
        if node.child_count > 0 {
            return Err(ErrorCode::NotEmpty);
        }
        let kind =
            EphemeralType::from_owner(node.stat.ephemeral_owner, self.ctx.extended_types_enabled);
        if matches!(kind, EphemeralType::Session(_)) {
            // ZK-COMPAT: PrepRequestProcessor.java: only a session's ephemeral is refused, and
            // with BadVersion; a plain persistent node is deleted like a container.
            return Err(ErrorCode::BadVersion);
        }
        let parent = self.lookup(parent_path)?;
        self.record_delete(parent_path, parent, &path, node);
        Ok(TxnBody::Delete(DeleteTxn {
            path: path.into_owned(),
        }))
    }

    /// The two records of a delete: the parent loses a child and takes the zxid as pzxid (its
    /// cversion counts creations only, as `DataNode` does); the node is gone.
    fn record_delete(&mut self, parent_path: &str, parent: NodeView, path: &str, node: NodeView) {
        let mut pstat = parent.stat;
        pstat.pzxid = self.ctx.zxid;
        let count = parent.child_count - 1;
        self.record(parent_path, Some(pstat), count, parent.acl, parent.data);
        self.record(path, None, -1, node.acl, RecordData::Written(None));
    }

    /// setData (5).
    fn set_data(
        &mut self,
        path: &str,
        data: &Option<Bytes>,
        version: i32,
    ) -> Result<TxnBody, ErrorCode> {
        path::validate(path, false)?;
        let node = self.lookup(path)?;
        self.check_acl(&node, acl::WRITE)?;
        let new_version = check_version(node.stat.version, version)?;
        let mut stat = node.stat;
        stat.version = new_version;
        stat.mtime = self.ctx.now_ms;
        stat.mzxid = self.ctx.zxid;
        self.record(
            path,
            Some(stat),
            node.child_count,
            node.acl,
            RecordData::Written(data.clone()),
        );
        Ok(TxnBody::SetData(SetDataTxn {
            path: path.to_owned(),
            // `Bytes` is reference counted: the payload is not copied.
            data: data.clone(),
            version: new_version,
        }))
    }

    /// setACL (7). The new ACL is fixed up (and refused) before the node is looked at.
    fn set_acl(&mut self, path: &str, acl: &[Acl], version: i32) -> Result<TxnBody, ErrorCode> {
        path::validate(path, false)?;
        let list = acl::fixup(acl, self.ctx.auth_ids)?;
        let node = self.lookup(path)?;
        self.check_acl(&node, acl::ADMIN)?;
        let new_version = check_version(node.stat.aversion, version)?;
        let mut stat = node.stat;
        stat.aversion = new_version;
        // ZK-COMPAT: PrepRequestProcessor.java: the pending record keeps the node's old ACL,
        // so later writes prepared before this one is applied are checked against it.
        self.record(path, Some(stat), node.child_count, node.acl, node.data);
        Ok(TxnBody::SetAcl(SetAclTxn {
            path: path.to_owned(),
            acl: list,
            version: new_version,
        }))
    }

    /// check (13): READ permission and the data version. Records nothing.
    fn check(&mut self, path: &str, version: i32) -> Result<TxnBody, ErrorCode> {
        path::validate(path, false)?;
        let node = self.lookup(path)?;
        self.check_acl(&node, acl::READ)?;
        // ZK-COMPAT: PrepRequestProcessor.java: the txn carries the version plus one, as
        // `checkAndIncVersion` returns it.
        let version = check_version(node.stat.version, version)?;
        Ok(TxnBody::Check(CheckVersionTxn {
            path: path.to_owned(),
            version,
        }))
    }

    /// reconfig (16): always an error here. With reconfig disabled (ZooKeeper's default) it is
    /// ReconfigDisabled; enabled, zkrs does not implement membership changes and answers
    /// Unimplemented, as a standalone ZooKeeper does.
    fn reconfig(&self) -> ErrorCode {
        if self.ctx.reconfig_enabled {
            ErrorCode::Unimplemented
        } else {
            ErrorCode::ReconfigDisabled
        }
    }

    /// multi (14): every op under the multi's zxid, in order, each seeing the changes of the
    /// ops before it. When an op fails, the ops before it keep their txns, the failing one
    /// becomes `ErrorTxn(code)`, the ones after it `ErrorTxn(RuntimeInconsistency)`, and the
    /// multi's pending records are rolled back; the header keeps type multi. Ops that
    /// ZooKeeper refuses while decoding the request fail the whole multi (see [`multi_op_type`]).
    fn multi(&mut self, ops: &[MultiOp]) -> Result<TxnBody, ErrorCode> {
        for op in ops {
            multi_op_type(op)?;
        }
        let mut subs = Vec::with_capacity(ops.len());
        let mut failed = false;
        for op in ops {
            if failed {
                subs.push(error_sub(ErrorCode::RuntimeInconsistency));
                continue;
            }
            let ty = multi_op_type(op)?;
            match self.multi_op(op, ty) {
                Ok(body) => subs.push(SubTxn {
                    r#type: ty.as_i32(),
                    body,
                }),
                Err(code) => {
                    failed = true;
                    self.pending.rollback(self.ctx.zxid);
                    subs.push(error_sub(code));
                }
            }
        }
        Ok(TxnBody::Multi(subs))
    }

    fn multi_op(&mut self, op: &MultiOp, ty: OpCode) -> Result<TxnBody, ErrorCode> {
        match op {
            MultiOp::Create { req, .. } => self.create(ty, &create_args(req)),
            MultiOp::CreateTtl(req) if ty == OpCode::CreateTtl => {
                self.create(ty, &create_ttl_args(req))
            }
            // A createTTL op without a TTL mode is decoded as a plain create; its TTL is
            // dropped (`Op.create(path, data, acl, flags, ttl)`).
            MultiOp::CreateTtl(req) => self.create(
                ty,
                &CreateArgs {
                    ttl_ms: -1,
                    ..create_ttl_args(req)
                },
            ),
            MultiOp::Delete(r) => self.delete(&r.path, r.version),
            MultiOp::SetData(r) => self.set_data(&r.path, &r.data, r.version),
            MultiOp::Check(r) => self.check(&r.path, r.version),
            MultiOp::GetChildren(_) | MultiOp::GetData(_) => Err(ErrorCode::MarshallingError),
        }
    }
}

/// The type ZooKeeper gives a multi op when it decodes the request (`MultiOperationRecord`
/// and `Op.create`, 3.8.2+/3.9): creates take it from their flags when these name a container
/// or a TTL, else from the op's header. That type is the sub-txn's type and so picks the
/// result record (create -> path only; create2, createContainer, createTTL -> path and stat).
///
/// # Errors
/// `MarshallingError`, for the whole multi, where decoding fails in ZooKeeper (an
/// IOException in Prep): a read op (a multi must not mix kinds, and an all-read multi sent as
/// opcode 14 fails too), or a create/create2/createContainer op whose flags are not a valid
/// mode or are a TTL mode (`CreateOptions` validates the missing TTL).
fn multi_op_type(op: &MultiOp) -> Result<OpCode, ErrorCode> {
    Ok(match op {
        MultiOp::Create { op, req } => {
            let mode = CreateMode::from_flag(req.flags).map_err(|_| ErrorCode::MarshallingError)?;
            if mode.is_ttl() {
                return Err(ErrorCode::MarshallingError);
            }
            if mode.is_container() {
                OpCode::CreateContainer
            } else {
                // ZK-COMPAT: since 3.8.4 MultiOperationRecord keeps the op's own type
                // (`Op.create(..., h.getType())`), so a createContainer op stays one whatever
                // its flags; 3.8.0 derived the type from the flags (compat-tests/diff R3).
                *op
            }
        }
        // `Op.create(..., flags, ttl)` reads unknown flags as PERSISTENT here; Prep then
        // refuses them for that op alone.
        MultiOp::CreateTtl(req) => match CreateMode::from_flag(req.flags) {
            Ok(mode) if mode.is_ttl() => OpCode::CreateTtl,
            Ok(mode) if mode.is_container() => OpCode::CreateContainer,
            _ => OpCode::Create,
        },
        MultiOp::Delete(_) => OpCode::Delete,
        MultiOp::SetData(_) => OpCode::SetData,
        MultiOp::Check(_) => OpCode::Check,
        MultiOp::GetChildren(_) | MultiOp::GetData(_) => return Err(ErrorCode::MarshallingError),
    })
}

/// The txn record of a create: the opcode picks it, as `pRequest2TxnCreate` does (so a
/// createContainer request always makes a container, and a create with the container flag
/// makes a plain node whatever `Pending` says).
fn create_body(
    op: OpCode,
    path: String,
    a: &CreateArgs<'_>,
    acl: Vec<Acl>,
    mode: CreateMode,
    parent_c_version: i32,
) -> TxnBody {
    let data = a.data.clone();
    match op {
        OpCode::CreateContainer => TxnBody::CreateContainer(CreateContainerTxn {
            path,
            data,
            acl,
            parent_c_version,
        }),
        OpCode::CreateTtl => TxnBody::CreateTtl(CreateTtlTxn {
            path,
            data,
            acl,
            parent_c_version,
            ttl: a.ttl_ms,
        }),
        _ => TxnBody::Create(CreateTxn {
            path,
            data,
            acl,
            ephemeral: mode.is_ephemeral(),
            parent_c_version,
        }),
    }
}

/// `checkAndIncVersion`: -1 matches any version. Returns the version after the write, with
/// Java's int wrap-around.
fn check_version(current: i32, expected: i32) -> Result<i32, ErrorCode> {
    if expected != -1 && expected != current {
        return Err(ErrorCode::BadVersion);
    }
    Ok(current.wrapping_add(1))
}

/// The parent as ZooKeeper cuts it (`path.substring(0, path.lastIndexOf('/'))`), with the
/// root's alias "" spelled "/". `None` when there is no '/'.
fn parent_of(path: &str) -> Option<&str> {
    match path.rfind('/')? {
        0 => Some("/"),
        slash => Some(&path[..slash]),
    }
}

/// `getParentPathAndValidate`: delete paths are not run through the path rules, only checked
/// for a '/', a NUL, and the nodes that may never go (`DataTree.isSpecialPath`).
fn parent_for_delete(path: &str) -> Result<&str, ErrorCode> {
    if path.contains('\0') || DataTree::is_special_path(path) {
        return Err(ErrorCode::BadArguments);
    }
    parent_of(path).ok_or(ErrorCode::BadArguments)
}

fn error_sub(code: ErrorCode) -> SubTxn {
    SubTxn {
        r#type: OpCode::Error.as_i32(),
        body: TxnBody::Error(ErrorTxn { err: code.as_i32() }),
    }
}

fn entry(
    session_id: i64,
    cxid: i32,
    zxid: i64,
    now_ms: i64,
    op: OpCode,
    body: TxnBody,
) -> TxnEntry {
    TxnEntry {
        hdr: TxnHeader {
            client_id: session_id,
            cxid,
            zxid,
            time: now_ms,
            r#type: op.as_i32(),
        },
        body,
        digest: None,
    }
}

/// A failed write: type error (-1), same zxid.
fn error_entry(ctx: &PrepContext<'_>, code: ErrorCode) -> TxnEntry {
    let body = TxnBody::Error(ErrorTxn { err: code.as_i32() });
    entry(
        ctx.session_id,
        ctx.cxid,
        ctx.zxid,
        ctx.now_ms,
        OpCode::Error,
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_of_cuts_at_the_last_slash() {
        assert_eq!(parent_of("/a"), Some("/"));
        assert_eq!(parent_of("/a/b"), Some("/a"));
        assert_eq!(parent_of("/a/"), Some("/a"));
        assert_eq!(parent_of("a"), None);
        assert_eq!(parent_of(""), None);
    }

    #[test]
    fn special_paths_and_slashless_paths_cannot_be_deleted() {
        for p in [
            "/",
            "/zookeeper",
            "/zookeeper/quota",
            "/zookeeper/config",
            "a",
            "",
            "/a\0",
        ] {
            assert_eq!(parent_for_delete(p), Err(ErrorCode::BadArguments), "{p:?}");
        }
        assert_eq!(
            parent_for_delete("/zookeeper/quota/x"),
            Ok("/zookeeper/quota")
        );
        // Not run through the path rules: "/a/" is looked up (and is missing).
        assert_eq!(parent_for_delete("/a/"), Ok("/a"));
    }

    #[test]
    fn version_minus_one_matches_anything_and_versions_wrap() {
        assert_eq!(check_version(4, -1), Ok(5));
        assert_eq!(check_version(4, 4), Ok(5));
        assert_eq!(check_version(4, 3), Err(ErrorCode::BadVersion));
        assert_eq!(check_version(i32::MAX, -1), Ok(i32::MIN));
    }

    #[test]
    fn multi_create_types_come_from_flags_then_header() {
        let create = |op, flags| MultiOp::Create {
            op,
            req: CreateRequest {
                path: "/a".into(),
                data: None,
                acl: vec![],
                flags,
            },
        };
        let ttl = |flags| {
            MultiOp::CreateTtl(CreateTtlRequest {
                path: "/a".into(),
                data: None,
                acl: vec![],
                flags,
                ttl: 100,
            })
        };
        assert_eq!(
            multi_op_type(&create(OpCode::Create, 0)),
            Ok(OpCode::Create)
        );
        assert_eq!(
            multi_op_type(&create(OpCode::Create2, 3)),
            Ok(OpCode::Create2)
        );
        assert_eq!(
            multi_op_type(&create(OpCode::Create, 4)),
            Ok(OpCode::CreateContainer)
        );
        assert_eq!(
            multi_op_type(&create(OpCode::CreateContainer, 0)),
            Ok(OpCode::CreateContainer)
        );
        assert_eq!(
            multi_op_type(&create(OpCode::Create, 5)),
            Err(ErrorCode::MarshallingError)
        );
        assert_eq!(
            multi_op_type(&create(OpCode::Create, 9)),
            Err(ErrorCode::MarshallingError)
        );
        assert_eq!(multi_op_type(&ttl(5)), Ok(OpCode::CreateTtl));
        assert_eq!(multi_op_type(&ttl(4)), Ok(OpCode::CreateContainer));
        assert_eq!(multi_op_type(&ttl(1)), Ok(OpCode::Create));
        assert_eq!(multi_op_type(&ttl(42)), Ok(OpCode::Create));
    }
}
