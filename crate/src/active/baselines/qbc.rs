//! Query by committee (Seung, Opper and Sompolinsky 1992; vote entropy as in Dagan and Engelson
//! 1995): `K` networks trained on the labelled points from different initial weights (and
//! optionally bootstrap resamples, "query by bagging", Abe and Mamitsuka 1998) vote on every pool
//! point; the query is the point with the largest vote entropy, ties (frequent with few members)
//! broken by the consensus entropy `H(mean_k p_k)` that the reference's `QueryByCommittee` uses
//! (pilancilab/cpal `deepal_baseline/query_strategies/qbc.py`).

use super::uncertainty::entropy_of_probability;
use crate::rng::Stream;

/// Vote entropy and consensus entropy (nats) of every pool point from the committee's logits
/// (`logits[k][i]`: member `k` on point `i`; `K x n`). A member votes `+1` when its logit is
/// positive.
pub fn scores(logits: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let k = logits.len() as f64;
    let n = logits.first().map_or(0, Vec::len);
    let mut vote = Vec::with_capacity(n);
    let mut consensus = Vec::with_capacity(n);
    for i in 0..n {
        let plus = logits.iter().filter(|f| f[i] > 0.0).count() as f64;
        vote.push(entropy_of_probability(plus / k));
        let mean_p = logits
            .iter()
            .map(|f| 1.0 / (1.0 + libm::exp(-f[i])))
            .sum::<f64>()
            / k;
        consensus.push(entropy_of_probability(mean_p));
    }
    (vote, consensus)
}

/// A bootstrap resample of `0..n`: `n` indices drawn uniformly with replacement, in draw order.
pub fn bootstrap(n: usize, stream: &mut Stream) -> Vec<usize> {
    (0..n).map(|_| stream.below(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_votes_score_highest() {
        let logits = vec![
            vec![1.0, 2.0, -0.1],
            vec![1.5, -2.0, -0.2],
            vec![0.5, 2.0, -0.3],
        ];
        let (vote, consensus) = scores(&logits);
        assert_eq!(vote[0], 0.0);
        assert!(vote[1] > 0.6 && vote[2] == 0.0);
        // The agreeing-but-unsure point has the higher consensus entropy.
        assert!(consensus[2] > consensus[0]);
    }
}
