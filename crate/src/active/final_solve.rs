//! The final convex solve ("AFS") on the cut points: group-lasso fit of the two-layer ReLU network
//! under the sign constraints, by a proximal-point method whose subproblems are solved by
//! semismooth Newton on their `|S|`-dimensional duals, with an exact per-block prox (projection onto
//! a polyhedral cone, then group shrinkage).
//!
//! After the active-learning budget, the reference (pilancilab/cpal, `solve_two_layer_cvx` with
//! `beta = 1e-5`) refits on the cut points `S` only (`n = |S|`):
//!
//! ```text
//! (AFS)  min_theta  L(theta) + beta sum_b ||theta_b||,
//!        L(theta) = (1 / 2n) ||y - A theta||^2,   (A theta)_k = f_k(theta) = sum_j D_kj x_k^T (U1_j - U2_j),
//!        s.t. c_kb(theta) = (2 D_kj - 1) x_k^T theta_b >= 0  for k in S and every block b,
//! ```
//!
//! with `theta = (U1_1, U2_1, ..., U1_m, U2_m)` laid out as the centre's (block `b = 2j + s`, see
//! [`super::version_space`]). The reference hands this to cvxpy (CLARABEL).
//!
//! ## The prox
//! The constraints separate by block: `theta_b` must lie in the polyhedral cone
//! `C_j = {u in R^d : (2 D_kj - 1) x_k^T u >= 0, k in S}` of its pattern `j = b / 2` (both blocks of
//! a pattern share it). So (AFS) is `min L(theta) + h(theta)`, `h = sum_b h_b`,
//! `h_b = beta ||.|| + indicator(C_j)`, whose prox is the group shrinkage of the exact projection onto
//! `C_j` ([`super::cone_projection`], with the proof). Every prox output is feasible (to rounding).
//!
//! ## Proximal point + semismooth Newton (as SSNAL for the lasso, Li, Sun and Toh 2018)
//! `A` has rank at most `n` (about 16) in dimension `2dm` (about 3600), and at `beta = 1e-5` the
//! problem is nearly flat: first-order methods (FISTA with this prox, still here as a fallback) need
//! 10^5 iterations. Instead, the proximal-point method
//! `theta_{k+1} = argmin_theta L(theta) + h(theta) + (1 / 2 sigma_k) ||theta - theta_k||^2`, with
//! `sigma_k` growing x10 per step up to `sigma ||A||^2 / n = 1e10`, has subproblems whose duals
//! live in `R^n`:
//!
//! ```text
//! min_z Phi(z) = (n/2)||z||^2 - <z, y> + (1 / 2 sigma)||v||^2 - M(v),   v = theta_k + sigma A^T z,
//! M(v) = min_u h(u) + (1 / 2 sigma)||u - v||^2 (Moreau envelope),   theta_{k+1} = prox_{sigma h}(v(z*)),
//! grad Phi(z) = n z - y + A prox_{sigma h}(v) = n z - r(prox_{sigma h}(v)),
//! ```
//!
//! convex with a Lipschitz, semismooth gradient. Newton's matrix is `n I + sigma sum_b A_b J_b A_b^T`
//! (`n x n`, Cholesky), `J_b` an element of the generalised Jacobian of the block prox:
//! `0` if `||P_C v_b|| <= sigma beta`, else `(1 - tau / nu)(I - Q^T Q) + (tau / nu) w w^T` with
//! `nu = ||P_C v_b||`, `w = P_C v_b / nu`, `tau = sigma beta`, `Q` an orthonormal basis of the
//! constraints active in the projection. Armijo backtracking on `Phi`; each subproblem stops when
//! `||grad Phi|| <= max(1e-12 (1 + ||y||), 1e-3 kkt)` (the gradient is the dual-primal mismatch) or
//! stalls at rounding level.
//!
//! ## Certificate
//! After each proximal step the KKT residuals ([`KktResiduals`]) are computed at `theta_{k+1}`,
//! with multipliers fitted block by block: for `theta_b = 0`,
//! `lambda_b = argmin_{mu >= 0} ||g_b - A_j^T mu||` (the projection of `-g_b` onto `C_j`, so the
//! block's stationarity residual is `max(0, ||P_{C_j}(-g_b)|| - beta)`); for `theta_b != 0`, the
//! same with `g_b + beta theta_b / ||theta_b||` over the constraints active at `theta_b` only (`g_b`
//! the loss gradient, `A_j` the cone's rows). The solve stops once the largest residual is at most
//! `tol`. If the proximal-point budget runs out first, FISTA with the exact prox continues from the
//! iterate, checking the same certificate every [`KKT_CHECK_EVERY`] iterations. A last polish moves
//! a block with a rounding-level violation along its pattern's gate (an interior point of `C_j`), so
//! every constraint holds exactly in floating point.
//!
//! The minimiser need not be unique when more than `n` blocks are active (the fitted values `A theta`
//! on `S` are): predictions off `S` are those of the solution this method reaches.
//!
//! ## Departure from the augmented Lagrangian used before
//! An augmented Lagrangian over FISTA (as scnn does) needed `rho` up to `1e10` at `beta = 1e-5`,
//! which made its inner problems so ill-conditioned that it hit 200 000 iterations without reaching
//! KKT `1e-6`. The exact projection removes the penalty; the proximal-point/Newton pair removes the
//! flatness.
//!
//! Nothing here forms a `2dm x 2dm` (or `|S| x 2dm`) matrix: every operation goes block by block
//! through the products `x_k^T theta_b`, blocks split over rayon threads in tasks of a fixed size,
//! sums over blocks and points taken sequentially in index order (so the bits never depend on the
//! thread count).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cone_projection::{ConeWork, PolyhedralCone, shrink};
use super::dense::{cholesky_in_place, cholesky_solve};
use super::experiment::Experiment;
use super::fista::{BLOCKS_PER_TASK, BlockProx, FistaOptions, Smooth, fista_monitored, norm2};
use super::patterns::Patterns;
use super::pool::Pool;
use super::version_space::network_output;
use crate::data::Dataset;
use crate::error::{Error, Result, check_range_f64, check_range_usize};
use crate::linalg::dot;
use crate::rng::Stream;

