//! The Hessian of the homogeneous centring objective, factored by its structure (Section 4 of
//! Zhang, Zhang, Pilanci 2025; the factorisation is ours).
//!
//! For `G(phi) = psi(phi) + (K/2) ||phi||^2` with `psi(phi) = -sum_r log s_r(phi)` over the `K`
//! rows of the cuts (see [`super::centre`]),
//! `grad G = K phi - sum_r grad s_r / s_r` and `hess G = K I + sum_r grad s_r grad s_r^T / s_r^2`.
//! Each sign row touches one `d`-block, so those terms and `K I` form a block-diagonal matrix `B`
//! (`2m` blocks of `d x d`); each prediction row is dense over the blocks where the cut point's
//! pattern is 1, giving the low-rank term `V V^T` with `V = [grad s_k / s_k]` (`2dm x K_pred`):
//! `hess G = B + V V^T`. Solves use a Cholesky factor per block and Woodbury,
//! `(B + V V^T)^-1 = B^-1 - B^-1 V C^-1 V^T B^-1` with the capacitance `C = I + V^T B^-1 V`
//! (`K_pred x K_pred`), and `log det hess G = sum_b log det B_b + log det C`.
//!
//! Blocks are processed in parallel (rayon) in chunks of [`CHUNK`] blocks. Every per-block result
//! is computed by the same loop whatever the thread count, and sums across blocks are formed per
//! chunk and then added chunk by chunk in order, so the bits do not depend on the number of threads.

use rayon::prelude::*;

use super::dense::{cholesky_in_place, cholesky_log_det, cholesky_solve};
use super::version_space::VersionSpace;
use crate::error::{Error, Result};
use crate::linalg::dot;

/// Blocks per parallel chunk (fixed, so results do not depend on the thread count).
pub const CHUNK: usize = 32;

/// `hess G(phi) = B + V V^T`, factored: per-block Cholesky factors of `B`, `V`, `Z = B^-1 V`
/// and the Cholesky factor of the capacitance `C = I + V^T B^-1 V`.
#[derive(Debug, Clone)]
pub struct StructuredHessian {
    /// Block size `d`.
    d: usize,
    /// Number of blocks `2m`.
    nb: usize,
    /// Number of prediction rows `K_pred`.
    kp: usize,
    /// Cholesky factors of the blocks `B_b`, `nb x d x d`.
    chol: Vec<f64>,
    /// `V` by blocks: block `b` holds the `K_pred x d` matrix whose row `k` is `V_k` on block `b`.
    v: Vec<f64>,
    /// `Z = B^-1 V`, laid out as `v`.
    z: Vec<f64>,
    /// Cholesky factor of `C`, `K_pred x K_pred`.
    cap: Vec<f64>,
    /// `log det hess G`.
    log_det: f64,
}

/// What one pass over the rows gives: the factored Hessian and the gradient of `G`.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// `hess G(phi)`, factored.
    pub hessian: StructuredHessian,
    /// `grad G(phi)`, length `2dm`.
    pub gradient: Vec<f64>,
}

/// Per-chunk output of the assembly: partial capacitance (lower triangle) and partial log-det.
struct ChunkSums {
    cap: Vec<f64>,
    log_det: f64,
}

