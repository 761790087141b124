//! Compile and validation errors.

use crate::prelude::*;

/// What is wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleErrorKind {
    /// An object key that is not a supported operator.
    #[error("unknown operator `{0}`")]
    UnknownOperator(String),
    /// A `var`/`missing` path the field catalog does not know.
    #[error("unknown field `{field}`: {message}")]
    UnknownField {
        /// The path as written in the rule.
        field: String,
        /// The catalog's explanation.
        message: String,
    },
    /// Wrong number of arguments.
    #[error("`{op}` takes {expected} argument(s), got {got}")]
    Arity {
        /// The operator.
        op: String,
        /// The accepted counts, e.g. `"at least 2"`.
        expected: &'static str,
        /// How many were given.
        got: usize,
    },
    /// An argument of a type the operator cannot use.
    #[error("invalid argument for `{op}`: {message}")]
    InvalidArgument {
        /// The operator.
        op: String,
        /// What is expected.
        message: String,
    },
    /// The rule nests deeper than the limit.
    #[error("rule nested deeper than {0} levels")]
    TooDeep(usize),
    /// The rule has more nodes than the limit.
    #[error("rule larger than {0} nodes")]
    TooLarge(usize),
    /// A compiled rule (typically just decoded) is structurally invalid.
    #[error("invalid compiled rule: {0}")]
    Invalid(&'static str),
}

/// A rule error and where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at {})", display_path(.path))]
pub struct RuleError {
    /// JSON-pointer-like location inside the rule, e.g. `/and/1/>=/0/var` (`""` is the rule itself).
    /// Keys are escaped as in RFC 6901 (`~` → `~0`, `/` → `~1`).
    pub path: String,
    /// What is wrong.
    pub kind: RuleErrorKind,
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

impl RuleError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, kind: RuleErrorKind) -> Self {
        RuleError {
            path: path.into(),
            kind,
        }
    }

    /// An error about a compiled rule as a whole.
    pub(crate) fn invalid(message: &'static str) -> Self {
        RuleError::new("", RuleErrorKind::Invalid(message))
    }
}
