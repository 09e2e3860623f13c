//! Shared memory between threads (Node's `SharedArrayBuffer` and `Atomics`).

/// A fixed-size buffer shared by threads without copying.
#[derive(Debug, Clone)]
pub struct SharedBuffer {}
