//! Jitter for the state machines, from a seed the host draws: the core has no randomness of its
//! own, and a seed keeps every run of a machine (a test, a fuzz case) reproducible.

/// SplitMix64: small, fast and well distributed; jitter needs no more.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Jitter(seed)
    }

    /// A number in `[0, 1)`.
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::Jitter;

    #[test]
    fn in_range_and_reproducible() {
        let (mut a, mut b) = (Jitter::new(7), Jitter::new(7));
        let draws: Vec<f64> = (0..1000).map(|_| a.next()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(draws.iter().zip(std::iter::repeat_with(|| b.next())).all(|(x, y)| *x == y));
        let mean = draws.iter().sum::<f64>() / 1000.0;
        assert!((0.45..0.55).contains(&mean), "{mean}");
    }
}
