//! Redrive (`Input::Redrive`): an execution that failed, timed out or was aborted runs again
//! from where it stopped. Only what did not finish runs again: the failed state, the Parallel
//! branches and Map iterations that failed or were aborted, with fresh retry counters; what
//! succeeded keeps its result and runs no more.

use serde_json::{Value, json};

mod support;

use baton_core::simulate;
use baton_core::{Execution, Input, Millis, Outcome, step};

use support::driver::{Driver, LAMBDA, asked, map_of_tasks};

const AT: Millis = support::STARTED_AT;

#[test]
fn a_failed_task_runs_again_with_the_input_it_entered_with() {
    let definition = format!(
        r#"{{"StartAt":"Prepare","States":{{
            "Prepare":{{"Type":"Pass","Result":"x","ResultPath":"$.v","Next":"Work"}},
            "Work":{{"Type":"Task","Resource":"{LAMBDA}","Parameters":{{"v.$":"$.v"}},"End":true}}}}}}"#
    );
    let mut driver = Driver::start(&definition, &json!({"id": 7}));
    let outcome = driver.run(&mut |_| Err("Boom".to_owned()));
    assert_eq!(outcome.status(), "FAILED");
    let before = driver.events.len() as u64;
    driver.redrive();
    let mut calls = 0;
    let outcome = driver.run(&mut |request| {
        calls += 1;
        Ok(json!({"done": asked(request)}))
    });
    assert_eq!(outcome, Outcome::Succeeded { output: r#"{"done":"x"}"#.to_owned() });
    assert_eq!(calls, 1, "the Pass state before the failed task does not run again");
    let first = before + 1;
    let expected = format!(
        "{first} {before} ExecutionRedriven {{\"redriveCount\":1}}\n\
         {} {first} TaskStateEntered {{\"input\":\"{{\\\"id\\\":7,\\\"v\\\":\\\"x\\\"}}\",\"name\":\"Work\"}}\n",
        first + 1
    );
    assert!(
        driver.history_from(first).starts_with(&expected),
        "history after the redrive:\n{}",
        driver.history_from(first)
    );
    // The redrive is an input like the others: replaying them all gives the same history.
    let (_, replayed) = simulate::replay(&driver.machine, &driver.inputs).expect("replay");
    assert_eq!(replayed, driver.events);
}

#[test]
fn retry_counters_start_again() {
    let definition = format!(
        r#"{{"StartAt":"Work","States":{{
            "Work":{{"Type":"Task","Resource":"{LAMBDA}","Retry":[{{"ErrorEquals":["Flaky"],"MaxAttempts":1,"IntervalSeconds":1}}],"End":true}}}}}}"#
    );
    let mut driver = Driver::start(&definition, &json!({}));
    let mut attempts = 0;
    driver.run(&mut |_| {
        attempts += 1;
        Err("Flaky".to_owned())
    });
    assert_eq!(attempts, 2, "one attempt and one retry");
    driver.redrive();
    let mut attempts = 0;
    let outcome = driver.run(&mut |_| {
        attempts += 1;
        if attempts == 1 { Err("Flaky".to_owned()) } else { Ok(json!("ok")) }
    });
    assert_eq!(attempts, 2, "the redriven state may retry again");
    assert_eq!(outcome.status(), "SUCCEEDED");
}

