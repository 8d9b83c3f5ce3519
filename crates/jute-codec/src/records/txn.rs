//! Jute module `org.apache.zookeeper.txn`: the transactions written to the log and replicated.

use bytes::Bytes;

use crate::codec::jute_record;
use crate::records::Acl;

jute_record! {
    /// Digest of the tree after a txn (3.6+, `digest.enabled`).
    #[derive(Copy)]
    pub struct TxnDigest {
        /// Digest algorithm version.
        pub version: i32,
        /// The digest value.
        pub tree_digest: i64,
    }
}

jute_record! {
    /// Header of every transaction.
    #[derive(Copy)]
    pub struct TxnHeader {
        /// Session the txn belongs to.
        pub client_id: i64,
        /// The client's xid for the request.
        pub cxid: i32,
        /// The txn's zxid.
        pub zxid: i64,
        /// Wall-clock time (ms) when the leader prepared it.
        pub time: i64,
        /// Opcode of the txn (`OpCode::Error` = -1 for failed requests).
        pub r#type: i32,
    }
}

jute_record! {
    /// Pre-3.3 create txn without the parent cversion.
    pub struct CreateTxnV0 {
        /// Node path.
        pub path: String,
        /// Node data.
        pub data: Option<Bytes>,
        /// Node ACL.
        pub acl: Vec<Acl>,
        /// Whether the node is ephemeral.
        pub ephemeral: bool,
    }
}

jute_record! {
    /// Create of a persistent or ephemeral node (possibly sequential).
    pub struct CreateTxn {
        /// Node path (with the sequence suffix already applied).
        pub path: String,
        /// Node data.
        pub data: Option<Bytes>,
        /// Node ACL.
        pub acl: Vec<Acl>,
        /// Whether the node is ephemeral (owned by the txn's session).
        pub ephemeral: bool,
        /// The parent's cversion after this create.
        pub parent_c_version: i32,
    }
}

jute_record! {
    /// Create of a TTL node.
    pub struct CreateTtlTxn {
        /// Node path.
        pub path: String,
        /// Node data.
        pub data: Option<Bytes>,
        /// Node ACL.
        pub acl: Vec<Acl>,
        /// The parent's cversion after this create.
        pub parent_c_version: i32,
        /// Time to live, ms.
        pub ttl: i64,
    }
}

jute_record! {
    /// Create of a container node.
    pub struct CreateContainerTxn {
        /// Node path.
        pub path: String,
        /// Node data.
        pub data: Option<Bytes>,
        /// Node ACL.
        pub acl: Vec<Acl>,
        /// The parent's cversion after this create.
        pub parent_c_version: i32,
    }
}

jute_record! {
    /// Delete of a node.
    pub struct DeleteTxn {
        /// Node path.
        pub path: String,
    }
}

jute_record! {
    /// Data change of a node.
    pub struct SetDataTxn {
        /// Node path.
        pub path: String,
        /// New data.
        pub data: Option<Bytes>,
        /// The node's data version after the change.
        pub version: i32,
    }
}

jute_record! {
    /// A successful `check` inside a multi.
    pub struct CheckVersionTxn {
        /// Node path.
        pub path: String,
        /// The version that was checked.
        pub version: i32,
    }
}

jute_record! {
    /// ACL change of a node.
    pub struct SetAclTxn {
        /// Node path.
        pub path: String,
        /// New ACL.
        pub acl: Vec<Acl>,
        /// The node's ACL version after the change.
        pub version: i32,
    }
}

jute_record! {
    /// Obsolete max-children setting.
    pub struct SetMaxChildrenTxn {
        /// Node path.
        pub path: String,
        /// The limit.
        pub max: i32,
    }
}

jute_record! {
    /// Creation of a session.
    #[derive(Copy)]
    pub struct CreateSessionTxn {
        /// Negotiated session timeout, ms.
        pub time_out: i32,
    }
}

jute_record! {
    /// Close of a session, listing the ephemerals it removes (3.6+).
    pub struct CloseSessionTxn {
        /// Ephemeral paths deleted by the close.
        pub paths2_delete: Vec<String>,
    }
}

jute_record! {
    /// A request that failed validation: it still consumes a zxid.
    #[derive(Copy)]
    pub struct ErrorTxn {
        /// The `KeeperException.Code`.
        pub err: i32,
    }
}

jute_record! {
    /// One sub-txn of a multi: its opcode and its serialised body.
    pub struct Txn {
        /// Opcode of the sub-txn.
        pub r#type: i32,
        /// The serialised sub-txn record.
        pub data: Option<Bytes>,
    }
}

jute_record! {
    /// A multi: its sub-txns in order.
    pub struct MultiTxn {
        /// The sub-txns.
        pub txns: Vec<Txn>,
    }
}
