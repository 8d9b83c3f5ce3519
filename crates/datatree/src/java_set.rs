//! The iteration order of a `java.util.HashSet<String>` (a `java.util.HashMap` underneath),
//! reproduced deterministically. ZooKeeper keeps child names (`DataNode.children`) and each
//! session's ephemeral paths (`DataTree.ephemerals`) in such sets, and clients see their
//! iteration order: getChildren lists, the order closeSession deletes a session's ephemerals
//! in (and so the order of the events), getEphemerals, `dump`, and the order of nodes in a
//! snapshot file.
//!
//! # The Java rules (JDK 17, checked against it by `tests/java_set.rs`)
//! - `String.hashCode` is `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, wrapping
//!   `int` arithmetic; a character outside the BMP counts as its two surrogates.
//! - `HashMap.hash` spreads it as `h ^ (h >>> 16)`; the bucket is `hash & (length - 1)` of a
//!   power-of-two table.
//! - Iteration walks the buckets in ascending index, each bucket's list from its head.
//!   A new key is appended at the tail of its bucket's list; a removal unlinks; a resize
//!   (doubling) splits each list into two, keeping relative order. So a bucket's list is
//!   always in insertion order of its current members, and the whole iteration order is
//!   "by (bucket, insertion number)" — which is what this type sorts by.
//! - The table is allocated lazily at its initial capacity (`tableSizeFor(initialCapacity)`,
//!   16 by default) and never shrinks. After an insert, a size above `0.75 × length`
//!   doubles it.
//! - `putVal`: when an append makes a bucket's list 9 long (`TREEIFY_THRESHOLD`) while the
//!   table is shorter than 64 (`MIN_TREEIFY_CAPACITY`), `treeifyBin` doubles the table
//!   instead of building a tree; the size check above follows it and may double it again.
//! - `clone()` (`HashMap.clone` → `putMapEntries`) allocates `tableSizeFor((int)((float)n /
//!   0.75f + 1.0f))` and re-inserts the entries in the source's iteration order; a clone of
//!   an empty set gets the default 16 on its first insert. `new HashSet<>(collection)` sizes
//!   `max((int)(n / .75f) + 1, 16)` and adds the collection in its iteration order.
//!
//! ZK-COMPAT: HashMap.java: a bucket of 9 or more keys in a table of 64 or more buckets
//! becomes a red-black tree (`treeifyBin`), which moves the tree's root to the front of the
//! bucket's list and inserts later keys next to their tree parent rather than at the tail.
//! That is not emulated: such a bucket keeps insertion order here. It needs nine names whose
//! spread hashes agree in their low 6+ bits in one set; `tests/java_set.rs` checks that the
//! fixture's sets never get there.
//!
//! # Cost
//! Membership is a `BTreeMap` from name to insertion number, so inserts and removals stay
//! O(log n) however large the set grows, and a set costs the map plus 8 bytes. Only while
//! the table is shorter than 64 and holds 8 to 24 names does an insert count its bucket's
//! occupants, for the `treeifyBin` rule. Iterating in Java order hashes every name and sorts:
//! O(n log n) per call.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

/// `HashMap.TREEIFY_THRESHOLD`: a bucket list this long is a tree candidate.
const TREEIFY_THRESHOLD: usize = 8;
/// `HashMap.MIN_TREEIFY_CAPACITY`: below this table length a long bucket resizes instead.
const MIN_TREEIFY_CAPACITY: u32 = 64;
/// `HashMap.MAXIMUM_CAPACITY`.
const MAXIMUM_CAPACITY: u32 = 1 << 30;
/// `HashMap.DEFAULT_INITIAL_CAPACITY`.
pub const DEFAULT_CAPACITY: u32 = 16;
/// The initial capacity of `DataNode.children` (`new HashSet<String>(8)` in `addChild`).
pub const CHILDREN_CAPACITY: u32 = 8;

/// `String.hashCode()` of `s` as Java computes it over UTF-16 code units.
pub fn string_hash(s: &str) -> i32 {
    if s.is_ascii() {
        s.bytes()
            .fold(0i32, |h, b| h.wrapping_mul(31).wrapping_add(i32::from(b)))
    } else {
        s.encode_utf16()
            .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)))
    }
}

