//! A ruv program's metrics in Prometheus's text exposition format, version 0.0.4.
//!
//! A [`Snapshot`] collects metric families — counters, gauges and histograms, each with a
//! `# HELP` and a `# TYPE` line — and [`renders`](Snapshot::render) them as text for a
//! `/metrics` endpoint (served with [`CONTENT_TYPE`]). The collectors fill one from
//! the sources ruv has:
//!
//! * [`Snapshot::event_loop`]: a loop's [`ruv_core::Metrics`] (iterations, events, idle and
//!   active time, utilization);
//! * [`Snapshot::pool`]: a worker pool's [`PoolObservation`](ruv_pool::PoolObservation)
//!   (threads, per-class queue depth and its high-water mark, running and finished jobs,
//!   queue-wait and run-time histograms, late jobs and warnings);
//! * [`Snapshot::process`]: the process (CPU seconds, resident and virtual memory, open and
//!   maximum file descriptors, threads, start time), read from `/proc/self` on Linux and
//!   left out elsewhere.
//!
//! Any crate can add its own: [`Snapshot::counter`], [`Snapshot::gauge`],
//! [`Snapshot::histogram_ns`] for an [`hdrhistogram::Histogram`] in ns, or a [`Collect`]
//! implementation handed to a [`Registry`].
//!
//! ```
//! use ruv_metrics::{Registry, Snapshot};
//! use ruv_pool::{Pool, PoolConfig};
//!
//! let lp: ruv_core::Loop<()> = ruv_core::Loop::new()?;
//! let pool = Pool::new(PoolConfig::new(2))?;
//! let mut registry = Registry::new();
//! registry.event_loop("main", lp.metrics());
//! registry.pool("compute", pool.observer());
//! registry.process();
//! // a histogram of another crate, plugged in with a closure
//! let mut delay = ruv_metrics::hdrhistogram::Histogram::<u64>::new(2).unwrap();
//! delay.record(1_500_000).unwrap();
//! registry.add(move |s: &mut Snapshot| {
//!     s.histogram_ns("myapp_delay_seconds", "Delay of my timer.", &[], &delay, None)?;
//!     Ok(())
//! });
//! let text = registry.render().expect("the names are valid and distinct");
//! assert!(text.contains("# TYPE ruv_loop_iterations_total counter\n"));
//! assert!(text.contains("ruv_pool_threads{pool=\"compute\"} 2\n"));
//! assert!(text.contains("myapp_delay_seconds_count 1\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `docs/metrics.md` in the repository lists every metric and explains the format choices.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod collect;
mod names;
mod process;
mod text;

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

pub use collect::{Collect, Registry};
/// The histogram crate [`Snapshot::histogram`] takes, re-exported so that callers use the same
/// version.
pub use hdrhistogram;
use hdrhistogram::Histogram;
pub use process::ProcessStats;

/// The `Content-Type` of the text this crate renders.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds, in seconds, of the buckets [`Snapshot::histogram_ns`] renders (a `+Inf`
/// bucket follows): 1-2.5-5 steps from 1 µs to 10 s, which covers a pool job's round trip
/// (µs) up to a stalled queue (s).
pub const DEFAULT_BUCKETS: &[f64] = &[
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
    5e-2, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// What kind of metric a family is (its `# TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A value that only goes up (or resets to zero when its source restarts).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Cumulative `_bucket{le="…"}` counts with `_sum` and `_count`.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Why a metric could not be added to a [`Snapshot`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricError {
    /// A metric name that is not `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    InvalidName(String),
    /// A label name that is not `[a-zA-Z_][a-zA-Z0-9_]*`, or starts with `__` (reserved).
    InvalidLabelName(String),
    /// `le` on a histogram (it names the buckets), or the same label twice in one sample.
    ReservedOrDuplicateLabel(String),
    /// A counter whose name does not end in `_total`.
    CounterWithoutTotal(String),
    /// A counter given a negative or NaN value.
    InvalidCounterValue(String),
    /// A name already used by a family of another kind or help text, or one whose sample
    /// names (`x_bucket`, `x_sum`, `x_count` for a histogram `x`) would collide with
    /// another family's.
    Conflict(String),
    /// A second sample with the same name and labels.
    DuplicateSeries(String),
    /// Histogram bucket bounds that are not finite and strictly increasing, or a scale that
    /// is not finite and positive.
    InvalidBuckets(String),
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricError::InvalidName(n) => {
                write!(f, "invalid metric name {n:?}: must match [a-zA-Z_:][a-zA-Z0-9_:]*")
            }
            MetricError::InvalidLabelName(n) => write!(
                f,
                "invalid label name {n:?}: must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __"
            ),
            MetricError::ReservedOrDuplicateLabel(n) => {
                write!(f, "label {n:?} is reserved or given twice")
            }
            MetricError::CounterWithoutTotal(n) => {
                write!(f, "counter {n:?} must end in _total")
            }
            MetricError::InvalidCounterValue(n) => {
                write!(f, "counter {n:?} must be a number >= 0")
            }
            MetricError::Conflict(n) => write!(
                f,
                "metric {n:?} conflicts with another family (kind, help or sample names)"
            ),
            MetricError::DuplicateSeries(n) => {
                write!(f, "metric {n:?} already has a sample with these labels")
            }
            MetricError::InvalidBuckets(n) => write!(
                f,
                "histogram {n:?}: bucket bounds must be finite and increasing, the scale finite and > 0"
            ),
        }
    }
}

