//! The path → znode map (`DataTree.nodes`, a `NodeHashMap`).
//!
//! Each node is stored with its path in one allocation, and the table itself holds only the
//! pointer: 8 bytes a slot instead of the 24 of a `HashMap<Box<str>, Box<Znode>>`. With a
//! million znodes the table has 2^21 slots, so this is about 33 bytes a znode. Hashing is
//! foldhash with a fixed seed, as everywhere in the tree (nothing random).

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;

use crate::{FixedState, Znode};

/// A znode and its map key (the path; `/` for the root).
#[derive(Debug)]
struct Slot {
    path: Box<str>,
    node: Znode,
}

/// Path → znode.
#[derive(Debug, Default)]
pub(crate) struct NodeMap {
    table: HashTable<Box<Slot>>,
    hasher: FixedState,
}

impl NodeMap {
    fn hash(&self, path: &str) -> u64 {
        self.hasher.hash_one(path)
    }

    pub(crate) fn get(&self, path: &str) -> Option<&Znode> {
        self.table
            .find(self.hash(path), |s| &*s.path == path)
            .map(|s| &s.node)
    }

    pub(crate) fn get_mut(&mut self, path: &str) -> Option<&mut Znode> {
        let hash = self.hash(path);
        self.table
            .find_mut(hash, |s| &*s.path == path)
            .map(|s| &mut s.node)
    }

    pub(crate) fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Adds `node` at `path`, or hands `node` back if the path is taken.
    pub(crate) fn insert(&mut self, path: &str, node: Znode) -> Result<(), Znode> {
        let hash = self.hash(path);
        let hasher = &self.hasher;
        match self
            .table
            .entry(hash, |s| &*s.path == path, |s| hasher.hash_one(&*s.path))
        {
            Entry::Occupied(_) => Err(node),
            Entry::Vacant(v) => {
                v.insert(Box::new(Slot {
                    path: path.into(),
                    node,
                }));
                Ok(())
            }
        }
    }

    pub(crate) fn remove(&mut self, path: &str) -> Option<Znode> {
        let hash = self.hash(path);
        let (slot, _) = self
            .table
            .find_entry(hash, |s| &*s.path == path)
            .ok()?
            .remove();
        Some(slot.node)
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.table.capacity()
    }

    pub(crate) fn reserve(&mut self, additional: usize) {
        let hasher = &self.hasher;
        self.table
            .reserve(additional, |s| hasher.hash_one(&*s.path));
    }

    pub(crate) fn shrink_to(&mut self, min_capacity: usize) {
        let hasher = &self.hasher;
        self.table
            .shrink_to(min_capacity, |s| hasher.hash_one(&*s.path));
    }
}
