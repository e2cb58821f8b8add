//! One active-learning run (Algorithm 1 of Zhang, Zhang, Pilanci 2025 with the reference's spiral
//! protocol): query pool points from the analytic centre's predictions, reveal their labels, cut
//! where the centre is wrong, recentre.
//!
//! The oracle is either the dataset's ground truth ([`Experiment::step`], [`Experiment::run`]) or a
//! person: [`Experiment::propose`] starts a round and leaves its points pending,
//! [`Experiment::answer`] reveals one label at a time, [`Experiment::undo`] takes the last one back.
//! `step` is `propose` followed by `answer` with the hidden labels in query order, so both paths
//! share one implementation and give the same bits.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::centre::{Centre, analytic_centre};
use super::config::{Config, MAX_WORK, QueryRule};
use super::feasible::{gate_network, warm_start};
use super::patterns::Patterns;
use super::pool::Pool;
use super::query::select;
use super::regression::{Outcome, Tube, regression_centre};
use super::synthesis::{CandidateGrid, pattern_row, synthesise};
use super::version_space::{VersionSpace, network_output, pool_prediction};
use crate::data::{Dataset, Task};
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
    /// Query synthesis: every candidate of the grid has been labelled.
    CandidatesExhausted,
    /// Regression: a whole pass over the pool points not yet cut made no cut (the centre fits every
    /// one within `tau`), so further passes would query the same points at the same centre.
    PoolFitted,
    /// Regression: the last cuts left no network with the sampled patterns inside the ball that
    /// fits every cut target within `tau` (certified by the phase-I bound of
    /// [`super::regression`]); the centre stays where it was.
    VersionSpaceEmpty,
    /// Regression: the sampled gates cannot interpolate the cut targets within `tau / 2`, so no
    /// strictly feasible start was found for the new centre (the version space may be empty, but
    /// this is not certified); the centre stays where it was.
    NoFeasibleStart,
}

/// One revealed label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// Pool index.
    pub point: usize,
    /// The revealed label `±1` (regression: the target `y_i`).
    pub label: f64,
    /// The centre's prediction `f_i(c)` when the point was chosen.
    pub prediction: f64,
    /// Whether it became a cut (the centre got it wrong: `y f_i(c) <= 0`; regression:
    /// `|f_i(c) - y_i| > tau`).
    pub cut: bool,
}

/// One answered label, as the run records it for undo and replay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Pool index.
    pub point: usize,
    /// The label given, `±1`.
    pub label: f64,
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
    /// Regression: root mean square error of the centre's network on the test points; omitted
    /// from JSON otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rmse: Option<f64>,
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
    /// Pool points proposed this round and still waiting for a label, in query order (see
    /// [`Experiment::propose`]); omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<usize>,
    /// Labels answered so far in the round in progress (the round's record is written when it
    /// ends); omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answered: Vec<Query>,
    /// Query synthesis: inputs of the synthesised pool points (row-major, `dim` each, without
    /// bias); the `k`-th is pool point `pool_size - synthesised + k`. Omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synthesized: Vec<f64>,
    /// Regression: test RMSE of the current centre; omitted from JSON otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rmse: Option<f64>,
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
    /// Query synthesis: inputs of the synthesised points (row-major, `dim` each, without bias),
    /// which are pool points `pool_size ..` in order (`pool_size` counts the original pool only).
    /// Omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synthesized: Vec<f64>,
    /// Regression: final test RMSE of the centre's network; omitted from JSON otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rmse: Option<f64>,
    /// Regression: final RMSE on the whole pool (hidden targets included); omitted otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_rmse: Option<f64>,
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
    /// The round in progress: proposed points still waiting for a label, in query order.
    pub(crate) pending: Vec<usize>,
    /// `f_i(c)` of each pending point at the centre that proposed it.
    pub(crate) pending_f: Vec<f64>,
    /// Labels answered so far in the round in progress.
    pub(crate) answered: Vec<Query>,
    /// Cuts at the start of the round in progress.
    pub(crate) round_first_cut: usize,
    /// Every answered label, in order (what [`Experiment::undo`] and the run record replay).
    pub(crate) answers: Vec<Answer>,
    /// Size of the original pool; synthesised points are pool points `base_n..`.
    pub(crate) base_n: usize,
    /// The candidate grid of query synthesis (`None` for the pool rules).
    grid: Option<CandidateGrid>,
    /// Whether this is a regression run (the `quadratic` preset): tube cuts, targets as labels.
    regression: bool,
    /// Regression: targets of the cut points, in cut order.
    targets: Vec<f64>,
    /// Regression: cuts at the start of the current pass over the pool.
    pass_first_cut: usize,
}

