//! Load benchmark of a running `persona serve`, from a second process on loopback.
//!
//! ```text
//! cargo run --release -p persona-store --example load -- --url http://127.0.0.1:PORT --write-token T
//! ```
//!
//! `scripts/bench-store.sh` starts a server on SQLite and on PostgreSQL and runs this against each.
//!
//! Phases, in order:
//! 1. **seed**: `--subjects` customers get `--seed-events` events each through batched `POST /v1/events`,
//!    every `--put-every`th one a `PUT /v1/profiles/{subject}`, and all their read tokens come from
//!    `POST /v1/tokens`.
//! 2. **prime**: every subject's snapshot is read once (the store signs and stores it: the cold path).
//! 3. **read**: `GET /v1/profiles/{subject}/snapshot` of random subjects on `--connections` keep-alive
//!    connections, no `If-None-Match`: every answer is a 200 with the snapshot.
//! 4. **etag**: the same with `If-None-Match` set to the ETag the connection last saw for that subject (from
//!    the prime phase at first): the answers are 304s. A 200 (the snapshot changed) is a miss, not an error.
//! 5. **ingest**: batches of `--batch` random events over all subjects, on `--ingest-connections`
//!    connections.
//!
//! Phases 3 to 5 run `--warmup` seconds unmeasured, then `--seconds` measured. A request counts when it
//! completes inside the measured window; any unexpected status or I/O error is an error (each kind is
//! printed once). Latency is the time from writing the request to reading the whole reply, exact
//! percentiles over every counted request. Output: a table, then one JSON line with every number.
//!
//! The HTTP/1.1 client is written here on `tokio::net::TcpStream` (no client library) and the default
//! runtime is single-threaded, to leave the server as much of a small machine as possible; `--threads`
//! changes that. With `--server-pid` (Linux) the CPU time of the server and of this generator is shown per
//! phase, which tells whether the generator, rather than the server, is the limit.

use clap::Parser;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// Load benchmark of a running `persona serve`.
#[derive(Debug, Clone, Parser)]
struct Options {
    /// The store, e.g. http://127.0.0.1:8787 (plain HTTP only).
    #[arg(long)]
    url: String,
    /// The store's write token.
    #[arg(long)]
    write_token: String,
    /// Customers to seed and read.
    #[arg(long, default_value_t = 10_000)]
    subjects: usize,
    /// Events per customer while seeding.
    #[arg(long, default_value_t = 5)]
    seed_events: usize,
    /// Every Nth customer also gets a `PUT /v1/profiles/{subject}` while seeding (0: none).
    #[arg(long, default_value_t = 10)]
    put_every: usize,
    /// Concurrent connections of the snapshot read phases.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Concurrent connections of the ingest phase (and of seeding).
    #[arg(long, default_value_t = 4)]
    ingest_connections: usize,
    /// Events per `POST /v1/events` batch.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Ingest: consecutive events of one customer in a batch (1: every event a random customer, the worst
    /// case; more: a collector batching each visitor's session).
    #[arg(long, default_value_t = 1)]
    events_per_subject: usize,
    /// Measured seconds per timed phase.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Unmeasured warm-up seconds before each timed phase.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Runtime worker threads of this generator (0: a single-threaded runtime).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Timed phases to run, comma-separated: read, etag, ingest.
    #[arg(long, value_delimiter = ',', default_value = "read,etag,ingest")]
    phases: Vec<String>,
    /// A name for this run in the output (e.g. the database backend).
    #[arg(long, default_value = "")]
    label: String,
    /// The server's process id, to report its CPU use per phase (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
}

/// Longest wait for one reply.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 16 * 1024;

