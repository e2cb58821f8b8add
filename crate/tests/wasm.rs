//! wasm-bindgen tests of the adapters, run in headless Chromium (st build) by `cargo xtask test`:
//! errors become JavaScript `Error`s naming the field, values round-trip, and the seeded reference
//! computation reproduces the native digest bit for bit.
#![cfg(target_arch = "wasm32")]

use convexlab::wasm::{BenchWorkload, determinism_digest, engine_info, run_lab};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message_and_field(e: JsValue) -> (String, Option<String>) {
    let err: js_sys::Error = e.dyn_into().expect("a JavaScript Error");
    let field = js_sys::Reflect::get(&err, &"field".into())
        .ok()
        .and_then(|f| f.as_string());
    (err.message().into(), field)
}

#[wasm_bindgen_test]
fn digest_matches_native_bit_for_bit() {
    #[derive(serde::Deserialize)]
    struct D {
        digest: String,
    }
    let d: D = serde_wasm_bindgen::from_value(determinism_digest(42).unwrap()).unwrap();
    assert_eq!(d.digest, include_str!("determinism-digest.txt").trim());
}

#[wasm_bindgen_test]
fn engine_reports_single_threaded_build() {
    #[derive(serde::Deserialize)]
    struct Info {
        build: String,
        threads: usize,
        version: String,
    }
    let info: Info = serde_wasm_bindgen::from_value(engine_info().unwrap()).unwrap();
    assert_eq!(info.build, "st");
    assert_eq!(info.threads, 1);
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn out_of_range_setting_becomes_an_error_naming_field_and_bound() {
    let (message, field) = message_and_field(BenchWorkload::new("svd", 0, 1).err().unwrap());
    assert_eq!(
        message,
        "bench.n = 0 is out of range: it must be between 1 and 2048"
    );
    assert_eq!(field.as_deref(), Some("bench.n"));
    let (message, field) = message_and_field(BenchWorkload::new("fft", 8, 1).err().unwrap());
    assert!(message.contains("expected one of matmul"), "{message}");
    assert_eq!(field.as_deref(), Some("bench.kernel"));
}

#[wasm_bindgen_test]
fn labs_answer_by_name() {
    let (message, field) = message_and_field(run_lab("nope", "{}").unwrap_err());
    assert!(
        message.starts_with("lab = \"nope\" is not recognised"),
        "{message}"
    );
    assert_eq!(field.as_deref(), Some("lab"));
    let (message, _) = message_and_field(run_lab("score", "{}").unwrap_err());
    assert_eq!(message, "the score lab is not built yet");
}

#[wasm_bindgen_test]
fn a_benchmark_workload_runs() {
    let mut w = BenchWorkload::new("cholesky_solve", 32, 1).unwrap();
    assert!(w.run().is_finite());
    assert!((w.flops().unwrap() - (32f64.powi(3) / 3.0 + 2.0 * 32.0 * 32.0)).abs() < 1e-9);
}
