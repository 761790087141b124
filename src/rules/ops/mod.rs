//! Operator semantics shared by the evaluator and the constant folder.

pub(crate) mod arith;
pub(crate) mod compare;
pub(crate) mod iter;
pub(crate) mod string;
