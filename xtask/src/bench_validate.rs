//! `cargo xtask bench-validate`: wall time of `baton validate` over the whole ASL corpus, next
//! to the npm `asl-validator` over the same files.
//!
//! Both tools validate every file in one process, so the comparison includes one process start
//! each and is dominated by validation itself. `asl-validator`'s own CLI stops at the first file
//! that is not JSON, so we drive its library from a small node script instead. The peer is
//! installed under target/peers (git-ignored) at a pinned version, so runs stay comparable.
//! Timing uses hyperfine when it is installed and `std::time::Instant` otherwise.
//!
//! Expect a large ratio: asl-validator 4.0.0 builds a fresh Ajv schema compiler on every call
//! (`dist/src/checks/json-schema-errors.js`), roughly 100 ms per file on a 2-core machine. That
//! is the library as users call it, so we time it as shipped rather than patching it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::workspace::{self, Profile};

/// Options of `cargo xtask bench-validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Use this `baton` binary instead of building a release one.
    #[arg(long, value_name = "PATH")]
    pub(crate) baton: Option<PathBuf>,
    /// Measured runs of each tool, after one untimed run each that checks the tool works and
    /// warms the file cache.
    #[arg(long, default_value_t = 3)]
    pub(crate) repetitions: u32,
    /// The npm `asl-validator` version to compare with.
    #[arg(long, default_value = ASL_VALIDATOR_VERSION)]
    pub(crate) asl_validator_version: String,
}

/// The `asl-validator` release the published comparisons used (the latest in November 2026).
const ASL_VALIDATOR_VERSION: &str = "4.0.0";

/// Validates every file named on the command line in one node process, as `baton validate` does.
/// A file that is not JSON counts as invalid instead of ending the run.
const PEER_SCRIPT: &str = r#"// Written by `cargo xtask bench-validate`; validates every argument with asl-validator.
const fs = require("fs");
const validator = require("asl-validator");
const options = { checkPaths: true, checkArn: true };
let valid = 0;
let invalid = 0;
for (const file of process.argv.slice(2)) {
  let isValid = false;
  try {
    isValid = validator(JSON.parse(fs.readFileSync(file, "utf8")), options).isValid;
  } catch (error) {
    isValid = false;
  }
  if (isValid) valid++; else invalid++;
}
console.log(JSON.stringify({ valid, invalid }));
"#;

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    if args.repetitions == 0 {
        bail!("--repetitions must be at least 1");
    }
    let baton = match &args.baton {
        Some(path) => path.canonicalize().with_context(|| format!("{}", path.display()))?,
        None => workspace::build_baton(Profile::Release)?,
    };
    let files = corpus_files()?;
    let peer_script = install_peer(&args.asl_validator_version)?;

    // The untimed first run of each tool is also the warm-up, because one asl-validator run
    // over the corpus takes about a minute on a 2-core machine.
    let mut baton_command = Command::new(&baton);
    baton_command.args(["validate", "--format", "json"]).args(&files);
    check_runs(&mut baton_command, "baton validate")?;
    let mut peer_command = Command::new("node");
    peer_command.arg(&peer_script).args(&files);
    check_runs(&mut peer_command, "asl-validator")?;
    for command in [&mut baton_command, &mut peer_command] {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }

    let (timer, baton_seconds, peer_seconds) = if has_hyperfine() {
        let mut times = time_with_hyperfine(
            &[("baton validate", &baton_command), ("asl-validator", &peer_command)],
            args.repetitions,
        )?;
        let peer_seconds = times.pop().context("hyperfine reported no peer times")?;
        let baton_seconds = times.pop().context("hyperfine reported no baton times")?;
        ("hyperfine", baton_seconds, peer_seconds)
    } else {
        let baton_seconds = time_with_instant(&mut baton_command, args.repetitions)?;
        let peer_seconds = time_with_instant(&mut peer_command, args.repetitions)?;
        ("std::time::Instant", baton_seconds, peer_seconds)
    };

    let baton_median = median(&baton_seconds);
    let peer_median = median(&peer_seconds);
    let ratio = peer_median / baton_median;
    println!("{} corpus files, {} runs each, timed with {timer}", files.len(), args.repetitions);
    println!("baton validate:       median {:.1} ms", baton_median * 1000.0);
    println!("asl-validator {}: median {:.1} ms", args.asl_validator_version, peer_median * 1000.0);
    println!("asl-validator / baton: {ratio:.2}x");

    let report = json!({
        "commit": workspace::git_commit(),
        "files": files.len(),
        "repetitions": args.repetitions,
        "timer": timer,
        "cpus": std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        "baton": summary(
            &format!("{} validate --format json FILE...", baton.display()),
            &baton_seconds,
        ),
        "asl_validator": {
            "version": args.asl_validator_version,
            "node": workspace::tool_version("node"),
            "timing": summary("node validate_all.js FILE...", &peer_seconds),
        },
        "ratio_peer_over_baton_median": ratio,
    });
    let report_path = workspace::target_dir().join("bench-validate.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", report_path.display()))?;
    println!("report: {}", report_path.display());
    Ok(())
}

