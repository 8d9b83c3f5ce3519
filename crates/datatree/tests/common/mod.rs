//! Test harness: builds txns the way `PrepRequestProcessor` would for valid requests (parent
//! cversion + 1, sequential suffix from the parent's persisted cversion, owners by create
//! mode) and applies them with increasing zxids. Validation failures are not modelled here:
//! tests that need an `ErrorTxn` build it themselves.
#![allow(dead_code, unreachable_pub)]

use bytes::Bytes;
use datatree::acl;
use datatree::ephemeral::CreateMode;
use datatree::{path, ApplyOutcome, DataTree, TreeConfig};
use jute_codec::records::*;
use jute_codec::txn_body::{SubTxn, TxnBody};
use jute_codec::OpCode;

/// Wall time of a txn: derived from its zxid so tests can predict it.
pub fn time_of(zxid: i64) -> i64 {
    1_700_000_000_000 + zxid * 10
}

/// A txn header for `client` at `zxid`.
pub fn hdr(client: i64, zxid: i64, op: OpCode) -> TxnHeader {
    TxnHeader {
        client_id: client,
        cxid: 1,
        zxid,
        time: time_of(zxid),
        r#type: op as i32,
    }
}

/// `Some(bytes)` from a literal.
pub fn data(d: &[u8]) -> Option<Bytes> {
    Some(Bytes::copy_from_slice(d))
}

/// A tree plus the next zxid.
pub struct Zk {
    pub tree: DataTree,
    pub zxid: i64,
}

impl Zk {
    pub fn new() -> Self {
        Self::with_config(TreeConfig::default())
    }

    pub fn with_config(config: TreeConfig) -> Self {
        Zk {
            tree: DataTree::with_config(config),
            zxid: 0,
        }
    }

    /// Applies `body` as type `op` for `client` at the next zxid.
    pub fn apply(&mut self, client: i64, op: OpCode, body: TxnBody) -> ApplyOutcome {
        self.zxid += 1;
        self.tree.apply(&hdr(client, self.zxid, op), &body)
    }

    /// The parent cversion Prep would put in the txn.
    pub fn next_cversion(&self, path: &str) -> i32 {
        let parent = path::parent(path);
        self.tree.node(parent).map_or(0, |n| n.stat.cversion + 1)
    }

    /// The txn body and type of a create as Prep builds it; returns the final path too.
    pub fn create_txn(
        &self,
        client: i64,
        path: &str,
        d: Option<Bytes>,
        mode: CreateMode,
        ttl: i64,
    ) -> (OpCode, TxnBody, String) {
        let _ = client;
        let parent = path::parent(path);
        let pc = self.tree.node(parent).map_or(0, |n| n.stat.cversion);
        let full = if mode.is_sequential() {
            format!("{path}{}", path::sequential_suffix(pc))
        } else {
            path.to_owned()
        };
        let acl = acl::open_acl_unsafe();
        let parent_c_version = pc + 1;
        if mode.is_container() {
            let body = TxnBody::CreateContainer(CreateContainerTxn {
                path: full.clone(),
                data: d,
                acl,
                parent_c_version,
            });
            (OpCode::CreateContainer, body, full)
        } else if mode.is_ttl() {
            let body = TxnBody::CreateTtl(CreateTtlTxn {
                path: full.clone(),
                data: d,
                acl,
                parent_c_version,
                ttl,
            });
            (OpCode::CreateTtl, body, full)
        } else {
            let body = TxnBody::Create(CreateTxn {
                path: full.clone(),
                data: d,
                acl,
                ephemeral: mode.is_ephemeral(),
                parent_c_version,
            });
            (OpCode::Create2, body, full)
        }
    }

    /// create2 / createContainer / createTTL as Prep would log it.
    pub fn create(
        &mut self,
        client: i64,
        path: &str,
        d: Option<Bytes>,
        mode: CreateMode,
    ) -> ApplyOutcome {
        self.create_ttl(client, path, d, mode, -1)
    }

    pub fn create_ttl(
        &mut self,
        client: i64,
        path: &str,
        d: Option<Bytes>,
        mode: CreateMode,
        ttl: i64,
    ) -> ApplyOutcome {
        let (op, body, _) = self.create_txn(client, path, d, mode, ttl);
        self.apply(client, op, body)
    }

    /// A persistent node with data "x".
    pub fn mk(&mut self, path: &str) -> ApplyOutcome {
        self.create(1, path, data(b"x"), CreateMode::Persistent)
    }

    pub fn delete(&mut self, client: i64, path: &str) -> ApplyOutcome {
        self.apply(
            client,
            OpCode::Delete,
            TxnBody::Delete(DeleteTxn { path: path.into() }),
        )
    }

    /// setData with the version Prep computes (current + 1).
    pub fn set_data(&mut self, client: i64, path: &str, d: Option<Bytes>) -> ApplyOutcome {
        let version = self.tree.node(path).map_or(0, |n| n.stat.version + 1);
        self.apply(
            client,
            OpCode::SetData,
            TxnBody::SetData(SetDataTxn {
                path: path.into(),
                data: d,
                version,
            }),
        )
    }

    pub fn set_acl(&mut self, client: i64, path: &str, acl: Vec<Acl>) -> ApplyOutcome {
        let version = self.tree.node(path).map_or(0, |n| n.stat.aversion + 1);
        self.apply(
            client,
            OpCode::SetAcl,
            TxnBody::SetAcl(SetAclTxn {
                path: path.into(),
                acl,
                version,
            }),
        )
    }

    /// closeSession as 3.8 Prep logs it: the session's ephemerals in the body.
    pub fn close_session(&mut self, client: i64) -> ApplyOutcome {
        let paths = self.tree.ephemerals(client);
        self.apply(
            client,
            OpCode::CloseSession,
            TxnBody::CloseSession(Some(CloseSessionTxn {
                paths2_delete: paths,
            })),
        )
    }

    pub fn error(&mut self, client: i64, err: jute_codec::ErrorCode) -> ApplyOutcome {
        self.apply(
            client,
            OpCode::Error,
            TxnBody::Error(ErrorTxn { err: err.as_i32() }),
        )
    }

    pub fn multi(&mut self, client: i64, subs: Vec<SubTxn>) -> ApplyOutcome {
        self.apply(client, OpCode::Multi, TxnBody::Multi(subs))
    }
}

impl Default for Zk {
    fn default() -> Self {
        Self::new()
    }
}

/// A sub-txn.
pub fn sub(op: OpCode, body: TxnBody) -> SubTxn {
    SubTxn {
        r#type: op as i32,
        body,
    }
}
