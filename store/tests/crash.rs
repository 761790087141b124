//! Durability: `kill -9` the store while clients are writing; after a restart, every write that got a
//! success reply is there. On SQLite and on PostgreSQL.

mod support;

use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Backend, Server, WRITE_TOKEN};

const WRITERS: usize = 4;

fn acknowledged_writes_survive_kill_9(backend: Backend) {
    let mut server = Server::start(backend, "crash");
    let addr = server.addr.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let auth = format!("Bearer {WRITE_TOKEN}");
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (addr, stop, acked, auth) =
                (addr.clone(), stop.clone(), acked.clone(), auth.clone());
            std::thread::spawn(move || {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let subject = format!("c_crash_{w}_{n}");
                    // Alternate the two write paths: a profile update and an event batch.
                    let (path, body) = if n % 2 == 0 {
                        (
                            format!("/v1/profiles/{subject}"),
                            json!({ "consent": { "channels": { "email": "denied" } } }),
                        )
                    } else {
                        (
                            "/v1/events".to_owned(),
                            json!({ "events": [{ "subject": subject, "type": "complaint_opened",
                                                 "case_id": "c1", "at": 1_790_000_000u64 }] }),
                        )
                    };
                    let method = if n % 2 == 0 { "PUT" } else { "POST" };
                    match support::request(
                        &addr,
                        method,
                        &path,
                        &[
                            ("authorization", &auth),
                            ("content-type", "application/json"),
                        ],
                        body.to_string().as_bytes(),
                    ) {
                        Ok(reply) if reply.status == 200 => {
                            acked.lock().expect("lock").push(subject);
                        }
                        // Refused or cut off by the kill: not acknowledged, so no promise was made.
                        _ => {}
                    }
                }
            })
        })
        .collect();
    // Let the writers get going, then pull the plug mid-stream.
    std::thread::sleep(Duration::from_millis(1500));
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() > 20,
        "too few writes before the kill to mean anything: {}",
        acked.len()
    );

    server.restart();
    let mut missing = Vec::new();
    for subject in &acked {
        let view = server.write(
            "GET",
            &format!("/v1/profiles/{subject}"),
            &serde_json::Value::Null,
        );
        if view.status != 200 {
            missing.push(subject.clone());
            continue;
        }
        let profile = &view.json()["profile"];
        let written = profile["consent"]["channels"]["email"]["state"] == "denied"
            || profile["service"]["open_complaint"] == true;
        if !written {
            missing.push(subject.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes lost after kill -9: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(10)]
    );
    eprintln!(
        "{backend:?}: {} acknowledged writes, all present after kill -9",
        acked.len()
    );
}

#[test]
fn sqlite_acknowledged_writes_survive_kill_9() {
    acknowledged_writes_survive_kill_9(Backend::Sqlite);
}

#[test]
fn postgres_acknowledged_writes_survive_kill_9() {
    acknowledged_writes_survive_kill_9(Backend::Postgres);
}
