//! ICD-10-CM code sets (placeholder; being built).
