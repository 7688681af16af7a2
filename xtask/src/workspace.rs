//! Where the workspace, its build output and ../shared are, and how xtask runs other programs.
//!
//! Every subcommand runs its children from the workspace root and echoes each command line
//! before running it, so a failure in CI shows exactly what to rerun by hand.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The workspace root: xtask's own directory is one level below it.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one directory below the workspace root")
        .to_path_buf()
}

/// The shared data folder, which sits beside the repository (in CI as on developer machines).
pub(crate) fn shared() -> PathBuf {
    let shared = root().join("..").join("shared");
    // Resolving `..` makes the paths we print readable; a missing folder is reported by the caller.
    shared.canonicalize().unwrap_or(shared)
}

/// Cargo's output directory, honouring `CARGO_TARGET_DIR` as cargo itself does.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(directory) => root().join(directory),
        None => root().join("target"),
    }
}

/// A `cargo` command that uses the same cargo that started xtask, run from the workspace root.
pub(crate) fn cargo<const N: usize>(arguments: [&str; N]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(arguments).current_dir(root());
    command
}

/// Echoes and runs `command` with inherited output; a non-zero exit is an error.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = display(command);
    eprintln!("$ {shown}");
    let status = command.status().with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed with {status}");
    }
    Ok(())
}

/// The command line as a reader would type it (arguments are not shell-quoted).
pub(crate) fn display(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|argument| argument.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Quotes `word` for a POSIX shell, for the command template the corpus checker runs.
pub(crate) fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Which cargo profile to build `baton` with; the binary lands in the profile's own directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Profile {
    /// Optimised, as users run it (`target/release/baton`).
    Release,
    /// Unoptimised, already built by `cargo test` (`target/debug/baton`).
    Dev,
}

/// Builds the `baton` binary with `profile` and returns its path.
pub(crate) fn build_baton(profile: Profile) -> anyhow::Result<PathBuf> {
    let (name, directory) = match profile {
        Profile::Release => ("release", "release"),
        Profile::Dev => ("dev", "debug"),
    };
    run(&mut cargo(["build", "--profile", name, "-p", "baton-cli", "--bin", "baton"]))?;
    let binary = target_dir().join(directory).join("baton");
    if !binary.is_file() {
        bail!("cargo built baton-cli but {} does not exist", binary.display());
    }
    Ok(binary)
}

/// Installs `package@version` from npm into `directory` (a peer tool for a benchmark), unless
/// that version is already there.
pub(crate) fn npm_install(directory: &Path, package: &str, version: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)?;
    // Without a package.json of its own, npm installs into the nearest parent that has one and
    // prunes the packages it did not install there (another peer's).
    let own_manifest = directory.join("package.json");
    if !own_manifest.is_file() {
        std::fs::write(&own_manifest, "{ \"private\": true }\n")
            .with_context(|| format!("writing {}", own_manifest.display()))?;
    }
    let manifest = directory.join("node_modules").join(package).join("package.json");
    let installed = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|manifest| manifest["version"].as_str().map(str::to_owned));
    if installed.as_deref() != Some(version) {
        let mut npm = Command::new("npm");
        npm.args(["install", "--no-audit", "--no-fund", "--no-save"])
            .arg(format!("{package}@{version}"))
            .current_dir(directory);
        run(&mut npm)?;
    }
    Ok(())
}

/// Runs a benchmark child that prints a JSON report on standard output, and reads the report.
pub(crate) fn run_json(command: &mut Command) -> anyhow::Result<serde_json::Value> {
    let shown = display(command);
    eprintln!("$ {shown}");
    let output = command.output().with_context(|| format!("could not start `{shown}`"))?;
    if !output.status.success() {
        bail!(
            "`{shown}` failed with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("`{shown}` printed no JSON report"))
}

/// The commit being measured, so a figure copied into docs/benchmarks.md can name it.
pub(crate) fn git_commit() -> Option<String> {
    let output = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(root()).output();
    let output = output.ok().filter(|output| output.status.success())?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// What `program --version` prints, for the benchmark reports.
pub(crate) fn tool_version(program: &str) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// How long a server started for a benchmark or a conformance run may take to listen.
pub(crate) const SERVER_STARTUP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A local port nobody listens on right now.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("no free local port")?;
    Ok(listener.local_addr()?.port())
}

/// Waits until a server accepts connections on `port`.
pub(crate) fn wait_for_port(port: u16) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + SERVER_STARTUP_WAIT;
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    bail!("no server listened on port {port} within {SERVER_STARTUP_WAIT:?}")
}
