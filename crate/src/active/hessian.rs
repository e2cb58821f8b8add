//! The Hessian of the homogeneous centring objective, factored by its structure (Section 4 of
//! Zhang, Zhang, Pilanci 2025; the factorisation is ours).
//!
//! For `G(phi) = psi(phi) + (K/2) ||phi||^2` with `psi(phi) = -sum_r log s_r(phi)` over the `K`
//! rows of the cuts (see [`super::centre`]),
//! `grad G = K phi - sum_r grad s_r / s_r` and `hess G = K I + sum_r grad s_r grad s_r^T / s_r^2`.
//! Each sign row touches one `d`-block, so those terms and `K I` form a block-diagonal matrix `B`
//! (`2m` blocks of `d x d`: `B_b = K I + sum_k x_k x_k^T / q_kb^2`, `q_kb = x_k^T phi_b`); each
//! prediction row is dense over the blocks where the cut point's pattern is 1, giving the low-rank
//! term `V V^T`, `V = [grad s_k / s_k]` (`2dm x K_pred`), whose column `k` on block `b = 2j + s` is
//! `(-1)^s w_k D_kj x_k` with `w_k = y_k / s_k`: `hess G = B + V V^T`.
//!
//! Solves use a Cholesky factor per block and Woodbury,
//! `(B + V V^T)^-1 = B^-1 - B^-1 V C^-1 V^T B^-1`, with the capacitance matrix
//! `C = I + V^T B^-1 V` (`K_pred x K_pred`), `C_kl = delta_kl + w_k w_l sum_j D_kj D_lj x_k^T
//! (B_2j^-1 + B_2j+1^-1) x_l`; `V` is never stored (it is the cut data scaled by `w`), and
//! `log det hess G = sum_b log det B_b + log det C` (the matrix determinant lemma).
//!
//! Patterns are processed in parallel (rayon) in chunks of [`CHUNK`] patterns. Every per-pattern
//! result is computed by the same loop whatever the thread count, and sums across patterns are
//! formed per chunk and then added chunk by chunk in order, so the bits do not depend on the number
//! of threads.

use rayon::prelude::*;

use super::dense::{cholesky_in_place, cholesky_log_det, cholesky_solve};
use super::version_space::VersionSpace;
use crate::error::{Error, Result};

/// Patterns (pairs of blocks) per parallel chunk (fixed, so results do not depend on the thread
/// count).
pub const CHUNK: usize = 32;

/// Whether to hand chunks to rayon: only when its pool has more than one thread. With one thread
/// the same per-chunk code runs in order on the calling thread, avoiding the hand-off to the pool;
/// the results are the same bits either way.
pub fn parallel() -> bool {
    rayon::current_num_threads() > 1
}

/// Largest row length `d` (input dimension + bias) the block kernels are compiled for: planar data
/// (3) and the sentiment preset's up to 8 principal components (9).
pub const MAX_D: usize = 9;

/// The inputs of one assembly pass, shared by the chunks.
struct Ctx<'c> {
    vs: &'c VersionSpace,
    phi: &'c [f64],
    s: &'c [f64],
    /// `w_k x_k` per cut: `V`'s nonzero part.
    wx: &'c [f64],
    /// `g_k x_k` per cut: the prediction rows' part of the gradient.
    gx: &'c [f64],
    /// The multiple of `I` in every block.
    diag: f64,
    /// The coefficient of `phi` in the gradient.
    lin: f64,
    with_log_det: bool,
}