#[test]
fn only_the_parallel_branches_that_failed_or_were_aborted_run_again() {
    let branch = |name: &str| {
        format!(
            r#"{{"StartAt":"{name}","States":{{"{name}":{{"Type":"Task","Resource":"{LAMBDA}","Parameters":{{"v":"{name}"}},"End":true}}}}}}"#
        )
    };
    let definition = format!(
        r#"{{"StartAt":"Both","States":{{"Both":{{"Type":"Parallel","Branches":[{},{},{}],"End":true}}}}}}"#,
        branch("a"),
        branch("b"),
        branch("c")
    );
    let mut driver = Driver::start(&definition, &json!({}));
    // a succeeds, b fails, and c, still running, is aborted.
    assert_eq!(driver.run_failing(&["b"]).status(), "FAILED");
    let (asked_again, outcome) = driver.redrive_and_succeed();
    assert_eq!(asked_again, ["b", "c"]);
    assert_eq!(outcome, Outcome::Succeeded { output: r#"["A","B","C"]"#.to_owned() });
}

#[test]
fn only_the_map_iterations_that_did_not_succeed_run_again_then_the_rest() {
    let definition = map_of_tasks(r#""MaxConcurrency":1"#, "");
    let mut driver = Driver::start(&definition, &json!(["a", "b", "c"]));
    assert_eq!(driver.run_failing(&["b"]).status(), "FAILED");
    let before = driver.events.len() as u64;
    let (asked_again, outcome) = driver.redrive_and_succeed();
    assert_eq!(asked_again, ["b", "c"], "item a succeeded and does not run again");
    assert_eq!(outcome, Outcome::Succeeded { output: r#"["A","B","C"]"#.to_owned() });
    let history = driver.history_from(before + 1);
    let started: Vec<&str> =
        history.lines().filter(|line| line.contains("MapIterationStarted")).collect();
    assert_eq!(started.len(), 2, "{history}");
    assert!(started[0].ends_with(r#"{"index":1,"name":"Each"}"#), "{history}");
    assert!(started[1].ends_with(r#"{"index":2,"name":"Each"}"#), "{history}");
}

#[test]
fn map_iterations_that_failed_within_the_tolerance_run_again_too() {
    let definition = map_of_tasks(r#""ToleratedFailureCount":1"#, "");
    let mut driver = Driver::start(&definition, &json!(["c", "a", "b", "d"]));
    // Answered in item order: c succeeds, a fails within the tolerance, b exceeds it, and d,
    // still running, is aborted.
    let outcome = driver.run_failing(&["a", "b"]);
    assert_eq!(
        outcome,
        Outcome::Failed {
            error: Some("States.ExceedToleratedFailureThreshold".to_owned()),
            cause: Some("The specified tolerated failure threshold was exceeded".to_owned()),
        }
    );
    let (mut asked_again, outcome) = driver.redrive_and_succeed();
    asked_again.sort();
    assert_eq!(asked_again, ["a", "b", "d"]);
    assert_eq!(outcome, Outcome::Succeeded { output: r#"["C","A","B","D"]"#.to_owned() });
}

#[test]
fn a_stopped_wait_starts_over_and_the_execution_timeout_restarts() {
    let definition = r#"{"TimeoutSeconds":100,"StartAt":"Pause","States":{
        "Pause":{"Type":"Wait","Seconds":30,"End":true}}}"#;
    let mut driver = Driver::start(definition, &json!({}));
    driver.apply(Input::Stop { error: Some("Why".to_owned()), cause: None, at: AT + 5_000 });
    assert_eq!(driver.outcome.as_ref().map(Outcome::status), Some("ABORTED"));
    assert!(driver.timers.is_empty());
    driver.redrive();
    let redriven_at = driver.now;
    let dues: Vec<Millis> = driver.timers.iter().map(|(due, _)| *due).collect();
    assert_eq!(dues, [redriven_at + 30_000, redriven_at + 100_000]);
    assert_eq!(driver.run(&mut |_| unreachable!("no task")).status(), "SUCCEEDED");
}

#[test]
fn a_timed_out_execution_can_time_out_again() {
    let definition = r#"{"TimeoutSeconds":10,"StartAt":"Pause","States":{
        "Pause":{"Type":"Wait","Seconds":30,"End":true}}}"#;
    let mut driver = Driver::start(definition, &json!({}));
    assert_eq!(driver.run(&mut |_| unreachable!("no task")).status(), "TIMED_OUT");
    driver.redrive();
    assert_eq!(driver.run(&mut |_| unreachable!("no task")).status(), "TIMED_OUT");
    let types: Vec<String> =
        driver.events.iter().map(|event| event.to_json()["type"].to_string()).collect();
    assert_eq!(types.iter().filter(|name| name.contains("WaitStateEntered")).count(), 2);
    assert_eq!(types.last().map(String::as_str), Some("\"ExecutionTimedOut\""));
}

#[test]
fn the_context_object_counts_redrives() {
    let definition = format!(
        r#"{{"StartAt":"Work","States":{{
            "Work":{{"Type":"Task","Resource":"{LAMBDA}","Parameters":{{"count.$":"$$.Execution.RedriveCount","time.$":"$$.Execution.RedriveTime"}},"End":true}}}}}}"#
    );
    let mut driver = Driver::start(&definition, &json!({}));
    // Before any redrive, `RedriveTime` is absent, and a path to it fails the state.
    assert_eq!(driver.run(&mut |_| unreachable!("the parameters fail")).status(), "FAILED");
    driver.redrive();
    let mut seen = Value::Null;
    driver.run(&mut |request| {
        seen = request.input.clone();
        Ok(json!({}))
    });
    assert_eq!(seen["count"], 1);
    assert_eq!(seen["time"], "2023-11-14T22:14:20.000Z");
}

#[test]
fn a_running_or_succeeded_execution_is_not_redriven() {
    let definition = format!(
        r#"{{"StartAt":"Work","States":{{"Work":{{"Type":"Task","Resource":"{LAMBDA}","End":true}}}}}}"#
    );
    let mut driver = Driver::start(&definition, &json!({}));
    let running = step(&driver.machine, &mut driver.execution, Input::Redrive { at: AT });
    assert_eq!(
        running.map(|_| ()).map_err(|error| error.to_string()),
        Err("Execution is RUNNING and cannot be redriven".to_owned())
    );
    driver.run(&mut |_| Ok(json!(1)));
    let succeeded = step(&driver.machine, &mut driver.execution, Input::Redrive { at: AT });
    assert_eq!(
        succeeded.map(|_| ()).map_err(|error| error.to_string()),
        Err("Execution is SUCCEEDED and cannot be redriven".to_owned())
    );
}

#[test]
fn a_snapshot_of_a_failed_execution_redrives_like_the_execution() {
    let definition = format!(
        r#"{{"StartAt":"Both","States":{{"Both":{{"Type":"Parallel","Branches":[
            {{"StartAt":"A","States":{{"A":{{"Type":"Task","Resource":"{LAMBDA}","Parameters":{{"v":"A"}},"End":true}}}}}},
            {{"StartAt":"B","States":{{"B":{{"Type":"Task","Resource":"{LAMBDA}","Parameters":{{"v":"B"}},"End":true}}}}}}],
          "End":true}}}}}}"#
    );
    let mut driver = Driver::start(&definition, &json!({}));
    driver.run_failing(&["B"]);
    let mut restored =
        Execution::from_snapshot(&driver.execution.snapshot()).expect("the snapshot reads");
    let at = driver.now + 60_000;
    let from_snapshot =
        step(&driver.machine, &mut restored, Input::Redrive { at }).expect("redrive applies");
    driver.redrive();
    assert_eq!(
        &driver.events[driver.events.len() - from_snapshot.events.len()..],
        from_snapshot.events
    );
    assert_eq!(restored.redriven(), Some((1, at)));
}