impl Experiment {
    /// Validates `config`, builds the pool from `data`'s train split (test split for accuracy),
    /// samples the patterns and starts at the centre of the ball (`theta = 0`).
    pub fn new(config: Config, data: &Dataset) -> Result<Experiment> {
        config.validate()?;
        let (pool, test) = if data.task == Task::Regression {
            for (i, v) in data
                .train_x
                .iter()
                .chain(&data.test_x)
                .chain(&data.train_y)
                .chain(&data.test_y)
                .enumerate()
            {
                if !v.is_finite() {
                    return Err(Error::NotFinite {
                        field: format!("data value {i}"),
                        value: v.to_string(),
                    });
                }
            }
            (
                Pool::with_bias(&data.train_x, data.dim, &data.train_y),
                Pool::with_bias(&data.test_x, data.dim, &data.test_y),
            )
        } else {
            Pool::from_dataset(data)?
        };
        let patterns = Patterns::sample(&pool, config.gates, config.gate_seed);
        Experiment::from_parts(config, data.name.clone(), pool, test, patterns)
    }

    /// A fresh run (no labels yet) on a given pool, test set and patterns: checks the work bound
    /// and starts at the centre of the ball. `config` must already be validated.
    pub(crate) fn from_parts(
        config: Config,
        dataset: String,
        pool: Pool,
        test: Pool,
        patterns: Patterns,
    ) -> Result<Experiment> {
        let synthesis = config.query == QueryRule::Synthesis;
        let regression = is_regression(&dataset);
        if synthesis && regression {
            return Err(Error::UnknownName {
                field: "active.query".into(),
                value: "synthesis".into(),
                expected: "confident_pair or least_confident for regression".into(),
            });
        }
        let max_cuts = if synthesis {
            config.budget_cuts
        } else {
            config.budget_cuts.min(pool.n)
        };
        let work = 2 * pool.d * patterns.m * max_cuts;
        if work > MAX_WORK {
            let max = (MAX_WORK / (2 * pool.d * patterns.m)).max(1);
            return Err(Error::out_of_range(
                "active.budget_cuts",
                config.budget_cuts,
                1,
                format!("{max} for {} patterns", patterns.m),
            ));
        }
        let grid = if synthesis {
            Some(CandidateGrid::around(
                &pool,
                &test,
                config.synthesis_margin,
                config.synthesis_resolution,
            )?)
        } else {
            None
        };
        let vs = VersionSpace::new(config.radius, pool.d, patterns.m);
        let centre = Centre::of_ball(&vs);
        let test_accuracy = if regression {
            None
        } else {
            accuracy(&test, &centre.theta)
        };
        Ok(Experiment {
            tried: vec![false; pool.n],
            base_n: pool.n,
            dataset,
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
            pending: Vec::new(),
            pending_f: Vec::new(),
            answered: Vec::new(),
            round_first_cut: 0,
            answers: Vec::new(),
            grid,
            regression,
            targets: Vec::new(),
            pass_first_cut: 0,
        })
    }

    /// One round with the ground-truth oracle: [`Self::propose`] points by the query rule, then
    /// [`Self::answer`] each with its hidden label in query order (the round ends early at either
    /// budget): each point the current centre gets wrong becomes a cut, and the centre moves if
    /// anything was cut. A round already in progress (proposed, partly answered) is finished.
    /// Errors (field `active.label`) if a pending point has no known label (a user point waiting
    /// for the person).
    pub fn step(&mut self) -> Result<Snapshot> {
        self.propose()?;
        if let Some(&i) = self
            .pending
            .iter()
            .find(|&&i| self.known_label(i).is_none())
        {
            return Err(Error::UnknownName {
                field: "active.label".into(),
                value: format!("unknown (pool point {i})"),
                expected: "-1, 1: this point needs the person's answer".into(),
            });
        }
        while let Some(&i) = self.pending.first() {
            self.answer(i, self.pool.y[i])?;
        }
        Ok(self.snapshot())
    }