/// Settings of the final solve; errors of [`FinalSolveOptions::validate`] name
/// `active.final.<field>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinalSolveOptions {
    /// Group-lasso weight `beta` of (AFS), in `[0, 1e3]` (reference: `1e-5`).
    pub beta: f64,
    /// KKT tolerance: the solve stops once [`KktResiduals::max`] is at most this, in
    /// `[1e-14, 1e-2]`.
    pub tol: f64,
    /// Activity tolerance of the multiplier fit: a constraint counts as active at `theta_b != 0`
    /// when `c_kb <= feas_tol ||x_k|| ||theta_b||`, in `[1e-14, 1e-2]`.
    pub feas_tol: f64,
    /// Most FISTA iterations of the fallback, in `[1, 10_000_000]`.
    pub max_iterations: usize,
    /// Most proximal-point (outer) iterations, in `[1, 10_000]`.
    pub max_outer: usize,
}

impl Default for FinalSolveOptions {
    /// `beta = 1e-5` (the reference's), `tol = 1e-8`, `feas_tol = 1e-9`, 200 000 FISTA
    /// iterations (fallback), 50 proximal-point iterations.
    fn default() -> Self {
        FinalSolveOptions {
            beta: 1e-5,
            tol: 1e-8,
            feas_tol: 1e-9,
            max_iterations: 200_000,
            max_outer: 50,
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
    /// FISTA iterations of the fallback (0 when the proximal-point method reached `tol`).
    pub iterations: usize,
    /// Proximal-point (outer) iterations.
    pub outer_iterations: usize,
    /// Semismooth Newton steps over all proximal-point subproblems.
    #[serde(default)]
    pub newton_steps: usize,
    /// Whether [`KktResiduals::max`] reached `tol` within the limits.
    pub converged: bool,
    /// Blocks `theta_b` that are nonzero (hidden neurons used, counting `U1_j` and `U2_j` apart).
    pub active_blocks: usize,
    /// Sign constraints with a positive multiplier.
    pub active_constraints: usize,
    /// KKT residuals at `theta` with the multipliers fitted at `theta` (module docs).
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
        // The labels as revealed (the person's answers, which may differ from the pool's hidden
        // labels or fill in unknown ones); regression cuts carry their targets.
        let labels: Vec<f64> = if self.is_regression() {
            self.cut_targets().to_vec()
        } else {
            self.version_space().labels.clone()
        };
        final_solve(pool, self.patterns(), points, &labels, opts)
    }
}

/// The data of (AFS): the cut points' inputs, patterns, labels and cones.
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
    /// Cone rows: pattern `j`'s rows `(2 D_kj - 1) x_k`, `m` blocks of `n x d`, row-major.
    cones: Vec<f64>,
    /// Gates, row-major `m x d`: gate `j` lies in `C_j` (`D_kj = 1[x_k^T u_j >= 0]`).
    gates: Vec<f64>,
}

