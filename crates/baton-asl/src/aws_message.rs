//! The message AWS gives when a Map `Label` holds a forbidden character. CreateStateMachine
//! then answers `InvalidDefinition` not with the usual `Invalid State Machine Definition:
//! '<CODE>: ...'` but with what looks like a Python exception's text, the definition quoted
//! whole after it:
//!
//! ```text
//! Error=ValueError Args=["Label contains invalid character: ' '"] in definition '{...}'.
//! ```
//!
//! The character and the argument list are written as Python's `repr` writes them (recorded
//! for 58 characters in ../shared/conformance, `api/map_run`), so [`python_repr`] does the
//! same for the characters it is given here. It lives beside the validator so that the server
//! and the in-process conformance runner give the same message.

use std::fmt::Write;

use serde_json::Value;

use crate::{Code, Diagnostic};

/// AWS's whole `InvalidDefinition` message for `definition` when one of its error
/// `diagnostics` (from validating it) is a Map label with a forbidden character; `None`
/// otherwise, when the usual framing of the diagnostics applies.
pub fn forbidden_label_message(definition: &str, diagnostics: &[Diagnostic]) -> Option<String> {
    let parsed: Value = serde_json::from_str(definition).ok()?;
    let character = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error() && diagnostic.code == Code::InvalidLabelName)
        .find_map(|diagnostic| {
            let label = parsed.pointer(diagnostic.location.as_deref()?)?.as_str()?;
            crate::forbidden_label_character(label)
        })?;
    let argument =
        format!("Label contains invalid character: {}", python_repr(&character.to_string()));
    Some(format!(
        "Error=ValueError Args=[{}] in definition '{definition}'.",
        python_repr(&argument)
    ))
}

/// `text` as Python's `repr` writes a `str`: in single quotes, or double quotes when it holds
/// a single quote and no double quote; backslashes, the chosen quote, tabs, newlines and
/// carriage returns escaped, other control characters as `\xNN` (or `\uNNNN`). Exact for
/// ASCII and control characters, which are all a forbidden label character can be; other
/// characters are kept as they are, as Python keeps the printable ones.
fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut written = String::with_capacity(text.len() + 2);
    written.push(quote);
    for character in text.chars() {
        match character {
            '\\' => written.push_str("\\\\"),
            '\t' => written.push_str("\\t"),
            '\n' => written.push_str("\\n"),
            '\r' => written.push_str("\\r"),
            _ if character == quote => {
                written.push('\\');
                written.push(character);
            }
            _ if character.is_control() && u32::from(character) < 0x100 => {
                let _ = write!(written, "\\x{:02x}", u32::from(character));
            }
            _ if character.is_control() => {
                let _ = write!(written, "\\u{:04x}", u32::from(character));
            }
            _ => written.push(character),
        }
    }
    written.push(quote);
    written
}

#[cfg(test)]
mod tests {
    use super::{forbidden_label_message, python_repr};

    #[test]
    fn repr_quotes_and_escapes_as_python_does() {
        let cases = [
            (" ", "' '"),
            ("\"", "'\"'"),
            ("'", "\"'\""),
            ("\\", "'\\\\'"),
            ("\t", "'\\t'"),
            ("\u{0}", "'\\x00'"),
            ("\u{7f}", "'\\x7f'"),
            ("\u{9f}", "'\\x9f'"),
            (
                "Label contains invalid character: '\"'",
                "'Label contains invalid character: \\'\"\\''",
            ),
            ("Label contains invalid character: ' '", "\"Label contains invalid character: ' '\""),
        ];
        for (text, expected) in cases {
            assert_eq!(python_repr(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_forbidden_label_character_gets_aws_message_with_the_definition() {
        let definition = r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Label": "label_\t", "End": true}}}"#;
        let options = crate::Options { machine_type: crate::MachineType::Standard };
        let (_, diagnostics) = crate::parse(definition, &options);
        let message = forbidden_label_message(definition, &diagnostics);
        let expected = format!(
            "Error=ValueError Args=[\"Label contains invalid character: '\\\\t'\"] in definition '{definition}'."
        );
        assert_eq!(message.as_deref(), Some(expected.as_str()));

        let too_long = definition.replace("label_\\t", &"l".repeat(41));
        let (_, diagnostics) = crate::parse(&too_long, &options);
        assert!(diagnostics.iter().any(crate::Diagnostic::is_error));
        assert_eq!(forbidden_label_message(&too_long, &diagnostics), None);
    }
}
