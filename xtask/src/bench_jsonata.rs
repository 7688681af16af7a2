//! `cargo xtask bench-jsonata`: Baton's JSONata evaluation next to the npm `jsonata` package on
//! the same 20 typical Step Functions expressions and the same input, in the same run (issue 5
//! asks for at least 5x per evaluation, with expressions parsed once per definition).
//!
//! The cases are crates/baton-jsonata/benches/expressions.json. Both sides parse each
//! expression once, warm up, then time evaluations in samples with the same method: Baton's
//! side is the release-built example `bench_expressions` of baton-jsonata, the peer's is
//! xtask/assets/bench_jsonata.js running jsonata 2.0.6 (the version AWS runs) installed under
//! target/peers/jsonata. Before any figure is trusted, each case's result from the two sides
//! must be the same JSON; a mismatch fails the command.
//!
//! Baton reports two figures per case: `evaluate` (the state's `Bindings` built once, as for
//! the several fields of one state) and `bindings + evaluate` (binding `$states` and the
//! variables for this one evaluation too). The peer's bindings are a plain JavaScript object,
//! so it has only the first kind.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::workspace;

/// Options of `cargo xtask bench-jsonata`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A short run to try things out: 20 ms of warm-up and 3 samples of 30 ms per case.
    #[arg(long)]
    pub(crate) quick: bool,
    /// The npm `jsonata` version to compare with.
    #[arg(long, default_value = JSONATA_VERSION)]
    pub(crate) jsonata_version: String,
}

/// The jsonata release Step Functions runs (AWS documents 2.0.6).
const JSONATA_VERSION: &str = "2.0.6";

/// Issue 5's target: each case and the geometric mean at least this many times faster.
const RATIO_MIN: f64 = 5.0;

/// How long each side warms up and samples each case, in milliseconds.
struct Timing {
    warmup_ms: u64,
    sample_ms: u64,
    samples: u64,
}

/// The default run: long enough for V8 to optimise the peer's hot paths, about a minute in all.
const FULL: Timing = Timing { warmup_ms: 500, sample_ms: 200, samples: 5 };

/// `--quick`: a few seconds in all, for checking that the command works.
const QUICK: Timing = Timing { warmup_ms: 20, sample_ms: 30, samples: 3 };

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let timing = if args.quick { QUICK } else { FULL };
    let root = workspace::root();
    let cases = root.join("crates/baton-jsonata/benches/expressions.json");
    let timing_arguments =
        [timing.warmup_ms.to_string(), timing.sample_ms.to_string(), timing.samples.to_string()];

    workspace::run(&mut workspace::cargo([
        "build",
        "--release",
        "-p",
        "baton-jsonata",
        "--example",
        "bench_expressions",
    ]))?;
    let example = workspace::target_dir().join("release/examples/bench_expressions");
    let peer_modules = install_peer(&args.jsonata_version)?;

    eprintln!("baton: timing every case");
    let baton = workspace::run_json(Command::new(&example).arg(&cases).args(&timing_arguments))?;
    eprintln!("jsonata {}: timing every case", args.jsonata_version);
    let peer = workspace::run_json(
        Command::new("node")
            .arg(root.join("xtask/assets/bench_jsonata.js"))
            .arg(&cases)
            .args(&timing_arguments)
            .env("NODE_PATH", &peer_modules),
    )?;

    let (rows, mismatches) = compare(&baton, &peer)?;
    let geomean = geometric_mean(rows.iter().map(|row| number(row, "ratio")));
    let geomean_with_bindings =
        geometric_mean(rows.iter().map(|row| number(row, "ratio_with_bindings")));
    let below: Vec<&str> = rows
        .iter()
        .filter(|row| number(row, "ratio") < RATIO_MIN)
        .filter_map(|row| row["name"].as_str())
        .collect();
    let report = json!({
        "commit": workspace::git_commit(),
        "cpus": std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        "quick": args.quick,
        "timing": {
            "warmup_ms": timing.warmup_ms,
            "sample_ms": timing.sample_ms,
            "samples": timing.samples,
        },
        "peer": {
            "library": "jsonata",
            "version": args.jsonata_version,
            "node": workspace::tool_version("node"),
        },
        "cases": rows,
        "geomean_ratio": geomean,
        "geomean_ratio_with_bindings": geomean_with_bindings,
        "below_target": below,
        "meets_target": below.is_empty() && geomean >= RATIO_MIN && mismatches.is_empty(),
        "mismatches": mismatches,
    });
    print!("{}", table(&report));
    let report_path = workspace::target_dir().join("bench-jsonata.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", report_path.display()))?;
    println!("report: {}", report_path.display());
    if !mismatches.is_empty() {
        bail!("{} cases give different results in Baton and jsonata", mismatches.len());
    }
    Ok(())
}

