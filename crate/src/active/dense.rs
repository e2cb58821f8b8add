//! Small dense Cholesky kernels in plain loops (bit-portable: no FMA kernels, fixed summation
//! order), used for the `d x d` Hessian blocks and the `K_pred x K_pred` capacitance matrix, and
//! the ridge-regularised Gram solves of the feasible starts ([`ridge_solve`]).

use std::ops::ControlFlow;

/// Factors the symmetric positive definite `n x n` matrix `a` (row-major, lower triangle read) in
/// place into its lower Cholesky factor `L` (`a = L L^T`; the strict upper triangle is zeroed).
/// Returns `false` if a pivot is not positive and finite.
pub fn cholesky_in_place(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut diag = a[j * n + j];
        for k in 0..j {
            diag -= a[j * n + k] * a[j * n + k];
        }
        if !(diag > 0.0 && diag.is_finite()) {
            return false;
        }
        let ljj = libm::sqrt(diag);
        a[j * n + j] = ljj;
        for i in j + 1..n {
            let mut v = a[i * n + j];
            for k in 0..j {
                v -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = v / ljj;
        }
        for i in 0..j {
            a[i * n + j] = 0.0;
        }
    }
    true
}

/// Solves `L L^T x = b` in place (`b` becomes `x`) for the factor `l` from [`cholesky_in_place`].
pub fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut v = b[i];
        for k in 0..i {
            v -= l[i * n + k] * b[k];
        }
        b[i] = v / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut v = b[i];
        for k in i + 1..n {
            v -= l[k * n + i] * b[k];
        }
        b[i] = v / l[i * n + i];
    }
}

/// `log det(L L^T) = 2 sum_i log L_ii` for a Cholesky factor.
pub fn cholesky_log_det(l: &[f64], n: usize) -> f64 {
    (0..n).fold(0.0, |s, i| s + 2.0 * libm::log(l[i * n + i]))
}

/// Solves the ridge-regularised Gram system `(G + rel sigma I) alpha = rhs` for the symmetric
/// positive semidefinite `kp x kp` matrix `G = gram` (row-major), `sigma = trace(G) / kp` its mean
/// diagonal (the ridge's scale), at each level `rel` of `ridges` in turn: a level at which
/// [`cholesky_in_place`] fails is skipped, and every solution `alpha` is handed to `accept`, which
/// breaks with the caller's result or continues to the next level. Returns the first break's
/// value, or `None` once the levels are spent.
pub fn ridge_solve<B>(
    gram: &[f64],
    kp: usize,
    rhs: &[f64],
    ridges: &[f64],
    mut accept: impl FnMut(Vec<f64>) -> ControlFlow<B>,
) -> Option<B> {
    let scale = (0..kp).fold(0.0, |s, k| s + gram[k * kp + k]) / kp.max(1) as f64;
    for &rel in ridges {
        let mut l = gram.to_vec();
        for k in 0..kp {
            l[k * kp + k] += rel * scale;
        }
        if !cholesky_in_place(&mut l, kp) {
            continue;
        }
        let mut alpha = rhs.to_vec();
        cholesky_solve(&l, kp, &mut alpha);
        if let ControlFlow::Break(b) = accept(alpha) {
            return Some(b);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_logdets() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let mut l = a;
        assert!(cholesky_in_place(&mut l, 3));
        let mut x = [1.0, -2.0, 0.5];
        cholesky_solve(&l, 3, &mut x);
        for i in 0..3 {
            let r: f64 = (0..3).map(|k| a[i * 3 + k] * x[k]).sum();
            assert!((r - [1.0, -2.0, 0.5][i]).abs() < 1e-14);
        }
        let det = 4.0 * (5.0 * 3.0 - 1.0) - 2.0 * (2.0 * 3.0 - 0.4) + 0.4 * (2.0 - 5.0 * 0.4);
        assert!((cholesky_log_det(&l, 3) - f64::ln(det)).abs() < 1e-14);
        let mut bad = [1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_in_place(&mut bad, 2));
    }
}