fn main() -> std::process::ExitCode {
    let options = Options::parse();
    let runtime = if options.threads == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(errors) => {
            eprintln!("load: {errors} request(s) failed (see above)");
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 keep-alive client.

/// Where requests go and how writes authenticate.
#[derive(Debug)]
struct Target {
    /// `host:port`.
    addr: String,
    /// `Bearer <write token>`.
    write_auth: String,
}

/// A reply: status, ETag and body.
#[derive(Debug)]
struct Reply {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

/// One keep-alive connection; it reconnects on the next request after an error or `connection: close`.
struct Conn {
    addr: String,
    stream: Option<TcpStream>,
    /// The request being sent (filled by the caller or by [`Conn::request`]).
    out: Vec<u8>,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    /// Where a socket read lands.
    chunk: Box<[u8; READ_CHUNK]>,
}

impl Conn {
    fn new(addr: &str) -> Conn {
        Conn {
            addr: addr.to_owned(),
            stream: None,
            out: Vec::with_capacity(4096),
            buf: Vec::with_capacity(READ_CHUNK),
            chunk: Box::new([0; READ_CHUNK]),
        }
    }

    /// Sends one request with `content-length` and the given headers, and reads the reply.
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Reply> {
        self.out.clear();
        let _ = write!(
            self.out,
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            let _ = write!(self.out, "{name}: {value}\r\n");
        }
        self.out.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(body);
        self.send().await
    }

    /// Sends `self.out` (a complete request) and reads the reply; drops the connection on any error.
    async fn send(&mut self) -> io::Result<Reply> {
        let result = match tokio::time::timeout(TIMEOUT, self.exchange()).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no reply within 30 s",
            )),
        };
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(&mut self) -> io::Result<Reply> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        let Some(stream) = self.stream.as_mut() else {
            unreachable!("connected above");
        };
        // Readiness plus non-blocking calls (tokio's `io-util` extension traits are not needed).
        let mut sent = 0;
        while sent < self.out.len() {
            stream.writable().await?;
            match stream.try_write(&self.out[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        loop {
            if let Some((reply, close)) = parse_reply(&mut self.buf)? {
                if close {
                    self.stream = None;
                }
                return Ok(reply);
            }
            stream.readable().await?;
            match stream.try_read(&mut self.chunk[..]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ))
                }
                Ok(n) => self.buf.extend_from_slice(&self.chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
}

fn bad_reply(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Takes one complete reply off the front of `buf` (`None`: not all there yet); with whether the server
/// closes the connection after it.
fn parse_reply(buf: &mut Vec<u8>) -> io::Result<Option<(Reply, bool)>> {
    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > 64 * 1024 {
            return Err(bad_reply("no end of headers in 64 KiB"));
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad_reply("headers not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad_reply("no status line"))?;
    let (mut length, mut chunked, mut close, mut etag) = (0usize, false, false, None);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| bad_reply("bad content-length"))?;
        } else if name.eq_ignore_ascii_case("etag") {
            etag = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let start = head_end + 4;
    let (body, end) = if chunked {
        match dechunk(&buf[start..])? {
            Some((body, used)) => (body, start + used),
            None => return Ok(None),
        }
    } else {
        if buf.len() < start + length {
            return Ok(None);
        }
        (buf[start..start + length].to_vec(), start + length)
    };
    buf.drain(..end);
    Ok(Some((Reply { status, etag, body }, close)))
}

/// Decodes a chunked body; `None` while incomplete; with the bytes it used (trailers are not supported).
fn dechunk(mut data: &[u8]) -> io::Result<Option<(Vec<u8>, usize)>> {
    let total = data.len();
    let mut body = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size = std::str::from_utf8(&data[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or_else(|| bad_reply("bad chunk size"))?;
        data = &data[line_end + 2..];
        if data.len() < size + 2 {
            return Ok(None);
        }
        if size == 0 {
            return Ok(Some((body, total - data.len() + 2)));
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

// ---------------------------------------------------------------------------------------------------------
// Measurement.

/// The measured window of a timed phase.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// Requests completing before this are warm-up.
    start: Instant,
    /// No request starts after this.
    end: Instant,
}

impl Window {
    fn after_warmup(options: &Options) -> Window {
        let start = Instant::now() + Duration::from_secs_f64(options.warmup);
        Window {
            start,
            end: start + Duration::from_secs_f64(options.seconds),
        }
    }

    fn counts(&self, done: Instant) -> bool {
        done >= self.start && done <= self.end
    }
}

/// What one connection (then one phase) saw.
#[derive(Debug, Default)]
struct Tally {
    /// Requests answered as expected in the window.
    requests: u64,
    /// ETag phase: 200s instead of 304s (the snapshot had changed).
    misses: u64,
    /// Ingest: events accepted.
    items: u64,
    /// Reply body bytes.
    bytes: u64,
    /// Failed requests by kind.
    errors: HashMap<String, u64>,
    /// Latency of each counted request, nanoseconds.
    latencies: Vec<u64>,
}

/// Error kinds already printed.
static PRINTED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

impl Tally {
    /// Counts an error; the first of each kind is printed with its detail.
    fn error(&mut self, phase: &str, kind: String, detail: &str) {
        let first = PRINTED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format!("{phase}: {kind}"));
        if first {
            eprintln!("load: [{phase}] {kind}: {detail}");
        }
        *self.errors.entry(kind).or_default() += 1;
    }

    /// Counts a reply of an unexpected status as an error.
    fn unexpected(&mut self, phase: &str, reply: &Reply) {
        let body = String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)]).into_owned();
        self.error(phase, format!("HTTP {}", reply.status), &body);
    }

    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.misses += other.misses;
        self.items += other.items;
        self.bytes += other.bytes;
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        self.latencies.extend(other.latencies);
    }

    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// The results of one phase.
#[derive(Debug)]
struct Outcome {
    /// Key in the JSON line.
    key: &'static str,
    /// Name in the table.
    name: String,
    seconds: f64,
    tally: Tally,
    /// CPU seconds of the server and of this generator during the phase, when known.
    cpu: Option<(f64, f64)>,
}

/// Latency percentiles, milliseconds.
#[derive(Debug, Default, Clone, Copy)]
struct Percentiles {
    mean: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Outcome {
    fn percentiles(&mut self) -> Percentiles {
        let v = &mut self.tally.latencies;
        if v.is_empty() {
            return Percentiles::default();
        }
        v.sort_unstable();
        let at = |q: f64| {
            let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
            v[rank - 1] as f64 / 1e6
        };
        Percentiles {
            mean: v.iter().sum::<u64>() as f64 / v.len() as f64 / 1e6,
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: at(1.0),
        }
    }

    fn rate(&self) -> f64 {
        self.tally.requests as f64 / self.seconds
    }

    fn item_rate(&self) -> f64 {
        self.tally.items as f64 / self.seconds
    }
}

/// User + system CPU seconds of a process so far (Linux; ticks of 1/100 s), or `None`.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after it are plain.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU seconds of the server and of this process.
fn cpu_now(options: &Options) -> Option<(f64, f64)> {
    let server = cpu_seconds(&options.server_pid?.to_string())?;
    Some((server, cpu_seconds("self")?))
}

/// CPU use over a measured window of `seconds` that ended now, given the reading at its start.
fn cpu_since(options: &Options, start: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (s0, g0) = start?;
    let (s1, g1) = cpu_now(options)?;
    Some((s1 - s0, g1 - g0))
}

/// Reads CPU at the start of `window`, waiting for it.
async fn cpu_at(options: &Options, window: Window) -> Option<(f64, f64)> {
    tokio::time::sleep_until(window.start.into()).await;
    cpu_now(options)
}

/// A small fast random generator (xorshift64*), seeded per connection.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n < 2^32).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn subject(i: usize) -> String {
    format!("c_{i}")
}

// ---------------------------------------------------------------------------------------------------------
// Requests.

const CATEGORIES: [&str; 6] = [
    "running", "camping", "cycling", "hiking", "swimming", "yoga",
];

/// Appends one random event of customer `i` to a JSON array being written (after a comma unless it is the first).
/// `orders` numbers purchases; `tag` keeps order ids of different connections and runs apart.
fn push_event(out: &mut String, rng: &mut Rng, i: usize, now: u64, orders: &mut u64, tag: &str) {
    if !out.ends_with('[') {
        out.push(',');
    }
    let at = now - rng.below(7 * 86_400) as u64;
    let category = CATEGORIES[rng.below(CATEGORIES.len())];
    let value = 5 + rng.below(200);
    let _ = match rng.below(100) {
        0..55 => write!(
            out,
            r#"{{"subject":"c_{i}","type":"page_view","category":"{category}","at":{at}}}"#
        ),
        55..75 => write!(
            out,
            r#"{{"subject":"c_{i}","type":"add_to_cart","category":"{category}","value":{value}.5,"at":{at}}}"#
        ),
        75..85 => {
            *orders += 1;
            write!(
                out,
                r#"{{"subject":"c_{i}","type":"purchase","order_id":"o_{tag}_{orders}","value":{value}.9,"items":{},"category":"{category}","at":{at}}}"#,
                1 + rng.below(3)
            )
        }
        _ => write!(
            out,
            r#"{{"subject":"c_{i}","type":"message_opened","channel":"email","at":{at}}}"#
        ),
    };
}

/// A `PUT /v1/profiles/{subject}` body.
fn profile_body(rng: &mut Rng) -> String {
    const COUNTRIES: [(&str, &str); 4] = [
        ("DE", "Europe/Berlin"),
        ("FR", "Europe/Paris"),
        ("US", "America/New_York"),
        ("JP", "Asia/Tokyo"),
    ];
    let (country, zone) = COUNTRIES[rng.below(COUNTRIES.len())];
    let tier = ["bronze", "silver", "gold"][rng.below(3)];
    let sms = ["granted", "denied"][rng.below(2)];
    let interest = CATEGORIES[rng.below(CATEGORIES.len())];
    json!({
        "traits": {"country": country, "time_zone": zone, "loyalty_tier": tier},
        "consent": {"channels": {"email": "granted", "sms": sms}},
        "preferences": {"preferred_channel": "email", "interests": [interest]},
    })
    .to_string()
}

/// A write request: method, path, JSON body.
type WriteRequest = (&'static str, String, String);

/// Sends `count` write requests, `make(i)` making the i-th, on `connections` connections; every answer must
/// be a 200. Returns the replies in order.
async fn write_all<F>(
    target: &Arc<Target>,
    connections: usize,
    count: usize,
    make: F,
) -> Result<Vec<Reply>, String>
where
    F: Fn(usize) -> WriteRequest + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..connections.clamp(1, count.max(1)) {
        let (target, make, next) = (target.clone(), make.clone(), next.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(&target.addr);
            let mut replies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok(replies);
                }
                let (method, path, body) = make(i);
                let headers = [
                    ("authorization", target.write_auth.as_str()),
                    ("content-type", "application/json"),
                ];
                let reply = conn
                    .request(method, &path, &headers, body.as_bytes())
                    .await
                    .map_err(|e| format!("{method} {path}: {e}"))?;
                if reply.status != 200 {
                    return Err(format!(
                        "{method} {path}: HTTP {}: {}",
                        reply.status,
                        String::from_utf8_lossy(&reply.body)
                    ));
                }
                replies.push((i, reply));
            }
        });
    }
    let mut all = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        all.extend(done.map_err(|e| e.to_string())??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, reply)| reply).collect())
}

