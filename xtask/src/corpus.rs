//! `cargo xtask corpus`: how often `baton validate` agrees with the ASL validity corpus.
//!
//! The corpus (../shared/asl-corpus) labels each definition valid or invalid and ships its own
//! checker, which runs a command per file and compares exit codes with the labels. We run that
//! checker exactly as the corpus README says rather than reimplementing it, so our number is the
//! number anyone else measuring with the corpus gets.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::workspace::{self, Profile};

/// Options of `cargo xtask corpus`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Use this `baton` binary instead of building one.
    #[arg(long, value_name = "PATH")]
    pub(crate) baton: Option<PathBuf>,
    /// The cargo profile to build `baton` with when `--baton` is not given.
    #[arg(long, value_enum, default_value = "release")]
    pub(crate) profile: Profile,
    /// Fail when fewer than this percentage of corpus files agree with their label.
    #[arg(long, value_name = "PERCENT", default_value_t = AGREEMENT_PERCENT_MIN)]
    pub(crate) min_agreement: f64,
    /// Extra arguments for check_validator.py, after `--` (for example `-- --source localstack`).
    #[arg(last = true)]
    pub(crate) checker_arguments: Vec<String>,
}

/// The agreement CI insists on. The corpus mixes AWS's recorded behaviour with other validators'
/// readings of the spec, which disagree with AWS in a few places, so 100% is not the target.
pub(crate) const AGREEMENT_PERCENT_MIN: f64 = 98.0;

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let baton = match &args.baton {
        Some(path) => path.canonicalize().with_context(|| format!("{}", path.display()))?,
        None => workspace::build_baton(args.profile)?,
    };
    let corpus = workspace::shared().join("asl-corpus");
    let checker = corpus.join("check_validator.py");
    if !checker.is_file() {
        bail!("{} not found: ../shared must sit beside the repository", checker.display());
    }
    let template = format!(
        "{} validate --type {{type}} {{file}}",
        workspace::shell_quote(&baton.to_string_lossy())
    );
    let mut command = Command::new("python3");
    // `--exit-zero`: the checker fails on any disagreement, but our bar is the agreement rate.
    command
        .arg(&checker)
        .arg(&corpus)
        .arg(&template)
        .arg("--exit-zero")
        .args(&args.checker_arguments)
        .current_dir(workspace::root())
        .stdout(Stdio::piped());
    let score = forward_and_score(&mut command)?;
    let agreement_percent = score.agreement_percent();
    println!(
        "corpus agreement: {} of {} files ({agreement_percent:.1}%), {} disagree; minimum {}%",
        score.passed,
        score.total(),
        score.failed,
        args.min_agreement
    );
    if agreement_percent < args.min_agreement {
        bail!("corpus agreement {agreement_percent:.1}% is below {}%", args.min_agreement);
    }
    Ok(())
}

/// The checker's verdict: files whose validity matched their label, and files where it did not.
#[derive(Debug, Clone, Copy)]
struct Score {
    passed: u64,
    failed: u64,
}

impl Score {
    fn total(self) -> u64 {
        self.passed + self.failed
    }

    fn agreement_percent(self) -> f64 {
        if self.total() == 0 {
            return 0.0;
        }
        // Counts of a few thousand files convert to f64 exactly.
        100.0 * self.passed as f64 / self.total() as f64
    }
}

/// Runs the checker, echoing its report as it arrives, and reads the score from its last line.
///
/// The checker's own closing line (`N passed, M failed`) is replaced by our agreement line: it
/// counts corpus files, not tests, and a CI log reader should not mistake it for a test run.
fn forward_and_score(command: &mut Command) -> anyhow::Result<Score> {
    let shown = workspace::display(command);
    eprintln!("$ {shown}");
    let mut child = command.spawn().with_context(|| format!("could not start `{shown}`"))?;
    let stdout = child.stdout.take().context("the checker's output was not captured")?;
    let mut score = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading the checker's output")?;
        match parse_score(&line) {
            Some(parsed) => score = Some(parsed),
            None => println!("{line}"),
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{shown}` failed with {status}");
    }
    score.with_context(|| format!("`{shown}` printed no `N passed, M failed` line"))
}

/// Reads the checker's closing line, `N passed, M failed`.
fn parse_score(line: &str) -> Option<Score> {
    let (passed, failed) = line.trim().split_once(" passed, ")?;
    let failed = failed.strip_suffix(" failed")?;
    Some(Score { passed: passed.parse().ok()?, failed: failed.parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::parse_score;

    fn check(line: &str, expect: Option<(u64, u64)>) {
        let score = parse_score(line).map(|score| (score.passed, score.failed));
        assert_eq!(score, expect, "{line:?}");
    }

    #[test]
    fn reads_only_the_closing_line() {
        check("600 passed, 7 failed", Some((600, 7)));
        check("0 passed, 0 failed\n", Some((0, 0)));
        check("TOTAL   600/607  98.8%", None);
        check("  a.json: expected valid, got invalid", None);
        check("many passed, 7 failed", None);
    }
}
