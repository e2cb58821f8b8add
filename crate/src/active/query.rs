//! Query rules: which untried pool points to label next, from the centre's predictions.

use super::config::QueryRule;

/// The pool points to query this round, given the centre's predictions `f[i] = f_i(c)` and which
/// points were already tried (labelled). Ties go to the lowest index. The confident pair is
/// `argmin f` and then `argmax f` over the other untried points, so it is two distinct points
/// whenever two are left. This only matters when all predictions tie, as at the first centre
/// `c = 0`: there the reference's strict comparisons pick the same point as both argmin and argmax
/// and cut it twice, while here the first two untried points are queried. Empty when every point
/// has been tried, and always empty for [`QueryRule::Synthesis`], whose queries are not pool points
/// (see [`super::synthesis`]).
pub fn select(rule: QueryRule, f: &[f64], tried: &[bool]) -> Vec<usize> {
    let untried = || (0..f.len()).filter(|&i| !tried[i]);
    match rule {
        QueryRule::ConfidentPair => {
            let mut lo: Option<usize> = None;
            for i in untried() {
                if lo.is_none_or(|l| f[i] < f[l]) {
                    lo = Some(i);
                }
            }
            let Some(lo) = lo else {
                return Vec::new();
            };
            let mut hi: Option<usize> = None;
            for i in untried().filter(|&i| i != lo) {
                if hi.is_none_or(|h| f[i] > f[h]) {
                    hi = Some(i);
                }
            }
            std::iter::once(lo).chain(hi).collect()
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
        QueryRule::Synthesis => Vec::new(),
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
            vec![0, 1]
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
