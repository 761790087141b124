//! Erasure (GDPR art. 17, CPRA right to delete) through the real `persona serve` and `persona erase`, on
//! SQLite and on PostgreSQL: every row goes, nothing readable stays behind, a tombstone refuses late
//! writes, and `persona publish` tells the edge what to delete.

mod support;

use serde_json::{json, Value};
use support::{now, read_token, traces, Backend, Server};

const GONE: &str = "c_gone_7781";

const KEPT: &str = "c_kept_7781";

/// A customer with traits, consent, events and a signed snapshot (so every table holds something).
fn seed(server: &Server, subject: &str) {
    let put = server.write(
        "PUT",
        &format!("/v1/profiles/{subject}"),
        &json!({
            "traits": {"country": "SE", "time_zone": "Europe/Stockholm"},
            "consent": {"channels": {"email": "granted"}},
        }),
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let t = now() - 60;
    let events = server.write(
        "POST",
        "/v1/events",
        &json!({"events": [
            {"subject": subject, "type": "page_view", "category": "running", "at": t},
            {"subject": subject, "type": "purchase", "order_id": format!("o_{subject}"), "value": 120.0, "items": 1, "at": t},
        ]}),
    );
    assert_eq!(
        events.status,
        200,
        "{}",
        String::from_utf8_lossy(&events.body)
    );
    assert_eq!(server.snapshot(subject, None).status, 200);
}

fn erase_over_http_leaves_nothing_and_refuses_late_writes(backend: Backend) {
    let server = Server::start(backend, "erase-http");
    seed(&server, GONE);
    seed(&server, KEPT);
    assert!(
        !traces(&server, GONE).is_empty(),
        "the scan finds a live customer"
    );

    let path = format!("/v1/profiles/{GONE}");
    assert_eq!(server.request("DELETE", &path, &[], b"").status, 401);
    let reply = server.request(
        "DELETE",
        &path,
        &[("authorization", &format!("Bearer {}", support::WRITE_TOKEN))],
        b"",
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["erasure"]["outcome"], "erased");
    assert!(reply.json()["erasure"]["last_sequence"].as_i64().unwrap() > 0);

    let left = traces(&server, GONE);
    assert!(left.is_empty(), "traces of the erased subject: {left:?}");
    assert!(!traces(&server, KEPT).is_empty());

    // Reads: 410 with a code, for the snapshot and for the stored profile.
    let snapshot = server.snapshot(GONE, None);
    assert_eq!(snapshot.status, 410);
    assert_eq!(snapshot.error_code(), "erased");
    let auth = format!("Bearer {}", support::WRITE_TOKEN);
    let view = server.request("GET", &path, &[("authorization", &auth)], b"");
    assert_eq!((view.status, view.error_code().as_str()), (410, "erased"));

    // Late writes: a profile update is refused; in a batch, the erased customer's events are refused
    // and counted, the others applied.
    let put = server.write("PUT", &path, &json!({"traits": {"country": "DE"}}));
    assert_eq!((put.status, put.error_code().as_str()), (410, "erased"));
    let t = now() - 30;
    let batch = server.write(
        "POST",
        "/v1/events",
        &json!({"events": [
            {"subject": GONE, "type": "page_view", "category": "yoga", "at": t},
            {"subject": GONE, "type": "page_view", "category": "yoga", "at": t},
            {"subject": KEPT, "type": "page_view", "category": "yoga", "at": t},
        ]}),
    );
    assert_eq!(batch.status, 200);
    assert_eq!(batch.json()["accepted"], 1);
    assert_eq!(batch.json()["refused"]["erased"], 2);
    assert!(batch.json()["sequences"].get(GONE).is_none());
    let feedback = server.write(
        "POST",
        "/v1/feedback",
        &json!({"events": [{"subject": GONE, "kind": "opened", "channel": "email", "at": t}]}),
    );
    assert_eq!(
        feedback.status,
        202,
        "{}",
        String::from_utf8_lossy(&feedback.body)
    );
    assert_eq!(feedback.json()["refused"]["erased"], 1);
    assert_eq!(server.snapshot(GONE, None).status, 410);
    assert!(traces(&server, GONE).is_empty(), "nothing was recreated");

    // Erasing again is idempotent; an unknown subject is a 404, a malformed one a 422.
    let again = server.request("DELETE", &path, &[("authorization", &auth)], b"");
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["erasure"]["outcome"], "already_erased");
    let unknown = server.request(
        "DELETE",
        "/v1/profiles/c_never_seen",
        &[("authorization", &auth)],
        b"",
    );
    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (404, "not_found")
    );
    let malformed = server.request(
        "DELETE",
        "/v1/profiles/ana%40example.com",
        &[("authorization", &auth)],
        b"",
    );
    assert_eq!(malformed.status, 422);
    assert_eq!(server.snapshot(KEPT, None).status, 200);
}

