//! The `baton` command line (subcommands arrive with their issues; `validate` is next).

fn main() {}
