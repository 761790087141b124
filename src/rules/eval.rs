//! The evaluator: walks the node arena, borrowing values wherever it can, and dispatches each
//! operation to its arm in [`super::ops`].

use alloc::borrow::Cow;

use super::node::{Base, Node, Op, Operand, Rule, MAX_DEPTH};
use super::ops::compare::binary;
use super::value::Value;

/// Most node evaluations (counting one per element an iterator visits) one evaluation may do.
pub const MAX_STEPS: u32 = 1 << 20;
/// Longest string (bytes) and array (elements) an operator may build.
pub const MAX_BUILD_LEN: usize = 1 << 20;

/// The current element of `map`/`filter`/`all`/`some`/`none`, or of `reduce` with its accumulator.
pub(crate) struct Scope<'s> {
    pub(crate) item: &'s Value,
    pub(crate) acc: Option<&'s Value>,
}

/// Where a node is evaluated: the index it must stay below (its parent's; the arena's length for
/// the root, so a malformed arena cannot loop), its depth, and the element scope it sees. One
/// small value copied into every call instead of three parameters.
#[derive(Clone, Copy)]
pub(crate) struct Frame<'f, 's> {
    bound: usize,
    depth: usize,
    pub(crate) scope: Option<&'f Scope<'s>>,
}

impl<'f, 's> Frame<'f, 's> {
    /// The frame of the root of an arena of `len` nodes.
    fn root(len: usize) -> Self {
        Frame {
            bound: len,
            depth: 0,
            scope: None,
        }
    }

    /// The frame of the children of node `i`, evaluated in this frame.
    fn below(self, i: usize) -> Self {
        Frame {
            bound: i,
            depth: self.depth + 1,
            scope: self.scope,
        }
    }

    /// This frame with `scope` as the element scope (an iterator's body).
    pub(crate) fn within<'g, 't>(self, scope: &'g Scope<'t>) -> Frame<'g, 't> {
        Frame {
            bound: self.bound,
            depth: self.depth,
            scope: Some(scope),
        }
    }
}

/// One evaluation's state.
pub(crate) struct Eval<'r> {
    pub(crate) nodes: &'r [Node],
    pub(crate) edges: &'r [u32],
    pub(crate) slots: &'r [Value],
    pub(crate) budget: u32,
    /// Set when a limit was hit or the arena is malformed: the whole result is then `null`.
    pub(crate) failed: bool,
}

/// What evaluating a node gives: borrowed from the rule or the slots where possible.
pub(crate) type Out<'s> = Cow<'s, Value>;

pub(crate) const NULL: Out<'static> = Cow::Owned(Value::Null);

pub(crate) fn owned<'s>(v: Value) -> Out<'s> {
    Cow::Owned(v)
}

pub(crate) fn boolean<'s>(b: bool) -> Out<'s> {
    Cow::Owned(Value::Bool(b))
}

pub(crate) fn number<'s>(n: f64) -> Out<'s> {
    Cow::Owned(Value::Number(n))
}

impl<'r> Eval<'r> {
    pub(crate) fn new(nodes: &'r [Node], edges: &'r [u32], slots: &'r [Value]) -> Self {
        Eval {
            nodes,
            edges,
            slots,
            budget: MAX_STEPS,
            failed: false,
        }
    }

    /// The root's index and frame; `None` for an empty arena.
    fn root(&self) -> Option<(u32, Frame<'static, 'static>)> {
        let len = self.nodes.len();
        let root = len.checked_sub(1)?;
        Some((root as u32, Frame::root(len)))
    }

