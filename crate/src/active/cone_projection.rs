//! Exact Euclidean projection onto a polyhedral cone `C = {u in R^d : a_k^T u >= 0, k < r}` and
//! the proximal map of the Euclidean norm restricted to it (the prox of the final solve, see
//! [`super::final_solve`]).
//!
//! ## Projection by the dual NNLS
//! `P_C(v) = argmin_{u in C} ||u - v||^2` has the Lagrange dual
//! `min_{lambda >= 0} ||v + A^T lambda||^2` (rows `a_k` of `A`), a nonnegative least-squares
//! problem, and `P_C(v) = v + A^T lambda*` with `lambda* >= 0`, `A P_C(v) >= 0` and
//! `lambda*_k a_k^T P_C(v) = 0` (Moreau: `-A^T lambda* = P_{C°}(v)` is the projection onto the polar
//! cone `C° = {-A^T mu : mu >= 0}`). It is solved exactly by the active-set method of Lawson and
//! Hanson (1974, ch. 23): the passive set `P` grows by the most violated constraint; on `P` the
//! least-squares step `u = v - Q Q^T v` (`Q` an orthonormal basis of `span{a_k : k in P}`, built by
//! Gram-Schmidt with one reorthogonalisation) projects `v` onto the face's subspace; multipliers that
//! turn nonpositive are removed along the segment, as in the classical algorithm. The method is
//! finite; `|P| <= d` at every step, so each step costs `O(d^2 (r + d))`.
//!
//! ## The prox of `tau ||.|| + indicator(C)` is the group shrinkage of the projection
//! For a closed convex cone `C`, `p = P_C(v)` and `tau >= 0`:
//!
//! ```text
//! prox(v) = argmin_{u in C} (1/2)||u - v||^2 + tau ||u|| = max(0, 1 - tau / ||p||) p.
//! ```
//!
//! Proof. For a cone, `<p, v - p> = 0` and `<u, v - p> <= 0` for every `u in C` (`v - p` lies in the
//! polar cone). So for `u in C`,
//! `(1/2)||u - v||^2 = (1/2)||u - p||^2 - <u, v - p> + (1/2)||v - p||^2
//! >= (1/2)||u - p||^2 + (1/2)||v - p||^2`.
//! The right side plus `tau ||u||` is minimised over all of `R^d` by the group shrinkage
//! `u* = max(0, 1 - tau / ||p||) p`, which lies in `C` (a nonnegative multiple of `p`) and makes the
//! inequality an equality (`<u*, v - p> = 0`); hence `u*` is the minimiser over `C`. The projection's
//! multipliers are also the prox's: `u* - v + tau w - A^T lambda* = 0` with `w = p / ||p||` when
//! `u* != 0`, and `w = p / tau` (`||w|| <= 1`) when `u* = 0`, and `lambda*_k a_k^T u* = 0`.
//! (Equivalently, writing `u = t w` with `||w|| = 1`, `t >= 0`:
//! `max_{w in C, ||w|| = 1} <w, v> = ||P_C v||` by Moreau's decomposition.)

use crate::error::{Error, Result};

/// Relative tolerance of "violated": a constraint counts as violated when
/// `a_k^T u < -VIOLATION_TOL ||a_k|| ||v||` (rounding level).
pub const VIOLATION_TOL: f64 = 1e-14;
/// Relative size below which a row is taken as dependent on the passive rows.
const DEPENDENT_TOL: f64 = 1e-12;

/// The polyhedral cone `{u in R^d : a_k^T u >= 0, k < r}` given by its rows `a_k`, row-major
/// `r x d` (borrowed).
#[derive(Debug, Clone, Copy)]
pub struct PolyhedralCone<'a> {
    rows: &'a [f64],
    d: usize,
}

