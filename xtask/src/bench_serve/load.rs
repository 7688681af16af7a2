//! The Rust load generator of `cargo xtask bench-serve`: the request rates the Python driver
//! cannot reach (it saturates at a few thousand requests per second on this machine).
//!
//! Each client thread owns one keep-alive HTTP/1.1 connection and sends plain awsJson1_0 POSTs
//! (`X-Amz-Target: AWSStepFunctions.<Action>`). Neither server checks signatures, but moto
//! routes a request to a service by the credential scope of its `Authorization` header, so every
//! request carries a fixed one that names `states`. Every phase reads the server's CPU time
//! (utime + stime) from `/proc/<pid>/stat` before and after, and reports it per execution:
//! on a shared 2-core machine that is steadier than throughput, which also depends on how much
//! CPU the load generator and everything else took.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::http;

/// How long an execution polled with DescribeExecution may run before it counts as failed.
const EXECUTION_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a worker's GetActivityTask may wait. Shorter than the servers' 60 s long poll so
/// that workers notice the end of a phase; while tasks are queued a poll returns at once.
const POLL_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the drain of an open-loop phase asks whether executions are still running.
const DRAIN_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The first and the largest delay between two DescribeExecution polls of one execution, as
/// sfnbench's defaults (5 ms, growing by half each time, up to 100 ms).
const DESCRIBE_POLL_FIRST: Duration = Duration::from_millis(5);
const DESCRIBE_POLL_MAX: Duration = Duration::from_millis(100);

/// Error messages kept per phase; the rest are only counted.
const ERROR_SAMPLES_MAX: usize = 5;

/// ListExecutions page size (the API's maximum).
const LIST_PAGE_SIZE: u64 = 1000;

/// The role every state machine is created with (neither server assumes it).
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/bench-serve";

/// A fixed SigV4-shaped header: moto picks the service from its credential scope.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 \
    Credential=AKIDBENCHSERVE/20260101/us-east-1/states/aws4_request, \
    SignedHeaders=content-type;host;x-amz-target, Signature=0";

/// One client connection to a Step Functions endpoint.
pub(crate) struct Client {
    connection: Mutex<http::Connection>,
}

impl Client {
    /// A client without a timeout: the servers are local and killed when the run ends, so a
    /// request cannot hang forever.
    pub(crate) fn new(endpoint: &str) -> Client {
        Client::with_timeout(endpoint, None)
    }

    /// A client for GetActivityTask long polls, which must give up in time for workers to
    /// notice the end of a phase.
    fn polling(endpoint: &str) -> Client {
        Client::with_timeout(endpoint, Some(POLL_TIMEOUT))
    }

    fn with_timeout(endpoint: &str, timeout: Option<Duration>) -> Client {
        // The endpoints are the load generator's own `http://127.0.0.1:PORT`.
        let connection = http::Connection::new(endpoint, timeout)
            .unwrap_or_else(|error| panic!("endpoint {endpoint}: {error:#}"));
        Client { connection: Mutex::new(connection) }
    }

    /// Calls `action` and returns its JSON answer; an AWS error is an `Err` naming its `__type`.
    pub(crate) fn call(&self, action: &str, body: &Value) -> anyhow::Result<Value> {
        let target = format!("AWSStepFunctions.{action}");
        let headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", target.as_str()),
            ("Authorization", AUTHORIZATION),
        ];
        let answer = self
            .connection
            .lock()
            .expect("no thread panics holding the connection")
            .post(&headers, &body.to_string())
            .with_context(|| format!("{action}: no answer"))?;
        let (status, text) = (answer.status, answer.body);
        if !(200..300).contains(&status) {
            let kind = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|error| error["__type"].as_str().map(str::to_owned));
            let shown: String = text.chars().take(200).collect();
            bail!("{action}: HTTP {status} {}: {shown}", kind.unwrap_or_default());
        }
        serde_json::from_str(&text).with_context(|| format!("{action} answered {text}"))
    }
}

/// utime + stime of `pid` ("self" for this process), in seconds.
pub(crate) fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    stat_cpu_seconds(&format!("/proc/{pid}/stat"))
}

/// utime + stime from a `/proc/.../stat` file, in seconds.
fn stat_cpu_seconds(path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) may contain spaces; the fields after it are plain numbers.
    let after_name = stat.rsplit_once(')').context("/proc stat without a command name")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15, that is 11 and 12 after the state (field 3).
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(ticks as f64 / CLOCK_TICKS_PER_SECOND)
}

