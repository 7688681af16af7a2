//! The official AWS SDK for Rust (`aws-sdk-sfn`) against `baton serve` on a real socket: a Rust
//! user's code runs unchanged but for the endpoint URL.

use std::sync::Arc;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, StateMachineType};
use serde_json::{Value, json};

use baton_api::Options;
use baton_integrations::Handlers;

const DEFINITION: &str = r#"{"StartAt": "Greet", "States": {
    "Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hello {}', $.name)"},
              "Next": "Nap"},
    "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
    "Done": {"Type": "Succeed"}}}"#;

const LONG_WAIT: &str = r#"{"StartAt": "Long", "States": {
    "Long": {"Type": "Wait", "Seconds": 3600, "End": true}}}"#;

const ROLE: &str = "arn:aws:iam::123456789012:role/baton";

/// A client for `endpoint` with dummy credentials, as a user configures it for Baton.
fn client(endpoint: &str) -> Client {
    let http_client = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("baton", "baton", None, None, "test"))
        .http_client(http_client)
        // StartSyncExecution and TestState would go to `sync-127.0.0.1` (boto3 users set
        // `inject_host_prefix=False` for the same reason).
        .interceptor(baton_sdk::client::NoHostPrefix)
        .build();
    Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_lifecycle() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    // `Notify` plays the function a `.waitForTaskToken` task sends its token to.
    let mut handlers = Handlers::new();
    handlers.register("Notify", |_input| async { Ok(json!({ "sent": true })) });
    let service = Options::local().build(Arc::new(handlers));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(service.run(listener, async move {
        let _ = stopped.await;
    }));
    let sfn = client(&endpoint);
    let machine_arn = state_machines(&sfn).await;
    executions(&sfn, &machine_arn).await;
    activity_worker(&sfn).await;
    task_token(&sfn).await;
    versions_and_test_state(&sfn).await;
    stop_list_and_delete(&sfn, &machine_arn).await;
    stop.send(()).expect("the server listens");
    server.await.expect("the server task").expect("a clean shutdown");
}

