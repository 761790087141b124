//! Consent as evidence and the access export (GDPR art. 15), through the real `persona serve` and
//! `persona export`, on SQLite and on PostgreSQL.

mod support;

use serde_json::{json, Value};
use support::{assert_valid_export as assert_valid, now, Backend, Server, WRITE_TOKEN};

fn put(server: &Server, subject: &str, body: Value) -> support::Reply {
    server.write("PUT", &format!("/v1/profiles/{subject}"), &body)
}

fn get(server: &Server, path: &str) -> support::Reply {
    server.request(
        "GET",
        path,
        &[("authorization", &format!("Bearer {WRITE_TOKEN}"))],
        b"",
    )
}

fn consent_changes_are_recorded_with_time_and_source(backend: Backend) {
    let server = Server::start(backend, "consent-history");
    let s = "c_consent_1";
    let before = now();
    let grant = put(
        &server,
        s,
        json!({"consent": {"channels": {"email": "granted", "sms": "granted"}, "purposes": {"marketing": "granted"}, "source": "web_banner"}}),
    );
    assert_eq!(
        grant.status,
        200,
        "{}",
        String::from_utf8_lossy(&grant.body)
    );
    // The same state again is not a change; a withdrawal by a support agent is.
    assert_eq!(
        put(
            &server,
            s,
            json!({"consent": {"channels": {"email": "granted"}, "source": "web_banner"}})
        )
        .status,
        200
    );
    let withdraw = put(
        &server,
        s,
        json!({"consent": {"channels": {"email": "denied"}, "source": "support_agent"}}),
    );
    assert_eq!(withdraw.status, 200);
    // No source named: `api`.
    assert_eq!(
        put(
            &server,
            s,
            json!({"consent": {"purposes": {"analytics": "denied"}}})
        )
        .status,
        200
    );

    let view = get(&server, &format!("/v1/profiles/{s}"));
    assert_eq!(view.status, 200);
    let latest = view.json()["consent"].clone();
    let find = |kind: &str, name: &str| {
        latest
            .as_array()
            .expect("consent")
            .iter()
            .find(|r| r["kind"] == kind && r["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} in {latest}"))
            .clone()
    };
    let email = find("channel", "email");
    assert_eq!(
        (email["state"].as_str(), email["source"].as_str()),
        (Some("denied"), Some("support_agent"))
    );
    assert!(email["at"].as_u64().unwrap() >= before);
    assert_eq!(find("channel", "sms")["source"], "web_banner");
    assert_eq!(find("purpose", "marketing")["state"], "granted");
    assert_eq!(find("purpose", "analytics")["source"], "api");

    let export = get(&server, &format!("/v1/profiles/{s}/export"));
    assert_eq!(
        export.status,
        200,
        "{}",
        String::from_utf8_lossy(&export.body)
    );
    assert_eq!(export.header("cache-control"), Some("no-store"));
    let doc = export.json();
    assert_valid(&doc);
    let history: Vec<(String, String, String, String)> = doc["consent_history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            (f("kind"), f("name"), f("state"), f("source"))
        })
        .collect();
    let expected = [
        ("channel", "email", "granted", "web_banner"),
        ("channel", "sms", "granted", "web_banner"),
        ("purpose", "marketing", "granted", "web_banner"),
        ("channel", "email", "denied", "support_agent"),
        ("purpose", "analytics", "denied", "api"),
    ];
    let want: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
        .collect();
    assert_eq!(history, want, "in the order the changes were made");

    // A source outside the vocabulary is refused with its path, and nothing changes.
    let bad = put(
        &server,
        s,
        json!({"consent": {"channels": {"sms": "denied"}, "source": "carrier_pigeon"}}),
    );
    assert_eq!(bad.status, 422, "{}", String::from_utf8_lossy(&bad.body));
    assert!(
        bad.json()["error"]["path"]
            .as_str()
            .unwrap()
            .starts_with("consent.source"),
        "{}",
        bad.json()
    );
    let again = get(&server, &format!("/v1/profiles/{s}/export")).json();
    assert_eq!(again["consent_history"].as_array().unwrap().len(), 5);

    // An import records its consent as `import` unless the line names a source.
    let file = server.data.with_extension("ndjson");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            json!({"subject": "c_consent_2", "profile": {"consent": {"channels": {"email": "granted"}}}}),
            json!({"subject": "c_consent_2", "profile": {"consent": {"channels": {"push": "granted"}, "source": "preference_centre"}}}),
        ),
    )
    .expect("import file");
    let (ok, _, err) = server.persona(&["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let imported = get(&server, "/v1/profiles/c_consent_2/export").json();
    let sources: Vec<&str> = imported["consent_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["import", "preference_centre"]);
}

fn the_export_holds_everything_and_is_refused_without_the_write_token(backend: Backend) {
    let server = Server::start(backend, "export");
    let s = "c_export_1";
    assert_eq!(
        put(&server, s, json!({"traits": {"country": "SE"}, "preferences": {"interests": ["running"]}, "predictions": {"churn_risk": 40}})).status,
        200
    );
    let t = now() - 120;
    let events = server.write(
        "POST",
        "/v1/events",
        &json!({"events": [
            {"subject": s, "type": "purchase", "order_id": "o_1", "value": 80.0, "items": 2, "category": "running", "at": t},
            {"subject": s, "type": "complaint_opened", "case_id": "k_1", "at": t},
        ]}),
    );
    assert_eq!(
        events.status,
        200,
        "{}",
        String::from_utf8_lossy(&events.body)
    );
    let feedback = server.write(
        "POST",
        "/v1/feedback",
        &json!({"events": [{"subject": s, "kind": "opened", "channel": "email", "at": t}]}),
    );
    assert_eq!(feedback.status, 202);

    let path = format!("/v1/profiles/{s}/export");
    assert_eq!(server.request("GET", &path, &[], b"").status, 401);
    let doc = get(&server, &path).json();
    assert_valid(&doc);
    assert_eq!(doc["subject"], s);
    assert_eq!(doc["stored"]["traits"]["country"], "SE");
    assert_eq!(doc["stored"]["predictions"]["churn_risk"], 40);
    assert_eq!(doc["stored"]["commerce"]["orders"], 1);
    let text = doc["stored"].to_string();
    assert!(
        text.contains("k_1"),
        "the service case is in the export: {text}"
    );
    assert!(text.contains("o_1"), "the order id is in the export");
    assert_eq!(doc["snapshot"]["header"]["subject"], s);
    assert_eq!(doc["snapshot"]["profile"]["country"], "SE");
    assert_eq!(doc["sequence"], doc["snapshot"]["header"]["sequence"]);

    // The command line gives the same document.
    let (ok, out, err) = server.persona(&["export", s]);
    assert!(ok, "{err}");
    let cli: Value = serde_json::from_str(&out).expect("JSON");
    assert_valid(&cli);
    assert_eq!(cli["stored"], doc["stored"]);

    // Unknown: 404; malformed: 422; erased: 410 and the command fails.
    assert_eq!(get(&server, "/v1/profiles/c_nobody/export").status, 404);
    assert_eq!(get(&server, "/v1/profiles/a%40b.c/export").status, 422);
    let auth = format!("Bearer {WRITE_TOKEN}");
    assert_eq!(
        server
            .request(
                "DELETE",
                &format!("/v1/profiles/{s}"),
                &[("authorization", &auth)],
                b""
            )
            .status,
        200
    );
    let gone = get(&server, &path);
    assert_eq!((gone.status, gone.error_code().as_str()), (410, "erased"));
    let (ok, _, err) = server.persona(&["export", s]);
    assert!(!ok);
    assert!(err.contains("was erased"), "{err}");
}

/// Every subject's stored aggregates and sequence, as the store answers them.
fn stored(server: &Server, subjects: &[String]) -> Vec<(String, String)> {
    subjects
        .iter()
        .map(|s| {
            let view = get(server, &format!("/v1/profiles/{s}")).json();
            (view["state"].to_string(), view["sequence"].to_string())
        })
        .collect()
}

fn a_retried_batch_is_applied_once(backend: Backend) {
    let server = Server::start(backend, "dedupe");
    let subjects: Vec<String> = (0..500).map(|i| format!("c_dup_{i}")).collect();
    let t = now() - 3600;
    let kinds = ["page_view", "add_to_cart", "purchase", "message_opened"];
    let events: Vec<Value> = (0..10_000)
        .map(|i| {
            let subject = &subjects[i % subjects.len()];
            let id = format!("ev-{i}");
            match kinds[i % kinds.len()] {
                "page_view" => json!({"id": id, "subject": subject, "type": "page_view", "category": "running", "at": t + i as u64 % 600}),
                "add_to_cart" => json!({"id": id, "subject": subject, "type": "add_to_cart", "value": 12.5, "at": t}),
                "purchase" => json!({"id": id, "subject": subject, "type": "purchase", "order_id": format!("o-{i}"), "value": 20.0 + (i % 7) as f64, "items": 1, "at": t}),
                _ => json!({"id": id, "subject": subject, "type": "message_opened", "channel": "email", "at": t}),
            }
        })
        .collect();
    let batch = json!({ "events": events });
    let first = server.write("POST", "/v1/events", &batch);
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(first.json()["accepted"], 10_000);
    let once = stored(&server, &subjects);
    for _ in 0..2 {
        let again = server.write("POST", "/v1/events", &batch);
        assert_eq!(again.status, 200);
        assert_eq!(again.json()["accepted"], 0);
        assert_eq!(again.json()["duplicates"], 10_000);
    }
    assert_eq!(
        stored(&server, &subjects),
        once,
        "byte-identical aggregates and unchanged sequences"
    );

    // Without ids nothing can be recognized: the same page view twice counts twice.
    let s = &subjects[0];
    let plain = json!({"events": [{"subject": s, "type": "purchase", "order_id": "o-plain", "value": 5.0, "items": 1, "at": t},
                                   {"subject": s, "type": "page_view", "category": "yoga", "at": t}]});
    assert_eq!(
        server.write("POST", "/v1/events", &plain).json()["accepted"],
        2
    );
    assert_eq!(
        server.write("POST", "/v1/events", &plain).json()["accepted"],
        2
    );

    // Feedback: the same id twice in one batch counts once; ids are per customer and per kind.
    let fb = json!({"events": [
        {"id": "f-1", "subject": s, "kind": "opened", "channel": "email", "at": t},
        {"id": "f-1", "subject": s, "kind": "opened", "channel": "email", "at": t},
        {"id": "f-1", "subject": &subjects[1], "kind": "opened", "channel": "email", "at": t},
        {"id": "ev-0", "subject": s, "kind": "clicked", "channel": "email", "at": t},
    ]});
    let reply = server.write("POST", "/v1/feedback", &fb);
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        (
            reply.json()["accepted"].as_u64(),
            reply.json()["duplicates"].as_u64()
        ),
        (Some(3), Some(1))
    );

    // An id shaped like an e-mail address is refused (ids are stored).
    let bad = server.write(
        "POST",
        "/v1/events",
        &json!({"events": [{"id": "ana@example.com", "subject": s, "type": "page_view", "at": t}]}),
    );
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["error"]["path"], "events[0].id");
}

