//! # ruv-cluster: Node.js's `cluster` for ruv programs
//!
//! The same `main` runs as the primary or as a worker ([`is_primary`]): the primary
//! ([`Cluster`]) re-executes the program with Node's `NODE_UNIQUE_ID` and an IPC channel;
//! a worker ([`worker::setup`]) finds that channel, reports `online`, and asks the primary
//! for the ports it listens on ([`worker::listen`]). Ports are shared as Node shares them:
//! round-robin (the primary accepts and hands each connection to the next free worker) or
//! a shared handle (`NODE_CLUSTER_SCHED_POLICY=none`: one listening socket sent to every
//! worker), or, ruv's extension, `SO_REUSEPORT` (`RUV_CLUSTER_SCHED_POLICY=reuseport`:
//! every worker binds its own socket). UDP ([`worker::bind_udp`]) is always shared. The wire is Node's own `NODE_CLUSTER` protocol ([`proto`]), so a ruv worker and
//! a Node primary understand each other. Design and status: `docs/cluster.md`.
//!
//! ```no_run
//! use ruv_cluster::{Cluster, ClusterEvent, Settings};
//! use ruv_core::{Loop, RunMode};
//!
//! let mut lp: Loop<()> = Loop::new()?;
//! if ruv_cluster::is_primary() {
//!     let cluster = Cluster::new(&mut lp, Settings::default(), |_, _, _, ev| {
//!         if let ClusterEvent::Exit { worker, code, signal } = ev {
//!             println!("worker {} exited: {code:?} {signal:?}", worker.id());
//!         }
//!     })?;
//!     cluster.fork(&mut lp)?;
//! } else {
//!     ruv_cluster::worker::setup(&mut lp, |_, _, _| {})?;
//! }
//! lp.run(RunMode::Default, &mut ())?;
//! # Ok::<(), ruv_core::Error>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod primary;
pub mod proto;
pub mod supervisor;
pub mod worker;

pub use primary::{Address, Cluster, ClusterEvent, Settings, Worker, WorkerState};
pub use supervisor::{Supervisor, SupervisorEvent, SupervisorOptions};

use std::sync::OnceLock;

/// The variable that makes a process a worker, with its id (Node's).
pub const UNIQUE_ID_ENV: &str = "NODE_UNIQUE_ID";
/// Node's scheduling-policy variable: `rr` (round-robin) or `none` (shared handle).
pub const SCHED_POLICY_ENV: &str = "NODE_CLUSTER_SCHED_POLICY";
/// ruv's scheduling-policy variable: `rr`, `shared` (or `none`) or `reuseport`; read before
/// [`SCHED_POLICY_ENV`], which it overrides.
pub const RUV_SCHED_POLICY_ENV: &str = "RUV_CLUSTER_SCHED_POLICY";

/// How workers share a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// The primary accepts and hands each connection to the next free worker (Node's
    /// `SCHED_RR`, its default on Unix).
    #[default]
    RoundRobin,
    /// The primary binds once and sends the listening socket to every worker, which race
    /// on its accept queue (Node's `SCHED_NONE`). UDP is always shared.
    Shared,
    /// ruv's extension: every worker binds its own `SO_REUSEPORT` socket on the port and
    /// the kernel spreads connections over them. The primary holds a bound socket (never
    /// listening) that keeps the port while workers come and go. Node workers, which never
    /// ask for it, get round-robin.
    ReusePort,
}

impl Policy {
    /// The policy the environment names: `RUV_CLUSTER_SCHED_POLICY` first (`rr`,
    /// `shared` or `none`, `reuseport`), else `NODE_CLUSTER_SCHED_POLICY` as Node reads it
    /// (`none` is [`Shared`](Policy::Shared), anything else round-robin); nothing set:
    /// round-robin.
    pub fn from_env() -> Policy {
        let ruv = std::env::var(RUV_SCHED_POLICY_ENV).ok();
        let node = std::env::var(SCHED_POLICY_ENV).ok();
        Policy::from_names(ruv.as_deref(), node.as_deref())
    }

    /// [`from_env`](Policy::from_env) on given values: `ruv` is `RUV_CLUSTER_SCHED_POLICY`'s,
    /// `node` is `NODE_CLUSTER_SCHED_POLICY`'s. An unknown `ruv` name falls through to `node`.
    pub fn from_names(ruv: Option<&str>, node: Option<&str>) -> Policy {
        match ruv {
            Some("rr") => return Policy::RoundRobin,
            Some("shared" | "none") => return Policy::Shared,
            Some("reuseport") => return Policy::ReusePort,
            _ => {}
        }
        match node {
            Some("none") => Policy::Shared,
            _ => Policy::RoundRobin,
        }
    }
}

fn unique_id() -> &'static Option<String> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| std::env::var_os(UNIQUE_ID_ENV).map(|v| v.to_string_lossy().into_owned()))
}

/// Whether this process is a worker: `NODE_UNIQUE_ID` is in its environment (read once).
pub fn is_worker() -> bool {
    unique_id().is_some()
}

/// Whether this process is the primary (not a worker).
pub fn is_primary() -> bool {
    !is_worker()
}

/// This worker's id (Node's `cluster.worker.id`: `+NODE_UNIQUE_ID | 0`); `None` in the
/// primary.
pub fn worker_id() -> Option<u32> {
    unique_id()
        .as_deref()
        .map(|v| v.trim().parse::<u32>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::Policy;

    #[test]
    fn ruvs_policy_variable_overrides_nodes_and_knows_reuseport() {
        assert_eq!(Policy::from_names(None, None), Policy::RoundRobin);
        assert_eq!(Policy::from_names(None, Some("none")), Policy::Shared);
        assert_eq!(
            Policy::from_names(None, Some("reuseport")),
            Policy::RoundRobin
        );
        assert_eq!(
            Policy::from_names(Some("reuseport"), Some("none")),
            Policy::ReusePort
        );
        assert_eq!(
            Policy::from_names(Some("rr"), Some("none")),
            Policy::RoundRobin
        );
        assert_eq!(Policy::from_names(Some("shared"), None), Policy::Shared);
        assert_eq!(
            Policy::from_names(Some("bogus"), Some("none")),
            Policy::Shared
        );
    }
}
