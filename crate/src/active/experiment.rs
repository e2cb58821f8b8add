//! One active-learning run (Algorithm 1 of Zhang, Zhang, Pilanci 2025 with the reference's spiral
//! protocol): query pool points from the analytic centre's predictions, reveal their labels from the
//! ground-truth oracle, cut where the centre is wrong, recentre.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::centre::{Centre, analytic_centre};
use super::config::{Config, MAX_WORK};
use super::feasible::{gate_network, warm_start};
use super::patterns::Patterns;
use super::pool::Pool;
use super::query::select;
use super::version_space::{VersionSpace, network_output, pool_prediction};
use crate::data::Dataset;
use crate::error::{Error, Result};

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `budget_cuts` cuts were made.
    BudgetCuts,
    /// `budget_labels` labels were revealed.
    BudgetLabels,
    /// Every pool point has been tried.
    PoolExhausted,
}

/// One revealed label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// Pool index.
    pub point: usize,
    /// The revealed label `±1`.
    pub label: f64,
    /// The centre's prediction `f_i(c)` when the point was chosen.
    pub prediction: f64,
    /// Whether it became a cut (the centre got it wrong: `y f_i(c) <= 0`).
    pub cut: bool,
}

/// What happened in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    /// Round number, from 1.
    pub round: usize,
    /// Labels revealed this round.
    pub queries: Vec<Query>,
    /// Labels revealed so far (cut or not).
    pub labels_used: usize,
    /// Cuts so far.
    pub cuts: usize,
    /// Linear constraints (rows) so far, `cuts (1 + 2m)`; the ball is one more.
    pub constraints: usize,
    /// Test accuracy of the centre's ReLU network (`y f(x) > 0` counts as right); `None` without
    /// test points.
    pub test_accuracy: Option<f64>,
    /// Newton steps for this round's centre (0 if there was no new cut).
    pub newton_steps: usize,
    /// `log det` of the ball-form barrier's Hessian at the centre (larger = smaller version space).
    pub log_det: f64,
    /// Ball-form Newton decrement at the centre.
    pub ball_decrement: f64,
}

/// What the page draws after a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Rounds so far.
    pub round: usize,
    /// Labels revealed so far.
    pub labels_used: usize,
    /// Cuts so far.
    pub cuts: usize,
    /// Pool indices of the cut points, in order.
    pub cut_points: Vec<usize>,
    /// The last round's queries.
    pub queries: Vec<Query>,
    /// Test accuracy of the current centre.
    pub test_accuracy: Option<f64>,
    /// Newton steps of the last centre.
    pub newton_steps: usize,
    /// `log det` of the ball-form Hessian at the centre.
    pub log_det: f64,
    /// Set once the run has stopped.
    pub stopped: Option<StopReason>,
}

/// The run's outcome, as the CLI prints it and tests assert on.
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
    /// Distinct activation patterns `m`.
    pub patterns: usize,
    /// Parameters `2 d m`.
    pub parameters: usize,
    /// Per-round records.
    pub rounds: Vec<RoundRecord>,
    /// Cuts made.
    pub cuts: usize,
    /// Labels revealed.
    pub labels_used: usize,
    /// Pool indices of the cut points, in order.
    pub cut_points: Vec<usize>,
    /// Why the run stopped (`None` if it has not).
    pub stop: Option<StopReason>,
    /// Final test accuracy of the centre.
    pub test_accuracy: Option<f64>,
    /// Final accuracy of the centre's ReLU network on the whole pool (hidden labels included).
    pub pool_accuracy: Option<f64>,
    /// Newton steps over all centres.
    pub newton_steps_total: usize,
    /// Most Newton steps of any centre.
    pub newton_steps_max: usize,
}

/// A run in progress.
#[derive(Debug, Clone)]
pub struct Experiment {
    config: Config,
    dataset: String,
    pool: Pool,
    test: Pool,
    patterns: Patterns,
    vs: VersionSpace,
    centre: Centre,
    tried: Vec<bool>,
    labels_used: usize,
    rounds: Vec<RoundRecord>,
    stop: Option<StopReason>,
    /// Test accuracy of the current centre (recomputed when the centre moves).
    accuracy: Option<f64>,
}

