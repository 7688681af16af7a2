//! `cargo xtask bench-interpreter`: the interpreter's speed on the sfnbench workloads that need
//! no tasks, next to the npm `aws-local-stepfunctions` running the same ASL files in-process,
//! measured in the same run so that the ratios compare like with like (issue 3).
//!
//! - W1 (100 Pass states, each with Parameters and ResultPath): state transitions per second on
//!   one thread, counted from the `StateEntered` events of N executions over their wall time.
//! - W3 (inline Map over `--w3-items` items, MaxConcurrency 1000, two Pass states per item): the
//!   wall time of one execution and the peak RSS of the process that ran it.
//!
//! Baton's side always runs in a release build of this very binary, started again with the
//! hidden `--child` option, so the numbers do not depend on how xtask itself was built, and each
//! W3 execution gets a fresh process whose `VmHWM` is its own peak. The peer also runs each W3
//! execution in a fresh node process, with `/usr/bin/time -v` reading its peak RSS (its own
//! 50 ms sampler misses short peaks).
//!
//! A Standard execution stops at 25,000 history events, and W3 with 10,000 items records about
//! 60,000. Until the interpreter runs it (as an Express execution has no such limit), W3 also
//! runs at 4,000 items, the largest round size whose history fits, so there is a like-for-like
//! ratio; the report shows the 10,000-item failure as it is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use baton_asl::model::StateMachine;
use baton_asl::{MachineType, Options};
use baton_core::simulate::{self, Simulation, TaskAnswer};
use baton_core::{Outcome, Start, TaskRequest};

use crate::workspace;

/// Options of `cargo xtask bench-interpreter`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Baton W1 executions per measured run (about half a second each on a 2-core machine).
    #[arg(long, default_value_t = 2000)]
    pub(crate) w1_executions: u32,
    /// Peer W1 executions per measured run; the peer is about twenty times slower.
    #[arg(long, default_value_t = 200)]
    pub(crate) peer_w1_executions: u32,
    /// W3 Map sizes to measure, each in its own fresh processes.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000, 4_000])]
    pub(crate) w3_items: Vec<usize>,
    /// Measured runs of each workload and tool; the report gives each run and their median.
    #[arg(long, default_value_t = 3)]
    pub(crate) repetitions: u32,
    /// The npm `aws-local-stepfunctions` version to compare with.
    #[arg(long, default_value = PEER_VERSION)]
    pub(crate) peer_version: String,
    /// Run one measurement in this process and print it as JSON (what the parent starts).
    #[arg(long, hide = true, value_enum)]
    pub(crate) child: Option<Child>,
    /// With `--child`: W1 executions per run, or the W3 Map size.
    #[arg(long, hide = true, default_value_t = 1)]
    pub(crate) size: usize,
}

/// The measurement a child process makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Child {
    W1,
    W3,
}

/// The `aws-local-stepfunctions` release these comparisons use (the latest in 2026). Its
/// package asks for Node 22, but Pass and Map states run on the Node 20 we have.
const PEER_VERSION: &str = "3.0.0";

/// W1 executions run before timing, so that the allocator and caches are warm (the peer's
/// driver does the same with its `--warmup` default of 10).
const W1_WARMUP_EXECUTIONS: usize = 10;

/// Issue 3's targets.
const W1_TRANSITIONS_PER_SECOND_MIN: f64 = 1_000_000.0;
const W1_RATIO_MIN: f64 = 50.0;
const W3_MILLISECONDS_MAX: f64 = 100.0;
const W3_PEAK_RSS_MB_MAX: f64 = 50.0;
/// The Map size the W3 targets are stated for.
const W3_TARGET_ITEMS: usize = 10_000;

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    if let Some(child) = args.child {
        let report = match child {
            Child::W1 => child_w1(args.size, args.repetitions)?,
            Child::W3 => child_w3(args.size)?,
        };
        println!("{report}");
        return Ok(());
    }
    if args.repetitions == 0 {
        bail!("--repetitions must be at least 1");
    }
    workspace::run(&mut workspace::cargo(["build", "--release", "-p", "xtask"]))?;
    let xtask = workspace::target_dir().join("release").join("xtask");
    let peer = Peer::install(&args.peer_version)?;

    eprintln!("W1: baton, {} runs of {} executions", args.repetitions, args.w1_executions);
    let baton_w1 = workspace::run_json(
        Command::new(&xtask)
            .args(["bench-interpreter", "--child", "w1", "--size"])
            .arg(args.w1_executions.to_string())
            .arg("--repetitions")
            .arg(args.repetitions.to_string()),
    )?;
    eprintln!("W1: peer, {} runs of {} executions", args.repetitions, args.peer_w1_executions);
    let peer_w1 = peer.w1(args.peer_w1_executions, args.repetitions)?;

    let mut w3 = Vec::new();
    for &items in &args.w3_items {
        let mut baton_runs = Vec::new();
        let mut peer_runs = Vec::new();
        for repetition in 1..=args.repetitions {
            eprintln!("W3 {items} items: run {repetition} of {}", args.repetitions);
            baton_runs.push(workspace::run_json(
                Command::new(&xtask)
                    .args(["bench-interpreter", "--child", "w3", "--size"])
                    .arg(items.to_string()),
            )?);
            peer_runs.push(peer.w3(items)?);
        }
        w3.push(w3_summary(items, &baton_runs, &peer_runs));
    }

    let report = json!({
        "commit": workspace::git_commit(),
        "cpus": std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        "repetitions": args.repetitions,
        "w1": w1_summary(&baton_w1, &peer_w1),
        "w3": w3,
        "peer": {
            "library": "aws-local-stepfunctions",
            "version": args.peer_version,
            "node": workspace::tool_version("node"),
        },
    });
    print!("{}", table(&report));
    let report_path = workspace::target_dir().join("bench-interpreter.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", report_path.display()))?;
    println!("report: {}", report_path.display());
    Ok(())
}

