//! The content library from outside: the redaction check, its command line,
//! rendering, reading age and explainers. One binary, so the library and its
//! dependencies are linked once.

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/names_eval.rs"]
mod names_eval;

mod attachments;
mod check_audit;
mod check_cli;
mod check_forms;
mod check_generated;
mod check_identifiers;
mod check_names_eval;
mod check_origins;
mod check_rendered;
mod explainers;
mod proptest_inputs;
mod reading_and_jargon;
mod redaction_examples;
mod render_safety;
