//! The three-layer construction (Theorem 4.2 of Zhang, Zhang, Pilanci 2025; the authors' code is
//! `src/cpal/cpal_3layer.py` with `generate_3layer_hyperplane_arrangement`, `sort_center` and
//! `predict` in `src/cpal/utils.py`).
//!
//! ## Patterns
//! A random first layer `W1` (`P1` gates `w_k ~ N(0, I_d)`) and a random second layer `W2`
//! (`P1 x P2`, entries `N(0, 1)`) give, over the pool, the inner patterns `Q = 1[X W1 >= 0]` and
//! the outer patterns `D = 1[relu(X W1) W2 >= 0]`; duplicate columns of each are dropped (kept in
//! order of first appearance): `m1` inner and `m2` outer patterns ([`Patterns3`]).
//!
//! ## Parameters
//! Four blocks of `m2 x m1` vectors in `R^d` (the reference's `c1 .. c4`): `c1_lj, c2_lj` build the
//! positive half `h+_l`, `c3_lj, c4_lj` the negative half `h-_l` of outer unit `l`. Here they are
//! stored group by group: group `g = a m2 + l` (`a = 0` for `h+`, `a = 1` for `h-`) holds
//! `c_{2a+1, lj}` (`s = 0`) then `c_{2a+2, lj}` (`s = 1`) for `j = 0 .. m1`, so block
//! `b = (2g + s) m1 + j` is `theta[b d .. b d + d]` and `theta` has `4 m2 m1 d` entries (the
//! reference orders the same entries block-major; the order does not change the version space).
//!
//! ## A cut (pool point `i`, label `y`) adds `1 + 2 m2 + 4 m2 m1` homogeneous rows
//! (row order: prediction, outer rows by group, inner rows by block):
//! - prediction: `y f_i(theta) > 0`, `f_i = sum_l D_il (h+_il - h-_il)`, where
//!   `h+_il = sum_j Q_ij x_i^T (c1_lj - c2_lj)` and `h-_il = sum_j Q_ij x_i^T (c3_lj - c4_lj)`;
//! - outer sign rows: `(2 D_il - 1) h+_il > 0` and `(2 D_il - 1) h-_il > 0` for every `l`;
//! - inner sign rows: `(2 Q_ij - 1) x_i^T c_b,lj > 0` for every block `b = 1..4`, `l`, `j`.
//!
//! With every sign row strict, `Q_ij x_i^T c = relu(x_i^T c)` and `D_il h = relu(h)`, so `f_i`
//! equals the three-layer ReLU network ([`network_output`])
//! `f(x) = sum_l relu(sum_j relu(x^T c1_lj) - relu(x^T c2_lj))
//!        - relu(sum_j relu(x^T c3_lj) - relu(x^T c4_lj))` at every cut point (Theorem 4.2).
//! The reference's `predict` multiplies by `Di[i, j]` (the last inner index left over from its
//! inner loop) where `Di[i, l]` is meant; [`pool_prediction`] uses `D_il`.
//!
//! ## Centre
//! As in the two-layer lab ([`super::centre`]): every row is homogeneous, so the ball-form analytic
//! centre is `t* phi*` with `t*^2 = K R^2 / (K + 2)` and `phi* = argmin G`,
//! `G(phi) = -sum_r log s_r(phi) + (K/2) ||phi||^2`, found by damped Newton warm-started from the
//! previous centre. The Hessian `hess G = B + sum_g V_g V_g^T + W W^T` is factored by its structure
//! ([`StructuredHessian3`]): `B` block-diagonal (`K I` and the inner rows, `4 m2 m1` blocks of
//! `d x d`), `V_g` the outer rows of group `g` (touching only that group's `2 m1` blocks), `W` the
//! prediction rows, whose restriction to group `g` is a diagonal rescaling of `V_g`
//! (`W_g = V_g Lambda_g`). Two nested Woodbury identities then need only `d x d` and
//! `K_pred x K_pred` factorisations; no `4 m2 m1 d`-sized matrix is ever formed.

use std::collections::HashMap;
use std::ops::ControlFlow;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::centre::{Centre, NewtonOptions, NewtonRun, check_interior, damped_newton};
use super::config::QueryRule;
use super::dense::{cholesky_in_place, cholesky_log_det, cholesky_solve, ridge_solve};
use super::experiment::StopReason;
use super::hessian::parallel;
use super::pool::Pool;
use super::query::select;
use crate::data::{DataSpec, Dataset};
use crate::error::{Error, Result, check_range_f64, check_range_usize};
use crate::linalg::dot;
use crate::rng::Stream;

/// Row length `d` of planar data with its bias column (every preset and user point set is planar).
pub const PLANAR_D: usize = 3;

/// Largest number of parameters `4 P2 P1 d` a config may ask for (counted with the sampled gate
/// numbers, an upper bound of `4 m2 m1 d`).
pub const MAX_PARAMETERS: usize = 1_000_000;

/// Largest `parameters x min(budget_cuts, pool)` (the slacks and Hessian sweeps) and
/// `2 P2 x min(budget_cuts, pool)^2` (the per-group capacitance matrices), in `f64` entries.
pub const MAX_WORK: usize = 20_000_000;

/// Settings of one three-layer run (the unit of sharing, as [`super::Config`] for two layers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The dataset preset (train split = pool, test split = accuracy).
    pub data: DataSpec,
    /// Number of first-layer gates `P1` sampled (inner patterns `m1 <= P1`), in `[1, 2_000]`.
    pub inner_gates: usize,
    /// Number of second-layer units `P2` sampled (outer patterns `m2 <= P2`), in `[1, 2_000]`.
    pub outer_gates: usize,
    /// Seed of `W1` and `W2`.
    pub gate_seed: u64,
    /// Radius `R` of the initial ball, in `[1e-6, 1e6]`.
    pub radius: f64,
    /// The query rule (`confident_pair` or `least_confident`).
    pub query: QueryRule,
    /// Stop after this many cuts, in `[1, 2_000]` (and within [`MAX_WORK`]).
    pub budget_cuts: usize,
    /// Stop after this many revealed labels, in `[1, 10_000]`.
    pub budget_labels: usize,
    /// Newton decrement tolerance of each centre, in `[1e-14, 1e-2]`.
    pub newton_tol: f64,
    /// Most Newton steps per centre, in `[1, 10_000]`.
    pub newton_max_steps: usize,
}

impl Default for Config {
    /// The reference notebook's three-layer spiral run (`P1 = 50`, `P2 = 100`, seed 0) with the
    /// two-layer lab's protocol: 100-point spiral, `R = 1`, confident pair, 50 cuts, labels
    /// unbounded (10 000), Newton to `1e-10` in at most 200 steps.
    fn default() -> Self {
        let newton = NewtonOptions::default();
        Config {
            data: DataSpec::default(),
            inner_gates: 50,
            outer_gates: 100,
            gate_seed: 0,
            radius: 1.0,
            query: QueryRule::ConfidentPair,
            budget_cuts: 50,
            budget_labels: 10_000,
            newton_tol: newton.tol,
            newton_max_steps: newton.max_steps,
        }
    }
}

impl Config {
    /// Checks every field; errors name `active3.<field>` and the bound. The size bounds use
    /// [`PLANAR_D`] and the data's train size (see [`Self::check_size`]).
    pub fn validate(&self) -> Result<()> {
        self.data.validate("active3.data")?;
        check_range_usize("active3.inner_gates", self.inner_gates, 1, 2_000)?;
        check_range_usize("active3.outer_gates", self.outer_gates, 1, 2_000)?;
        check_range_f64("active3.radius", self.radius, 1e-6, 1e6)?;
        if !matches!(
            self.query,
            QueryRule::ConfidentPair | QueryRule::LeastConfident
        ) {
            return Err(Error::UnknownName {
                field: "active3.query".into(),
                value: format!("{:?}", self.query),
                expected: "confident_pair, least_confident".into(),
            });
        }
        check_range_usize("active3.budget_cuts", self.budget_cuts, 1, 2_000)?;
        check_range_usize("active3.budget_labels", self.budget_labels, 1, 10_000)?;
        check_range_f64("active3.newton_tol", self.newton_tol, 1e-14, 1e-2)?;
        check_range_usize("active3.newton_max_steps", self.newton_max_steps, 1, 10_000)?;
        self.check_size(PLANAR_D, self.data.n_train())
    }

