//! The person as the oracle: a round that pauses for labels (`propose` / `answer`), undo, user
//! points with known and unknown labels, and runs exported and replayed bit for bit.

use convexlab::active::patterns::Patterns;
use convexlab::active::pool::Pool;
use convexlab::active::replay::RunRecord;
use convexlab::active::version_space::{network_output, pool_prediction};
use convexlab::active::{Config, Experiment, QueryRule, StopReason, UserPoint};
use convexlab::data::LabelledPoint;
use convexlab::error::Error;
use convexlab::rng::Stream;

fn small(query: QueryRule) -> Config {
    Config {
        gates: 300,
        gate_seed: 7,
        query,
        ..Config::default()
    }
}

fn bits(exp: &Experiment) -> Vec<u64> {
    exp.centre().theta.iter().map(|v| v.to_bits()).collect()
}

fn report_json(exp: &Experiment) -> String {
    serde_json::to_string(&exp.report()).unwrap()
}

#[test]
fn propose_and_answer_reproduce_step_exactly() {
    let configs = [
        small(QueryRule::ConfidentPair),
        small(QueryRule::LeastConfident),
        Config {
            budget_labels: 5,
            ..small(QueryRule::ConfidentPair)
        },
        Config {
            budget_cuts: 7,
            ..small(QueryRule::LeastConfident)
        },
    ];
    for config in configs {
        let data = config.data.generate().unwrap();
        let mut a = Experiment::new(config.clone(), &data).unwrap();
        let mut b = a.clone();
        let mut c = a.clone();
        // Round by round: a snapshot after step equals the snapshot after the round's last answer.
        while a.snapshot().stopped.is_none() {
            let sa = a.step().unwrap();
            let picks = b.propose().unwrap();
            assert_eq!(b.snapshot().pending, picks);
            let mut sb = b.snapshot();
            for i in picks {
                if b.pending().contains(&i) {
                    sb = b.answer(i, b.known_label(i).unwrap()).unwrap();
                }
            }
            assert_eq!(sa, sb);
            assert!(sb.pending.is_empty() && sb.answered.is_empty());
            assert_eq!(bits(&a), bits(&b));
        }
        assert_eq!(b.propose().unwrap(), Vec::<usize>::new());
        while c.snapshot().stopped.is_none() {
            c.propose().unwrap();
            assert!(c.auto_answer().unwrap().is_empty());
        }
        assert_eq!(report_json(&a), report_json(&b));
        assert_eq!(report_json(&a), report_json(&c));
        assert_eq!(bits(&a), bits(&c));
        assert_eq!(a.answers().len(), a.report().labels_used);
        // run() on a fresh copy gives the same report too.
        let mut d = Experiment::new(config, &data).unwrap();
        assert_eq!(
            report_json(&a),
            serde_json::to_string(&d.run().unwrap()).unwrap()
        );
    }
}

#[test]
fn wrong_answers_name_the_field() {
    let config = small(QueryRule::ConfidentPair);
    let data = config.data.generate().unwrap();
    let mut exp = Experiment::new(config, &data).unwrap();
    let e = exp.answer(0, 1.0).unwrap_err();
    assert_eq!(e.field(), Some("active.point"), "{e}");
    assert!(e.to_string().contains("none is pending"), "{e}");
    let picks = exp.propose().unwrap();
    assert_eq!(picks.len(), 2);
    assert_eq!(
        exp.propose().unwrap(),
        picks,
        "propose is idempotent mid-round"
    );
    for bad in [0.0, 0.5, 2.0, f64::NAN, f64::INFINITY] {
        let e = exp.answer(picks[0], bad).unwrap_err();
        assert_eq!(e.field(), Some("active.label"), "{e}");
        assert!(e.to_string().contains("-1, 1"), "{e}");
    }
    let other = (0..exp.pool().n).find(|i| !picks.contains(i)).unwrap();
    let e = exp.answer(other, 1.0).unwrap_err();
    assert_eq!(e.field(), Some("active.point"), "{e}");
    assert!(e.to_string().contains("a pending point"), "{e}");
    let e = exp.answer(1_000_000, 1.0).unwrap_err();
    assert_eq!(e.field(), Some("active.point"), "{e}");
    assert!(e.to_string().contains("between 0 and 79"), "{e}");
    // Nothing changed on errors.
    assert_eq!(exp.snapshot().labels_used, 0);
    assert_eq!(exp.pending(), picks.as_slice());
    // A point is answered once; a second answer is refused.
    exp.answer(picks[1], -1.0).unwrap();
    let e = exp.answer(picks[1], -1.0).unwrap_err();
    assert_eq!(e.field(), Some("active.point"), "{e}");
    // Undo with nothing answered.
    let mut fresh = Experiment::new(small(QueryRule::LeastConfident), &data).unwrap();
    let e = fresh.undo().unwrap_err();
    assert!(e.field().unwrap().starts_with("active.undo"), "{e}");
    // Malformed run records.
    let e = RunRecord::from_json("{oops").unwrap_err();
    assert!(
        matches!(&e, Error::Parse { field, .. } if field == "active run"),
        "{e}"
    );
}