/// Reusable scratch space for [`PolyhedralCone::project`] (so the final solve's inner loop does not
/// allocate).
#[derive(Debug, Clone, Default)]
pub struct ConeWork {
    /// Passive set (constraint indices with a positive multiplier).
    passive: Vec<usize>,
    /// Orthonormal basis of the passive rows, `|P| x d` row-major.
    q: Vec<f64>,
    /// `R` with `a_{P_i} = sum_{l <= i} R[l][i] q_l`, `|P| x |P|` row-major (stride `d`).
    r: Vec<f64>,
    /// Least-squares solution on the passive set.
    s: Vec<f64>,
    /// Multipliers on the passive set.
    lam: Vec<f64>,
    /// Row norms.
    norms: Vec<f64>,
}

impl ConeWork {
    /// After a projection onto a cone in `R^d`: an orthonormal basis (rows, `|P| x d`) of the span of
    /// the constraints active at the projection with a positive multiplier (the passive set). Near
    /// `v`, `P_C` is the orthogonal projection `I - Q^T Q` onto its orthogonal complement (an element
    /// of the generalised Jacobian of `P_C` at `v`).
    pub fn face_basis(&self, d: usize) -> &[f64] {
        &self.q[..self.passive.len() * d]
    }
}

/// What one projection did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionOutcome {
    /// Constraints added to the passive set (Lawson-Hanson outer iterations); 0 when `v` is already
    /// in the cone.
    pub iterations: usize,
    /// `||P_C(v)||`.
    pub norm: f64,
}

