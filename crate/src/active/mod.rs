//! Lab 1: active learning of two-layer ReLU networks by cutting planes on the convex reformulation
//! (Zhang, Zhang, Pilanci, ICML 2025, arXiv 2410.02145).
//!
//! - [`pool`]: the pool with its bias column; [`patterns`]: sampled activation patterns.
//! - [`version_space`]: parameters, cuts (Theorem 4.1), predictions.
//! - [`centre`]: the analytic centre by homogeneity; [`hessian`]: its structured Newton solves;
//!   [`feasible`]: strictly feasible starts; [`dense`]: small Cholesky kernels.
//! - [`query`]: query rules; [`config`]: the settings; [`experiment`]: a run, its snapshots and
//!   report; [`run_json`]: config JSON in, report JSON out.

pub mod centre;
pub mod config;
pub mod dense;
pub mod experiment;
pub mod feasible;
pub mod hessian;
pub mod patterns;
pub mod pool;
pub mod query;
pub mod version_space;

pub use config::{Config, QueryRule};
pub use experiment::{Experiment, Report, Snapshot, StopReason, run_json};
