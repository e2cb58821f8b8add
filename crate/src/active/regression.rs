//! Regression cuts and their analytic centre (the `y = x^2` task of Zhang, Zhang, Pilanci 2025;
//! the reference's `cut_reg` and `cutting_plane_regression`).
//!
//! A cut at pool point `k` with target `y_k` and tube half-width `tau` adds the two rows
//! `u_k = y_k + tau - f_k(theta) > 0` and `l_k = tau - y_k + f_k(theta) > 0` (so
//! `|f_k(theta) - y_k| < tau`), with `f_k(theta) = sum_j D_kj x_k^T (U1_j - U2_j)`, and the same
//! `2m` sign rows `q_kb = (2 D_kj - 1) x_k^T theta_b > 0` as a classification cut (Theorem 4.1).
//! The tube rows are not homogeneous, so the centre is not `t* phi*`: it is computed directly as
//! the minimiser of the ball-form barrier
//! `F(theta) = -sum_k (log u_k + log l_k + sum_b log q_kb) - log(R^2 - ||theta||^2)`.
//!
//! Hessian structure: with `beta = R^2 - ||theta||^2`,
//! `hess F = B + V V^T + (4 / beta^2) theta theta^T`, where `B` is block-diagonal
//! (`B_b = (2 / beta) I + sum_k x_k x_k^T / q_kb^2`), `V`'s column `k` is `w_k a_k` with
//! `a_k = grad f_k` and `w_k = sqrt(1/u_k^2 + 1/l_k^2)` (both tube rows have gradient `±a_k`, so
//! they merge into one rank-one term), and the ball adds one more rank-one term, handled by
//! Sherman-Morrison on top of the Woodbury solve of [`StructuredHessian`]. The gradient is
//! `grad F = (2 / beta) theta - sum_kb (2 D_kj - 1) x_k / q_kb + sum_k (1/u_k - 1/l_k) a_k`.
//!
//! Strictly feasible start (phase I), warm-started from the previous centre:
//! 1. The gate network `p`: `U1_j = (w_j^+ + eps) g_j`, `U2_j = (w_j^- + eps) g_j` with unit gates
//!    and `eps` = [`EPS_SCALE`] times the rms of `w` (a larger `eps` keeps the sign rows away from
//!    zero: on the quadratic task `eps = 1e-3 rms(w)` cost about 3 000 Newton steps per centre,
//!    `eps = rms(w)` 100 to 170),
//!    which satisfies every sign row strictly and gives `f_k(p) = sum_j w_j relu(x_k^T g_j)`; `w` is
//!    the minimum-norm solution of `A w = y` over the cut points (`A_kj = relu(x_k^T g_j)`), so
//!    `f_k(p) = y_k` up to rounding (accepted when `|f_k(p) - y_k| <= tau / 2`).
//! 2. Every row is affine in `theta`, so on the segment `(1 - s) c_prev + s p` each row is the same
//!    combination of its two end values: the previous centre satisfies the old rows and the ball,
//!    `p` every row; `s = s0 + (1 - s0) / 2` with `s0` the smallest `s` at which the new rows are
//!    non-negative.
//! 3. If that point is outside the ball, a barrier path for `min ||theta||^2 / 2` over the tube and
//!    sign rows (`t ||theta||^2 / 2 - sum log rows`, Newton-centred for `t = 1, 10, 100, ...`)
//!    is followed until an iterate is inside the ball. At a centred point of that path
//!    `||theta||^2 / 2 - min ||theta||^2 / 2 <= K / t` (`K` rows), so once
//!    `||theta||^2 / 2 - 2 K / t >= R^2 / 2` (a factor 2 of slack for inexact centring) the
//!    version space is empty: no network with the sampled patterns fits the cut targets within
//!    `tau` inside the ball ([`Outcome::Empty`]).
//!
//! Newton on `F` from there: damped steps `1 / (1 + lambda)` while the decrement `lambda > 1/4`
//! (which keep a self-concordant barrier's iterate inside its domain), full steps below.

use std::ops::ControlFlow;

use super::centre::{Centre, NewtonOptions};
use super::dense::ridge_solve;
use super::hessian::StructuredHessian;
use super::line_search::{barrier_derivatives, max_step, safeguarded_newton_1d};
use super::patterns::Patterns;
use super::version_space::VersionSpace;
use crate::error::{Error, Result};
use crate::linalg::dot;

