//! Field catalogs: how `var` paths become slot indices.

use crate::prelude::*;

use alloc::collections::BTreeMap;

use super::value::Value;

/// Maps a `var` path (e.g. `"profile.loyalty_tier"`) to a slot index, or explains why the path is
/// not a known field.
///
/// The path `""` means the whole data document; a catalog that cannot provide it makes rules with
/// computed `var`/`missing` paths (outside `map`/`filter`/… bodies) fail to compile.
pub trait FieldCatalog {
    /// The slot for `path`, or an error message (e.g. "unknown field").
    fn resolve(&mut self, path: &str) -> Result<u16, String>;
}

/// The generic catalog: every path gets a slot; [`OpenCatalog::bind`] fills the slots from a JSON
/// document with JSON Logic path semantics.
#[derive(Debug, Clone, Default)]
pub struct OpenCatalog {
    paths: Vec<String>,
    index: BTreeMap<String, u16>,
}

impl OpenCatalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// The paths, in slot order.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Fills one value per slot from `data`: `"a.b.0"` walks object members and array indices,
    /// `""` is the whole document, anything not found is `Null`. Values convert with
    /// [`Value::from_json_data`] (object members that are `null` are left out).
    pub fn bind(&self, data: &serde_json::Value) -> Vec<Value> {
        self.paths
            .iter()
            .map(|p| lookup_json(data, p).map_or(Value::Null, Value::from_json_data))
            .collect()
    }
}

impl FieldCatalog for OpenCatalog {
    fn resolve(&mut self, path: &str) -> Result<u16, String> {
        if let Some(&slot) = self.index.get(path) {
            return Ok(slot);
        }
        let slot = u16::try_from(self.paths.len()).map_err(|_| "too many fields".to_string())?;
        self.paths.push(path.to_string());
        self.index.insert(path.to_string(), slot);
        Ok(slot)
    }
}

/// Follows a dotted JSON Logic path through a JSON document.
pub(crate) fn lookup_json<'a>(
    data: &'a serde_json::Value,
    path: &str,
) -> Option<&'a serde_json::Value> {
    if path.is_empty() {
        return Some(data);
    }
    let mut cur = data;
    for seg in path.split('.') {
        cur = match cur {
            serde_json::Value::Object(members) => members.get(seg)?,
            serde_json::Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
