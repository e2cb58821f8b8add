//! The final convex solve ("AFS") on the cut points: group-lasso fit of the two-layer ReLU network
//! under the sign constraints, by an augmented Lagrangian over FISTA.
//!
//! After the active-learning budget, the reference (pilancilab/cpal, `solve_two_layer_cvx` with
//! `beta = 1e-5`) refits on the cut points `S` only (`n = |S|`):
//!
//! ```text
//! (AFS)  min_theta  L(theta) + beta sum_j (||U1_j|| + ||U2_j||),
//!        L(theta) = (1 / 2n) sum_{k in S} (y_k - f_k(theta))^2,
//!        f_k(theta) = sum_j D_kj x_k^T (U1_j - U2_j),
//!        s.t. c_kb(theta) = (2 D_kj - 1) x_k^T theta_b >= 0  for k in S and every block b,
//! ```
//!
//! with `theta = (U1_1, U2_1, ..., U1_m, U2_m)` laid out as the centre's (block `b = 2j + s`, see
//! [`super::version_space`]). The reference hands this to cvxpy (CLARABEL); here, as scnn does for
//! its constrained convex ReLU programs, an augmented Lagrangian (Powell-Hestenes-Rockafellar form
//! for inequalities) handles the sign constraints:
//!
//! ```text
//! (AL)   min_theta  L(theta) + (1 / 2 rho) sum_{k,b} max(0, lambda_kb - rho c_kb(theta))^2
//!                   + beta sum_b ||theta_b||,       then lambda_kb <- max(0, lambda_kb - rho c_kb),
//! ```
//!
//! each inner problem solved by [`super::fista::fista`] (backtracking, gradient-mapping restarts).
//! The penalty `rho` is first raised (x `tau`) until the inner solution's constraint gap is below
//! `eta_upper`, then kept while the multipliers move, as in scnn's `AugmentedLagrangian`; unlike
//! scnn, `rho` is raised again whenever the gap fails to shrink by 4x (a safeguard).
//!
//! The AL iterate is feasible only to the outer tolerance. A last repair (cyclic projections onto
//! the violated half-spaces, block by block) moves it by about the size of its violations and
//! leaves them at rounding level; [`KktResiduals::primal`] reports what remains.
//!
//! The answer is certified by its KKT residuals ([`KktResiduals`]) with the last multipliers.
//! Nothing here forms a `2dm x 2dm` (or `|S| x 2dm`) matrix: every operation goes block by block
//! through the products `x_k^T theta_b`, blocks split over rayon threads, sums over blocks and
//! points taken sequentially in index order (so the bits never depend on the thread count).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::experiment::Experiment;
use super::fista::{BLOCKS_PER_TASK, FistaOptions, Smooth, fista, norm2};
use super::patterns::Patterns;
use super::pool::Pool;
use super::version_space::network_output;
use crate::data::Dataset;
use crate::error::{Error, Result, check_range_f64, check_range_usize};
use crate::linalg::dot;

/// Settings of the final solve; errors of [`FinalSolveOptions::validate`] name
/// `active.final.<field>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinalSolveOptions {
    /// Group-lasso weight `beta` of (AFS), in `[0, 1e3]` (reference: `1e-5`).
    pub beta: f64,
    /// Stationarity tolerance: the final inner FISTA stops when its gradient mapping is at most
    /// this, in `[1e-14, 1e-2]`.
    pub tol: f64,
    /// Constraint tolerance of the outer loop: stop when `max |min(c_kb, lambda_kb / rho)|` is at
    /// most this, in `[1e-14, 1e-2]`.
    pub feas_tol: f64,
    /// Most FISTA iterations over all inner solves, in `[1, 10_000_000]`.
    pub max_iterations: usize,
    /// Most augmented-Lagrangian (outer) iterations, in `[1, 10_000]`.
    pub max_outer: usize,
    /// First penalty `rho`, in `[1e-6, 1e8]`.
    pub rho_init: f64,
}

