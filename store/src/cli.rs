//! Command-line arguments of `persona` and the dispatch to each command.

use crate::commands;
use crate::error::CliError;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// persona: keys, snapshots, rules and decisions for persona-edge.
#[derive(Debug, Parser)]
#[command(name = "persona", version, about, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate an Ed25519 signing key: `DIR/<kid>.secret` (keep it secret) and `DIR/keyring.json` (public).
    Keygen {
        /// Directory for the key files.
        #[arg(long, default_value = "keys")]
        out: PathBuf,
    },
    /// Compile an authoring ruleset (JSON) and sign it into a ruleset snapshot.
    Compile {
        /// The authoring ruleset JSON.
        ruleset: PathBuf,
        /// Where to write the snapshot (binary).
        #[arg(long)]
        out: PathBuf,
        /// Signing options.
        #[command(flatten)]
        signing: SigningArgs,
    },
    /// Sign a profile (JSON) into a profile snapshot.
    Sign {
        /// The profile JSON.
        profile: PathBuf,
        /// Where to write the snapshot (binary).
        #[arg(long)]
        out: PathBuf,
        /// Also print the snapshot as base64url (e.g. for a cookie).
        #[arg(long)]
        base64: bool,
        /// Signing options.
        #[command(flatten)]
        signing: SigningArgs,
    },
    /// Show any snapshot as JSON; with keys, also whether it verifies.
    Inspect {
        /// The snapshot file.
        snapshot: PathBuf,
        /// Verification options.
        #[command(flatten)]
        verify: VerifyArgs,
    },
    /// Decide for one customer: ruleset snapshot + profile snapshot + session/context JSON -> decision JSON.
    Decide(DecideArgs),
    /// Evaluate one JSON Logic rule against one JSON document (or a batch, one per line).
    Eval {
        /// The rule (JSON text or a file path).
        rule: Option<String>,
        /// The data (JSON text or a file path); defaults to null.
        data: Option<String>,
        /// NDJSON file of `{"rule": ..., "data": ...}` lines (`-` for stdin); prints one result per line.
        #[arg(long, conflicts_with_all = ["rule", "data"])]
        batch: Option<PathBuf>,
    },
    /// Run the central store's HTTP API (SQLite in the data folder by default).
    Serve(ServeArgs),
    /// Bulk-load profiles, events and feedback from an NDJSON file (resumable).
    Import(ImportArgs),
    /// Resolve imported records (NDJSON or CSV) into customers: link, queue for review or keep apart
    /// (resumable; `--train` first trains the matching model on the file).
    Match(MatchArgs),
    /// Write every current snapshot as static files and an edge key-value bulk file.
    Publish(PublishArgs),
    /// Erase customers: every row about each one, in batches of one transaction; a tombstone stays.
    Erase(EraseArgs),
    /// Print everything the store holds about one customer (an access request), as JSON.
    Export(ExportArgs),
    /// Manage the store's signing keys.
    Keys {
        /// What to do.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage the identity vault's key.
    Vault {
        /// What to do.
        #[command(subcommand)]
        command: VaultCommand,
    },
    /// Print the read token of a subject (what the site hands to that customer's browser).
    Token {
        /// The subject id.
        subject: String,
        /// Data folder.
        #[arg(long, default_value = "persona-data")]
        data: PathBuf,
    },
}

/// Where the store is: shared by `serve`, `import` and `publish`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Data folder: the SQLite database (unless --db), signing keys, secrets.
    #[arg(long, default_value = "persona-data")]
    pub data: PathBuf,
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB (default: DATA/store.db).
    #[arg(long)]
    pub db: Option<String>,
    /// Audience (site id) of the snapshots; repeat for several sites, the first is the default.
    #[arg(long = "audience", default_value = "demo-shop")]
    pub audiences: Vec<String>,
    /// Snapshot lifetime, e.g. 24h.
    #[arg(long, default_value = "24h")]
    pub expires_in: String,
}

/// `persona serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on (port 0: any free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub addr: String,
    /// Origin allowed to call the API from a browser (CORS); repeatable; `*` for any.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// How long a cached snapshot is served before re-reading the database (bounds staleness across
    /// several store processes on one PostgreSQL; this process's own writes show at once).
    #[arg(long, default_value = "5s")]
    pub cache_ttl: String,
    /// Retention: customers whose profile was last written longer ago than this are erased by the server
    /// itself (checked at start, then every hour, or every half of a shorter period); `off` disables it.
    #[arg(long, default_value = "3y")]
    pub retention: String,
    /// An authoring ruleset to install at start (when it differs from the stored one).
    #[arg(long)]
    pub ruleset: Option<PathBuf>,
}

/// `persona import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The NDJSON file.
    pub file: PathBuf,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Lines per transaction.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Append every rejected line (number, reason, text) to this NDJSON file.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

/// `persona match` options.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// The records: NDJSON (`{"subject": ..., "identifiers": {...}}` per line) or CSV (a `subject`
    /// column and one column per identifier kind).
    pub file: PathBuf,
    /// The file's format (default: by extension, `.csv` or NDJSON).
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Records per progress checkpoint.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Append every rejected record (number and reason, never the values) to this NDJSON file.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// First train the matching model on the file's records (u from random pairs, m by EM) and
    /// store it for this and every later match.
    #[arg(long)]
    pub train: bool,
}