    /// The memory bounds for row length `d` and a pool of `n_pool` points:
    /// `4 P2 P1 d <= MAX_PARAMETERS` (error names `active3.outer_gates`), and with
    /// `k = min(budget_cuts, n_pool)`, `4 P2 P1 d k <= MAX_WORK` and `2 P2 k^2 <= MAX_WORK`
    /// (error names `active3.budget_cuts`).
    pub fn check_size(&self, d: usize, n_pool: usize) -> Result<()> {
        let per_outer = 4 * self.inner_gates * d.max(1);
        let parameters = per_outer * self.outer_gates;
        if parameters > MAX_PARAMETERS {
            return Err(Error::out_of_range(
                "active3.outer_gates",
                self.outer_gates,
                1,
                format!(
                    "{} for {} inner gates (4 P1 P2 d <= {MAX_PARAMETERS})",
                    (MAX_PARAMETERS / per_outer).max(1),
                    self.inner_gates
                ),
            ));
        }
        let k = self.budget_cuts.min(n_pool);
        if parameters * k > MAX_WORK || 2 * self.outer_gates * k * k > MAX_WORK {
            let by_params = MAX_WORK / parameters;
            let by_groups = libm::sqrt((MAX_WORK / (2 * self.outer_gates)) as f64) as usize;
            return Err(Error::out_of_range(
                "active3.budget_cuts",
                self.budget_cuts,
                1,
                format!(
                    "{} for {parameters} parameters and {} outer gates",
                    by_params.min(by_groups).max(1),
                    self.outer_gates
                ),
            ));
        }
        Ok(())
    }

    /// The Newton options of this config.
    pub fn newton(&self) -> NewtonOptions {
        NewtonOptions {
            tol: self.newton_tol,
            max_steps: self.newton_max_steps,
        }
    }

    /// Parses a JSON config (unknown fields rejected); malformed JSON is an [`Error::Parse`] with
    /// field `active3 config`. Does not validate.
    pub fn from_json(json: &str) -> Result<Config> {
        serde_json::from_str(json).map_err(|e| Error::Parse {
            field: "active3 config".into(),
            message: e.to_string(),
        })
    }
}

/// The inner and outer activation patterns over a pool, and the random network that produced
/// them (needed to build strictly feasible points).
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns3 {
    /// Pool size `n`.
    pub n: usize,
    /// Row length `d` (with bias).
    pub d: usize,
    /// Number of distinct inner patterns `m1`.
    pub m1: usize,
    /// Number of distinct outer patterns `m2`.
    pub m2: usize,
    /// `Q`, row-major `n x m1`, entries 0 or 1: `Q_ij = 1[x_i^T w_k >= 0]` for every first-layer
    /// gate `w_k` of class `j`.
    pub inner: Vec<u8>,
    /// `D`, row-major `n x m2`, entries 0 or 1: `D_il = 1[sum_k W2_k,l' relu(x_i^T w_k) >= 0]`
    /// for the first second-layer unit `l'` whose pattern is column `l`.
    pub outer: Vec<u8>,
    /// One gate per inner pattern (the first sampled), row-major `m1 x d`.
    pub inner_gates: Vec<f64>,
    /// The generating network of each outer pattern, row-major `m2 x 2 x m1 x d`: for outer
    /// column `l` (unit `l'`) and inner class `j`, `G+_lj = sum_{k in j} max(W2_kl', 0) w_k`
    /// (`s = 0`) and `G-_lj = sum_{k in j} max(-W2_kl', 0) w_k` (`s = 1`), so that
    /// `g_l(x_i) = sum_j Q_ij x_i^T (G+_lj - G-_lj) = (relu(X W1) W2)_il` on the pool.
    pub generators: Vec<f64>,
}

/// Adds `key` to the distinct columns if new; returns its column index and whether it is new.
fn distinct_column(
    seen: &mut HashMap<Vec<u64>, usize>,
    columns: &mut Vec<Vec<u64>>,
    key: Vec<u64>,
) -> (usize, bool) {
    if let Some(&j) = seen.get(&key) {
        return (j, false);
    }
    let j = columns.len();
    seen.insert(key.clone(), j);
    columns.push(key);
    (j, true)
}

/// Unpacks bit columns into a row-major `n x m` 0/1 matrix.
fn unpack(columns: &[Vec<u64>], n: usize) -> Vec<u8> {
    let m = columns.len();
    let mut mask = vec![0u8; n * m];
    for (j, col) in columns.iter().enumerate() {
        for i in 0..n {
            mask[i * m + j] = ((col[i / 64] >> (i % 64)) & 1) as u8;
        }
    }
    mask
}

impl Patterns3 {
    /// Draws `W1` (`inner_gates` gates, gate `k` takes draws `k d .. k d + d` of
    /// `Stream::new(seed)`) and then `W2` (unit `l'` takes the next `P1` draws, its column), and
    /// records the distinct inner and outer patterns over `pool` in order of first appearance
    /// (the reference calls numpy's `randn` and sorts the columns with `np.unique`).
    pub fn sample(pool: &Pool, inner_gates: usize, outer_gates: usize, seed: u64) -> Patterns3 {
        let (n, d, p1) = (pool.n, pool.d, inner_gates);
        let mut stream = Stream::new(seed);
        let w1: Vec<f64> = (0..p1 * d).map(|_| stream.gaussian()).collect();
        let w2: Vec<f64> = (0..outer_gates * p1).map(|_| stream.gaussian()).collect();
        let words = n.div_ceil(64).max(1);
        let mut relu_features = vec![0.0; n * p1];
        let (mut seen, mut inner_cols) = (HashMap::new(), Vec::new());
        let mut class = vec![0usize; p1];
        let mut inner_gate_rows = Vec::new();
        for k in 0..p1 {
            let w = &w1[k * d..(k + 1) * d];
            let mut key = vec![0u64; words];
            for i in 0..n {
                let z = dot(pool.row(i), w);
                relu_features[i * p1 + k] = z.max(0.0);
                if z >= 0.0 {
                    key[i / 64] |= 1 << (i % 64);
                }
            }
            let (j, new) = distinct_column(&mut seen, &mut inner_cols, key);
            if new {
                inner_gate_rows.extend_from_slice(w);
            }
            class[k] = j;
        }
        let m1 = inner_cols.len();
        let (mut seen, mut outer_cols) = (HashMap::new(), Vec::new());
        let mut generators = Vec::new();
        for unit in w2.chunks_exact(p1.max(1)).take(outer_gates) {
            let mut key = vec![0u64; words];
            for i in 0..n {
                let pre = dot(&relu_features[i * p1..(i + 1) * p1], unit);
                if pre >= 0.0 {
                    key[i / 64] |= 1 << (i % 64);
                }
            }
            let (_, new) = distinct_column(&mut seen, &mut outer_cols, key);
            if new {
                let mut gen_l = vec![0.0; 2 * m1 * d];
                for (k, &c) in unit.iter().enumerate() {
                    let s = if c >= 0.0 { 0 } else { 1 };
                    let at = (s * m1 + class[k]) * d;
                    for r in 0..d {
                        gen_l[at + r] += c.abs() * w1[k * d + r];
                    }
                }
                generators.extend_from_slice(&gen_l);
            }
        }
        let m2 = outer_cols.len();
        Patterns3 {
            n,
            d,
            m1,
            m2,
            inner: unpack(&inner_cols, n),
            outer: unpack(&outer_cols, n),
            inner_gates: inner_gate_rows,
            generators,
        }
    }

    /// Row `i` of `Q` (length `m1`).
    pub fn inner_row(&self, i: usize) -> &[u8] {
        &self.inner[i * self.m1..(i + 1) * self.m1]
    }

    /// Row `i` of `D` (length `m2`).
    pub fn outer_row(&self, i: usize) -> &[u8] {
        &self.outer[i * self.m2..(i + 1) * self.m2]
    }

    /// The gate of inner pattern `j` (length `d`).
    pub fn inner_gate(&self, j: usize) -> &[f64] {
        &self.inner_gates[j * self.d..(j + 1) * self.d]
    }

    /// `G+_lj` (`s = 0`) or `G-_lj` (`s = 1`) (length `d`).
    pub fn generator(&self, l: usize, s: usize, j: usize) -> &[f64] {
        let at = ((l * 2 + s) * self.m1 + j) * self.d;
        &self.generators[at..at + self.d]
    }

    /// Dimension of `theta`: `4 m2 m1 d`.
    pub fn dim(&self) -> usize {
        4 * self.m2 * self.m1 * self.d
    }
}

/// Index of block `(g, s, j)` (see the module docs): `(2 g + s) m1 + j`.
fn block(m1: usize, g: usize, s: usize, j: usize) -> usize {
    (2 * g + s) * m1 + j
}

/// `+1` for the positive half (`a = 0`, groups `g < m2`), `-1` for the negative half.
fn half_sign(g: usize, m2: usize) -> f64 {
    if g < m2 { 1.0 } else { -1.0 }
}