impl Default for FinalSolveOptions {
    /// `beta = 1e-5` (the reference's), `tol = 1e-9`, `feas_tol = 1e-9`, 200 000 FISTA
    /// iterations, 100 outer iterations, `rho_init = 10`.
    fn default() -> Self {
        FinalSolveOptions {
            beta: 1e-5,
            tol: 1e-9,
            feas_tol: 1e-9,
            max_iterations: 200_000,
            max_outer: 100,
            rho_init: 10.0,
        }
    }
}

impl FinalSolveOptions {
    /// Checks every field; errors name `active.final.<field>` and the bound.
    pub fn validate(&self) -> Result<()> {
        check_range_f64("active.final.beta", self.beta, 0.0, 1e3)?;
        check_range_f64("active.final.tol", self.tol, 1e-14, 1e-2)?;
        check_range_f64("active.final.feas_tol", self.feas_tol, 1e-14, 1e-2)?;
        check_range_usize(
            "active.final.max_iterations",
            self.max_iterations,
            1,
            10_000_000,
        )?;
        check_range_usize("active.final.max_outer", self.max_outer, 1, 10_000)?;
        check_range_f64("active.final.rho_init", self.rho_init, 1e-6, 1e8)?;
        Ok(())
    }
}

/// KKT residuals of (AFS) at `(theta, lambda)`, all absolute (the data are `O(1)`: labels `±1`,
/// inputs with a bias column), so they double as relative residuals.
///
/// With `g_b = grad_b L(theta) - sum_k lambda_kb (2 D_kj - 1) x_k` (the Lagrangian's smooth part):
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KktResiduals {
    /// Stationarity, `max_b dist(0, g_b + beta d||theta_b||)`: `||g_b + beta theta_b / ||theta_b||||`
    /// if `theta_b != 0`, else `max(0, ||g_b|| - beta)`.
    pub stationarity: f64,
    /// Primal feasibility, `max_{k,b} max(0, -c_kb(theta))`.
    pub primal: f64,
    /// Dual feasibility, `max_{k,b} max(0, -lambda_kb)`.
    pub dual: f64,
    /// Complementary slackness, `max_{k,b} |lambda_kb c_kb(theta)|`.
    pub complementarity: f64,
}

impl KktResiduals {
    /// The largest of the four residuals.
    pub fn max(&self) -> f64 {
        self.stationarity
            .max(self.primal)
            .max(self.dual)
            .max(self.complementarity)
    }
}

/// The solution of (AFS) and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalSolve {
    /// `theta = (U1_1, U2_1, ..., U1_m, U2_m)`, `2 d m` entries, the centre's layout.
    pub theta: Vec<f64>,
    /// The objective of (AFS) at `theta`: `loss + beta * group_norm`.
    pub objective: f64,
    /// `L(theta) = (1 / 2n) ||y_S - f_S(theta)||^2`.
    pub loss: f64,
    /// `sum_b ||theta_b||_2`.
    pub group_norm: f64,
    /// FISTA iterations over all inner solves.
    pub iterations: usize,
    /// Augmented-Lagrangian (outer) iterations.
    pub outer_iterations: usize,
    /// The final penalty `rho`.
    pub rho: f64,
    /// Whether both tolerances were met within the iteration limits.
    pub converged: bool,
    /// Blocks `theta_b` that are nonzero (hidden neurons used, counting `U1_j` and `U2_j` apart).
    pub active_blocks: usize,
    /// Sign constraints with a positive multiplier.
    pub active_constraints: usize,
    /// KKT residuals at `theta` and the last multipliers.
    pub kkt: KktResiduals,
}

impl FinalSolve {
    /// The ReLU network `f(x) = sum_j relu(x^T U1_j) - relu(x^T U2_j)` at a row `x` with its bias
    /// entry (length `d`), valid off the pool ([`network_output`]).
    pub fn output(&self, x: &[f64]) -> f64 {
        network_output(x, &self.theta)
    }

