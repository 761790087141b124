//! The store's operator commands against a real database: `persona import` (rejections, resume) and
//! `persona publish` (static files and the edge key-value bulk file). On SQLite and PostgreSQL.

mod support;

use base64::Engine as _;
use persona_edge::snapshot::{Keyring, SnapshotKind, VerifyOptions};
use serde_json::{json, Value};
use support::{now, read_token, Backend, Server};

fn import_reports_rejections_and_resumes(backend: Backend) {
    let server = Server::start(backend, "import");
    let t = now() - 3600;
    let lines = [
        json!({ "subject": "c_imp_1", "profile": { "traits": { "country": "DE" }, "consent": { "channels": { "email": "granted" } } } }).to_string(),
        json!({ "subject": "c_imp_1", "type": "purchase", "order_id": "o-1", "value": 80.0, "items": 2, "category": "running", "at": t }).to_string(),
        "{ not json".to_owned(),
        json!({ "subject": "c_imp_2", "type": "teleported", "at": t }).to_string(),
        json!({ "subject": "ana@example.com", "type": "page_view", "at": t }).to_string(),
        json!({ "subject": "c_imp_2", "kind": "opened", "channel": "email", "at": t }).to_string(),
        json!({ "subject": "c_imp_3", "type": "add_to_cart", "value": -1.0, "at": t }).to_string(),
    ];
    let file = server.data.with_extension("ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write import file");
    let rejects = server.data.with_extension("rejects");
    let file_arg = file.to_str().expect("path");
    let rejects_arg = rejects.to_str().expect("path");
    let (ok, out, err) =
        server.persona(&["import", file_arg, "--batch", "2", "--rejects", rejects_arg]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(out.trim()).expect("summary JSON");
    assert_eq!(summary["accepted"], 3, "{summary}");
    assert_eq!(summary["rejected"], 4, "{summary}");
    assert_eq!(summary["resumed_from_line"], 0);
    for line in [3, 4, 5, 7] {
        assert!(
            err.contains(&format!("line {line}: rejected")),
            "line {line} reported: {err}"
        );
    }
    let rejected: Vec<Value> = std::fs::read_to_string(&rejects)
        .expect("rejects file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("reject JSON"))
        .collect();
    assert_eq!(rejected.len(), 4);
    assert!(rejected[1]["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("teleported"));

    // Running it again resumes at the end: nothing is applied twice.
    let (ok, out, _) = server.persona(&["import", file_arg]);
    assert!(ok);
    let again: Value = serde_json::from_str(out.trim()).expect("summary JSON");
    assert_eq!(again["resumed_from_line"], 7);
    assert_eq!(again["accepted"], 3);
    let view = server
        .write("GET", "/v1/profiles/c_imp_1", &Value::Null)
        .json();
    assert_eq!(
        view["profile"]["consent"]["channels"]["email"]["state"],
        "granted"
    );
    assert_eq!(view["profile"]["country"], "DE");
    assert_eq!(
        view["state"]["commerce"]["orders"], 1,
        "the purchase counted once: {}",
        view["state"]
    );
    assert_eq!(
        server
            .write("GET", "/v1/profiles/c_imp_3", &Value::Null)
            .status,
        404
    );
}

fn publish_writes_static_snapshots_and_a_kv_bulk_file(backend: Backend) {
    let server = Server::start(backend, "publish");
    for subject in ["c_pub_1", "c_pub_2"] {
        let reply = server.write(
            "PUT",
            &format!("/v1/profiles/{subject}"),
            &json!({ "traits": { "country": "SE" } }),
        );
        assert_eq!(reply.status, 200);
    }
    let ruleset = std::fs::read_to_string(support::sample("ruleset.json")).expect("sample ruleset");
    let ruleset: Value = serde_json::from_str(&ruleset).expect("JSON");
    assert_eq!(server.write("PUT", "/v1/ruleset", &ruleset).status, 200);
    let out_dir = server.data.with_extension("published");
    let (ok, out, err) = server.persona(&["publish", "--out", out_dir.to_str().expect("path")]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(out.trim()).expect("summary");
    assert_eq!(summary["profiles"], 2);
    assert_eq!(summary["ruleset"], true);

    let keys: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("keys.json")).expect("keys.json"))
            .expect("JSON");
    let mut ring = Keyring::new();
    for key in keys["keys"].as_array().expect("keys") {
        ring.add_str(key["public_key"].as_str().expect("key"))
            .expect("public key");
    }
    // A customer's file is named by the customer's read token and verifies for that customer.
    let token = read_token("c_pub_1");
    let bytes = std::fs::read(out_dir.join("profiles").join(format!("{token}.snap")))
        .expect("snapshot file");
    let opts =
        VerifyOptions::new(SnapshotKind::Profile, now(), "demo-shop").with_subject("c_pub_1");
    assert_eq!(
        persona_edge::profile::verify_profile(&bytes, &ring, &opts)
            .expect("verifies")
            .document
            .country,
        "SE"
    );
    let ruleset_bytes = std::fs::read(out_dir.join("ruleset.snap")).expect("ruleset.snap");
    let opts = VerifyOptions::new(SnapshotKind::Ruleset, now(), "demo-shop");
    assert!(persona_edge::ruleset::verify_ruleset(&ruleset_bytes, &ring, &opts).is_ok());

    let kv: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out_dir.join("kv.json")).expect("kv.json"))
            .expect("JSON");
    assert_eq!(kv.len(), 4, "keys, ruleset and two profiles");
    let entry = kv
        .iter()
        .find(|e| e["key"] == format!("profile:{token}"))
        .expect("the profile's KV entry");
    assert_eq!(entry["base64"], true);
    assert!(entry["expiration"].as_u64().expect("expiration") > now());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(entry["value"].as_str().expect("value"))
        .expect("base64");
    assert_eq!(decoded, bytes);
    // The published snapshot is the one the API serves.
    assert_eq!(server.snapshot("c_pub_1", None).body, bytes);
}

#[test]
fn sqlite_import_reports_rejections_and_resumes() {
    import_reports_rejections_and_resumes(Backend::Sqlite);
}

#[test]
fn postgres_import_reports_rejections_and_resumes() {
    import_reports_rejections_and_resumes(Backend::Postgres);
}

#[test]
fn sqlite_publish_writes_static_snapshots_and_a_kv_bulk_file() {
    publish_writes_static_snapshots_and_a_kv_bulk_file(Backend::Sqlite);
}

#[test]
fn postgres_publish_writes_static_snapshots_and_a_kv_bulk_file() {
    publish_writes_static_snapshots_and_a_kv_bulk_file(Backend::Postgres);
}