/// `f_i(theta)` of the pattern (prediction-row) form at pool point `i`:
/// `sum_l D_il (h+_il - h-_il)`, `h+_il = sum_j Q_ij x_i^T (c1_lj - c2_lj)`,
/// `h-_il = sum_j Q_ij x_i^T (c3_lj - c4_lj)`. Linear in `theta`; equals [`network_output`] at
/// `x_i` whenever the sign rows of point `i` hold strictly.
pub fn pool_prediction(pool: &Pool, patterns: &Patterns3, i: usize, theta: &[f64]) -> f64 {
    pattern_form(
        pool.row(i),
        patterns.inner_row(i),
        patterns.outer_row(i),
        theta,
        patterns.m1,
        patterns.m2,
    )
}

/// The pattern form for an input row `x` with inner pattern row `q` and outer pattern row `dm`.
fn pattern_form(x: &[f64], q: &[u8], dm: &[u8], theta: &[f64], m1: usize, m2: usize) -> f64 {
    let d = x.len();
    let mut f = 0.0;
    for g in 0..2 * m2 {
        let l = g % m2;
        if dm[l] == 0 {
            continue;
        }
        let mut h = 0.0;
        for (j, &qj) in q.iter().enumerate() {
            if qj != 0 {
                let (b0, b1) = (block(m1, g, 0, j), block(m1, g, 1, j));
                h += dot(x, &theta[b0 * d..b0 * d + d]) - dot(x, &theta[b1 * d..b1 * d + d]);
            }
        }
        f += half_sign(g, m2) * h;
    }
    f
}

/// The three-layer ReLU network of `theta` at an input row `x` (with bias, length `d`):
/// `f(x) = sum_l relu(h+_l(x)) - relu(h-_l(x))` with
/// `h+_l(x) = sum_j relu(x^T c1_lj) - relu(x^T c2_lj)` and
/// `h-_l(x) = sum_j relu(x^T c3_lj) - relu(x^T c4_lj)`; `m1`, `m2` are the pattern counts.
pub fn network_output(x: &[f64], theta: &[f64], m1: usize, m2: usize) -> f64 {
    let d = x.len();
    let mut f = 0.0;
    for g in 0..2 * m2 {
        let mut h = 0.0;
        for j in 0..m1 {
            let (b0, b1) = (block(m1, g, 0, j), block(m1, g, 1, j));
            h += dot(x, &theta[b0 * d..b0 * d + d]).max(0.0)
                - dot(x, &theta[b1 * d..b1 * d + d]).max(0.0);
        }
        f += half_sign(g, m2) * h.max(0.0);
    }
    f
}

/// The cuts so far of the three-layer version space (ball `||theta|| <= R` and the rows of the
/// module docs) and the data needed to evaluate their rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    /// Radius `R` of the ball.
    pub radius: f64,
    /// Row length `d`.
    pub d: usize,
    /// Inner patterns `m1`.
    pub m1: usize,
    /// Outer patterns `m2`.
    pub m2: usize,
    /// Pool indices of the cut points, in cut order.
    pub points: Vec<usize>,
    /// Labels `y_k` of the cut points.
    pub labels: Vec<f64>,
    /// Inputs of the cut points, row-major `K_pred x d`.
    pub xs: Vec<f64>,
    /// Inner pattern rows of the cut points, `K_pred x m1`, as `0.0` / `1.0`.
    pub inner_masks: Vec<f64>,
    /// Outer pattern rows of the cut points, `K_pred x m2`, as `0.0` / `1.0`.
    pub outer_masks: Vec<f64>,
}

impl Space {
    /// The ball of radius `radius` for `patterns`, no cuts.
    pub fn new(radius: f64, patterns: &Patterns3) -> Space {
        Space {
            radius,
            d: patterns.d,
            m1: patterns.m1,
            m2: patterns.m2,
            points: Vec::new(),
            labels: Vec::new(),
            xs: Vec::new(),
            inner_masks: Vec::new(),
            outer_masks: Vec::new(),
        }
    }

    /// Dimension of `theta`: `4 m2 m1 d`.
    pub fn dim(&self) -> usize {
        4 * self.m2 * self.m1 * self.d
    }

    /// Number of groups `2 m2` (outer rows per cut).
    pub fn groups(&self) -> usize {
        2 * self.m2
    }

    /// Number of `d`-blocks `4 m2 m1` (inner rows per cut).
    pub fn blocks(&self) -> usize {
        4 * self.m2 * self.m1
    }

    /// Rows per cut: `1 + 2 m2 + 4 m2 m1`.
    pub fn rows_per_cut(&self) -> usize {
        1 + self.groups() + self.blocks()
    }

    /// Number of cut points `K_pred`.
    pub fn cuts(&self) -> usize {
        self.labels.len()
    }

    /// Number of linear rows `K = K_pred (1 + 2 m2 + 4 m2 m1)` (the ball is not counted).
    pub fn rows(&self) -> usize {
        self.cuts() * self.rows_per_cut()
    }

    /// Adds the cut of pool point `i` with label `y` (Theorem 4.2's rows). Errors if `i` is already
    /// cut (field `active3.point`) or `y` is not `±1` (field `active3.label`).
    pub fn add_cut(&mut self, pool: &Pool, patterns: &Patterns3, i: usize, y: f64) -> Result<()> {
        if self.points.contains(&i) {
            return Err(Error::UnknownName {
                field: "active3.point".into(),
                value: i.to_string(),
                expected: "a pool point not cut yet".into(),
            });
        }
        if y != 1.0 && y != -1.0 {
            return Err(Error::UnknownName {
                field: "active3.label".into(),
                value: y.to_string(),
                expected: "-1, 1".into(),
            });
        }
        self.points.push(i);
        self.labels.push(y);
        self.xs.extend_from_slice(pool.row(i));
        self.inner_masks
            .extend(patterns.inner_row(i).iter().map(|&b| f64::from(b)));
        self.outer_masks
            .extend(patterns.outer_row(i).iter().map(|&b| f64::from(b)));
        Ok(())
    }

    /// Input of cut `k`.
    pub fn x(&self, k: usize) -> &[f64] {
        &self.xs[k * self.d..(k + 1) * self.d]
    }

    /// Inner pattern row of cut `k` (0/1 as f64).
    pub fn inner_mask(&self, k: usize) -> &[f64] {
        &self.inner_masks[k * self.m1..(k + 1) * self.m1]
    }

    /// Outer pattern row of cut `k` (0/1 as f64).
    pub fn outer_mask(&self, k: usize) -> &[f64] {
        &self.outer_masks[k * self.m2..(k + 1) * self.m2]
    }

    /// All slacks of the rows of cuts `k >= from`, cut by cut in row order: `y_k f_k`, then
    /// `(2 D_kl - 1) h_kg` for groups `g = 0 .. 2 m2` (`h_kg = h+_kl` or `h-_kl`), then
    /// `(2 Q_kj - 1) x_k^T theta_b` for blocks `b = 0 .. 4 m2 m1`. `theta` is feasible iff all
    /// are positive and `||theta|| < R`.
    pub fn slacks(&self, theta: &[f64], from: usize) -> Vec<f64> {
        let (d, m1, m2) = (self.d, self.m1, self.m2);
        let rpc = self.rows_per_cut();
        let off = 1 + self.groups();
        let mut s = vec![0.0; (self.cuts() - from) * rpc];
        for (out, k) in s.chunks_exact_mut(rpc).zip(from..self.cuts()) {
            let (x, q, dm) = (self.x(k), self.inner_mask(k), self.outer_mask(k));
            let mut f = 0.0;
            for g in 0..2 * m2 {
                let mut h = 0.0;
                for sgn in 0..2 {
                    for (j, &qj) in q.iter().enumerate() {
                        let b = block(m1, g, sgn, j);
                        let z = dot(x, &theta[b * d..b * d + d]);
                        out[off + b] = (2.0 * qj - 1.0) * z;
                        if qj != 0.0 {
                            h += if sgn == 0 { z } else { -z };
                        }
                    }
                }
                let dl = dm[g % m2];
                out[1 + g] = (2.0 * dl - 1.0) * h;
                if dl != 0.0 {
                    f += half_sign(g, m2) * h;
                }
            }
            out[0] = self.labels[k] * f;
        }
        s
    }

    /// The smallest slack over all rows and the ball, `min(min_r s_r, R^2 - ||theta||^2)`.
    pub fn min_slack(&self, theta: &[f64]) -> f64 {
        let ball = self.radius * self.radius - dot(theta, theta);
        self.slacks(theta, 0).into_iter().fold(ball, f64::min)
    }
}

