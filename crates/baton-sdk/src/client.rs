//! Client operations through the official `aws-sdk-sfn` crate: deploy a [`Workflow`] as a state
//! machine (with the activities it uses), start executions, wait for their results, read their
//! histories.
//!
//! Everything goes through an [`aws_sdk_sfn::Client`], so the same code deploys to Baton or to
//! AWS Step Functions; only the client's endpoint and credentials differ. [`Client::endpoint`]
//! builds the plain-HTTP client a local `baton serve` needs.
//!
//! Activity ARNs name a region and an account. By default the client learns both from the
//! service: CreateActivity (idempotent by name) answers with the activity's ARN, so a workflow
//! is compiled for whatever account and region the endpoint serves. [`Client::with_target`]
//! fixes them instead, for workers that may poll but not create activities.

use std::time::Duration;

use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, StateMachineType, SyncExecutionStatus};
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::engine::{Failure, Status};
use crate::workflow::{Target, Workflow};

pub use baton_asl::MachineType;

/// The first pause between two DescribeExecution calls while waiting for an execution.
const WAIT_POLL_INTERVAL_MIN: Duration = Duration::from_millis(5);
/// The longest pause between two DescribeExecution calls; the pause doubles up to it.
const WAIT_POLL_INTERVAL_MAX: Duration = Duration::from_millis(500);

/// A Step Functions client that deploys and runs [`Workflow`]s.
///
/// ```no_run
/// use baton_sdk::client::{Client, Deployment};
/// use baton_sdk::{Flow, Workflow, pass};
///
/// # async fn deploy() -> Result<(), baton_sdk::client::Error> {
/// let client = Client::endpoint("http://127.0.0.1:8083");
/// let workflow = Workflow::new("hello", Flow::new().then(pass("Hello")));
/// let deployment = Deployment::standard("arn:aws:iam::123456789012:role/baton");
/// let machine = client.ensure_state_machine(&workflow, &deployment).await?;
/// let output: serde_json::Value =
///     client.start_execution_and_wait(&machine, &serde_json::json!({"n": 1})).await?.unwrap();
/// assert_eq!(output, serde_json::json!({"n": 1}));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    sfn: aws_sdk_sfn::Client,
    target: Option<Target>,
}

impl Client {
    /// Wraps a configured `aws-sdk-sfn` client; activity ARNs are learned from the service.
    pub fn new(sfn: aws_sdk_sfn::Client) -> Client {
        Client { sfn, target: None }
    }