    /// Evaluates the last node (the root); `null` if any limit was hit.
    pub(crate) fn run(mut self) -> Out<'r> {
        let Some((root, at)) = self.root() else {
            return NULL;
        };
        let out = self.eval(root, at);
        if self.failed {
            NULL
        } else {
            out
        }
    }

    /// Runs [`Eval::truthy`] on the root; `false` if any limit was hit.
    pub(crate) fn run_truthy(mut self) -> bool {
        let Some((root, at)) = self.root() else {
            return false;
        };
        let t = self.truthy(root, at);
        t && !self.failed
    }

    pub(crate) fn fail<'s>(&mut self) -> Out<'s> {
        self.failed = true;
        self.budget = 0;
        NULL
    }

    pub(crate) fn args(&self, span: super::node::Span) -> &'r [u32] {
        let edges: &'r [u32] = self.edges;
        let start = span.start as usize;
        start
            .checked_add(span.len as usize)
            .and_then(|end| edges.get(start..end))
            .unwrap_or(&[])
    }

    pub(crate) fn slot<'s>(&self, s: u16) -> Option<&'s Value>
    where
        'r: 's,
    {
        let slots: &'r [Value] = self.slots;
        slots.get(usize::from(s))
    }

    /// Node `idx` if `at` allows it (below its bound, not too deep, budget left), counting one step;
    /// otherwise the evaluation fails.
    #[inline]
    fn enter(&mut self, idx: u32, at: Frame<'_, '_>) -> Option<&'r Node> {
        let i = idx as usize;
        if i >= at.bound || at.depth > MAX_DEPTH || self.budget == 0 {
            self.fail();
            return None;
        }
        self.budget -= 1;
        let nodes: &'r [Node] = self.nodes;
        let node = nodes.get(i);
        if node.is_none() {
            self.fail();
        }
        node
    }

    /// Evaluates node `idx` in frame `at`.
    pub(crate) fn eval<'s>(&mut self, idx: u32, at: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let Some(node) = self.enter(idx, at) else {
            return NULL;
        };
        let inner = at.below(idx as usize);
        // The shapes of typical segment rules stay in this small function; the rest is out of
        // line so that this frame stays cheap.
        match node {
            Node::Const(v) => Cow::Borrowed(v),
            Node::Slot(s) => self.slot(*s).map_or(NULL, Cow::Borrowed),
            Node::Binary { op, a, b } => {
                let a = self.operand(a, inner);
                let b = self.operand(b, inner);
                boolean(binary(*op, &a, &b))
            }
            Node::Op {
                op: op @ (Op::And | Op::Or),
                args,
                ..
            } => self.op_and_or(*op, self.args(*args), inner),
            _ => self.eval_node(node, inner),
        }
    }

    /// Evaluates child `c`, if there is one, in frame `at`; `null` otherwise.
    pub(crate) fn eval_opt<'s>(&mut self, c: Option<&u32>, at: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        match c {
            Some(c) => self.eval(*c, at),
            None => NULL,
        }
    }

    /// The truthiness of node `idx`, without building values for the logic and comparisons of
    /// typical segment rules.
    pub(crate) fn truthy<'s>(&mut self, idx: u32, at: Frame<'_, 's>) -> bool
    where
        'r: 's,
    {
        let Some(node) = self.enter(idx, at) else {
            return false;
        };
        let inner = at.below(idx as usize);
        match node {
            Node::Const(v) => v.truthy(),
            Node::Slot(s) => self.slot(*s).is_some_and(Value::truthy),
            Node::Binary { op, a, b } => {
                let a = self.operand(a, inner);
                let b = self.operand(b, inner);
                binary(*op, &a, &b)
            }
            Node::Op { op, args, .. } => {
                let args = self.args(*args);
                match op {
                    // `and` yields its first falsy operand or its last: truthy iff all are.
                    Op::And => !args.is_empty() && args.iter().all(|c| self.truthy(*c, inner)),
                    Op::Or => args.iter().any(|c| self.truthy(*c, inner)),
                    Op::Not => !self.first_truthy(args, inner),
                    Op::NotNot => self.first_truthy(args, inner),
                    Op::If => {
                        let branch = self.branch(args, inner);
                        branch.is_some_and(|c| self.truthy(*c, inner))
                    }
                    _ => self.eval_node(node, inner).truthy(),
                }
            }
            _ => self.eval_node(node, inner).truthy(),
        }
    }

    #[inline(never)]
    fn eval_node<'s>(&mut self, node: &'r Node, inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        match node {
            Node::Const(v) => Cow::Borrowed(v),
            Node::Slot(s) => self.slot(*s).map_or(NULL, Cow::Borrowed),
            Node::SlotOr { slot, default } => match self.slot(*slot) {
                Some(v) if !v.is_null() => Cow::Borrowed(v),
                _ => self.eval(*default, inner),
            },
            Node::Elem {
                base,
                segs,
                default,
            } => {
                let found = inner.scope.and_then(|sc| {
                    let mut cur = match base {
                        Base::Item => sc.item,
                        Base::Accumulator => sc.acc?,
                    };
                    for seg in segs {
                        cur = cur.step(seg)?;
                    }
                    Some(cur)
                });
                self.found_or_default(found, *default, inner)
            }
            Node::DynVar {
                path,
                default,
                root,
            } => {
                let p = self.eval(*path, inner);
                let found = self.dyn_lookup(&p, *root, inner);
                self.found_or_default(found, *default, inner)
            }
            Node::MissingSlots { keys } => self.missing_slots(keys, None),
            Node::MissingSomeSlots { min, keys } => self.missing_slots(keys, Some(*min)),
            Node::Op { op, args, root } => {
                let args = self.args(*args);
                self.op(*op, args, *root, inner)
            }
            Node::Binary { op, a, b } => {
                let a = self.operand(a, inner);
                let b = self.operand(b, inner);
                boolean(binary(*op, &a, &b))
            }
        }
    }

    #[inline]
    fn operand<'s>(&mut self, o: &'r Operand, inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        match o {
            Operand::Slot(s) => self.slot(*s).map_or(NULL, Cow::Borrowed),
            Operand::Const(v) => Cow::Borrowed(v),
            Operand::Node(c) => self.eval(*c, inner),
        }
    }

    /// The value a `var` found unless it is missing or `null`; else its default, else `null`.
    fn found_or_default<'s>(
        &mut self,
        found: Option<&'s Value>,
        default: Option<u32>,
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match (found, default) {
            (Some(v), _) if !v.is_null() => Cow::Borrowed(v),
            (_, Some(d)) => self.eval(d, inner),
            _ => NULL,
        }
    }

    /// The dispatch: each operation to its arm in [`super::ops`]. `args` are the node's children,
    /// evaluated in `inner`.
    fn op<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        root: super::node::Root,
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match op {
            Op::Eq | Op::StrictEq => self.op_equal(op, args, inner),
            Op::Ne | Op::StrictNe => self.op_not_equal(op, args, inner),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => self.op_order(op, args, inner),
            Op::Not => boolean(!self.first_truthy(args, inner)),
            Op::NotNot => boolean(self.first_truthy(args, inner)),
            Op::And | Op::Or => self.op_and_or(op, args, inner),
            Op::If => {
                let branch = self.branch(args, inner);
                self.eval_opt(branch, inner)
            }
            Op::Add | Op::Mul => self.op_add_mul(op, args, inner),
            Op::Sub | Op::Div | Op::Mod => self.op_sub_div_mod(op, args, inner),
            Op::Max | Op::Min => self.op_max_min(op, args, inner),
            Op::Cat => self.op_cat(args, inner),
            Op::Substr => self.op_substr(args, inner),
            Op::In => self.op_in(args, inner),
            Op::Log => self.eval_opt(args.first(), inner),
            Op::Merge | Op::Array => self.op_merge_array(op, args, inner),
            Op::Map | Op::Filter | Op::Reduce | Op::All | Op::Some | Op::None => {
                self.op_iterate(op, args, inner)
            }
            Op::Missing | Op::MissingSome => self.op_missing(op, args, root, inner),
        }
    }
}

