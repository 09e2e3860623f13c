//! Worker options (Node's `new Worker(file, options)`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::Duration;

/// The environment a worker sees: ruv's own map, since the process environment is global
/// (Node's `env` option). By default a copy of the parent's environment at spawn time.
pub type Env = BTreeMap<OsString, OsString>;

/// Which worker pool a worker's loop queues its work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolChoice {
    /// The process-wide pool (as in Node, where workers share libuv's threadpool).
    Shared,
    /// A pool of its own with this many threads, shut down with the worker.
    Own(usize),
}

/// How to start a worker: name, data, stack size, environment, pool, terminate deadline.
///
/// ```
/// use ruv_worker::{PoolChoice, WorkerOptions};
/// let opts = WorkerOptions::new()
///     .name("resizer")
///     .worker_data(vec![1u8, 2, 3])
///     .stack_size_mb(8.0)
///     .pool(PoolChoice::Own(2));
/// assert_eq!(opts.get_name(), Some("resizer"));
/// ```
#[derive(Debug)]
pub struct WorkerOptions<D = ()> {
    pub(crate) name: Option<String>,
    pub(crate) data: D,
    pub(crate) stack_size: usize,
    pub(crate) env: Option<Env>,
    pub(crate) pool: PoolChoice,
    pub(crate) terminate_deadline: Duration,
}

/// Node's default worker stack (`resourceLimits.stackSizeMb`): 4 MiB.
pub const DEFAULT_STACK_SIZE: usize = 4 << 20;

/// How long `terminate` waits for the worker's loop to stop before reporting it stuck.
pub const DEFAULT_TERMINATE_DEADLINE: Duration = Duration::from_secs(1);

impl WorkerOptions<()> {
    /// The defaults: no name (the thread is named `ruv-worker-N`), no data, a 4 MiB stack, a
    /// copy of the parent's environment, the shared pool, a 1 s terminate deadline.
    pub fn new() -> WorkerOptions<()> {
        WorkerOptions {
            name: None,
            data: (),
            stack_size: DEFAULT_STACK_SIZE,
            env: None,
            pool: PoolChoice::Shared,
            terminate_deadline: DEFAULT_TERMINATE_DEADLINE,
        }
    }
}

impl Default for WorkerOptions<()> {
    fn default() -> Self {
        WorkerOptions::new()
    }
}

impl<D> WorkerOptions<D> {
    /// The worker's name: its thread's name (Node's `name` option).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name set, if any.
    pub fn get_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A value moved to the worker's entry (Node's `workerData`; moved, not cloned).
    pub fn worker_data<D2: Send + 'static>(self, data: D2) -> WorkerOptions<D2> {
        WorkerOptions {
            name: self.name,
            data,
            stack_size: self.stack_size,
            env: self.env,
            pool: self.pool,
            terminate_deadline: self.terminate_deadline,
        }
    }

    /// The thread's stack size in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// The thread's stack size in MiB (Node's `resourceLimits.stackSizeMb`).
    pub fn stack_size_mb(self, mb: f64) -> Self {
        let bytes = (mb.max(0.0) * (1u64 << 20) as f64).min(usize::MAX as f64) as usize;
        self.stack_size(bytes)
    }

    /// The worker's environment (instead of a copy of the parent's).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// The pool the worker's loop queues work on.
    pub fn pool(mut self, pool: PoolChoice) -> Self {
        self.pool = pool;
        self
    }

    /// How long `terminate` waits before it reports the worker stuck.
    pub fn terminate_deadline(mut self, d: Duration) -> Self {
        self.terminate_deadline = d;
        self
    }
}
