//! Tidy: the code invariants that no compiler checks, enforced by `cargo test` (STYLE K2).
//!
//! It lives in `baton-cli` because that crate sits at the top of the workspace, so a plain
//! `cargo test --workspace` always runs it. Each check collects every offence before failing, so
//! one run names all the files or crates to fix.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates that must stay pure: no async runtime, no database, no HTTP (ARCHITECTURE.md,
/// Invariants). `baton-core` joins the check as soon as its directory exists.
const PURE_CRATES: &[&str] = &["baton-asl", "baton-jsonata", "baton-core"];

/// The pure crates that already exist; a missing one of these means the check itself is broken.
const PURE_CRATES_REQUIRED: &[&str] = &["baton-asl", "baton-jsonata"];

/// Crates that do IO, run an event loop or talk to a database or the network. A pure crate that
/// reaches one of them, even through another dependency, has stopped being a function.
const IMPURE_DEPENDENCIES: &[&str] = &[
    "tokio",
    "async-std",
    "mio",
    "hyper",
    "axum",
    "reqwest",
    "rusqlite",
    "sqlx",
    "tokio-postgres",
    "postgres",
];

/// Storage crates: synchronous by design (a runtime bridges their callbacks), so no async
/// runtime may reach them; a backend may use its own database client.
const STORAGE_CRATES: &[(&str, &[&str])] = &[
    ("baton-store", &["tokio", "async-std", "rusqlite", "sqlx"]),
    ("baton-store-sqlite", &["tokio", "async-std"]),
];

/// The directories whose Rust files tidy reads, relative to the workspace root.
const SOURCE_DIRECTORIES: &[&str] = &["crates", "xtask"];

#[test]
fn every_rust_file_starts_with_a_module_header() {
    let mut offences = String::new();
    for file in rust_files() {
        let text = read(&file);
        if !text.lines().next().is_some_and(|line| line.starts_with("//!")) {
            writeln!(offences, "  {}", relative(&file)).unwrap();
        }
    }
    assert!(
        offences.is_empty(),
        "these files do not start with a `//!` header saying what the module is and why \
         (STYLE C2; the header must be the very first line):\n{offences}"
    );
}

#[test]
fn no_leftover_markers_in_sources() {
    // The markers are assembled at run time so that this file does not match itself.
    let fix_me = ["FIX", "ME"].concat();
    let debug_macro = ["dbg", "!("].concat();
    let mut offences = String::new();
    for file in rust_files() {
        for (index, line) in read(&file).lines().enumerate() {
            for marker in [&fix_me, &debug_macro] {
                if line.contains(marker.as_str()) {
                    let line_number = index + 1;
                    writeln!(offences, "  {}:{line_number}: `{marker}`", relative(&file)).unwrap();
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "{fix_me} marks what must be fixed before merge, and `{debug_macro}` is debugging \
         output (STYLE S8, K2); remove these or turn the {fix_me} into a TODO(#issue):\n{offences}"
    );
}

#[test]
fn pure_crates_depend_on_no_runtime_database_or_http() {
    let root = workspace_root();
    for required in PURE_CRATES_REQUIRED {
        assert!(
            root.join("crates").join(required).join("Cargo.toml").is_file(),
            "tidy expects the pure crate {required} at crates/{required}; update PURE_CRATES in \
             {} if it moved",
            file!()
        );
    }
    let mut offences = String::new();
    for krate in PURE_CRATES {
        if !root.join("crates").join(krate).join("Cargo.toml").is_file() {
            continue;
        }
        for dependency in normal_dependencies(&root, krate) {
            if IMPURE_DEPENDENCIES.contains(&dependency.as_str()) {
                writeln!(offences, "  {krate} depends on {dependency}").unwrap();
            }
        }
    }
    assert!(
        offences.is_empty(),
        "pure crates must not reach an async runtime, a database or HTTP, even transitively \
         (ARCHITECTURE.md, Invariants); run `cargo tree -p <crate> -e normal -i <dependency>` \
         to see the path:\n{offences}"
    );
}

#[test]
fn storage_crates_reach_no_async_runtime() {
    let root = workspace_root();
    let mut offences = String::new();
    for (krate, forbidden) in STORAGE_CRATES {
        assert!(
            root.join("crates").join(krate).join("Cargo.toml").is_file(),
            "tidy expects the storage crate {krate} at crates/{krate}; update STORAGE_CRATES"
        );
        for dependency in normal_dependencies(&root, krate) {
            if forbidden.contains(&dependency.as_str()) {
                writeln!(offences, "  {krate} depends on {dependency}").unwrap();
            }
        }
    }
    assert!(
        offences.is_empty(),
        "storage crates stay synchronous (baton-store's crate docs) and the traits stay free of          any one database:\n{offences}"
    );
}

/// The names of every crate that `krate` depends on through normal (not dev or build) edges,
/// on any target platform, as `cargo tree` resolves them.
fn normal_dependencies(root: &Path, krate: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .current_dir(root)
        .args(["tree", "-p", krate, "-e", "normal", "--prefix", "none", "--target", "all"])
        .output()
        .unwrap_or_else(|error| panic!("could not run `{cargo} tree`: {error}"));
    assert!(
        output.status.success(),
        "`{cargo} tree -p {krate}` failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing = String::from_utf8_lossy(&output.stdout);
    // Each line is `name vX.Y.Z [(path)] [(*)]`; the name is all we need.
    let mut names: Vec<String> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(
        names.first().is_some_and(|name| name == krate),
        "`cargo tree -p {krate}` printed something tidy does not understand:\n{listing}"
    );
    // A crate reached along several paths is listed once per path.
    names.sort();
    names.dedup();
    names
}

/// Every `.rs` file under the source directories, skipping build output, in a stable order.
fn rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for directory in SOURCE_DIRECTORIES {
        collect_rust_files(&root.join(directory), &mut files);
    }
    files.sort();
    assert!(
        files.iter().any(|file| file.ends_with("crates/baton-asl/src/lib.rs")),
        "tidy found no crates/baton-asl/src/lib.rs under {}; is the workspace root right?",
        root.display()
    );
    files
}

fn collect_rust_files(directory: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(directory)
        .unwrap_or_else(|error| panic!("could not list {}: {error}", directory.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|error| panic!("{}: {error}", directory.display())).path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                collect_rust_files(&path, files);
            }
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

fn workspace_root() -> PathBuf {
    // This crate is `crates/baton-cli`, two levels below the root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap_or_else(|error| panic!("could not read {}: {error}", file.display()))
}

fn relative(file: &Path) -> String {
    let root = workspace_root();
    file.strip_prefix(&root).unwrap_or(file).display().to_string()
}