    /// The network at an input point `p` without bias (`d - 1` entries).
    pub fn predict(&self, p: &[f64]) -> f64 {
        let mut x = p.to_vec();
        x.push(1.0);
        self.output(&x)
    }

    /// Fraction of `pool`'s points with `y f(x) > 0` (`None` for an empty pool).
    pub fn accuracy(&self, pool: &Pool) -> Option<f64> {
        if pool.n == 0 {
            return None;
        }
        let right = (0..pool.n)
            .filter(|&i| pool.y[i] * self.output(pool.row(i)) > 0.0)
            .count();
        Some(right as f64 / pool.n as f64)
    }

    /// Test accuracy on `data`'s test split (the experiment's test set when `data` is the dataset
    /// it was built from).
    pub fn test_accuracy(&self, data: &Dataset) -> Result<Option<f64>> {
        let (_, test) = Pool::from_dataset(data)?;
        Ok(self.accuracy(&test))
    }
}

impl Experiment {
    /// (AFS) on the experiment's cut points with their revealed labels ([`final_solve`]).
    pub fn final_solve(&self, opts: &FinalSolveOptions) -> Result<FinalSolve> {
        let pool = self.pool();
        let points = &self.version_space().points;
        let labels: Vec<f64> = points.iter().map(|&i| pool.y[i]).collect();
        final_solve(pool, self.patterns(), points, &labels, opts)
    }
}

/// The data of (AFS): the cut points' inputs, patterns and labels.
struct Afs {
    /// `|S|`.
    n: usize,
    /// Row length.
    d: usize,
    /// Patterns.
    m: usize,
    /// Inputs, row-major `n x d`.
    x: Vec<f64>,
    /// Patterns, row-major `n x m`, 0/1.
    mask: Vec<f64>,
    /// Labels.
    y: Vec<f64>,
}

impl Afs {
    /// Input of point `k`.
    fn xk(&self, k: usize) -> &[f64] {
        &self.x[k * self.d..(k + 1) * self.d]
    }

    /// `z[b n + k] = x_k^T theta_b`, blocks in parallel.
    fn products(&self, theta: &[f64]) -> Vec<f64> {
        let (n, d) = (self.n, self.d);
        let mut z = vec![0.0; 2 * self.m * n];
        z.par_chunks_mut(n)
            .zip(theta.par_chunks(d))
            .with_min_len(BLOCKS_PER_TASK)
            .for_each(|(zb, tb)| {
                for (k, v) in zb.iter_mut().enumerate() {
                    *v = dot(self.xk(k), tb);
                }
            });
        z
    }

    /// `sigma_kb = 2 D_kj - 1` for block `b = 2j + s`.
    fn sigma(&self, k: usize, b: usize) -> f64 {
        2.0 * self.mask[k * self.m + b / 2] - 1.0
    }

    /// Residuals `r_k = y_k - f_k` from the products, summed over patterns in order.
    fn residuals(&self, z: &[f64]) -> Vec<f64> {
        let n = self.n;
        (0..n)
            .map(|k| {
                let mut f = 0.0;
                for j in 0..self.m {
                    if self.mask[k * self.m + j] != 0.0 {
                        f += z[2 * j * n + k] - z[(2 * j + 1) * n + k];
                    }
                }
                self.y[k] - f
            })
            .collect()
    }

    /// `(1 / 2n) sum r_k^2`.
    fn loss(&self, r: &[f64]) -> f64 {
        r.iter().fold(0.0, |s, v| s + v * v) / (2.0 * self.n as f64)
    }