/// `HashMap.hash(key)`: the hash code with its high half folded into the low half.
pub fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// `HashMap.tableSizeFor(cap)`: the least power of two >= `cap` (1 for `cap <= 1`).
pub fn table_size_for(cap: i32) -> u32 {
    if cap <= 1 {
        return 1;
    }
    let cap = cap as u32;
    cap.next_power_of_two().min(MAXIMUM_CAPACITY)
}

/// A `HashSet<String>` that remembers what its Java twin's iteration order depends on: the
/// table length and the order in which the current members were inserted.
///
/// `Clone` copies the state exactly (same table, same order); [`JavaHashSet::java_clone`] is
/// Java's `clone()`, which may reorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaHashSet {
    /// Member → insertion number (larger = later; only the relative order matters). `None`
    /// when empty: most znodes never have a child, and this keeps their set at 16 bytes
    /// without an allocation.
    names: Option<Box<Names>>,
    /// The next insertion number.
    next_seq: u32,
    /// log2 of the table length (allocated or, while still lazy, the one it will get).
    table_log2: u8,
}

/// The members of a non-empty set.
type Names = BTreeMap<Box<str>, u32>;

/// What an empty set reads.
static NO_NAMES: Names = BTreeMap::new();

impl Default for JavaHashSet {
    /// `new HashSet<String>()`: table of 16 on first insert.
    fn default() -> Self {
        JavaHashSet::with_capacity(DEFAULT_CAPACITY as i32)
    }
}

impl JavaHashSet {
    /// `new HashSet<String>(initial_capacity)`: the table gets `tableSizeFor(initial)`.
    pub fn with_capacity(initial_capacity: i32) -> Self {
        JavaHashSet {
            names: None,
            next_seq: 0,
            table_log2: table_size_for(initial_capacity).trailing_zeros() as u8,
        }
    }

    /// A znode's child set (`DataNode.addChild` creates `new HashSet<String>(8)`; a node
    /// without children behaves the same, as the set is created on the first add).
    pub fn for_children() -> Self {
        JavaHashSet::with_capacity(CHILDREN_CAPACITY as i32)
    }

    fn names(&self) -> &Names {
        self.names.as_deref().unwrap_or(&NO_NAMES)
    }

    fn names_mut(&mut self) -> &mut Names {
        self.names.get_or_insert_with(Box::default)
    }

    /// The table length Java's map has (or will allocate on its first insert).
    pub fn capacity(&self) -> u32 {
        1 << self.table_log2
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.names().len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_none()
    }

    /// Whether `name` is a member.
    pub fn contains(&self, name: &str) -> bool {
        self.names().contains_key(name)
    }

    /// The members in name order (for callers that sort anyway).
    pub fn iter_sorted(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.names().keys().map(|k| &**k)
    }

    /// The members in Java's iteration order.
    pub fn java_order(&self) -> Vec<&str> {
        let mask = self.capacity() - 1;
        let mut keyed: Vec<(u32, u32, &str)> = self
            .names()
            .iter()
            .map(|(name, &seq)| (spread(string_hash(name)) & mask, seq, &**name))
            .collect();
        keyed.sort_unstable_by_key(|&(bucket, seq, _)| (bucket, seq));
        keyed.into_iter().map(|(_, _, name)| name).collect()
    }

    /// The members in Java's iteration order, owned (`new ArrayList<>(set)`).
    pub fn to_java_vec(&self) -> Vec<String> {
        self.java_order().into_iter().map(str::to_owned).collect()
    }

    /// `add(name)`: false if already a member.
    pub fn insert(&mut self, name: &str) -> bool {
        // ZK-COMPAT: HashMap.java putVal: an append that makes the bucket 9 long resizes a
        // table shorter than 64 (treeifyBin). Counting is cheap there: such a table holds at
        // most 24 keys. Only then is the set searched twice (membership before the count).
        let small = self.capacity() < MIN_TREEIFY_CAPACITY && self.len() >= TREEIFY_THRESHOLD;
        if small && self.contains(name) {
            return false;
        }
        let long_bucket = small && {
            let mask = self.capacity() - 1;
            let bucket = spread(string_hash(name)) & mask;
            let occupants = self
                .names()
                .keys()
                .filter(|k| spread(string_hash(k)) & mask == bucket)
                .count();
            occupants >= TREEIFY_THRESHOLD
        };
        if self.next_seq == u32::MAX {
            self.renumber();
        }
        let seq = self.next_seq;
        match self.names_mut().entry(name.into()) {
            Entry::Occupied(_) => return false,
            Entry::Vacant(slot) => {
                slot.insert(seq);
            }
        }
        self.next_seq += 1;
        if long_bucket {
            self.grow();
        }
        if self.len() > self.threshold() {
            self.grow();
        }
        true
    }

