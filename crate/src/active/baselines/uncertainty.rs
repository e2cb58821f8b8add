//! Uncertainty scores for binary classification from the network's logit `f` (predicted
//! probability `p = sigmoid(f)` of label `+1`): least confidence, margin and entropy (Settles 2009,
//! "Active Learning Literature Survey", section 3.1; the reference's DeepAL strategies
//! `LeastConfidence`, `MarginSampling`, `EntropySampling`). Higher score = more uncertain.
//!
//! With two classes all three are decreasing functions of `|f|`, so they rank the pool identically
//! and query the same points; they are kept apart because the lab shows them as the baselines the
//! paper names. Each is computed from the logit in a form that does not saturate for large `|f|`
//! (where `p` rounds to exactly 1), and selection breaks remaining ties by the smaller `|f|`.

/// Least confidence `1 - max(p, 1 - p) = sigmoid(-|f|)`, in `(0, 1/2]`.
pub fn least_confidence(f: f64) -> f64 {
    1.0 / (1.0 + libm::exp(f.abs()))
}

/// Margin score `-(max(p, 1-p) - min(p, 1-p)) = -(1 - 2 sigmoid(-|f|))`, in `(-1, 0]` (the
/// negated gap between the two class probabilities, so that higher = smaller margin).
pub fn margin(f: f64) -> f64 {
    2.0 * least_confidence(f) - 1.0
}

/// Binary entropy (nats) of `p = sigmoid(f)`: `H = log(1 + exp(-|f|)) + |f| sigmoid(-|f|)`, in
/// `(0, ln 2]`.
pub fn entropy(f: f64) -> f64 {
    let a = f.abs();
    libm::log1p(libm::exp(-a)) + a * least_confidence(a)
}

/// Binary entropy (nats) of a probability `q` in `[0, 1]`, with `0 log 0 = 0`.
pub fn entropy_of_probability(q: f64) -> f64 {
    let t = |x: f64| if x > 0.0 { -x * libm::log(x) } else { 0.0 };
    t(q) + t(1.0 - q)
}

/// The untried index with the largest `score`, ties broken by the largest `tie` and then the
/// lowest index; `None` when every point is tried. `score`, `tie` and `tried` have the pool's
/// length.
pub fn argmax_untried(score: &[f64], tie: &[f64], tried: &[bool]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for i in (0..score.len()).filter(|&i| !tried[i]) {
        best = match best {
            None => Some(i),
            Some(b) if score[i] > score[b] || (score[i] == score[b] && tie[i] > tie[b]) => Some(i),
            keep => keep,
        };
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_their_probability_forms() {
        for f in [-3.0, -0.7, 0.0, 0.2, 2.5] {
            let p = 1.0 / (1.0 + libm::exp(-f));
            let lc = 1.0 - p.max(1.0 - p);
            assert!((least_confidence(f) - lc).abs() < 1e-15);
            assert!((margin(f) + (2.0 * p - 1.0).abs()).abs() < 1e-15);
            assert!((entropy(f) - entropy_of_probability(p)).abs() < 1e-14);
        }
        // No saturation where p rounds to 1.
        assert!(least_confidence(50.0) > least_confidence(60.0));
        assert!(entropy(50.0) > entropy(60.0));
    }

    #[test]
    fn argmax_skips_tried_and_breaks_ties() {
        let s = [1.0, 3.0, 3.0, 2.0];
        let t = [0.0, 0.0, 1.0, 0.0];
        assert_eq!(argmax_untried(&s, &t, &[false; 4]), Some(2));
        assert_eq!(argmax_untried(&s, &[0.0; 4], &[false; 4]), Some(1));
        assert_eq!(argmax_untried(&s, &t, &[false, true, true, false]), Some(3));
        assert_eq!(argmax_untried(&s, &t, &[true; 4]), None);
    }
}
