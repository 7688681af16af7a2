//! `cargo xtask conformance`: replays the recorded AWS executions that need only the
//! interpreter, in-process, and reports how many Baton reproduces.
//!
//! ../shared/conformance/cases.json holds LocalStack's AWS-validated snapshot tests as data. The
//! official runner (`sfn_conformance.py`) replays them against a server; until Baton has one,
//! this replays the execution-only cases straight through `baton_asl::parse` and
//! `baton_core::simulate::run`, with the official runner's placeholder resolution,
//! normalisation and comparison ported to Rust, so that a pass here means what it means there.
//!
//! Cases run one at a time on a worker thread: a panic becomes that case's failure and a case
//! that never ends is abandoned after a time limit, so one interpreter bug cannot hide the rest.

mod case;
mod compare;
mod execute;
mod jsonpath;
mod normalise;
mod report;
mod resolve;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use anyhow::Context;
use regex::Regex;

use crate::workspace;

use self::case::Case;
use self::compare::{Aspect, Check};

/// Options of `cargo xtask conformance`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The case file (default: ../shared/conformance/cases.json).
    #[arg(long, value_name = "PATH")]
    pub(crate) cases: Option<PathBuf>,
    /// Only cases whose id contains this text or matches this glob; repeatable.
    #[arg(long = "case", value_name = "GLOB")]
    pub(crate) case_patterns: Vec<String>,
    /// Print the reason and a short diff for up to N failing cases.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) show_failures: usize,
    /// Also write the results as Markdown to this file (docs/conformance.md).
    #[arg(long, value_name = "PATH")]
    pub(crate) write_doc: Option<PathBuf>,
    /// Fail when fewer cases than this pass (CI uses it to catch regressions).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) min_passed: usize,
}

/// How many interpreter-only cases pass today: CI fails below it. Raise it as cases are fixed.
pub(crate) const PASSED_MIN: usize = 262;

/// How long one case may run. The slowest interpreter-only case takes well under a second; a
/// case still running after this is looping.
const CASE_SECONDS_MAX: u64 = 60;

/// How many differences a failure prints under `--show-failures`.
const DIFFERENCES_SHOWN_MAX: usize = 4;

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let path = match &args.cases {
        Some(path) => path.clone(),
        None => workspace::shared().join("conformance").join("cases.json"),
    };
    let patterns = args
        .case_patterns
        .iter()
        .map(|pattern| CasePattern::new(pattern))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cases: Vec<Arc<Case>> = case::load(&path)?
        .into_iter()
        .filter(|case| {
            patterns.is_empty() || patterns.iter().any(|pattern| pattern.matches(&case.id))
        })
        .map(Arc::new)
        .collect();
    eprintln!("conformance: {} cases from {}", cases.len(), path.display());
    let results = run_all(&cases);
    let summary = report::Summary::new(&results);
    print!("{}", summary.table());
    summary.print_failures(args.show_failures, DIFFERENCES_SHOWN_MAX);
    if let Some(doc) = &args.write_doc {
        std::fs::write(doc, summary.markdown())
            .with_context(|| format!("writing {}", doc.display()))?;
        eprintln!("conformance: wrote {}", doc.display());
    }
    // Not `N passed, M failed`: CI log readers take that shape for a test run.
    println!("{}", summary.closing_line());
    anyhow::ensure!(
        summary.passed() >= args.min_passed,
        "conformance regressed: {} cases pass, at least {} must",
        summary.passed(),
        args.min_passed
    );
    Ok(())
}

/// What happened to one case.
#[derive(Debug)]
pub(crate) struct CaseResult {
    pub(crate) id: String,
    pub(crate) category: String,
    pub(crate) verdict: Verdict,
    /// Remarks that do not decide the verdict (API messages, approximated normalisation).
    pub(crate) notes: Vec<String>,
}

/// A case's verdict.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Every recorded value matched.
    Pass { checks: Vec<Check> },
    /// Something differed or broke.
    Fail { failure: Failure, checks: Vec<Check> },
    /// The interpreter alone cannot run the case.
    Skip { reason: String },
}

/// Why a case failed: the first differing field and what it looked like.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// A short class for grouping (`outcome`, `history`, `not supported yet`, ...).
    pub(crate) kind: String,
    pub(crate) reason: String,
    pub(crate) detail: Vec<String>,
}

fn run_all(cases: &[Arc<Case>]) -> Vec<CaseResult> {
    // A panicking case is reported with its message; the default hook would also print a
    // backtrace banner in the middle of the table.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let results = cases.iter().map(run_one).collect();
    std::panic::set_hook(previous_hook);
    results
}