/// One customer as the read phases see it.
struct Reader {
    /// The request up to (not including) the empty line: request line, host, authorization.
    head: Vec<u8>,
}

/// Seeds the store; returns the prebuilt snapshot request of every subject.
async fn seed(
    options: &Options,
    target: &Arc<Target>,
) -> Result<(Vec<Outcome>, Vec<Reader>), String> {
    let n = options.subjects;
    let mut outcomes = Vec::new();

    let total = n * options.seed_events;
    let batch = options.batch.max(1);
    let batches = total.div_ceil(batch);
    let now = unix_now();
    let started = Instant::now();
    let replies = write_all(target, options.ingest_connections, batches, move |b| {
        let mut rng = Rng::new(b as u64 + 1);
        let mut out = String::with_capacity(batch * 110 + 16);
        out.push_str(r#"{"events":["#);
        let mut orders = 0;
        let tag = format!("seed{b}");
        for e in b * batch..((b + 1) * batch).min(total) {
            push_event(&mut out, &mut rng, e % n, now, &mut orders, &tag);
        }
        out.push_str("]}");
        ("POST", "/v1/events".to_owned(), out)
    })
    .await?;
    let accepted: u64 = replies
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v["accepted"].as_u64())
                .unwrap_or(0)
        })
        .sum();
    outcomes.push(Outcome {
        key: "seed_events",
        name: format!("seed: {batches} event batches"),
        seconds: started.elapsed().as_secs_f64(),
        tally: Tally {
            requests: batches as u64,
            items: accepted,
            ..Tally::default()
        },
        cpu: None,
    });

    if options.put_every > 0 {
        let every = options.put_every;
        let puts = n.div_ceil(every);
        let started = Instant::now();
        write_all(target, options.ingest_connections, puts, move |k| {
            let mut rng = Rng::new(k as u64 + 7);
            let path = format!("/v1/profiles/{}", subject(k * every));
            ("PUT", path, profile_body(&mut rng))
        })
        .await?;
        outcomes.push(Outcome {
            key: "seed_puts",
            name: "seed: profile PUTs".to_owned(),
            seconds: started.elapsed().as_secs_f64(),
            tally: Tally {
                requests: puts as u64,
                ..Tally::default()
            },
            cpu: None,
        });
    }

    const PER_TOKEN_REQUEST: usize = 1000;
    let replies = write_all(target, 2, n.div_ceil(PER_TOKEN_REQUEST), move |k| {
        let subjects: Vec<String> = (k * PER_TOKEN_REQUEST..((k + 1) * PER_TOKEN_REQUEST).min(n))
            .map(subject)
            .collect();
        let body = json!({ "subjects": subjects }).to_string();
        ("POST", "/v1/tokens".to_owned(), body)
    })
    .await?;
    let mut tokens: HashMap<String, String> = HashMap::with_capacity(n);
    for reply in replies {
        let value: Value = serde_json::from_slice(&reply.body)
            .map_err(|e| format!("POST /v1/tokens: the reply is not JSON: {e}"))?;
        let Some(map) = value["tokens"].as_object() else {
            return Err(format!("POST /v1/tokens: no `tokens` in {value}"));
        };
        for (subject, token) in map {
            tokens.insert(
                subject.clone(),
                token.as_str().unwrap_or_default().to_owned(),
            );
        }
    }
    let readers = (0..n)
        .map(|i| {
            let name = subject(i);
            let token = tokens
                .get(&name)
                .ok_or_else(|| format!("POST /v1/tokens gave no token for {name}"))?;
            let head = format!(
                "GET /v1/profiles/{name}/snapshot HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n",
                target.addr
            );
            Ok(Reader {
                head: head.into_bytes(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((outcomes, readers))
}

/// Reads every subject's snapshot once (the store signs and stores each); returns their ETags.
async fn prime(
    options: &Options,
    target: &Arc<Target>,
    readers: &Arc<Vec<Reader>>,
) -> (Outcome, Vec<Option<String>>) {
    let n = readers.len();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for _ in 0..options.connections.clamp(1, n.max(1)) {
        let (target, readers, next) = (target.clone(), readers.clone(), next.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(&target.addr);
            let mut tally = Tally::default();
            let mut etags = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return (tally, etags);
                }
                conn.out.clear();
                conn.out.extend_from_slice(&readers[i].head);
                conn.out.extend_from_slice(b"\r\n");
                let t0 = Instant::now();
                match conn.send().await {
                    Ok(reply) if reply.status == 200 => {
                        tally.latencies.push(t0.elapsed().as_nanos() as u64);
                        tally.requests += 1;
                        tally.bytes += reply.body.len() as u64;
                        etags.push((i, reply.etag));
                    }
                    Ok(reply) => tally.unexpected("prime", &reply),
                    Err(e) => tally.error("prime", format!("{:?}", e.kind()), &e.to_string()),
                }
            }
        });
    }
    let mut tally = Tally::default();
    let mut etags = vec![None; n];
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((t, seen)) => {
                tally.merge(t);
                for (i, etag) in seen {
                    etags[i] = etag;
                }
            }
            Err(e) => tally.error("prime", "task".to_owned(), &e.to_string()),
        }
    }
    let outcome = Outcome {
        key: "prime",
        name: "prime: first read (sign + store)".to_owned(),
        seconds: started.elapsed().as_secs_f64(),
        tally,
        cpu: None,
    };
    (outcome, etags)
}

