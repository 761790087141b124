//! The core's module graph has no cycles: each top-level module of `src/` (with `wasm::host`, the
//! binding's documented leaf of JavaScript imports, as a node of its own) uses only modules below
//! it. Read from the source text: `crate::<module>` paths outside comments and test code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The node a source file belongs to: its top-level module, or `wasm::host`.
fn node_of(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts == ["wasm", "host"] {
        return "wasm::host".into();
    }
    parts[0].clone()
}

/// The source without comments and without the test module at its end.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The nodes `code` uses, read from its `crate::…` paths.
fn uses_of(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if name == "wasm" && rest["wasm".len()..].starts_with("::host") {
            out.insert("wasm::host".to_owned());
        } else if !name.is_empty() && name != "prelude" {
            out.insert(name);
        }
    }
    out
}

fn visit(dir: &Path, root: &Path, graph: &mut Graph) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            visit(&path, root, graph);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || name.starts_with("tests") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap();
        if relative == Path::new("lib.rs") {
            continue;
        }
        let node = node_of(relative);
        let text = std::fs::read_to_string(&path).expect("a source file");
        let uses = uses_of(&code_of(&text));
        let entry = graph.entry(node.clone()).or_default();
        entry.extend(uses.into_iter().filter(|u| *u != node));
    }
}

fn core_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    visit(&root, &root, &mut graph);
    graph
}

/// A cycle through `start`, if there is one (depth-first search).
fn cycle_from(graph: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(graph: &Graph, at: &str, start: &str, path: &mut Vec<String>) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if path.contains(next) {
                continue;
            }
            path.push(next.clone());
            if walk(graph, next, start, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, start, &mut path).then_some(path)
}

#[test]
fn core_modules_form_no_cycle() {
    let graph = core_graph();
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    for node in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, node) {
            panic!("module cycle: {} -> {node}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_envelope_knows_no_document_kind() {
    let graph = core_graph();
    let snapshot = &graph["snapshot"];
    for kind in ["profile", "ruleset", "decide", "wasm"] {
        assert!(
            !snapshot.contains(kind),
            "snapshot uses {kind}: {snapshot:?}"
        );
    }
    assert!(graph["wasm::host"].is_empty(), "{:?}", graph["wasm::host"]);
}

#[test]
fn the_reader_sees_paths_and_skips_comments() {
    let code = code_of("use crate::rules::Value; // crate::decide\n/// [`crate::wasm`]\nx(crate::wasm::host::f)\n#[cfg(test)]\nmod tests { use crate::session; }");
    let uses: Vec<String> = uses_of(&code).into_iter().collect();
    assert_eq!(uses, ["rules", "wasm::host"]);
}