    /// `remove(name)`: false if not a member. The table never shrinks.
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(names) = self.names.as_mut() else {
            return false;
        };
        let removed = names.remove(name).is_some();
        if names.is_empty() {
            self.names = None;
            self.next_seq = 0;
        }
        removed
    }

    /// `HashSet.clone()`: a table sized for the current members, filled in this set's
    /// iteration order; an empty set's clone gets the default table on its first insert.
    pub fn java_clone(&self) -> Self {
        if self.is_empty() {
            return JavaHashSet::default();
        }
        // (float) n / 0.75f + 1.0f, truncated to int: float arithmetic, as in Java.
        let presize = (self.len() as f32 / 0.75f32 + 1.0f32) as i32;
        self.refill(JavaHashSet::with_capacity(presize))
    }

    /// `new HashSet<>(this)`: a table of `max((int)(n / .75f) + 1, 16)`, filled in this
    /// set's iteration order.
    pub fn java_copy(&self) -> Self {
        let presize = ((self.len() as f32 / 0.75f32) as i32 + 1).max(DEFAULT_CAPACITY as i32);
        self.refill(JavaHashSet::with_capacity(presize))
    }

    fn refill(&self, mut target: JavaHashSet) -> JavaHashSet {
        for name in self.java_order() {
            target.insert(name);
        }
        target
    }

    /// `threshold`: `(int)(length * 0.75f)`.
    fn threshold(&self) -> usize {
        (self.capacity() as usize * 3) / 4
    }

    /// `resize()`: doubles the table. Bucket lists keep their relative order, which the
    /// (bucket, insertion number) order already expresses.
    fn grow(&mut self) {
        if self.capacity() < MAXIMUM_CAPACITY {
            self.table_log2 += 1;
        }
    }

    /// Compacts the insertion numbers, keeping their order (once per 2^32 inserts).
    fn renumber(&mut self) {
        let mut by_seq: Vec<(u32, &str)> = self.names().iter().map(|(k, &s)| (s, &**k)).collect();
        by_seq.sort_unstable();
        let order: Vec<Box<str>> = by_seq.into_iter().map(|(_, k)| Box::from(k)).collect();
        for (seq, name) in order.iter().enumerate() {
            *self.names_mut().get_mut(&**name).expect("a member") = seq as u32;
        }
        self.next_seq = order.len() as u32;
    }
}

impl<'a> FromIterator<&'a str> for JavaHashSet {
    /// `new HashSet<String>()` and `add` of each name in order.
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut set = JavaHashSet::default();
        for name in iter {
            set.insert(name);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hash_matches_java_for_known_values() {
        // Values printed by JDK 17's "…".hashCode().
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("ab"), 97 * 31 + 98);
        assert_eq!(string_hash("Aa"), string_hash("BB"));
        assert_eq!(string_hash("hello"), 99_162_322);
        // Overflow wraps like Java ints: "polygenelubricants".hashCode() == Integer.MIN_VALUE.
        assert_eq!(string_hash("polygenelubricants"), i32::MIN);
    }

    #[test]
    fn table_size_for_rounds_up_to_powers_of_two() {
        assert_eq!(table_size_for(0), 1);
        assert_eq!(table_size_for(1), 1);
        assert_eq!(table_size_for(2), 2);
        assert_eq!(table_size_for(3), 4);
        assert_eq!(table_size_for(8), 8);
        assert_eq!(table_size_for(9), 16);
    }

    #[test]
    fn renumbering_keeps_the_order() {
        let mut s = JavaHashSet::default();
        for n in ["x", "a", "q", "b"] {
            s.insert(n);
        }
        let before = s.java_order().join(",");
        s.next_seq = u32::MAX;
        s.insert("c");
        s.remove("c");
        assert_eq!(s.java_order().join(","), before);
        assert!(s.next_seq < 10);
    }
}