impl Afs {
    /// Input of point `k`.
    fn xk(&self, k: usize) -> &[f64] {
        &self.x[k * self.d..(k + 1) * self.d]
    }

    /// The cone `C_j` of pattern `j`.
    fn cone(&self, j: usize) -> PolyhedralCone<'_> {
        let len = self.n * self.d;
        PolyhedralCone::from_trusted(&self.cones[j * len..(j + 1) * len], self.d)
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
    /// `dL/dtheta_b = -(r_k / n) D_kj x_k` for `U1_j` and `+(r_k / n) D_kj x_k` for `U2_j`: the loss
    /// gradient for `mult = 0`, the Lagrangian's for the multipliers.
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

/// The smooth part of (AFS), `L(theta)`.
struct LeastSquares<'a>(&'a Afs);

impl Smooth for LeastSquares<'_> {
    fn value(&self, theta: &[f64]) -> f64 {
        let z = self.0.products(theta);
        self.0.loss(&self.0.residuals(&z))
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let z = self.0.products(theta);
        let r = self.0.residuals(&z);
        self.0.gradient(&r, &|_, _| 0.0, grad);
        self.0.loss(&r)
    }
}

/// `h_b = beta ||theta_b|| + indicator(C_{b/2})`: prox = group shrinkage of the cone projection.
struct ConeGroupLasso<'a> {
    afs: &'a Afs,
    beta: f64,
}

/// Scratch space of [`ConeGroupLasso`]'s prox.
struct ProxWork {
    cone: ConeWork,
    v: Vec<f64>,
    lambda: Vec<f64>,
}

impl BlockProx for ConeGroupLasso<'_> {
    type Work = ProxWork;

    fn work(&self) -> ProxWork {
        ProxWork {
            cone: ConeWork::default(),
            v: vec![0.0; self.afs.d],
            lambda: vec![0.0; self.afs.n],
        }
    }

    fn prox(&self, b: usize, x_b: &mut [f64], eta: f64, work: &mut ProxWork) {
        work.v.copy_from_slice(x_b);
        let out =
            self.afs
                .cone(b / 2)
                .project_unchecked(&work.v, &mut work.cone, x_b, &mut work.lambda);
        shrink(x_b, out.norm, eta * self.beta);
    }
}

/// FISTA iterations between two KKT checks (a check costs about one iteration).
const KKT_CHECK_EVERY: usize = 50;
/// Newton stops when `||grad Phi|| <= max(NEWTON_TOL (1 + ||y||), INEXACTNESS kkt)`, `kkt` the
/// largest KKT residual at the subproblem's centre.
const NEWTON_TOL: f64 = 1e-12;
/// See [`NEWTON_TOL`].
const INEXACTNESS: f64 = 1e-3;

