//! The benchmark workloads: the yardstick for speed work. Each [`Workload`] owns its seeded inputs
//! and runs one kernel once per [`Workload::run`]; the caller times it (criterion and the CLI natively,
//! `performance.now()` in the page), so this module has no clock.

use crate::active::{Config as ActiveConfig, Experiment};
use crate::data::Dataset;
use crate::error::{Error, Result, check_range_usize};
use crate::linalg::par_matmul;
use crate::rng::Stream;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// A kernel to time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// nalgebra's product of two n x n matrices (`matrixmultiply` underneath): 2 n^3 flops.
    Matmul,
    /// Cholesky factorisation of an n x n SPD matrix and one solve: n^3 / 3 + 2 n^2 flops.
    CholeskySolve,
    /// Full SVD (singular values and both factors) of an n x n matrix. Counted as 22 n^3 flops, the
    /// Golub-Van Loan operation count, so GFLOP/s compare like with like across builds.
    Svd,
    /// The bit-portable product [`par_matmul`] with column blocks on rayon threads: 2 n^3 flops.
    ParallelMatmul,
    /// Lab 1: one full active-learning run on the paper's spiral with `P = n` gates (the paper's
    /// protocol, [`crate::active::Config::default`]) until the pool runs out. Not a flop count:
    /// timed per run, with Newton steps per centre in the detail.
    ActiveSpiral,
}

impl Kernel {
    /// Every kernel, in display order.
    pub const ALL: [Kernel; 5] = [
        Kernel::Matmul,
        Kernel::CholeskySolve,
        Kernel::Svd,
        Kernel::ParallelMatmul,
        Kernel::ActiveSpiral,
    ];

    /// The snake_case name used in JSON, the CLI and the page.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Matmul => "matmul",
            Kernel::CholeskySolve => "cholesky_solve",
            Kernel::Svd => "svd",
            Kernel::ParallelMatmul => "parallel_matmul",
            Kernel::ActiveSpiral => "active_spiral",
        }
    }

    /// The kernel called `name`, or an error naming the field `bench.kernel`.
    pub fn from_name(name: &str) -> Result<Kernel> {
        Kernel::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| Error::UnknownName {
                field: "bench.kernel".into(),
                value: name.into(),
                expected: Kernel::ALL.map(Kernel::name).join(", "),
            })
    }

    /// Floating-point operations of one run at size `n` (see each variant); `None` for a lab
    /// workload, which is timed per run instead.
    pub fn flops(self, n: usize) -> Option<f64> {
        let n = n as f64;
        match self {
            Kernel::Matmul | Kernel::ParallelMatmul => Some(2.0 * n * n * n),
            Kernel::CholeskySolve => Some(n * n * n / 3.0 + 2.0 * n * n),
            Kernel::Svd => Some(22.0 * n * n * n),
            Kernel::ActiveSpiral => None,
        }
    }
}

/// The standard suite: (kernel, n) pairs the issue asks for.
pub const SUITE: [(Kernel, usize); 9] = [
    (Kernel::Matmul, 128),
    (Kernel::Matmul, 256),
    (Kernel::Matmul, 512),
    (Kernel::CholeskySolve, 256),
    (Kernel::Svd, 256),
    (Kernel::ParallelMatmul, 128),
    (Kernel::ParallelMatmul, 256),
    (Kernel::ParallelMatmul, 512),
    (Kernel::ActiveSpiral, 1000),
];

/// Largest accepted matrix size (a 2048 x 2048 f64 matrix is 32 MiB).
pub const MAX_N: usize = 2048;

/// A kernel with its seeded inputs, ready to run repeatedly.
pub struct Workload {
    kernel: Kernel,
    n: usize,
    a: DMatrix<f64>,
    b: DMatrix<f64>,
    /// Lab 1's spiral, for [`Kernel::ActiveSpiral`].
    spiral: Option<Dataset>,
    /// What the last run reported beyond its time (e.g. Newton steps per centre).
    detail: Option<String>,
    /// Written by each run so the optimiser cannot drop the work.
    sink: f64,
}

impl Workload {
    /// Makes the inputs for `kernel` at size `n` (1 to [`MAX_N`]) from `seed`.
    pub fn new(kernel: Kernel, n: usize, seed: u64) -> Result<Workload> {
        if kernel == Kernel::ActiveSpiral {
            check_range_usize("bench.n", n, 1, 20_000)?;
            return Ok(Workload {
                kernel,
                n,
                a: DMatrix::zeros(0, 0),
                b: DMatrix::zeros(0, 0),
                spiral: Some(ActiveConfig::default().data.generate()?),
                detail: None,
                sink: 0.0,
            });
        }
        check_range_usize("bench.n", n, 1, MAX_N)?;
        let mut s = Stream::new(seed);
        let a = s.gaussian_matrix(n, n);
        let b = match kernel {
            // A well-conditioned SPD matrix: A^T A / n + I.
            Kernel::CholeskySolve => {
                let mut h = a.transpose() * &a / n as f64;
                for i in 0..n {
                    h[(i, i)] += 1.0;
                }
                h
            }
            _ => s.gaussian_matrix(n, n),
        };
        Ok(Workload {
            kernel,
            n,
            a,
            b,
            spiral: None,
            detail: None,
            sink: 0.0,
        })
    }