/// The thread name of the SQLite store's writer as `/proc` shows it (the kernel keeps 15
/// bytes of a thread's name).
const STORE_WRITER_THREAD: &str = "baton-store-wri";

/// utime + stime of the server's store writer thread, in seconds, or 0 when it has none (a
/// server without a SQLite store). Every durable commit passes through that one thread, so its
/// CPU per execution says how far one node's durable throughput can grow with more cores.
fn store_writer_cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let tasks = format!("/proc/{pid}/task");
    let mut total = 0.0;
    for task in std::fs::read_dir(&tasks).with_context(|| format!("listing {tasks}"))? {
        let task = task?.path();
        // A thread may end between the listing and the read: it is then not the writer.
        let Ok(name) = std::fs::read_to_string(task.join("comm")) else { continue };
        if name.trim_end() == STORE_WRITER_THREAD {
            total += stat_cpu_seconds(&task.join("stat").to_string_lossy())?;
        }
    }
    Ok(total)
}

/// `getconf CLK_TCK` on every Linux this runs on (the kernel's USER_HZ is fixed at 100).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// The bytes `pid` caused to be written to storage (`write_bytes` of `/proc/<pid>/io`: the WAL,
/// and the database file at checkpoints), or 0 where the kernel does not count them.
fn disk_write_bytes(pid: &str) -> u64 {
    let Ok(io) = std::fs::read_to_string(format!("/proc/{pid}/io")) else { return 0 };
    io.lines()
        .find_map(|line| line.strip_prefix("write_bytes:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

/// The resident set size of `pid`, in KiB.
pub(crate) fn rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line =
        status.lines().find_map(|line| line.strip_prefix("VmRSS:")).context("no VmRSS line")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// Wall time and the CPU the server and this process used during one phase.
struct Meter {
    server_pid: String,
    started: Instant,
    server_cpu: f64,
    writer_cpu: f64,
    disk_write_bytes: u64,
    client_cpu: f64,
}

impl Meter {
    fn start(server_pid: u32) -> anyhow::Result<Meter> {
        let server_pid = server_pid.to_string();
        Ok(Meter {
            server_cpu: cpu_seconds(&server_pid)?,
            writer_cpu: store_writer_cpu_seconds(&server_pid)?,
            disk_write_bytes: disk_write_bytes(&server_pid),
            client_cpu: cpu_seconds("self")?,
            started: Instant::now(),
            server_pid,
        })
    }

    /// The phase's report: `units` executions (or round trips) done in `wall` seconds.
    fn report(&self, units: usize, wall: f64) -> anyhow::Result<Value> {
        let server = cpu_seconds(&self.server_pid)? - self.server_cpu;
        let writer = store_writer_cpu_seconds(&self.server_pid)? - self.writer_cpu;
        let written = disk_write_bytes(&self.server_pid).saturating_sub(self.disk_write_bytes);
        let client = cpu_seconds("self")? - self.client_cpu;
        let per_unit = |seconds: f64| (units > 0).then(|| seconds * 1e6 / units as f64);
        Ok(json!({
            "count": units,
            "wall_s": wall,
            "per_s": units as f64 / wall,
            "server_cpu_s": server,
            "server_cpu_us_per_exec": per_unit(server),
            "store_writer_cpu_s": writer,
            "store_writer_cpu_us_per_exec": per_unit(writer),
            "disk_write_kb_per_exec": (units > 0).then(|| written as f64 / 1024.0 / units as f64),
            "client_cpu_s": client,
            "client_cpu_us_per_exec": per_unit(client),
        }))
    }
}

/// Failures of one phase: a count and the first few messages.
#[derive(Default)]
struct Errors {
    count: AtomicUsize,
    samples: Mutex<Vec<String>>,
}

impl Errors {
    fn add(&self, error: &anyhow::Error) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut samples = self.samples.lock().expect("no thread panics holding the samples");
        if samples.len() < ERROR_SAMPLES_MAX {
            samples.push(format!("{error:#}"));
        }
    }

    fn report(&self) -> Value {
        let samples = self.samples.lock().expect("no thread panics holding the samples");
        json!({ "count": self.count.load(Ordering::Relaxed), "samples": *samples })
    }
}

/// What a phase runs against: the endpoint and the server process to measure.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) endpoint: String,
    pub(crate) pid: u32,
}

/// How an execution is run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// An EXPRESS machine and StartSyncExecution.
    Sync,
    /// A STANDARD machine, StartExecution, then DescribeExecution until it ends.
    StandardPolling,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Sync => "sync",
            Mode::StandardPolling => "standard+polling",
        }
    }
}

