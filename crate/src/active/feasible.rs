//! A strictly feasible start for the centring Newton method after new cuts.
//!
//! Theorem 4.1's cone is never empty for consistent labels, and an explicit point shows it: every
//! sampled gate `u_j` satisfies the sign rows of pattern `j` for every pool point,
//! `(2 D_ij - 1) x_i^T u_j = |x_i^T u_j| > 0` (strict unless a point lies exactly on the gate's
//! hyperplane). Taking `U1_j = (w_j^+ + eps) u_j`, `U2_j = (w_j^- + eps) u_j` keeps every sign row
//! strict and gives `f_i = sum_j w_j relu(x_i^T u_j)`; choosing `w` as the minimum-norm solution of
//! `A w = y` over the cut points (`A_kj = relu(x_k^T u_j)`, the random-feature matrix, full row rank
//! for distinct points) makes every prediction row `y_k f_k = 1 > 0`. [`warm_start`] then moves from
//! the previous centre towards this point just far enough past the new rows' boundaries.

use std::ops::ControlFlow;

use super::dense::ridge_solve;
use super::patterns::Patterns;
use super::version_space::VersionSpace;
use crate::error::{Error, Result};
use crate::linalg::dot;

/// How far past the last new boundary the warm start goes: `tau = tau0 + MARGIN (1 - tau0)`.
pub const MARGIN: f64 = 0.5;

/// The gate network interpolating the labels of all cuts (module docs), normalised to unit length:
/// a strictly feasible direction of the cone of `vs` (`2dm` entries). Errors if the cut labels are
/// not realisable with the sampled patterns (e.g. one input cut with both labels) or a cut point
/// lies exactly on a gate's hyperplane.
pub fn gate_network(vs: &VersionSpace, patterns: &Patterns) -> Result<Vec<f64>> {
    let (d, m, kp) = (vs.d, vs.m, vs.cuts());
    // A (kp x m): relu features of the cut points.
    let mut a = vec![0.0; kp * m];
    for k in 0..kp {
        let (x, mask) = (vs.x(k), vs.mask(k));
        for j in 0..m {
            if mask[j] != 0.0 {
                a[k * m + j] = dot(x, patterns.gate(j));
            }
        }
    }
    let mut gram = vec![0.0; kp * kp];
    for k in 0..kp {
        for l in 0..=k {
            let v = dot(&a[k * m..(k + 1) * m], &a[l * m..(l + 1) * m]);
            gram[k * kp + l] = v;
            gram[l * kp + k] = v;
        }
    }
    let mut last_err = None;
    let found = ridge_solve(&gram, kp, &vs.labels, &[1e-12, 1e-9, 1e-6, 1e-3], |alpha| {
        let mut w = vec![0.0; m];
        for k in 0..kp {
            for j in 0..m {
                w[j] += a[k * m + j] * alpha[k];
            }
        }
        let rms = libm::sqrt(dot(&w, &w) / m as f64);
        let eps = if rms > 0.0 && rms.is_finite() {
            rms
        } else {
            1.0
        };
        let mut p = vec![0.0; 2 * d * m];
        for j in 0..m {
            let u = patterns.gate(j);
            let (c1, c2) = (w[j].max(0.0) + eps, (-w[j]).max(0.0) + eps);
            for r in 0..d {
                p[2 * j * d + r] = c1 * u[r];
                p[(2 * j + 1) * d + r] = c2 * u[r];
            }
        }
        let min = vs.slacks(&p, 0).into_iter().fold(f64::INFINITY, f64::min);
        if min > 0.0 {
            let nrm = libm::sqrt(dot(&p, &p));
            p.iter_mut().for_each(|v| *v /= nrm);
            return ControlFlow::Break(p);
        }
        last_err = Some(min);
        ControlFlow::Continue(())
    });
    if let Some(p) = found {
        return Ok(p);
    }
    Err(Error::Numerical {
        what: "finding a strictly feasible network for the cuts".into(),
        reason: format!(
            "the labels of the {kp} cut points are not realisable with the sampled patterns \
             (smallest slack {:?}); conflicting labels at one input?",
            last_err
        ),
    })
}

/// A strictly feasible start after the cuts from index `first_new` on were added: the point
/// `(1 - tau) prev + tau p` with `p` from [`gate_network`], where `tau0` is the smallest `tau`
/// at which every new row is non-negative and `tau = tau0 + MARGIN (1 - tau0)`; normalised to unit
/// length. The old rows stay strict along the whole segment because both ends satisfy them. With no
/// previous centre (`prev = None`) the start is `p`.
pub fn warm_start(
    vs: &VersionSpace,
    prev: Option<&[f64]>,
    first_new: usize,
    p: &[f64],
) -> Vec<f64> {
    let Some(prev) = prev else {
        return p.to_vec();
    };
    blend_start(
        prev,
        p,
        &vs.slacks(prev, first_new),
        &vs.slacks(p, first_new),
    )
}

/// The blend of [`warm_start`], given the new rows' values `r_old` at `prev` and `r_p` at `p`:
/// `(1 - tau) prev + tau p` normalised to unit length, `tau = tau0 + MARGIN (1 - tau0)`, `tau0` the
/// smallest `tau` at which every new row is non-negative. Shared by every version space whose rows
/// are linear in the parameters (two and three layers).
pub fn blend_start(prev: &[f64], p: &[f64], r_old: &[f64], r_p: &[f64]) -> Vec<f64> {
    let tau0 = r_old
        .iter()
        .zip(r_p)
        .filter(|(o, _)| **o <= 0.0)
        .fold(0.0f64, |t, (o, n)| t.max(-o / (n - o)));
    let tau = tau0 + MARGIN * (1.0 - tau0);
    let mut phi: Vec<f64> = prev
        .iter()
        .zip(p)
        .map(|(a, b)| (1.0 - tau) * a + tau * b)
        .collect();
    let nrm = libm::sqrt(dot(&phi, &phi));
    phi.iter_mut().for_each(|v| *v /= nrm);
    phi
}
