//! Building one state: the allowed fields of each type in each query language, transitions,
//! data-flow fields, Retry and Catch.

use std::collections::HashMap;

use serde_json::Value;

use crate::model::{
    Assign, Catcher, Dynamic, Fail, Jitter, Parallel, Pass, Payload, QueryLanguage, Retrier, State,
    StateId, StateKind, Task, Transition, Wait, WaitFor,
};
use crate::validate::Validator;
use crate::validate::expression::StatesAccess;
use crate::validate::fields::{Fields, PathRule};
use crate::{error_match, limits, timestamp};

/// What a state needs to know about the scope it is in.
pub(super) struct Context<'a> {
    /// Names of the states in this scope; transitions may only lead to these.
    pub(super) ids: &'a HashMap<String, StateId>,
    /// The query language states inherit.
    pub(super) query_language: QueryLanguage,
    pub(super) depth: usize,
}

/// Fields that every state may have, in both query languages.
const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];
/// The JSONPath-only fields, for "not supported in JSONata" messages.
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "Iterator",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
];
/// The JSONata-only fields.
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// The state types, in the order AWS lists them in its message.
const STATE_TYPES: &str = "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]";

/// The fields each state type allows in each query language, besides [`COMMON`].
const ALLOWED_FIELDS: &[(&str, QueryLanguage, &[&str])] = &[
    (
        "Pass",
        QueryLanguage::JsonPath,
        &["InputPath", "OutputPath", "Parameters", "Result", "ResultPath", "Next", "End", "Assign"],
    ),
    ("Pass", QueryLanguage::Jsonata, &["Output", "Next", "End", "Assign"]),
    (
        "Task",
        QueryLanguage::JsonPath,
        &[
            "Resource",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Retry",
            "Catch",
            "Next",
            "End",
            "Assign",
        ],
    ),
    (
        "Task",
        QueryLanguage::Jsonata,
        &[
            "Resource",
            "Arguments",
            "Output",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
            "Retry",
            "Catch",
            "Next",
            "End",
            "Assign",
        ],
    ),
    (
        "Choice",
        QueryLanguage::JsonPath,
        &["InputPath", "OutputPath", "Choices", "Default", "Assign"],
    ),
    ("Choice", QueryLanguage::Jsonata, &["Output", "Choices", "Default", "Assign"]),
    (
        "Wait",
        QueryLanguage::JsonPath,
        &[
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "Next",
            "End",
            "Assign",
        ],
    ),
    ("Wait", QueryLanguage::Jsonata, &["Output", "Seconds", "Timestamp", "Next", "End", "Assign"]),
    ("Succeed", QueryLanguage::JsonPath, &["InputPath", "OutputPath"]),
    ("Succeed", QueryLanguage::Jsonata, &["Output"]),
    ("Fail", QueryLanguage::JsonPath, &["Error", "ErrorPath", "Cause", "CausePath"]),
    ("Fail", QueryLanguage::Jsonata, &["Error", "Cause"]),
    (
        "Parallel",
        QueryLanguage::JsonPath,
        &[
            "Branches",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Next",
            "End",
            "Assign",
        ],
    ),
    (
        "Parallel",
        QueryLanguage::Jsonata,
        &["Branches", "Arguments", "Output", "Retry", "Catch", "Next", "End", "Assign"],
    ),
    (
        "Map",
        QueryLanguage::JsonPath,
        &[
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Next",
            "End",
            "Assign",
        ],
    ),
    (
        "Map",
        QueryLanguage::Jsonata,
        &[
            "ItemProcessor",
            "Items",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "Label",
            "Output",
            "Retry",
            "Catch",
            "Next",
            "End",
            "Assign",
        ],
    ),
];

/// The fields a state type allows in a query language; empty for an unknown type.
fn allowed_fields(type_name: &str, language: QueryLanguage) -> &'static [&'static str] {
    ALLOWED_FIELDS
        .iter()
        .find(|(name, table_language, _)| *name == type_name && *table_language == language)
        .map_or(&[], |(_, _, fields)| fields)
}