impl<'a> PolyhedralCone<'a> {
    /// The cone with rows `rows` (row-major `r x d`, `r >= 0`). Errors if `d = 0`
    /// (`cone dimension`), if `rows.len()` is not a multiple of `d` (`cone rows`), or if an entry is
    /// not finite (`cone rows`).
    pub fn new(rows: &'a [f64], d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::out_of_range("cone dimension", 0, 1, "any"));
        }
        if !rows.len().is_multiple_of(d) {
            return Err(Error::Parse {
                field: "cone rows".into(),
                message: format!("{} entries is not a multiple of d = {d}", rows.len()),
            });
        }
        if let Some(v) = rows.iter().find(|v| !v.is_finite()) {
            return Err(Error::NotFinite {
                field: "cone rows".into(),
                value: v.to_string(),
            });
        }
        Ok(PolyhedralCone { rows, d })
    }

    /// The same without checks, for callers that built the rows themselves (finite, length a
    /// multiple of `d >= 1`).
    pub(crate) fn from_trusted(rows: &'a [f64], d: usize) -> Self {
        debug_assert!(d > 0 && rows.len().is_multiple_of(d));
        PolyhedralCone { rows, d }
    }

    /// Dimension `d`.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Number of constraints `r`.
    pub fn constraints(&self) -> usize {
        self.rows.len() / self.d
    }

    /// Row `a_k` (length `d`).
    pub fn row(&self, k: usize) -> &'a [f64] {
        &self.rows[k * self.d..(k + 1) * self.d]
    }

    /// Checks the lengths of a call: `v` and `u` of length `d`, `lambda` of length `r`.
    fn check(&self, v: &[f64], u: &[f64], lambda: &[f64]) -> Result<()> {
        for (field, len, want) in [
            ("cone point v", v.len(), self.d),
            ("cone output u", u.len(), self.d),
            ("cone multipliers", lambda.len(), self.constraints()),
        ] {
            if len != want {
                return Err(Error::out_of_range(field, len, want, want));
            }
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(Error::NotFinite {
                field: "cone point v".into(),
                value: x.to_string(),
            });
        }
        Ok(())
    }

    /// `u = P_C(v)`, the Euclidean projection, with multipliers `lambda` (length `r`):
    /// `u = v + A^T lambda`, `lambda >= 0`, `A u >= 0` up to rounding, `lambda_k a_k^T u = 0`
    /// (module docs). Errors on wrong lengths or a non-finite `v`.
    pub fn project(
        &self,
        v: &[f64],
        work: &mut ConeWork,
        u: &mut [f64],
        lambda: &mut [f64],
    ) -> Result<ProjectionOutcome> {
        self.check(v, u, lambda)?;
        Ok(self.project_unchecked(v, work, u, lambda))
    }

    /// `u = prox(v) = max(0, 1 - tau / ||P_C v||) P_C v`, the prox of `tau ||.|| + indicator(C)`,
    /// with the projection's multipliers in `lambda`, which are also the prox's (module docs).
    /// Errors on wrong lengths, a non-finite `v`, or `tau` negative or not finite (`cone tau`).
    pub fn prox_norm(
        &self,
        v: &[f64],
        tau: f64,
        work: &mut ConeWork,
        u: &mut [f64],
        lambda: &mut [f64],
    ) -> Result<ProjectionOutcome> {
        self.check(v, u, lambda)?;
        crate::error::check_range_f64("cone tau", tau, 0.0, f64::MAX)?;
        let out = self.project_unchecked(v, work, u, lambda);
        shrink(u, out.norm, tau);
        Ok(out)
    }

    /// [`PolyhedralCone::project`] without the checks.
    pub(crate) fn project_unchecked(
        &self,
        v: &[f64],
        work: &mut ConeWork,
        u: &mut [f64],
        lambda: &mut [f64],
    ) -> ProjectionOutcome {
        let (d, r) = (self.d, self.constraints());
        lambda.iter_mut().for_each(|l| *l = 0.0);
        u.copy_from_slice(v);
        let scale = norm(v);
        if scale == 0.0 {
            return ProjectionOutcome {
                iterations: 0,
                norm: 0.0,
            };
        }
        work.norms.clear();
        work.norms.extend((0..r).map(|k| norm(self.row(k))));
        work.passive.clear();
        let mut iterations = 0;
        // Lawson-Hanson terminates in finitely many steps; the cap only guards against rounding
        // loops (the caller's KKT check sees any shortfall).
        let cap = 3 * (r + d) + 10;
        while iterations < cap {
            // The most violated constraint outside the passive set (relative to its row norm).
            let mut worst = None;
            let mut worst_val = 0.0;
            for k in 0..r {
                if work.passive.contains(&k) || work.norms[k] == 0.0 {
                    continue;
                }
                let c = dot(self.row(k), u) / work.norms[k];
                if c < -VIOLATION_TOL * scale && c < worst_val {
                    worst_val = c;
                    worst = Some(k);
                }
            }
            let Some(k_new) = worst else { break };
            if work.passive.len() == d {
                break;
            }
            work.passive.push(k_new);
            if !self.factor(work) {
                // The row is (numerically) in the span of the passive rows, so its violation is
                // rounding: stop.
                work.passive.pop();
                self.factor(work);
                break;
            }
            iterations += 1;
            // Current multipliers on the passive set (the new one starts at 0).
            work.lam.clear();
            work.lam
                .extend(work.passive.iter().map(|&k| lambda[k].max(0.0)));
            let mut first = true;
            let mut stop = false;
            loop {
                self.solve_passive(v, work);
                if first && work.s[work.passive.len() - 1] <= 0.0 {
                    // Rounding: the entering constraint does not want a positive multiplier.
                    work.passive.pop();
                    work.lam.pop();
                    self.factor(work);
                    stop = true;
                    break;
                }
                first = false;
                if work.s.iter().all(|&s| s > 0.0) {
                    work.lam.clone_from(&work.s);
                    break;
                }
                // Move from lam towards s until the first multiplier hits zero, drop it.
                let mut alpha = f64::INFINITY;
                let mut hit = 0;
                for (i, (&l, &s)) in work.lam.iter().zip(&work.s).enumerate() {
                    if s <= 0.0 {
                        let a = if l - s > 0.0 { l / (l - s) } else { 0.0 };
                        if a < alpha {
                            alpha = a;
                            hit = i;
                        }
                    }
                }
                for (l, &s) in work.lam.iter_mut().zip(&work.s) {
                    *l += alpha * (s - *l);
                }
                work.lam[hit] = 0.0;
                let mut i = 0;
                while i < work.passive.len() {
                    if work.lam[i] <= 0.0 {
                        work.passive.remove(i);
                        work.lam.remove(i);
                    } else {
                        i += 1;
                    }
                }
                self.factor(work);
                if work.passive.is_empty() {
                    break;
                }
            }
            lambda.iter_mut().for_each(|l| *l = 0.0);
            for (&k, &l) in work.passive.iter().zip(&work.lam) {
                lambda[k] = l;
            }
            // u = v - Q Q^T v, the projection onto the face's subspace, applied twice so the passive
            // constraints hold to rounding.
            u.copy_from_slice(v);
            for _ in 0..2 {
                for i in 0..work.passive.len() {
                    let q = &work.q[i * d..(i + 1) * d];
                    let c = dot(q, u);
                    for (x, &qv) in u.iter_mut().zip(q) {
                        *x -= c * qv;
                    }
                }
            }
            if stop {
                break;
            }
        }
        ProjectionOutcome {
            iterations,
            norm: norm(u),
        }
    }

    /// Orthonormal basis `Q` and triangle `R` of the passive rows by modified Gram-Schmidt with one
    /// reorthogonalisation. Returns `false` if a row is (numerically) dependent on the ones before
    /// it; the caller then removes it and factors again.
    fn factor(&self, work: &mut ConeWork) -> bool {
        let d = self.d;
        let p = work.passive.len();
        work.q.resize(p * d, 0.0);
        work.r.clear();
        work.r.resize(p * p, 0.0);
        for i in 0..p {
            let k = work.passive[i];
            let a = self.row(k);
            let (done, rest) = work.q.split_at_mut(i * d);
            let qi = &mut rest[..d];
            qi.copy_from_slice(a);
            for _ in 0..2 {
                for l in 0..i {
                    let ql = &done[l * d..(l + 1) * d];
                    let c = dot(ql, qi);
                    work.r[l * p + i] += c;
                    for (x, &qv) in qi.iter_mut().zip(ql) {
                        *x -= c * qv;
                    }
                }
            }
            let nq = norm(qi);
            if nq.is_nan() || nq <= DEPENDENT_TOL * work.norms[k] {
                return false;
            }
            work.r[i * p + i] = nq;
            qi.iter_mut().for_each(|x| *x /= nq);
        }
        true
    }

    /// `s = argmin ||v + A_P^T s||`: `R s = -Q^T v` by back substitution.
    fn solve_passive(&self, v: &[f64], work: &mut ConeWork) {
        let d = self.d;
        let p = work.passive.len();
        work.s.clear();
        work.s
            .extend((0..p).map(|i| -dot(&work.q[i * d..(i + 1) * d], v)));
        for i in (0..p).rev() {
            let mut x = work.s[i];
            for j in i + 1..p {
                x -= work.r[i * p + j] * work.s[j];
            }
            work.s[i] = x / work.r[i * p + i];
        }
    }
}

