//! The person as the oracle: pool points added by hand, with or without a known label.
//!
//! Algorithm 1 of Zhang, Zhang, Pilanci (2025) only needs an oracle that reveals the label of each
//! queried point. [`Experiment::new`] takes it from a preset's ground truth; [`Experiment::from_points`]
//! builds a run on points placed by the person, where a point with a known label is answered at once
//! ([`Experiment::auto_answer`]) and the others wait for the person ([`Experiment::propose`],
//! [`Experiment::answer`], [`Experiment::undo`]).

use serde::{Deserialize, Serialize};

use super::config::Config;
use super::experiment::Experiment;
use super::patterns::Patterns;
use super::pool::Pool;
use crate::data::{LabelledPoint, MAX_POINTS};
use crate::error::{Error, Result};

/// Largest absolute coordinate accepted for a user point (`|x|, |y| <= 1e3`).
pub const MAX_COORD: f64 = 1e3;

/// A planar pool point placed by the person, with its label if known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPoint {
    /// First coordinate, `|x| <= 1e3`.
    pub x: f64,
    /// Second coordinate, `|y| <= 1e3`.
    pub y: f64,
    /// The label `±1` if known (answered without asking when queried); `None` (JSON `null` or
    /// absent) means the person is asked.
    #[serde(default)]
    pub label: Option<f64>,
}

/// Checks one coordinate: finite and within `[-MAX_COORD, MAX_COORD]`; errors name `field`.
pub(crate) fn check_coord(field: String, v: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(Error::NotFinite {
            field,
            value: v.to_string(),
        });
    }
    if v.abs() > MAX_COORD {
        return Err(Error::out_of_range(&field, v, -MAX_COORD, MAX_COORD));
    }
    Ok(())
}

/// Checks a label: `±1`; errors name `field`.
pub(crate) fn check_label(field: String, v: f64) -> Result<()> {
    if v == 1.0 || v == -1.0 {
        Ok(())
    } else {
        Err(Error::UnknownName {
            field,
            value: v.to_string(),
            expected: "-1, 1".into(),
        })
    }
}

/// Checks a number of points against `[min, MAX_POINTS]`; errors name `field`.
pub(crate) fn check_count(field: &str, n: usize, min: usize) -> Result<()> {
    if n < min {
        return Err(Error::Empty {
            field: field.into(),
            min,
        });
    }
    if n > MAX_POINTS {
        return Err(Error::out_of_range(
            &format!("{field} number of points"),
            n,
            min,
            MAX_POINTS,
        ));
    }
    Ok(())
}

/// Checks the person's pool points (1 to 10 000; coordinates finite with `|v| <= 1e3`; labels
/// `±1` or unknown). Errors name `active.points[i].x`, `.y`, `.label`, or `active.points`.
pub fn validate_user_points(points: &[UserPoint]) -> Result<()> {
    check_count("active.points", points.len(), 1)?;
    for (i, p) in points.iter().enumerate() {
        check_coord(format!("active.points[{i}].x"), p.x)?;
        check_coord(format!("active.points[{i}].y"), p.y)?;
        if let Some(l) = p.label {
            check_label(format!("active.points[{i}].label"), l)?;
        }
    }
    Ok(())
}

/// Checks test points (0 to 10 000; coordinates finite with `|v| <= 1e3`; labels `±1`). Errors
/// name `active.test[i].x`, `.y`, `.label`, or `active.test`.
pub fn validate_test_points(points: &[LabelledPoint]) -> Result<()> {
    check_count("active.test", points.len(), 0)?;
    for (i, p) in points.iter().enumerate() {
        check_coord(format!("active.test[{i}].x"), p.x)?;
        check_coord(format!("active.test[{i}].y"), p.y)?;
        check_label(format!("active.test[{i}].label"), p.label)?;
    }
    Ok(())
}

impl Experiment {
    /// A run on the person's points: `points` (in this order) are the pool, `test` (possibly
    /// empty) measures accuracy. A pool point with a known label is answered from it
    /// ([`Self::auto_answer`], [`Self::step`]); one without waits for [`Self::answer`]. Internally an
    /// unknown label is stored as `NaN` in [`Pool::y`] and left out of the pool accuracy. The
    /// config's `data` is not used (the dataset is named `user`); the patterns are sampled from the
    /// config's `gates` and `gate_seed` over these points. Errors: the config's, then
    /// [`validate_user_points`] and [`validate_test_points`].
    pub fn from_points(
        config: Config,
        points: &[UserPoint],
        test: &[LabelledPoint],
    ) -> Result<Experiment> {
        config.validate()?;
        validate_user_points(points)?;
        validate_test_points(test)?;
        let xs: Vec<f64> = points.iter().flat_map(|p| [p.x, p.y]).collect();
        let ys: Vec<f64> = points.iter().map(|p| p.label.unwrap_or(f64::NAN)).collect();
        let pool = Pool::with_bias(&xs, 2, &ys);
        let tx: Vec<f64> = test.iter().flat_map(|p| [p.x, p.y]).collect();
        let ty: Vec<f64> = test.iter().map(|p| p.label).collect();
        let test = Pool::with_bias(&tx, 2, &ty);
        let patterns = Patterns::sample(&pool, config.gates, config.gate_seed);
        Experiment::from_parts(config, "user".into(), pool, test, patterns)
    }
}
