//! persona-store: the central store of persona-edge and its operator command line `persona`.
#![deny(missing_docs)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod erasure;
pub mod error;
pub mod export;
pub mod identity;
pub mod ingest;
pub mod io;
pub mod issue;
pub mod json;
pub mod keyfile;
pub mod model;
pub mod server;
pub mod signer;
pub mod tokens;
