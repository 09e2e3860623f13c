//! The collectors: ruv's loop, pool and process metrics, the [`Collect`] trait for other
//! sources, and a [`Registry`] that renders them all.

use std::fmt;

use ruv_core::Metrics;
use ruv_pool::{PoolObservation, PoolObserver, WorkClass};

use crate::{MetricError, ProcessStats, Snapshot};

/// A source of metrics: adds its samples to a snapshot.
///
/// Implemented for closures `Fn(&mut Snapshot) -> Result<(), MetricError>`, so a crate can plug in a
/// histogram of its own without a type:
///
/// ```
/// use ruv_metrics::{Registry, Snapshot};
/// let mut registry = Registry::new();
/// registry.add(|s: &mut Snapshot| {
///     s.gauge("myapp_sessions", "Open sessions.", &[], 3.0)?;
///     Ok(())
/// });
/// assert!(registry.render()?.contains("myapp_sessions 3\n"));
/// # Ok::<(), ruv_metrics::MetricError>(())
/// ```
pub trait Collect {
    /// Adds this source's samples.
    ///
    /// # Errors
    /// A [`MetricError`] from the snapshot (a bad or conflicting name).
    fn collect(&self, snapshot: &mut Snapshot) -> Result<(), MetricError>;
}

impl<F> Collect for F
where
    F: Fn(&mut Snapshot) -> Result<(), MetricError>,
{
    fn collect(&self, snapshot: &mut Snapshot) -> Result<(), MetricError> {
        self(snapshot)
    }
}

/// Sources to collect on every [`render`](Registry::render), in the order they were added.
/// `Send + Sync`, so it can live beside a server and be read from any thread.
#[derive(Default)]
pub struct Registry {
    sources: Vec<Box<dyn Collect + Send + Sync>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("sources", &self.sources.len())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a source.
    pub fn add(&mut self, source: impl Collect + Send + Sync + 'static) -> &mut Self {
        self.sources.push(Box::new(source));
        self
    }

    /// Adds a loop's metrics, labelled `loop="NAME"` ([`Snapshot::event_loop`]).
    pub fn event_loop(&mut self, name: &str, metrics: Metrics) -> &mut Self {
        let name = name.to_string();
        self.add(move |s: &mut Snapshot| s.event_loop(&name, &metrics).map(drop))
    }

    /// Adds a pool's metrics, labelled `pool="NAME"` ([`Snapshot::pool`]). The observer does
    /// not keep the pool alive; once it has shut down its final figures are still exported.
    pub fn pool(&mut self, name: &str, observer: PoolObserver) -> &mut Self {
        let name = name.to_string();
        self.add(move |s: &mut Snapshot| s.pool(&name, &observer.observe()).map(drop))
    }

    /// Adds the process's metrics ([`Snapshot::process`]).
    pub fn process(&mut self) -> &mut Self {
        self.add(|s: &mut Snapshot| s.process().map(drop))
    }

    /// A fresh snapshot of every source.
    ///
    /// # Errors
    /// The first [`MetricError`]: two sources using one name with different kinds or help,
    /// or the same labels twice.
    pub fn snapshot(&self) -> Result<Snapshot, MetricError> {
        let mut snapshot = Snapshot::new();
        for source in &self.sources {
            source.collect(&mut snapshot)?;
        }
        Ok(snapshot)
    }

    /// [`snapshot`](Self::snapshot), rendered.
    ///
    /// # Errors
    /// As [`snapshot`](Self::snapshot).
    pub fn render(&self) -> Result<String, MetricError> {
        Ok(self.snapshot()?.render())
    }
}

impl Snapshot {
    /// Adds a loop's metrics, each labelled `loop="NAME"`:
    /// `ruv_loop_iterations_total`, `ruv_loop_events_total`, `ruv_loop_events_waiting_total`,
    /// `ruv_loop_idle_seconds_total`, `ruv_loop_active_seconds_total` and
    /// `ruv_loop_utilization` (over the loop's life; over an interval it is
    /// `rate(active) / (rate(active) + rate(idle))`).
    ///
    /// # Errors
    /// See [`MetricError`] (the same `NAME` twice is a duplicate series).
    pub fn event_loop(&mut self, name: &str, m: &Metrics) -> Result<&mut Self, MetricError> {
        let l: &[(&str, &str)] = &[("loop", name)];
        let elu = m.utilization(None);
        self.counter(
            "ruv_loop_iterations_total",
            "Event loop iterations that reached the poll phase (libuv's loop_count).",
            l,
            m.loop_count() as f64,
        )?
        .counter(
            "ruv_loop_events_total",
            "Events handled by the poll phase (I/O, signals, async sends, pool completions).",
            l,
            m.events() as f64,
        )?
        .counter(
            "ruv_loop_events_waiting_total",
            "Events that were already waiting when the poll phase began.",
            l,
            m.events_waiting() as f64,
        )?
        .counter(
            "ruv_loop_idle_seconds_total",
            "Time the loop spent blocked in poll, waiting for events.",
            l,
            elu.idle / 1e3,
        )?
        .counter(
            "ruv_loop_active_seconds_total",
            "Time the loop spent not blocked in poll (running callbacks and bookkeeping).",
            l,
            elu.active / 1e3,
        )?
        .gauge(
            "ruv_loop_utilization",
            "Event loop utilization since the loop was created: active / (active + idle).",
            l,
            elu.utilization,
        )
    }

