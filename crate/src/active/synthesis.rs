//! Query synthesis: the learner asks about points of the input space that are not in the pool
//! (one of the variants listed by Zhang, Zhang, Pilanci 2025; issue 3: "on the centre's decision
//! boundary, far from labelled points").
//!
//! Each round ([`super::QueryRule::Synthesis`]) considers a fixed grid of candidates: `r` points
//! per axis (`r` = [`super::Config::synthesis_resolution`]) over the bounding box of the pool and
//! test inputs, widened on each side by `margin` times the box's extent
//! ([`super::Config::synthesis_margin`]; a zero extent is widened by `margin` itself). Candidate
//! `c = (c_0, ..., c_{dim-1})` in mixed radix (axis 0 fastest) is the point
//! `lo_a + (hi_a - lo_a) c_a / (r - 1)` on each axis `a`. It picks, in this order of keys:
//! 1. the smallest `|f(x; theta)|`, `f(x; theta) = sum_j relu(x^T U1_j) - relu(x^T U2_j)` the
//!    centre's ReLU network (nearest its decision boundary; exactly 0 wherever no unit is active);
//! 2. the largest distance to the nearest labelled input (every candidate ties at infinity before
//!    the first label);
//! 3. the smallest distance to the centre of the box;
//! 4. the lowest grid index.
//!
//! Candidates at exactly the input of a labelled point are skipped (so no grid point is asked
//! twice); when none is left the run stops ([`super::StopReason::CandidatesExhausted`]).
//! The answered point joins the pool with its pattern row `D_j = 1[x^T g_j >= 0]` over the kept
//! gates `g_j` ([`Patterns::gates`]); the set of patterns (columns) does not change, so its cut
//! rows are Theorem 4.1's rows for that row, and at any `theta` satisfying its sign rows the pattern
//! form `sum_j D_j x^T (U1_j - U2_j)` equals the network `f(x; theta)`.

use rayon::prelude::*;

use super::patterns::Patterns;
use super::pool::Pool;
use super::version_space::network_output;
use crate::error::{Error, Result};
use crate::linalg::dot;

/// Most candidates a grid may hold (`r^dim`).
pub const MAX_CANDIDATES: usize = 200_000;

/// The candidate grid of query synthesis over an axis-aligned box.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateGrid {
    /// Lower corner of the box, one entry per input coordinate (no bias).
    pub lo: Vec<f64>,
    /// Upper corner of the box.
    pub hi: Vec<f64>,
    /// Points per axis `r >= 2`.
    pub resolution: usize,
}

impl CandidateGrid {
    /// The grid over the bounding box of the inputs of `pool` and `test` (bias columns ignored),
    /// widened by `margin (hi - lo)` on each side (by `margin` where `hi = lo`), with
    /// `resolution` points per axis. Errors (field `active.synthesis_resolution`) if
    /// `resolution^dim` exceeds [`MAX_CANDIDATES`].
    pub fn around(pool: &Pool, test: &Pool, margin: f64, resolution: usize) -> Result<Self> {
        let dim = pool.d - 1;
        let total = (0..dim).try_fold(1usize, |t, _| t.checked_mul(resolution));
        if total.is_none_or(|t| t > MAX_CANDIDATES) {
            let max = (1..=resolution)
                .rev()
                .find(|r| {
                    (0..dim)
                        .try_fold(1usize, |t, _| t.checked_mul(*r))
                        .is_some_and(|t| t <= MAX_CANDIDATES)
                })
                .unwrap_or(2);
            return Err(Error::out_of_range(
                "active.synthesis_resolution",
                resolution,
                2,
                format!("{max} in {dim} dimensions ({MAX_CANDIDATES} candidates)"),
            ));
        }
        let mut lo = vec![f64::INFINITY; dim];
        let mut hi = vec![f64::NEG_INFINITY; dim];
        for p in [pool, test] {
            for i in 0..p.n {
                for (a, &v) in p.row(i)[..dim].iter().enumerate() {
                    lo[a] = lo[a].min(v);
                    hi[a] = hi[a].max(v);
                }
            }
        }
        for a in 0..dim {
            let pad = if hi[a] > lo[a] {
                margin * (hi[a] - lo[a])
            } else {
                margin
            };
            lo[a] -= pad;
            hi[a] += pad;
        }
        Ok(CandidateGrid { lo, hi, resolution })
    }

    /// Number of candidates `r^dim`.
    pub fn len(&self) -> usize {
        self.resolution.pow(self.lo.len() as u32)
    }

    /// Whether the grid is empty (never, for `r >= 2`; for clippy's sake).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Candidate `index` as an input row with the bias appended (`dim + 1` entries).
    pub fn point(&self, index: usize) -> Vec<f64> {
        let r = self.resolution;
        let mut rest = index;
        let mut x = Vec::with_capacity(self.lo.len() + 1);
        for (lo, hi) in self.lo.iter().zip(&self.hi) {
            let c = rest % r;
            rest /= r;
            x.push(lo + (hi - lo) * c as f64 / (r - 1) as f64);
        }
        x.push(1.0);
        x
    }
}

