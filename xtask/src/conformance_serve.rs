//! `cargo xtask conformance-serve`: the official conformance runner
//! (../shared/conformance/sfn_conformance.py, boto3) against a real `baton serve`.
//!
//! Where `cargo xtask conformance` replays the execution-only cases in-process, this drives every
//! recorded case through the Step Functions API exactly as the recordings were made: the API
//! actions, activities, task tokens, map runs, validation. It starts `baton serve` on a free
//! port with a fresh data directory, runs the runner, keeps its report in
//! `target/conformance-serve.json`, prints its per-category table and fails below `--min-passed`.

use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use crate::workspace::{self, Profile};

/// CI fails when fewer cases than this pass against `baton serve`. 444 pass today on this
/// machine (384 at a clean CI run of 3aaff4d, then the 58 Map label cases of `api/map_run`,
/// an activity's cause and Jackson's words for input that is not JSON);
/// the margin absorbs the few cases whose recorded waits race a loaded CI machine. Raise it
/// as cases are fixed.
pub(crate) const PASSED_MIN: usize = 440;

/// Options of `cargo xtask conformance-serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Cases run at once by the runner.
    #[arg(long, default_value_t = 4)]
    pub(crate) jobs: usize,
    /// Print this many failing cases with their differences.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) show_failures: usize,
    /// Only cases of this category prefix or theme (passed to the runner's --category).
    #[arg(long)]
    pub(crate) category: Option<String>,
    /// Fail when fewer cases than this pass.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) min_passed: usize,
}

/// The server, stopped when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        // The server holds nothing worth keeping: its data directory is thrown away.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let baton = workspace::build_baton(Profile::Dev)?;
    let port = workspace::free_port()?;
    let data = workspace::target_dir().join("conformance-serve-data");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("clearing {}", data.display()))?;
    }
    std::fs::create_dir_all(&data)?;
    let log = std::fs::File::create(workspace::target_dir().join("conformance-serve.log"))?;
    let child = Command::new(&baton)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("BATON_DATA_DIR", &data)
        .current_dir(&data)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("could not start {}", baton.display()))?;
    let _server = Server { child };
    workspace::wait_for_port(port)?;

    let shared = workspace::shared().join("conformance");
    let report = workspace::target_dir().join("conformance-serve.json");
    let mut runner = Command::new("python3");
    runner
        .arg(shared.join("sfn_conformance.py"))
        .arg(shared.join("cases.json"))
        .arg(format!("http://127.0.0.1:{port}"))
        .args(["--jobs", &args.jobs.to_string(), "--timeout", "60"])
        .arg("--report")
        .arg(&report)
        .args(["--show-failures", &args.show_failures.to_string()]);
    if let Some(category) = &args.category {
        runner.args(["--category", category]);
    }
    let shown = workspace::display(&runner);
    eprintln!("$ {shown}");
    let output = runner.output().with_context(|| format!("could not start `{shown}`"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The runner prints progress on stderr and the table on stdout; keep the table.
    print!("{stdout}");
    let passed = passed_count(&stdout).or_else(|| passed_count(&stderr)).with_context(|| {
        format!("the runner printed no '<N> passed' line (exit {}):\n{stderr}", output.status)
    })?;
    eprintln!("conformance against baton serve: {passed} passed; report in {}", report.display());
    if passed < args.min_passed {
        bail!(
            "{passed} cases passed against baton serve, below the minimum of {}",
            args.min_passed
        );
    }
    Ok(())
}

/// `N` from the runner's last line, `N passed, M failed[, K skipped]`.
fn passed_count(text: &str) -> Option<usize> {
    text.lines().rev().find_map(|line| {
        let (count, rest) = line.trim().split_once(' ')?;
        rest.starts_with("passed").then(|| count.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::passed_count;

    #[test]
    fn reads_the_runner_summary() {
        let rows = [
            ("x\n237 passed, 233 failed, 1 skipped\n", Some(237)),
            ("12 passed, 0 failed", Some(12)),
            ("nothing here", None),
        ];
        for (text, expected) in rows {
            assert_eq!(passed_count(text), expected, "{text}");
        }
    }
}
