//! Mocked service integrations in AWS Step Functions Local's `MockConfigFile.json` format, so
//! that test suites written for Step Functions Local run unchanged.
//!
//! ```json
//! {
//!   "StateMachines": {
//!     "Orders": { "TestCases": { "RetryPath": { "Charge": "ChargeFailsTwice" } } }
//!   },
//!   "MockedResponses": {
//!     "ChargeFailsTwice": {
//!       "0-1": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "Lambda timed out." } },
//!       "2": { "Return": { "StatusCode": 200, "Payload": { "charged": true } } }
//!     }
//!   }
//! }
//! ```
//!
//! A test case maps Task state names to mocked responses. A mocked response maps invocation
//! numbers (`"0"`, `"1"`, or inclusive ranges such as `"1-2"`) to a `Return` (the Task's result,
//! used as it is: a mocked `lambda:invoke` returns the whole `Invoke` response) or a `Throw`
//! (`Error` and `Cause`). Each state counts its own invocations from 0, retries included.
//!
//! A state that its test case does not mention is not claimed, so it falls through to the next
//! runner, as Step Functions Local calls the real service for it. An invocation that its mocked
//! response does not cover fails the Task with [`crate::MOCK_INVOCATION_MISSING`] ("you must
//! specify a mocked response for every invocation").

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::{MOCK_INVOCATION_MISSING, TaskError, TaskFuture, TaskRequest, TaskResult, TaskRunner};

/// Why a mock configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the mock configuration is not JSON: {reason}")]
    NotJson { reason: String },
    /// The document does not have the shape Step Functions Local expects, at `path`.
    #[error("the mock configuration is invalid at {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("the mock configuration has no state machine named '{name}' (it has: {known})")]
    UnknownStateMachine { name: String, known: String },
    #[error(
        "state machine '{state_machine}' has no test case named '{name}' in the mock configuration (it has: {known})"
    )]
    UnknownTestCase { state_machine: String, name: String, known: String },
    #[error(
        "test case '{test_case}' maps state '{state}' to mocked response '{response}', which MockedResponses does not define"
    )]
    UnknownResponse { test_case: String, state: String, response: String },
}

/// A test case: Task state name → mocked response name.
type TestCase = BTreeMap<String, String>;

/// A state machine's test cases by name.
type TestCases = BTreeMap<String, TestCase>;

/// A parsed mock configuration file.
#[derive(Debug, Clone, PartialEq)]
pub struct MockConfig {
    /// State machine name → its test cases.
    state_machines: BTreeMap<String, TestCases>,
    responses: BTreeMap<String, Arc<MockedResponse>>,
}

/// One mocked response: what each invocation answers, by inclusive invocation ranges in order.
#[derive(Debug, Clone, PartialEq)]
struct MockedResponse {
    name: String,
    answers: Vec<(u64, u64, TaskResult)>,
}

impl MockedResponse {
    fn answer(&self, invocation: u64) -> Option<&TaskResult> {
        self.answers
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&invocation))
            .map(|(_, _, answer)| answer)
    }

    /// The invocations covered, for messages: `0, 1-2, 3`.
    fn covered(&self) -> String {
        let ranges: Vec<String> = self
            .answers
            .iter()
            .map(
                |(first, last, _)| {
                    if first == last { first.to_string() } else { format!("{first}-{last}") }
                },
            )
            .collect();
        ranges.join(", ")
    }
}

impl MockConfig {
    /// Reads a mock configuration, checking its whole shape so that a typo shows up before any
    /// execution runs.
    pub fn parse(text: &str) -> Result<MockConfig, Error> {
        let document: Value = serde_json::from_str(text)
            .map_err(|error| Error::NotJson { reason: error.to_string() })?;
        let root = object(&document, "$")?;
        let state_machines = match root.get("StateMachines") {
            Some(value) => state_machines(value)?,
            None => BTreeMap::new(),
        };
        let mut responses = BTreeMap::new();
        if let Some(value) = root.get("MockedResponses") {
            for (name, answers) in object(value, "$.MockedResponses")? {
                let path = format!("$.MockedResponses.{name}");
                let answers = mocked_answers(answers, &path)?;
                responses
                    .insert(name.clone(), Arc::new(MockedResponse { name: name.clone(), answers }));
            }
        }
        Ok(MockConfig { state_machines, responses })
    }

    /// The runner for one test case of one state machine.
    pub fn runner(&self, state_machine: &str, test_case: &str) -> Result<MockRunner, Error> {
        let cases =
            self.state_machines.get(state_machine).ok_or_else(|| Error::UnknownStateMachine {
                name: state_machine.to_owned(),
                known: names(self.state_machines.keys()),
            })?;
        let states = cases.get(test_case).ok_or_else(|| Error::UnknownTestCase {
            state_machine: state_machine.to_owned(),
            name: test_case.to_owned(),
            known: names(cases.keys()),
        })?;
        let mut mocked = HashMap::new();
        for (state, response) in states {
            let answers = self.responses.get(response).ok_or_else(|| Error::UnknownResponse {
                test_case: test_case.to_owned(),
                state: state.clone(),
                response: response.clone(),
            })?;
            mocked.insert(state.clone(), Arc::clone(answers));
        }
        Ok(MockRunner {
            test_case: test_case.to_owned(),
            mocked,
            invocations: Mutex::new(HashMap::new()),
        })
    }
}

