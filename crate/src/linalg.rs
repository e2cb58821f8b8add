//! Small dense helpers over nalgebra that more than one lab uses.
//!
//! nalgebra's own product of dynamic matrices goes through `matrixmultiply`, which picks an FMA or AVX
//! kernel at run time on x86: fast, but its rounding differs from the wasm build. [`matmul`] is a
//! plain column-axpy product whose every entry is summed in the same order with the same roundings on
//! every platform (Rust never contracts `a * b + c` into an FMA), so results that must replay bit for
//! bit natively and in the page use it. [`par_matmul`] splits the same product into column blocks on
//! rayon threads without changing any entry's bits.

use nalgebra::{DMatrix, DVectorViewMut};
use rayon::prelude::*;

/// `C = A B` for `A` (m x k) and `B` (k x n), bit-portable: `C[:, j] = sum_l A[:, l] B[l, j]`, summed
/// in increasing `l`. Panics if the inner dimensions differ.
pub fn matmul(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    assert_eq!(a.ncols(), b.nrows(), "matmul: inner dimensions differ");
    let mut c = DMatrix::zeros(a.nrows(), b.ncols());
    for j in 0..b.ncols() {
        column_of_product(a, b, j, c.column_mut(j));
    }
    c
}

/// The same product as [`matmul`], with columns of `C` computed in parallel blocks on rayon threads
/// (one thread runs it all when there is no pool). Bit-identical to [`matmul`].
pub fn par_matmul(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    assert_eq!(a.ncols(), b.nrows(), "par_matmul: inner dimensions differ");
    let m = a.nrows();
    let mut c = DMatrix::zeros(m, b.ncols());
    if m == 0 {
        return c;
    }
    c.as_mut_slice()
        .par_chunks_mut(m)
        .enumerate()
        .for_each(|(j, col)| {
            column_of_product(a, b, j, DVectorViewMut::from_slice(col, m));
        });
    c
}

/// Writes `A B[:, j]` into `out` (length m), accumulating `A[:, l] * B[l, j]` in increasing `l`.
fn column_of_product(a: &DMatrix<f64>, b: &DMatrix<f64>, j: usize, mut out: DVectorViewMut<f64>) {
    let m = a.nrows();
    let out = out.as_mut_slice();
    for l in 0..a.ncols() {
        let s = b[(l, j)];
        let col = &a.as_slice()[l * m..(l + 1) * m];
        for (o, &x) in out.iter_mut().zip(col) {
            *o += x * s;
        }
    }
}

/// `A^T A` (k x k) for `A` (m x k), bit-portable: entry `(i, j)` is the dot product of columns `i` and
/// `j` summed in increasing row order; the result is exactly symmetric.
pub fn gram(a: &DMatrix<f64>) -> DMatrix<f64> {
    let k = a.ncols();
    let mut g = DMatrix::zeros(k, k);
    for i in 0..k {
        for j in 0..=i {
            let v = dot(a.column(i).as_slice(), a.column(j).as_slice());
            g[(i, j)] = v;
            g[(j, i)] = v;
        }
    }
    g
}

/// The dot product `sum_i x_i y_i`, summed in increasing `i` (bit-portable). Panics on unequal lengths.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "dot: lengths differ");
    x.iter().zip(y).fold(0.0, |s, (a, b)| s + a * b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn products_agree_with_nalgebra_and_each_other() {
        let mut s = Stream::new(11);
        let a = s.gaussian_matrix(37, 23);
        let b = s.gaussian_matrix(23, 19);
        let c = matmul(&a, &b);
        let reference = &a * &b;
        assert!((&c - &reference).amax() < 1e-12);
        let p = par_matmul(&a, &b);
        assert_eq!(
            c.as_slice(),
            p.as_slice(),
            "par_matmul must be bit-identical"
        );
        let g = gram(&a);
        assert!((&g - a.transpose() * &a).amax() < 1e-12);
        assert_eq!(g, g.transpose());
    }

    #[test]
    fn empty_shapes() {
        let a = DMatrix::<f64>::zeros(0, 3);
        let b = DMatrix::<f64>::zeros(3, 4);
        assert_eq!(matmul(&a, &b).shape(), (0, 4));
        assert_eq!(par_matmul(&a, &b).shape(), (0, 4));
    }
}
