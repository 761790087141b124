//! HTTP-level tests of the central store: the real `persona serve` on loopback, the same suite on SQLite
//! (the embedded default) and on a real PostgreSQL server (`PERSONA_TEST_POSTGRES_URL`, started by
//! `scripts/postgres.sh`).

mod support;

use persona_edge::channel::Channel;
use persona_edge::profile::{ConsentState, Profile};
use persona_edge::snapshot::{SnapshotKind, VerifyOptions};
use serde_json::{json, Value};
use support::{keyring, now, read_token, sample, Backend, Reply, Server, WRITE_TOKEN};

const AUDIENCE: &str = "demo-shop";

/// Fetches and verifies a subject's snapshot like an edge: (profile, sequence, etag, key id).
fn verified(server: &Server, subject: &str) -> (Profile, u64, String, String) {
    let reply = server.snapshot(subject, None);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let opts = VerifyOptions::new(SnapshotKind::Profile, now(), AUDIENCE).with_subject(subject);
    let v = persona_edge::profile::verify_profile(&reply.body, &keyring(server), &opts)
        .expect("verifies");
    (
        v.document,
        v.header.sequence,
        reply.header("etag").expect("etag").to_owned(),
        v.header.key_id.to_hex(),
    )
}

fn consent(profile: &Profile, channel: Channel) -> ConsentState {
    profile.consent.channels.get(channel).state
}

fn put_profile(server: &Server, subject: &str, body: Value) -> Reply {
    server.write("PUT", &format!("/v1/profiles/{subject}"), &body)
}

fn events(server: &Server, events: Value) -> Reply {
    server.write("POST", "/v1/events", &json!({ "events": events }))
}

fn ruleset_text() -> String {
    std::fs::read_to_string(sample("ruleset.json")).expect("samples/ruleset.json")
}

fn keys_ruleset_and_snapshots_with_etags(backend: Backend) {
    let server = Server::start(backend, "etags");
    let keys = server.request("GET", "/v1/keys", &[], b"");
    assert_eq!(keys.status, 200);
    assert_eq!(keys.json()["keys"][0]["status"], "active");
    assert!(keys.header("cache-control").unwrap().contains("public"));
    let keys_etag = keys.header("etag").expect("etag").to_owned();
    let again = server.request("GET", "/v1/keys", &[("if-none-match", &keys_etag)], b"");
    assert_eq!(again.status, 304);

    assert_eq!(server.request("GET", "/v1/ruleset", &[], b"").status, 404);
    let auth = format!("Bearer {WRITE_TOKEN}");
    let put = server.request(
        "PUT",
        "/v1/ruleset",
        &[("authorization", &auth)],
        ruleset_text().as_bytes(),
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let ruleset = server.request("GET", "/v1/ruleset", &[], b"");
    assert_eq!(ruleset.status, 200);
    let opts = VerifyOptions::new(SnapshotKind::Ruleset, now(), AUDIENCE);
    let verified_ruleset =
        persona_edge::ruleset::verify_ruleset(&ruleset.body, &keyring(&server), &opts)
            .expect("the ruleset verifies");
    assert!(!verified_ruleset.document.segments.is_empty());
    let tag = ruleset.header("etag").expect("etag").to_owned();
    assert!(tag.starts_with('"'), "a strong ETag: {tag}");
    let cached = server.request("GET", "/v1/ruleset", &[("if-none-match", &tag)], b"");
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());

    let subject = "c_etag_1";
    assert_eq!(
        put_profile(
            &server,
            subject,
            json!({ "traits": { "country": "DE", "time_zone": "Europe/Berlin" } })
        )
        .status,
        200
    );
    let (profile, sequence, etag, _) = verified(&server, subject);
    assert_eq!(profile.subject, subject);
    assert_eq!(profile.country, "DE");
    let reply = server.snapshot(subject, Some(&etag));
    assert_eq!(reply.status, 304);
    assert_eq!(reply.header("etag"), Some(etag.as_str()));
    let first = server.snapshot(subject, None);
    assert_eq!(first.header("cache-control"), Some("private, no-cache"));
    assert_eq!(
        first.header("x-persona-sequence"),
        Some(sequence.to_string().as_str())
    );
}

fn snapshot_reads_need_the_subjects_token(backend: Backend) {
    let server = Server::start(backend, "tokens");
    put_profile(&server, "c_tok_a", json!({ "traits": { "country": "FR" } }));
    let path = "/v1/profiles/c_tok_a/snapshot";
    let none = server.request("GET", path, &[], b"");
    assert_eq!(none.status, 401);
    assert_eq!(none.error_code(), "unauthorized");
    let other = format!("Bearer {}", read_token("c_tok_b"));
    let forbidden = server.request("GET", path, &[("authorization", &other)], b"");
    assert_eq!(forbidden.status, 403);
    let write = format!("Bearer {WRITE_TOKEN}");
    assert_eq!(
        server
            .request("GET", path, &[("authorization", &write)], b"")
            .status,
        403
    );
    assert_eq!(server.snapshot("c_tok_a", None).status, 200);
    // A valid token for a customer the store does not know.
    assert_eq!(server.snapshot("c_tok_b", None).status, 404);
    let bad = server.request("GET", "/v1/profiles/ana@example.com/snapshot", &[], b"");
    assert_eq!(bad.status, 422);
}

