//! `persona import FILE.ndjson`: bulk load of profiles, events and feedback, resumable.
//!
//! Each line is one JSON object: a profile record `{"subject": "...", "profile": {...}}` (the body of
//! `PUT /v1/profiles/{subject}`), a feedback event (an object with `"kind"`, as in `POST /v1/feedback`) or
//! a raw event (an object with `"type"`, as in `POST /v1/events`). Lines are applied in batches, each batch
//! in one transaction together with the position reached in the file, so an interrupted import resumes
//! where it stopped, without skipping or repeating a line. Rejected lines are reported with their number
//! and reason and change nothing.

use super::input::{identify, progress_bar, summary, Rejects};
use super::store::{open, runtime};
use crate::cli::ImportArgs;
use crate::error::CliError;
use crate::ingest::Change;
use crate::model::{Event, Feedback, ProfileUpdate};
use persona_edge::subject::is_valid_subject;
use serde::Deserialize;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::time::Duration;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileRecord {
    subject: String,
    profile: ProfileUpdate,
}

/// One accepted line.
enum Record {
    Profile(ProfileRecord),
    Event(Event),
    Feedback(Feedback),
}

impl Record {
    fn subject(&self) -> &str {
        match self {
            Record::Profile(p) => &p.subject,
            Record::Event(e) => e.subject(),
            Record::Feedback(f) => f.subject(),
        }
    }

    fn change(&self) -> Change<'_> {
        match self {
            Record::Profile(p) => Change::Update(&p.profile),
            Record::Event(e) => Change::Event(e),
            Record::Feedback(f) => Change::Feedback(f),
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    crate::json::from_value(value).map_err(|failure| failure.to_string())
}

/// Parses and validates one line.
fn parse_line(line: &str, now: u64) -> Result<Record, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    let record = if object.contains_key("profile") {
        Record::Profile(typed(value)?)
    } else if object.contains_key("kind") {
        Record::Feedback(typed(value)?)
    } else if object.contains_key("type") {
        Record::Event(typed(value)?)
    } else {
        return Err(
            "neither a profile record (\"profile\"), an event (\"type\") nor feedback (\"kind\")"
                .into(),
        );
    };
    if !is_valid_subject(record.subject()) {
        return Err("subject: 1..=64 characters of [A-Za-z0-9_-]".into());
    }
    let checked = match &record {
        Record::Profile(p) => p.profile.validate(),
        Record::Event(e) => e.validate(now),
        Record::Feedback(f) => f.validate(now),
    };
    checked.map_err(|e| e.to_string())?;
    Ok(record)
}

/// `persona import`.
pub fn import(args: &ImportArgs) -> Result<(), CliError> {
    runtime()?.block_on(run(args))
}

async fn run(args: &ImportArgs) -> Result<(), CliError> {
    let batch = args.batch.clamp(1, 10_000);
    let store = open(&args.store, Duration::ZERO).await?;
    let (file_id, total) = identify(&args.file)?;
    let mut progress = store
        .db
        .import_progress(&file_id)
        .await
        .map_err(|e| CliError::Store(e.to_string()))?;
    let resumed_from = progress.next_line;
    let mut rejects = Rejects::open(args.rejects.as_ref(), progress.rejected)?;
    let bar = progress_bar(total, progress.next_line, "lines");

    let file = std::fs::File::open(&args.file).map_err(CliError::io(&args.file))?;
    let mut lines = BufReader::new(file).lines();
    let mut number: i64 = 0;
    let mut pending: Vec<Record> = Vec::with_capacity(batch);
    let mut done = false;
    let mut refused_erased: i64 = 0;
    while !done {
        pending.clear();
        let mut read = 0usize;
        while read < batch {
            let Some(line) = lines.next() else {
                done = true;
                break;
            };
            let line = line.map_err(CliError::io(&args.file))?;
            number += 1;
            if number <= progress.next_line {
                continue;
            }
            read += 1;
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(&line, crate::io::now()) {
                Ok(record) => pending.push(record),
                Err(reason) => {
                    progress.rejected += 1;
                    rejects.reject(&bar, number, &reason, Some(&line))?;
                }
            }
        }
        if read == 0 {
            break;
        }
        progress.next_line = number;
        progress.accepted += pending.len() as i64;
        let changes: Vec<(&str, Change<'_>)> =
            pending.iter().map(|r| (r.subject(), r.change())).collect();
        let applied = store
            .ingest
            .apply(&changes, crate::io::now(), Some((&file_id, progress)))
            .await
            .map_err(|e| CliError::Store(format!("line {number}: {e}")))?;
        // As recorded with the progress: lines of erased customers are rejected, never applied.
        let refused = applied.refused_erased as i64;
        progress.accepted -= refused;
        progress.rejected += refused;
        refused_erased += refused;
        rejects.flush()?;
        bar.set_position(u64::try_from(number).unwrap_or(0));
    }
    rejects.finish(&bar)?;
    store.db.close().await;
    Ok(crate::io::print_line(summary(
        &args.file,
        number,
        resumed_from,
        progress,
        json!({ "rejected_erased": refused_erased }),
    ))?)
}
