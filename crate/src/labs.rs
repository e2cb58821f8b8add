//! The four labs by name, and which of them are built. Each lab lives in its own module once its
//! issue lands; until then asking for it gives [`Error::NotBuilt`].

use crate::error::{Error, Result};

/// The labs, in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lab {
    /// Active learning of ReLU networks by cutting planes.
    Active,
    /// Serverless Newton sketching.
    Sketch,
    /// Parameter-efficient fine-tuning (LoRA, preconditioned; spectral adapters).
    Peft,
    /// Convex score matching with Langevin sampling.
    Score,
}

impl Lab {
    /// Every lab.
    pub const ALL: [Lab; 4] = [Lab::Active, Lab::Sketch, Lab::Peft, Lab::Score];

    /// The short name used by the CLI and the URL (`active`, `sketch`, `peft`, `score`).
    pub fn name(self) -> &'static str {
        match self {
            Lab::Active => "active",
            Lab::Sketch => "sketch",
            Lab::Peft => "peft",
            Lab::Score => "score",
        }
    }

    /// The lab's title as the page shows it.
    pub fn title(self) -> &'static str {
        match self {
            Lab::Active => "Active learning by cutting planes",
            Lab::Sketch => "Serverless Newton sketching",
            Lab::Peft => "Parameter-efficient fine-tuning",
            Lab::Score => "Convex score matching",
        }
    }

    /// The lab called `name`, or an [`Error::UnknownName`] naming the field `lab`.
    pub fn from_name(name: &str) -> Result<Lab> {
        Lab::ALL
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| Error::UnknownName {
                field: "lab".into(),
                value: name.into(),
                expected: Lab::ALL.map(Lab::name).join(", "),
            })
    }

    /// Runs the lab on a JSON config (the same JSON the page's "copy config" gives) and returns its
    /// JSON report. The active lab runs ([`crate::active::run_json`]); the others validate the JSON
    /// and answer [`Error::NotBuilt`].
    pub fn run_json(self, config_json: &str) -> Result<String> {
        if self == Lab::Active {
            return crate::active::run_json(config_json);
        }
        serde_json::from_str::<serde_json::Value>(config_json).map_err(|e| Error::Parse {
            field: format!("{} config", self.name()),
            message: e.to_string(),
        })?;
        Err(Error::NotBuilt {
            lab: self.name().into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for lab in Lab::ALL {
            assert_eq!(Lab::from_name(lab.name()).unwrap(), lab);
        }
        let e = Lab::from_name("nope").unwrap_err();
        assert_eq!(
            e.to_string(),
            "lab = \"nope\" is not recognised: expected one of active, sketch, peft, score"
        );
    }

    #[test]
    fn unbuilt_labs_say_so_and_malformed_json_is_a_parse_error() {
        assert_eq!(
            Lab::Score.run_json("{}").unwrap_err().to_string(),
            "the score lab is not built yet"
        );
        assert!(matches!(
            Lab::Active.run_json("{oops").unwrap_err(),
            Error::Parse { .. }
        ));
    }
}