impl std::error::Error for MetricError {}

/// Label name-value pairs of one sample, in the order given.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

/// How [`Snapshot::histogram`] turns an hdrhistogram into Prometheus buckets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistogramScale<'a> {
    /// The exposed unit per recorded unit: `1e-9` for a histogram of ns exposed in seconds.
    pub scale: f64,
    /// Bucket upper bounds in the exposed unit, strictly increasing (a `+Inf` bucket is
    /// added).
    pub buckets: &'a [f64],
    /// The exact sum of the recorded values in the exposed unit; `None` estimates it as
    /// count × mean from the histogram (within its precision).
    pub sum: Option<f64>,
}

struct Sample {
    /// Appended to the family name: `""`, `"_bucket"`, `"_sum"` or `"_count"`.
    suffix: &'static str,
    labels: Vec<(String, String)>,
    value: f64,
}

struct Family {
    name: String,
    help: String,
    kind: Kind,
    samples: Vec<Sample>,
    /// Each series' labels (without `le`), to refuse a duplicate.
    series: Vec<Vec<(String, String)>>,
}

/// Metric families in the order they were first added, rendered by [`Snapshot::render`].
#[derive(Default)]
pub struct Snapshot {
    families: Vec<Family>,
    /// Family name → index in `families`.
    by_name: HashMap<String, usize>,
    /// Every sample name in use → the family that renders it.
    sample_names: HashMap<String, usize>,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("families", &self.families.len())
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    /// Adds a counter sample. The name must end in `_total`; the value must be ≥ 0.
    ///
    /// # Errors
    /// See [`MetricError`].
    pub fn counter(
        &mut self,
        name: &str,
        help: &str,
        labels: Labels<'_>,
        value: f64,
    ) -> Result<&mut Self, MetricError> {
        if !name.ends_with("_total") {
            return Err(MetricError::CounterWithoutTotal(name.to_string()));
        }
        if value.is_nan() || value < 0.0 {
            return Err(MetricError::InvalidCounterValue(name.to_string()));
        }
        self.single(Kind::Counter, name, help, labels, value)
    }

    /// Adds a gauge sample (any value, NaN and infinities included).
    ///
    /// # Errors
    /// See [`MetricError`].
    pub fn gauge(
        &mut self,
        name: &str,
        help: &str,
        labels: Labels<'_>,
        value: f64,
    ) -> Result<&mut Self, MetricError> {
        self.single(Kind::Gauge, name, help, labels, value)
    }

    /// Adds a histogram of values recorded in ns, exposed in seconds with
    /// [`DEFAULT_BUCKETS`]. `sum`: the exact total, if the source keeps one (otherwise it is
    /// estimated from the histogram). Name it `…_seconds`.
    ///
    /// # Errors
    /// See [`MetricError`].
    pub fn histogram_ns(
        &mut self,
        name: &str,
        help: &str,
        labels: Labels<'_>,
        histogram: &Histogram<u64>,
        sum: Option<Duration>,
    ) -> Result<&mut Self, MetricError> {
        let scale = HistogramScale {
            scale: 1e-9,
            buckets: DEFAULT_BUCKETS,
            sum: sum.map(|d| d.as_secs_f64()),
        };
        self.histogram(name, help, labels, histogram, &scale)
    }

