//! Line searches along a Newton direction for the log barriers of the centring methods
//! ([`super::centre`], [`super::three_layer`], [`super::regression`]).
//!
//! Along a direction, a barrier restricted to the step length `a` has the form
//! `h(a) = q(a) - sum_i log(v_i + a dv_i)` with `q` convex and smooth, on `0 <= a < a_max`,
//! `a_max = min_{dv_i < 0} -v_i / dv_i` ([`max_step`]). `h` is convex, and its minimiser solves
//! `h'(a) = q'(a) - sum_i dv_i / (v_i + a dv_i) = 0`, where
//! `h''(a) = q''(a) + sum_i (dv_i / (v_i + a dv_i))^2` ([`barrier_derivatives`]); the searches
//! approximate it by safeguarded Newton on `h'` ([`safeguarded_newton_1d`]), without logarithms.

use crate::linalg::dot;

/// The largest step `a` keeping every `v_i + a dv_i` positive (`+inf` if none decreases).
pub fn max_step(v: &[f64], dv: &[f64]) -> f64 {
    v.iter()
        .zip(dv)
        .filter(|(_, d)| **d < 0.0)
        .fold(f64::INFINITY, |a, (s, d)| a.min(-s / d))
}

/// `(h'(a), h''(a))` of `h(a) = q(a) - sum_i log(v_i + a dv_i)` (module docs), given
/// `(q'(a), q''(a))` as `q`: the barrier terms `r_i = dv_i / (v_i + a dv_i)` are subtracted from
/// `q'(a)` and their squares added to `q''(a)`, in order of `i`.
pub fn barrier_derivatives(v: &[f64], dv: &[f64], q: (f64, f64), a: f64) -> (f64, f64) {
    let (mut g1, mut g2) = q;
    for (s, d) in v.iter().zip(dv) {
        let r = d / (s + a * d);
        g1 -= r;
        g2 += r * r;
    }
    (g1, g2)
}

/// Solves `h'(a) = 0` over `0 < a < a_max` approximately for a convex `h`, by safeguarded Newton:
/// `deriv(a)` gives `(h'(a), h''(a))`; from `a = min(1, a_max / 2)`, at most `max_iter` times, it
/// stops once `done(h'(a))`, otherwise shrinks the bracket `[lo, hi]` (initially `[0, a_max]`) to
/// the side where `h'` changes sign and takes the Newton step `a - h'(a) / h''(a)` if it lands
/// inside the bracket, the bracket's midpoint if not, or doubles `a` while the bracket is
/// unbounded above. Returns the last `a`; since `h` is convex, an `a` short of the minimiser or
/// just past it lowers `h`.
pub fn safeguarded_newton_1d(
    a_max: f64,
    max_iter: usize,
    mut deriv: impl FnMut(f64) -> (f64, f64),
    done: impl Fn(f64) -> bool,
) -> f64 {
    let (mut lo, mut hi) = (0.0, a_max);
    let mut a = if a_max > 2.0 { 1.0 } else { 0.5 * a_max };
    for _ in 0..max_iter {
        let (g1, g2) = deriv(a);
        if done(g1) {
            break;
        }
        if g1 > 0.0 {
            hi = a;
        } else {
            lo = a;
        }
        let next = a - g1 / g2;
        a = if next > lo && next < hi {
            next
        } else if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * a
        };
    }
    a
}

/// The centring line search of the homogeneous centres ([`super::centre`],
/// [`super::three_layer`]): minimises `g(a) = G(phi + a delta)`,
/// `G(phi) = -sum_r log s_r(phi) + (K/2) ||phi||^2`, over `0 < a < a_max` approximately, by
/// [`safeguarded_newton_1d`] on
/// `g'(a) = -sum_r ds_r / (s_r + a ds_r) + K (phi.delta + a ||delta||^2)` (`s`, `ds` the rows'
/// values at `phi` and `delta`), until `|g'(a)| <= lambda^2 / 20` (`g'(0) = -lambda^2`, `lam2` the
/// squared Newton decrement) or 3 iterations (more iterations cost more passes over the rows than
/// the Newton steps they save). `g` is convex, so every returned `a` lowers `G`.
pub fn centring_line_search(
    s: &[f64],
    ds: &[f64],
    k_rows: f64,
    phi: &[f64],
    delta: &[f64],
    lam2: f64,
    a_max: f64,
) -> f64 {
    let (pd, dd) = (dot(phi, delta), dot(delta, delta));
    safeguarded_newton_1d(
        a_max,
        3,
        |a| barrier_derivatives(s, ds, (k_rows * (pd + a * dd), k_rows * dd), a),
        |g1| g1.abs() <= 0.05 * lam2,
    )
}