/// Answers the Task states of one test case from their mocked responses.
#[derive(Debug)]
pub struct MockRunner {
    test_case: String,
    /// Task state name → its mocked response.
    mocked: HashMap<String, Arc<MockedResponse>>,
    /// Task state name → how many times it has been invoked.
    invocations: Mutex<HashMap<String, u64>>,
}

impl TaskRunner for MockRunner {
    fn start(&self, request: &TaskRequest) -> Option<TaskFuture> {
        let response = self.mocked.get(&request.state_name)?;
        let invocation = {
            // A poisoned lock only means another task panicked mid-count; the count is intact.
            let mut invocations = self.invocations.lock().unwrap_or_else(PoisonError::into_inner);
            let count = invocations.entry(request.state_name.clone()).or_insert(0);
            let invocation = *count;
            *count += 1;
            invocation
        };
        let answer = match response.answer(invocation) {
            Some(answer) => answer.clone(),
            None => Err(TaskError::new(
                MOCK_INVOCATION_MISSING,
                format!(
                    "Mocked response '{}' for state '{}' in test case '{}' has no response for \
                     invocation {invocation}; it defines invocations {}.",
                    response.name,
                    request.state_name,
                    self.test_case,
                    response.covered()
                ),
            )),
        };
        Some(Box::pin(async move { answer }))
    }
}

fn state_machines(value: &Value) -> Result<BTreeMap<String, TestCases>, Error> {
    let mut machines = BTreeMap::new();
    for (machine, config) in object(value, "$.StateMachines")? {
        let path = format!("$.StateMachines.{machine}");
        let config = object(config, &path)?;
        let cases_path = format!("{path}.TestCases");
        let cases_value =
            config.get("TestCases").ok_or_else(|| invalid(&path, "TestCases is missing"))?;
        let mut cases = BTreeMap::new();
        for (case, states) in object(cases_value, &cases_path)? {
            let case_path = format!("{cases_path}.{case}");
            let mut mocked = BTreeMap::new();
            for (state, response) in object(states, &case_path)? {
                let response = response.as_str().ok_or_else(|| {
                    invalid(
                        &format!("{case_path}.{state}"),
                        "expected the name of a mocked response",
                    )
                })?;
                mocked.insert(state.clone(), response.to_owned());
            }
            cases.insert(case.clone(), mocked);
        }
        machines.insert(machine.clone(), cases);
    }
    Ok(machines)
}

fn mocked_answers(value: &Value, path: &str) -> Result<Vec<(u64, u64, TaskResult)>, Error> {
    let mut answers = Vec::new();
    for (key, answer) in object(value, path)? {
        let answer_path = format!("{path}.{key}");
        let (first, last) = invocation_range(key).ok_or_else(|| {
            invalid(
                &answer_path,
                "expected an invocation number such as \"0\" or an inclusive range such as \"1-2\"",
            )
        })?;
        answers.push((first, last, answer_of(answer, &answer_path)?));
    }
    answers.sort_by_key(|(first, _, _)| *first);
    for pair in answers.windows(2) {
        if let [(_, previous_last, _), (first, _, _)] = pair
            && first <= previous_last
        {
            return Err(invalid(path, &format!("invocation {first} has more than one response")));
        }
    }
    if answers.is_empty() {
        return Err(invalid(path, "a mocked response needs at least one invocation"));
    }
    Ok(answers)
}

/// `"3"` → (3, 3); `"1-2"` → (1, 2); anything else, including a range that ends before it
/// starts, → `None`.
fn invocation_range(key: &str) -> Option<(u64, u64)> {
    let number = |text: &str| -> Option<u64> {
        let digits = !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
        digits.then(|| text.parse().ok()).flatten()
    };
    match key.split_once('-') {
        Some((first, last)) => {
            let (first, last) = (number(first)?, number(last)?);
            (first <= last).then_some((first, last))
        }
        None => number(key).map(|only| (only, only)),
    }
}

fn answer_of(value: &Value, path: &str) -> Result<TaskResult, Error> {
    let answer = object(value, path)?;
    match (answer.get("Return"), answer.get("Throw"), answer.len()) {
        (Some(output), None, 1) => Ok(Ok(output.clone())),
        (None, Some(thrown), 1) => {
            let throw_path = format!("{path}.Throw");
            let thrown = object(thrown, &throw_path)?;
            let text = |field: &str| -> Result<String, Error> {
                match thrown.get(field) {
                    Some(Value::String(text)) => Ok(text.clone()),
                    // AWS requires a Cause; an empty one is the lenient reading of a missing one.
                    None if field == "Cause" => Ok(String::new()),
                    Some(_) | None => {
                        Err(invalid(&format!("{throw_path}.{field}"), "expected a string"))
                    }
                }
            };
            Ok(Err(TaskError::new(text("Error")?, text("Cause")?)))
        }
        _ => Err(invalid(path, "expected an object with exactly one field, Return or Throw")),
    }
}

fn object<'value>(value: &'value Value, path: &str) -> Result<&'value Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| invalid(path, "expected an object"))
}

fn invalid(path: &str, reason: &str) -> Error {
    Error::Invalid { path: path.to_owned(), reason: reason.to_owned() }
}

fn names<'name>(names: impl Iterator<Item = &'name String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

#[cfg(test)]
mod tests;
