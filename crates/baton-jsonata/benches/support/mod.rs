//! The benchmark cases in `benches/expressions.json`, loaded and parsed once, shared by the
//! criterion bench (`benches/expressions.rs`) and the timing example that `cargo xtask
//! bench-jsonata` runs beside the npm `jsonata` package (`examples/bench_expressions.rs`).
//!
//! Every case evaluates against the same order document: `$` is `input`, `$states` is
//! `{input, context}`, and the file's `variables` are bound as workflow variables, exactly as
//! the node side binds them, so both tools see the same data.

use std::path::Path;

use baton_jsonata::{Bindings, Expression};
use serde_json::{Value, json};

/// The seed behind `$random()` and `$uuid()`; no case uses them, but `Bindings` needs one.
const SEED: u64 = 0;

/// One named expression, parsed once as a state machine definition would be.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) expression: Expression,
}

/// The cases with the data they all evaluate against.
pub(crate) struct Suite {
    pub(crate) input: Value,
    pub(crate) states: Value,
    pub(crate) variables: Vec<(String, Value)>,
    pub(crate) cases: Vec<Case>,
}

impl Suite {
    /// Reads and parses every case of `path`.
    pub(crate) fn load(path: &Path) -> Result<Suite, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("reading {}: {error}", path.display()))?;
        let file: Value = serde_json::from_str(&text)
            .map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
        let input = file["input"].clone();
        let states = json!({ "input": input, "context": file["context"] });
        let variables = match &file["variables"] {
            Value::Object(fields) => {
                fields.iter().map(|(name, value)| (name.clone(), value.clone())).collect()
            }
            _ => Vec::new(),
        };
        let mut cases = Vec::new();
        for case in file["cases"].as_array().ok_or("the case file has no `cases` list")? {
            let name = case["name"].as_str().ok_or("a case has no `name`")?.to_owned();
            let text = case["expression"]
                .as_str()
                .ok_or_else(|| format!("case {name} has no `expression`"))?
                .to_owned();
            let expression = Expression::parse(&text)
                .map_err(|error| format!("case {name} does not parse: {error}"))?;
            cases.push(Case { name, expression });
        }
        Ok(Suite { input, states, variables, cases })
    }

    /// `$states` and the workflow variables as an engine binds them for one state.
    pub(crate) fn bindings(&self) -> Bindings {
        let bindings = Bindings::new(&self.states, SEED);
        self.variables
            .iter()
            .fold(bindings, |bindings, (name, value)| bindings.with_variable(name, value))
    }
}
