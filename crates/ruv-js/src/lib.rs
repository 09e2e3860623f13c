//! # ruv-js: a JavaScript runtime on ruv
//!
//! `ruvjs script.js [args]` runs a Node script on a ruv loop with QuickJS (through the
//! `rquickjs` crate): one JS runtime per loop, Node's globals and core modules written in
//! JavaScript (`src/js/`) on a few native functions, and Node's queue order — the tick
//! queue is ruv-node's, drained after every callback before the engine's promise jobs,
//! which run as ruv-node microtasks, repeating until both are empty.
//!
//! ```no_run
//! let code = ruv_js::run_file("script.js".as_ref(), &["arg".to_string()])?;
//! std::process::exit(code);
//! # Ok::<(), ruv_js::JsError>(())
//! ```
//!
//! docs/js.md lists what is there and what is not yet.
#![warn(missing_docs)]

mod clone;
mod cluster;
mod cp;
mod encoding;
mod engine;
mod fsx;
mod heap;
mod host;
mod http;
mod http_client;
mod ipc;
mod mods;
mod natives;
mod natives_fs;
mod net;
mod now;
mod ops;
mod run;
mod streams;
mod sysinfo;
mod timers;
mod worker;
mod worker_natives;

pub use run::{run_file, run_file_with, JsError, Options};