    /// Adds a pool's metrics, labelled `pool="NAME"` and, per class, `class="cpu|fast_io|slow_io"`:
    /// threads and idle threads; queue depth, its high-water mark and running jobs; completed,
    /// panicked, cancelled and late jobs and warnings; and the queue-wait and run-time
    /// histograms in seconds (`ruv_pool_queue_wait_seconds`, `ruv_pool_run_seconds`).
    ///
    /// # Errors
    /// See [`MetricError`] (the same `NAME` twice is a duplicate series).
    pub fn pool(&mut self, name: &str, o: &PoolObservation) -> Result<&mut Self, MetricError> {
        let p: &[(&str, &str)] = &[("pool", name)];
        self.gauge(
            "ruv_pool_threads",
            "Worker threads in the pool.",
            p,
            o.metrics.threads as f64,
        )?
        .gauge(
            "ruv_pool_idle_threads",
            "Worker threads parked with nothing to do.",
            p,
            o.metrics.idle as f64,
        )?;
        for c in &o.classes {
            let l: &[(&str, &str)] = &[("pool", name), ("class", c.class.as_str())];
            self.gauge(
                "ruv_pool_queue_depth",
                "Jobs waiting in the queue now.",
                l,
                c.queued as f64,
            )?
            .gauge(
                "ruv_pool_queue_depth_max",
                "The most jobs that have waited at once (since start or the last histogram reset).",
                l,
                c.max_queued as f64,
            )?
            .gauge("ruv_pool_running_jobs", "Jobs running now.", l, c.running as f64)?
            .counter(
                "ruv_pool_jobs_completed_total",
                "Jobs that finished running, panicked ones included.",
                l,
                c.completed as f64,
            )?
            .counter(
                "ruv_pool_jobs_panicked_total",
                "Jobs that panicked.",
                l,
                c.panicked as f64,
            )?
            .counter(
                "ruv_pool_jobs_cancelled_total",
                "Jobs cancelled while queued.",
                l,
                c.cancelled as f64,
            )?
            .counter(
                "ruv_pool_late_jobs_total",
                "Jobs whose queue wait reached the class's warning threshold.",
                l,
                c.late_jobs as f64,
            )?
            .counter(
                "ruv_pool_wait_warnings_total",
                "Queue-wait warnings delivered (rate-limited; each may stand for several late jobs).",
                l,
                c.warnings as f64,
            )?
            .histogram_ns(
                "ruv_pool_queue_wait_seconds",
                "Time jobs waited in the queue, submit to start.",
                l,
                &c.queue_wait,
                Some(c.queue_wait_sum),
            )?
            .histogram_ns(
                "ruv_pool_run_seconds",
                "Time jobs ran on a worker, start to end.",
                l,
                &c.run_time,
                Some(c.run_time_sum),
            )?;
        }
        debug_assert_eq!(o.classes.len(), WorkClass::ALL.len());
        Ok(self)
    }

    /// Adds the process's metrics, with the names Prometheus's client libraries use:
    /// `process_cpu_seconds_total`, `process_resident_memory_bytes`,
    /// `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds`,
    /// `process_threads`, `process_start_time_seconds`. Those that cannot be read (any, off
    /// Linux) are left out.
    ///
    /// # Errors
    /// See [`MetricError`] (added twice: a duplicate series).
    pub fn process(&mut self) -> Result<&mut Self, MetricError> {
        self.process_stats(&ProcessStats::read())
    }

    /// [`process`](Self::process) with figures read beforehand.
    ///
    /// # Errors
    /// See [`MetricError`].
    pub fn process_stats(&mut self, s: &ProcessStats) -> Result<&mut Self, MetricError> {
        if let Some(v) = s.cpu_seconds {
            self.counter(
                "process_cpu_seconds_total",
                "Total user and system CPU time spent in seconds.",
                &[],
                v,
            )?;
        }
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                s.resident_bytes.map(|v| v as f64),
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                s.virtual_bytes.map(|v| v as f64),
            ),
            (
                "process_open_fds",
                "Number of open file descriptors.",
                s.open_fds.map(|v| v as f64),
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors.",
                s.max_fds.map(|v| v as f64),
            ),
            (
                "process_threads",
                "Number of OS threads in the process.",
                s.threads.map(|v| v as f64),
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                s.start_time_seconds,
            ),
        ];
        for (name, help, value) in gauges {
            if let Some(v) = value {
                self.gauge(name, help, &[], v)?;
            }
        }
        Ok(self)
    }
}
