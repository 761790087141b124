//! The `persona` commands.

mod args;
mod decide;
mod erase;
mod eval;
mod export;
mod import;
mod input;
mod keys;
mod matching;
mod publish;
mod serve;
mod snapshots;
pub mod store;
mod vault;

pub use decide::decide;
pub use erase::erase;
pub use eval::{eval, eval_batch};
pub use export::export;
pub use import::import;
pub use keys::{keys, token};
pub use matching::match_records;
pub use publish::publish;
pub use serve::serve;
pub use snapshots::{compile, inspect, keygen, sign};
pub use vault::vault;
