//! Opening the store for the commands that work on it (`serve`, `import`, `publish`, `erase`).

use super::args::parse_duration;
use crate::cli::StoreArgs;
use crate::config::{DataDir, Secrets};
use crate::db::Db;
use crate::erasure::Eraser;
use crate::error::CliError;
use crate::identity::{Identities, IdentityPolicy, Vault};
use crate::ingest::Ingest;
use crate::issue::Issuer;
use crate::model::Policy;
use crate::signer::Signer;
use crate::tokens::ReadTokens;
use persona_edge::snapshot::is_valid_audience;
use std::sync::Arc;
use std::time::Duration;

/// An open store.
pub struct Store {
    /// The database.
    pub db: Db,
    /// The database URL (for messages; a password in it is masked).
    pub url: String,
    /// The signing keys.
    pub signer: Arc<Signer>,
    /// Issues snapshots.
    pub issuer: Arc<Issuer>,
    /// Applies writes.
    pub ingest: Ingest,
    /// Erases customers.
    pub eraser: Eraser,
    /// The identity graph.
    pub identities: Identities,
    /// The secrets.
    pub secrets: Secrets,
    /// The data folder.
    pub data: DataDir,
    /// Audiences served; the first is the default.
    pub audiences: Vec<String>,
}

/// A database URL without its password, for printing.
pub fn masked(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A tokio runtime for a command.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Store(format!("cannot start the async runtime: {e}")))
}

/// Opens the database (migrating it), the keys and the secrets named by `args`.
pub async fn open(args: &StoreArgs, cache_ttl: Duration) -> Result<Store, CliError> {
    for audience in &args.audiences {
        if !is_valid_audience(audience) {
            return Err(CliError::Usage(format!(
                "--audience {audience:?}: 1..=64 characters of [A-Za-z0-9._:-]"
            )));
        }
    }
    let lifetime = parse_duration(&args.expires_in)?;
    let data = DataDir::new(&args.data);
    let url = data.database_url(args.db.as_deref())?;
    let db = Db::open(&url)
        .await
        .map_err(|e| CliError::Store(format!("{}: {e}", masked(&url))))?;
    let signer = Arc::new(Signer::open(&data.keys())?);
    let secrets = data.secrets()?;
    let issuer = Arc::new(Issuer::new(
        db.clone(),
        signer.clone(),
        Policy::default(),
        lifetime,
        cache_ttl,
    ));
    let tokens = ReadTokens::new(secrets.token_secret);
    let ingest = Ingest::new(db.clone(), issuer.clone(), tokens.clone());
    let eraser = Eraser::new(db.clone(), issuer.clone(), tokens.clone());
    let vault = Vault::open(data.path())?;
    let identities = Identities::new(
        db.clone(),
        issuer.clone(),
        vault,
        IdentityPolicy::default(),
        tokens,
    );
    Ok(Store {
        db,
        url: masked(&url),
        signer,
        issuer,
        ingest,
        eraser,
        identities,
        secrets,
        data,
        audiences: args.audiences.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(masked("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(masked("sqlite://x.db"), "sqlite://x.db");
    }
}
