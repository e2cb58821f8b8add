//! Exportable runs: everything needed to replay an active-learning run bit for bit (the pool, the
//! test set, the gate vectors, the protocol and the answered labels in order), as JSON.
//!
//! A run is a deterministic function of its config, pool, patterns and answers: replaying the
//! answers from the first centre (`theta = 0`, Algorithm 1 of Zhang, Zhang, Pilanci 2025) rebuilds
//! every cut and every warm-started centre with the same bits. The record stores the gate vectors
//! themselves (the patterns are `1[x_i . u_j >= 0]` over the pool) with a digest of the resulting
//! patterns and of the final centre, so a record that no longer replays to the same run (another
//! build, an edited file) is rejected instead of silently diverging.
//!
//! Floating-point arrays are written as decimal strings (the shortest that round-trip, parsed back
//! by Rust's exactly rounded parser), so a record survives JSON with every bit; plain JSON numbers
//! are also accepted on input.

use serde::{Deserialize, Serialize};

use super::config::Config;
use super::experiment::{Answer, Experiment, is_label, is_regression};
use super::oracle::{check_coord, check_count, check_label};
use super::patterns::Patterns;
use super::pool::Pool;
use crate::error::{Error, Result, check_range_usize};

/// The record format written by [`Experiment::export`].
pub const RUN_FORMAT: u32 = 1;

/// A whole run, enough to replay it bit for bit ([`Experiment::import`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// Record format, [`RUN_FORMAT`].
    pub format: u32,
    /// The protocol: query rule, budgets, radius, Newton settings, gate count and seed.
    pub config: Config,
    /// Dataset name (a preset's, or `user`).
    pub dataset: String,
    /// Input dimension without the bias (2 for planar data), in `[1, 16]`.
    pub dim: usize,
    /// Pool inputs, row-major `n x dim` (without bias).
    #[serde(with = "exact")]
    pub pool_x: Vec<f64>,
    /// Pool labels `±1`, or `null` for a point whose label only the person gave (or will give).
    pub pool_labels: Vec<Option<f64>>,
    /// Test inputs, row-major `n_test x dim`.
    #[serde(with = "exact")]
    pub test_x: Vec<f64>,
    /// Test labels `±1`.
    pub test_labels: Vec<f64>,
    /// The distinct gate vectors, row-major `m x (dim + 1)` (bias last): pattern `j` is
    /// `1[x_i . gates[j] >= 0]` over the pool.
    #[serde(with = "exact")]
    pub gates: Vec<f64>,
    /// FNV-1a digest of the patterns (`m` and the `n x m` mask), 16 hex digits.
    pub patterns_digest: String,
    /// The answered labels, in order.
    pub answers: Vec<Answer>,
    /// The points pending when the run was exported (a round proposed and not yet finished).
    pub pending: Vec<usize>,
    /// FNV-1a digest of the centre `theta`'s bits when exported, 16 hex digits.
    pub centre_digest: String,
    /// Query synthesis: how many of the last pool points were synthesised during the run (they are
    /// not part of the original pool: the replay synthesises them again and checks their bits).
    /// The patterns digest covers the original pool only. Absent (0) for the pool rules.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub synthesized: usize,
    /// Regression: the pool targets, the test targets and the answered targets written exactly
    /// (decimal strings), since a JSON number need not parse back to the same bits; on import they
    /// take the place of `pool_labels`, `test_labels` and the answers' labels. Absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "exact")]
    pub pool_targets: Vec<f64>,
    /// Regression: the test targets, exactly (see `pool_targets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "exact")]
    pub test_targets: Vec<f64>,
    /// Regression: the answered targets in order, exactly (see `pool_targets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "exact")]
    pub answer_targets: Vec<f64>,
}

/// Whether `n` is 0 (serde's `skip_serializing_if`).
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// FNV-1a over 64-bit words, as 16 hex digits.
fn fnv(words: impl IntoIterator<Item = u64>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Digest of a set of patterns: `m`, `n`, then the mask row by row.
pub fn patterns_digest(p: &Patterns) -> String {
    let head = [p.m as u64, p.n as u64];
    fnv(head.into_iter().chain(p.mask.iter().map(|&b| u64::from(b))))
}

/// Digest of a parameter vector's bits (e.g. the centre `theta`).
pub fn theta_digest(theta: &[f64]) -> String {
    fnv(theta.iter().map(|v| v.to_bits()))
}

impl RunRecord {
    /// The record as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Numerical {
            what: "serialising the active run".into(),
            reason: e.to_string(),
        })
    }

    /// Parses a JSON record (unknown fields rejected); malformed JSON is an [`Error::Parse`] with
    /// field `active run`. Does not validate ([`Experiment::import`] does).
    pub fn from_json(json: &str) -> Result<RunRecord> {
        serde_json::from_str(json).map_err(|e| Error::Parse {
            field: "active run".into(),
            message: e.to_string(),
        })
    }
}

