//! The conformance results as a terminal table, failure details and the Markdown document
//! (docs/conformance.md), all from the same tallies so they never disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::compare::MESSAGE_DIFFERS;
use super::compare::{Aspect, Check};
use super::execute::{IDENTITY, START_MILLIS};
use super::{CaseResult, Failure, Verdict};

/// The failure kind of a feature the interpreter refuses to run.
pub(crate) const UNSUPPORTED: &str = "not supported yet";

/// How many differences beyond the first a failure lists in the document.
const DETAIL_LINES_MAX: usize = 3;

/// Cases run, passed and skipped in one category.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    passed: usize,
    run: usize,
    skipped: usize,
}

/// Everything the reports need.
#[derive(Debug)]
pub(crate) struct Summary<'r> {
    results: &'r [CaseResult],
    categories: BTreeMap<&'r str, Tally>,
    total: Tally,
    /// Cases whose outcomes (status, output, error, cause) all matched, of those with one.
    outcomes: (usize, usize),
    /// Cases whose history event types matched, of those with a recorded history.
    histories: (usize, usize),
    /// Cases where AWS answered with an error that Baton gave with AWS's exact message, of
    /// those Baton answered with the same error code.
    messages: (usize, usize),
}

impl<'r> Summary<'r> {
    pub(crate) fn new(results: &'r [CaseResult]) -> Summary<'r> {
        let mut categories: BTreeMap<&str, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        let mut outcomes = (0, 0);
        let mut histories = (0, 0);
        let mut messages = (0, 0);
        for result in results {
            let tally = categories.entry(result.category.as_str()).or_default();
            let checks = match &result.verdict {
                Verdict::Skip { .. } => {
                    tally.skipped += 1;
                    total.skipped += 1;
                    continue;
                }
                Verdict::Pass { checks } => {
                    tally.passed += 1;
                    total.passed += 1;
                    checks
                }
                Verdict::Fail { checks, .. } => checks,
            };
            tally.run += 1;
            total.run += 1;
            let aspect_ok = |aspects: &[Aspect]| -> Option<bool> {
                let relevant: Vec<&Check> =
                    checks.iter().filter(|check| aspects.contains(&check.aspect)).collect();
                (!relevant.is_empty())
                    .then(|| relevant.iter().all(|check| check.differences.is_empty()))
            };
            if let Some(ok) = aspect_ok(&[Aspect::Outcome, Aspect::Rejection, Aspect::Response]) {
                outcomes.0 += usize::from(ok);
                outcomes.1 += 1;
            }
            if let Some(ok) = aspect_ok(&[Aspect::History]) {
                histories.0 += usize::from(ok);
                histories.1 += 1;
            }
            if aspect_ok(&[Aspect::Rejection]) == Some(true) {
                let differs = result.notes.iter().any(|note| note.contains(MESSAGE_DIFFERS));
                messages.0 += usize::from(!differs);
                messages.1 += 1;
            }
        }
        Summary { results, categories, total, outcomes, histories, messages }
    }

    /// The per-category table and the two partial scores.
    pub(crate) fn table(&self) -> String {
        const CATEGORY_WIDTH: usize = 48;
        let mut out = String::new();
        let _ =
            writeln!(out, "{:CATEGORY_WIDTH$} {:>11} {:>8}", "category", "passed/run", "skipped");
        for (category, tally) in self.categories.iter().filter(|(_, tally)| tally.run > 0) {
            let score = format!("{}/{}", tally.passed, tally.run);
            let _ = writeln!(out, "{category:CATEGORY_WIDTH$} {score:>11} {:>8}", tally.skipped);
        }
        let skipped_only: usize = self
            .categories
            .values()
            .filter(|tally| tally.run == 0)
            .map(|tally| tally.skipped)
            .sum();
        let score = format!("{}/{}", self.total.passed, self.total.run);
        let _ = writeln!(
            out,
            "{:CATEGORY_WIDTH$} {:>11} {:>8}",
            "(categories with nothing to run)", "-", skipped_only
        );
        let _ = writeln!(out, "{:CATEGORY_WIDTH$} {score:>11} {:>8}", "TOTAL", self.total.skipped);
        let _ = writeln!(out, "{}", self.partial_scores());
        out
    }

    /// The outcome, history and error message scores, which the verdict combines.
    fn partial_scores(&self) -> String {
        format!(
            "outcome (status/output/error/cause): {} of {} cases match; history event types: {} \
             of {}; errors AWS recorded, with AWS's message: {} of {}",
            self.outcomes.0,
            self.outcomes.1,
            self.histories.0,
            self.histories.1,
            self.messages.0,
            self.messages.1
        )
    }

    /// Up to `count` failures with their reason, a short diff and any notes.
    pub(crate) fn print_failures(&self, count: usize, differences_max: usize) {
        for (result, failure) in self.failures().take(count) {
            println!("\n--- FAIL {}", result.id);
            println!("    {}: {}", failure.kind, failure.reason);
            // The reason already quotes the first difference (and, for histories, both sides).
            let unquoted =
                failure.detail.iter().filter(|line| !failure.reason.contains(line.trim()));
            for line in unquoted.take(differences_max) {
                println!("    {line}");
            }
            for note in &result.notes {
                println!("    note: {note}");
            }
        }
        if count > 0 {
            println!();
        }
    }

    /// The last line of the run. It must not read `N passed, M failed`: CI takes that shape
    /// for a test runner's summary.
    /// How many cases passed.
    pub(crate) fn passed(&self) -> usize {
        self.total.passed
    }

    pub(crate) fn closing_line(&self) -> String {
        format!(
            "conformance (interpreter): {} of {} cases pass; {} skipped (need the API, a \
             service, or a usable recording)",
            self.total.passed, self.total.run, self.total.skipped
        )
    }

    fn failures(&self) -> impl Iterator<Item = (&'r CaseResult, &'r Failure)> {
        self.results.iter().filter_map(|result| match &result.verdict {
            Verdict::Fail { failure, .. } => Some((result, failure)),
            Verdict::Pass { .. } | Verdict::Skip { .. } => None,
        })
    }

    /// docs/conformance.md.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = write!(out, "{}", markdown_introduction());
        let _ = writeln!(out, "## Result\n\n    {}\n", self.closing_line());
        let _ = writeln!(out, "Partial scores: {}.\n", self.partial_scores());
        let _ = writeln!(out, "| Category | Passed | Run | Skipped |\n|---|---:|---:|---:|");
        for (category, tally) in self.categories.iter().filter(|(_, tally)| tally.run > 0) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(category),
                tally.passed,
                tally.run,
                tally.skipped
            );
        }
        let _ = writeln!(
            out,
            "| **Total** | **{}** | **{}** | **{}** |\n",
            self.total.passed, self.total.run, self.total.skipped
        );
        self.markdown_failures(&mut out);
        self.markdown_skips(&mut out);
        out
    }

    fn markdown_failures(&self, out: &mut String) {
        let failures: Vec<(&CaseResult, &Failure)> = self.failures().collect();
        let _ = writeln!(out, "## Failures\n");
        if failures.is_empty() {
            let _ = writeln!(out, "None.\n");
            return;
        }
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, failure) in &failures {
            *kinds.entry(failure.kind.as_str()).or_default() += 1;
        }
        let kinds: Vec<String> =
            kinds.iter().map(|(kind, count)| format!("{kind}: {count}")).collect();
        let _ = writeln!(
            out,
            "{} cases fail ({}). `cargo xtask conformance --case <id> --show-failures 1` shows \
             one in full.\n",
            failures.len(),
            kinds.join(", ")
        );
        let (unsupported, wrong): (Vec<_>, Vec<_>) =
            failures.into_iter().partition(|(_, failure)| failure.kind == UNSUPPORTED);
        let _ = writeln!(out, "### Wrong results\n\nEach with the first field that differs.\n");
        for (result, failure) in wrong {
            let _ = writeln!(
                out,
                "- `{}`  \n  {}: {}",
                result.id,
                failure.kind,
                inline(&failure.reason)
            );
            let unquoted =
                failure.detail.iter().filter(|line| !failure.reason.contains(line.trim()));
            for line in unquoted.take(DETAIL_LINES_MAX) {
                let _ = writeln!(out, "  - {}", inline(line.trim()));
            }
            for note in result.notes.iter().filter(|note| !note.contains(MESSAGE_DIFFERS)) {
                let _ = writeln!(out, "  - note: {}", inline(note));
            }
        }
        // Features the interpreter refuses up front, each with the cases that need it.
        let mut features: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for (result, failure) in unsupported {
            let feature = failure.reason.split(" (state").next().unwrap_or(&failure.reason);
            let feature = feature.split(": ").last().unwrap_or(feature);
            features.entry(feature).or_default().push(result);
        }
        for (feature, results) in features {
            let _ = writeln!(out, "\n### Not supported yet: {feature} ({} cases)\n", results.len());
            for result in results {
                let _ = writeln!(out, "- `{}`", result.id);
            }
        }
        let _ = writeln!(out);
    }

    fn markdown_skips(&self, out: &mut String) {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for result in self.results {
            if let Verdict::Skip { reason } = &result.verdict {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
        }
        let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
        reasons.sort_by(|left, right| right.1.cmp(&left.1).then(left.0.cmp(right.0)));
        let _ = writeln!(out, "## Skipped cases\n\n| Reason | Cases |\n|---|---:|");
        for (reason, count) in reasons {
            let _ = writeln!(out, "| {} | {count} |", cell(reason));
        }
    }
}

