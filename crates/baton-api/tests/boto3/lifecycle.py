"""A real AWS client against Baton: boto3 drives a state machine's lifecycle.

Usage: python3 lifecycle.py http://127.0.0.1:8083

It creates Standard and Express state machines, runs executions (asynchronously and with
StartSyncExecution), reads their descriptions and histories, stops one, runs activity workers
(success, a failure caught by Catch, heartbeats, a missing heartbeat) and a `.waitForTaskToken`
callback, publishes versions behind an alias, runs TestState, checks the errors boto3 raises,
and deletes the machines. The server must play the
Lambda function `Notify` (any answer). It exits non-zero with the first mismatch. boto3 needs
`Config(inject_host_prefix=False)` for StartSyncExecution against a custom endpoint: otherwise
it prepends `sync-` to the endpoint's host name.
"""

import json
import sys
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/boto3"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "broken"}}}
# How long to wait for an execution to end or for an event to be recorded.
FINISH_SECONDS_MAX = 30
# The pause between two looks at an execution being waited for.
POLL_PAUSE_SECONDS = 0.05


def client(endpoint):
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="baton",
        aws_secret_access_key="baton",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )


def error_code(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"]
    raise AssertionError(f"{call.__name__} did not fail")


def finished(sfn, arn):
    deadline = time.monotonic() + FINISH_SECONDS_MAX
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(POLL_PAUSE_SECONDS)
    raise AssertionError(f"{arn} did not finish")


def activity_machine(activity_arn, **fields):
    """A Task working for the activity, then a Pass state that a Catch may go to as well."""
    work = {"Type": "Task", "Resource": activity_arn, "Next": "Handled", **fields}
    return json.dumps(
        {"StartAt": "Work", "States": {"Work": work, "Handled": {"Type": "Pass", "End": True}}}
    )


def run(sfn, name, definition, execution_input="{}"):
    """Creates a STANDARD machine and starts one execution of it; returns the execution ARN."""
    machine = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)
    started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=execution_input)
    return started["executionArn"]


def take(sfn, activity_arn, worker):
    task = sfn.get_activity_task(activityArn=activity_arn, workerName=worker)
    assert "taskToken" in task, task
    return task["taskToken"], json.loads(task["input"])


def event_types(sfn, arn):
    return [event["type"] for event in sfn.get_execution_history(executionArn=arn)["events"]]


def activities(sfn):
    activity = sfn.create_activity(name="Boto3Worker")["activityArn"]
    assert activity == "arn:aws:states:us-east-1:123456789012:activity:Boto3Worker"
    assert sfn.create_activity(name="Boto3Worker")["activityArn"] == activity
    assert sfn.describe_activity(activityArn=activity)["name"] == "Boto3Worker"
    assert [a["name"] for a in sfn.list_activities()["activities"]] == ["Boto3Worker"]

    # A worker loop: three executions, each finished by the worker.
    arns = [run(sfn, f"Boto3Activity{n}", activity_machine(activity), json.dumps({"n": n})) for n in range(3)]
    for _ in arns:
        token, task_input = take(sfn, activity, "worker-1")
        sfn.send_task_success(taskToken=token, output=json.dumps({"doubled": task_input["n"] * 2}))
    outputs = sorted(json.loads(finished(sfn, arn)["output"])["doubled"] for arn in arns)
    assert outputs == [0, 2, 4], outputs
    history = sfn.get_execution_history(executionArn=arns[0])["events"]
    started = [e for e in history if e["type"] == "ActivityStarted"]
    assert started[0]["activityStartedEventDetails"]["workerName"] == "worker-1", started
    late = error_code(sfn.send_task_success, taskToken=token, output="{}")
    assert late == "TaskTimedOut", late
    assert error_code(sfn.send_task_heartbeat, taskToken="forged") == "InvalidToken"

    # SendTaskFailure, caught by the state's Catch.
    catch = [{"ErrorEquals": ["Rejected"], "Next": "Handled"}]
    arn = run(sfn, "Boto3Failure", activity_machine(activity, Catch=catch))
    token, _ = take(sfn, activity, "worker-2")
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="not good")
    result = finished(sfn, arn)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"Error": "Rejected", "Cause": "not good"}, result
    assert "ActivityFailed" in event_types(sfn, arn)

    # Heartbeats keep a task alive past HeartbeatSeconds.
    arn = run(sfn, "Boto3Heartbeat", activity_machine(activity, HeartbeatSeconds=2))
    token, _ = take(sfn, activity, "worker-3")
    alive_until = time.monotonic() + 2.5
    while time.monotonic() < alive_until:
        sfn.send_task_heartbeat(taskToken=token)
        time.sleep(0.1)
    sfn.send_task_success(taskToken=token, output='{"beat": true}')
    result = finished(sfn, arn)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"beat": True}, result

    # A missing heartbeat times the task out.
    arn = run(sfn, "Boto3Silent", activity_machine(activity, HeartbeatSeconds=1))
    token, _ = take(sfn, activity, "worker-4")
    result = finished(sfn, arn)
    assert result["status"] == "FAILED", result
    assert result["error"] == "States.HeartbeatTimeout", result
    assert "ActivityTimedOut" in event_types(sfn, arn)
    assert error_code(sfn.send_task_heartbeat, taskToken=token) == "TaskTimedOut"

    # StopExecution while a worker holds the task: the execution ends ABORTED.
    arn = run(sfn, "Boto3Stopped", activity_machine(activity))
    token, _ = take(sfn, activity, "worker-5")
    sfn.stop_execution(executionArn=arn, error="Halt", cause="enough")
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"
    assert event_types(sfn, arn)[-1] == "ExecutionAborted"
    assert error_code(sfn.send_task_success, taskToken=token, output="{}") == "TaskTimedOut"

    # A poll that waits: the task arrives while GetActivityTask holds the request open.
    polled = {}
    poller = threading.Thread(target=lambda: polled.update(task=take(sfn, activity, "waiting")))
    poller.start()
    arn = run(sfn, "Boto3LongPoll", activity_machine(activity), '{"late": true}')
    poller.join(FINISH_SECONDS_MAX)
    token, task_input = polled["task"]
    assert task_input == {"late": True}, task_input
    sfn.send_task_success(taskToken=token, output="{}")
    assert finished(sfn, arn)["status"] == "SUCCEEDED"

    sfn.delete_activity(activityArn=activity)
    assert error_code(sfn.describe_activity, activityArn=activity) == "ActivityDoesNotExist"


