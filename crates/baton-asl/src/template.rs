//! Placeholder header; the owner of this module replaces this file.