/// Solves (AFS) for the pool points `points` with labels `labels` (`±1`, or any finite targets),
/// their rows of `patterns` as `D`: proximal-point iterations with semismooth Newton subproblems
/// from `theta = 0`, `z = y / n` until the KKT residuals are at most `opts.tol`, FISTA with the
/// exact prox as the fallback, then the rounding polish and the final KKT residuals (module docs).
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

    let mut theta = vec![0.0; dim];
    // A safe first step: a Lipschitz bound of the loss gradient from the structure,
    // ||A||^2 / n <= (2 / n) sum_k ||x_k||^2 (number of patterns active at k).
    let l_loss = (0..n)
        .map(|k| 2.0 * dot(afs.xk(k), afs.xk(k)) * afs.mask[k * m..(k + 1) * m].iter().sum::<f64>())
        .sum::<f64>()
        / n as f64;
    let mut step = 1.0 / l_loss.max(1e-12);
    let smooth = LeastSquares(&afs);
    let prox = ConeGroupLasso {
        afs: &afs,
        beta: opts.beta,
    };

    // Proximal-point iterations, each subproblem solved by semismooth Newton on its dual.
    let y_scale = 1.0 + norm2(&afs.y);
    let mut sigma = 1.0 / l_loss.max(1e-12);
    let sigma_max = SIGMA_SCALE_MAX / l_loss.max(1e-12);
    let mut z: Vec<f64> = afs.y.iter().map(|v| v / n as f64).collect();
    let mut newton_steps = 0;
    let mut rounds = 0;
    let mut converged = false;
    let mut fit = fit_multipliers(&afs, &theta, opts.beta, opts.feas_tol);
    while rounds < opts.max_outer {
        rounds += 1;
        // Inexact subproblems: the gradient `n z - r` is the dual-primal mismatch, so a small
        // fraction of the last KKT residual is accurate enough.
        let grad_tol = (NEWTON_TOL * y_scale).max(INEXACTNESS * fit.kkt.max());
        let (pt, steps) = afs.newton(&prox, &theta, sigma, z, grad_tol);
        newton_steps += steps;
        theta = pt.p;
        z = pt.z;
        fit = fit_multipliers(&afs, &theta, opts.beta, opts.feas_tol);
        if fit.kkt.max() <= opts.tol {
            converged = true;
            break;
        }
        sigma = (sigma * SIGMA_GROWTH).min(sigma_max);
    }

    // Fallback when the proximal-point budget runs out (not seen at the defaults): FISTA rounds with
    // the exact prox from the proximal-point iterate, certified by the same KKT check.
    let mut iterations = 0;
    let mut fista_tol = opts.tol;
    while !converged && iterations < opts.max_iterations {
        let fopts = FistaOptions {
            tol: fista_tol,
            max_iter: opts.max_iterations - iterations,
            ..FistaOptions::default()
        };
        let res = fista_monitored(
            &smooth,
            &prox,
            &mut theta,
            d,
            &mut step,
            &fopts,
            KKT_CHECK_EVERY,
            &mut |t| fit_multipliers(&afs, t, opts.beta, opts.feas_tol).kkt.max() <= opts.tol,
        );
        iterations += res.iterations;
        fit = fit_multipliers(&afs, &theta, opts.beta, opts.feas_tol);
        converged = fit.kkt.max() <= opts.tol;
        fista_tol = (fista_tol.min(fit.kkt.max()) * 0.1).max(1e-15);
    }

    if polish(&afs, &mut theta) {
        fit = fit_multipliers(&afs, &theta, opts.beta, opts.feas_tol);
        converged = fit.kkt.max() <= opts.tol;
    }
    let z = afs.products(&theta);
    let r = afs.residuals(&z);
    let loss = afs.loss(&r);
    let norms: Vec<f64> = theta.chunks_exact(d).map(norm2).collect();
    let group_norm = norms.iter().fold(0.0, |s, v| s + v);
    Ok(FinalSolve {
        objective: loss + opts.beta * group_norm,
        loss,
        group_norm,
        iterations,
        outer_iterations: rounds,
        newton_steps,
        converged,
        active_blocks: norms.iter().filter(|&&v| v > 0.0).count(),
        active_constraints: fit.lambda.iter().filter(|&&v| v > 0.0).count(),
        kkt: fit.kkt,
        theta,
    })
}

/// Largest `sigma ||A||^2 / n` of the proximal-point method (the Newton matrix's condition number
/// is at most about `1 + sigma ||A||^2 / n`).
const SIGMA_SCALE_MAX: f64 = 1e10;
/// Growth of `sigma` per proximal-point iteration.
const SIGMA_GROWTH: f64 = 10.0;
/// Most Newton steps per proximal-point subproblem.
const MAX_NEWTON: usize = 60;
/// Newton steps without halving the gradient after which a subproblem counts as solved as far as
/// rounding allows.
const STALL: usize = 10;
/// Most step halvings of the Newton line search.
const MAX_HALVINGS: usize = 50;

/// The dual function of one proximal-point subproblem at `z` (module docs):
/// `Phi(z) = (n/2)||z||^2 - <z, y> + (<p, v> - ||p||^2 / 2) / sigma - beta sum_b ||p_b||` with
/// `v = theta_k + sigma A^T z`, `p = prox_{sigma h}(v)`, and its gradient `n z - y + A p`.
struct DualPoint {
    /// The dual point `z` (length `n`).
    z: Vec<f64>,
    /// `v = theta_k + sigma A^T z`.
    v: Vec<f64>,
    /// `p = prox_{sigma h}(v)`, the primal candidate (feasible to rounding).
    p: Vec<f64>,
    /// `Phi(z)`.
    phi: f64,
    /// `grad Phi(z) = n z - y + A p`.
    grad: Vec<f64>,
}

impl Afs {
    /// `A^T z`: block `b = 2j + s` is `(-1)^s sum_k D_kj z_k x_k`.
    fn adjoint(&self, z: &[f64]) -> Vec<f64> {
        let (n, d, m) = (self.n, self.d, self.m);
        let mut out = vec![0.0; 2 * d * m];
        out.par_chunks_mut(d)
            .enumerate()
            .with_min_len(BLOCKS_PER_TASK)
            .for_each(|(b, ob)| {
                let sign = if b % 2 == 0 { 1.0 } else { -1.0 };
                for (k, &zk) in z.iter().enumerate().take(n) {
                    if self.mask[k * m + b / 2] != 0.0 {
                        for (o, &xv) in ob.iter_mut().zip(self.xk(k)) {
                            *o += sign * zk * xv;
                        }
                    }
                }
            });
        out
    }