/// Runs W1 `executions` times per run, `repetitions` runs, after a warm-up, checking every
/// output. W1 runs as an Express execution whose caller does not ask for its history, the mode
/// in which Baton runs "as fast as the hardware allows"; transitions are the states the
/// interpreter entered, counted rather than assumed.
fn child_w1(executions: usize, repetitions: u32) -> anyhow::Result<Value> {
    let machine = workload("w1_pass_chain.asl.json")?;
    let execute = |index: usize| -> anyhow::Result<usize> {
        let input = format!(r#"{{"seed":"s{index}","v":{{"step":-1}}}}"#);
        let simulation = execute(&machine, &input, History::Discarded)?;
        let output = succeeded(&simulation)?;
        if output["v"]["step"] != 99 || output["v"]["prev"] != 98 {
            bail!("W1 returned {output}");
        }
        Ok(usize::try_from(simulation.transitions)?)
    };
    for index in 0..W1_WARMUP_EXECUTIONS {
        execute(index)?;
    }
    let mut runs = Vec::new();
    for _ in 0..repetitions {
        let started = Instant::now();
        let mut transitions = 0;
        for index in 0..executions {
            transitions += execute(index)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        runs.push(json!({
            "executions": executions,
            "transitions": transitions,
            "seconds": seconds,
            "transitions_per_s": transitions as f64 / seconds,
        }));
    }
    Ok(json!({ "runs": runs }))
}

/// Runs one W3 execution over `items` items and reports its wall time and this process's peak
/// RSS. A failed execution is reported, not an error: the report shows why it failed.
fn child_w3(items: usize) -> anyhow::Result<Value> {
    let machine = workload("w3_map_fanout.asl.json")?;
    let input = json!({ "items": (0..items).collect::<Vec<_>>() }).to_string();
    let before_kb = peak_rss_kb()?;
    let started = Instant::now();
    let simulation = execute(&machine, &input, History::Recorded)?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_kb = peak_rss_kb()?;
    let error = match succeeded(&simulation) {
        Ok(output) if output["count"] == items => None,
        Ok(output) => Some(format!("W3 returned {output}")),
        Err(error) => Some(format!("{error:#}")),
    };
    Ok(json!({
        "items": items,
        "ok": error.is_none(),
        "error": error,
        "seconds": seconds,
        "events": simulation.events.len(),
        "transitions": simulation.transitions,
        "peak_rss_mb": kb_to_mb(peak_kb),
        "peak_rss_before_execution_mb": kb_to_mb(before_kb),
    }))
}

fn workload(file: &str) -> anyhow::Result<StateMachine> {
    let path = workspace::shared().join("bench").join("workloads").join(file);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let (machine, diagnostics) =
        baton_asl::parse(&text, &Options { machine_type: MachineType::Standard });
    machine.with_context(|| format!("{file} is not a valid definition: {diagnostics:#?}"))
}

/// Whether an execution builds its history events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum History {
    Recorded,
    Discarded,
}

/// Runs one execution in memory on virtual time. The workloads have no Task states; a task
/// request means the workload file changed, and it never answers, so the run ends in an error.
fn execute(machine: &StateMachine, input: &str, history: History) -> anyhow::Result<Simulation> {
    let start = Start {
        input: input.to_owned(),
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".to_owned(),
        execution_name: "run".to_owned(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".to_owned(),
        state_machine_name: "bench".to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/bench".to_owned(),
        region: "us-east-1".to_owned(),
        workflow_type: baton_core::WorkflowType::Express,
        record_history: history == History::Recorded,
        seed: "bench".to_owned(),
        at: 1_700_000_000_000,
    };
    let mut no_tasks = |_: &TaskRequest| TaskAnswer::Silent;
    Ok(simulate::run(machine, start, &mut no_tasks)?)
}

/// The output of a succeeded execution, or why it did not succeed.
fn succeeded(simulation: &Simulation) -> anyhow::Result<Value> {
    match &simulation.outcome {
        Outcome::Succeeded { output } => Ok(serde_json::from_str(output)?),
        other => bail!("the execution ended {} ({other:?})", other.status()),
    }
}

/// This process's peak resident set size so far (`VmHWM`), in KiB.
fn peak_rss_kb() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .context("/proc/self/status has no VmHWM line")?;
    let kb = line.trim().trim_end_matches("kB").trim();
    kb.parse().with_context(|| format!("VmHWM is {line}"))
}

fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// `aws-local-stepfunctions`, installed under target/peers in a directory of its own (so that
/// installing it does not prune the other peers), and the sfnbench driver that runs it.
struct Peer {
    directory: PathBuf,
    driver: PathBuf,
    time: Option<PathBuf>,
}

impl Peer {
    fn install(version: &str) -> anyhow::Result<Peer> {
        let directory = workspace::target_dir().join("peers").join("aws-local-stepfunctions");
        workspace::npm_install(&directory, "aws-local-stepfunctions", version)?;
        let driver = workspace::shared().join("bench").join("peers").join("als_bench.mjs");
        if !driver.is_file() {
            bail!("the peer driver {} does not exist", driver.display());
        }
        let time = Some(PathBuf::from("/usr/bin/time")).filter(|path| path.is_file());
        Ok(Peer { directory, driver, time })
    }

    /// The driver's closed loop on one "thread" (`-c 1`), after its own 10-execution warm-up.
    fn w1(&self, executions: u32, repetitions: u32) -> anyhow::Result<Value> {
        let arguments = ["-w", "w1", "-c", "1", "-n", &executions.to_string()];
        self.run(&arguments, repetitions)
    }

    /// One W3 execution in a fresh node process.
    fn w3(&self, items: usize) -> anyhow::Result<Value> {
        self.run(&["-w", "w3", "--items", &items.to_string()], 1)
    }

    /// Runs the driver and returns its JSON report, with `peak_rss_mb` from `/usr/bin/time -v`
    /// when it is installed (else the driver's own sampled peak).
    fn run(&self, arguments: &[&str], repetitions: u32) -> anyhow::Result<Value> {
        let time_report = self.directory.join("time.txt");
        let mut command = match &self.time {
            Some(time) => {
                let mut command = Command::new(time);
                command.arg("-v").arg("-o").arg(&time_report).arg("node");
                command
            }
            None => Command::new("node"),
        };
        command
            .arg(&self.driver)
            .args(arguments)
            .args(["-r", &repetitions.to_string()])
            .current_dir(&self.directory);
        let mut report = workspace::run_json(&mut command)?;
        if let Some(error) = report.get("error") {
            bail!("aws-local-stepfunctions failed: {error}");
        }
        report["peak_rss_mb"] = match &self.time {
            Some(_) => json!(kb_to_mb(max_rss_kb(&time_report)?)),
            None => report["rss_peak_mb"].clone(),
        };
        Ok(report)
    }
}

/// The "Maximum resident set size (kbytes)" line of a `/usr/bin/time -v` report.
fn max_rss_kb(report: &Path) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(report)?;
    let value = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .with_context(|| format!("{} has no maximum resident set size", report.display()))?;
    Ok(value.trim().parse()?)
}