impl Ctx<'_> {
    /// Assembles the patterns of chunk `c`: writes the block inverses and gradient blocks, returns
    /// the chunk's partial capacitance (lower triangle) and log-det, or `None` if a block is not
    /// positive definite.
    fn chunk<const D: usize>(&self, c: usize, inv_c: &mut [f64], g_c: &mut [f64]) -> ChunkSums {
        let (vs, kp) = (self.vs, self.vs.cuts());
        let stride = 1 + vs.blocks();
        let nj = g_c.len() / (2 * D); // patterns in this chunk
        let (j0, b0) = (c * CHUNK, 2 * c * CHUNK);
        let wx: Vec<[f64; D]> = (0..kp)
            .map(|k| as_array(&self.wx[k * D..(k + 1) * D]))
            .collect();
        let gx: Vec<[f64; D]> = (0..kp)
            .map(|k| as_array(&self.gx[k * D..(k + 1) * D]))
            .collect();
        // B_b = K I + sum_k x_k x_k^T / s_kb^2 (lower triangle), and
        // g_b = K phi_b - sum_k (sigma_kj x_k / s_kb + [D_kj = 1] (-1)^s w_k x_k),
        // accumulated cut by cut over the chunk's blocks.
        let mut ls = vec![[[0.0; D]; D]; 2 * nj];
        let mut gs = vec![[0.0; D]; 2 * nj];
        for (lb, (l, g)) in ls.iter_mut().zip(gs.iter_mut()).enumerate() {
            let phi_b: [f64; D] = as_array(&self.phi[(b0 + lb) * D..]);
            for r in 0..D {
                l[r][r] = self.diag;
                g[r] = self.lin * phi_b[r];
            }
        }
        for (k, gx_k) in gx.iter().enumerate() {
            let x: [f64; D] = as_array(vs.x(k));
            let s_k = &self.s[k * stride + 1 + b0..k * stride + 1 + b0 + 2 * nj];
            let m_k = &vs.mask(k)[j0..j0 + nj];
            for ((&dk, s_j), (l_j, g_j)) in m_k
                .iter()
                .zip(s_k.chunks_exact(2))
                .zip(ls.chunks_exact_mut(2).zip(gs.chunks_exact_mut(2)))
            {
                let sigma = 2.0 * dk - 1.0;
                for s in 0..2 {
                    let inv_s = 1.0 / s_j[s];
                    let xs: [f64; D] = std::array::from_fn(|r| x[r] * inv_s);
                    for r in 0..D {
                        for t in 0..=r {
                            l_j[s][r][t] += xs[r] * xs[t];
                        }
                        g_j[s][r] -= sigma * xs[r];
                    }
                }
                if dk != 0.0 {
                    for r in 0..D {
                        g_j[0][r] -= gx_k[r];
                        g_j[1][r] += gx_k[r];
                    }
                }
            }
        }
        let mut cap = vec![0.0; kp * kp];
        let mut log_det = 0.0;
        let mut sx = vec![[0.0; D]; kp];
        let mut act = Vec::with_capacity(kp);
        for (lj, (inv_j, g_j)) in inv_c
            .chunks_exact_mut(2 * D * D)
            .zip(g_c.chunks_exact_mut(2 * D))
            .enumerate()
        {
            act.clear();
            act.extend((0..kp).filter(|&k| vs.masks[k * vs.m + j0 + lj] != 0.0));
            let mut invs = [[[0.0; D]; D]; 2];
            for (s, inv_s) in invs.iter_mut().enumerate() {
                let l = &mut ls[2 * lj + s];
                g_j[s * D..(s + 1) * D].copy_from_slice(&gs[2 * lj + s]);
                if !spd_inverse(l, inv_s) {
                    return None;
                }
                if self.with_log_det {
                    let prod = (0..D).fold(1.0, |p, r| p * l[r][r]);
                    log_det += 2.0 * libm::log(prod);
                }
                for r in 0..D {
                    inv_j[(s * D + r) * D..(s * D + r + 1) * D].copy_from_slice(&inv_s[r]);
                }
            }
            // C += sum over active pairs of (w_k x_k)^T (B_2j^-1 + B_2j+1^-1) (w_l x_l).
            let sum: [[f64; D]; D] =
                std::array::from_fn(|r| std::array::from_fn(|t| invs[0][r][t] + invs[1][r][t]));
            for &k in &act {
                sx[k] = std::array::from_fn(|r| dot_n(&sum[r], &wx[k]));
            }
            for (ai, &k) in act.iter().enumerate() {
                for &lk in &act[..=ai] {
                    cap[k * kp + lk] += dot_n(&sx[k], &wx[lk]);
                }
            }
        }
        Some((cap, log_det))
    }
}

