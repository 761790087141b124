//! Input files that commands read in resumable batches (`persona import`, `persona match`): the
//! file's identity, the progress bar and the rejects file.

use crate::db::ImportProgress;
use crate::error::CliError;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Rejections printed to stderr one by one; after that only counted (all go to `--rejects`).
const SHOWN_REJECTIONS: i64 = 20;

/// The file's identity: SHA-256 of its contents (a changed file starts over), and its line count.
pub fn identify(path: &Path) -> Result<(String, u64), CliError> {
    let mut file = std::fs::File::open(path).map_err(CliError::io(path))?;
    let mut hasher = Sha256::new();
    let mut lines = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    let mut last = b'\n';
    loop {
        let n = file.read(&mut buf).map_err(CliError::io(path))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        last = chunk.last().copied().unwrap_or(last);
    }
    if last != b'\n' {
        lines += 1;
    }
    Ok((crate::io::hex(&hasher.finalize()), lines))
}

/// A progress bar on stderr (redrawn 4 times a second) over `total` units, starting at `position`.
pub fn progress_bar(total: u64, position: i64, unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {unit}, {{per_sec}}, eta {{eta}} {{msg}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_position(u64::try_from(position).unwrap_or(0));
    bar
}

/// Where rejected input goes: the first few to stderr, every one to the `--rejects` file if given.
pub struct Rejects {
    file: Option<std::io::BufWriter<std::fs::File>>,
    shown: i64,
    hidden: i64,
}

impl Rejects {
    /// Opens `path` for appending (none: only stderr). `already` rejections were shown by an
    /// earlier run of the same file.
    pub fn open(path: Option<&PathBuf>, already: i64) -> Result<Rejects, CliError> {
        let file = match path {
            Some(path) => Some(std::io::BufWriter::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(CliError::io(path))?,
            )),
            None => None,
        };
        Ok(Rejects {
            file,
            shown: already,
            hidden: 0,
        })
    }

    /// Reports input `number` (a line or a record), refused for `reason`; `text` is the input
    /// itself, when it may be written out.
    pub fn reject(
        &mut self,
        bar: &indicatif::ProgressBar,
        number: i64,
        reason: &str,
        text: Option<&str>,
    ) -> Result<(), CliError> {
        if self.shown < SHOWN_REJECTIONS {
            self.shown += 1;
            bar.suspend(|| eprintln!("line {number}: rejected: {reason}"));
        } else {
            self.hidden += 1;
        }
        if let Some(out) = self.file.as_mut() {
            let mut entry = json!({ "line": number, "reason": reason });
            if let Some(text) = text {
                entry["text"] = json!(text);
            }
            writeln!(out, "{entry}").map_err(CliError::io("rejects file"))?;
        }
        Ok(())
    }

    /// Writes what is buffered (before the progress that covers it is recorded).
    pub fn flush(&mut self) -> Result<(), CliError> {
        if let Some(out) = self.file.as_mut() {
            out.flush().map_err(CliError::io("rejects file"))?;
        }
        Ok(())
    }

    /// Clears the progress bar and says how many rejections were not shown.
    pub fn finish(mut self, bar: &indicatif::ProgressBar) -> Result<(), CliError> {
        bar.finish_and_clear();
        self.flush()?;
        if self.hidden > 0 {
            eprintln!(
                "... {} more rejected lines{}",
                self.hidden,
                if self.file.is_some() {
                    " (all in the rejects file)"
                } else {
                    ""
                }
            );
        }
        Ok(())
    }
}

/// A run's summary line: the file, the lines read, where the run resumed and the totals over all
/// runs of the file; `extra` fields are added (command-specific counts).
pub fn summary(
    file: &Path,
    lines: i64,
    resumed_from: i64,
    progress: ImportProgress,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut out = json!({
        "file": file,
        "lines": lines,
        "resumed_from_line": resumed_from,
        "accepted": progress.accepted,
        "rejected": progress.rejected,
    });
    if let (Some(out), serde_json::Value::Object(extra)) = (out.as_object_mut(), extra) {
        out.extend(extra);
    }
    out
}
