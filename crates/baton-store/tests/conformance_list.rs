//! Every conformance function is listed in `conformance_tests!`: a function missing from the
//! macro would compile and never run against any backend.

const SOURCE: &str = include_str!("../src/conformance.rs");

#[test]
fn every_conformance_function_is_in_the_macro() {
    let (macro_body, functions) =
        SOURCE.split_once("const REGION_ACCOUNT").expect("the macro precedes the helpers");
    let mut checked = 0;
    for line in functions.lines() {
        let Some(name) = line.strip_prefix("pub fn ") else { continue };
        let Some((name, parameters)) = name.split_once('(') else { continue };
        if !parameters.starts_with("store: &dyn Store)") {
            continue;
        }
        checked += 1;
        assert!(
            macro_body.contains(&format!("            {name},\n")),
            "conformance::{name} is not listed in conformance_tests!"
        );
    }
    assert!(checked >= 15, "found only {checked} conformance functions; did the layout change?");
}
