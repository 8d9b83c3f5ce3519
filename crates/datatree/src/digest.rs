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
//! digest of the last applied txn into each snapshot (`ZxidDigest`); a mismatch on load or
//! replay is only logged and counted, never fatal ([`DigestTracker`], which also keeps the
//! digest log of the `hash` command).

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

/// `DataTree.DIGEST_LOG_INTERVAL`: a txn's digest is kept in the digest log when its zxid is
/// a multiple of this.
pub const DIGEST_LOG_INTERVAL: i64 = 128;

/// `DataTree.DIGEST_LOG_LIMIT`: the digest log keeps the newest this many entries.
pub const DIGEST_LOG_LIMIT: usize = 1024;

/// What [`DigestTracker::txn_applied`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestVerdict {
    /// Nothing compared (no digest in the txn, another version, digests disabled, or the
    /// tree is still fuzzy after loading a snapshot).
    Skipped,
    /// The digest compared equal.
    Matched,
    /// The txn's (or the loaded snapshot's) digest differs from the tree's. ZooKeeper logs
    /// "Digests are not matching" and bumps `digest_mismatches_count`; it is never fatal.
    Mismatch {
        /// The digest in the txn log or snapshot.
        expected: i64,
        /// The tree's.
        actual: i64,
    },
}

/// The digest bookkeeping `DataTree` does around each applied txn: the check against a
/// fuzzy snapshot's digest (`digestFromLoadedSnapshot`, `compareSnapshotDigests`), the check
/// of each txn's `TxnDigest` (`compareDigest`) and the digest log the `hash` command prints
/// (`logZxidDigest`, `getDigestLog`). Pure: the caller applies the txn, then reports it here.
#[derive(Debug, Clone, Default)]
pub struct DigestTracker {
    /// `zookeeper.digest.enabled`. Off, ZooKeeper's tree digest stays 0 and nothing is
    /// compared; the log still records (zxid, 0).
    enabled: bool,
    /// `digestFromLoadedSnapshot`: while set, the tree is fuzzy and txn digests are not
    /// compared.
    snapshot_target: Option<ZxidDigest>,
    /// `digestLog`, oldest first.
    log: std::collections::VecDeque<ZxidDigest>,
    /// `lastProcessedZxidDigest`: the last txn applied while not fuzzy.
    last: Option<ZxidDigest>,
    /// Mismatches found so far (`reportDigestMismatch` calls).
    mismatches: u64,
}

impl DigestTracker {
    /// A tracker for a tree loaded from a snapshot whose digest is `snapshot_target` (a
    /// digest of a zxid after the snapshot's own, see `snapshot::DigestCheck::Pending`), or
    /// for a fresh tree (`None`).
    pub fn new(enabled: bool, snapshot_target: Option<ZxidDigest>) -> Self {
        DigestTracker {
            enabled,
            snapshot_target: snapshot_target.filter(|_| enabled),
            log: std::collections::VecDeque::new(),
            last: None,
            mismatches: 0,
        }
    }

    /// After the txn `zxid` was applied (`DataTree.processTxn(hdr, txn, digest)`):
    /// `txn_digest` is the `TxnDigest` it carried, `tree_digest` the tree's digest now.
    pub fn txn_applied(
        &mut self,
        zxid: i64,
        txn_digest: Option<(i32, i64)>,
        tree_digest: i64,
    ) -> DigestVerdict {
        let tree_digest = if self.enabled { tree_digest } else { 0 };
        let mut verdict = DigestVerdict::Skipped;
        match self.snapshot_target {
            Some(target) if target.zxid == zxid => {
                self.snapshot_target = None;
                if target.version == DIGEST_VERSION && target.digest != tree_digest {
                    verdict = self.mismatch(target.digest, tree_digest);
                }
            }
            // ZK-COMPAT: DataTree.compareSnapshotDigests: a target zxid that never comes
            // is only logged (rate limited); the tree stays "fuzzy" and nothing more is
            // compared or logged until a snapshot is loaded again.
            Some(_) => {}
            None => self.log_digest(zxid, tree_digest),
        }
        if self.snapshot_target.is_some() || !self.enabled {
            return verdict;
        }
        match txn_digest {
            Some((version, logged)) if version == DIGEST_VERSION => {
                if logged == tree_digest {
                    DigestVerdict::Matched
                } else {
                    self.mismatch(logged, tree_digest)
                }
            }
            _ => verdict,
        }
    }