    /// Writes `grad_b = sum_k (dL/dtheta_b coefficient - mult(b, k) sigma_kb) x_k` into `grad`, with
    /// `dL/dtheta_b = -(r_k / n) D_kj x_k` for `U1_j` and `+(r_k / n) D_kj x_k` for `U2_j`.
    fn gradient(&self, r: &[f64], mult: &(dyn Fn(usize, usize) -> f64 + Sync), grad: &mut [f64]) {
        let (n, d, m) = (self.n, self.d, self.m);
        let inv_n = 1.0 / n as f64;
        grad.par_chunks_mut(d)
            .enumerate()
            .with_min_len(BLOCKS_PER_TASK)
            .for_each(|(b, gb)| {
                gb.iter_mut().for_each(|v| *v = 0.0);
                let sign = if b % 2 == 0 { -1.0 } else { 1.0 };
                for (k, &rk) in r.iter().enumerate().take(n) {
                    let dk = self.mask[k * m + b / 2];
                    let w = sign * inv_n * rk * dk - mult(b, k) * (2.0 * dk - 1.0);
                    if w != 0.0 {
                        for (g, &xv) in gb.iter_mut().zip(self.xk(k)) {
                            *g += w * xv;
                        }
                    }
                }
            });
    }
}

/// The smooth part of (AL) for fixed `lambda` (block-major `2m x n`) and `rho`.
struct AlSmooth<'a> {
    afs: &'a Afs,
    lambda: &'a [f64],
    rho: f64,
}

impl AlSmooth<'_> {
    /// `p_kb = max(0, lambda_kb - rho c_kb)` from the products.
    fn p(&self, z: &[f64], b: usize, k: usize) -> f64 {
        let i = b * self.afs.n + k;
        (self.lambda[i] - self.rho * self.afs.sigma(k, b) * z[i]).max(0.0)
    }

    /// `L + (1 / 2 rho) sum p^2`, summed in block-major order.
    fn value_of(&self, z: &[f64], r: &[f64]) -> f64 {
        let n = self.afs.n;
        let mut pen = 0.0;
        for b in 0..2 * self.afs.m {
            for k in 0..n {
                let p = self.p(z, b, k);
                pen += p * p;
            }
        }
        self.afs.loss(r) + pen / (2.0 * self.rho)
    }
}

impl Smooth for AlSmooth<'_> {
    fn value(&self, theta: &[f64]) -> f64 {
        let z = self.afs.products(theta);
        let r = self.afs.residuals(&z);
        self.value_of(&z, &r)
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let z = self.afs.products(theta);
        let r = self.afs.residuals(&z);
        self.afs.gradient(&r, &|b, k| self.p(&z, b, k), grad);
        self.value_of(&z, &r)
    }
}

/// Multiplicative penalty increase `tau` (scnn's default).
const TAU: f64 = 2.0;
/// Constraint gap below which the penalty stops growing in the first phase (scnn's `eta_upper`).
const ETA_UPPER: f64 = 1e-2;
/// Inner tolerance of the first phase (scnn's `omega`).
const OMEGA: f64 = 1e-3;
/// Largest penalty.
const RHO_MAX: f64 = 1e10;