fn markdown_introduction() -> String {
    format!(
        "# Conformance: the interpreter against recorded AWS executions\n\
         \n\
         <!-- Written by `cargo xtask conformance --write-doc docs/conformance.md`; edit the \
         xtask, not this file. -->\n\
         \n\
         `cargo xtask conformance` replays the cases of ../shared/conformance/cases.json (AWS \
         executions recorded by LocalStack's AWS-validated snapshot tests) that need nothing but \
         the interpreter, in-process: `baton_asl::parse` for CreateStateMachine, \
         `baton_core::simulate::run` on virtual time for StartExecution, and the simulated \
         history for DescribeExecution and GetExecutionHistory.\n\
         \n\
         - **Selection.** A case runs when every call is CreateStateMachine, StartExecution, \
         DescribeExecution, GetExecutionHistory or a wait for an execution, with no API feature \
         beyond the definition (no versions, tags or logging), and no definition has a Task \
         state (every Task needs a service). Everything else is skipped with its reason (last \
         section).\n\
         - **Comparison.** As the official runner (`sfn_conformance.py`): placeholders resolved \
         and values normalised the way the recordings were; an execution's status, output (as \
         parsed JSON), error and cause; its history's event types in order, with the events \
         inside each Parallel/Map block compared as a multiset; other recorded responses \
         structurally. A case passes when all of these match. A definition or input AWS \
         rejected passes when Baton rejects it with the same error code; differing API \
         messages are only noted.\n\
         - **Fixed values.** Account `{}`, region `{}`, every execution starts at {} ms after \
         the epoch (2026-11-21T20:14:54Z, the clock the recordings were extracted with) with \
         the same seed. Executions AWS recorded while still running are cut after 3 s of \
         virtual time, as the official runner waits 3 s.\n\
         \n\
         Run `cargo xtask conformance --show-failures 20` for diffs, `--case <glob>` for a \
         subset.\n\n",
        IDENTITY.account, IDENTITY.region, START_MILLIS
    )
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text safe on one Markdown list line.
fn inline(text: &str) -> String {
    text.replace('\n', " ").replace('<', "&lt;")
}
