//! Any JSON given to the rule and ruleset compilers: never a panic; a rule that compiles validates and
//! evaluates on any data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use persona_edge::rules::{compile, OpenCatalog};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line is the rule, the rest the data document.
    let (rule_text, data_text) = text.split_once('\n').unwrap_or((text, "null"));
    let Ok(rule) = serde_json::from_str::<serde_json::Value>(rule_text) else { return };
    let document = serde_json::from_str::<serde_json::Value>(data_text).unwrap_or(serde_json::Value::Null);
    let mut catalog = OpenCatalog::new();
    if let Ok(compiled) = compile(&rule, &mut catalog) {
        assert!(compiled.validate(catalog.paths().len()).is_ok());
        let slots = catalog.bind(&document);
        let _ = compiled.evaluate(&slots);
    }
    if let Ok(source) = serde_json::from_str::<persona_edge::ruleset::RulesetSource>(text) {
        if let Ok(ruleset) = persona_edge::ruleset::compile(&source) {
            assert!(ruleset.validate().is_ok());
        }
    }
});