fn w1_summary(baton: &Value, peer: &Value) -> Value {
    let baton_rates = numbers(&baton["runs"], "transitions_per_s");
    let peer_runs = &peer["result"]["phases"][0]["runs"];
    let peer_rates = numbers(peer_runs, "transitions_per_s");
    let baton_median = median(&baton_rates);
    let peer_median = median(&peer_rates);
    let ratio = baton_median / peer_median;
    json!({
        "baton": { "runs": baton["runs"], "median_transitions_per_s": baton_median },
        "peer": { "runs": peer_runs, "median_transitions_per_s": peer_median },
        "ratio_baton_over_peer": ratio,
        "meets_target": baton_median >= W1_TRANSITIONS_PER_SECOND_MIN && ratio >= W1_RATIO_MIN,
    })
}

fn w3_summary(items: usize, baton_runs: &[Value], peer_runs: &[Value]) -> Value {
    let baton_ok = baton_runs.iter().all(|run| run["ok"] == true);
    let baton_seconds =
        median(&baton_runs.iter().map(|run| number(run, "seconds")).collect::<Vec<_>>());
    let baton_rss =
        median(&baton_runs.iter().map(|run| number(run, "peak_rss_mb")).collect::<Vec<_>>());
    let peer_results: Vec<&Value> = peer_runs.iter().map(|run| &run["result"]["runs"][0]).collect();
    let peer_ok = peer_results.iter().all(|run| run["ok"] == true);
    let peer_seconds =
        median(&peer_results.iter().map(|run| number(run, "wall_s")).collect::<Vec<_>>());
    let peer_rss =
        median(&peer_runs.iter().map(|run| number(run, "peak_rss_mb")).collect::<Vec<_>>());
    let meets_target = (items == W3_TARGET_ITEMS).then_some(
        baton_ok && baton_seconds * 1000.0 < W3_MILLISECONDS_MAX && baton_rss < W3_PEAK_RSS_MB_MAX,
    );
    json!({
        "items": items,
        "baton": {
            "ok": baton_ok,
            "runs": baton_runs,
            "median_seconds": baton_seconds,
            "median_peak_rss_mb": baton_rss,
        },
        "peer": {
            "ok": peer_ok,
            "runs": peer_results,
            "peak_rss_mb": peer_runs.iter().map(|run| &run["peak_rss_mb"]).collect::<Vec<_>>(),
            "median_seconds": peer_seconds,
            "median_peak_rss_mb": peer_rss,
        },
        // A failed execution stopped early, so its time and memory compare with nothing.
        "ratio_peer_over_baton_seconds": baton_ok.then_some(peer_seconds / baton_seconds),
        "ratio_peer_over_baton_peak_rss": baton_ok.then_some(peer_rss / baton_rss),
        "meets_target": meets_target,
    })
}

