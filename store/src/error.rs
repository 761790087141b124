//! Errors of the `persona` command line, each with its exit code.

use persona_edge::ruleset::RulesetError;
use persona_edge::snapshot::SnapshotError;
use std::path::PathBuf;

/// A failure of a `persona` command. Printed as one line on stderr; never a panic.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Input JSON is not valid or does not have the expected shape.
    #[error("{what}: {message}")]
    Json {
        /// What was being read (file name or argument).
        what: String,
        /// serde's message, with line and column.
        message: String,
    },
    /// A value breaks a rule of the customer model (for example text shaped like a raw identifier).
    #[error("{code}: {error}", code = .0.code, error = .0)]
    Model(#[from] crate::model::ModelError),
    /// A ruleset does not compile.
    #[error("ruleset does not compile: {0}")]
    Ruleset(#[from] RulesetError),
    /// A snapshot was refused or could not be built.
    #[error("snapshot {code}: {error}", code = .0.code(), error = .0)]
    Snapshot(#[from] SnapshotError),
    /// A JSON Logic rule does not compile.
    #[error("rule does not compile: {0}")]
    Rule(#[from] persona_edge::rules::RuleError),
    /// A key file is not usable.
    #[error("{0}")]
    Key(String),
    /// An argument is not acceptable.
    #[error("{0}")]
    Usage(String),
    /// The store (database, server) failed.
    #[error("{0}")]
    Store(String),
}

impl CliError {
    /// The process exit code: 2 for bad usage or input, 3 for a refused snapshot, 1 for I/O.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Io { .. } | CliError::Store(_) => 1,
            CliError::Snapshot(
                SnapshotError::InvalidKey { .. } | SnapshotError::InvalidInput { .. },
            ) => 2,
            CliError::Snapshot(_) => 3,
            _ => 2,
        }
    }

    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.into();
        move |source| CliError::Io { path, source }
    }
}
