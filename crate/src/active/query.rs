//! Query rules: which untried pool points to label next, from the centre's predictions.

use super::config::QueryRule;

/// The pool points to query this round, given the centre's predictions `f[i] = f_i(c)` and which
/// points were already tried (labelled). Ties go to the lowest index. The confident pair is
/// `[argmin f, argmax f]`; when they coincide (a single untried point, or all predictions equal as
/// at the first centre `c = 0`) one point is queried, as the reference does in effect (it queries
/// that point twice). Empty when every point has been tried.
pub fn select(rule: QueryRule, f: &[f64], tried: &[bool]) -> Vec<usize> {
    let untried = || (0..f.len()).filter(|&i| !tried[i]);
    match rule {
        QueryRule::ConfidentPair => {
            let mut lo: Option<usize> = None;
            let mut hi: Option<usize> = None;
            for i in untried() {
                if lo.is_none_or(|l| f[i] < f[l]) {
                    lo = Some(i);
                }
                if hi.is_none_or(|h| f[i] > f[h]) {
                    hi = Some(i);
                }
            }
            match (lo, hi) {
                (Some(l), Some(h)) if l != h => vec![l, h],
                (Some(l), _) => vec![l],
                _ => Vec::new(),
            }
        }
        QueryRule::LeastConfident => {
            let mut best: Option<usize> = None;
            for i in untried() {
                if best.is_none_or(|b| f[i].abs() < f[b].abs()) {
                    best = Some(i);
                }
            }
            best.into_iter().collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_pick_extremes_among_untried() {
        let f = [0.3, -2.0, 5.0, -0.1, 1.0];
        let tried = [false, false, true, false, false];
        assert_eq!(select(QueryRule::ConfidentPair, &f, &tried), vec![1, 4]);
        assert_eq!(select(QueryRule::LeastConfident, &f, &tried), vec![3]);
        assert_eq!(
            select(QueryRule::ConfidentPair, &[0.0; 3], &[false; 3]),
            vec![0]
        );
        assert_eq!(
            select(
                QueryRule::ConfidentPair,
                &f,
                &[true, true, true, false, true]
            ),
            vec![3]
        );
        assert!(select(QueryRule::LeastConfident, &f, &[true; 5]).is_empty());
    }
}
