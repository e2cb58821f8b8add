//! Adapter of lab 1's learning-curve comparison ([`crate::active::curves::compare`]) for the page:
//! a comparison config in, the report out, progress reported through a JavaScript callback.

use super::{to_js, to_js_error};
use crate::active::curves::{CompareConfig, compare};
use wasm_bindgen::prelude::*;

/// The default comparison config (the paper's spiral, every strategy, 5 seeds, 50 labels) as JSON.
#[wasm_bindgen(js_name = activeCompareDefaultConfig)]
pub fn active_compare_default_config() -> String {
    serde_json::to_string(&CompareConfig::default()).expect("the default compare config serialises")
}

/// Runs every `(strategy, seed)` pair of the JSON [`CompareConfig`] (rayon across pairs in the
/// threaded build) and returns the [`crate::active::curves::CompareReport`] as a JavaScript object.
/// `progress(done, total)` is called after each batch of pairs, on the calling thread.
#[wasm_bindgen(js_name = activeCompare)]
pub fn active_compare(config_json: &str, progress: &js_sys::Function) -> Result<JsValue, JsValue> {
    let config = CompareConfig::from_json(config_json).map_err(to_js_error)?;
    let report = compare(&config, &mut |done, total| {
        // A throwing callback must not abort the run: the page only loses a progress update.
        let _ = progress.call2(
            &JsValue::NULL,
            &JsValue::from(done as u32),
            &JsValue::from(total as u32),
        );
    })
    .map_err(to_js_error)?;
    to_js(&report)
}
