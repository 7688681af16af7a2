//! Tests of the path module, data-driven through one `check` function per feature: evaluation
//! (values and AWS's error texts), syntax, path classification and `ResultPath` writing; then
//! property tests that nothing panics and that the RFC 9535 subset agrees with
//! `serde_json_path`.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{NoVariables, Path, Roots, Variables, write_result};

/// Goessner's example document, the one Jayway's documentation uses.
const STORE: &str = r#"{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
}"#;

/// Odd names, nulls, numbers and strings for the corner cases.
const MISC: &str = r#"{
  "a-b": 1, "a:b": 2, "Ж中": 3, "store\\": {"book": 4}, "sp ace": 5, "it's": 6,
  "n": null, "s": "text", "nums": [3, 1, 4, 1, 5], "empty": [], "obj": {"x": 1, "y": 2},
  "words": ["a", "b", 3], "nested": [[1, 2], [3, 4, 5]], "tags": ["red", "blue"],
  "users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}, {"year": "1999", "status": 0}],
  "mixed": ["a", [{"x": 1}]], "objmix": {"p": "a", "q": [{"x": 1}]}
}"#;

fn context() -> Value {
    json!({"Execution": {"Id": "arn:execution", "Input": {"k": "v"}}, "Map": {"Item": {"Index": 2}}})
}

fn variables() -> Map<String, Value> {
    let mut variables = Map::new();
    variables.insert("myVar".to_owned(), json!({"field": ["first", "second"]}));
    variables.insert("count".to_owned(), json!(3));
    variables
}

/// Evaluates `path` on `input` (with the context object and variables above) and compares
/// with `expect`: JSON for a value, or `error: <the Display text>`.
fn check(path: &str, input: &str, expect: &str) {
    let parsed = Path::parse(path).unwrap_or_else(|error| panic!("{path} does not parse: {error}"));
    let input: Value = serde_json::from_str(input).expect("test input is JSON");
    let variables = variables();
    let context = context();
    let roots = Roots { input: &input, context: &context, variables: &variables };
    let actual = match parsed.evaluate(&roots) {
        Ok(value) => value.to_string(),
        Err(error) => format!("error: {error}"),
    };
    let expected = if expect.starts_with("error: ") {
        expect.to_owned()
    } else {
        serde_json::from_str::<Value>(expect).expect("expectation is JSON").to_string()
    };
    assert_eq!(actual, expected, "path {path}");
}

