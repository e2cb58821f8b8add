//! BALD with Monte Carlo dropout (Houlsby et al. 2011, "Bayesian Active Learning for
//! Classification and Preference Learning"; Gal, Islam and Ghahramani 2017, "Deep Bayesian Active
//! Learning with Image Data"): the network is trained with dropout on its hidden layer and queried
//! with `T` stochastic forward passes; the score is the mutual information between the label and
//! the weights, `I = H(mean_t p_t) - mean_t H(p_t)` with `p_t = sigmoid(f_t(x))`.

use super::net::Net;
use super::uncertainty::{entropy, entropy_of_probability};
use crate::rng::Stream;

/// One inverted-dropout mask of length `h`: `0` with probability `p`, else `1/(1-p)`.
pub fn dropout_mask(h: usize, p: f64, stream: &mut Stream) -> Vec<f64> {
    let keep = 1.0 / (1.0 - p);
    (0..h)
        .map(|_| if stream.uniform() < p { 0.0 } else { keep })
        .collect()
}

/// The BALD mutual information (nats) of the `T` logits `f_t` of one point.
pub fn mutual_information(logits: &[f64]) -> f64 {
    let t = logits.len() as f64;
    let mean_p = logits
        .iter()
        .map(|&f| 1.0 / (1.0 + libm::exp(-f)))
        .sum::<f64>()
        / t;
    let mean_h = logits.iter().map(|&f| entropy(f)).sum::<f64>() / t;
    (entropy_of_probability(mean_p) - mean_h).max(0.0)
}

/// BALD scores of every row in `rows` (pool rows, `net.d` each) from `passes` dropout masks
/// (probability `p`), the same `T` masks for every point (one draw of the weights per pass); also
/// returns the mean logit per row (the tie-break: smaller `|mean f|` first). Tried points are
/// scored too (cheap; the caller skips them).
pub fn scores(
    net: &Net,
    rows: &[&[f64]],
    passes: usize,
    p: f64,
    stream: &mut Stream,
) -> (Vec<f64>, Vec<f64>) {
    let masks: Vec<Vec<f64>> = (0..passes)
        .map(|_| dropout_mask(net.h, p, stream))
        .collect();
    let mut score = Vec::with_capacity(rows.len());
    let mut tie = Vec::with_capacity(rows.len());
    let mut f = vec![0.0; passes];
    for x in rows {
        for (ft, m) in f.iter_mut().zip(&masks) {
            *ft = net.logit_masked(x, Some(m));
        }
        score.push(mutual_information(&f));
        tie.push(-(f.iter().sum::<f64>() / passes as f64).abs());
    }
    (score, tie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_information_is_disagreement() {
        // Confident and agreeing: near 0. Confident but disagreeing: near ln 2.
        assert!(mutual_information(&[8.0, 8.0, 8.0, 8.0]) < 1e-2);
        let mi = mutual_information(&[20.0, -20.0, 20.0, -20.0]);
        assert!((mi - std::f64::consts::LN_2).abs() < 1e-6, "{mi}");
        // Unsure but agreeing (all at 0): no information about the weights.
        assert!(mutual_information(&[0.0; 4]) < 1e-15);
    }
}
