//! The analytic centre of the version space (Section 4 of Zhang, Zhang, Pilanci 2025), computed by
//! homogeneity.
//!
//! The centre minimises the ball-form barrier
//! `F(theta) = -sum_r log s_r(theta) - log(R^2 - ||theta||^2)` over the `K` rows of the cuts. Every
//! row is homogeneous (`s_r(t phi) = t s_r(phi)`), so on `theta = t phi` with `||phi|| = 1`
//! `F = -K log t - log(R^2 - t^2) + psi(phi)`, `psi(phi) = -sum_r log s_r(phi)`: the two parts
//! separate. The radial part gives `t*^2 = K R^2 / (K + 2)`; the direction `phi*` minimises `psi` on
//! the unit sphere. Since `psi(c phi) = psi(phi) - K log c`, the unconstrained convex function
//! `G(phi) = psi(phi) + (K/2) ||phi||^2` has, on each ray, its minimum at `||phi|| = 1` with value
//! `psi(phi/||phi||) + K/2`: so `argmin G = phi*`. `G` is self-concordant (a log barrier plus a
//! convex quadratic) and lives on the open cone, with no ball; damped Newton on it converges fast
//! from the previous centre, whereas Newton on `F` hugs the sphere.
//!
//! At `theta* = t* phi*` with `||phi*|| = 1`: `grad F = grad G(phi*) / t*` and
//! `hess F = c (hess G + K^2 phi phi^T)`, `c = (K + 2) / (K R^2)`, and `t*^2 c = 1`, so the
//! ball-form Newton decrement is `lambda_F^2 = g^T (hess G + K^2 phi phi^T)^-1 g` with
//! `g = grad G(phi*)` (Sherman-Morrison on the structured solve) and
//! `log det hess F = 2dm log c + log det hess G + log(1 + K^2 phi^T hess G^-1 phi)`.

use serde::{Deserialize, Serialize};

use super::hessian::StructuredHessian;
use super::line_search::{centring_line_search, max_step};
use super::version_space::VersionSpace;
use crate::error::{Error, Result};
use crate::linalg::dot;

/// Stopping rule of the centring Newton method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NewtonOptions {
    /// Stop when the Newton decrement `lambda_G` falls to this (dimensionless).
    pub tol: f64,
    /// Most Newton steps per centre.
    pub max_steps: usize,
}

impl Default for NewtonOptions {
    /// `tol = 1e-10`, at most 200 steps.
    fn default() -> Self {
        NewtonOptions {
            tol: 1e-10,
            max_steps: 200,
        }
    }
}

/// The analytic centre and its diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Centre {
    /// The centre `theta* = t* phi*` (`2dm` entries).
    pub theta: Vec<f64>,
    /// The unit direction `phi*` (all zeros when there are no cuts).
    pub phi: Vec<f64>,
    /// The radius `t* = R sqrt(K / (K + 2))`.
    pub t: f64,
    /// Number of rows `K`.
    pub rows: usize,
    /// Newton steps taken for this centre.
    pub newton_steps: usize,
    /// Newton decrement of `G` at `phi*` (`sqrt(g^T hess G^-1 g)`).
    pub decrement: f64,
    /// Newton decrement of the ball-form barrier `F` at `theta*`.
    pub ball_decrement: f64,
    /// `log det hess F(theta*)`: larger means a smaller version space (the Dikin ellipsoid's volume
    /// is proportional to `det^-1/2`).
    pub log_det: f64,
    /// Whether the Newton method met its tolerance (otherwise it stopped at its step limit or at the
    /// floating-point floor of the decrement).
    pub converged: bool,
}

impl Centre {
    /// The centre of the bare ball (`K = 0`): `theta = 0`, where `hess F = (2 / R^2) I`.
    pub fn of_ball(vs: &VersionSpace) -> Centre {
        Centre::of_bare_ball(vs.dim(), vs.radius)
    }

    /// The centre of the bare ball of radius `radius` in `dim` parameters (`K = 0`): `theta = 0`,
    /// where `hess F = (2 / R^2) I` (for [`Self::of_ball`] and the three-layer lab's ball).
    pub(crate) fn of_bare_ball(dim: usize, radius: f64) -> Centre {
        Centre {
            theta: vec![0.0; dim],
            phi: vec![0.0; dim],
            t: 0.0,
            rows: 0,
            newton_steps: 0,
            decrement: 0.0,
            ball_decrement: 0.0,
            log_det: dim as f64 * libm::log(2.0 / (radius * radius)),
            converged: true,
        }
    }
}

