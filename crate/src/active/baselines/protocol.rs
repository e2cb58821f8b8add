//! One run of a baseline on the lab's protocol: a seeded random first label, then one query per
//! round among the untried pool points, the oracle's label, and the model refitted on every
//! labelled point (the deep networks from the same seeded initial weights each round; the linear
//! cutting-plane method by one more cut).

use serde::{Deserialize, Serialize};

use super::linear_cp::LinearCp;
use super::net::Net;
use super::uncertainty::{argmax_untried, entropy, least_confidence, margin};
use super::{Baseline, BaselineParams, bald, qbc, random};
use crate::active::pool::Pool;
use crate::error::{Error, Result};
use crate::rng::Stream;

/// Sub-streams of a run's seed.
const STREAM_QUERY: u64 = 0;
const STREAM_INIT: u64 = 1;
const STREAM_DROPOUT: u64 = 2;
const STREAM_BOOTSTRAP: u64 = 3;
/// Committee member `k >= 1` draws its initial weights from sub-stream `STREAM_MEMBER + k`.
const STREAM_MEMBER: u64 = 16;

/// What one baseline run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRun {
    /// The strategy.
    pub baseline: Baseline,
    /// The run's seed (first label, initial weights, dropout masks, committee).
    pub seed: u64,
    /// Pool indices in the order their labels were revealed (the first is the seeded initial
    /// label); distinct.
    pub queries: Vec<usize>,
    /// `test_accuracy[k - 1]`: test accuracy (`y f(x) > 0` counts as right) of the model fitted
    /// on the first `k` labels; `None` where not evaluated or without test points.
    pub test_accuracy: Vec<Option<f64>>,
    /// `train_accuracy[k - 1]`: the same model's accuracy on its `k` labelled points.
    pub train_accuracy: Vec<Option<f64>>,
    /// Linear cutting plane only: labels whose cut was dropped (not linearly separable from the
    /// kept ones).
    pub linear_dropped: usize,
}

/// The fitted model after `k` labels.
enum Model {
    /// One network (random, uncertainty and BALD strategies).
    Net(Net),
    /// A committee; member 0 is the evaluated model.
    Committee(Vec<Net>),
    /// The linear cutting plane (lives in the run; nothing to refit).
    Linear,
}

