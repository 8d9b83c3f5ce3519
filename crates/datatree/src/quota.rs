//! Quota bookkeeping. Counterpart of `org.apache.zookeeper.Quotas`, `StatsTrack` and the
//! `PathTrie` that `DataTree` keeps of quota'd paths.
//!
//! A quota on `/a/b` lives in two znodes: `/zookeeper/quota/a/b/zookeeper_limits` (written by
//! clients, e.g. `count=5,bytes=-1`) and `/zookeeper/quota/a/b/zookeeper_stats`, whose data the
//! tree rewrites on every create, delete and setData under `/a/b` (without touching its
//! version or mzxid).

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// `Quotas.procZookeeper`.
pub const PROC_ZOOKEEPER: &str = "/zookeeper";
/// `Quotas.quotaZookeeper`.
pub const QUOTA_ZOOKEEPER: &str = "/zookeeper/quota";
/// `ZooDefs.CONFIG_NODE`.
pub const CONFIG_ZOOKEEPER: &str = "/zookeeper/config";
/// `Quotas.limitNode`.
pub const LIMIT_NODE: &str = "zookeeper_limits";
/// `Quotas.statNode`.
pub const STAT_NODE: &str = "zookeeper_stats";

/// `Quotas.limitPath(path)`.
pub fn limit_path(path: &str) -> String {
    format!("{QUOTA_ZOOKEEPER}{path}/{LIMIT_NODE}")
}

/// `Quotas.statPath(path)`.
pub fn stat_path(path: &str) -> String {
    format!("{QUOTA_ZOOKEEPER}{path}/{STAT_NODE}")
}

/// `Quotas.trimQuotaPath(quotaPath)`: `quotaPath.substring(quotaZookeeper.length())`, in
/// UTF-16 units as Java counts. `None` where Java would throw (too short, or the cut falls
/// inside a surrogate pair).
pub fn trim_quota_path(quota_path: &str) -> Option<&str> {
    let mut units = 0;
    for (i, c) in quota_path.char_indices() {
        if units == QUOTA_ZOOKEEPER.len() {
            return Some(&quota_path[i..]);
        }
        units += c.len_utf16();
        if units > QUOTA_ZOOKEEPER.len() {
            return None;
        }
    }
    (units == QUOTA_ZOOKEEPER.len()).then_some("")
}

/// `StatsTrack`: the `key=value` pairs of a quota node's data. `count` and `bytes` come first
/// for old parsers; other keys (`countHardLimit`, `byteHardLimit`, ...) follow sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsTrack {
    pairs: Vec<(String, i64)>,
}

impl StatsTrack {
    /// Parses quota node data (`new StatsTrack(byte[])`): pairs separated by runs of ',' or
    /// ';', each split on '=', an empty value meaning -1.
    ///
    /// ZK-COMPAT: StatsTrack.java throws on a pair without '=' or a non-numeric value, which
    /// would fail the txn that touched the quota'd subtree; such pairs are skipped here.
    pub fn parse(data: Option<&[u8]>) -> StatsTrack {
        let mut st = StatsTrack::default();
        let text = String::from_utf8_lossy(data.unwrap_or_default());
        for pair in text.split([',', ';']) {
            // Java's `split("=")` drops trailing empty parts: "count=" has one part.
            let mut kv: Vec<&str> = pair.split('=').collect();
            while kv.last().is_some_and(|p| p.is_empty()) {
                kv.pop();
            }
            let [key, value, ..] = kv[..] else { continue };
            let value = if value.is_empty() {
                Some(-1)
            } else {
                value.parse::<i64>().ok()
            };
            if let Some(v) = value {
                st.set(key, v);
            }
        }
        st
    }

    /// The value of `key`, -1 when absent (`getValue`).
    pub fn get(&self, key: &str) -> i64 {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map_or(-1, |(_, v)| *v)
    }

    /// Sets `key` (`setValue`).
    pub fn set(&mut self, key: &str, value: i64) {
        match self.pairs.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.pairs.push((key.to_owned(), value)),
        }
    }

    /// `getCount()`.
    pub fn count(&self) -> i64 {
        self.get("count")
    }

    /// `getBytes()`.
    pub fn bytes(&self) -> i64 {
        self.get("bytes")
    }

    /// `getCountHardLimit()`.
    pub fn count_hard_limit(&self) -> i64 {
        self.get("countHardLimit")
    }

    /// `getByteHardLimit()`.
    pub fn byte_hard_limit(&self) -> i64 {
        self.get("byteHardLimit")
    }

    /// `toString()`: `count=N,bytes=M`, then, if other keys exist, `=` (to make old parsers
    /// ignore the rest) and `;key=value` for each other key in sorted order.
    pub fn format(&self) -> String {
        let mut s = format!("count={},bytes={}", self.count(), self.bytes());
        let mut rest: Vec<&(String, i64)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "count" && k != "bytes")
            .collect();
        if !rest.is_empty() {
            rest.sort();
            s.push('=');
            for (k, v) in rest {
                write!(s, ";{k}={v}").expect("writing to a String cannot fail");
            }
        }
        s
    }
}

