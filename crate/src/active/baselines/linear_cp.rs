//! The linear cutting-plane method (Louche and Ralaivola 2015, "From cutting planes algorithms to
//! compression schemes and active learning", arXiv 1508.02986), the paper's linear baseline: the
//! version space of linear classifiers `w` (on rows `x = (p, 1)`, so with a bias) in the ball
//! `|w| < R`, cut by every revealed label as `y_i w^T x_i > 0`; the classifier is the analytic
//! centre, the minimiser of `-log(R^2 - |w|^2) - sum_i log(y_i w^T x_i)`.
//!
//! The reference (pilancilab/cpal `src/baselines/linear_cp.py`, `linear_cut_classification`)
//! appends `(y x, 0)` to constraints read as `lhs^T w <= rhs`, i.e. `y w^T x <= 0`: the cut keeps
//! the half-space the label rules out. Here the cut keeps `y w^T x > 0`. When a label cannot be
//! fitted together with the previous ones by any linear classifier (data not linearly separable,
//! as the spiral), its cut would empty the version space; a phase-1 barrier method detects this
//! and the cut is dropped (counted in [`LinearCp::dropped`]), so the centre stays defined.

use crate::active::dense::{cholesky_in_place, cholesky_solve};
use crate::error::{Error, Result};

/// Newton steps allowed per centring.
const MAX_NEWTON: usize = 200;
/// Outer iterations (`t` multiplied by 8 each) of the phase-1 method.
const MAX_PHASE1: usize = 40;

/// The version space `{w : |w| < R, a_i^T w > 0}` with cuts `a_i = y_i x_i`, and its centre.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearCp {
    /// Dimension of `w` (row length including the bias column).
    pub d: usize,
    /// Ball radius `R`.
    pub radius: f64,
    cuts: Vec<Vec<f64>>,
    centre: Vec<f64>,
    dropped: usize,
}

impl LinearCp {
    /// The ball of radius `radius` in `R^d`, centred at `w = 0`.
    pub fn new(d: usize, radius: f64) -> LinearCp {
        LinearCp {
            d,
            radius,
            cuts: Vec::new(),
            centre: vec![0.0; d],
            dropped: 0,
        }
    }

    /// The current classifier (the analytic centre; `0` before the first cut), length `d`.
    pub fn centre(&self) -> &[f64] {
        &self.centre
    }

    /// The cuts `a_i = y_i x_i` kept so far (each means `a_i^T w > 0`).
    pub fn cuts(&self) -> &[Vec<f64>] {
        &self.cuts
    }

    /// Labels whose cut was dropped because no linear classifier fits them with the kept ones.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// The classifier's score `w^T x` (its sign is the predicted label).
    pub fn predict(&self, x: &[f64]) -> f64 {
        dot(&self.centre, x)
    }

    /// Adds the label `y` of row `x` as the cut `y w^T x > 0` and recentres. Returns `false` (and
    /// keeps the version space) when the cut would leave no strictly feasible `w`.
    pub fn add_label(&mut self, x: &[f64], y: f64) -> Result<bool> {
        let a: Vec<f64> = x.iter().map(|&v| y * v).collect();
        self.cuts.push(a);
        let start = if self.cuts.iter().all(|a| dot(a, &self.centre) > 0.0) {
            Some(self.centre.clone())
        } else {
            self.phase1()?
        };
        match start {
            Some(w) => {
                self.centre = self.centring(w)?;
                Ok(true)
            }
            None => {
                self.cuts.pop();
                self.dropped += 1;
                Ok(false)
            }
        }
    }

    /// A strictly feasible `w` for the current cuts, or `None` if there is none: barrier method on
    /// `min s` s.t. `a_i^T w + s > 0`, `|w| < R`, started at the current centre; stops as soon as
    /// `s < 0`, and declares infeasibility once the duality-gap bound `(cuts + 1)/t` proves the
    /// optimum `s* >= 0` (or the schedule ends undecided, a margin of exactly 0).
    fn phase1(&self) -> Result<Option<Vec<f64>>> {
        let d = self.d;
        let rows: Vec<Vec<f64>> = self
            .cuts
            .iter()
            .map(|a| a.iter().copied().chain([1.0]).collect())
            .collect();
        let mut z = self.centre.clone();
        let worst = self
            .cuts
            .iter()
            .map(|a| dot(a, &self.centre))
            .fold(f64::INFINITY, f64::min);
        z.push(1.0 - worst);
        let nu = (self.cuts.len() + 1) as f64;
        let mut t = 1.0;
        for _ in 0..MAX_PHASE1 {
            let mut cost = vec![0.0; d + 1];
            cost[d] = t;
            z = barrier_newton(&rows, &cost, d, self.radius * self.radius, z)?;
            let w = z[..d].to_vec();
            if self.cuts.iter().all(|a| dot(a, &w) > 0.0) {
                return Ok(Some(w));
            }
            if z[d] - nu / t > 0.0 {
                return Ok(None);
            }
            t *= 8.0;
        }
        Ok(None)
    }