/// A workload's definition and how to make and check one execution's input and output.
pub(crate) struct Workload {
    pub(crate) definition: String,
    pub(crate) input: fn(usize) -> Value,
    pub(crate) check: fn(&Value) -> anyhow::Result<()>,
    /// States entered per execution, for transitions/s and CPU per state.
    pub(crate) states: usize,
}

/// Creates a state machine of `kind` ("STANDARD" or "EXPRESS") and returns its ARN.
fn create_machine(client: &Client, definition: &str, kind: &str) -> anyhow::Result<String> {
    let name = unique_name(&format!("bench-{}", kind.to_lowercase()));
    let answer = client.call(
        "CreateStateMachine",
        &json!({ "name": name, "definition": definition, "roleArn": ROLE_ARN, "type": kind }),
    )?;
    Ok(answer["stateMachineArn"].as_str().context("no stateMachineArn")?.to_owned())
}

/// A name this process has not used before, so no two machines, activities or executions
/// collide on one server.
fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A StartExecution or StartSyncExecution request. Every execution gets a name of its own:
/// moto names unnamed executions `None`, so its second unnamed start would already exist.
fn start_request(machine: &str, input: &Value) -> Value {
    let name = unique_name("x");
    json!({ "stateMachineArn": machine, "name": name, "input": input.to_string() })
}

/// Picks the mode for a closed loop: sync if the server runs StartSyncExecution, otherwise
/// (moto) STANDARD with polling, as sfnbench's `--mode auto` does; returns it with the machine.
fn pick_mode(client: &Client, workload: &Workload) -> anyhow::Result<(Mode, String, Value)> {
    let express = create_machine(client, &workload.definition, "EXPRESS")?;
    let probe = start_request(&express, &(workload.input)(0));
    match client.call("StartSyncExecution", &probe) {
        Ok(_) => Ok((Mode::Sync, express, Value::Null)),
        Err(error) => {
            let standard = create_machine(client, &workload.definition, "STANDARD")?;
            let note = format!("StartSyncExecution unusable ({error:#}); STANDARD + polling");
            Ok((Mode::StandardPolling, standard, json!(note)))
        }
    }
}

/// Runs one execution to its end and checks its output; returns nothing but success.
fn run_one(
    client: &Client,
    mode: Mode,
    machine: &str,
    workload: &Workload,
    index: usize,
) -> anyhow::Result<()> {
    let request = start_request(machine, &(workload.input)(index));
    let ended = match mode {
        Mode::Sync => client.call("StartSyncExecution", &request)?,
        Mode::StandardPolling => {
            let started = client.call("StartExecution", &request)?;
            let arn = started["executionArn"].as_str().context("no executionArn")?;
            wait_for_end(client, arn)?
        }
    };
    if ended["status"] != "SUCCEEDED" {
        bail!("execution ended {}: {} {}", ended["status"], ended["error"], ended["cause"]);
    }
    let output = ended["output"].as_str().context("no output")?;
    (workload.check)(&serde_json::from_str(output)?)
}

/// DescribeExecution until the execution is no longer RUNNING, backing off like sfnbench.
fn wait_for_end(client: &Client, arn: &str) -> anyhow::Result<Value> {
    let deadline = Instant::now() + EXECUTION_TIMEOUT;
    let mut delay = DESCRIBE_POLL_FIRST;
    loop {
        let described = client.call("DescribeExecution", &json!({ "executionArn": arn }))?;
        if described["status"] != "RUNNING" {
            return Ok(described);
        }
        if Instant::now() > deadline {
            bail!("{arn} still RUNNING after {EXECUTION_TIMEOUT:?}");
        }
        std::thread::sleep(delay);
        delay = (delay * 3 / 2).min(DESCRIBE_POLL_MAX);
    }
}

