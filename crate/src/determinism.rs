//! A seeded reference computation whose bits must be identical natively and in both wasm builds: a
//! Gaussian matrix (Box-Muller over ChaCha8), portable products ([`crate::linalg::matmul`],
//! [`crate::linalg::gram`]), a Cholesky solve (nalgebra) and libm transcendental functions.
//! The digest of its output is checked against one committed value by the native tests, the
//! wasm-bindgen tests and the browser tests of both builds.

use crate::linalg::{gram, matmul};
use crate::rng::Stream;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// What [`reference_computation`] returns: a digest of every output bit and a few values to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    /// FNV-1a (64-bit) over the bit patterns of all outputs, as 16 hex digits.
    pub digest: String,
    /// The first entry of the solution `x` of `(A^T A / m + I) x = b`.
    pub x0: f64,
    /// The Frobenius norm of the product `A B`.
    pub product_norm: f64,
    /// `sum_i exp(-z_i^2) cos(z_i) ln(1 + z_i^2)` over the first column of `A`.
    pub transcendental_sum: f64,
}

/// Runs the reference computation for `seed` with a `m x k` matrix (the tests use 64 x 48).
pub fn reference_computation(seed: u64, m: usize, k: usize) -> Digest {
    let mut s = Stream::new(seed);
    let a = s.gaussian_matrix(m, k);
    let b = s.gaussian_matrix(k, k);
    let rhs = DVector::from_fn(k, |_, _| s.gaussian());

    let product = matmul(&a, &b);
    let mut h = gram(&a) / m as f64;
    for i in 0..k {
        h[(i, i)] += 1.0;
    }
    let x = h
        .cholesky()
        .expect("A^T A / m + I is positive definite")
        .solve(&rhs);
    let transcendental_sum = a
        .column(0)
        .iter()
        .map(|&z| libm::exp(-z * z) * libm::cos(z) * libm::log(1.0 + z * z))
        .fold(0.0, |acc, v| acc + v);

    let mut hash = Fnv::new();
    hash.matrix(&product);
    hash.slice(x.as_slice());
    hash.value(transcendental_sum);
    Digest {
        digest: format!("{:016x}", hash.0),
        x0: x[0],
        product_norm: product.iter().fold(0.0, |acc, v| acc + v * v).sqrt(),
        transcendental_sum,
    }
}

/// 64-bit FNV-1a over little-endian bytes of f64 bit patterns.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn value(&mut self, v: f64) {
        for byte in v.to_bits().to_le_bytes() {
            self.0 ^= byte as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn slice(&mut self, vs: &[f64]) {
        vs.iter().for_each(|&v| self.value(v));
    }
    fn matrix(&mut self, m: &DMatrix<f64>) {
        self.slice(m.as_slice());
    }
}
