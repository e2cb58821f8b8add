//! The baselines of lab 1 on the paper's spiral: a strong passive baseline, valid queries,
//! uncertainty picks, the linear cutting plane's cuts, determinism, config errors.

use convexlab::active::baselines::{Baseline, BaselineParams, run_baseline};
use convexlab::active::pool::Pool;
use convexlab::data::DataSpec;

fn spiral() -> (Pool, Pool) {
    let data = DataSpec::default().generate().unwrap();
    Pool::from_dataset(&data).unwrap()
}

#[test]
fn random_sampling_reaches_95_percent_at_50_labels() {
    let (pool, test) = spiral();
    let params = BaselineParams::default();
    let mut accs = Vec::new();
    for seed in 0..5 {
        let run = run_baseline(Baseline::Random, &params, &pool, &test, 50, seed, &|k| {
            k == 50
        })
        .unwrap();
        let acc = run.test_accuracy[49].unwrap();
        assert_eq!(
            run.train_accuracy[49],
            Some(1.0),
            "seed {seed} fits its labels"
        );
        eprintln!("seed {seed}: test accuracy at 50 labels {acc}");
        accs.push(acc);
    }
    let mean = accs.iter().sum::<f64>() / 5.0;
    eprintln!("mean {mean}");
    assert!(mean >= 0.95, "mean test accuracy {mean}");
}

use convexlab::Error;
use convexlab::active::baselines::bald::mutual_information;
use convexlab::active::baselines::linear_cp::LinearCp;
use convexlab::active::baselines::net::NetConfig;
use convexlab::active::baselines::qbc;
use convexlab::active::baselines::uncertainty::{
    argmax_untried, entropy, least_confidence, margin,
};
use convexlab::active::curves::{CompareConfig, Strategy, compare, run_compare_json};
use convexlab::data::Preset;

/// Small, fast settings for protocol tests (not for accuracy claims).
fn small_params() -> BaselineParams {
    BaselineParams {
        net: NetConfig {
            width: 16,
            epochs: 60,
            ..NetConfig::default()
        },
        mc_passes: 5,
        committee: 3,
        bootstrap: true,
        ..BaselineParams::default()
    }
}

fn small_compare() -> CompareConfig {
    let mut c = CompareConfig {
        seeds: 2,
        max_labels: 8,
        baselines: small_params(),
        ..CompareConfig::default()
    };
    c.cpal.gates = 100;
    c
}

#[test]
fn every_strategy_queries_distinct_untried_pool_points() {
    let (pool, test) = spiral();
    let params = small_params();
    for b in Baseline::ALL {
        for seed in 0..2 {
            let run = run_baseline(b, &params, &pool, &test, 20, seed, &|k| k % 5 == 0).unwrap();
            assert_eq!(run.queries.len(), 20, "{b:?}");
            let mut seen = vec![false; pool.n];
            for &i in &run.queries {
                assert!(
                    i < pool.n && !seen[i],
                    "{b:?} seed {seed}: {:?}",
                    run.queries
                );
                seen[i] = true;
            }
            assert_eq!(run.test_accuracy.len(), 20);
            assert!(run.test_accuracy[4].is_some() && run.test_accuracy[3].is_none());
        }
    }
    // The whole pool can be labelled.
    let run = run_baseline(
        Baseline::LinearCp,
        &params,
        &pool,
        &test,
        pool.n,
        0,
        &|_| false,
    )
    .unwrap();
    let mut q = run.queries.clone();
    q.sort();
    assert_eq!(q, (0..pool.n).collect::<Vec<_>>());
    assert!(
        run_baseline(
            Baseline::Random,
            &params,
            &pool,
            &test,
            pool.n + 1,
            0,
            &|_| false
        )
        .is_err()
    );
}