/// The regression version space: the cut points (in a [`VersionSpace`] whose labels are all `1`,
/// so its prediction slots are `f_k(theta)`), their targets and the tube half-width.
#[derive(Debug, Clone, Copy)]
pub struct Tube<'a> {
    /// The cut points' inputs and patterns, and the ball radius.
    pub vs: &'a VersionSpace,
    /// Targets `y_k` of the cut points.
    pub targets: &'a [f64],
    /// Tube half-width `tau > 0`.
    pub tau: f64,
}

/// All row values of a tube at one `theta`.
#[derive(Debug, Clone)]
pub struct Rows {
    /// [`VersionSpace::slacks`] layout: per cut `f_k(theta)` then the sign rows `q_kb`.
    pub s: Vec<f64>,
    /// Upper tube rows `u_k = y_k + tau - f_k`.
    pub upper: Vec<f64>,
    /// Lower tube rows `l_k = tau - y_k + f_k`.
    pub lower: Vec<f64>,
    /// Ball row `R^2 - ||theta||^2`.
    pub ball: f64,
}

impl Rows {
    /// Smallest row value, the ball included.
    pub fn min(&self, vs: &VersionSpace) -> f64 {
        let stride = 1 + vs.blocks();
        let mut m = self.ball;
        for k in 0..vs.cuts() {
            m = m.min(self.upper[k]).min(self.lower[k]);
            for v in &self.s[k * stride + 1..(k + 1) * stride] {
                m = m.min(*v);
            }
        }
        m
    }

    /// Smallest row value, the ball left out.
    fn min_without_ball(&self, vs: &VersionSpace) -> f64 {
        let mut r = self.clone();
        r.ball = f64::INFINITY;
        r.min(vs)
    }
}

/// The result of centring after new regression cuts.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The analytic centre.
    Centre(Centre),
    /// The version space is empty (certified by the phase-I bound in the module docs).
    Empty,
    /// No strictly feasible start was found: the sampled gates do not interpolate the cut targets
    /// within `tau / 2` (step 1 fails). The version space may still be non-empty (a network with
    /// residuals between `tau / 2` and `tau`); this is not a certificate.
    NoStart,
}

