//! On a linearly separable set the version space never excludes a separating network
//! (Theorem 4.1: every cut is implied by the labels, so any network consistent with all of them
//! stays inside), and every centre is strictly inside the cuts.

use convexlab::active::patterns::Patterns;
use convexlab::active::pool::Pool;
use convexlab::active::version_space::{network_output, pool_prediction};
use convexlab::active::{Config, Experiment, QueryRule};
use convexlab::data::{DataSpec, Preset};

#[test]
fn a_separating_network_survives_every_cut() {
    for query in [QueryRule::ConfidentPair, QueryRule::LeastConfident] {
        // Uniform points in [-1, 1]^2 labelled by a sampled gate: linearly separable, and the
        // separating pattern is among the lab's own patterns (same points, gates and seed).
        let config = Config {
            data: DataSpec {
                preset: Preset::Xor,
                n: 150,
                seed: 4,
                ..DataSpec::default()
            },
            gates: 1000,
            gate_seed: 2,
            query,
            ..Config::default()
        };
        let mut data = config.data.generate().unwrap();
        let probe = Pool::with_bias(&data.train_x, 2, &data.train_y);
        let probe_pat = Patterns::sample(&probe, config.gates, config.gate_seed);
        let gate = (0..probe_pat.m)
            .find(|&j| {
                let pos = (0..probe.n).filter(|&i| probe_pat.row(i)[j] == 1).count();
                (probe.n * 2 / 5..=probe.n * 3 / 5).contains(&pos)
            })
            .map(|j| probe_pat.gate(j).to_vec())
            .expect("a balanced gate");
        let label = |p: &[f64]| {
            if p[0] * gate[0] + p[1] * gate[1] + gate[2] >= 0.0 {
                1.0
            } else {
                -1.0
            }
        };
        data.train_y = data.train_x.chunks(2).map(label).collect();
        data.test_y = data.test_x.chunks(2).map(label).collect();
        let mut exp = Experiment::new(config, &data).unwrap();
        let (pool, pat) = (exp.pool().clone(), exp.patterns().clone());
        let (n, d, m) = (pool.n, pool.d, pat.m);
        // A sampled gate whose pattern is exactly the positive class (a linear separator), and the
        // all-ones pattern (a gate with x^T u >= 0 on every point).
        let pattern = |j: usize| (0..n).map(|i| pat.row(i)[j] == 1).collect::<Vec<_>>();
        let positive: Vec<bool> = pool.y.iter().map(|&y| y > 0.0).collect();
        let j_sep = (0..m)
            .find(|&j| pattern(j) == positive)
            .expect("a separating gate");
        let j_one = (0..m)
            .find(|&j| pattern(j).iter().all(|&b| b))
            .expect("all-ones pattern");
        assert_ne!(j_sep, j_one);
        let u = pat.gate(j_sep).to_vec();
        let margin = (0..n)
            .filter(|&i| positive[i])
            .map(|i| pool.row(i).iter().zip(&u).map(|(a, b)| a * b).sum::<f64>())
            .fold(f64::INFINITY, f64::min);
        assert!(margin > 0.0);
        // theta_sep: U1_{j_sep} = u, U2_{j_one} = (margin / 2) e_bias; f(x) = relu(u.x) - margin/2.
        let mut theta = vec![0.0; 2 * d * m];
        theta[2 * j_sep * d..2 * j_sep * d + d].copy_from_slice(&u);
        theta[(2 * j_one + 1) * d + d - 1] = 0.5 * margin;
        let norm = theta.iter().map(|v| v * v).sum::<f64>().sqrt();
        theta.iter_mut().for_each(|v| *v *= 0.5 / norm);
        for i in 0..n {
            let f = pool_prediction(&pool, &pat, i, &theta);
            assert!(
                pool.y[i] * f > 0.0,
                "theta_sep misclassifies pool point {i}"
            );
            assert_eq!(f, network_output(pool.row(i), &theta));
        }
        while exp.snapshot().stopped.is_none() {
            exp.step().unwrap();
            let vs = exp.version_space();
            let slacks = vs.slacks(&theta, 0);
            assert!(
                slacks.iter().all(|&s| s >= 0.0),
                "{query:?}: a cut excludes theta_sep"
            );
            for k in 0..vs.cuts() {
                assert!(slacks[k * (1 + 2 * m)] > 0.0, "prediction row {k}");
            }
            if vs.cuts() > 0 {
                let c = exp.centre();
                assert!(vs.min_slack(&c.theta) > 0.0, "centre not strictly inside");
                assert!(
                    c.ball_decrement < 1e-8,
                    "ball decrement {}",
                    c.ball_decrement
                );
            }
        }
        let report = exp.report();
        assert!(report.cuts >= 1);
        eprintln!(
            "{query:?}: cuts {}, labels {}, test accuracy {:?}, stop {:?}",
            report.cuts, report.labels_used, report.test_accuracy, report.stop
        );
    }
}
