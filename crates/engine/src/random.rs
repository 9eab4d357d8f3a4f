//! Randomness for `random` stickiness and `gradualRolloutRandom`. The engine reads
//! no entropy of its own: the caller seeds it ([`crate::EngineOptions::random_seed`]),
//! and each draw advances a SplitMix64 sequence shared by all threads.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub(crate) struct RandomSource {
    state: AtomicU64,
}

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

impl RandomSource {
    pub(crate) fn new(seed: u64) -> Self {
        RandomSource {
            state: AtomicU64::new(seed),
        }
    }

    /// A uniformly drawn bucket in `1..=modulus` (`modulus` non-zero).
    pub(crate) fn bucket(&self, modulus: u32) -> u32 {
        let mut z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // Multiply-shift keeps the draw unbiased enough for percentages and weights.
        (((z >> 32) * u64::from(modulus)) >> 32) as u32 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_stay_in_range_and_spread() {
        let random = RandomSource::new(7);
        let mut seen = [0u32; 100];
        for _ in 0..100_000 {
            let b = random.bucket(100);
            assert!((1..=100).contains(&b));
            seen[(b - 1) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (700..1300).contains(&n)), "{seen:?}");
    }
}
