//! Crash safety of `baton serve` (issue 4): hundreds of Standard executions that mix Wait
//! states, a retry backoff, activity tasks and `.waitForTaskToken` callbacks run while the server
//! process is killed with SIGKILL at random moments and started again on the same data
//! directory. One in ten is stopped as soon as it has started and redriven (RedriveExecution)
//! while the kills go on. In the end every execution must have succeeded with a complete
//! history: event ids 1..n without a gap or a repeat, and each state entered exactly once (no
//! duplicated transition), except the one a redrive entered again.
//!
//! The test talks to the server over plain HTTP/1.1 with a few lines of its own (one request per
//! connection), so that it needs no client library; the official clients are tested elsewhere.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// Executions started at the beginning.
const EXECUTIONS: usize = 200;
/// How often the server is killed and started again.
const KILLS: usize = 4;
/// The longest the whole run may take once the last restart is done.
const FINISH_WITHIN: Duration = Duration::from_secs(180);

/// The states every execution enters, in order.
const STATES: [&str; 5] = ["Begin", "Nap", "Work", "Ask", "Done"];
/// Every this many executions, one is stopped as soon as it started, then redriven.
const STOPPED_EVERY: usize = 10;

fn definition(activity_arn: &str) -> String {
    json!({"StartAt": "Begin", "States": {
        "Begin": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Work"},
        // A task handed out just before a kill may never reach the worker: as on AWS, its
        // heartbeat times out and the retry schedules it again.
        "Work": {"Type": "Task", "Resource": activity_arn, "TimeoutSeconds": 600,
                 "HeartbeatSeconds": 3,
                 "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3},
                           {"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 10}],
                 "ResultPath": "$.work", "Next": "Ask"},
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "Notify",
                               "Payload": {"token.$": "$$.Task.Token", "n.$": "$.n"}},
                "TimeoutSeconds": 600, "ResultPath": "$.answer", "Next": "Done"},
        "Done": {"Type": "Succeed"}}})
    .to_string()
}

/// A running `baton serve`, killed with SIGKILL when dropped.
struct Server {
    child: Child,
}

/// Where the server's standard error goes: one file for every run of the server, beside the
/// data directory, so that a failing call can show what the server said before it died.
fn server_log_path(data: &Path) -> std::path::PathBuf {
    data.with_file_name("server.log")
}

/// What the server wrote to its standard error over the whole test, for a failure message.
fn server_log(data: &Path) -> String {
    let text = std::fs::read_to_string(server_log_path(data)).unwrap_or_default();
    format!("--- baton serve's standard error (all runs) ---\n{text}--- end ---")
}

impl Server {
    fn start(data: &Path, port: u16) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(server_log_path(data))
            .expect("the server's log file");
        let child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .args(["--lambda", "Notify=cat >/dev/null; echo '{}'"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("baton serve starts");
        let server = Server { child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "baton serve did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn kill(mut self) {
        // `Child::kill` sends SIGKILL on Unix: no shutdown code runs.
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed server is reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why a call did not succeed.
#[derive(Debug)]
enum Failed {
    /// The server is down or died while answering: the call may be tried again.
    Unreachable(String),
    /// The server answered with this error `__type`.
    Api(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Unreachable(why) => write!(formatter, "server unreachable: {why}"),
            Failed::Api(kind) => write!(formatter, "the server answered {kind}"),
        }
    }
}

/// One API call.
fn call(port: u16, action: &str, body: &Value) -> Result<Value, Failed> {
    let unreachable = |error: std::io::Error| Failed::Unreachable(error.to_string());
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(unreachable)?;
    stream.set_read_timeout(Some(Duration::from_secs(90))).map_err(unreachable)?;
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSStepFunctions.{action}\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(unreachable)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(unreachable)?;
    let text = String::from_utf8_lossy(&response);
    let Some((head, payload)) = text.split_once("\r\n\r\n") else {
        return Err(Failed::Unreachable(format!("no HTTP response to {action}")));
    };
    let value: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    if head.starts_with("HTTP/1.1 200") {
        return Ok(value);
    }
    Err(Failed::Api(value["__type"].as_str().unwrap_or(head).to_owned()))
}

/// A small deterministic generator for the kill moments (seeded from the clock, printed).
struct Random(u64);

impl Random {
    fn next_millis(&mut self, low: u64, high: u64) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        low + (self.0 >> 33) % (high - low)
    }
}

/// The activity worker, on its own thread until `stop` is set: each execution's first attempt
/// fails with `Flaky` (so the retry backoff runs), later ones succeed. GetActivityTask waits
/// up to a minute for a task, so it must not hold up the callbacks; while the server is down,
/// calls fail and the worker tries again.
fn activity_worker(port: u16, activity_arn: String, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut attempted: HashSet<String> = HashSet::new();
        while !stop.load(Ordering::SeqCst) {
            let poll = json!({"activityArn": activity_arn, "workerName": "crash-test"});
            let Ok(task) = call(port, "GetActivityTask", &poll) else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            let Some(token) = task["taskToken"].as_str() else { continue };
            let input: Value =
                serde_json::from_str(task["input"].as_str().unwrap_or("{}")).unwrap_or(Value::Null);
            let answer = if attempted.insert(input["n"].to_string()) {
                (
                    "SendTaskFailure",
                    json!({"taskToken": token, "error": "Flaky", "cause": "first try"}),
                )
            } else {
                ("SendTaskSuccess", json!({"taskToken": token, "output": "{\"worked\":true}"}))
            };
            // A worker whose answer got no reply (the server died) sends it again, as AWS
            // workers do, until the server takes it or says the task is gone.
            while !stop.load(Ordering::SeqCst) {
                match call(port, answer.0, &answer.1) {
                    Err(Failed::Unreachable(_)) => std::thread::sleep(Duration::from_millis(50)),
                    Ok(_) | Err(Failed::Api(_)) => break,
                }
            }
        }
    })
}