/// A closed loop: `threads` clients each run one execution after another until `seconds`
/// pass or `executions_max` have started. Reports latency percentiles, executions and
/// transitions per second, and server CPU per execution and per state.
pub(crate) fn closed_loop(
    target: &Target,
    workload: &Workload,
    threads: usize,
    seconds: f64,
    executions_max: usize,
) -> anyhow::Result<Value> {
    let setup = Client::new(&target.endpoint);
    let (mode, machine, note) = pick_mode(&setup, workload)?;
    // Warm-up: connections, the server's caches, the first allocation of every buffer.
    for index in 0..threads.min(4) {
        run_one(&setup, mode, &machine, workload, index)?;
    }
    let next = AtomicUsize::new(0);
    let errors = Errors::default();
    let latencies = Mutex::new(Vec::new());
    let meter = Meter::start(target.pid)?;
    let deadline = meter.started + Duration::from_secs_f64(seconds);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let client = Client::new(&target.endpoint);
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= executions_max {
                        break;
                    }
                    let started = Instant::now();
                    match run_one(&client, mode, &machine, workload, index) {
                        Ok(()) => mine.push(started.elapsed().as_secs_f64()),
                        Err(error) => errors.add(&error),
                    }
                }
                latencies.lock().expect("no thread panics holding the latencies").extend(mine);
            });
        }
    });
    let wall = meter.started.elapsed().as_secs_f64();
    let latencies = latencies.into_inner().expect("no thread panicked");
    let mut report = meter.report(latencies.len(), wall)?;
    add_per_state(&mut report, workload.states);
    report["mode"] = json!(mode.name());
    report["note"] = note;
    report["threads"] = json!(threads);
    report["latency_ms"] = percentiles(latencies);
    report["errors"] = errors.report();
    Ok(report)
}

/// Adds transitions/s and server CPU per state to a phase's report.
fn add_per_state(report: &mut Value, states: usize) {
    let states = states as f64;
    report["transitions_per_s"] = json!(report["per_s"].as_f64().map(|rate| rate * states));
    report["server_cpu_us_per_state"] =
        json!(report["server_cpu_us_per_exec"].as_f64().map(|micros| micros / states));
}

/// p50, p90, p99 and max of `seconds`, in milliseconds.
fn percentiles(mut seconds: Vec<f64>) -> Value {
    if seconds.is_empty() {
        return Value::Null;
    }
    seconds.sort_by(f64::total_cmp);
    let at = |fraction: f64| {
        let index = ((seconds.len() - 1) as f64 * fraction).round() as usize;
        seconds[index] * 1000.0
    };
    json!({ "p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": at(1.0), "n": seconds.len() })
}

/// An open loop of Standard executions: `threads` clients start executions for `seconds` (at
/// most `executions_max`), then the phase waits until none is RUNNING. Throughput counts from
/// the first start to the moment the last one ended, so it includes the server's backlog.
pub(crate) fn standard_open_loop(
    target: &Target,
    workload: &Workload,
    threads: usize,
    seconds: f64,
    executions_max: usize,
) -> anyhow::Result<Value> {
    let setup = Client::new(&target.endpoint);
    let machine = create_machine(&setup, &workload.definition, "STANDARD")?;
    let errors = Errors::default();
    let meter = Meter::start(target.pid)?;
    let started = start_executions(
        target,
        &machine,
        workload.input,
        threads,
        seconds,
        executions_max,
        &errors,
    );
    let drained = wait_until_none_running(&setup, &machine, drain_limit(seconds));
    let wall = meter.started.elapsed().as_secs_f64();
    let succeeded = count_with_status(&setup, &machine, "SUCCEEDED")?;
    let mut report = meter.report(succeeded, wall)?;
    add_per_state(&mut report, workload.states);
    report["started"] = json!(started.len());
    report["drained"] = json!(drained.is_ok());
    if let Err(error) = drained {
        errors.add(&error);
    }
    // The outputs of a few executions, checked as the closed loop checks every one.
    for arn in started.iter().step_by((started.len() / 5).max(1)) {
        let described = setup.call("DescribeExecution", &json!({ "executionArn": arn }))?;
        let output = described["output"].as_str().unwrap_or("null");
        if let Err(error) = (workload.check)(&serde_json::from_str(output)?) {
            errors.add(&error);
        }
    }
    report["mode"] = json!("standard, open loop");
    report["threads"] = json!(threads);
    report["errors"] = errors.report();
    Ok(report)
}

/// How long a drain may take after the starts stopped: generous, for the slow peer.
fn drain_limit(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds * 10.0 + 60.0)
}

