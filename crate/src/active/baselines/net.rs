//! The deep baselines' model: a two-layer ReLU network `f(x) = sum_j v_j relu(w_j^T x) + c` on
//! pool rows `x = (p, 1)` (the bias column makes `w_j^T x` an affine hidden unit), trained by
//! full-batch Adam (Kingma and Ba 2015) on the mean logistic loss `log(1 + exp(-y f(x)))`, the
//! binary form of the reference's two-class cross-entropy (pilancilab/cpal
//! `deepal_baseline/nets.py`). Optional inverted dropout on the hidden layer (Gal and Ghahramani
//! 2016) serves BALD's Monte Carlo passes.
//!
//! Plain loops in a fixed order and `libm` transcendental functions: a seed gives the same bits
//! natively and in wasm.

use serde::{Deserialize, Serialize};

use crate::error::{Result, check_range_f64, check_range_usize};
use crate::rng::Stream;

/// Training settings of the network (shared by every deep baseline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetConfig {
    /// Hidden width `h`, in `[1, 4096]`.
    pub width: usize,
    /// Full-batch Adam steps per (re)training, in `[1, 100_000]`.
    pub epochs: usize,
    /// Adam step size, in `[1e-6, 1]`.
    pub learning_rate: f64,
    /// L2 penalty `lambda/2 (|W|^2 + |v|^2)` added to the mean loss (output bias not penalised),
    /// in `[0, 1]`.
    pub weight_decay: f64,
}

impl Default for NetConfig {
    /// Width 256, 1000 Adam steps of size 0.01, weight decay 1e-4. Enough steps for the network to
    /// fit every labelled set of the spiral protocol (training accuracy 1 at up to 80 labels, see
    /// `crate/tests/active_baselines.rs`); the small decay keeps the logits finite once the labelled
    /// points are separated.
    fn default() -> Self {
        NetConfig {
            width: 256,
            epochs: 1000,
            learning_rate: 0.01,
            weight_decay: 1e-4,
        }
    }
}

impl NetConfig {
    /// Checks the ranges; errors name `prefix.<field>` and the bound.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        check_range_usize(&format!("{prefix}.width"), self.width, 1, 4096)?;
        check_range_usize(&format!("{prefix}.epochs"), self.epochs, 1, 100_000)?;
        check_range_f64(
            &format!("{prefix}.learning_rate"),
            self.learning_rate,
            1e-6,
            1.0,
        )?;
        check_range_f64(
            &format!("{prefix}.weight_decay"),
            self.weight_decay,
            0.0,
            1.0,
        )?;
        Ok(())
    }
}

/// The logistic function `1 / (1 + exp(-z))`, the predicted probability of label `+1`.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-z))
}

/// `log(1 + exp(-m))` computed without overflow (the logistic loss at margin `m = y f`).
pub fn softplus_neg(m: f64) -> f64 {
    if m > 0.0 {
        libm::log1p(libm::exp(-m))
    } else {
        -m + libm::log1p(libm::exp(m))
    }
}

/// A two-layer ReLU network with `h` hidden units on `d`-dimensional rows. Parameters are one flat
/// vector: `W` (`h x d`, row-major, row `j` is `w_j`), then `v` (`h`), then the output bias `c`.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    /// Row length (input dimension including the bias column).
    pub d: usize,
    /// Hidden width.
    pub h: usize,
    /// Flat parameters `(W, v, c)`, length `h d + h + 1`.
    pub theta: Vec<f64>,
}

impl Net {
    /// He-initialised network (He et al. 2015): `W_jk ~ N(0, 2/d)`, `v_j ~ N(0, 1/h)`, `c = 0`,
    /// drawn in that order from `stream`.
    pub fn init(d: usize, h: usize, stream: &mut Stream) -> Net {
        let mut theta = Vec::with_capacity(h * d + h + 1);
        let sw = libm::sqrt(2.0 / d as f64);
        for _ in 0..h * d {
            theta.push(sw * stream.gaussian());
        }
        let sv = libm::sqrt(1.0 / h as f64);
        for _ in 0..h {
            theta.push(sv * stream.gaussian());
        }
        theta.push(0.0);
        Net { d, h, theta }
    }

