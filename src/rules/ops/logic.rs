//! `and`, `or`, `!`, `!!` and `if`.

use crate::rules::eval::{Eval, Frame, Out, NULL};
use crate::rules::node::Op;

impl<'r> Eval<'r> {
    /// `and` yields its first falsy operand (or its last), `or` its first truthy one (or its last);
    /// `null` with no operands.
    pub(crate) fn op_and_or<'s>(&mut self, op: Op, args: &'r [u32], inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let mut last = NULL;
        for c in args {
            let v = self.eval(*c, inner);
            if v.truthy() != (op == Op::And) {
                return v;
            }
            last = v;
        }
        last
    }

    /// The truthiness of the first operand (`false` with none), for `!` and `!!`.
    pub(crate) fn first_truthy<'s>(&mut self, args: &'r [u32], inner: Frame<'_, 's>) -> bool
    where
        'r: 's,
    {
        args.first().is_some_and(|c| self.truthy(*c, inner))
    }

    /// The branch `if` takes: the operand after the first truthy condition, else the trailing
    /// `else` operand if there is one.
    pub(crate) fn branch<'s>(&mut self, args: &'r [u32], inner: Frame<'_, 's>) -> Option<&'r u32>
    where
        'r: 's,
    {
        let mut k = 0;
        while let (Some(cond), Some(then)) = (args.get(k), args.get(k + 1)) {
            if self.truthy(*cond, inner) {
                return Some(then);
            }
            k += 2;
        }
        args.get(k)
    }
}