    /// The dual point at `z` for the subproblem centred at `theta_k` with parameter `sigma`.
    fn dual_point(
        &self,
        prox: &ConeGroupLasso<'_>,
        theta_k: &[f64],
        sigma: f64,
        z: Vec<f64>,
    ) -> DualPoint {
        let n = self.n;
        let atz = self.adjoint(&z);
        let v: Vec<f64> = theta_k
            .iter()
            .zip(&atz)
            .map(|(t, a)| t + sigma * a)
            .collect();
        let mut p = v.clone();
        p.par_chunks_mut(self.d)
            .enumerate()
            .with_min_len(BLOCKS_PER_TASK)
            .for_each_init(|| prox.work(), |w, (b, pb)| prox.prox(b, pb, sigma, w));
        let r = self.residuals(&self.products(&p));
        // A p = y - r, so grad = n z - y + A p = n z - r.
        let grad: Vec<f64> = (0..n).map(|k| n as f64 * z[k] - r[k]).collect();
        let pv = dot(&p, &v);
        let pp = dot(&p, &p);
        let group: f64 = p.chunks_exact(self.d).map(norm2).fold(0.0, |s, x| s + x);
        let phi = 0.5 * n as f64 * dot(&z, &z) - dot(&z, &self.y) + (pv - 0.5 * pp) / sigma
            - prox.beta * group;
        DualPoint { z, v, p, phi, grad }
    }

    /// The Newton matrix `n I + sigma sum_b A_b J_b A_b^T` (`n x n`, row-major) at `v` (`p` its prox,
    /// whose zero blocks are skipped), with `J_b`
    /// the generalised Jacobian of the block prox (module docs): `0` if `||P_C v_b|| <= tau`, else
    /// `(1 - tau / nu)(I - Q^T Q) + (tau / nu) w w^T` with `nu = ||P_C v_b||`, `w = P_C v_b / nu`,
    /// `Q` the face basis of the projection, `tau = sigma beta`.
    fn newton_matrix(&self, v: &[f64], p: &[f64], sigma: f64, beta: f64) -> Vec<f64> {
        let (n, d, m) = (self.n, self.d, self.m);
        let tau = sigma * beta;
        let parts: Vec<Option<Vec<f64>>> = v
            .par_chunks(d)
            .zip(p.par_chunks(d))
            .enumerate()
            .with_min_len(BLOCKS_PER_TASK)
            .map_init(
                || (ConeWork::default(), vec![0.0; d], vec![0.0; n]),
                |(work, pb, lam), (b, (vb, prox_b))| {
                    // A zero prox output means `||P_C v_b|| <= tau`: `J_b = 0`.
                    if prox_b.iter().all(|&x| x == 0.0) {
                        return None;
                    }
                    let out = self.cone(b / 2).project_unchecked(vb, work, pb, lam);
                    let nu = out.norm;
                    if nu <= tau || nu == 0.0 {
                        return None;
                    }
                    // J = c0 (I - Q^T Q) + c1 w w^T.
                    let (c0, c1) = (1.0 - tau / nu, tau / nu);
                    let q = work.face_basis(d);
                    let mut jac = vec![0.0; d * d];
                    for i in 0..d {
                        for l in 0..d {
                            let mut qq = 0.0;
                            for row in q.chunks_exact(d) {
                                qq += row[i] * row[l];
                            }
                            let id = if i == l { 1.0 } else { 0.0 };
                            jac[i * d + l] = c0 * (id - qq) + c1 * pb[i] * pb[l] / (nu * nu);
                        }
                    }
                    // A_b rows are +-D_kj x_k; the sign cancels in A_b J A_b^T.
                    let rows: Vec<usize> = (0..n)
                        .filter(|&k| self.mask[k * m + b / 2] != 0.0)
                        .collect();
                    let mut aj = vec![0.0; rows.len() * d];
                    for (i, &k) in rows.iter().enumerate() {
                        let x = self.xk(k);
                        for l in 0..d {
                            aj[i * d + l] = (0..d).fold(0.0, |s, c| s + x[c] * jac[c * d + l]);
                        }
                    }
                    let mut h = vec![0.0; n * n];
                    for (i, &k) in rows.iter().enumerate() {
                        for &l in &rows {
                            h[k * n + l] = dot(&aj[i * d..(i + 1) * d], self.xk(l));
                        }
                    }
                    Some(h)
                },
            )
            .collect();
        let mut h = vec![0.0; n * n];
        for part in parts.iter().flatten() {
            for (a, &b) in h.iter_mut().zip(part) {
                *a += sigma * b;
            }
        }
        for k in 0..n {
            h[k * n + k] += n as f64;
        }
        h
    }