/// Inverts the symmetric positive definite `d x d` matrix `a` (row-major, lower triangle read,
/// overwritten by its Cholesky factor `L`) into `inv` (`d x d`) as `L^-T L^-1`, with `m`
/// (`d x d`) as scratch for `L^-1`; returns `log det a`, or `None` if `a` is not positive
/// definite.
fn small_inverse(a: &mut [f64], d: usize, inv: &mut [f64], m: &mut [f64]) -> Option<f64> {
    if !cholesky_in_place(a, d) {
        return None;
    }
    for col in 0..d {
        for i in col..d {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for k in col..i {
                v -= a[i * d + k] * m[k * d + col];
            }
            m[i * d + col] = v / a[i * d + i];
        }
    }
    for r in 0..d {
        for c in 0..=r {
            let mut v = 0.0;
            for k in r..d {
                v += m[k * d + r] * m[k * d + c];
            }
            inv[r * d + c] = v;
            inv[c * d + r] = v;
        }
    }
    Some(cholesky_log_det(a, d))
}

/// `y = A x` for a row-major `d x d` matrix `a` (`d = x.len() = y.len()`).
fn mat_vec(a: &[f64], x: &[f64], y: &mut [f64]) {
    for (v, row) in y.iter_mut().zip(a.chunks_exact(x.len())) {
        *v = dot(row, x);
    }
}

/// One group's part of the factored Hessian (see [`StructuredHessian3`]).
#[derive(Debug, Clone)]
struct GroupFactor {
    /// Inverses of the group's `2 m1` blocks, `2 m1 x d x d`.
    inv: Vec<f64>,
    /// `omega_k = (2 D_kl - 1) / s_kg`: `V_g`'s column `k` on block `(s, j)` is
    /// `(-1)^s omega_k Q_kj x_k`.
    omega: Vec<f64>,
    /// `lambda_k = y_k D_kl sgn(a) (2 D_kl - 1) s_kg / s_pred,k`: `W_g = V_g diag(lambda)`.
    lambda: Vec<f64>,
    /// Cholesky factor of `C_g = I + V_g^T B_g^-1 V_g`, `K_pred x K_pred`.
    cap: Vec<f64>,
}

/// `hess G(phi) = B + sum_g V_g V_g^T + W W^T` (module docs), factored:
/// `M = B + sum_g V_g V_g^T` is block-diagonal by groups, each group inverted by Woodbury with
/// `C_g = I + V_g^T B_g^-1 V_g`, which gives `M_g^-1 V_g = B_g^-1 V_g C_g^-1` and
/// `V_g^T M_g^-1 V_g = I - C_g^-1`; then `hess G^-1` by Woodbury on `W = [V_g Lambda_g]_g` with
/// `C = I + sum_g Lambda_g (I - C_g^-1) Lambda_g` (`K_pred x K_pred`), and
/// `log det hess G = sum_b log det B_b + sum_g log det C_g + log det C`.
#[derive(Debug, Clone)]
pub struct StructuredHessian3<'a> {
    space: &'a Space,
    groups: Vec<GroupFactor>,
    /// Cholesky factor of `C`.
    cap: Vec<f64>,
    log_det: f64,
}

/// What one assembly pass gives: the factored Hessian and the gradient of `G`.
#[derive(Debug, Clone)]
pub struct Assembled3<'a> {
    /// `hess G(phi)`, factored.
    pub hessian: StructuredHessian3<'a>,
    /// `grad G(phi) = K phi - sum_r grad s_r / s_r`, length `4 m2 m1 d`.
    pub gradient: Vec<f64>,
}

/// What one group's assembly returns: its factor, its gradient part, its `Lambda (I - C_g^-1)
/// Lambda` (`K_pred x K_pred`) and its log-determinant part.
type GroupParts = (GroupFactor, Vec<f64>, Vec<f64>, f64);

impl<'a> StructuredHessian3<'a> {
    /// Assembles and factors `hess G` and `grad G` at `phi` for the cuts of `space`, with
    /// `k_rows` = `K` (the weight of `||phi||^2 / 2`) and `s` the slacks of all rows at `phi`
    /// ([`Space::slacks`] from 0; all positive). Groups are processed in parallel (rayon) and
    /// combined in group order, so the bits do not depend on the thread count. Errors if a block,
    /// a `C_g` or `C` is not positive definite.
    pub fn assemble(
        space: &'a Space,
        phi: &[f64],
        s: &[f64],
        k_rows: f64,
    ) -> Result<Assembled3<'a>> {
        let kp = space.cuts();
        if kp == 0 {
            return Err(Error::Numerical {
                what: "assembling the three-layer centring Hessian".into(),
                reason: "there are no cuts (the centre of the bare ball is 0)".into(),
            });
        }
        let work = |g: usize| group_parts(space, phi, s, k_rows, g);
        let parts: Vec<Option<GroupParts>> = if parallel() {
            (0..space.groups()).into_par_iter().map(work).collect()
        } else {
            (0..space.groups()).map(work).collect()
        };
        let mut cap = vec![0.0; kp * kp];
        for k in 0..kp {
            cap[k * kp + k] = 1.0;
        }
        let mut gradient = Vec::with_capacity(space.dim());
        let mut groups = Vec::with_capacity(space.groups());
        let mut log_det = 0.0;
        for p in parts {
            let (factor, grad, e, ld) = p.ok_or_else(|| Error::Numerical {
                what: "factorising the three-layer centring Hessian".into(),
                reason: "a block or group capacitance is not positive definite (a slack is zero \
                         or not finite)"
                    .into(),
            })?;
            gradient.extend_from_slice(&grad);
            for (a, b) in cap.iter_mut().zip(&e) {
                *a += b;
            }
            log_det += ld;
            groups.push(factor);
        }
        if !cholesky_in_place(&mut cap, kp) {
            return Err(Error::Numerical {
                what: "Cholesky factorisation of the three-layer capacitance matrix".into(),
                reason: "I + W^T M^-1 W is not positive definite".into(),
            });
        }
        log_det += cholesky_log_det(&cap, kp);
        Ok(Assembled3 {
            hessian: StructuredHessian3 {
                space,
                groups,
                cap,
                log_det,
            },
            gradient,
        })
    }

    /// `log det hess G`.
    pub fn log_det(&self) -> f64 {
        self.log_det
    }

    /// Solves `hess G x = rhs` (length `4 m2 m1 d`): per group `h = B_g^-1 rhs_g`,
    /// `u_g = C_g^-1 V_g^T h`; `w = C^-1 sum_g Lambda_g u_g`; per group
    /// `x_g = B_g^-1 (rhs_g - V_g (u_g + C_g^-1 Lambda_g w))`.
    pub fn solve(&self, rhs: &[f64]) -> Vec<f64> {
        let sp = self.space;
        let (d, m1, kp) = (sp.d, sp.m1, sp.cuts());
        let glen = 2 * m1 * d;
        let first = |g: usize| -> Vec<f64> {
            let gf = &self.groups[g];
            let r = &rhs[g * glen..(g + 1) * glen];
            let mut t = vec![0.0; kp];
            let (mut h0, mut h1) = (vec![0.0; d], vec![0.0; d]);
            for j in 0..m1 {
                let b1 = m1 + j;
                mat_vec(
                    &gf.inv[j * d * d..(j + 1) * d * d],
                    &r[j * d..(j + 1) * d],
                    &mut h0,
                );
                mat_vec(
                    &gf.inv[b1 * d * d..(b1 + 1) * d * d],
                    &r[b1 * d..(b1 + 1) * d],
                    &mut h1,
                );
                for (k, tk) in t.iter_mut().enumerate() {
                    if sp.inner_mask(k)[j] != 0.0 {
                        let x = sp.x(k);
                        *tk += gf.omega[k] * (dot(x, &h0) - dot(x, &h1));
                    }
                }
            }
            cholesky_solve(&gf.cap, kp, &mut t);
            t
        };
        let us: Vec<Vec<f64>> = if parallel() {
            (0..sp.groups()).into_par_iter().map(first).collect()
        } else {
            (0..sp.groups()).map(first).collect()
        };
        let mut w = vec![0.0; kp];
        for (gf, u) in self.groups.iter().zip(&us) {
            for k in 0..kp {
                w[k] += gf.lambda[k] * u[k];
            }
        }
        cholesky_solve(&self.cap, kp, &mut w);
        let second = |(g, x_g): (usize, &mut [f64])| {
            let gf = &self.groups[g];
            let r = &rhs[g * glen..(g + 1) * glen];
            let mut z: Vec<f64> = gf.lambda.iter().zip(&w).map(|(l, w)| l * w).collect();
            cholesky_solve(&gf.cap, kp, &mut z);
            let coef: Vec<f64> = (0..kp).map(|k| gf.omega[k] * (z[k] + us[g][k])).collect();
            let (mut vz, mut t) = (vec![0.0; d], vec![0.0; d]);
            for j in 0..m1 {
                vz.iter_mut().for_each(|v| *v = 0.0);
                for (k, &c) in coef.iter().enumerate() {
                    if sp.inner_mask(k)[j] != 0.0 {
                        for (v, xr) in vz.iter_mut().zip(sp.x(k)) {
                            *v += c * xr;
                        }
                    }
                }
                for sgn in 0..2 {
                    let b = sgn * m1 + j;
                    let sign = if sgn == 0 { 1.0 } else { -1.0 };
                    for q in 0..d {
                        t[q] = r[b * d + q] - sign * vz[q];
                    }
                    mat_vec(
                        &gf.inv[b * d * d..(b + 1) * d * d],
                        &t,
                        &mut x_g[b * d..(b + 1) * d],
                    );
                }
            }
        };
        let mut x = vec![0.0; rhs.len()];
        if parallel() {
            x.par_chunks_mut(glen).enumerate().for_each(second);
        } else {
            x.chunks_mut(glen).enumerate().for_each(second);
        }
        x
    }
}

