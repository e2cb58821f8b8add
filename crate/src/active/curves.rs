//! Learning curves: every strategy (the cutting-plane method and each baseline of
//! [`super::baselines`]) over several seeds, test accuracy by labels used (and, for the
//! cutting-plane method, by cuts), with mean, standard deviation and min/max band: the comparison
//! of Zhang, Zhang, Pilanci 2025, Figure 3 (spiral) on the lab's protocol.
//!
//! Each `(strategy, seed)` pair is computed independently and results are collected in order, so
//! the report is bit-identical whatever the number of rayon threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::baselines::{Baseline, BaselineParams, run_baseline};
use super::config::Config;
use super::experiment::Experiment;
use super::pool::Pool;
use crate::error::{Error, Result, check_range_usize};

/// A strategy in the comparison: the cutting-plane method or one of the baselines. Configs and
/// reports spell it by name (`"cpal"`, `"random"`, `"least_confidence"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Strategy {
    /// The cutting-plane method on the two-layer ReLU network (the lab's [`Experiment`]).
    Cpal,
    /// A baseline of [`super::baselines`].
    Baseline(Baseline),
}

impl Strategy {
    /// Every strategy, CPAL first, then [`Baseline::ALL`] in order.
    pub const ALL: [Strategy; 1 + Baseline::ALL.len()] = {
        let mut all = [Strategy::Cpal; 1 + Baseline::ALL.len()];
        let mut k = 0;
        while k < Baseline::ALL.len() {
            all[k + 1] = Strategy::Baseline(Baseline::ALL[k]);
            k += 1;
        }
        all
    };

    /// The baseline behind this strategy (`None` for CPAL).
    pub fn baseline(self) -> Option<Baseline> {
        match self {
            Strategy::Cpal => None,
            Strategy::Baseline(b) => Some(b),
        }
    }

    /// The snake_case name configs use.
    pub fn name(self) -> &'static str {
        self.baseline().map_or("cpal", Baseline::name)
    }

    /// The strategy called `name`; the error names `field` and lists the choices.
    pub fn from_name(field: &str, name: &str) -> Result<Strategy> {
        Strategy::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| Error::UnknownName {
                field: field.into(),
                value: name.into(),
                expected: Strategy::ALL.map(Strategy::name).join(", "),
            })
    }
}

impl TryFrom<String> for Strategy {
    type Error = Error;
    fn try_from(name: String) -> Result<Strategy> {
        Strategy::from_name("active.compare.strategies", &name)
    }
}

impl From<Strategy> for String {
    fn from(s: Strategy) -> String {
        s.name().into()
    }
}

/// Settings of a learning-curve comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompareConfig {
    /// The CPAL run: data (shared by every strategy), gates, query rule, radius, Newton settings.
    /// Its budgets are replaced by `max_labels` (labels and cuts), and seed `i` uses gate seed
    /// `cpal.gate_seed + i`.
    pub cpal: Config,
    /// The strategies, each at most once, in the report's order.
    pub strategies: Vec<Strategy>,
    /// Number of seeds, in `[1, 100]`; baseline seed `i` is `seed + i`.
    pub seeds: usize,
    /// Base seed of the baselines (first label, initial weights, dropout, committee).
    pub seed: u64,
    /// Labels per run, in `[1, 1000]` and at most the pool size.
    pub max_labels: usize,
    /// The baselines' hyper-parameters.
    pub baselines: BaselineParams,
}

impl Default for CompareConfig {
    /// The paper's spiral ([`Config::default`]), every strategy, 5 seeds from 0, 50 labels,
    /// [`BaselineParams::default`].
    fn default() -> Self {
        CompareConfig {
            cpal: Config::default(),
            strategies: Strategy::ALL.to_vec(),
            seeds: 5,
            seed: 0,
            max_labels: 50,
            baselines: BaselineParams::default(),
        }
    }
}

impl CompareConfig {
    /// Checks every field; errors name `active.compare.<field>` (`active.compare.cpal.<field>`
    /// for the CPAL config) and the bound.
    pub fn validate(&self) -> Result<()> {
        self.cpal.validate().map_err(rename_cpal_field)?;
        if self.strategies.is_empty() {
            return Err(Error::Empty {
                field: "active.compare.strategies".into(),
                min: 1,
            });
        }
        for (k, s) in self.strategies.iter().enumerate() {
            if self.strategies[..k].contains(s) {
                return Err(Error::UnknownName {
                    field: "active.compare.strategies".into(),
                    value: s.name().into(),
                    expected: "each strategy at most once".into(),
                });
            }
        }
        check_range_usize("active.compare.seeds", self.seeds, 1, 100)?;
        check_range_usize("active.compare.max_labels", self.max_labels, 1, 1000)?;
        self.baselines.validate("active.compare.baselines")?;
        Ok(())
    }

