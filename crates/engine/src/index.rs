//! Name → flag position. The table holds only positions (4 bytes a slot, so a
//! thousand flags fit in a few cache lines); a candidate is confirmed against the
//! flag's own name, which evaluation reads next anyway.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Debug, Default, Clone)]
pub(crate) struct NameIndex {
    table: HashTable<u32>,
}

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl NameIndex {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        NameIndex {
            table: HashTable::with_capacity(capacity),
        }
    }

    /// The position of `name`, given how to read the name at a position.
    #[inline]
    pub(crate) fn get<'n>(&self, name: &str, name_at: impl Fn(usize) -> &'n str) -> Option<usize> {
        self.table
            .find(hash(name), |&at| name_at(at as usize) == name)
            .map(|&at| at as usize)
    }

    /// Records `name` at `position` (the caller checked it is not there yet).
    pub(crate) fn insert<'n>(
        &mut self,
        name: &str,
        position: usize,
        name_at: impl Fn(usize) -> &'n str,
    ) {
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        self.table
            .insert_unique(hash(name), position, |&at| hash(name_at(at as usize)));
    }
}
