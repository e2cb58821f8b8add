//! Makes sure a fresh machine has what the wasm builds need: the wasm32 target on stable, and a nightly
//! toolchain with the wasm32 target and `rust-src` (for build-std) for the threaded build. Installs
//! what is missing through rustup, or says plainly what to install.

use crate::process::{output, run};
use anyhow::{Result, bail};
use std::process::Command;

/// The toolchain of the single-threaded build.
pub const STABLE: &str = "stable";
/// The toolchain of the threaded build (build-std needs nightly).
pub const NIGHTLY: &str = "nightly";
const TARGET: &str = "wasm32-unknown-unknown";

/// Ensures `toolchain` is installed with the wasm32 target and, if asked, the `rust-src` component.
pub fn ensure(toolchain: &str, rust_src: bool) -> Result<()> {
    if output(Command::new("rustup").arg("--version")).is_none() {
        bail!("rustup is not on PATH: install it from https://rustup.rs, then run this again");
    }
    let installed = output(Command::new("rustup").args(["toolchain", "list"])).unwrap_or_default();
    if !installed.lines().any(|l| l.starts_with(toolchain)) {
        eprintln!("xtask: installing the {toolchain} toolchain (needed for the wasm builds)");
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            toolchain,
            "--profile",
            "minimal",
        ]))?;
    }
    let targets = output(Command::new("rustup").args([
        "target",
        "list",
        "--installed",
        "--toolchain",
        toolchain,
    ]))
    .unwrap_or_default();
    if !targets.lines().any(|l| l.trim() == TARGET) {
        eprintln!("xtask: adding the {TARGET} target to {toolchain}");
        run(Command::new("rustup").args(["target", "add", TARGET, "--toolchain", toolchain]))?;
    }
    if rust_src {
        let comps = output(Command::new("rustup").args([
            "component",
            "list",
            "--installed",
            "--toolchain",
            toolchain,
        ]))
        .unwrap_or_default();
        if !comps.lines().any(|l| l.trim().starts_with("rust-src")) {
            eprintln!("xtask: adding rust-src to {toolchain} (the threaded build rebuilds std)");
            run(Command::new("rustup").args([
                "component",
                "add",
                "rust-src",
                "--toolchain",
                toolchain,
            ]))?;
        }
    }
    Ok(())
}