/// Inverts the symmetric positive definite `a` (lower triangle read, overwritten by its Cholesky
/// factor `L`) into `inv` through `L^-1`: `a^-1 = L^-T L^-1`. Returns `false` if `a` is not
/// positive definite.
#[allow(clippy::needless_range_loop)] // index form mirrors the textbook recurrences
fn spd_inverse<const D: usize>(a: &mut [[f64; D]; D], inv: &mut [[f64; D]; D]) -> bool {
    for j in 0..D {
        let mut diag = a[j][j];
        for k in 0..j {
            diag -= a[j][k] * a[j][k];
        }
        if !(diag > 0.0 && diag.is_finite()) {
            return false;
        }
        let ljj = libm::sqrt(diag);
        a[j][j] = ljj;
        for i in j + 1..D {
            let mut v = a[i][j];
            for k in 0..j {
                v -= a[i][k] * a[j][k];
            }
            a[i][j] = v / ljj;
        }
    }
    // m = L^-1 (lower triangular), by forward substitution on the identity.
    let mut m = [[0.0; D]; D];
    for col in 0..D {
        for i in col..D {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for k in col..i {
                v -= a[i][k] * m[k][col];
            }
            m[i][col] = v / a[i][i];
        }
    }
    for r in 0..D {
        for c in 0..=r {
            let mut v = 0.0;
            for k in r..D {
                v += m[k][r] * m[k][c];
            }
            inv[r][c] = v;
            inv[c][r] = v;
        }
    }
    true
}

/// `hess G(phi) = B + V V^T`, factored: the inverse of every block `B_b`, the weights `w_k` that
/// define `V` with the cut data, and the Cholesky factor of the capacitance `C`.
#[derive(Debug, Clone)]
pub struct StructuredHessian<'a> {
    /// The cuts (`V` is built from their inputs and patterns).
    vs: &'a VersionSpace,
    /// `w_k = y_k / s_k`, the prediction rows' scale.
    w: Vec<f64>,
    /// Inverses of the blocks, `2m x d x d` row-major.
    inv: Vec<f64>,
    /// Cholesky factor of `C`, `K_pred x K_pred`.
    cap: Vec<f64>,
    /// `log det hess G`.
    log_det: f64,
}

/// What one pass over the rows gives: the factored Hessian and the gradient of `G`.
#[derive(Debug, Clone)]
pub struct Assembled<'a> {
    /// `hess G(phi)`, factored.
    pub hessian: StructuredHessian<'a>,
    /// `grad G(phi)`, length `2dm`.
    pub gradient: Vec<f64>,
}

/// Per-chunk output of the assembly: partial capacitance (lower triangle) and partial log-det.
type ChunkSums = Option<(Vec<f64>, f64)>;

