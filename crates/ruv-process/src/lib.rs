//! # ruv-process: Node's `child_process` on the ruv loop
//!
//! * [`child`]: `spawn`, `exec`, `exec_file`, `spawn_sync`, `exec_file_sync` — a
//!   [`child::ChildProcess`] handle with its stdio as streams, Node's events and errors;
//!   children reaped on the loop (a pidfd per child).
//! * [`ipc`]: the IPC channel of `fork`, speaking Node's protocol (newline-delimited JSON,
//!   `NODE_*` internal messages, handle passing), and the child's side
//!   ([`ipc::channel`]: the channel a parent — ruv or node — opened for this process).
//!
//! Design: `docs/process.md`.
#![warn(missing_docs)]

pub mod child;
pub mod fork;
pub mod ipc;
