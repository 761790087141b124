//! Reading and writing the command line's files.

use crate::error::CliError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

/// Reads a JSON file into a typed value; errors name the file, line and column.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let text = std::fs::read_to_string(path).map_err(CliError::io(path))?;
    parse_json(&path.display().to_string(), &text)
}

/// Parses JSON text into a typed value; `what` names the source in errors.
pub fn parse_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, CliError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed: T = serde_path_to_error::deserialize(&mut de).map_err(|e| json_error(what, e))?;
    de.end().map_err(|e| CliError::Json {
        what: what.to_owned(),
        message: e.to_string(),
    })?;
    Ok(parsed)
}

/// Converts a JSON value into a typed value; `what` names the source in errors (with the JSON path).
pub fn from_value<T: DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, CliError> {
    serde_path_to_error::deserialize(value).map_err(|e| json_error(what, e))
}

/// A typed-read failure with the JSON path it happened at (none for a syntax error at the top).
fn json_error(what: &str, e: serde_path_to_error::Error<serde_json::Error>) -> CliError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    CliError::Json {
        what: what.to_owned(),
        message: if path == "." || inner.is_syntax() || inner.is_eof() {
            inner.to_string()
        } else {
            format!("at {path}: {inner}")
        },
    }
}

/// Reads a JSON argument that is either inline JSON (starting with `{` or `[`) or a file path.
pub fn json_arg<T: DeserializeOwned>(arg: &str) -> Result<T, CliError> {
    let trimmed = arg.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json("argument", arg)
    } else {
        read_json(Path::new(arg))
    }
}

/// Writes a value as pretty JSON, atomically (a reader sees the old file or the new one, never half).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| CliError::Json {
        what: path.display().to_string(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes a file through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(CliError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(CliError::io(path))
}

/// Creates a new file readable by its owner only (mode 0600) holding `text` and a newline; fails if the
/// file exists (secrets are never overwritten).
pub fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(CliError::io(path))?;
    writeln!(file, "{text}").map_err(CliError::io(path))
}

/// Reads a binary file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(CliError::io(path))
}

/// Writes a binary file.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(CliError::io(path))
}

/// Writes `text` to stdout and flushes. A stdout that can't be written (a closed pipe as in
/// `persona inspect ... | head`, a full disk) is an error with exit code 1, not a panic as with `println!`.
pub fn print(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::io("stdout"))
}

/// [`print()`] with a newline.
pub fn print_line(text: impl std::fmt::Display) -> Result<(), CliError> {
    print(&format!("{text}\n"))
}

/// Parses a duration like `90s`, `30m`, `24h`, `7d` (or plain seconds) into seconds.
pub fn parse_duration(text: &str) -> Result<u64, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "`{text}` is not a duration (e.g. 3600, 30m, 24h, 7d)"
        ))
    };
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let value: u64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    value.checked_mul(scale).ok_or_else(bad)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex text (either case); `None` unless it is whole bytes of hex digits.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// A 32-byte key or secret from exactly 64 hex digits.
pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    unhex(text)?.try_into().ok()
}

/// The current time in Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex32(&"07".repeat(32)), Some([7; 32]));
        assert_eq!(unhex32(&"07".repeat(31)), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), 90);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("24h").unwrap(), 86_400);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }
}
