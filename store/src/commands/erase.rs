//! `persona erase SUBJECT... [--file LIST] [--inactive-for 3y]`: erasure requests in bulk (GDPR art. 17,
//! CPRA right to delete), and retention (every customer inactive for longer than a period). Each batch is
//! one transaction; after the last one the database is scrubbed (SQLite's log truncated, PostgreSQL's
//! tables vacuumed). Prints one JSON line: how many subjects were erased, had been erased before, or were
//! unknown, how many inactive ones retention erased, and the time taken. Subject ids are never printed.

use super::args::parse_duration;
use super::store::{open, runtime};
use crate::cli::EraseArgs;
use crate::erasure::Outcome;
use crate::error::CliError;
use persona_edge::subject::is_valid_subject;
use serde_json::json;
use std::time::{Duration, Instant};

/// `persona erase`.
pub fn erase(args: &EraseArgs) -> Result<(), CliError> {
    let mut subjects = args.subjects.clone();
    if let Some(file) = &args.file {
        let text = std::fs::read_to_string(file).map_err(CliError::io(file))?;
        subjects.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let retention = args
        .inactive_for
        .as_deref()
        .map(parse_duration)
        .transpose()?;
    if subjects.is_empty() && retention.is_none() {
        return Err(CliError::Usage(
            "name the subjects to erase, or give --file or --inactive-for".to_owned(),
        ));
    }
    if let Some((i, _)) = subjects
        .iter()
        .enumerate()
        .find(|(_, s)| !is_valid_subject(s))
    {
        // The bad value itself is not echoed: it may be an identifier typed by mistake.
        return Err(CliError::Usage(format!(
            "subject {} of {} is not a subject id (1..=64 characters of [A-Za-z0-9_-]); nothing was erased",
            i + 1,
            subjects.len()
        )));
    }
    if args.batch == 0 {
        return Err(CliError::Usage("--batch must be at least 1".to_owned()));
    }
    runtime()?.block_on(run(args, &subjects, retention))
}

async fn run(
    args: &EraseArgs,
    subjects: &[String],
    retention: Option<u64>,
) -> Result<(), CliError> {
    let store = open(&args.store, Duration::ZERO).await?;
    let started = Instant::now();
    let (mut erased, mut already, mut unknown) = (0u64, 0u64, 0u64);
    for batch in subjects.chunks(args.batch) {
        let ids: Vec<&str> = batch.iter().map(String::as_str).collect();
        let outcomes = store
            .eraser
            .erase(&ids, crate::io::now())
            .await
            .map_err(|e| CliError::Store(e.to_string()))?;
        for outcome in outcomes {
            match outcome {
                Outcome::Erased { .. } => erased += 1,
                Outcome::AlreadyErased { .. } => already += 1,
                Outcome::Unknown => unknown += 1,
            }
        }
    }
    let inactive = match retention {
        Some(period) => store
            .eraser
            .erase_inactive(period, args.now.unwrap_or_else(crate::io::now), args.batch)
            .await
            .map_err(|e| CliError::Store(e.to_string()))?,
        None => 0,
    };
    let erase_seconds = started.elapsed().as_secs_f64();
    let scrubbed = store
        .eraser
        .scrub()
        .await
        .map_err(|e| CliError::Store(e.to_string()))?;
    store.db.close().await;
    let seconds = started.elapsed().as_secs_f64();
    Ok(crate::io::print_line(json!({
        "erased": erased,
        "already_erased": already,
        "unknown": unknown,
        "erased_inactive": inactive,
        "scrubbed": scrubbed,
        "erase_seconds": (erase_seconds * 1000.0).round() / 1000.0,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "subjects_per_second": if erase_seconds > 0.0 { ((erased + already + unknown + inactive) as f64 / erase_seconds).round() } else { 0.0 },
    }))?)
}
