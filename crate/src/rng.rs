//! Seeded, portable random streams. Every random number in convexlab comes from a [`Stream`] made from a
//! config's seed, so a seed gives the same bits natively and in both wasm builds.
//!
//! Gaussians use the Box-Muller transform with `libm`'s `log`, `sqrt` and `cos`, which are compiled
//! into every build: the platform's own transcendental functions may differ in the last bit between a
//! native build (glibc) and wasm.

use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random stream (ChaCha8): identical output on every platform for a given `(seed, stream)`.
#[derive(Clone, Debug)]
pub struct Stream {
    rng: ChaCha8Rng,
    /// A spare standard normal from the last Box-Muller pair.
    spare: Option<f64>,
}

impl Stream {
    /// The stream for `seed` (stream number 0).
    pub fn new(seed: u64) -> Self {
        Self::with_stream(seed, 0)
    }

    /// An independent sub-stream `stream` of `seed`, e.g. one per worker or per repetition.
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Stream { rng, spare: None }
    }

    /// A uniform draw in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Stream::below needs n > 0");
        self.rng.random_range(0..n)
    }

    /// A raw 64-bit draw.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.random::<u64>()
    }

    /// A standard normal draw N(0, 1) by the Box-Muller transform (portable bits, see module docs).
    pub fn gaussian(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // u1 in (0, 1] so that ln(u1) is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let t = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some(r * libm::sin(t));
        r * libm::cos(t)
    }

    /// An `rows x cols` matrix of independent N(0, 1) entries, filled column by column.
    pub fn gaussian_matrix(&mut self, rows: usize, cols: usize) -> DMatrix<f64> {
        DMatrix::from_fn(rows, cols, |_, _| self.gaussian())
    }

    /// A uniformly random permutation of `0..n` (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            p.swap(i, j);
        }
        p
    }
}

/// A fresh seed from the platform's entropy source (the browser's `crypto.getRandomValues` in wasm), for
/// a "new seed" button. Falls back to 0 if the platform has no entropy source.
pub fn fresh_seed() -> u64 {
    getrandom::u64().unwrap_or(0) >> 11
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bits_other_stream_other_bits() {
        let a: Vec<u64> = (0..8).map(|_| Stream::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s0 = Stream::with_stream(7, 0);
        let mut s1 = Stream::with_stream(7, 1);
        assert_ne!(s0.next_u64(), s1.next_u64());
    }

    #[test]
    fn gaussian_moments() {
        let mut s = Stream::new(1);
        let n = 200_000;
        let z: Vec<f64> = (0..n).map(|_| s.gaussian()).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let kurt = z.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64 / (var * var);
        // Standard errors: mean 1/sqrt(n) = 0.0022, var sqrt(2/n) = 0.0032, kurtosis sqrt(24/n) = 0.011.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
        assert!((kurt - 3.0).abs() < 0.06, "kurtosis {kurt}");
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Stream::new(3).permutation(100);
        assert_ne!(p, (0..100).collect::<Vec<_>>());
        p.sort();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn below_is_uniform_enough() {
        let mut s = Stream::new(5);
        let mut counts = [0usize; 4];
        for _ in 0..40_000 {
            counts[s.below(4)] += 1;
        }
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() < 400.0, "{counts:?}");
        }
    }
}
