//! Jute module `org.apache.zookeeper.data`: `Id`, `ACL`, `Stat`, `StatPersisted`, `ClientInfo`.

use crate::codec::jute_record;

jute_record! {
    /// An identity: a scheme (`world`, `auth`, `digest`, `ip`, `super`, ...) and its id.
    pub struct Id {
        /// Authentication scheme.
        pub scheme: String,
        /// Scheme-specific id, e.g. `anyone` or `user:base64(sha1)`.
        pub id: String,
    }
}

jute_record! {
    /// One ACL entry: a permission bit set for an identity.
    pub struct Acl {
        /// Bits of `Perms` (READ=1, WRITE=2, CREATE=4, DELETE=8, ADMIN=16).
        pub perms: i32,
        /// Who the entry is for.
        pub id: Id,
    }
}

jute_record! {
    /// The znode metadata a client sees.
    #[derive(Copy)]
    pub struct Stat {
        /// Zxid of the txn that created the node.
        pub czxid: i64,
        /// Zxid of the last txn that changed the data.
        pub mzxid: i64,
        /// Creation time, ms since the epoch.
        pub ctime: i64,
        /// Last data change time, ms since the epoch.
        pub mtime: i64,
        /// Data version.
        pub version: i32,
        /// Child-list version.
        pub cversion: i32,
        /// ACL version.
        pub aversion: i32,
        /// Owning session of an ephemeral, or the extended-type marker; 0 for persistent nodes.
        pub ephemeral_owner: i64,
        /// Length of the data (0 for null data).
        pub data_length: i32,
        /// Number of children.
        pub num_children: i32,
        /// Zxid of the last change to the child list.
        pub pzxid: i64,
    }
}

jute_record! {
    /// The znode metadata stored in snapshots.
    #[derive(Copy)]
    pub struct StatPersisted {
        /// Zxid of the txn that created the node.
        pub czxid: i64,
        /// Zxid of the last txn that changed the data.
        pub mzxid: i64,
        /// Creation time, ms since the epoch.
        pub ctime: i64,
        /// Last data change time, ms since the epoch.
        pub mtime: i64,
        /// Data version.
        pub version: i32,
        /// Child-list version.
        pub cversion: i32,
        /// ACL version.
        pub aversion: i32,
        /// Owning session of an ephemeral, or the extended-type marker; 0 for persistent nodes.
        pub ephemeral_owner: i64,
        /// Zxid of the last change to the child list.
        pub pzxid: i64,
    }
}

jute_record! {
    /// One entry of a `whoAmI` answer.
    pub struct ClientInfo {
        /// Authentication scheme.
        pub auth_scheme: String,
        /// User name or other id (e.g. the IP).
        pub user: String,
    }
}
