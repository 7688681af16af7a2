//! Reading definitions from JSON or YAML text (written next).
