//! `cargo xtask ci`: the checks CI runs, in the order that fails fastest: formatting, clippy,
//! the tests, agreement with the ASL corpus, and the AWS-recorded conformance cases, in-process
//! and against a real `baton serve` through the official runner.
//!
//! `.ci/run` installs what is missing and then calls this, and the README gives the same command,
//! so a developer can run exactly what CI runs (STYLE K1, K3).

use crate::workspace::{self, Profile};
use crate::{conformance, conformance_serve, corpus};

pub(crate) fn run() -> anyhow::Result<()> {
    workspace::run(&mut workspace::cargo(["fmt", "--all", "--check"]))?;
    workspace::run(&mut workspace::cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    workspace::run(&mut workspace::cargo(["test", "--workspace"]))?;
    // The dev build is what `cargo test` just compiled; a release build would double CI's
    // compile time for a check whose verdicts do not depend on optimisation.
    corpus::run(&corpus::Args {
        baton: None,
        profile: Profile::Dev,
        min_agreement: corpus::AGREEMENT_PERCENT_MIN,
        checker_arguments: Vec::new(),
    })?;
    // The AWS-recorded executions that need only the interpreter, in-process (about a second).
    conformance::run(&conformance::Args {
        cases: None,
        case_patterns: Vec::new(),
        show_failures: 0,
        write_doc: None,
        min_passed: conformance::PASSED_MIN,
    })?;
    // Every recorded case through the API, with boto3 (about a minute with four jobs).
    conformance_serve::run(&conformance_serve::Args {
        jobs: 4,
        show_failures: 0,
        category: None,
        min_passed: conformance_serve::PASSED_MIN,
    })
}
