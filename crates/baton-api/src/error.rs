//! The API's errors, each mapped once to AWS's `__type`, HTTP status and message (STYLE E4).
//!
//! AWS SDKs read the error code from `__type` and the text from `message`, so every variant's
//! `Display` is the message AWS sends for it, word for word where we know it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::json_response;

/// Why a request failed, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field breaks the request model's constraints (missing, too long, out of range).
    #[error("1 validation error detected: {0}")]
    Validation(String),
    /// The body is not JSON, or a field has the wrong JSON type.
    #[error("{0}")]
    Serialization(String),
    /// `X-Amz-Target` names no Step Functions action.
    #[error("Unknown operation: '{0}'")]
    UnknownOperation(String),
    /// A rule the service checks beyond the request model; AWS sends its message without the
    /// model's "validation error detected" prefix.
    #[error("{0}")]
    ValidationRule(String),
    /// A feature of an implemented action that Baton does not implement yet, such as
    /// publishing a state machine version.
    #[error("Baton does not support {0} yet")]
    UnsupportedFeature(String),
    /// UpdateStateMachine with nothing to update.
    #[error("{0}")]
    MissingRequiredParameter(String),
    /// A tag action on a state machine or activity that does not exist.
    #[error("Resource not found: '{0}'")]
    ResourceNotFound(String),
    /// Tags beyond the limit of one resource; carries the resource's ARN.
    #[error(
        "Too many tags: '{0}' may have at most {max} tags",
        max = crate::actions::TAGS_PER_RESOURCE_MAX
    )]
    TooManyTags(String),
    #[error("Invalid Logging Configuration: {0}")]
    InvalidLoggingConfiguration(String),
    #[error("Invalid State Machine Definition: '{0}'")]
    InvalidDefinition(String),
    /// `InvalidDefinition` with AWS's message as it is, without the frame above: TestState's
    /// refusal of a Map or Parallel state without a mock, and a Map label with a forbidden
    /// character.
    #[error("{0}")]
    InvalidDefinitionVerbatim(String),
    #[error("Invalid Name: '{0}'")]
    InvalidName(String),
    #[error("Invalid Arn: '{0}'")]
    InvalidArn(String),
    #[error("Invalid Token: '{0}'")]
    InvalidToken(String),
    #[error("Invalid State Machine Execution Input: '{0}'")]
    InvalidExecutionInput(String),
    #[error("State Machine Already Exists: '{0}'")]
    StateMachineAlreadyExists(String),
    #[error("State Machine Does Not Exist: '{0}'")]
    StateMachineDoesNotExist(String),
    /// The machine was deleted while executions still ran; it goes once they have ended.
    #[error("State Machine Is Being Deleted: '{0}'")]
    StateMachineDeleting(String),
    /// StartSyncExecution on a STANDARD state machine.
    #[error("This operation is not supported by this type of state machine")]
    StateMachineTypeNotSupported,
    #[error("Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    #[error("Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    /// RedriveExecution of an execution that cannot be redriven; the text is the
    /// `redriveStatusReason` DescribeExecution gives for it.
    #[error("{0}")]
    ExecutionNotRedrivable(String),
    #[error("Activity Does Not Exist: '{0}'")]
    ActivityDoesNotExist(String),
    /// SendTaskSuccess with an output that is not JSON.
    #[error("Invalid Output: '{0}'")]
    InvalidOutput(String),
    /// A task token whose task has ended (finished, timed out, or its execution is over).
    #[error("Task Timed Out: 'Provided task does not exist anymore'")]
    TaskTimedOut,
    /// The request conflicts with the resource as it is: publishing a version of a revision
    /// that is no longer current, deleting a version an alias routes to, or an alias name
    /// taken with another configuration.
    #[error("{0}")]
    Conflict(String),
    /// A quota AWS enforces, such as the number of versions of one state machine.
    #[error("{0}")]
    ServiceQuotaExceeded(String),
    /// An alias that does not exist (UpdateStateMachineAlias, DescribeStateMachineAlias).
    #[error("Request references a resource that does not exist.")]
    NoSuchResource,
    /// The store failed (a disk error, or the store is shut down). Nothing of the request
    /// was changed unless the message says otherwise; clients retry a 500.
    #[error("Internal error: {0}")]
    Internal(String),
}

impl From<baton_store::Error> for Error {
    /// A store error the action does not handle itself: a page token the store refuses is the
    /// client's mistake, anything else is the server's.
    fn from(error: baton_store::Error) -> Self {
        match error {
            baton_store::Error::InvalidPageToken { token } => Error::InvalidToken(token),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl Error {
    /// The `__type` AWS SDKs turn into an exception class or error code.
    pub fn aws_type(&self) -> &'static str {
        match self {
            Error::Validation(_) => "ValidationException",
            Error::Serialization(_) => "SerializationException",
            Error::UnknownOperation(_) => "UnknownOperationException",
            Error::ValidationRule(_) => "ValidationException",
            // Not an AWS name: SDKs surface an unmodelled code as a generic service error whose
            // code is this text, which says plainly what happened and cannot be mistaken for a
            // failure the caller should handle as one of AWS's modelled exceptions.
            Error::UnsupportedFeature(_) => "UnsupportedOperation",
            Error::MissingRequiredParameter(_) => "MissingRequiredParameter",
            Error::ResourceNotFound(_) => "ResourceNotFound",
            Error::TooManyTags(_) => "TooManyTags",
            Error::InvalidLoggingConfiguration(_) => "InvalidLoggingConfiguration",
            Error::InvalidDefinition(_) | Error::InvalidDefinitionVerbatim(_) => {
                "InvalidDefinition"
            }
            Error::InvalidName(_) => "InvalidName",
            Error::InvalidArn(_) => "InvalidArn",
            Error::InvalidToken(_) => "InvalidToken",
            Error::InvalidExecutionInput(_) => "InvalidExecutionInput",
            Error::StateMachineAlreadyExists(_) => "StateMachineAlreadyExists",
            Error::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            Error::StateMachineDeleting(_) => "StateMachineDeleting",
            Error::StateMachineTypeNotSupported => "StateMachineTypeNotSupported",
            Error::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            Error::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            Error::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
            Error::ActivityDoesNotExist(_) => "ActivityDoesNotExist",
            Error::InvalidOutput(_) => "InvalidOutput",
            Error::TaskTimedOut => "TaskTimedOut",
            Error::Conflict(_) => "ConflictException",
            Error::ServiceQuotaExceeded(_) => "ServiceQuotaExceededException",
            Error::NoSuchResource => "ResourceNotFound",
            // AWS's name for a failure on its side, which every SDK retries.
            Error::Internal(_) => "InternalServerError",
        }
    }

    /// Every client error is a 400 in awsJson1_0; the SDKs tell them apart by `__type`. A
    /// failure of the server is a 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.aws_type(), "message": self.to_string() });
        json_response(self.status(), &body)
    }
}
