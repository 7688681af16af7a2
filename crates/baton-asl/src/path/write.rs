//! `ResultPath`: placing a state's result into its input.
//!
//! `$` replaces the whole input. Any other reference path names the place for the result:
//! missing objects on the way are created, an existing member or array element is replaced
//! in place (keeping the member's position). A name that meets something other than an
//! object, or an index that meets something other than an array or falls outside it, fails
//! the state with `States.ResultPathMatchFailure`, as the ASL specification says; nothing is
//! modified then.

use serde_json::{Map, Value};

use super::parse::Segment;
use super::{Error, Path, Root};

/// Puts `result` into `input` at `path`, a reference path rooted at `$`, creating
/// intermediate objects; `$` replaces the whole input.
///
/// ```
/// use baton_asl::path::{Path, write_result};
/// use serde_json::json;
///
/// let path = Path::parse("$.result.body").unwrap();
/// let output = write_result(json!({"id": 1}), &path, json!("done")).unwrap();
/// assert_eq!(output, json!({"id": 1, "result": {"body": "done"}}));
/// ```
pub fn write_result(input: Value, path: &Path, result: Value) -> Result<Value, Error> {
    let mut input = input;
    write_result_in_place(&mut input, path, result)?;
    Ok(input)
}

/// [`write_result`] on a value the caller keeps: on success `input` is the output; on failure
/// it is unchanged, so the caller still has the state's input for a Catch.
pub fn write_result_in_place(input: &mut Value, path: &Path, result: Value) -> Result<(), Error> {
    if *path.root() != Root::Input || !path.is_reference_path() {
        return Err(Error::NotAResultPath { path: path.text().to_owned() });
    }
    match place(input, &path.chain.segments, result) {
        Placed::Output(Some(output)) => {
            *input = output;
            Ok(())
        }
        Placed::Output(None) => Ok(()),
        Placed::Mismatch => Err(Error::ResultPathMatchFailure {
            path: path.text().to_owned(),
            input: input.to_string(),
        }),
    }
}

enum Placed {
    /// The result was placed: `Some` when it replaces the whole input, `None` when it went
    /// into the input.
    Output(Option<Value>),
    /// The path does not fit the input; the input is unchanged.
    Mismatch,
}

fn place(input: &mut Value, segments: &[Segment], result: Value) -> Placed {
    let Some((last, parents)) = segments.split_last() else {
        return Placed::Output(Some(result));
    };
    let mut node = input;
    for (index, segment) in parents.iter().enumerate() {
        node = match (segment, node) {
            (Segment::Name { name, .. }, Value::Object(map)) => {
                // Objects are created only when everything after them is a name: an index
                // into a new object could not succeed, and the input must stay unchanged.
                let rest = parents.get(index + 1..).unwrap_or_default().iter().chain([last]);
                if !map.contains_key(name)
                    && !rest.into_iter().all(|segment| matches!(segment, Segment::Name { .. }))
                {
                    return Placed::Mismatch;
                }
                map.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()))
            }
            (Segment::Index(position), Value::Array(items)) => {
                match usize::try_from(*position).ok().and_then(|position| items.get_mut(position)) {
                    Some(item) => item,
                    None => return Placed::Mismatch,
                }
            }
            _ => return Placed::Mismatch,
        };
    }
    match (last, node) {
        (Segment::Name { name, .. }, Value::Object(map)) => {
            map.insert(name.clone(), result);
            Placed::Output(None)
        }
        (Segment::Index(position), Value::Array(items)) => {
            match usize::try_from(*position).ok().and_then(|position| items.get_mut(position)) {
                Some(item) => {
                    *item = result;
                    Placed::Output(None)
                }
                None => Placed::Mismatch,
            }
        }
        _ => Placed::Mismatch,
    }
}