/// The components `PathTrie.split` keeps: non-empty after Java's `trim()` (which strips
/// characters up to U+0020).
fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.chars().all(|ch| ch <= ' '))
}

/// The quota'd paths (`DataTree.pTrie`). A set of normalised paths behaves exactly like
/// ZooKeeper's trie here: a trie node's ancestors always exist, so the deepest quota'd prefix
/// of a path is its deepest prefix in the set.
#[derive(Debug, Clone, Default)]
pub struct QuotaIndex {
    paths: BTreeSet<String>,
}

impl QuotaIndex {
    /// `PathTrie.addPath`. A path without components ("/") is ignored: only the root would
    /// be marked, which `findMaxPrefix` never reports.
    pub fn add(&mut self, path: &str) {
        if let Some(p) = normalise(path) {
            self.paths.insert(p);
        }
    }

    /// `PathTrie.deletePath`.
    pub fn remove(&mut self, path: &str) {
        if let Some(p) = normalise(path) {
            self.paths.remove(&p);
        }
    }

    /// Whether no quota exists (the fast path of every write).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The quota'd paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    /// `DataTree.getMaxPrefixWithQuota`: the deepest quota'd prefix of `path`, if any.
    pub fn max_prefix(&self, path: &str) -> Option<String> {
        if self.paths.is_empty() {
            return None;
        }
        let mut prefix = String::with_capacity(path.len());
        let mut best = None;
        for c in components(path) {
            prefix.push('/');
            prefix.push_str(c);
            if self.paths.contains(&prefix) {
                best = Some(prefix.len());
            }
        }
        best.map(|len| {
            prefix.truncate(len);
            prefix
        })
    }

    /// Forgets every quota (`PathTrie.clear`).
    pub fn clear(&mut self) {
        self.paths.clear();
    }
}

/// "/" + the kept components joined by "/"; `None` when there are none.
fn normalise(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len());
    for c in components(path) {
        out.push('/');
        out.push_str(c);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_track_formats_count_and_bytes_first() {
        let mut st = StatsTrack::default();
        st.set("bytes", 9);
        st.set("count", 4);
        assert_eq!(st.format(), "count=4,bytes=9");
    }

    #[test]
    fn stats_track_round_trips_zkcli_limits() {
        let text = "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1";
        let st = StatsTrack::parse(Some(text.as_bytes()));
        assert_eq!(st.count(), 5);
        assert_eq!(st.bytes(), -1);
        assert_eq!(st.count_hard_limit(), -1);
        assert_eq!(st.format(), text);
    }

    #[test]
    fn stats_track_missing_keys_read_as_minus_one() {
        let st = StatsTrack::parse(None);
        assert_eq!(st.count(), -1);
        assert_eq!(st.format(), "count=-1,bytes=-1");
        let st = StatsTrack::parse(Some(b"count=,junk,bytes=x;;count==7"));
        assert_eq!(st.count(), -1); // "count==7": the empty second part means -1
        assert_eq!(st.bytes(), -1);
        assert_eq!(st.format(), "count=-1,bytes=-1");
    }

    #[test]
    fn max_prefix_is_the_deepest_quota() {
        let mut q = QuotaIndex::default();
        assert_eq!(q.max_prefix("/a/b"), None);
        q.add("/a");
        q.add("/a/b/c");
        assert_eq!(q.max_prefix("/a"), Some("/a".into()));
        assert_eq!(q.max_prefix("/a/b"), Some("/a".into()));
        assert_eq!(q.max_prefix("/a/b/c/d"), Some("/a/b/c".into()));
        assert_eq!(q.max_prefix("/ab"), None);
        q.remove("/a");
        assert_eq!(q.max_prefix("/a/b"), None);
        assert_eq!(q.max_prefix("/a/b/c"), Some("/a/b/c".into()));
    }

    #[test]
    fn blank_components_are_ignored_like_path_trie() {
        let mut q = QuotaIndex::default();
        q.add("/a/ /b");
        assert_eq!(q.max_prefix("/a/b"), Some("/a/b".into()));
        q.add("/");
        assert!(q.paths().all(|p| p != "/"));
    }

    #[test]
    fn trim_quota_path_cuts_the_quota_prefix_in_utf16_units() {
        assert_eq!(trim_quota_path("/zookeeper/quota/a"), Some("/a"));
        assert_eq!(trim_quota_path("/zookeeper/quota"), Some(""));
        assert_eq!(trim_quota_path("/zookeeper"), None);
        assert_eq!(trim_quota_path("/zookeeperfoo/bar"), Some("r"));
        assert_eq!(trim_quota_path("/zookeeper/ééééé/x"), Some("/x"));
    }
}
