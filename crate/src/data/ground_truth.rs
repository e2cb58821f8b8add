//! The presets' noise-free labelling functions, for query synthesis: the learner may ask about any
//! point of the plane, and [`ground_truth()`] answers as the preset's generator would have labelled
//! a point there.
//!
//! Each rule is the nearest-generator-curve (or Bayes) rule of its preset, in the preset's own
//! (already mapped) coordinates:
//! - spiral: the label of the nearer of the two continuous arms `c_s(t)`, `s = ±1`,
//!   `t in [0, t_max]` (see [`spiral_arm_point`]);
//! - moons: the nearer half circle (outer `+1`, inner `-1`);
//! - xor: `+1` iff `x1 x2 >= 0`;
//! - circles: `+1` (inner circle, radius 0.45) iff `|x| < 0.675`, the radius midway to the outer
//!   circle (0.9, label `-1`);
//! - blobs: the nearer centre, `+1` iff `x1 + x2 >= 0` (the Bayes rule for two equal isotropic
//!   Gaussians at `±(0.5, 0.5)` with equal priors);
//! - quadratic: the target `x^2`.
//!
//! Ties (a point exactly as far from both curves) go to `+1`. `sentiment` has no labelling
//! function: a point of the embedding plane that is not a lexicon word has no valence, so only
//! the person can answer; user points likewise have no preset and no rule.

use crate::error::{Error, Result};

use super::{DataSpec, Preset, SPIRAL_N_SHAPE};

/// Grid intervals per spiral arm before the local refinement of [`spiral_arm_distance`].
const SPIRAL_GRID: usize = 512;

/// Golden-section iterations per refined bracket (the bracket shrinks by `0.618^80 ~ 2e-17`).
const GOLDEN_ITERATIONS: usize = 80;

/// The label (`±1`) or target (`quadratic`: `x^2`) that the preset `spec.preset` gives the input
/// point `x`, in the preset's own coordinates (length 2, or 1 for `quadratic`), noise-free. See
/// the module docs for each rule. The spiral's arms depend on `spec.n` (their length
/// `t_max = (floor(n/2) - 1) 50 / (n - 1)`); the other rules depend on the preset only.
///
/// Errors: `spec` out of range (as [`DataSpec::validate`], prefix `data`); `data.preset` for
/// `sentiment` (no labelling function: only the person can answer); `query.x length` for a
/// wrong-length `x`; `query.x[i]` for a non-finite coordinate.
pub fn ground_truth(spec: &DataSpec, x: &[f64]) -> Result<f64> {
    spec.validate("data")?;
    let dim = match spec.preset {
        Preset::Sentiment => {
            return Err(Error::UnknownName {
                field: "data.preset".into(),
                value: spec.preset.name().into(),
                expected: "a preset with a labelling function (spiral, moons, xor, circles, \
                           blobs, quadratic); sentiment has none off its word list: only the \
                           person can answer"
                    .into(),
            });
        }
        Preset::Quadratic => 1,
        _ => 2,
    };
    if x.len() != dim {
        return Err(Error::out_of_range("query.x length", x.len(), dim, dim));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NotFinite {
            field: format!("query.x[{i}]"),
            value: x[i].to_string(),
        });
    }
    let sign = |positive: bool| if positive { 1.0 } else { -1.0 };
    Ok(match spec.preset {
        Preset::Spiral => {
            let t_max = spiral_t_max(spec.n);
            let d_plus = spiral_arm_distance(x[0], x[1], 1.0, t_max);
            let d_minus = spiral_arm_distance(x[0], x[1], -1.0, t_max);
            sign(d_plus <= d_minus)
        }
        Preset::Moons => {
            let (d_outer, d_inner) = moons_arc_distances(x[0], x[1]);
            sign(d_outer <= d_inner)
        }
        Preset::Xor => sign(x[0] * x[1] >= 0.0),
        Preset::Circles => sign(libm::hypot(x[0], x[1]) < 0.675),
        Preset::Blobs => sign(x[0] + x[1] >= 0.0),
        Preset::Quadratic => x[0] * x[0],
        Preset::Sentiment => unreachable!("handled above"),
    })
}

/// The end of the spiral arms' parameter range for `n` points: `t_max = (floor(n/2) - 1)
/// n_shape / (n - 1)` with `n_shape = 50`, the `i'` of the last point that
/// [`super::spiral`] draws on each arm.
pub fn spiral_t_max(n: usize) -> f64 {
    ((n / 2 - 1) * SPIRAL_N_SHAPE) as f64 / (n - 1) as f64
}

/// Point `t` of spiral arm `arm = ±1` in the preset's `[-1, 1]^2` coordinates, computed with the
/// same floating-point expression as [`super::spiral_xy`] (there `t = i'` is `i n_shape /
/// (total - 1)`) followed by `2 p - 1`: `phi = t pi / 16`, `r = 6.5 (104 - t) / 104`,
/// `c(t) = 2 (r cos(phi) arm / 13 + 0.5, r sin(phi) arm / 13 + 0.5) - 1`, i.e.
/// `arm (1 - t/104) (cos(phi), sin(phi))`.
pub fn spiral_arm_point(t: f64, arm: f64) -> (f64, f64) {
    let phi = t / 16.0 * std::f64::consts::PI;
    let r = 6.5 * ((104.0 - t) / 104.0);
    let a = (r * libm::cos(phi) * arm) / 13.0 + 0.5;
    let b = (r * libm::sin(phi) * arm) / 13.0 + 0.5;
    (2.0 * a - 1.0, 2.0 * b - 1.0)
}