#[test]
fn uncertainty_rules_pick_the_extreme_point() {
    let f = [3.0, -0.2, 0.5, -4.0, 0.05];
    let tried = [false, false, false, false, true];
    let tie: Vec<f64> = f.iter().map(|v: &f64| -v.abs()).collect();
    for score in [least_confidence as fn(f64) -> f64, margin, entropy] {
        let s: Vec<f64> = f.iter().map(|&v| score(v)).collect();
        // Point 4 is closer to the boundary but already labelled.
        assert_eq!(argmax_untried(&s, &tie, &tried), Some(1));
        assert_eq!(argmax_untried(&s, &tie, &[false; 5]), Some(4));
    }
    // BALD: the point whose passes disagree, not the one that is merely unsure.
    let passes = [
        vec![5.0, 5.2, 4.9, 5.1],
        vec![0.1, -0.1, 0.05, -0.05],
        vec![6.0, -6.0, 5.0, -5.0],
    ];
    let mi: Vec<f64> = passes.iter().map(|p| mutual_information(p)).collect();
    assert_eq!(argmax_untried(&mi, &[0.0; 3], &[false; 3]), Some(2));
    // QBC: split votes first; among unanimous points the less confident consensus.
    let logits = vec![
        vec![2.0, 0.3, 1.0, -1.0],
        vec![2.0, 0.2, -1.0, -1.0],
        vec![2.0, 0.1, 1.0, -1.0],
    ];
    let (vote, consensus) = qbc::scores(&logits);
    assert_eq!(argmax_untried(&vote, &consensus, &[false; 4]), Some(2));
    assert_eq!(
        argmax_untried(&vote, &consensus, &[false, false, true, false]),
        Some(1)
    );
}

#[test]
fn linear_cutting_plane_separates_a_separable_set_with_right_cut_signs() {
    let data = DataSpec {
        preset: Preset::Blobs,
        n: 60,
        noise: 0.2,
        ..DataSpec::default()
    }
    .generate()
    .unwrap();
    let (pool, test) = Pool::from_dataset(&data).unwrap();
    let run = run_baseline(
        Baseline::LinearCp,
        &BaselineParams::default(),
        &pool,
        &test,
        30,
        0,
        &|k| k == 30,
    )
    .unwrap();
    assert_eq!(run.linear_dropped, 0);
    assert_eq!(run.train_accuracy[29], Some(1.0));
    assert!(
        run.test_accuracy[29].unwrap() >= 0.9,
        "{:?}",
        run.test_accuracy[29]
    );
    // Replay its labels directly: every cut is y x (kept side y w^T x > 0) and the centre is
    // strictly inside all of them and the ball.
    let mut cp = LinearCp::new(pool.d, 1.0);
    for &i in &run.queries {
        assert!(cp.add_label(pool.row(i), pool.y[i]).unwrap());
    }
    let c = cp.centre().to_vec();
    assert!(c.iter().map(|v| v * v).sum::<f64>() < 1.0);
    for (k, &i) in run.queries.iter().enumerate() {
        let a = &cp.cuts()[k];
        for (aj, xj) in a.iter().zip(pool.row(i)) {
            assert_eq!(*aj, pool.y[i] * xj);
        }
        assert!(
            pool.y[i] * cp.predict(pool.row(i)) > 0.0,
            "labelled point {i} misclassified"
        );
    }
    // On the spiral (not linearly separable) inconsistent cuts are dropped, never kept.
    let (sp, st) = spiral();
    let run = run_baseline(
        Baseline::LinearCp,
        &BaselineParams::default(),
        &sp,
        &st,
        40,
        0,
        &|k| k == 40,
    )
    .unwrap();
    assert!(run.linear_dropped > 0);
}

#[test]
fn compare_is_deterministic_and_thread_count_free() {
    let config = small_compare();
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut calls = Vec::new();
        let report = pool
            .install(|| compare(&config, &mut |d, t| calls.push((d, t))))
            .unwrap();
        assert_eq!(calls.last(), Some(&(16, 16)));
        serde_json::to_string(&report).unwrap()
    };
    let one = json(1);
    assert_eq!(one, json(1));
    assert_eq!(one, json(3));
    let report: serde_json::Value = serde_json::from_str(&one).unwrap();
    let curves = report["curves"].as_array().unwrap();
    assert_eq!(curves.len(), Strategy::ALL.len());
    assert_eq!(curves[0]["strategy"], "cpal");
    assert!(curves[0]["by_cuts"].is_object());
    assert_eq!(curves[1]["by_labels"]["mean"].as_array().unwrap().len(), 8);
    // The pair rule reveals two labels in its first round: no CPAL network is scored at one label
    // (nor at 0 cuts, the ball's centre, which predicts 0 everywhere); every later count is.
    for run in curves[0]["runs"].as_array().unwrap() {
        let run = run.as_array().unwrap();
        assert!(run[0].is_null(), "{run:?}");
        assert!(run[1..].iter().all(|a| a.as_f64().is_some()), "{run:?}");
    }
    assert_eq!(curves[0]["by_labels"]["count"][0], 0);
    assert_eq!(curves[0]["by_labels"]["count"][1], 2);
    assert_eq!(curves[0]["by_cuts"]["count"][0], 0);
    // A baseline fits a network from its first label on.
    for c in &curves[1..] {
        let counts = c["by_labels"]["count"].as_array().unwrap();
        assert!(
            counts.iter().all(|n| n == 2),
            "{}: {counts:?}",
            c["strategy"]
        );
    }
    // The JSON entry point gives the same report.
    let via_json = run_compare_json(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(via_json, one);
}

