//! The operator arms the evaluator dispatches to, and the operator semantics shared with the
//! constant folder, one module per family.

pub(crate) mod arith;
pub(crate) mod compare;
pub(crate) mod data;
pub(crate) mod iter;
pub(crate) mod logic;
pub(crate) mod string;