    /// The logit `f(x)` (no dropout); `x` has length `d`.
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.logit_masked(x, None)
    }

    /// The logit with hidden unit `j` multiplied by `mask[j]` (inverted dropout: `0` or
    /// `1/(1-p)`); `None` is the plain network.
    pub fn logit_masked(&self, x: &[f64], mask: Option<&[f64]>) -> f64 {
        let (d, h) = (self.d, self.h);
        let (w, rest) = self.theta.split_at(h * d);
        let (v, c) = rest.split_at(h);
        let mut f = c[0];
        for j in 0..h {
            let wj = &w[j * d..(j + 1) * d];
            let mut z = 0.0;
            for k in 0..d {
                z += wj[k] * x[k];
            }
            if z > 0.0 {
                let a = match mask {
                    Some(m) => z * m[j],
                    None => z,
                };
                f += v[j] * a;
            }
        }
        f
    }

    /// Trains by `cfg.epochs` full-batch Adam steps (`beta = (0.9, 0.999)`, `eps = 1e-8`, bias
    /// corrected) on the mean logistic loss over `(xs[i], ys[i])` (`ys` in `{-1, +1}`) plus the
    /// L2 penalty. With `dropout = Some((p, stream))`, each step draws a fresh mask per point and
    /// hidden unit (drop with probability `p`, keep scaled by `1/(1-p)`). Returns the mean
    /// logistic loss (without penalty, without dropout) after training.
    pub fn train(
        &mut self,
        xs: &[&[f64]],
        ys: &[f64],
        cfg: &NetConfig,
        mut dropout: Option<(f64, &mut Stream)>,
    ) -> f64 {
        let (d, h) = (self.d, self.h);
        let n = ys.len();
        let np = self.theta.len();
        if n == 0 {
            return 0.0;
        }
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        let mut m1 = vec![0.0; np];
        let mut m2 = vec![0.0; np];
        let mut grad = vec![0.0; np];
        let mut z = vec![0.0; h];
        let mut mask = vec![1.0; h];
        let inv_n = 1.0 / n as f64;
        let (mut p1, mut p2) = (1.0f64, 1.0f64);
        for _ in 0..cfg.epochs {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for (x, &y) in xs.iter().zip(ys) {
                if let Some((p, s)) = dropout.as_mut() {
                    let keep = 1.0 / (1.0 - *p);
                    for mj in mask.iter_mut() {
                        *mj = if s.uniform() < *p { 0.0 } else { keep };
                    }
                }
                let (w, rest) = self.theta.split_at(h * d);
                let (v, c) = rest.split_at(h);
                let mut f = c[0];
                for j in 0..h {
                    let wj = &w[j * d..(j + 1) * d];
                    let mut s = 0.0;
                    for k in 0..d {
                        s += wj[k] * x[k];
                    }
                    z[j] = s;
                    if s > 0.0 {
                        f += v[j] * s * mask[j];
                    }
                }
                // d/df log(1 + exp(-y f)) = -y sigmoid(-y f).
                let g = -y * inv_n / (1.0 + libm::exp(y * f));
                let (gw, grest) = grad.split_at_mut(h * d);
                let (gv, gc) = grest.split_at_mut(h);
                gc[0] += g;
                for j in 0..h {
                    if z[j] > 0.0 {
                        let a = z[j] * mask[j];
                        gv[j] += g * a;
                        let gz = g * v[j] * mask[j];
                        let gwj = &mut gw[j * d..(j + 1) * d];
                        for k in 0..d {
                            gwj[k] += gz * x[k];
                        }
                    }
                }
            }
            if cfg.weight_decay > 0.0 {
                for (g, t) in grad.iter_mut().zip(&self.theta).take(np - 1) {
                    *g += cfg.weight_decay * t;
                }
            }
            p1 *= b1;
            p2 *= b2;
            let step = cfg.learning_rate / (1.0 - p1);
            let c2 = 1.0 / (1.0 - p2);
            for i in 0..np {
                let g = grad[i];
                m1[i] = b1 * m1[i] + (1.0 - b1) * g;
                m2[i] = b2 * m2[i] + (1.0 - b2) * g * g;
                self.theta[i] -= step * m1[i] / (libm::sqrt(m2[i] * c2) + eps);
            }
        }
        self.loss(xs, ys)
    }

    /// Mean logistic loss `1/n sum log(1 + exp(-y_i f(x_i)))` of the plain network.
    pub fn loss(&self, xs: &[&[f64]], ys: &[f64]) -> f64 {
        if ys.is_empty() {
            return 0.0;
        }
        let s: f64 = xs
            .iter()
            .zip(ys)
            .map(|(x, &y)| softplus_neg(y * self.logit(x)))
            .sum();
        s / ys.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        // One Adam step from theta moves along -sign(grad) (first step: m/sqrt(v) = sign(g)), so
        // compare the loss decrease direction with finite differences of the loss instead.
        let mut s = Stream::new(3);
        let net = Net::init(3, 5, &mut s);
        let xs_own = [[0.3, -0.2, 1.0], [-0.5, 0.4, 1.0], [0.1, 0.9, 1.0]];
        let xs: Vec<&[f64]> = xs_own.iter().map(|x| x.as_slice()).collect();
        let ys = [1.0, -1.0, 1.0];
        let cfg = NetConfig {
            width: 5,
            epochs: 1,
            learning_rate: 1e-4,
            weight_decay: 0.0,
        };
        let mut stepped = net.clone();
        stepped.train(&xs, &ys, &cfg, None);
        for i in 0..net.theta.len() {
            let mut a = net.clone();
            a.theta[i] += 1e-6;
            let mut b = net.clone();
            b.theta[i] -= 1e-6;
            let g = (a.loss(&xs, &ys) - b.loss(&xs, &ys)) / 2e-6;
            let moved = stepped.theta[i] - net.theta[i];
            if g.abs() > 1e-6 {
                assert!(moved * g < 0.0, "param {i}: grad {g}, moved {moved}");
                assert!((moved.abs() - 1e-4).abs() < 1e-6, "param {i}: {moved}");
            }
        }
    }

    #[test]
    fn fits_a_small_nonlinear_set() {
        let mut s = Stream::new(1);
        let pts = [
            [0.5, 0.5, 1.0],
            [-0.5, -0.5, 1.0],
            [0.5, -0.5, 1.0],
            [-0.5, 0.5, 1.0],
        ];
        let xs: Vec<&[f64]> = pts.iter().map(|x| x.as_slice()).collect();
        let ys = [1.0, 1.0, -1.0, -1.0];
        let mut net = Net::init(3, 32, &mut s);
        let loss = net.train(&xs, &ys, &NetConfig::default(), None);
        assert!(loss < 0.05, "loss {loss}");
        for (x, y) in xs.iter().zip(ys) {
            assert!(y * net.logit(x) > 0.0);
        }
    }
}
