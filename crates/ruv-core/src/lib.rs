//! ruv-core (stub)