    /// The analytic centre from a strictly feasible `w`.
    fn centring(&self, w: Vec<f64>) -> Result<Vec<f64>> {
        let cost = vec![0.0; self.d];
        barrier_newton(&self.cuts, &cost, self.d, self.radius * self.radius, w)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

/// Damped Newton with backtracking on `c^T z - sum_i log(rows_i^T z) - log(r2 - |z[..ball]|^2)`
/// from a strictly feasible `z` (dense, `n = z.len()` small). Stops at Newton decrement
/// `lambda^2 / 2 < 1e-12` or after [`MAX_NEWTON`] steps.
fn barrier_newton(
    rows: &[Vec<f64>],
    cost: &[f64],
    ball: usize,
    r2: f64,
    mut z: Vec<f64>,
) -> Result<Vec<f64>> {
    let n = z.len();
    let value = |z: &[f64]| -> Option<f64> {
        let b = r2 - dot(&z[..ball], &z[..ball]);
        if b.is_nan() || b <= 0.0 {
            return None;
        }
        let mut v = dot(cost, z) - libm::log(b);
        for a in rows {
            let s = dot(a, z);
            if s.is_nan() || s <= 0.0 {
                return None;
            }
            v -= libm::log(s);
        }
        Some(v)
    };
    let mut fz = value(&z).ok_or_else(|| Error::Numerical {
        what: "linear cutting-plane centre".into(),
        reason: "the start is not strictly feasible".into(),
    })?;
    let mut g = vec![0.0; n];
    let mut h = vec![0.0; n * n];
    for _ in 0..MAX_NEWTON {
        g.copy_from_slice(cost);
        h.iter_mut().for_each(|v| *v = 0.0);
        let b = r2 - dot(&z[..ball], &z[..ball]);
        for i in 0..ball {
            g[i] += 2.0 * z[i] / b;
            h[i * n + i] += 2.0 / b;
            for j in 0..ball {
                h[i * n + j] += 4.0 * z[i] * z[j] / (b * b);
            }
        }
        for a in rows {
            let s = dot(a, &z);
            for i in 0..n {
                g[i] -= a[i] / s;
                for j in 0..n {
                    h[i * n + j] += a[i] * a[j] / (s * s);
                }
            }
        }
        if !cholesky_in_place(&mut h, n) {
            return Err(Error::Numerical {
                what: "linear cutting-plane centre".into(),
                reason: "the barrier Hessian is not positive definite".into(),
            });
        }
        let mut step: Vec<f64> = g.iter().map(|v| -v).collect();
        cholesky_solve(&h, n, &mut step);
        let dec2 = -dot(&g, &step);
        if dec2 / 2.0 < 1e-12 {
            break;
        }
        let mut alpha = 1.0;
        loop {
            let trial: Vec<f64> = z.iter().zip(&step).map(|(a, s)| a + alpha * s).collect();
            if let Some(ft) = value(&trial)
                && ft <= fz - 0.25 * alpha * dec2
            {
                z = trial;
                fz = ft;
                break;
            }
            alpha *= 0.5;
            if alpha < 1e-12 {
                return Ok(z);
            }
        }
    }
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cut_centre_lies_on_the_right_side() {
        let mut cp = LinearCp::new(2, 1.0);
        assert!(cp.add_label(&[1.0, 0.0], -1.0).unwrap());
        let c = cp.centre();
        assert!(c[0] < 0.0 && c[1].abs() < 1e-12, "{c:?}");
        assert!(cp.cuts()[0][0] == -1.0);
    }

    #[test]
    fn contradiction_is_dropped() {
        let mut cp = LinearCp::new(2, 1.0);
        assert!(cp.add_label(&[1.0, 0.0], 1.0).unwrap());
        assert!(!cp.add_label(&[1.0, 0.0], -1.0).unwrap());
        assert_eq!(cp.dropped(), 1);
        assert_eq!(cp.cuts().len(), 1);
        assert!(cp.predict(&[1.0, 0.0]) > 0.0);
    }
}