#[test]
fn undo_restores_every_earlier_state_bit_for_bit() {
    for query in [QueryRule::ConfidentPair, QueryRule::LeastConfident] {
        let config = Config {
            budget_cuts: 12,
            ..small(query)
        };
        let data = config.data.generate().unwrap();
        let mut exp = Experiment::new(config.clone(), &data).unwrap();
        // Before each answer: (centre bits, report, snapshot). Answers go in reverse query order
        // so that the order of a round's answers matters.
        let mut states = Vec::new();
        'run: for _ in 0..40 {
            let picks = exp.propose().unwrap();
            if picks.is_empty() {
                break;
            }
            for &i in picks.iter().rev() {
                if !exp.pending().contains(&i) {
                    continue;
                }
                states.push((bits(&exp), report_json(&exp), exp.snapshot()));
                exp.answer(i, exp.known_label(i).unwrap()).unwrap();
                if exp.snapshot().stopped.is_some() {
                    break 'run;
                }
            }
        }
        assert!(states.len() > 6);
        let end = (bits(&exp), report_json(&exp), exp.snapshot());
        let all = exp.answers().to_vec();
        // Undo three labels, then redo them: the same end state.
        for _ in 0..3 {
            exp.undo().unwrap();
            let (b, r, s) = &states[exp.answers().len()];
            assert_eq!(&bits(&exp), b);
            assert_eq!(&report_json(&exp), r);
            assert_eq!(&exp.snapshot(), s);
        }
        for a in &all[all.len() - 3..] {
            exp.propose().unwrap();
            exp.answer(a.point, a.label).unwrap();
        }
        assert_eq!((bits(&exp), report_json(&exp), exp.snapshot()), end);
        // Undo everything, checking each state.
        while !exp.answers().is_empty() {
            exp.undo().unwrap();
            let (b, r, s) = &states[exp.answers().len()];
            assert_eq!(
                &bits(&exp),
                b,
                "{query:?} after undo to {}",
                exp.answers().len()
            );
            assert_eq!(&report_json(&exp), r);
            assert_eq!(&exp.snapshot(), s);
        }
        assert!(exp.centre().theta.iter().all(|&v| v == 0.0));
    }
}

fn n_points(p: &[[f64; 2]]) -> usize {
    p.len()
}

/// Uniform points in `[-1, 1]^2` from a seeded stream.
fn uniform_points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut s = Stream::new(seed);
    (0..n)
        .map(|_| [2.0 * s.uniform() - 1.0, 2.0 * s.uniform() - 1.0])
        .collect()
}