impl Experiment {
    /// Everything needed to replay this run bit for bit: config, pool and test points with
    /// labels, gate vectors, answered labels in order, pending points, and digests of the patterns
    /// and the current centre.
    pub fn export(&self) -> RunRecord {
        let strip = |p: &Pool| -> Vec<f64> {
            (0..p.n)
                .flat_map(|i| p.row(i)[..p.d - 1].iter().copied())
                .collect()
        };
        let pool = self.pool();
        let test = self.test_set();
        let (_, base_patterns) = self.base_parts();
        RunRecord {
            format: RUN_FORMAT,
            config: self.config().clone(),
            dataset: self.dataset_name().to_string(),
            dim: pool.d - 1,
            pool_x: strip(pool),
            pool_labels: pool
                .y
                .iter()
                .map(|&y| {
                    let known = if self.is_regression() {
                        y.is_finite()
                    } else {
                        is_label(y)
                    };
                    known.then_some(y)
                })
                .collect(),
            test_x: strip(test),
            test_labels: test.y.clone(),
            gates: self.patterns().gates.clone(),
            patterns_digest: patterns_digest(&base_patterns),
            answers: self.answers().to_vec(),
            pending: self.pending().to_vec(),
            centre_digest: theta_digest(&self.centre().theta),
            synthesized: pool.n - self.base_n,
            pool_targets: if self.is_regression() {
                pool.y.clone()
            } else {
                Vec::new()
            },
            test_targets: if self.is_regression() {
                test.y.clone()
            } else {
                Vec::new()
            },
            answer_targets: if self.is_regression() {
                self.answers().iter().map(|a| a.label).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Rebuilds a run from its record: checks it (errors name `active run.<field>` and the bound),
    /// rebuilds the patterns from the gate vectors and checks their digest, replays the answers
    /// from the first centre (an answer whose point is not proposed at its turn, or whose label is
    /// not `±1`, is an error naming `active run.answers[k]`), proposes the pending round if there was one, and checks the centre's
    /// digest. The result has bit-identical centres, rounds and report, and continues as the
    /// original would.
    pub fn import(record: &RunRecord) -> Result<Experiment> {
        if record.format != RUN_FORMAT {
            return Err(Error::UnknownName {
                field: "active run.format".into(),
                value: record.format.to_string(),
                expected: RUN_FORMAT.to_string(),
            });
        }
        let config = record.config.clone();
        config.validate()?;
        check_range_usize("active run.dim", record.dim, 1, 16)?;
        let dim = record.dim;
        let n_all = record.pool_labels.len();
        check_count("active run.pool_labels", n_all, 1)?;
        check_range_usize("active run.synthesized", record.synthesized, 0, n_all - 1)?;
        let n = n_all - record.synthesized;
        // Exact regression targets replace the JSON numbers when present.
        let mut record = record.clone();
        for (field, exact, len) in [
            ("active run.pool_targets", record.pool_targets.len(), n_all),
            (
                "active run.test_targets",
                record.test_targets.len(),
                record.test_labels.len(),
            ),
            (
                "active run.answer_targets",
                record.answer_targets.len(),
                record.answers.len(),
            ),
        ] {
            if exact != 0 {
                check_range_usize(&format!("{field} length"), exact, len, len)?;
            }
        }
        if !record.pool_targets.is_empty() {
            record.pool_labels = record.pool_targets.iter().map(|&y| Some(y)).collect();
        }
        if !record.test_targets.is_empty() {
            record.test_labels = record.test_targets.clone();
        }
        for (a, &y) in record.answers.iter_mut().zip(&record.answer_targets) {
            a.label = y;
        }
        let record = &record;
        let n_test = record.test_labels.len();
        check_count("active run.test_labels", n_test, 0)?;
        for (field, xs, rows) in [
            ("active run.pool_x", &record.pool_x, n_all),
            ("active run.test_x", &record.test_x, n_test),
        ] {
            check_range_usize(&format!("{field} length"), xs.len(), rows * dim, rows * dim)?;
            for (k, &v) in xs.iter().enumerate() {
                check_coord(format!("{field}[{k}]"), v)?;
            }
        }
        // Labels are ±1, or any finite target for the regression preset.
        let regression = is_regression(&record.dataset);
        let check = |field: String, l: f64| {
            if !regression {
                check_label(field, l)
            } else if l.is_finite() {
                Ok(())
            } else {
                Err(Error::NotFinite {
                    field,
                    value: l.to_string(),
                })
            }
        };
        for (i, l) in record.pool_labels.iter().enumerate() {
            if let Some(l) = *l {
                check(format!("active run.pool_labels[{i}]"), l)?;
            }
        }
        for (i, &l) in record.test_labels.iter().enumerate() {
            check(format!("active run.test_labels[{i}]"), l)?;
        }
        let d = dim + 1;
        let m = record.gates.len() / d;
        check_range_usize(
            "active run.gates length",
            record.gates.len(),
            d,
            d * config.gates,
        )?;
        if record.gates.len() != m * d {
            return Err(Error::Parse {
                field: "active run.gates".into(),
                message: format!(
                    "{} numbers is not a whole number of gates of length {d}",
                    record.gates.len()
                ),
            });
        }
        for (k, v) in record.gates.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    field: format!("active run.gates[{k}]"),
                    value: v.to_string(),
                });
            }
        }
        let ys: Vec<f64> = record.pool_labels[..n]
            .iter()
            .map(|l| l.unwrap_or(f64::NAN))
            .collect();
        let pool = Pool::with_bias(&record.pool_x[..n * dim], dim, &ys);
        let test = Pool::with_bias(&record.test_x, dim, &record.test_labels);
        let mut mask = vec![0u8; n * m];
        for i in 0..n {
            for (j, u) in record.gates.chunks_exact(d).enumerate() {
                mask[i * m + j] = u8::from(crate::linalg::dot(pool.row(i), u) >= 0.0);
            }
        }
        let patterns = Patterns {
            n,
            d,
            m,
            sampled: config.gates,
            mask,
            gates: record.gates.clone(),
        };
        let digest = patterns_digest(&patterns);
        if digest != record.patterns_digest {
            return Err(Error::Parse {
                field: "active run.patterns_digest".into(),
                message: format!(
                    "the gates give other patterns on this pool (digest {digest}, recorded {})",
                    record.patterns_digest
                ),
            });
        }
        let mut exp = Experiment::from_parts(config, record.dataset.clone(), pool, test, patterns)?;
        for (k, a) in record.answers.iter().enumerate() {
            exp.replay(std::slice::from_ref(a))
                .map_err(|e| Error::Parse {
                    field: format!("active run.answers[{k}]"),
                    message: format!("does not fit the replayed run: {e}"),
                })?;
        }
        if !record.pending.is_empty() {
            let pending = exp.propose()?;
            if pending != record.pending {
                return Err(Error::Parse {
                    field: "active run.pending".into(),
                    message: format!(
                        "the replayed run proposes {pending:?}, the record says {:?}",
                        record.pending
                    ),
                });
            }
        }
        let replayed = exp.synthesized_points();
        let same = replayed.len() == record.pool_x.len() - n * dim
            && replayed
                .iter()
                .zip(&record.pool_x[n * dim..])
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            return Err(Error::Parse {
                field: "active run.pool_x".into(),
                message: format!(
                    "the replay synthesised other points ({} numbers) than the record's last {} \
                     pool points",
                    replayed.len(),
                    record.synthesized
                ),
            });
        }
        let digest = theta_digest(&exp.centre().theta);
        if digest != record.centre_digest {
            return Err(Error::Parse {
                field: "active run.centre_digest".into(),
                message: format!(
                    "the replayed centre differs (digest {digest}, recorded {})",
                    record.centre_digest
                ),
            });
        }
        Ok(exp)
    }
}

