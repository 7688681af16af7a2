//! Nothing to link: this crate holds tests (`tests/`) that drive `baton serve` with the official
//! AWS SDK for Rust (`aws-sdk-sfn`) on a real socket, so that what Rust users run against AWS
//! is checked against Baton. It is its own crate so that the SDK's large dependency tree is
//! built for these tests only.