    /// A client for a Step Functions endpoint over plain HTTP, such as a local `baton serve`,
    /// with static credentials (Baton does not check them) and the region of
    /// [`Target::local`]. StartSyncExecution goes to `endpoint` itself, where AWS's client
    /// would put a `sync-` prefix before the host.
    pub fn endpoint(endpoint: &str) -> Client {
        let config = aws_sdk_sfn::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new(Target::local().region))
            .credentials_provider(Credentials::new("baton", "baton", None, None, "baton-sdk"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .interceptor(NoHostPrefix)
            .build();
        Client::new(aws_sdk_sfn::Client::from_conf(config))
    }

    /// The same client with a fixed region and account for activity and state machine ARNs,
    /// so that workers need no CreateActivity permission.
    #[must_use]
    pub fn with_target(mut self, target: Target) -> Client {
        self.target = Some(target);
        self
    }

    /// The `aws-sdk-sfn` client underneath, for operations this client does not wrap.
    pub fn sfn(&self) -> &aws_sdk_sfn::Client {
        &self.sfn
    }

    /// Creates or updates the state machine of `workflow` so that it runs the definition the
    /// workflow compiles to now, after creating the activities it uses. Calling it again with
    /// the same workflow changes nothing ([`Change::Unchanged`]); a changed definition or role
    /// is an UpdateStateMachine ([`Change::Updated`]).
    pub async fn ensure_state_machine(
        &self,
        workflow: &Workflow,
        deployment: &Deployment,
    ) -> Result<StateMachine, Error> {
        let names: Vec<String> =
            workflow.compile(&Target::local())?.activities().map(str::to_owned).collect();
        let mut target = self.target.clone();
        for name in &names {
            let arn = self.activity_arn_created(name).await?;
            target.get_or_insert(target_of(&arn)?);
        }
        // Without activities the definition names no ARN, so any target compiles it the same.
        let definition = workflow.compile(target.as_ref().unwrap_or(&Target::local()))?.to_text();
        let existing = match &target {
            Some(target) => Some(format!(
                "arn:aws:states:{}:{}:stateMachine:{}",
                target.region, target.account_id, workflow.name
            )),
            None => self.find_state_machine(&workflow.name).await?,
        };
        if let Some(arn) = existing {
            let described = self.sfn.describe_state_machine().state_machine_arn(&arn).send().await;
            match described {
                Ok(found) => {
                    let machine_type = machine_type(found.r#type());
                    if machine_type != deployment.machine_type {
                        return Err(Error::TypeChanged {
                            arn,
                            existing: machine_type,
                            wanted: deployment.machine_type,
                        });
                    }
                    let change = if found.definition() == definition
                        && found.role_arn() == deployment.role_arn
                    {
                        Change::Unchanged
                    } else {
                        self.sfn
                            .update_state_machine()
                            .state_machine_arn(&arn)
                            .definition(&definition)
                            .role_arn(&deployment.role_arn)
                            .send()
                            .await
                            .map_err(service("UpdateStateMachine"))?;
                        Change::Updated
                    };
                    return Ok(StateMachine { arn, machine_type, change });
                }
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|error| error.is_state_machine_does_not_exist()) => {}
                Err(error) => return Err(service("DescribeStateMachine")(error)),
            }
        }
        let created = self
            .sfn
            .create_state_machine()
            .name(&workflow.name)
            .definition(&definition)
            .role_arn(&deployment.role_arn)
            .r#type(match deployment.machine_type {
                MachineType::Standard => StateMachineType::Standard,
                MachineType::Express => StateMachineType::Express,
            })
            .send()
            .await
            .map_err(service("CreateStateMachine"))?;
        Ok(StateMachine {
            arn: created.state_machine_arn().to_owned(),
            machine_type: deployment.machine_type,
            change: Change::Created,
        })
    }

    /// Starts an execution of `machine` on `input` and returns its ARN.
    pub async fn start_execution(
        &self,
        machine: &StateMachine,
        input: &impl Serialize,
    ) -> Result<String, Error> {
        let input = serde_json::to_string(input).map_err(Error::Input)?;
        let started = self
            .sfn
            .start_execution()
            .state_machine_arn(&machine.arn)
            .input(input)
            .send()
            .await
            .map_err(service("StartExecution"))?;
        Ok(started.execution_arn().to_owned())
    }

    /// Runs an execution of `machine` on `input` to its end and returns its output as `O`, or
    /// how it failed. An Express machine runs through StartSyncExecution; a Standard one is
    /// started and then described, with pauses growing from 5 ms to 500 ms, until it ends.
    pub async fn start_execution_and_wait<O: DeserializeOwned>(
        &self,
        machine: &StateMachine,
        input: &impl Serialize,
    ) -> Result<Result<O, Failure>, Error> {
        let (outcome, execution_arn) = match machine.machine_type {
            MachineType::Express => self.start_sync_execution(machine, input).await?,
            MachineType::Standard => {
                let execution_arn = self.start_execution(machine, input).await?;
                (self.wait(&execution_arn).await?, execution_arn)
            }
        };
        match outcome {
            Ok(output) => Ok(Ok(typed(&execution_arn, output)?)),
            Err(failure) => Ok(Err(failure)),
        }
    }

    /// Describes an execution: its state machine and, once it has ended, how.
    pub async fn describe(&self, execution_arn: &str) -> Result<Description, Error> {
        let described = self
            .sfn
            .describe_execution()
            .execution_arn(execution_arn)
            .send()
            .await
            .map_err(service("DescribeExecution"))?;
        let failure = |status| Failure {
            status,
            error: described.error().map(str::to_owned),
            cause: described.cause().map(str::to_owned),
        };
        let outcome = match described.status() {
            ExecutionStatus::Running | ExecutionStatus::PendingRedrive => None,
            ExecutionStatus::Succeeded => Some(Ok(output_json(execution_arn, described.output())?)),
            ExecutionStatus::Failed => Some(Err(failure(Status::Failed))),
            ExecutionStatus::TimedOut => Some(Err(failure(Status::TimedOut))),
            ExecutionStatus::Aborted => Some(Err(failure(Status::Aborted))),
            other => {
                return Err(Error::UnknownStatus {
                    execution_arn: execution_arn.to_owned(),
                    status: other.as_str().to_owned(),
                });
            }
        };
        Ok(Description {
            execution_arn: described.execution_arn().to_owned(),
            state_machine_arn: described.state_machine_arn().to_owned(),
            outcome,
        })
    }

    /// Every history event of an execution, oldest first, read page by page.
    pub async fn history(&self, execution_arn: &str) -> Result<Vec<HistoryEvent>, Error> {
        let mut events = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .sfn
                .get_execution_history()
                .execution_arn(execution_arn)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(service("GetExecutionHistory"))?;
            events.extend_from_slice(page.events());
            next_token = page.next_token().map(str::to_owned);
            if next_token.is_none() {
                return Ok(events);
            }
        }
    }

    /// The ARN of the activity that serves task `name`: formatted for the fixed target, or
    /// created (idempotently) and learned from the service.
    pub(crate) async fn activity_arn(&self, name: &str) -> Result<String, Error> {
        match &self.target {
            Some(target) => Ok(target.activity_arn(name)),
            None => self.activity_arn_created(name).await,
        }
    }

    /// Creates the activity `name` (CreateActivity answers with the existing one if there is
    /// one) and returns its ARN, checked against the fixed target if there is one.
    async fn activity_arn_created(&self, name: &str) -> Result<String, Error> {
        let created = self
            .sfn
            .create_activity()
            .name(name)
            .send()
            .await
            .map_err(service("CreateActivity"))?;
        let arn = created.activity_arn().to_owned();
        if let Some(target) = &self.target
            && arn != target.activity_arn(name)
        {
            return Err(Error::TargetMismatch { arn, target: target.clone() });
        }
        Ok(arn)
    }

    /// The ARN of the state machine called `name`, found by listing them all.
    async fn find_state_machine(&self, name: &str) -> Result<Option<String>, Error> {
        let mut next_token = None;
        loop {
            let page = self
                .sfn
                .list_state_machines()
                .set_next_token(next_token)
                .send()
                .await
                .map_err(service("ListStateMachines"))?;
            let found = page.state_machines().iter().find(|machine| machine.name() == name);
            if let Some(machine) = found {
                return Ok(Some(machine.state_machine_arn().to_owned()));
            }
            next_token = page.next_token().map(str::to_owned);
            if next_token.is_none() {
                return Ok(None);
            }
        }
    }

    /// Runs an Express execution synchronously; returns its outcome and ARN.
    async fn start_sync_execution(
        &self,
        machine: &StateMachine,
        input: &impl Serialize,
    ) -> Result<(Result<Value, Failure>, String), Error> {
        let input = serde_json::to_string(input).map_err(Error::Input)?;
        let ended = self
            .sfn
            .start_sync_execution()
            .state_machine_arn(&machine.arn)
            .input(input)
            .send()
            .await
            .map_err(service("StartSyncExecution"))?;
        let execution_arn = ended.execution_arn().to_owned();
        let failure = |status| Failure {
            status,
            error: ended.error().map(str::to_owned),
            cause: ended.cause().map(str::to_owned),
        };
        let outcome = match ended.status() {
            SyncExecutionStatus::Succeeded => Ok(output_json(&execution_arn, ended.output())?),
            SyncExecutionStatus::Failed => Err(failure(Status::Failed)),
            SyncExecutionStatus::TimedOut => Err(failure(Status::TimedOut)),
            other => {
                return Err(Error::UnknownStatus {
                    execution_arn,
                    status: other.as_str().to_owned(),
                });
            }
        };
        Ok((outcome, execution_arn))
    }

    /// Waits until an execution has ended, describing it with pauses growing from 5 ms to
    /// 500 ms, and returns its output or how it failed.
    pub async fn wait(&self, execution_arn: &str) -> Result<Result<Value, Failure>, Error> {
        let mut pause = WAIT_POLL_INTERVAL_MIN;
        loop {
            if let Some(outcome) = self.describe(execution_arn).await?.outcome {
                return Ok(outcome);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(WAIT_POLL_INTERVAL_MAX);
        }
    }
}