#[test]
fn user_points_with_known_and_unknown_labels() {
    let truth = |p: &[f64; 2]| {
        if p[0] * p[0] + p[1] * p[1] < 0.45 {
            1.0
        } else {
            -1.0
        }
    };
    let pts = uniform_points(60, 11);
    let points: Vec<UserPoint> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| UserPoint {
            x: p[0],
            y: p[1],
            label: (i % 3 == 0).then(|| truth(p)),
        })
        .collect();
    let test: Vec<LabelledPoint> = uniform_points(30, 12)
        .iter()
        .map(|p| LabelledPoint {
            x: p[0],
            y: p[1],
            label: truth(p),
        })
        .collect();
    let config = Config {
        budget_cuts: 15,
        ..small(QueryRule::ConfidentPair)
    };
    let mut exp = Experiment::from_points(config.clone(), &points, &test).unwrap();
    assert_eq!(exp.report().dataset, "user");
    assert_eq!(exp.report().pool_size, 60);
    assert_eq!(exp.known_label(0), Some(truth(&pts[0])));
    assert_eq!(exp.known_label(1), None);
    // With auto_answer the person is asked only for unknown labels.
    let mut auto_exp = exp.clone();
    let (mut asked, mut auto) = (0, 0);
    while auto_exp.snapshot().stopped.is_none() {
        if auto_exp.propose().unwrap().is_empty() {
            break;
        }
        let before = auto_exp.answers().len();
        let left = auto_exp.auto_answer().unwrap();
        auto += auto_exp.answers().len() - before;
        for &i in &left {
            assert_eq!(auto_exp.known_label(i), None);
            // step() refuses to answer for the person.
            let e = auto_exp.clone().step().unwrap_err();
            assert_eq!(e.field(), Some("active.label"), "{e}");
            if auto_exp.pending().contains(&i) {
                auto_exp.answer(i, truth(&pts[i])).unwrap();
                asked += 1;
            }
        }
    }
    assert!(asked > 0 && auto > 0, "asked {asked}, auto {auto}");
    assert!(auto_exp.report().cuts > 0);
    // Answering in query order (known labels from the pool, the others by the person) ...
    while exp.snapshot().stopped.is_none() {
        let picks = exp.propose().unwrap();
        for i in picks {
            if exp.pending().contains(&i) {
                let y = exp.known_label(i).unwrap_or_else(|| truth(&pts[i]));
                exp.answer(i, y).unwrap();
            }
        }
    }
    let report = exp.report();
    assert!(report.cuts > 0);
    assert!(report.test_accuracy.is_some());
    // ... is the same run as the same points with every label known, stepped by the ground truth.
    let known: Vec<UserPoint> = pts
        .iter()
        .map(|p| UserPoint {
            x: p[0],
            y: p[1],
            label: Some(truth(p)),
        })
        .collect();
    let mut all_known = Experiment::from_points(config.clone(), &known, &test).unwrap();
    let full = all_known.run().unwrap();
    assert_eq!(bits(&exp), bits(&all_known));
    assert_eq!(report.rounds, full.rounds);
    assert_eq!(report.test_accuracy, full.test_accuracy);

    // Validation names the field and the bound.
    let check = |pts: &[UserPoint], test: &[LabelledPoint], field: &str, text: &str| {
        let e = Experiment::from_points(config.clone(), pts, test).unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(e.to_string().contains(text), "{e}");
    };
    let p = |x: f64, y: f64, label: Option<f64>| UserPoint { x, y, label };
    check(&[], &[], "active.points", "at least 1");
    let mut bad = vec![p(0.0, 0.0, None); 5];
    bad[3].x = f64::NAN;
    check(&bad, &[], "active.points[3].x", "finite");
    bad[3].x = 0.0;
    bad[1].y = 2e3;
    check(&bad, &[], "active.points[1].y", "between -1000 and 1000");
    bad[1].y = 0.0;
    bad[2].label = Some(0.0);
    check(&bad, &[], "active.points[2].label", "-1, 1");
    bad[2].label = None;
    let many = vec![p(0.1, 0.2, Some(1.0)); 10_001];
    check(
        &many,
        &[],
        "active.points number of points",
        "between 1 and 10000",
    );
    let t = [LabelledPoint {
        x: 0.0,
        y: 0.0,
        label: 3.0,
    }];
    check(&bad, &t, "active.test[0].label", "-1, 1");
    let e = Experiment::from_points(
        Config {
            gates: 0,
            ..config.clone()
        },
        &bad,
        &[],
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("active.gates"));
    // JSON: a missing or null label means "ask the person".
    let parsed: Vec<UserPoint> = serde_json::from_str(
        r#"[{"x": 0.5, "y": -1, "label": 1}, {"x": 0, "y": 0, "label": null}, {"x": 1, "y": 1}]"#,
    )
    .unwrap();
    assert_eq!(parsed[0].label, Some(1.0));
    assert_eq!((parsed[1].label, parsed[2].label), (None, None));
    // With no test points there is no accuracy.
    let none = Experiment::from_points(config, &bad, &[]).unwrap();
    assert_eq!(none.test_accuracy(), None);
    assert_eq!(none.report().pool_accuracy, None);
}

