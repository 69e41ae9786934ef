//! The end-to-end tests: both services started together in this process (see
//! `common`), or the real binary, one module per area. One binary rather than
//! one per file, so the services and the test helpers are compiled and linked
//! once.
//!
//! A test that touches storage is written once, as `async fn name(backend:
//! Backend)`, and `backend_tests!(name)` makes it two tests, `name::sqlite`
//! and `name::postgres`, so a failure names its engine.

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod attachments;
mod audit_verify;
mod backup;
mod demo;
mod family_identity;
mod family_voice;
mod governance;
mod import;
mod instances;
mod messaging;
mod pages;
mod publishing;
mod read_path;
mod safeguarding;
mod staff_identity;
mod sync;
mod sync_killed;
mod transport;
