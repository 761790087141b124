//! Identity resolution through the real `persona serve`, on SQLite and on PostgreSQL: login links that
//! fold an anonymous visitor's activity into the customer, imported records matched with confidence
//! (link, review, new), links that split on contradicting evidence, erasure of a whole cluster, bad
//! input refused with a path, and no raw identifier in any answer, snapshot or database file.

mod support;

use persona_edge::profile::Profile;
use persona_edge::snapshot::{SnapshotKind, VerifyOptions};
use serde_json::{json, Value};
use support::{keyring, now, read_token, traces, Backend, Reply, Server};

const AUDIENCE: &str = "demo-shop";
const EMAIL: &str = "Ada.Lovelace@Example.org";
const PHONE: &str = "+49 30 901820";

/// The verified snapshot of `subject` (as an edge holding that subject's token sees it).
fn snapshot(server: &Server, subject: &str) -> (Profile, u64) {
    let reply = server.snapshot(subject, None);
    assert_eq!(reply.status, 200, "{}", text(&reply));
    let opts = VerifyOptions::new(SnapshotKind::Profile, now(), AUDIENCE).with_subject(subject);
    let v = persona_edge::profile::verify_profile(&reply.body, &keyring(server), &opts)
        .expect("verifies");
    (v.document, v.header.sequence)
}

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

fn ok(reply: Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", text(&reply));
    reply.json()
}

fn affinity(profile: &Profile, category: &str) -> u8 {
    profile
        .behaviour
        .affinities
        .iter()
        .find(|a| a.category == category)
        .map_or(0, |a| a.score)
}

fn browse(server: &Server, subject: &str, category: &str, id: &str) {
    let t = now() - 30;
    ok(server.write(
        "POST",
        "/v1/events",
        &json!({"events": [
            {"id": format!("{id}-v"), "subject": subject, "type": "page_view", "category": category, "at": t},
            {"id": format!("{id}-c"), "subject": subject, "type": "add_to_cart", "category": category, "value": 149.0, "at": t},
        ]}),
    ));
}

fn login(server: &Server, anonymous: &str, customer: &str) -> Reply {
    server.write(
        "POST",
        "/v1/identities/login",
        &json!({"anonymous": anonymous, "customer": customer}),
    )
}

fn records(server: &Server, records: Value) -> Reply {
    server.write("POST", "/v1/identities", &json!({ "records": records }))
}

fn identities(server: &Server, subject: &str) -> Reply {
    server.write(
        "GET",
        &format!("/v1/profiles/{subject}/identities"),
        &Value::Null,
    )
}

