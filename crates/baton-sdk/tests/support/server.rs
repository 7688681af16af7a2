//! A real `baton serve` for the tests that run workers against a server: the binary, built once
//! per test program, on a port of its own choosing with a fresh SQLite data directory.
//!
//! Included with `#[path = "support/server.rs"] mod server;`. The server binds port 0 and the
//! test reads the address from its first line on stderr, so no test waits for a port to open.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use baton_sdk::Client;

/// The role the tests' state machines run as (Baton records it and checks nothing).
pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/baton-sdk-tests";

/// What `baton serve` prints once it listens, before the address.
const LISTENING: &str = "baton serve: listening on ";

/// A running `baton serve`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    endpoint: String,
    /// The data directory, removed when the server is dropped.
    _data: tempfile::TempDir,
}

impl Server {
    /// Starts `baton serve` on a free port with a new data directory.
    pub(crate) fn start() -> Server {
        let data = tempfile::tempdir().expect("a temporary data directory");
        let mut child = Command::new(baton())
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("baton serve starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("baton serve writes to stderr");
        let endpoint = line
            .strip_prefix(LISTENING)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("baton serve did not start: {line}"))
            .to_owned();
        // Later lines (warnings) must not fill the pipe and block the server.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Server { child, endpoint, _data: data }
    }

    /// A client for this server.
    pub(crate) fn client(&self) -> Client {
        Client::endpoint(&self.endpoint)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Already exited is fine: the test is over either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `baton` binary of this workspace, built (or found up to date) by cargo once per test
/// program: cargo builds a test's own crate, not the binaries of other workspace members.
fn baton() -> PathBuf {
    static BATON: OnceLock<PathBuf> = OnceLock::new();
    BATON
        .get_or_init(|| {
            // The test program lives in target/DIRECTORY/deps, the binary in target/DIRECTORY,
            // where DIRECTORY is `debug` for the dev profile and the profile's name otherwise.
            let test_program = std::env::current_exe().expect("the test program's path");
            let directory = test_program
                .parent()
                .and_then(|deps| deps.parent())
                .expect("the test program is in target/DIRECTORY/deps");
            let profile = match directory.file_name().and_then(|name| name.to_str()) {
                Some("debug") | None => "dev",
                Some(name) => name,
            };
            let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--profile", profile, "-p", "baton-cli"])
                .args(["--bin", "baton", "--manifest-path", manifest])
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p baton-cli failed");
            directory.join("baton")
        })
        .clone()
}
