//! Error names and how retriers and catchers match them (`ErrorEquals`).
//!
//! Step Functions identifies errors by case-sensitive names; the predefined ones start with
//! `States.`. AWS's documentation states the matching rules, and where its wording and recorded
//! executions disagree, this module follows the recordings (see [`matches`]).

/// "A wildcard that matches any known error name."
pub const ALL: &str = "States.ALL";
/// "A Task state either ran longer than the `TimeoutSeconds` value, or failed to send a heartbeat
/// for a period longer than the `HeartbeatSeconds` value." Also an execution's own timeout.
pub const TIMEOUT: &str = "States.Timeout";
/// "A Task state failed to send a heartbeat for a period longer than the `HeartbeatSeconds`
/// value." AWS records such failures as [`TIMEOUT`]; this name exists only in `ErrorEquals`.
pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
/// "A Task state failed during the execution."
pub const TASK_FAILED: &str = "States.TaskFailed";
/// "A Task state failed because it had insufficient privileges to run the specified code."
pub const PERMISSIONS: &str = "States.Permissions";
/// "Step Functions failed to apply a state's `ResultPath` field to the input the state received."
pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
/// "Within a state's `Parameters` field, the attempt to replace a field whose name ends in `.$`
/// using a path failed."
pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
/// A JSONata expression failed to evaluate, or returned nothing where a value is required.
pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
/// "A branch of a `Parallel` state failed."
pub const BRANCH_FAILED: &str = "States.BranchFailed";
/// "A `Choice` state failed to find a match for the condition in the Choice Rules, and a default
/// transition wasn't provided."
pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
/// An intrinsic function failed to evaluate.
pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
/// "A `Map` state failed because the number of failed items exceeded the threshold specified in
/// the state machine definition."
pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
/// "A `Map` state failed because it couldn't read from the item source specified in the
/// `ItemReader` field."
pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
/// "A `Map` state failed because it couldn't write results to the destination specified in the
/// `ResultWriter` field."
pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
/// "An execution failed due to some exception that it couldn't process."
pub const RUNTIME: &str = "States.Runtime";
/// A connector's output, a state's output, or a state's input after `Parameters` exceeded the
/// payload size quota.
pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
/// "Occurs when an HTTP task times out after 60 seconds."
pub const HTTP_SOCKET: &str = "States.Http.Socket";

/// Every predefined error name, in the order AWS's documentation lists them.
const PREDEFINED: [&str; 17] = [
    ALL,
    DATA_LIMIT_EXCEEDED,
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    HEARTBEAT_TIMEOUT,
    HTTP_SOCKET,
    INTRINSIC_FAILURE,
    ITEM_READER_FAILED,
    NO_CHOICE_MATCHED,
    PARAMETER_PATH_FAILURE,
    PERMISSIONS,
    QUERY_EVALUATION_ERROR,
    RESULT_PATH_MATCH_FAILURE,
    RESULT_WRITER_FAILED,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
    BRANCH_FAILED,
];

/// Whether `name` is one of the error names the language predefines (all begin with `States.`;
/// AWS reserves that prefix: "these must not begin with the `States.` prefix").
pub fn is_predefined(name: &str) -> bool {
    PREDEFINED.contains(&name)
}

/// Whether a retrier's or catcher's `ErrorEquals` matches `error`, the name of the error a state
/// reported. Pass [`HEARTBEAT_TIMEOUT`] for a heartbeat timeout even though history records it
/// as [`TIMEOUT`]: only then can a `States.HeartbeatTimeout` catcher tell it apart.
///
/// The rules, each with its source:
///
/// - A name matches itself exactly (names are "case-sensitive strings").
/// - Nothing matches [`RUNTIME`]: "A `States.Runtime` error isn't retriable, and will always cause
///   the execution to fail. A retry or catch on `States.ALL` won't catch `States.Runtime`
///   errors." The recorded case `test_catch_states_runtime` shows that even an explicit
///   `["States.Runtime"]` catcher does not catch it.
/// - [`ALL`] matches every other name. AWS's documentation adds that it "can't catch the
///   `States.DataLimitExceeded` terminal error", but the recorded case
///   `test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response` shows
///   a `["States.ALL"]` catcher catching a task's `States.DataLimitExceeded`; the terminal cases
///   (a state's own output too large) fail the execution before any catcher is consulted, which
///   is the interpreter's decision, not a matching rule.
/// - [`TASK_FAILED`] "acts as a wildcard that matches any known error name except for
///   `States.Timeout`", so it matches neither [`TIMEOUT`] nor [`HEARTBEAT_TIMEOUT`]. The recorded
///   cases `test_no_such_function_catch` show it catching `Lambda.ResourceNotFoundException` and
///   `Exception` ahead of a later `States.ALL`.
/// - [`TIMEOUT`] also matches [`HEARTBEAT_TIMEOUT`]: `States.Timeout` covers a task that "failed to
///   send a heartbeat for a period longer than the `HeartbeatSeconds` value".
pub fn matches(error_equals: &[String], error: &str) -> bool {
    if error == RUNTIME {
        return false;
    }
    error_equals.iter().any(|pattern| match pattern.as_str() {
        ALL => true,
        TASK_FAILED => error != TIMEOUT && error != HEARTBEAT_TIMEOUT,
        TIMEOUT => error == TIMEOUT || error == HEARTBEAT_TIMEOUT,
        name => name == error,
    })
}