/// Snapshot reads of random subjects for the warm-up and the window, with ETags or without.
async fn reads(
    options: &Options,
    target: &Arc<Target>,
    readers: &Arc<Vec<Reader>>,
    etags: &Arc<Vec<Option<String>>>,
    with_etags: bool,
) -> Outcome {
    let phase = if with_etags { "etag" } else { "read" };
    let window = Window::after_warmup(options);
    let mut tasks = JoinSet::new();
    for c in 0..options.connections.max(1) {
        let (target, readers, etags) = (target.clone(), readers.clone(), etags.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(&target.addr);
            let mut rng = Rng::new(c as u64 + 1000);
            let mut tally = Tally::default();
            // ETags this connection saw change since the prime phase.
            let mut seen: HashMap<usize, String> = HashMap::new();
            while Instant::now() < window.end {
                let i = rng.below(readers.len());
                conn.out.clear();
                conn.out.extend_from_slice(&readers[i].head);
                let tag = seen.get(&i).or(etags[i].as_ref());
                let sent_tag = with_etags && tag.is_some();
                if let (true, Some(tag)) = (with_etags, tag) {
                    let _ = write!(conn.out, "if-none-match: {tag}\r\n");
                }
                conn.out.extend_from_slice(b"\r\n");
                let t0 = Instant::now();
                let result = conn.send().await;
                let t1 = Instant::now();
                let counted = window.counts(t1);
                match result {
                    Ok(reply) if reply.status == 200 || (sent_tag && reply.status == 304) => {
                        if reply.status == 200 && with_etags {
                            if let Some(tag) = reply.etag {
                                seen.insert(i, tag);
                            }
                        }
                        if counted {
                            tally.requests += 1;
                            tally.misses += u64::from(sent_tag && reply.status == 200);
                            tally.bytes += reply.body.len() as u64;
                            tally.latencies.push((t1 - t0).as_nanos() as u64);
                        }
                    }
                    Ok(reply) if counted => tally.unexpected(phase, &reply),
                    Err(e) if counted => {
                        tally.error(phase, format!("{:?}", e.kind()), &e.to_string())
                    }
                    _ => {}
                }
            }
            tally
        });
    }
    let cpu_start = cpu_at(options, window).await;
    let tally = join_tallies(phase, tasks).await;
    let name = if with_etags {
        "snapshot reads, If-None-Match (304)"
    } else {
        "snapshot reads (200)"
    };
    Outcome {
        key: if with_etags {
            "snapshot_304"
        } else {
            "snapshot_200"
        },
        name: name.to_owned(),
        seconds: options.seconds,
        tally,
        cpu: cpu_since(options, cpu_start),
    }
}

