//! # ruv: Node.js's runtime model for Rust
//!
//! The facade over the ruv crates: [`core`] (libuv's loop), [`node`] (Node's ordering),
//! [`pool`] (the worker pool), Node's pool-backed modules [`fs`], [`dns`], [`crypto`] and
//! [`zlib`], and networking on the loop, [`net`] and [`http`], child processes ([`process`]), worker
//! threads ([`worker`]), Node's cluster ([`cluster`]), seeing a blocked loop ([`perf`]: the
//! delay monitor and the blocked-loop watchdog) and [`metrics`] in Prometheus's text format.
//!
//! ```
//! use ruv::core::{Loop, RunMode};
//! use ruv::node;
//!
//! let mut lp: Loop<Vec<&'static str>> = Loop::new()?;
//! let mut log = Vec::new();
//! node::enter(&mut lp, &mut log, |lp, _| {
//!     node::set_immediate(lp, |lp, log| {
//!         log.push("immediate");
//!         node::next_tick(lp, |_, log| log.push("tick")) // callbacks may return Result
//!     })?;
//!     Ok(())
//! })?;
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["immediate", "tick"]);
//! # Ok::<(), ruv::core::Error>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod conformance;

pub use ruv_cluster as cluster;
pub use ruv_core as core;
pub use ruv_crypto as crypto;
pub use ruv_dns as dns;
pub use ruv_fs as fs;
pub use ruv_http as http;
pub use ruv_metrics as metrics;
pub use ruv_net as net;
pub use ruv_node as node;
pub use ruv_perf as perf;
pub use ruv_pool as pool;
pub use ruv_process as process;
pub use ruv_worker as worker;
pub use ruv_zlib as zlib;