/// Runs `baseline` for `labels` labels (in `[1, pool.n]`; error field
/// `active.compare.max_labels`) with `seed`, fitting the model after every label that the
/// strategy needs to choose the next query, and recording accuracies after `k` labels when
/// `evaluate(k)` is true (random sampling fits only there: its queries ignore the model).
pub fn run_baseline(
    baseline: Baseline,
    params: &BaselineParams,
    pool: &Pool,
    test: &Pool,
    labels: usize,
    seed: u64,
    evaluate: &dyn Fn(usize) -> bool,
) -> Result<BaselineRun> {
    if labels < 1 || labels > pool.n {
        return Err(Error::out_of_range(
            "active.compare.max_labels",
            labels,
            1,
            format!("{} (the pool size)", pool.n),
        ));
    }
    let (n, d) = (pool.n, pool.d);
    let cfg = &params.net;
    let mut s_query = Stream::with_stream(seed, STREAM_QUERY);
    let init = Net::init(d, cfg.width, &mut Stream::with_stream(seed, STREAM_INIT));
    let members: Vec<Net> = (1..params.committee as u64)
        .map(|k| {
            Net::init(
                d,
                cfg.width,
                &mut Stream::with_stream(seed, STREAM_MEMBER + k),
            )
        })
        .collect();
    let mut s_drop = Stream::with_stream(seed, STREAM_DROPOUT);
    let mut s_boot = Stream::with_stream(seed, STREAM_BOOTSTRAP);
    let mut linear = LinearCp::new(d, params.linear_radius);

    let mut tried = vec![false; n];
    let mut run = BaselineRun {
        baseline,
        seed,
        queries: Vec::with_capacity(labels),
        test_accuracy: Vec::with_capacity(labels),
        train_accuracy: Vec::with_capacity(labels),
        linear_dropped: 0,
    };
    let reveal = |i: usize, tried: &mut [bool], run: &mut BaselineRun, lin: &mut LinearCp| {
        tried[i] = true;
        run.queries.push(i);
        if baseline == Baseline::LinearCp {
            lin.add_label(pool.row(i), pool.y[i]).map(|_| ())
        } else {
            Ok(())
        }
    };
    let first = random::pick(&tried, &mut s_query).expect("pool is not empty");
    reveal(first, &mut tried, &mut run, &mut linear)?;

    let rows: Vec<&[f64]> = (0..n).map(|i| pool.row(i)).collect();
    for k in 1..=labels {
        let eval = evaluate(k);
        let need_query = k < labels;
        let xs: Vec<&[f64]> = run.queries.iter().map(|&i| pool.row(i)).collect();
        let ys: Vec<f64> = run.queries.iter().map(|&i| pool.y[i]).collect();
        let fit = eval || (need_query && baseline != Baseline::Random);
        let model = if !fit {
            None
        } else {
            Some(match baseline {
                Baseline::Random
                | Baseline::LeastConfidence
                | Baseline::Margin
                | Baseline::Entropy => {
                    let mut net = init.clone();
                    net.train(&xs, &ys, cfg, None);
                    Model::Net(net)
                }
                Baseline::Bald => {
                    let mut net = init.clone();
                    net.train(&xs, &ys, cfg, Some((params.dropout, &mut s_drop)));
                    Model::Net(net)
                }
                Baseline::Qbc => {
                    let mut committee = Vec::with_capacity(params.committee);
                    let mut first = init.clone();
                    first.train(&xs, &ys, cfg, None);
                    committee.push(first);
                    for m in &members {
                        let mut net = m.clone();
                        if params.bootstrap {
                            let idx = qbc::bootstrap(xs.len(), &mut s_boot);
                            let bx: Vec<&[f64]> = idx.iter().map(|&i| xs[i]).collect();
                            let by: Vec<f64> = idx.iter().map(|&i| ys[i]).collect();
                            net.train(&bx, &by, cfg, None);
                        } else {
                            net.train(&xs, &ys, cfg, None);
                        }
                        committee.push(net);
                    }
                    Model::Committee(committee)
                }
                Baseline::LinearCp => Model::Linear,
            })
        };
        let predict = |x: &[f64]| -> f64 {
            match model.as_ref() {
                Some(Model::Net(net)) => net.logit(x),
                Some(Model::Committee(c)) => c[0].logit(x),
                Some(Model::Linear) | None => linear.predict(x),
            }
        };
        if eval {
            run.test_accuracy.push(accuracy(test, &predict));
            let right = xs
                .iter()
                .zip(&ys)
                .filter(|(x, y)| **y * predict(x) > 0.0)
                .count();
            run.train_accuracy
                .push(Some(right as f64 / xs.len() as f64));
        } else {
            run.test_accuracy.push(None);
            run.train_accuracy.push(None);
        }
        if !need_query {
            break;
        }
        let next = match (baseline, model.as_ref()) {
            (Baseline::Random, _) => random::pick(&tried, &mut s_query),
            (Baseline::Bald, Some(Model::Net(net))) => {
                let (score, tie) =
                    bald::scores(net, &rows, params.mc_passes, params.dropout, &mut s_drop);
                argmax_untried(&score, &tie, &tried)
            }
            (Baseline::Qbc, Some(Model::Committee(c))) => {
                let logits: Vec<Vec<f64>> = c
                    .iter()
                    .map(|m| rows.iter().map(|x| m.logit(x)).collect())
                    .collect();
                let (vote, consensus) = qbc::scores(&logits);
                argmax_untried(&vote, &consensus, &tried)
            }
            (b, _) => {
                let f: Vec<f64> = rows.iter().map(|x| predict(x)).collect();
                let tie: Vec<f64> = f.iter().map(|v| -v.abs()).collect();
                let score: Vec<f64> = match b {
                    Baseline::LeastConfidence => f.iter().map(|&v| least_confidence(v)).collect(),
                    Baseline::Margin => f.iter().map(|&v| margin(v)).collect(),
                    Baseline::Entropy => f.iter().map(|&v| entropy(v)).collect(),
                    // Linear cutting plane: argmin |w^T x| (the tie-break key alone).
                    _ => tie.clone(),
                };
                argmax_untried(&score, &tie, &tried)
            }
        };
        let next = next.expect("labels <= pool size leaves an untried point");
        drop(model);
        reveal(next, &mut tried, &mut run, &mut linear)?;
    }
    run.linear_dropped = linear.dropped();
    Ok(run)
}

/// Fraction of `test`'s points with `y f(x) > 0`; `None` without test points.
fn accuracy(test: &Pool, f: &dyn Fn(&[f64]) -> f64) -> Option<f64> {
    if test.n == 0 {
        return None;
    }
    let right = (0..test.n)
        .filter(|&i| test.y[i] * f(test.row(i)) > 0.0)
        .count();
    Some(right as f64 / test.n as f64)
}