impl Rule {
    /// Evaluates the rule against `slots` (one value per catalog slot; a missing slot reads as
    /// `null`), borrowing the result from the rule or the slots where possible. Never panics; a
    /// rule that exceeds the evaluation limits ([`MAX_STEPS`], [`MAX_BUILD_LEN`]) yields `null`.
    pub fn evaluate_ref<'a>(&'a self, slots: &'a [Value]) -> Cow<'a, Value> {
        Eval::new(&self.nodes, &self.edges, slots).run()
    }

    /// Evaluates the rule to an owned value (see [`Rule::evaluate_ref`]).
    pub fn evaluate(&self, slots: &[Value]) -> Value {
        self.evaluate_ref(slots).into_owned()
    }

    /// Evaluates a boolean segment: the truthiness of the result.
    pub fn evaluate_bool(&self, slots: &[Value]) -> bool {
        Eval::new(&self.nodes, &self.edges, slots).run_truthy()
    }

    /// Evaluates a score: the result as a finite number (numbers, numeric strings and booleans
    /// coerce), `None` for `null`, arrays, objects, non-numeric strings and non-finite results.
    pub fn evaluate_number(&self, slots: &[Value]) -> Option<f64> {
        match &*self.evaluate_ref(slots) {
            Value::Null | Value::Array(_) | Value::Object(_) => None,
            other => other.to_number().filter(|n| n.is_finite()),
        }
    }
}

/// Shared by the compiler's constant folding: evaluates the last node of a partial arena.
pub(crate) fn eval_partial(nodes: &[Node], edges: &[u32]) -> Option<Value> {
    let mut ev = Eval::new(nodes, edges, &[]);
    let (root, at) = ev.root()?;
    let out = ev.eval(root, at).into_owned();
    (!ev.failed).then_some(out)
}