impl<'a> StructuredHessian<'a> {
    /// Assembles and factors `hess G` and `grad G` at `phi` (length `2dm`) for the cuts of `vs`,
    /// with `k_rows` = number of rows `K` (the weight of `||phi||^2 / 2`). `s` are the slacks of
    /// all rows at `phi` (from [`VersionSpace::slacks`]); all must be positive. `with_log_det` also
    /// sums `log det hess G` (otherwise [`Self::log_det`] is the capacitance part only). Errors as
    /// [`Self::assemble_parts`] (which checks `d` and that there are cuts) and if a block or `C` is
    /// not positive definite.
    pub fn assemble(
        vs: &'a VersionSpace,
        phi: &[f64],
        s: &[f64],
        k_rows: f64,
        with_log_det: bool,
    ) -> Result<Assembled<'a>> {
        let w: Vec<f64> = (0..vs.cuts())
            .map(|k| vs.labels[k] / s[vs.row_of(k)])
            .collect();
        Self::assemble_parts(vs, phi, s, &w, &w, k_rows, k_rows, with_log_det)
    }

    /// The general form behind [`Self::assemble`]: factors `H = B + V V^T` and forms the gradient
    /// `g`, where block `b = 2j + s` of `B` is `diag I + sum_k x_k x_k^T / q_kb^2` (`q_kb` the sign
    /// rows' slacks, read from `s` in the layout of [`VersionSpace::slacks`]; the prediction slots
    /// are not read), `V`'s column `k` on block `b` is `(-1)^s weights[k] D_kj x_k`, and
    /// `g_b = lin phi_b - sum_k (2 D_kj - 1) x_k / q_kb - [D_kj = 1] (-1)^s grad_weights[k] x_k`.
    /// The homogeneous centring uses `weights = grad_weights = y_k / s_k`, `diag = lin = K`; the
    /// regression barrier ([`super::regression`]) uses its tube rows' weights.
    #[allow(clippy::too_many_arguments)]
    pub fn assemble_parts(
        vs: &'a VersionSpace,
        phi: &[f64],
        s: &[f64],
        weights: &[f64],
        grad_weights: &[f64],
        diag: f64,
        lin: f64,
        with_log_det: bool,
    ) -> Result<Assembled<'a>> {
        let (d, nb, kp) = (vs.d, vs.blocks(), vs.cuts());
        if !(1..=MAX_D).contains(&d) {
            return Err(Error::out_of_range("input dimension + 1", d, 1, MAX_D));
        }
        if kp == 0 || nb == 0 {
            return Err(Error::Numerical {
                what: "assembling the centring Hessian".into(),
                reason: "there are no cuts (the centre of the bare ball is 0)".into(),
            });
        }
        let w = weights.to_vec();
        // w_k x_k, the nonzero part of V's column k on every block where D_kj = 1.
        let mut wx = Vec::with_capacity(kp * d);
        for (k, &wk) in w.iter().enumerate() {
            wx.extend(vs.x(k).iter().map(|v| wk * v));
        }
        let mut gx = Vec::with_capacity(kp * d);
        for (k, &gk) in grad_weights.iter().enumerate() {
            gx.extend(vs.x(k).iter().map(|v| gk * v));
        }
        let mut inv = vec![0.0; nb * d * d];
        let mut gradient = vec![0.0; nb * d];
        let ctx = Ctx {
            vs,
            phi,
            s,
            wx: &wx,
            gx: &gx,
            diag,
            lin,
            with_log_det,
        };
        let work = |(c, (inv_c, g_c)): (usize, (&mut [f64], &mut [f64]))| match d {
            1 => ctx.chunk::<1>(c, inv_c, g_c),
            2 => ctx.chunk::<2>(c, inv_c, g_c),
            3 => ctx.chunk::<3>(c, inv_c, g_c),
            4 => ctx.chunk::<4>(c, inv_c, g_c),
            5 => ctx.chunk::<5>(c, inv_c, g_c),
            6 => ctx.chunk::<6>(c, inv_c, g_c),
            7 => ctx.chunk::<7>(c, inv_c, g_c),
            8 => ctx.chunk::<8>(c, inv_c, g_c),
            9 => ctx.chunk::<9>(c, inv_c, g_c),
            _ => None,
        };
        let (ci, cg) = (CHUNK * 2 * d * d, CHUNK * 2 * d);
        let sums: Vec<ChunkSums> = if parallel() {
            inv.par_chunks_mut(ci)
                .zip(gradient.par_chunks_mut(cg))
                .enumerate()
                .map(work)
                .collect()
        } else {
            inv.chunks_mut(ci)
                .zip(gradient.chunks_mut(cg))
                .enumerate()
                .map(work)
                .collect()
        };
        let mut cap = vec![0.0; kp * kp];
        let mut log_det = 0.0;
        for s in sums {
            let (part, ld) = s.ok_or_else(|| Error::Numerical {
                what: "Cholesky factorisation of a Hessian block".into(),
                reason: "a block is not positive definite (a slack is zero or not finite)".into(),
            })?;
            for (a, b) in cap.iter_mut().zip(&part) {
                *a += b;
            }
            log_det += ld;
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
                vs,
                w,
                inv,
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

    /// Solves `hess G x = rhs` (length `2dm`) by Woodbury: `h = B^-1 rhs`, `u = C^-1 V^T h`,
    /// `x = B^-1 (rhs - V u)`.
    pub fn solve(&self, rhs: &[f64]) -> Vec<f64> {
        match self.vs.d {
            1 => self.solve_d::<1>(rhs),
            2 => self.solve_d::<2>(rhs),
            3 => self.solve_d::<3>(rhs),
            4 => self.solve_d::<4>(rhs),
            5 => self.solve_d::<5>(rhs),
            6 => self.solve_d::<6>(rhs),
            7 => self.solve_d::<7>(rhs),
            8 => self.solve_d::<8>(rhs),
            _ => self.solve_d::<9>(rhs), // assemble admits d <= MAX_D = 9 only
        }
    }

    /// [`Self::solve`] for row length `D`.
    fn solve_d<const D: usize>(&self, rhs: &[f64]) -> Vec<f64> {
        let vs = self.vs;
        let kp = vs.cuts();
        let xs: Vec<[f64; D]> = (0..kp).map(|k| as_array(vs.x(k))).collect();
        let apply = |b: usize, v: &[f64; D]| -> [f64; D] {
            let inv_b = &self.inv[b * D * D..(b + 1) * D * D];
            std::array::from_fn(|r| dot_n(&as_array(&inv_b[r * D..(r + 1) * D]), v))
        };
        // Per-chunk partial sums of V^T B^-1 rhs: w_k sum_j D_kj x_k^T (h_2j - h_2j+1).
        let partial_sums = |(c, rhs_c): (usize, &[f64])| {
            let mut r = vec![0.0; kp];
            for (lj, rhs_j) in rhs_c.chunks_exact(2 * D).enumerate() {
                let j = c * CHUNK + lj;
                let h0 = apply(2 * j, &as_array(&rhs_j[..D]));
                let h1 = apply(2 * j + 1, &as_array(&rhs_j[D..]));
                for (k, rk) in r.iter_mut().enumerate() {
                    if vs.mask(k)[j] != 0.0 {
                        *rk += self.w[k] * (dot_n(&xs[k], &h0) - dot_n(&xs[k], &h1));
                    }
                }
            }
            r
        };
        let partial: Vec<Vec<f64>> = if parallel() {
            rhs.par_chunks(CHUNK * 2 * D)
                .enumerate()
                .map(partial_sums)
                .collect()
        } else {
            rhs.chunks(CHUNK * 2 * D)
                .enumerate()
                .map(partial_sums)
                .collect()
        };
        let mut u = vec![0.0; kp];
        for p in partial {
            for (a, b) in u.iter_mut().zip(&p) {
                *a += b;
            }
        }
        cholesky_solve(&self.cap, kp, &mut u);
        let uw: Vec<f64> = u.iter().zip(&self.w).map(|(u, w)| u * w).collect();
        // x_b = B_b^-1 (rhs_b - (-1)^s sum_{k: D_kj = 1} u_k w_k x_k).
        let back = |(c, x_c): (usize, &mut [f64])| {
            for (lj, x_j) in x_c.chunks_exact_mut(2 * D).enumerate() {
                let j = c * CHUNK + lj;
                let mut vu = [0.0; D];
                for k in 0..kp {
                    if vs.mask(k)[j] != 0.0 {
                        for r in 0..D {
                            vu[r] += uw[k] * xs[k][r];
                        }
                    }
                }
                for s in 0..2 {
                    let b = 2 * j + s;
                    let sgn = if s == 0 { 1.0 } else { -1.0 };
                    let t: [f64; D] = std::array::from_fn(|r| rhs[b * D + r] - sgn * vu[r]);
                    x_j[s * D..(s + 1) * D].copy_from_slice(&apply(b, &t));
                }
            }
        };
        let mut x = vec![0.0; rhs.len()];
        if parallel() {
            x.par_chunks_mut(CHUNK * 2 * D).enumerate().for_each(back);
        } else {
            x.chunks_mut(CHUNK * 2 * D).enumerate().for_each(back);
        }
        x
    }
}

/// The first `D` entries of `v` as an array.
pub(crate) fn as_array<const D: usize>(v: &[f64]) -> [f64; D] {
    std::array::from_fn(|r| v[r])
}

/// `sum_r a_r b_r` in increasing `r`, starting from `0.0`: the same bits as [`crate::linalg::dot`].
pub(crate) fn dot_n<const D: usize>(a: &[f64; D], b: &[f64; D]) -> f64 {
    let mut s = 0.0;
    for r in 0..D {
        s += a[r] * b[r];
    }
    s
}
