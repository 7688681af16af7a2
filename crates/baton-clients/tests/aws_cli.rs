//! The AWS CLI (`awscli` from PyPI) against `baton serve` on a real socket: the commands a user
//! types against AWS work with `--endpoint-url`. It needs `aws` on the PATH; `.ci/run` installs
//! it in a virtual environment.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use baton_api::Options;
use baton_integrations::Handlers;

const DEFINITION: &str = r#"{"StartAt": "Hello", "States": {
    "Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hello {}', $.name)"},
              "End": true}}}"#;

/// Runs `aws stepfunctions <arguments>` against `endpoint` and returns its JSON answer.
async fn aws(endpoint: &str, arguments: &[&str]) -> Value {
    let output = tokio::process::Command::new("aws")
        .arg("stepfunctions")
        .args(arguments)
        .args(["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "baton")
        .env("AWS_SECRET_ACCESS_KEY", "baton")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .await
        .expect("the AWS CLI runs (`pip install awscli`; .ci/run installs it)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "aws stepfunctions {arguments:?} failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_lifecycle() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    let service = Options::local().build(Arc::new(Handlers::new()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(service.run(listener, async move {
        let _ = stopped.await;
    }));

    let role = "arn:aws:iam::123456789012:role/baton";
    let created = aws(
        &endpoint,
        &[
            "create-state-machine",
            "--name",
            "CliHello",
            "--definition",
            DEFINITION,
            "--role-arn",
            role,
        ],
    )
    .await;
    let machine_arn = created["stateMachineArn"].as_str().expect("an ARN").to_owned();
    let listed = aws(&endpoint, &["list-state-machines"]).await;
    assert_eq!(listed["stateMachines"][0]["name"], "CliHello");

    let started = aws(
        &endpoint,
        &["start-execution", "--state-machine-arn", &machine_arn, "--input", r#"{"name": "cli"}"#],
    )
    .await;
    let execution_arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let described = loop {
        let described =
            aws(&endpoint, &["describe-execution", "--execution-arn", &execution_arn]).await;
        if described["status"] != "RUNNING" {
            break described;
        }
        assert!(tokio::time::Instant::now() < deadline, "the execution did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(described["status"], "SUCCEEDED");
    let output: Value =
        serde_json::from_str(described["output"].as_str().expect("an output")).expect("JSON");
    assert_eq!(output, json!({"greeting": "hello cli"}));

    let history =
        aws(&endpoint, &["get-execution-history", "--execution-arn", &execution_arn]).await;
    let types: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    );

    aws(&endpoint, &["delete-state-machine", "--state-machine-arn", &machine_arn]).await;
    let listed = aws(&endpoint, &["list-state-machines"]).await;
    assert_eq!(listed["stateMachines"], json!([]));

    stop.send(()).expect("the server listens");
    server.await.expect("the server task").expect("a clean shutdown");
}