/// Answers callbacks and redrives stopped executions until `until`.
fn work(port: u16, machine_arn: &str, until: Instant) {
    while Instant::now() < until {
        answer_callbacks(port, machine_arn);
        redrive_stopped(port, machine_arn);
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends RedriveExecution for every aborted execution. A redrive whose answer was lost to a
/// kill is durable or not at all: the execution is then running, or still aborted and
/// redriven at the next look.
fn redrive_stopped(port: u16, machine_arn: &str) {
    let Ok(listed) = call(
        port,
        "ListExecutions",
        &json!({"stateMachineArn": machine_arn, "statusFilter": "ABORTED", "maxResults": 1000}),
    ) else {
        return;
    };
    for execution in listed["executions"].as_array().into_iter().flatten() {
        if let Some(arn) = execution["executionArn"].as_str() {
            let _ = call(port, "RedriveExecution", &json!({"executionArn": arn}));
        }
    }
}

/// Sends SendTaskSuccess for every callback a running execution waits for.
fn answer_callbacks(port: u16, machine_arn: &str) {
    let Ok(listed) = call(
        port,
        "ListExecutions",
        &json!({"stateMachineArn": machine_arn, "statusFilter": "RUNNING", "maxResults": 1000}),
    ) else {
        return;
    };
    for execution in listed["executions"].as_array().into_iter().flatten() {
        let Some(arn) = execution["executionArn"].as_str() else { continue };
        let Ok(history) = call(
            port,
            "GetExecutionHistory",
            &json!({"executionArn": arn, "reverseOrder": true, "maxResults": 5}),
        ) else {
            continue;
        };
        let scheduled = history["events"].as_array().into_iter().flatten().find_map(|event| {
            let details = &event["taskScheduledEventDetails"];
            let parameters: Value = serde_json::from_str(details["parameters"].as_str()?).ok()?;
            parameters["Payload"]["token"].as_str().map(str::to_owned)
        });
        if let Some(token) = scheduled {
            let _ = call(
                port,
                "SendTaskSuccess",
                &json!({"taskToken": token, "output": "{\"approved\":true}"}),
            );
        }
    }
}

/// Checks one finished execution's history: ids 1..n, each state entered once, in order; a
/// `redriven` one was aborted once and redriven once, and entered the state it stopped in
/// once more, right after the redrive.
fn check_history(port: u16, arn: &str, redriven: bool) -> Result<(), String> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({"executionArn": arn, "maxResults": 1000});
        if let Some(token) = &token {
            request["nextToken"] = json!(token);
        }
        let page = call(port, "GetExecutionHistory", &request)
            .map_err(|failed| format!("{arn}: GetExecutionHistory: {failed}"))?;
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    let ids: Vec<u64> = events.iter().filter_map(|event| event["id"].as_u64()).collect();
    let expected_ids: Vec<u64> = (1..=ids.len() as u64).collect();
    if ids != expected_ids {
        return Err(format!("{arn}: event ids {ids:?}"));
    }
    let types: Vec<&str> = events.iter().filter_map(|event| event["type"].as_str()).collect();
    let count = |kind: &str| types.iter().filter(|other| **other == kind).count();
    let expected_count = usize::from(redriven);
    if (count("ExecutionAborted"), count("ExecutionRedriven")) != (expected_count, expected_count) {
        return Err(format!("{arn}: events {types:?}"));
    }
    let mut entered: Vec<&str> = Vec::new();
    for event in &events {
        match event["type"].as_str() {
            // The state the execution stopped in is entered again after the redrive.
            Some("ExecutionRedriven") => {
                entered.pop();
            }
            Some(kind) if kind.ends_with("StateEntered") => {
                entered.extend(event["stateEnteredEventDetails"]["name"].as_str());
            }
            _ => {}
        }
    }
    if entered != STATES {
        return Err(format!("{arn}: states entered {entered:?} (events {types:?})"));
    }
    let last = events.last().and_then(|event| event["type"].as_str()).unwrap_or_default();
    if last != "ExecutionSucceeded" {
        return Err(format!("{arn}: last event {last}"));
    }
    Ok(())
}

#[test]
fn executions_survive_sigkill_at_random_moments() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let data = scratch.path().join("data");
    let port = TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("addr").port();
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64);
    println!("crash test seed {seed}");
    let mut random = Random(seed);

    let mut server = Server::start(&data, port);
    let activity =
        call(port, "CreateActivity", &json!({"name": "CrashWork"})).expect("CreateActivity");
    let activity_arn = activity["activityArn"].as_str().expect("an ARN").to_owned();
    let machine = call(
        port,
        "CreateStateMachine",
        &json!({"name": "Crashy", "definition": definition(&activity_arn),
                "roleArn": "arn:aws:iam::123456789012:role/baton"}),
    )
    .expect("CreateStateMachine");
    let machine_arn = machine["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let worker = activity_worker(port, activity_arn.clone(), Arc::clone(&stop));
    let mut started = Vec::new();
    let mut next = 0;
    for kill in 0..KILLS {
        // Start a share of the executions, work a little, then kill at a random moment.
        let share = EXECUTIONS / KILLS;
        while next < share * (kill + 1) {
            let request = json!({"stateMachineArn": machine_arn, "name": format!("e{next}"), "input": json!({"n": next}).to_string()});
            let arn = match call(port, "StartExecution", &request) {
                Ok(answer) => answer["executionArn"].as_str().expect("an ARN").to_owned(),
                Err(error) => panic!("StartExecution e{next}: {error}\n{}", server_log(&data)),
            };
            if next % STOPPED_EVERY == 0 {
                let stop = json!({"executionArn": arn, "error": "Operator"});
                if let Err(error) = call(port, "StopExecution", &stop) {
                    panic!("StopExecution e{next}: {error}\n{}", server_log(&data));
                }
            }
            started.push(arn);
            next += 1;
        }
        let until = Instant::now() + Duration::from_millis(random.next_millis(300, 2_500));
        work(port, &machine_arn, until);
        server.kill();
        println!("killed the server ({} of {KILLS})", kill + 1);
        server = Server::start(&data, port);
    }
    // After the last restart: work until every execution has ended and none waits for its
    // redrive.
    let deadline = Instant::now() + FINISH_WITHIN;
    loop {
        work(port, &machine_arn, Instant::now() + Duration::from_millis(500));
        let left: usize = ["RUNNING", "ABORTED"]
            .into_iter()
            .map(|status| {
                let request = json!({"stateMachineArn": machine_arn, "statusFilter": status,
                                     "maxResults": 1000});
                let listed = call(port, "ListExecutions", &request).expect("ListExecutions");
                listed["executions"].as_array().map_or(0, Vec::len)
            })
            .sum();
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} executions still running\n{}",
            server_log(&data)
        );
    }
    stop.store(true, Ordering::SeqCst);
    assert_eq!(started.len(), EXECUTIONS);
    let mut problems = Vec::new();
    for (index, arn) in started.iter().enumerate() {
        let described = call(port, "DescribeExecution", &json!({"executionArn": arn}))
            .expect("DescribeExecution");
        if described["status"] != "SUCCEEDED" {
            problems.push(format!("{arn}: {}", described["status"]));
            continue;
        }
        let redriven = index % STOPPED_EVERY == 0;
        if described["redriveCount"] != usize::from(redriven) {
            problems.push(format!("{arn}: redriveCount {}", described["redriveCount"]));
        }
        if let Err(problem) = check_history(port, arn, redriven) {
            problems.push(problem);
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {EXECUTIONS} executions are wrong (seed {seed}):\n{}\n{}",
        problems.len(),
        problems.join("\n"),
        server_log(&data)
    );
    // The worker's last long poll ends with the server.
    drop(server);
    worker.join().expect("the worker thread");
}
