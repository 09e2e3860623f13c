//! Pool configuration and the `UV_THREADPOOL_SIZE` parser.

/// Threads in a pool when nothing says otherwise (libuv's and Node's default).
pub const DEFAULT_THREADS: usize = 4;

/// The most threads a pool may have (libuv's limit). Larger requests are clamped to this.
pub const MAX_THREADS: usize = 1024;

/// The environment variable that sizes the global pool, as in libuv and Node.
pub const THREADPOOL_SIZE_VAR: &str = "UV_THREADPOOL_SIZE";

/// Thread-name prefix used unless [`PoolConfig::name_prefix`] says otherwise.
pub const DEFAULT_NAME_PREFIX: &str = "ruv-worker";

/// How to build a [`Pool`](crate::Pool): thread count, stack size, thread-name prefix, and
/// whether workers time each job's run.
///
/// # Examples
///
/// ```
/// use ruv_pool::{Pool, PoolConfig};
///
/// let config = PoolConfig::new(2).stack_size(4 << 20).name_prefix("compute");
/// let pool = Pool::new(config)?;
/// assert_eq!(pool.threads(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    threads: usize,
    stack_size: Option<usize>,
    name_prefix: String,
    run_times: bool,
    /// Test hook: make the spawn of this worker index fail.
    #[cfg(test)]
    pub(crate) fail_spawn_at: Option<usize>,
}

impl PoolConfig {
    /// A pool of `threads` workers, clamped to `1..=MAX_THREADS`, with the platform's default
    /// stack size and the thread-name prefix `"ruv-worker"`.
    pub fn new(threads: usize) -> Self {
        PoolConfig {
            threads: threads.clamp(1, MAX_THREADS),
            stack_size: None,
            name_prefix: DEFAULT_NAME_PREFIX.to_owned(),
            run_times: true,
            #[cfg(test)]
            fail_spawn_at: None,
        }
    }

    /// Sets each worker's stack size in bytes (the platform may round it up). Without it, workers
    /// get the Rust default (2 MiB unless `RUST_MIN_STACK` says otherwise).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Sets the thread-name prefix: workers are named `{prefix}-0`, `{prefix}-1`, ….
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// Whether workers time each job's run for the run-time histograms
    /// ([`ClassObservation::run_time`](crate::ClassObservation)); on by default. It costs one
    /// clock read per job, at its end (about 35 ns on the project's VM; see `docs/pool.md`,
    /// "Observability"). Off, the run-time histograms stay empty; the queue-wait histograms,
    /// depths and warnings, which use the timestamps the pool takes anyway, are unchanged.
    pub fn run_times(mut self, on: bool) -> Self {
        self.run_times = on;
        self
    }

    /// A configuration sized by `UV_THREADPOOL_SIZE`, parsed by [`parse_threadpool_size`].
    ///
    /// This reads the variable each time it is called and prints nothing: a garbage value
    /// silently gives [`DEFAULT_THREADS`]. Call [`parse_threadpool_size`] yourself to get the
    /// warning. (The global pool, [`Pool::global`](crate::Pool::global), prints it once.)
    pub fn from_env() -> Self {
        PoolConfig::new(threads_from_env().0)
    }

    /// The number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The requested stack size, if any.
    pub fn stack_size_bytes(&self) -> Option<usize> {
        self.stack_size
    }

    /// The thread-name prefix.
    pub fn prefix(&self) -> &str {
        &self.name_prefix
    }

    /// Whether workers time each job's run ([`run_times`](Self::run_times)).
    pub fn times_runs(&self) -> bool {
        self.run_times
    }
}

impl Default for PoolConfig {
    /// `PoolConfig::new(DEFAULT_THREADS)`.
    fn default() -> Self {
        PoolConfig::new(DEFAULT_THREADS)
    }
}

/// Reads and parses `UV_THREADPOOL_SIZE` (a non-UTF-8 value counts as garbage).
pub(crate) fn threads_from_env() -> (usize, Option<String>) {
    let raw = std::env::var_os(THREADPOOL_SIZE_VAR);
    let text = raw.as_ref().map(|v| v.to_string_lossy());
    parse_threadpool_size(text.as_deref())
}

