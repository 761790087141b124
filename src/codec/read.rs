//! The hand-written decoder: a [`Reader`] over the payload bytes and the [`Decodable`] trait.
//!
//! It reads exactly what `bincode::encode_to_vec(value, bincode::config::standard())` writes (the rules are
//! in `docs/FORMAT.md`, section 6), and it accepts exactly what bincode 2's own `Decode` with the crate's
//! configuration (`standard().with_limit::<DECODE_BUDGET>()`) accepted, failing with the same
//! [`crate::codec::CodecError`]s. That includes bincode's allocation budget, counted the same way:
//!
//! - every primitive claims its full width, whatever its varint takes: 1 byte for `u8`, `bool` and an
//!   `Option` tag, 2 for `u16`/`i16`, 4 for `u32`/`i32` (and enum variant indices), 8 for `u64`/`i64`,
//!   `f64` and a length;
//! - a string claims its length; a `Vec<T>` claims `len * size_of::<T>()` before any element is read and
//!   gives back `size_of::<T>()` as each element starts decoding (which claims its own bytes again); an
//!   array `[T; N]` claims `size_of::<[T; N]>()` the same way.
//!
//! So a forged length prefix fails on the budget, on the same inputs as before; and since nothing is
//! reserved on the word of a length prefix, it could not make the decoder allocate much anyway.
//!
//! The types decoded from a snapshot implement [`Decodable`] next to their definitions: structs field by
//! field in declaration order (the order bincode's derive uses), enums by their variant index
//! (`Ok(match r.u32()? { 0 => ..., _ => return Err(Invalid::Tag) })`), or, for a unit-only enum with
//! many variants, [`Reader::variant`] over the list of its variants (a table is smaller than a match
//! there).
//!
//! `src/codec/tests.rs` checks all of this against bincode's own derived decoder, which the types keep
//! in test builds only (`#[cfg_attr(test, derive(bincode::Decode))]`).

use crate::prelude::*;

use alloc::sync::Arc;
use core::mem::size_of;

/// Why bytes do not decode. One byte, no data: the wasm module carries no formatting, and every `?` in a
/// decoder copies it. [`Invalid::reason`] gives the fixed description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// The input ends inside a value.
    End,
    /// An enum variant index, or an `Option` tag, that the type does not have.
    Tag,
    /// A string is not UTF-8.
    Utf8,
    /// A boolean byte is neither 0 nor 1.
    Bool,
    /// A varint wider than its type (or a reserved marker), or a length that does not fit a `usize`.
    Range,
    /// Decoding would claim more than the allocation budget.
    Budget,
    /// A rule value nested deeper than [`crate::rules::MAX_VALUE_DEPTH`].
    Depth,
    /// A rule value with an unknown tag.
    ValueTag,
}

impl Invalid {
    /// A fixed description (the texts bincode's errors were reported with before).
    pub fn reason(self) -> &'static str {
        match self {
            Invalid::End => "the input ends inside a value",
            Invalid::Tag => "unknown enum variant",
            Invalid::Utf8 => "a string is not UTF-8",
            Invalid::Bool => "a boolean is neither 0 nor 1",
            Invalid::Range => "an integer out of range",
            Invalid::Budget => "payload exceeds the decoding limit",
            Invalid::Depth => "value nested too deeply",
            Invalid::ValueTag => "unknown value tag",
        }
    }
}

/// A type that can be read back from its bincode encoding (see the module documentation).
pub trait Decodable: Sized {
    /// Reads one value from `r`, leaving `r` just after it.
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid>;
}

/// A position in the input and what is left of the allocation budget.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
    claimed: usize,
    budget: usize,
}

