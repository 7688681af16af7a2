//! The durable store's benchmark (issue 4): group commit under concurrency, and recovery of
//! many parked executions, on a real file with `synchronous=FULL`.
//!
//! ```text
//! cargo run --release -p baton-store-sqlite --example bench
//! cargo run --release -p baton-store-sqlite --example bench -- --threads 1,16,64,256 \
//!     --in-flight 256,1024 --seconds 5 --tasks 20000 --executions 100000
//! ```
//!
//! Commits: each submitter thread owns one execution and commits one realistic step at a
//! time: the execution's update with a 1 KiB snapshot and three ~300-byte history events. It
//! reports commits/s, events (transitions)/s, transactions (fsyncs)/s and commit
//! latency. Activities: 64 workers each claim a queued task and commit its removal, the
//! store's half of a `GetActivityTask` + `SendTaskSuccess` round trip. Recovery: 64 threads start `--executions` RUNNING executions (each with a 1 KiB
//! snapshot and its first event), the store is closed and reopened, and every running
//! execution is read back page by page.
//!
//! The database lives under the workspace's `target/baton-store-bench/`, a real disk file.

use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use baton_store::conformance::{execution, execution_arn};
use baton_store::{
    ActivityTaskRecord, Change, Commit, EventRecord, ExecutionStatus, ExecutionUpdate, PageRequest,
    Store,
};
use baton_store_sqlite::{Options, SqliteStore};

/// Events per step: a realistic Task state's entry, schedule and start.
const STEP_EVENTS: u64 = 3;
/// Bytes of each event body.
const EVENT_BYTES: usize = 300;
/// Bytes of each snapshot.
const SNAPSHOT_BYTES: usize = 1024;
/// Threads that start executions for the recovery measurement.
const RECOVERY_SUBMITTERS: usize = 64;
/// Executions per page when reading them back, as a runtime's recovery would.
const RECOVERY_PAGE: usize = 1000;
/// Workers polling one activity at once in the activity measurement.
const ACTIVITY_WORKERS: usize = 64;
/// Tasks per commit when filling the activity's queue.
const ENQUEUE_BATCH: usize = 1000;
/// Threads that drive the in-flight executions, like a tokio runtime's workers on this
/// two-core machine.
const DRIVER_THREADS: usize = 2;

struct Arguments {
    threads: Vec<usize>,
    in_flight: Vec<usize>,
    seconds: f64,
    executions: usize,
    tasks: usize,
}

fn main() -> anyhow::Result<()> {
    let arguments = parse_arguments()?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/baton-store-bench");
    std::fs::create_dir_all(&dir)?;
    println!("database directory: {}", dir.display());
    println!(
        "{:>16} {:>10} {:>10} {:>10} {:>13} {:>8} {:>8} {:>11} {:>10}",
        "submitters",
        "commits/s",
        "events/s",
        "fsyncs/s",
        "commits/fsync",
        "p50 ms",
        "p99 ms",
        "cpu µs/c",
        "writer µs/c"
    );
    for &threads in &arguments.threads {
        let path = fresh(&dir, &format!("commits-{threads}.db"))?;
        let store = Options::new(&path).open()?;
        commits(&store, threads, Duration::from_secs_f64(arguments.seconds))?;
        store.shutdown()?;
    }
    for &in_flight in &arguments.in_flight {
        let path = fresh(&dir, &format!("in-flight-{in_flight}.db"))?;
        let store = Options::new(&path).open()?;
        pipelined(&store, in_flight, Duration::from_secs_f64(arguments.seconds))?;
        store.shutdown()?;
    }
    activity_round_trips(&fresh(&dir, "activities.db")?, arguments.tasks)?;
    recovery(&fresh(&dir, "recovery.db")?, arguments.executions)
}

fn parse_arguments() -> anyhow::Result<Arguments> {
    let mut arguments = Arguments {
        threads: vec![1, 16, 64, 256],
        in_flight: vec![256, 1024],
        seconds: 3.0,
        executions: 100_000,
        tasks: 20_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--threads" => {
                arguments.threads = value.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "--in-flight" => {
                arguments.in_flight = value.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "--seconds" => arguments.seconds = value.parse()?,
            "--executions" => arguments.executions = value.parse()?,
            "--tasks" => arguments.tasks = value.parse()?,
            _ => anyhow::bail!(
                "unknown flag {flag} (--threads, --in-flight, --seconds, --executions, --tasks)"
            ),
        }
    }
    Ok(arguments)
}