def scheduled_token(sfn, arn):
    """The task token in the Payload of the execution's TaskScheduled event, once recorded."""
    deadline = time.monotonic() + FINISH_SECONDS_MAX
    while time.monotonic() < deadline:
        for event in sfn.get_execution_history(executionArn=arn)["events"]:
            if event["type"] == "TaskScheduled":
                parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
                return parameters["Payload"]["token"]
        time.sleep(POLL_PAUSE_SECONDS)
    raise AssertionError(f"{arn} scheduled no task")


def callback(sfn):
    ask = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "Notify", "Payload": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    arn = run(sfn, "Boto3Callback", json.dumps({"StartAt": "Ask", "States": {"Ask": ask}}))
    token = scheduled_token(sfn, arn)
    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    result = finished(sfn, arn)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"approved": True}, result


def versions_and_test_state(sfn):
    """Versions, an alias routing to them, and TestState, as botocore's models read them."""
    machine = sfn.create_state_machine(
        name="Boto3Versions", definition=json.dumps(PASS), roleArn=ROLE, publish=True,
        versionDescription="first",
    )
    first = machine["stateMachineVersionArn"]
    assert first == machine["stateMachineArn"] + ":1", machine
    second_definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": True}}}
    updated = sfn.update_state_machine(
        stateMachineArn=machine["stateMachineArn"], definition=json.dumps(second_definition),
        publish=True,
    )
    second = updated["stateMachineVersionArn"]
    assert second.endswith(":2"), updated
    versions = sfn.list_state_machine_versions(stateMachineArn=machine["stateMachineArn"])
    assert [v["stateMachineVersionArn"] for v in versions["stateMachineVersions"]] == [second, first]
    alias = sfn.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": first, "weight": 100}]
    )["stateMachineAliasArn"]
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": first, "weight": 100}]
    arn = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
    result = finished(sfn, arn)
    assert json.loads(result["output"]) == {"ok": True}, result
    assert result["stateMachineAliasArn"] == alias and result["stateMachineVersionArn"] == first
    assert error_code(sfn.delete_state_machine_version, stateMachineVersionArn=first) == "ConflictException"
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=first)

    tested = sfn.test_state(
        definition=json.dumps({"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": True}),
        roleArn=ROLE, input='{"n": 21}', inspectionLevel="DEBUG",
    )
    assert tested["status"] == "SUCCEEDED", tested
    assert json.loads(tested["output"]) == {"doubled": 42}, tested
    assert json.loads(tested["inspectionData"]["afterParameters"]) == {"doubled": 42}, tested
    sfn.delete_state_machine(stateMachineArn=machine["stateMachineArn"])


