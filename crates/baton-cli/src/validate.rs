//! `baton validate`: diagnostics for definition files, for people (text) or tools (JSON).
//!
//! One process validates any number of files; each is read, parsed and validated on its own,
//! so one broken file never hides the diagnostics of the others.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use baton_asl::source::Format;
use baton_asl::{Diagnostic, MachineType, Options};
use clap::ValueEnum;
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Definition files to check; `-` reads standard input. Files ending in .yaml or .yml are
    /// read as YAML, everything else as JSON.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The state machine type to validate for (some features are STANDARD-only).
    #[arg(long = "type", value_enum, default_value = "STANDARD")]
    machine_type: TypeArg,
    /// Output format: `text` for people, `json` for one AWS-shaped response per line.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
enum TypeArg {
    Standard,
    Express,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

/// One file's result in the shape of AWS's ValidateStateMachineDefinition response, plus the
/// file it is about.
#[derive(Debug, Serialize)]
struct Report<'a> {
    file: String,
    result: &'static str,
    diagnostics: &'a [Diagnostic],
    truncated: bool,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let options = Options {
        machine_type: match args.machine_type {
            TypeArg::Standard => MachineType::Standard,
            TypeArg::Express => MachineType::Express,
        },
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut any_invalid = false;
    let mut any_unreadable = false;
    for file in &args.files {
        let name = file.display().to_string();
        let (text, format) = match read(file) {
            Ok(read) => read,
            Err(error) => {
                eprintln!("baton validate: cannot read {name}: {error}");
                any_unreadable = true;
                continue;
            }
        };
        let (machine, diagnostics) = baton_asl::parse_as(&text, format, &options);
        let valid = machine.is_some();
        any_invalid |= !valid;
        let written = match args.format {
            OutputFormat::Text => write_text(&mut out, &name, valid, &diagnostics),
            OutputFormat::Json => write_json(&mut out, name, valid, &diagnostics),
        };
        if let Err(error) = written {
            // A closed pipe (`baton validate ... | head`) ends the run quietly.
            if error.kind() == io::ErrorKind::BrokenPipe {
                return ExitCode::from(if any_invalid { 1 } else { 0 });
            }
            eprintln!("baton validate: cannot write output: {error}");
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if any_unreadable {
        ExitCode::from(2)
    } else if any_invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn read(file: &PathBuf) -> io::Result<(String, Format)> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text)?;
        let format = Format::sniff(&text);
        return Ok((text, format));
    }
    let text = std::fs::read_to_string(file)?;
    Ok((text, Format::from_file_name(&file.to_string_lossy())))
}

fn write_text(
    out: &mut impl Write,
    name: &str,
    valid: bool,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    if diagnostics.is_empty() {
        return writeln!(out, "{name}: OK");
    }
    for diagnostic in diagnostics {
        let severity = if diagnostic.is_error() { "error" } else { "warning" };
        writeln!(out, "{name}: {severity}: {diagnostic}")?;
    }
    if valid { writeln!(out, "{name}: OK (with warnings)") } else { writeln!(out, "{name}: FAIL") }
}

fn write_json(
    out: &mut impl Write,
    file: String,
    valid: bool,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let report =
        Report { file, result: if valid { "OK" } else { "FAIL" }, diagnostics, truncated: false };
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)
}