#[test]
fn compare_config_errors_name_field_and_bound() {
    assert!(CompareConfig::default().validate().is_ok());
    let field = |c: CompareConfig| c.validate().unwrap_err().field().unwrap().to_string();
    assert_eq!(
        field(CompareConfig {
            seeds: 0,
            ..CompareConfig::default()
        }),
        "active.compare.seeds"
    );
    assert_eq!(
        field(CompareConfig {
            max_labels: 5000,
            ..CompareConfig::default()
        }),
        "active.compare.max_labels"
    );
    assert_eq!(
        field(CompareConfig {
            strategies: vec![],
            ..CompareConfig::default()
        }),
        "active.compare.strategies"
    );
    assert_eq!(
        field(CompareConfig {
            strategies: vec![
                Strategy::Baseline(Baseline::Qbc),
                Strategy::Baseline(Baseline::Qbc)
            ],
            ..CompareConfig::default()
        }),
        "active.compare.strategies"
    );
    let mut c = CompareConfig::default();
    c.baselines.net.width = 0;
    assert_eq!(field(c), "active.compare.baselines.net.width");
    let mut c = CompareConfig::default();
    c.baselines.dropout = 1.0;
    let e = c.validate().unwrap_err();
    assert_eq!(e.field(), Some("active.compare.baselines.dropout"));
    assert!(e.to_string().contains("0.9"), "{e}");
    let mut c = CompareConfig::default();
    c.cpal.gates = 0;
    assert_eq!(field(c), "active.compare.cpal.gates");
    // More labels than the pool holds: the bound names the pool size.
    let e = compare(
        &CompareConfig {
            max_labels: 81,
            ..small_compare()
        },
        &mut |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("active.compare.max_labels"));
    assert!(e.to_string().contains("80"), "{e}");
    match run_compare_json("{ not json") {
        Err(Error::Parse { field, .. }) => assert_eq!(field, "active compare config"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        run_compare_json(r#"{"seeds": 3, "bogus": 1}"#),
        Err(Error::Parse { .. })
    ));
    let c =
        CompareConfig::from_json(r#"{"strategies": ["cpal", "least_confidence", "linear_cp"]}"#)
            .unwrap();
    assert_eq!(
        c.strategies,
        vec![
            Strategy::Cpal,
            Strategy::Baseline(Baseline::LeastConfidence),
            Strategy::Baseline(Baseline::LinearCp)
        ]
    );
    // An unknown strategy name is a parse error that lists the choices.
    let e = CompareConfig::from_json(r#"{"strategies": ["cpal", "magic"]}"#).unwrap_err();
    assert!(e.to_string().contains("magic"), "{e}");
    assert!(e.to_string().contains("least_confidence"), "{e}");
    // Names survive a round trip through JSON.
    let json = serde_json::to_string(&CompareConfig::default()).unwrap();
    assert!(
        json.contains(r#""strategies":["cpal","random","least_confidence""#),
        "{json}"
    );
    assert_eq!(
        CompareConfig::from_json(&json).unwrap(),
        CompareConfig::default()
    );
}

/// The full spiral comparison (run with `--release -- --ignored --nocapture`): mean test accuracy
/// at 10, 20, 30, 50 labels over 5 seeds for every strategy.
#[test]
#[ignore]
fn spiral_learning_curves() {
    let t = std::time::Instant::now();
    let report = compare(&CompareConfig::default(), &mut |d, n| {
        eprintln!("{d}/{n} at {:?}", t.elapsed())
    })
    .unwrap();
    for c in &report.curves {
        let m = &c.by_labels.mean;
        let s = &c.by_labels.std;
        eprintln!(
            "{:>16}: 10 {:.3}±{:.3}  20 {:.3}±{:.3}  30 {:.3}±{:.3}  50 {:.3}±{:.3}",
            c.strategy.name(),
            m[9],
            s[9],
            m[19],
            s[19],
            m[29],
            s[29],
            m[49],
            s[49]
        );
    }
    eprintln!("total {:?}", t.elapsed());
}