/// A path in `dir` with no database left from an earlier run.
fn fresh(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    Ok(path)
}

fn body(event_id: u64) -> String {
    let padding = "x".repeat(EVENT_BYTES - 80);
    format!(r#"{{"id":{event_id},"type":"TaskScheduled","details":{{"padding":"{padding}"}}}}"#)
}

/// One step of `arn`: its update and `STEP_EVENTS` events from `first_event_id`.
fn step(arn: &str, first_event_id: u64, timestamp_millis: i64) -> Commit {
    let mut changes = vec![Change::UpdateExecution(ExecutionUpdate {
        arn: arn.to_owned(),
        status: ExecutionStatus::Running,
        stop_date_millis: None,
        output: None,
        error: None,
        cause: None,
        snapshot: vec![b's'; SNAPSHOT_BYTES],
        next_event_id: first_event_id + STEP_EVENTS,
        redriven: None,
    })];
    changes.extend((first_event_id..first_event_id + STEP_EVENTS).map(|event_id| {
        Change::AppendEvent(EventRecord {
            execution_arn: arn.to_owned(),
            event_id,
            r#type: "TaskScheduled".to_owned(),
            timestamp_millis,
            body: body(event_id),
        })
    }));
    Commit::new(changes)
}

fn commits(store: &SqliteStore, threads: usize, duration: Duration) -> anyhow::Result<()> {
    for thread in 0..threads {
        store.commit(Commit::new(vec![Change::StartExecution(execution(
            "bench",
            &format!("t{thread}"),
            0,
        ))]))?;
    }
    let start = Barrier::new(threads + 1);
    let before = store.stats();
    let cpu_before = cpu();
    let (elapsed, latencies) = std::thread::scope(|scope| -> anyhow::Result<_> {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let start = &start;
                scope.spawn(move || -> anyhow::Result<Vec<Duration>> {
                    let arn = execution_arn("bench", &format!("t{thread}"));
                    let mut latencies = Vec::new();
                    start.wait();
                    let began = Instant::now();
                    let mut next_event_id = 1;
                    while began.elapsed() < duration {
                        let sent = Instant::now();
                        store.commit(step(&arn, next_event_id, 1_000))?;
                        latencies.push(sent.elapsed());
                        next_event_id += STEP_EVENTS;
                    }
                    Ok(latencies)
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        let mut latencies = Vec::new();
        for worker in workers {
            latencies.extend(worker.join().expect("submitter thread")?);
        }
        Ok((began.elapsed(), latencies))
    })?;
    let transactions = store.stats().transactions - before.transactions;
    report(&format!("{threads} threads"), elapsed, latencies, transactions, cpu_before);
    Ok(())
}

/// CPU time used so far, in clock ticks: by the whole process, and by the store's writer
/// thread. Read from `/proc` (Linux), which needs no unsafe code; zero elsewhere.
#[derive(Clone, Copy)]
struct Cpu {
    process: u64,
    writer: u64,
}

/// Clock ticks per second of `/proc`'s CPU times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

fn cpu() -> Cpu {
    // Fields 14 and 15 of a stat line (user and system time), counted after the
    // parenthesized command name, which may contain spaces.
    fn ticks(stat: &str) -> u64 {
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok());
        field(11).unwrap_or(0) + field(12).unwrap_or(0)
    }
    let process = std::fs::read_to_string("/proc/self/stat").map_or(0, |stat| ticks(&stat));
    let writer = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim() == "baton-store-wri")
        })
        .map(|task| std::fs::read_to_string(task.path().join("stat")).map_or(0, |s| ticks(&s)))
        .sum();
    Cpu { process, writer }
}