#[test]
fn a_distributed_map_runs_again_only_its_unsuccessful_child_executions() {
    let definition = map_of_tasks(
        r#""MaxConcurrency":1"#,
        r#""ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"#,
    );
    let mut driver = Driver::start(&definition, &json!(["a", "b", "c"]));
    assert_eq!(driver.run_failing(&["b"]).status(), "FAILED");
    let before = driver.events.len() as u64;
    let (asked_again, outcome) = driver.redrive_and_succeed();
    assert_eq!(asked_again, ["b", "c"]);
    assert_eq!(outcome, Outcome::Succeeded { output: r#"["A","B","C"]"#.to_owned() });
    // The child executions' events are not this history's.
    let types: Vec<String> = driver
        .history_from(before + 1)
        .lines()
        .map(|line| line.split(' ').nth(2).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionRedriven",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn iterations_kept_for_a_redrive_do_not_count_against_the_variables_limit() {
    // Each iteration assigns a variable of almost 256 KiB; 45 of them fail within the
    // tolerance and stay halted with it, 11 MB in all, over the execution's 10 MiB.
    let definition = format!(
        r#"{{"StartAt":"Each","States":{{"Each":{{"Type":"Map","MaxConcurrency":1,
            "ToleratedFailurePercentage":100,"ItemsPath":"$.items",
            "ItemSelector":{{"blob.$":"$.blob","v.$":"$$.Map.Item.Value"}},
            "ItemProcessor":{{"StartAt":"Keep","States":{{
              "Keep":{{"Type":"Pass","Assign":{{"big.$":"$.blob"}},"Next":"Do"}},
              "Do":{{"Type":"Task","Resource":"{LAMBDA}","Parameters":{{"v.$":"$.v"}},
                     "ResultPath":null,"End":true}}}}}},
            "ResultPath":null,"End":true}}}}}}"#
    );
    let items: Vec<String> = (0..50).map(|index| format!("i{index}")).collect();
    let input = json!({ "blob": "x".repeat(250_000), "items": items });
    let mut driver = Driver::start(&definition, &input);
    let mut asked_for = Vec::new();
    let outcome = driver.run(&mut |request| {
        asked_for.push(asked(request));
        if asked_for.len() <= 45 { Err("Boom".to_owned()) } else { Ok(json!({})) }
    });
    assert_eq!(outcome.status(), "SUCCEEDED", "{outcome:?}");
    // Had the halted iterations counted, the last ones would have failed in `Keep`, within
    // the tolerance too, without asking for their task.
    assert_eq!(asked_for, items);
}
