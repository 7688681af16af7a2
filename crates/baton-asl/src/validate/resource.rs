//! Task `Resource` ARNs: activities, Lambda functions, optimised and AWS SDK integrations.
//!
//! AWS rejects a resource it does not recognise ("The resource provided ... is not recognized"),
//! including optimised integrations that do not exist (`arn:aws:states:::dynamodb:query`) and
//! integration patterns a service does not support. The tables below list the optimised
//! integrations AWS documents, with the patterns each supports.

use crate::model::{IntegrationPattern, Resource};
use crate::validate::fields::Fields;
use crate::validate::state::Context;
use crate::validate::{MachineType, Validator};

use IntegrationPattern::{RequestResponse as Rr, Sync as S, Sync2 as S2, WaitForTaskToken as Wt};

/// Optimised integrations: (service, actions, supported patterns).
const OPTIMISED: &[(&str, &[&str], &[IntegrationPattern])] = &[
    ("lambda", &["invoke"], &[Rr, Wt]),
    ("batch", &["submitJob"], &[Rr, S, Wt]),
    ("dynamodb", &["getItem", "putItem", "updateItem", "deleteItem"], &[Rr]),
    ("ecs", &["runTask"], &[Rr, S, Wt]),
    ("sns", &["publish"], &[Rr, Wt]),
    ("sqs", &["sendMessage"], &[Rr, Wt]),
    ("glue", &["startJobRun"], &[Rr, S, Wt]),
    ("databrew", &["startJobRun"], &[Rr, S]),
    ("states", &["startExecution"], &[Rr, S, S2, Wt]),
    ("events", &["putEvents"], &[Rr, Wt]),
    ("apigateway", &["invoke"], &[Rr, Wt]),
    ("http", &["invoke"], &[Rr]),
    ("athena", &["startQueryExecution"], &[Rr, S, Wt]),
    ("athena", &["stopQueryExecution", "getQueryExecution", "getQueryResults"], &[Rr]),
    ("codebuild", &["startBuild", "startBuildBatch", "retryBuild", "retryBuildBatch"], &[Rr, S]),
    (
        "codebuild",
        &[
            "stopBuild",
            "stopBuildBatch",
            "batchDeleteBuilds",
            "batchGetReports",
            "deleteBuildBatch",
        ],
        &[Rr],
    ),
    (
        "eks",
        &[
            "createCluster",
            "deleteCluster",
            "createFargateProfile",
            "deleteFargateProfile",
            "createNodegroup",
            "deleteNodegroup",
            "runJob",
        ],
        &[Rr, S],
    ),
    ("eks", &["call"], &[Rr]),
    ("elasticmapreduce", &["createCluster", "terminateCluster", "addStep"], &[Rr, S]),
    (
        "elasticmapreduce",
        &[
            "cancelStep",
            "setClusterTerminationProtection",
            "modifyInstanceFleetByName",
            "modifyInstanceGroupByName",
        ],
        &[Rr],
    ),
    ("emr-containers", &["startJobRun", "deleteVirtualCluster"], &[Rr, S]),
    ("emr-containers", &["createVirtualCluster"], &[Rr]),
    (
        "emr-serverless",
        &[
            "createApplication",
            "startApplication",
            "stopApplication",
            "deleteApplication",
            "startJobRun",
            "cancelJobRun",
        ],
        &[Rr, S],
    ),
    (
        "sagemaker",
        &[
            "createTrainingJob",
            "createTransformJob",
            "createProcessingJob",
            "createHyperParameterTuningJob",
            "createLabelingJob",
        ],
        &[Rr, S],
    ),
    (
        "sagemaker",
        &["createEndpoint", "createEndpointConfig", "createModel", "updateEndpoint"],
        &[Rr],
    ),
    ("bedrock", &["invokeModel"], &[Rr]),
    ("bedrock", &["createModelCustomizationJob"], &[Rr, S]),
    ("mediaconvert", &["createJob"], &[Rr, S]),
    ("s3", &["getObject", "putObject", "listObjectsV2"], &[Rr]),
    ("aws-sdk", &[], &[Rr, Wt]),
];

