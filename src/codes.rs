//! Procedure code tables, pairing rules and service mappings (placeholder).
