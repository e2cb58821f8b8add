//! The presets' labelling functions (`crate::data::ground_truth`): they agree with the generators
//! on every generated point, follow their closed forms, and reject what they cannot answer.

use convexlab::data::ground_truth::{spiral_arm_point, spiral_t_max};
use convexlab::data::{DataSpec, Preset, Task, ground_truth};

fn spec(preset: Preset, n: usize, seed: u64) -> DataSpec {
    DataSpec {
        preset,
        n,
        noise: 0.0,
        seed,
        ..DataSpec::default()
    }
}

#[test]
fn agrees_with_every_generated_point_without_noise() {
    // Spiral: no exceptions (every generated point lies on its own arm, distance ~1e-16, and the
    // two arms never come closer than 0.2 to each other's points).
    let planar = [
        Preset::Spiral,
        Preset::Moons,
        Preset::Xor,
        Preset::Circles,
        Preset::Blobs,
        Preset::Quadratic,
    ];
    let mut checked = 0;
    for preset in planar {
        for (n, seed) in [(100, 0), (101, 1), (4, 2), (57, 3), (1000, 4)] {
            let s = spec(preset, n, seed);
            let d = s.generate().unwrap();
            let points = d.train_x.chunks(d.dim).zip(&d.train_y);
            for (x, &y) in points.chain(d.test_x.chunks(d.dim).zip(&d.test_y)) {
                let truth = ground_truth(&s, x).unwrap();
                assert_eq!(truth, y, "{} n={n} seed={seed} x={x:?}", preset.name());
                checked += 1;
            }
            if d.task == Task::Regression {
                assert_eq!(preset, Preset::Quadratic);
            }
        }
    }
    // Odd n: the spiral keeps 2 floor(n/2) points (one dropped, as in the reference).
    assert_eq!(
        checked,
        5 * (100 + 101 + 4 + 57 + 1000) + (100 + 100 + 4 + 56 + 1000)
    );
}

#[test]
fn closed_forms_of_the_simple_rules() {
    let truth = |p: Preset, x: &[f64]| ground_truth(&spec(p, 100, 0), x).unwrap();
    assert_eq!(truth(Preset::Xor, &[0.5, -0.5]), -1.0);
    assert_eq!(truth(Preset::Xor, &[-0.2, -0.9]), 1.0);
    assert_eq!(truth(Preset::Xor, &[0.0, -0.9]), 1.0); // x1 x2 = 0 counts as +1, as generated
    assert_eq!(truth(Preset::Circles, &[0.0, 0.0]), 1.0);
    assert_eq!(truth(Preset::Circles, &[0.6, 0.3]), 1.0); // |x| = 0.671 < 0.675
    assert_eq!(truth(Preset::Circles, &[0.6, 0.31]), -1.0); // |x| = 0.675 3
    assert_eq!(truth(Preset::Circles, &[3.0, 0.0]), -1.0);
    assert_eq!(truth(Preset::Blobs, &[1.0, -0.9]), 1.0);
    assert_eq!(truth(Preset::Blobs, &[-1.0, 0.9]), -1.0);
    assert_eq!(truth(Preset::Quadratic, &[-0.3]), 0.09);
    assert_eq!(truth(Preset::Quadratic, &[2.0]), 4.0);
    // Moons, in the generator's coordinates q = (1.5 x1 + 0.5, 1.5 x2 + 0.25): q = (0, 2) is 1
    // from the outer arc and ~1.5 from the inner arc's end (0, 0.5); q = (2, -1.25) is 1.60 from
    // the outer arc's end (1, 0) and |hypot(1, 1.75) - 1| = 1.016 from the inner arc.
    let moons = |qx: f64, qy: f64| truth(Preset::Moons, &[(qx - 0.5) / 1.5, (qy - 0.25) / 1.5]);
    assert_eq!(moons(0.0, 2.0), 1.0);
    assert_eq!(moons(2.0, -1.25), -1.0);
    // The inner arc's centre is 1 from the inner arc but hypot(1, 0.5) - 1 = 0.118 from the outer.
    assert_eq!(moons(1.0, 0.5), 1.0);
    assert_eq!(moons(0.0, 0.5), -1.0); // the inner arc's end point
}

#[test]
fn spiral_rule_matches_brute_force_nearest_arm_and_is_odd() {
    let s = spec(Preset::Spiral, 100, 0);
    let t_max = spiral_t_max(100);
    // Brute force: 20 000 samples per arm (arc spacing < 2e-4), independent of the refinement.
    let samples = 20_000;
    let arms: Vec<Vec<(f64, f64)>> = [1.0, -1.0]
        .iter()
        .map(|&arm| {
            (0..=samples)
                .map(|k| spiral_arm_point(t_max * k as f64 / samples as f64, arm))
                .collect()
        })
        .collect();
    let brute = |x: f64, y: f64, arm: usize| {
        arms[arm]
            .iter()
            .map(|&(a, b)| (x - a).hypot(y - b))
            .fold(f64::INFINITY, f64::min)
    };
    let (mut compared, mut skipped) = (0, 0);
    for i in 0..21 {
        for j in 0..21 {
            let (x, y) = (-1.2 + 0.12 * i as f64, -1.2 + 0.12 * j as f64 + 0.013);
            let (dp, dm) = (brute(x, y, 0), brute(x, y, 1));
            let truth = ground_truth(&s, &[x, y]).unwrap();
            // The rule is odd: the arms are point reflections of each other through 0.
            assert_eq!(ground_truth(&s, &[-x, -y]).unwrap(), -truth, "({x}, {y})");
            if (dp - dm).abs() < 1e-3 {
                skipped += 1;
                continue;
            }
            assert_eq!(truth, if dp < dm { 1.0 } else { -1.0 }, "({x}, {y})");
            compared += 1;
        }
    }
    assert!(
        compared >= 430 && skipped <= 11,
        "{compared} compared, {skipped} skipped"
    );
}

#[test]
fn errors_name_the_field() {
    let s = spec(Preset::Spiral, 100, 0);
    let e = ground_truth(&s, &[0.1]).unwrap_err();
    assert_eq!(e.field(), Some("query.x length"));
    assert!(e.to_string().contains("between 2 and 2"), "{e}");
    let e = ground_truth(&spec(Preset::Quadratic, 100, 0), &[0.1, 0.2]).unwrap_err();
    assert_eq!(e.field(), Some("query.x length"));
    let e = ground_truth(&s, &[0.1, f64::NAN]).unwrap_err();
    assert_eq!(e.field(), Some("query.x[1]"));
    let e = ground_truth(&s, &[f64::INFINITY, 0.0]).unwrap_err();
    assert_eq!(e.field(), Some("query.x[0]"));
    let e = ground_truth(&spec(Preset::Sentiment, 100, 0), &[0.0; 5]).unwrap_err();
    assert_eq!(e.field(), Some("data.preset"));
    assert!(e.to_string().contains("only the person can answer"), "{e}");
    assert!(!Preset::Sentiment.has_labelling_function());
    assert!(Preset::Moons.has_labelling_function());
    let e = ground_truth(&spec(Preset::Moons, 2, 0), &[0.0, 0.0]).unwrap_err();
    assert_eq!(e.field(), Some("data.n"));
}
