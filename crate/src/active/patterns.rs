//! Sampled ReLU activation patterns (the finite set of diagonal matrices `D_j` of the convex
//! reformulation, Pilanci and Ergen 2020; Section 3 of Zhang, Zhang, Pilanci 2025).
//!
//! `P` gate vectors `u_j ~ N(0, I_d)` are drawn; each gives the pattern `D[:, j] = 1[X u_j >= 0]`
//! over the pool; duplicate columns are dropped, keeping the first gate that produced each pattern
//! (the reference sorts the columns with `np.unique`; the order of patterns does not change the
//! version space). As in the reference (`generate_hyperplane_arrangement(X = X_train)`), patterns are
//! computed over the pool (train points) only: test points and heatmaps use the ReLU network form.

use std::collections::HashMap;

use super::pool::Pool;
use crate::rng::Stream;

/// The distinct activation patterns over a pool and one gate vector per pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    /// Pool size `n`.
    pub n: usize,
    /// Row length `d` (with bias).
    pub d: usize,
    /// Number of distinct patterns `m`.
    pub m: usize,
    /// Number of gates sampled `P`.
    pub sampled: usize,
    /// `D`, row-major `n x m`, entries 0 or 1.
    pub mask: Vec<u8>,
    /// Gate vectors, row-major `m x d`: `gates[j]` is the first sampled `u` whose pattern is column
    /// `j`, so `mask[i][j] = 1[x_i . gates[j] >= 0]` exactly.
    pub gates: Vec<f64>,
}

impl Patterns {
    /// Draws `p` gates from `Stream::new(seed)` (gate `k` takes draws `k d .. k d + d`), records
    /// their patterns over `pool` and keeps the distinct ones in order of first appearance.
    pub fn sample(pool: &Pool, p: usize, seed: u64) -> Patterns {
        let (n, d) = (pool.n, pool.d);
        let mut stream = Stream::new(seed);
        let words = n.div_ceil(64).max(1);
        let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut columns: Vec<Vec<u64>> = Vec::new();
        let mut gates = Vec::new();
        let mut u = vec![0.0; d];
        for _ in 0..p {
            for v in u.iter_mut() {
                *v = stream.gaussian();
            }
            let mut key = vec![0u64; words];
            for i in 0..n {
                if crate::linalg::dot(pool.row(i), &u) >= 0.0 {
                    key[i / 64] |= 1 << (i % 64);
                }
            }
            if !seen.contains_key(&key) {
                seen.insert(key.clone(), columns.len());
                columns.push(key);
                gates.extend_from_slice(&u);
            }
        }
        let m = columns.len();
        let mut mask = vec![0u8; n * m];
        for (j, col) in columns.iter().enumerate() {
            for i in 0..n {
                mask[i * m + j] = ((col[i / 64] >> (i % 64)) & 1) as u8;
            }
        }
        Patterns {
            n,
            d,
            m,
            sampled: p,
            mask,
            gates,
        }
    }

    /// Row `i` of `D` (length `m`).
    pub fn row(&self, i: usize) -> &[u8] {
        &self.mask[i * self.m..(i + 1) * self.m]
    }

    /// Gate vector of pattern `j` (length `d`).
    pub fn gate(&self, j: usize) -> &[f64] {
        &self.gates[j * self.d..(j + 1) * self.d]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataSpec;

    #[test]
    fn patterns_are_distinct_and_match_their_gates() {
        let data = DataSpec::default().generate().unwrap();
        let (pool, _) = Pool::from_dataset(&data).unwrap();
        let pat = Patterns::sample(&pool, 1000, 0);
        // The paper reports 623 distinct patterns for P = 1000 on its spiral.
        assert!((550..=700).contains(&pat.m), "m = {}", pat.m);
        let mut cols: Vec<Vec<u8>> = (0..pat.m)
            .map(|j| (0..pat.n).map(|i| pat.row(i)[j]).collect())
            .collect();
        for (j, col) in cols.iter().enumerate() {
            for (i, &b) in col.iter().enumerate() {
                let z = crate::linalg::dot(pool.row(i), pat.gate(j));
                assert_eq!(b == 1, z >= 0.0);
            }
        }
        cols.sort();
        cols.dedup();
        assert_eq!(cols.len(), pat.m);
        assert_eq!(pat, Patterns::sample(&pool, 1000, 0));
    }
}
