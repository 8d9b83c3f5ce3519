//! The data-tree digest (ZOOKEEPER-3114). Counterpart of `DigestCalculator`, the `AdHash`
//! sum `NodeHashMapImpl` keeps, and `DataTree.ZxidDigest`.
//!
//! - The digest of one node is the CRC32 (zlib polynomial, `java.util.zip.CRC32`) of its path
//!   bytes, its data (nothing for null data) and a 60-byte block of stat fields in the order
//!   czxid, mzxid, **pzxid**, ctime, mtime, version, cversion, aversion, ephemeralOwner. The
//!   ACL is not covered.
//! - Nodes under `/zookeeper/` (quota and config nodes, which servers rewrite locally) digest
//!   to 0; `/zookeeper` itself counts. The root is hashed under the path `""`.
//! - The tree digest is the sum, modulo 2^64, of the node digests ([`crate::DataTree::digest`]
//!   keeps it up to date on every change, as `NodeHashMapImpl.preChange`/`postChange` do).
//!
//! ZooKeeper writes the tree digest after each txn into the txn log (`TxnDigest`), and the
//! digest of the last applied txn into each snapshot (`ZxidDigest`); a mismatch on load is
//! only logged, never fatal.

use jute_codec::records::StatPersisted;

use crate::Znode;

/// `DigestCalculator.DIGEST_VERSION`: the only version ZooKeeper 3.6–3.9 writes.
pub const DIGEST_VERSION: i32 = 2;

/// `ZooDefs.ZOOKEEPER_NODE_SUBTREE`: nodes below it are left out of the digest.
const ZOOKEEPER_NODE_SUBTREE: &str = "/zookeeper/";

/// `DigestCalculator.calculateDigest(path, data, stat)`: the digest of one node, an unsigned
/// 32-bit CRC. `path` `"/"` is hashed as `""` (the root's two names in ZooKeeper's map).
///
/// ZK-COMPAT: DigestCalculator.java: the path is hashed with `String.getBytes()`, the JVM's
/// default charset; that is UTF-8 on every JVM ZooKeeper 3.8 supports by default, which is
/// what Rust's `&str` holds.
pub fn node_digest(path: &str, data: Option<&[u8]>, stat: &StatPersisted) -> u64 {
    if path.starts_with(ZOOKEEPER_NODE_SUBTREE) {
        return 0;
    }
    let path = if path == "/" { "" } else { path };
    let mut block = [0u8; 60];
    let fields: [&[u8]; 9] = [
        &stat.czxid.to_be_bytes(),
        &stat.mzxid.to_be_bytes(),
        &stat.pzxid.to_be_bytes(),
        &stat.ctime.to_be_bytes(),
        &stat.mtime.to_be_bytes(),
        &stat.version.to_be_bytes(),
        &stat.cversion.to_be_bytes(),
        &stat.aversion.to_be_bytes(),
        &stat.ephemeral_owner.to_be_bytes(),
    ];
    let mut at = 0;
    for f in fields {
        block[at..at + f.len()].copy_from_slice(f);
        at += f.len();
    }
    debug_assert_eq!(at, block.len());
    let mut crc = crc32fast::Hasher::new();
    crc.update(path.as_bytes());
    if let Some(d) = data {
        crc.update(d);
    }
    crc.update(&block);
    u64::from(crc.finalize())
}

/// [`node_digest`] of a [`Znode`] stored at `path`.
pub fn znode_digest(path: &str, node: &Znode) -> u64 {
    node_digest(path, node.data.as_deref(), &node.stat)
}

/// `DataTree.ZxidDigest`: a tree digest and the zxid of the last txn it includes. ZooKeeper
/// writes it after the nodes of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZxidDigest {
    /// The zxid of the last txn applied when the digest was taken; 0 means "no digest".
    pub zxid: i64,
    /// The digest version ([`DIGEST_VERSION`]).
    pub version: i32,
    /// The tree digest (a Java `long`: the 64-bit wrapping sum, as signed).
    pub digest: i64,
}

impl ZxidDigest {
    /// The value ZooKeeper writes when no txn was applied since the tree was loaded:
    /// `(0, 2, 0)`, which readers take as "nothing to compare".
    pub const EMPTY: ZxidDigest = ZxidDigest {
        zxid: 0,
        version: DIGEST_VERSION,
        digest: 0,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::create_stat;

    #[test]
    fn fresh_tree_digest_is_what_zookeeper_logs_in_its_first_txn() {
        // disk-format reference §10.2: ZooKeeper 3.8.0 wrote 0x51c6d660 in the TxnDigest of
        // the first createSession on an empty server.
        assert_eq!(crate::DataTree::new().digest(), 0x51c6_d660);
    }

    #[test]
    fn quota_and_config_nodes_digest_to_zero_but_zookeeper_counts() {
        let s = create_stat(0, 0, 0);
        assert_eq!(node_digest("/zookeeper/quota", Some(b""), &s), 0);
        assert_eq!(node_digest("/zookeeper/config", Some(b""), &s), 0);
        assert_ne!(node_digest("/zookeeper", Some(b""), &s), 0);
        assert_ne!(node_digest("/zookeeperX", Some(b""), &s), 0);
    }

    #[test]
    fn root_is_hashed_as_the_empty_path_and_null_data_as_nothing() {
        let s = create_stat(3, 4, 0);
        assert_eq!(
            node_digest("/", Some(b""), &s),
            node_digest("", Some(b""), &s)
        );
        assert_eq!(
            node_digest("/a", None, &s),
            node_digest("/a", Some(b""), &s)
        );
    }

    #[test]
    fn stat_block_puts_pzxid_third() {
        // CRC32 of "/a" followed by the 60-byte block, computed independently.
        let mut s = create_stat(0, 0, 0);
        s.pzxid = 1;
        let mut block = vec![0u8; 60];
        block[23] = 1; // pzxid is bytes 16..24
        let mut input = b"/a".to_vec();
        input.extend_from_slice(&block);
        assert_eq!(
            node_digest("/a", None, &s),
            u64::from(crc32fast::hash(&input))
        );
    }
}
