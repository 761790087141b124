//! `persona match FILE`: imported records resolved into customers, resumable.
//!
//! The file is NDJSON, one record per line as in `POST /v1/identities`
//! (`{"subject": "crm-1", "identifiers": {"email": "...", "surname": "..."}}`), or CSV with a header: a
//! `subject` column and one column per identifier kind (`email`, `phone`, `loyalty`, `given_name`,
//! `surname`, `date_of_birth`, `address`, `locality`, `postcode`; empty cells are absent). Each record is
//! validated and normalized, sealed into the vault and resolved (linked, queued for review or kept
//! apart, see [`Identities::resolve`]). With `--train`, the matching model is first trained on the
//! file's records (u from random pairs, m by EM) and stored, so that this run and every later match
//! use it.
//!
//! Progress is recorded after every batch; an interrupted run resumes after the last recorded batch.
//! Records of a batch cut short are resolved again, which changes nothing: identifiers are stored
//! once, a link re-scored with the same data keeps its confidence, an open review is not queued twice.
//!
//! Raw identifiers never reach stderr or the rejects file: a rejection names the record's number, the
//! field's path and what is wrong, never the value.

use super::input::{identify, progress_bar, summary, Rejects};
use super::store::{open, runtime};
use crate::cli::{MatchArgs, RecordFormat};
use crate::error::CliError;
use crate::identity::graph::{IdentityRecord, Normalized, RecordIdentifiers};
use crate::identity::{IdentifierKind, Identities};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};

/// One input record: the line it starts on and the record, or why not.
type Numbered = (i64, Result<IdentityRecord, String>);

/// The records of a file, in order.
enum Reader {
    Ndjson(std::io::Lines<BufReader<std::fs::File>>, i64),
    Csv {
        rows: csv::StringRecordsIntoIter<std::fs::File>,
        subject: usize,
        columns: Vec<(usize, IdentifierKind)>,
    },
}

impl Reader {
    fn open(path: &Path, format: RecordFormat) -> Result<Reader, CliError> {
        let file = std::fs::File::open(path).map_err(CliError::io(path))?;
        match format {
            RecordFormat::Ndjson => Ok(Reader::Ndjson(BufReader::new(file).lines(), 0)),
            RecordFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
                let header = reader
                    .headers()
                    .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
                    .clone();
                let mut subject = None;
                let mut columns = Vec::new();
                for (i, name) in header.iter().enumerate() {
                    let name = name.trim();
                    if name == "subject" {
                        subject = Some(i);
                        continue;
                    }
                    match IdentifierKind::RECORD
                        .into_iter()
                        .find(|k| k.name() == name)
                    {
                        Some(kind) => columns.push((i, kind)),
                        None => {
                            return Err(CliError::Usage(format!(
                            "{}: column {name:?} is neither `subject` nor an identifier kind ({})",
                            path.display(),
                            IdentifierKind::RECORD.map(|k| k.name()).join(", ")
                        )))
                        }
                    }
                }
                let subject = subject.ok_or_else(|| {
                    CliError::Usage(format!("{}: no `subject` column", path.display()))
                })?;
                Ok(Reader::Csv {
                    rows: reader.into_records(),
                    subject,
                    columns,
                })
            }
        }
    }

    /// The next record; `None` at the end.
    fn next(&mut self, path: &Path) -> Result<Option<Numbered>, CliError> {
        match self {
            Reader::Ndjson(lines, number) => loop {
                let Some(line) = lines.next() else {
                    return Ok(None);
                };
                let line = line.map_err(CliError::io(path))?;
                *number += 1;
                if !line.trim().is_empty() {
                    return Ok(Some((*number, parse_line(&line))));
                }
            },
            Reader::Csv {
                rows,
                subject,
                columns,
            } => {
                let Some(row) = rows.next() else {
                    return Ok(None);
                };
                let row = match row {
                    Ok(row) => row,
                    Err(e) if e.is_io_error() => {
                        return Err(CliError::Store(format!("{}: {e}", path.display())))
                    }
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line() as i64);
                        return Ok(Some((line, Err("not a CSV row".into()))));
                    }
                };
                let number = row.position().map_or(0, |p| p.line() as i64);
                let mut values: BTreeMap<IdentifierKind, String> = BTreeMap::new();
                for &(i, kind) in columns.iter() {
                    if let Some(cell) = row.get(i).filter(|c| !c.trim().is_empty()) {
                        values.insert(kind, cell.to_owned());
                    }
                }
                let record = IdentityRecord {
                    subject: row.get(*subject).unwrap_or_default().trim().to_owned(),
                    identifiers: RecordIdentifiers::from_values(values),
                };
                Ok(Some((number, Ok(record))))
            }
        }
    }
}

