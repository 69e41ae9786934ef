//! The staff bridge's own tests that need its public API from outside: the
//! disclosure ledger on both backends, and the case import's parser against
//! arbitrary input. One binary, so the bridge is linked once.

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ledger;
mod proptest_import;
