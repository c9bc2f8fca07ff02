//! superbill: turns a cash-pay clinic's session records into insurer-ready
//! out-of-network superbills and accountant exports.
//!
//! Data flows one way, one module per stage:
//! `input` (read, parse) -> `validate` (findings) -> `resolve` (codes and
//! units) -> `build` (pure `superbill::Superbill` data, `ledger` for
//! payments) -> `render` (PDF) / `export` (CSV) -> `atomic` (writes).

pub mod atomic;
pub mod batch;
pub mod build;
pub mod cli;
pub mod cmd;
pub mod codes;
pub mod ein;
pub mod error;
pub mod export;
pub mod findings;
pub mod icd10;
pub mod input;
pub mod ledger;
pub mod manifest;
pub mod money;
pub mod ndc;
pub mod npi;
pub mod render;
pub mod resolve;
pub mod shell;
pub mod superbill;
pub mod synth;
pub mod taxonomy;
#[cfg(test)]
mod testutil;
pub mod totals;
pub mod units;
pub mod validate;

pub use error::{Error, Result};