/// The pattern row of input `x` (with bias) over the kept gates: `D_j = 1[x^T g_j >= 0]`, the
/// rule that made the pool's patterns.
pub fn pattern_row(patterns: &Patterns, x: &[f64]) -> Vec<u8> {
    (0..patterns.m)
        .map(|j| u8::from(dot(x, patterns.gate(j)) >= 0.0))
        .collect()
}

/// The synthesised query: grid index, input (with bias) and the network's output there.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthesised {
    /// Index in the grid.
    pub index: usize,
    /// The input with bias.
    pub x: Vec<f64>,
    /// `f(x; theta)`, the centre's network at `x`.
    pub f: f64,
}

/// The candidate of `grid` chosen by the module's rule for the network `theta`, given the
/// labelled inputs `labelled` (rows with bias, row-major, `d` each). `None` when every candidate
/// coincides with a labelled input. Candidates are scored in parallel and the best is taken in
/// index order, so the result does not depend on the thread count.
pub fn synthesise(
    grid: &CandidateGrid,
    theta: &[f64],
    labelled: &[f64],
    d: usize,
) -> Option<Synthesised> {
    let dim = grid.lo.len();
    let mid: Vec<f64> = grid
        .lo
        .iter()
        .zip(&grid.hi)
        .map(|(l, h)| 0.5 * (l + h))
        .collect();
    // (|f|, nearest labelled squared distance, squared distance to the box centre, f) per candidate,
    // or None for a candidate at a labelled input.
    let score = |index: usize| -> Option<(f64, f64, f64, f64)> {
        let x = grid.point(index);
        let mut near = f64::INFINITY;
        for row in labelled.chunks_exact(d) {
            let dist: f64 = (0..dim).map(|a| (x[a] - row[a]) * (x[a] - row[a])).sum();
            near = near.min(dist);
        }
        if near == 0.0 {
            return None;
        }
        let centre: f64 = (0..dim).map(|a| (x[a] - mid[a]) * (x[a] - mid[a])).sum();
        let f = network_output(&x, theta);
        Some((f.abs(), near, centre, f))
    };
    let scores: Vec<Option<(f64, f64, f64, f64)>> =
        (0..grid.len()).into_par_iter().map(score).collect();
    let mut best: Option<(usize, (f64, f64, f64, f64))> = None;
    for (index, s) in scores.into_iter().enumerate() {
        let Some(s) = s else { continue };
        let better = match best {
            None => true,
            Some((_, b)) => s.0 < b.0 || (s.0 == b.0 && (s.1 > b.1 || (s.1 == b.1 && s.2 < b.2))),
        };
        if better {
            best = Some((index, s));
        }
    }
    best.map(|(index, s)| Synthesised {
        index,
        x: grid.point(index),
        f: s.3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_spans_the_widened_box_in_mixed_radix() {
        let pool = Pool::with_bias(&[0.0, 0.0, 1.0, 2.0], 2, &[1.0, -1.0]);
        let test = Pool::with_bias(&[], 2, &[]);
        let g = CandidateGrid::around(&pool, &test, 0.5, 3).unwrap();
        assert_eq!(g.lo, vec![-0.5, -1.0]);
        assert_eq!(g.hi, vec![1.5, 3.0]);
        assert_eq!(g.len(), 9);
        assert_eq!(g.point(0), vec![-0.5, -1.0, 1.0]);
        assert_eq!(g.point(1), vec![0.5, -1.0, 1.0]);
        assert_eq!(g.point(5), vec![1.5, 1.0, 1.0]);
        assert!(CandidateGrid::around(&pool, &test, 0.1, 1000).is_err());
    }

    #[test]
    fn ties_go_far_from_labels_then_to_the_middle() {
        let pool = Pool::with_bias(&[0.0, 0.0, 1.0, 1.0], 2, &[1.0, -1.0]);
        let test = Pool::with_bias(&[], 2, &[]);
        let g = CandidateGrid::around(&pool, &test, 0.0, 3).unwrap();
        let zero = vec![0.0; 2 * 3 * 2];
        // No labels: all |f| = 0 and all distances infinite: the middle of the box.
        assert_eq!(synthesise(&g, &zero, &[], 3).unwrap().index, 4);
        // Labelled corner (0, 0): the farthest candidate is the opposite corner.
        assert_eq!(synthesise(&g, &zero, &[0.0, 0.0, 1.0], 3).unwrap().index, 8);
        // Every candidate labelled: none left.
        let all: Vec<f64> = (0..9).flat_map(|i| g.point(i)).collect();
        assert!(synthesise(&g, &zero, &all, 3).is_none());
    }
}