/// Batches of random events over all subjects for the warm-up and the window.
async fn ingest(options: &Options, target: &Arc<Target>) -> Outcome {
    let window = Window::after_warmup(options);
    let mut tasks = JoinSet::new();
    let (n, batch) = (options.subjects.max(1), options.batch.max(1));
    let options_events_per_subject = options.events_per_subject;
    let run = unix_now();
    for c in 0..options.ingest_connections.max(1) {
        let target = target.clone();
        tasks.spawn(async move {
            let mut conn = Conn::new(&target.addr);
            let mut rng = Rng::new(c as u64 + 5000);
            let mut tally = Tally::default();
            let mut orders = 0;
            let tag = format!("load{run}c{c}");
            let mut body = String::with_capacity(batch * 110 + 16);
            let headers = [
                ("authorization", target.write_auth.as_str()),
                ("content-type", "application/json"),
            ];
            while Instant::now() < window.end {
                body.clear();
                body.push_str(r#"{"events":["#);
                let now = unix_now();
                let run_length = options_events_per_subject.max(1);
                let mut i = 0;
                for k in 0..batch {
                    if k % run_length == 0 {
                        i = rng.below(n);
                    }
                    push_event(&mut body, &mut rng, i, now, &mut orders, &tag);
                }
                body.push_str("]}");
                let t0 = Instant::now();
                let result = conn
                    .request("POST", "/v1/events", &headers, body.as_bytes())
                    .await;
                let t1 = Instant::now();
                let counted = window.counts(t1);
                match result {
                    Ok(reply) if reply.status == 200 => {
                        let accepted = serde_json::from_slice::<Value>(&reply.body)
                            .ok()
                            .and_then(|v| v["accepted"].as_u64());
                        match accepted {
                            Some(k) if counted => {
                                tally.requests += 1;
                                tally.items += k;
                                tally.latencies.push((t1 - t0).as_nanos() as u64);
                            }
                            None if counted => tally.unexpected("ingest", &reply),
                            _ => {}
                        }
                    }
                    Ok(reply) if counted => tally.unexpected("ingest", &reply),
                    Err(e) if counted => {
                        tally.error("ingest", format!("{:?}", e.kind()), &e.to_string())
                    }
                    _ => {}
                }
            }
            tally
        });
    }
    let cpu_start = cpu_at(options, window).await;
    let tally = join_tallies("ingest", tasks).await;
    Outcome {
        key: "ingest",
        name: format!(
            "ingest: batches of {batch} events, {} per customer",
            options.events_per_subject.max(1)
        ),
        seconds: options.seconds,
        tally,
        cpu: cpu_since(options, cpu_start),
    }
}

async fn join_tallies(phase: &str, mut tasks: JoinSet<Tally>) -> Tally {
    let mut tally = Tally::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(t) => tally.merge(t),
            Err(e) => tally.error(phase, "task".to_owned(), &e.to_string()),
        }
    }
    tally
}