/// `u <- max(0, 1 - tau / nu) u` where `nu = ||u||` (exact zero when `nu <= tau`).
pub(crate) fn shrink(u: &mut [f64], nu: f64, tau: f64) {
    if nu <= tau {
        u.iter_mut().for_each(|x| *x = 0.0);
    } else {
        let s = 1.0 - tau / nu;
        u.iter_mut().for_each(|x| *x *= s);
    }
}

/// `sum_i x_i y_i` in index order.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).fold(0.0, |s, (a, b)| s + a * b)
}

/// `||x||_2` in index order.
fn norm(x: &[f64]) -> f64 {
    libm::sqrt(dot(x, x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    /// Brute force over active sets `E`: the candidate `P_{null(A_E)}(v)` (Gram-Schmidt) mapped by
    /// `map`, kept if feasible; returns the feasible candidate of least `cost`.
    fn brute_force(
        rows: &[f64],
        d: usize,
        v: &[f64],
        map: &dyn Fn(Vec<f64>) -> Vec<f64>,
        cost: &dyn Fn(&[f64]) -> f64,
    ) -> Vec<f64> {
        let r = rows.len() / d;
        let mut best: Option<(f64, Vec<f64>)> = None;
        for set in 0u32..(1 << r) {
            let mut basis: Vec<Vec<f64>> = Vec::new();
            for k in (0..r).filter(|k| set >> k & 1 == 1) {
                let mut w = rows[k * d..(k + 1) * d].to_vec();
                for _ in 0..2 {
                    for q in &basis {
                        let c = dot(&w, q);
                        w.iter_mut().zip(q).for_each(|(x, y)| *x -= c * y);
                    }
                }
                let nw = norm(&w);
                if nw > 1e-10 {
                    basis.push(w.iter().map(|x| x / nw).collect());
                }
            }
            let mut u = v.to_vec();
            for q in &basis {
                let c = dot(&u, q);
                u.iter_mut().zip(q).for_each(|(x, y)| *x -= c * y);
            }
            let u = map(u);
            let feasible = (0..r).all(|k| dot(&rows[k * d..(k + 1) * d], &u) >= -1e-12);
            if feasible {
                let c = cost(&u);
                if best.as_ref().is_none_or(|(b, _)| c < *b) {
                    best = Some((c, u));
                }
            }
        }
        best.expect("0 is always a feasible candidate").1
    }

    fn gaussian(s: &mut Stream, len: usize) -> Vec<f64> {
        (0..len).map(|_| s.gaussian()).collect()
    }

    /// Checks `u = v + A^T lambda`, `lambda >= 0`, `A u >= 0`, `lambda_k a_k^T u = 0` to `tol`.
    fn assert_optimality(rows: &[f64], d: usize, v: &[f64], u: &[f64], lambda: &[f64], tol: f64) {
        let scale = 1.0 + norm(v);
        let mut w = v.to_vec();
        for (k, &l) in lambda.iter().enumerate() {
            assert!(l >= 0.0, "lambda_{k} = {l}");
            let a = &rows[k * d..(k + 1) * d];
            w.iter_mut().zip(a).for_each(|(x, y)| *x += l * y);
            let c = dot(a, u);
            assert!(c >= -tol * scale, "row {k}: a^T u = {c}");
            assert!((l * c).abs() <= tol * scale * scale, "row {k}: {l} * {c}");
        }
        for (a, b) in w.iter().zip(u) {
            assert!((a - b).abs() <= tol * scale, "{w:?} vs {u:?}");
        }
    }

    #[test]
    fn projection_matches_brute_force_over_faces_in_three_dimensions() {
        let mut s = Stream::new(11);
        let mut work = ConeWork::default();
        let mut nontrivial = 0;
        for trial in 0..400 {
            let d = 3;
            let r = 1 + trial % 9;
            let rows = gaussian(&mut s, r * d);
            let v: Vec<f64> = gaussian(&mut s, d).iter().map(|x| 3.0 * x).collect();
            let cone = PolyhedralCone::new(&rows, d).unwrap();
            let (mut u, mut lambda) = (vec![0.0; d], vec![0.0; r]);
            let out = cone.project(&v, &mut work, &mut u, &mut lambda).unwrap();
            let want = brute_force(&rows, d, &v, &|u| u, &|u| {
                u.iter().zip(&v).map(|(a, b)| (a - b) * (a - b)).sum()
            });
            for (a, b) in u.iter().zip(&want) {
                assert!((a - b).abs() <= 1e-12, "trial {trial}: {u:?} vs {want:?}");
            }
            assert!((out.norm - norm(&want)).abs() <= 1e-12);
            assert_optimality(&rows, d, &v, &u, &lambda, 1e-13);
            // Moreau: <u, v - u> = 0, so ||v||^2 = ||u||^2 + ||v - u||^2.
            let vu: Vec<f64> = v.iter().zip(&u).map(|(a, b)| a - b).collect();
            assert!(dot(&u, &vu).abs() <= 1e-12 * (1.0 + dot(&v, &v)));
            if out.iterations >= 2 {
                nontrivial += 1;
            }
        }
        // Many trials need a face of two or more constraints.
        assert!(nontrivial > 50, "{nontrivial}");
    }

    #[test]
    fn prox_is_the_shrunk_projection_and_matches_brute_force() {
        let mut s = Stream::new(12);
        let mut work = ConeWork::default();
        let (mut zeros, mut shrunk) = (0, 0);
        for trial in 0..300 {
            let d = 3;
            let r = 2 + trial % 7;
            let rows = gaussian(&mut s, r * d);
            let v = gaussian(&mut s, d);
            let tau = [0.0, 0.1, 0.5, 1.0, 3.0][trial % 5];
            let cone = PolyhedralCone::new(&rows, d).unwrap();
            let (mut u, mut lambda) = (vec![0.0; d], vec![0.0; r]);
            cone.prox_norm(&v, tau, &mut work, &mut u, &mut lambda)
                .unwrap();
            // Brute force over faces: on a face's subspace the minimiser is the group shrinkage of
            // the subspace projection (the norm is rotation invariant); keep the best feasible one.
            let objective = |u: &[f64]| -> f64 {
                0.5 * u
                    .iter()
                    .zip(&v)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    + tau * norm(u)
            };
            let want = brute_force(
                &rows,
                d,
                &v,
                &|mut u| {
                    let nu = norm(&u);
                    shrink(&mut u, nu, tau);
                    u
                },
                &objective,
            );
            assert!(
                objective(&u) <= objective(&want) + 1e-13,
                "trial {trial}: {u:?} vs {want:?}"
            );
            for (a, b) in u.iter().zip(&want) {
                assert!((a - b).abs() <= 1e-10, "trial {trial}: {u:?} vs {want:?}");
            }
            // The projection's multipliers certify the prox: u - v + tau w - A^T lambda = 0.
            let mut w: Vec<f64> = u.iter().zip(&v).map(|(a, b)| a - b).collect();
            for (k, &l) in lambda.iter().enumerate() {
                w.iter_mut()
                    .zip(&rows[k * d..(k + 1) * d])
                    .for_each(|(x, y)| *x -= l * y);
            }
            // w is now -tau times a subgradient of ||.|| at u.
            let nu = norm(&u);
            if nu > 0.0 {
                shrunk += 1;
                for (a, b) in w.iter().zip(&u) {
                    assert!((a + tau * b / nu).abs() <= 1e-12, "trial {trial}");
                }
            } else {
                zeros += 1;
                assert!(norm(&w) <= tau + 1e-12, "trial {trial}");
            }
        }
        assert!(zeros > 20 && shrunk > 20, "{zeros} {shrunk}");
    }

    #[test]
    fn projection_meets_its_optimality_conditions_in_higher_dimensions() {
        let mut s = Stream::new(13);
        let mut work = ConeWork::default();
        for trial in 0..200 {
            let d = 2 + trial % 7;
            let r = 1 + trial % 23;
            let mut rows = gaussian(&mut s, r * d);
            if trial % 4 == 0 && r > 2 {
                // A repeated and a zero row: degenerate but harmless.
                let first = rows[..d].to_vec();
                rows[d..2 * d].copy_from_slice(&first);
                rows[2 * d..3 * d].iter_mut().for_each(|x| *x = 0.0);
            }
            let v = gaussian(&mut s, d);
            let cone = PolyhedralCone::new(&rows, d).unwrap();
            let (mut u, mut lambda) = (vec![0.0; d], vec![0.0; r]);
            cone.project(&v, &mut work, &mut u, &mut lambda).unwrap();
            assert_optimality(&rows, d, &v, &u, &lambda, 1e-12);
            // Optimality: no feasible point is closer (random feasible points from the projection
            // of random directions).
            let dist = norm(&v.iter().zip(&u).map(|(a, b)| a - b).collect::<Vec<_>>());
            let (mut w, mut mu) = (vec![0.0; d], vec![0.0; r]);
            for _ in 0..5 {
                let z = gaussian(&mut s, d);
                cone.project(&z, &mut work, &mut w, &mut mu).unwrap();
                let dw = norm(&v.iter().zip(&w).map(|(a, b)| a - b).collect::<Vec<_>>());
                assert!(dw >= dist - 1e-12, "trial {trial}");
            }
        }
    }

    #[test]
    fn points_inside_stay_and_a_pointed_cone_gives_zero() {
        let mut work = ConeWork::default();
        // The nonnegative orthant.
        let rows = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let cone = PolyhedralCone::new(&rows, 3).unwrap();
        let (mut u, mut lambda) = (vec![0.0; 3], vec![0.0; 3]);
        let v = [0.5, 2.0, 0.0];
        let out = cone.project(&v, &mut work, &mut u, &mut lambda).unwrap();
        assert_eq!(u, v);
        assert_eq!(out.iterations, 0);
        cone.project(&[1.0, -2.0, -3.0], &mut work, &mut u, &mut lambda)
            .unwrap();
        assert_eq!(u, [1.0, 0.0, 0.0]);
        assert_eq!(lambda, [0.0, 2.0, 3.0]);
        // {u : u >= 0, -u >= 0} = {0}.
        let rows = [1.0, 0.0, -1.0, 0.0, 0.0, 1.0, 0.0, -1.0];
        let cone = PolyhedralCone::new(&rows, 2).unwrap();
        let (mut u, mut lambda) = (vec![0.0; 2], vec![0.0; 4]);
        cone.project(&[0.3, -0.7], &mut work, &mut u, &mut lambda)
            .unwrap();
        assert!(norm(&u) <= 1e-15, "{u:?}");
    }

    #[test]
    fn inputs_are_checked() {
        assert_eq!(
            PolyhedralCone::new(&[1.0, 2.0], 0).unwrap_err().field(),
            Some("cone dimension")
        );
        assert_eq!(
            PolyhedralCone::new(&[1.0, 2.0, 3.0], 2)
                .unwrap_err()
                .field(),
            Some("cone rows")
        );
        assert_eq!(
            PolyhedralCone::new(&[1.0, f64::NAN], 2)
                .unwrap_err()
                .field(),
            Some("cone rows")
        );
        let rows = [1.0, 0.0];
        let cone = PolyhedralCone::new(&rows, 2).unwrap();
        let mut work = ConeWork::default();
        let (mut u, mut lambda) = (vec![0.0; 2], vec![0.0; 1]);
        let e = cone
            .project(&[1.0], &mut work, &mut u, &mut lambda)
            .unwrap_err();
        assert_eq!(e.field(), Some("cone point v"));
        let e = cone
            .project(&[1.0, 0.0], &mut work, &mut u, &mut [])
            .unwrap_err();
        assert_eq!(e.field(), Some("cone multipliers"));
        let e = cone
            .project(&[f64::INFINITY, 0.0], &mut work, &mut u, &mut lambda)
            .unwrap_err();
        assert_eq!(e.field(), Some("cone point v"));
        let e = cone
            .prox_norm(&[1.0, 0.0], -1.0, &mut work, &mut u, &mut lambda)
            .unwrap_err();
        assert_eq!(e.field(), Some("cone tau"));
    }
}
