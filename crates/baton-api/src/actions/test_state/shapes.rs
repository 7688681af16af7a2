//! `fieldValidationMode`: a mocked Task result checked against the output shape of the
//! service API the Task calls, with AWS's messages.
//!
//! AWS checks against its full service models; shipping those would add megabytes, so this
//! table holds the output shapes of the integrations TestState is most used with (Lambda
//! invoke, Step Functions StartExecution, EventBridge PutEvents, DynamoDB PutItem, SQS
//! SendMessage, and the AWS SDK calls KMS Encrypt, Lambda GetFunction and S3 GetObject). A
//! result for any other resource is not checked. Fields the shape does not name pass, as on
//! AWS.

use serde_json::Value;

/// How strictly a mocked result is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Types and ranges of the fields present, and the required fields.
    Strict,
    /// Types and ranges of the fields present only.
    Present,
    None,
}

/// What a field of an output holds.
enum Shape {
    /// Text (timestamps and blobs are text in JSON too), with a minimum length.
    String {
        min_length: usize,
    },
    /// A number within bounds.
    Number {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// One of a set of strings.
    Enum(&'static [&'static str]),
    List(&'static Shape),
    Structure(&'static [Member]),
    /// A document, a map or a payload: anything.
    Any,
}

struct Member {
    name: &'static str,
    shape: Shape,
    required: bool,
}

const fn member(name: &'static str, shape: Shape) -> Member {
    Member { name, shape, required: false }
}

const fn required(name: &'static str, shape: Shape) -> Member {
    Member { name, shape, required: true }
}

const STRING: Shape = Shape::String { min_length: 0 };
const NUMBER: Shape = Shape::Number { min: None, max: None };

const LAMBDA_INVOKE: &[Member] = &[
    member("StatusCode", NUMBER),
    member("FunctionError", STRING),
    member("LogResult", STRING),
    member("Payload", Shape::Any),
    member("ExecutedVersion", STRING),
];

const START_EXECUTION: &[Member] =
    &[required("ExecutionArn", STRING), required("StartDate", STRING)];

const PUT_EVENTS_ENTRY: Shape = Shape::Structure(&[
    member("EventId", STRING),
    member("ErrorCode", STRING),
    member("ErrorMessage", STRING),
]);
const PUT_EVENTS: &[Member] =
    &[member("FailedEntryCount", NUMBER), member("Entries", Shape::List(&PUT_EVENTS_ENTRY))];

const CAPACITY: Shape = Shape::Structure(&[member("CapacityUnits", NUMBER)]);
const CONSUMED_CAPACITY: Shape = Shape::Structure(&[
    member("TableName", STRING),
    member("CapacityUnits", NUMBER),
    member("ReadCapacityUnits", NUMBER),
    member("WriteCapacityUnits", NUMBER),
    member("Table", CAPACITY),
    member("LocalSecondaryIndexes", Shape::Any),
    member("GlobalSecondaryIndexes", Shape::Any),
]);
const PUT_ITEM: &[Member] = &[
    member("Attributes", Shape::Any),
    member("ConsumedCapacity", CONSUMED_CAPACITY),
    member("ItemCollectionMetrics", Shape::Any),
];

const SEND_MESSAGE: &[Member] = &[
    member("MD5OfMessageBody", STRING),
    member("MD5OfMessageAttributes", STRING),
    member("MD5OfMessageSystemAttributes", STRING),
    member("MessageId", STRING),
    member("SequenceNumber", STRING),
];

const KMS_ENCRYPT: &[Member] = &[
    member("CiphertextBlob", Shape::String { min_length: 1 }),
    member("KeyId", Shape::String { min_length: 1 }),
    member(
        "EncryptionAlgorithm",
        Shape::Enum(&["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"]),
    ),
];

const LAMBDA_FUNCTION_CONFIGURATION: Shape = Shape::Structure(&[
    member("FunctionName", STRING),
    member("FunctionArn", STRING),
    member("Runtime", STRING),
    member("Role", STRING),
    member("Handler", STRING),
    member("CodeSize", NUMBER),
    member("Description", STRING),
    member("Timeout", Shape::Number { min: Some(1.0), max: None }),
    member("MemorySize", Shape::Number { min: Some(128.0), max: Some(10240.0) }),
    member("LastModified", STRING),
    member("CodeSha256", STRING),
    member("Version", STRING),
]);
const LAMBDA_GET_FUNCTION: &[Member] = &[
    member("Configuration", LAMBDA_FUNCTION_CONFIGURATION),
    member("Code", Shape::Any),
    member("Tags", Shape::Any),
    member("Concurrency", Shape::Any),
];

const S3_GET_OBJECT: &[Member] = &[
    member("Body", Shape::Any),
    member("ContentLength", NUMBER),
    member("ContentType", STRING),
    member("ETag", STRING),
    member("VersionId", STRING),
    member("LastModified", STRING),
    member(
        "StorageClass",
        Shape::Enum(&[
            "STANDARD",
            "REDUCED_REDUNDANCY",
            "STANDARD_IA",
            "ONEZONE_IA",
            "INTELLIGENT_TIERING",
            "GLACIER",
            "DEEP_ARCHIVE",
            "OUTPOSTS",
            "GLACIER_IR",
            "SNOW",
            "EXPRESS_ONEZONE",
            "FSX_OPENZFS",
        ]),
    ),
];

/// The output shape of a Task resource, when the table has it.
fn output_shape(resource: &str) -> Option<&'static [Member]> {
    let shape = match resource {
        "arn:aws:states:::lambda:invoke" => LAMBDA_INVOKE,
        "arn:aws:states:::states:startExecution" => START_EXECUTION,
        "arn:aws:states:::events:putEvents" => PUT_EVENTS,
        "arn:aws:states:::dynamodb:putItem" => PUT_ITEM,
        "arn:aws:states:::sqs:sendMessage" => SEND_MESSAGE,
        "arn:aws:states:::aws-sdk:kms:encrypt" => KMS_ENCRYPT,
        "arn:aws:states:::aws-sdk:lambda:getFunction" => LAMBDA_GET_FUNCTION,
        "arn:aws:states:::aws-sdk:s3:getObject" => S3_GET_OBJECT,
        _ => return None,
    };
    Some(shape)
}

/// Checks `result` against the output shape of `resource`; the problem is AWS's text.
pub(crate) fn check(resource: &str, result: &Value, mode: Mode) -> Result<(), String> {
    if mode == Mode::None {
        return Ok(());
    }
    let Some(members) = output_shape(resource) else { return Ok(()) };
    let Value::Object(_) = result else { return Ok(()) };
    structure(members, result, mode)
}

fn structure(members: &[Member], value: &Value, mode: Mode) -> Result<(), String> {
    for member in members {
        match value.get(member.name) {
            Some(field) => check_field(member.name, &member.shape, field, mode)?,
            None if member.required && mode == Mode::Strict => {
                return Err(format!("Required field '{}' is missing", member.name));
            }
            None => {}
        }
    }
    Ok(())
}

fn check_field(name: &str, shape: &Shape, value: &Value, mode: Mode) -> Result<(), String> {
    let problem = |text: &str| Err(format!("Field '{name}' {text}"));
    match shape {
        Shape::Any => Ok(()),
        Shape::String { min_length } => match value {
            Value::String(text) if text.chars().count() < *min_length => {
                problem("is smaller than the minimum length")
            }
            Value::String(_) => Ok(()),
            _ => problem("must be a string"),
        },
        Shape::Number { min, max } => {
            let Some(number) = value.as_f64() else { return problem("must be a number") };
            if min.is_some_and(|min| number < min) {
                return problem("is less than the minimum value");
            }
            if max.is_some_and(|max| number > max) {
                return problem("exceeds the maximum value");
            }
            Ok(())
        }
        Shape::Enum(allowed) => match value {
            Value::String(text) if allowed.contains(&text.as_str()) => Ok(()),
            Value::String(_) => problem("is not an expected value"),
            _ => problem("must be a string"),
        },
        Shape::List(item) => {
            let Value::Array(items) = value else { return problem("must be an array") };
            items.iter().try_for_each(|element| check_field(name, item, element, mode))
        }
        Shape::Structure(members) => {
            if !value.is_object() {
                return problem("must be an object");
            }
            structure(members, value, mode)
        }
    }
}