/// Solves (AFS) for the pool points `points` with labels `labels` (`±1`, or any finite targets),
/// their rows of `patterns` as `D`: the augmented Lagrangian over FISTA described in the module
/// docs, from `theta = 0` and `lambda = 0`, then the gate repair and the KKT check.
///
/// Errors: invalid `opts` (`active.final.*`), no points (`active.final points`), a point outside
/// the pool, a duplicate point, unequal lengths, or a non-finite label.
pub fn final_solve(
    pool: &Pool,
    patterns: &Patterns,
    points: &[usize],
    labels: &[f64],
    opts: &FinalSolveOptions,
) -> Result<FinalSolve> {
    opts.validate()?;
    let afs = gather(pool, patterns, points, labels)?;
    let (n, d, m) = (afs.n, afs.d, afs.m);
    let dim = 2 * d * m;
    let rows = 2 * m * n;

    let mut theta = vec![0.0; dim];
    let mut lambda = vec![0.0; rows];
    let mut rho = opts.rho_init;
    // A safe first step from the structure: Lipschitz bounds of the loss and penalty gradients.
    let sq: Vec<f64> = (0..n).map(|k| dot(afs.xk(k), afs.xk(k))).collect();
    let l_loss = (0..n)
        .map(|k| 2.0 * sq[k] * afs.mask[k * m..(k + 1) * m].iter().sum::<f64>())
        .sum::<f64>()
        / n as f64;
    let l_pen_unit: f64 = sq.iter().sum();
    let mut step = 1.0 / (l_loss + rho * l_pen_unit).max(1e-12);

    let mut iterations = 0;
    let mut outer = 0;
    let mut growing = true;
    let mut inner_tol = OMEGA.max(opts.tol);
    let mut prev_gap = f64::INFINITY;
    let mut converged = false;
    while outer < opts.max_outer && iterations < opts.max_iterations {
        outer += 1;
        let fopts = FistaOptions {
            tol: inner_tol,
            max_iter: opts.max_iterations - iterations,
            ..FistaOptions::default()
        };
        let al = AlSmooth {
            afs: &afs,
            lambda: &lambda,
            rho,
        };
        let res = fista(&al, &mut theta, d, opts.beta, &mut step, &fopts);
        iterations += res.iterations;
        // Constraint gap max |min(c, lambda / rho)| and the multiplier update.
        let z = afs.products(&theta);
        let mut gap: f64 = 0.0;
        let mut next = vec![0.0; rows];
        for b in 0..2 * m {
            for k in 0..n {
                let i = b * n + k;
                let c = afs.sigma(k, b) * z[i];
                gap = gap.max(c.min(lambda[i] / rho).abs());
                next[i] = (lambda[i] - rho * c).max(0.0);
            }
        }
        if growing {
            if gap > ETA_UPPER && rho < RHO_MAX {
                rho = (rho * TAU).min(RHO_MAX);
                step /= TAU;
                continue;
            }
            growing = false;
        }
        lambda = next;
        if res.converged && inner_tol <= opts.tol && gap <= opts.feas_tol {
            converged = true;
            break;
        }
        if gap > 0.25 * prev_gap && rho < RHO_MAX {
            rho = (rho * TAU).min(RHO_MAX);
            step /= TAU;
        }
        prev_gap = gap;
        inner_tol = (inner_tol * 0.1).max(opts.tol);
    }

    let z = afs.products(&theta);
    let r = afs.residuals(&z);
    let mut g = vec![0.0; dim];
    afs.gradient(&r, &|b, k| lambda[b * n + k], &mut g);
    repair(&afs, patterns, &mut theta, &g, opts.beta);
    let z = afs.products(&theta);
    let r = afs.residuals(&z);
    let kkt = kkt_residuals(&afs, &theta, &z, &r, &lambda, opts.beta);
    let loss = afs.loss(&r);
    let norms: Vec<f64> = theta.chunks_exact(d).map(norm2).collect();
    let group_norm = norms.iter().fold(0.0, |s, v| s + v);
    Ok(FinalSolve {
        objective: loss + opts.beta * group_norm,
        loss,
        group_norm,
        iterations,
        outer_iterations: outer,
        rho,
        converged,
        active_blocks: norms.iter().filter(|&&v| v > 0.0).count(),
        active_constraints: lambda.iter().filter(|&&v| v > 0.0).count(),
        kkt,
        theta,
    })
}

/// Checks the inputs and copies the cut points' rows.
fn gather(pool: &Pool, patterns: &Patterns, points: &[usize], labels: &[f64]) -> Result<Afs> {
    if points.is_empty() {
        return Err(Error::Empty {
            field: "active.final points".into(),
            min: 1,
        });
    }
    if labels.len() != points.len() {
        return Err(Error::out_of_range(
            "active.final labels",
            labels.len(),
            points.len(),
            points.len(),
        ));
    }
    if patterns.n != pool.n || patterns.d != pool.d {
        return Err(Error::Numerical {
            what: "the final solve".into(),
            reason: "the patterns were not sampled on this pool".into(),
        });
    }
    let (d, m) = (pool.d, patterns.m);
    let mut seen = vec![false; pool.n];
    let mut x = Vec::with_capacity(points.len() * d);
    let mut mask = Vec::with_capacity(points.len() * m);
    for (k, (&i, &y)) in points.iter().zip(labels).enumerate() {
        check_range_usize("active.final points", i, 0, pool.n.saturating_sub(1))?;
        if seen[i] {
            return Err(Error::Numerical {
                what: "the final solve".into(),
                reason: format!("pool point {i} is listed twice"),
            });
        }
        seen[i] = true;
        if !y.is_finite() {
            return Err(Error::NotFinite {
                field: format!("active.final label {k}"),
                value: y.to_string(),
            });
        }
        x.extend_from_slice(pool.row(i));
        mask.extend(patterns.row(i).iter().map(|&v| f64::from(v)));
    }
    Ok(Afs {
        n: points.len(),
        d,
        m,
        x,
        mask,
        y: labels.to_vec(),
    })
}

