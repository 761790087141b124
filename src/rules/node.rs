//! The compiled form: a flat arena of nodes, children before parents, root last.

use crate::prelude::*;

use alloc::sync::Arc;

use crate::codec::{Decodable, Invalid, Reader};
use bincode::Encode;

use super::error::RuleError;
use super::value::Value;

/// Deepest nesting a rule may have (compiled node depth, and JSON nesting while compiling).
pub const MAX_DEPTH: usize = 64;
/// Most nodes a compiled rule may have.
pub const MAX_NODES: usize = 16_384;

/// Operators evaluated from their argument nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) enum Op {
    Eq,
    StrictEq,
    Ne,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
    Not,
    NotNot,
    And,
    Or,
    If,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Max,
    Min,
    Cat,
    Substr,
    In,
    Merge,
    /// A literal array with computed elements.
    Array,
    Log,
    Map,
    Filter,
    Reduce,
    All,
    Some,
    None,
    /// `missing` with computed keys.
    Missing,
    /// `missing_some` with a computed minimum or keys.
    MissingSome,
}

impl Decodable for Op {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.variant(&[
            Op::Eq,
            Op::StrictEq,
            Op::Ne,
            Op::StrictNe,
            Op::Lt,
            Op::Le,
            Op::Gt,
            Op::Ge,
            Op::Not,
            Op::NotNot,
            Op::And,
            Op::Or,
            Op::If,
            Op::Add,
            Op::Sub,
            Op::Mul,
            Op::Div,
            Op::Mod,
            Op::Max,
            Op::Min,
            Op::Cat,
            Op::Substr,
            Op::In,
            Op::Merge,
            Op::Array,
            Op::Log,
            Op::Map,
            Op::Filter,
            Op::Reduce,
            Op::All,
            Op::Some,
            Op::None,
            Op::Missing,
            Op::MissingSome,
        ])
    }
}

impl Op {
    /// Iterators evaluate argument 1 (and only it) once per element, in the element's scope.
    pub(crate) fn iterates(self) -> bool {
        matches!(
            self,
            Op::Map | Op::Filter | Op::Reduce | Op::All | Op::Some | Op::None
        )
    }
}

/// Where a path is looked up inside an iteration scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) enum Base {
    /// The current element (`reduce`'s `current`).
    Item,
    /// `reduce`'s `accumulator`.
    Accumulator,
}

impl Decodable for Base {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => Base::Item,
            1 => Base::Accumulator,
            _ => return Err(Invalid::Tag),
        })
    }
}

/// What a computed path or `missing` key is looked up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) enum Root {
    /// The whole data document, held in this slot.
    Slot(u16),
    /// The current iteration scope.
    Scope,
}

impl Decodable for Root {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => Root::Slot(r.read()?),
            1 => Root::Scope,
            _ => return Err(Invalid::Tag),
        })
    }
}

/// The operators of [`Node::Binary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) enum BinOp {
    Eq,
    StrictEq,
    Ne,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

impl Decodable for BinOp {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.variant(&[
            BinOp::Eq,
            BinOp::StrictEq,
            BinOp::Ne,
            BinOp::StrictNe,
            BinOp::Lt,
            BinOp::Le,
            BinOp::Gt,
            BinOp::Ge,
            BinOp::In,
        ])
    }
}

/// An operand held inline by a [`Node::Binary`]: a field read, a constant, or a child node.
#[derive(Clone, Debug, PartialEq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) enum Operand {
    Slot(u16),
    Const(Value),
    Node(u32),
}

impl Decodable for Operand {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => Operand::Slot(r.read()?),
            1 => Operand::Const(r.read()?),
            2 => Operand::Node(r.read()?),
            _ => return Err(Invalid::Tag),
        })
    }
}

/// A range of [`Rule::edges`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Decodable for Span {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Span {
            start: r.read()?,
            len: r.read()?,
        })
    }
}

/// One node of the arena. Every node index it holds is lower than its own.
#[derive(Clone, Debug, PartialEq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub(crate) enum Node {
    /// A constant.
    Const(Value),
    /// A field read.
    Slot(u16),
    /// A field read with a default for `null`.
    SlotOr { slot: u16, default: u32 },
    /// A literal path inside an iteration scope.
    Elem {
        base: Base,
        segs: Vec<Arc<str>>,
        default: Option<u32>,
    },
    /// A computed path.
    DynVar {
        path: u32,
        default: Option<u32>,
        root: Root,
    },
    /// `missing` over literal keys, each with its slot.
    MissingSlots { keys: Vec<(Arc<str>, u16)> },
    /// `missing_some` over literal keys with a literal minimum.
    MissingSomeSlots {
        min: u32,
        keys: Vec<(Arc<str>, u16)>,
    },
    /// An operator over argument nodes.
    Op { op: Op, args: Span, root: Root },
    /// A two-operand comparison or `in`, operands inline (the common segment shape, evaluated
    /// without visiting child nodes for field reads and constants).
    Binary { op: BinOp, a: Operand, b: Operand },
}

