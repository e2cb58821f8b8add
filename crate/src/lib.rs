//! # convexlab
//!
//! The compute crate of convexlab, an in-browser laboratory for modern optimization methods in
//! machine learning. The same code runs natively (the `convexlab` CLI, tests, benchmarks) and in the
//! browser as WebAssembly (two builds: single-threaded, and threaded through wasm-bindgen-rayon).
//!
//! Module map:
//! - [`error`]: the crate's one error type; every variant names the field and the bound.
//! - [`rng`]: seeded, portable random streams (ChaCha) and Gaussian matrices.
//! - [`linalg`]: small dense helpers over nalgebra shared by the labs, with a bit-portable product.
//! - [`determinism`]: a seeded reference computation whose bits must agree on every platform.
//! - [`bench`]: the benchmark workloads timed by criterion, the CLI and the page.
//! - [`labs`]: the names of the four labs and which of them are built.
//! - [`data`]: dataset presets and validation of user points.
//! - [`active`]: lab 1, active learning of ReLU networks by cutting planes.
//!
//! No clocks, no I/O and no global random state live in the numerical modules: randomness comes from a
//! seed through [`rng`], so a seed gives the same numbers natively and in wasm.

pub mod active;
pub mod bench;
pub mod data;
pub mod determinism;
pub mod error;
pub mod labs;
pub mod linalg;
pub mod rng;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
