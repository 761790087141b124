//! `persona keys rotate|list` and `persona token`.

use super::args::parse_duration;
use crate::cli::KeysCommand;
use crate::config::DataDir;
use crate::error::CliError;
use crate::io;
use crate::keyfile::{self, KeyringFile};
use crate::tokens::ReadTokens;
use persona_edge::snapshot::VerifyOptions;
use persona_edge::subject::is_valid_subject;
use serde_json::json;

/// `persona keys ...`.
pub fn keys(command: &KeysCommand) -> Result<(), CliError> {
    match command {
        KeysCommand::Rotate { data, expires_in } => {
            let dir = DataDir::new(data).keys();
            // The old key must verify every snapshot it signed until the last one expires (plus the
            // edges' allowed clock skew); then it retires.
            let lifetime = parse_duration(expires_in)?;
            let retire_after = io::now()
                .saturating_add(lifetime)
                .saturating_add(VerifyOptions::DEFAULT_CLOCK_SKEW_SECS);
            let (kid, secret) = keyfile::rotate(&dir, Some(retire_after))?;
            Ok(io::print_line(json!({
                "active": kid.to_hex(),
                "secret": secret,
                "previous_retires_after": retire_after,
                "keyring": dir.join("keyring.json"),
            }))?)
        }
        KeysCommand::List { data } => {
            let ring = KeyringFile::read(&DataDir::new(data).keys().join("keyring.json"))?;
            Ok(io::print_line(
                serde_json::to_string_pretty(&ring).unwrap_or_default(),
            )?)
        }
    }
}

/// `persona token SUBJECT`: the read token the site hands to that customer's browser.
pub fn token(subject: &str, data: &std::path::Path) -> Result<(), CliError> {
    if !is_valid_subject(subject) {
        return Err(CliError::Usage(format!(
            "{subject:?} is not a subject id (1..=64 characters of [A-Za-z0-9_-])"
        )));
    }
    let secrets = DataDir::new(data).secrets()?;
    Ok(io::print_line(
        ReadTokens::new(secrets.token_secret).token(subject),
    )?)
}
