//! Rendering superbills to PDF (placeholder; being built).
