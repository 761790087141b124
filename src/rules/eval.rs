//! The evaluator: walks the node arena, borrowing values wherever it can.

use crate::prelude::*;

use alloc::borrow::Cow;

use super::node::{Base, BinOp, Node, Op, Operand, Root, Rule, Span, MAX_DEPTH};
use super::ops::arith;
use super::ops::compare::{loose_eq, ordered, strict_eq, Ord};
use super::ops::string;
use super::text::push_text;
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

/// One evaluation's state.
pub(crate) struct Eval<'r> {
    pub(crate) nodes: &'r [Node],
    pub(crate) edges: &'r [u32],
    pub(crate) slots: &'r [Value],
    pub(crate) budget: u32,
    /// Set when a limit was hit or the arena is malformed: the whole result is then `null`.
    pub(crate) failed: bool,
}

type Out<'s> = Cow<'s, Value>;

const NULL: Out<'static> = Cow::Owned(Value::Null);

fn owned<'s>(v: Value) -> Out<'s> {
    Cow::Owned(v)
}

fn boolean<'s>(b: bool) -> Out<'s> {
    Cow::Owned(Value::Bool(b))
}

fn number<'s>(n: f64) -> Out<'s> {
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

    /// Evaluates the last node (the root); `null` if any limit was hit.
    pub(crate) fn run(mut self) -> Out<'r> {
        let Some(root) = self.nodes.len().checked_sub(1) else {
            return NULL;
        };
        let out = self.eval(root as u32, self.nodes.len(), None, 0);
        if self.failed {
            NULL
        } else {
            out
        }
    }

    pub(crate) fn fail<'s>(&mut self) -> Out<'s> {
        self.failed = true;
        self.budget = 0;
        NULL
    }

    pub(crate) fn args(&self, span: Span) -> &'r [u32] {
        let edges: &'r [u32] = self.edges;
        let start = span.start as usize;
        start
            .checked_add(span.len as usize)
            .and_then(|end| edges.get(start..end))
            .unwrap_or(&[])
    }

    fn slot<'s>(&self, s: u16) -> Option<&'s Value>
    where
        'r: 's,
    {
        let slots: &'r [Value] = self.slots;
        slots.get(usize::from(s))
    }

    /// Evaluates node `idx`, which must be below `bound` (its parent), in `scope`.
    pub(crate) fn eval<'s>(
        &mut self,
        idx: u32,
        bound: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let i = idx as usize;
        if i >= bound || depth > MAX_DEPTH || self.budget == 0 {
            return self.fail();
        }
        self.budget -= 1;
        let nodes: &'r [Node] = self.nodes;
        let Some(node) = nodes.get(i) else {
            return self.fail();
        };
        // The shapes of typical segment rules stay in this small function; the rest is out of
        // line so that this frame stays cheap.
        match node {
            Node::Const(v) => Cow::Borrowed(v),
            Node::Slot(s) => self.slot(*s).map_or(NULL, Cow::Borrowed),
            Node::Binary { op, a, b } => {
                let a = self.operand(a, i, scope, depth);
                let b = self.operand(b, i, scope, depth);
                boolean(binary(*op, &a, &b))
            }
            Node::Op {
                op: op @ (Op::And | Op::Or),
                args,
                ..
            } => {
                let mut last = NULL;
                for c in self.args(*args) {
                    let v = self.child(*c, i, scope, depth);
                    if v.truthy() != (*op == Op::And) {
                        return v;
                    }
                    last = v;
                }
                last
            }
            _ => self.eval_node(node, i, scope, depth),
        }
    }

    /// The truthiness of node `idx`, without building values for the logic and comparisons of
    /// typical segment rules.
    pub(crate) fn truthy<'s>(
        &mut self,
        idx: u32,
        bound: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> bool
    where
        'r: 's,
    {
        let i = idx as usize;
        if i >= bound || depth > MAX_DEPTH || self.budget == 0 {
            self.fail();
            return false;
        }
        self.budget -= 1;
        let nodes: &'r [Node] = self.nodes;
        let Some(node) = nodes.get(i) else {
            self.fail();
            return false;
        };
        match node {
            Node::Const(v) => v.truthy(),
            Node::Slot(s) => self.slot(*s).is_some_and(Value::truthy),
            Node::Binary { op, a, b } => {
                let a = self.operand(a, i, scope, depth);
                let b = self.operand(b, i, scope, depth);
                binary(*op, &a, &b)
            }
            Node::Op { op, args, .. } => {
                let args = self.args(*args);
                match op {
                    // `and` yields its first falsy operand or its last: truthy iff all are.
                    Op::And => {
                        !args.is_empty()
                            && args.iter().all(|c| self.truthy(*c, i, scope, depth + 1))
                    }
                    Op::Or => args.iter().any(|c| self.truthy(*c, i, scope, depth + 1)),
                    Op::Not => !args
                        .first()
                        .is_some_and(|c| self.truthy(*c, i, scope, depth + 1)),
                    Op::NotNot => args
                        .first()
                        .is_some_and(|c| self.truthy(*c, i, scope, depth + 1)),
                    Op::If => {
                        let mut k = 0;
                        while let (Some(cond), Some(then)) = (args.get(k), args.get(k + 1)) {
                            if self.truthy(*cond, i, scope, depth + 1) {
                                return self.truthy(*then, i, scope, depth + 1);
                            }
                            k += 2;
                        }
                        args.get(k)
                            .is_some_and(|c| self.truthy(*c, i, scope, depth + 1))
                    }
                    _ => self.eval_node(node, i, scope, depth).truthy(),
                }
            }
            _ => self.eval_node(node, i, scope, depth).truthy(),
        }
    }

    /// Runs [`Eval::truthy`] on the root; `false` if any limit was hit.
    pub(crate) fn run_truthy(mut self) -> bool {
        let Some(root) = self.nodes.len().checked_sub(1) else {
            return false;
        };
        let t = self.truthy(root as u32, self.nodes.len(), None, 0);
        t && !self.failed
    }

    #[inline(never)]
    fn eval_node<'s>(
        &mut self,
        node: &'r Node,
        i: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match node {
            Node::Const(v) => Cow::Borrowed(v),
            Node::Slot(s) => self.slot(*s).map_or(NULL, Cow::Borrowed),
            Node::SlotOr { slot, default } => match self.slot(*slot) {
                Some(v) if !v.is_null() => Cow::Borrowed(v),
                _ => self.eval(*default, i, scope, depth + 1),
            },
            Node::Elem {
                base,
                segs,
                default,
            } => {
                let found = scope.and_then(|sc| {
                    let mut cur = match base {
                        Base::Item => sc.item,
                        Base::Accumulator => sc.acc?,
                    };
                    for seg in segs {
                        cur = cur.step(seg)?;
                    }
                    Some(cur)
                });
                self.found_or_default(found, *default, i, scope, depth)
            }
            Node::DynVar {
                path,
                default,
                root,
            } => {
                let p = self.eval(*path, i, scope, depth + 1);
                let found = self.dyn_lookup(&p, *root, scope);
                self.found_or_default(found, *default, i, scope, depth)
            }
            Node::MissingSlots { keys } => {
                let missing: Vec<Value> = keys
                    .iter()
                    .filter(|(_, s)| self.slot(*s).is_none_or(Value::is_null))
                    .map(|(k, _)| Value::String(k.clone()))
                    .collect();
                owned(Value::array(missing))
            }
            Node::MissingSomeSlots { min, keys } => {
                let mut present = 0u32;
                let mut missing = Vec::new();
                for (k, s) in keys {
                    if self.slot(*s).is_none_or(Value::is_null) {
                        missing.push(Value::String(k.clone()));
                    } else {
                        present += 1;
                    }
                }
                if present >= *min {
                    missing.clear();
                }
                owned(Value::array(missing))
            }
            Node::Op { op, args, root } => {
                let args = self.args(*args);
                self.op(*op, args, *root, i, scope, depth)
            }
            Node::Binary { op, a, b } => {
                let a = self.operand(a, i, scope, depth);
                let b = self.operand(b, i, scope, depth);
                boolean(binary(*op, &a, &b))
            }
        }
    }

    #[inline]
    fn operand<'s>(
        &mut self,
        o: &'r Operand,
        me: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match o {
            Operand::Slot(s) => self.slot(*s).map_or(NULL, Cow::Borrowed),
            Operand::Const(v) => Cow::Borrowed(v),
            Operand::Node(c) => self.child(*c, me, scope, depth),
        }
    }

    fn found_or_default<'s>(
        &mut self,
        found: Option<&'s Value>,
        default: Option<u32>,
        me: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match (found, default) {
            (Some(v), _) if !v.is_null() => Cow::Borrowed(v),
            (_, Some(d)) => self.eval(d, me, scope, depth + 1),
            _ => NULL,
        }
    }

    /// The base a computed path or `missing` key is looked up in.
    fn root_value<'s>(&self, root: Root, scope: Option<&Scope<'s>>) -> Option<&'s Value>
    where
        'r: 's,
    {
        match root {
            Root::Slot(s) => self.slot(s),
            Root::Scope => scope.map(|sc| sc.item),
        }
    }

    /// Looks a computed path up: a dotted string, a number (an index or key), `null` (the whole
    /// base) or an array of segments. Inside `reduce`, `current…`/`accumulator…` pick the base.
    fn dyn_lookup<'s>(
        &self,
        path: &Value,
        root: Root,
        scope: Option<&Scope<'s>>,
    ) -> Option<&'s Value>
    where
        'r: 's,
    {
        match path {
            Value::String(p) => {
                if let (
                    Root::Scope,
                    Some(Scope {
                        item,
                        acc: Some(acc),
                    }),
                ) = (root, scope)
                {
                    for (name, base) in [("current", *item), ("accumulator", *acc)] {
                        if let Some(rest) = p.strip_prefix(name) {
                            if rest.is_empty() {
                                return Some(base);
                            }
                            if let Some(rest) = rest.strip_prefix('.') {
                                return base.lookup(rest);
                            }
                        }
                    }
                }
                self.root_value(root, scope)?.lookup(p)
            }
            Value::Null => self.root_value(root, scope),
            Value::Number(_) => {
                let mut key = String::new();
                push_text(&mut key, path);
                self.root_value(root, scope)?.lookup(&key)
            }
            Value::Array(segs) => {
                let mut cur = self.root_value(root, scope)?;
                for seg in segs.iter() {
                    cur = match seg {
                        Value::String(s) => cur.lookup(s)?,
                        Value::Number(n) if *n >= 0.0 && crate::math::fract(*n) == 0.0 => {
                            let mut key = String::new();
                            push_text(&mut key, seg);
                            cur.step(&key)?
                        }
                        _ => return None,
                    };
                }
                Some(cur)
            }
            Value::Bool(_) | Value::Object(_) => None,
        }
    }

    /// Evaluates child `c` of node `me`.
    pub(crate) fn child<'s>(
        &mut self,
        c: u32,
        me: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        self.eval(c, me, scope, depth + 1)
    }

    fn op<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        root: Root,
        me: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match op {
            Op::Eq | Op::StrictEq => {
                let Some((first, rest)) = args.split_first() else {
                    return NULL;
                };
                let a = self.child(*first, me, scope, depth);
                for c in rest {
                    let b = self.child(*c, me, scope, depth);
                    let eq = if op == Op::Eq {
                        loose_eq(&a, &b)
                    } else {
                        strict_eq(&a, &b)
                    };
                    if !eq {
                        return boolean(false);
                    }
                }
                boolean(true)
            }
            Op::Ne | Op::StrictNe => {
                let a = self.opt_child(args.first(), me, scope, depth);
                let b = self.opt_child(args.get(1), me, scope, depth);
                boolean(if op == Op::Ne {
                    !loose_eq(&a, &b)
                } else {
                    !strict_eq(&a, &b)
                })
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let ord = match op {
                    Op::Lt => Ord::Lt,
                    Op::Le => Ord::Le,
                    Op::Gt => Ord::Gt,
                    _ => Ord::Ge,
                };
                let Some((first, rest)) = args.split_first() else {
                    return NULL;
                };
                let mut prev = self.child(*first, me, scope, depth);
                for c in rest {
                    let cur = self.child(*c, me, scope, depth);
                    if !ordered(&prev, &cur, ord) {
                        return boolean(false);
                    }
                    prev = cur;
                }
                boolean(true)
            }
            Op::Not => boolean(
                !args
                    .first()
                    .is_some_and(|c| self.truthy(*c, me, scope, depth + 1)),
            ),
            Op::NotNot => boolean(
                args.first()
                    .is_some_and(|c| self.truthy(*c, me, scope, depth + 1)),
            ),
            Op::And | Op::Or => {
                let mut last = NULL;
                for c in args {
                    let v = self.child(*c, me, scope, depth);
                    if v.truthy() != (op == Op::And) {
                        return v;
                    }
                    last = v;
                }
                last
            }
            Op::If => {
                let mut k = 0;
                while let (Some(cond), Some(then)) = (args.get(k), args.get(k + 1)) {
                    if self.truthy(*cond, me, scope, depth + 1) {
                        return self.child(*then, me, scope, depth);
                    }
                    k += 2;
                }
                self.opt_child(args.get(k), me, scope, depth)
            }
            Op::Add | Op::Mul => {
                let (unit, f): (f64, fn(f64, f64) -> f64) = if op == Op::Add {
                    (0.0, |a, b| a + b)
                } else {
                    (1.0, |a, b| a * b)
                };
                if let [only] = args {
                    let v = self.child(*only, me, scope, depth);
                    return number(match &*v {
                        Value::Array(items) => {
                            items.iter().map(Value::to_number_or_nan).fold(unit, f)
                        }
                        other => f(unit, other.to_number_or_nan()),
                    });
                }
                let mut acc = unit;
                for c in args {
                    acc = f(acc, self.child(*c, me, scope, depth).to_number_or_nan());
                }
                number(acc)
            }
            Op::Sub | Op::Div | Op::Mod => {
                let chain = match op {
                    Op::Sub => arith::Chain::Sub,
                    Op::Div => arith::Chain::Div,
                    _ => arith::Chain::Mod,
                };
                if let [only] = args {
                    let v = self.child(*only, me, scope, depth);
                    return number(match (&*v, chain) {
                        (Value::Array(items), arith::Chain::Mod) if items.len() < 2 => f64::NAN,
                        (Value::Array(items), _) => {
                            arith::chain(items.iter().map(Value::to_number_or_nan), chain)
                        }
                        (other, arith::Chain::Sub) => -other.to_number_or_nan(),
                        (other, arith::Chain::Div) => arith::div(1.0, other.to_number_or_nan()),
                        _ => f64::NAN,
                    });
                }
                number(arith::chain(
                    args.iter()
                        .map(|c| self.child(*c, me, scope, depth).to_number_or_nan()),
                    chain,
                ))
            }
            Op::Max | Op::Min => {
                let max = op == Op::Max;
                let result = if let [only] = args {
                    let v = self.child(*only, me, scope, depth);
                    match &*v {
                        Value::Array(items) => {
                            arith::extremum(items.iter().map(Value::to_number_or_nan), max)
                        }
                        other => Some(other.to_number_or_nan()),
                    }
                } else {
                    arith::extremum(
                        args.iter()
                            .map(|c| self.child(*c, me, scope, depth).to_number_or_nan()),
                        max,
                    )
                };
                result.map_or(NULL, number)
            }
            Op::Cat => {
                let mut out = String::new();
                for c in args {
                    let v = self.child(*c, me, scope, depth);
                    match &*v {
                        Value::Array(items) => items.iter().for_each(|it| push_text(&mut out, it)),
                        other => push_text(&mut out, other),
                    }
                    if out.len() > MAX_BUILD_LEN {
                        return self.fail();
                    }
                }
                owned(Value::from(out))
            }
            Op::Substr => {
                let src = self.opt_child(args.first(), me, scope, depth);
                let start = self.opt_child(args.get(1), me, scope, depth);
                let len = self.opt_child(args.get(2), me, scope, depth);
                let (start, len) = (string::int_arg(&start), string::int_arg(&len));
                let text = match &*src {
                    Value::String(s) => string::substr(s, start, len),
                    other => string::substr(&super::text::to_text(other), start, len),
                };
                owned(Value::from(text))
            }
            Op::In => {
                let needle = self.opt_child(args.first(), me, scope, depth);
                let hay = self.opt_child(args.get(1), me, scope, depth);
                boolean(string::contains(&needle, &hay))
            }
            Op::Log => self.opt_child(args.first(), me, scope, depth),
            Op::Merge | Op::Array => self.collect(op, args, me, scope, depth),
            Op::Map | Op::Filter | Op::Reduce | Op::All | Op::Some | Op::None => {
                self.iterate(op, args, me, scope, depth)
            }
            Op::Missing | Op::MissingSome => self.missing(op, args, root, me, scope, depth),
        }
    }

    pub(crate) fn opt_child<'s>(
        &mut self,
        c: Option<&u32>,
        me: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        match c {
            Some(c) => self.child(*c, me, scope, depth),
            None => NULL,
        }
    }

    /// `missing` / `missing_some` with computed keys, looked up in `root`.
    fn missing<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        root: Root,
        me: usize,
        scope: Option<&Scope<'s>>,
        depth: usize,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let base = self.root_value(root, scope);
        let is_missing = |key: &str| base.and_then(|b| b.lookup(key)).is_none_or(Value::is_null);
        let mut missing = Vec::new();
        if op == Op::Missing {
            for c in args {
                let v = self.child(*c, me, scope, depth);
                match &*v {
                    Value::String(k) if is_missing(k) => missing.push(Value::String(k.clone())),
                    Value::Array(items) => {
                        for item in items.iter() {
                            if let Value::String(k) = item {
                                if is_missing(k) {
                                    missing.push(Value::String(k.clone()));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            return owned(Value::array(missing));
        }
        let min = self.opt_child(args.first(), me, scope, depth);
        let min = min_present(&min);
        let keys = self.opt_child(args.get(1), me, scope, depth);
        let mut present = 0u32;
        if let Value::Array(items) = &*keys {
            for item in items.iter() {
                if let Value::String(k) = item {
                    if is_missing(k) {
                        missing.push(Value::String(k.clone()));
                    } else {
                        present = present.saturating_add(1);
                    }
                }
            }
        }
        if present >= min {
            missing.clear();
        }
        owned(Value::array(missing))
    }
}

/// A [`Node::Binary`] operator applied to its operands.
#[inline]
fn binary(op: BinOp, a: &Value, b: &Value) -> bool {
    match op {
        BinOp::Eq => loose_eq(a, b),
        BinOp::StrictEq => strict_eq(a, b),
        BinOp::Ne => !loose_eq(a, b),
        BinOp::StrictNe => !strict_eq(a, b),
        BinOp::Lt => ordered(a, b, Ord::Lt),
        BinOp::Le => ordered(a, b, Ord::Le),
        BinOp::Gt => ordered(a, b, Ord::Gt),
        BinOp::Ge => ordered(a, b, Ord::Ge),
        BinOp::In => string::contains(a, b),
    }
}

/// `missing_some`'s minimum: a number rounded up (at least 0), 1 for anything else.
pub(crate) fn min_present(v: &Value) -> u32 {
    match v {
        Value::Number(n) if n.is_nan() => 0,
        // Saturating float-to-int conversion.
        Value::Number(n) => crate::math::ceil(*n).max(0.0) as u32,
        _ => 1,
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
    let root = nodes.len().checked_sub(1)?;
    let out = ev.eval(root as u32, nodes.len(), None, 0).into_owned();
    (!ev.failed).then_some(out)
}