    /// The kernel this workload runs.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The matrix size n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Flops of one run (`None` for a lab workload).
    pub fn flops(&self) -> Option<f64> {
        self.kernel.flops(self.n)
    }

    /// What the last run reported beyond its time, e.g. `"17 cuts, 11.8 Newton steps per centre"`.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Runs the kernel once and returns a checksum of its output (so the work is observable).
    pub fn run(&mut self) -> f64 {
        let v = match self.kernel {
            Kernel::Matmul => (&self.a * &self.b)[(0, 0)],
            Kernel::ParallelMatmul => par_matmul(&self.a, &self.b)[(0, 0)],
            Kernel::CholeskySolve => {
                let rhs = self.a.column(0).into_owned();
                self.b
                    .clone()
                    .cholesky()
                    .map(|c| c.solve(&rhs)[0])
                    .unwrap_or(f64::NAN)
            }
            Kernel::Svd => self.a.clone().svd(true, true).singular_values[0],
            Kernel::ActiveSpiral => self.active_spiral_run(),
        };
        self.sink += v;
        v
    }

    /// One lab-1 run to pool exhaustion; returns the final test accuracy (NaN if the run failed).
    fn active_spiral_run(&mut self) -> f64 {
        let data = self
            .spiral
            .as_ref()
            .expect("ActiveSpiral workloads hold the spiral");
        let config = ActiveConfig {
            gates: self.n,
            ..ActiveConfig::default()
        };
        match Experiment::new(config, data).and_then(|mut e| e.run()) {
            Ok(report) => {
                let centres = report.rounds.iter().filter(|r| r.newton_steps > 0).count();
                self.detail = Some(format!(
                    "{} patterns, {} cuts, {:.1} Newton steps per centre",
                    report.patterns,
                    report.cuts,
                    report.newton_steps_total as f64 / centres.max(1) as f64
                ));
                report.test_accuracy.unwrap_or(f64::NAN)
            }
            Err(e) => {
                self.detail = Some(format!("failed: {e}"));
                f64::NAN
            }
        }
    }

    /// The sum of every checksum returned so far.
    pub fn sink(&self) -> f64 {
        self.sink
    }
}

/// One timed result, as the CLI prints it and the page shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timing {
    /// Kernel name.
    pub kernel: String,
    /// Matrix size n.
    pub n: usize,
    /// Median seconds per run.
    pub seconds: f64,
    /// Flops of one run divided by the median time, in GFLOP/s (`None` for a lab workload).
    pub gflops: Option<f64>,
    /// What the run reported beyond its time (lab workloads), e.g. Newton steps per centre.
    pub detail: Option<String>,
    /// Number of timed runs.
    pub runs: usize,
    /// Threads rayon had (1 without a pool).
    pub threads: usize,
}

/// Builds a [`Timing`] from per-run durations in seconds (uses the median).
pub fn timing_from_samples(workload: &Workload, samples: &mut [f64]) -> Timing {
    samples.sort_by(f64::total_cmp);
    let median = if samples.is_empty() {
        f64::NAN
    } else {
        samples[samples.len() / 2]
    };
    Timing {
        kernel: workload.kernel().name().into(),
        n: workload.n(),
        seconds: median,
        gflops: workload.flops().map(|f| f / median / 1e9),
        detail: workload.detail().map(str::to_string),
        runs: samples.len(),
        threads: rayon::current_num_threads(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_runs_and_gives_a_finite_checksum() {
        for kernel in Kernel::ALL {
            let n = if kernel == Kernel::ActiveSpiral {
                100
            } else {
                16
            };
            let mut w = Workload::new(kernel, n, 1).unwrap();
            assert!(w.run().is_finite(), "{kernel:?}");
            assert_eq!(Kernel::from_name(kernel.name()).unwrap(), kernel);
        }
    }

    #[test]
    fn sizes_are_checked() {
        let e = Workload::new(Kernel::Svd, 0, 1).err().unwrap();
        assert_eq!(
            e.to_string(),
            "bench.n = 0 is out of range: it must be between 1 and 2048"
        );
        assert!(Kernel::from_name("fft").is_err());
    }

    #[test]
    fn median_timing() {
        let w = Workload::new(Kernel::Matmul, 10, 1).unwrap();
        let t = timing_from_samples(&w, &mut [3.0, 1.0, 2.0]);
        assert_eq!(t.seconds, 2.0);
        assert!((t.gflops.unwrap() - 2000.0 / 2.0 / 1e9).abs() < 1e-18);
    }
}