#[test]
fn names_and_indexes() {
    for (path, input, expect) in [
        ("$", r#"{"a": 1}"#, r#"{"a": 1}"#),
        ("$.store.bicycle.color", STORE, r#""red""#),
        ("$['store']['bicycle']['color']", STORE, r#""red""#),
        (r#"$["store"]["bicycle"].price"#, STORE, "19.95"),
        ("$.store.book[0].author", STORE, r#""Nigel Rees""#),
        ("$.store.book[-1].title", STORE, r#""The Lord of the Rings""#),
        ("$.store['book'][1]['title']", STORE, r#""Sword of Honour""#),
        // Jayway reads anything but `.`, `[`, `(` and space as part of a dotted name.
        ("$.a-b", MISC, "1"),
        ("$.a:b", MISC, "2"),
        ("$.Ж中", MISC, "3"),
        ("$.store\\.book", MISC, "4"),
        ("$['sp ace']", MISC, "5"),
        (r#"$["it's"]"#, MISC, "6"),
        (r"$['it\'s']", MISC, "6"),
        ("$.n", MISC, "null"),
        ("$.[0]", "[7, 8]", "7"),
        ("$.['s']", MISC, r#""text""#),
        ("$[1]", "[7, 8]", "8"),
        // A name union as the last segment merges the members it finds into one object.
        ("$['a-b','a:b','none']", MISC, r#"{"a-b": 1, "a:b": 2}"#),
        // Recorded on AWS (test_escape_sequence_parsing): no unescaping of `\"`.
        (r#"$['Test\""Name"']"#, r#"{"Test\\\"\"Name\"": "Value\"\\"}"#, r#""Value\"\\""#),
    ] {
        check(path, input, expect);
    }
}

#[test]
fn roots() {
    for (path, input, expect) in [
        ("$$.Execution.Id", "{}", r#""arn:execution""#),
        ("$$.Execution.Input", "{}", r#"{"k": "v"}"#),
        (
            "$$",
            "{}",
            r#"{"Execution": {"Id": "arn:execution", "Input": {"k": "v"}}, "Map": {"Item": {"Index": 2}}}"#,
        ),
        ("$myVar.field[0]", "{}", r#""first""#),
        ("$myVar.field[*]", "{}", r#"["first", "second"]"#),
        ("$count", "{}", "3"),
        (
            "$noSuchVar",
            "{}",
            "error: Invalid path '$noSuchVar' : The variable 'noSuchVar' is not defined",
        ),
        (
            "$$.Missing",
            "{}",
            "error: Invalid path '$$.Missing' : No results for path: $['Missing']",
        ),
        ("$myVar.none", "{}", "error: Invalid path '$myVar.none' : No results for path: $['none']"),
    ] {
        check(path, input, expect);
    }
}

#[test]
fn errors_of_definite_paths() {
    for (path, input, expect) in [
        // Both recorded on AWS (test_invalid_jsonpath, test_catch_states_runtime).
        (
            "$.NoSuchInputPath",
            r#"{"int-literal": 0}"#,
            "error: Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
        ),
        (
            "$.no.such.result.path",
            "{}",
            "error: Invalid path '$.no.such.result.path' : Missing property in path $['no']",
        ),
        (
            "$.store.pen",
            STORE,
            "error: Invalid path '$.store.pen' : No results for path: $['store']['pen']",
        ),
        (
            "$.store.book[10].title",
            STORE,
            "error: Invalid path '$.store.book[10].title' : No results for path: $['store']['book'][10]['title']",
        ),
        (
            "$.store.book[10]",
            STORE,
            "error: Invalid path '$.store.book[10]' : No results for path: $['store']['book'][10]",
        ),
        (
            r#"$["store"]["x"]"#,
            STORE,
            r#"error: Invalid path '$["store"]["x"]' : No results for path: $["store"]["x"]"#,
        ),
        (
            "$.store.bicycle.color.shade",
            STORE,
            "error: Invalid path '$.store.bicycle.color.shade' : Expected to find an object with property ['shade'] in path $['store']['bicycle']['color'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
        (
            "$.n.x",
            MISC,
            "error: Invalid path '$.n.x' : Expected to find an object with property ['x'] in path $['n'] but found 'null'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
        (
            "$.nums.x",
            MISC,
            "error: Invalid path '$.nums.x' : Expected to find an object with property ['x'] in path $['nums'] but found 'net.minidev.json.JSONArray'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
        (
            "$.store.bicycle[0].x",
            STORE,
            r#"error: Invalid path '$.store.bicycle[0].x' : Filter: [0]['x'] can only be applied to arrays. Current context is: {"color":"red","price":19.95}"#,
        ),
        (
            "$.s[0]",
            MISC,
            "error: Invalid path '$.s[0]' : Filter: [0] can only be applied to arrays. Current context is: text",
        ),
        ("$.n[0]", MISC, "error: Invalid path '$.n[0]' : The path $['n'] is null"),
        (
            "$.empty.sum()",
            MISC,
            "error: Invalid path '$.empty.sum()' : Aggregation function attempted to calculate value using empty array",
        ),
    ] {
        check(path, input, expect);
    }
}

#[test]
fn indefinite_paths() {
    for (path, input, expect) in [
        (
            "$.store.book[*].author",
            STORE,
            r#"["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]"#,
        ),
        (
            "$..author",
            STORE,
            r#"["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]"#,
        ),
        ("$.store.*.color", STORE, r#"["red"]"#),
        ("$.store..price", STORE, "[8.95, 12.99, 8.99, 22.99, 19.95]"),
        ("$..price", STORE, "[8.95, 12.99, 8.99, 22.99, 19.95]"),
        ("$..book[2].title", STORE, r#"["Moby Dick"]"#),
        ("$..book[-1].title", STORE, r#"["The Lord of the Rings"]"#),
        ("$.store.book[0,1].title", STORE, r#"["Sayings of the Century", "Sword of Honour"]"#),
        ("$.store.book[:2].price", STORE, "[8.95, 12.99]"),
        ("$.store.book[1:3].price", STORE, "[12.99, 8.99]"),
        ("$.store.book[-2:].price", STORE, "[8.99, 22.99]"),
        ("$.store.book[2:].price", STORE, "[8.99, 22.99]"),
        ("$.store.book[:-3].price", STORE, "[8.95]"),
        ("$.store.book[0:4:2].price", STORE, "[8.95, 12.99, 8.99, 22.99]"),
        ("$.store.book[3:1].price", STORE, "[]"),
        // In `[a:b]` Jayway normalises neither bound: a negative start wraps around.
        ("$.nums[-2:2]", MISC, "[1, 5, 3, 1]"),
        ("$.nums[1:-1]", MISC, "[]"),
        ("$.nums[7:]", MISC, "[]"),
        ("$.nums[0,9,-1]", MISC, "[3, 5]"),
        ("$.nested[*][0]", MISC, "[1, 3]"),
        ("$.obj.*", MISC, "[1, 2]"),
        ("$.obj[*]", MISC, "[1, 2]"),
        ("$.s[*]", MISC, "[]"),
        ("$..*", r#"{"a": {"b": [1]}}"#, r#"[{"b": [1]}, [1], 1]"#),
        ("$..[0]", r#"{"a": [1, [2, 3]]}"#, "[1, 2]"),
        // Jayway applies what follows an array segment after `..` to every element.
        ("$..[0].n", r#"{"a": [{"n": 1}, {"n": 2}]}"#, "[1, 2]"),
        ("$['obj','nums'][0]", MISC, "[3]"),
        // AWS gives an empty array, not an error, when an indefinite path finds nothing
        // (recorded: test_json_path_array_wildcard_or_slice_with_no_input).
        ("$.item.items[*]", "{}", "[]"),
        ("$.item.items[1:5]", "{}", "[]"),
        ("$.items[1:].itemValue", "{}", "[]"),
        ("$[*]", "{}", "[]"),
        ("$.s.x[*]", MISC, "[]"),
        // A wildcard that is not last fails on a scalar, and AWS then answers `[]`...
        ("$.s[*].x", MISC, "[]"),
        ("$.objmix[*][*].x", MISC, "[]"),
        // ...unless a wildcard over an array catches the failure for that element.
        ("$.mixed[*][*].x", MISC, "[1]"),
        ("$.nested[*][*]", MISC, "[1, 2, 3, 4, 5]"),
    ] {
        check(path, input, expect);
    }
}

#[test]
fn filters() {
    for (path, input, expect) in [
        (
            "$.store.book[?(@.price < 10)].title",
            STORE,
            r#"["Sayings of the Century", "Moby Dick"]"#,
        ),
        ("$.store.book[?(@.isbn)].price", STORE, "[8.99, 22.99]"),
        ("$.store.book[?(!@.isbn)].price", STORE, "[8.95, 12.99]"),
        ("$.store.book[?(@.category == 'fiction' && @.price > 20)].price", STORE, "[22.99]"),
        (
            r#"$.store.book[?(@.category == "reference" || @.price > 20)].price"#,
            STORE,
            "[8.95, 22.99]",
        ),
        ("$.store.book[?(!(@.price < 10 || @.price > 20))].price", STORE, "[12.99]"),
        ("$.store.book[?(@.price <= $['expensive'])].price", STORE, "[8.95, 8.99]"),
        ("$.store.book[?(@.price <= $.expensive)].price", STORE, "[8.95, 8.99]"),
        ("$.store.book[?(@.author =~ /.*REES/i)].price", STORE, "[8.95]"),
        // `=~` must match the whole string, as Java's `Matcher.matches()`.
        ("$.store.book[?(@.author =~ /Rees/)].price", STORE, "[]"),
        ("$.store.book[?(@.category in ['reference', 'poetry'])].price", STORE, "[8.95]"),
        ("$.store.book[?(@.category nin ['fiction'])].price", STORE, "[8.95]"),
        ("$.store.book[?(@.price == 8.95)].title", STORE, r#"["Sayings of the Century"]"#),
        ("$.store.book[?(@.price != 8.95)].price", STORE, "[12.99, 8.99, 22.99]"),
        ("$.store.book[?(@.title size 9)].title", STORE, r#"["Moby Dick"]"#),
        ("$.store.book[?(@.price >= 22.99)].price", STORE, "[22.99]"),
        ("$.store.book[?(@.author > 'M')].author", STORE, r#"["Nigel Rees"]"#),
        ("$..book[?(@.isbn)].title", STORE, r#"["Moby Dick", "The Lord of the Rings"]"#),
        // Recorded on AWS (test_state_pass_regex_json_path_base).
        ("$.users[?(@.status == 0)].year", MISC, r#"[1997, "1999"]"#),
        // A number equals a string that parses to it; a string equals a number only textually.
        ("$.users[?(@.year == '1998')].status", MISC, "[1]"),
        ("$.users[?(@.year == 1999)].status", MISC, "[0]"),
        ("$.users[?(@.year < 1999)].status", MISC, "[0, 1]"),
        ("$.users[?(@.year === 1999)].status", MISC, "[]"),
        ("$.users[?(@.year !== 1997)].status", MISC, "[1, 0]"),
        (
            r#"$[?(@.tags anyof ["blue", "green"])].id"#,
            r#"[{"id": 1, "tags": ["blue"]}, {"id": 2, "tags": ["x"]}]"#,
            "[1]",
        ),
        (
            "$[?(@.tags noneof ['blue'])].id",
            r#"[{"id": 1, "tags": ["blue"]}, {"id": 2, "tags": ["x"]}]"#,
            "[2]",
        ),
        (
            "$[?(@.tags subsetof ['a', 'b'])].id",
            r#"[{"id": 1, "tags": ["a"]}, {"id": 2, "tags": ["a", "c"]}]"#,
            "[1]",
        ),
        (
            "$[?(@.tags contains 'b')].id",
            r#"[{"id": 1, "tags": ["a"]}, {"id": 2, "tags": ["b"]}]"#,
            "[2]",
        ),
        (
            "$[?(@.tags empty true)].id",
            r#"[{"id": 1, "tags": []}, {"id": 2, "tags": ["b"]}]"#,
            "[1]",
        ),
        ("$[?(@.tags size 1)].id", r#"[{"id": 1, "tags": []}, {"id": 2, "tags": ["b"]}]"#, "[2]"),
        ("$[?(@.ok exists true)].id", r#"[{"id": 1, "ok": true}, {"id": 2, "ok": "yes"}]"#, "[1]"),
        ("$[?(@.v == null)].id", r#"[{"id": 1, "v": null}, {"id": 2}]"#, "[1]"),
        ("$[?(@.v == true)].id", r#"[{"id": 1, "v": true}, {"id": 2, "v": "true"}]"#, "[1]"),
        (
            "$[?(@.v == {'a': 1})].id",
            r#"[{"id": 1, "v": {"a": 1}}, {"id": 2, "v": {"a": 2}}]"#,
            "[1]",
        ),
        ("$[?(@.v[0] == 'x')].id", r#"[{"id": 1, "v": ["x"]}, {"id": 2, "v": []}]"#, "[1]"),
        ("$[?(@.v.length() > 1)].id", r#"[{"id": 1, "v": [1, 2]}, {"id": 2, "v": [1]}]"#, "[1]"),
        ("$[?(@.v[*] empty false)].id", r#"[{"id": 1, "v": [1]}, {"id": 2, "v": []}]"#, "[1]"),
        // `in` needs an array on its right; anything else rejects the item.
        ("$[?(@.v in 'abc')].id", r#"[{"id": 1, "v": "a"}]"#, "[]"),
        ("$[?(@.v nin 'abc')].id", r#"[{"id": 1, "v": "a"}]"#, "[]"),
        // AWS: "The @ operator ... does not match scalar values. It only matches objects."
        ("$.nums[?(@ > 1)]", MISC, "[]"),
        // A filter on an object tests the object itself.
        ("$.obj[?(@.x == 1)]", MISC, r#"[{"x": 1, "y": 2}]"#),
        ("$.s[?(@.x)]", MISC, "[]"),
        // A missing value is undefined; a regular expression meets it as "".
        ("$[?(@.none =~ /.*/)].id", r#"[{"id": 1}]"#, "[1]"),
        (r"$[?(@.p =~ /a\/b/)].id", r#"[{"id": 1, "p": "a/b"}, {"id": 2, "p": "ab"}]"#, "[1]"),
        ("$[?(@.n =~ /4\\d/)].id", r#"[{"id": 1, "n": 42}, {"id": 2, "n": 52}]"#, "[1]"),
    ] {
        check(path, input, expect);
    }
}

#[test]
fn functions() {
    for (path, input, expect) in [
        ("$.store.book.length()", STORE, "4"),
        ("$.store.book.size()", STORE, "4"),
        ("$.obj.length()", MISC, "2"),
        ("$.s.length()", MISC, "null"),
        ("$.nums.sum()", MISC, "14.0"),
        ("$.nums.min()", MISC, "1.0"),
        ("$.nums.max()", MISC, "5.0"),
        ("$.nums.avg()", MISC, "2.8"),
        ("$.obj.*.stddev()", MISC, "[]"),
        ("$.words.sum()", MISC, "3.0"),
        ("$.obj.keys()", MISC, r#"["x", "y"]"#),
        ("$.nums.first()", MISC, "3"),
        ("$.nums.last()", MISC, "5"),
        ("$.empty.first()", MISC, "null"),
        ("$.words.concat()", MISC, r#""ab""#),
        ("$.nested[*].length()", MISC, "[2, 3]"),
        // Jayway records a function's result and then goes on: a definite path yields the last.
        ("$.nested.first().length()", MISC, "2"),
        ("$.users.first().none", MISC, r#"{"year": 1997, "status": 0}"#),
        (
            "$.nested.first().none",
            MISC,
            "error: Invalid path '$.nested.first().none' : Expected to find an object with property ['none'] in path $['nested'] but found 'net.minidev.json.JSONArray'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
    ] {
        check(path, input, expect);
    }
}

/// Whether `path` parses.
fn check_syntax(path: &str, valid: bool) {
    let result = Path::parse(path);
    assert_eq!(result.is_ok(), valid, "{path}: {result:?}");
}

#[test]
fn syntax() {
    for (path, valid) in [
        ("$", true),
        ("$$", true),
        ("$.a.b", true),
        ("$.a[0]['b'][*]..c.*", true),
        ("$[0]a", true),
        ("$['a']b", true),
        ("$.a*", true),
        ("$..*", true),
        ("$.[?(@.year < 1999)].name", true),
        ("$['a' , 'b' ]", true),
        ("$[ 1 , 2 ]", true),
        ("$[ * ]", true),
        ("$.a.length( )", true),
        ("$[?(@.a == 'it\\'s')]", true),
        ("$[?(@.a == \"x)\")]", true),
        ("$[?(@.a =~ /a(b/i)]", false),
        ("$[?(@.a =~ /[)]/)]", true),
        ("$[?((@.a > 1) && ((@.b)))]", true),
        ("$[?(@.a IN [1, 2])]", true),
        ("$[?(@.a == -1.5e3)]", true),
        ("$[?(@.a == .5)]", true),
        ("$[?(@.a == 1.)]", true),
        ("$[?(@.a == 1e)]", false),
        ("$[?(@.a.b[?(@.c)])]", true),
        ("$myVar", true),
        ("$my_var1.x", true),
        ("$_x", true),
        ("", false),
        ("a.b", false),
        ("@.a", false),
        ("$.", false),
        ("$..", false),
        ("$.a.", false),
        ("$...a", false),
        ("$a b", false),
        ("$.a b", false),
        ("$1", false),
        ("$my-var", false),
        ("$$$", false),
        ("$[", false),
        ("$[]", false),
        ("$['a'", false),
        ("$['a']x]", true),
        ("$['a',]", false),
        ("$['a' 'b']", false),
        ("$[a]", false),
        ("$[1 2]", false),
        ("$[1,,2]", false),
        ("$[:]", false),
        ("$[::]", false),
        ("$[1:2:3]", true),
        ("$[-]", false),
        ("$[99999999999]", false),
        ("$[*x]", false),
        ("$[?]", false),
        ("$[?(@.a)", false),
        // Unquoted words are strings, as in deployed AWS workflows.
        ("$[?(@.a == pass)]", true),
        ("$[(@.length-1)]", false),
        ("$[?(@.a == tru)]", true),
        ("$[?(@.a ==)]", false),
        ("$[?(@.a all [1])]", false),
        ("$[?(@.a =~ /x/q)]", false),
        ("$[?(@.a =~ /x)]", false),
        // Jayway's bracket matcher takes any `/` for the start of a regular expression.
        ("$[?(@.a\\/b)]", false),
        ("$[?(@.a == 'x)]", false),
        ("$[?(@.a == [1, 2)]", false),
        ("$[?(@.a && )]", false),
        ("$[?(1 == 1)]", true),
        ("$[?(1)]", false),
        ("$[?($$.a)]", false),
        ("$[?(@.a == $x)]", false),
        ("$.a.foo()", false),
        ("$.a.sum(1)", false),
        ("$.a.length(", false),
        ("$.a()", false),
    ] {
        check_syntax(path, valid);
    }
}

#[test]
fn nesting_is_bounded() {
    let deep_groups = format!("$[?({}@.a{})]", "(".repeat(200), ")".repeat(200));
    let deep_nots = format!("$[?({}(@.a))]", "!".repeat(200));
    let deep_filters = format!("${}", "[?(@.a".repeat(100)) + &")]".repeat(100);
    for path in [deep_groups, deep_nots, deep_filters] {
        let error = Path::parse(&path).expect_err("too deep");
        assert!(error.message.contains("nested too deeply"), "{error}");
    }
    // A JSON literal nested too deeply is invalid, and so the filter cannot be read.
    let deep_json = format!("$[?(@.a == {}{})]", "[".repeat(200), "]".repeat(200));
    assert!(Path::parse(&deep_json).is_err());
    let shallow_json = format!("$[?(@.a == {}{})]", "[".repeat(20), "]".repeat(20));
    assert!(Path::parse(&shallow_json).is_ok());
    let huge_regex = "$[?(@.a =~ /(a{1000}){1000}/)]";
    assert!(Path::parse(huge_regex).is_err());
}

#[test]
fn evaluation_depth_is_bounded() {
    // A document nested deeper than the evaluation limit, built without recursion.
    let mut deep = json!({"x": 1});
    for _ in 0..600 {
        deep = json!([deep]);
    }
    let context = json!({});
    let roots = Roots { input: &deep, context: &context, variables: &NoVariables };
    let scan = Path::parse("$..x").expect("valid path");
    let error = scan.evaluate(&roots).expect_err("too deep");
    assert!(error.to_string().contains("deeper than"), "{error}");
    let wildcards = Path::parse(&format!("${}", "[*]".repeat(600))).expect("valid path");
    assert!(wildcards.evaluate(&roots).is_err());
    // Plain names and indexes are followed without recursion, however many.
    let indexes = Path::parse(&format!("${}.x", "[0]".repeat(600))).expect("valid path");
    assert_eq!(indexes.evaluate(&roots), Ok(json!(1)));
    // Dropping a value this deep recurses in serde_json; unwind it by hand.
    while let Value::Array(mut items) = deep {
        deep = items.pop().unwrap_or(Value::Null);
    }
}

/// Whether `path` is definite and whether it is a reference path.
fn check_kind(path: &str, definite: bool, reference: bool) {
    let parsed = Path::parse(path).expect("valid path");
    assert_eq!((parsed.is_definite(), parsed.is_reference_path()), (definite, reference), "{path}");
}

#[test]
fn kinds() {
    for (path, definite, reference) in [
        ("$", true, true),
        ("$.a.b[0]", true, true),
        ("$['a'][\"b\"]", true, true),
        ("$$.Map.Item.Value", true, true),
        ("$var.a[1]", true, true),
        ("$.a[-1]", true, false),
        ("$.a.length()", true, false),
        ("$['a','b']", true, false),
        ("$['a','b'].c", false, false),
        ("$.a[0,1]", false, false),
        ("$.a[1:]", false, false),
        ("$.a[*]", false, false),
        ("$.a.*", false, false),
        ("$..a", false, false),
        ("$.a[?(@.b)]", false, false),
    ] {
        check_kind(path, definite, reference);
    }
}

/// Writes `result` at `path` into `input` and compares with `expect` (JSON or `error: ...`).
fn check_write(path: &str, input: &str, result: &str, expect: &str) {
    let parsed = Path::parse(path).expect("valid path");
    let input: Value = serde_json::from_str(input).expect("test input is JSON");
    let result: Value = serde_json::from_str(result).expect("test result is JSON");
    let actual = match write_result(input, &parsed, result) {
        Ok(value) => value.to_string(),
        Err(error) => format!("error: {error}"),
    };
    let expected = if expect.starts_with("error: ") {
        expect.to_owned()
    } else {
        serde_json::from_str::<Value>(expect).expect("expectation is JSON").to_string()
    };
    assert_eq!(actual, expected, "ResultPath {path}");
}

#[test]
fn result_path() {
    for (path, input, result, expect) in [
        ("$", r#"{"a": 1}"#, r#""r""#, r#""r""#),
        ("$", "[1]", "{}", "{}"),
        ("$.taskresult", r#"{"comment": "c"}"#, r#""r""#, r#"{"comment": "c", "taskresult": "r"}"#),
        // An existing member is replaced where it stands.
        ("$.a", r#"{"a": 1, "b": 2}"#, "3", r#"{"a": 3, "b": 2}"#),
        ("$.a.b.c", "{}", "1", r#"{"a": {"b": {"c": 1}}}"#),
        ("$['a']['b']", r#"{"a": {"x": 0}}"#, "1", r#"{"a": {"x": 0, "b": 1}}"#),
        ("$.a[1]", r#"{"a": [1, 2]}"#, "9", r#"{"a": [1, 9]}"#),
        ("$.a[0].b", r#"{"a": [{}]}"#, "9", r#"{"a": [{"b": 9}]}"#),
        (
            "$.a.b",
            r#"{"a": 5}"#,
            "1",
            r#"error: Unable to apply ReferencePath $.a.b to input {"a":5}"#,
        ),
        ("$.a", "[1]", "1", "error: Unable to apply ReferencePath $.a to input [1]"),
        ("$.a", r#""text""#, "1", r#"error: Unable to apply ReferencePath $.a to input "text""#),
        (
            "$.a[5]",
            r#"{"a": [1]}"#,
            "1",
            r#"error: Unable to apply ReferencePath $.a[5] to input {"a":[1]}"#,
        ),
        (
            "$.a[0]",
            r#"{"a": {}}"#,
            "1",
            r#"error: Unable to apply ReferencePath $.a[0] to input {"a":{}}"#,
        ),
        // Nothing is created when the path cannot be applied in the end.
        ("$.x.y[0]", "{}", "1", "error: Unable to apply ReferencePath $.x.y[0] to input {}"),
        (
            "$$.a",
            "{}",
            "1",
            "error: Invalid path '$$.a' : a ResultPath must be a reference path starting with '$'",
        ),
        (
            "$v.a",
            "{}",
            "1",
            "error: Invalid path '$v.a' : a ResultPath must be a reference path starting with '$'",
        ),
        (
            "$.a[*]",
            "{}",
            "1",
            "error: Invalid path '$.a[*]' : a ResultPath must be a reference path starting with '$'",
        ),
    ] {
        check_write(path, input, result, expect);
    }
}

#[test]
fn error_kinds() {
    let input = json!({"a": 1});
    let roots = Roots { input: &input, context: &input, variables: &NoVariables };
    let missing = Path::parse("$.b").map(|path| path.evaluate(&roots));
    let Ok(Err(error)) = missing else { panic!("expected an evaluation error") };
    assert_eq!(
        (error.kind(), error.name(), error.path()),
        (super::ErrorKind::NotFound, "States.Runtime", "$.b")
    );
    let path = Path::parse("$.a.b").expect("valid path");
    let error = write_result(input.clone(), &path, json!(1)).expect_err("a is not an object");
    assert_eq!(
        (error.kind(), error.name()),
        (super::ErrorKind::ResultPathMatchFailure, "States.ResultPathMatchFailure")
    );
    assert_eq!(NoVariables.get("x"), None);
    assert_eq!(Path::parse("$.a"), Path::parse("$.a"));
}

/// Arbitrary JSON documents with a few recurring keys, so that paths find things.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..50).prop_map(Value::from),
        (-1.0e3f64..1.0e3).prop_map(Value::from),
        "[a-c]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-c]", inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Path-like text: mostly the characters paths are made of.
fn path_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\$[a-c0-9$@.\\[\\]()'\"?*,:!=<>~&|/\\\\ -]{0,30}",
        "\\$[.\\[][a-c0-9@.\\[\\]()'\"?*,:!=<> -]{0,30}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn parse_and_evaluate_never_panic(text in path_text(), input in json_value()) {
        if let Ok(path) = Path::parse(&text) {
            let roots = Roots { input: &input, context: &input, variables: &NoVariables };
            let _ = path.evaluate(&roots);
            let _ = write_result(input.clone(), &path, json!(1));
        }
    }

    #[test]
    fn filters_never_panic(
        left in "@(\\.[a-c]|\\[[0-9]\\]|\\[\\*\\]|\\.length\\(\\))*",
        op in prop::sample::select(vec!["==", "!=", "<", ">=", "=~", "in", "nin", "size", "empty", "anyof", "contains"]),
        right in prop::sample::select(vec!["1", "'a'", "true", "null", "[1, 'a']", "/a.*/i", "$.a", "@.b", "{'a': 1}"]),
        input in json_value(),
    ) {
        let path = Path::parse(&format!("$..[?({left} {op} {right})]")).expect("generated filters parse");
        let roots = Roots { input: &input, context: &input, variables: &NoVariables };
        let _ = path.evaluate(&roots);
    }

    /// Names, indexes, index unions, slices and a final wildcard mean the same in Jayway and
    /// in RFC 9535, so the matched values must agree with `serde_json_path`.
    #[test]
    fn agrees_with_rfc_9535(segments in prop::collection::vec(rfc_segment(), 0..5), last in rfc_last(), input in json_value()) {
        let text = format!("${}{last}", segments.concat());
        let ours = Path::parse(&text).expect("generated paths parse");
        let roots = Roots { input: &input, context: &input, variables: &NoVariables };
        let mut ours: Vec<Value> = match ours.evaluate(&roots) {
            Ok(Value::Array(items)) if !ours.is_definite() => items,
            Ok(value) => vec![value],
            Err(_) => Vec::new(),
        };
        let reference = serde_json_path::JsonPath::parse(&text).expect("serde_json_path parses it");
        let mut theirs: Vec<Value> = reference.query(&input).all().into_iter().cloned().collect();
        ours.sort_by_key(Value::to_string);
        theirs.sort_by_key(Value::to_string);
        prop_assert_eq!(ours, theirs, "path {}", text);
    }
}

fn rfc_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]".prop_map(|name| format!(".{name}")),
        "[a-c]".prop_map(|name| format!("['{name}']")),
        (-3i32..4).prop_map(|index| format!("[{index}]")),
        ((-3i32..4), (-3i32..4)).prop_map(|(first, second)| format!("[{first},{second}]")),
        ((0i32..4), (0i32..4)).prop_map(|(from, to)| format!("[{from}:{to}]")),
        (-3i32..4).prop_map(|from| format!("[{from}:]")),
        (-3i32..4).prop_map(|to| format!("[:{to}]")),
        ("[a-c]", "[a-c]").prop_map(|(first, second)| format!("['{first}','{second}']")),
    ]
}

/// A last segment: no name union there, since Jayway merges those into one object.
fn rfc_last() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[*]".to_owned()),
        Just(".*".to_owned()),
        "[a-c]".prop_map(|name| format!(".{name}")),
        (-3i32..4).prop_map(|index| format!("[{index}]")),
    ]
}
