//! JSON Logic rules: compile once into a compact, encodable [`Rule`], evaluate in microseconds.
//!
//! Segments and scores are written in JSON Logic. [`compile`] resolves every literal `var` path
//! to a slot through a [`FieldCatalog`], folds constant subtrees and checks operators and
//! argument counts, reporting the location of any problem inside the rule. The resulting [`Rule`]
//! is a flat node arena (children before parents, root last) that encodes with bincode, can be
//! checked after decoding with [`Rule::validate`], and evaluates against a slice of slot values
//! without touching JSON. See `docs/RULES.md` for the language and its exact semantics.
//!
//! ```
//! use persona_edge::rules::{compile, OpenCatalog, Value};
//! use serde_json::json;
//!
//! let mut catalog = OpenCatalog::new();
//! let rule = compile(
//!     &json!({"and": [{">=": [{"var": "profile.ltv"}, 100]}, {"in": ["shoes", {"var": "session.cats"}]}]}),
//!     &mut catalog,
//! )
//! .unwrap();
//! let slots = catalog.bind(&json!({"profile": {"ltv": 250}, "session": {"cats": ["shoes", "bags"]}}));
//! assert!(rule.evaluate_bool(&slots));
//! assert_eq!(rule.evaluate(&slots), Value::Bool(true));
//! ```

mod catalog;
mod codec;
mod compile;
mod error;
mod eval;
mod node;
mod ops;
mod text;
mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_props;

pub use catalog::{FieldCatalog, OpenCatalog};
pub use compile::compile;
pub use error::{RuleError, RuleErrorKind};
pub use eval::{MAX_BUILD_LEN, MAX_STEPS};
pub use node::{Rule, MAX_DEPTH, MAX_NODES};
pub use value::{Value, MAX_VALUE_DEPTH};

/// Compiles `rule` with an [`OpenCatalog`], binds `data` and evaluates: the generic JSON Logic
/// entry point (used by the CLI and the conformance tests).
pub fn eval_json(
    rule: &serde_json::Value,
    data: &serde_json::Value,
) -> Result<serde_json::Value, RuleError> {
    let mut catalog = OpenCatalog::new();
    let compiled = compile(rule, &mut catalog)?;
    let slots = catalog.bind(data);
    Ok(compiled.evaluate_ref(&slots).to_json())
}
