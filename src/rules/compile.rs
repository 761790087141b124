//! JSON Logic → [`Rule`]: resolves literal `var` paths to slots and folds constant subtrees.

use crate::prelude::*;

use alloc::sync::Arc;

use super::catalog::FieldCatalog;
use super::error::{RuleError, RuleErrorKind};
use super::eval::eval_partial;
use super::node::{
    compact, Base, BinOp, Node, Op, Operand, Root, Rule, Span, MAX_DEPTH, MAX_NODES,
};
use super::ops::data::min_present;
use super::text::to_text;
use super::value::Value;

/// Compiles a JSON Logic rule, resolving literal field paths through `catalog`.
///
/// Errors carry the JSON-pointer-like location of the problem inside `rule`.
pub fn compile(
    rule: &serde_json::Value,
    catalog: &mut dyn FieldCatalog,
) -> Result<Rule, RuleError> {
    let mut c = Compiler {
        catalog,
        nodes: Vec::new(),
        edges: Vec::new(),
        ptr: String::new(),
        scopes: Vec::new(),
        depth: 0,
    };
    let root = c.node(rule)?;
    let rule = compact(c.nodes, c.edges, root.idx);
    if rule.nodes.len() > MAX_NODES {
        return Err(RuleError::new("", RuleErrorKind::TooLarge(MAX_NODES)));
    }
    Ok(rule)
}

/// Kind of iteration scope a `var` is compiled in.
#[derive(Clone, Copy, PartialEq)]
enum ScopeKind {
    Plain,
    Reduce,
}

/// A compiled subtree: its node, and whether it depends on the data (slots or the enclosing
/// iteration scope), i.e. cannot be folded.
#[derive(Clone, Copy)]
struct Done {
    idx: u32,
    dynamic: bool,
}

struct Compiler<'c> {
    catalog: &'c mut dyn FieldCatalog,
    nodes: Vec<Node>,
    edges: Vec<u32>,
    ptr: String,
    scopes: Vec<ScopeKind>,
    depth: usize,
}

/// One argument: its JSON and its pointer segment (`None` when the operator's value is the
/// single argument itself).
type Arg<'j> = (&'j serde_json::Value, Option<usize>);