/// Assembles group `g`: its `2 m1` blocks `B_b = K I + sum_k x_k x_k^T / q_kb^2` (inverted), its
/// part of `grad G`, `C_g` (factored) and `Lambda_g (I - C_g^-1) Lambda_g`. `None` if a matrix is
/// not positive definite.
fn group_parts(space: &Space, phi: &[f64], s: &[f64], k_rows: f64, g: usize) -> Option<GroupParts> {
    let (d, m1, m2, kp) = (space.d, space.m1, space.m2, space.cuts());
    let rpc = space.rows_per_cut();
    let off = 1 + space.groups();
    let l = g % m2;
    let sa = half_sign(g, m2);
    let mut omega = vec![0.0; kp];
    let mut lambda = vec![0.0; kp];
    let mut coef = vec![0.0; kp];
    for k in 0..kp {
        let dl = space.outer_mask(k)[l];
        let sigma = 2.0 * dl - 1.0;
        let s_out = s[k * rpc + 1 + g];
        let pi = space.labels[k] / s[k * rpc];
        omega[k] = sigma / s_out;
        lambda[k] = pi * dl * sa * sigma * s_out;
        coef[k] = omega[k] + pi * dl * sa;
    }
    let mut inv = vec![0.0; 2 * m1 * d * d];
    let mut grad = vec![0.0; 2 * m1 * d];
    let mut log_det = 0.0;
    let (mut bm, mut scratch) = (vec![0.0; d * d], vec![0.0; d * d]);
    for sgn in 0..2 {
        let sign = if sgn == 0 { 1.0 } else { -1.0 };
        for j in 0..m1 {
            let b = block(m1, g, sgn, j);
            let lb = sgn * m1 + j;
            bm.iter_mut().for_each(|v| *v = 0.0);
            for r in 0..d {
                bm[r * d + r] = k_rows;
            }
            let gb = &mut grad[lb * d..(lb + 1) * d];
            for (v, p) in gb.iter_mut().zip(&phi[b * d..(b + 1) * d]) {
                *v = k_rows * p;
            }
            for k in 0..kp {
                let x = space.x(k);
                let qk = space.inner_mask(k)[j];
                let q = s[k * rpc + off + b];
                let iq = 1.0 / q;
                let c = (2.0 * qk - 1.0) * iq + if qk != 0.0 { sign * coef[k] } else { 0.0 };
                for r in 0..d {
                    gb[r] -= c * x[r];
                    let xr = x[r] * iq * iq;
                    for t in 0..=r {
                        bm[r * d + t] += xr * x[t];
                    }
                }
            }
            log_det += small_inverse(
                &mut bm,
                d,
                &mut inv[lb * d * d..(lb + 1) * d * d],
                &mut scratch,
            )?;
        }
    }
    // C_g = I + V_g^T B_g^-1 V_g: (k, k') entry omega_k omega_k' sum_j Q_kj Q_k'j
    // x_k^T (B_(0,j)^-1 + B_(1,j)^-1) x_k'.
    let mut cap = vec![0.0; kp * kp];
    for k in 0..kp {
        cap[k * kp + k] = 1.0;
    }
    let mut active = Vec::with_capacity(kp);
    let mut sx = vec![0.0; kp * d];
    for j in 0..m1 {
        active.clear();
        active.extend((0..kp).filter(|&k| space.inner_mask(k)[j] != 0.0));
        if active.is_empty() {
            continue;
        }
        let (i0, i1) = (&inv[j * d * d..(j + 1) * d * d], &inv[(m1 + j) * d * d..]);
        for &k in &active {
            let x = space.x(k);
            for r in 0..d {
                let mut v = 0.0;
                for t in 0..d {
                    v += (i0[r * d + t] + i1[r * d + t]) * x[t];
                }
                sx[k * d + r] = omega[k] * v;
            }
        }
        for (ai, &k) in active.iter().enumerate() {
            let x = space.x(k);
            for &k2 in &active[..=ai] {
                cap[k * kp + k2] += omega[k] * dot(x, &sx[k2 * d..(k2 + 1) * d]);
            }
        }
    }
    if !cholesky_in_place(&mut cap, kp) {
        return None;
    }
    log_det += cholesky_log_det(&cap, kp);
    // Lambda (I - C_g^-1) Lambda over the cuts with lambda_k != 0 (D_kl = 1), with
    // C_g^-1 = L^-T L^-1: the columns y_k = L^-1 e_k (zero above k) give
    // (C_g^-1)_kk' = y_k . y_k'.
    let act: Vec<usize> = (0..kp).filter(|&k| lambda[k] != 0.0).collect();
    let mut ys = vec![0.0; act.len() * kp];
    for (a, &k) in act.iter().enumerate() {
        let y = &mut ys[a * kp..(a + 1) * kp];
        for i in k..kp {
            let mut v = if i == k { 1.0 } else { 0.0 };
            for t in k..i {
                v -= cap[i * kp + t] * y[t];
            }
            y[i] = v / cap[i * kp + i];
        }
    }
    let mut e = vec![0.0; kp * kp];
    for (a, &k) in act.iter().enumerate() {
        for (b, &k2) in act.iter().enumerate().take(a + 1) {
            let from = k.max(k2);
            let inv = dot(
                &ys[a * kp + from..(a + 1) * kp],
                &ys[b * kp + from..(b + 1) * kp],
            );
            let delta = if k == k2 { 1.0 } else { 0.0 };
            let v = lambda[k] * lambda[k2] * (delta - inv);
            e[k * kp + k2] = v;
            e[k2 * kp + k] = v;
        }
    }
    Some((
        GroupFactor {
            inv,
            omega,
            lambda,
            cap,
        },
        grad,
        e,
        log_det,
    ))
}

/// A strictly feasible point for the sign rows of `points` (pool indices) whose pattern form is
/// `f_i = sum_l D_il psi_l(x_i)`, `psi_l(x) = sum_j Q_j(x) x^T v_lj`, for a readout `v`
/// (row-major `m2 x m1 x d`). With the generating network `G+-` of [`Patterns3`] (for which
/// `(2 D_il - 1) g_l(x_i) = |g_l(x_i)|`), the inner class gates `u_j` and scalars `M, tau, eps`:
/// `c1_lj = M G+_lj + v_lj + tau_lj u_j`, `c2_lj = M G-_lj + tau_lj u_j`,
/// `c3_lj = M G+_lj + eps_lj u_j`, `c4_lj = M G-_lj + eps_lj u_j`, so `h+_l = M g_l + psi_l` and
/// `h-_l = M g_l` on the points; `M = 2 max |psi_l| / |g_l| (or 1)` keeps the outer rows strict and
/// `tau_lj` the inner rows of `v_lj + tau_lj u_j`. Errors if a point lies on a gate's
/// hyperplane or on an outer unit's zero set.
pub fn network_from_readout(
    pool: &Pool,
    patterns: &Patterns3,
    points: &[usize],
    readout: &[f64],
) -> Result<Vec<f64>> {
    let (d, m1, m2) = (patterns.d, patterns.m1, patterns.m2);
    let singular = |what: &str| Error::Numerical {
        what: "building a strictly feasible three-layer network".into(),
        reason: what.into(),
    };
    let v = |l: usize, j: usize| &readout[(l * m1 + j) * d..(l * m1 + j + 1) * d];
    let norm = |a: &[f64]| libm::sqrt(dot(a, a));
    // M from the outer rows.
    let mut ratio: f64 = 0.0;
    for &i in points {
        let (x, q) = (pool.row(i), patterns.inner_row(i));
        for l in 0..m2 {
            let (mut psi, mut gl) = (0.0, 0.0);
            for (j, &qj) in q.iter().enumerate() {
                if qj != 0 {
                    psi += dot(x, v(l, j));
                    gl += dot(x, patterns.generator(l, 0, j)) - dot(x, patterns.generator(l, 1, j));
                }
            }
            if gl == 0.0 {
                return Err(singular(&format!(
                    "pool point {i} is on the zero set of outer unit {l}"
                )));
            }
            ratio = ratio.max(psi.abs() / gl.abs());
        }
    }
    let big_m = if ratio > 0.0 { 2.0 * ratio } else { 1.0 };
    let mut scale: f64 = 0.0;
    for l in 0..m2 {
        for j in 0..m1 {
            let gsize = norm(patterns.generator(l, 0, j)) + norm(patterns.generator(l, 1, j));
            scale = scale.max(norm(v(l, j))).max(big_m * gsize);
        }
    }
    if scale == 0.0 || !scale.is_finite() {
        scale = 1.0;
    }
    let mut theta = vec![0.0; patterns.dim()];
    for l in 0..m2 {
        for j in 0..m1 {
            let u = patterns.inner_gate(j);
            let un = norm(u);
            let mut worst: f64 = 0.0;
            for &i in points {
                let x = pool.row(i);
                let sigma = 2.0 * f64::from(patterns.inner_row(i)[j]) - 1.0;
                let rho = sigma * dot(x, u);
                if rho <= 0.0 {
                    return Err(singular(&format!(
                        "pool point {i} is on the hyperplane of inner gate {j}"
                    )));
                }
                worst = worst.max(-sigma * dot(x, v(l, j)) / rho);
            }
            let (gp, gn) = (patterns.generator(l, 0, j), patterns.generator(l, 1, j));
            let gsize = big_m * (norm(gp) + norm(gn));
            let eps = (0.1 * gsize + 1e-3 * scale) / un;
            let tau = 2.0 * worst + eps + 0.1 * norm(v(l, j)) / un;
            for (a, shift, extra) in [(0, tau, true), (1, eps, false)] {
                let g = a * m2 + l;
                for sgn in 0..2 {
                    let b = block(m1, g, sgn, j);
                    let generator = if sgn == 0 { gp } else { gn };
                    for r in 0..d {
                        let mut c = big_m * generator[r] + shift * u[r];
                        if extra && sgn == 0 {
                            c += v(l, j)[r];
                        }
                        theta[b * d + r] = c;
                    }
                }
            }
        }
    }
    Ok(theta)
}

