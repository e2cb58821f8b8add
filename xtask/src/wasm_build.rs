//! The two wasm builds of the crate: `st` (stable, no threads) into `pkg/st` and `mt` (nightly,
//! atomics + shared memory + wasm-bindgen-rayon) into `pkg/mt`, both with SIMD128 and the release
//! profile (fat LTO), then wasm-bindgen (pinned by Cargo.lock through wasm-bindgen-cli-support) and
//! wasm-opt from npm's binaryen when it is installed. Also copies uPlot into `pkg/vendor`.

use crate::process::{cargo, run};
use crate::root;
use crate::toolchain::{self, NIGHTLY, STABLE};
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Single-threaded, for any host.
    St,
    /// Threaded, for hosts that send cross-origin isolation headers.
    Mt,
}

impl Flavour {
    /// The folder name under `pkg/`.
    pub fn dir(self) -> &'static str {
        match self {
            Flavour::St => "st",
            Flavour::Mt => "mt",
        }
    }
}

/// Builds the given flavours (release profile unless `dev`) and the vendored front-end files.
pub fn build(flavours: Vec<Flavour>, dev: bool) -> Result<()> {
    ensure_npm_packages(&root().join("web"))?;
    for f in flavours {
        let wasm = compile(f, dev)?;
        let out = root().join("pkg").join(f.dir());
        bindgen(&wasm, &out)?;
        optimise(f, &out.join("convexlab_bg.wasm"))?;
        if f == Flavour::Mt {
            patch_worker_helper(&out)?;
        }
        eprintln!("xtask: built pkg/{}", f.dir());
    }
    vendor()?;
    write_manifest()
}

/// Writes `pkg/manifest.json`: what the page may load (the builds present, native bench figures).
pub fn write_manifest() -> Result<()> {
    let pkg = root().join("pkg");
    let has = |p: &str| pkg.join(p).exists();
    let manifest = format!(
        "{{\n  \"st\": {},\n  \"mt\": {},\n  \"bench_native\": {}\n}}\n",
        has("st/convexlab.js"),
        has("mt/convexlab.js"),
        has("bench-native.json")
    );
    fs::write(pkg.join("manifest.json"), manifest)?;
    Ok(())
}

/// Runs `npm ci` (or `npm install` without a lockfile) in `dir` when its node_modules is missing.
pub fn ensure_npm_packages(dir: &Path) -> Result<()> {
    if dir.join("node_modules").exists() {
        return Ok(());
    }
    let verb = if dir.join("package-lock.json").exists() {
        "ci"
    } else {
        "install"
    };
    eprintln!("xtask: installing npm packages in {}", dir.display());
    run(Command::new("npm")
        .args([verb, "--no-audit", "--no-fund"])
        .current_dir(dir))
    .context("npm is needed for the front-end packages: install Node.js and npm")
}

fn compile(f: Flavour, dev: bool) -> Result<PathBuf> {
    let profile = if dev { "debug" } else { "release" };
    let mut cmd = match f {
        Flavour::St => {
            toolchain::ensure(STABLE, false)?;
            let mut c = cargo(Some(STABLE));
            c.env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
                "-C target-feature=+simd128",
            );
            c.args(["build", "--target-dir"])
                .arg(root().join("target/wasm-st"));
            c
        }
        Flavour::Mt => {
            toolchain::ensure(NIGHTLY, true)?;
            let mut c = cargo(Some(NIGHTLY));
            c.env_remove("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS");
            c.arg("--config")
                .arg(root().join("xtask/threads.toml"))
                .args(["build", "--features", "threads", "--target-dir"])
                .arg(root().join("target/wasm-mt"));
            c
        }
    };
    cmd.args(["--lib", "--package", "convexlab", "--no-default-features"])
        .args(["--target", "wasm32-unknown-unknown"]);
    if !dev {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    Ok(root()
        .join("target")
        .join(format!("wasm-{}", f.dir()))
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join("convexlab.wasm"))
}

fn bindgen(wasm: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("cleaning {}", out.display()))?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .omit_default_module_path(false)
        .generate(out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))
}

/// The wasm features both builds may use; the threaded one adds `--enable-threads`.
const WASM_OPT_FEATURES: [&str; 7] = [
    "--enable-simd",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn optimise(f: Flavour, wasm: &Path) -> Result<()> {
    let wasm_opt = root().join("web/node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        eprintln!(
            "xtask: note: wasm-opt not found (npm's binaryen in web/): skipping size optimisation"
        );
        return Ok(());
    }
    let before = fs::metadata(wasm)?.len();
    let mut cmd = Command::new(&wasm_opt);
    cmd.arg("-O3").args(WASM_OPT_FEATURES);
    if f == Flavour::Mt {
        cmd.arg("--enable-threads");
    }
    cmd.arg(wasm).arg("-o").arg(wasm);
    run(&mut cmd)?;
    let after = fs::metadata(wasm)?.len();
    eprintln!(
        "xtask: wasm-opt: {} KiB -> {} KiB",
        before / 1024,
        after / 1024
    );
    Ok(())
}

/// Checks the threads transform happened and rewrites the worker helper's deprecated two-argument
/// `init(module, memory)` call (which logs a warning per worker) to `init({ module_or_path, memory })`.
fn patch_worker_helper(out: &Path) -> Result<()> {
    let js = fs::read_to_string(out.join("convexlab.js"))?;
    if !js.contains("shared:true") && !js.contains("shared: true") {
        bail!(
            "pkg/mt/convexlab.js does not create a shared WebAssembly.Memory: the threads transform \
             did not run (check the link-args in xtask/threads.toml)"
        );
    }
    let helper = find_file(&out.join("snippets"), "workerHelpers.no-bundler.js").context(
        "wasm-bindgen-rayon's workerHelpers.no-bundler.js is missing from pkg/mt/snippets",
    )?;
    let text = fs::read_to_string(&helper)?;
    let old = "pkg.default(data.module, data.memory)";
    let new = "pkg.default({ module_or_path: data.module, memory: data.memory })";
    if text.contains(old) {
        fs::write(&helper, text.replace(old, new))?;
    } else if !text.contains(new) {
        eprintln!("xtask: note: workerHelpers init call has changed upstream; left as generated");
    }
    Ok(())
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if let Some(found) = find_file(&p, name) {
                return Some(found);
            }
        } else if p.file_name().is_some_and(|n| n == name) {
            return Some(p);
        }
    }
    None
}

/// Copies uPlot's ES module and stylesheet into `pkg/vendor` for the pages' line charts.
fn vendor() -> Result<()> {
    let dest = root().join("pkg/vendor");
    fs::create_dir_all(&dest)?;
    let src = root().join("web/node_modules/uplot/dist");
    for f in ["uPlot.esm.js", "uPlot.min.css"] {
        fs::copy(src.join(f), dest.join(f)).with_context(|| {
            format!("copying {f} from web/node_modules/uplot (run npm ci in web/)")
        })?;
    }
    Ok(())
}