/// Sweeps of [`repair`].
const REPAIR_SWEEPS: usize = 20;
/// Relative move above which [`repair`] considers zeroing a block.
const TURN: f64 = 1e-3;

/// Cleans up the AL iterate's tiny violations, block by block. A violated block is moved by
/// cyclic projections onto its violated half-spaces `{u : c_kb(u) >= 0}`
/// (`theta_b += (-c_kb / ||x_k||^2) sigma_kb x_k`, rows in order, until none is violated or
/// [`REPAIR_SWEEPS`] sweeps), a move as small as the violations. A block so small that this move
/// turns it by more than [`TURN`] (relative), which would turn its subgradient
/// `beta theta_b / ||theta_b||` too, is set to zero instead when that gives the smaller block
/// stationarity residual against `g_b` (the Lagrangian gradient before the repair). A block the
/// sweeps do not clean is finished by [`gate_shift`]. Zero is always feasible, and removing a block of norm near the
/// violations changes the fit by as little.
fn repair(afs: &Afs, patterns: &Patterns, theta: &mut [f64], g: &[f64], beta: f64) {
    let (n, d) = (afs.n, afs.d);
    theta
        .par_chunks_mut(d)
        .zip(g.par_chunks(d))
        .enumerate()
        .with_min_len(BLOCKS_PER_TASK)
        .for_each(|(b, (tb, gb))| {
            let violated = (0..n).any(|k| afs.sigma(k, b) * dot(afs.xk(k), tb) < 0.0);
            if !violated {
                return;
            }
            let mut p = tb.to_vec();
            for _ in 0..REPAIR_SWEEPS {
                let mut clean = true;
                for k in 0..n {
                    let x = afs.xk(k);
                    let s = afs.sigma(k, b);
                    let c = s * dot(x, &p);
                    if c < 0.0 {
                        clean = false;
                        let step = -c / dot(x, x) * s;
                        for (v, &xv) in p.iter_mut().zip(x) {
                            *v += step * xv;
                        }
                    }
                }
                if clean {
                    break;
                }
            }
            if !(0..n).all(|k| afs.sigma(k, b) * dot(afs.xk(k), &p) >= 0.0) {
                gate_shift(afs, patterns.gate(b / 2), b, &mut p);
            }
            let moved: f64 = libm::sqrt(
                p.iter()
                    .zip(tb.iter())
                    .fold(0.0, |a, (u, v)| a + (u - v) * (u - v)),
            );
            let tiny = moved > TURN * norm2(tb);
            if tiny && block_residual(gb, &[0.0; 0], beta) < block_residual(gb, &p, beta) {
                tb.iter_mut().for_each(|v| *v = 0.0);
            } else {
                tb.copy_from_slice(&p);
            }
        });
}

