//! Random sampling: the passive baseline, a uniformly random untried pool point each round.

use crate::rng::Stream;

/// A uniformly random untried index (`tried` has the pool's length), drawn with one
/// `stream.below(untried count)`; `None` when every point is tried.
pub fn pick(tried: &[bool], stream: &mut Stream) -> Option<usize> {
    let left = tried.iter().filter(|&&t| !t).count();
    if left == 0 {
        return None;
    }
    let k = stream.below(left);
    (0..tried.len()).filter(|&i| !tried[i]).nth(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_only_untried() {
        let mut s = Stream::new(0);
        let tried = [true, false, true, false, true];
        for _ in 0..50 {
            let i = pick(&tried, &mut s).unwrap();
            assert!(i == 1 || i == 3);
        }
        assert_eq!(pick(&[true; 3], &mut s), None);
    }
}