    /// Semismooth Newton on `Phi` from `z` (Armijo backtracking; `Phi` is convex with a Lipschitz
    /// gradient and the Newton matrix is at least `n I`), until `||grad Phi|| <= grad_tol`, no
    /// step decreases `Phi`, or [`MAX_NEWTON`] steps. Returns the last point and the steps taken.
    fn newton(
        &self,
        prox: &ConeGroupLasso<'_>,
        theta_k: &[f64],
        sigma: f64,
        z: Vec<f64>,
        grad_tol: f64,
    ) -> (DualPoint, usize) {
        let n = self.n;
        let mut cur = self.dual_point(prox, theta_k, sigma, z);
        let mut steps = 0;
        // Stop when the gradient has not halved in STALL steps (rounding level).
        let (mut best, mut since_best) = (norm2(&cur.grad), 0);
        while steps < MAX_NEWTON && norm2(&cur.grad) > grad_tol && since_best < STALL {
            let mut h = self.newton_matrix(&cur.v, &cur.p, sigma, prox.beta);
            if !cholesky_in_place(&mut h, n) {
                break;
            }
            let mut dz: Vec<f64> = cur.grad.iter().map(|g| -g).collect();
            cholesky_solve(&h, n, &mut dz);
            let slope = dot(&cur.grad, &dz);
            if slope.is_nan() || slope >= 0.0 {
                break;
            }
            steps += 1;
            let mut alpha = 1.0;
            let mut next = None;
            for _ in 0..MAX_HALVINGS {
                let zt: Vec<f64> = cur.z.iter().zip(&dz).map(|(a, b)| a + alpha * b).collect();
                let trial = self.dual_point(prox, theta_k, sigma, zt);
                // Armijo, or (at rounding level, where Phi cannot resolve the decrease) a smaller
                // gradient.
                if trial.phi <= cur.phi + 1e-4 * alpha * slope
                    || (trial.phi <= cur.phi && norm2(&trial.grad) < 0.5 * norm2(&cur.grad))
                {
                    next = Some(trial);
                    break;
                }
                alpha *= 0.5;
            }
            match next {
                Some(t) => cur = t,
                None => break,
            }
            let g = norm2(&cur.grad);
            if g < 0.5 * best {
                best = g;
                since_best = 0;
            } else {
                since_best += 1;
            }
        }
        (cur, steps)
    }
}

/// Multipliers fitted at an iterate and the KKT residuals with them.
struct MultiplierFit {
    /// `lambda_kb`, block-major `2m x n`.
    lambda: Vec<f64>,
    /// [`kkt_residuals`] at the iterate with `lambda`.
    kkt: KktResiduals,
}

/// Fits the multipliers block by block at `theta` (module docs): with `g_b` the loss gradient,
/// `lambda_b = argmin_{mu >= 0} ||P(g_b) - A_E^T mu||` where `P(g_b) = g_b` and `E` = all rows for
/// `theta_b = 0`, and `P(g_b) = g_b + beta theta_b / ||theta_b||` and `E` = the rows with
/// `c_kb <= feas_tol ||x_k|| ||theta_b||` otherwise; each is the dual of a cone projection
/// ([`PolyhedralCone::project`]). Then the residuals of [`KktResiduals`], computed afresh.
fn fit_multipliers(afs: &Afs, theta: &[f64], beta: f64, feas_tol: f64) -> MultiplierFit {
    let (n, d) = (afs.n, afs.d);
    let z = afs.products(theta);
    let r = afs.residuals(&z);
    let mut g = vec![0.0; theta.len()];
    afs.gradient(&r, &|_, _| 0.0, &mut g);
    let mut lambda = vec![0.0; 2 * afs.m * n];
    lambda
        .par_chunks_mut(n)
        .zip(theta.par_chunks(d).zip(g.par_chunks(d)))
        .enumerate()
        .with_min_len(BLOCKS_PER_TASK)
        .for_each_init(
            || {
                (
                    ConeWork::default(),
                    vec![0.0; d],
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                )
            },
            |(work, p, rows, active, mu), (b, (lb, (tb, gb)))| {
                let cone = afs.cone(b / 2);
                let nt = norm2(tb);
                rows.clear();
                active.clear();
                for k in 0..n {
                    let a = cone.row(k);
                    if nt == 0.0 || dot(a, tb) <= feas_tol * norm2(a) * nt {
                        rows.extend_from_slice(a);
                        active.push(k);
                    }
                }
                let v: Vec<f64> = if nt == 0.0 {
                    gb.iter().map(|x| -x).collect()
                } else {
                    gb.iter()
                        .zip(tb)
                        .map(|(x, t)| -(x + beta * t / nt))
                        .collect()
                };
                mu.clear();
                mu.resize(active.len(), 0.0);
                PolyhedralCone::from_trusted(rows, d).project_unchecked(&v, work, p, mu);
                lb.iter_mut().for_each(|l| *l = 0.0);
                for (&k, &l) in active.iter().zip(mu.iter()) {
                    lb[k] = l;
                }
            },
        );
    let kkt = kkt_residuals(afs, theta, &z, &r, &lambda, beta);
    MultiplierFit { lambda, kkt }
}

