//! ruv-zlib: (in progress)