fn erase_from_the_command_line_publish_and_a_replayed_import(backend: Backend) {
    // `persona erase` runs in its own process: a running server sees it when its snapshot cache entry
    // expires (`--cache-ttl`, 5 s by default), at once here.
    let server = Server::start_with(backend, "erase-cli", &["--cache-ttl", "0s"]);
    for i in 0..5 {
        seed(&server, &format!("c_bulk_{i}"));
    }
    let out_dir = server.data.with_extension("published");
    let out = out_dir.to_str().expect("path");
    let (ok, _, err) = server.persona(&["publish", "--out", out]);
    assert!(ok, "{err}");
    let gone_token = read_token("c_bulk_1");
    let gone_file = out_dir.join("profiles").join(format!("{gone_token}.snap"));
    assert!(gone_file.exists());

    let list = server.data.with_extension("erase.txt");
    std::fs::write(
        &list,
        "# erasure requests\nc_bulk_1\n\nc_bulk_3\nc_nobody\n",
    )
    .expect("list");
    let (ok, stdout, err) = server.persona(&[
        "erase",
        "c_bulk_1",
        "--file",
        list.to_str().expect("path"),
        "--batch",
        "2",
    ]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(stdout.trim()).expect("summary");
    assert_eq!(summary["erased"], 2, "{summary}");
    assert_eq!(summary["already_erased"], 1, "{summary}");
    assert_eq!(summary["unknown"], 1, "{summary}");
    assert_eq!(summary["scrubbed"], true, "{summary}");
    assert!(!stdout.contains("c_bulk"), "subject ids are not printed");
    for subject in ["c_bulk_1", "c_bulk_3"] {
        assert!(traces(&server, subject).is_empty(), "{subject}");
        assert_eq!(server.snapshot(subject, None).status, 410);
    }
    assert_eq!(server.snapshot("c_bulk_2", None).status, 200);

    // A malformed id refuses the whole request and erases nothing.
    let (ok, _, err) = server.persona(&["erase", "c_bulk_0", "bad id"]);
    assert!(!ok);
    assert!(err.contains("subject 2 of 2"), "{err}");
    assert!(!err.contains("bad id"), "the bad value is not echoed");
    assert_eq!(server.snapshot("c_bulk_0", None).status, 200);

    // Publishing again: the erased customers are left out, their old files removed, and their KV keys
    // listed for deletion.
    let (ok, stdout, err) = server.persona(&["publish", "--out", out]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(stdout.trim()).expect("summary");
    assert_eq!(summary["profiles"], 3);
    assert_eq!(summary["kv_deletions"], 2);
    assert!(!gone_file.exists());
    let deletions: Vec<String> =
        serde_json::from_slice(&std::fs::read(out_dir.join("kv-delete.json")).expect("file"))
            .expect("JSON");
    assert!(deletions.contains(&format!("profile:{gone_token}")));
    assert!(deletions.contains(&format!("profile:{}", read_token("c_bulk_3"))));
    let kv = std::fs::read_to_string(out_dir.join("kv.json")).expect("kv.json");
    assert!(!kv.contains(&gone_token));

    // A replayed import cannot recreate an erased customer.
    let import = server.data.with_extension("replay.ndjson");
    let t = now() - 10;
    let lines = [
        json!({"subject": "c_bulk_1", "type": "page_view", "category": "yoga", "at": t}),
        json!({"subject": "c_bulk_2", "type": "page_view", "category": "yoga", "at": t}),
    ];
    std::fs::write(&import, format!("{}\n{}\n", lines[0], lines[1])).expect("import file");
    let (ok, stdout, err) = server.persona(&["import", import.to_str().expect("path")]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(stdout.trim()).expect("summary");
    assert_eq!(summary["accepted"], 1, "{summary}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    assert_eq!(summary["rejected_erased"], 1, "{summary}");
    assert_eq!(server.snapshot("c_bulk_1", None).status, 410);
    assert!(traces(&server, "c_bulk_1").is_empty());
}

fn retention_erases_inactive_customers(backend: Backend) {
    // The command line with an injected clock: nothing is due at 1,000 days, everything at 3 years.
    let server = Server::start_with(backend, "retention", &["--cache-ttl", "0s"]);
    for i in 0..3 {
        seed(&server, &format!("c_old_{i}"));
    }
    let later = |days: u64| (now() + days * 86_400).to_string();
    let (ok, out, err) = server.persona(&["erase", "--inactive-for", "3y", "--now", &later(1000)]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(out.trim()).expect("summary");
    assert_eq!(summary["erased_inactive"], 0, "{summary}");
    assert_eq!(server.snapshot("c_old_0", None).status, 200);
    let (ok, out, err) = server.persona(&[
        "erase",
        "--inactive-for",
        "3y",
        "--now",
        &later(3 * 365 + 1),
        "--batch",
        "2",
    ]);
    assert!(ok, "{err}");
    let summary: Value = serde_json::from_str(out.trim()).expect("summary");
    assert_eq!(summary["erased_inactive"], 3, "{summary}");
    assert_eq!(summary["scrubbed"], true, "{summary}");
    for i in 0..3 {
        let subject = format!("c_old_{i}");
        assert_eq!(server.snapshot(&subject, None).status, 410);
        assert!(traces(&server, &subject).is_empty(), "{subject}");
    }
    drop(server);

    // The server's own sweep, with a short period: an idle customer goes, one kept busy stays.
    let server = Server::start_with(backend, "retention-serve", &["--retention", "3s"]);
    seed(&server, "c_idle");
    seed(&server, "c_busy");
    let started = std::time::Instant::now();
    let mut idle_gone = false;
    while started.elapsed() < std::time::Duration::from_secs(15) {
        let t = now();
        let touch = server.write(
            "POST",
            "/v1/events",
            &json!({"events": [{"subject": "c_busy", "type": "page_view", "category": "yoga", "at": t}]}),
        );
        assert_eq!(touch.status, 200);
        if server.snapshot("c_idle", None).status == 410 {
            idle_gone = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(
        idle_gone,
        "the idle customer was erased by the server within 15 s"
    );
    assert_eq!(server.snapshot("c_busy", None).status, 200);
    assert!(traces(&server, "c_idle").is_empty());
}

support::suite!(
    erase_over_http_leaves_nothing_and_refuses_late_writes,
    erase_from_the_command_line_publish_and_a_replayed_import,
    retention_erases_inactive_customers,
);
