//! Why a request's JSON does not parse, in the words AWS uses. Step Functions parses inputs
//! with Jackson, and StartExecution's `InvalidExecutionInput` quotes Jackson's message without
//! its location (recorded in ../shared/conformance, `api/core`):
//!
//! - a bare word: `Unrecognized token 'not': was expecting (JSON String, Number, Array, Object
//!   or token 'null', 'true' or 'false')`;
//! - a character that cannot start a field name: `Unexpected character (''' (code 39)): was
//!   expecting double-quote to start field name`.
//!
//! serde_json finds the same mistakes; [`message`] rewrites those two kinds, and keeps
//! serde_json's own words for the rest.

use serde_json::error::Category;

/// Jackson's message for `error`, which parsing `text` gave.
pub(super) fn message(text: &str, error: &serde_json::Error) -> String {
    let serde_message = error.to_string();
    if error.classify() != Category::Syntax {
        return serde_message;
    }
    let Some(offset) = offset(text, error.line(), error.column()) else { return serde_message };
    let Some(found) = text[offset..].chars().next() else { return serde_message };
    if serde_message.starts_with("key must be a string") {
        return format!(
            "Unexpected character ({}): was expecting double-quote to start field name",
            describe(found)
        );
    }
    // The word around the mistake: `nope` in `{"a": nope}`, `trueish` in `[trueish]` (which
    // serde_json reads as `true` followed by a stray `ish`).
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, character)| is_word_character(*character))
        .last()
        .map_or(offset, |(index, _)| index);
    let token: String =
        text[start..].chars().take_while(|character| is_word_character(*character)).collect();
    let in_word = start < offset && token.starts_with(|first: char| !first.is_ascii_digit());
    let bare_word = serde_message.starts_with("expected ident")
        || (serde_message.starts_with("expected value") && is_word_character(found))
        || (in_word && is_word_character(found));
    if bare_word {
        return format!(
            "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        );
    }
    serde_message
}

/// The byte offset of serde_json's 1-based `line` and `column` (a column counts bytes).
fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(index, _)| index + 1)?
    };
    let offset = line_start + column.checked_sub(1)?;
    text.is_char_boundary(offset).then_some(offset).filter(|offset| *offset < text.len())
}

/// What Jackson reads as part of a bare word: Java's identifier characters, near enough.
fn is_word_character(character: char) -> bool {
    character.is_alphanumeric() || character == '_' || character == '$'
}

/// A character as Jackson describes it: `'x' (code 120)`, or `(CTRL-CHAR, code 9)`.
fn describe(character: char) -> String {
    let code = u32::from(character);
    if character.is_control() {
        format!("(CTRL-CHAR, code {code})")
    } else {
        format!("'{character}' (code {code})")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn message_for(text: &str) -> String {
        let error = serde_json::from_str::<Value>(text).expect_err("not JSON");
        super::message(text, &error)
    }

    #[test]
    fn the_recorded_messages() {
        assert_eq!(
            message_for("not some json"),
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        );
        assert_eq!(
            message_for("{'not': 'json'"),
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
        );
    }

    #[test]
    fn bare_words_anywhere_are_named_whole() {
        let expecting =
            "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
        assert_eq!(message_for("hello"), format!("Unrecognized token 'hello': {expecting}"));
        assert_eq!(message_for("{\"a\": nope}"), format!("Unrecognized token 'nope': {expecting}"));
        assert_eq!(
            message_for("[1,\n trueish]"),
            format!("Unrecognized token 'trueish': {expecting}")
        );
    }

    #[test]
    fn other_mistakes_keep_serde_json_words() {
        assert_eq!(message_for("{\"a\": 1"), "EOF while parsing an object at line 1 column 7");
        assert_eq!(message_for("[1 2]"), "expected `,` or `]` at line 1 column 4");
    }
}
