//! Project automation (conformance runs, corpus agreement, benchmarks, tidy).

fn main() {}