fn login_folds_the_anonymous_visitor_into_the_customer(backend: Backend) {
    let server = Server::start(backend, "id-login");
    browse(&server, "anon_7", "power-tools", "a1");
    let (before, seq0) = snapshot(&server, "anon_7");
    assert!(affinity(&before, "power-tools") > 0);

    let linked = ok(login(&server, "anon_7", "cust_42"));
    assert_eq!(linked["customer"], "cust_42");
    assert_eq!(linked["folded"], true);
    assert_eq!(linked["token"], read_token("cust_42"));
    let seq = linked["sequence"].as_u64().unwrap();
    assert!(seq > seq0);

    // The known customer's snapshot has what the visitor did anonymously.
    let (customer, cseq) = snapshot(&server, "cust_42");
    assert_eq!(customer.subject, "cust_42");
    assert!(affinity(&customer, "power-tools") > 0);
    assert_eq!(cseq, seq);
    // The anonymous id's snapshot is superseded: a higher sequence, the customer's view.
    let (anon, aseq) = snapshot(&server, "anon_7");
    assert_eq!(anon.subject, "anon_7");
    assert!(aseq > seq0 && aseq >= seq);
    assert_eq!(
        affinity(&anon, "power-tools"),
        affinity(&customer, "power-tools")
    );

    // Later events on the old anonymous id still count for the customer, once.
    browse(&server, "anon_7", "garden", "a2");
    let (after, seq2) = snapshot(&server, "cust_42");
    assert!(seq2 > cseq);
    assert!(affinity(&after, "garden") > 0);

    // The same login again changes nothing.
    let again = ok(login(&server, "anon_7", "cust_42"));
    assert_eq!(again["sequence"].as_u64().unwrap(), seq2);

    let view = ok(identities(&server, "anon_7"));
    assert_eq!(view["customer"], "cust_42");
    let members = view["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["member"], "anon_7");
    assert_eq!(members[0]["method"], "login");
    assert_eq!(members[0]["confidence"], 1.0);

    // A device moves to its latest login; the first customer's snapshot loses it.
    let moved = ok(login(&server, "anon_7", "cust_99"));
    assert_eq!(moved["customer"], "cust_99");
    let (first, _) = snapshot(&server, "cust_42");
    assert_eq!(affinity(&first, "power-tools"), 0);
    let (second, _) = snapshot(&server, "cust_99");
    assert!(affinity(&second, "power-tools") > 0);
    assert!(ok(identities(&server, "cust_42"))["members"]
        .as_array()
        .unwrap()
        .is_empty());
}

fn the_device_limit_releases_the_oldest_device(backend: Backend) {
    let server = Server::start(backend, "id-devices");
    for i in 0..10 {
        ok(login(&server, &format!("dev_{i}"), "cust_many"));
    }
    let eleventh = ok(login(&server, "dev_10", "cust_many"));
    assert_eq!(eleventh["released"], "dev_0");
    let view = ok(identities(&server, "cust_many"));
    let members: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 10);
    assert!(!members.contains(&"dev_0") && members.contains(&"dev_10"));
}

