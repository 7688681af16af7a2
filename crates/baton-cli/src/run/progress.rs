//! Live progress of `baton run` on a terminal: states entered and left, task failures, and
//! one self-updating line per Map state instead of the states of its every item.
//!
//! The display is a pure function of the events seen so far ([`Display::event`] returns the
//! text to write), so that it is tested without a terminal.

use baton_core::Event;
use baton_core::event::{EventKind, Failure, StateType};

/// A failure's cause is cut to this many characters on the progress display; the full cause
/// is in the history and in the final report.
const CAUSE_CHARS_SHOWN: usize = 120;

/// Erases the current terminal line, so a Map's progress line can be rewritten in place.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// What the display remembers between events.
#[derive(Debug, Default)]
pub(crate) struct Display {
    /// Map states running, outermost first.
    maps: Vec<MapProgress>,
    /// The name of the Map state entered last, for the `MapStateStarted` that follows it.
    entered_map: Option<String>,
    /// A progress line is on screen without its newline yet.
    line_open: bool,
}

#[derive(Debug)]
struct MapProgress {
    name: String,
    length: usize,
    done: usize,
}

impl Display {
    /// The text to write for `event` (possibly nothing).
    pub(crate) fn event(&mut self, event: &Event) -> String {
        let mut text = String::new();
        match &event.kind {
            EventKind::StateEntered { state_type, name, .. } => {
                if *state_type == StateType::Map {
                    self.entered_map = Some(name.clone());
                }
                if self.maps.is_empty() {
                    text = format!("→ {name} ({})\n", state_type.as_str());
                }
            }
            EventKind::StateExited { state_type, name, .. } => {
                if *state_type == StateType::Map {
                    self.leave_map(Some(name), &mut text);
                }
                if self.maps.is_empty() {
                    text.push_str(&format!("← {name}\n"));
                }
            }
            EventKind::StateAborted { state_type: StateType::Map } => {
                self.leave_map(None, &mut text)
            }
            EventKind::MapStateStarted { length } => {
                let name = self.entered_map.take().unwrap_or_default();
                self.maps.push(MapProgress { name, length: *length, done: 0 });
                if self.maps.len() == 1 {
                    text = self.map_line();
                }
            }
            EventKind::MapIterationSucceeded { name, .. }
            | EventKind::MapIterationFailed { name, .. }
            | EventKind::MapIterationAborted { name, .. } => {
                if let Some(outer) = self.maps.first_mut()
                    && outer.name == *name
                {
                    outer.done += 1;
                    text = self.map_line();
                }
            }
            EventKind::MapStateSucceeded | EventKind::MapStateFailed => {
                self.leave_map(None, &mut text)
            }
            EventKind::TaskFailed { failure, .. }
            | EventKind::TaskTimedOut { failure, .. }
            | EventKind::LambdaFunctionFailed(failure)
            | EventKind::LambdaFunctionTimedOut(failure)
            | EventKind::ActivityFailed(failure)
            | EventKind::ActivityTimedOut(failure)
            | EventKind::EvaluationFailed { failure, .. }
                if self.maps.is_empty() =>
            {
                text = format!("  ✗ {}: {}\n", event.kind.type_name(), describe(failure));
            }
            _ => {}
        }
        text
    }

    /// The text that ends the display: the newline of a progress line still open.
    pub(crate) fn finish(&mut self) -> String {
        if std::mem::take(&mut self.line_open) { "\n".to_owned() } else { String::new() }
    }

    /// The outermost Map's progress line, written over the previous one.
    fn map_line(&mut self) -> String {
        let Some(outer) = self.maps.first() else { return String::new() };
        self.line_open = true;
        format!("{CLEAR_LINE}  {}: {}/{} items done", outer.name, outer.done, outer.length)
    }

    /// A Map state ended (by `MapStateSucceeded`/`Failed`, abort, or its exit named `name`):
    /// forgets it, closing the progress line when it was the outermost.
    fn leave_map(&mut self, name: Option<&String>, text: &mut String) {
        let matches = match (self.maps.last(), name) {
            (Some(top), Some(name)) => top.name == *name,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !matches {
            return;
        }
        self.maps.pop();
        if self.maps.is_empty() {
            text.push_str(&self.finish());
        }
    }
}

fn describe(failure: &Failure) -> String {
    let cause = failure.cause.as_ref().map(|cause| {
        let mut shown: String = cause.chars().take(CAUSE_CHARS_SHOWN).collect();
        if shown.len() < cause.len() {
            shown.push('…');
        }
        shown
    });
    match (&failure.error, &cause) {
        (Some(error), Some(cause)) => format!("{error} ({cause})"),
        (Some(error), None) => error.clone(),
        (None, Some(cause)) => cause.clone(),
        (None, None) => "no error name".to_owned(),
    }
}

#[cfg(test)]
mod tests;
