//! `cargo xtask <command>`: builds both wasm flavours, serves the app with the right headers, assembles
//! the static site, runs every test and the benchmarks. One entry point so the README's two commands
//! (`cargo xtask serve`, `cargo xtask test`) work on a fresh machine with only rustup, node and npm.

mod dist;
mod process;
mod serve;
mod test;
mod toolchain;
mod wasm_build;

use anyhow::{Result, bail};
use std::path::PathBuf;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build [--flavour st|mt|both] [--dev]   build the wasm engines into pkg/st and pkg/mt
  serve [--no-isolation] [--port N] [--no-build]
                                         build, then serve the app on http://127.0.0.1:N/
                                         (COOP/COEP headers unless --no-isolation)
  dist                                   build, then assemble a static site in dist/
  test [--skip-browser]                  fmt, clippy, native tests, wasm tests in Chromium,
                                         cross-platform determinism, browser end-to-end tests
  bench [--quick]                        criterion benches and `convexlab bench`, written to
                                         pkg/bench-native.json for the Benchmarks page
";

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "--help" || args[0] == "-h" {
        print!("{USAGE}");
        return Ok(());
    }
    let command = args.remove(0);
    let mut opts = Options::parse(&args)?;
    match command.as_str() {
        "build" => wasm_build::build(opts.flavours(), opts.dev),
        "serve" => {
            if !opts.no_build {
                wasm_build::build(opts.flavours(), opts.dev)?;
            }
            serve::serve(
                &root().join("web"),
                &root().join("pkg"),
                opts.port,
                !opts.no_isolation,
            )
        }
        "dist" => {
            wasm_build::build(opts.flavours(), false)?;
            dist::assemble()
        }
        "test" => {
            opts.dev = false;
            test::all(opts.skip_browser)
        }
        "bench" => test::bench(opts.quick),
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

/// The command-line options every command shares.
#[derive(Default)]
struct Options {
    flavour: Option<String>,
    dev: bool,
    no_isolation: bool,
    no_build: bool,
    port: u16,
    skip_browser: bool,
    quick: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            port: 8000,
            ..Options::default()
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--flavour" | "--flavor" => o.flavour = it.next().cloned(),
                "--dev" => o.dev = true,
                "--no-isolation" => o.no_isolation = true,
                "--no-build" => o.no_build = true,
                "--skip-browser" => o.skip_browser = true,
                "--quick" => o.quick = true,
                "--port" => {
                    let v = it.next().map(String::as_str).unwrap_or("");
                    o.port = v.parse().map_err(|_| {
                        anyhow::anyhow!("--port must be a number from 0 to 65535, got {v:?}")
                    })?;
                }
                other => bail!("unknown option {other:?}\n\n{USAGE}"),
            }
        }
        Ok(o)
    }

    fn flavours(&self) -> Vec<wasm_build::Flavour> {
        use wasm_build::Flavour;
        match self.flavour.as_deref() {
            Some("st") => vec![Flavour::St],
            Some("mt") => vec![Flavour::Mt],
            _ => vec![Flavour::St, Flavour::Mt],
        }
    }
}

/// The workspace root (the folder holding the workspace Cargo.toml).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}
