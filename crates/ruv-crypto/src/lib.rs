//! ruv-crypto (stub)
