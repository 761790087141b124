//! `persona export SUBJECT`: everything the store holds about one customer (an access request, GDPR
//! art. 15), as the JSON document `GET /v1/profiles/{subject}/export` answers
//! (`docs/schema/export.schema.json`). An erased or unknown subject is a usage error (exit 2).

use super::store::{open, runtime};
use crate::cli::ExportArgs;
use crate::error::CliError;
use crate::export::{export as export_of, Found};
use persona_edge::subject::is_valid_subject;
use std::time::Duration;

/// `persona export`.
pub fn export(args: &ExportArgs) -> Result<(), CliError> {
    if !is_valid_subject(&args.subject) {
        return Err(CliError::Usage(
            "not a subject id (1..=64 characters of [A-Za-z0-9_-])".to_owned(),
        ));
    }
    runtime()?.block_on(async {
        let store = open(&args.store, Duration::ZERO).await?;
        let audience = store.audiences.first().cloned().unwrap_or_default();
        let found = export_of(
            &store.db,
            &store.issuer,
            &store.eraser,
            &store.identities,
            &args.subject,
            &audience,
            crate::io::now(),
        )
        .await
        .map_err(|e| CliError::Store(e.to_string()))?;
        store.db.close().await;
        match found {
            Found::Export(document) => {
                let text = serde_json::to_string_pretty(&document)
                    .map_err(|e| CliError::Store(e.to_string()))?;
                Ok(crate::io::print_line(text)?)
            }
            Found::Erased { erased_at } => Err(CliError::Usage(format!(
                "{} was erased at {erased_at}; the store holds nothing about it",
                args.subject
            ))),
            Found::Unknown => Err(CliError::Usage(format!(
                "the store holds no profile for {}",
                args.subject
            ))),
        }
    })
}