/// Passes of [`polish`].
const POLISH_PASSES: usize = 10;

/// Makes every constraint hold exactly in floating point: a block with some `c_kb < 0` (rounding
/// level after the exact projections) moves to `theta_b + t u_j` along its pattern's gate `u_j`
/// (which lies in `C_j`), with the least `t` that clears its rows plus a margin for the rounding of
/// the products (`8 d eps ||x_k|| ||theta_b||` per row), repeated until no row is violated; a row the
/// gate does not clear (`x_k^T u_j = 0`, not seen in practice) zeroes the block. Returns whether
/// anything moved (each move is of the size of the violations).
fn polish(afs: &Afs, theta: &mut [f64]) -> bool {
    let (n, d) = (afs.n, afs.d);
    let margin = 8.0 * d as f64 * f64::EPSILON;
    let moved: Vec<bool> = theta
        .par_chunks_mut(d)
        .enumerate()
        .with_min_len(BLOCKS_PER_TASK)
        .map(|(b, tb)| {
            let gate = &afs.gates[(b / 2) * d..(b / 2 + 1) * d];
            let mut moved = false;
            for _ in 0..POLISH_PASSES {
                let nt = norm2(tb);
                let mut t: f64 = 0.0;
                for k in 0..n {
                    let (s, x) = (afs.sigma(k, b), afs.xk(k));
                    let c = s * dot(x, tb);
                    if c < 0.0 {
                        let a = s * dot(x, gate);
                        if a <= 0.0 {
                            tb.iter_mut().for_each(|v| *v = 0.0);
                            return true;
                        }
                        t = t.max((-c + margin * norm2(x) * nt) / a);
                    }
                }
                if t == 0.0 {
                    return moved;
                }
                moved = true;
                for (v, &w) in tb.iter_mut().zip(gate) {
                    *v += t * w;
                }
            }
            // Still violated after the passes (not seen in practice): zero is feasible.
            if (0..n).any(|k| afs.sigma(k, b) * dot(afs.xk(k), tb) < 0.0) {
                tb.iter_mut().for_each(|v| *v = 0.0);
            }
            true
        })
        .collect();
    moved.into_iter().any(|m| m)
}

/// `dist(0, g_b + beta d||theta_b||)`: `||g_b + beta theta_b / ||theta_b||||` if `theta_b != 0`,
/// else `max(0, ||g_b|| - beta)`.
fn block_residual(gb: &[f64], tb: &[f64], beta: f64) -> f64 {
    let nt = norm2(tb);
    if nt > 0.0 {
        let e: Vec<f64> = gb.iter().zip(tb).map(|(a, t)| a + beta * t / nt).collect();
        norm2(&e)
    } else {
        (norm2(gb) - beta).max(0.0)
    }
}

/// The residuals of [`KktResiduals`] at `theta` (products `z`, residuals `r`) and `lambda`
/// (block-major `2m x n`).
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
    let n = points.len();
    let mut cones = vec![0.0; m * n * d];
    for (j, cj) in cones.chunks_exact_mut(n * d).enumerate() {
        for (k, row) in cj.chunks_exact_mut(d).enumerate() {
            let sigma = 2.0 * mask[k * m + j] - 1.0;
            for (a, &xv) in row.iter_mut().zip(&x[k * d..(k + 1) * d]) {
                *a = sigma * xv;
            }
        }
    }
    Ok(Afs {
        n,
        d,
        m,
        x,
        mask,
        y: labels.to_vec(),
        cones,
        gates: patterns.gates.clone(),
    })
}

