//! ruv
