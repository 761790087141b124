//! `persona decide`: verify the snapshots, decide, print the decision.

use super::snapshots::{pretty, verify_options};
use crate::cli::DecideArgs;
use crate::error::CliError;
use crate::io::{self, now};
use crate::keyfile;
use persona_edge::context::DecisionContext;
use persona_edge::decide::{decide as decide_for, Decision};
use persona_edge::ruleset::verify_ruleset;
use persona_edge::session::Session;
use persona_edge::snapshot::{self, SnapshotHeader};
use serde_json::{json, Value};

/// Runs `persona decide`.
pub fn decide(args: &DecideArgs) -> Result<(), CliError> {
    let ring =
        keyfile::keyring_from_args(args.verify.keyring.as_deref(), &args.verify.public_keys)?
            .ok_or_else(|| {
                CliError::Usage(
                    "decide needs trusted keys: --keyring FILE or --public-key KEY".into(),
                )
            })?;
    let session: Session = match &args.session {
        Some(text) => io::json_arg(text)?,
        None => Session::default(),
    };
    let context = read_context(args.context.as_deref(), args.verify.now)?;
    let verify_now = args.verify.now.unwrap_or(context.now);

    let ruleset_bytes = io::read_bytes(&args.ruleset)?;
    let (ruleset_header, _) = snapshot::inspect(&ruleset_bytes)?;
    let mut ruleset_opts = verify_options(&args.verify, &ruleset_header);
    ruleset_opts.now = verify_now;
    ruleset_opts.subject = None;
    ruleset_opts.min_sequence = None;
    let ruleset = verify_ruleset(&ruleset_bytes, &ring, &ruleset_opts)?;
    let audience = ruleset_opts.audience.clone();

    let (profile, profile_report) = match &args.profile {
        None => (None, json!({ "status": "absent" })),
        Some(path) => {
            let bytes = io::read_bytes(path)?;
            let header = SnapshotHeader {
                audience: audience.clone(),
                ..snapshot::inspect(&bytes)?.0
            };
            let mut opts = verify_options(&args.verify, &header);
            opts.audience = audience;
            opts.now = verify_now;
            match persona_edge::profile::verify_profile(&bytes, &ring, &opts) {
                Ok(v) => {
                    let report = json!({
                        "status": "verified",
                        "subject": v.header.subject,
                        "sequence": v.header.sequence,
                        "expires_at": v.header.expires_at,
                    });
                    (Some(v.document), report)
                }
                Err(e) if args.fallback => (
                    None,
                    json!({ "status": "refused", "code": e.code(), "message": e.to_string() }),
                ),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let decision = decide_for(&ruleset.document, profile.as_ref(), &session, &context);
    if args.summary {
        Ok(io::print(&summary(&decision, &profile_report))?)
    } else {
        let report = json!({
            "ruleset": { "name": ruleset.document.name, "sequence": ruleset.header.sequence },
            "profile": profile_report,
            "decision": decision,
        });
        Ok(io::print_line(pretty(&report))?)
    }
}

/// Reads the context; `now` defaults to `--now`, then to the current time.
fn read_context(arg: Option<&str>, now_arg: Option<u64>) -> Result<DecisionContext, CliError> {
    let mut value: Value = match arg {
        Some(text) => io::json_arg(text)?,
        None => json!({}),
    };
    let Some(object) = value.as_object_mut() else {
        return Err(CliError::Usage("the context must be a JSON object".into()));
    };
    if !object.contains_key("now") {
        object.insert("now".into(), json!(now_arg.unwrap_or_else(now)));
    }
    Ok(io::from_value("context", value)?)
}

/// A few lines a support agent can read.
fn summary(decision: &Decision, profile: &Value) -> String {
    let mut out = String::new();
    let who = decision.subject.as_deref().unwrap_or("(no profile)");
    out.push_str(&format!("customer   {who}"));
    if let Some(code) = profile.get("code").and_then(Value::as_str) {
        out.push_str(&format!("  [profile refused: {code}]"));
    }
    out.push('\n');
    let matched: Vec<&str> = decision.matched_segments().collect();
    out.push_str(&format!(
        "segments   {}\n",
        if matched.is_empty() {
            "-".into()
        } else {
            matched.join(", ")
        }
    ));
    let channel = decision
        .channel
        .channel
        .map_or("none".to_owned(), |c| c.to_string());
    out.push_str(&format!(
        "channel    {channel} ({})\n",
        decision.channel.basis.name()
    ));
    let excluded: Vec<String> = decision
        .channel
        .excluded
        .iter()
        .map(|e| format!("{}: {}", e.channel, e.reason.name()))
        .collect();
    out.push_str(&format!(
        "excluded   {}\n",
        if excluded.is_empty() {
            "-".into()
        } else {
            excluded.join(", ")
        }
    ));
    if let Some(t) = &decision.timing {
        let at = t.at.map_or("-".to_owned(), |at| {
            let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
            humantime::format_rfc3339_seconds(time).to_string()
        });
        out.push_str(&format!(
            "send at    {at} ({}, from {})\n",
            t.outcome.name(),
            t.source.name()
        ));
    }
    for slot in &decision.content {
        out.push_str(&format!("slot       {} = {}\n", slot.slot, slot.variant));
    }
    out
}
