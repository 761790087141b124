//! End-to-end tests of the real `persona` binary: keys, compile, sign, inspect, decide, eval, and how bad
//! input fails (exit code, one `persona:` line on stderr, never a panic).

use base64::Engine;
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The issue time used for every snapshot: the `now` of `samples/context.json`.
const NOW: u64 = 1_795_425_300;
const AUDIENCE: &str = "demo-shop";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sample(relative: &str) -> PathBuf {
    repo().join("samples").join(relative)
}

fn sample_profiles() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sample("profiles"))
        .expect("samples/profiles")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "expected the five sample profiles");
    files
}

/// A scratch directory of its own for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "persona-cli-test-{}-{n}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run of `persona` did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        &self.stdout
    }

    /// Asserts success and parses stdout as one JSON document.
    fn json(&self) -> Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// Asserts failure with `code` and exactly one `persona: ...` line on stderr; returns that line.
    fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}: {self:#?}"
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one stderr line: {self:#?}");
        assert!(
            lines[0].starts_with("persona: "),
            "stderr must start with `persona: `: {self:#?}"
        );
        lines[0]
    }
}

fn command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_persona"));
    cmd.args(args)
        .current_dir(repo())
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null());
    cmd
}

fn finish(output: std::process::Output) -> Run {
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stdout.contains("panicked"),
        "persona panicked: {run:#?}"
    );
    run
}

/// Runs `persona` with arguments.
fn persona<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    finish(command(args).output().expect("run persona"))
}

/// Runs `persona` with `input` on stdin.
fn persona_stdin<I, S>(args: I, input: &str) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn persona");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    finish(child.wait_with_output().expect("wait for persona"))
}

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Keys made by `persona keygen` in a scratch directory.
struct Keys {
    secret: PathBuf,
    keyring: PathBuf,
}

fn keygen(dir: &Path) -> Keys {
    let report = persona(["keygen", "--out", s(dir)]).json();
    Keys {
        secret: PathBuf::from(report["secret"].as_str().expect("secret path")),
        keyring: PathBuf::from(report["keyring"].as_str().expect("keyring path")),
    }
}