/// Prints one row of the table.
fn report(
    label: &str,
    elapsed: Duration,
    mut latencies: Vec<Duration>,
    transactions: u64,
    cpu_before: Cpu,
) {
    let cpu_after = cpu();
    let per_commit_micros =
        |ticks: u64| ticks as f64 / TICKS_PER_SECOND * 1e6 / latencies.len().max(1) as f64;
    let process_micros = per_commit_micros(cpu_after.process - cpu_before.process);
    let writer_micros = per_commit_micros(cpu_after.writer - cpu_before.writer);
    latencies.sort();
    let seconds = elapsed.as_secs_f64();
    let commits = latencies.len() as f64;
    let transactions = transactions as f64;
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        latencies[index].as_secs_f64() * 1000.0
    };
    println!(
        "{label:>16} {:>10.0} {:>10.0} {:>10.0} {:>13.1} {:>8.2} {:>8.2} {:>11.0} {:>10.0}",
        commits / seconds,
        commits * STEP_EVENTS as f64 / seconds,
        transactions / seconds,
        commits / transactions,
        percentile(0.5),
        percentile(0.99),
        process_micros,
        writer_micros
    );
}

/// `in_flight` executions, each with one commit in flight at a time, driven by
/// [`DRIVER_THREADS`] threads through callbacks, as a tokio runtime would drive them: the
/// concurrency comes from executions, not from threads.
fn pipelined(store: &SqliteStore, in_flight: usize, duration: Duration) -> anyhow::Result<()> {
    let starts = (0..in_flight)
        .map(|i| Change::StartExecution(execution("bench", &format!("x{i}"), 0)))
        .collect();
    store.commit(Commit::new(starts))?;
    let before = store.stats();
    let cpu_before = cpu();
    let began = Instant::now();
    let latencies = std::thread::scope(|scope| -> anyhow::Result<Vec<Duration>> {
        let drivers: Vec<_> = (0..DRIVER_THREADS)
            .map(|driver| {
                scope.spawn(move || -> anyhow::Result<Vec<Duration>> {
                    drive(store, driver, in_flight, began, duration)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for driver in drivers {
            latencies.extend(driver.join().expect("driver thread")?);
        }
        Ok(latencies)
    })?;
    let elapsed = began.elapsed();
    let transactions = store.stats().transactions - before.transactions;
    report(&format!("{in_flight} in flight"), elapsed, latencies, transactions, cpu_before);
    Ok(())
}

/// One driver: submits the next step of each of its executions when the previous one is
/// acknowledged, until `duration` has passed, then waits for the last acknowledgements.
fn drive(
    store: &SqliteStore,
    driver: usize,
    in_flight: usize,
    began: Instant,
    duration: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let (sender, acknowledged) = mpsc::channel::<(usize, anyhow::Result<Duration>)>();
    let mine: Vec<usize> = (driver..in_flight).step_by(DRIVER_THREADS).collect();
    let mut next_event_id = vec![1; in_flight];
    let submit = |execution: usize, first_event_id: u64| {
        let sender = sender.clone();
        let sent = Instant::now();
        let arn = execution_arn("bench", &format!("x{execution}"));
        store.submit(
            step(&arn, first_event_id, 1_000),
            Box::new(move |result| {
                let outcome = result.map(|()| sent.elapsed()).map_err(anyhow::Error::from);
                let _ = sender.send((execution, outcome));
            }),
        );
    };
    for &execution in &mine {
        submit(execution, next_event_id[execution]);
        next_event_id[execution] += STEP_EVENTS;
    }
    let mut latencies = Vec::new();
    let mut pending = mine.len();
    while pending > 0 {
        let (execution, outcome) = acknowledged.recv()?;
        latencies.push(outcome?);
        if began.elapsed() < duration {
            submit(execution, next_event_id[execution]);
            next_event_id[execution] += STEP_EVENTS;
        } else {
            pending -= 1;
        }
    }
    Ok(latencies)
}

/// `tasks` activity tasks are queued, then [`ACTIVITY_WORKERS`] threads each claim a task
/// (`GetActivityTask`) and commit its removal (`SendTaskSuccess`) until the queue is empty:
/// two durable writes per round trip.
fn activity_round_trips(path: &Path, tasks: usize) -> anyhow::Result<()> {
    let store = Options::new(path).open()?;
    let activity_arn = "arn:aws:states:us-east-1:123456789012:activity:bench";
    let queued: Vec<usize> = (0..tasks).collect();
    for chunk in queued.chunks(ENQUEUE_BATCH) {
        let changes = chunk
            .iter()
            .map(|&i| {
                Change::EnqueueActivityTask(ActivityTaskRecord {
                    task_token: format!("token-{i:08}"),
                    activity_arn: activity_arn.to_owned(),
                    execution_arn: execution_arn("bench", "activities"),
                    input: body(0),
                    enqueued_millis: 1_000,
                    claim: None,
                })
            })
            .collect();
        store.commit(Commit::new(changes))?;
    }
    let before = store.stats();
    let began = Instant::now();
    let completed: usize = std::thread::scope(|scope| -> anyhow::Result<usize> {
        let workers: Vec<_> = (0..ACTIVITY_WORKERS)
            .map(|worker| {
                let store = &store;
                scope.spawn(move || -> anyhow::Result<usize> {
                    let name = format!("worker-{worker}");
                    let mut completed = 0;
                    while let Some(task) = store.claim_next(activity_arn, &name, 2_000)? {
                        let task_token = task.task_token;
                        store
                            .commit(Commit::new(vec![Change::RemoveActivityTask { task_token }]))?;
                        completed += 1;
                    }
                    Ok(completed)
                })
            })
            .collect();
        let mut completed = 0;
        for worker in workers {
            completed += worker.join().expect("worker thread")?;
        }
        Ok(completed)
    })?;
    let elapsed = began.elapsed().as_secs_f64();
    let transactions = store.stats().transactions - before.transactions;
    anyhow::ensure!(completed == tasks, "completed {completed} of {tasks} tasks");
    println!();
    println!(
        "activity round trips ({ACTIVITY_WORKERS} workers, claim + remove): {:.0}/s, {:.1} writes/fsync",
        completed as f64 / elapsed,
        (2 * completed) as f64 / transactions as f64
    );
    store.shutdown()?;
    Ok(())
}

fn recovery(path: &Path, executions: usize) -> anyhow::Result<()> {
    let store = Options::new(path).open()?;
    let began = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..RECOVERY_SUBMITTERS)
            .map(|thread| {
                let store = &store;
                scope.spawn(move || -> anyhow::Result<()> {
                    for i in (thread..executions).step_by(RECOVERY_SUBMITTERS) {
                        let mut record = execution("parked", &format!("e{i:06}"), 1_000);
                        record.snapshot = vec![b's'; SNAPSHOT_BYTES];
                        record.next_event_id = 2;
                        let arn = record.arn.clone();
                        store.commit(Commit::new(vec![
                            Change::StartExecution(record),
                            Change::AppendEvent(EventRecord {
                                execution_arn: arn,
                                event_id: 1,
                                r#type: "ExecutionStarted".to_owned(),
                                timestamp_millis: 1_000,
                                body: body(1),
                            }),
                        ]))?;
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("submitter thread")?;
        }
        Ok(())
    })?;
    let inserted = began.elapsed();
    let stats = store.stats();
    store.shutdown()?;
    drop(store);
    let file_bytes = std::fs::metadata(path)?.len();

    let began = Instant::now();
    let store = Options::new(path).open()?;
    let opened = began.elapsed();
    let mut running = 0;
    let mut snapshot_bytes = 0;
    let mut request = PageRequest::first(RECOVERY_PAGE);
    loop {
        let page = store.running_executions(&request)?;
        running += page.items.len();
        snapshot_bytes += page.items.iter().map(|e| e.snapshot.len()).sum::<usize>();
        match page.next {
            Some(token) => request = PageRequest::after(token, RECOVERY_PAGE),
            None => break,
        }
    }
    let recovered = began.elapsed();
    anyhow::ensure!(running == executions, "recovered {running} executions of {executions}");
    println!();
    println!(
        "insert {executions} RUNNING executions ({RECOVERY_SUBMITTERS} threads, one commit each): {:.2} s ({:.0}/s, {:.1} commits/fsync); file {:.0} MB",
        inserted.as_secs_f64(),
        executions as f64 / inserted.as_secs_f64(),
        stats.requests as f64 / stats.transactions as f64,
        file_bytes as f64 / 1e6
    );
    println!(
        "recovery: open {:.3} s, + running executions with snapshots ({snapshot_bytes} bytes) {:.3} s = {:.3} s",
        opened.as_secs_f64(),
        (recovered - opened).as_secs_f64(),
        recovered.as_secs_f64()
    );
    store.shutdown()?;
    Ok(())
}
