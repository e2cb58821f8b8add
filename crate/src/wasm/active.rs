//! Adapter of lab 1 (active learning by cutting planes) for the page: one experiment held by the
//! engine worker, stepped one round at a time, with the centre network's decision field on request.

use super::{to_js, to_js_error};
use crate::active::{Config, Experiment};
use crate::data::Dataset;
use wasm_bindgen::prelude::*;

/// A running active-learning experiment with its dataset.
#[wasm_bindgen]
pub struct ActiveLab {
    experiment: Experiment,
    data: Dataset,
}

/// The default config (the paper's spiral protocol) as JSON.
#[wasm_bindgen(js_name = activeDefaultConfig)]
pub fn active_default_config() -> String {
    serde_json::to_string(&Config::default()).expect("the default config serialises")
}

#[wasm_bindgen]
impl ActiveLab {
    /// Validates the JSON config, generates its dataset and samples the activation patterns.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<ActiveLab, JsValue> {
        let config = Config::from_json(config_json).map_err(to_js_error)?;
        config.validate().map_err(to_js_error)?;
        let data = config.data.generate().map_err(to_js_error)?;
        let experiment = Experiment::new(config, &data).map_err(to_js_error)?;
        Ok(ActiveLab { experiment, data })
    }

    /// The dataset: `{ name, task, dim, train_x, train_y, test_x, test_y }` (row-major inputs).
    pub fn dataset(&self) -> Result<JsValue, JsValue> {
        to_js(&self.data)
    }

    /// The run's report so far (see `active::Report`), with the number of patterns and parameters.
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js(&self.experiment.report())
    }

    /// One round: query, reveal labels from the preset's ground truth, cut, recentre. Returns the
    /// snapshot (see `active::Snapshot`).
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        let snapshot = self.experiment.step().map_err(to_js_error)?;
        to_js(&snapshot)
    }

    /// The current snapshot without stepping.
    pub fn snapshot(&self) -> Result<JsValue, JsValue> {
        to_js(&self.experiment.snapshot())
    }

    /// The centre network's output on an `nx x ny` grid over `[x0, x1] x [y0, y1]`, row-major from
    /// `y0` (planar data only).
    pub fn grid(&self, nx: usize, ny: usize, x0: f64, x1: f64, y0: f64, y1: f64) -> Vec<f64> {
        self.experiment.decision_grid(nx, ny, [x0, x1, y0, y1])
    }
}
