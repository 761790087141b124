//! The `persona` commands.

mod decide;
mod eval;
mod snapshots;

pub use decide::decide;
pub use eval::{eval, eval_batch};
pub use snapshots::{compile, inspect, keygen, sign};
