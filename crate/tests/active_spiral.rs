//! The paper's spiral protocol (Section 5, the reference's `cutting_plane_classification` on
//! `generate_spiral_data()` with `P = 1000`): most-confident pair, each wrong label a cut, budget
//! 50 cuts, run until the pool runs out, over 5 gate seeds.

use convexlab::active::{Config, Experiment, StopReason};

#[test]
fn spiral_protocol_over_five_gate_seeds() {
    let data = Config::default().data.generate().unwrap();
    let mut cuts = Vec::new();
    let mut accs = Vec::new();
    for seed in 0..5 {
        let config = Config {
            gate_seed: seed,
            ..Config::default()
        };
        let mut exp = Experiment::new(config, &data).unwrap();
        let report = exp.run().unwrap();
        assert_eq!(report.stop, Some(StopReason::PoolExhausted), "seed {seed}");
        assert_eq!(report.labels_used, 80);
        // Every centre is strictly inside and stationary for the ball-form barrier.
        let c = exp.centre();
        assert!(exp.version_space().min_slack(&c.theta) > 0.0);
        for r in &report.rounds {
            assert!(
                r.ball_decrement < 1e-8,
                "seed {seed} round {}: {}",
                r.round,
                r.ball_decrement
            );
        }
        let steps: Vec<usize> = report
            .rounds
            .iter()
            .filter(|r| r.newton_steps > 0)
            .map(|r| r.newton_steps)
            .collect();
        eprintln!(
            "seed {seed}: m = {}, cuts = {}, labels = {}, test acc = {:?}, newton steps = {:?}",
            report.patterns, report.cuts, report.labels_used, report.test_accuracy, steps
        );
        cuts.push(report.cuts as f64);
        accs.push(report.test_accuracy.unwrap());
    }
    let mean_cuts = cuts.iter().sum::<f64>() / 5.0;
    let mean_acc = accs.iter().sum::<f64>() / 5.0;
    eprintln!("mean cuts {mean_cuts}, mean test accuracy {mean_acc}");
    assert!((12.0..=20.0).contains(&mean_cuts), "mean cuts {mean_cuts}");
    assert!((0.6..=0.85).contains(&mean_acc), "mean accuracy {mean_acc}");
}