/// A line as a record; a failure names the path, never the value found there.
fn parse_line(line: &str) -> Result<IdentityRecord, String> {
    crate::json::from_str::<IdentityRecord>(line).map_err(|failure| {
        if failure.is_syntax() {
            return "not JSON".to_owned();
        }
        let message = failure.error.to_string();
        let what = if message.starts_with("unknown field") || message.starts_with("missing field") {
            message
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_owned()
        } else {
            "not a string or a list of strings".to_owned()
        };
        match failure.path {
            Some(path) => format!("at {path}: {what}"),
            None => what,
        }
    })
}

/// The format named by `--format`, or by the file's extension (`.csv`, else NDJSON).
fn format_of(path: &Path, given: Option<RecordFormat>) -> RecordFormat {
    given.unwrap_or_else(|| {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            RecordFormat::Csv
        } else {
            RecordFormat::Ndjson
        }
    })
}

/// `persona match`.
pub fn match_records(args: &MatchArgs) -> Result<(), CliError> {
    runtime()?.block_on(run(args))
}

/// Reads every valid record of the file for training (as the matcher sees it).
fn training_records(
    identities: &Identities,
    path: &Path,
    format: RecordFormat,
) -> Result<Vec<crate::identity::matcher::MatchRecord>, CliError> {
    let mut reader = Reader::open(path, format)?;
    let mut out = Vec::new();
    while let Some((_, record)) = reader.next(path)? {
        if let Some(n) = record
            .ok()
            .and_then(|r| identities.normalize_record(&r, "").ok())
        {
            out.push(n.match_record());
        }
    }
    Ok(out)
}

async fn run(args: &MatchArgs) -> Result<(), CliError> {
    let batch = args.batch.clamp(1, 10_000);
    let format = format_of(&args.file, args.format);
    let store = open(&args.store, Duration::ZERO).await?;
    let (file_hash, lines) = identify(&args.file)?;
    let file_id = format!("match:{file_hash}");
    let store_error = |e: &dyn std::fmt::Display| CliError::Store(e.to_string());
    let started = Instant::now();
    let mut trained = None;
    if args.train {
        let records = training_records(&store.identities, &args.file, format)?;
        eprintln!("training the matching model on {} records", records.len());
        let model = store
            .identities
            .train(records, crate::io::now())
            .await
            .map_err(|e| store_error(&e))?;
        trained = Some(json!({
            "prior": model.prior,
            "fields": model.fields.iter().map(|f| f.field.name()).collect::<Vec<_>>(),
            "seconds": started.elapsed().as_secs_f64(),
        }));
    }
    let mut progress = store
        .db
        .import_progress(&file_id)
        .await
        .map_err(|e| store_error(&e))?;
    let resumed_from = progress.next_line;
    let mut rejects = Rejects::open(args.rejects.as_ref(), progress.rejected)?;
    let bar = progress_bar(lines, progress.next_line, "lines");
    let mut reader = Reader::open(&args.file, format)?;
    let mut outcomes: BTreeMap<String, i64> = BTreeMap::new();
    let mut number: i64 = 0;
    let mut done = false;
    let resolving = Instant::now();
    let mut resolved = 0u64;
    while !done {
        let mut pending: Vec<Normalized> = Vec::with_capacity(batch);
        let mut read = 0usize;
        while read < batch {
            let Some((n, record)) = reader.next(&args.file)? else {
                done = true;
                break;
            };
            number = n;
            if n <= progress.next_line {
                continue;
            }
            read += 1;
            let normalized = record.and_then(|r| {
                store
                    .identities
                    .normalize_record(&r, "")
                    .map_err(|e| e.to_string())
            });
            match normalized {
                Ok(record) => pending.push(record),
                Err(reason) => {
                    progress.rejected += 1;
                    rejects.reject(&bar, n, &reason, None)?;
                }
            }
        }
        if read == 0 {
            break;
        }
        let answers = store
            .identities
            .resolve(&pending, crate::io::now())
            .await
            .map_err(|e| CliError::Store(format!("line {number}: {e}")))?;
        for answer in &answers {
            let name = serde_json::to_value(&answer.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *outcomes.entry(name).or_default() += 1;
        }
        resolved += answers.len() as u64;
        progress.next_line = number;
        progress.accepted += answers.len() as i64;
        rejects.flush()?;
        let mut write = store
            .db
            .begin_write(&[])
            .await
            .map_err(|e| store_error(&e))?;
        store
            .db
            .put_import_progress(&mut write.tx, &file_id, progress, crate::io::now() as i64)
            .await
            .map_err(|e| store_error(&e))?;
        write
            .tx
            .commit()
            .await
            .map_err(|e| CliError::Store(e.to_string()))?;
        bar.set_position(u64::try_from(number).unwrap_or(0));
    }
    rejects.finish(&bar)?;
    let seconds = resolving.elapsed().as_secs_f64();
    store.db.close().await;
    Ok(crate::io::print_line(summary(
        &args.file,
        number,
        resumed_from,
        progress,
        json!({
        "outcomes": outcomes,
        "trained": trained,
        "seconds": seconds,
        "records_per_second": if seconds > 0.0 { resolved as f64 / seconds } else { 0.0 },
        }),
    ))?)
}