/// The human summary of the report: one row per measurement, both tools and the ratio.
fn table(report: &Value) -> String {
    let mut text = String::new();
    let w1 = &report["w1"];
    let _ = writeln!(
        text,
        "\n{:<28} {:>16} {:>16} {:>9}  target",
        "workload", "baton", "peer", "ratio"
    );
    let _ = writeln!(
        text,
        "{:<28} {:>16} {:>16} {:>8.1}x  >= 1,000,000/s and 50x: {}",
        "W1 transitions/s",
        format!("{:.0}", number(&w1["baton"], "median_transitions_per_s")),
        format!("{:.0}", number(&w1["peer"], "median_transitions_per_s")),
        number(w1, "ratio_baton_over_peer"),
        verdict(&w1["meets_target"]),
    );
    for w3 in report["w3"].as_array().into_iter().flatten() {
        let items = &w3["items"];
        let baton = &w3["baton"];
        let peer = &w3["peer"];
        let failed = if baton["ok"] == true { "" } else { " (FAILED)" };
        let target = match w3["meets_target"].as_bool() {
            Some(_) => format!("< 100 ms and < 50 MB: {}", verdict(&w3["meets_target"])),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "{:<28} {:>16} {:>16} {:>9}  {target}",
            format!("W3 {items} items, ms{failed}"),
            format!("{:.1}", number(baton, "median_seconds") * 1000.0),
            format!("{:.1}", number(peer, "median_seconds") * 1000.0),
            ratio(&w3["ratio_peer_over_baton_seconds"]),
        );
        let _ = writeln!(
            text,
            "{:<28} {:>16} {:>16} {:>9}",
            format!("W3 {items} items, peak MB"),
            format!("{:.1}", number(baton, "median_peak_rss_mb")),
            format!("{:.1}", number(peer, "median_peak_rss_mb")),
            ratio(&w3["ratio_peer_over_baton_peak_rss"]),
        );
        if let Some(error) = baton["runs"][0]["error"].as_str() {
            let _ = writeln!(text, "  baton W3 {items}: {error}");
        }
    }
    text
}

/// A ratio as the table shows it; `-` when there is none (Baton's execution failed).
fn ratio(value: &Value) -> String {
    value.as_f64().map_or_else(|| "-".to_owned(), |ratio| format!("{ratio:.1}x"))
}

fn verdict(meets: &Value) -> &'static str {
    if *meets == true { "met" } else { "MISSED" }
}

fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}

fn numbers(runs: &Value, key: &str) -> Vec<f64> {
    runs.as_array().into_iter().flatten().map(|run| number(run, key)).collect()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => f64::NAN,
        length if length.is_multiple_of(2) => (sorted[middle - 1] + sorted[middle]) / 2.0,
        _ => sorted[middle],
    }
}