def main(endpoint):
    sfn = client(endpoint)
    standard = sfn.create_state_machine(
        name="Boto3Standard", definition=json.dumps(PASS), roleArn=ROLE
    )["stateMachineArn"]
    assert standard == "arn:aws:states:us-east-1:123456789012:stateMachine:Boto3Standard"
    express = sfn.create_state_machine(
        name="Boto3Express", definition=json.dumps(FAIL), roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    waiting = sfn.create_state_machine(
        name="Boto3Wait", definition=json.dumps(WAIT), roleArn=ROLE
    )["stateMachineArn"]

    described = sfn.describe_state_machine(stateMachineArn=standard)
    assert described["type"] == "STANDARD", described
    assert json.loads(described["definition"]) == PASS
    names = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    assert names == ["Boto3Standard", "Boto3Express", "Boto3Wait"], names

    started = sfn.start_execution(stateMachineArn=standard, name="run1", input='{"a": 1}')
    result = finished(sfn, started["executionArn"])
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"ok": True}
    assert result["stopDate"] >= result["startDate"]
    history = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
    assert [event["type"] for event in history] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ], history
    listed = sfn.list_executions(stateMachineArn=standard, statusFilter="SUCCEEDED")
    assert [e["name"] for e in listed["executions"]] == ["run1"], listed

    sync = sfn.start_sync_execution(stateMachineArn=express, input="{}")
    assert sync["status"] == "FAILED", sync
    assert (sync["error"], sync["cause"]) == ("Oops", "broken"), sync

    parked = sfn.start_execution(stateMachineArn=waiting)["executionArn"]
    sfn.stop_execution(executionArn=parked, error="Halt", cause="enough")
    assert sfn.describe_execution(executionArn=parked)["status"] == "ABORTED"

    # RedriveExecution: the aborted Wait starts over; the execution runs again, counted.
    redriven = sfn.redrive_execution(executionArn=parked, clientToken="boto3-redrive")
    described = sfn.describe_execution(executionArn=parked)
    assert described["status"] == "RUNNING", described
    assert (described["redriveCount"], described["redriveDate"]) == (1, redriven["redriveDate"]), described
    assert error_code(sfn.redrive_execution, executionArn=parked) == "ExecutionNotRedrivable"
    listed = sfn.list_executions(stateMachineArn=waiting, redriveFilter="REDRIVEN")["executions"]
    assert [(e["executionArn"], e["redriveCount"]) for e in listed] == [(parked, 1)], listed
    sfn.stop_execution(executionArn=parked)
    assert event_types(sfn, parked) == [
        "ExecutionStarted",
        "WaitStateEntered",
        "ExecutionAborted",
        "ExecutionRedriven",
        "WaitStateEntered",
        "ExecutionAborted",
    ], event_types(sfn, parked)

    sfn.tag_resource(resourceArn=standard, tags=[{"key": "team", "value": "baton"}])
    tags = sfn.list_tags_for_resource(resourceArn=standard)["tags"]
    assert tags == [{"key": "team", "value": "baton"}], tags
    sfn.untag_resource(resourceArn=standard, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=standard)["tags"] == []

    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    codes = [
        error_code(sfn.create_state_machine, name="Bad", definition=json.dumps(broken), roleArn=ROLE),
        error_code(sfn.create_state_machine, name="bad name", definition=json.dumps(PASS), roleArn=ROLE),
        error_code(sfn.start_execution, stateMachineArn=standard, name="run1", input="{}"),
        error_code(sfn.start_execution, stateMachineArn=standard, input="{not json"),
        error_code(sfn.start_sync_execution, stateMachineArn=standard),
        error_code(sfn.describe_execution, executionArn=standard.replace("stateMachine", "execution") + ":nope"),
        error_code(
            sfn.describe_map_run,
            mapRunArn="arn:aws:states:us-east-1:123456789012:mapRun:Boto3Standard/m:00000000-0000-0000-0000-000000000000",
        ),
    ]
    assert codes == [
        "InvalidDefinition",
        "InvalidName",
        "ExecutionAlreadyExists",
        "InvalidExecutionInput",
        "StateMachineTypeNotSupported",
        "ExecutionDoesNotExist",
        "ResourceNotFound",
    ], codes

    for arn in (standard, express, waiting):
        sfn.delete_state_machine(stateMachineArn=arn)
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == []

    activities(sfn)
    callback(sfn)
    versions_and_test_state(sfn)
    print("boto3 lifecycle: ok")


if __name__ == "__main__":
    main(sys.argv[1])
