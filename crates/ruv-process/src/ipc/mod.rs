//! The IPC channel (Node's protocol).