    /// Starts a round (Algorithm 1's query step): the pool points the query rule picks from the
    /// current centre's predictions `f_i(c)` (two for the confident pair, one for the least
    /// confident), stored as pending until [`Self::answer`]ed. If a round is already in progress,
    /// returns its points still pending. Empty once the run has stopped; empty, with the stop
    /// reason [`StopReason::PoolExhausted`], when every pool point has been tried.
    pub fn propose(&mut self) -> Result<Vec<usize>> {
        if self.stop.is_some() {
            return Ok(Vec::new());
        }
        if !self.pending.is_empty() {
            return Ok(self.pending.clone());
        }
        if self.grid.is_some() {
            return self.propose_synthetic();
        }
        let theta = &self.centre.theta;
        let f: Vec<f64> = (0..self.pool.n)
            .map(|i| pool_prediction(&self.pool, &self.patterns, i, theta))
            .collect();
        let mut picks = select(self.config.query, &f, &self.tried);
        if picks.is_empty() && self.regression && self.vs.cuts() < self.pool.n {
            // The reference's regression loop: once every point not cut has been tried, a new
            // pass tries them again (the centre has moved), unless the last pass cut nothing.
            if self.vs.cuts() == self.pass_first_cut {
                self.stop = Some(StopReason::PoolFitted);
                return Ok(Vec::new());
            }
            self.pass_first_cut = self.vs.cuts();
            for (i, t) in self.tried.iter_mut().enumerate() {
                *t = self.vs.points.contains(&i);
            }
            picks = select(self.config.query, &f, &self.tried);
        }
        if picks.is_empty() {
            self.stop = Some(StopReason::PoolExhausted);
            return Ok(Vec::new());
        }
        self.pending_f = picks.iter().map(|&i| f[i]).collect();
        self.pending = picks;
        self.answered.clear();
        self.round_first_cut = self.vs.cuts();
        Ok(self.pending.clone())
    }

    /// The synthesis round: the grid candidate chosen by [`super::synthesis::synthesise`] joins
    /// the pool (input, pattern row from the kept gates, label from the preset's ground truth if
    /// the run has one, else unknown) and is the round's one pending point, with the centre
    /// network's output `f(x; c)` as its prediction. Stops with
    /// [`StopReason::CandidatesExhausted`] when every candidate has been labelled.
    fn propose_synthetic(&mut self) -> Result<Vec<usize>> {
        let Some(grid) = &self.grid else {
            return Ok(Vec::new());
        };
        let d = self.pool.d;
        let labelled: Vec<f64> = (0..self.pool.n)
            .filter(|&i| self.tried[i])
            .flat_map(|i| self.pool.row(i).iter().copied())
            .collect();
        let Some(pick) = synthesise(grid, &self.centre.theta, &labelled, d) else {
            self.stop = Some(StopReason::CandidatesExhausted);
            return Ok(Vec::new());
        };
        let label = self.preset_label(&pick.x[..d - 1]);
        let i = self.add_pool_point(&pick.x, label);
        self.pending = vec![i];
        self.pending_f = vec![pick.f];
        self.answered.clear();
        self.round_first_cut = self.vs.cuts();
        Ok(self.pending.clone())
    }

    /// The label the run's own oracle gives a synthesised input `p` (without bias): the preset's
    /// noise-free labelling function ([`crate::data::ground_truth()`]) when the run is on a preset
    /// that has one, else `NaN` (unknown: the person answers, e.g. for user points or sentiment).
    fn preset_label(&self, p: &[f64]) -> f64 {
        if self.dataset != self.config.data.preset.name() {
            return f64::NAN;
        }
        crate::data::ground_truth(&self.config.data, p)
            .ok()
            .filter(|&y| is_label(y))
            .unwrap_or(f64::NAN)
    }

    /// Appends input `x` (with bias) to the pool with hidden label `y` (`NaN` if unknown) and its
    /// pattern row `1[x^T g_j >= 0]` over the kept gates; returns its pool index.
    fn add_pool_point(&mut self, x: &[f64], y: f64) -> usize {
        let row = pattern_row(&self.patterns, x);
        self.pool.x.extend_from_slice(x);
        self.pool.y.push(y);
        self.pool.n += 1;
        self.patterns.mask.extend_from_slice(&row);
        self.patterns.n += 1;
        self.tried.push(false);
        self.pool.n - 1
    }

