//! What crosses the boundary between the staff bridge and families, and how it
//! is made safe; plus the small pieces of plumbing both services share.

// --- shared plumbing (foundation) ---
pub mod backup;
pub mod db;
pub mod forms;
pub mod guard;
pub mod invitation;
pub mod mail;
pub mod passkeys;
pub mod public_host;
pub mod seal;
pub mod session;
pub mod settings;
pub mod sync;
pub mod tokens;
pub mod web;
pub mod when;

// --- content: rendering, the redaction check, readability, explainers ---
pub mod attachments;
pub mod check;
pub mod check_cli;
pub mod explainers;
pub mod item;
pub mod jargon;
pub mod reading;
pub mod render;
