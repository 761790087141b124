//! Identity resolution: one customer from many identifiers.

pub mod matcher;