impl Validator<'_> {
    /// Reads and recognises a Task's `Resource`.
    pub(super) fn resource(
        &mut self,
        fields: &Fields<'_>,
        _context: &Context<'_>,
    ) -> Option<Resource> {
        let text = self.string(fields, "Resource")?;
        let location = fields.at("Resource");
        let Some(resource) = recognise(text) else {
            let shown = text.replacen("arn:aws:", "arn:<partition>:", 1);
            self.error(
                &location,
                format!(
                    "The resource provided {shown} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
                ),
            );
            return None;
        };
        if self.options.machine_type == MachineType::Express {
            match &resource {
                Resource::Activity { .. } => {
                    self.error(&location, "Express state machine does not support Activity ARN");
                }
                Resource::Integration { pattern: IntegrationPattern::WaitForTaskToken, .. } => {
                    self.error(&location, "Express state machine does not support '.waitForTaskToken' service integration ");
                }
                Resource::Integration {
                    pattern: IntegrationPattern::Sync | IntegrationPattern::Sync2,
                    ..
                } => {
                    self.error(
                        &location,
                        "Express state machine does not support '.sync' service integration ",
                    );
                }
                Resource::Integration { .. } | Resource::LambdaFunction { .. } => {}
            }
        }
        Some(resource)
    }
}

/// Recognises a resource ARN, or `None` when AWS would not.
pub(super) fn recognise(arn: &str) -> Option<Resource> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, rest] = parts.as_slice() else {
        return None;
    };
    if *prefix != "arn" || !is_partition(partition) {
        return None;
    }
    match *service {
        "lambda" => {
            // Region and account may be left empty: the function then resolves in the state
            // machine's own region and account, as published examples rely on.
            let function = rest.strip_prefix("function:")?;
            let region_ok = region.is_empty() || is_region(region);
            let account_ok = account.is_empty() || is_account(account);
            (region_ok && account_ok && is_function_name(function))
                .then(|| Resource::LambdaFunction { arn: arn.to_owned() })
        }
        "states" => {
            if let Some(name) = rest.strip_prefix("activity:") {
                let valid = is_region(region) && is_account(account) && is_resource_name(name);
                return valid.then(|| Resource::Activity { arn: arn.to_owned() });
            }
            // Integrations are written `arn:aws:states:::service:action`; AWS also accepts a
            // region and account in the empty slots.
            let region_ok = region.is_empty() || is_region(region);
            let account_ok = account.is_empty() || is_account(account);
            (region_ok && account_ok).then_some(())?;
            integration(arn, rest)
        }
        _ => None,
    }
}

fn integration(arn: &str, rest: &str) -> Option<Resource> {
    let (service, operation) = if let Some(sdk) = rest.strip_prefix("aws-sdk:") {
        let (service, action) = sdk.split_once(':')?;
        let valid_service = !service.is_empty()
            && service.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        valid_service.then_some(())?;
        (format!("aws-sdk:{service}"), action)
    } else {
        let (service, action) = rest.split_once(':')?;
        (service.to_owned(), action)
    };
    let (action, pattern) = split_pattern(operation)?;
    if action.is_empty() || !action.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let supported = if service.starts_with("aws-sdk:") {
        OPTIMISED
            .iter()
            .any(|(name, _, patterns)| *name == "aws-sdk" && patterns.contains(&pattern))
    } else {
        OPTIMISED.iter().any(|(name, actions, patterns)| {
            *name == service && actions.contains(&action) && patterns.contains(&pattern)
        })
    };
    supported.then(|| Resource::Integration {
        arn: arn.to_owned(),
        service,
        action: action.to_owned(),
        pattern,
    })
}

fn split_pattern(operation: &str) -> Option<(&str, IntegrationPattern)> {
    for pattern in
        [IntegrationPattern::Sync2, IntegrationPattern::Sync, IntegrationPattern::WaitForTaskToken]
    {
        if let Some(action) = operation.strip_suffix(pattern.suffix()) {
            return Some((action, pattern));
        }
    }
    (!operation.contains('.')).then_some((operation, IntegrationPattern::RequestResponse))
}

fn is_partition(text: &str) -> bool {
    matches!(
        text,
        "aws"
            | "aws-cn"
            | "aws-us-gov"
            | "aws-iso"
            | "aws-iso-b"
            | "aws-iso-e"
            | "aws-iso-f"
            | "aws-eusc"
    )
}

/// Regions look like `us-east-1`; validation checks the shape, not the list, so new regions work.
fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && text.contains('-')
}

/// Account ids are digits (twelve at AWS; test fixtures use fewer, which AWS-compatible tools accept).
fn is_account(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// Activity names: 1 to 80 characters, no whitespace, brackets, wildcards or control characters.
fn is_resource_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= crate::limits::RESOURCE_NAME_CHARS_MAX
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
}

/// `NAME` or `NAME:QUALIFIER`, where the qualifier is a version number, `$LATEST` or an alias.
fn is_function_name(text: &str) -> bool {
    let (name, qualifier) = match text.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier)),
        None => (text, None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 140
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let qualifier_ok = qualifier.is_none_or(|qualifier| {
        qualifier == "$LATEST"
            || (!qualifier.is_empty()
                && qualifier.len() <= 128
                && qualifier.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    });
    name_ok && qualifier_ok
}
