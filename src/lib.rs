//! superbill: turns a cash-pay clinic's session records into insurer-ready
//! out-of-network superbills and accountant exports.
//!
//! Data flows one way, one module per stage:
//! `practice` (a folder loaded: `input` read and parsed, code tables) ->
//! `validate` (findings) -> `resolve` (codes and units) -> `superbill`
//! (pure data, `ledger` for payments, `rows` for the fate of every row)
//! -> `render` (PDF) / `export` (CSV) -> `atomic` (writes).
//!
//! `cli` and `cmd` are the command-line layer on top: nothing else imports
//! them, and only they read the clock ("today" is passed in).

pub mod atomic;
pub mod batch;
pub mod cli;
pub mod cmd;
pub mod cms1500;
pub mod codes;
pub mod ein;
pub mod error;
pub mod estimate;
pub mod export;
pub mod findings;
pub mod hash;
pub mod hold;
pub mod icd10;
pub mod input;
pub mod ledger;
pub mod manifest;
pub mod money;
pub mod ndc;
pub mod npi;
pub mod outdir;
pub mod portal;
pub mod practice;
pub mod preflight;
pub mod render;
pub mod resolve;
pub mod rows;
pub mod shard;
pub mod shell;
pub mod sorted;
pub mod statement;
pub mod superbill;
pub mod synth;
pub mod taxonomy;
#[cfg(test)]
mod testutil;
pub mod totals;
pub mod units;
pub mod validate;

pub use error::{Error, Result};
