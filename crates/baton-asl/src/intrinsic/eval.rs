//! Evaluation of a parsed call: arguments first (paths against the roots, nested calls
//! recursively, depth bounded by the parser), then the function, with AWS's argument rules.

use serde_json::Value;

use super::parse::{Arg, Node};
use super::string::{self, MalformedTemplate, Template};
use super::{Error, Function, Random, array, encoding, json, math, random};
use crate::path::Roots;

/// Evaluates one call.
pub(crate) fn evaluate(
    node: &Node,
    roots: &Roots<'_>,
    random: &mut dyn Random,
) -> Result<Value, Error> {
    let args = node
        .args
        .iter()
        .map(|arg| argument(arg, roots, random))
        .collect::<Result<Vec<Value>, Error>>()?;
    apply(node.function, node.template.as_ref(), args, random)
        .ok_or(Error::InvalidArguments { function: node.function })
}

fn argument(arg: &Arg, roots: &Roots<'_>, random: &mut dyn Random) -> Result<Value, Error> {
    match arg {
        Arg::Literal(value) => Ok(value.clone()),
        Arg::Path(path) => path.evaluate(roots).map_err(|source| Error::Path { source }),
        Arg::Call(node) => evaluate(node, roots, random),
    }
}

/// Applies a function to its evaluated arguments; `None` when AWS would report
/// `Invalid arguments`.
fn apply(
    function: Function,
    template: Option<&Result<Template, MalformedTemplate>>,
    args: Vec<Value>,
    random: &mut dyn Random,
) -> Option<Value> {
    match function {
        Function::Format => format(template, args),
        Function::StringToJson => exactly::<1>(args).and_then(|[text]| json::string_to_json(&text)),
        Function::JsonToString => {
            exactly::<1>(args).and_then(|[value]| json::json_to_string(&value))
        }
        Function::Array => Some(Value::Array(args)),
        Function::ArrayPartition => {
            exactly::<2>(args).and_then(|[items, size]| array::partition(items, &size))
        }
        Function::ArrayContains => {
            exactly::<2>(args).and_then(|[items, target]| array::contains(&items, &target))
        }
        Function::ArrayRange => {
            exactly::<3>(args).and_then(|[start, end, step]| array::range(&start, &end, &step))
        }
        Function::ArrayGetItem => {
            exactly::<2>(args).and_then(|[items, index]| array::get_item(items, &index))
        }
        Function::ArrayLength => exactly::<1>(args).and_then(|[items]| array::length(&items)),
        Function::ArrayUnique => exactly::<1>(args).and_then(|[items]| array::unique(items)),
        Function::Base64Encode => {
            exactly::<1>(args).and_then(|[text]| encoding::base64_encode(&text))
        }
        Function::Base64Decode => {
            exactly::<1>(args).and_then(|[text]| encoding::base64_decode(&text))
        }
        Function::Hash => {
            exactly::<2>(args).and_then(|[data, algorithm]| encoding::hash(&data, &algorithm))
        }
        Function::JsonMerge => {
            exactly::<3>(args).and_then(|[left, right, deep]| json::merge(left, right, &deep))
        }
        Function::MathRandom => match <[Value; 2]>::try_from(args) {
            Ok([start, end]) => random::math_random(&start, &end, None, random),
            Err(args) => exactly::<3>(args).and_then(|[start, end, seed]| {
                random::math_random(&start, &end, Some(&seed), random)
            }),
        },
        Function::MathAdd => exactly::<2>(args).and_then(|[left, right]| math::add(&left, &right)),
        Function::StringSplit => {
            exactly::<2>(args).and_then(|[text, delimiters]| match (text, delimiters) {
                (Value::String(text), Value::String(delimiters)) => {
                    Some(Value::Array(string::split(&text, &delimiters)))
                }
                _ => None,
            })
        }
        Function::Uuid => exactly::<0>(args).map(|[]| random::uuid(random)),
    }
}

/// `States.Format(template, value...)`: the template's `{}` slots filled with the values. A
/// literal template was split at parse time and `args` holds only the values; otherwise the
/// first argument is the template, which must be a string, and is split here (it has no
/// escapes, so every brace counts).
fn format(
    literal: Option<&Result<Template, MalformedTemplate>>,
    args: Vec<Value>,
) -> Option<Value> {
    let text = match literal {
        Some(template) => template.as_ref().ok()?.format(&args)?,
        None => {
            let (Value::String(template), values) = args.split_first()? else { return None };
            Template::from_value(template).ok()?.format(values)?
        }
    };
    Some(Value::String(text))
}

/// The arguments as an array of exactly `N`, or `None` (AWS: `Invalid arguments`).
fn exactly<const N: usize>(args: Vec<Value>) -> Option<[Value; N]> {
    <[Value; N]>::try_from(args).ok()
}
