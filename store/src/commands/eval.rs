//! `persona eval`: one JSON Logic rule against one JSON document, or a batch.

use crate::error::CliError;
use crate::io;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// Evaluates one rule against one data document and prints the result as JSON.
pub fn eval(rule: Option<&str>, data: Option<&str>) -> Result<(), CliError> {
    let rule: Value =
        io::json_arg(rule.ok_or_else(|| CliError::Usage("give a rule, or --batch FILE".into()))?)?;
    let data: Value = match data {
        Some(text) => io::json_arg(text)?,
        None => Value::Null,
    };
    let result = persona_edge::rules::eval_json(&rule, &data)?;
    Ok(io::print_line(result)?)
}

/// Evaluates `{"rule": ..., "data": ...}` lines; prints one result per line, `{"error": ...}` for a line
/// that fails. Blank lines are echoed as blank lines so outputs line up with inputs.
pub fn eval_batch(path: &Path) -> Result<(), CliError> {
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(
            std::fs::File::open(path).map_err(CliError::io(path))?,
        ))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(CliError::io(path))?;
        let result = if line.trim().is_empty() {
            None
        } else {
            Some(eval_line(&line, index + 1))
        };
        let text = result.map(|r| r.to_string()).unwrap_or_default();
        writeln!(out, "{text}").map_err(CliError::io("stdout"))?;
    }
    out.flush().map_err(CliError::io("stdout"))
}

fn eval_line(line: &str, number: usize) -> Value {
    let case: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({ "error": format!("line {number}: invalid JSON: {e}") }),
    };
    let Some(rule) = case.get("rule") else {
        return json!({ "error": format!("line {number}: missing \"rule\"") });
    };
    let data = case.get("data").unwrap_or(&Value::Null);
    match persona_edge::rules::eval_json(rule, data) {
        Ok(result) => result,
        Err(e) => json!({ "error": format!("line {number}: {e}") }),
    }
}