/// A strictly feasible unit direction of the cone of `space`: the minimum-norm readout `v` with
/// `sum_lj D_kl Q_kj x_k^T v_lj = y_k` on every cut (Gram matrix
/// `(D_k . D_k') (Q_k . Q_k') (x_k . x_k')`, with a ridge raised until the point is strictly
/// feasible), made into a network by [`network_from_readout`], so every prediction row is
/// `y_k f_k = 1 > 0`. Errors if no ridge gives a strictly feasible point (e.g. a cut point whose
/// outer or inner pattern row is all zeros, where `f_k = 0` for every `theta`).
pub fn gate_network(space: &Space, pool: &Pool, patterns: &Patterns3) -> Result<Vec<f64>> {
    let (d, m1, m2, kp) = (space.d, space.m1, space.m2, space.cuts());
    let mut gram = vec![0.0; kp * kp];
    for k in 0..kp {
        for k2 in 0..=k {
            let v = dot(space.outer_mask(k), space.outer_mask(k2))
                * dot(space.inner_mask(k), space.inner_mask(k2))
                * dot(space.x(k), space.x(k2));
            gram[k * kp + k2] = v;
            gram[k2 * kp + k] = v;
        }
    }
    let mut last = None;
    let found = ridge_solve(
        &gram,
        kp,
        &space.labels,
        &[1e-12, 1e-9, 1e-6, 1e-3],
        |alpha| {
            let mut v = vec![0.0; m2 * m1 * d];
            for (k, &a) in alpha.iter().enumerate() {
                let (x, q, dm) = (space.x(k), space.inner_mask(k), space.outer_mask(k));
                for (l, &dl) in dm.iter().enumerate() {
                    if dl == 0.0 {
                        continue;
                    }
                    for (j, &qj) in q.iter().enumerate() {
                        if qj != 0.0 {
                            let at = (l * m1 + j) * d;
                            for r in 0..d {
                                v[at + r] += a * x[r];
                            }
                        }
                    }
                }
            }
            let mut p = match network_from_readout(pool, patterns, &space.points, &v) {
                Ok(p) => p,
                Err(e) => return ControlFlow::Break(Err(e)),
            };
            let min = space
                .slacks(&p, 0)
                .into_iter()
                .fold(f64::INFINITY, f64::min);
            if min > 0.0 {
                let nrm = libm::sqrt(dot(&p, &p));
                p.iter_mut().for_each(|v| *v /= nrm);
                return ControlFlow::Break(Ok(p));
            }
            last = Some(min);
            ControlFlow::Continue(())
        },
    );
    if let Some(found) = found {
        return found;
    }
    Err(Error::Numerical {
        what: "finding a strictly feasible three-layer network for the cuts".into(),
        reason: format!(
            "the labels of the {kp} cut points are not realisable with the sampled patterns \
             (smallest slack {last:?}); a cut point with an all-zero pattern row?"
        ),
    })
}

/// A strictly feasible start after the cuts from `first_new` on were added: the point
/// `(1 - tau) prev + tau p`, `tau = tau0 + (1 - tau0) / 2` with `tau0` the smallest `tau` at which
/// every new row is non-negative, normalised ([`super::feasible::blend_start`]). `prev = None`
/// gives `p`.
pub fn warm_start(space: &Space, prev: Option<&[f64]>, first_new: usize, p: &[f64]) -> Vec<f64> {
    let Some(prev) = prev else {
        return p.to_vec();
    };
    super::feasible::blend_start(
        prev,
        p,
        &space.slacks(prev, first_new),
        &space.slacks(p, first_new),
    )
}

/// The centre of the bare ball: `theta = 0`, `hess F = (2 / R^2) I`.
pub fn centre_of_ball(space: &Space) -> Centre {
    Centre::of_bare_ball(space.dim(), space.radius)
}

/// What [`check_interior`] calls the three-layer centring.
const WHAT: &str = "three-layer analytic centre";

/// The analytic centre of `space` (at least one cut) by damped Newton on
/// `G(phi) = -sum_r log s_r(phi) + (K/2) ||phi||^2` from the strictly feasible `start`, then
/// `theta* = t* phi*/||phi*||` with `t* = R sqrt(K / (K + 2))` (as [`super::centre::analytic_centre`]
/// for two layers, with the same Newton method, `centre::damped_newton`). While the decrement
/// `lambda >= 1/4` the step is found by a safeguarded line search on `G` inside the cone; below it
/// full steps (capped at 99 % of the way to the boundary). The diagnostics (`ball_decrement`,
/// `log_det`) are those of the ball-form barrier at `theta*`.
pub fn analytic_centre(space: &Space, start: &[f64], opts: &NewtonOptions) -> Result<Centre> {
    if space.cuts() == 0 {
        return Ok(centre_of_ball(space));
    }
    let k_rows = space.rows() as f64;
    let run = damped_newton(
        start,
        k_rows,
        opts,
        |v| space.slacks(v, 0),
        |phi, s| {
            check_interior(s, WHAT)?;
            let asm = StructuredHessian3::assemble(space, phi, s, k_rows)?;
            let step = asm.hessian.solve(&asm.gradient);
            Ok((asm.gradient, step))
        },
    )?;
    finish(space, run)
}

/// Normalises the last iterate, places the centre at `t* phi` and evaluates the ball-form
/// diagnostics there ([`NewtonRun::centre`]: with `g = grad G(phi*)`,
/// `lambda_F^2 = g^T (hess G + K^2 phi phi^T)^-1 g` (Sherman-Morrison) and
/// `log det hess F = dim log c + log det hess G + log(1 + K^2 phi^T hess G^-1 phi)`,
/// `c = (K + 2) / (K R^2)`; see [`super::centre`]).
fn finish(space: &Space, run: NewtonRun) -> Result<Centre> {
    let phi = run.unit_direction();
    let s = space.slacks(&phi, 0);
    check_interior(&s, WHAT)?;
    let asm = StructuredHessian3::assemble(space, &phi, &s, space.rows() as f64)?;
    let (g, hess) = (&asm.gradient, &asm.hessian);
    Ok(run.centre(
        phi,
        g,
        |r| hess.solve(r),
        hess.log_det(),
        space.radius,
        space.rows(),
    ))
}

/// One revealed label of a three-layer run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRecord {
    /// Pool index.
    pub point: usize,
    /// The revealed label `±1`.
    pub label: f64,
    /// The centre's pattern-form prediction `f_i(c)` when the point was chosen.
    pub prediction: f64,
    /// Whether it became a cut (`y f_i(c) <= 0`).
    pub cut: bool,
}

