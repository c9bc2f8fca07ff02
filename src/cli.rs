//! Command-line interface (placeholder).
pub fn run() -> i32 {
    0
}
