//! `cargo xtask test` (the README's test command) and `cargo xtask bench`.
//!
//! Stages, each stopping the run on failure: rustfmt check; clippy with `-D warnings` natively and for
//! wasm32; native tests of the workspace; both wasm builds and the static site in dist/; the wasm-bindgen tests of the adapters in
//! headless Chromium (st build); the browser end-to-end tests (playwright-core driving Debian's
//! `/usr/bin/chromium`), which also check that both builds reproduce the native determinism digest.

use crate::process::{cargo, run};
use crate::root;
use crate::toolchain::STABLE;
use crate::wasm_build::{self, Flavour, ensure_npm_packages};
use anyhow::{Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Runs every test stage.
pub fn all(skip_browser: bool) -> Result<()> {
    let start = Instant::now();
    let mut stages: Vec<(&str, f64)> = Vec::new();
    let mut stage = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        eprintln!("\n==== xtask test: {name} ====");
        let t = Instant::now();
        f()?;
        stages.push((name, t.elapsed().as_secs_f64()));
        Ok(())
    };
    stage("rustfmt", &mut || {
        run(cargo(None).args(["fmt", "--all", "--", "--check"]))
    })?;
    stage("clippy (native)", &mut || {
        run(cargo(None).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    stage("clippy (wasm32)", &mut || {
        run(cargo(Some(STABLE))
            .args([
                "clippy",
                "--package",
                "convexlab",
                "--no-default-features",
                "--lib",
                "--tests",
            ])
            .args(["--target", "wasm32-unknown-unknown", "--target-dir"])
            .arg(root().join("target/wasm-st"))
            .args(["--", "-D", "warnings"]))
    })?;
    stage("native tests", &mut || {
        run(cargo(None).args(["test", "--workspace"]))
    })?;
    stage("wasm builds and dist/", &mut || {
        wasm_build::build(vec![Flavour::St, Flavour::Mt], false)?;
        crate::dist::assemble()
    })?;
    if skip_browser {
        eprintln!("xtask test: --skip-browser: wasm-bindgen and end-to-end tests not run");
    } else {
        require_browser()?;
        stage("wasm-bindgen tests (Chromium, st)", &mut wasm_bindgen_tests)?;
        stage("browser end-to-end tests", &mut end_to_end_tests)?;
    }
    eprintln!(
        "\nxtask test: every stage passed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    for (name, secs) in stages {
        eprintln!("  {name:<36} {secs:>6.0} s");
    }
    Ok(())
}

fn require_browser() -> Result<()> {
    for (path, pkg) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        if !Path::new(path).exists() {
            bail!(
                "{path} is missing: the browser tests use Debian's Chromium \
                 (apt-get install chromium chromium-driver), or run with --skip-browser \
                 (package {pkg})"
            );
        }
    }
    Ok(())
}

fn wasm_bindgen_tests() -> Result<()> {
    run(cargo(None).args([
        "build",
        "--package",
        "xtask",
        "--bin",
        "wasm-bindgen-test-runner",
    ]))?;
    let runner = root().join("target/debug/wasm-bindgen-test-runner");
    run(cargo(Some(STABLE))
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-C target-feature=+simd128",
        )
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .args([
            "test",
            "--package",
            "convexlab",
            "--no-default-features",
            "--test",
            "wasm",
        ])
        .args(["--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(root().join("target/wasm-st")))
}

fn end_to_end_tests() -> Result<()> {
    let tests = root().join("tests");
    ensure_npm_packages(&tests)?;
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1", "e2e/"])
        .env("CONVEXLAB_XTASK", std::env::current_exe()?)
        .env("CONVEXLAB_ROOT", root())
        .current_dir(&tests))
}

/// Criterion benches, then `convexlab bench --json` into `pkg/bench-native.json` (shown by the page).
pub fn bench(quick: bool) -> Result<()> {
    let mut criterion = cargo(None);
    criterion.args(["bench", "--package", "convexlab", "--bench", "kernels"]);
    if quick {
        criterion.args(["--", "--quick"]);
    }
    run(&mut criterion)?;
    let mut cli = cargo(None);
    cli.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "convexlab",
        "--",
        "bench",
        "--json",
    ]);
    if quick {
        cli.arg("--quick");
    }
    let out = cli.output()?;
    if !out.status.success() {
        bail!(
            "convexlab bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dest = root().join("pkg/bench-native.json");
    std::fs::create_dir_all(dest.parent().expect("pkg/ has a parent"))?;
    std::fs::write(&dest, &out.stdout)?;
    wasm_build::write_manifest()?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!(
        "xtask: native figures written to {} for the Benchmarks page",
        dest.display()
    );
    Ok(())
}