    /// Counts a mismatch found elsewhere (a snapshot whose digest is of its own zxid and
    /// differs from the loaded tree's: `FileSnap.deserialize`'s `compareSnapshotDigests`).
    pub fn count_mismatch(&mut self) {
        self.mismatches += 1;
    }

    fn mismatch(&mut self, expected: i64, actual: i64) -> DigestVerdict {
        self.mismatches += 1;
        DigestVerdict::Mismatch { expected, actual }
    }

    fn log_digest(&mut self, zxid: i64, digest: i64) {
        let zd = ZxidDigest {
            zxid,
            version: DIGEST_VERSION,
            digest,
        };
        self.last = Some(zd);
        if zxid % DIGEST_LOG_INTERVAL == 0 {
            self.log.push_back(zd);
            if self.log.len() > DIGEST_LOG_LIMIT {
                self.log.pop_front();
            }
        }
    }

    /// The digest log, oldest first (`getDigestLog`).
    pub fn log(&self) -> impl Iterator<Item = &ZxidDigest> {
        self.log.iter()
    }

    /// `lastProcessedZxidDigest`, what a snapshot's digest section holds: the zxid and tree
    /// digest of the last txn applied while the tree was not fuzzy, or
    /// [`ZxidDigest::EMPTY`] when there was none since the tree was loaded.
    pub fn last_processed(&self) -> ZxidDigest {
        self.last.unwrap_or(ZxidDigest::EMPTY)
    }

    /// Mismatches found so far.
    pub fn mismatches(&self) -> u64 {
        self.mismatches
    }

    /// Whether a loaded snapshot's digest is still awaited (the tree is fuzzy).
    pub fn is_fuzzy(&self) -> bool {
        self.snapshot_target.is_some()
    }
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

    #[test]
    fn digest_log_keeps_every_128th_zxid_and_at_most_1024() {
        let mut t = DigestTracker::new(true, None);
        for zxid in 1..=(128 * 1030) {
            assert_eq!(
                t.txn_applied(zxid, Some((DIGEST_VERSION, zxid)), zxid),
                DigestVerdict::Matched
            );
        }
        let log: Vec<i64> = t.log().map(|d| d.zxid).collect();
        assert_eq!(t.last_processed().zxid, 128 * 1030);
        assert_eq!(log.len(), DIGEST_LOG_LIMIT);
        assert_eq!(log[0], 128 * 7);
        assert_eq!(log[1023], 128 * 1030);
        assert_eq!(t.mismatches(), 0);
    }

    #[test]
    fn txn_digests_are_not_compared_until_the_snapshot_digest_is_reached() {
        let target = ZxidDigest {
            zxid: 5,
            version: DIGEST_VERSION,
            digest: 50,
        };
        let mut t = DigestTracker::new(true, Some(target));
        assert_eq!(t.last_processed(), ZxidDigest::EMPTY);
        assert_eq!(t.txn_applied(4, Some((2, 1)), 2), DigestVerdict::Skipped);
        assert!(t.is_fuzzy());
        assert_eq!(t.last_processed(), ZxidDigest::EMPTY, "not while fuzzy");
        // The target matches, then the txn's own digest is compared too.
        assert_eq!(t.txn_applied(5, Some((2, 50)), 50), DigestVerdict::Matched);
        assert!(!t.is_fuzzy());
        assert_eq!(
            t.txn_applied(6, Some((2, 7)), 8),
            DigestVerdict::Mismatch {
                expected: 7,
                actual: 8
            }
        );
        // Absent digests and other versions are not compared.
        assert_eq!(t.txn_applied(7, None, 9), DigestVerdict::Skipped);
        assert_eq!(t.txn_applied(8, Some((1, 0)), 9), DigestVerdict::Skipped);
        assert_eq!(t.mismatches(), 1);
    }

    #[test]
    fn a_snapshot_digest_that_differs_is_a_mismatch() {
        let target = ZxidDigest {
            zxid: 3,
            version: DIGEST_VERSION,
            digest: 1,
        };
        let mut t = DigestTracker::new(true, Some(target));
        assert_eq!(
            t.txn_applied(3, None, 2),
            DigestVerdict::Mismatch {
                expected: 1,
                actual: 2
            }
        );
        assert_eq!(t.mismatches(), 1);
    }

    #[test]
    fn disabled_digests_log_zero_and_compare_nothing() {
        let mut t = DigestTracker::new(false, None);
        assert_eq!(t.txn_applied(128, Some((2, 5)), 6), DigestVerdict::Skipped);
        assert_eq!(t.log().next().map(|d| d.digest), Some(0));
    }
}
