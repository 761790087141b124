//! keygen, compile, sign, inspect: making and reading snapshots.

use super::args::parse_duration;
use crate::cli::{SigningArgs, VerifyArgs};
use crate::error::CliError;
use crate::io::{self, now};
use crate::keyfile;
use crate::model::identifying;
use base64::Engine;
use persona_edge::codec;
use persona_edge::profile::Profile;
use persona_edge::ruleset::{self, Ruleset, RulesetSource, SegmentTest};
use persona_edge::snapshot::{
    self, Keyring, SnapshotError, SnapshotHeader, SnapshotKind, VerifyOptions,
};
use serde_json::{json, Value};
use std::path::Path;

/// `persona keygen`.
pub fn keygen(out: &Path) -> Result<(), CliError> {
    let (kid, secret) = keyfile::generate(out)?;
    Ok(io::print_line(
        json!({ "kid": kid.to_hex(), "secret": secret, "keyring": out.join("keyring.json") }),
    )?)
}

/// Issue and expiry times from the signing options.
fn validity(signing: &SigningArgs) -> Result<(u64, u64), CliError> {
    let issued_at = signing.issued_at.unwrap_or_else(now);
    let lifetime = parse_duration(&signing.expires_in)?;
    let expires_at = issued_at
        .checked_add(lifetime)
        .ok_or_else(|| CliError::Usage("expiry overflows".into()))?;
    Ok((issued_at, expires_at))
}

/// `persona compile`.
pub fn compile(source: &Path, out: &Path, signing: &SigningArgs) -> Result<(), CliError> {
    let source: RulesetSource = io::read_json(source)?;
    let compiled = ruleset::compile(&source)?;
    let key = keyfile::read_secret(&signing.key)?;
    let (issued_at, expires_at) = validity(signing)?;
    let bytes = ruleset::sign_ruleset(
        &compiled,
        issued_at,
        expires_at,
        signing.seq,
        &signing.audience,
        &key,
    )?;
    io::write_bytes(out, &bytes)?;
    Ok(io::print_line(
        json!({ "out": out, "bytes": bytes.len(), "segments": compiled.segments.len(), "fields": compiled.fields.len() }),
    )?)
}

/// `persona sign`.
pub fn sign(
    profile: &Path,
    out: &Path,
    base64: bool,
    signing: &SigningArgs,
) -> Result<(), CliError> {
    let profile = read_profile(profile)?;
    let key = keyfile::read_secret(&signing.key)?;
    let (issued_at, expires_at) = validity(signing)?;
    let bytes = persona_edge::profile::sign_profile(
        &profile,
        issued_at,
        expires_at,
        signing.seq,
        &signing.audience,
        &key,
    )?;
    io::write_bytes(out, &bytes)?;
    let mut report = json!({ "out": out, "subject": profile.subject, "bytes": bytes.len() });
    if base64 {
        report["base64url"] =
            Value::String(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes));
    }
    Ok(io::print_line(report)?)
}

/// A profile document for `persona sign`: unknown fields are refused with their JSON path (serde), and so
/// is any text shaped like an e-mail address or phone number (nothing identifying may be signed into a
/// snapshot that travels to browsers).
fn read_profile(path: &Path) -> Result<Profile, CliError> {
    let document: Value = io::read_json(path)?;
    identifying::check_json("", &document)?;
    Ok(io::from_value(&path.display().to_string(), document)?)
}

/// Verification options from the command line, for a snapshot whose header is already known.
pub(crate) fn verify_options(args: &VerifyArgs, header: &SnapshotHeader) -> VerifyOptions {
    let audience = args
        .audience
        .clone()
        .unwrap_or_else(|| header.audience.clone());
    let mut opts = VerifyOptions::new(header.kind, args.now.unwrap_or_else(now), audience);
    opts.subject = args.subject.clone();
    opts.min_sequence = args.min_seq;
    opts
}

/// `persona inspect`.
pub fn inspect(path: &Path, args: &VerifyArgs) -> Result<(), CliError> {
    let bytes = io::read_bytes(path)?;
    let (header, payload) = snapshot::inspect(&bytes)?;
    let verification = match keyfile::keyring_from_args(args.keyring.as_deref(), &args.public_keys)?
    {
        None => {
            json!({ "status": "not_checked", "note": "no keys given: nothing shown here is authenticated" })
        }
        Some(ring) => match verify_any(&bytes, &ring, &verify_options(args, &header)) {
            Ok(()) => json!({ "status": "verified" }),
            Err(e) => json!({ "status": "refused", "code": e.code(), "message": e.to_string() }),
        },
    };
    let limit = header.kind.default_max_bytes();
    let document = match header.kind {
        SnapshotKind::Profile => codec::decode::<Profile>(payload, limit).map(|p| json!(p)),
        SnapshotKind::Ruleset => {
            codec::decode::<Ruleset>(payload, limit).map(|r| ruleset_summary(&r))
        }
    }
    .unwrap_or_else(|e| json!({ "error": e.to_string() }));
    let report = json!({
        "bytes": bytes.len(),
        "header": header,
        "verification": verification,
        "document": document,
    });
    Ok(io::print_line(pretty(&report))?)
}

fn verify_any(bytes: &[u8], ring: &Keyring, opts: &VerifyOptions) -> Result<(), SnapshotError> {
    match opts.kind {
        SnapshotKind::Profile => persona_edge::profile::verify_profile(bytes, ring, opts).map(drop),
        SnapshotKind::Ruleset => ruleset::verify_ruleset(bytes, ring, opts).map(drop),
    }
}

/// A readable view of a compiled ruleset (compiled rules are shown by their kind and size).
fn ruleset_summary(r: &Ruleset) -> Value {
    let segments: Vec<Value> = r
        .segments
        .iter()
        .map(|s| match &s.test {
            SegmentTest::Boolean(_) => json!({ "name": s.name, "priority": s.priority, "kind": "rule" }),
            SegmentTest::Score { threshold, .. } => {
                json!({ "name": s.name, "priority": s.priority, "kind": "score", "threshold": threshold })
            }
        })
        .collect();
    json!({
        "name": r.name,
        "fields": r.fields.iter().map(|f| f.path()).collect::<Vec<_>>(),
        "segments": segments,
        "channels": r.channels,
        "timing": r.timing,
        "affinity": r.affinity,
        "slots": r.slots,
        "catalogue": r.catalogue,
    })
}

pub(crate) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
