//! Every limit of the language and of Step Functions, named once (../shared/STYLE.md T9).
//!
//! Values are AWS's documented quotas. Code that enforces a limit refers to the constant here,
//! never to a literal.

/// A definition may be at most 1 MB of text (AWS: "Maximum definition size").
pub const DEFINITION_BYTES_MAX: usize = 1_048_576;
/// State names: at most 80 characters.
pub const STATE_NAME_CHARS_MAX: usize = 80;
/// Names of state machines, executions and activities: at most 80 characters (AWS's request
/// model).
pub const RESOURCE_NAME_CHARS_MAX: usize = 80;
/// Payloads (input, output, task results) are limited to 256 KiB of UTF-8.
pub const PAYLOAD_BYTES_MAX: usize = 262_144;
/// A Standard execution's history holds at most 25,000 events.
pub const HISTORY_EVENTS_MAX: usize = 25_000;
/// `TimeoutSeconds` on a Task or Activity, when none is given: AWS's default (about 3.17 years).
pub const TASK_TIMEOUT_SECONDS_DEFAULT: u64 = 99_999_999;
/// `TimeoutSeconds` and `HeartbeatSeconds` must be positive integers no larger than this.
pub const TASK_TIMEOUT_SECONDS_MAX: u64 = 99_999_999;
/// A Map `Label` is at most 40 characters.
pub const MAP_LABEL_CHARS_MAX: usize = 40;
/// `ToleratedFailurePercentage` lies in 0..=100.
pub const TOLERATED_FAILURE_PERCENTAGE_MAX: f64 = 100.0;
/// Retry: `IntervalSeconds` default.
pub const RETRY_INTERVAL_SECONDS_DEFAULT: u64 = 1;
/// Retry: `IntervalSeconds` maximum.
pub const RETRY_INTERVAL_SECONDS_MAX: u64 = 99_999_999;
/// Retry: `MaxAttempts` default.
pub const RETRY_MAX_ATTEMPTS_DEFAULT: u64 = 3;
/// Retry: `MaxAttempts` maximum.
pub const RETRY_MAX_ATTEMPTS_MAX: u64 = 99_999_999;
/// Retry: `BackoffRate` default.
pub const RETRY_BACKOFF_RATE_DEFAULT: f64 = 2.0;
/// Retry: `BackoffRate` must be at least this.
pub const RETRY_BACKOFF_RATE_MIN: f64 = 1.0;
/// Retry: `MaxDelaySeconds` bounds (exclusive of zero).
pub const RETRY_MAX_DELAY_SECONDS_MAX: u64 = 31_622_400;
/// `States.ArrayRange` produces at most this many items.
pub const ARRAY_RANGE_ITEMS_MAX: usize = 1_000;
/// `States.Base64Encode`/`Base64Decode`/`Hash` accept at most this many characters of input.
pub const INTRINSIC_STRING_CHARS_MAX: usize = 10_000;
/// Wait `Seconds`: at most this many (a year plus a bit, as AWS allows 99999999 too).
pub const WAIT_SECONDS_MAX: u64 = 99_999_999;
/// Variables: one variable's value, and one `Assign` block, at most 256 KiB.
pub const VARIABLE_BYTES_MAX: usize = 262_144;
/// Variables: all of an execution's variables together, at most 10 MiB.
pub const VARIABLES_BYTES_TOTAL_MAX: usize = 10 * 1_048_576;
/// Variable names: at most 80 characters.
pub const VARIABLE_NAME_CHARS_MAX: usize = 80;
/// Nesting depth of JSON that the parser accepts, so a hostile definition cannot exhaust the stack.
pub const JSON_DEPTH_MAX: usize = 512;
/// States blocks (Parallel branches, Map processors) nest at most this deep; deeper definitions
/// are rejected with `TOO_DEEPLY_NESTED` so that validation and execution recursion stay bounded.
pub const STATE_NESTING_DEPTH_MAX: usize = 64;
/// A Distributed Map's `ReaderConfig.MaxItems`: at most this many items are read.
pub const MAP_ITEMS_MAX: u64 = 100_000_000;
/// Intrinsic function calls nest at most this deep within one field (AWS: "You can nest up to
/// 10 intrinsic functions within a field"); deeper calls are syntax errors.
pub const INTRINSIC_NESTING_MAX: usize = 10;
/// JSONPath: how deeply filters, parenthesised filter expressions, `!` operators, paths inside
/// filters and JSON literals in filters may nest, so that parsing a hostile path cannot
/// exhaust the stack.
pub const PATH_NESTING_DEPTH_MAX: usize = 64;
/// JSONPath: how deeply evaluating a path may recurse (branching segments, functions, deep
/// scans into nested documents and filter paths together) before it fails instead of
/// exhausting the stack.
pub const PATH_EVALUATION_DEPTH_MAX: usize = 256;
/// JSONPath: the compiled size limit of a filter's regular expression (`=~ /.../`), in bytes.
pub const PATH_REGEX_BYTES_MAX: usize = 1_048_576;
/// A Lambda function's synchronous response: at most this many bytes (AWS Lambda's 6 MB
/// invocation payload quota, as its `Function.ResponseSizeTooLarge` message states it). Local
/// Lambda commands are held to it too.
pub const LAMBDA_RESPONSE_BYTES_MAX: usize = 6_291_556;
/// The longest a Wait state may wait: 2^31 - 1 seconds (about 68 years). AWS fails a longer
/// delay with `States.Runtime` ("Wait state delay is too long."), as recorded at 24,856 days.
pub const WAIT_DELAY_SECONDS_MAX: i64 = 2_147_483_647;