/// What happened in one round of a three-layer run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    /// Round number, from 1.
    pub round: usize,
    /// Labels revealed this round.
    pub queries: Vec<QueryRecord>,
    /// Labels revealed so far.
    pub labels_used: usize,
    /// Cuts so far.
    pub cuts: usize,
    /// Linear rows so far, `cuts (1 + 2 m2 + 4 m2 m1)`.
    pub constraints: usize,
    /// Test accuracy of the centre's three-layer network after this round (`y f(x) > 0` counts
    /// as right); `None` without test points.
    pub test_accuracy: Option<f64>,
    /// Newton steps for this round's centre (0 if nothing was cut).
    pub newton_steps: usize,
    /// `log det` of the ball-form barrier's Hessian at the centre.
    pub log_det: f64,
    /// Ball-form Newton decrement at the centre.
    pub ball_decrement: f64,
}

/// A three-layer run's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The config that produced it.
    pub config: Config,
    /// Dataset name.
    pub dataset: String,
    /// Pool (train) size.
    pub pool_size: usize,
    /// Test size.
    pub test_size: usize,
    /// Distinct inner patterns `m1`.
    pub inner_patterns: usize,
    /// Distinct outer patterns `m2`.
    pub outer_patterns: usize,
    /// Parameters `4 m2 m1 d`.
    pub parameters: usize,
    /// Rows per cut `1 + 2 m2 + 4 m2 m1`.
    pub rows_per_cut: usize,
    /// Per-round records (test accuracy after each round's cuts).
    pub rounds: Vec<RoundRecord>,
    /// Cuts made.
    pub cuts: usize,
    /// Labels revealed.
    pub labels_used: usize,
    /// Pool indices of the cut points, in order.
    pub cut_points: Vec<usize>,
    /// Why the run stopped (`None` if it has not).
    pub stop: Option<StopReason>,
    /// Final test accuracy of the centre's network.
    pub test_accuracy: Option<f64>,
    /// Final accuracy of the centre's network on the whole pool.
    pub pool_accuracy: Option<f64>,
    /// Newton steps over all centres.
    pub newton_steps_total: usize,
    /// Most Newton steps of any centre.
    pub newton_steps_max: usize,
}

/// A three-layer run in progress (ground-truth oracle).
#[derive(Debug, Clone)]
pub struct Experiment {
    config: Config,
    dataset: String,
    pool: Pool,
    test: Pool,
    patterns: Patterns3,
    space: Space,
    centre: Centre,
    tried: Vec<bool>,
    labels_used: usize,
    rounds: Vec<RoundRecord>,
    stop: Option<StopReason>,
    accuracy: Option<f64>,
}

impl Experiment {
    /// Validates `config`, builds the pool from `data`'s train split (test split for accuracy),
    /// samples `W1`, `W2` and the patterns, checks the size bounds with the data's real `d` and
    /// starts at the centre of the ball.
    pub fn new(config: Config, data: &Dataset) -> Result<Experiment> {
        config.validate()?;
        let (pool, test) = Pool::from_dataset(data)?;
        config.check_size(pool.d, pool.n)?;
        let patterns = Patterns3::sample(
            &pool,
            config.inner_gates,
            config.outer_gates,
            config.gate_seed,
        );
        let space = Space::new(config.radius, &patterns);
        let centre = centre_of_ball(&space);
        let accuracy = accuracy(&test, &centre.theta, patterns.m1, patterns.m2);
        Ok(Experiment {
            tried: vec![false; pool.n],
            dataset: data.name.clone(),
            config,
            pool,
            test,
            patterns,
            space,
            centre,
            labels_used: 0,
            rounds: Vec::new(),
            stop: None,
            accuracy,
        })
    }

    /// One round: the query rule picks untried pool points from the centre's pattern-form
    /// predictions `f_i(c)`; their labels are revealed in order (stopping at either budget), each
    /// one the centre gets wrong (`y f_i(c) <= 0`) becomes a cut, and the centre moves (warm
    /// start from the previous centre) if anything was cut. Sets the stop reason; does nothing
    /// once stopped. Returns the round's record (`None` when already stopped or the pool is spent).
    pub fn step(&mut self) -> Result<Option<RoundRecord>> {
        if self.stop.is_some() {
            return Ok(None);
        }
        let theta = &self.centre.theta;
        let f: Vec<f64> = (0..self.pool.n)
            .map(|i| pool_prediction(&self.pool, &self.patterns, i, theta))
            .collect();
        let picks = select(self.config.query, &f, &self.tried);
        if picks.is_empty() {
            self.stop = Some(StopReason::PoolExhausted);
            return Ok(None);
        }
        let first_new = self.space.cuts();
        let mut queries = Vec::new();
        for i in picks {
            let y = self.pool.y[i];
            let cut = y * f[i] <= 0.0;
            if cut {
                self.space.add_cut(&self.pool, &self.patterns, i, y)?;
            }
            self.tried[i] = true;
            self.labels_used += 1;
            queries.push(QueryRecord {
                point: i,
                label: y,
                prediction: f[i],
                cut,
            });
            if self.labels_used >= self.config.budget_labels
                || self.space.cuts() >= self.config.budget_cuts
            {
                break;
            }
        }
        let mut newton_steps = 0;
        if self.space.cuts() > first_new {
            let p = gate_network(&self.space, &self.pool, &self.patterns)?;
            let prev = (first_new > 0).then_some(self.centre.phi.as_slice());
            let start = warm_start(&self.space, prev, first_new, &p);
            self.centre = analytic_centre(&self.space, &start, &self.config.newton())?;
            newton_steps = self.centre.newton_steps;
            self.accuracy = accuracy(&self.test, &self.centre.theta, self.space.m1, self.space.m2);
        }
        let record = RoundRecord {
            round: self.rounds.len() + 1,
            queries,
            labels_used: self.labels_used,
            cuts: self.space.cuts(),
            constraints: self.space.rows(),
            test_accuracy: self.accuracy,
            newton_steps,
            log_det: self.centre.log_det,
            ball_decrement: self.centre.ball_decrement,
        };
        self.rounds.push(record.clone());
        self.stop = if self.space.cuts() >= self.config.budget_cuts {
            Some(StopReason::BudgetCuts)
        } else if self.labels_used >= self.config.budget_labels {
            Some(StopReason::BudgetLabels)
        } else if self.tried.iter().all(|&t| t) {
            Some(StopReason::PoolExhausted)
        } else {
            None
        };
        Ok(Some(record))
    }

    /// Steps until a budget is spent or the pool runs out, and returns the report.
    pub fn run(&mut self) -> Result<Report> {
        while self.stop.is_none() {
            self.step()?;
        }
        Ok(self.report())
    }

    /// The report so far.
    pub fn report(&self) -> Report {
        let (m1, m2) = (self.patterns.m1, self.patterns.m2);
        Report {
            config: self.config.clone(),
            dataset: self.dataset.clone(),
            pool_size: self.pool.n,
            test_size: self.test.n,
            inner_patterns: m1,
            outer_patterns: m2,
            parameters: self.space.dim(),
            rows_per_cut: self.space.rows_per_cut(),
            rounds: self.rounds.clone(),
            cuts: self.space.cuts(),
            labels_used: self.labels_used,
            cut_points: self.space.points.clone(),
            stop: self.stop,
            test_accuracy: self.accuracy,
            pool_accuracy: accuracy(&self.pool, &self.centre.theta, m1, m2),
            newton_steps_total: self.rounds.iter().map(|r| r.newton_steps).sum(),
            newton_steps_max: self
                .rounds
                .iter()
                .map(|r| r.newton_steps)
                .max()
                .unwrap_or(0),
        }
    }

    /// Why the run stopped, if it has.
    pub fn stopped(&self) -> Option<StopReason> {
        self.stop
    }

    /// Test accuracy of the centre's network (`None` without test points).
    pub fn test_accuracy(&self) -> Option<f64> {
        self.accuracy
    }

    /// The current analytic centre.
    pub fn centre(&self) -> &Centre {
        &self.centre
    }

    /// The version space (cuts so far).
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The test points (with bias column).
    pub fn test_set(&self) -> &Pool {
        &self.test
    }

    /// The sampled patterns and their generating network.
    pub fn patterns(&self) -> &Patterns3 {
        &self.patterns
    }

    /// The run's config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The centre's three-layer network ([`network_output`]) at an input point `p` (without
    /// bias; `dim` entries).
    pub fn predict(&self, p: &[f64]) -> f64 {
        let mut x = p.to_vec();
        x.push(1.0);
        network_output(&x, &self.centre.theta, self.space.m1, self.space.m2)
    }

    /// The centre's network on an `nx x ny` grid over `[x0, x1] x [y0, y1]` (planar data), row by
    /// row from `y0` (row-major `ny x nx`), rows in parallel (bit-identical either way).
    pub fn decision_grid(&self, nx: usize, ny: usize, bounds: [f64; 4]) -> Vec<f64> {
        let [x0, x1, y0, y1] = bounds;
        let step = |a: f64, b: f64, n: usize, k: usize| {
            if n > 1 {
                a + (b - a) * k as f64 / (n - 1) as f64
            } else {
                a
            }
        };
        let mut out = vec![0.0; nx * ny];
        if nx == 0 {
            return out;
        }
        let (m1, m2) = (self.space.m1, self.space.m2);
        out.par_chunks_mut(nx).enumerate().for_each(|(r, row)| {
            let y = step(y0, y1, ny, r);
            for (c, v) in row.iter_mut().enumerate() {
                *v = network_output(&[step(x0, x1, nx, c), y, 1.0], &self.centre.theta, m1, m2);
            }
        });
        out
    }
}

