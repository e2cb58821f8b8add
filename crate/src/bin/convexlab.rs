//! `convexlab`: the command line over the same solvers the page runs. Every lab subcommand takes the
//! JSON config the page's "copy config" button gives and prints a JSON report.

use clap::{Parser, Subcommand};
use convexlab::bench::{self, Kernel, Timing, Workload};
use convexlab::determinism::reference_computation;
use convexlab::labs::Lab;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// convexlab: an optimization laboratory for machine learning, headless.
#[derive(Parser)]
#[command(name = "convexlab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lab 1: active learning of ReLU networks by cutting planes.
    Active(ActiveArgs),
    /// Lab 2: serverless Newton sketching.
    Sketch(LabArgs),
    /// Lab 3: parameter-efficient fine-tuning (LoRA, preconditioned; spectral adapters).
    Peft(LabArgs),
    /// Lab 4: convex score matching and Langevin sampling.
    Score(LabArgs),
    /// Time the benchmark kernels (matrix product, Cholesky solve, SVD, a rayon-parallel product).
    Bench(BenchArgs),
    /// Print the seeded reference computation whose bits must match the wasm builds.
    Digest {
        /// Seed of the reference computation.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(clap::Args)]
struct LabArgs {
    /// The lab's JSON config (as copied from the page).
    #[arg(long, value_name = "FILE.json")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct ActiveArgs {
    /// The run's JSON config (as copied from the page); with --compare, a comparison config
    /// ({"cpal": {...}, "strategies": [...], "seeds": 5, "max_labels": 50, ...}).
    #[arg(long, value_name = "FILE.json", required_unless_present = "replay")]
    config: Option<PathBuf>,
    /// Learning curves of every strategy (CPAL and the baselines) over several seeds.
    #[arg(long, conflicts_with = "replay")]
    compare: bool,
    /// Replay a run exported from the page ("Export run") to the same bits and print its report.
    #[arg(long, value_name = "RUN.json", conflicts_with = "config")]
    replay: Option<PathBuf>,
    /// After the run, fit the final convex problem (AFS) on the cut points and report it too.
    #[arg(long, conflicts_with = "compare")]
    final_solve: bool,
    /// Run the three-layer construction (Theorem 4.2) instead: the config is a three-layer config
    /// ({"data": {...}, "inner_gates": 50, "outer_gates": 100, ...}).
    #[arg(long, conflicts_with_all = ["compare", "replay", "final_solve"])]
    three_layer: bool,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Time each kernel for about 0.1 s instead of 1 s.
    #[arg(long)]
    quick: bool,
    /// Only this kernel (matmul, cholesky_solve, svd, parallel_matmul, active_spiral).
    #[arg(long)]
    kernel: Option<String>,
    /// Only this size n (with --kernel; default: the standard suite's sizes).
    #[arg(long)]
    n: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Active(a) => run_active(&a),
        Command::Sketch(a) => run_lab(Lab::Sketch, &a),
        Command::Peft(a) => run_lab(Lab::Peft, &a),
        Command::Score(a) => run_lab(Lab::Score, &a),
        Command::Bench(b) => run_bench(&b),
        Command::Digest { seed } => {
            let d = reference_computation(seed, 64, 48);
            println!(
                "{}",
                serde_json::to_string_pretty(&d).expect("digest serialises")
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("convexlab: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_lab(lab: Lab, args: &LabArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("--config {}: {e}", args.config.display()))?;
    let report = lab.run_json(&text).map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(())
}

fn read(path: &Path, flag: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

fn run_active(args: &ActiveArgs) -> Result<(), String> {
    use convexlab::active::{
        Config, Experiment, RunRecord, curves, final_solve::FinalSolveOptions,
    };
    let started = Instant::now();
    let experiment = if let Some(path) = &args.replay {
        let record = RunRecord::from_json(&read(path, "--replay")?).map_err(|e| e.to_string())?;
        Experiment::import(&record).map_err(|e| e.to_string())?
    } else {
        let path = args
            .config
            .as_ref()
            .expect("clap requires --config without --replay");
        let text = read(path, "--config")?;
        if args.three_layer {
            let report =
                convexlab::active::three_layer::run_json(&text).map_err(|e| e.to_string())?;
            let report: serde_json::Value =
                serde_json::from_str(&report).map_err(|e| e.to_string())?;
            let out =
                serde_json::json!({ "report": report, "seconds": started.elapsed().as_secs_f64() });
            println!("{out}");
            return Ok(());
        }
        if args.compare {
            let config = curves::CompareConfig::from_json(&text).map_err(|e| e.to_string())?;
            let report = curves::compare(&config, &mut |done, total| {
                eprint!("\rconvexlab: {done}/{total} runs");
            })
            .map_err(|e| e.to_string())?;
            eprintln!();
            let out =
                serde_json::json!({ "report": report, "seconds": started.elapsed().as_secs_f64() });
            println!("{out}");
            return Ok(());
        }
        let config = Config::from_json(&text).map_err(|e| e.to_string())?;
        config.validate().map_err(|e| e.to_string())?;
        let data = config.data.generate().map_err(|e| e.to_string())?;
        let mut e = Experiment::new(config, &data).map_err(|e| e.to_string())?;
        e.run().map_err(|e| e.to_string())?;
        e
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut out = serde_json::json!({ "report": experiment.report(), "seconds": seconds });
    if args.final_solve {
        let t = Instant::now();
        let afs = experiment
            .final_solve(&FinalSolveOptions::default())
            .map_err(|e| e.to_string())?;
        let test_accuracy = afs.accuracy(experiment.test_set());
        out["final_solve"] = serde_json::json!({
            "test_accuracy": test_accuracy,
            "objective": afs.objective,
            "iterations": afs.iterations,
            "outer_iterations": afs.outer_iterations,
            "newton_steps": afs.newton_steps,
            "active_blocks": afs.active_blocks,
            "converged": afs.converged,
            "kkt": afs.kkt,
            "seconds": t.elapsed().as_secs_f64(),
        });
    }
    println!("{out}");
    Ok(())
}

fn run_bench(args: &BenchArgs) -> Result<(), String> {
    let cases: Vec<(Kernel, usize)> = match (&args.kernel, args.n) {
        (Some(k), n) => {
            let kernel = Kernel::from_name(k).map_err(|e| e.to_string())?;
            match n {
                Some(n) => vec![(kernel, n)],
                None => bench::SUITE
                    .iter()
                    .copied()
                    .filter(|c| c.0 == kernel)
                    .collect(),
            }
        }
        (None, Some(_)) => return Err("--n needs --kernel".into()),
        (None, None) => bench::SUITE.to_vec(),
    };
    let budget = if args.quick { 0.1 } else { 1.0 };
    let mut timings = Vec::new();
    if !args.json {
        println!(
            "{:<16} {:>5} {:>12} {:>9} {:>5}  detail (threads: {})",
            "kernel",
            "n",
            "ms/run",
            "GFLOP/s",
            "runs",
            rayon::current_num_threads()
        );
    }
    for (kernel, n) in cases {
        let mut w = Workload::new(kernel, n, 1).map_err(|e| e.to_string())?;
        let t = time_workload(&mut w, budget);
        if !args.json {
            println!(
                "{:<16} {:>5} {:>12.3} {:>9} {:>5}  {}",
                t.kernel,
                t.n,
                t.seconds * 1e3,
                t.gflops.map_or("-".into(), |g| format!("{g:.2}")),
                t.runs,
                t.detail.as_deref().unwrap_or("")
            );
        }
        timings.push(t);
    }
    if args.json {
        let out = serde_json::json!({
            "build": "native",
            "threads": rayon::current_num_threads(),
            "digest": reference_computation(42, 64, 48).digest,
            "timings": timings,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("timings serialise")
        );
    }
    Ok(())
}

/// Warms up once, then runs for about `budget` seconds (at least 3 runs, at most 1000).
fn time_workload(w: &mut Workload, budget: f64) -> Timing {
    w.run();
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 3 || (start.elapsed().as_secs_f64() < budget && samples.len() < 1000) {
        let t = Instant::now();
        w.run();
        samples.push(t.elapsed().as_secs_f64());
    }
    bench::timing_from_samples(w, &mut samples)
}