fn run_one(case: &Arc<Case>) -> CaseResult {
    let result = |verdict, notes| CaseResult {
        id: case.id.clone(),
        category: case.category.clone(),
        verdict,
        notes,
    };
    if let Some(reason) = case::skip_reason(case) {
        return result(Verdict::Skip { reason }, Vec::new());
    }
    let (sender, receiver) = mpsc::channel();
    let worker_case = Arc::clone(case);
    let spawned = std::thread::Builder::new().name(case.id.clone()).spawn(move || {
        let outcome = std::panic::catch_unwind(|| evaluate_case(&worker_case));
        // The receiver is gone only when the case already timed out.
        let _ = sender.send(outcome.map_err(|payload| panic_message(payload.as_ref())));
    });
    let failure = |kind: &str, reason: String| Verdict::Fail {
        failure: Failure { kind: kind.to_owned(), reason, detail: Vec::new() },
        checks: Vec::new(),
    };
    if let Err(error) = spawned {
        return result(
            failure("harness", format!("could not start a worker: {error}")),
            Vec::new(),
        );
    }
    match receiver.recv_timeout(Duration::from_secs(CASE_SECONDS_MAX)) {
        Ok(Ok((verdict, notes))) => result(verdict, notes),
        Ok(Err(message)) => result(failure("panic", format!("panicked: {message}")), Vec::new()),
        // The worker keeps spinning until xtask exits; there is no safe way to stop a thread.
        Err(_) => result(
            failure("hang", format!("did not finish within {CASE_SECONDS_MAX} s")),
            Vec::new(),
        ),
    }
}

/// Replays, normalises and compares one case.
fn evaluate_case(case: &Case) -> (Verdict, Vec<String>) {
    let replay = execute::replay(case);
    let resolver = replay.resolver();
    let mut observed = serde_json::Map::new();
    let mut notes = Vec::new();
    for recorded in &case.matches {
        match resolver.value(&recorded.spec, false) {
            Ok(value) => {
                observed.insert(recorded.key.clone(), value);
            }
            Err(resolve::Unresolvable(reason)) => {
                notes.push(format!("{}: no observed value ({reason})", recorded.key));
            }
        }
    }
    let normalised = normalise::normalise(observed, &case.transformers, &resolver);
    notes.extend(normalised.approximations);
    let evaluation = compare::evaluate(case, &normalised.values);
    notes.extend(evaluation.notes);
    let checks = evaluation.checks;
    let failing = checks.iter().find(|check| !check.differences.is_empty());
    let verdict = match (&replay.aborted, failing) {
        (Some(reason), _) => {
            let kind = if reason.contains("is not supported yet") {
                report::UNSUPPORTED
            } else {
                "API call"
            };
            // What could not be observed after the replay stopped follows from the stop.
            notes.clear();
            Verdict::Fail {
                failure: Failure {
                    kind: kind.to_owned(),
                    reason: reason.clone(),
                    detail: Vec::new(),
                },
                checks,
            }
        }
        (None, Some(check)) => {
            let failure = Failure {
                kind: check.aspect.label().to_owned(),
                reason: first_difference(check),
                detail: check.differences.clone(),
            };
            Verdict::Fail { failure, checks }
        }
        (None, None) if checks.is_empty() => Verdict::Fail {
            failure: Failure {
                kind: "harness".to_owned(),
                reason: "nothing was compared".to_owned(),
                detail: Vec::new(),
            },
            checks,
        },
        (None, None) => Verdict::Pass { checks },
    };
    (verdict, notes)
}

/// The first differing field of a failed check, as one line.
fn first_difference(check: &Check) -> String {
    let first = check.differences.first().map_or("", String::as_str);
    match check.aspect {
        Aspect::History => {
            let sides: Vec<&str> =
                check.differences.iter().skip(1).map(|line| line.trim()).collect();
            format!("{first}: {}", sides.join("; "))
        }
        Aspect::Outcome | Aspect::Response | Aspect::Rejection => first.to_owned(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// `--case`: a substring of the id, or a shell glob over the whole id (as the official
/// runner's `--case`).
#[derive(Debug)]
struct CasePattern {
    text: String,
    glob: Regex,
}

impl CasePattern {
    fn new(text: &str) -> anyhow::Result<CasePattern> {
        let glob = Regex::new(&glob_to_regex(text))
            .with_context(|| format!("--case {text:?} is not a usable glob"))?;
        Ok(CasePattern { text: text.to_owned(), glob })
    }

    fn matches(&self, id: &str) -> bool {
        id.contains(&self.text) || self.glob.is_match(id)
    }
}

/// Python's `fnmatch.translate`: `*`, `?`, `[...]` (with `!` for negation), the rest literal.
fn glob_to_regex(glob: &str) -> String {
    let mut pattern = String::from("(?s)^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => pattern.push_str(".*"),
            '?' => pattern.push('.'),
            '[' => {
                let mut class = String::new();
                let mut closed = false;
                for inner in chars.by_ref() {
                    if inner == ']' && !class.is_empty() {
                        closed = true;
                        break;
                    }
                    class.push(inner);
                }
                if closed {
                    let negated = class.strip_prefix('!');
                    let body = negated.unwrap_or(&class).replace('\\', r"\\").replace('[', r"\[");
                    pattern.push('[');
                    if negated.is_some() {
                        pattern.push('^');
                    }
                    pattern.push_str(&body);
                    pattern.push(']');
                } else {
                    pattern.push_str(&regex::escape(&format!("[{class}")));
                }
            }
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    pattern.push('$');
    pattern
}
