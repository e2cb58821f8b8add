//! FISTA with backtracking line search and adaptive (gradient-mapping) restarts for composite
//! problems `min_x s(x) + sum_b h_b(x_b)` over blocks `x_b` of length `d` with a cheap exact prox per
//! block (Beck and Teboulle 2009; restarts of O'Donoghue and Candes 2015), as scnn's `FISTA`
//! optimizer with its `gradient_mapping` restart rule. [`GroupLasso`] is `h_b = beta ||.||_2`; the
//! final solve uses `h_b = beta ||.||_2 + indicator(C_b)` ([`super::cone_projection`]).
//!
//! Everything that touches the whole vector (dot products, norms) is a plain loop in index order,
//! and the per-block work (gradient step and prox) is split over rayon threads in tasks of a fixed
//! number of blocks, each block computed on its own, so the iterates are the same bits whatever the
//! number of threads.

use rayon::prelude::*;

/// Blocks per rayon task (fixed, so the split never depends on the thread count).
pub const BLOCKS_PER_TASK: usize = 64;

/// A smooth convex function `s: R^N -> R` with a Lipschitz gradient.
pub trait Smooth: Sync {
    /// `s(x)`.
    fn value(&self, x: &[f64]) -> f64;
    /// `s(x)`, writing `grad s(x)` into `grad` (length `N`).
    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;
}

/// Settings of one FISTA solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FistaOptions {
    /// Stop when the gradient mapping `||x+ - v|| / eta` at the extrapolated point is at most this.
    pub tol: f64,
    /// Most iterations (each one line search).
    pub max_iter: usize,
    /// Step shrink factor of the backtracking line search, in `(0, 1)`.
    pub backtrack: f64,
    /// Step growth after a step accepted without backtracking (scnn's forward tracking), `>= 1`.
    pub grow: f64,
}

impl Default for FistaOptions {
    /// `tol = 1e-8`, 10 000 iterations, backtrack `0.5`, grow `1.25`.
    fn default() -> Self {
        FistaOptions {
            tol: 1e-8,
            max_iter: 10_000,
            backtrack: 0.5,
            grow: 1.25,
        }
    }
}

/// What a FISTA solve did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FistaOutcome {
    /// Iterations run.
    pub iterations: usize,
    /// The last gradient-mapping norm `||x+ - v|| / eta`.
    pub gradient_mapping: f64,
    /// Whether `gradient_mapping <= tol` was reached.
    pub converged: bool,
    /// Momentum restarts triggered.
    pub restarts: usize,
}

/// A separable nonsmooth term `sum_b h_b(x_b)` given by its per-block proximal map.
pub trait BlockProx: Sync {
    /// Scratch space of one rayon task (reused across its blocks; it must not carry results from
    /// one block to the next, so the bits do not depend on how blocks are grouped into tasks).
    type Work: Send;
    /// A fresh scratch space.
    fn work(&self) -> Self::Work;
    /// `x_b <- prox_{eta h_b}(x_b) = argmin_u (1 / 2 eta) ||u - x_b||^2 + h_b(u)`, in place, for block
    /// `b`.
    fn prox(&self, b: usize, x_b: &mut [f64], eta: f64, work: &mut Self::Work);
}

/// `h_b = beta ||x_b||_2` for every block: the prox is group soft-thresholding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupLasso {
    /// `beta >= 0`.
    pub beta: f64,
}

impl BlockProx for GroupLasso {
    type Work = ();
    fn work(&self) {}
    fn prox(&self, _b: usize, x_b: &mut [f64], eta: f64, _work: &mut ()) {
        shrink_block(x_b, eta * self.beta);
    }
}

/// The prox of `tau sum_b ||x_b||_2` (group soft-thresholding), in place, on blocks of length `d`:
/// `x_b <- max(0, 1 - tau / ||x_b||) x_b` (exact zeros when `||x_b|| <= tau`).
pub fn group_soft_threshold(x: &mut [f64], d: usize, tau: f64) {
    x.par_chunks_mut(d)
        .with_min_len(BLOCKS_PER_TASK)
        .for_each(|blk| shrink_block(blk, tau));
}

/// `x_b <- max(0, 1 - tau / ||x_b||) x_b` for one block.
fn shrink_block(blk: &mut [f64], tau: f64) {
    let norm = norm2(blk);
    if norm <= tau {
        blk.iter_mut().for_each(|v| *v = 0.0);
    } else {
        let scale = 1.0 - tau / norm;
        blk.iter_mut().for_each(|v| *v *= scale);
    }
}

/// `||x||_2`, summed in index order (bit-portable).
pub fn norm2(x: &[f64]) -> f64 {
    libm::sqrt(x.iter().fold(0.0, |s, v| s + v * v))
}

/// FISTA on `s(x) + sum_b h_b(x_b)` with blocks of length `d` and `h` given by `prox`, from `x`
/// (overwritten with the last iterate). `step` is the first step size tried and returns the last accepted one (so a
/// warm-started solve keeps its scale).
///
/// Each iteration: `x+ = prox_{eta h}(v - eta grad s(v))`, backtracking `eta <- backtrack eta`
/// until `<grad s(x+) - grad s(v), x+ - v> <= ||x+ - v||^2 / (2 eta)`, which implies the usual
/// `s(x+) <= s(v) + <grad s(v), x+ - v> + ||x+ - v||^2 / (2 eta)` for convex `s` but is computed
/// without cancelling function values (so it stays reliable when steps are at rounding level); then
/// `t+ = (1 + sqrt(1 + 4 t^2)) / 2`, `v = x+ + ((t - 1) / t+)(x+ - x)`, restarting (`t = 1`,
/// `v = x+`) when `<x+ - x, v - x+> > 0`.
pub fn fista<S: Smooth, P: BlockProx>(
    s: &S,
    prox: &P,
    x: &mut [f64],
    d: usize,
    step: &mut f64,
    opts: &FistaOptions,
) -> FistaOutcome {
    fista_monitored(s, prox, x, d, step, opts, 0, &mut |_| false)
}