    /// Inputs of the synthesised pool points (row-major, without bias), in order.
    pub fn synthesized_points(&self) -> Vec<f64> {
        let d = self.pool.d;
        (self.base_n..self.pool.n)
            .flat_map(|i| self.pool.row(i)[..d - 1].iter().copied())
            .collect()
    }

    /// One round with the labels known to the run (pool labels) and, for a point whose label is
    /// unknown (a synthesised point, a user point), the answer of `oracle` at its input (without
    /// bias). Otherwise as [`Self::step`]. Errors as [`Self::answer`], or the oracle's error.
    pub fn step_with(&mut self, oracle: &dyn Fn(&[f64]) -> Result<f64>) -> Result<Snapshot> {
        self.propose()?;
        while let Some(&i) = self.pending.first() {
            let label = match self.known_label(i) {
                Some(y) => y,
                None => oracle(&self.pool.row(i)[..self.pool.d - 1])?,
            };
            self.answer(i, label)?;
        }
        Ok(self.snapshot())
    }

    /// The points of the round in progress still waiting for a label, in query order (empty
    /// between rounds).
    pub fn pending(&self) -> &[usize] {
        &self.pending
    }

    /// The centre's predictions `f_i(c)` of the pending points, in the order of [`Self::pending`].
    pub fn pending_predictions(&self) -> &[f64] {
        &self.pending_f
    }

    /// Every label answered so far, in order.
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// The oracle's label of pool point `i` if it is known (`None` for a user point waiting for the
    /// person, or an index outside the pool).
    pub fn known_label(&self, i: usize) -> Option<f64> {
        let regression = self.regression;
        self.pool.y.get(i).copied().filter(|&y| {
            if regression {
                y.is_finite()
            } else {
                is_label(y)
            }
        })
    }

    /// Reveals the label `label` (`±1`) of the pending point `point` (a pool index): it counts as a
    /// label, and if the centre that proposed it got it wrong (`label f_i(c) <= 0`) it becomes a cut
    /// (Theorem 4.1; a point is never cut twice, as it is never proposed again). The round ends when
    /// every pending point is answered or a budget is reached: the centre moves if anything was cut,
    /// the round is recorded and the stop reason set, as in [`Self::step`]; the points left pending
    /// are dropped (not tried). Errors: `label` not `±1` (field `active.label`); `point` outside the
    /// pool or not pending (field `active.point`).
    pub fn answer(&mut self, point: usize, label: f64) -> Result<Snapshot> {
        if self.regression && !label.is_finite() {
            return Err(Error::NotFinite {
                field: "active.label".into(),
                value: label.to_string(),
            });
        }
        if !self.regression && !is_label(label) {
            return Err(Error::UnknownName {
                field: "active.label".into(),
                value: label.to_string(),
                expected: "-1, 1".into(),
            });
        }
        if point >= self.pool.n {
            return Err(Error::out_of_range(
                "active.point",
                point,
                0,
                self.pool.n - 1,
            ));
        }
        let Some(k) = self.pending.iter().position(|&i| i == point) else {
            let expected = if self.pending.is_empty() {
                "a pending point, but none is pending (propose a round first)".to_string()
            } else {
                let list: Vec<String> = self.pending.iter().map(|i| i.to_string()).collect();
                format!("a pending point: {}", list.join(", "))
            };
            return Err(Error::UnknownName {
                field: "active.point".into(),
                value: point.to_string(),
                expected,
            });
        };
        let f = self.pending_f[k];
        let cut = if self.regression {
            (f - label).abs() > self.config.regression_tol
        } else {
            label * f <= 0.0
        };
        if cut && self.regression {
            self.vs.add_cut(&self.pool, &self.patterns, point, 1.0)?;
            self.targets.push(label);
        } else if cut {
            self.vs.add_cut(&self.pool, &self.patterns, point, label)?;
        }
        self.pending.remove(k);
        self.pending_f.remove(k);
        self.tried[point] = true;
        self.labels_used += 1;
        self.answers.push(Answer { point, label });
        self.answered.push(Query {
            point,
            label,
            prediction: f,
            cut,
        });
        if self.pending.is_empty()
            || self.labels_used >= self.config.budget_labels
            || self.vs.cuts() >= self.config.budget_cuts
        {
            self.finish_round()?;
        }
        Ok(self.snapshot())
    }

