//! The only code that knows wasm-bindgen: thin adapters from JavaScript to the crate, no maths.
//!
//! Errors become JavaScript `Error`s whose message is the crate error's text and whose `field`
//! property names the control that caused it (when there is one). A panic (always a bug) is logged to
//! the console and kept, so the engine worker can report it with [`take_panic_message`] and start a
//! fresh instance.

use crate::bench::{Kernel, Workload};
use crate::determinism::reference_computation;
use crate::error::Error;
use crate::labs::Lab;
use std::sync::Mutex;
use wasm_bindgen::prelude::*;

pub mod active;
pub mod active_compare;
pub mod active_three_layer;

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// The message of the last panic, kept for [`take_panic_message`].
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installs the panic hook when the module starts.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("convexlab panicked (this is a bug): {info}");
        web_sys::console::error_1(&JsValue::from_str(&message));
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(message);
        }
    }));
}

/// The message of the last Rust panic, if any, clearing it.
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.lock().ok().and_then(|mut m| m.take())
}

/// Panics on purpose, so the tests can check that a panic reaches the page as a message.
#[wasm_bindgen(js_name = panicForTest)]
pub fn panic_for_test() {
    panic!("deliberate panic requested by a test");
}

/// Turns a crate error into a JavaScript `Error` with a `field` property when the error names one.
pub fn to_js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    if let Some(field) = e.field() {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&err, &"field".into(), &field.into());
    }
    err.into()
}

/// Serialises a value into a plain JavaScript object (maps as objects, 64-bit integers as numbers).
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_sys::Error::new(&e.to_string()).into())
}

/// What the engine is: `{ version, build: "st" | "mt", threads }`, `threads` being rayon's pool size.
#[wasm_bindgen(js_name = engineInfo)]
pub fn engine_info() -> Result<JsValue, JsValue> {
    #[derive(serde::Serialize)]
    struct Info {
        version: &'static str,
        build: &'static str,
        threads: usize,
    }
    to_js(&Info {
        version: env!("CARGO_PKG_VERSION"),
        build: if cfg!(feature = "threads") {
            "mt"
        } else {
            "st"
        },
        threads: rayon::current_num_threads(),
    })
}

/// The seeded reference computation (see `determinism`): `{ digest, x0, product_norm, ... }`.
#[wasm_bindgen(js_name = determinismDigest)]
pub fn determinism_digest(seed: u32) -> Result<JsValue, JsValue> {
    to_js(&reference_computation(seed as u64, 64, 48))
}

/// A fresh random seed (below 2^53, so exact as a JavaScript number).
#[wasm_bindgen(js_name = newSeed)]
pub fn new_seed() -> f64 {
    crate::rng::fresh_seed() as f64
}

/// Runs a lab on its JSON config and returns the JSON report (labs not built yet answer an error).
#[wasm_bindgen(js_name = runLab)]
pub fn run_lab(lab: &str, config_json: &str) -> Result<String, JsValue> {
    Lab::from_name(lab)
        .and_then(|l| l.run_json(config_json))
        .map_err(to_js_error)
}

/// The standard benchmark suite as `[[kernel, n], ...]`.
#[wasm_bindgen(js_name = benchSuite)]
pub fn bench_suite() -> Result<JsValue, JsValue> {
    let suite: Vec<(&str, usize)> = crate::bench::SUITE
        .iter()
        .map(|(k, n)| (k.name(), *n))
        .collect();
    to_js(&suite)
}

/// A benchmark kernel with its inputs; JavaScript times [`BenchWorkload::run`].
#[wasm_bindgen]
pub struct BenchWorkload(Workload);

#[wasm_bindgen]
impl BenchWorkload {
    /// Makes the inputs of `kernel` (`matmul`, `cholesky_solve`, `svd`, `parallel_matmul`) at size n.
    #[wasm_bindgen(constructor)]
    pub fn new(kernel: &str, n: usize, seed: u32) -> Result<BenchWorkload, JsValue> {
        Kernel::from_name(kernel)
            .and_then(|k| Workload::new(k, n, seed as u64))
            .map(BenchWorkload)
            .map_err(to_js_error)
    }

    /// Runs the kernel once; returns a checksum of the output.
    pub fn run(&mut self) -> f64 {
        self.0.run()
    }

    /// Floating-point operations of one run (`undefined` for a lab workload, timed per run).
    pub fn flops(&self) -> Option<f64> {
        self.0.flops()
    }

    /// What the last run reported beyond its time (lab workloads), e.g. Newton steps per centre.
    pub fn detail(&self) -> Option<String> {
        self.0.detail().map(str::to_string)
    }
}
