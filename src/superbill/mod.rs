//! The superbill: its model (pure data, everything a renderer prints) and
//! its assembly from a loaded practice folder (one superbill per patient
//! with billable sessions in the period).
//!
//! The model and the assembly live together because they change together;
//! renderers (`render::superbill`, `export`) read only the model.

mod assemble;
mod billed;
pub mod letters;
mod model;
mod paid;

pub use assemble::{number, superbills, Group, Outcome, Plan, Request};
pub use billed::SessionBills;
pub use model::*;
