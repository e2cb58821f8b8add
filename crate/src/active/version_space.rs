//! The version space: the ball `||theta|| <= R` intersected with the cuts of the labelled points
//! (Theorem 4.1 of Zhang, Zhang, Pilanci 2025).
//!
//! Parameters `theta = (U1_1, U2_1, ..., U1_m, U2_m)`, each block in `R^d`, so `theta` has `2 d m`
//! entries and block `b = 2 j + s` holds `U1_j` (`s = 0`) or `U2_j` (`s = 1`) at
//! `theta[b d .. b d + d]` (the reference's column-major reshape to `(2d, m)`).
//!
//! A cut at pool point `i` with label `y` adds `1 + 2m` homogeneous rows, each written as a slack
//! that must be positive:
//! - the prediction row `y f_i(theta) > 0`, with `f_i(theta) = sum_j D_ij x_i^T (U1_j - U2_j)`;
//! - the sign rows `(2 D_ij - 1) x_i^T U1_j > 0` and `(2 D_ij - 1) x_i^T U2_j > 0`, `j = 1..m`,
//!   which make `f_i` equal to the ReLU network `sum_j relu(x_i^T U1_j) - relu(x_i^T U2_j)`.
//!
//! Rows are ordered cut by cut: the prediction row, then the sign rows in block order.

use super::hessian::{as_array, dot_n};
use super::patterns::Patterns;
use super::pool::Pool;
use crate::error::{Error, Result};
use crate::linalg::dot;

/// The cuts so far and the data needed to evaluate their rows.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionSpace {
    /// Radius `R` of the ball.
    pub radius: f64,
    /// Row length `d`.
    pub d: usize,
    /// Number of patterns `m`.
    pub m: usize,
    /// Pool indices of the cut points, in cut order.
    pub points: Vec<usize>,
    /// Labels `y_k` of the cut points.
    pub labels: Vec<f64>,
    /// Inputs of the cut points, row-major `K_pred x d`.
    pub xs: Vec<f64>,
    /// Patterns of the cut points, row-major `K_pred x m`, as `0.0` / `1.0`.
    pub masks: Vec<f64>,
}

impl VersionSpace {
    /// The ball of radius `radius` in dimension `2 d m`, no cuts.
    pub fn new(radius: f64, d: usize, m: usize) -> Self {
        VersionSpace {
            radius,
            d,
            m,
            points: Vec::new(),
            labels: Vec::new(),
            xs: Vec::new(),
            masks: Vec::new(),
        }
    }

    /// Dimension of `theta`: `2 d m`.
    pub fn dim(&self) -> usize {
        2 * self.d * self.m
    }

    /// Number of blocks `2 m`.
    pub fn blocks(&self) -> usize {
        2 * self.m
    }

    /// Number of cut points `K_pred`.
    pub fn cuts(&self) -> usize {
        self.labels.len()
    }

    /// Number of linear rows `K = K_pred (1 + 2m)` (the ball is not counted).
    pub fn rows(&self) -> usize {
        self.cuts() * (1 + 2 * self.m)
    }

    /// Adds the cut of pool point `i` with label `y` (Theorem 4.1). Errors if `i` is already cut or
    /// `y` is not `±1`.
    pub fn add_cut(&mut self, pool: &Pool, patterns: &Patterns, i: usize, y: f64) -> Result<()> {
        if self.points.contains(&i) {
            return Err(Error::Numerical {
                what: "adding a cut".into(),
                reason: format!("pool point {i} is already cut"),
            });
        }
        if y != 1.0 && y != -1.0 {
            return Err(Error::UnknownName {
                field: format!("label of pool point {i}"),
                value: y.to_string(),
                expected: "-1, 1".into(),
            });
        }
        self.points.push(i);
        self.labels.push(y);
        self.xs.extend_from_slice(pool.row(i));
        self.masks
            .extend(patterns.row(i).iter().map(|&b| f64::from(b)));
        Ok(())
    }

    /// Input of cut `k`.
    pub fn x(&self, k: usize) -> &[f64] {
        &self.xs[k * self.d..(k + 1) * self.d]
    }

