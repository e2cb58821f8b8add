//! The wasm-bindgen test runner at exactly the crate's wasm-bindgen version (pinned by Cargo.lock), so
//! `cargo test --target wasm32-unknown-unknown` runs the adapters' tests in headless Chromium.

fn main() {
    if let Err(e) =
        wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(std::env::args_os())
    {
        eprintln!("wasm-bindgen-test-runner: error: {e:#}");
        std::process::exit(1);
    }
}