fn records_link_wait_for_review_or_stay_apart(backend: Backend) {
    let server = Server::start(backend, "id-records");
    ok(login(&server, "anon_ada", "cust_ada"));
    browse(&server, "cust_ada", "books", "b1");
    // The customer's own identifiers (its subject leads a cluster: kept as a customer).
    let own = ok(records(
        &server,
        json!([{"subject": "cust_ada", "identifiers": {
            "email": EMAIL, "phone": PHONE, "given_name": "Ada", "surname": "Lovelace",
            "date_of_birth": "1984-02-29", "postcode": "10115"}}]),
    ));
    assert_eq!(own["records"][0]["outcome"], "customer");

    let out = ok(records(
        &server,
        json!([
            // The same person in the CRM: the e-mail spelled differently, same birthday.
            {"subject": "crm_1", "identifiers": {"email": "ada.lovelace@EXAMPLE.org", "date_of_birth": "19840229", "surname": "Lovelace"}},
            // Same e-mail, another birthday: not sure.
            {"subject": "crm_2", "identifiers": {"email": EMAIL, "date_of_birth": "1971-05-12"}},
            // Someone else.
            {"subject": "crm_3", "identifiers": {"given_name": "Grace", "surname": "Hopper", "date_of_birth": "1906-12-09"}},
        ]),
    ));
    let list = out["records"].as_array().unwrap();
    assert_eq!(list[0]["outcome"], "linked", "{out}");
    assert_eq!(list[0]["customer"], "cust_ada");
    assert!(list[0]["confidence"].as_f64().unwrap() >= 0.9);
    assert_eq!(list[1]["outcome"], "review", "{out}");
    let p = list[1]["confidence"].as_f64().unwrap();
    assert!((0.5..0.9).contains(&p), "{p}");
    assert_eq!(list[2]["outcome"], "new", "{out}");
    assert_eq!(list[2]["customer"], "crm_3");

    // The link explains itself: which fields agreed, at which level, with what weight.
    let view = ok(identities(&server, "crm_1"));
    assert_eq!(view["customer"], "cust_ada");
    let link = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["member"] == "crm_1")
        .expect("crm_1 is a member")
        .clone();
    assert_eq!(link["method"], "match");
    let fields = link["evidence"]["fields"].as_array().unwrap();
    let email = fields.iter().find(|f| f["field"] == "email").unwrap();
    assert_eq!(email["level"], "exact");
    assert!(email["weight"].as_f64().unwrap() > 10.0);
    assert!(view["identifiers"]["email"].as_u64().unwrap() >= 2);
    assert_eq!(view["reviews"].as_array().unwrap().len(), 1);

    // The review queue; accepting links, deciding twice is a conflict.
    let queue = ok(server.write("GET", "/v1/identities/review", &Value::Null));
    let reviews = queue["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["record"], "crm_2");
    assert_eq!(reviews[0]["candidate"], "cust_ada");
    let id = reviews[0]["id"].as_i64().unwrap();
    let path = format!("/v1/identities/review/{id}");
    let decided = ok(server.write("POST", &path, &json!({"decision": "accept"})));
    assert_eq!(decided["decision"], "accept");
    assert_eq!(
        server
            .write("POST", &path, &json!({"decision": "reject"}))
            .status,
        409
    );
    assert_eq!(
        ok(identities(&server, "crm_2"))["members"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(
        ok(server.write("GET", "/v1/identities/review", &Value::Null))["reviews"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let unknown = server.write(
        "POST",
        "/v1/identities/review/999999",
        &json!({"decision": "accept"}),
    );
    assert_eq!(unknown.status, 404);

    // The access export names the cluster, its links and its identifier counts, no values.
    let export = ok(server.write("GET", "/v1/profiles/cust_ada/export", &Value::Null));
    support::assert_valid_export(&export);
    assert_eq!(export["identity"]["customer"], "cust_ada");
    assert!(export["identity"]["identifiers"]["email"].as_u64().unwrap() >= 2);
    let linked: Vec<&str> = export["identity_links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["member"].as_str().unwrap())
        .collect();
    assert!(linked.contains(&"crm_1") && linked.contains(&"crm_2") && linked.contains(&"anon_ada"));
    let exported = export.to_string();
    for raw in ["lovelace", "Lovelace", "901820", "10115"] {
        assert!(!exported.contains(raw), "{raw} in the export");
    }

    // No raw identifier in any answer or snapshot.
    for subject in ["cust_ada", "crm_1", "crm_2"] {
        let snap = server.snapshot(subject, None);
        assert_eq!(snap.status, 200, "{subject}: {}", text(&snap));
        let body = ok(identities(&server, subject)).to_string() + &text(&snap);
        for raw in ["lovelace", "Lovelace", "901820", "1984", "10115"] {
            assert!(!body.contains(raw), "{raw} in {body}");
        }
    }
}

fn contradicting_evidence_splits_a_link(backend: Backend) {
    let server = Server::start(backend, "id-split");
    ok(records(
        &server,
        json!([{"subject": "cust_b", "identifiers": {"email": "bo@example.org", "date_of_birth": "1990-01-02", "surname": "Berg"}}]),
    ));
    browse(&server, "cust_b", "kitchen", "k1");
    let first = ok(records(
        &server,
        json!([{"subject": "shop_b", "identifiers": {"email": "bo@example.org", "date_of_birth": "1990-01-02"}}]),
    ));
    assert_eq!(first["records"][0]["outcome"], "linked", "{first}");
    browse(&server, "shop_b", "camping", "s1");
    let (merged, seq_merged) = snapshot(&server, "cust_b");
    assert!(affinity(&merged, "camping") > 0 && affinity(&merged, "kitchen") > 0);

    // A new data point: another birthday for shop_b. The link drops below the threshold and splits.
    let second = ok(records(
        &server,
        json!([{"subject": "shop_b", "identifiers": {"date_of_birth": "1962-07-30"}}]),
    ));
    let outcome = &second["records"][0];
    assert_eq!(outcome["outcome"], "split", "{second}");
    assert!(outcome["confidence"].as_f64().unwrap() < 0.9);
    assert!(outcome["review"].as_i64().is_some(), "{second}");

    // Exactly what shop_b contributed moved back out, both sides got higher sequences.
    let (alone, seq_alone) = snapshot(&server, "cust_b");
    assert!(seq_alone > seq_merged);
    assert_eq!(affinity(&alone, "camping"), 0);
    assert!(affinity(&alone, "kitchen") > 0);
    let (split, seq_split) = snapshot(&server, "shop_b");
    assert!(seq_split > seq_merged);
    assert!(affinity(&split, "camping") > 0);
    assert_eq!(affinity(&split, "kitchen"), 0);

    // Rejecting the review keeps them apart for good.
    let id = outcome["review"].as_i64().unwrap();
    ok(server.write(
        "POST",
        &format!("/v1/identities/review/{id}"),
        &json!({"decision": "reject"}),
    ));
    let again = ok(records(
        &server,
        json!([{"subject": "shop_b", "identifiers": {"email": "bo@example.org"}}]),
    ));
    assert_ne!(again["records"][0]["outcome"], "linked", "{again}");
    assert_eq!(again["records"][0]["customer"], "shop_b");
}

fn erasure_takes_the_whole_cluster(backend: Backend) {
    let server = Server::start(backend, "id-erase");
    browse(&server, "anon_e", "toys", "e1");
    ok(login(&server, "anon_e", "cust_e"));
    ok(records(
        &server,
        json!([{"subject": "cust_e", "identifiers": {"email": "eve@example.org", "phone": PHONE}}]),
    ));
    ok(records(
        &server,
        json!([{"subject": "crm_e", "identifiers": {"email": "eve@example.org",
            "given_name": "Eve", "surname": "Quellmalz", "date_of_birth": "1990-03-14"}}]),
    ));
    assert_eq!(
        ok(identities(&server, "cust_e"))["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let erased = server.write("DELETE", "/v1/profiles/cust_e", &Value::Null);
    assert_eq!(erased.status, 200, "{}", text(&erased));
    for subject in ["cust_e", "anon_e"] {
        assert_eq!(server.snapshot(subject, None).status, 410, "{subject}");
    }
    assert_eq!(identities(&server, "cust_e").status, 404);
    assert_eq!(identities(&server, "crm_e").status, 404);
    // The vault forgot the e-mail: a new record with it finds nobody.
    let fresh = ok(records(
        &server,
        json!([{"subject": "crm_f", "identifiers": {"email": "eve@example.org"}}]),
    ));
    assert_eq!(fresh["records"][0]["outcome"], "new", "{fresh}");
    // Its blocks went too: the same name and birthday find nobody either.
    let again = ok(records(
        &server,
        json!([{"subject": "crm_g", "identifiers": {
            "given_name": "Eve", "surname": "Quellmalz", "date_of_birth": "1990-03-14"}}]),
    ));
    assert_eq!(again["records"][0]["outcome"], "new", "{again}");
    assert!(again["records"][0]["candidate"].is_null(), "{again}");
    assert!(traces(&server, "crm_e").is_empty(), "crm_e left traces");
    // Logging in as the erased customer again is refused.
    assert_eq!(login(&server, "anon_x", "cust_e").status, 410);
}

fn bad_input_gets_a_path_and_changes_nothing(backend: Backend) {
    let server = Server::start(backend, "id-bad");
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!([{"subject": "r1", "identifiers": {"ssn": "123"}}]),
            422,
            "records[0].identifiers",
        ),
        (
            json!([{"subject": "r1", "identifiers": {"email": "test@test.com"}}]),
            422,
            "records[0].identifiers.email",
        ),
        (
            json!([{"subject": "r1", "identifiers": {"email": "no-at-sign"}}]),
            422,
            "records[0].identifiers.email",
        ),
        (
            json!([{"subject": "r1", "identifiers": {"phone": "12"}}]),
            422,
            "records[0].identifiers.phone",
        ),
        (
            json!([{"subject": "r1", "identifiers": {"phone": ["+49 30 901820", "0000000000"]}}]),
            422,
            "records[0].identifiers.phone[1]",
        ),
        (
            json!([{"subject": "r1", "identifiers": {"date_of_birth": "1985-02-29"}}]),
            422,
            "records[0].identifiers.date_of_birth",
        ),
        (
            json!([{"subject": "a@b.example", "identifiers": {"surname": "x"}}]),
            422,
            "records[0].subject",
        ),
        (
            json!([{"subject": "r1", "identifiers": {}}]),
            422,
            "records[0].identifiers",
        ),
        (
            json!([{"subject": "r1", "identifiers": {"surname": "Ok"}}, {"subject": "r2", "identifiers": {"email": "null"}}]),
            422,
            "records[1].identifiers.email",
        ),
    ];
    for (body, status, path) in cases {
        let reply = records(&server, body.clone());
        assert_eq!(reply.status, status, "{body}: {}", text(&reply));
        let got = reply.json()["error"]["path"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(got.starts_with(path), "{body}: path {got}, want {path}");
    }
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"subject": format!("r{i}"), "identifiers": {"surname": "x"}}))
        .collect();
    assert_eq!(records(&server, json!(many)).status, 413);
    // Nothing was written by any of them (r1 of the mixed batch included).
    assert_eq!(identities(&server, "r1").status, 404);

    for (anonymous, customer, path) in [
        ("same", "same", "anonymous"),
        ("anonymous", "cust_1", "anonymous"),
        ("anon_1", "a@b.example", "customer"),
    ] {
        let reply = login(&server, anonymous, customer);
        assert_eq!(reply.status, 422, "{}", text(&reply));
        assert_eq!(reply.json()["error"]["path"], path);
    }
    assert_eq!(
        server
            .request("POST", "/v1/identities/login", &[], b"{}")
            .status,
        401
    );
    assert_eq!(identities(&server, "cust_1").status, 404);
    let reviews = server.write("GET", "/v1/identities/review?limit=0", &Value::Null);
    assert_eq!(reviews.status, 422);
}

/// No raw identifier in the database files (SQLite) or any table (PostgreSQL).
fn raw_identifiers_stay_sealed(backend: Backend) {
    let server = Server::start(backend, "id-scan");
    ok(records(
        &server,
        json!([{"subject": "crm_s", "identifiers": {
            "email": "sealed.person@example.org", "phone": "+49 30 901821",
            "given_name": "Sigrun", "surname": "Zauberfeld", "address": "Unter den Linden 77",
            "postcode": "10117", "loyalty": "LOY-55-7788"}}]),
    ));
    for needle in [
        "sealed.person",
        "sealedperson",
        "Zauberfeld",
        "zauberfeld",
        "4930901821",
        "Linden",
        "linden",
        "loy557788",
    ] {
        let found = traces(&server, needle);
        assert!(found.is_empty(), "{needle}: {found:?}");
    }
    // The scan is real: a subject id (not secret) is found.
    assert!(!traces(&server, "crm_s").is_empty());
}

/// `persona match` as a run over one file: its summary (a JSON line on stdout).
fn run_match(server: &Server, args: &[&str]) -> Value {
    let (ok, out, err) = server.persona(&[&["match"], args].concat());
    assert!(ok, "{err}");
    serde_json::from_str(out.trim()).expect("summary JSON")
}

/// `persona match FILE` on a CSV file: records linked, kept apart or rejected (by line, with a
/// path and never the value), and a second run resumes after the last batch and changes nothing.
fn match_command_resolves_a_file_and_resumes(backend: Backend) {
    let server = Server::start(backend, "id-match");
    ok(login(&server, "anon_m", "cust_m"));
    ok(records(
        &server,
        json!([{"subject": "cust_m", "identifiers": {
            "email": EMAIL, "given_name": "Ada", "surname": "Lovelace", "date_of_birth": "1984-02-29"}}]),
    ));
    let file = server.data.with_extension("csv");
    std::fs::write(
        &file,
        "subject,email,given_name,surname,date_of_birth,phone\n\
         crm_m1,ada.lovelace@EXAMPLE.org,Ada,Lovelace,1984-02-29,\n\
         crm_m2,,Grace,Hopper,1906-12-09,\n\
         crm_m3,,Alan,Turing,1912-06-23,call-me-maybe-77\n\
         crm_m4,test@test.com,Tess,Tester,,\n\
         ,,Nobody,Known,1950-01-01,\n",
    )
    .unwrap();
    let rejects = server.data.with_extension("rejects");
    let args = [
        file.to_str().unwrap(),
        "--batch",
        "2",
        "--rejects",
        rejects.to_str().unwrap(),
    ];
    let (ok_run, out, err) = server.persona(&[&["match"], &args[..]].concat());
    assert!(ok_run, "{err}");
    let summary: Value = serde_json::from_str(out.trim()).expect("summary JSON");
    assert_eq!(summary["accepted"], 2, "{summary}");
    assert_eq!(summary["rejected"], 3, "{summary}");
    assert_eq!(summary["outcomes"]["linked"], 1, "{summary}");
    assert_eq!(summary["outcomes"]["new"], 1, "{summary}");
    assert_eq!(summary["resumed_from_line"], 0);
    assert_eq!(summary["lines"], 6);
    let reported: Vec<Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<i64> = reported
        .iter()
        .map(|r| r["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [4, 5, 6]);
    assert!(reported[0]["reason"]
        .as_str()
        .unwrap()
        .contains("identifiers.phone"));
    assert!(reported[1]["reason"]
        .as_str()
        .unwrap()
        .contains("identifiers.email"));
    assert!(reported[2]["reason"].as_str().unwrap().contains("subject"));
    let written = std::fs::read_to_string(&rejects).unwrap() + &err;
    for raw in ["call-me", "77", "test@test", "Tess", "Turing", "Nobody"] {
        assert!(!written.contains(raw), "{raw} in {written}");
    }
    assert_eq!(ok(identities(&server, "crm_m1"))["customer"], "cust_m");
    assert_eq!(ok(identities(&server, "crm_m2"))["customer"], "crm_m2");
    let members = |s: &str| ok(identities(&server, s))["members"].clone();
    let before = members("cust_m");

    let again = run_match(&server, &args);
    assert_eq!(again["resumed_from_line"], 6, "{again}");
    assert_eq!(again["accepted"], 2, "{again}");
    assert_eq!(again["outcomes"], json!({}), "{again}");
    assert_eq!(members("cust_m"), before);
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap().lines().count(),
        3
    );
}

/// `persona match --train` on NDJSON: the model is trained on the file (refused below the
/// minimum, keeping what was stored), and the trained model links the file's duplicates.
fn match_command_trains_on_the_file(backend: Backend) {
    let server = Server::start(backend, "id-train");
    let given = [
        "Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas",
    ];
    let surnames = [
        "Albrecht", "Brandt", "Claassen", "Dietz", "Ebert", "Fuchs", "Graf", "Hahn", "Imhof",
        "Jansen", "Kuhn", "Lange", "Merz", "Nagel", "Otto",
    ];
    let person = |i: usize| {
        json!({
            "given_name": given[i % given.len()],
            "surname": surnames[(i * 7) % surnames.len()],
            "date_of_birth": format!("19{:02}-{:02}-{:02}", 40 + i % 60, 1 + i % 12, 1 + (i * 5) % 28),
            "postcode": format!("{:05}", 10000 + (i * 37) % 9000),
            "email": format!("person{i}@example.org"),
        })
    };
    let mut lines = Vec::new();
    for i in 0..150 {
        lines.push(json!({"subject": format!("p{i}"), "identifiers": person(i)}).to_string());
    }
    // 50 duplicates: same person, the given name misspelt and the e-mail missing.
    for i in 0..50 {
        let mut ids = person(i * 3);
        ids.as_object_mut().unwrap().remove("email");
        let name = ids["given_name"].as_str().unwrap().to_owned();
        ids["given_name"] = json!(format!("{name}h"));
        lines.push(json!({"subject": format!("dup{i}"), "identifiers": ids}).to_string());
    }
    let small = server.data.with_extension("small.ndjson");
    std::fs::write(&small, lines[..20].join("\n") + "\n").unwrap();
    let (ok_run, _, err) = server.persona(&["match", small.to_str().unwrap(), "--train"]);
    assert!(!ok_run, "training on 20 records was accepted");
    assert!(err.contains("at least 100"), "{err}");

    let file = server.data.with_extension("ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let summary = run_match(&server, &[file.to_str().unwrap(), "--train"]);
    let trained = &summary["trained"];
    let prior = trained["prior"].as_f64().unwrap();
    assert!(prior > 0.0 && prior < 1.0, "{summary}");
    let fields: Vec<&str> = trained["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"surname") && fields.contains(&"date_of_birth"),
        "{fields:?}"
    );
    assert_eq!(summary["accepted"], 200, "{summary}");
    let linked = summary["outcomes"]["linked"].as_i64().unwrap_or(0);
    assert!(linked >= 45, "{summary}");
    for i in [0, 7, 49] {
        assert_eq!(
            ok(identities(&server, &format!("dup{i}")))["customer"],
            format!("p{}", i * 3)
        );
    }
}

/// `persona vault rotate`: every identifier re-sealed under a fresh key, lookups and blocks
/// recomputed, the old key gone from the keyring; after a restart, matching finds the same people
/// by a strong identifier and by a block, and nothing raw is in the database.
fn vault_rotation_reseals_everything(backend: Backend) {
    let mut server = Server::start(backend, "id-rotate");
    ok(records(
        &server,
        json!([{"subject": "crm_r1", "identifiers": {
            "email": "rotated.person@example.org", "given_name": "Rosalind",
            "surname": "Quellenberg", "date_of_birth": "1920-07-25"}}]),
    ));
    let keyring = server.data.join("vault-keys.json");
    let keys_before: Value =
        serde_json::from_str(&std::fs::read_to_string(&keyring).unwrap()).unwrap();
    let summary = {
        let (ok_run, out, err) = server.persona(&["vault", "rotate"]);
        assert!(ok_run, "{err}");
        serde_json::from_str::<Value>(out.trim()).expect("summary JSON")
    };
    assert_eq!(summary["resealed"], 4, "{summary}");
    assert_eq!(summary["subjects"], 1, "{summary}");
    assert_eq!(summary["retired"], json!([keys_before["active"]]));
    let keys_after: Value =
        serde_json::from_str(&std::fs::read_to_string(&keyring).unwrap()).unwrap();
    assert_eq!(keys_after["active"], summary["key"]);
    assert_ne!(keys_after["active"], keys_before["active"]);
    assert_eq!(keys_after["keys"].as_array().unwrap().len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keyring).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    server.restart();
    let view = ok(identities(&server, "crm_r1"));
    assert_eq!(view["identifiers"]["email"], 1, "{view}");
    let out = ok(records(
        &server,
        json!([
            {"subject": "crm_r2", "identifiers": {"email": "ROTATED.person@example.org"}},
            {"subject": "crm_r3", "identifiers": {"given_name": "Rosalind", "surname": "Quellenberg", "date_of_birth": "1920-07-25"}},
        ]),
    ));
    for record in out["records"].as_array().unwrap() {
        assert_eq!(record["outcome"], "linked", "{out}");
        assert_eq!(record["customer"], "crm_r1", "{out}");
    }
    for needle in ["rotated.person", "Quellenberg", "quellenberg", "Rosalind"] {
        assert!(traces(&server, needle).is_empty(), "{needle}");
    }
}

#[derive(Debug, Clone)]
enum Op {
    Purchase(usize),
    Login(usize, usize),
    Split(usize),
}

/// Subjects of one case: four anonymous ids, then three customers.
const ANONS: usize = 4;
const CUSTOMERS: usize = 3;

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (0..ANONS + CUSTOMERS).prop_map(Op::Purchase),
        2 => (0..ANONS, 0..CUSTOMERS).prop_map(|(a, c)| Op::Login(a, c)),
        1 => (0..ANONS).prop_map(Op::Split),
    ]
}

/// Orders a subject's cluster holds, as the store reports the state its snapshot is made from.
fn cluster_orders(server: &Server, subject: &str) -> Option<(String, u64)> {
    let reply = server.write("GET", &format!("/v1/profiles/{subject}"), &Value::Null);
    if reply.status == 404 {
        return None;
    }
    let view = ok(reply);
    let (customer, state) = match view.get("cluster") {
        Some(c) => (
            c["customer"].as_str().unwrap().to_owned(),
            c["state"].clone(),
        ),
        None => (subject.to_owned(), view["state"].clone()),
    };
    Some((customer, state["commerce"]["orders"].as_u64().unwrap_or(0)))
}

/// Random sequences of purchases, logins (links and moves) and splits: afterwards every purchase is
/// counted exactly once, in the cluster of whoever made it, and no sequence ever goes back.
fn every_event_counts_once_across_links_and_splits(backend: Backend) {
    use proptest::test_runner::{Config, TestRunner};
    let server = Server::start(backend, "id-prop");
    let mut runner = TestRunner::new(Config {
        cases: 12,
        ..Config::default()
    });
    let case = std::cell::Cell::new(0);
    runner
        .run(&proptest::collection::vec(op(), 1..20), |ops| {
            case.set(case.get() + 1);
            let name = |i: usize| {
                if i < ANONS {
                    format!("p{}_anon{i}", case.get())
                } else {
                    format!("p{}_cust{}", case.get(), i - ANONS)
                }
            };
            let mut own = [0u64; ANONS + CUSTOMERS];
            let mut link: [Option<usize>; ANONS] = [None; ANONS];
            let mut last_seq = [0u64; ANONS + CUSTOMERS];
            for (n, op) in ops.iter().enumerate() {
                match op {
                    Op::Purchase(i) => {
                        ok(server.write(
                            "POST",
                            "/v1/events",
                            &json!({"events": [{
                            "subject": name(*i), "type": "purchase", "order_id": format!("o{n}"),
                            "value": 10.0, "items": 1, "at": now() - 5}]}),
                        ));
                        own[*i] += 1;
                    }
                    Op::Login(a, c) => {
                        ok(login(&server, &name(*a), &name(ANONS + c)));
                        link[*a] = Some(ANONS + c);
                    }
                    Op::Split(a) => {
                        let reply = server.write(
                            "DELETE",
                            &format!("/v1/identities/links/{}", name(*a)),
                            &Value::Null,
                        );
                        assert_eq!(reply.status, if link[*a].is_some() { 200 } else { 404 });
                        link[*a] = None;
                    }
                }
                // The model: each subject's root, and the orders each root's cluster holds.
                let root = |i: usize| if i < ANONS { link[i].unwrap_or(i) } else { i };
                let mut expected = [0u64; ANONS + CUSTOMERS];
                for (i, count) in own.iter().enumerate() {
                    expected[root(i)] += count;
                }
                let mut total = 0;
                for i in 0..ANONS + CUSTOMERS {
                    let Some((customer, orders)) = cluster_orders(&server, &name(i)) else {
                        continue;
                    };
                    assert_eq!(customer, name(root(i)), "after {:?}", &ops[..=n]);
                    assert_eq!(
                        orders,
                        expected[root(i)],
                        "{} after {:?}",
                        name(i),
                        &ops[..=n]
                    );
                    if root(i) == i {
                        total += orders;
                    }
                    let (_, seq) = snapshot(&server, &name(i));
                    assert!(seq >= last_seq[i], "sequence went back for {}", name(i));
                    last_seq[i] = seq;
                }
                assert_eq!(total, own.iter().sum::<u64>(), "after {:?}", &ops[..=n]);
            }
            Ok(())
        })
        .unwrap();
}

support::suite!(
    every_event_counts_once_across_links_and_splits,
    login_folds_the_anonymous_visitor_into_the_customer,
    the_device_limit_releases_the_oldest_device,
    records_link_wait_for_review_or_stay_apart,
    contradicting_evidence_splits_a_link,
    erasure_takes_the_whole_cluster,
    bad_input_gets_a_path_and_changes_nothing,
    raw_identifiers_stay_sealed,
    match_command_resolves_a_file_and_resumes,
    match_command_trains_on_the_file,
    vault_rotation_reseals_everything,
);
