//! The encoding of [`Value`] (bincode `Encode`, and the hand decoder's [`Decodable`]), depth-limited so
//! that decoding untrusted bytes cannot recurse without bound.
//!
//! A value is a tag byte, then for a number an `f64`, for a string a string, for an array its length and
//! the items, for an object its length and the `(key, value)` members.

use alloc::sync::Arc;

use bincode::enc::Encoder;
use bincode::error::EncodeError;
use bincode::Encode;

use super::value::{Value, MAX_VALUE_DEPTH};
use crate::codec::{Decodable, Invalid, Reader};

const TAG_NULL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_NUMBER: u8 = 3;
const TAG_STRING: u8 = 4;
const TAG_ARRAY: u8 = 5;
const TAG_OBJECT: u8 = 6;

fn encode_value<E: Encoder>(v: &Value, e: &mut E, depth: usize) -> Result<(), EncodeError> {
    match v {
        Value::Null => TAG_NULL.encode(e),
        Value::Bool(false) => TAG_FALSE.encode(e),
        Value::Bool(true) => TAG_TRUE.encode(e),
        Value::Number(n) => {
            TAG_NUMBER.encode(e)?;
            n.encode(e)
        }
        Value::String(s) => {
            TAG_STRING.encode(e)?;
            (**s).encode(e)
        }
        Value::Array(_) | Value::Object(_) if depth >= MAX_VALUE_DEPTH => {
            Err(EncodeError::Other("value nested too deeply"))
        }
        Value::Array(items) => {
            TAG_ARRAY.encode(e)?;
            (items.len() as u64).encode(e)?;
            items
                .iter()
                .try_for_each(|item| encode_value(item, e, depth + 1))
        }
        Value::Object(members) => {
            TAG_OBJECT.encode(e)?;
            (members.len() as u64).encode(e)?;
            members.iter().try_for_each(|(k, item)| {
                (**k).encode(e)?;
                encode_value(item, e, depth + 1)
            })
        }
    }
}

fn read_value(r: &mut Reader<'_>, depth: usize) -> Result<Value, Invalid> {
    let tag = r.u8()?;
    if matches!(tag, TAG_ARRAY | TAG_OBJECT) && depth >= MAX_VALUE_DEPTH {
        return Err(Invalid::Depth);
    }
    Ok(match tag {
        TAG_NULL => Value::Null,
        TAG_FALSE => Value::Bool(false),
        TAG_TRUE => Value::Bool(true),
        TAG_NUMBER => Value::Number(r.f64()?),
        TAG_STRING => Value::String(r.read()?),
        TAG_ARRAY => Value::Array(Arc::from(r.vec(|r| read_value(r, depth + 1))?)),
        TAG_OBJECT => Value::Object(Arc::from(
            r.vec(|r| Ok((r.read()?, read_value(r, depth + 1)?)))?,
        )),
        _ => return Err(Invalid::ValueTag),
    })
}

impl Encode for Value {
    fn encode<E: Encoder>(&self, encoder: &mut E) -> Result<(), EncodeError> {
        encode_value(self, encoder, 0)
    }
}

impl Decodable for Value {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        read_value(r, 0)
    }
}

/// bincode's decoder of values as it was before the hand decoder, for the differential tests
/// (`src/codec/tests.rs`).
#[cfg(test)]
mod bincode_decode {
    use super::*;
    use crate::prelude::*;

    use bincode::de::Decoder;
    use bincode::error::DecodeError;
    use bincode::Decode;

    fn decode_len<D: Decoder, T>(d: &mut D) -> Result<usize, DecodeError> {
        let len = u64::decode(d)?;
        let len = usize::try_from(len).map_err(|_| DecodeError::Other("length out of range"))?;
        d.claim_container_read::<T>(len)?;
        Ok(len)
    }

    fn decode_value<D: Decoder>(d: &mut D, depth: usize) -> Result<Value, DecodeError> {
        let tag = u8::decode(d)?;
        if matches!(tag, TAG_ARRAY | TAG_OBJECT) && depth >= MAX_VALUE_DEPTH {
            return Err(DecodeError::Other("value nested too deeply"));
        }
        Ok(match tag {
            TAG_NULL => Value::Null,
            TAG_FALSE => Value::Bool(false),
            TAG_TRUE => Value::Bool(true),
            TAG_NUMBER => Value::Number(f64::decode(d)?),
            TAG_STRING => Value::String(<Arc<str> as Decode<D::Context>>::decode(d)?),
            TAG_ARRAY => {
                let len = decode_len::<D, Value>(d)?;
                // Never trust the length for the allocation: grow as elements actually decode.
                let mut items = Vec::with_capacity(len.min(64));
                for _ in 0..len {
                    d.unclaim_bytes_read(core::mem::size_of::<Value>());
                    items.push(decode_value(d, depth + 1)?);
                }
                Value::Array(Arc::from(items))
            }
            TAG_OBJECT => {
                let len = decode_len::<D, (Arc<str>, Value)>(d)?;
                let mut members = Vec::with_capacity(len.min(64));
                for _ in 0..len {
                    d.unclaim_bytes_read(core::mem::size_of::<(Arc<str>, Value)>());
                    let key = <Arc<str> as Decode<D::Context>>::decode(d)?;
                    members.push((key, decode_value(d, depth + 1)?));
                }
                Value::Object(Arc::from(members))
            }
            _ => return Err(DecodeError::Other("unknown value tag")),
        })
    }

    impl<Context> Decode<Context> for Value {
        fn decode<D: Decoder<Context = Context>>(decoder: &mut D) -> Result<Self, DecodeError> {
            decode_value(decoder, 0)
        }
    }

    bincode::impl_borrow_decode!(Value);
}
