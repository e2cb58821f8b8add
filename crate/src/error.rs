//! The crate's one error type. Every variant names the field it is about and, where there is one, the
//! bound it broke, so the CLI and the page can show the message next to the control that caused it.

use std::fmt;

/// Everything that can go wrong in convexlab, as a value (never a panic).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A number is outside its allowed closed range `[min, max]`.
    #[error("{field} = {value} is out of range: it must be between {min} and {max}")]
    OutOfRange {
        /// The config field or input column, e.g. `"bench.n"`.
        field: String,
        /// The offending value, as written by the user.
        value: String,
        /// Smallest allowed value.
        min: String,
        /// Largest allowed value.
        max: String,
    },
    /// A number that must be finite is NaN or infinite.
    #[error("{field} must be a finite number, got {value}")]
    NotFinite {
        /// The field or input column.
        field: String,
        /// The offending value.
        value: String,
    },
    /// A collection that must not be empty is empty.
    #[error("{field} is empty: at least {min} item(s) are needed")]
    Empty {
        /// The field.
        field: String,
        /// The least number of items accepted.
        min: usize,
    },
    /// A value is not one of the accepted names.
    #[error("{field} = {value:?} is not recognised: expected one of {expected}")]
    UnknownName {
        /// The field.
        field: String,
        /// What the user wrote.
        value: String,
        /// The accepted names, comma separated.
        expected: String,
    },
    /// Malformed input text (JSON config, CSV), with the place it went wrong.
    #[error("{field}: cannot parse: {message}")]
    Parse {
        /// What was being parsed, e.g. `"config"` or `"points.csv line 3"`.
        field: String,
        /// What the parser said.
        message: String,
    },
    /// A lab whose issue has not landed yet.
    #[error("the {lab} lab is not built yet")]
    NotBuilt {
        /// The lab's name (`active`, `sketch`, `peft`, `score`).
        lab: String,
    },
    /// A numerical routine failed (e.g. a matrix that should be positive definite is not).
    #[error("{what} failed: {reason}")]
    Numerical {
        /// The routine, e.g. `"Cholesky factorisation of the Hessian"`.
        what: String,
        /// Why, in words.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::OutOfRange`] for `field = value` outside `[min, max]`.
    pub fn out_of_range(
        field: &str,
        value: impl fmt::Display,
        min: impl fmt::Display,
        max: impl fmt::Display,
    ) -> Self {
        Error::OutOfRange {
            field: field.to_string(),
            value: value.to_string(),
            min: min.to_string(),
            max: max.to_string(),
        }
    }

    /// The field this error is about, so a page can put the message next to that control.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::OutOfRange { field, .. }
            | Error::NotFinite { field, .. }
            | Error::Empty { field, .. }
            | Error::UnknownName { field, .. }
            | Error::Parse { field, .. } => Some(field),
            Error::NotBuilt { .. } | Error::Numerical { .. } => None,
        }
    }
}

/// Checks that an integer setting lies in `[min, max]`.
pub fn check_range_usize(field: &str, value: usize, min: usize, max: usize) -> Result<()> {
    if value < min || value > max {
        return Err(Error::out_of_range(field, value, min, max));
    }
    Ok(())
}

/// Checks that a real setting is finite and lies in `[min, max]`.
pub fn check_range_f64(field: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(Error::NotFinite {
            field: field.to_string(),
            value: value.to_string(),
        });
    }
    if value < min || value > max {
        return Err(Error::out_of_range(field, value, min, max));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_the_bound() {
        let e = check_range_usize("bench.n", 0, 1, 1024).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bench.n = 0 is out of range: it must be between 1 and 1024"
        );
        assert_eq!(e.field(), Some("bench.n"));
        let e = check_range_f64("seed", f64::NAN, 0.0, 1.0).unwrap_err();
        assert!(e.to_string().contains("seed must be a finite number"));
        assert!(check_range_f64("x", 0.5, 0.0, 1.0).is_ok());
    }
}