    /// Parses a JSON config (unknown fields rejected); malformed JSON is an [`Error::Parse`] with
    /// field `active compare config`. Does not validate.
    pub fn from_json(json: &str) -> Result<CompareConfig> {
        serde_json::from_str(json).map_err(|e| Error::Parse {
            field: "active compare config".into(),
            message: e.to_string(),
        })
    }
}

/// `active.<field>` from [`Config::validate`] becomes `active.compare.cpal.<field>`.
fn rename_cpal_field(mut e: Error) -> Error {
    if let Error::OutOfRange { field, .. }
    | Error::NotFinite { field, .. }
    | Error::Empty { field, .. }
    | Error::UnknownName { field, .. }
    | Error::Parse { field, .. } = &mut e
        && let Some(rest) = field.strip_prefix("active.")
    {
        *field = format!("active.compare.cpal.{rest}");
    }
    e
}

/// Mean, standard deviation (population, over the runs present) and min/max band of a quantity
/// at each point of an axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The axis (labels `1..=max_labels`, or cuts `0..`).
    pub x: Vec<usize>,
    /// Mean over the runs that reached this point.
    pub mean: Vec<f64>,
    /// Population standard deviation over the same runs.
    pub std: Vec<f64>,
    /// Smallest value.
    pub min: Vec<f64>,
    /// Largest value.
    pub max: Vec<f64>,
    /// How many runs reached this point.
    pub count: Vec<usize>,
}

impl Band {
    /// The band of `runs[r][j]` (`None` = run `r` did not reach point `j`) over axis `x`.
    pub fn of(x: Vec<usize>, runs: &[Vec<Option<f64>>]) -> Band {
        let mut b = Band {
            mean: Vec::with_capacity(x.len()),
            std: Vec::with_capacity(x.len()),
            min: Vec::with_capacity(x.len()),
            max: Vec::with_capacity(x.len()),
            count: Vec::with_capacity(x.len()),
            x,
        };
        for j in 0..b.x.len() {
            let v: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.get(j).copied().flatten())
                .collect();
            let n = v.len();
            let mean = if n > 0 {
                v.iter().sum::<f64>() / n as f64
            } else {
                f64::NAN
            };
            let var = if n > 0 {
                v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / n as f64
            } else {
                f64::NAN
            };
            b.mean.push(mean);
            b.std.push(libm::sqrt(var));
            b.min.push(v.iter().copied().fold(f64::INFINITY, f64::min));
            b.max
                .push(v.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            b.count.push(n);
        }
        b
    }
}

/// One strategy's curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyCurve {
    /// The strategy.
    pub strategy: Strategy,
    /// `runs[s][k - 1]`: seed `s`'s test accuracy with `k` labels revealed (CPAL: its centre after
    /// the last round that ended with at most `k` labels). `None` where no network was fitted on
    /// at most `k` labels: CPAL before its first round (the pair rule reveals two labels at once;
    /// the ball's centre predicts 0 everywhere and is not scored).
    pub runs: Vec<Vec<Option<f64>>>,
    /// Pool indices queried by seed `s`, in order.
    pub queries: Vec<Vec<usize>>,
    /// Test accuracy by labels `1..=max_labels` over seeds.
    pub by_labels: Band,
    /// CPAL only: test accuracy by cuts `0..=max cuts` over the seeds whose centre had exactly
    /// that many cuts (a round that cuts both of its points skips a count; no run scores at 0
    /// cuts, the ball's centre).
    pub by_cuts: Option<Band>,
}

/// The comparison's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    /// The config that produced it.
    pub config: CompareConfig,
    /// Dataset name.
    pub dataset: String,
    /// Pool (train) size.
    pub pool_size: usize,
    /// Test size.
    pub test_size: usize,
    /// One entry per strategy, in the config's order.
    pub curves: Vec<StrategyCurve>,
}

/// One `(strategy, seed)` run's accuracy by labels, its queries, and (CPAL) by cuts.
struct PairResult {
    by_labels: Vec<Option<f64>>,
    queries: Vec<usize>,
    by_cuts: Option<Vec<Option<f64>>>,
}

