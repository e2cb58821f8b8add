//! Deep active-learning baselines and the linear cutting-plane method, on the same protocol as the
//! cutting-plane method (Zhang, Zhang, Pilanci 2025, Section 5): one initial label chosen at
//! random (seeded), then one query per round among untried pool points, its label revealed by the
//! ground-truth oracle, and the model refitted on every labelled point.
//!
//! - [`net`]: the two-layer ReLU network and its full-batch Adam training;
//! - [`random`], [`uncertainty`] (least confidence, margin, entropy), [`bald`] (MC dropout),
//!   [`qbc`] (query by committee), [`linear_cp`] (Louche and Ralaivola 2015): the query rules;
//! - [`protocol`]: one run of a baseline, with its test accuracy after each label.
//!
//! ## Where this differs from the authors' baselines (pilancilab/cpal `deepal_baseline/`)
//! - Network: the reference's `Spiral_Net` has width 623 (its CPAL pattern count), dropout 0.5 on
//!   the hidden layer for every strategy, two-class softmax cross-entropy, and is trained by
//!   mini-batch SGD (batch 16, lr 0.001, momentum 0.9, weight decay 3e-3, 2000 epochs). Here the
//!   network has width 256 by default (any width may be set), dropout only where the method needs
//!   it (BALD), the equivalent single-logit logistic loss, and full-batch Adam (lr 0.01, 1000 steps,
//!   weight decay 1e-4): with at most 80 labels full-batch steps are exact gradients, and Adam fits
//!   every labelled set (see the tests), so the baselines are not under-trained.
//! - Every round retrains from the same seeded initial weights (the reference re-creates the
//!   network each round from torch's global generator).
//! - Query by committee: the reference's committee averages probabilities (consensus entropy);
//!   here votes are counted (vote entropy) and the consensus entropy breaks ties. The committee's
//!   first member is the evaluated model, the same network every other deep strategy evaluates.
//! - Linear cutting plane: the reference's cut has the wrong sign and its query uses the hidden
//!   label (`y_i w^T x_i`); here the cut is `y w^T x > 0` and the query is the untried point
//!   closest to the centre's hyperplane (`argmin |w^T x|`, a central cut), see [`linear_cp`].

pub mod bald;
pub mod linear_cp;
pub mod net;
pub mod protocol;
pub mod qbc;
pub mod random;
pub mod uncertainty;

use serde::{Deserialize, Serialize};

pub use net::{Net, NetConfig};
pub use protocol::{BaselineRun, run_baseline};

use crate::error::{Result, check_range_f64, check_range_usize};

/// A baseline query strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// A uniformly random untried point (passive learning).
    Random,
    /// Largest `1 - max(p, 1 - p)` of the network.
    LeastConfidence,
    /// Smallest gap `|p - (1 - p)|` between the two class probabilities.
    Margin,
    /// Largest predictive entropy `H(p)`.
    Entropy,
    /// Largest BALD mutual information under MC dropout.
    Bald,
    /// Largest vote entropy of a committee of networks.
    Qbc,
    /// The linear cutting-plane method: the point closest to the centre's hyperplane.
    LinearCp,
}

impl Baseline {
    /// Every baseline.
    pub const ALL: [Baseline; 7] = [
        Baseline::Random,
        Baseline::LeastConfidence,
        Baseline::Margin,
        Baseline::Entropy,
        Baseline::Bald,
        Baseline::Qbc,
        Baseline::LinearCp,
    ];

    /// The snake_case name configs use.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Random => "random",
            Baseline::LeastConfidence => "least_confidence",
            Baseline::Margin => "margin",
            Baseline::Entropy => "entropy",
            Baseline::Bald => "bald",
            Baseline::Qbc => "qbc",
            Baseline::LinearCp => "linear_cp",
        }
    }
}

/// Hyper-parameters of the baselines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaselineParams {
    /// The network and its training (every deep baseline).
    pub net: NetConfig,
    /// BALD's dropout probability on the hidden layer (training and queries), in `[0.05, 0.9]`.
    pub dropout: f64,
    /// BALD's stochastic forward passes `T`, in `[2, 1000]`.
    pub mc_passes: usize,
    /// Query-by-committee members `K`, in `[2, 50]`.
    pub committee: usize,
    /// Whether committee members after the first train on bootstrap resamples of the labelled
    /// points (query by bagging) besides their own initial weights.
    pub bootstrap: bool,
    /// Ball radius `R` of the linear cutting-plane method, in `[1e-6, 1e6]` (the centre's
    /// direction, hence its predictions, does not depend on it).
    pub linear_radius: f64,
}

impl Default for BaselineParams {
    /// [`NetConfig::default`], dropout 0.5 (the reference's), 20 MC passes, a committee of 5
    /// without bootstrap, `R = 1`.
    fn default() -> Self {
        BaselineParams {
            net: NetConfig::default(),
            dropout: 0.5,
            mc_passes: 20,
            committee: 5,
            bootstrap: false,
            linear_radius: 1.0,
        }
    }
}

impl BaselineParams {
    /// Checks the ranges; errors name `prefix.<field>` (`prefix.net.<field>` for the network) and
    /// the bound.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        self.net.validate(&format!("{prefix}.net"))?;
        check_range_f64(&format!("{prefix}.dropout"), self.dropout, 0.05, 0.9)?;
        check_range_usize(&format!("{prefix}.mc_passes"), self.mc_passes, 2, 1000)?;
        check_range_usize(&format!("{prefix}.committee"), self.committee, 2, 50)?;
        check_range_f64(
            &format!("{prefix}.linear_radius"),
            self.linear_radius,
            1e-6,
            1e6,
        )?;
        Ok(())
    }
}