    /// Ends the round in progress: recentres if anything was cut (warm-started from the previous
    /// centre), records the round, sets the stop reason and drops the points left pending.
    fn finish_round(&mut self) -> Result<()> {
        let first_new = self.round_first_cut;
        let mut newton_steps = 0;
        let mut empty = None;
        if self.vs.cuts() > first_new && self.regression {
            let tube = Tube {
                vs: &self.vs,
                targets: &self.targets,
                tau: self.config.regression_tol,
            };
            let prev = (first_new > 0).then_some(self.centre.theta.as_slice());
            match regression_centre(
                &tube,
                &self.patterns,
                prev,
                first_new,
                &self.config.newton(),
            )? {
                Outcome::Centre(c) => {
                    self.centre = c;
                    newton_steps = self.centre.newton_steps;
                }
                Outcome::Empty => empty = Some(StopReason::VersionSpaceEmpty),
                Outcome::NoStart => empty = Some(StopReason::NoFeasibleStart),
            }
        } else if self.vs.cuts() > first_new {
            let p = gate_network(&self.vs, &self.patterns)?;
            let prev = (first_new > 0).then_some(self.centre.phi.as_slice());
            let start = warm_start(&self.vs, prev, first_new, &p);
            self.centre = analytic_centre(&self.vs, &start, &self.config.newton())?;
            newton_steps = self.centre.newton_steps;
            self.accuracy = accuracy(&self.test, &self.centre.theta);
        }
        self.pending.clear();
        self.pending_f.clear();
        self.round_first_cut = self.vs.cuts();
        self.rounds.push(RoundRecord {
            round: self.rounds.len() + 1,
            queries: std::mem::take(&mut self.answered),
            labels_used: self.labels_used,
            cuts: self.vs.cuts(),
            constraints: self.constraints(),
            test_accuracy: self.test_accuracy(),
            newton_steps,
            log_det: self.centre.log_det,
            ball_decrement: self.centre.ball_decrement,
            test_rmse: self.test_rmse(),
        });
        self.stop = if empty.is_some() {
            empty
        } else if self.vs.cuts() >= self.config.budget_cuts {
            Some(StopReason::BudgetCuts)
        } else if self.labels_used >= self.config.budget_labels {
            Some(StopReason::BudgetLabels)
        } else if (self.regression && self.vs.cuts() == self.pool.n)
            || (!self.regression && self.tried.iter().all(|&t| t))
        {
            Some(StopReason::PoolExhausted)
        } else {
            None
        };
        Ok(())
    }

    /// Answers every pending point whose label is known (in query order) and returns the points
    /// still waiting for the person (empty if the round ended).
    pub fn auto_answer(&mut self) -> Result<Vec<usize>> {
        let known: Vec<usize> = self
            .pending
            .iter()
            .copied()
            .filter(|&i| self.known_label(i).is_some())
            .collect();
        for i in known {
            if self.pending.contains(&i) {
                self.answer(i, self.pool.y[i])?;
            }
        }
        Ok(self.pending.clone())
    }

    /// Takes back the last answered label: rebuilds the run from its first centre by replaying the
    /// earlier answers (deterministic, so every centre is bit-identical to the one the run had),
    /// then proposes again, so the undone point is pending as it was before its answer. Errors
    /// (field `active.undo`) when no label has been answered.
    pub fn undo(&mut self) -> Result<Snapshot> {
        let Some((_, earlier)) = self.answers.split_last() else {
            return Err(Error::Empty {
                field: "active.undo".into(),
                min: 1,
            });
        };
        let earlier = earlier.to_vec();
        let mut fresh = self.restarted()?;
        fresh.replay(&earlier)?;
        fresh.propose()?;
        *self = fresh;
        Ok(self.snapshot())
    }

    /// The same run before any label: same config, original pool (without synthesised points),
    /// test set and patterns.
    pub(crate) fn restarted(&self) -> Result<Experiment> {
        let (pool, patterns) = self.base_parts();
        Experiment::from_parts(
            self.config.clone(),
            self.dataset.clone(),
            pool,
            self.test.clone(),
            patterns,
        )
    }

    /// The original pool and its patterns, without the synthesised points.
    pub(crate) fn base_parts(&self) -> (Pool, Patterns) {
        let n = self.base_n;
        let mut pool = self.pool.clone();
        pool.n = n;
        pool.x.truncate(n * pool.d);
        pool.y.truncate(n);
        let mut patterns = self.patterns.clone();
        patterns.n = n;
        patterns.mask.truncate(n * patterns.m);
        (pool, patterns)
    }

