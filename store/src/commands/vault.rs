//! `persona vault rotate`: the identity vault's key rotated (see [`Identities::rotate_vault`]).
//!
//! [`Identities::rotate_vault`]: crate::identity::Identities::rotate_vault

use super::store::{open, runtime};
use crate::cli::VaultCommand;
use crate::error::CliError;
use std::time::Duration;

/// `persona vault ...`.
pub fn vault(command: &VaultCommand) -> Result<(), CliError> {
    match command {
        VaultCommand::Rotate(args) => runtime()?.block_on(async {
            let store = open(&args.store, Duration::ZERO).await?;
            let rotation = store
                .identities
                .rotate_vault(store.data.path())
                .await
                .map_err(|e| CliError::Store(e.to_string()));
            store.db.close().await;
            Ok(crate::io::print_line(serde_json::json!(rotation?))?)
        }),
    }
}
