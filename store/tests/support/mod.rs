//! Test support: the real `persona serve` on loopback, on SQLite or PostgreSQL, and a minimal HTTP/1.1
//! client (no client library: the tests see exactly the bytes the server sends).
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Runs each named `fn case(backend: Backend)` of the test file as `sqlite::case` and `postgres::case`.
#[allow(unused_macros)]
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $case() { super::$case(super::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $case() { super::$case(super::Backend::Postgres) } )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use suite;

/// The write token every test server runs with.
pub const WRITE_TOKEN: &str = "test-write-token-0123456789";
/// The read-token secret every test server runs with (64 hex digits).
pub const TOKEN_SECRET: &str = "5f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100";

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: an SQLite file in the data folder.
    Sqlite,
    /// A fresh database on the PostgreSQL server named by `PERSONA_TEST_POSTGRES_URL`.
    Postgres,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the repository's `samples/`.
pub fn sample(relative: &str) -> PathBuf {
    repo().join("samples").join(relative)
}

/// The PostgreSQL server for tests. The suite needs one: `scripts/postgres.sh` starts one and prints the
/// URL (`scripts/test.sh` does this), e.g. `postgres://persona:persona@127.0.0.1:5433/postgres`.
pub fn postgres_admin_url() -> String {
    std::env::var("PERSONA_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "PERSONA_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite needs a server. \
             Start one with `eval \"$(bash scripts/postgres.sh)\"` (what scripts/test.sh does)."
        )
    })
}

/// Creates an empty database for one test and returns its URL.
fn fresh_postgres_database(name: &str) -> String {
    let admin = postgres_admin_url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        use sqlx::Connection;
        use sqlx::Executor;
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to PERSONA_TEST_POSTGRES_URL");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        )))
        .await
        .expect("drop test database");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
    });
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// A scratch folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new empty folder.
    pub fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "persona-store-test-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `persona serve`.
pub struct Server {
    child: Option<Child>,
    /// `host:port`.
    pub addr: String,
    /// The data folder.
    pub data: PathBuf,
    /// The database URL (`None`: the SQLite default in the data folder).
    pub db: Option<String>,
    extra: Vec<String>,
    _scratch: Scratch,
}

