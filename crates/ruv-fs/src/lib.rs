//! ruv-fs: (in progress)