/// `threads` clients start executions of `machine` for `seconds` or up to `executions_max`;
/// returns the ARNs of those that started.
fn start_executions(
    target: &Target,
    machine: &str,
    input: fn(usize) -> Value,
    threads: usize,
    seconds: f64,
    executions_max: usize,
    errors: &Errors,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let arns = Mutex::new(Vec::new());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let client = Client::new(&target.endpoint);
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= executions_max {
                        break;
                    }
                    let request = start_request(machine, &input(index));
                    match client.call("StartExecution", &request) {
                        Ok(answer) => match answer["executionArn"].as_str() {
                            Some(arn) => mine.push(arn.to_owned()),
                            None => errors.add(&anyhow::anyhow!("no executionArn in {answer}")),
                        },
                        Err(error) => errors.add(&error),
                    }
                }
                arns.lock().expect("no thread panics holding the ARNs").extend(mine);
            });
        }
    });
    arns.into_inner().expect("no thread panicked")
}

/// Polls ListExecutions(RUNNING, one result) until it is empty or `limit` passes.
fn wait_until_none_running(client: &Client, machine: &str, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let page = client.call(
            "ListExecutions",
            &json!({ "stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1 }),
        )?;
        if page["executions"].as_array().is_none_or(Vec::is_empty) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("executions of {machine} still RUNNING after {limit:?}");
        }
        std::thread::sleep(DRAIN_POLL_INTERVAL);
    }
}

/// How many executions of `machine` have `status`, paging through ListExecutions.
pub(crate) fn count_with_status(
    client: &Client,
    machine: &str,
    status: &str,
) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({
            "stateMachineArn": machine, "statusFilter": status, "maxResults": LIST_PAGE_SIZE,
        });
        if let Some(token) = &token {
            request["nextToken"] = json!(token);
        }
        let page = client.call("ListExecutions", &request)?;
        count += page["executions"].as_array().map_or(0, Vec::len);
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => return Ok(count),
        }
    }
}

/// An activity and a STANDARD machine whose Task waits on it (W5 and W6 definitions).
pub(crate) struct Parked {
    pub(crate) activity: String,
    pub(crate) machine: String,
}

/// Creates an activity and a STANDARD machine from `definition` with `${ActivityArn}` filled in.
pub(crate) fn park_setup(client: &Client, definition: &str) -> anyhow::Result<Parked> {
    let answer =
        client.call("CreateActivity", &json!({ "name": unique_name("bench-activity") }))?;
    let activity = answer["activityArn"].as_str().context("no activityArn")?.to_owned();
    let definition = definition.replace("${ActivityArn}", &activity);
    let machine = create_machine(client, &definition, "STANDARD")?;
    Ok(Parked { activity, machine })
}

/// The input of a W5/W6 execution, as sfnbench makes it.
pub(crate) fn parked_input(index: usize) -> Value {
    json!({ "id": format!("e{index}"), "payload": "x".repeat(64) })
}

/// W5: `starters` clients start executions for `seconds` while `workers` clients take their
/// tasks (GetActivityTask) and answer them (SendTaskSuccess). Counts round trips from the first
/// start to the last answer; server CPU per round trip includes the start and the execution.
pub(crate) fn activity_round_trips(
    target: &Target,
    definition: &str,
    starters: usize,
    workers: usize,
    seconds: f64,
) -> anyhow::Result<Value> {
    let setup = Client::new(&target.endpoint);
    let parked = park_setup(&setup, definition)?;
    let errors = Errors::default();
    let worker_errors = Errors::default();
    let starting = AtomicBool::new(true);
    let started_count = AtomicUsize::new(0);
    let answered = AtomicUsize::new(0);
    let last_answer = Mutex::new(Instant::now());
    let meter = Meter::start(target.pid)?;
    let give_up = meter.started + Duration::from_secs_f64(seconds) + drain_limit(seconds);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let worker = Worker::new(&target.endpoint);
                let done = || {
                    !starting.load(Ordering::Acquire)
                        && answered.load(Ordering::Acquire) >= started_count.load(Ordering::Acquire)
                };
                while !done() && Instant::now() < give_up {
                    match take_and_answer(&worker, &parked.activity) {
                        Ok(true) => {
                            answered.fetch_add(1, Ordering::AcqRel);
                            *last_answer.lock().expect("no panic holding the time") =
                                Instant::now();
                        }
                        Ok(false) => {}
                        Err(error) => worker_errors.add(&error),
                    }
                }
            });
        }
        let arns = start_executions(
            target,
            &parked.machine,
            parked_input,
            starters,
            seconds,
            usize::MAX,
            &errors,
        );
        started_count.store(arns.len(), Ordering::Release);
        starting.store(false, Ordering::Release);
    });
    let answered = answered.load(Ordering::Acquire);
    let wall = last_answer.into_inner().expect("no thread panicked") - meter.started;
    let mut report = meter.report(answered, wall.as_secs_f64())?;
    report["started"] = json!(started_count.load(Ordering::Acquire));
    report["succeeded"] = json!(count_with_status(&setup, &parked.machine, "SUCCEEDED")?);
    report["starters"] = json!(starters);
    report["workers"] = json!(workers);
    report["errors"] = errors.report();
    // A worker's poll that outlives the phase times out; that is how workers stop, not a fault.
    report["worker_errors"] = worker_errors.report();
    Ok(report)
}