/// How a state machine is deployed: the IAM role it runs as and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The role the state machine assumes (Baton records it and checks nothing).
    pub role_arn: String,
    /// Standard or Express.
    pub machine_type: MachineType,
}

impl Deployment {
    /// A Standard state machine running as `role_arn`.
    pub fn standard(role_arn: impl Into<String>) -> Deployment {
        Deployment { role_arn: role_arn.into(), machine_type: MachineType::Standard }
    }

    /// An Express state machine running as `role_arn`.
    pub fn express(role_arn: impl Into<String>) -> Deployment {
        Deployment { role_arn: role_arn.into(), machine_type: MachineType::Express }
    }
}

/// A deployed state machine, as [`Client::ensure_state_machine`] left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachine {
    /// Its ARN.
    pub arn: String,
    /// Standard or Express: how [`Client::start_execution_and_wait`] waits for a result.
    pub machine_type: MachineType,
    /// What deploying it changed.
    pub change: Change,
}

/// What [`Client::ensure_state_machine`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The state machine did not exist and was created.
    Created,
    /// Its definition or role differed and was updated.
    Updated,
    /// It already ran this definition with this role.
    Unchanged,
}

/// An execution as DescribeExecution reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    /// The execution's ARN.
    pub execution_arn: String,
    /// Its state machine's ARN.
    pub state_machine_arn: String,
    /// `None` while it runs; its output or how it failed once it has ended.
    pub outcome: Option<Result<Value, Failure>>,
}

