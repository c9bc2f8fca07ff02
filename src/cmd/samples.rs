//! `superbill samples` (being built)
use crate::error::{Error, Result};

pub fn run<T>(_: T) -> Result<i32> {
    Err(Error::Usage("not yet available".into()))
}
