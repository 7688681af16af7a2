//! `baton run` end to end: the real binary on the definitions in `tests/run_data`, checking
//! standard output, standard error and the exit status.

use std::path::PathBuf;
use std::process::Command;

/// Runs `baton run ARGS` in `tests/run_data` and compares the exit status and both streams.
/// Execution names are random, so `<name>` stands for the one uuid in standard error.
fn check(args: &[&str], expect_code: i32, expect_stdout: &str, expect_stderr: &str) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("run_data");
    let output = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("run")
        .args(args)
        .current_dir(&data)
        .output()
        .expect("the baton binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = match stderr.split_once("RequestId: ") {
        Some((before, after)) => {
            format!("{before}RequestId: <id>{}", after.get(36..).unwrap_or(""))
        }
        None => stderr.into_owned(),
    };
    assert_eq!(
        (output.status.code(), stdout.as_ref(), stderr.as_str()),
        (Some(expect_code), expect_stdout, expect_stderr),
        "baton run {args:?}"
    );
}

#[test]
fn pass_states() {
    check(
        &["hello.asl.json", "--input", r#"{"name": "Ada"}"#],
        0,
        "{\"greeting\":\"Hello, Ada!\",\"status\":\"done\"}\n",
        "",
    );
}

#[test]
fn mock_config_test_cases() {
    let mock = ["orders.asl.json", "--mock-config", "MockConfigFile.json", "--test-case"];
    check(&[&mock[..], &["HappyPath"]].concat(), 0, "{\"charged\":true}\n", "");
    check(
        &[&mock[..], &["Declined"]].concat(),
        1,
        "",
        "baton run: the execution ended FAILED\n  error: OrderDeclined\n  cause: The card was declined.\n",
    );
    check(
        &[&mock[..], &["Nope"]].concat(),
        2,
        "",
        "baton run: MockConfigFile.json: state machine 'orders' has no test case named 'Nope' in \
         the mock configuration (it has: Declined, HappyPath, ThrottledThenCharged)\n",
    );
}

#[test]
fn lambda_commands() {
    // `sed` rather than a scripting language, so that the test needs nothing beyond POSIX.
    let greet = r#"Greet=sed 's/.*"name":"\([^"]*\)".*/{"hello": "\1"}/'"#;
    check(
        &["greet.asl.json", "--input", r#"{"name": "Ada"}"#, "--lambda", greet],
        0,
        "{\"greeting\":{\"hello\":\"Ada\"},\"status\":200}\n",
        "",
    );
    check(
        &["greet.asl.json", "--lambda", "Greet=exit 4"],
        1,
        "",
        "baton run: the execution ended FAILED\n  error: Lambda.Unknown\n  cause: \
         {\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: <id> Error: Runtime \
         exited with error: exit status 4\"}\n",
    );
    check(
        &["greet.asl.json"],
        1,
        "",
        "baton run: the execution ended FAILED\n  error: Baton.UnsupportedResource\n  cause: No \
         task runner handles Lambda function 'Greet' (resource 'arn:aws:states:::lambda:invoke') \
         of Task state 'Greet': it has no mocked response in the test case, no in-process \
         handler and no local command.\n  hint: answer such Task states with a --mock-config \
         test case, or with --lambda NAME=COMMAND for Lambda functions\n",
    );
}

#[test]
fn unrunnable() {
    check(
        &["broken.asl.yaml"],
        2,
        "",
        "baton run: broken.asl.yaml is not a valid definition:\nbroken.asl.yaml: error: \
         MISSING_TRANSITION_TARGET: Missing 'Next' target: Missing at /StartAt\n",
    );
    check(
        &["hello.asl.json", "--input", "{"],
        2,
        "",
        "baton run: the execution input is not valid JSON: EOF while parsing an object at line 1 \
         column 1\n",
    );
    check(
        &["missing.json"],
        2,
        "",
        "baton run: cannot read missing.json: No such file or directory (os error 2)\n",
    );
}

#[test]
fn history_and_json_format() {
    let output = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "run",
            "hello.asl.json",
            "--input",
            r#"{"name": "Bo"}"#,
            "--history",
            "--format",
            "json",
        ])
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("run_data"))
        .output()
        .expect("the baton binary runs");
    assert_eq!(output.status.code(), Some(0));
    let response: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("standard output is one JSON document");
    assert_eq!(response["status"], "SUCCEEDED");
    assert_eq!(response["output"], r#"{"greeting":"Hello, Bo!","status":"done"}"#);
    let types: Vec<&str> = response["events"]
        .as_array()
        .map(|events| events.iter().filter_map(|event| event["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
}
