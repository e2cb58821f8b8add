//! Adapter of lab 1's three-layer construction ([`crate::active::three_layer`], Theorem 4.2) for the
//! page: one whole run on a config, returned with the final centre network's decision field.

use super::{to_js, to_js_error};
use crate::active::three_layer::{Config, Experiment, Report};
use crate::error::{Error, check_range_usize};
use wasm_bindgen::prelude::*;

/// Runs the three-layer config (JSON, see `three_layer::Config`) to its end and returns `{ report,
/// grid }`: the report and the centre network on an `nx x ny` grid over `[x0, x1] x [y0, y1]`
/// (row-major from `y0`; planar data only, at most 512 per side). Errors name `active3.<field>`.
#[wasm_bindgen(js_name = activeThreeLayer)]
#[allow(clippy::too_many_arguments)]
pub fn active_three_layer(
    config_json: &str,
    nx: usize,
    ny: usize,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
) -> Result<JsValue, JsValue> {
    let config = Config::from_json(config_json).map_err(to_js_error)?;
    config.validate().map_err(to_js_error)?;
    let data = config.data.generate().map_err(to_js_error)?;
    if data.dim != 2 {
        return Err(to_js_error(Error::UnknownName {
            field: "active3.data".into(),
            value: format!("{}-dimensional inputs", data.dim),
            expected: "planar (2-dimensional) data".into(),
        }));
    }
    check_range_usize("active3.grid", nx.max(ny), 1, 512).map_err(to_js_error)?;
    let mut experiment = Experiment::new(config, &data).map_err(to_js_error)?;
    let report = experiment.run().map_err(to_js_error)?;
    let grid = experiment.decision_grid(nx, ny, [x0, x1, y0, y1]);
    #[derive(serde::Serialize)]
    struct Out<'a> {
        report: &'a Report,
        grid: Vec<f64>,
    }
    to_js(&Out {
        report: &report,
        grid,
    })
}