/// Fraction of `pool`'s points where the three-layer network of `theta` has `y f(x) > 0`
/// (`None` for an empty set).
fn accuracy(pool: &Pool, theta: &[f64], m1: usize, m2: usize) -> Option<f64> {
    if pool.n == 0 {
        return None;
    }
    let right = (0..pool.n)
        .filter(|&i| pool.y[i] * network_output(pool.row(i), theta, m1, m2) > 0.0)
        .count();
    Some(right as f64 / pool.n as f64)
}

/// Parses a JSON [`Config`], validates it, generates its dataset, runs to a budget or pool
/// exhaustion with the ground-truth oracle, and returns the JSON [`Report`]. Malformed JSON is an
/// [`Error::Parse`] with field `active3 config`.
pub fn run_json(config_json: &str) -> Result<String> {
    let config = Config::from_json(config_json)?;
    config.validate()?;
    let data = config.data.generate()?;
    let report = Experiment::new(config, &data)?.run()?;
    serde_json::to_string(&report).map_err(|e| Error::Numerical {
        what: "serialising the active3 report".into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataSpec;
    use nalgebra::{DMatrix, DVector};

    /// A small spiral problem: `n` points, `p1 x p2` gates, the first `cuts` pool points cut.
    fn small(n: usize, p1: usize, p2: usize, cuts: usize) -> (Pool, Patterns3, Space) {
        let data = DataSpec {
            n,
            ..DataSpec::default()
        }
        .generate()
        .unwrap();
        let (pool, _) = Pool::from_dataset(&data).unwrap();
        let pat = Patterns3::sample(&pool, p1, p2, 3);
        let mut sp = Space::new(1.0, &pat);
        for i in 0..cuts {
            sp.add_cut(&pool, &pat, i, pool.y[i]).unwrap();
        }
        (pool, pat, sp)
    }

    /// The gradients of all rows of `sp`, densely, built entry by entry from the definitions.
    fn dense_rows(sp: &Space) -> Vec<DVector<f64>> {
        let (d, m1, m2, n) = (sp.d, sp.m1, sp.m2, sp.dim());
        let mut rows = Vec::new();
        let at = |b: usize, r: usize| b * d + r;
        for k in 0..sp.cuts() {
            let (x, q, dm, y) = (sp.x(k), sp.inner_mask(k), sp.outer_mask(k), sp.labels[k]);
            // prediction: y sum_l D_l sum_j Q_j x^T (c1 - c2 - c3 + c4)
            let mut a = DVector::zeros(n);
            for (l, &dl) in dm.iter().enumerate() {
                for (j, &qj) in q.iter().enumerate() {
                    for (blk, sign) in [(0, 1.0), (1, -1.0), (2, -1.0), (3, 1.0)] {
                        let (aa, s) = (blk / 2, blk % 2);
                        let b = block(m1, aa * m2 + l, s, j);
                        for r in 0..d {
                            a[at(b, r)] += y * dl * qj * sign * x[r];
                        }
                    }
                }
            }
            rows.push(a);
            for g in 0..2 * m2 {
                let mut a = DVector::zeros(n);
                for j in 0..m1 {
                    for s in 0..2 {
                        let sign = if s == 0 { 1.0 } else { -1.0 };
                        for r in 0..d {
                            a[at(block(m1, g, s, j), r)] +=
                                (2.0 * dm[g % m2] - 1.0) * q[j] * sign * x[r];
                        }
                    }
                }
                rows.push(a);
            }
            for b in 0..sp.blocks() {
                let mut a = DVector::zeros(n);
                for r in 0..d {
                    a[at(b, r)] = (2.0 * q[b % m1] - 1.0) * x[r];
                }
                rows.push(a);
            }
        }
        rows
    }

    #[test]
    fn slacks_are_the_dense_rows() {
        let (_, pat, sp) = small(30, 6, 5, 4);
        let theta: Vec<f64> = (0..sp.dim()).map(|i| libm::sin(1.3 * i as f64)).collect();
        let th = DVector::from_column_slice(&theta);
        let s = sp.slacks(&theta, 0);
        for (r, a) in dense_rows(&sp).iter().enumerate() {
            assert!((a.dot(&th) - s[r]).abs() < 1e-12, "row {r}");
        }
        assert_eq!(s.len(), sp.rows());
        assert!(pat.m1 >= 2 && pat.m2 >= 2, "{} {}", pat.m1, pat.m2);
    }

    #[test]
    fn generators_reproduce_the_random_network() {
        let data = DataSpec::default().generate().unwrap();
        let (pool, _) = Pool::from_dataset(&data).unwrap();
        let pat = Patterns3::sample(&pool, 50, 100, 0);
        assert!(pat.m1 > 10 && pat.m2 > 10, "m1 {} m2 {}", pat.m1, pat.m2);
        for i in 0..pool.n {
            let x = pool.row(i);
            for j in 0..pat.m1 {
                let z = dot(x, pat.inner_gate(j));
                assert_eq!(pat.inner_row(i)[j] == 1, z >= 0.0);
            }
            for l in 0..pat.m2 {
                let g: f64 = (0..pat.m1)
                    .filter(|&j| pat.inner_row(i)[j] == 1)
                    .map(|j| dot(x, pat.generator(l, 0, j)) - dot(x, pat.generator(l, 1, j)))
                    .sum();
                assert!(g != 0.0);
                assert_eq!(pat.outer_row(i)[l] == 1, g >= 0.0, "point {i} unit {l}");
            }
        }
    }

    #[test]
    fn structured_solve_matches_dense_solve() {
        let (pool, pat, sp) = small(30, 6, 5, 5);
        let phi = gate_network(&sp, &pool, &pat).unwrap();
        let k = sp.rows() as f64;
        let s = sp.slacks(&phi, 0);
        assert!(s.iter().all(|&v| v > 0.0));
        let asm = StructuredHessian3::assemble(&sp, &phi, &s, k).unwrap();
        let n = sp.dim();
        let mut h = DMatrix::identity(n, n) * k;
        let mut g = DVector::from_column_slice(&phi) * k;
        for (a, sr) in dense_rows(&sp).iter().zip(&s) {
            h += a * a.transpose() / (sr * sr);
            g -= a / *sr;
        }
        let gs = DVector::from_column_slice(&asm.gradient);
        assert!((&g - &gs).amax() <= 1e-10 * g.amax(), "gradient");
        let rhs = DVector::from_fn(n, |i, _| libm::cos(0.7 * i as f64 + 0.2));
        let chol = h.clone().cholesky().unwrap();
        let xd = chol.solve(&rhs);
        let xs = DVector::from_vec(asm.hessian.solve(rhs.as_slice()));
        let rel = (&xd - &xs).amax() / xd.amax();
        assert!(rel < 1e-9, "relative difference {rel:e}");
        let ld: f64 = chol.l().diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        assert!((ld - asm.hessian.log_det()).abs() < 1e-9 * ld.abs(), "{ld}");
    }

    #[test]
    fn centre_is_stationary_for_the_dense_ball_form() {
        let (pool, pat, sp) = small(30, 6, 5, 6);
        let start = gate_network(&sp, &pool, &pat).unwrap();
        let c = analytic_centre(&sp, &start, &NewtonOptions::default()).unwrap();
        assert!(c.converged && sp.min_slack(&c.theta) > 0.0, "{c:?}");
        let n = sp.dim();
        let th = DVector::from_column_slice(&c.theta);
        let ball = 1.0 - th.norm_squared();
        let mut h =
            DMatrix::identity(n, n) * (2.0 / ball) + &th * th.transpose() * (4.0 / (ball * ball));
        let mut g = &th * (2.0 / ball);
        for (a, sr) in dense_rows(&sp).iter().zip(sp.slacks(&c.theta, 0)) {
            h += a * a.transpose() / (sr * sr);
            g -= a / sr;
        }
        let chol = h.cholesky().unwrap();
        let lam = g.dot(&chol.solve(&g)).sqrt();
        assert!(lam < 1e-8, "dense ball-form decrement {lam:e}");
        assert!(c.ball_decrement < 1e-8, "{}", c.ball_decrement);
        let ld: f64 = chol.l().diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        assert!(
            (ld - c.log_det).abs() < 1e-8 * ld.abs(),
            "{ld} vs {}",
            c.log_det
        );
    }
}