/// One worker step: take a task if one comes within the poll timeout and answer it. Returns
/// whether a task was answered.
fn take_and_answer(worker: &Worker, activity: &str) -> anyhow::Result<bool> {
    let request = json!({ "activityArn": activity, "workerName": "bench-serve" });
    let task = match worker.poller.call("GetActivityTask", &request) {
        Ok(task) => task,
        Err(error) if is_timeout(&error) => return Ok(false),
        Err(error) => return Err(error),
    };
    let Some(token) = task["taskToken"].as_str().filter(|token| !token.is_empty()) else {
        return Ok(false);
    };
    let input: Value = serde_json::from_str(task["input"].as_str().unwrap_or("{}"))?;
    let output = json!({ "worker": "bench-serve", "id": input["id"] }).to_string();
    worker.answerer.call("SendTaskSuccess", &json!({ "taskToken": token, "output": output }))?;
    Ok(true)
}

/// An activity worker's two connections: one for long polls, one for answers.
struct Worker {
    poller: Client,
    answerer: Client,
}

impl Worker {
    fn new(endpoint: &str) -> Worker {
        Worker { poller: Client::polling(endpoint), answerer: Client::new(endpoint) }
    }
}

/// Whether a request failed because its socket's timeout ran out (Linux reports a receive
/// timeout as `WouldBlock`).
fn is_timeout(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|error| {
            matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        })
    })
}

/// W6's first half: `threads` clients start `executions` Standard executions that park on an
/// activity nobody polls. Returns the setup and the phase report.
pub(crate) fn park(
    target: &Target,
    definition: &str,
    threads: usize,
    executions: usize,
) -> anyhow::Result<(Parked, Value)> {
    let setup = Client::new(&target.endpoint);
    let parked = park_setup(&setup, definition)?;
    let errors = Errors::default();
    let meter = Meter::start(target.pid)?;
    let forever = f64::from(u32::MAX);
    let arns = start_executions(
        target,
        &parked.machine,
        parked_input,
        threads,
        forever,
        executions,
        &errors,
    );
    let mut report = meter.report(arns.len(), meter.started.elapsed().as_secs_f64())?;
    report["errors"] = errors.report();
    Ok((parked, report))
}

/// W6's second half: `workers` clients answer every parked task until `expected` executions
/// have succeeded or the time limit passes.
pub(crate) fn drain(
    target: &Target,
    parked: &Parked,
    workers: usize,
    expected: usize,
) -> anyhow::Result<Value> {
    let errors = Errors::default();
    let answered = AtomicUsize::new(0);
    let meter = Meter::start(target.pid)?;
    let give_up = meter.started + drain_limit(expected as f64 / 1000.0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let worker = Worker::new(&target.endpoint);
                while answered.load(Ordering::Acquire) < expected && Instant::now() < give_up {
                    match take_and_answer(&worker, &parked.activity) {
                        Ok(true) => {
                            answered.fetch_add(1, Ordering::AcqRel);
                        }
                        Ok(false) => {}
                        Err(error) => errors.add(&error),
                    }
                }
            });
        }
    });
    let answered = answered.load(Ordering::Acquire);
    let mut report = meter.report(answered, meter.started.elapsed().as_secs_f64())?;
    let setup = Client::new(&target.endpoint);
    report["succeeded"] = json!(count_with_status(&setup, &parked.machine, "SUCCEEDED")?);
    report["errors"] = errors.report();
    Ok(report)
}