/// The varint markers: a first byte up to 250 is the value, 251/252/253 are followed by a u16/u32/u64 LE.
const MAX_SINGLE_BYTE: u8 = 250;
const U16_MARKER: u8 = 251;
const U32_MARKER: u8 = 252;
const U64_MARKER: u8 = 253;

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes` that may claim at most `budget` bytes (see the module docs).
    pub fn new(bytes: &'a [u8], budget: usize) -> Reader<'a> {
        Reader {
            rest: bytes,
            claimed: 0,
            budget,
        }
    }

    /// How many input bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Reads a value of any [`Decodable`] type.
    pub fn read<T: Decodable>(&mut self) -> Result<T, Invalid> {
        T::read(self)
    }

    /// Claims `n` bytes of the budget (bincode's `claim_bytes_read`).
    fn claim(&mut self, n: usize) -> Result<(), Invalid> {
        self.claimed = self.claimed.checked_add(n).ok_or(Invalid::Budget)?;
        if self.claimed > self.budget {
            return Err(Invalid::Budget);
        }
        Ok(())
    }

    /// Gives back `n` claimed bytes (bincode's `unclaim_bytes_read`); always after a larger claim.
    fn unclaim(&mut self, n: usize) {
        self.claimed = self.claimed.wrapping_sub(n);
    }

    /// The next `n` input bytes.
    fn take(&mut self, n: usize) -> Result<&'a [u8], Invalid> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(Invalid::End)?;
        self.rest = tail;
        Ok(head)
    }

    /// The next input byte, not claimed.
    fn byte(&mut self) -> Result<u8, Invalid> {
        let (&first, tail) = self.rest.split_first().ok_or(Invalid::End)?;
        self.rest = tail;
        Ok(first)
    }

    /// A `u8`: one raw byte.
    pub fn u8(&mut self) -> Result<u8, Invalid> {
        self.claim(1)?;
        self.byte()
    }

    /// A `bool`: one byte, 0 or 1.
    pub fn bool(&mut self) -> Result<bool, Invalid> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Invalid::Bool),
        }
    }

    /// An unsigned varint of a type `width` bytes wide (2, 4 or 8), which is also what it claims. A
    /// marker announcing more bytes than the type has is [`Invalid::Range`]. Non-shortest forms are
    /// accepted, as bincode does.
    fn varint(&mut self, width: usize) -> Result<u64, Invalid> {
        self.claim(width)?;
        let len = match self.byte()? {
            small @ 0..=MAX_SINGLE_BYTE => return Ok(u64::from(small)),
            U16_MARKER => 2,
            U32_MARKER => 4,
            U64_MARKER => 8,
            _ => return Err(Invalid::Range),
        };
        if len > width {
            return Err(Invalid::Range);
        }
        let mut le = [0u8; 8];
        le[..len].copy_from_slice(self.take(len)?);
        Ok(u64::from_le_bytes(le))
    }

    /// A `u16` varint.
    pub fn u16(&mut self) -> Result<u16, Invalid> {
        self.varint(2).map(|n| n as u16)
    }

    /// A `u32` varint (also the variant index of an enum).
    pub fn u32(&mut self) -> Result<u32, Invalid> {
        self.varint(4).map(|n| n as u32)
    }

    /// A `u64` varint.
    pub fn u64(&mut self) -> Result<u64, Invalid> {
        self.varint(8)
    }

    /// A `usize`: a `u64` varint that must fit. (bincode 2.0.1 truncates a wider one on 32-bit targets;
    /// no decoded type holds a `usize`.)
    pub fn usize(&mut self) -> Result<usize, Invalid> {
        usize::try_from(self.u64()?).map_err(|_| Invalid::Range)
    }

    /// An `i16`: zigzag, then a `u16` varint.
    pub fn i16(&mut self) -> Result<i16, Invalid> {
        self.varint(2).map(|n| unzigzag(n) as i16)
    }

    /// An `i32`: zigzag, then a `u32` varint.
    pub fn i32(&mut self) -> Result<i32, Invalid> {
        self.varint(4).map(|n| unzigzag(n) as i32)
    }

    /// An `i64`: zigzag, then a `u64` varint.
    pub fn i64(&mut self) -> Result<i64, Invalid> {
        self.varint(8).map(unzigzag)
    }

    /// An `f64`: 8 bytes, little-endian.
    pub fn f64(&mut self) -> Result<f64, Invalid> {
        self.claim(8)?;
        let mut le = [0u8; 8];
        le.copy_from_slice(self.take(8)?);
        Ok(f64::from_le_bytes(le))
    }

    /// A length prefix (strings, `Vec`): a `u64` varint that must fit a `usize`. It is not checked against
    /// anything else: [`Reader::vec`] and [`Reader::str`] claim what it announces before allocating.
    pub fn length(&mut self) -> Result<usize, Invalid> {
        self.usize()
    }

    /// A string, borrowed from the input: its length, then that many bytes of UTF-8.
    pub fn str(&mut self) -> Result<&'a str, Invalid> {
        let len = self.length()?;
        self.claim(len)?;
        core::str::from_utf8(self.take(len)?).map_err(|_| Invalid::Utf8)
    }

    /// A `String` (see [`Reader::str`]).
    pub fn string(&mut self) -> Result<String, Invalid> {
        self.str().map(String::from)
    }

    /// A length prefix for `size`-byte elements, claimed in full before anything is allocated.
    fn container(&mut self, size: usize) -> Result<usize, Invalid> {
        let len = self.length()?;
        self.claim(len.checked_mul(size).ok_or(Invalid::Budget)?)?;
        Ok(len)
    }

    /// A `Vec<T>`: the element count, then each element read by `item`.
    ///
    /// The count is claimed against the budget first (`count * size_of::<T>()`, as bincode does), and
    /// nothing is reserved on its word: the vector grows as elements actually decode, so a forged count
    /// allocates nothing. (Measured: smaller code than reserving the count, and no slower.)
    pub fn vec<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, Invalid>,
    ) -> Result<Vec<T>, Invalid> {
        let len = self.container(size_of::<T>())?;
        let mut out = Vec::new();
        for _ in 0..len {
            self.unclaim(size_of::<T>());
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// A unit-only enum: its variant index (a `u32` varint) looked up in `variants`, which lists every
    /// variant in declaration order. Smaller than a `match` for enums with many variants (measured for
    /// the rule operators); for a handful of variants the `match` is smaller.
    pub fn variant<T: Copy>(&mut self, variants: &[T]) -> Result<T, Invalid> {
        let index = self.u32()?;
        variants.get(index as usize).copied().ok_or(Invalid::Tag)
    }

    /// An `Option<T>`: a tag byte, 0 (`None`) or 1 followed by the value read by `item`.
    pub fn option<T>(
        &mut self,
        item: impl FnOnce(&mut Self) -> Result<T, Invalid>,
    ) -> Result<Option<T>, Invalid> {
        match self.u8()? {
            0 => Ok(None),
            1 => item(self).map(Some),
            _ => Err(Invalid::Tag),
        }
    }

    /// An array `[T; N]`: the N elements read by `item`, with no length.
    pub fn array<T: Default, const N: usize>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, Invalid>,
    ) -> Result<[T; N], Invalid> {
        self.claim(size_of::<[T; N]>())?;
        let mut out: [T; N] = core::array::from_fn(|_| T::default());
        for slot in &mut out {
            self.unclaim(size_of::<T>());
            *slot = item(self)?;
        }
        Ok(out)
    }
}

/// Undoes zigzag: 0, 1, 2, 3 → 0, -1, 1, -2.
fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

macro_rules! primitives {
    ($($ty:ty => $method:ident),* $(,)?) => {$(
        impl Decodable for $ty {
            fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
                r.$method()
            }
        }
    )*};
}

primitives! {
    u8 => u8, bool => bool, u16 => u16, u32 => u32, u64 => u64, usize => usize,
    i16 => i16, i32 => i32, i64 => i64, f64 => f64, String => string,
}

impl Decodable for Arc<str> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.str().map(Arc::from)
    }
}

impl<T: Decodable> Decodable for Vec<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.vec(T::read)
    }
}

impl<T: Decodable> Decodable for Option<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.option(T::read)
    }
}

impl<T: Decodable + Default, const N: usize> Decodable for [T; N] {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.array(T::read)
    }
}

macro_rules! tuples {
    ($(($($name:ident),+))*) => {$(
        impl<$($name: Decodable),+> Decodable for ($($name,)+) {
            fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
                Ok(($($name::read(r)?,)+))
            }
        }
    )*};
}

tuples! { (A, B) (A, B, C) (A, B, C, D) (A, B, C, D, E) }