fn escape_segment(seg: &str, out: &mut String) {
    out.push('/');
    for ch in seg.chars() {
        match ch {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

fn op_of(name: &str) -> Option<Op> {
    Some(match name {
        "==" => Op::Eq,
        "===" => Op::StrictEq,
        "!=" => Op::Ne,
        "!==" => Op::StrictNe,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "!" => Op::Not,
        "!!" => Op::NotNot,
        "and" => Op::And,
        "or" => Op::Or,
        "if" | "?:" => Op::If,
        "+" => Op::Add,
        "-" => Op::Sub,
        "*" => Op::Mul,
        "/" => Op::Div,
        "%" => Op::Mod,
        "max" => Op::Max,
        "min" => Op::Min,
        "cat" => Op::Cat,
        "substr" => Op::Substr,
        "in" => Op::In,
        "merge" => Op::Merge,
        "log" => Op::Log,
        "map" => Op::Map,
        "filter" => Op::Filter,
        "reduce" => Op::Reduce,
        "all" => Op::All,
        "some" => Op::Some,
        "none" => Op::None,
        "missing" => Op::Missing,
        "missing_some" => Op::MissingSome,
        _ => return None,
    })
}

impl Compiler<'_> {
    fn err(&self, kind: RuleErrorKind) -> RuleError {
        RuleError::new(self.ptr.clone(), kind)
    }

    fn push(&mut self, node: Node) -> Result<u32, RuleError> {
        // Intermediate arenas may hold folded-away garbage; bound them too.
        if self.nodes.len() >= MAX_NODES * 4 {
            return Err(self.err(RuleErrorKind::TooLarge(MAX_NODES)));
        }
        self.nodes.push(node);
        Ok(self.nodes.len() as u32 - 1)
    }

    fn konst(&mut self, v: Value) -> Result<Done, RuleError> {
        Ok(Done {
            idx: self.push(Node::Const(v))?,
            dynamic: false,
        })
    }

    fn const_value(&self, d: Done) -> Option<&Value> {
        match self.nodes.get(d.idx as usize) {
            Some(Node::Const(v)) if !d.dynamic => Some(v),
            _ => None,
        }
    }

    /// Runs `f` with `seg` appended to the pointer.
    fn at<T>(&mut self, seg: Option<&str>, f: impl FnOnce(&mut Self) -> T) -> T {
        let len = self.ptr.len();
        if let Some(seg) = seg {
            escape_segment(seg, &mut self.ptr);
        }
        let out = f(self);
        self.ptr.truncate(len);
        out
    }

    fn node(&mut self, json: &serde_json::Value) -> Result<Done, RuleError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(RuleErrorKind::TooDeep(MAX_DEPTH)));
        }
        self.depth += 1;
        let out = self.node_inner(json);
        self.depth -= 1;
        out
    }

    fn node_inner(&mut self, json: &serde_json::Value) -> Result<Done, RuleError> {
        match json {
            serde_json::Value::Array(items) => {
                let args: Vec<Arg> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v, Some(i)))
                    .collect();
                let start = (self.nodes.len(), self.edges.len());
                let kids = self.args(&args)?;
                self.op_node(Op::Array, &kids, Root::Scope, start)
            }
            serde_json::Value::Object(members) => {
                let mut it = members.iter();
                match (it.next(), it.next()) {
                    (Some((name, raw)), None) => {
                        let name = name.as_str();
                        self.at(Some(name), |c| c.operation(name, raw))
                    }
                    // Not an operation (no key, or several): data, taken as it is (not evaluated).
                    _ => self.konst(Value::from(json)),
                }
            }
            scalar => self.konst(Value::from(scalar)),
        }
    }

    fn args(&mut self, args: &[Arg]) -> Result<Vec<Done>, RuleError> {
        args.iter()
            .map(|(json, i)| {
                let seg = i.map(|i| i.to_string());
                self.at(seg.as_deref(), |c| c.node(json))
            })
            .collect()
    }

    fn arity(
        &self,
        op: &str,
        n: usize,
        min: usize,
        max: usize,
        expected: &'static str,
    ) -> Result<(), RuleError> {
        if n < min || n > max {
            return Err(self.err(RuleErrorKind::Arity {
                op: op.to_string(),
                expected,
                got: n,
            }));
        }
        Ok(())
    }

    fn operation(&mut self, name: &str, raw: &serde_json::Value) -> Result<Done, RuleError> {
        let Some(op) = op_of(name) else {
            if name == "var" {
                return self.var(raw);
            }
            return Err(self.err(RuleErrorKind::UnknownOperator(name.to_string())));
        };
        let args: Vec<Arg> = match raw {
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, Some(i)))
                .collect(),
            single => vec![(single, None)],
        };
        let n = args.len();
        match op {
            Op::Eq | Op::StrictEq | Op::Ne | Op::StrictNe | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                self.arity(name, n, 2, usize::MAX, "at least 2")?
            }
            Op::Sub | Op::Div | Op::Max | Op::Min => {
                self.arity(name, n, 1, usize::MAX, "at least 1")?
            }
            Op::Mod => {
                // One argument is only meaningful if it evaluates to an array.
                let single_scalar =
                    n == 1 && args.iter().all(|(j, _)| !j.is_array() && !j.is_object());
                let n = if single_scalar { 0 } else { n };
                self.arity(name, n, 1, usize::MAX, "at least 2")
                    .map_err(|_| {
                        self.err(RuleErrorKind::Arity {
                            op: name.to_string(),
                            expected: "at least 2",
                            got: args.len(),
                        })
                    })?
            }
            Op::Map | Op::Filter | Op::All | Op::Some | Op::None => {
                self.arity(name, n, 2, 2, "exactly 2")?
            }
            Op::Reduce => self.arity(name, n, 2, 3, "2 or 3")?,
            Op::And | Op::Or | Op::If if !raw.is_array() => {
                return Err(self.err(RuleErrorKind::InvalidArgument {
                    op: name.to_string(),
                    message: "expects an array of arguments".to_string(),
                }))
            }
            _ => {}
        }
        let start = (self.nodes.len(), self.edges.len());
        if op.iterates() {
            return self.iterator(op, &args, start);
        }
        let kids = self.args(&args)?;
        match op {
            Op::Missing | Op::MissingSome => self.missing(op, &args, &kids, start),
            Op::And | Op::Or | Op::If => self.logic(op, kids, start),
            _ => self.op_node(op, &kids, Root::Scope, start),
        }
    }

    /// Pushes an operator node and folds it when no argument depends on the data.
    fn op_node(
        &mut self,
        op: Op,
        kids: &[Done],
        root: Root,
        start: (usize, usize),
    ) -> Result<Done, RuleError> {
        // `missing` reads the data (its slot or the iteration scope) whatever its arguments.
        let dynamic = kids.iter().any(|k| k.dynamic) || matches!(op, Op::Missing | Op::MissingSome);
        let span = Span {
            start: self.edges.len() as u32,
            len: kids.len() as u32,
        };
        self.edges.extend(kids.iter().map(|k| k.idx));
        let idx = self.push(Node::Op {
            op,
            args: span,
            root,
        })?;
        let done = Done { idx, dynamic };
        if dynamic {
            return Ok(self.fuse_binary(op, kids, done));
        }
        match eval_partial(&self.nodes, &self.edges) {
            Some(v) => {
                self.nodes.truncate(start.0);
                self.edges.truncate(start.1);
                self.konst(v)
            }
            None => Ok(done),
        }
    }

    /// Rewrites a two-argument comparison or `in` into a [`Node::Binary`] with its field reads
    /// and constants inline (the replaced argument nodes become garbage for `compact`).
    fn fuse_binary(&mut self, op: Op, kids: &[Done], done: Done) -> Done {
        let bin = match op {
            Op::Eq => BinOp::Eq,
            Op::StrictEq => BinOp::StrictEq,
            Op::Ne => BinOp::Ne,
            Op::StrictNe => BinOp::StrictNe,
            Op::Lt => BinOp::Lt,
            Op::Le => BinOp::Le,
            Op::Gt => BinOp::Gt,
            Op::Ge => BinOp::Ge,
            Op::In => BinOp::In,
            _ => return done,
        };
        let [a, b] = kids else {
            return done;
        };
        let operand = |d: &Done| match self.nodes.get(d.idx as usize) {
            Some(Node::Slot(s)) => Operand::Slot(*s),
            Some(Node::Const(v)) => Operand::Const(v.clone()),
            _ => Operand::Node(d.idx),
        };
        let node = Node::Binary {
            op: bin,
            a: operand(a),
            b: operand(b),
        };
        if let Some(slot) = self.nodes.get_mut(done.idx as usize) {
            *slot = node;
        }
        done
    }

    /// `and` / `or` / `if`: constant leading conditions decide or drop branches at compile time.
    fn logic(&mut self, op: Op, kids: Vec<Done>, start: (usize, usize)) -> Result<Done, RuleError> {
        let mut rest: &[Done] = &kids;
        while let Some((first, tail)) = rest.split_first() {
            let Some(truthy) = self.const_value(*first).map(Value::truthy) else {
                break;
            };
            match op {
                Op::If => match tail.split_first() {
                    Some((then, _)) if truthy => return Ok(*then),
                    Some(_) => rest = tail.get(1..).unwrap_or(&[]),
                    None => break,
                },
                _ => {
                    let decides = if op == Op::And { !truthy } else { truthy };
                    if decides || tail.is_empty() {
                        return Ok(*first);
                    }
                    rest = tail;
                }
            }
        }
        if rest.len() == kids.len() {
            return self.op_node(op, &kids, Root::Scope, start);
        }
        match rest {
            // Every `if` condition was constant and false, with no else branch.
            [] => self.konst(Value::Null),
            // The `if` else branch, or the last `and`/`or` operand left.
            [only] => Ok(*only),
            _ => {
                let rest = rest.to_vec();
                self.op_node(op, &rest, Root::Scope, start)
            }
        }
    }

    fn iterator(&mut self, op: Op, args: &[Arg], start: (usize, usize)) -> Result<Done, RuleError> {
        let (Some(src), Some(body)) = (args.first(), args.get(1)) else {
            return Err(self.err(RuleErrorKind::Arity {
                op: format!("{op:?}"),
                expected: "at least 2",
                got: args.len(),
            }));
        };
        let src = self.args(core::slice::from_ref(src))?;
        let kind = if op == Op::Reduce {
            ScopeKind::Reduce
        } else {
            ScopeKind::Plain
        };
        self.scopes.push(kind);
        let body = self.args(core::slice::from_ref(body));
        self.scopes.pop();
        let mut kids = src;
        kids.extend(body?);
        if let Some(init) = args.get(2) {
            kids.extend(self.args(core::slice::from_ref(init))?);
        }
        // The body's reads are of this iterator's own scope: only the source and the initial
        // value can make the whole iteration depend on the data.
        let body_idx = 1;
        if let Some(b) = kids.get_mut(body_idx) {
            b.dynamic = false;
        }
        self.op_node(op, &kids, Root::Scope, start)
    }

    /// The root for computed paths: the whole-document slot at top level, else the scope.
    fn dynamic_root(&mut self, what: &str) -> Result<Root, RuleError> {
        if !self.scopes.is_empty() {
            return Ok(Root::Scope);
        }
        self.catalog.resolve("").map(Root::Slot).map_err(|message| {
            self.err(RuleErrorKind::UnknownField {
                field: String::new(),
                message: format!("a computed {what} needs the whole document: {message}"),
            })
        })
    }

    fn resolve(&mut self, path: &str) -> Result<u16, RuleError> {
        self.catalog.resolve(path).map_err(|message| {
            self.err(RuleErrorKind::UnknownField {
                field: path.to_string(),
                message,
            })
        })
    }

    fn var(&mut self, raw: &serde_json::Value) -> Result<Done, RuleError> {
        let args: Vec<Arg> = match raw {
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, Some(i)))
                .collect(),
            single => vec![(single, None)],
        };
        let path_arg = args.first().copied();
        let path = match path_arg {
            Some(a) => Some(self.args(&[a])?.remove(0)),
            None => None,
        };
        let default = match args.get(1) {
            Some(a) => Some(self.args(&[*a])?.remove(0)),
            None => None,
        };
        let default_idx = default.map(|d| d.idx);
        let literal = match path {
            None => Some(String::new()),
            Some(p) => match self.const_value(p) {
                None => None,
                Some(Value::String(s)) => Some(s.to_string()),
                Some(Value::Null) => Some(String::new()),
                Some(v @ Value::Number(_)) => Some(to_text(v)),
                Some(_) => {
                    let seg = path_arg.and_then(|a| a.1).map(|i| i.to_string());
                    return self.at(seg.as_deref(), |c| {
                        Err(c.err(RuleErrorKind::InvalidArgument {
                            op: "var".to_string(),
                            message: "the path must be a string, a number or null".to_string(),
                        }))
                    });
                }
            },
        };
        let node = match (literal, path) {
            (Some(lit), _) => match self.scopes.last().copied() {
                None => {
                    let seg = path_arg.and_then(|a| a.1).map(|i| i.to_string());
                    let slot = self.at(seg.as_deref(), |c| c.resolve(&lit))?;
                    match default_idx {
                        Some(d) => Node::SlotOr { slot, default: d },
                        None => Node::Slot(slot),
                    }
                }
                Some(kind) => {
                    let (base, rest) = split_base(&lit, kind);
                    let segs = if rest.is_empty() {
                        Vec::new()
                    } else {
                        rest.split('.').map(Arc::from).collect()
                    };
                    Node::Elem {
                        base,
                        segs,
                        default: default_idx,
                    }
                }
            },
            (None, Some(p)) => Node::DynVar {
                path: p.idx,
                default: default_idx,
                root: self.dynamic_root("`var` path")?,
            },
            (None, None) => Node::Const(Value::Null),
        };
        Ok(Done {
            idx: self.push(node)?,
            dynamic: true,
        })
    }

    fn missing(
        &mut self,
        op: Op,
        args: &[Arg],
        kids: &[Done],
        start: (usize, usize),
    ) -> Result<Done, RuleError> {
        let all_const = kids.iter().all(|k| self.const_value(*k).is_some());
        if self.scopes.is_empty() && all_const {
            // Literal keys: resolve each to its slot now.
            let mut keys: Vec<(Arc<str>, u16)> = Vec::new();
            let mut min = 1;
            let key_args: Vec<(Value, Option<usize>)> = if op == Op::Missing {
                kids.iter()
                    .zip(args)
                    .map(|(k, a)| (self.const_value(*k).cloned().unwrap_or_default(), a.1))
                    .collect()
            } else {
                min = kids
                    .first()
                    .and_then(|k| self.const_value(*k))
                    .map_or(1, min_present);
                match kids.get(1).and_then(|k| self.const_value(*k)) {
                    Some(v @ Value::Array(_)) => vec![(v.clone(), args.get(1).and_then(|a| a.1))],
                    _ => Vec::new(),
                }
            };
            for (v, seg) in key_args {
                let seg = seg.map(|i| i.to_string());
                let found = self.at(
                    seg.as_deref(),
                    |c| -> Result<Vec<(Arc<str>, u16)>, RuleError> {
                        let mut out = Vec::new();
                        let items: Vec<Value> = match &v {
                            Value::Array(items) => items.to_vec(),
                            other => vec![other.clone()],
                        };
                        for item in items {
                            if let Value::String(k) = item {
                                let slot = c.resolve(&k)?;
                                out.push((k, slot));
                            }
                        }
                        Ok(out)
                    },
                )?;
                keys.extend(found);
            }
            self.nodes.truncate(start.0);
            self.edges.truncate(start.1);
            let node = if op == Op::Missing {
                Node::MissingSlots { keys }
            } else {
                Node::MissingSomeSlots { min, keys }
            };
            return Ok(Done {
                idx: self.push(node)?,
                dynamic: true,
            });
        }
        let root = self.dynamic_root("`missing` key")?;
        let done = self.op_node(op, kids, root, start)?;
        Ok(Done {
            dynamic: true,
            ..done
        })
    }
}

/// Inside `reduce`, `current…` and `accumulator…` pick the base; elsewhere the element is it.
fn split_base(path: &str, kind: ScopeKind) -> (Base, &str) {
    if kind == ScopeKind::Reduce {
        for (name, base) in [("current", Base::Item), ("accumulator", Base::Accumulator)] {
            if let Some(rest) = path.strip_prefix(name) {
                if rest.is_empty() {
                    return (base, "");
                }
                if let Some(rest) = rest.strip_prefix('.') {
                    return (base, rest);
                }
            }
        }
    }
    (Base::Item, path)
}