/// Exact (de)serialisation of `f64` arrays: written as the shortest decimal strings that
/// round-trip, read back with Rust's exactly rounded parser (JSON numbers are accepted too).
mod exact {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Shortest round-trip text of `v`: plain decimals for moderate magnitudes, else exponent form.
    fn text(v: f64) -> String {
        let a = v.abs();
        if a == 0.0 || (1e-5..1e16).contains(&a) {
            format!("{v}")
        } else {
            format!("{v:e}")
        }
    }

    /// Writes `values` as an array of decimal strings.
    pub fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|&v| text(v)))
    }

    /// A number as written: decimal text (exact) or a JSON number.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Text(String),
        Number(f64),
    }

    /// Reads an array of decimal strings or numbers.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let items = Vec::<Item>::deserialize(d)?;
        items
            .into_iter()
            .map(|it| match it {
                Item::Number(v) => Ok(v),
                Item::Text(t) => t
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| serde::de::Error::custom(format!("{t:?} is not a number"))),
            })
            .collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn text_round_trips_every_bit() {
            let mut s = crate::rng::Stream::new(1);
            for k in 0..2000 {
                let v = s.gaussian() * 10f64.powi(k % 40 - 20);
                assert_eq!(text(v).parse::<f64>().unwrap().to_bits(), v.to_bits());
            }
            for v in [0.0, -0.0, 1.0, -1.0, 1e-300, 5e-324, f64::MAX, 0.1 + 0.2] {
                assert_eq!(text(v).parse::<f64>().unwrap().to_bits(), v.to_bits());
            }
        }
    }
}