/// A test problem shared by the unit and integration tests: `n` standard Gaussian points in the
/// plane labelled by the sign of `p0 p1` (XOR-like), with a bias column, and the patterns of
/// `gates` Gaussian gates drawn with seed `seed + 100`.
#[doc(hidden)]
pub fn random_problem(n: usize, gates: usize, seed: u64) -> (Pool, Patterns) {
    let mut s = Stream::new(seed);
    let pts: Vec<f64> = (0..2 * n).map(|_| s.gaussian()).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            if pts[2 * i] * pts[2 * i + 1] > 0.0 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    let pool = Pool::with_bias(&pts, 2, &y);
    let pat = Patterns::sample(&pool, gates, seed + 100);
    (pool, pat)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = FinalSolveOptions {
            feas_tol: f64::NAN,
            ..FinalSolveOptions::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field(), Some("active.final.feas_tol"));
    }

    #[test]
    fn dual_gradient_and_newton_matrix_match_finite_differences() {
        // Phi is piecewise smooth: at a generic point, a small step stays on one piece, where
        // grad Phi is the derivative of Phi and the Newton matrix the derivative of grad Phi.
        let (pool, pat) = random_problem(30, 40, 6);
        let points: Vec<usize> = (0..10).map(|k| 2 * k).collect();
        let labels: Vec<f64> = points.iter().map(|&i| pool.y[i]).collect();
        let afs = gather(&pool, &pat, &points, &labels).unwrap();
        let prox = ConeGroupLasso {
            afs: &afs,
            beta: 1e-2,
        };
        let mut s = Stream::new(7);
        let theta_k: Vec<f64> = (0..2 * afs.d * afs.m).map(|_| 0.3 * s.gaussian()).collect();
        let sigma = 0.7;
        let z: Vec<f64> = (0..afs.n).map(|_| 0.2 * s.gaussian()).collect();
        let dir: Vec<f64> = (0..afs.n).map(|_| s.gaussian()).collect();
        let at = |t: f64| {
            let zt: Vec<f64> = z.iter().zip(&dir).map(|(a, b)| a + t * b).collect();
            afs.dual_point(&prox, &theta_k, sigma, zt)
        };
        let base = at(0.0);
        let active = base
            .p
            .chunks_exact(afs.d)
            .filter(|b| norm2(b) > 0.0)
            .count();
        assert!(active > 5, "{active}");
        let h = 1e-6;
        let (plus, minus) = (at(h), at(-h));
        let slope = dot(&base.grad, &dir);
        let fd = (plus.phi - minus.phi) / (2.0 * h);
        assert!(
            (fd - slope).abs() <= 1e-6 * (1.0 + slope.abs()),
            "{fd} vs {slope}"
        );
        let hm = afs.newton_matrix(&base.v, &base.p, sigma, prox.beta);
        let n = afs.n;
        for k in 0..n {
            let hv: f64 = (0..n).map(|l| hm[k * n + l] * dir[l]).sum();
            let fd = (plus.grad[k] - minus.grad[k]) / (2.0 * h);
            assert!(
                (fd - hv).abs() <= 1e-5 * (1.0 + hv.abs()),
                "row {k}: {fd} vs {hv}"
            );
        }
    }

    #[test]
    fn the_prox_keeps_blocks_in_their_cones() {
        // One FISTA-style prox on a random point: every block lands in its cone (to rounding) and
        // the polish makes that exact.
        let (pool, pat) = random_problem(30, 50, 3);
        let points: Vec<usize> = (0..10).collect();
        let labels: Vec<f64> = points.iter().map(|&i| pool.y[i]).collect();
        let afs = gather(&pool, &pat, &points, &labels).unwrap();
        let prox = ConeGroupLasso {
            afs: &afs,
            beta: 1e-3,
        };
        let mut s = Stream::new(4);
        let mut theta: Vec<f64> = (0..2 * afs.d * afs.m).map(|_| s.gaussian()).collect();
        let mut work = prox.work();
        for (b, tb) in theta.chunks_exact_mut(afs.d).enumerate() {
            prox.prox(b, tb, 0.5, &mut work);
        }
        let z = afs.products(&theta);
        let mut worst: f64 = 0.0;
        for b in 0..2 * afs.m {
            for k in 0..afs.n {
                worst = worst.min(afs.sigma(k, b) * z[b * afs.n + k]);
            }
        }
        assert!(worst >= -1e-14, "{worst}");
        assert!(theta.iter().any(|&v| v != 0.0));
        polish(&afs, &mut theta);
        let z = afs.products(&theta);
        for b in 0..2 * afs.m {
            for k in 0..afs.n {
                assert!(afs.sigma(k, b) * z[b * afs.n + k] >= 0.0);
            }
        }
    }
}
