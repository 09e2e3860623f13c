//! How to build a [`WorkerPool`](crate::WorkerPool): threads, names, queue bound, stacks.

use crate::worker::{PoolChoice, DEFAULT_STACK_SIZE, DEFAULT_TERMINATE_DEADLINE};
use std::time::Duration;

/// The thread name prefix of a pool's workers: `ruv-wpool-0`, `-1`, … (short: Linux keeps
/// 15 bytes of a thread name).
pub const DEFAULT_NAME_PREFIX: &str = "ruv-wpool";

/// A [`WorkerPool`](crate::WorkerPool)'s options (piscina's constructor options, in ruv's
/// words).
///
/// ```
/// use ruv_worker::PoolOptions;
/// let opts = PoolOptions::new().threads(4).max_queue(64).name_prefix("resize");
/// assert_eq!(opts.get_threads(), 4);
/// assert_eq!(opts.get_max_queue(), Some(64));
/// ```
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub(crate) threads: usize,
    pub(crate) name_prefix: String,
    pub(crate) max_queue: Option<usize>,
    pub(crate) stack_size: usize,
    pub(crate) io_pool: PoolChoice,
    pub(crate) terminate_deadline: Duration,
}

/// The number of CPUs this process may use (`std::thread::available_parallelism`), 1 if
/// unknown: the default number of workers.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl PoolOptions {
    /// The defaults: one worker per available CPU, threads named `ruv-wpool-N`, an
    /// unbounded queue, Node's 4 MiB worker stack, the workers' loops on the process pool,
    /// a 1 s terminate deadline.
    pub fn new() -> PoolOptions {
        PoolOptions {
            threads: default_threads(),
            name_prefix: DEFAULT_NAME_PREFIX.to_owned(),
            max_queue: None,
            stack_size: DEFAULT_STACK_SIZE,
            io_pool: PoolChoice::Shared,
            terminate_deadline: DEFAULT_TERMINATE_DEADLINE,
        }
    }

    /// How many workers (at least 1: 0 is taken as 1).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// The workers' thread names: `{prefix}-{index}`.
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// The most tasks that may wait for a worker (piscina's `maxQueue`); one more is
    /// rejected with [`ERR_POOL_QUEUE_FULL`](crate::pool::ERR_POOL_QUEUE_FULL). Tasks a
    /// worker is running do not count. Unbounded by default.
    pub fn max_queue(mut self, n: usize) -> Self {
        self.max_queue = Some(n);
        self
    }

    /// Each worker thread's stack size in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// Which pool the workers' own loops queue their I/O and `queue_work` on (the process
    /// pool by default).
    pub fn io_pool(mut self, pool: PoolChoice) -> Self {
        self.io_pool = pool;
        self
    }

    /// How long a terminated worker (at [`close`](crate::WorkerPool::close), or
    /// [`abort`](crate::WorkerPool::abort)) has to stop before it is reported stuck.
    pub fn terminate_deadline(mut self, d: Duration) -> Self {
        self.terminate_deadline = d;
        self
    }

    /// The number of workers.
    pub fn get_threads(&self) -> usize {
        self.threads
    }

    /// The queue bound, if any.
    pub fn get_max_queue(&self) -> Option<usize> {
        self.max_queue
    }
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions::new()
    }
}