/// Parses a `UV_THREADPOOL_SIZE` value into a thread count and an optional one-line warning.
///
/// Pure: it reads no environment and prints nothing.
///
/// | value (surrounding whitespace trimmed) | threads | warning |
/// | --- | --- | --- |
/// | unset (`None`), or empty / all whitespace | 4 | no |
/// | a decimal integer in `1..=1024` (`"8"`, `" 8 "`, `"+8"`) | that number | no |
/// | `"0"` | 1 | yes |
/// | a decimal integer above 1024, however large | 1024 | yes |
/// | a negative integer (`"-1"`) | 1 | yes |
/// | anything else (`"abc"`, `"8abc"`, `"0x10"`, `"1.5"`) | 4 | yes |
///
/// libuv instead runs the value through `atoi` into an unsigned int: `""`, `"0"` and `"abc"`
/// give 1, `"8abc"` gives 8, and `"-1"` wraps to a huge number, clamped to 1024. ruv treats a
/// value that is not a number as absent (the default is the safest guess) and clamps numbers to
/// the nearest valid size, saying so, rather than guessing from a prefix or wrapping a sign.
///
/// # Examples
///
/// ```
/// use ruv_pool::parse_threadpool_size;
///
/// assert_eq!(parse_threadpool_size(None), (4, None));
/// assert_eq!(parse_threadpool_size(Some(" 8")), (8, None));
/// assert_eq!(parse_threadpool_size(Some("2000")).0, 1024);
/// let (threads, warning) = parse_threadpool_size(Some("abc"));
/// assert_eq!(threads, 4);
/// assert!(warning.unwrap().contains("UV_THREADPOOL_SIZE"));
/// ```
pub fn parse_threadpool_size(value: Option<&str>) -> (usize, Option<String>) {
    let Some(raw) = value else {
        return (DEFAULT_THREADS, None);
    };
    let text = raw.trim();
    if text.is_empty() {
        return (DEFAULT_THREADS, None);
    }
    let (negative, digits) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let warning = format!(
            "ruv-pool: {THREADPOOL_SIZE_VAR}={raw:?} is not a whole number; \
             using the default of {DEFAULT_THREADS} threads"
        );
        return (DEFAULT_THREADS, Some(warning));
    }
    let all_zero = digits.bytes().all(|b| b == b'0');
    let clamped = if negative && !all_zero {
        1
    } else {
        // Only digits here, so a parse failure can only be overflow: far above the cap.
        digits
            .parse::<usize>()
            .unwrap_or(usize::MAX)
            .clamp(1, MAX_THREADS)
    };
    let in_range = !negative && !all_zero && digits.parse::<usize>().ok() == Some(clamped);
    if in_range {
        (clamped, None)
    } else {
        let warning = format!(
            "ruv-pool: {THREADPOOL_SIZE_VAR}={raw:?} is outside 1..={MAX_THREADS}; \
             using {clamped} threads"
        );
        (clamped, Some(warning))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threads(v: &str) -> usize {
        parse_threadpool_size(Some(v)).0
    }

    fn warns(v: &str) -> bool {
        parse_threadpool_size(Some(v)).1.is_some()
    }

    #[test]
    fn unset_and_empty_mean_default_without_warning() {
        assert_eq!(parse_threadpool_size(None), (4, None));
        assert_eq!(parse_threadpool_size(Some("")), (4, None));
        assert_eq!(parse_threadpool_size(Some("  \t")), (4, None));
    }

    #[test]
    fn numbers_in_range_are_taken_as_is_after_trimming() {
        for (v, n) in [
            ("1", 1),
            ("5", 5),
            (" 8", 8),
            ("8 ", 8),
            ("+8", 8),
            ("0012", 12),
        ] {
            assert_eq!(parse_threadpool_size(Some(v)), (n, None), "{v:?}");
        }
        assert_eq!(parse_threadpool_size(Some("1024")), (1024, None));
    }

    #[test]
    fn numbers_out_of_range_are_clamped_with_a_warning() {
        for (v, n) in [
            ("0", 1),
            ("000", 1),
            ("-0", 1),
            ("-1", 1),
            ("-5000", 1),
            ("1025", 1024),
            ("2000", 1024),
            ("99999999999999999999999999", 1024),
        ] {
            assert_eq!(threads(v), n, "{v:?}");
            assert!(warns(v), "{v:?}");
        }
    }

    #[test]
    fn garbage_means_default_with_a_warning() {
        for v in ["abc", "8abc", "0x10", "1.5", "-", "+", "8 8", "١٢"] {
            assert_eq!(threads(v), DEFAULT_THREADS, "{v:?}");
            assert!(warns(v), "{v:?}");
        }
    }

    #[test]
    fn warnings_are_one_line_and_name_the_variable() {
        for v in ["abc", "0", "2000", "a\nb"] {
            let w = parse_threadpool_size(Some(v)).1.unwrap();
            assert!(!w.contains('\n'), "{w}");
            assert!(w.contains(THREADPOOL_SIZE_VAR), "{w}");
        }
    }

    #[test]
    fn config_new_clamps_thread_count() {
        assert_eq!(PoolConfig::new(0).threads(), 1);
        assert_eq!(PoolConfig::new(3).threads(), 3);
        assert_eq!(PoolConfig::new(usize::MAX).threads(), MAX_THREADS);
        assert_eq!(PoolConfig::default().threads(), DEFAULT_THREADS);
        assert_eq!(PoolConfig::new(1).prefix(), DEFAULT_NAME_PREFIX);
        assert_eq!(PoolConfig::new(1).stack_size_bytes(), None);
        assert!(PoolConfig::new(1).times_runs());
        assert!(!PoolConfig::new(1).run_times(false).times_runs());
    }
}