impl Validator<'_> {
    /// Validates one state and builds it; `None` when it has errors (all reported).
    pub(super) fn state(
        &mut self,
        name: &str,
        value: &Value,
        location: &str,
        context: &Context<'_>,
    ) -> Option<State> {
        let fields = self.fields_of(value, location, "A state")?;
        let errors_before = self.error_count();
        if !self.require(&fields, &["Type"]) {
            return None;
        }
        let type_name = self.string(&fields, "Type")?;
        let own_language = self.query_language(&fields);
        let language = own_language.unwrap_or(context.query_language);
        if self.machine_query_language == QueryLanguage::Jsonata
            && own_language == Some(QueryLanguage::JsonPath)
        {
            self.error(
                &fields.at("QueryLanguage"),
                "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata",
            );
        }
        let allowed = allowed_fields(type_name, language);
        if allowed.is_empty() {
            self.error(
                &fields.at("Type"),
                format!("The field 'Type' should have one of these values: {STATE_TYPES}"),
            );
            return None;
        }
        let mut all_allowed = COMMON.to_vec();
        all_allowed.extend_from_slice(allowed);
        let other_language = match language {
            QueryLanguage::JsonPath => JSONATA_ONLY,
            QueryLanguage::Jsonata => JSONPATH_ONLY,
        };
        self.check_allowed(&fields, &all_allowed, other_language, Some(language));

        let comment = self.string(&fields, "Comment").map(str::to_owned);
        let input_path = self.nullable_path(&fields, "InputPath");
        let output_path = self.nullable_path(&fields, "OutputPath");
        let result_access = match type_name {
            "Task" | "Map" | "Parallel" => StatesAccess::Result,
            _ => StatesAccess::Input,
        };
        let output = match fields.get("Output") {
            Some(value) if language == QueryLanguage::Jsonata => {
                self.jsonata_value(value, &fields.at("Output"), result_access)
            }
            _ => None,
        };
        let assign = self.assign(&fields, language, result_access);
        let kind = self.state_kind(type_name, &fields, language, context);

        let kind = kind?;
        (self.error_count() == errors_before).then(|| {
            let mut state = State {
                name: name.to_owned(),
                comment,
                query_language: language,
                input_path,
                output_path,
                output,
                assign,
                kind,
                reads_context: false,
            };
            state.reads_context = state.compute_reads_context();
            state
        })
    }

    fn state_kind(
        &mut self,
        type_name: &str,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<StateKind> {
        Some(match type_name {
            "Pass" => StateKind::Pass(self.pass(fields, language, context)?),
            "Task" => StateKind::Task(Box::new(self.task(fields, language, context)?)),
            "Choice" => StateKind::Choice(self.choice(fields, language, context)?),
            "Wait" => StateKind::Wait(self.wait(fields, language, context)?),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(self.fail(fields, language)?),
            "Parallel" => StateKind::Parallel(self.parallel(fields, language, context)?),
            "Map" => StateKind::Map(Box::new(self.map(fields, language, context)?)),
            _ => return None,
        })
    }

    /// `Next` or `End: true`, exactly one.
    pub(super) fn transition(
        &mut self,
        fields: &Fields<'_>,
        context: &Context<'_>,
    ) -> Option<Transition> {
        let end = self.boolean(fields, "End");
        match (fields.has("Next"), end) {
            (true, Some(true)) => {
                self.error(
                    &fields.location_or_root(),
                    "Only one of these fields may be present: [Next, End]",
                );
                None
            }
            (true, _) => {
                let name = self.non_empty_string(fields, "Next")?;
                self.target(name, &fields.at("Next"), context).map(Transition::Next)
            }
            (false, Some(true)) => Some(Transition::End),
            (false, _) => {
                self.error(
                    &fields.location_or_root(),
                    "This state must have either a 'Next' field or \"End\": true",
                );
                None
            }
        }
    }

    /// Resolves a state name within the current scope.
    pub(super) fn target(
        &mut self,
        name: &str,
        location: &str,
        context: &Context<'_>,
    ) -> Option<StateId> {
        if let Some(id) = context.ids.get(name) {
            return Some(*id);
        }
        self.error_code(
            crate::Code::MissingTransitionTarget,
            location,
            format!("Missing 'Next' target: {name}"),
        );
        None
    }

    /// `Assign`: variable names and their values (templates in JSONPath, JSONata values otherwise).
    pub(super) fn assign(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        access: StatesAccess,
    ) -> Option<Assign> {
        let location = fields.at("Assign");
        let object = self.object(fields, "Assign")?;
        for key in object.keys() {
            let name = key.strip_suffix(".$").filter(|_| language == QueryLanguage::JsonPath);
            self.variable_name(name.unwrap_or(key), &format!("{location}/{key}"));
        }
        let value = Value::Object(object.clone());
        match language {
            QueryLanguage::JsonPath => self.template_value(&value, &location).map(Assign::JsonPath),
            QueryLanguage::Jsonata => {
                self.jsonata_value(&value, &location, access).map(Assign::Jsonata)
            }
        }
    }

    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub(super) fn payload(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
    ) -> Option<Payload> {
        match language {
            QueryLanguage::JsonPath => self.template(fields, "Parameters").map(Payload::Parameters),
            QueryLanguage::Jsonata => {
                let value = fields.get("Arguments")?;
                self.jsonata_value(value, &fields.at("Arguments"), StatesAccess::Input)
                    .map(Payload::Arguments)
            }
        }
    }

    fn pass(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Pass> {
        let payload = self.payload(fields, language);
        let result_path = self.result_path(fields);
        let transition = self.transition(fields, context)?;
        let result = fields.get("Result").cloned();
        if let Some(result) = &result {
            self.warn_static_result(result, &fields.at("Result"));
        }
        Some(Pass { result, payload, result_path, transition })
    }

    fn task(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Task> {
        self.require(fields, &["Resource"]);
        let resource = self.resource(fields, context);
        let payload = self.payload(fields, language);
        let result_selector = self.template(fields, "ResultSelector");
        let result_path = self.result_path(fields);
        let timeout_seconds = self.dynamic_integer(
            fields,
            "TimeoutSeconds",
            1,
            limits::TASK_TIMEOUT_SECONDS_MAX,
            language,
        );
        let heartbeat_seconds = self.dynamic_integer(
            fields,
            "HeartbeatSeconds",
            1,
            limits::TASK_TIMEOUT_SECONDS_MAX,
            language,
        );
        if let (Some(Dynamic::Literal(timeout)), Some(Dynamic::Literal(heartbeat))) =
            (&timeout_seconds, &heartbeat_seconds)
            && heartbeat >= timeout
        {
            self.error(
                &fields.at("HeartbeatSeconds"),
                "HeartbeatSeconds must be smaller than TimeoutSeconds",
            );
        }
        let credentials = self.credentials(fields, language);
        let retry = self.retriers(fields);
        let catch = self.catchers(fields, language, context);
        let transition = self.transition(fields, context)?;
        Some(Task {
            resource: resource?,
            payload,
            result_selector,
            result_path,
            timeout_seconds,
            heartbeat_seconds,
            credentials,
            retry: retry?,
            catch: catch?,
            transition,
        })
    }

    fn credentials(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
    ) -> Option<crate::model::Credentials> {
        let location = fields.at("Credentials");
        let value = fields.get("Credentials")?;
        if !value.is_object() {
            self.error(&location, "The value of the field 'Credentials' must be an object");
            return None;
        }
        match language {
            QueryLanguage::JsonPath => {
                self.template_value(value, &location).map(crate::model::Credentials::JsonPath)
            }
            QueryLanguage::Jsonata => self
                .jsonata_value(value, &location, StatesAccess::Input)
                .map(crate::model::Credentials::Jsonata),
        }
    }

    fn wait(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Wait> {
        let keys = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"];
        let present = keys.iter().filter(|key| fields.has(key)).count();
        if present != 1 {
            self.error(
                &fields.location_or_root(),
                "A Wait state must have exactly one of these fields: [Seconds, SecondsPath, Timestamp, TimestampPath]",
            );
        }
        let until = if fields.has("Seconds") || fields.has("SecondsPath") {
            self.dynamic_integer(fields, "Seconds", 0, limits::WAIT_SECONDS_MAX, language)
                .map(WaitFor::Seconds)
        } else if fields.has("TimestampPath") {
            self.path(fields, "TimestampPath", PathRule::Reference)
                .map(|path| WaitFor::Timestamp(Dynamic::Path(path)))
        } else {
            self.timestamp_field(fields, language)
        };
        let transition = self.transition(fields, context)?;
        (present == 1).then_some(())?;
        Some(Wait { until: until?, transition })
    }

    fn timestamp_field(&mut self, fields: &Fields<'_>, language: QueryLanguage) -> Option<WaitFor> {
        let text = self.string(fields, "Timestamp")?;
        let location = fields.at("Timestamp");
        if language == QueryLanguage::Jsonata && text.starts_with("{%") {
            return self
                .jsonata_string(text, &location)
                .map(|expression| WaitFor::Timestamp(Dynamic::Jsonata(expression)));
        }
        if timestamp::parse(text).is_none() {
            self.error(&location, "String does not match RFC3339 timestamp");
            return None;
        }
        Some(WaitFor::Timestamp(Dynamic::Literal(text.to_owned())))
    }

    fn fail(&mut self, fields: &Fields<'_>, language: QueryLanguage) -> Option<Fail> {
        let error = self.fail_field(fields, "Error", language);
        let cause = self.fail_field(fields, "Cause", language);
        Some(Fail { error: error?, cause: cause? })
    }

    /// `Error`/`ErrorPath` or `Cause`/`CausePath`: `Some(None)` when neither is given.
    fn fail_field(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        language: QueryLanguage,
    ) -> Option<Option<Dynamic<String>>> {
        let path_key = format!("{key}Path");
        if !self.exclusive(fields, &[key, &path_key]) {
            return None;
        }
        if fields.has(&path_key) {
            // ErrorPath and CausePath also accept intrinsic functions, unlike other *Path fields.
            let text = self.string(fields, &path_key)?;
            if crate::intrinsic::looks_like_call(text) {
                return match crate::intrinsic::Call::parse(text) {
                    Ok(call) => Some(Some(Dynamic::Intrinsic(call))),
                    Err(error) => {
                        let message = format!(
                            "The value '{text}' is not a valid intrinsic function: {error}"
                        );
                        self.error(&fields.at(&path_key), message);
                        None
                    }
                };
            }
            return self
                .parse_path(text, &fields.at(&path_key), PathRule::Reference)
                .map(|path| Some(Dynamic::Path(path)));
        }
        let Some(text) = self.string(fields, key) else {
            return (!fields.has(key)).then_some(None);
        };
        if language == QueryLanguage::Jsonata && text.starts_with("{%") {
            return self.jsonata_string(text, &fields.at(key)).map(|e| Some(Dynamic::Jsonata(e)));
        }
        Some(Some(Dynamic::Literal(text.to_owned())))
    }

    fn parallel(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Parallel> {
        self.require(fields, &["Branches"]);
        let branches = self.array(fields, "Branches");
        let mut scopes = Vec::new();
        let mut ok = branches.is_some();
        for (index, branch) in branches.unwrap_or_default().iter().enumerate() {
            let location = format!("{}/{index}", fields.at("Branches"));
            let Some(object) = branch.as_object() else {
                self.error(&location, "A branch must be a JSON object with StartAt and States");
                ok = false;
                continue;
            };
            let branch_fields = Fields::new(object, location);
            self.check_allowed(
                &branch_fields,
                &["StartAt", "States", "Comment", "QueryLanguage"],
                &[],
                None,
            );
            let branch_language = self.query_language(&branch_fields).unwrap_or(language);
            match self.scope(&branch_fields, branch_language, context.depth + 1) {
                Some(scope) => scopes.push(scope),
                None => ok = false,
            }
        }
        if branches.is_some_and(<[Value]>::is_empty) {
            self.error(&fields.at("Branches"), "A Parallel state must have at least one branch");
            ok = false;
        }
        let payload = self.payload(fields, language);
        let result_selector = self.template(fields, "ResultSelector");
        let result_path = self.result_path(fields);
        let retry = self.retriers(fields);
        let catch = self.catchers(fields, language, context);
        let transition = self.transition(fields, context)?;
        ok.then_some(())?;
        Some(Parallel {
            branches: scopes,
            payload,
            result_selector,
            result_path,
            retry: retry?,
            catch: catch?,
            transition,
        })
    }

    /// `Retry`: an array of retriers; `States.ALL` only alone and last.
    pub(super) fn retriers(&mut self, fields: &Fields<'_>) -> Option<Vec<Retrier>> {
        self.clause_list(fields, "Retry", |validator, item, location, is_last| {
            validator.retrier(item, location, is_last)
        })
    }

    /// Validates every entry of a `Retry` or `Catch` array, reporting all problems; `None` if
    /// any entry is invalid. An absent field is an empty list.
    fn clause_list<T>(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        mut entry: impl FnMut(&mut Self, &Value, &str, bool) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(items) = self.array(fields, key) else {
            return (!fields.has(key)).then(Vec::new);
        };
        let location = fields.at(key);
        let mut entries = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            let is_last = index + 1 == items.len();
            match entry(self, item, &format!("{location}/{index}"), is_last) {
                Some(value) => entries.push(value),
                None => ok = false,
            }
        }
        ok.then_some(entries)
    }

    fn retrier(&mut self, value: &Value, location: &str, is_last: bool) -> Option<Retrier> {
        let fields = self.fields_of(value, location, "A retrier")?;
        let errors_before = self.error_count();
        self.check_allowed(
            &fields,
            &[
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "JitterStrategy",
                "Comment",
            ],
            &[],
            None,
        );
        self.require(&fields, &["ErrorEquals"]);
        let error_equals = self.error_equals(&fields, is_last);
        let interval_seconds = self
            .integer_in(&fields, "IntervalSeconds", 1, limits::RETRY_INTERVAL_SECONDS_MAX)
            .unwrap_or(limits::RETRY_INTERVAL_SECONDS_DEFAULT);
        let max_attempts = self
            .integer_in(&fields, "MaxAttempts", 0, limits::RETRY_MAX_ATTEMPTS_MAX)
            .unwrap_or(limits::RETRY_MAX_ATTEMPTS_DEFAULT);
        let backoff_rate = match self.number(&fields, "BackoffRate") {
            Some(rate) if rate < limits::RETRY_BACKOFF_RATE_MIN => {
                self.error(
                    &fields.at("BackoffRate"),
                    format!(
                        "The value of the field 'BackoffRate' must be at least {}",
                        limits::RETRY_BACKOFF_RATE_MIN
                    ),
                );
                limits::RETRY_BACKOFF_RATE_DEFAULT
            }
            Some(rate) => rate,
            None => limits::RETRY_BACKOFF_RATE_DEFAULT,
        };
        let max_delay_seconds =
            self.integer_in(&fields, "MaxDelaySeconds", 1, limits::RETRY_MAX_DELAY_SECONDS_MAX);
        let jitter = match self.string(&fields, "JitterStrategy") {
            None | Some("NONE") => Jitter::None,
            Some("FULL") => Jitter::Full,
            Some(_) => {
                self.error(
                    &fields.at("JitterStrategy"),
                    "The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
                );
                Jitter::None
            }
        };
        let comment = self.string(&fields, "Comment").map(str::to_owned);
        let error_equals = error_equals?;
        (self.error_count() == errors_before).then_some(Retrier {
            error_equals,
            interval_seconds,
            max_attempts,
            backoff_rate,
            max_delay_seconds,
            jitter,
            comment,
        })
    }

    /// `ErrorEquals`: a non-empty array of error names; `States.ALL` alone and in the last entry.
    /// Other names starting with `States.` are accepted: published, deployed workflows use
    /// made-up ones such as `States.QuorumMet` (../shared/asl-corpus, workflows-collection).
    fn error_equals(&mut self, fields: &Fields<'_>, is_last: bool) -> Option<Vec<String>> {
        let location = fields.at("ErrorEquals");
        let items = self.array(fields, "ErrorEquals")?;
        if items.is_empty() {
            self.error(&location, "The field 'ErrorEquals' must contain at least one error name");
            return None;
        }
        let mut names = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Some(name) = item.as_str() else {
                self.error(&format!("{location}/{index}"), "Error names must be strings");
                return None;
            };
            names.push(name.to_owned());
        }
        if names.iter().any(|name| name == error_match::ALL) {
            if names.len() > 1 {
                self.error(&location, "States.ALL must appear alone in ErrorEquals");
            }
            if !is_last {
                self.error(&location, "States.ALL must appear only in the last retrier or catcher");
            }
        }
        Some(names)
    }

    /// `Catch`: an array of catchers.
    pub(super) fn catchers(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Vec<Catcher>> {
        self.clause_list(fields, "Catch", |validator, item, location, is_last| {
            validator.catcher(item, location, is_last, language, context)
        })
    }

    fn catcher(
        &mut self,
        value: &Value,
        location: &str,
        is_last: bool,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Catcher> {
        let fields = self.fields_of(value, location, "A catcher")?;
        let errors_before = self.error_count();
        let allowed: &[&str] = match language {
            QueryLanguage::JsonPath => &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"],
            QueryLanguage::Jsonata => &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
        };
        let other: &[&str] = match language {
            QueryLanguage::JsonPath => &["Output"],
            QueryLanguage::Jsonata => &["ResultPath"],
        };
        self.check_allowed(&fields, allowed, other, Some(language));
        self.require(&fields, &["ErrorEquals", "Next"]);
        let error_equals = self.error_equals(&fields, is_last);
        let next = self
            .non_empty_string(&fields, "Next")
            .and_then(|name| self.target(name, &fields.at("Next"), context));
        let result_path = self.result_path(&fields);
        let output = match fields.get("Output") {
            Some(value) if language == QueryLanguage::Jsonata => {
                self.jsonata_value(value, &fields.at("Output"), StatesAccess::ErrorOutput)
            }
            _ => None,
        };
        let assign = self.assign(&fields, language, StatesAccess::ErrorOutput);
        let comment = self.string(&fields, "Comment").map(str::to_owned);
        let (error_equals, next) = (error_equals?, next?);
        (self.error_count() == errors_before).then(|| Catcher {
            error_equals,
            next,
            result_path,
            output,
            assign,
            comment,
        })
    }
}