    /// Replays `answers` in order, proposing a round whenever none is in progress. Errors (field
    /// `active.point`) if an answer's point is not pending at its turn (the record does not fit
    /// this run).
    pub(crate) fn replay(&mut self, answers: &[Answer]) -> Result<()> {
        for a in answers {
            if self.pending.is_empty() {
                self.propose()?;
            }
            self.answer(a.point, a.label)?;
        }
        Ok(())
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
            pending: self.pending.clone(),
            answered: self.answered.clone(),
            synthesized: self.synthesized_points(),
            test_rmse: self.test_rmse(),
        }
    }

    /// Linear rows so far: `cuts (1 + 2m)`, or `cuts (2 + 2m)` for regression (two tube rows per
    /// cut); the ball is one more.
    pub fn constraints(&self) -> usize {
        if self.regression {
            self.vs.cuts() * (2 + self.vs.blocks())
        } else {
            self.vs.rows()
        }
    }

    /// Whether this is a regression run (tube cuts `|f_i - y_i| <= tau`).
    pub fn is_regression(&self) -> bool {
        self.regression
    }

    /// Regression: targets of the cut points, in cut order (empty for classification).
    pub fn cut_targets(&self) -> &[f64] {
        &self.targets
    }

    /// Regression: RMSE of the centre's network on the test points (`None` for classification or
    /// without test points).
    pub fn test_rmse(&self) -> Option<f64> {
        if self.regression {
            rmse(&self.test, &self.centre.theta)
        } else {
            None
        }
    }

    /// The report so far.
    pub fn report(&self) -> Report {
        Report {
            config: self.config.clone(),
            dataset: self.dataset.clone(),
            pool_size: self.base_n,
            test_size: self.test.n,
            patterns: self.patterns.m,
            parameters: self.vs.dim(),
            rounds: self.rounds.clone(),
            cuts: self.vs.cuts(),
            labels_used: self.labels_used,
            cut_points: self.vs.points.clone(),
            stop: self.stop,
            test_accuracy: self.test_accuracy(),
            pool_accuracy: if self.regression {
                None
            } else {
                accuracy(&self.base_parts().0, &self.centre.theta)
            },
            newton_steps_total: self.rounds.iter().map(|r| r.newton_steps).sum(),
            newton_steps_max: self
                .rounds
                .iter()
                .map(|r| r.newton_steps)
                .max()
                .unwrap_or(0),
            synthesized: self.synthesized_points(),
            test_rmse: self.test_rmse(),
            pool_rmse: if self.regression {
                rmse(&self.pool, &self.centre.theta)
            } else {
                None
            },
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

    /// The run's config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The dataset's name (a preset's, or `user` for [`Self::from_points`]).
    pub fn dataset_name(&self) -> &str {
        &self.dataset
    }

    /// The test points (with bias column) and labels that measure accuracy (possibly empty).
    pub fn test_set(&self) -> &Pool {
        &self.test
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

/// Whether `y` is a label `±1` (a user point waiting for the person has `NaN`).
pub(crate) fn is_label(y: f64) -> bool {
    y == 1.0 || y == -1.0
}

/// Whether a run on the dataset called `name` is a regression run: the `quadratic` preset is the
/// one regression dataset (user points and the other presets are classification).
pub(crate) fn is_regression(name: &str) -> bool {
    name == crate::data::Preset::Quadratic.name()
}

/// `sqrt(mean_i (f(x_i) - y_i)^2)` of the ReLU network of `theta` over `pool` (`None` if empty).
fn rmse(pool: &Pool, theta: &[f64]) -> Option<f64> {
    if pool.n == 0 {
        return None;
    }
    let sum: f64 = (0..pool.n)
        .map(|i| {
            let e = network_output(pool.row(i), theta) - pool.y[i];
            e * e
        })
        .sum();
    Some(libm::sqrt(sum / pool.n as f64))
}

/// Fraction of `pool`'s points with a known label where the ReLU network of `theta` has
/// `y f(x) > 0` (`None` if no label is known).
fn accuracy(pool: &Pool, theta: &[f64]) -> Option<f64> {
    let known = (0..pool.n).filter(|&i| is_label(pool.y[i]));
    let total = known.clone().count();
    if total == 0 {
        return None;
    }
    let right = known
        .filter(|&i| pool.y[i] * network_output(pool.row(i), theta) > 0.0)
        .count();
    Some(right as f64 / total as f64)
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
