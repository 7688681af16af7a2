//! Fuzz target: definition text, read as JSON (for a STANDARD machine) and as YAML (for an
//! EXPRESS one) and validated. Validation must answer with diagnostics, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

use baton_asl::source::Format;
use baton_asl::{Diagnostic, MachineType, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let standard = Options { machine_type: MachineType::Standard };
    let express = Options { machine_type: MachineType::Express };
    for (machine, diagnostics) in
        [baton_asl::parse(text, &standard), baton_asl::parse_as(text, Format::Yaml, &express)]
    {
        // A machine comes back exactly when no diagnostic is an error.
        assert_ne!(machine.is_some(), diagnostics.iter().any(Diagnostic::is_error));
        for diagnostic in &diagnostics {
            std::hint::black_box(diagnostic.to_string());
        }
    }
});
