//! The pool: the unlabelled train points with a bias column appended (`x_i = (p_i, 1)`), the
//! learner's candidates for queries, with the oracle's hidden labels.

use crate::data::{Dataset, Task};
use crate::error::{Error, Result};

/// Points with a bias column, row-major `n x d` (`d = dim + 1`), and their hidden labels `±1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Number of points.
    pub n: usize,
    /// Row length including the bias (3 for planar data).
    pub d: usize,
    /// Rows `x_i = (p_i, 1)`, row-major `n x d`.
    pub x: Vec<f64>,
    /// Hidden labels in `{-1, +1}`, revealed one at a time by the oracle.
    pub y: Vec<f64>,
}

impl Pool {
    /// Appends a bias column to `points` (row-major, `dim` per row).
    pub fn with_bias(points: &[f64], dim: usize, labels: &[f64]) -> Pool {
        let n = labels.len();
        let d = dim + 1;
        let mut x = Vec::with_capacity(n * d);
        for p in points.chunks(dim).take(n) {
            x.extend_from_slice(p);
            x.push(1.0);
        }
        Pool {
            n,
            d,
            x,
            y: labels.to_vec(),
        }
    }

    /// The train split of a classification dataset as the pool, and its test split with bias
    /// columns. Errors (field `data.preset`) on a regression dataset and (field `data`) on an
    /// empty train split or labels outside `{-1, +1}`.
    pub fn from_dataset(data: &Dataset) -> Result<(Pool, Pool)> {
        if data.task != Task::Classification {
            return Err(Error::UnknownName {
                field: "data.preset".into(),
                value: data.name.clone(),
                expected: "a classification dataset (spiral, moons, xor, circles, blobs, user)"
                    .into(),
            });
        }
        if data.n_train() == 0 {
            return Err(Error::Empty {
                field: "data train points".into(),
                min: 1,
            });
        }
        for (i, &v) in data.train_y.iter().chain(&data.test_y).enumerate() {
            if v != 1.0 && v != -1.0 {
                return Err(Error::UnknownName {
                    field: format!("data label {i}"),
                    value: v.to_string(),
                    expected: "-1, 1".into(),
                });
            }
        }
        for (i, v) in data.train_x.iter().chain(&data.test_x).enumerate() {
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    field: format!("data coordinate {i}"),
                    value: v.to_string(),
                });
            }
        }
        Ok((
            Pool::with_bias(&data.train_x, data.dim, &data.train_y),
            Pool::with_bias(&data.test_x, data.dim, &data.test_y),
        ))
    }

    /// Row `i` (length `d`).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}
