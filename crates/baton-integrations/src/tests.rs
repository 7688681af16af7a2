//! Tests for the chain of runners and the failure of requests nobody claims.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::test_support::{render, request};
use crate::{Chain, Handlers, MockConfig, TaskRunner, run};

const CONFIG: &str = r#"{
  "StateMachines": { "M": { "TestCases": { "Case": { "Mocked": "R" } } } },
  "MockedResponses": { "R": { "0": { "Return": "from the mock" } } }
}"#;

/// A chain of a mock (state `Mocked`), a handler (function `Handled`) and nothing else.
fn chain() -> Chain {
    let mocks = MockConfig::parse(CONFIG).and_then(|config| config.runner("M", "Case"));
    let mocks = mocks.expect("the mock configuration is valid");
    let mut handlers = Handlers::new();
    handlers.register("Handled", |_| async { Ok(json!("from the handler")) });
    Chain::new(vec![Arc::new(mocks), Arc::new(handlers)])
}

/// Runs Task state `state` calling `arn` with `input` through [`chain`] and [`run`].
fn check(state: &str, arn: &str, input: Value, expect: &str) {
    let runner: &dyn TaskRunner = &chain();
    let work = run(runner, &request(state, arn, input));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    assert_eq!(render(Some(runtime.block_on(work))), expect, "{state}");
}

#[test]
fn chain_tries_runners_in_order() {
    let function = "arn:aws:lambda:us-east-1:123456789012:function:Handled";
    check("Mocked", function, json!({}), r#"ok "from the mock""#);
    check("Other", function, json!({}), r#"ok "from the handler""#);
    check(
        "Other",
        "arn:aws:states:::lambda:invoke",
        json!({"FunctionName": "Missing"}),
        "error Baton.UnsupportedResource: No task runner handles Lambda function 'Missing' \
         (resource 'arn:aws:states:::lambda:invoke') of Task state 'Other': it has no mocked \
         response in the test case, no in-process handler and no local command.",
    );
    check(
        "Other",
        "arn:aws:states:::sns:publish",
        json!({}),
        "error Baton.UnsupportedResource: No task runner handles resource \
         'arn:aws:states:::sns:publish' of Task state 'Other': it has no mocked response in the \
         test case and no in-process handler.",
    );
}
