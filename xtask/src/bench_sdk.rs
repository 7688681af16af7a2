//! `cargo xtask bench-sdk-workers`: activity round trips through `baton serve` with baton-sdk's
//! own workers and client (issue 6's target: at least 10,000 round trips per second at
//! concurrency 64).
//!
//! The release `baton serve` runs on a free port with a fresh data directory under
//! target/bench-sdk-workers/. One workflow with one activity task (the handler returns its
//! input) is deployed with `ensure_state_machine`; a `Worker` serves it with 64 slots and 64
//! pollers, and 64 starters start the executions (StartExecution, Standard) as fast as the
//! server takes them. The measurement runs from the first start until the worker has answered
//! the last task (it is shut down then, which waits for the answers in flight), after a warm-up
//! round. The server's CPU (utime + stime from /proc) is read before and after, and reported per
//! round trip; it covers the whole execution (start, the activity's schedule, claim and answer,
//! the end), which is what a round trip costs the server.
//!
//! xtask runs this in a release build of itself, as bench-serve does, so the workers and the
//! starters take as little of the machine as they can. The report is
//! target/bench-sdk-workers.json.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::Notify;

use baton_sdk::client::{Deployment, StateMachine};
use baton_sdk::worker::{Options, Worker};
use baton_sdk::{Client, Flow, Task, TaskFailure, Workflow};

use crate::workspace::{self, Profile};

/// Options of `cargo xtask bench-sdk-workers`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Executions (activity round trips) measured.
    #[arg(long, default_value_t = 20_000)]
    pub(crate) executions: usize,
    /// Worker slots and pollers, and concurrent starters.
    #[arg(long, default_value_t = 64)]
    pub(crate) concurrency: usize,
}

/// Issue 6's target.
const ROUND_TRIPS_PER_S_MIN: f64 = 10_000.0;

/// Executions run before measuring, so connections, caches and the database are warm.
const WARM_UP_EXECUTIONS: usize = 1_000;

/// The role of the benchmark's state machine (Baton records it and checks nothing).
const ROLE: &str = "arn:aws:iam::123456789012:role/bench-sdk-workers";

/// `getconf CLK_TCK` on every Linux this runs on (the kernel's USER_HZ is fixed at 100).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        workspace::run(&mut workspace::cargo(["build", "--release", "-p", "xtask"]))?;
        let xtask = workspace::target_dir().join("release").join("xtask");
        return workspace::run(Command::new(xtask).args(std::env::args_os().skip(1)));
    }
    let baton = workspace::build_baton(Profile::Release)?;
    let data = workspace::target_dir().join("bench-sdk-workers");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("clearing {}", data.display()))?;
    }
    std::fs::create_dir_all(&data)?;
    let port = workspace::free_port()?;
    let child = Command::new(&baton)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", baton.display()))?;
    let server = Server { child };
    workspace::wait_for_port(port)?;

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let measured = runtime.block_on(measure(&endpoint, server.child.id(), args))?;
    let report = json!({
        "commit": workspace::git_commit(),
        "cpus": std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        "executions": args.executions,
        "concurrency": args.concurrency,
        "target_round_trips_per_s": ROUND_TRIPS_PER_S_MIN,
        "result": measured,
    });
    let round_trips_per_s = measured["round_trips_per_s"].as_f64().unwrap_or_default();
    println!(
        "SDK workers, c={}: {round_trips_per_s:.0} activity round trips/s (target ≥ {ROUND_TRIPS_PER_S_MIN:.0}); \
         server CPU {:.1} µs per round trip; workers and starters {:.1} µs",
        args.concurrency,
        measured["server_cpu_us_per_round_trip"].as_f64().unwrap_or_default(),
        measured["client_cpu_us_per_round_trip"].as_f64().unwrap_or_default(),
    );
    let path = workspace::target_dir().join("bench-sdk-workers.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("report: {}", path.display());
    Ok(())
}

/// The server, killed when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deploys the workflow, warms up, then measures `args.executions` round trips.
async fn measure(endpoint: &str, server_pid: u32, args: &Args) -> anyhow::Result<Value> {
    let client = Client::endpoint(endpoint);
    let answered = Arc::new(Answered::default());
    let counting = Arc::clone(&answered);
    let echo = Task::new("echo", move |input: Value| {
        counting.add();
        async move { Ok::<_, TaskFailure>(input) }
    });
    let workflow = Workflow::new("bench-sdk-workers", Flow::new().then(&echo));
    let machine = client.ensure_state_machine(&workflow, &Deployment::standard(ROLE)).await?;

    round(&client, &machine, &echo, &answered, WARM_UP_EXECUTIONS, args.concurrency).await?;
    let server_before = cpu_seconds(&server_pid.to_string())?;
    let client_before = cpu_seconds("self")?;
    let started = Instant::now();
    round(&client, &machine, &echo, &answered, args.executions, args.concurrency).await?;
    let wall = started.elapsed().as_secs_f64();
    let server_cpu = cpu_seconds(&server_pid.to_string())? - server_before;
    let client_cpu = cpu_seconds("self")? - client_before;
    let round_trips = args.executions as f64;
    Ok(json!({
        "seconds": wall,
        "round_trips_per_s": round_trips / wall,
        "server_cpu_us_per_round_trip": server_cpu / round_trips * 1e6,
        "client_cpu_us_per_round_trip": client_cpu / round_trips * 1e6,
    }))
}

/// Starts `executions` executions with `concurrency` starters while a worker with
/// `concurrency` slots answers them, and returns once the worker has answered them all and
/// shut down.
async fn round(
    client: &Client,
    machine: &StateMachine,
    echo: &Task,
    answered: &Arc<Answered>,
    executions: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    answered.reset(executions);
    let worker = Worker::new(client.clone(), "bench").task(echo, Options::concurrency(concurrency));
    let all_answered = Arc::clone(answered);
    let serving = tokio::spawn(worker.run(async move { all_answered.wait().await }));
    let next = Arc::new(AtomicUsize::new(0));
    let mut starters = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, machine, next) = (client.clone(), machine.clone(), Arc::clone(&next));
        starters.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < executions {
                client.start_execution(&machine, &json!({"n": 1})).await?;
            }
            Ok::<_, baton_sdk::client::Error>(())
        });
    }
    while let Some(started) = starters.join_next().await {
        started.context("a starter panicked")??;
    }
    let report = serving.await.context("the worker panicked")??;
    anyhow::ensure!(report.failed == 0 && report.late == 0, "the worker reported {report:?}");
    Ok(())
}

/// Counts the handler calls of a round and wakes the round's shutdown at the last one.
#[derive(Default)]
struct Answered {
    left: AtomicUsize,
    done: Notify,
}

impl Answered {
    fn reset(&self, executions: usize) {
        self.left.store(executions, Ordering::SeqCst);
    }

    fn add(&self) {
        if self.left.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.done.notify_one();
        }
    }

    async fn wait(&self) {
        // `notify_one` keeps a permit when nobody waits yet, so an early last call is not lost.
        self.done.notified().await;
    }
}

/// utime + stime of `pid` ("self" for this process), in seconds.
fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and
    // 13th of them.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("/proc stat without a command name")?
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(ticks as f64 / CLOCK_TICKS_PER_SECOND)
}
