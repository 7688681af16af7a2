//! A test's execution on virtual time: tasks answered by the test, timers fired in due order,
//! inputs kept for a replay, and inputs from outside (a stop, a redrive) applied between.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};

use baton_core::{
    Command, Event, Execution, Input, Millis, Outcome, Step, TaskRequest, TimerId, start, step,
};

/// How the test answers a task: by its input.
pub(crate) type Answer<'a> = dyn FnMut(&TaskRequest) -> Result<Value, String> + 'a;

/// Drives one execution on virtual time, keeping its events and the inputs applied, and lets
/// the test redrive it once it has ended.
pub(crate) struct Driver {
    pub(crate) machine: baton_asl::StateMachine,
    pub(crate) execution: Execution,
    pub(crate) events: Vec<Event>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) tasks: VecDeque<Arc<TaskRequest>>,
    pub(crate) timers: BTreeSet<(Millis, TimerId)>,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) now: Millis,
}

impl Driver {
    pub(crate) fn start(definition: &str, input: &Value) -> Driver {
        let machine = super::machine(definition);
        let first = super::start(input);
        let (execution, first_step) = start(&machine, first.clone()).expect("the execution starts");
        let mut driver = Driver {
            machine,
            execution,
            events: Vec::new(),
            inputs: vec![Input::Start(Box::new(first))],
            tasks: VecDeque::new(),
            timers: BTreeSet::new(),
            outcome: None,
            now: super::STARTED_AT,
        };
        driver.absorb(first_step);
        driver
    }

    pub(crate) fn absorb(&mut self, produced: Step) {
        self.events.extend(produced.events);
        for command in produced.commands {
            match command {
                Command::RunTask(request) => self.tasks.push_back(request),
                Command::CancelTask { task } => self.tasks.retain(|request| request.task != task),
                Command::StartTimer { timer, due } => {
                    self.timers.insert((due, timer));
                }
                Command::CancelTimer { timer } => {
                    self.timers.retain(|(_, pending)| *pending != timer);
                }
                Command::Finish(outcome) => self.outcome = Some(outcome),
            }
        }
    }

    pub(crate) fn apply(&mut self, input: Input) {
        self.inputs.push(input.clone());
        let produced = step(&self.machine, &mut self.execution, input).expect("the input applies");
        self.absorb(produced);
    }

    /// Answers tasks (in order) and fires timers (in due order) until the execution ends.
    pub(crate) fn run(&mut self, answer: &mut Answer<'_>) -> Outcome {
        while self.outcome.is_none() {
            let input = if let Some(request) = self.tasks.pop_front() {
                match answer(&request) {
                    Ok(output) => Input::TaskSucceeded { task: request.task, output, at: self.now },
                    Err(error) => Input::TaskFailed {
                        task: request.task,
                        cause: format!("{error} happened"),
                        error,
                        at: self.now,
                    },
                }
            } else if let Some((due, timer)) = self.timers.pop_first() {
                self.now = self.now.max(due);
                Input::TimerFired { timer, at: self.now }
            } else {
                panic!("the execution waits for nothing");
            };
            self.apply(input);
        }
        self.outcome.clone().expect("the loop ends with an outcome")
    }

    pub(crate) fn redrive(&mut self) {
        self.now += 60_000;
        self.outcome = None;
        self.apply(Input::Redrive { at: self.now });
    }

    /// Runs to the end, failing the tasks asked by one of `failing` with `Boom` and answering
    /// the others with what they asked, in capitals.
    pub(crate) fn run_failing(&mut self, failing: &[&str]) -> Outcome {
        self.run(&mut |request| {
            let asked = asked(request);
            if failing.contains(&asked.as_str()) {
                Err("Boom".to_owned())
            } else {
                Ok(json!(asked.to_uppercase()))
            }
        })
    }

    /// Redrives the execution and runs it to the end, answering every task with what it
    /// asked, in capitals; returns who asked, in order, and the outcome.
    pub(crate) fn redrive_and_succeed(&mut self) -> (Vec<String>, Outcome) {
        self.redrive();
        let mut asked_again = Vec::new();
        let outcome = self.run(&mut |request| {
            asked_again.push(asked(request));
            Ok(json!(asked(request).to_uppercase()))
        });
        (asked_again, outcome)
    }

    /// The events from `first` on, one line each: id, previous id, type and details (without
    /// the details every event of a type repeats).
    pub(crate) fn history_from(&self, first: u64) -> String {
        let from = self.events.iter().position(|event| event.id >= first);
        super::render(&self.events[from.unwrap_or(self.events.len())..])
    }
}

/// The `"v"` field of a task's input: which item or branch asks.
pub(crate) fn asked(request: &TaskRequest) -> String {
    request.input["v"].as_str().map_or_else(|| request.input.to_string(), str::to_owned)
}

pub(crate) const LAMBDA: &str = "arn:aws:states:::lambda:invoke";

/// A Map state whose iterations each run one task with their item as `v`; `fields` are the
/// Map's own (JSON members), `processor` opens its `ItemProcessor` (empty, or members ending
/// in a comma).
pub(crate) fn map_of_tasks(fields: &str, processor: &str) -> String {
    format!(
        r#"{{"StartAt":"Each","States":{{"Each":{{"Type":"Map",{fields},
            "ItemProcessor":{{{processor}"StartAt":"Do","States":{{"Do":{{"Type":"Task",
              "Resource":"{LAMBDA}","Parameters":{{"v.$":"$"}},"End":true}}}}}},
            "End":true}}}}}}"#
    )
}