#[test]
fn export_and_import_replay_bit_for_bit() {
    // A preset run exported mid-round, and a user run with unknown labels.
    let config = small(QueryRule::ConfidentPair);
    let data = config.data.generate().unwrap();
    let mut preset = Experiment::new(config.clone(), &data).unwrap();
    for _ in 0..4 {
        preset.step().unwrap();
    }
    let picks = preset.propose().unwrap();
    preset
        .answer(picks[1], preset.known_label(picks[1]).unwrap())
        .unwrap();
    assert_eq!(preset.pending(), &picks[..1]);

    let pts = uniform_points(50, 3);
    let truth = |p: &[f64; 2]| if p[0] - 0.3 * p[1] > 0.1 { 1.0 } else { -1.0 };
    let points: Vec<UserPoint> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| UserPoint {
            x: p[0] * 3.7,
            y: p[1] / 7.0,
            label: (i % 2 == 0).then(|| truth(p)),
        })
        .collect();
    let mut user = Experiment::from_points(
        Config {
            query: QueryRule::LeastConfident,
            ..config.clone()
        },
        &points,
        &[],
    )
    .unwrap();
    for _ in 0..9 {
        user.propose().unwrap();
        for i in user.auto_answer().unwrap() {
            user.answer(i, truth(&pts[i])).unwrap();
        }
    }
    for mut original in [preset, user] {
        let record = original.export();
        let json = record.to_json().unwrap();
        let back = RunRecord::from_json(&json).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.to_json().unwrap(), json);
        let mut copy = Experiment::import(&back).unwrap();
        assert_eq!(bits(&copy), bits(&original));
        assert_eq!(report_json(&copy), report_json(&original));
        assert_eq!(copy.snapshot(), original.snapshot());
        assert_eq!(copy.export(), record);
        // Both continue the same way (the person's answers: the pool's truth or the rule).
        for exp in [&mut original, &mut copy] {
            while exp.snapshot().stopped.is_none() {
                let picks = exp.propose().unwrap();
                if picks.is_empty() {
                    break;
                }
                for i in exp.auto_answer().unwrap() {
                    exp.answer(i, truth(&pts[i])).unwrap();
                }
            }
        }
        assert_eq!(bits(&copy), bits(&original));
        assert_eq!(report_json(&copy), report_json(&original));

        // Drift is detected; bad fields are named.
        let mut r = record.clone();
        r.gates[0] = -r.gates[0];
        let e = Experiment::import(&r).unwrap_err();
        assert_eq!(e.field(), Some("active run.patterns_digest"), "{e}");
        // Another first answer gives another run: its centre (or its queries) differ.
        let mut r = record.clone();
        r.answers[0].label = -r.answers[0].label;
        let e = Experiment::import(&r).unwrap_err();
        assert!(
            e.field().is_some_and(|f| f.starts_with("active run.")),
            "{e}"
        );
        let mut r = record.clone();
        r.pool_x[4] = f64::INFINITY;
        let e = Experiment::import(&r).unwrap_err();
        assert_eq!(e.field(), Some("active run.pool_x[4]"), "{e}");
        let mut r = record.clone();
        r.pool_labels[0] = Some(0.5);
        let e = Experiment::import(&r).unwrap_err();
        assert_eq!(e.field(), Some("active run.pool_labels[0]"), "{e}");
        let mut r = record.clone();
        r.answers[0].point = 100_000;
        let e = Experiment::import(&r).unwrap_err();
        assert_eq!(e.field(), Some("active run.answers[0]"), "{e}");
        assert!(e.to_string().contains("active.point"), "{e}");
        let mut r = record.clone();
        r.format = 9;
        let e = Experiment::import(&r).unwrap_err();
        assert_eq!(e.field(), Some("active run.format"), "{e}");
        let e = RunRecord::from_json(&json.replace("\"format\"", "\"formats\"")).unwrap_err();
        assert_eq!(e.field(), Some("active run"), "{e}");
    }
}