/// Every file the corpus manifest lists, as absolute paths, in manifest order.
fn corpus_files() -> anyhow::Result<Vec<PathBuf>> {
    let corpus = workspace::shared().join("asl-corpus");
    let manifest_path = corpus.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let manifest: Value = serde_json::from_str(&text)?;
    let entries = manifest["files"].as_array().context("manifest.json has no `files` list")?;
    let mut files = Vec::with_capacity(entries.len());
    for entry in entries {
        let file = entry["file"].as_str().context("a manifest entry has no `file`")?;
        files.push(corpus.join(file).canonicalize().with_context(|| file.to_owned())?);
    }
    Ok(files)
}

/// Installs `asl-validator@version` under target/peers unless it is already there, writes the
/// driver script beside it and returns the script's path.
fn install_peer(version: &str) -> anyhow::Result<PathBuf> {
    let peers = workspace::target_dir().join("peers");
    workspace::npm_install(&peers, "asl-validator", version)?;
    let script = peers.join("validate_all.js");
    std::fs::write(&script, PEER_SCRIPT)?;
    Ok(script)
}

/// Runs `command` once, untimed, so that a tool that cannot do the job fails loudly instead of
/// being timed. Exit status 1 is expected: some corpus files are invalid.
fn check_runs(command: &mut Command, name: &str) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("could not start {name}"))?;
    match output.status.code() {
        Some(0 | 1) => Ok(()),
        _ => bail!(
            "{name} failed with {}; does it accept many files at once?\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

fn has_hyperfine() -> bool {
    Command::new("hyperfine").arg("--version").output().is_ok_and(|output| output.status.success())
}

/// Times each named command with hyperfine (`repetitions` runs, no warm-up: the caller did one)
/// and returns each command's run times in seconds, in the order given.
///
/// Commands are started directly (`--shell none`), as the `Instant` fallback starts them, so the
/// two timers measure the same thing.
fn time_with_hyperfine(
    commands: &[(&str, &Command)],
    repetitions: u32,
) -> anyhow::Result<Vec<Vec<f64>>> {
    let export = workspace::target_dir().join("bench-validate-hyperfine.json");
    let mut hyperfine = Command::new("hyperfine");
    hyperfine
        .args(["--ignore-failure", "--shell", "none", "--style", "basic", "--runs"])
        .arg(repetitions.to_string())
        .arg("--export-json")
        .arg(&export);
    for (name, command) in commands {
        hyperfine.args(["--command-name", name]).arg(shell_line(command));
    }
    let status = hyperfine.status().context("could not start hyperfine")?;
    if !status.success() {
        bail!("hyperfine failed with {status}");
    }
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&export)?)?;
    let results = report["results"].as_array().context("hyperfine's report has no results")?;
    results
        .iter()
        .map(|result| {
            let times = result["times"].as_array().context("hyperfine result without times")?;
            times.iter().map(|time| time.as_f64().context("a time is not a number")).collect()
        })
        .collect()
}

/// Times `repetitions` runs of `command`, in seconds.
fn time_with_instant(command: &mut Command, repetitions: u32) -> anyhow::Result<Vec<f64>> {
    let mut seconds = Vec::new();
    for _ in 0..repetitions {
        let start = Instant::now();
        command.status()?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok(seconds)
}

/// The command as one line of shell words, which hyperfine splits back into arguments.
fn shell_line(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| workspace::shell_quote(&word.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn median(seconds: &[f64]) -> f64 {
    let mut sorted = seconds.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

fn summary(command: &str, seconds: &[f64]) -> Value {
    let min = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    json!({ "command": command, "seconds": seconds, "median_seconds": median(seconds), "min_seconds": min })
}