/// Euclidean distance from `(px, py)` to spiral arm `arm` over `t in [0, t_max]`: the squared
/// distance is sampled on [`SPIRAL_GRID`] equal intervals, and every grid local minimum is refined
/// by golden-section search on its two neighbouring intervals. An arm is less than one turn of
/// radius 0.76 to 1 and a grid interval spans at most 0.01 of arc length, so a bracket around the
/// best grid node holds the nearest point (checked against a 20 000-sample brute force in
/// `tests/data_ground_truth.rs`).
pub fn spiral_arm_distance(px: f64, py: f64, arm: f64, t_max: f64) -> f64 {
    let d2 = |t: f64| {
        let (cx, cy) = spiral_arm_point(t, arm);
        (px - cx) * (px - cx) + (py - cy) * (py - cy)
    };
    let step = t_max / SPIRAL_GRID as f64;
    let grid: Vec<f64> = (0..=SPIRAL_GRID).map(|k| d2(k as f64 * step)).collect();
    let mut best = grid.iter().copied().fold(f64::INFINITY, f64::min);
    for k in 0..=SPIRAL_GRID {
        let left = if k == 0 { f64::INFINITY } else { grid[k - 1] };
        let right = if k == SPIRAL_GRID {
            f64::INFINITY
        } else {
            grid[k + 1]
        };
        if grid[k] <= left && grid[k] <= right {
            let lo = k.saturating_sub(1) as f64 * step;
            let hi = (k + 1).min(SPIRAL_GRID) as f64 * step;
            best = best.min(golden_section_min(&d2, lo, hi));
        }
    }
    best.sqrt()
}

/// The smallest value of `f` found by golden-section search on `[lo, hi]` ([`GOLDEN_ITERATIONS`]
/// steps), never larger than `f` at the ends.
fn golden_section_min(f: &impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..GOLDEN_ITERATIONS {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    fc.min(fd).min(f(lo)).min(f(hi))
}

/// Distances from the moons-preset point `(x1, x2)` to the outer arc (label `+1`) and the inner
/// arc (label `-1`), measured in the generator's coordinates `q = (1.5 x1 + 0.5, 1.5 x2 + 0.25)`
/// (the inverse of the preset's map; one scale for both axes, so nearer stays nearer). Outer arc:
/// `(cos t, sin t)`, `t in [0, pi]`; inner arc: `(1 - cos t, 0.5 - sin t)`. The distance to a half
/// circle of centre `c` is `| |q - c| - 1 |` when `q` lies in the arc's half plane through `c`,
/// else the distance to the nearer end point.
pub fn moons_arc_distances(x1: f64, x2: f64) -> (f64, f64) {
    let (qx, qy) = (1.5 * x1 + 0.5, 1.5 * x2 + 0.25);
    let outer = if qy >= 0.0 {
        (libm::hypot(qx, qy) - 1.0).abs()
    } else {
        libm::hypot(qx - 1.0, qy).min(libm::hypot(qx + 1.0, qy))
    };
    let inner = if qy <= 0.5 {
        (libm::hypot(qx - 1.0, qy - 0.5) - 1.0).abs()
    } else {
        libm::hypot(qx, qy - 0.5).min(libm::hypot(qx - 2.0, qy - 0.5))
    };
    (outer, inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spiral_arm_point_matches_spiral_xy_at_the_drawn_points() {
        let n = 100;
        for arm in [1.0, -1.0] {
            for i in 0..n / 2 {
                let t = (i * SPIRAL_N_SHAPE) as f64 / (n - 1) as f64;
                let (a, b) = super::super::spiral_xy(i, n, arm, SPIRAL_N_SHAPE);
                assert_eq!(spiral_arm_point(t, arm), (2.0 * a - 1.0, 2.0 * b - 1.0));
            }
        }
        assert_eq!(spiral_t_max(100), 49.0 * 50.0 / 99.0);
    }

    #[test]
    fn distances_have_closed_forms() {
        // Arm +1 starts at (1, 0); a point on the x axis right of it is nearest that end.
        let d = spiral_arm_distance(1.5, 0.0, 1.0, spiral_t_max(100));
        assert!((d - 0.5).abs() < 1e-12, "{d}");
        // A point of the curve between grid nodes is on it.
        let t = 8.123_456;
        let (cx, cy) = spiral_arm_point(t, 1.0);
        let d = spiral_arm_distance(cx, cy, 1.0, spiral_t_max(100));
        assert!(d < 1e-8, "{d}");
        // Moons: the outer arc's top (0, 1) maps to ((0 - 0.5)/1.5, (1 - 0.25)/1.5).
        // It is 0.5 above the inner arc's end point (0, 0.5).
        let (o, i) = moons_arc_distances(-0.5 / 1.5, 0.75 / 1.5);
        assert!(o < 1e-12, "{o}");
        assert!((i - 0.5).abs() < 1e-12, "{i}");
        // The inner arc's centre (1, 0.5) is 1 away from the inner arc and from the outer one at (1, 0).
        let (o, i) = moons_arc_distances(0.5 / 1.5, 0.25 / 1.5);
        assert!((i - 1.0).abs() < 1e-12, "{i}");
        assert!((o - (0.5f64.hypot(1.0) - 1.0)).abs() < 1e-12, "{o}");
    }
}