/// Why a client operation did not take place. An execution that fails is not an error; it is
/// a [`Failure`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workflow does not compile.
    #[error(transparent)]
    Workflow(#[from] crate::Error),
    /// The service refused a request or could not be reached.
    #[error("{operation} failed: {source}")]
    Service {
        /// The Step Functions action, such as `CreateStateMachine`.
        operation: &'static str,
        /// The service's error, with its AWS error code.
        #[source]
        source: Box<aws_sdk_sfn::Error>,
    },
    /// The execution input does not serialize to JSON.
    #[error("the execution input is not JSON: {0}")]
    Input(#[source] serde_json::Error),
    /// An execution's output is not JSON or does not deserialize into the type asked for.
    #[error("the output of {execution_arn} does not fit: {source}")]
    Output {
        /// The execution.
        execution_arn: String,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
    /// The state machine exists with the other type; AWS cannot change a machine's type.
    #[error("state machine {arn} is {existing:?}; it cannot become {wanted:?} (delete it first)")]
    TypeChanged {
        /// The state machine.
        arn: String,
        /// Its type.
        existing: MachineType,
        /// The type asked for.
        wanted: MachineType,
    },
    /// The service named an activity with another region or account than the fixed target.
    #[error("the service created activity {arn}, outside the target {target:?}")]
    TargetMismatch {
        /// The activity's ARN as the service gave it.
        arn: String,
        /// The client's fixed target.
        target: Target,
    },
    /// An ARN from the service does not have the `arn:PARTITION:states:REGION:ACCOUNT:...`
    /// form.
    #[error("the service answered with the malformed ARN {0:?}")]
    Arn(String),
    /// A worker was given a callback task, which is a Lambda invocation and not an activity.
    #[error("task {task:?} is a callback task; activity workers do not serve it")]
    NotAnActivity {
        /// The task's name.
        task: String,
    },
    /// An execution status this client does not know.
    #[error("execution {execution_arn} has the unknown status {status}")]
    UnknownStatus {
        /// The execution.
        execution_arn: String,
        /// The status as the service sent it.
        status: String,
    },
}

/// Turns an `aws-sdk-sfn` operation error into [`Error::Service`] for `operation`.
pub(crate) fn service<E>(operation: &'static str) -> impl FnOnce(E) -> Error
where
    aws_sdk_sfn::Error: From<E>,
{
    move |error| Error::Service { operation, source: Box::new(aws_sdk_sfn::Error::from(error)) }
}

/// The region and account an ARN from the service names.
fn target_of(arn: &str) -> Result<Target, Error> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _partition, "states", region, account_id, ..]
            if !region.is_empty() && !account_id.is_empty() =>
        {
            Ok(Target { region: (*region).to_owned(), account_id: (*account_id).to_owned() })
        }
        _ => Err(Error::Arn(arn.to_owned())),
    }
}

fn machine_type(machine_type: &StateMachineType) -> MachineType {
    match machine_type {
        StateMachineType::Express => MachineType::Express,
        // Standard is what AWS creates when no type is given.
        _ => MachineType::Standard,
    }
}

/// An execution's output text as JSON (an absent output is `null`).
fn output_json(execution_arn: &str, output: Option<&str>) -> Result<Value, Error> {
    serde_json::from_str(output.unwrap_or("null"))
        .map_err(|source| Error::Output { execution_arn: execution_arn.to_owned(), source })
}

/// An execution's JSON output as the type the caller asked for.
fn typed<O: DeserializeOwned>(execution_arn: &str, output: Value) -> Result<O, Error> {
    serde_json::from_value(output)
        .map_err(|source| Error::Output { execution_arn: execution_arn.to_owned(), source })
}

/// Removes the `sync-` host prefix that the SDK puts before the endpoint's host for
/// StartSyncExecution and TestState: AWS serves those actions on their own host, a local
/// server on the one endpoint given. [`Client::endpoint`] adds it; add it yourself to an
/// `aws_sdk_sfn` client you build for Baton (the counterpart of boto3's
/// `Config(inject_host_prefix=False)`):
///
/// ```
/// use aws_sdk_sfn::config::{BehaviorVersion, Region};
///
/// let config = aws_sdk_sfn::Config::builder()
///     .behavior_version(BehaviorVersion::latest())
///     .endpoint_url("http://127.0.0.1:8083")
///     .region(Region::new("us-east-1"))
///     .interceptor(baton_sdk::client::NoHostPrefix)
///     .build();
/// let sfn = aws_sdk_sfn::Client::from_conf(config);
/// # drop(sfn);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "baton_sdk::NoHostPrefix"
    }

    // The operation stores its prefix before serialization and the endpoint is resolved in
    // each attempt after this hook, so removing it here is in time.
    fn read_after_serialization(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_sfn::error::BoxError> {
        cfg.interceptor_state().unset::<EndpointPrefix>();
        Ok(())
    }
}
