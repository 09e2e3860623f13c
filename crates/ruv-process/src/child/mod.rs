//! Child processes (spawn, exec, reaping).