fn signing_args<'a>(keys: &'a Keys, audience: &'a str, out: &'a Path) -> Vec<String> {
    [
        "--key",
        s(&keys.secret),
        "--audience",
        audience,
        "--seq",
        "1",
        "--issued-at",
        &NOW.to_string(),
        "--expires-in",
        "24h",
        "--out",
        s(out),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn compile_sample(keys: &Keys, out: &Path) -> Value {
    let mut args = vec!["compile".to_owned(), s(&sample("ruleset.json")).to_owned()];
    args.extend(signing_args(keys, AUDIENCE, out));
    persona(&args).json()
}

fn sign(keys: &Keys, profile: &Path, audience: &str, out: &Path) -> Run {
    let mut args = vec!["sign".to_owned(), s(profile).to_owned(), "--base64".into()];
    args.extend(signing_args(keys, audience, out));
    persona(&args)
}

/// A scratch dir with keys, the sample ruleset compiled and ana's profile signed, all for [`AUDIENCE`].
struct Setup {
    dir: Scratch,
    keys: Keys,
    ruleset: PathBuf,
    ana: PathBuf,
}

fn setup(name: &str) -> Setup {
    let dir = Scratch::new(name);
    let keys = keygen(&dir.path("keys"));
    let ruleset = dir.path("ruleset.snap");
    compile_sample(&keys, &ruleset);
    let ana = dir.path("ana.snap");
    sign(&keys, &sample("profiles/ana.json"), AUDIENCE, &ana).ok();
    Setup {
        dir,
        keys,
        ruleset,
        ana,
    }
}

impl Setup {
    /// `persona decide` with the keyring, the ruleset and (unless `extra` has one) the sample context,
    /// plus `extra` arguments.
    fn decide(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "decide",
            "--keyring",
            s(&self.keys.keyring),
            "--ruleset",
            s(&self.ruleset),
        ];
        if !extra.contains(&"--context") {
            args.extend(["--context", "samples/context.json"]);
        }
        args.extend_from_slice(extra);
        persona(&args)
    }

    fn inspect(&self, snapshot: &Path, extra: &[&str]) -> Value {
        let mut args = vec!["inspect", s(snapshot)];
        args.extend_from_slice(extra);
        persona(&args).json()
    }

    /// A copy of ana's snapshot with one bit flipped in the middle (inside the signed payload).
    fn tampered(&self) -> PathBuf {
        let mut bytes = std::fs::read(&self.ana).expect("read snapshot");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        let path = self.dir.path("tampered.snap");
        std::fs::write(&path, bytes).expect("write tampered");
        path
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("parse")
}

// ---------------------------------------------------------------------------------------------------------
// keygen

#[test]
fn keygen_writes_a_private_secret_and_the_keyring() {
    let dir = Scratch::new("keygen");
    let keys_dir = dir.path("keys");
    let report = persona(["keygen", "--out", s(&keys_dir)]).json();
    let kid = report["kid"].as_str().expect("kid").to_owned();
    assert_eq!(kid.len(), 16, "kid is 8 bytes of hex: {kid}");
    assert!(kid.bytes().all(|b| b.is_ascii_hexdigit()));

    let secret = keys_dir.join(format!("{kid}.secret"));
    assert_eq!(Path::new(report["secret"].as_str().unwrap()), secret);
    let text = std::fs::read_to_string(&secret).expect("secret file");
    assert_eq!(text.trim_end().len(), 64, "32-byte seed as hex");
    assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "secret mode {mode:o}");
    }

    let ring_path = keys_dir.join("keyring.json");
    assert_eq!(Path::new(report["keyring"].as_str().unwrap()), ring_path);
    let ring = read_json(&ring_path);
    let keys = ring["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], kid.as_str());
    assert_eq!(keys[0]["status"], "active");
    let public = keys[0]["public_key"].as_str().expect("public key");
    assert_eq!(public.len(), 64);
    assert!(
        !text.contains(public),
        "the keyring must not hold the secret"
    );

    // A second key: the old one only verifies now, the new one signs.
    let second = persona(["keygen", "--out", s(&keys_dir)]).json();
    let kid2 = second["kid"].as_str().expect("kid").to_owned();
    assert_ne!(kid, kid2);
    assert!(secret.exists(), "the old secret stays");
    assert!(keys_dir.join(format!("{kid2}.secret")).exists());
    let ring = read_json(&ring_path);
    let keys = ring["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], kid.as_str());
    assert_eq!(keys[0]["status"], "verifying");
    assert_eq!(keys[1]["kid"], kid2.as_str());
    assert_eq!(keys[1]["status"], "active");
}

#[test]
fn snapshots_signed_by_the_old_key_still_verify_after_rotation_until_it_is_retired() {
    let dir = Scratch::new("rotation");
    let keys_dir = dir.path("keys");
    let old = keygen(&keys_dir);
    let snap = dir.path("ana.snap");
    sign(&old, &sample("profiles/ana.json"), AUDIENCE, &snap).ok();
    keygen(&keys_dir);
    let now = (NOW + 60).to_string();
    let inspect = || {
        persona([
            "inspect",
            s(&snap),
            "--keyring",
            s(&old.keyring),
            "--now",
            &now,
        ])
        .json()
    };
    assert_eq!(inspect()["verification"]["status"], "verified");

    // Retire the old key by hand: it is no longer trusted.
    let mut ring = read_json(&old.keyring);
    ring["keys"][0]["status"] = "retired".into();
    std::fs::write(&old.keyring, ring.to_string()).unwrap();
    let report = inspect();
    assert_eq!(report["verification"]["status"], "refused");
    assert_eq!(report["verification"]["code"], "unknown_key");
}

// ---------------------------------------------------------------------------------------------------------
// compile, sign

#[test]
fn compile_signs_the_sample_ruleset() {
    let dir = Scratch::new("compile");
    let keys = keygen(&dir.path("keys"));
    let out = dir.path("ruleset.snap");
    let report = compile_sample(&keys, &out);
    let bytes = std::fs::read(&out).expect("snapshot written");
    assert_eq!(report["bytes"], bytes.len());
    assert_eq!(Path::new(report["out"].as_str().unwrap()), out);
    let source = read_json(&sample("ruleset.json"));
    assert_eq!(
        report["segments"],
        source["segments"].as_array().unwrap().len()
    );
    assert!(report["fields"].as_u64().unwrap() > 0);

    let shown = persona([
        "inspect",
        s(&out),
        "--keyring",
        s(&keys.keyring),
        "--now",
        &NOW.to_string(),
    ])
    .json();
    assert_eq!(shown["verification"]["status"], "verified");
    assert_eq!(shown["header"]["kind"], "ruleset");
    assert_eq!(shown["header"]["audience"], AUDIENCE);
    assert_eq!(shown["header"]["issued_at"], NOW);
    assert_eq!(shown["header"]["expires_at"], NOW + 86_400);
    assert_eq!(shown["document"]["name"], source["name"]);
    // Compiled segments come highest priority first.
    assert_eq!(
        shown["document"]["segments"][0]["name"],
        "service_situation"
    );
}

#[test]
fn compile_signs_the_bench_ruleset() {
    let dir = Scratch::new("compile-bench");
    let keys = keygen(&dir.path("keys"));
    let out = dir.path("bench.snap");
    let mut args = vec![
        "compile".to_owned(),
        s(&sample("bench/ruleset-50.json")).to_owned(),
    ];
    args.extend(signing_args(&keys, AUDIENCE, &out));
    let report = persona(&args).json();
    assert_eq!(report["segments"], 50);
}

#[test]
fn sign_every_sample_profile_fits_a_cookie() {
    let dir = Scratch::new("sign");
    let keys = keygen(&dir.path("keys"));
    for profile in sample_profiles() {
        let name = profile.file_stem().unwrap().to_str().unwrap();
        let out = dir.path(&format!("{name}.snap"));
        let report = sign(&keys, &profile, AUDIENCE, &out).json();
        let bytes = std::fs::read(&out).expect("snapshot written");
        assert_eq!(report["bytes"], bytes.len(), "{name}");
        assert!(bytes.len() <= 512, "{name}: {} bytes", bytes.len());
        assert_eq!(report["subject"], read_json(&profile)["subject"], "{name}");
        let text = report["base64url"].as_str().expect("base64url");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{name}: base64url without padding: {text}"
        );
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .expect("base64url decodes");
        assert_eq!(decoded, bytes, "{name}");

        let shown = persona([
            "inspect",
            s(&out),
            "--keyring",
            s(&keys.keyring),
            "--now",
            &NOW.to_string(),
        ])
        .json();
        assert_eq!(shown["verification"]["status"], "verified", "{name}");
        assert_eq!(shown["document"]["subject"], report["subject"], "{name}");
    }
}

#[test]
fn sign_without_base64_prints_no_base64() {
    let dir = Scratch::new("sign-plain");
    let keys = keygen(&dir.path("keys"));
    let out = dir.path("ben.snap");
    let mut args = vec![
        "sign".to_owned(),
        s(&sample("profiles/ben.json")).to_owned(),
    ];
    args.extend(signing_args(&keys, AUDIENCE, &out));
    let report = persona(&args).json();
    assert!(report.get("base64url").is_none());
    assert_eq!(report["subject"], "c_ben_19c2e0");
}

// ---------------------------------------------------------------------------------------------------------
// inspect

#[test]
fn inspect_without_keys_is_not_checked() {
    let t = setup("inspect-nokeys");
    let report = t.inspect(&t.ana, &[]);
    assert_eq!(report["verification"]["status"], "not_checked");
    assert_eq!(report["header"]["kind"], "profile");
    assert_eq!(report["header"]["subject"], "c_ana_7f3a91");
    assert_eq!(report["header"]["audience"], AUDIENCE);
    assert_eq!(report["header"]["sequence"], 1);
    assert_eq!(report["document"]["subject"], "c_ana_7f3a91");
    assert_eq!(
        report["document"]["behaviour"]["activity"]
            .as_array()
            .unwrap()
            .len(),
        168
    );
    assert_eq!(report["bytes"], std::fs::read(&t.ana).unwrap().len());
}

#[test]
fn inspect_with_keys_verifies_or_says_why_not() {
    let t = setup("inspect-keys");
    let ring = s(&t.keys.keyring);
    let later = (NOW + 60).to_string();
    let status = |extra: &[&str]| {
        let mut args = vec!["--keyring", ring];
        args.extend_from_slice(extra);
        t.inspect(&t.ana, &args)["verification"].clone()
    };

    assert_eq!(status(&["--now", &later])["status"], "verified");
    assert_eq!(
        status(&["--now", &later, "--audience", AUDIENCE])["status"],
        "verified"
    );
    assert_eq!(
        status(&["--now", &later, "--subject", "c_ana_7f3a91"])["status"],
        "verified"
    );

    let refused = |extra: &[&str], code: &str| {
        let v = status(extra);
        assert_eq!(v["status"], "refused", "{extra:?}: {v}");
        assert_eq!(v["code"], code, "{extra:?}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    };
    refused(
        &["--now", &later, "--audience", "other-shop"],
        "wrong_audience",
    );
    // Verification tolerates 300 s of clock skew on both ends of the validity window.
    let expiry = NOW + 86_400;
    assert_eq!(
        status(&["--now", &(expiry + 300).to_string()])["status"],
        "verified"
    );
    refused(&["--now", &(expiry + 301).to_string()], "expired");
    assert_eq!(
        status(&["--now", &(NOW - 300).to_string()])["status"],
        "verified"
    );
    refused(&["--now", &(NOW - 301).to_string()], "not_yet_valid");
    refused(
        &["--now", &later, "--subject", "c_ben_19c2e0"],
        "wrong_subject",
    );
    refused(&["--now", &later, "--min-seq", "2"], "rollback");

    // A key from another keyring is not trusted.
    let other = keygen(&t.dir.path("other-keys"));
    let v = t.inspect(&t.ana, &["--keyring", s(&other.keyring), "--now", &later])["verification"]
        .clone();
    assert_eq!(v["code"], "unknown_key", "{v}");

    // The tampered copy.
    let v = t.inspect(&t.tampered(), &["--keyring", ring, "--now", &later])["verification"].clone();
    assert_eq!(v["code"], "tampered", "{v}");
}

#[test]
fn inspect_accepts_a_public_key_argument() {
    let t = setup("inspect-pubkey");
    let ring = read_json(&t.keys.keyring);
    let public = ring["keys"][0]["public_key"].as_str().unwrap().to_owned();
    let later = (NOW + 60).to_string();
    let report = t.inspect(&t.ana, &["--public-key", &public, "--now", &later]);
    assert_eq!(report["verification"]["status"], "verified");

    let run = persona(["inspect", s(&t.ana), "--public-key", "not-a-key"]);
    assert_ne!(run.code, Some(0));
    run.fails(run.code.unwrap());
}

#[test]
fn inspect_of_something_that_is_not_a_snapshot_fails_cleanly() {
    let run = persona(["inspect", s(&sample("ruleset.json"))]);
    let line = run.fails(3);
    assert!(line.contains("bad_magic"), "{line}");

    let dir = Scratch::new("inspect-short");
    let short = dir.write("short.snap", "PESN");
    let run = persona(["inspect", s(&short)]);
    run.fails(3);
}

// ---------------------------------------------------------------------------------------------------------
// decide

#[test]
fn decide_prints_the_decision_as_json() {
    let t = setup("decide-json");
    let report = t
        .decide(&[
            "--profile",
            s(&t.ana),
            "--session",
            "samples/sessions/ben.json",
        ])
        .json();
    let source = read_json(&sample("ruleset.json"));
    assert_eq!(report["ruleset"]["name"], source["name"]);
    assert_eq!(report["ruleset"]["sequence"], 1);
    assert_eq!(report["profile"]["status"], "verified");
    assert_eq!(report["profile"]["subject"], "c_ana_7f3a91");
    assert_eq!(report["profile"]["sequence"], 1);
    assert_eq!(report["profile"]["expires_at"], NOW + 86_400);

    let decision = &report["decision"];
    assert_eq!(decision["personalized"], true);
    assert_eq!(decision["subject"], "c_ana_7f3a91");
    let segments = decision["segments"].as_array().expect("segments");
    assert_eq!(segments.len(), source["segments"].as_array().unwrap().len());
    let priorities: Vec<i64> = segments
        .iter()
        .map(|s| s["priority"].as_i64().unwrap())
        .collect();
    assert!(
        priorities.windows(2).all(|w| w[0] >= w[1]),
        "{priorities:?}"
    );
    for segment in segments {
        assert!(segment["matched"].is_boolean(), "{segment}");
    }
    // Ana has an open service situation: it matches, and nothing promotional goes out.
    let matched: Vec<&str> = segments
        .iter()
        .filter(|s| s["matched"] == true)
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(matched.contains(&"service_situation"), "{matched:?}");
    assert!(!matched.contains(&"first_time_visitor"), "{matched:?}");
    assert!(decision["channel"]["excluded"].is_array());
    let slots: Vec<&str> = decision["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|c| c["slot"].as_str().unwrap())
        .collect();
    let authored: Vec<&str> = source["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        slots, authored,
        "one content decision per slot, in authoring order"
    );

    // Same input, same output.
    let again = t
        .decide(&[
            "--profile",
            s(&t.ana),
            "--session",
            "samples/sessions/ben.json",
        ])
        .json();
    assert_eq!(report, again);
}

#[test]
fn decide_for_every_sample_profile() {
    let t = setup("decide-all");
    for profile in sample_profiles() {
        let name = profile.file_stem().unwrap().to_str().unwrap();
        let snap = t.dir.path(&format!("{name}.snap"));
        sign(&t.keys, &profile, AUDIENCE, &snap).ok();
        let session = sample(&format!("sessions/{name}.json"));
        let mut extra = vec!["--profile", s(&snap)];
        if session.exists() {
            extra.extend(["--session", s(&session)]);
        }
        let report = t.decide(&extra).json();
        assert_eq!(report["profile"]["status"], "verified", "{name}");
        assert_eq!(
            report["decision"]["subject"],
            read_json(&profile)["subject"],
            "{name}"
        );
    }
}

#[test]
fn decide_for_a_visitor_without_a_profile() {
    let t = setup("decide-visitor");
    let report = t
        .decide(&["--session", "samples/sessions/visitor.json"])
        .json();
    assert_eq!(report["profile"]["status"], "absent");
    assert_eq!(report["decision"]["personalized"], false);
    assert_eq!(report["decision"]["subject"], Value::Null);

    // Inline session JSON, and a context without `now` (taken from --now).
    let report = t
        .decide(&[
            "--session",
            r#"{"live": true, "device": "mobile"}"#,
            "--context",
            r#"{"country": "DE"}"#,
            "--now",
            &NOW.to_string(),
        ])
        .json();
    assert_eq!(report["profile"]["status"], "absent");
}

#[test]
fn decide_summary_is_a_few_readable_lines() {
    let t = setup("decide-summary");
    let run = t.decide(&[
        "--profile",
        s(&t.ana),
        "--session",
        "samples/sessions/ben.json",
        "--summary",
    ]);
    let text = run.ok();
    assert!(serde_json::from_str::<Value>(text).is_err(), "not JSON");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "customer   c_ana_7f3a91", "{text}");
    assert!(
        lines[1].starts_with("segments   ") && lines[1].contains("service_situation"),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.starts_with("channel    ")), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("excluded   ")), "{text}");
    assert!(lines.contains(&"slot       hero = hero-service"), "{text}");
    assert!(text.ends_with('\n'));
}

#[test]
fn decide_falls_back_on_a_tampered_profile_only_when_asked() {
    let t = setup("decide-tampered");
    let tampered = t.tampered();

    let report = t.decide(&["--profile", s(&tampered), "--fallback"]).json();
    assert_eq!(report["profile"]["status"], "refused");
    assert_eq!(report["profile"]["code"], "tampered");
    assert_eq!(report["decision"]["personalized"], false);
    assert_eq!(report["decision"]["subject"], Value::Null);

    let run = t.decide(&["--profile", s(&tampered), "--fallback", "--summary"]);
    assert!(
        run.ok()
            .starts_with("customer   (no profile)  [profile refused: tampered]\n"),
        "{run:#?}"
    );

    let run = t.decide(&["--profile", s(&tampered)]);
    let line = run.fails(3);
    assert!(line.contains("tampered"), "{line}");
    assert!(run.stdout.is_empty(), "{run:#?}");
}

#[test]
fn decide_refuses_a_profile_signed_for_another_audience() {
    let t = setup("decide-audience");
    let other = t.dir.path("ana-other.snap");
    sign(&t.keys, &sample("profiles/ana.json"), "other-shop", &other).ok();

    let report = t.decide(&["--profile", s(&other), "--fallback"]).json();
    assert_eq!(report["profile"]["status"], "refused");
    assert_eq!(report["profile"]["code"], "wrong_audience");
    assert_eq!(report["decision"]["personalized"], false);

    let run = t.decide(&["--profile", s(&other)]);
    let line = run.fails(3);
    assert!(line.contains("wrong_audience"), "{line}");

    // Asking for the profile's audience explicitly does not help: the ruleset is not for it.
    let run = t.decide(&["--profile", s(&other), "--audience", "other-shop"]);
    let line = run.fails(3);
    assert!(line.contains("wrong_audience"), "{line}");
}

#[test]
fn decide_refuses_an_expired_ruleset_even_with_fallback() {
    let t = setup("decide-expired");
    let late = (NOW + 86_400 + 301).to_string();
    let run = t.decide(&["--profile", s(&t.ana), "--fallback", "--now", &late]);
    let line = run.fails(3);
    assert!(line.contains("expired"), "{line}");
}

#[test]
fn decide_refuses_a_profile_for_another_subject() {
    let t = setup("decide-subject");
    let run = t.decide(&["--profile", s(&t.ana), "--subject", "c_ben_19c2e0"]);
    assert!(run.fails(3).contains("wrong_subject"));
    let report = t
        .decide(&[
            "--profile",
            s(&t.ana),
            "--subject",
            "c_ben_19c2e0",
            "--fallback",
        ])
        .json();
    assert_eq!(report["profile"]["code"], "wrong_subject");
}

#[test]
fn decide_needs_keys_and_valid_json() {
    let t = setup("decide-usage");
    let run = persona(["decide", "--ruleset", s(&t.ruleset)]);
    assert!(run.fails(2).contains("--keyring"));

    let run = t.decide(&["--session", r#"{"live": "yes"}"#]);
    run.fails(2);
    let run = t.decide(&["--session", r#"{"device": "watch"}"#]);
    run.fails(2);
    let run = t.decide(&["--context", "[1, 2]"]);
    assert!(run.fails(2).contains("context"));
    let run = t.decide(&["--session", "samples/sessions/nobody.json"]);
    assert!(run.fails(1).contains("nobody.json"));
}

// ---------------------------------------------------------------------------------------------------------
// eval

#[test]
fn eval_inline_rule_and_data() {
    let run = persona(["eval", r#"{"+": [1, {"var": "a"}]}"#, r#"{"a": 2}"#]);
    assert_eq!(run.ok(), "3\n");
    let run = persona([
        "eval",
        r#"{"in": ["b", {"var": "xs"}]}"#,
        r#"{"xs": ["a", "b"]}"#,
    ]);
    assert_eq!(run.ok(), "true\n");
    // Without data, the data is null.
    let run = persona(["eval", r#"{"var": "a"}"#]);
    assert_eq!(run.ok(), "null\n");
    let run = persona(["eval", r#"[1, 2]"#]);
    assert_eq!(run.json(), serde_json::json!([1, 2]));
}

#[test]
fn eval_rule_and_data_from_files() {
    let dir = Scratch::new("eval-files");
    let rule = dir.write("rule.json", r#"{ "==": [ { "var": "x" }, 3 ] }"#);
    let data = dir.write("data.json", "{ \"x\": 3 }\n");
    assert_eq!(persona(["eval", s(&rule), s(&data)]).ok(), "true\n");
    let other = dir.write("other.json", r#"{"x": 4}"#);
    assert_eq!(persona(["eval", s(&rule), s(&other)]).ok(), "false\n");
    // File rule, inline data.
    assert_eq!(persona(["eval", s(&rule), r#"{"x": 3}"#]).ok(), "true\n");
}

#[test]
fn eval_errors() {
    let run = persona(["eval", r#"{"frobnicate": [1]}"#]);
    let line = run.fails(2);
    assert!(line.contains("frobnicate"), "{line}");
    let run = persona(["eval", r#"{"+": [1"#]);
    assert!(run.fails(2).contains("argument"));
    let run = persona(["eval"]);
    run.fails(2);
    let run = persona(["eval", "no/such/rule.json"]);
    assert!(run.fails(1).contains("no/such/rule.json"));
}

const BATCH: &str = r#"{"rule": {"+": [1, 2]}}
{"rule": {"var": "a"}, "data": {"a": [1, 2]}}
this is not json

{"rule": {"frobnicate": [1]}, "data": {}}
{"data": 1}
{"rule": {"if": [{"var": "vip"}, "gold", "plain"]}, "data": {"vip": true}}
"#;

fn check_batch_output(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        BATCH.lines().count(),
        "one line per input line: {stdout}"
    );
    let parsed: Vec<Option<Value>> = lines
        .iter()
        .map(|l| (!l.is_empty()).then(|| serde_json::from_str(l).expect("JSON line")))
        .collect();
    assert_eq!(parsed[0], Some(serde_json::json!(3)));
    assert_eq!(parsed[1], Some(serde_json::json!([1, 2])));
    let error = |i: usize| {
        parsed[i].as_ref().expect("an error object")["error"]
            .as_str()
            .unwrap_or_else(|| panic!("line {}: {:?}", i + 1, parsed[i]))
            .to_owned()
    };
    assert!(error(2).starts_with("line 3: invalid JSON"), "{}", error(2));
    assert_eq!(parsed[3], None, "a blank line stays blank");
    assert!(error(4).starts_with("line 5: "), "{}", error(4));
    assert!(error(4).contains("frobnicate"), "{}", error(4));
    assert!(error(5).contains("rule"), "{}", error(5));
    assert_eq!(parsed[6], Some(serde_json::json!("gold")));
}

#[test]
fn eval_batch_from_a_file() {
    let dir = Scratch::new("eval-batch");
    let batch = dir.write("cases.ndjson", BATCH);
    let run = persona(["eval", "--batch", s(&batch)]);
    check_batch_output(run.ok());
    assert!(run.stderr.is_empty(), "{run:#?}");
}

#[test]
fn eval_batch_from_stdin() {
    let run = persona_stdin(["eval", "--batch", "-"], BATCH);
    check_batch_output(run.ok());
}

#[test]
fn eval_batch_usage() {
    let run = persona(["eval", "--batch", "no/such/cases.ndjson"]);
    assert!(run.fails(1).contains("no/such/cases.ndjson"));
    // A rule and --batch together is a usage error (clap's own message, several lines).
    let run = persona(["eval", "--batch", "-", r#"{"var": "a"}"#]);
    assert_eq!(run.code, Some(2), "{run:#?}");
}

// ---------------------------------------------------------------------------------------------------------
// Bad inputs

fn compile_file(keys: &Keys, dir: &Scratch, ruleset: &Path) -> Run {
    let mut args = vec!["compile".to_owned(), s(ruleset).to_owned()];
    args.extend(signing_args(keys, AUDIENCE, &dir.path("out.snap")));
    persona(&args)
}

#[test]
fn malformed_ruleset_json_names_the_file_and_line() {
    let dir = Scratch::new("bad-json");
    let keys = keygen(&dir.path("keys"));
    let bad = dir.write(
        "bad.json",
        "{\n  \"name\": \"x\",\n  \"segments\": [\n    { \"name\": \"a\", \"rule\": true },\n  ]\n}\n",
    );
    let run = compile_file(&keys, &dir, &bad);
    let line = run.fails(2);
    assert!(line.contains(s(&bad)), "{line}");
    assert!(line.contains("line 5"), "{line}");
    assert!(!dir.path("out.snap").exists(), "nothing written");
}

#[test]
fn unknown_field_in_a_rule_names_the_segment_and_the_path() {
    let dir = Scratch::new("bad-field");
    let keys = keygen(&dir.path("keys"));
    let bad = dir.write(
        "bad.json",
        r#"{"name": "x", "segments": [
            {"name": "ok", "rule": true},
            {"name": "vip", "rule": {"and": [true, {">=": [{"var": "profile.lifetime_value"}, 9]}]}}
        ]}"#,
    );
    let run = compile_file(&keys, &dir, &bad);
    let line = run.fails(2);
    assert!(line.contains("`vip`"), "{line}");
    assert!(line.contains("profile.lifetime_value"), "{line}");
    assert!(line.contains("/and/1/>=/0/var"), "{line}");
}

#[test]
fn unknown_operator_in_a_rule_names_the_segment() {
    let dir = Scratch::new("bad-op");
    let keys = keygen(&dir.path("keys"));
    let bad = dir.write(
        "bad.json",
        r#"{"name": "x", "segments": [{"name": "odd", "score": {"frobnicate": [1]}, "threshold": 1}]}"#,
    );
    let line = compile_file(&keys, &dir, &bad).fails(2).to_owned();
    assert!(
        line.contains("`odd`") && line.contains("frobnicate"),
        "{line}"
    );
}

#[test]
fn unknown_keys_in_the_ruleset_are_rejected() {
    let dir = Scratch::new("bad-key");
    let keys = keygen(&dir.path("keys"));
    let top = dir.write("top.json", r#"{"name": "x", "segmnets": []}"#);
    let line = compile_file(&keys, &dir, &top).fails(2).to_owned();
    assert!(
        line.contains("segmnets") && line.contains(s(&top)),
        "{line}"
    );

    let seg = dir.write(
        "seg.json",
        r#"{"name": "x", "segments": [{"name": "a", "rule": true, "prio": 3}]}"#,
    );
    let line = compile_file(&keys, &dir, &seg).fails(2).to_owned();
    assert!(line.contains("prio"), "{line}");
}

#[test]
fn ruleset_shape_errors_fail_with_exit_2() {
    let dir = Scratch::new("bad-shape");
    let keys = keygen(&dir.path("keys"));
    for (name, text, needle) in [
        (
            "both.json",
            r#"{"name": "x", "segments": [{"name": "a", "rule": true, "score": 1, "threshold": 1}]}"#,
            "`a`",
        ),
        (
            "dup.json",
            r#"{"name": "x", "segments": [{"name": "a", "rule": true}, {"name": "a", "rule": false}]}"#,
            "twice",
        ),
        (
            "name.json",
            r#"{"name": "x", "segments": [{"name": "VIP", "rule": true}]}"#,
            "VIP",
        ),
        (
            "channel.json",
            r#"{"name": "x", "channels": {"rules": {"fax": {}}}}"#,
            "fax",
        ),
        (
            "hour.json",
            r#"{"name": "x", "timing": {"default_hour": 24}}"#,
            "0..=23",
        ),
        (
            "slot.json",
            r#"{"name": "x", "slots": [{"name": "s", "variants": [{"id": "v", "segment": "nope"}], "default": {"id": "d"}}]}"#,
            "nope",
        ),
    ] {
        let path = dir.write(name, text);
        let run = compile_file(&keys, &dir, &path);
        let line = run.fails(2);
        assert!(line.contains(needle), "{name}: {line}");
    }
}

#[test]
fn missing_files_exit_1() {
    let dir = Scratch::new("missing");
    let keys = keygen(&dir.path("keys"));
    let missing = dir.path("no-such-ruleset.json");
    let line = compile_file(&keys, &dir, &missing).fails(1).to_owned();
    assert!(line.contains("no-such-ruleset.json"), "{line}");

    let run = persona(["inspect", s(&dir.path("no-such.snap"))]);
    assert!(run.fails(1).contains("no-such.snap"));

    let mut args = vec![
        "sign".to_owned(),
        s(&sample("profiles/ana.json")).to_owned(),
    ];
    args.extend(signing_args(&keys, AUDIENCE, &dir.path("x.snap")));
    assert_eq!(args[2], "--key");
    args[3] = s(&dir.path("no-such.secret")).to_owned();
    let run = persona(&args);
    assert!(run.fails(1).contains("no-such.secret"));

    let snap = dir.path("ana.snap");
    sign(&keys, &sample("profiles/ana.json"), AUDIENCE, &snap).ok();
    let run = persona([
        "inspect",
        s(&snap),
        "--keyring",
        s(&dir.path("no-such-keyring.json")),
    ]);
    assert!(run.fails(1).contains("no-such-keyring.json"));
}

#[test]
fn a_subject_that_looks_like_an_email_address_is_refused() {
    let dir = Scratch::new("subject");
    let keys = keygen(&dir.path("keys"));
    let mut profile = read_json(&sample("profiles/ana.json"));
    profile["subject"] = "ana@example.com".into();
    let path = dir.write("ana-email.json", &profile.to_string());
    let out = dir.path("ana-email.snap");
    let run = sign(&keys, &path, AUDIENCE, &out);
    let line = run.fails(2);
    // Refused before signing, as any text shaped like an e-mail address (the snapshot rule on subjects,
    // `invalid_input`, stands behind it).
    assert!(
        line.contains("identifying_value") && line.contains("subject"),
        "{line}"
    );
    assert!(!line.contains("ana@example.com"), "{line}");
    assert!(!out.exists(), "nothing written");
    assert!(!run.stdout.contains("ana@example.com"), "{run:#?}");
}

#[test]
fn bad_signing_arguments_fail_cleanly() {
    let dir = Scratch::new("signing-args");
    let keys = keygen(&dir.path("keys"));
    let out = dir.path("x.snap");
    let base = |audience: &str, expires: &str| {
        let mut args = vec![
            "sign".to_owned(),
            s(&sample("profiles/ana.json")).to_owned(),
        ];
        args.extend(signing_args(&keys, audience, &out));
        let at = args.iter().position(|a| a == "--expires-in").unwrap();
        args[at + 1] = expires.to_owned();
        persona(&args)
    };
    assert!(base(AUDIENCE, "7w").fails(2).contains("7w"));
    assert!(base("bad audience!", "24h").fails(2).contains("audience"));

    let not_a_key = dir.write("bad.secret", "zz\n");
    let mut args = vec![
        "sign".to_owned(),
        s(&sample("profiles/ana.json")).to_owned(),
    ];
    args.extend(signing_args(&keys, AUDIENCE, &out));
    assert_eq!(args[2], "--key");
    args[3] = s(&not_a_key).to_owned();
    assert!(persona(&args).fails(2).contains("bad.secret"));

    let not_a_profile = dir.write("ruleset-as-profile.json", r#"{"name": "x"}"#);
    let run = sign(&keys, &not_a_profile, AUDIENCE, &out);
    assert!(run.fails(2).contains("subject"));
}

#[test]
fn unknown_commands_and_flags_do_not_panic() {
    let run = persona(["frobnicate"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    let run = persona(["decide", "--no-such-flag"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    let run = persona(["--help"]);
    assert!(run.ok().contains("keygen"));
    let run = persona(["--version"]);
    assert!(run.ok().starts_with("persona "));
}

// ---------------------------------------------------------------------------------------------------------
// A stdout that can't be written (`persona ... | head`, a full disk) is an error, not a panic.

#[cfg(unix)]
fn with_stdout(args: &[&str], stdout: Stdio) -> Run {
    let child = command(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn persona");
    finish(child.wait_with_output().expect("wait for persona"))
}

/// A stdout whose reader is already gone: writing to it fails with EPIPE.
#[cfg(unix)]
fn closed_stdout() -> Stdio {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("socket pair");
    drop(ours);
    Stdio::from(std::os::fd::OwnedFd::from(theirs))
}

#[cfg(unix)]
fn unwritable_stdout_cases(t: &Setup) -> Vec<Vec<String>> {
    let ring = s(&t.keys.keyring).to_owned();
    let now = NOW.to_string();
    let decide = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "decide",
            "--keyring",
            &ring,
            "--ruleset",
            s(&t.ruleset),
            "--profile",
            s(&t.ana),
            "--context",
            "samples/context.json",
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };
    vec![
        vec!["inspect".into(), s(&t.ana).into()],
        vec![
            "inspect".into(),
            s(&t.ruleset).into(),
            "--keyring".into(),
            ring.clone(),
            "--now".into(),
            now,
        ],
        decide(&[]),
        decide(&["--summary"]),
        vec!["eval".into(), r#"{"+": [1, 2]}"#.into()],
        vec![
            "eval".into(),
            "--batch".into(),
            s(&t.dir.write("batch.ndjson", BATCH)).into(),
        ],
        vec!["keygen".into(), "--out".into(), s(&t.dir.path("k2")).into()],
    ]
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_an_error_not_a_panic() {
    let t = setup("epipe");
    for args in unwritable_stdout_cases(&t) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = with_stdout(&args, closed_stdout());
        let line = run.fails(1);
        assert!(line.starts_with("persona: stdout: "), "{args:?}: {line}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let t = setup("enospc");
    for args in unwritable_stdout_cases(&t) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let run = with_stdout(&args, Stdio::from(full));
        let line = run.fails(1);
        assert!(line.starts_with("persona: stdout: "), "{args:?}: {line}");
    }
}

#[test]
fn sign_refuses_unknown_fields_with_their_path() {
    let dir = Scratch::new("sign-unknown");
    let keys = keygen(&dir.path("keys"));
    let mut profile = read_json(&sample("profiles/ana.json"));
    profile["preferences"]["intrests"] = json!(["running"]);
    let file = dir.write("typo.json", &profile.to_string());
    let line = sign(&keys, &file, AUDIENCE, &dir.path("out.snap"))
        .fails(2)
        .to_owned();
    assert!(line.contains("preferences"), "{line}");
    assert!(line.contains("intrests"), "{line}");
    assert!(!dir.path("out.snap").exists(), "nothing signed");
}

#[test]
fn sign_refuses_text_shaped_like_an_e_mail_or_phone_number() {
    let dir = Scratch::new("sign-identifying");
    let keys = keygen(&dir.path("keys"));
    for (value, kind) in [
        ("ana.lopez@example.com", "e-mail"),
        ("+49 170 1234567", "phone"),
    ] {
        let mut profile = read_json(&sample("profiles/ana.json"));
        profile["preferences"]["interests"] = json!(["running", value]);
        let file = dir.write("pii.json", &profile.to_string());
        let out = dir.path("out.snap");
        let line = sign(&keys, &file, AUDIENCE, &out).fails(2).to_owned();
        assert!(line.contains("identifying_value"), "{line}");
        assert!(line.contains("preferences.interests[1]"), "{line}");
        assert!(line.contains(kind), "{line}");
        assert!(
            !line.contains(value),
            "the value itself is not echoed: {line}"
        );
        assert!(!out.exists(), "nothing signed");
    }
}
