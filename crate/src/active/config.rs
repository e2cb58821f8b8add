//! The active-learning lab's configuration: the unit of sharing (URL hash, "copy config", CLI).

use serde::{Deserialize, Serialize};

use super::centre::NewtonOptions;
use crate::data::DataSpec;
use crate::error::{Error, Result, check_range_f64, check_range_usize};

/// Which pool points to query each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryRule {
    /// The paper's spiral rule (the reference's `cutting_plane_classification`): among untried pool
    /// points, `argmin f_i(c)` and `argmax f_i(c)` (the most confident of each sign; two distinct
    /// points, see [`super::query::select`]); both labels are revealed and judged against the same
    /// centre.
    ConfidentPair,
    /// `argmin |f_i(c)|`: the least confident point, one per round.
    LeastConfident,
    /// Query synthesis (classification only): one point per round off the pool, the candidate of a
    /// fixed grid nearest the centre network's decision boundary, ties broken by the largest
    /// distance to the labelled points (rule in [`super::synthesis`]); it joins the pool with its
    /// pattern row from the kept gates, and becomes a cut if the centre's network gets it wrong
    /// (`y f(x; c) <= 0`).
    Synthesis,
}

/// Settings of one active-learning run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The dataset preset (train split = pool, test split = accuracy).
    pub data: DataSpec,
    /// Number of sampled gates `P`, in `[1, 20_000]`.
    pub gates: usize,
    /// Seed of the gates.
    pub gate_seed: u64,
    /// Radius `R` of the initial ball, in `[1e-6, 1e6]`.
    pub radius: f64,
    /// The query rule.
    pub query: QueryRule,
    /// Stop after this many cuts, in `[1, 2_000]`.
    pub budget_cuts: usize,
    /// Stop after this many revealed labels, in `[1, 10_000]`.
    pub budget_labels: usize,
    /// Newton decrement tolerance of each centre, in `[1e-14, 1e-2]`.
    pub newton_tol: f64,
    /// Most Newton steps per centre, in `[1, 10_000]`.
    pub newton_max_steps: usize,
    /// Query synthesis: candidate points per axis of its grid, in `[2, 401]` (and at most
    /// [`super::synthesis::MAX_CANDIDATES`] candidates in all).
    pub synthesis_resolution: usize,
    /// Query synthesis: how far the grid's box extends past the bounding box of the pool and test
    /// inputs, as a fraction of its extent on each axis, in `[0, 1]`.
    pub synthesis_margin: f64,
    /// Regression: the tube half-width `tau` of the cuts `|f_i(theta) - y_i| <= tau` (a point the
    /// centre predicts within `tau` is not cut), in `[1e-8, 10]`.
    pub regression_tol: f64,
}

impl Default for Config {
    /// The paper's spiral protocol: 100-point spiral, `P = 1000`, gate seed 0, `R = 1`, the
    /// confident-pair rule, 50 cuts, labels unbounded (10 000); synthesis grid 41 per axis with a
    /// 10 % margin; regression tube `tau = 1e-3` (the paper's).
    fn default() -> Self {
        let newton = NewtonOptions::default();
        Config {
            data: DataSpec::default(),
            gates: 1000,
            gate_seed: 0,
            radius: 1.0,
            query: QueryRule::ConfidentPair,
            budget_cuts: 50,
            budget_labels: 10_000,
            newton_tol: newton.tol,
            newton_max_steps: newton.max_steps,
            synthesis_resolution: 41,
            synthesis_margin: 0.1,
            regression_tol: 1e-3,
        }
    }
}

/// Largest `2 d m x min(budget_cuts, pool)` the structured solver may allocate per array
/// (about 400 MB of `f64` in all): bounds the memory a config can ask for.
pub const MAX_WORK: usize = 10_000_000;

impl Config {
    /// Checks every field; errors name `active.<field>` and the bound.
    pub fn validate(&self) -> Result<()> {
        self.data.validate("active.data")?;
        check_range_usize("active.gates", self.gates, 1, 20_000)?;
        check_range_f64("active.radius", self.radius, 1e-6, 1e6)?;
        check_range_usize("active.budget_cuts", self.budget_cuts, 1, 2_000)?;
        check_range_usize("active.budget_labels", self.budget_labels, 1, 10_000)?;
        check_range_f64("active.newton_tol", self.newton_tol, 1e-14, 1e-2)?;
        check_range_usize("active.newton_max_steps", self.newton_max_steps, 1, 10_000)?;
        check_range_usize(
            "active.synthesis_resolution",
            self.synthesis_resolution,
            2,
            401,
        )?;
        check_range_f64("active.synthesis_margin", self.synthesis_margin, 0.0, 1.0)?;
        check_range_f64("active.regression_tol", self.regression_tol, 1e-8, 10.0)?;
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
    /// field `active config`. Does not validate.
    pub fn from_json(json: &str) -> Result<Config> {
        serde_json::from_str(json).map_err(|e| Error::Parse {
            field: "active config".into(),
            message: e.to_string(),
        })
    }
}