/// A reply.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error.code` of a JSON error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Server {
    /// Starts a server on a fresh data folder and database.
    pub fn start(backend: Backend, name: &str) -> Server {
        Server::start_with(backend, name, &[])
    }

    /// Starts a server with extra `persona serve` arguments.
    pub fn start_with(backend: Backend, name: &str, extra: &[&str]) -> Server {
        let scratch = Scratch::new(name);
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_postgres_database(&format!(
                "persona_test_{}_{}",
                std::process::id(),
                name.replace('-', "_")
            ))),
        };
        let mut server = Server {
            child: None,
            addr: String::new(),
            data: scratch.0.join("data"),
            db,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            _scratch: scratch,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_persona"));
        command
            .arg("serve")
            .arg("--data")
            .arg(&self.data)
            .arg("--addr")
            .arg("127.0.0.1:0")
            .args(&self.extra)
            .env("PERSONA_WRITE_TOKEN", WRITE_TOKEN)
            .env("PERSONA_TOKEN_SECRET", TOKEN_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(db) = &self.db {
            command.arg("--db").arg(db);
        }
        let mut child = command.spawn().expect("spawn persona serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .expect("persona serve printed nothing")
            .expect("read stdout");
        let addr = first
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        self.addr = addr;
        self.child = Some(child);
    }

    /// Kills the server with SIGKILL (no shutdown of any kind) and waits for it to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data folder and database.
    pub fn restart(&mut self) {
        self.kill9();
        self.launch();
    }

    /// One request; `headers` as `(name, value)`.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        request(&self.addr, method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// A request with the write token.
    pub fn write(&self, method: &str, path: &str, body: &Value) -> Reply {
        let auth = format!("Bearer {WRITE_TOKEN}");
        self.request(
            method,
            path,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    /// `GET` a subject's snapshot with its read token (and an optional ETag).
    pub fn snapshot(&self, subject: &str, etag: Option<&str>) -> Reply {
        let auth = format!("Bearer {}", read_token(subject));
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(tag) = etag {
            headers.push(("if-none-match", tag));
        }
        self.request(
            "GET",
            &format!("/v1/profiles/{subject}/snapshot"),
            &headers,
            b"",
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The read token of `subject` under [`TOKEN_SECRET`], computed by the `persona token` command.
pub fn read_token(subject: &str) -> String {
    let scratch = Scratch::new("token");
    let out = Command::new(env!("CARGO_BIN_EXE_persona"))
        .args(["token", subject, "--data"])
        .arg(&scratch.0)
        .env("PERSONA_WRITE_TOKEN", WRITE_TOKEN)
        .env("PERSONA_TOKEN_SECRET", TOKEN_SECRET)
        .output()
        .expect("persona token");
    assert!(out.status.success(), "persona token failed");
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

/// A minimal HTTP/1.1 request over a fresh connection (`Connection: close`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    // A server may answer (e.g. 413 from the declared length) and close before reading a large body: the
    // write then fails, but the answer is there to read.
    let sent = stream.write_all(body);
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    if raw.is_empty() {
        sent?;
        read?;
    }
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> std::io::Result<Reply> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("headers not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = unchunk(&body).ok_or_else(|| bad("bad chunked body"))?;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn unchunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).ok()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

impl Server {
    /// Runs a `persona` command against this server's data folder and database; (status ok, stdout, stderr).
    pub fn persona(&self, args: &[&str]) -> (bool, String, String) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_persona"));
        command
            .args(args)
            .arg("--data")
            .arg(&self.data)
            .env("PERSONA_WRITE_TOKEN", WRITE_TOKEN)
            .env("PERSONA_TOKEN_SECRET", TOKEN_SECRET);
        if let Some(db) = &self.db {
            command.arg("--db").arg(db);
        }
        let out = command.output().expect("run persona");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Every trace of `needle` in the store's database: SQLite's files on disk (database, log and index
/// files), or on PostgreSQL every row of every table, as text (byte columns as hex).
pub fn traces(server: &Server, needle: &str) -> Vec<String> {
    match &server.db {
        None => {
            let mut found = Vec::new();
            for entry in std::fs::read_dir(&server.data).expect("data folder") {
                let path = entry.expect("entry").path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if !name.starts_with("store.db") {
                    continue;
                }
                let bytes = std::fs::read(&path).expect("read database file");
                let hits = bytes
                    .windows(needle.len())
                    .filter(|w| *w == needle.as_bytes())
                    .count();
                if hits > 0 {
                    found.push(format!("{name}: {hits} times"));
                }
            }
            found
        }
        Some(url) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                use sqlx::{Connection, Row};
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
                )
                .fetch_all(&mut conn)
                .await
                .expect("tables");
                assert!(tables.iter().any(|t| t == "erasures"), "{tables:?}");
                let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
                let mut found = Vec::new();
                for table in tables {
                    let sql = format!(
                        "SELECT count(*) FROM {table} t WHERE t::text LIKE $1 OR t::text LIKE $2"
                    );
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(format!("%{needle}%"))
                        .bind(format!("%{hex}%"))
                        .fetch_one(&mut conn)
                        .await
                        .expect("scan");
                    let n: i64 = row.get(0);
                    if n > 0 {
                        found.push(format!("{table}: {n} rows"));
                    }
                }
                found
            })
        }
    }
}

/// Unix seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The keyring the store publishes, as an edge would load it.
pub fn keyring(server: &Server) -> persona_edge::snapshot::Keyring {
    let reply = server.request("GET", "/v1/keys", &[], b"");
    assert_eq!(reply.status, 200);
    let mut ring = persona_edge::snapshot::Keyring::new();
    for key in reply.json()["keys"].as_array().expect("keys") {
        if key["status"] != "retired" {
            ring.add_str(key["public_key"].as_str().expect("public_key"))
                .expect("a valid public key");
        }
    }
    ring
}

fn export_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/schema/export.schema.json"
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("JSON");
    jsonschema::draft202012::new(&schema).expect("a valid schema")
}

/// Asserts that `document` is a valid access export (`docs/schema/export.schema.json`).
pub fn assert_valid_export(document: &Value) {
    let errors: Vec<String> = export_validator()
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{document:#}");
}