/// `u <- u + t gate` with the least `t >= 0` (enlarged by `1e-12` relative) clearing every
/// violated row of block `b`: the gate `u_j` of pattern `j = b / 2` lies in the block's cone
/// (`D_kj = 1[x_k^T u_j >= 0]`). A row the gate does not clear (`x_k^T u_j = 0`) zeroes `u`.
fn gate_shift(afs: &Afs, gate: &[f64], b: usize, u: &mut [f64]) {
    let mut t: f64 = 0.0;
    for k in 0..afs.n {
        let s = afs.sigma(k, b);
        let c = s * dot(afs.xk(k), u);
        if c < 0.0 {
            let a = s * dot(afs.xk(k), gate);
            if a <= 0.0 {
                u.iter_mut().for_each(|v| *v = 0.0);
                return;
            }
            t = t.max(-c / a);
        }
    }
    let t = t * (1.0 + 1e-12);
    for (v, &w) in u.iter_mut().zip(gate) {
        *v += t * w;
    }
}

/// `dist(0, g_b + beta d||theta_b||)`: `||g_b + beta theta_b / ||theta_b||||` if `theta_b != 0`,
/// else `max(0, ||g_b|| - beta)` (an empty `tb` stands for zero).
fn block_residual(gb: &[f64], tb: &[f64], beta: f64) -> f64 {
    let nt = norm2(tb);
    if nt > 0.0 {
        let e: Vec<f64> = gb.iter().zip(tb).map(|(a, t)| a + beta * t / nt).collect();
        norm2(&e)
    } else {
        (norm2(gb) - beta).max(0.0)
    }
}

/// The residuals of [`KktResiduals`] at `theta` (products `z`, residuals `r`) and `lambda`.
fn kkt_residuals(
    afs: &Afs,
    theta: &[f64],
    z: &[f64],
    r: &[f64],
    lambda: &[f64],
    beta: f64,
) -> KktResiduals {
    let (n, d) = (afs.n, afs.d);
    let mut g = vec![0.0; theta.len()];
    afs.gradient(r, &|b, k| lambda[b * n + k], &mut g);
    let mut stationarity: f64 = 0.0;
    for (gb, tb) in g.chunks_exact(d).zip(theta.chunks_exact(d)) {
        stationarity = stationarity.max(block_residual(gb, tb, beta));
    }
    let (mut primal, mut dual, mut comp): (f64, f64, f64) = (0.0, 0.0, 0.0);
    for b in 0..2 * afs.m {
        for k in 0..n {
            let i = b * n + k;
            let c = afs.sigma(k, b) * z[i];
            primal = primal.max(-c);
            dual = dual.max(-lambda[i]);
            comp = comp.max((lambda[i] * c).abs());
        }
    }
    KktResiduals {
        stationarity,
        primal,
        dual,
        complementarity: comp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    fn random_problem(n_pool: usize, gates: usize, seed: u64) -> (Pool, Patterns) {
        let mut s = Stream::new(seed);
        let pts: Vec<f64> = (0..2 * n_pool).map(|_| s.gaussian()).collect();
        let y: Vec<f64> = (0..n_pool)
            .map(|i| {
                if pts[2 * i] * pts[2 * i + 1] > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        let pool = Pool::with_bias(&pts, 2, &y);
        let pat = Patterns::sample(&pool, gates, seed + 1);
        (pool, pat)
    }

    #[test]
    fn options_are_checked() {
        assert!(FinalSolveOptions::default().validate().is_ok());
        let e = FinalSolveOptions {
            beta: -1.0,
            ..FinalSolveOptions::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field(), Some("active.final.beta"));
        let e = FinalSolveOptions {
            max_outer: 0,
            ..FinalSolveOptions::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field(), Some("active.final.max_outer"));
    }

    #[test]
    fn small_problem_meets_kkt() {
        let (pool, pat) = random_problem(30, 50, 3);
        let points: Vec<usize> = (0..10).collect();
        let labels: Vec<f64> = points.iter().map(|&i| pool.y[i]).collect();
        let opts = FinalSolveOptions {
            beta: 1e-3,
            ..FinalSolveOptions::default()
        };
        let fs = final_solve(&pool, &pat, &points, &labels, &opts).unwrap();
        assert!(fs.converged, "{fs:?}");
        assert!(fs.kkt.max() < 1e-7, "{:?}", fs.kkt);
        assert_eq!(fs.kkt.primal, 0.0);
    }
}