/// Errors unless every slack is positive and finite; `what` names the computation in the error.
pub(crate) fn check_interior(s: &[f64], what: &str) -> Result<()> {
    match s.iter().position(|v| !(*v > 0.0 && v.is_finite())) {
        None => Ok(()),
        Some(r) => Err(Error::Numerical {
            what: what.into(),
            reason: format!(
                "the iterate left the version space (row {r}, slack {})",
                s[r]
            ),
        }),
    }
}

/// What [`check_interior`] calls the two-layer centring.
const WHAT: &str = "analytic centre";

/// The analytic centre of `vs` (which must have at least one cut) by damped Newton on `G` from
/// `start`, a direction strictly inside every row (see [`super::feasible`]). Each step solves with
/// the structured Hessian ([`StructuredHessian`]); while the decrement `lambda >= 1/4` the step is
/// cut back (to stay inside and meet an Armijo decrease), below it full steps are taken (the
/// Newton method `damped_newton`, shared with the three-layer centre).
pub fn analytic_centre(vs: &VersionSpace, start: &[f64], opts: &NewtonOptions) -> Result<Centre> {
    if vs.cuts() == 0 {
        return Ok(Centre::of_ball(vs));
    }
    let k_rows = vs.rows() as f64;
    let run = damped_newton(
        start,
        k_rows,
        opts,
        |v| vs.slacks(v, 0),
        |phi, s| {
            check_interior(s, WHAT)?;
            let asm = StructuredHessian::assemble(vs, phi, s, k_rows, false)?;
            let step = asm.hessian.solve(&asm.gradient);
            Ok((asm.gradient, step))
        },
    )?;
    finish(vs, run)
}

/// Where [`damped_newton`] stopped: the last iterate `phi` (not normalised), the steps taken and
/// whether the decrement met its tolerance.
#[derive(Debug, Clone)]
pub(crate) struct NewtonRun {
    /// The last iterate.
    pub(crate) phi: Vec<f64>,
    /// Newton steps taken.
    pub(crate) steps: usize,
    /// Whether `lambda <= tol` was met.
    pub(crate) converged: bool,
}

/// Damped Newton on the homogeneous centring objective `G(phi) = -sum_r log s_r(phi) +
/// (K/2) ||phi||^2` (module docs) from `start`, a direction strictly inside every row; shared by
/// the two-layer centre and the three-layer one ([`super::three_layer::analytic_centre`]).
/// `slacks(v)` gives the values of all rows at `v` (linear in `v`: computed once, then updated
/// along each step); `newton(phi, s)` errors unless the slacks `s` of `phi` are all positive and
/// finite, and gives `grad G(phi)` and `hess G(phi)^-1 grad G(phi)`. With the direction
/// `delta = -hess G^-1 grad G` and the decrement `lambda = sqrt(-grad G . delta)`, it stops when
/// `lambda <= opts.tol` (converged), after `opts.max_steps` steps, or when `lambda < 1e-6` no
/// longer halves from one step to the next (the floating-point floor). While `lambda >= 1/4` the
/// step length comes from [`centring_line_search`]; below it full steps are taken, capped at 99 %
/// of the way to the nearest row boundary ([`max_step`]).
pub(crate) fn damped_newton(
    start: &[f64],
    k_rows: f64,
    opts: &NewtonOptions,
    slacks: impl Fn(&[f64]) -> Vec<f64>,
    mut newton: impl FnMut(&[f64], &[f64]) -> Result<(Vec<f64>, Vec<f64>)>,
) -> Result<NewtonRun> {
    let mut phi = start.to_vec();
    let (mut steps, mut prev_lam, mut converged) = (0, f64::INFINITY, false);
    let mut s = slacks(&phi);
    loop {
        let (gradient, mut delta) = newton(&phi, &s)?;
        delta.iter_mut().for_each(|v| *v = -*v);
        let lam2 = -dot(&gradient, &delta);
        let lam = libm::sqrt(lam2.max(0.0));
        if lam <= opts.tol {
            converged = true;
            break;
        }
        if steps >= opts.max_steps || (lam < 1e-6 && lam > 0.5 * prev_lam) {
            break;
        }
        prev_lam = lam;
        let ds = slacks(&delta);
        let alpha_max = max_step(&s, &ds);
        let alpha = if lam >= 0.25 {
            centring_line_search(&s, &ds, k_rows, &phi, &delta, lam2, alpha_max)
        } else if alpha_max > 1.0 {
            1.0
        } else {
            0.99 * alpha_max
        };
        for (p, d) in phi.iter_mut().zip(&delta) {
            *p += alpha * d;
        }
        for (v, d) in s.iter_mut().zip(&ds) {
            *v += alpha * d;
        }
        steps += 1;
    }
    Ok(NewtonRun {
        phi,
        steps,
        converged,
    })
}

