//! `cargo xtask dist`: a self-contained static site in `dist/` (the pages, both engines, uPlot) that
//! runs from any static host. `_headers` gives Netlify and Cloudflare Pages the cross-origin isolation
//! headers the threaded build needs; hosts that ignore it (GitHub Pages) get the single-threaded build.

use crate::root;
use anyhow::{Context, Result};
use std::fs;
use std::path::Path;

const HEADERS: &str = "\
# Netlify and Cloudflare Pages read this file: cross-origin isolation lets convexlab use threads.
/*
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
/*.wasm
  Content-Type: application/wasm
";

/// Copies `web/` (without npm files) and `pkg/` into a fresh `dist/`.
pub fn assemble() -> Result<()> {
    let dist = root().join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).context("cleaning dist/")?;
    }
    copy_tree(
        &root().join("web"),
        &dist,
        &["node_modules", "package.json", "package-lock.json"],
    )?;
    copy_tree(&root().join("pkg"), &dist.join("pkg"), &[])?;
    fs::write(dist.join("_headers"), HEADERS)?;
    // GitHub Pages: serve files as they are (no Jekyll processing).
    fs::write(dist.join(".nojekyll"), "")?;
    eprintln!("xtask: static site assembled in {}", dist.display());
    Ok(())
}

fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            copy_tree(&src, &dst, &[])?;
        } else {
            fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}
