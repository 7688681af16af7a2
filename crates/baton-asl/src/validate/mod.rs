//! Validation (written next).
