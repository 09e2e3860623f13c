//! ruv-node (stub)