// ---------------------------------------------------------------------------------------------------------
// The run and its report.

async fn run(options: Options) -> Result<u64, String> {
    let addr = options
        .url
        .strip_prefix("http://")
        .ok_or("--url: only http:// URLs are supported")?
        .trim_end_matches('/')
        .to_owned();
    let target = Arc::new(Target {
        addr,
        write_auth: format!("Bearer {}", options.write_token),
    });
    let health = Conn::new(&target.addr)
        .request("GET", "/healthz", &[], b"")
        .await
        .map_err(|e| format!("{}: {e}", options.url))?;
    if health.status != 200 {
        return Err(format!("{}/healthz: HTTP {}", options.url, health.status));
    }
    if options.subjects == 0 || options.batch == 0 {
        return Err("--subjects and --batch must be at least 1".to_owned());
    }
    for phase in &options.phases {
        if !["read", "etag", "ingest"].contains(&phase.as_str()) {
            return Err(format!(
                "--phases: unknown phase {phase:?} (read, etag, ingest)"
            ));
        }
    }
    let label = if options.label.is_empty() {
        "store"
    } else {
        &options.label
    };
    println!(
        "persona-store load [{label}]: {} subjects, {} read connections, {} ingest connections, batches of {}, \
         {} s measured after {} s warm-up, generator runtime: {}",
        options.subjects,
        options.connections,
        options.ingest_connections,
        options.batch,
        options.seconds,
        options.warmup,
        match options.threads {
            0 => "single thread".to_owned(),
            t => format!("{t} worker threads"),
        }
    );
    let _ = io::stdout().flush();

    let (mut outcomes, readers) = seed(&options, &target).await?;
    let readers = Arc::new(readers);
    let (primed, etags) = prime(&options, &target, &readers).await;
    outcomes.push(primed);
    let etags = Arc::new(etags);
    let wants = |p: &str| options.phases.iter().any(|x| x == p);
    if wants("read") {
        outcomes.push(reads(&options, &target, &readers, &etags, false).await);
    }
    if wants("etag") {
        outcomes.push(reads(&options, &target, &readers, &etags, true).await);
    }
    if wants("ingest") {
        outcomes.push(ingest(&options, &target).await);
    }
    Ok(report(&options, label, &mut outcomes))
}

