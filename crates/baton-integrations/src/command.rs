//! Lambda functions played by local commands (`baton run --lambda NAME=COMMAND`), so that a
//! workflow runs against real code without deploying it.
//!
//! The command runs under `sh -c` with the function's event as JSON on standard input and
//! `AWS_LAMBDA_FUNCTION_NAME` set; it answers with JSON on standard output (nothing at all means
//! `null`, as a Python handler returning `None`). Standard error passes through, like a
//! function's log. The function fails, as a Lambda function does, when:
//!
//! - it prints a Lambda error document (`{"errorType": ..., "errorMessage": ...}`): the Task's
//!   error is `errorType` and its cause the document (see [`crate::lambda::function_error`]);
//! - it exits with a non-zero status: its error document if it printed one, otherwise
//!   `Lambda.Unknown` with Lambda's own `Runtime.ExitError` document;
//! - its output is not JSON, or larger than Lambda allows: `Lambda.Unknown`.
//!
//! Dropping the work (the Task was cancelled or timed out) kills the command.

use std::collections::HashMap;
use std::io;
use std::process::{ExitStatus, Stdio};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use baton_asl::limits::LAMBDA_RESPONSE_BYTES_MAX;

use crate::lambda::{self, function_error, runtime_error};
use crate::{TaskFuture, TaskRequest, TaskResult, TaskRunner};

/// Local commands keyed by Lambda function name (or function ARN).
#[derive(Debug, Clone, Default)]
pub struct LambdaCommands {
    by_function: HashMap<String, String>,
}

impl LambdaCommands {
    /// No commands.
    pub fn new() -> LambdaCommands {
        LambdaCommands::default()
    }

    /// Plays Lambda function `function` with the shell command `command`, replacing any command
    /// given for the same function before.
    pub fn insert(
        &mut self,
        function: impl Into<String>,
        command: impl Into<String>,
    ) -> &mut LambdaCommands {
        self.by_function.insert(function.into(), command.into());
        self
    }
}

impl TaskRunner for LambdaCommands {
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture> {
        let target = lambda::target(request)?;
        let command = target.lookup(&self.by_function)?.clone();
        let work: TaskFuture = Box::pin(invoke(target.function_name, command, target.payload));
        Some(target.shape.finish(work))
    }
}

/// Runs `command` as function `function_name` with `event` on its standard input.
async fn invoke(function_name: String, command: String, event: Value) -> TaskResult {
    let request_id = uuid::Uuid::new_v4();
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .env("AWS_LAMBDA_FUNCTION_NAME", &function_name)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            let message =
                format!("RequestId: {request_id} Error: cannot start `sh -c {command}`: {error}");
            return Err(runtime_error("Runtime.InvalidEntrypoint", &message));
        }
    };
    let event = event.to_string().into_bytes();
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let write = async move {
        if let Some(mut stdin) = stdin {
            // A command that does not read its event closes the pipe early, which is its right;
            // the broken pipe is not an error of the function. Dropping `stdin` sends EOF.
            let _ = stdin.write_all(&event).await;
        }
    };
    let read = async move {
        let mut output = Vec::new();
        if let Some(stdout) = stdout {
            // One byte past the limit tells "at the limit" from "over it".
            let limit =
                u64::try_from(LAMBDA_RESPONSE_BYTES_MAX).unwrap_or(u64::MAX).saturating_add(1);
            stdout.take(limit).read_to_end(&mut output).await?;
        }
        Ok::<Vec<u8>, io::Error>(output)
    };
    let ((), output) = tokio::join!(write, read);
    let exit_error = |reason: String| {
        let message = format!("RequestId: {request_id} Error: Runtime exited with error: {reason}");
        runtime_error("Runtime.ExitError", &message)
    };
    let output = output.map_err(|error| exit_error(format!("cannot read its output: {error}")))?;
    if output.len() > LAMBDA_RESPONSE_BYTES_MAX {
        // The command is killed when `child` drops at the end of this function.
        let message = format!(
            "Response payload size exceeded maximum allowed payload size ({LAMBDA_RESPONSE_BYTES_MAX} bytes)."
        );
        return Err(runtime_error("Function.ResponseSizeTooLarge", &message));
    }
    let status = child.wait().await.map_err(|error| exit_error(error.to_string()))?;
    let body = parse(&output);
    if !status.success() {
        let documented = body.as_ref().ok().and_then(function_error);
        return Err(documented.unwrap_or_else(|| exit_error(describe(status))));
    }
    match body {
        Ok(body) => function_error(&body).map_or(Ok(body), Err),
        Err(reason) => Err(runtime_error("Baton.InvalidOutput", &reason)),
    }
}

/// The command's standard output as JSON; empty output is `null`.
fn parse(output: &[u8]) -> Result<Value, String> {
    let text = String::from_utf8_lossy(output);
    let text = text.trim();
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|error| {
        let excerpt: String = text.chars().take(80).collect();
        format!("The command's standard output is not JSON ({error}): {excerpt}")
    })
}

/// How the process ended, in Lambda's words (`exit status 3`).
fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}

#[cfg(test)]
mod tests;
