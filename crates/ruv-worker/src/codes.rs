//! The error codes of ruv-worker (Node's names where Node has one).

use ruv_core::Code;

/// The worker thread could not be started (Node's code; the OS's reason in the detail).
pub const ERR_WORKER_INIT_FAILED: Code =
    Code::new("ERR_WORKER_INIT_FAILED", "Worker initialization failure");

/// An operation on a worker that has exited (its handle is stale).
pub const ERR_WORKER_NOT_RUNNING: Code =
    Code::new("ERR_WORKER_NOT_RUNNING", "Worker instance not running");

/// `terminate` passed its deadline: a callback in the worker is still running and does not
/// check [`should_stop`](crate::should_stop) (Rust cannot pre-empt it).
pub const ERR_WORKER_STUCK: Code = Code::new(
    "ERR_WORKER_STUCK",
    "Worker did not stop before the terminate deadline",
);

/// A port that is closed (or being closed) cannot be moved to another loop.
pub const ERR_PORT_CLOSED: Code = Code::new("ERR_PORT_CLOSED", "Message port is closed");
