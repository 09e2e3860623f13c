//! The process-global pool, shared by every loop (as libuv's is).

use std::fmt;
use std::io;
use std::sync::{Mutex, OnceLock};

use crate::config::{threads_from_env, PoolConfig, MAX_THREADS};
use crate::Pool;

/// The global pool once started. Never dropped: its workers live until the process exits.
static GLOBAL: OnceLock<Pool> = OnceLock::new();

/// Serialises starting the global pool against [`Pool::set_global_threads`].
static INIT: Mutex<Init> = Mutex::new(Init {
    override_threads: None,
    env_threads: None,
});

struct Init {
    /// Set by [`Pool::set_global_threads`]; wins over the environment.
    override_threads: Option<usize>,
    /// `UV_THREADPOOL_SIZE`, parsed at most once (so its warning prints at most once, even if a
    /// first start fails and a later call retries).
    env_threads: Option<usize>,
}

/// [`Pool::set_global_threads`] was called after the global pool had started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadyStarted {
    /// The size of the global pool that is running.
    pub threads: usize,
}

impl fmt::Display for AlreadyStarted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the global worker pool has already started with {} threads",
            self.threads
        )
    }
}

impl std::error::Error for AlreadyStarted {}

impl Pool {
    /// The process-global pool, started on the first call.
    ///
    /// Its size is, in order: the last [`Pool::set_global_threads`] before the first call, else
    /// `UV_THREADPOOL_SIZE` read once and parsed by [`parse_threadpool_size`](crate::parse_threadpool_size)
    /// (a warning about a bad value is printed once to stderr), else
    /// [`DEFAULT_THREADS`](crate::DEFAULT_THREADS). Threads are named `ruv-worker-N`.
    ///
    /// # Errors
    ///
    /// A failed thread spawn while starting it. Nothing is left running, and a later call tries
    /// again.
    ///
    /// # Examples
    ///
    /// ```
    /// use ruv_pool::{Pool, WorkClass};
    /// use std::sync::mpsc;
    ///
    /// let pool = Pool::global()?;
    /// let (tx, rx) = mpsc::channel();
    /// pool.submit(WorkClass::FastIo, move || tx.send("done").unwrap());
    /// assert_eq!(rx.recv().unwrap(), "done");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn global() -> io::Result<&'static Pool> {
        if let Some(pool) = GLOBAL.get() {
            return Ok(pool);
        }
        let mut init = INIT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = GLOBAL.get() {
            return Ok(pool);
        }
        let threads = match init.override_threads {
            Some(threads) => threads,
            None => *init.env_threads.get_or_insert_with(|| {
                let (threads, warning) = threads_from_env();
                if let Some(warning) = warning {
                    eprintln!("{warning}");
                }
                threads
            }),
        };
        let pool = Pool::new(PoolConfig::new(threads))?;
        // Only set while `INIT` is held, so this is the value stored.
        Ok(GLOBAL.get_or_init(|| pool))
    }

    /// Sets the global pool's size, overriding `UV_THREADPOOL_SIZE`; `n` is clamped to
    /// `1..=MAX_THREADS`. It takes effect when the global pool starts, so it must be called
    /// before the first [`Pool::global`]; the last call before then wins.
    ///
    /// This is the safe replacement for setting the environment variable from inside the
    /// program (`setenv` races with other threads reading the environment).
    ///
    /// # Errors
    ///
    /// [`AlreadyStarted`] (with the running size) once the global pool has started.
    pub fn set_global_threads(n: usize) -> Result<(), AlreadyStarted> {
        let mut init = INIT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = GLOBAL.get() {
            return Err(AlreadyStarted {
                threads: pool.threads(),
            });
        }
        init.override_threads = Some(n.clamp(1, MAX_THREADS));
        Ok(())
    }
}
