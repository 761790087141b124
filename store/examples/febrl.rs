//! Benchmark driver: the Fellegi–Sunter matcher on the FEBRL data sets.
//!
//! ```text
//! cargo run --release -p persona-store --example febrl -- dedupe dataset3.csv \
//!     [--without soc_sec_id] [--threshold 0.9] [--out pairs.csv] [--evaluate] [--model model.json]
//! cargo run --release -p persona-store --example febrl -- link dataset4a.csv dataset4b.csv [...]
//! ```
//!
//! Reads FEBRL CSVs (rec_id, given_name, surname, street_number, address_1, address_2, suburb,
//! postcode, state, date_of_birth, soc_sec_id), trains a model, matches, writes the predicted
//! pairs (`rec_id_l,rec_id_r,match_probability`) and prints the timings to stderr. With
//! `--evaluate`, also pairwise precision, recall and F1 against the FEBRL ground truth
//! (`rec-N-org` and `rec-N-dup-K` are the same person).

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use persona_store::identity::matcher::{self, fold, Field, MatchRecord, Settings};

/// FEBRL columns and the fields they fill.
const COLUMNS: &[(&str, Field)] = &[
    ("given_name", Field::GivenName),
    ("surname", Field::Surname),
    ("street_number", Field::StreetNumber),
    ("address_1", Field::Address),
    ("suburb", Field::Locality),
    ("postcode", Field::Postcode),
    ("state", Field::Region),
    ("date_of_birth", Field::DateOfBirth),
    ("soc_sec_id", Field::ExternalId),
];

fn read(path: &str, without: &[String]) -> Result<Vec<MatchRecord>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| format!("{path}: empty"))?
        .split(',')
        .map(|h| h.trim().to_owned())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let id = col("rec_id").ok_or_else(|| format!("{path}: no rec_id column"))?;
    let fields: Vec<(usize, Field)> = COLUMNS
        .iter()
        .filter(|(name, _)| !without.iter().any(|w| w == name))
        .filter_map(|&(name, f)| col(name).map(|c| (c, f)))
        .collect();
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let mut r = MatchRecord::new(cells.get(id).map_or("", |s| s.trim()));
        for &(c, f) in &fields {
            let v = cells.get(c).map(|s| fold(s)).unwrap_or_default();
            r.set(f, Some(v));
        }
        out.push(r);
    }
    Ok(out)
}

/// The entity of a FEBRL record id: `rec-12-dup-3` → `12`.
fn entity(id: &str) -> &str {
    id.split('-').nth(1).unwrap_or(id)
}

struct Args {
    mode: String,
    files: Vec<String>,
    without: Vec<String>,
    threshold: f64,
    out: Option<String>,
    model: Option<String>,
    evaluate: bool,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().ok_or(
        "usage: febrl dedupe FILE | link A B [--without COL] [--threshold P] [--out FILE]",
    )?;
    let mut a = Args {
        mode,
        files: Vec::new(),
        without: Vec::new(),
        threshold: 0.9,
        out: None,
        model: None,
        evaluate: false,
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--without" => a.without.push(value()?),
            "--threshold" => {
                a.threshold = value()?.parse().map_err(|e| format!("--threshold: {e}"))?
            }
            "--out" => a.out = Some(value()?),
            "--model" => a.model = Some(value()?),
            "--evaluate" => a.evaluate = true,
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => a.files.push(arg),
        }
    }
    let want = match a.mode.as_str() {
        "dedupe" => 1,
        "link" => 2,
        m => return Err(format!("unknown mode {m} (dedupe or link)")),
    };
    if a.files.len() != want {
        return Err(format!("{} takes {want} file(s)", a.mode));
    }
    Ok(a)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("febrl: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse()?;
    let start = Instant::now();
    let sets: Vec<Vec<MatchRecord>> = args
        .files
        .iter()
        .map(|f| read(f, &args.without))
        .collect::<Result<_, _>>()?;
    let read_time = start.elapsed();
    let settings = Settings {
        threshold: args.threshold,
        term_frequency_fields: vec![
            Field::GivenName,
            Field::Surname,
            Field::Locality,
            Field::Postcode,
        ],
        ..Settings::default()
    };
    let t = Instant::now();
    let (model, pairs, left, right): (_, _, &[MatchRecord], &[MatchRecord]) =
        if args.mode == "dedupe" {
            let (m, p) = matcher::dedupe(&sets[0], &settings);
            (m, p, &sets[0], &sets[0])
        } else {
            let (m, p) = matcher::link(&sets[0], &sets[1], &settings);
            (m, p, &sets[0], &sets[1])
        };
    let match_time = t.elapsed();
    let total = start.elapsed();
    eprintln!(
        "febrl {}: {} records, {} pairs >= {}, prior {:.3e}; read {:.3}s, train+match {:.3}s, total {:.3}s",
        args.mode,
        sets.iter().map(Vec::len).sum::<usize>(),
        pairs.len(),
        args.threshold,
        model.prior,
        read_time.as_secs_f64(),
        match_time.as_secs_f64(),
        total.as_secs_f64()
    );
    if let Some(path) = &args.out {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?,
        );
        writeln!(w, "rec_id_l,rec_id_r,match_probability").map_err(|e| e.to_string())?;
        for (i, j, s) in &pairs {
            writeln!(w, "{},{},{:.6}", left[*i].id, right[*j].id, s.probability)
                .map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    if let Some(path) = &args.model {
        let json = serde_json::to_string_pretty(&model).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{path}: {e}"))?;
    }
    if args.evaluate {
        let truth = if args.mode == "dedupe" {
            let mut by: HashMap<&str, usize> = HashMap::new();
            for r in left {
                *by.entry(entity(&r.id)).or_default() += 1;
            }
            by.values().map(|&n| n * (n - 1) / 2).sum::<usize>()
        } else {
            let mut by: HashMap<&str, usize> = HashMap::new();
            for r in right {
                *by.entry(entity(&r.id)).or_default() += 1;
            }
            left.iter()
                .map(|r| by.get(entity(&r.id)).copied().unwrap_or(0))
                .sum()
        };
        let tp = pairs
            .iter()
            .filter(|(i, j, _)| entity(&left[*i].id) == entity(&right[*j].id))
            .count();
        let p = tp as f64 / pairs.len().max(1) as f64;
        let r = tp as f64 / truth.max(1) as f64;
        eprintln!(
            "precision {p:.4} recall {r:.4} f1 {:.4} (tp {tp}, predicted {}, true {truth})",
            2.0 * p * r / (p + r).max(f64::MIN_POSITIVE),
            pairs.len()
        );
    }
    Ok(())
}