impl StructuredHessian {
    /// Assembles and factors `hess G` and `grad G` at `phi` (length `2dm`) for the cuts of `vs`,
    /// with `k_rows` = number of rows `K` (the weight of `||phi||^2 / 2`). `q` are the block
    /// products `x_k^T phi_b` (from [`VersionSpace::block_products`]) and `pred` the prediction
    /// slacks; all slacks must be positive. Errors if a block or `C` is not positive definite.
    pub fn assemble(
        vs: &VersionSpace,
        phi: &[f64],
        q: &[f64],
        pred: &[f64],
        k_rows: f64,
    ) -> Result<Assembled> {
        let (d, nb, kp) = (vs.d, vs.blocks(), vs.cuts());
        if kp == 0 || nb == 0 {
            return Err(Error::Numerical {
                what: "assembling the centring Hessian".into(),
                reason: "there are no cuts (the centre of the bare ball is 0)".into(),
            });
        }
        let mut chol = vec![0.0; nb * d * d];
        let mut v = vec![0.0; nb * kp * d];
        let mut z = vec![0.0; nb * kp * d];
        let mut gradient = vec![0.0; nb * d];
        let w: Vec<f64> = (0..kp).map(|k| vs.labels[k] / pred[k]).collect();
        let sums: Vec<Option<ChunkSums>> = chol
            .par_chunks_mut(CHUNK * d * d)
            .zip(v.par_chunks_mut(CHUNK * kp * d))
            .zip(z.par_chunks_mut(CHUNK * kp * d))
            .zip(gradient.par_chunks_mut(CHUNK * d))
            .enumerate()
            .map(|(c, (((chol_c, v_c), z_c), g_c))| {
                let mut cap = vec![0.0; kp * kp];
                let mut log_det = 0.0;
                let mut active = Vec::with_capacity(kp);
                for (lb, g_b) in g_c.chunks_exact_mut(d).enumerate() {
                    let b = c * CHUNK + lb;
                    let (j, sgn) = (b / 2, if b.is_multiple_of(2) { 1.0 } else { -1.0 });
                    let l_b = &mut chol_c[lb * d * d..(lb + 1) * d * d];
                    let v_b = &mut v_c[lb * kp * d..(lb + 1) * kp * d];
                    let z_b = &mut z_c[lb * kp * d..(lb + 1) * kp * d];
                    let phi_b = &phi[b * d..(b + 1) * d];
                    // B_b = K I + sum_k x_k x_k^T / q_kb^2; g_b = K phi_b - sum_k x_k / q_kb - sum_k V_kb.
                    for r in 0..d {
                        l_b[r * d + r] = k_rows;
                        g_b[r] = k_rows * phi_b[r];
                    }
                    active.clear();
                    for k in 0..kp {
                        let x = vs.x(k);
                        let inv = 1.0 / q[k * nb + b];
                        for r in 0..d {
                            let xr = x[r] * inv;
                            for s in 0..=r {
                                l_b[r * d + s] += xr * (x[s] * inv);
                            }
                            g_b[r] -= xr;
                        }
                        if vs.mask(k)[j] != 0.0 {
                            let coef = w[k] * sgn;
                            for r in 0..d {
                                let val = coef * x[r];
                                v_b[k * d + r] = val;
                                g_b[r] -= val;
                            }
                            active.push(k);
                        }
                    }
                    if !cholesky_in_place(l_b, d) {
                        return None;
                    }
                    log_det += cholesky_log_det(l_b, d);
                    for &k in &active {
                        let zk = &mut z_b[k * d..(k + 1) * d];
                        zk.copy_from_slice(&v_b[k * d..(k + 1) * d]);
                        cholesky_solve(l_b, d, zk);
                    }
                    for (ai, &k) in active.iter().enumerate() {
                        for &l in &active[..=ai] {
                            cap[k * kp + l] +=
                                dot(&v_b[k * d..(k + 1) * d], &z_b[l * d..(l + 1) * d]);
                        }
                    }
                }
                Some(ChunkSums { cap, log_det })
            })
            .collect();
        let mut cap = vec![0.0; kp * kp];
        let mut log_det = 0.0;
        for s in sums {
            let s = s.ok_or_else(|| Error::Numerical {
                what: "Cholesky factorisation of a Hessian block".into(),
                reason: "a block is not positive definite (a slack is zero or not finite)".into(),
            })?;
            for (a, b) in cap.iter_mut().zip(&s.cap) {
                *a += b;
            }
            log_det += s.log_det;
        }
        for k in 0..kp {
            cap[k * kp + k] += 1.0;
        }
        if !cholesky_in_place(&mut cap, kp) {
            return Err(Error::Numerical {
                what: "Cholesky factorisation of the capacitance matrix".into(),
                reason: "I + V^T B^-1 V is not positive definite".into(),
            });
        }
        log_det += cholesky_log_det(&cap, kp);
        Ok(Assembled {
            hessian: StructuredHessian {
                d,
                nb,
                kp,
                chol,
                v,
                z,
                cap,
                log_det,
            },
            gradient,
        })
    }

    /// `log det hess G`.
    pub fn log_det(&self) -> f64 {
        self.log_det
    }

    /// Solves `hess G x = rhs` (length `2dm`) by per-block solves and Woodbury.
    pub fn solve(&self, rhs: &[f64]) -> Vec<f64> {
        let (d, kp) = (self.d, self.kp);
        // h = B^-1 rhs, and per-chunk partial sums of V^T h.
        let mut h = rhs.to_vec();
        let partial: Vec<Vec<f64>> = h
            .par_chunks_mut(CHUNK * d)
            .enumerate()
            .map(|(c, h_c)| {
                let mut r = vec![0.0; kp];
                for (lb, h_b) in h_c.chunks_exact_mut(d).enumerate() {
                    let b = c * CHUNK + lb;
                    cholesky_solve(&self.chol[b * d * d..(b + 1) * d * d], d, h_b);
                    let v_b = &self.v[b * kp * d..(b + 1) * kp * d];
                    for (rk, vk) in r.iter_mut().zip(v_b.chunks_exact(d)) {
                        *rk += dot(vk, h_b);
                    }
                }
                r
            })
            .collect();
        let mut u = vec![0.0; kp];
        for p in partial {
            for (a, b) in u.iter_mut().zip(&p) {
                *a += b;
            }
        }
        cholesky_solve(&self.cap, kp, &mut u);
        // x_b = h_b - Z_b^T u.
        h.par_chunks_mut(CHUNK * d)
            .enumerate()
            .for_each(|(c, h_c)| {
                for (lb, h_b) in h_c.chunks_exact_mut(d).enumerate() {
                    let b = c * CHUNK + lb;
                    let z_b = &self.z[b * kp * d..(b + 1) * kp * d];
                    for (zk, &uk) in z_b.chunks_exact(d).zip(&u) {
                        for r in 0..d {
                            h_b[r] -= zk[r] * uk;
                        }
                    }
                }
            });
        debug_assert_eq!(h.len(), self.nb * d);
        h
    }
}