/// A version published with the machine, an alias routing to it, an execution on the alias,
/// StartSyncExecution and TestState: the SDK's models read every answer (required fields,
/// enums, timestamps).
async fn versions_and_test_state(sfn: &Client) {
    let created = sfn
        .create_state_machine()
        .name("Versioned")
        .definition(DEFINITION)
        .role_arn(ROLE)
        .publish(true)
        .send()
        .await
        .expect("CreateStateMachine with publish");
    let version = created.state_machine_version_arn().expect("a version ARN").to_owned();
    assert_eq!(version, format!("{}:1", created.state_machine_arn()));
    let route = aws_sdk_sfn::types::RoutingConfigurationListItem::builder()
        .state_machine_version_arn(&version)
        .weight(100)
        .build()
        .expect("a route");
    let alias = sfn
        .create_state_machine_alias()
        .name("live")
        .routing_configuration(route)
        .send()
        .await
        .expect("CreateStateMachineAlias");
    let listed = sfn
        .list_state_machine_aliases()
        .state_machine_arn(created.state_machine_arn())
        .send()
        .await
        .expect("ListStateMachineAliases");
    assert_eq!(listed.state_machine_aliases().len(), 1);
    let started = sfn
        .start_execution()
        .state_machine_arn(alias.state_machine_alias_arn())
        .input(r#"{"name": "alias"}"#)
        .send()
        .await
        .expect("StartExecution on an alias");
    let described = wait_until_done(sfn, started.execution_arn()).await;
    assert_eq!(described.status(), &ExecutionStatus::Succeeded);
    assert_eq!(described.state_machine_version_arn(), Some(version.as_str()));
    assert_eq!(described.state_machine_alias_arn(), Some(alias.state_machine_alias_arn()));

    let express = sfn
        .create_state_machine()
        .name("Quick")
        .definition(r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .expect("CreateStateMachine EXPRESS");
    let synced = sfn
        .start_sync_execution()
        .state_machine_arn(express.state_machine_arn())
        .input(r#"{"fast": true}"#)
        .send()
        .await
        .expect("StartSyncExecution");
    assert_eq!(synced.status(), &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded);
    assert_eq!(synced.output(), Some(r#"{"fast":true}"#));

    let tested = sfn
        .test_state()
        .definition(
            r#"{"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": true}"#,
        )
        .role_arn(ROLE)
        .input(r#"{"a": 2, "b": 3}"#)
        .inspection_level(aws_sdk_sfn::types::InspectionLevel::Debug)
        .send()
        .await
        .expect("TestState");
    assert_eq!(tested.status(), Some(&aws_sdk_sfn::types::TestExecutionStatus::Succeeded));
    let output: Value = serde_json::from_str(tested.output().expect("an output")).expect("JSON");
    assert_eq!(output, json!({"sum": 5}));
    let inspected = tested.inspection_data().and_then(|data| data.after_parameters());
    assert_eq!(inspected.map(|text| serde_json::from_str::<Value>(text).ok()), Some(Some(output)));
}

/// Create, describe, list, and an invalid definition refused; returns the machine's ARN.
async fn state_machines(sfn: &Client) -> String {
    let created = sfn
        .create_state_machine()
        .name("Greeter")
        .definition(DEFINITION)
        .role_arn(ROLE)
        .r#type(StateMachineType::Standard)
        .send()
        .await
        .expect("CreateStateMachine");
    let machine_arn = created.state_machine_arn().to_owned();
    assert_eq!(machine_arn, "arn:aws:states:us-east-1:123456789012:stateMachine:Greeter");

    let described = sfn
        .describe_state_machine()
        .state_machine_arn(&machine_arn)
        .send()
        .await
        .expect("DescribeStateMachine");
    assert_eq!(described.name(), "Greeter");
    assert_eq!(described.definition(), DEFINITION);

    let listed = sfn.list_state_machines().send().await.expect("ListStateMachines");
    assert!(listed.state_machines().iter().any(|machine| machine.name() == "Greeter"));

    // An invalid definition is refused with the AWS error the SDK knows.
    let invalid = sfn
        .create_state_machine()
        .name("Broken")
        .definition(r#"{"StartAt": "Nowhere", "States": {}}"#)
        .role_arn(ROLE)
        .send()
        .await
        .expect_err("an invalid definition is refused");
    assert!(
        invalid.as_service_error().is_some_and(|error| error.is_invalid_definition()),
        "{invalid:?}"
    );
    machine_arn
}

/// An execution to its end, its history both ways, and a name used twice.
async fn executions(sfn: &Client, machine_arn: &str) {
    let started = sfn
        .start_execution()
        .state_machine_arn(machine_arn)
        .name("first")
        .input(r#"{"name": "baton"}"#)
        .send()
        .await
        .expect("StartExecution");
    let execution_arn = started.execution_arn().to_owned();
    let finished = wait_until_done(sfn, &execution_arn).await;
    assert_eq!(finished.status(), &ExecutionStatus::Succeeded);
    let output: Value =
        serde_json::from_str(finished.output().unwrap_or_default()).expect("JSON output");
    assert_eq!(output, json!({"greeting": "hello baton"}));

    let history = sfn
        .get_execution_history()
        .execution_arn(&execution_arn)
        .send()
        .await
        .expect("GetExecutionHistory");
    let types: Vec<&HistoryEventType> =
        history.events().iter().map(|event| event.r#type()).collect();
    assert_eq!(
        types,
        [
            &HistoryEventType::ExecutionStarted,
            &HistoryEventType::PassStateEntered,
            &HistoryEventType::PassStateExited,
            &HistoryEventType::WaitStateEntered,
            &HistoryEventType::WaitStateExited,
            &HistoryEventType::SucceedStateEntered,
            &HistoryEventType::SucceedStateExited,
            &HistoryEventType::ExecutionSucceeded,
        ]
    );
    let reversed = sfn
        .get_execution_history()
        .execution_arn(&execution_arn)
        .reverse_order(true)
        .max_results(1)
        .send()
        .await
        .expect("GetExecutionHistory in reverse");
    assert_eq!(reversed.events().len(), 1);
    assert_eq!(reversed.events()[0].r#type(), &HistoryEventType::ExecutionSucceeded);
    assert!(reversed.next_token().is_some(), "more pages follow");

    // The same name again is refused while the first execution's input differs.
    let again = sfn
        .start_execution()
        .state_machine_arn(machine_arn)
        .name("first")
        .input(r#"{"name": "other"}"#)
        .send()
        .await
        .expect_err("a second execution of that name");
    assert!(
        again.as_service_error().is_some_and(|error| error.is_execution_already_exists()),
        "{again:?}"
    );
}

/// StopExecution on a long wait, ListExecutions, and deletion.
async fn stop_list_and_delete(sfn: &Client, machine_arn: &str) {
    // StopExecution ends a long wait as ABORTED.
    let waiting = sfn
        .create_state_machine()
        .name("Sleeper")
        .definition(LONG_WAIT)
        .role_arn(ROLE)
        .send()
        .await
        .expect("CreateStateMachine");
    let sleeping = sfn
        .start_execution()
        .state_machine_arn(waiting.state_machine_arn())
        .send()
        .await
        .expect("StartExecution");
    sfn.stop_execution()
        .execution_arn(sleeping.execution_arn())
        .error("Operator")
        .cause("not needed")
        .send()
        .await
        .expect("StopExecution");
    let stopped_execution = wait_until_done(sfn, sleeping.execution_arn()).await;
    assert_eq!(stopped_execution.status(), &ExecutionStatus::Aborted);

    // RedriveExecution runs the aborted wait again; a second redrive while it runs is refused.
    let redriven = sfn
        .redrive_execution()
        .execution_arn(sleeping.execution_arn())
        .send()
        .await
        .expect("RedriveExecution");
    let described = sfn
        .describe_execution()
        .execution_arn(sleeping.execution_arn())
        .send()
        .await
        .expect("DescribeExecution");
    assert_eq!(described.status(), &ExecutionStatus::Running);
    assert_eq!(described.redrive_count(), Some(1));
    assert_eq!(described.redrive_date(), Some(redriven.redrive_date()));
    let refused = sfn
        .redrive_execution()
        .execution_arn(sleeping.execution_arn())
        .send()
        .await
        .expect_err("a running execution is not redriven");
    assert!(
        refused.as_service_error().is_some_and(|error| error.is_execution_not_redrivable()),
        "{refused:?}"
    );
    sfn.stop_execution()
        .execution_arn(sleeping.execution_arn())
        .send()
        .await
        .expect("StopExecution");
    wait_until_done(sfn, sleeping.execution_arn()).await;

    let executions =
        sfn.list_executions().state_machine_arn(machine_arn).send().await.expect("ListExecutions");
    assert_eq!(executions.executions().len(), 1);

    for arn in [machine_arn, waiting.state_machine_arn()] {
        sfn.delete_state_machine().state_machine_arn(arn).send().await.expect("delete");
    }
    let gone = sfn
        .describe_state_machine()
        .state_machine_arn(machine_arn)
        .send()
        .await
        .expect_err("a deleted machine");
    assert!(
        gone.as_service_error().is_some_and(|error| error.is_state_machine_does_not_exist()),
        "{gone:?}"
    );
}

/// A worker takes activity tasks with GetActivityTask and answers them: one succeeds, one
/// fails into a Catch.
async fn activity_worker(sfn: &Client) {
    let activity = sfn.create_activity().name("Review").send().await.expect("CreateActivity");
    let activity_arn = activity.activity_arn().to_owned();
    let definition = json!({"StartAt": "First", "States": {
        "First": {"Type": "Task", "Resource": activity_arn, "Next": "Second"},
        "Second": {"Type": "Task", "Resource": activity_arn,
                   "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.why", "Next": "Caught"}],
                   "End": true},
        "Caught": {"Type": "Pass", "End": true}}});
    let machine = sfn
        .create_state_machine()
        .name("Reviewed")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("CreateStateMachine");
    let started = sfn
        .start_execution()
        .state_machine_arn(machine.state_machine_arn())
        .input(r#"{"doc": 1}"#)
        .send()
        .await
        .expect("StartExecution");
    for answer in ["approve", "reject"] {
        let task = sfn
            .get_activity_task()
            .activity_arn(&activity_arn)
            .worker_name("rust-worker")
            .send()
            .await
            .expect("GetActivityTask");
        let token = task.task_token().expect("a task arrives").to_owned();
        if answer == "approve" {
            let input: Value =
                serde_json::from_str(task.input().unwrap_or_default()).expect("JSON");
            let output = json!({"doc": input["doc"], "approved": true});
            sfn.send_task_success()
                .task_token(&token)
                .output(output.to_string())
                .send()
                .await
                .expect("SendTaskSuccess");
        } else {
            sfn.send_task_failure()
                .task_token(&token)
                .error("Rejected")
                .cause("not good enough")
                .send()
                .await
                .expect("SendTaskFailure");
        }
        // The token is spent: a second answer is refused.
        let late = sfn
            .send_task_success()
            .task_token(&token)
            .output("{}")
            .send()
            .await
            .expect_err("a spent token");
        assert!(late.as_service_error().is_some_and(|e| e.is_task_timed_out()), "{late:?}");
    }
    let finished = wait_until_done(sfn, started.execution_arn()).await;
    assert_eq!(finished.status(), &ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(finished.output().unwrap_or_default()).expect("JSON");
    assert_eq!(output["why"]["Error"], "Rejected");
    let history = sfn
        .get_execution_history()
        .execution_arn(started.execution_arn())
        .send()
        .await
        .expect("GetExecutionHistory");
    let worker = history.events().iter().find_map(|event| {
        event.activity_started_event_details().and_then(|details| details.worker_name())
    });
    assert_eq!(worker, Some("rust-worker"));
    let bogus = sfn
        .send_task_heartbeat()
        .task_token("not-a-token")
        .send()
        .await
        .expect_err("an unknown token");
    assert!(bogus.as_service_error().is_some_and(|e| e.is_invalid_token()), "{bogus:?}");
}

/// A `.waitForTaskToken` task waits until SendTaskSuccess with the token it sent out.
async fn task_token(sfn: &Client) {
    let definition = json!({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "Notify", "Payload": {"token.$": "$$.Task.Token"}},
        "End": true}}});
    let machine = sfn
        .create_state_machine()
        .name("Approval")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("CreateStateMachine");
    let started = sfn
        .start_execution()
        .state_machine_arn(machine.state_machine_arn())
        .send()
        .await
        .expect("StartExecution");
    let token = scheduled_token(sfn, started.execution_arn()).await;
    sfn.send_task_success()
        .task_token(token)
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .expect("SendTaskSuccess");
    let finished = wait_until_done(sfn, started.execution_arn()).await;
    assert_eq!(finished.status(), &ExecutionStatus::Succeeded);
    assert_eq!(finished.output(), Some(r#"{"approved":true}"#));
}

/// The task token a `.waitForTaskToken` task sent out, read from its TaskScheduled event.
async fn scheduled_token(sfn: &Client, execution_arn: &str) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let history = sfn
            .get_execution_history()
            .execution_arn(execution_arn)
            .send()
            .await
            .expect("GetExecutionHistory");
        let parameters = history.events().iter().find_map(|event| {
            event.task_scheduled_event_details().map(|details| details.parameters().to_owned())
        });
        if let Some(parameters) = parameters {
            let parameters: Value = serde_json::from_str(&parameters).expect("JSON parameters");
            return parameters["Payload"]["token"].as_str().expect("a token").to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "{execution_arn} scheduled no task");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Polls DescribeExecution until the execution leaves RUNNING (at most 30 s).
async fn wait_until_done(
    sfn: &Client,
    execution_arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let described = sfn
            .describe_execution()
            .execution_arn(execution_arn)
            .send()
            .await
            .expect("DescribeExecution");
        if described.status() != &ExecutionStatus::Running {
            return described;
        }
        assert!(tokio::time::Instant::now() < deadline, "{execution_arn} is still running");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