impl NewtonRun {
    /// The unit direction `phi / ||phi||` of the last iterate.
    pub(crate) fn unit_direction(&self) -> Vec<f64> {
        let nrm = libm::sqrt(dot(&self.phi, &self.phi));
        self.phi.iter().map(|v| v / nrm).collect()
    }

    /// The centre `t* phi`, `t* = R sqrt(K / (K + 2))`, for the unit direction `phi` (from
    /// [`Self::unit_direction`]) of a ball of radius `radius` cut by `rows` rows (`K`), with the
    /// ball-form diagnostics of the module docs, from `g = grad G(phi)`, `solve` (applies
    /// `hess G(phi)^-1`) and `hess_log_det = log det hess G(phi)`: the decrement
    /// `sqrt(g^T hess G^-1 g)`, `lambda_F^2 = g^T (hess G + K^2 phi phi^T)^-1 g` (Sherman-Morrison)
    /// and `log det hess F = dim log c + log det hess G + log(1 + K^2 phi^T hess G^-1 phi)`,
    /// `c = (K + 2) / (K R^2)`.
    pub(crate) fn centre(
        self,
        phi: Vec<f64>,
        g: &[f64],
        solve: impl Fn(&[f64]) -> Vec<f64>,
        hess_log_det: f64,
        radius: f64,
        rows: usize,
    ) -> Centre {
        let k_rows = rows as f64;
        let r2 = radius * radius;
        let hg = solve(g);
        let hp = solve(&phi);
        let k2 = k_rows * k_rows;
        let (gg, gp, pp) = (dot(g, &hg), dot(g, &hp), dot(&phi, &hp));
        let ball2 = gg - k2 * gp * gp / (1.0 + k2 * pp);
        let c = (k_rows + 2.0) / (k_rows * r2);
        let t = radius * libm::sqrt(k_rows / (k_rows + 2.0));
        Centre {
            theta: phi.iter().map(|v| t * v).collect(),
            t,
            rows,
            newton_steps: self.steps,
            decrement: libm::sqrt(gg.max(0.0)),
            ball_decrement: libm::sqrt(ball2.max(0.0)),
            log_det: phi.len() as f64 * libm::log(c) + hess_log_det + libm::log(1.0 + k2 * pp),
            converged: self.converged,
            phi,
        }
    }
}

