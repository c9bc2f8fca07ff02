//! Reading a practice folder.
pub mod model;