    /// Pattern row of cut `k` (0/1 as f64).
    pub fn mask(&self, k: usize) -> &[f64] {
        &self.masks[k * self.m..(k + 1) * self.m]
    }

    /// Index of cut `k`'s prediction row among all rows (its sign rows follow, in block order).
    pub fn row_of(&self, k: usize) -> usize {
        k * (1 + self.blocks())
    }

    /// All slacks `s_r(theta)` of the rows of cuts `k >= from`, in row order (prediction row
    /// `y_k f_k`, then sign rows `(2 D_kj - 1) x_k^T theta_b` in block order), in one pass over the
    /// block products `x_k^T theta_b`. `theta` is feasible iff all are positive and
    /// `||theta|| < R`.
    pub fn slacks(&self, theta: &[f64], from: usize) -> Vec<f64> {
        match self.d {
            1 => self.slacks_d::<1>(theta, from),
            2 => self.slacks_d::<2>(theta, from),
            3 => self.slacks_d::<3>(theta, from),
            4 => self.slacks_d::<4>(theta, from),
            d => {
                let mut s = Vec::with_capacity((self.cuts() - from) * (1 + self.blocks()));
                for k in from..self.cuts() {
                    let (x, mask) = (self.x(k), self.mask(k));
                    let at = s.len();
                    s.push(0.0);
                    let mut f = 0.0;
                    for (j, pair) in theta.chunks_exact(2 * d).enumerate() {
                        let (a, b) = (dot(x, &pair[..d]), dot(x, &pair[d..]));
                        let sigma = 2.0 * mask[j] - 1.0;
                        s.push(sigma * a);
                        s.push(sigma * b);
                        f += mask[j] * (a - b);
                    }
                    s[at] = self.labels[k] * f;
                }
                s
            }
        }
    }

    /// [`Self::slacks`] for row length `D` (same bits).
    fn slacks_d<const D: usize>(&self, theta: &[f64], from: usize) -> Vec<f64> {
        let mut s = Vec::with_capacity((self.cuts() - from) * (1 + self.blocks()));
        for k in from..self.cuts() {
            let x: [f64; D] = as_array(self.x(k));
            let mask = self.mask(k);
            let at = s.len();
            s.push(0.0);
            let mut f = 0.0;
            for (pair, &dk) in theta.chunks_exact(2 * D).zip(mask) {
                let a = dot_n(&x, &as_array(&pair[..D]));
                let b = dot_n(&x, &as_array(&pair[D..]));
                let sigma = 2.0 * dk - 1.0;
                s.push(sigma * a);
                s.push(sigma * b);
                f += dk * (a - b);
            }
            s[at] = self.labels[k] * f;
        }
        s
    }

    /// The smallest slack over all rows and the ball, `min(min_r s_r, R^2 - ||theta||^2)`.
    pub fn min_slack(&self, theta: &[f64]) -> f64 {
        let ball = self.radius * self.radius - dot(theta, theta);
        self.slacks(theta, 0).into_iter().fold(ball, f64::min)
    }
}

/// `f_i(theta) = sum_j D_ij x_i^T (U1_j - U2_j)` for pool point `i`: the network's output at a
/// pool point under the sampled patterns, linear in `theta` (Section 3, the reference's
/// `pred_point`).
pub fn pool_prediction(pool: &Pool, patterns: &Patterns, i: usize, theta: &[f64]) -> f64 {
    let d = pool.d;
    let x = pool.row(i);
    let row = patterns.row(i);
    let mut f = 0.0;
    for (j, &dij) in row.iter().enumerate() {
        if dij != 0 {
            let b = 2 * j * d;
            f += dot(x, &theta[b..b + d]) - dot(x, &theta[b + d..b + 2 * d]);
        }
    }
    f
}

/// The two-layer ReLU network of `theta` at an input row `x` (with bias):
/// `f(x) = sum_j relu(x^T U1_j) - relu(x^T U2_j)`, used off the pool (test points, heatmaps).
pub fn network_output(x: &[f64], theta: &[f64]) -> f64 {
    let d = x.len();
    theta.chunks_exact(2 * d).fold(0.0, |f, blk| {
        let a = dot(x, &blk[..d]);
        let b = dot(x, &blk[d..]);
        f + a.max(0.0) - b.max(0.0)
    })
}
