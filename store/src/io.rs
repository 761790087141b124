//! Reading and writing the store's files (JSON documents, keys, snapshots, stdout).

use crate::json::JsonFailure;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A file that could not be read, written or understood.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Its JSON is not valid or does not have the expected shape.
    #[error("{what}: {message}")]
    Json {
        /// What was being read (file name or argument).
        what: String,
        /// serde's message, with line and column or the JSON path.
        message: String,
    },
}

impl FileError {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FileError {
        let path = path.into();
        move |source| FileError::Io { path, source }
    }

    /// A typed JSON read of `what` that failed.
    pub fn json(what: &str) -> impl FnOnce(JsonFailure) -> FileError + '_ {
        move |failure| FileError::Json {
            what: what.to_owned(),
            message: failure.to_string(),
        }
    }
}

/// Reads a JSON file into a typed value; errors name the file, line and column.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, FileError> {
    let text = std::fs::read_to_string(path).map_err(FileError::io(path))?;
    parse_json(&path.display().to_string(), &text)
}

/// Parses JSON text into a typed value; `what` names the source in errors (with the JSON path).
pub fn parse_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, FileError> {
    crate::json::from_str(text).map_err(FileError::json(what))
}

/// Converts a JSON value into a typed value; `what` names the source in errors (with the JSON path).
pub fn from_value<T: DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, FileError> {
    crate::json::from_value(value).map_err(FileError::json(what))
}

/// Reads a JSON argument that is either inline JSON (starting with `{` or `[`) or a file path.
pub fn json_arg<T: DeserializeOwned>(arg: &str) -> Result<T, FileError> {
    let trimmed = arg.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json("argument", arg)
    } else {
        read_json(Path::new(arg))
    }
}

/// Writes a value as pretty JSON, atomically (a reader sees the old file or the new one, never half).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), FileError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| FileError::Json {
        what: path.display().to_string(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes a file through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(FileError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(FileError::io(path))
}

/// Creates a new file readable by its owner only (mode 0600) holding `text` and a newline; fails if the
/// file exists (secrets are never overwritten).
pub fn write_private(path: &Path, text: &str) -> Result<(), FileError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(FileError::io(path))?;
    writeln!(file, "{text}").map_err(FileError::io(path))
}

/// Reads a binary file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    std::fs::read(path).map_err(FileError::io(path))
}

/// Writes a binary file.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    std::fs::write(path, bytes).map_err(FileError::io(path))
}

/// Writes `text` to stdout and flushes. A stdout that can't be written (a closed pipe as in
/// `persona inspect ... | head`, a full disk) is an error with exit code 1, not a panic as with `println!`.
pub fn print(text: &str) -> Result<(), FileError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(FileError::io("stdout"))
}

/// [`print()`] with a newline.
pub fn print_line(text: impl std::fmt::Display) -> Result<(), FileError> {
    print(&format!("{text}\n"))
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
}