impl Tube<'_> {
    /// Number of rows `K = K_pred (2 + 2m)` (the ball not counted).
    pub fn rows(&self) -> usize {
        self.vs.cuts() * (2 + self.vs.blocks())
    }

    /// Every row value at `theta`.
    pub fn eval(&self, theta: &[f64]) -> Rows {
        let vs = self.vs;
        let s = vs.slacks(theta, 0);
        let stride = 1 + vs.blocks();
        let f = |k: usize| s[k * stride];
        let upper = (0..vs.cuts())
            .map(|k| self.targets[k] + self.tau - f(k))
            .collect();
        let lower = (0..vs.cuts())
            .map(|k| self.tau - self.targets[k] + f(k))
            .collect();
        let ball = vs.radius * vs.radius - dot(theta, theta);
        Rows {
            s,
            upper,
            lower,
            ball,
        }
    }

    /// Every row except the ball, flattened (per cut: upper, lower, sign rows), at `theta`; and
    /// their rates of change along `delta` (rows are affine in `theta`).
    fn flat_with_rates(&self, r: &Rows, delta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let vs = self.vs;
        let stride = 1 + vs.blocks();
        let sd = vs.slacks(delta, 0);
        let mut v = Vec::with_capacity(self.rows());
        let mut dv = Vec::with_capacity(self.rows());
        for k in 0..vs.cuts() {
            v.push(r.upper[k]);
            dv.push(-sd[k * stride]);
            v.push(r.lower[k]);
            dv.push(sd[k * stride]);
            v.extend_from_slice(&r.s[k * stride + 1..(k + 1) * stride]);
            dv.extend_from_slice(&sd[k * stride + 1..(k + 1) * stride]);
        }
        (v, dv)
    }

    /// The ball-form barrier `F(theta)` (`+inf` outside).
    pub fn barrier(&self, theta: &[f64]) -> f64 {
        let r = self.eval(theta);
        if r.min(self.vs).is_nan() || r.min(self.vs) <= 0.0 {
            return f64::INFINITY;
        }
        let stride = 1 + self.vs.blocks();
        let mut v = -libm::log(r.ball);
        for k in 0..self.vs.cuts() {
            v -= libm::log(r.upper[k]) + libm::log(r.lower[k]);
            for q in &r.s[k * stride + 1..(k + 1) * stride] {
                v -= libm::log(*q);
            }
        }
        v
    }

    /// `B + V V^T` (the tube and sign rows' Hessian plus `diag I`) factored, and the gradient
    /// `lin theta - sum (row gradients / rows)` (ball not included), at `theta` with rows `r`.
    fn assemble(
        &self,
        theta: &[f64],
        r: &Rows,
        diag: f64,
        lin: f64,
    ) -> Result<super::hessian::Assembled<'_>> {
        let kp = self.vs.cuts();
        let w: Vec<f64> = (0..kp)
            .map(|k| {
                let (a, b) = (1.0 / r.upper[k], 1.0 / r.lower[k]);
                libm::sqrt(a * a + b * b)
            })
            .collect();
        let g: Vec<f64> = (0..kp)
            .map(|k| 1.0 / r.lower[k] - 1.0 / r.upper[k])
            .collect();
        StructuredHessian::assemble_parts(self.vs, theta, &r.s, &w, &g, diag, lin, true)
    }

    /// The ball-form Newton system at `theta`: gradient of `F`, the Newton step `-hess F^-1 grad F`,
    /// `lambda^2 = grad^T hess^-1 grad` and `log det hess F` (Sherman-Morrison for the ball's
    /// rank-one term `(4 / beta^2) theta theta^T`).
    pub fn newton_step(&self, theta: &[f64]) -> Result<(Vec<f64>, Vec<f64>, f64, f64)> {
        let r = self.eval(theta);
        let beta = r.ball;
        let asm = self.assemble(theta, &r, 2.0 / beta, 2.0 / beta)?;
        let g = asm.gradient;
        let c = 4.0 / (beta * beta);
        let mg = asm.hessian.solve(&g);
        let mt = asm.hessian.solve(theta);
        let tmt = dot(theta, &mt);
        let coef = c * dot(theta, &mg) / (1.0 + c * tmt);
        let step: Vec<f64> = mg.iter().zip(&mt).map(|(a, b)| -(a - coef * b)).collect();
        let lam2 = -dot(&g, &step);
        let log_det = asm.hessian.log_det() + libm::log(1.0 + c * tmt);
        Ok((g, step, lam2, log_det))
    }
}

/// Approximately minimises, over `0 < a < a_max`, `h(a) = -sum_i log(v_i + a dv_i) + q(a)` where
/// `quad(a)` gives `(q'(a), q''(a))` of a convex smooth term, by safeguarded Newton on `h'`
/// ([`safeguarded_newton_1d`]) from `a = min(1, a_max / 2)`, until `|h'(a)| <= 1e-3 |h'(0)|` or
/// 30 iterations. `h` is convex, so the result lowers `h` whenever it lies on the near side of the
/// minimiser or just past it.
fn line_min(v: &[f64], dv: &[f64], quad: &dyn Fn(f64) -> (f64, f64), a_max: f64) -> f64 {
    let deriv = |a: f64| barrier_derivatives(v, dv, quad(a), a);
    let g0 = deriv(0.0).0.abs();
    safeguarded_newton_1d(a_max, 30, deriv, |g1| g1.abs() <= 1e-3 * g0)
}

/// The weight of the gate interpolant's inactive half, relative to the rms of `w` (step 1).
pub const EPS_SCALE: f64 = 1.0;