fn bad_input_gets_a_typed_4xx_and_changes_nothing(backend: Backend) {
    let server = Server::start(backend, "badinput");
    let t = now();
    let ok_event =
        json!({ "subject": "c_bad_1", "type": "page_view", "category": "running", "at": t });
    let cases: Vec<(&str, Reply, u16, &str, Option<&str>)> = vec![
        (
            "malformed JSON",
            server.request(
                "POST",
                "/v1/events",
                &[("authorization", &format!("Bearer {WRITE_TOKEN}"))],
                b"{\"events\": [",
            ),
            400,
            "malformed_json",
            None,
        ),
        (
            "unknown event type",
            events(
                &server,
                json!([ok_event, { "subject": "c_bad_1", "type": "teleported", "at": t }]),
            ),
            422,
            "invalid",
            Some("events[1]"),
        ),
        (
            "wrong type",
            events(
                &server,
                json!([ok_event, { "subject": "c_bad_1", "type": "add_to_cart", "value": "lots", "at": t }]),
            ),
            422,
            "invalid",
            // Inside an event the JSON path stops at the event (serde buffers tagged enums); the message
            // names the bad value and the expected type.
            Some("events[1]"),
        ),
        (
            "subject not in the allowed form",
            events(
                &server,
                json!([ok_event, { "subject": "ana@example.com", "type": "page_view", "at": t }]),
            ),
            422,
            "invalid",
            Some("events[1].subject"),
        ),
        (
            "value out of range",
            events(
                &server,
                json!([ok_event, { "subject": "c_bad_1", "type": "add_to_cart", "value": -5.0, "at": t }]),
            ),
            422,
            "invalid",
            Some("events[1].value"),
        ),
        (
            "unknown field in a profile update",
            put_profile(
                &server,
                "c_bad_1",
                json!({ "traits": { "colour": "blue" } }),
            ),
            422,
            "invalid",
            Some("traits"),
        ),
        (
            "an e-mail address typed into the interests",
            put_profile(
                &server,
                "c_bad_1",
                json!({ "preferences": { "interests": ["running", "ana@example.com"] } }),
            ),
            422,
            "identifying_value",
            Some("preferences.interests[1]"),
        ),
        (
            "a phone number typed into the interests",
            put_profile(
                &server,
                "c_bad_1",
                json!({ "preferences": { "interests": ["0170-1234567"] } }),
            ),
            422,
            "identifying_value",
            Some("preferences.interests[0]"),
        ),
        (
            "unknown consent state",
            put_profile(
                &server,
                "c_bad_1",
                json!({ "consent": { "channels": { "email": "maybe" } } }),
            ),
            422,
            "invalid",
            Some("consent.channels"),
        ),
        (
            "missing write token",
            server.request(
                "POST",
                "/v1/events",
                &[],
                json!({ "events": [ok_event] }).to_string().as_bytes(),
            ),
            401,
            "unauthorized",
            None,
        ),
        (
            "wrong write token",
            server.request(
                "POST",
                "/v1/events",
                &[("authorization", "Bearer guess")],
                json!({ "events": [ok_event] }).to_string().as_bytes(),
            ),
            401,
            "unauthorized",
            None,
        ),
        (
            "oversized body",
            server.request(
                "POST",
                "/v1/events",
                &[("authorization", &format!("Bearer {WRITE_TOKEN}"))],
                &vec![b' '; 5 << 20],
            ),
            413,
            "too_large",
            None,
        ),
    ];
    let wrong_type = &cases[2].1;
    let message = wrong_type.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("\"lots\"") && message.contains("f64"),
        "{message}"
    );
    for (what, reply, status, code, path) in cases {
        assert_eq!(
            reply.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.error_code(), code, "{what}");
        assert!(
            !reply.json()["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{what}"
        );
        if let Some(path) = path {
            let got = reply.json()["error"]["path"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                got.starts_with(path),
                "{what}: path {got:?} should start with {path:?}"
            );
        }
    }
    // Every batch above held one good event before the bad one: none of it was applied.
    let view = server.write("GET", "/v1/profiles/c_bad_1", &Value::Null);
    assert_eq!(
        view.status,
        404,
        "nothing was written: {}",
        String::from_utf8_lossy(&view.body)
    );
    assert_eq!(server.request("DELETE", "/v1/events", &[], b"").status, 405);
    assert_eq!(
        server.request("GET", "/v2/nothing", &[], b"").error_code(),
        "not_found"
    );
}