impl Experiment {
    /// Validates `config`, builds the pool from `data`'s train split (test split for accuracy),
    /// samples the patterns and starts at the centre of the ball (`theta = 0`).
    pub fn new(config: Config, data: &Dataset) -> Result<Experiment> {
        config.validate()?;
        let (pool, test) = Pool::from_dataset(data)?;
        let patterns = Patterns::sample(&pool, config.gates, config.gate_seed);
        let work = 2 * pool.d * patterns.m * config.budget_cuts.min(pool.n);
        if work > MAX_WORK {
            let max = (MAX_WORK / (2 * pool.d * patterns.m)).max(1);
            return Err(Error::out_of_range(
                "active.budget_cuts",
                config.budget_cuts,
                1,
                format!("{max} for {} patterns", patterns.m),
            ));
        }
        let vs = VersionSpace::new(config.radius, pool.d, patterns.m);
        let centre = Centre::of_ball(&vs);
        let test_accuracy = accuracy(&test, &centre.theta);
        Ok(Experiment {
            tried: vec![false; pool.n],
            dataset: data.name.clone(),
            config,
            pool,
            test,
            patterns,
            vs,
            centre,
            labels_used: 0,
            rounds: Vec::new(),
            stop: None,
            accuracy: test_accuracy,
        })
    }

    /// One round: choose points by the query rule, reveal their labels (stopping at either
    /// budget), cut each one the current centre gets wrong, and recentre if anything was cut.
    pub fn step(&mut self) -> Result<Snapshot> {
        if self.stop.is_some() {
            return Ok(self.snapshot());
        }
        let theta = &self.centre.theta;
        let f: Vec<f64> = (0..self.pool.n)
            .map(|i| pool_prediction(&self.pool, &self.patterns, i, theta))
            .collect();
        let picks = select(self.config.query, &f, &self.tried);
        if picks.is_empty() {
            self.stop = Some(StopReason::PoolExhausted);
            return Ok(self.snapshot());
        }
        let first_new = self.vs.cuts();
        let mut queries = Vec::new();
        for i in picks {
            if self.labels_used >= self.config.budget_labels
                || self.vs.cuts() >= self.config.budget_cuts
            {
                break;
            }
            let y = self.pool.y[i];
            self.tried[i] = true;
            self.labels_used += 1;
            let cut = y * f[i] <= 0.0;
            if cut {
                self.vs.add_cut(&self.pool, &self.patterns, i, y)?;
            }
            queries.push(Query {
                point: i,
                label: y,
                prediction: f[i],
                cut,
            });
        }
        let mut newton_steps = 0;
        if self.vs.cuts() > first_new {
            let p = gate_network(&self.vs, &self.patterns)?;
            let prev = (first_new > 0).then_some(self.centre.phi.as_slice());
            let start = warm_start(&self.vs, prev, first_new, &p);
            self.centre = analytic_centre(&self.vs, &start, &self.config.newton())?;
            newton_steps = self.centre.newton_steps;
            self.accuracy = accuracy(&self.test, &self.centre.theta);
        }
        self.rounds.push(RoundRecord {
            round: self.rounds.len() + 1,
            queries,
            labels_used: self.labels_used,
            cuts: self.vs.cuts(),
            constraints: self.vs.rows(),
            test_accuracy: self.test_accuracy(),
            newton_steps,
            log_det: self.centre.log_det,
            ball_decrement: self.centre.ball_decrement,
        });
        self.stop = if self.vs.cuts() >= self.config.budget_cuts {
            Some(StopReason::BudgetCuts)
        } else if self.labels_used >= self.config.budget_labels {
            Some(StopReason::BudgetLabels)
        } else if self.tried.iter().all(|&t| t) {
            Some(StopReason::PoolExhausted)
        } else {
            None
        };
        Ok(self.snapshot())
    }