/// The gate network interpolating the cut targets (module docs, step 1): `2dm` entries, not
/// normalised. Errors if no regularisation level gives `|f_k - y_k| <= tau / 2` with every sign
/// row strict.
pub fn gate_interpolant(tube: &Tube, patterns: &Patterns) -> Result<Vec<f64>> {
    let vs = tube.vs;
    let (d, m, kp) = (vs.d, vs.m, vs.cuts());
    let unit: Vec<f64> = (0..m)
        .flat_map(|j| {
            let u = patterns.gate(j);
            let n = libm::sqrt(dot(u, u));
            u.iter().map(move |v| v / n).collect::<Vec<f64>>()
        })
        .collect();
    let mut a = vec![0.0; kp * m];
    for k in 0..kp {
        let (x, mask) = (vs.x(k), vs.mask(k));
        for j in 0..m {
            if mask[j] != 0.0 {
                a[k * m + j] = dot(x, &unit[j * d..(j + 1) * d]);
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
    let mut worst = f64::NAN;
    let ridges = [1e-14, 1e-12, 1e-10, 1e-8];
    let found = ridge_solve(&gram, kp, tube.targets, &ridges, |alpha| {
        let mut w = vec![0.0; m];
        for k in 0..kp {
            for j in 0..m {
                w[j] += a[k * m + j] * alpha[k];
            }
        }
        let eps = EPS_SCALE * libm::sqrt(dot(&w, &w) / m as f64).max(1e-12);
        let mut p = vec![0.0; 2 * d * m];
        for j in 0..m {
            let u = &unit[j * d..(j + 1) * d];
            let (c1, c2) = (w[j].max(0.0) + eps, (-w[j]).max(0.0) + eps);
            for r in 0..d {
                p[2 * j * d + r] = c1 * u[r];
                p[(2 * j + 1) * d + r] = c2 * u[r];
            }
        }
        let rows = tube.eval(&p);
        let fit =
            (0..kp).all(|k| rows.upper[k] >= 0.5 * tube.tau && rows.lower[k] >= 0.5 * tube.tau);
        worst = rows.min_without_ball(vs);
        if fit && worst > 0.0 {
            return ControlFlow::Break(p);
        }
        ControlFlow::Continue(())
    });
    if let Some(p) = found {
        return Ok(p);
    }
    Err(Error::Numerical {
        what: "finding a network that fits the regression cuts".into(),
        reason: format!(
            "the {kp} cut targets are not interpolated within tau/2 by the sampled gates \
             (smallest row {worst:e})"
        ),
    })
}

/// Follows the barrier path of `min ||theta||^2 / 2` over the tube and sign rows from `start`
/// (strictly inside those rows) until an iterate is strictly inside the ball (returned with the
/// Newton steps taken), or the path's bound certifies that none is (`None`). Module docs, step 3.
fn phase_one(
    tube: &Tube,
    start: &[f64],
    opts: &NewtonOptions,
) -> Result<(Option<Vec<f64>>, usize)> {
    let vs = tube.vs;
    let r2 = vs.radius * vs.radius;
    let k_rows = tube.rows() as f64;
    let mut theta = start.to_vec();
    let mut steps = 0;
    let mut t = 1.0;
    for _ in 0..40 {
        let mut lam = f64::INFINITY;
        for _ in 0..opts.max_steps {
            let r = tube.eval(&theta);
            if dot(&theta, &theta) < r2 {
                return Ok((Some(theta), steps));
            }
            let asm = tube.assemble(&theta, &r, t, t)?;
            let mut delta = asm.hessian.solve(&asm.gradient);
            delta.iter_mut().for_each(|v| *v = -*v);
            lam = libm::sqrt((-dot(&asm.gradient, &delta)).max(0.0));
            if lam <= 1e-6 {
                break;
            }
            let (v, dv) = tube.flat_with_rates(&r, &delta);
            let (pd, dd) = (dot(&theta, &delta), dot(&delta, &delta));
            let quad = |a: f64| (t * (pd + a * dd), t * dd);
            let mut alpha = line_min(&v, &dv, &quad, max_step(&v, &dv));
            loop {
                let next: Vec<f64> = theta
                    .iter()
                    .zip(&delta)
                    .map(|(a, b)| a + alpha * b)
                    .collect();
                if tube.eval(&next).min_without_ball(vs) > 0.0 {
                    theta = next;
                    break;
                }
                alpha *= 0.5;
                if alpha < 1e-12 {
                    return Err(Error::Numerical {
                        what: "regression phase I".into(),
                        reason: "no step keeps the rows strict".into(),
                    });
                }
            }
            steps += 1;
        }
        if lam <= 1e-6 && 0.5 * dot(&theta, &theta) - 2.0 * k_rows / t >= 0.5 * r2 {
            return Ok((None, steps));
        }
        t *= 10.0;
    }
    Err(Error::Numerical {
        what: "regression phase I".into(),
        reason: "the barrier path did not reach the ball nor certify emptiness".into(),
    })
}

/// The analytic centre of the regression version space after the cuts from `first_new` on were
/// added: a strictly feasible start from the previous centre `prev` (`None` before the first cut)
/// and the gate interpolant, phase I if needed, then damped Newton on `F` until the ball-form
/// decrement is at most `opts.tol` (module docs). `Outcome::Empty` if phase I certifies the space
/// empty, `Outcome::NoStart` if the gate interpolant cannot be built. Errors if a factorisation
/// fails.
pub fn regression_centre(
    tube: &Tube,
    patterns: &Patterns,
    prev: Option<&[f64]>,
    first_new: usize,
    opts: &NewtonOptions,
) -> Result<Outcome> {
    let vs = tube.vs;
    let Ok(p) = gate_interpolant(tube, patterns) else {
        return Ok(Outcome::NoStart);
    };
    let start = match prev {
        None => p.clone(),
        Some(c) => {
            // Rows of the new cuts at both ends; every row is affine in theta.
            let (rc, rp) = (tube.eval(c), tube.eval(&p));
            let stride = 1 + vs.blocks();
            let mut s0 = 0.0f64;
            for k in first_new..vs.cuts() {
                let mut pairs = vec![(rc.upper[k], rp.upper[k]), (rc.lower[k], rp.lower[k])];
                for b in 1..stride {
                    pairs.push((rc.s[k * stride + b], rp.s[k * stride + b]));
                }
                for (o, n) in pairs {
                    if o <= 0.0 {
                        s0 = s0.max(-o / (n - o));
                    }
                }
            }
            let s = s0 + 0.5 * (1.0 - s0);
            c.iter()
                .zip(&p)
                .map(|(a, b)| (1.0 - s) * a + s * b)
                .collect()
        }
    };
    let mut theta = start;
    let mut steps = 0;
    let inside = tube.eval(&theta).min(vs);
    if inside.is_nan() || inside <= 0.0 {
        let (found, n) = phase_one(tube, &theta, opts)?;
        steps += n;
        match found {
            Some(t) => theta = t,
            None => return Ok(Outcome::Empty),
        }
    }
    let mut converged = false;
    let mut prev_lam = f64::INFINITY;
    let phase_one_steps = steps;
    let (mut lam, mut log_det);
    loop {
        let (_, step, lam2, ld) = tube.newton_step(&theta)?;
        lam = libm::sqrt(lam2.max(0.0));
        log_det = ld;
        if lam <= opts.tol {
            converged = true;
            break;
        }
        if steps - phase_one_steps >= opts.max_steps || (lam < 1e-6 && lam > 0.5 * prev_lam) {
            break;
        }
        prev_lam = lam;
        // Damped Newton (Nesterov and Nemirovskii): `1 / (1 + lambda)` keeps the iterate inside
        // the Dikin ellipsoid and lowers F by at least `lambda - log(1 + lambda)`. (An exact line
        // search along the Newton direction was tried: it drives the iterate against the sphere,
        // where it crawls with lambda near sqrt(2).)
        let mut alpha = if lam > 0.25 { 1.0 / (1.0 + lam) } else { 1.0 };
        loop {
            let next: Vec<f64> = theta
                .iter()
                .zip(&step)
                .map(|(a, b)| a + alpha * b)
                .collect();
            if tube.eval(&next).min(vs) > 0.0 {
                theta = next;
                break;
            }
            alpha *= 0.5;
            if alpha < 1e-12 {
                return Err(Error::Numerical {
                    what: "regression centre".into(),
                    reason: "no Newton step keeps the iterate inside".into(),
                });
            }
        }
        steps += 1;
    }
    let t = libm::sqrt(dot(&theta, &theta));
    let phi = theta.iter().map(|v| v / t).collect();
    Ok(Outcome::Centre(Centre {
        theta,
        phi,
        t,
        rows: tube.rows(),
        newton_steps: steps,
        decrement: lam,
        ball_decrement: lam,
        log_det,
        converged,
    }))
}