/// Installs `jsonata@version` in target/peers/jsonata and returns its node_modules.
///
/// The directory gets a package.json of its own first: without one, npm installs into the
/// nearest parent that has one (target/peers, shared with the other peers) and prunes what
/// it did not install there.
fn install_peer(version: &str) -> anyhow::Result<PathBuf> {
    let directory = workspace::target_dir().join("peers").join("jsonata");
    workspace::npm_install(&directory, "jsonata", version)?;
    Ok(directory.join("node_modules"))
}

/// One row per case, in the case file's order, and the cases whose results differ.
fn compare(baton: &Value, peer: &Value) -> anyhow::Result<(Vec<Value>, Vec<Value>)> {
    let baton_cases = baton["cases"].as_array().context("Baton's report has no cases")?;
    let peer_cases = peer["cases"].as_array().context("the peer's report has no cases")?;
    if baton_cases.len() != peer_cases.len() {
        bail!("Baton timed {} cases, the peer {}", baton_cases.len(), peer_cases.len());
    }
    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    for (ours, theirs) in baton_cases.iter().zip(peer_cases) {
        let name = ours["name"].as_str().context("a case without a name")?;
        if theirs["name"] != ours["name"] {
            bail!("case {name} is {} on the peer's side", theirs["name"]);
        }
        // An absent `result` is JSONata's `undefined` on both sides.
        if ours.get("result") != theirs.get("result") {
            mismatches.push(json!({
                "name": name,
                "baton": ours.get("result"),
                "jsonata": theirs.get("result"),
            }));
        }
        let baton_ns = number(ours, "evaluate_ns");
        let baton_with_bindings_ns = number(ours, "bindings_and_evaluate_ns");
        let peer_ns = number(theirs, "evaluate_ns");
        rows.push(json!({
            "name": name,
            "expression": theirs["expression"],
            "baton_ns": baton_ns,
            "baton_with_bindings_ns": baton_with_bindings_ns,
            "jsonata_ns": peer_ns,
            "ratio": peer_ns / baton_ns,
            "ratio_with_bindings": peer_ns / baton_with_bindings_ns,
            "baton_samples_ns": ours["evaluate_samples_ns"],
            "baton_with_bindings_samples_ns": ours["bindings_and_evaluate_samples_ns"],
            "jsonata_samples_ns": theirs["evaluate_samples_ns"],
        }));
    }
    Ok((rows, mismatches))
}

/// The human summary: one row per case, then the geometric means and any mismatch.
fn table(report: &Value) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\n{:<24} {:>12} {:>12} {:>12} {:>8} {:>10}",
        "case", "baton ns", "+bindings", "jsonata ns", "ratio", "+bindings"
    );
    for row in report["cases"].as_array().into_iter().flatten() {
        let ratio = number(row, "ratio");
        let _ = writeln!(
            text,
            "{:<24} {:>12.0} {:>12.0} {:>12.0} {:>7.1}x {:>9.1}x{}",
            row["name"].as_str().unwrap_or("?"),
            number(row, "baton_ns"),
            number(row, "baton_with_bindings_ns"),
            number(row, "jsonata_ns"),
            ratio,
            number(row, "ratio_with_bindings"),
            if ratio < RATIO_MIN { "  below 5x" } else { "" },
        );
    }
    let _ = writeln!(
        text,
        "geometric mean ratio: {:.2}x (with bindings: {:.2}x); target >= {RATIO_MIN}x per case \
         and overall: {}",
        number(report, "geomean_ratio"),
        number(report, "geomean_ratio_with_bindings"),
        if report["meets_target"] == true { "met" } else { "MISSED" },
    );
    for mismatch in report["mismatches"].as_array().into_iter().flatten() {
        let _ = writeln!(
            text,
            "MISMATCH {}: baton {} vs jsonata {}",
            mismatch["name"], mismatch["baton"], mismatch["jsonata"]
        );
    }
    text
}

fn geometric_mean(ratios: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) =
        ratios.fold((0.0, 0_u32), |(sum, count), ratio| (sum + ratio.ln(), count + 1));
    (sum / f64::from(count)).exp()
}

fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}