fn consent_withdrawal_reaches_the_next_snapshot(backend: Backend) {
    let server = Server::start(backend, "consent");
    let subject = "c_consent_1";
    let granted = json!({ "consent": { "channels": { "email": "granted", "sms": "granted" } } });
    assert_eq!(put_profile(&server, subject, granted).status, 200);
    let (before, seq_before, etag_before, _) = verified(&server, subject);
    assert_eq!(consent(&before, Channel::Email), ConsentState::Granted);

    let withdrawn = json!({ "consent": { "channels": { "email": "denied" } } });
    assert_eq!(put_profile(&server, subject, withdrawn).status, 200);
    // The edge revalidates with its ETag: it must get the new snapshot, not a 304.
    let reply = server.snapshot(subject, Some(&etag_before));
    assert_eq!(reply.status, 200);
    let (after, seq_after, _, _) = verified(&server, subject);
    assert!(seq_after > seq_before, "{seq_after} > {seq_before}");
    assert_eq!(consent(&after, Channel::Email), ConsentState::Denied);
    assert_eq!(consent(&after, Channel::Sms), ConsentState::Granted);
    // An edge that saw the new sequence refuses the old snapshot (rollback).
    let old = server.snapshot(subject, None);
    let opts =
        VerifyOptions::new(SnapshotKind::Profile, now(), AUDIENCE).with_min_sequence(seq_after + 1);
    assert!(persona_edge::profile::verify_profile(&old.body, &keyring(&server), &opts).is_err());
}

fn a_complaint_takes_effect_at_once(backend: Backend) {
    let server = Server::start(backend, "complaint");
    let subject = "c_service_1";
    put_profile(&server, subject, json!({ "traits": { "country": "DE" } }));
    let (before, seq_before, _, _) = verified(&server, subject);
    assert!(!before.service.open_complaint);
    let t = now();
    let reply = events(
        &server,
        json!([{ "subject": subject, "type": "complaint_opened", "case_id": "case-1", "at": t }]),
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let (after, seq_after, _, _) = verified(&server, subject);
    assert!(seq_after > seq_before);
    assert!(after.service.open_complaint);
    events(
        &server,
        json!([{ "subject": subject, "type": "complaint_closed", "case_id": "case-1", "at": t }]),
    );
    assert!(!verified(&server, subject).0.service.open_complaint);
}

fn feedback_updates_engagement(backend: Backend) {
    let server = Server::start(backend, "feedback");
    let subject = "c_loop_1";
    put_profile(
        &server,
        subject,
        json!({ "consent": { "channels": { "email": "granted" } } }),
    );
    let (before, _, _, _) = verified(&server, subject);
    let t = now();
    let token = read_token(subject);
    let batch = json!({ "events": [
        { "subject": subject, "kind": "delivered", "channel": "email", "at": t, "token": token },
        { "subject": subject, "kind": "opened", "channel": "email", "at": t, "token": token },
        { "subject": subject, "kind": "shown", "slot": "hero", "variant": "camping", "at": t, "token": token }
    ]});
    // A browser: no header, each event carries the subject's read token.
    let reply = server.request(
        "POST",
        "/v1/feedback",
        &[("content-type", "text/plain")],
        batch.to_string().as_bytes(),
    );
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["accepted"], 3);
    let (after, _, _, _) = verified(&server, subject);
    let (b, a) = (
        before.behaviour.engagement.get(Channel::Email),
        after.behaviour.engagement.get(Channel::Email),
    );
    assert!(a.sent > b.sent, "delivered counts: {a:?} vs {b:?}");
    assert!(a.responded > b.responded, "opened counts: {a:?} vs {b:?}");

    // Someone else's token, or none, is refused and changes nothing.
    let forged = json!({ "events": [{ "subject": subject, "kind": "opened", "channel": "email", "at": t, "token": read_token("c_other") }] });
    let reply = server.request("POST", "/v1/feedback", &[], forged.to_string().as_bytes());
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"]["path"], "events[0].token");
    let bare = json!({ "events": [{ "subject": subject, "kind": "opened", "channel": "email", "at": t }] });
    assert_eq!(
        server
            .request("POST", "/v1/feedback", &[], bare.to_string().as_bytes())
            .status,
        403
    );
    assert_eq!(
        verified(&server, subject)
            .0
            .behaviour
            .engagement
            .get(Channel::Email),
        a
    );
    // An edge worker with the write token needs no per-event token.
    assert_eq!(server.write("POST", "/v1/feedback", &bare).status, 202);
}

