//! Errors of the `persona` command line, each with its exit code.

use crate::config::ConfigError;
use crate::io::FileError;
use crate::keyfile::KeyError;
use persona_edge::ruleset::RulesetError;
use persona_edge::snapshot::SnapshotError;
use std::path::PathBuf;

/// A failure of a `persona` command. Printed as one line on stderr; never a panic.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read, written or understood.
    #[error(transparent)]
    File(#[from] FileError),
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
    /// A key folder, key file or key argument is not usable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The data folder or its secrets are not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
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
            CliError::Store(_)
            | CliError::File(FileError::Io { .. })
            | CliError::Key(KeyError::File(FileError::Io { .. }))
            | CliError::Config(ConfigError::File(FileError::Io { .. })) => 1,
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
        move |source| CliError::File(FileError::Io { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_cause_through_the_wrapped_errors() {
        let missing = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let io = |path: &str| FileError::Io {
            path: path.into(),
            source: missing(),
        };
        assert_eq!(CliError::io("x")(missing()).exit_code(), 1);
        assert_eq!(CliError::from(KeyError::File(io("k"))).exit_code(), 1);
        assert_eq!(CliError::from(ConfigError::File(io("c"))).exit_code(), 1);
        let json = FileError::Json {
            what: "f".into(),
            message: "m".into(),
        };
        assert_eq!(CliError::from(json).exit_code(), 2);
        let bad_secret = KeyError::MalformedSecret { path: "s".into() };
        assert_eq!(CliError::from(bad_secret).exit_code(), 2);
        let no_key = KeyError::NoActiveKey { path: "r".into() };
        assert!(CliError::from(no_key)
            .to_string()
            .contains("persona keys rotate"));
        assert_eq!(CliError::from(SnapshotError::Tampered).exit_code(), 3);
    }
}
