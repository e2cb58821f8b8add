//! Same seed, same report, bit for bit (and whatever the number of rayon threads); configs are
//! validated with errors that name the field and the bound.

use convexlab::active::{Config, Experiment, run_json};
use convexlab::error::Error;
use convexlab::labs::Lab;

fn small_config() -> Config {
    Config {
        gates: 300,
        gate_seed: 7,
        ..Config::default()
    }
}

#[test]
fn same_seed_same_report_bit_for_bit() {
    let json = serde_json::to_string(&small_config()).unwrap();
    let a = run_json(&json).unwrap();
    let b = run_json(&json).unwrap();
    assert_eq!(a, b);
    assert_eq!(Lab::Active.run_json(&json).unwrap(), a);
    // The report round-trips and echoes its config.
    let report: convexlab::active::Report = serde_json::from_str(&a).unwrap();
    assert_eq!(report.config, small_config());
    assert!(report.cuts > 0 && report.rounds.len() > 1);
    // Another gate seed gives another run.
    let other = serde_json::to_string(&Config {
        gate_seed: 8,
        ..small_config()
    })
    .unwrap();
    assert_ne!(run_json(&other).unwrap(), a);
}

#[test]
fn thread_count_does_not_change_the_bits() {
    let data = small_config().data.generate().unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let report = Experiment::new(small_config(), &data)
                .unwrap()
                .run()
                .unwrap();
            serde_json::to_string(&report).unwrap()
        })
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn configs_are_checked() {
    let e = run_json("{oops").unwrap_err();
    assert!(
        matches!(&e, Error::Parse { field, .. } if field == "active config"),
        "{e}"
    );
    let e = run_json(r#"{"budget_cuts": 0}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.budget_cuts"));
    assert!(e.to_string().contains("between 1 and 2000"), "{e}");
    let e = run_json(r#"{"gates": 50000}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.gates"));
    let e = run_json(r#"{"data": {"n": 2}}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.data.n"));
    let e = run_json(r#"{"radius": -1}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.radius"));
    // Regression runs take the pool rules only.
    let e = run_json(r#"{"data": {"preset": "quadratic"}, "query": "synthesis"}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.query"), "{e}");
    let e = run_json(r#"{"regression_tol": 0}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.regression_tol"), "{e}");
    let e = run_json(r#"{"synthesis_resolution": 1}"#).unwrap_err();
    assert_eq!(e.field(), Some("active.synthesis_resolution"), "{e}");
    let e = run_json(r#"{"unknown_field": 1}"#).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }));
    // A labels budget stops the run.
    let json = r#"{"gates": 200, "budget_labels": 5}"#;
    let report: convexlab::active::Report = serde_json::from_str(&run_json(json).unwrap()).unwrap();
    assert_eq!(report.labels_used, 5);
    assert_eq!(
        report.stop,
        Some(convexlab::active::StopReason::BudgetLabels)
    );
}
