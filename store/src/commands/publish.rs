//! `persona publish --out DIR`: every current snapshot as static files, so a CDN or an edge key-value
//! store can serve reads without the store.
//!
//! Layout (for the default audience, or the first `--audience`):
//! - `DIR/keys.json`: the public keyring.
//! - `DIR/ruleset.snap`: the ruleset snapshot (when one was set).
//! - `DIR/profiles/<read token>.snap`: each customer's snapshot, named by the customer's read token, so
//!   the path is the capability: nobody lists or guesses another customer's file.
//! - `DIR/kv.json`: the same as a bulk file for an edge key-value store (Cloudflare's
//!   `wrangler kv bulk put` format: `[{"key", "value", "base64", "expiration"}]`), keys `keys`, `ruleset`
//!   and `profile:<read token>`.
//! - `DIR/kv-delete.json`: the keys an edge key-value store must delete (`wrangler kv bulk delete`
//!   format: a JSON array of keys): those of customers erased within the last snapshot lifetime (older
//!   copies have expired there). Their files under `DIR/profiles/` from an earlier publish are removed.

use super::store::{open, runtime};
use crate::cli::PublishArgs;
use crate::error::CliError;
use crate::io::write_atomic;
use crate::tokens::ReadTokens;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;

/// Subjects read per database page.
const PAGE: i64 = 500;

/// `persona publish`.
pub fn publish(args: &PublishArgs) -> Result<(), CliError> {
    runtime()?.block_on(run(args))
}

fn store_error(e: impl std::fmt::Display) -> CliError {
    CliError::Store(e.to_string())
}

async fn run(args: &PublishArgs) -> Result<(), CliError> {
    let store = open(&args.store, Duration::ZERO).await?;
    let audience = store.audiences.first().cloned().unwrap_or_default();
    let now = crate::io::now();
    let tokens = ReadTokens::new(store.secrets.token_secret);
    let profiles_dir = args.out.join("profiles");
    std::fs::create_dir_all(&profiles_dir).map_err(CliError::io(&profiles_dir))?;
    let mut kv: Vec<Value> = Vec::new();

    let keys = serde_json::to_string(&store.signer.keys().ring).map_err(store_error)?;
    write_atomic(&args.out.join("keys.json"), keys.as_bytes())?;
    kv.push(json!({ "key": "keys", "value": keys }));

    let mut ruleset = false;
    if let Some(issued) = store
        .issuer
        .ruleset(&audience, now)
        .await
        .map_err(store_error)?
    {
        write_atomic(&args.out.join("ruleset.snap"), &issued.bytes)?;
        kv.push(json!({
            "key": "ruleset",
            "value": STANDARD.encode(&issued.bytes),
            "base64": true,
            "expiration": issued.expires_at,
        }));
        ruleset = true;
    }

    let mut count = 0u64;
    let mut bytes = 0usize;
    let mut after = String::new();
    loop {
        let page = store
            .db
            .subjects_after(&after, PAGE)
            .await
            .map_err(store_error)?;
        let Some(last) = page.last().cloned() else {
            break;
        };
        for subject in &page {
            let Some(issued) = store
                .issuer
                .profile_snapshot(subject, &audience, now)
                .await
                .map_err(store_error)?
            else {
                continue;
            };
            let token = tokens.token(subject);
            write_atomic(&profiles_dir.join(format!("{token}.snap")), &issued.bytes)?;
            kv.push(json!({
                "key": tokens.kv_key(subject),
                "value": STANDARD.encode(&issued.bytes),
                "base64": true,
                "expiration": issued.expires_at,
            }));
            count += 1;
            bytes += issued.bytes.len();
        }
        after = last;
    }
    let kv_text = serde_json::to_string(&kv).map_err(store_error)?;
    write_atomic(&args.out.join("kv.json"), kv_text.as_bytes())?;

    let since = now.saturating_sub(store.issuer.lifetime());
    let erased = store
        .db
        .erased_since(i64::try_from(since).unwrap_or(i64::MAX))
        .await
        .map_err(store_error)?;
    let mut deletions = Vec::with_capacity(erased.len());
    for tombstone in erased {
        if let Some(token) = tombstone.kv_key.strip_prefix("profile:") {
            let file = profiles_dir.join(format!("{token}.snap"));
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CliError::io(&file)(e)),
            }
        }
        deletions.push(tombstone.kv_key);
    }
    let deletions_text = serde_json::to_string(&deletions).map_err(store_error)?;
    write_atomic(&args.out.join("kv-delete.json"), deletions_text.as_bytes())?;
    store.db.close().await;
    Ok(crate::io::print_line(json!({
        "out": args.out,
        "audience": audience,
        "profiles": count,
        "profile_bytes": bytes,
        "ruleset": ruleset,
        "kv_entries": kv.len(),
        "kv_deletions": deletions.len(),
    }))?)
}