/// The format of a file of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// One JSON record per line.
    Ndjson,
    /// A header row, then one record per row.
    Csv,
}

/// `persona publish` options.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `persona erase` options.
#[derive(Debug, Args)]
pub struct EraseArgs {
    /// Subject ids to erase.
    pub subjects: Vec<String>,
    /// Also erase the subject ids in this file (one per line; blank lines and `#` comments skipped).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Subjects per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Retention: also erase every customer whose profile was last written longer ago than this (e.g. 3y).
    #[arg(long)]
    pub inactive_for: Option<String>,
    /// The clock for `--inactive-for`, Unix seconds (default: now).
    #[arg(long)]
    pub now: Option<u64>,
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `persona export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The subject id.
    pub subject: String,
    /// Where the store is (the snapshot shown is the first `--audience`'s).
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `persona vault` subcommands.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Re-seal every raw identifier under a fresh key (lookups and blocking keys recomputed), then
    /// drop the old keys; run while no server writes to the store, and restart the servers after.
    Rotate(VaultArgs),
}

/// `persona vault rotate` options.
#[derive(Debug, Args)]
pub struct VaultArgs {
    /// Where the store is.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `persona keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new active key; the previous one keeps verifying until its last snapshot expires.
    Rotate {
        /// Data folder.
        #[arg(long, default_value = "persona-data")]
        data: PathBuf,
        /// The longest snapshot lifetime in use (the old key retires this long after rotation).
        #[arg(long, default_value = "24h")]
        expires_in: String,
    },
    /// Print the keyring with each key's status.
    List {
        /// Data folder.
        #[arg(long, default_value = "persona-data")]
        data: PathBuf,
    },
}

/// Options shared by the signing commands.
#[derive(Debug, Args)]
pub struct SigningArgs {
    /// The secret key file (from `persona keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// The site or tenant the snapshot is for.
    #[arg(long)]
    pub audience: String,
    /// Sequence number; must grow with every snapshot of the same subject or ruleset.
    #[arg(long)]
    pub seq: u64,
    /// Lifetime, e.g. 3600, 30m, 24h, 7d.
    #[arg(long, default_value = "24h")]
    pub expires_in: String,
    /// Issue time in Unix seconds (default: now).
    #[arg(long)]
    pub issued_at: Option<u64>,
}

/// Options for verifying snapshots.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Keyring JSON file (from `persona keygen`).
    #[arg(long)]
    pub keyring: Option<PathBuf>,
    /// A trusted public key (hex or base64url); repeatable.
    #[arg(long = "public-key")]
    pub public_keys: Vec<String>,
    /// The audience the snapshot must be for (default: the snapshot's own, i.e. not checked).
    #[arg(long)]
    pub audience: Option<String>,
    /// The subject a profile snapshot must be about.
    #[arg(long)]
    pub subject: Option<String>,
    /// Refuse sequence numbers below this (rollback protection).
    #[arg(long)]
    pub min_seq: Option<u64>,
    /// Verify as of this time, Unix seconds (default: now).
    #[arg(long)]
    pub now: Option<u64>,
}

/// Options of `persona decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The ruleset snapshot.
    #[arg(long)]
    pub ruleset: PathBuf,
    /// The profile snapshot (leave out for a visitor without a profile).
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// The live session (JSON text or file).
    #[arg(long)]
    pub session: Option<String>,
    /// The request context (JSON text or file); its `now` defaults to the current time.
    #[arg(long)]
    pub context: Option<String>,
    /// When the profile is refused, decide without it (non-personalized) instead of failing.
    #[arg(long)]
    pub fallback: bool,
    /// Print a short human-readable summary instead of JSON.
    #[arg(long)]
    pub summary: bool,
    /// Verification options.
    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Keygen { out } => commands::keygen(&out),
        Command::Compile {
            ruleset,
            out,
            signing,
        } => commands::compile(&ruleset, &out, &signing),
        Command::Sign {
            profile,
            out,
            base64,
            signing,
        } => commands::sign(&profile, &out, base64, &signing),
        Command::Inspect { snapshot, verify } => commands::inspect(&snapshot, &verify),
        Command::Decide(args) => commands::decide(&args),
        Command::Eval { rule, data, batch } => match batch {
            Some(path) => commands::eval_batch(&path),
            None => commands::eval(rule.as_deref(), data.as_deref()),
        },
        Command::Serve(args) => commands::serve(&args),
        Command::Import(args) => commands::import(&args),
        Command::Match(args) => commands::match_records(&args),
        Command::Publish(args) => commands::publish(&args),
        Command::Erase(args) => commands::erase(&args),
        Command::Export(args) => commands::export(&args),
        Command::Keys { command } => commands::keys(&command),
        Command::Vault { command } => commands::vault(&command),
        Command::Token { subject, data } => commands::token(&subject, &data),
    }
}
