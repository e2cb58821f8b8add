//! Lab 1: active learning of two-layer ReLU networks by cutting planes on the convex reformulation
//! (Zhang, Zhang, Pilanci, ICML 2025, arXiv 2410.02145).
//!
//! - [`pool`]: the pool with its bias column; [`patterns`]: sampled activation patterns.
//! - [`version_space`]: parameters, cuts (Theorem 4.1), predictions.
//! - [`centre`]: the analytic centre by homogeneity; [`hessian`]: its structured Newton solves;
//!   [`line_search`]: the line searches of the centring Newton methods; [`feasible`]: strictly
//!   feasible starts; [`dense`]: small Cholesky kernels and the ridge-regularised Gram solve.
//! - [`query`]: query rules; [`synthesis`]: queries synthesised off the pool; [`config`]: the
//!   settings; [`experiment`]: a run, its snapshots and report; [`run_json`]: config JSON in,
//!   report JSON out.
//! - [`regression`]: the tube cuts `|f_i - y_i| <= tau` of the `quadratic` task and their
//!   ball-form analytic centre (not homogeneous: damped Newton with a phase I).
//!
//! ## Where this differs from the authors' code (pilancilab/cpal, `src/cpal/cpal.py`)
//! - Barrier: the reference's centre maximises `log(R - ||s||) + sum log(-a^T s)`; here the ball
//!   term is `log(R^2 - ||theta||^2)`, which makes the centre `t* phi*` with `t*^2 = K/(K + 2)` in
//!   closed form (see [`centre`]). Both centres lie on the same ray; only the radius differs
//!   (`t* = K/(K + 1)` for the reference's term), so predictions' signs, queries and cuts agree.
//! - Solver: a damped Newton method on the structured Hessian instead of cvxpy (MOSEK / CLARABEL),
//!   warm-started from the previous centre.
//! - Query ties: at the first centre `theta = 0` every prediction is 0; the reference's strict
//!   comparisons then query one point twice and cut it twice; here two distinct points are queried
//!   and no point is ever cut twice ([`query::select`]).
//! - Stopping: the reference loops until `maxit` once the pool is spent (its query returns index
//!   -1); here the run stops cleanly ([`StopReason::PoolExhausted`]). A round stops revealing labels
//!   as soon as a budget is reached (the reference may overshoot its cut budget by one).
//! - Regression: the reference resets its tried list when every point has been tried and loops
//!   until `maxit`; here a new pass starts only if the last pass made a cut, otherwise the run stops
//!   ([`StopReason::PoolFitted`]); an empty version space stops it too
//!   ([`StopReason::VersionSpaceEmpty`]). The centre uses the ball form `log(R^2 - ||theta||^2)`
//!   (the reference: `log(R - ||theta||)`); with non-homogeneous rows the two centres differ
//!   slightly (not only in radius).
//! - Query synthesis is not in the reference code; its rule is ours ([`synthesis`]).
//! - Data: numpy's seed-0 permutation is not reproduced (see [`crate::data`]), and the duplicate
//!   patterns are kept in order of first appearance rather than sorted.

pub mod baselines;
pub mod centre;
pub mod cone_projection;
pub mod config;
pub mod curves;
pub mod dense;
pub mod experiment;
pub mod feasible;
pub mod final_solve;
pub mod fista;
pub mod hessian;
pub mod line_search;
pub mod oracle;
pub mod patterns;
pub mod pool;
pub mod query;
pub mod regression;
pub mod replay;
pub mod synthesis;
pub mod three_layer;
pub mod version_space;

pub use config::{Config, QueryRule};
pub use experiment::{Answer, Experiment, Report, Snapshot, StopReason, run_json};
pub use oracle::UserPoint;
pub use replay::RunRecord;