fn gpc_is_recorded_as_an_opt_out_of_sharing(backend: Backend) {
    let server = Server::start(backend, "gpc");
    let s = "c_gpc_1";
    assert_eq!(
        put(&server, s, json!({"consent": {"purposes": {"ad_targeting": "granted"}, "channels": {"ads": "granted"}}})).status,
        200
    );
    let path = format!("/v1/profiles/{s}/gpc");
    assert_eq!(server.request("POST", &path, &[], b"").status, 401);
    let other = support::read_token("c_someone_else");
    let wrong = server.request(
        "POST",
        &path,
        &[("authorization", &format!("Bearer {other}"))],
        b"",
    );
    assert_eq!(wrong.status, 401);
    let token = support::read_token(s);
    let auth = format!("Bearer {token}");
    for _ in 0..2 {
        let reply = server.request("POST", &path, &[("authorization", &auth)], b"");
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let doc = get(&server, &format!("/v1/profiles/{s}/export")).json();
    let gpc: Vec<&Value> = doc["consent_history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "gpc")
        .collect();
    assert_eq!(gpc.len(), 1, "recorded once: {gpc:?}");
    assert_eq!(
        (gpc[0]["name"].as_str(), gpc[0]["state"].as_str()),
        (Some("ad_targeting"), Some("denied"))
    );
    let purposes = doc["snapshot"]["profile"]["consent"]["purposes"].to_string();
    assert!(
        purposes.contains("ad_targeting") && purposes.contains("denied"),
        "{purposes}"
    );
}

support::suite!(
    consent_changes_are_recorded_with_time_and_source,
    the_export_holds_everything_and_is_refused_without_the_write_token,
    a_retried_batch_is_applied_once,
    gpc_is_recorded_as_an_opt_out_of_sharing,
);
