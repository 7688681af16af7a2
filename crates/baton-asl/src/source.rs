//! Reading definition text (JSON, or YAML for files) into a `serde_json::Value`.
//!
//! The Step Functions API takes JSON only; YAML is for files people write by hand, as the AWS
//! console and toolkit allow. Both end up as the same `Value`, so validation has one input.

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::limits;

/// The syntax a definition is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// Guesses the format from a file name: `.yaml`/`.yml` are YAML, everything else JSON.
    pub fn from_file_name(name: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Format::Yaml
        } else {
            Format::Json
        }
    }

    /// Guesses the format from the text itself (for standard input): a JSON document starts with
    /// `{`, `[` or a scalar; anything else that parses as YAML is YAML.
    pub fn sniff(text: &str) -> Format {
        match text.trim_start().chars().next() {
            Some('{' | '[' | '"') | None => Format::Json,
            Some(_) => Format::Yaml,
        }
    }
}

/// Parses `text` into a JSON value, or returns the diagnostic AWS would give.
pub fn read(text: &str, format: Format) -> Result<Value, Diagnostic> {
    if text.trim().is_empty() {
        // AWS answers an empty definition this way (recorded in ../shared/conformance).
        return Err(Diagnostic::error(
            Code::SchemaValidationFailed,
            None,
            "Definition must be a valid JSON object",
        ));
    }
    if text.len() > limits::DEFINITION_BYTES_MAX {
        return Err(Diagnostic::error(
            Code::SchemaValidationFailed,
            Some("/".to_owned()),
            format!(
                "The definition is {} bytes; the maximum size is {} bytes",
                text.len(),
                limits::DEFINITION_BYTES_MAX
            ),
        ));
    }
    match format {
        Format::Json => serde_json::from_str(text).map_err(|error| {
            Diagnostic::error(Code::InvalidJsonDescription, None, format!("Invalid JSON: {error}"))
        }),
        Format::Yaml => {
            // YAML 1.2 booleans only (`yes` stays a string), and duplicate keys are an error as
            // they would be ambiguous.
            let options = serde_saphyr::options! {
                strict_booleans: true,
                duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
            };
            serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|error| {
                Diagnostic::error(
                    Code::InvalidJsonDescription,
                    None,
                    format!("Invalid YAML: {error}"),
                )
            })
        }
    }
}