impl Decodable for Node {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => Node::Const(r.read()?),
            1 => Node::Slot(r.read()?),
            2 => Node::SlotOr {
                slot: r.read()?,
                default: r.read()?,
            },
            3 => Node::Elem {
                base: r.read()?,
                segs: r.read()?,
                default: r.read()?,
            },
            4 => Node::DynVar {
                path: r.read()?,
                default: r.read()?,
                root: r.read()?,
            },
            5 => Node::MissingSlots { keys: r.read()? },
            6 => Node::MissingSomeSlots {
                min: r.read()?,
                keys: r.read()?,
            },
            7 => Node::Op {
                op: r.read()?,
                args: r.read()?,
                root: r.read()?,
            },
            8 => Node::Binary {
                op: r.read()?,
                a: r.read()?,
                b: r.read()?,
            },
            _ => return Err(Invalid::Tag),
        })
    }
}

/// A compiled JSON Logic rule.
///
/// Nodes live in one flat vector, children before parents and the root last, so the form can be
/// encoded, decoded and checked ([`Rule::validate`]) without recursion.
#[derive(Clone, Debug, PartialEq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub struct Rule {
    pub(crate) nodes: Vec<Node>,
    pub(crate) edges: Vec<u32>,
}

impl Decodable for Rule {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Rule {
            nodes: r.read()?,
            edges: r.read()?,
        })
    }
}

impl Rule {
    /// Number of nodes (a fully constant rule has 1).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The constant this rule always evaluates to, if it was folded to one.
    pub fn as_constant(&self) -> Option<&Value> {
        match self.nodes.as_slice() {
            [Node::Const(v)] => Some(v),
            _ => None,
        }
    }

    /// The highest slot index the rule reads, if it reads any.
    pub fn max_slot(&self) -> Option<u16> {
        let mut max: Option<u16> = None;
        let mut see = |s: u16| max = Some(max.map_or(s, |m| m.max(s)));
        for node in &self.nodes {
            match node {
                Node::Slot(s) | Node::SlotOr { slot: s, .. } => see(*s),
                Node::DynVar {
                    root: Root::Slot(s),
                    ..
                }
                | Node::Op {
                    root: Root::Slot(s),
                    ..
                } => see(*s),
                Node::MissingSlots { keys } | Node::MissingSomeSlots { keys, .. } => {
                    keys.iter().for_each(|(_, s)| see(*s))
                }
                Node::Binary { a, b, .. } => {
                    for o in [a, b] {
                        if let Operand::Slot(s) = o {
                            see(*s)
                        }
                    }
                }
                _ => {}
            }
        }
        max
    }

    /// Checks a compiled (typically just decoded) rule: every child index in range and lower than
    /// its parent's, every node but the root used exactly once (a tree, so no cycles and no shared
    /// subtrees), depth at most [`MAX_DEPTH`], at most [`MAX_NODES`] nodes, slots below
    /// `slot_count`. Evaluation never panics on any rule, but only a valid one computes the
    /// intended result.
    pub fn validate(&self, slot_count: usize) -> Result<(), RuleError> {
        let n = self.nodes.len();
        if n == 0 {
            return Err(RuleError::invalid("no nodes"));
        }
        if n > MAX_NODES || self.edges.len() > MAX_NODES {
            return Err(RuleError::new(
                "",
                super::error::RuleErrorKind::TooLarge(MAX_NODES),
            ));
        }
        if let Some(max) = self.max_slot() {
            if usize::from(max) >= slot_count {
                return Err(RuleError::invalid("a slot out of range"));
            }
        }
        let mut uses = vec![0u8; n];
        let mut depth = vec![1usize; n];
        for (i, node) in self.nodes.iter().enumerate() {
            let mut children: Vec<u32> = Vec::new();
            match node {
                Node::SlotOr { default, .. } => children.push(*default),
                Node::Elem { default, .. } => children.extend(default.iter().copied()),
                Node::DynVar { path, default, .. } => {
                    children.push(*path);
                    children.extend(default.iter().copied());
                }
                Node::Op { args, .. } => {
                    let start = args.start as usize;
                    let end = start.checked_add(args.len as usize);
                    match end.and_then(|end| self.edges.get(start..end)) {
                        Some(slice) => children.extend_from_slice(slice),
                        None => return Err(RuleError::invalid("an argument span out of range")),
                    }
                }
                Node::Binary { a, b, .. } => {
                    children.extend([a, b].into_iter().filter_map(|o| match o {
                        Operand::Node(c) => Some(*c),
                        _ => None,
                    }))
                }
                Node::Const(_)
                | Node::Slot(_)
                | Node::MissingSlots { .. }
                | Node::MissingSomeSlots { .. } => {}
            }
            let mut d = 1;
            for c in children {
                let c = c as usize;
                if c >= i {
                    return Err(RuleError::invalid("a child not below its parent"));
                }
                let (Some(u), Some(cd)) = (uses.get_mut(c), depth.get(c)) else {
                    return Err(RuleError::invalid("a child out of range"));
                };
                *u = u.saturating_add(1);
                d = d.max(cd + 1);
            }
            if d > MAX_DEPTH {
                return Err(RuleError::new(
                    "",
                    super::error::RuleErrorKind::TooDeep(MAX_DEPTH),
                ));
            }
            if let Some(slot) = depth.get_mut(i) {
                *slot = d;
            }
        }
        for (i, u) in uses.iter().enumerate() {
            let expected = if i + 1 == n { 0 } else { 1 };
            if *u != expected {
                return Err(RuleError::invalid(
                    "a node used more than once, or not at all",
                ));
            }
        }
        Ok(())
    }
}

