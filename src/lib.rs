//! persona-edge: an edge personalization engine.
//!
//! From a compact, signed snapshot of one customer's profile, it scores segments and chooses the channel and
//! the time to reach that customer, without calling home. This crate is plain Rust, `no_std` with `alloc`:
//! it builds and tests natively and for `wasm32-unknown-unknown`; the JavaScript binding lives in one module
//! compiled only for wasm. Natively (feature `std`, the default) it also signs and verifies snapshots with
//! Ed25519; in JavaScript hosts the signature check is WebCrypto's and everything else stays here.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod channel;
pub mod codec;
pub mod context;
pub mod decide;
pub mod fields;
pub mod math;
pub mod profile;
pub mod rules;
pub mod ruleset;
pub mod session;
pub mod snapshot;
pub mod sort;
pub mod subject;
mod vocabulary;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The `alloc` names every module uses, imported with `use crate::prelude::*` (the crate is `no_std`).
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// The shipped wasm module links no standard library: a panic (never expected) traps, with no message and
/// no formatting machinery behind it.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
// SAFETY: wasm32 without atomics has one thread; talc owns the memory it grows.
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
