"""A real AWS client against Baton: boto3 drives a state machine's lifecycle.

Usage: python3 lifecycle.py http://127.0.0.1:8083

It creates Standard and Express state machines, runs executions (asynchronously and with
StartSyncExecution), reads their descriptions and histories, stops one, checks the errors boto3
raises, and deletes the machines. It exits non-zero with the first mismatch. boto3 needs
`Config(inject_host_prefix=False)` for StartSyncExecution against a custom endpoint: otherwise
it prepends `sync-` to the endpoint's host name.
"""

import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/boto3"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "broken"}}}
# How long to wait for an execution of PASS to end.
FINISH_SECONDS_MAX = 10


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
        time.sleep(0.05)
    raise AssertionError(f"{arn} did not finish")


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

    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    codes = [
        error_code(sfn.create_state_machine, name="Bad", definition=json.dumps(broken), roleArn=ROLE),
        error_code(sfn.create_state_machine, name="bad name", definition=json.dumps(PASS), roleArn=ROLE),
        error_code(sfn.start_execution, stateMachineArn=standard, name="run1", input="{}"),
        error_code(sfn.start_execution, stateMachineArn=standard, input="{not json"),
        error_code(sfn.start_sync_execution, stateMachineArn=standard),
        error_code(sfn.describe_execution, executionArn=standard.replace("stateMachine", "execution") + ":nope"),
        error_code(sfn.create_activity, name="Workers"),
    ]
    assert codes == [
        "InvalidDefinition",
        "InvalidName",
        "ExecutionAlreadyExists",
        "InvalidExecutionInput",
        "StateMachineTypeNotSupported",
        "ExecutionDoesNotExist",
        "UnsupportedOperation",
    ], codes

    for arn in (standard, express, waiting):
        sfn.delete_state_machine(stateMachineArn=arn)
    assert sfn.list_state_machines()["stateMachines"] == []
    print("boto3 lifecycle: ok")


if __name__ == "__main__":
    main(sys.argv[1])