/// The children of a node, in order.
pub(crate) fn children_of(node: &Node, edges: &[u32], out: &mut Vec<u32>) {
    out.clear();
    match node {
        Node::SlotOr { default, .. } => out.push(*default),
        Node::Elem { default, .. } => out.extend(default.iter().copied()),
        Node::DynVar { path, default, .. } => {
            out.push(*path);
            out.extend(default.iter().copied());
        }
        Node::Op { args, .. } => {
            let start = args.start as usize;
            if let Some(slice) = start
                .checked_add(args.len as usize)
                .and_then(|end| edges.get(start..end))
            {
                out.extend_from_slice(slice);
            }
        }
        Node::Binary { a, b, .. } => {
            for o in [a, b] {
                if let Operand::Node(c) = o {
                    out.push(*c);
                }
            }
        }
        _ => {}
    }
}

/// Rebuilds the arena keeping only what the root reaches, renumbering densely (children stay
/// below parents, the root last). Iterative: one backward marking pass, one forward copy.
pub(crate) fn compact(nodes: Vec<Node>, edges: Vec<u32>, root: u32) -> Rule {
    let n = nodes.len();
    let mut live = vec![false; n];
    if let Some(r) = live.get_mut(root as usize) {
        *r = true;
    }
    let mut kids = Vec::new();
    for i in (0..n).rev() {
        if !live.get(i).copied().unwrap_or(false) {
            continue;
        }
        if let Some(node) = nodes.get(i) {
            children_of(node, &edges, &mut kids);
            for &c in &kids {
                if (c as usize) < i {
                    if let Some(l) = live.get_mut(c as usize) {
                        *l = true;
                    }
                }
            }
        }
    }
    let mut remap = vec![u32::MAX; n];
    let mut out_nodes = Vec::new();
    let mut out_edges = Vec::new();
    let map = |remap: &[u32], c: u32| remap.get(c as usize).copied().unwrap_or(u32::MAX);
    for (i, node) in nodes.into_iter().enumerate() {
        if i > root as usize || !live.get(i).copied().unwrap_or(false) {
            continue;
        }
        let new_node = match node {
            Node::SlotOr { slot, default } => Node::SlotOr {
                slot,
                default: map(&remap, default),
            },
            Node::Elem {
                base,
                segs,
                default,
            } => Node::Elem {
                base,
                segs,
                default: default.map(|d| map(&remap, d)),
            },
            Node::DynVar {
                path,
                default,
                root,
            } => Node::DynVar {
                path: map(&remap, path),
                default: default.map(|d| map(&remap, d)),
                root,
            },
            Node::Op { op, args, root } => {
                let start = out_edges.len() as u32;
                let s = args.start as usize;
                if let Some(slice) = s
                    .checked_add(args.len as usize)
                    .and_then(|e| edges.get(s..e))
                {
                    out_edges.extend(slice.iter().map(|&c| map(&remap, c)));
                }
                Node::Op {
                    op,
                    args: Span {
                        start,
                        len: out_edges.len() as u32 - start,
                    },
                    root,
                }
            }
            Node::Binary { op, a, b } => {
                let remap_operand = |o: Operand| match o {
                    Operand::Node(c) => Operand::Node(map(&remap, c)),
                    other => other,
                };
                Node::Binary {
                    op,
                    a: remap_operand(a),
                    b: remap_operand(b),
                }
            }
            other => other,
        };
        if let Some(r) = remap.get_mut(i) {
            *r = out_nodes.len() as u32;
        }
        out_nodes.push(new_node);
    }
    Rule {
        nodes: out_nodes,
        edges: out_edges,
    }
}
