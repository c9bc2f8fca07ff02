//! `--json`: one JSON document on stdout, for scripts and schedulers.
//! Money is written as decimal strings (`"1250.00"`), exactly as in the
//! CSV exports, never as floats; keys are sorted, so output is stable.

use crate::error::Error;
use crate::findings::Finding;
use serde_json::{json, Value};

pub fn print(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON values serialise")
    );
}

/// The document for a command that stopped with an error (exit 2).
pub fn failure(e: &Error) -> Value {
    json!({
        "ok": false,
        "exit_code": e.exit_code(),
        "error": e.to_string(),
    })
}

pub fn findings<'a>(items: impl IntoIterator<Item = &'a Finding>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|f| serde_json::to_value(f).expect("findings serialise"))
            .collect(),
    )
}