#[test]
fn a_person_consistent_with_a_linear_separator_never_empties_the_version_space() {
    for (query, seed) in [
        (QueryRule::ConfidentPair, 21),
        (QueryRule::LeastConfident, 22),
    ] {
        let config = Config {
            gates: 600,
            gate_seed: 5,
            query,
            budget_cuts: 40,
            ..Config::default()
        };
        let pts = uniform_points(90, seed);
        let points: Vec<UserPoint> = pts
            .iter()
            .map(|p| UserPoint {
                x: p[0],
                y: p[1],
                label: None,
            })
            .collect();
        let mut exp = Experiment::from_points(config.clone(), &points, &[]).unwrap();
        let (pool, pat) = (exp.pool().clone(), exp.patterns().clone());
        // The patterns are those of the person's points, in the order given.
        let flat: Vec<f64> = pts.iter().flatten().copied().collect();
        let probe = Pool::with_bias(&flat, 2, &vec![f64::NAN; n_points(&pts)]);
        assert_eq!(
            Patterns::sample(&probe, config.gates, config.gate_seed),
            pat
        );
        let (n, d, m) = (pool.n, pool.d, pat.m);
        let pattern = |j: usize| (0..n).map(|i| pat.row(i)[j] == 1).collect::<Vec<_>>();
        // The person's separator: a balanced gate among the lab's own patterns.
        let j_sep = (0..m)
            .find(|&j| {
                let pos = pattern(j).iter().filter(|&&b| b).count();
                (n * 2 / 5..=n * 3 / 5).contains(&pos)
            })
            .expect("a balanced gate");
        let j_one = (0..m)
            .find(|&j| pattern(j).iter().all(|&b| b))
            .expect("all-ones pattern");
        let u = pat.gate(j_sep).to_vec();
        let person = |i: usize| if pat.row(i)[j_sep] == 1 { 1.0 } else { -1.0 };
        let margin = (0..n)
            .filter(|&i| person(i) > 0.0)
            .map(|i| pool.row(i).iter().zip(&u).map(|(a, b)| a * b).sum::<f64>())
            .fold(f64::INFINITY, f64::min);
        assert!(margin > 0.0);
        let mut theta = vec![0.0; 2 * d * m];
        theta[2 * j_sep * d..2 * j_sep * d + d].copy_from_slice(&u);
        theta[(2 * j_one + 1) * d + d - 1] = 0.5 * margin;
        let norm = theta.iter().map(|v| v * v).sum::<f64>().sqrt();
        theta.iter_mut().for_each(|v| *v *= 0.5 / norm);
        for i in 0..n {
            let f = pool_prediction(&pool, &pat, i, &theta);
            assert!(person(i) * f > 0.0);
            assert_eq!(f, network_output(pool.row(i), &theta));
        }
        let mut rounds = 0;
        while exp.snapshot().stopped.is_none() {
            let picks = exp.propose().unwrap();
            if picks.is_empty() {
                break;
            }
            // The person answers the last proposed point first.
            for &i in picks.iter().rev() {
                if !exp.pending().contains(&i) {
                    continue;
                }
                let s = exp.answer(i, person(i)).unwrap();
                let vs = exp.version_space();
                let slacks = vs.slacks(&theta, 0);
                assert!(
                    slacks.iter().all(|&s| s >= 0.0),
                    "{query:?}: a cut excludes theta_sep"
                );
                for k in 0..vs.cuts() {
                    assert!(slacks[k * (1 + 2 * m)] > 0.0, "prediction row {k}");
                }
                if s.pending.is_empty() && vs.cuts() > 0 {
                    let c = exp.centre();
                    assert!(vs.min_slack(&c.theta) > 0.0, "centre not strictly inside");
                    assert!(
                        c.ball_decrement < 1e-8,
                        "ball decrement {}",
                        c.ball_decrement
                    );
                }
            }
            rounds += 1;
        }
        let report = exp.report();
        assert!(report.cuts >= 1 && rounds > 1);
        assert!(matches!(
            report.stop,
            Some(StopReason::PoolExhausted | StopReason::BudgetCuts)
        ));
        eprintln!(
            "{query:?}: rounds {rounds}, cuts {}, labels {}",
            report.cuts, report.labels_used
        );
    }
}