fn ruleset_compile_errors_name_the_segment_and_path(backend: Backend) {
    let server = Server::start(backend, "ruleset");
    let mut ruleset: Value = serde_json::from_str(&ruleset_text()).expect("sample ruleset");
    let first = ruleset["segments"][0]["name"]
        .as_str()
        .expect("a segment")
        .to_owned();
    ruleset["segments"][0]["rule"] = json!({ "and": [true, { "frobnicate": [1] }] });
    ruleset["segments"][0]
        .as_object_mut()
        .expect("object")
        .remove("score");
    ruleset["segments"][0]
        .as_object_mut()
        .expect("object")
        .remove("threshold");
    let reply = server.write("PUT", "/v1/ruleset", &ruleset);
    assert_eq!(
        reply.status,
        422,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.error_code(), "does_not_compile");
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(&first) && message.contains("frobnicate"),
        "{message}"
    );
    assert!(reply.json()["error"]["path"]
        .as_str()
        .unwrap_or_default()
        .contains(&first));
    assert_eq!(
        server.request("GET", "/v1/ruleset", &[], b"").status,
        404,
        "nothing stored"
    );
    let shape = server.write("PUT", "/v1/ruleset", &json!({ "segments": "none" }));
    assert_eq!(shape.status, 422);
}

fn key_rotation_reaches_the_running_server(backend: Backend) {
    let server = Server::start(backend, "rotation");
    let subject = "c_rotate_1";
    put_profile(&server, subject, json!({ "traits": { "country": "NL" } }));
    let (_, seq_before, _, kid_before) = verified(&server, subject);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_persona"))
        .args(["keys", "rotate", "--data"])
        .arg(&server.data)
        .output()
        .expect("persona keys rotate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen = false;
    for _ in 0..50 {
        let keys = server.request("GET", "/v1/keys", &[], b"").json();
        if keys["keys"].as_array().is_some_and(|k| k.len() == 2) {
            assert_eq!(keys["keys"][0]["status"], "verifying");
            assert!(keys["keys"][0]["retire_after"].as_u64().is_some());
            assert_eq!(keys["keys"][1]["status"], "active");
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(seen, "the server did not pick up the rotation");
    // The snapshot is re-issued with the new key and a higher sequence.
    let mut reissued = false;
    for _ in 0..50 {
        let (_, seq, _, kid) = verified(&server, subject);
        if kid != kid_before {
            assert!(seq > seq_before);
            reissued = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(reissued, "the snapshot was not re-signed with the new key");
}

fn cors_for_the_sites_origins(backend: Backend) {
    let server = Server::start_with(backend, "cors", &["--cors-origin", "https://shop.example"]);
    let preflight = server.request(
        "OPTIONS",
        "/v1/profiles/c_x/snapshot",
        &[
            ("origin", "https://shop.example"),
            ("access-control-request-method", "GET"),
            (
                "access-control-request-headers",
                "authorization,if-none-match",
            ),
        ],
        b"",
    );
    assert!(preflight.status < 300, "{}", preflight.status);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let stranger = server.request(
        "GET",
        "/v1/keys",
        &[("origin", "https://evil.example")],
        b"",
    );
    assert_eq!(stranger.header("access-control-allow-origin"), None);
}

fn concurrent_writes_to_one_customer_are_never_lost(backend: Backend) {
    let server = Server::start(backend, "concurrent");
    let subject = "c_busy_1";
    let t = now() - 60;
    let threads: Vec<_> = (0..4)
        .map(|w| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let auth = format!("Bearer {WRITE_TOKEN}");
                for n in 0..25 {
                    let body = json!({ "events": [{ "subject": subject, "type": "purchase",
                        "order_id": format!("o-{w}-{n}"), "value": 10.0, "items": 1, "at": t }] });
                    let reply = support::request(
                        &addr,
                        "POST",
                        "/v1/events",
                        &[
                            ("authorization", &auth),
                            ("content-type", "application/json"),
                        ],
                        body.to_string().as_bytes(),
                    )
                    .expect("request");
                    assert_eq!(
                        reply.status,
                        200,
                        "{}",
                        String::from_utf8_lossy(&reply.body)
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let view = server
        .write("GET", &format!("/v1/profiles/{subject}"), &Value::Null)
        .json();
    assert_eq!(
        view["state"]["commerce"]["orders"], 100,
        "{}",
        view["state"]["commerce"]
    );
}

support::suite!(
    keys_ruleset_and_snapshots_with_etags,
    snapshot_reads_need_the_subjects_token,
    bad_input_gets_a_typed_4xx_and_changes_nothing,
    consent_withdrawal_reaches_the_next_snapshot,
    a_complaint_takes_effect_at_once,
    feedback_updates_engagement,
    ruleset_compile_errors_name_the_segment_and_path,
    key_rotation_reaches_the_running_server,
    cors_for_the_sites_origins,
    concurrent_writes_to_one_customer_are_never_lost,
);
