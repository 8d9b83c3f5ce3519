//! One znode. Counterpart of `org.apache.zookeeper.server.DataNode`, including
//! `DataNode.copyStat`, which derives the client `Stat` from the persisted one.

use std::sync::Arc;

use jute_codec::records::{Acl, Stat, StatPersisted};

use crate::ephemeral;
use crate::java_set::JavaHashSet;

/// One znode.
///
/// Memory matters (benchmarks run with a million znodes): the ACL list is shared between
/// nodes through the tree's [`AclCache`](crate::acl::AclCache), and a leaf's empty child set
/// allocates nothing.
#[derive(Debug, Clone)]
pub struct Znode {
    /// Data; `None` is null data, distinct from empty. A boxed slice (16 bytes) rather than
    /// `Bytes` (32): with the lazy child set that keeps `Znode` at 104 bytes, a 112-byte
    /// allocation.
    pub data: Option<Box<[u8]>>,
    /// ACL (shared with every node that has an equal list).
    pub acl: Arc<Vec<Acl>>,
    /// Persisted stat. `cversion` here counts child *creations* (it is what the sequential
    /// suffix uses); clients see the derived value of [`Znode::client_stat`].
    pub stat: StatPersisted,
    /// Child names (`DataNode.children`), in a set that reproduces the iteration order of
    /// ZooKeeper's `HashSet<String>` (create it with [`JavaHashSet::for_children`]).
    pub children: JavaHashSet,
}

impl Znode {
    /// Length of the data as `Stat.dataLength` reports it (0 for null data).
    pub fn data_len(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.len())
    }

    /// The client-visible `Stat` (`DataNode.copyStat`).
    ///
    /// ZK-COMPAT: DataNode.java: `cversion` is served as `2 * persisted cversion -
    /// numChildren`. The persisted cversion counts creations (deletes do not bump it), so the
    /// served value counts creations plus deletions ("v3 semantics"). A fresh `/`, whose
    /// `/zookeeper` child was added without a bump, reports -1. `ephemeralOwner` is 0 for
    /// containers and TTL nodes.
    pub fn client_stat(&self, extended_types_enabled: bool) -> Stat {
        let s = &self.stat;
        let num_children = i32::try_from(self.children.len()).expect("child count fits in i32");
        Stat {
            czxid: s.czxid,
            mzxid: s.mzxid,
            ctime: s.ctime,
            mtime: s.mtime,
            version: s.version,
            cversion: s.cversion.wrapping_mul(2).wrapping_sub(num_children),
            aversion: s.aversion,
            ephemeral_owner: ephemeral::client_owner(s.ephemeral_owner, extended_types_enabled),
            data_length: i32::try_from(self.data_len()).expect("data length fits in i32"),
            num_children,
            pzxid: s.pzxid,
        }
    }
}

/// `DataTree.createStat(zxid, time, ephemeralOwner)`.
pub fn create_stat(zxid: i64, time: i64, ephemeral_owner: i64) -> StatPersisted {
    StatPersisted {
        czxid: zxid,
        mzxid: zxid,
        ctime: time,
        mtime: time,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeral_owner,
        pzxid: zxid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_cversion_counts_creations_and_deletions() {
        let mut n = Znode {
            data: None,
            acl: Arc::new(Vec::new()),
            stat: create_stat(1, 2, 0),
            children: JavaHashSet::for_children(),
        };
        // Three creates, one delete: two children left.
        n.stat.cversion = 3;
        n.children.insert("a");
        n.children.insert("b");
        let s = n.client_stat(false);
        assert_eq!(s.cversion, 4);
        assert_eq!(s.num_children, 2);
        assert_eq!(s.data_length, 0);
    }

    #[test]
    fn containers_report_no_owner() {
        let n = Znode {
            data: Some(Box::from(&b"xy"[..])),
            acl: Arc::new(Vec::new()),
            stat: create_stat(1, 2, i64::MIN),
            children: JavaHashSet::for_children(),
        };
        assert_eq!(n.client_stat(false).ephemeral_owner, 0);
        assert_eq!(n.client_stat(false).data_length, 2);
    }
}
