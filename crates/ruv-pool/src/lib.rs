//! ruv-pool (stub)