/// [`fista`] that also stops (as converged) when `stop(x+)` returns `true`, asked every
/// `check_every` iterations on the new iterate (never if `check_every = 0`): a caller's own
/// optimality certificate (the final solve's KKT residuals) ends the run as soon as it holds.
#[allow(clippy::too_many_arguments)]
pub fn fista_monitored<S: Smooth, P: BlockProx>(
    s: &S,
    prox: &P,
    x: &mut [f64],
    d: usize,
    step: &mut f64,
    opts: &FistaOptions,
    check_every: usize,
    stop: &mut dyn FnMut(&[f64]) -> bool,
) -> FistaOutcome {
    let n = x.len();
    let mut v = x.to_vec();
    let mut g = vec![0.0; n];
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    // Whether `g` already holds `grad s(v)` (after a restart `v = x+`, whose gradient is known).
    let mut have_g = false;
    let mut t = 1.0;
    let mut out = FistaOutcome {
        iterations: 0,
        gradient_mapping: f64::INFINITY,
        converged: false,
        restarts: 0,
    };
    while out.iterations < opts.max_iter {
        out.iterations += 1;
        if !have_g {
            s.value_grad(&v, &mut g);
        }
        have_g = false;
        let mut backtracked = false;
        let (mut dist2, mut eta);
        loop {
            eta = *step;
            xn.par_chunks_mut(d)
                .zip(v.par_chunks(d))
                .zip(g.par_chunks(d))
                .enumerate()
                .with_min_len(BLOCKS_PER_TASK)
                .for_each_init(
                    || prox.work(),
                    |work, (b, ((o, vb), gb))| {
                        for ((o, &a), &gv) in o.iter_mut().zip(vb).zip(gb) {
                            *o = a - eta * gv;
                        }
                        prox.prox(b, o, eta, work);
                    },
                );
            s.value_grad(&xn, &mut gn);
            let (mut curv, mut d2) = (0.0, 0.0);
            for i in 0..n {
                let e = xn[i] - v[i];
                curv += (gn[i] - g[i]) * e;
                d2 += e * e;
            }
            dist2 = d2;
            if curv <= d2 / (2.0 * eta) || d2 == 0.0 || eta < 1e-300 {
                break;
            }
            *step = eta * opts.backtrack;
            backtracked = true;
        }
        out.gradient_mapping = libm::sqrt(dist2) / eta;
        // Restart test on the old iterate, the extrapolated point and the new iterate.
        let mut angle = 0.0;
        for i in 0..n {
            angle += (xn[i] - x[i]) * (v[i] - xn[i]);
        }
        if out.gradient_mapping <= opts.tol
            || (check_every > 0 && out.iterations.is_multiple_of(check_every) && stop(&xn))
        {
            x.copy_from_slice(&xn);
            out.converged = true;
            break;
        }
        let tn = (1.0 + libm::sqrt(1.0 + 4.0 * t * t)) / 2.0;
        if angle > 0.0 {
            out.restarts += 1;
            t = 1.0;
            v.copy_from_slice(&xn);
            std::mem::swap(&mut g, &mut gn);
            have_g = true;
        } else {
            let mom = (t - 1.0) / tn;
            for i in 0..n {
                v[i] = xn[i] + mom * (xn[i] - x[i]);
            }
            t = tn;
        }
        x.copy_from_slice(&xn);
        if !backtracked {
            *step = eta * opts.grow;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `s(x) = 0.5 ||x - a||^2`.
    struct Shift(Vec<f64>);

    impl Smooth for Shift {
        fn value(&self, x: &[f64]) -> f64 {
            x.iter()
                .zip(&self.0)
                .map(|(a, b)| 0.5 * (a - b) * (a - b))
                .sum()
        }
        fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
            for ((g, a), b) in grad.iter_mut().zip(x).zip(&self.0) {
                *g = a - b;
            }
            self.value(x)
        }
    }

    #[test]
    fn fista_finds_the_group_soft_threshold() {
        // min 0.5 ||x - a||^2 + beta sum ||x_b|| is solved by the prox itself.
        let a = vec![3.0, 4.0, 0.1, -0.2, 1.0, 0.0];
        let beta = 0.5;
        let mut x = vec![0.0; 6];
        let mut step = 10.0;
        let out = fista(
            &Shift(a.clone()),
            &GroupLasso { beta },
            &mut x,
            2,
            &mut step,
            &FistaOptions::default(),
        );
        assert!(out.converged, "{out:?}");
        let mut want = a.clone();
        group_soft_threshold(&mut want, 2, beta);
        assert_eq!(&want[2..4], &[0.0, 0.0]);
        for (p, q) in x.iter().zip(&want) {
            assert!((p - q).abs() < 1e-8, "{x:?} vs {want:?}");
        }
    }

    #[test]
    fn the_monitor_stops_the_run() {
        let a = vec![3.0, 4.0, 0.1, -0.2];
        let mut x = vec![0.0; 4];
        let mut step = 0.01;
        let mut calls = 0;
        let out = fista_monitored(
            &Shift(a),
            &GroupLasso { beta: 0.5 },
            &mut x,
            2,
            &mut step,
            &FistaOptions::default(),
            3,
            &mut |_| {
                calls += 1;
                calls == 2
            },
        );
        // Asked at iterations 3 and 6; stops at the second answer `true`.
        assert_eq!(calls, 2);
        assert_eq!(out.iterations, 6);
        assert!(out.converged);
    }
}