    /// Adds a histogram with explicit buckets and unit ([`HistogramScale`]).
    ///
    /// A bucket `le="b"` counts the recorded values whose hdrhistogram bucket lies wholly at
    /// or below `b`; a value within the histogram's precision of a bound may count in the
    /// next bucket up, never in a lower one.
    ///
    /// # Errors
    /// See [`MetricError`].
    pub fn histogram(
        &mut self,
        name: &str,
        help: &str,
        labels: Labels<'_>,
        histogram: &Histogram<u64>,
        scale: &HistogramScale<'_>,
    ) -> Result<&mut Self, MetricError> {
        let bad = || MetricError::InvalidBuckets(name.to_string());
        if !(scale.scale.is_finite() && scale.scale > 0.0) {
            return Err(bad());
        }
        if scale.buckets.iter().any(|b| !b.is_finite())
            || scale.buckets.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(bad());
        }
        if labels.iter().any(|(n, _)| *n == "le") {
            return Err(MetricError::ReservedOrDuplicateLabel("le".to_string()));
        }
        let labels = names::check_labels(labels)?;
        let family = self.family(Kind::Histogram, name, help)?;
        family.add_series(&labels)?;
        let counts = text::cumulative_buckets(histogram, scale.scale, scale.buckets);
        for (bound, count) in scale.buckets.iter().zip(&counts) {
            family.push(
                "_bucket",
                with_le(&labels, text::number(*bound)),
                *count as f64,
            );
        }
        let total = histogram.len();
        family.push(
            "_bucket",
            with_le(&labels, "+Inf".to_string()),
            total as f64,
        );
        let sum = scale
            .sum
            .unwrap_or_else(|| histogram.mean() * total as f64 * scale.scale);
        family.push("_sum", labels.clone(), sum);
        family.push("_count", labels, total as f64);
        Ok(self)
    }

    /// Adds everything `source` collects.
    ///
    /// # Errors
    /// The first [`MetricError`] of `source`.
    pub fn collect(&mut self, source: &dyn Collect) -> Result<&mut Self, MetricError> {
        source.collect(self)?;
        Ok(self)
    }

    /// Renders the text exposition: per family `# HELP`, `# TYPE`, then its samples; every
    /// line ends with `\n`.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.families.len() * 160);
        for family in &self.families {
            text::write_family(
                &mut out,
                &family.name,
                &family.help,
                family.kind.as_str(),
                family
                    .samples
                    .iter()
                    .map(|s| (s.suffix, s.labels.as_slice(), s.value)),
            );
        }
        out
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    fn single(
        &mut self,
        kind: Kind,
        name: &str,
        help: &str,
        labels: Labels<'_>,
        value: f64,
    ) -> Result<&mut Self, MetricError> {
        let labels = names::check_labels(labels)?;
        let family = self.family(kind, name, help)?;
        family.add_series(&labels)?;
        family.push("", labels, value);
        Ok(self)
    }

    /// The family `name`, created if new; refused if it exists with another kind or help, or
    /// if its sample names would collide with another family's.
    fn family(&mut self, kind: Kind, name: &str, help: &str) -> Result<&mut Family, MetricError> {
        names::check_name(name)?;
        if let Some(&i) = self.by_name.get(name) {
            let f = &mut self.families[i];
            if f.kind != kind || f.help != help {
                return Err(MetricError::Conflict(name.to_string()));
            }
            return Ok(f);
        }
        if kind == Kind::Histogram
            && ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| name.ends_with(s))
        {
            return Err(MetricError::Conflict(name.to_string()));
        }
        let rendered: Vec<String> = match kind {
            Kind::Histogram => ["_bucket", "_sum", "_count"]
                .iter()
                .map(|s| format!("{name}{s}"))
                .collect(),
            _ => vec![name.to_string()],
        };
        if rendered.iter().any(|n| self.sample_names.contains_key(n)) {
            return Err(MetricError::Conflict(name.to_string()));
        }
        let index = self.families.len();
        for n in rendered {
            self.sample_names.insert(n, index);
        }
        self.by_name.insert(name.to_string(), index);
        self.families.push(Family {
            name: name.to_string(),
            help: help.to_string(),
            kind,
            samples: Vec::new(),
            series: Vec::new(),
        });
        Ok(&mut self.families[index])
    }
}

impl Family {
    fn add_series(&mut self, labels: &[(String, String)]) -> Result<(), MetricError> {
        let mut sorted = labels.to_vec();
        sorted.sort();
        if self.series.contains(&sorted) {
            return Err(MetricError::DuplicateSeries(self.name.clone()));
        }
        self.series.push(sorted);
        Ok(())
    }

    fn push(&mut self, suffix: &'static str, labels: Vec<(String, String)>, value: f64) {
        self.samples.push(Sample {
            suffix,
            labels,
            value,
        });
    }
}

fn with_le(labels: &[(String, String)], le: String) -> Vec<(String, String)> {
    let mut out = labels.to_vec();
    out.push(("le".to_string(), le));
    out
}
