//! Golden validation tests (../shared/STYLE.md S2): every definition in `test_data/ok` and
//! `test_data/err` sits next to a `.txt` with the diagnostics it must produce, one per line.
//! `ok` files must validate (warnings allowed), `err` files must not. A file whose name contains
//! `.express.` is validated as an EXPRESS machine.
//!
//! Refresh the expectations after an intended change with
//! `UPDATE_EXPECT=1 cargo test -p baton-asl --test golden`, then review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use baton_asl::source::Format;
use baton_asl::{MachineType, Options};

#[test]
fn ok_definitions_validate() {
    check_directory("ok", true);
}

#[test]
fn err_definitions_report_their_diagnostics() {
    check_directory("err", false);
}

fn check_directory(name: &str, expect_valid: bool) {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(name);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut files: Vec<PathBuf> = fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()))
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()));
    files.retain(|path| path.extension().is_some_and(|extension| extension != "txt"));
    files.sort();
    assert!(!files.is_empty(), "no definitions in {}", directory.display());

    let mut failures = Vec::new();
    for file in &files {
        let actual = render(file);
        let valid = actual.lines().all(|line| line.starts_with("WARNING "));
        if valid != expect_valid {
            failures.push(format!(
                "{}: expected {}, got:\n{actual}",
                file.display(),
                if expect_valid { "valid" } else { "invalid" }
            ));
        }
        let expect_path = file.with_extension("txt");
        if update {
            fs::write(&expect_path, &actual).expect("write expectation");
            continue;
        }
        let expected = fs::read_to_string(&expect_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}: diagnostics differ (UPDATE_EXPECT=1 to accept)\n--- expected\n{expected}--- actual\n{actual}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One line per diagnostic: `SEVERITY CODE LOCATION: message`.
fn render(file: &Path) -> String {
    let text = fs::read_to_string(file).expect("read definition");
    let name = file.to_string_lossy();
    let machine_type =
        if name.contains(".express.") { MachineType::Express } else { MachineType::Standard };
    let (_, diagnostics) =
        baton_asl::parse_as(&text, Format::from_file_name(&name), &Options { machine_type });
    diagnostics
        .iter()
        .map(|diagnostic| {
            let severity = if diagnostic.is_error() { "ERROR" } else { "WARNING" };
            format!(
                "{severity} {} {}: {}\n",
                diagnostic.code.as_str(),
                diagnostic.location.as_deref().unwrap_or("-"),
                diagnostic.message
            )
        })
        .collect()
}