/// Prints the table and the JSON line; returns the number of errors.
fn report(options: &Options, label: &str, outcomes: &mut [Outcome]) -> u64 {
    println!();
    println!(
        "{:<38} {:>9} {:>10} {:>11} {:>6} {:>8} {:>8} {:>8} {:>8}  cpu s (server/load)",
        "phase", "requests", "req/s", "events/s", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let mut phases = serde_json::Map::new();
    let mut errors = 0;
    for outcome in outcomes.iter_mut() {
        let p = outcome.percentiles();
        let events = if outcome.tally.items > 0 {
            format!("{:.0}", outcome.item_rate())
        } else {
            "-".to_owned()
        };
        let cpu = outcome.cpu.map_or(String::new(), |(server, load)| {
            format!("{server:.1} / {load:.1}")
        });
        let lat = |v: f64| {
            if outcome.tally.latencies.is_empty() {
                "-".to_owned()
            } else {
                format!("{v:.3}")
            }
        };
        println!(
            "{:<38} {:>9} {:>10.0} {:>11} {:>6} {:>8} {:>8} {:>8} {:>8}  {cpu}",
            outcome.name,
            outcome.tally.requests,
            outcome.rate(),
            events,
            outcome.tally.error_count(),
            lat(p.p50),
            lat(p.p90),
            lat(p.p99),
            lat(p.max),
        );
        if outcome.tally.misses > 0 {
            println!(
                "{:<38} {} of them answered 200 (the ETag had changed)",
                "", outcome.tally.misses
            );
        }
        errors += outcome.tally.error_count();
        let mut entry = json!({
            "name": outcome.name,
            "requests": outcome.tally.requests,
            "seconds": round(outcome.seconds, 3),
            "requests_per_s": round(outcome.rate(), 1),
            "errors": outcome.tally.error_count(),
            "error_kinds": outcome.tally.errors,
        });
        if outcome.tally.items > 0 {
            entry["events"] = json!(outcome.tally.items);
            entry["events_per_s"] = json!(round(outcome.item_rate(), 1));
        }
        if outcome.tally.misses > 0 {
            entry["etag_misses"] = json!(outcome.tally.misses);
        }
        if !outcome.tally.latencies.is_empty() {
            entry["latency_ms"] = json!({
                "mean": round(p.mean, 4), "p50": round(p.p50, 4), "p90": round(p.p90, 4),
                "p99": round(p.p99, 4), "max": round(p.max, 4),
            });
        }
        if let Some((server, load)) = outcome.cpu {
            entry["cpu_seconds"] = json!({"server": round(server, 2), "load": round(load, 2)});
        }
        phases.insert(outcome.key.to_owned(), entry);
    }
    let line = json!({
        "bench": "persona-store-load",
        "label": label,
        "url": options.url,
        "subjects": options.subjects,
        "connections": options.connections,
        "ingest_connections": options.ingest_connections,
        "batch": options.batch,
        "seconds": options.seconds,
        "warmup": options.warmup,
        "generator_threads": options.threads,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "phases": phases,
    });
    println!();
    println!("{line}");
    errors
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