#[cfg(test)]
mod tests {
    fn check(error_equals: &[&str], error: &str, expect: bool) {
        let error_equals: Vec<String> =
            error_equals.iter().map(|name| (*name).to_owned()).collect();
        assert_eq!(super::matches(&error_equals, error), expect, "{error_equals:?} vs {error:?}");
    }

    #[test]
    fn names_match_exactly_and_case_sensitively() {
        check(&["CustomException"], "CustomException", true);
        check(&["CustomException"], "customexception", false);
        check(&["ErrorA", "ErrorB"], "ErrorB", true);
        check(&["ErrorA", "ErrorB"], "ErrorC", false);
        check(&["States.Permissions"], "States.Permissions", true);
        check(&["States.Permissions"], "States.TaskFailed", false);
        check(&[], "ErrorA", false);
    }

    #[test]
    fn all_matches_everything_but_runtime() {
        check(&["States.ALL"], "Exception", true);
        check(&["States.ALL"], "Lambda.Unknown", true);
        check(&["States.ALL"], "States.Timeout", true);
        check(&["States.ALL"], "States.HeartbeatTimeout", true);
        check(&["States.ALL"], "States.TaskFailed", true);
        check(&["States.ALL"], "States.BranchFailed", true);
        check(&["States.ALL"], "States.QueryEvaluationError", true);
        // Recorded: a States.ALL catcher catches a task's States.DataLimitExceeded.
        check(&["States.ALL"], "States.DataLimitExceeded", true);
        check(&["States.ALL"], "States.Runtime", false);
    }

    #[test]
    fn runtime_is_never_caught() {
        // Recorded: an explicit States.Runtime catcher does not catch it either.
        check(&["States.Runtime"], "States.Runtime", false);
        check(&["States.TaskFailed"], "States.Runtime", false);
    }

    #[test]
    fn task_failed_matches_everything_but_timeouts() {
        check(&["States.TaskFailed"], "Exception", true);
        check(&["States.TaskFailed"], "Lambda.ResourceNotFoundException", true);
        check(&["States.TaskFailed"], "States.TaskFailed", true);
        check(&["States.TaskFailed"], "States.Permissions", true);
        check(&["States.TaskFailed"], "States.DataLimitExceeded", true);
        check(&["States.TaskFailed"], "States.Timeout", false);
        check(&["States.TaskFailed"], "States.HeartbeatTimeout", false);
        check(&["States.TaskFailed", "States.Timeout"], "States.Timeout", true);
    }

    #[test]
    fn timeout_covers_heartbeat_timeouts() {
        check(&["States.Timeout"], "States.Timeout", true);
        check(&["States.Timeout"], "States.HeartbeatTimeout", true);
        check(&["States.HeartbeatTimeout"], "States.HeartbeatTimeout", true);
        check(&["States.HeartbeatTimeout"], "States.Timeout", false);
    }

    #[test]
    fn wildcards_are_only_wildcards_in_error_equals() {
        // The error a state reports is a plain name: an error named "States.ALL" is not a wildcard.
        check(&["CustomException"], "States.ALL", false);
        check(&["States.ALL"], "States.ALL", true);
    }

    fn check_predefined(name: &str, expect: bool) {
        assert_eq!(super::is_predefined(name), expect, "{name:?}");
    }

    #[test]
    fn predefined_names() {
        for name in [
            "States.ALL",
            "States.HeartbeatTimeout",
            "States.Timeout",
            "States.TaskFailed",
            "States.Permissions",
            "States.ResultPathMatchFailure",
            "States.ParameterPathFailure",
            "States.QueryEvaluationError",
            "States.BranchFailed",
            "States.NoChoiceMatched",
            "States.IntrinsicFailure",
            "States.ExceedToleratedFailureThreshold",
            "States.ItemReaderFailed",
            "States.ResultWriterFailed",
            "States.Runtime",
            "States.DataLimitExceeded",
            "States.Http.Socket",
        ] {
            check_predefined(name, true);
        }
        for name in ["States.all", "States.Foo", "States.", "TaskFailed", "Lambda.Unknown", ""] {
            check_predefined(name, false);
        }
    }
}
