//! ruv-testkit (stub)