/// Normalises the last iterate, places the centre at `t* phi` and evaluates the ball-form
/// diagnostics there ([`NewtonRun::centre`]).
fn finish(vs: &VersionSpace, run: NewtonRun) -> Result<Centre> {
    let phi = run.unit_direction();
    let s = vs.slacks(&phi, 0);
    check_interior(&s, WHAT)?;
    let asm = StructuredHessian::assemble(vs, &phi, &s, vs.rows() as f64, true)?;
    let (g, hess) = (&asm.gradient, &asm.hessian);
    Ok(run.centre(
        phi,
        g,
        |r| hess.solve(r),
        hess.log_det(),
        vs.radius,
        vs.rows(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::active::feasible::gate_network;
    use crate::active::patterns::Patterns;
    use crate::active::pool::Pool;
    use crate::data::DataSpec;
    use nalgebra::{DMatrix, DVector};

    /// A small spiral problem: `n` points, `p` gates, the first `cuts` pool points cut with their
    /// true labels.
    fn small(n: usize, p: usize, cuts: usize) -> (Pool, Patterns, VersionSpace) {
        let data = DataSpec {
            n,
            ..DataSpec::default()
        }
        .generate()
        .unwrap();
        let (pool, _) = Pool::from_dataset(&data).unwrap();
        let pat = Patterns::sample(&pool, p, 1);
        let mut vs = VersionSpace::new(1.0, pool.d, pat.m);
        for i in 0..cuts {
            vs.add_cut(&pool, &pat, i, pool.y[i]).unwrap();
        }
        (pool, pat, vs)
    }

    /// The gradients `grad s_r` of all rows, densely (test-only reference).
    fn dense_rows(vs: &VersionSpace) -> Vec<DVector<f64>> {
        let (d, n) = (vs.d, vs.dim());
        let mut rows = Vec::new();
        for k in 0..vs.cuts() {
            let (x, mask, y) = (vs.x(k), vs.mask(k), vs.labels[k]);
            let mut a = DVector::zeros(n);
            for j in 0..vs.m {
                for r in 0..d {
                    a[2 * j * d + r] = y * mask[j] * x[r];
                    a[(2 * j + 1) * d + r] = -y * mask[j] * x[r];
                }
            }
            rows.push(a);
            for b in 0..vs.blocks() {
                let mut a = DVector::zeros(n);
                for r in 0..d {
                    a[b * d + r] = (2.0 * mask[b / 2] - 1.0) * x[r];
                }
                rows.push(a);
            }
        }
        rows
    }

    #[test]
    fn structured_solve_matches_dense_solve() {
        let (_, pat, vs) = small(24, 40, 5);
        let phi = gate_network(&vs, &pat).unwrap();
        let k = vs.rows() as f64;
        let s = vs.slacks(&phi, 0);
        let asm = StructuredHessian::assemble(&vs, &phi, &s, k, true).unwrap();
        let n = vs.dim();
        let mut h = DMatrix::identity(n, n) * k;
        let mut g = DVector::from_column_slice(&phi) * k;
        for (a, sr) in dense_rows(&vs).iter().zip(&s) {
            h += a * a.transpose() / (sr * sr);
            g -= a / *sr;
        }
        let g_struct = DVector::from_column_slice(&asm.gradient);
        assert!((&g - &g_struct).amax() <= 1e-10 * g.amax(), "gradient");
        let rhs = DVector::from_fn(n, |i, _| libm::sin(i as f64 + 0.5));
        let chol = h.clone().cholesky().unwrap();
        let x_dense = chol.solve(&rhs);
        let x_struct = DVector::from_vec(asm.hessian.solve(rhs.as_slice()));
        let rel = (&x_dense - &x_struct).amax() / x_dense.amax();
        assert!(rel < 1e-10, "relative difference {rel:e}");
        let log_det_dense: f64 = chol.l().diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        assert!((log_det_dense - asm.hessian.log_det()).abs() < 1e-9 * log_det_dense.abs());
    }

    #[test]
    fn centre_is_strictly_inside_and_stationary_for_the_ball_form() {
        let (_, pat, vs) = small(24, 40, 6);
        let start = gate_network(&vs, &pat).unwrap();
        let c = analytic_centre(&vs, &start, &NewtonOptions::default()).unwrap();
        assert!(c.converged, "{c:?}");
        assert!(vs.min_slack(&c.theta) > 0.0);
        assert!(c.ball_decrement < 1e-8, "{}", c.ball_decrement);
        // Dense ball-form gradient, Hessian and decrement at theta*.
        let n = vs.dim();
        let theta = DVector::from_column_slice(&c.theta);
        let slack_ball = 1.0 - theta.norm_squared();
        let mut h = DMatrix::identity(n, n) * (2.0 / slack_ball)
            + &theta * theta.transpose() * (4.0 / (slack_ball * slack_ball));
        let mut g = &theta * (2.0 / slack_ball);
        for (a, sr) in dense_rows(&vs).iter().zip(vs.slacks(&c.theta, 0)) {
            h += a * a.transpose() / (sr * sr);
            g -= a / sr;
        }
        let chol = h.cholesky().unwrap();
        let lam_dense = g.dot(&chol.solve(&g)).sqrt();
        assert!(lam_dense < 1e-8, "dense ball-form decrement {lam_dense:e}");
        let log_det_dense: f64 = chol.l().diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        assert!(
            (log_det_dense - c.log_det).abs() < 1e-8 * log_det_dense.abs(),
            "{log_det_dense} vs {}",
            c.log_det
        );
        // t*^2 = K / (K + 2).
        let k = vs.rows() as f64;
        assert!((theta.norm_squared() - k / (k + 2.0)).abs() < 1e-12);
    }
}
