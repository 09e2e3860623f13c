//! ruv-dns: (in progress)
