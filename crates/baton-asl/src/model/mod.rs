//! The typed model of a state machine (written next).