/// Runs every strategy for every seed on `config.cpal.data` (pool = train split, accuracy on the
/// test split) and returns the curves. Pairs run in parallel on rayon, in batches of the pool's
/// thread count; `progress(done, total)` is called on the calling thread after each batch.
pub fn compare(
    config: &CompareConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<CompareReport> {
    config.validate()?;
    let data = config.cpal.data.generate()?;
    let (pool, test) = Pool::from_dataset(&data)?;
    if test.n == 0 {
        return Err(Error::Empty {
            field: "active.compare.cpal.data test points".into(),
            min: 1,
        });
    }
    if config.max_labels > pool.n {
        return Err(Error::out_of_range(
            "active.compare.max_labels",
            config.max_labels,
            1,
            format!("{} (the pool size)", pool.n),
        ));
    }
    let pairs: Vec<(Strategy, usize)> = config
        .strategies
        .iter()
        .flat_map(|&s| (0..config.seeds).map(move |i| (s, i)))
        .collect();
    let total = pairs.len();
    let batch = rayon::current_num_threads().max(1);
    let mut results: Vec<PairResult> = Vec::with_capacity(total);
    progress(0, total);
    for chunk in pairs.chunks(batch) {
        let out: Vec<Result<PairResult>> = chunk
            .par_iter()
            .map(|&(s, i)| run_pair(config, &data, &pool, &test, s, i))
            .collect();
        for r in out {
            results.push(r?);
        }
        progress(results.len(), total);
    }
    let mut curves = Vec::with_capacity(config.strategies.len());
    for (k, &strategy) in config.strategies.iter().enumerate() {
        let rs = &results[k * config.seeds..(k + 1) * config.seeds];
        let labels: Vec<Vec<Option<f64>>> = rs.iter().map(|r| r.by_labels.clone()).collect();
        let by_cuts = (strategy == Strategy::Cpal).then(|| {
            let most = rs
                .iter()
                .map(|r| r.by_cuts.as_ref().map_or(0, Vec::len))
                .max()
                .unwrap_or(0);
            let runs: Vec<Vec<Option<f64>>> = rs
                .iter()
                .map(|r| {
                    let c = r.by_cuts.clone().unwrap_or_default();
                    (0..most).map(|j| c.get(j).copied().flatten()).collect()
                })
                .collect();
            Band::of((0..most).collect(), &runs)
        });
        curves.push(StrategyCurve {
            strategy,
            runs: rs.iter().map(|r| r.by_labels.clone()).collect(),
            queries: rs.iter().map(|r| r.queries.clone()).collect(),
            by_labels: Band::of((1..=config.max_labels).collect(), &labels),
            by_cuts,
        });
    }
    Ok(CompareReport {
        config: config.clone(),
        dataset: data.name.clone(),
        pool_size: pool.n,
        test_size: test.n,
        curves,
    })
}

/// One `(strategy, seed index)` run.
fn run_pair(
    config: &CompareConfig,
    data: &crate::data::Dataset,
    pool: &Pool,
    test: &Pool,
    strategy: Strategy,
    i: usize,
) -> Result<PairResult> {
    let labels = config.max_labels;
    match strategy.baseline() {
        Some(b) => {
            let run = run_baseline(
                b,
                &config.baselines,
                pool,
                test,
                labels,
                config.seed.wrapping_add(i as u64),
                &|_| true,
            )?;
            Ok(PairResult {
                by_labels: run.test_accuracy,
                queries: run.queries,
                by_cuts: None,
            })
        }
        None => {
            let cfg = Config {
                gate_seed: config.cpal.gate_seed.wrapping_add(i as u64),
                budget_labels: labels,
                budget_cuts: labels.min(2000),
                ..config.cpal.clone()
            };
            let mut exp = Experiment::new(cfg, data)?;
            let mut by_labels = vec![None; labels];
            let mut by_cuts = vec![None];
            let mut queries = Vec::new();
            loop {
                let snap = exp.step()?;
                let report_round = exp.report().rounds.last().cloned();
                if let Some(r) = report_round {
                    let acc = r.test_accuracy;
                    queries.extend(r.queries.iter().map(|q| q.point));
                    for v in by_labels.iter_mut().skip(r.labels_used.saturating_sub(1)) {
                        *v = acc;
                    }
                    // A round that cuts twice skips a cut count: no centre had it (`None`).
                    if r.cuts >= by_cuts.len() {
                        by_cuts.resize(r.cuts + 1, None);
                    }
                    by_cuts[r.cuts] = acc;
                }
                if snap.stopped.is_some() {
                    break;
                }
            }
            Ok(PairResult {
                by_labels,
                queries,
                by_cuts: Some(by_cuts),
            })
        }
    }
}

/// Parses a JSON [`CompareConfig`], runs [`compare`] (no progress) and returns the JSON
/// [`CompareReport`]. Malformed JSON is an [`Error::Parse`] with field `active compare config`.
pub fn run_compare_json(json: &str) -> Result<String> {
    let config = CompareConfig::from_json(json)?;
    let report = compare(&config, &mut |_, _| {})?;
    serde_json::to_string(&report).map_err(|e| Error::Numerical {
        what: "serialising the active compare report".into(),
        reason: e.to_string(),
    })
}