    /// Steps until a budget is spent or the pool runs out (each round reveals at least one label,
    /// so this ends), and returns the report.
    pub fn run(&mut self) -> Result<Report> {
        while self.stop.is_none() {
            self.step()?;
        }
        Ok(self.report())
    }

    /// The current state, small enough to send every frame.
    pub fn snapshot(&self) -> Snapshot {
        let last = self.rounds.last();
        Snapshot {
            round: self.rounds.len(),
            labels_used: self.labels_used,
            cuts: self.vs.cuts(),
            cut_points: self.vs.points.clone(),
            queries: last.map(|r| r.queries.clone()).unwrap_or_default(),
            test_accuracy: self.test_accuracy(),
            newton_steps: last.map_or(0, |r| r.newton_steps),
            log_det: self.centre.log_det,
            stopped: self.stop,
        }
    }

    /// The report so far.
    pub fn report(&self) -> Report {
        Report {
            config: self.config.clone(),
            dataset: self.dataset.clone(),
            pool_size: self.pool.n,
            test_size: self.test.n,
            patterns: self.patterns.m,
            parameters: self.vs.dim(),
            rounds: self.rounds.clone(),
            cuts: self.vs.cuts(),
            labels_used: self.labels_used,
            cut_points: self.vs.points.clone(),
            stop: self.stop,
            test_accuracy: self.test_accuracy(),
            pool_accuracy: accuracy(&self.pool, &self.centre.theta),
            newton_steps_total: self.rounds.iter().map(|r| r.newton_steps).sum(),
            newton_steps_max: self
                .rounds
                .iter()
                .map(|r| r.newton_steps)
                .max()
                .unwrap_or(0),
        }
    }

    /// Test accuracy of the centre's ReLU network (`None` without test points).
    pub fn test_accuracy(&self) -> Option<f64> {
        self.accuracy
    }

    /// The current analytic centre.
    pub fn centre(&self) -> &Centre {
        &self.centre
    }

    /// The version space (cuts so far).
    pub fn version_space(&self) -> &VersionSpace {
        &self.vs
    }

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The sampled patterns.
    pub fn patterns(&self) -> &Patterns {
        &self.patterns
    }

    /// The centre's ReLU network at an input point `p` (without bias; `dim` entries).
    pub fn predict(&self, p: &[f64]) -> f64 {
        let mut x = p.to_vec();
        x.push(1.0);
        network_output(&x, &self.centre.theta)
    }

    /// The centre's network on an `nx x ny` grid over `[x0, x1] x [y0, y1]` (planar data), row by
    /// row from `y0` (row-major `ny x nx`), rows computed in parallel (bit-identical either way).
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
        out.par_chunks_mut(nx).enumerate().for_each(|(r, row)| {
            let y = step(y0, y1, ny, r);
            for (c, v) in row.iter_mut().enumerate() {
                *v = network_output(&[step(x0, x1, nx, c), y, 1.0], &self.centre.theta);
            }
        });
        out
    }
}

/// Fraction of `pool`'s points where the ReLU network of `theta` has `y f(x) > 0`.
fn accuracy(pool: &Pool, theta: &[f64]) -> Option<f64> {
    if pool.n == 0 {
        return None;
    }
    let right = (0..pool.n)
        .filter(|&i| pool.y[i] * network_output(pool.row(i), theta) > 0.0)
        .count();
    Some(right as f64 / pool.n as f64)
}

/// Parses a JSON [`Config`], validates it, generates its dataset, runs to a budget or pool
/// exhaustion with the ground-truth oracle, and returns the JSON [`Report`]. Malformed JSON is an
/// [`Error::Parse`] with field `active config`.
pub fn run_json(config_json: &str) -> Result<String> {
    let config = Config::from_json(config_json)?;
    config.validate()?;
    let data = config.data.generate()?;
    let report = Experiment::new(config, &data)?.run()?;
    serde_json::to_string(&report).map_err(|e| Error::Numerical {
        what: "serialising the active report".into(),
        reason: e.to_string(),
    })
}
