//! persona-store: the central store of persona-edge and its operator command line `persona`.
#![deny(missing_docs)]

pub mod cli;
pub mod commands;
pub mod error;
pub mod io;
pub mod keyfile;
