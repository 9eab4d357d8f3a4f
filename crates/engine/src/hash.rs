//! Unleash's bucket function: MurmurHash3 (x86, 32-bit) of `"<group>:<identifier>"`,
//! reduced to `1..=modulus`. Rollouts use seed 0 and modulus 100; variants use
//! [`VARIANT_SEED`] and the total variant weight.
//!
//! The group prefix (`"<group>:"`) is prepared once when a flag is compiled and
//! the identifier is fed after it, so bucketing never formats or allocates.

use std::hash::Hasher;

/// The seed Unleash uses when hashing for variant selection.
pub const VARIANT_SEED: u32 = 86_028_157;

/// A group id with its `:` separator, ready to hash identifiers under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HashGroup {
    /// Shared, so a compiled flag clones cheaply (incremental updates).
    prefix: std::sync::Arc<[u8]>,
}

impl HashGroup {
    pub(crate) fn new(group_id: &str) -> Self {
        let mut prefix = Vec::with_capacity(group_id.len() + 1);
        prefix.extend_from_slice(group_id.as_bytes());
        prefix.push(b':');
        HashGroup {
            prefix: prefix.into(),
        }
    }

    /// The bucket of `identifier` in `1..=modulus`; `modulus` must be non-zero.
    #[inline]
    pub(crate) fn bucket(&self, identifier: &str, seed: u32, modulus: u32) -> u32 {
        let mut hasher = mur3::Hasher32::with_seed(seed);
        hasher.write(&self.prefix);
        hasher.write(identifier.as_bytes());
        hasher.finish32() % modulus + 1
    }
}

/// The bucket of `identifier` in group `group_id` (`1..=modulus`), as every Unleash SDK computes it.
pub fn normalized_hash(group_id: &str, identifier: &str, seed: u32, modulus: u32) -> u32 {
    HashGroup::new(group_id).bucket(identifier, seed, modulus.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_the_same_bytes_as_one_shot_murmur3() {
        // Published MurmurHash3 x86_32 reference vectors.
        assert_eq!(mur3::murmurhash3_x86_32(b"hello", 0), 0x248b_fa47);
        assert_eq!(
            mur3::murmurhash3_x86_32(b"The quick brown fox jumps over the lazy dog", 0),
            0x2e4f_f723
        );
        for (group, id) in [
            ("g", "1"),
            ("groupId", "123"),
            ("", ""),
            ("a-longer-group", "ü"),
        ] {
            let joined = format!("{group}:{id}");
            for seed in [0, VARIANT_SEED] {
                let expected = mur3::murmurhash3_x86_32(joined.as_bytes(), seed) % 100 + 1;
                assert_eq!(normalized_hash(group, id, seed, 100), expected);
            }
        }
    }
}
