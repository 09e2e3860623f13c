//! The blocked-loop watchdog: a thread that notices, while it happens, that one callback has
//! run longer than a threshold, and names it.
//!
//! The loop publishes each callback it starts into its [`Beacon`] (kind, handle,
//! registration site, and an epoch bumped at every start and end; no clock read). The
//! watchdog thread wakes every `threshold / 4` and samples the beacon: a callback seen
//! running with the same epoch for at least `threshold` is reported, once, to the report
//! callback (on the watchdog thread), and counted in the [summary](Watchdog::summary) by
//! registration site. A report's `running_for` is a lower bound (the time between the first
//! and the last sample that saw the callback); the callback started at most one sampling
//! period before the first. So nothing shorter than the threshold is ever reported, and a
//! callback that runs 1.25× the threshold or more always is.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! use ruv_perf::{watchdog, WatchdogOptions};
//! use std::sync::{mpsc, Mutex};
//! use std::time::Duration;
//!
//! let mut lp: Loop<()> = Loop::new()?;
//! let (tx, rx) = mpsc::channel();
//! let tx = Mutex::new(tx);
//! let dog = watchdog(&mut lp, WatchdogOptions::new(Duration::from_millis(20)), move |r| {
//!     tx.lock().unwrap().send(r.to_string()).unwrap();
//! })?;
//! Timer::new(&mut lp)?.start(&mut lp, 0, 0, |lp, _, _| {
//!     lp.set_label("report");
//!     std::thread::sleep(Duration::from_millis(200)); // blocks the loop
//! })?;
//! lp.run(RunMode::Default, &mut ())?;
//! let report = rx.recv().unwrap();
//! assert!(report.starts_with("loop blocked for "), "{report}");
//! assert!(report.contains("by timer"), "{report}");
//! assert!(report.contains("(label \"report\")"), "{report}");
//! assert_eq!(dog.summary()[0].count, 1);
//! # Ok::<(), ruv_core::Error>(())
//! ```

use parking_lot::{Condvar, Mutex};
use ruv_core::registry::CallbackKind;
use ruv_core::{Beacon, Code, Error, HandleId, Label, Loop, Result};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The shortest threshold taken.
pub const MIN_THRESHOLD: Duration = Duration::from_millis(1);
/// The longest sampling period (a longer threshold is still honoured).
const MAX_PERIOD: Duration = Duration::from_secs(3600);

/// Options of [`watchdog`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchdogOptions {
    /// A callback running this long is reported. At least [`MIN_THRESHOLD`]; any larger
    /// value is fine (one larger than the program's life never fires).
    pub threshold: Duration,
    /// How often the watchdog thread samples the loop (default `threshold / 4`, at least
    /// 1 ms, at most an hour). A shorter period makes `running_for` more precise.
    pub period: Option<Duration>,
    /// Report a blocked callback a second time when it returns, with its final
    /// `running_for` and `ended: true` (default `false`).
    pub report_end: bool,
}

impl WatchdogOptions {
    /// Options with `threshold` and the defaults.
    pub fn new(threshold: Duration) -> WatchdogOptions {
        WatchdogOptions {
            threshold,
            period: None,
            report_end: false,
        }
    }
}

/// One blocked callback, as the report callback gets it. Its `Display` is one line:
/// `loop blocked for 312.4 ms by timer (handle 3) registered at src/main.rs:42:9 (label "/slow")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedReport {
    /// The callback's kind (`"timer"`, `"immediate"`, `"io"`, `"http.request"` …: see
    /// docs/perf.md for each).
    pub kind: CallbackKind,
    /// Its handle or request, if it has one.
    pub id: Option<HandleId>,
    /// Where the program registered it.
    pub site: &'static Location<'static>,
    /// The label the callback set ([`Loop::set_label`]), if any.
    pub label: Option<Label>,
    /// How long it has been running, at least (see the module docs).
    pub running_for: Duration,
    /// `false`: it is still running; `true`: it returned (with
    /// [`WatchdogOptions::report_end`]).
    pub ended: bool,
}

impl std::fmt::Display for BlockedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.ended { "was blocked" } else { "blocked" };
        let ms = self.running_for.as_secs_f64() * 1e3;
        write!(f, "loop {verb} for {ms:.1} ms by {}", self.kind)?;
        if let Some(id) = self.id {
            write!(f, " (handle {})", id.index())?;
        }
        write!(f, " registered at {}", self.site)?;
        if let Some(label) = &self.label {
            write!(f, " (label {:?})", &**label)?;
        }
        Ok(())
    }
}

/// The blocked callbacks of one registration site, for [`Watchdog::summary`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteSummary {
    /// The registration site.
    pub site: &'static Location<'static>,
    /// The kind of its last blocked callback.
    pub kind: CallbackKind,
    /// The last label seen there.
    pub label: Option<Label>,
    /// How many of its callbacks were reported.
    pub count: u64,
    /// The longest `running_for` of one of them.
    pub max: Duration,
    /// The sum of their `running_for`.
    pub total: Duration,
}

type ReportFn = Box<dyn Fn(&BlockedReport) + Send + Sync>;

struct Shared {
    stop: Mutex<bool>,
    wake: Condvar,
    sites: Mutex<HashMap<SiteKey, SiteSummary>>,
    reports: std::sync::atomic::AtomicU64,
}

type SiteKey = (&'static str, u32, u32);

/// A running watchdog, made by [`watchdog`]. Dropping it stops and joins its thread; the loop
/// stops publishing its callbacks at its next iteration. The thread also ends by itself
/// when the loop is dropped.
pub struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    threshold: Duration,
}

/// Starts a watchdog thread on `lp`: `on_blocked` gets a [`BlockedReport`] (on the watchdog
/// thread) for every callback that runs longer than `opts.threshold`.
///
/// # Errors
/// `ERR_OUT_OF_RANGE` for a threshold under [`MIN_THRESHOLD`]; the OS's error if the thread
/// cannot be spawned.
pub fn watchdog<S>(
    lp: &mut Loop<S>,
    opts: WatchdogOptions,
    on_blocked: impl Fn(&BlockedReport) + Send + Sync + 'static,
) -> Result<Watchdog> {
    if opts.threshold < MIN_THRESHOLD {
        return Err(Error::new(Code::ERR_OUT_OF_RANGE).with_detail(format!(
            "The value of \"threshold\" is out of range. It must be >= 1ms. Received {:?}",
            opts.threshold
        )));
    }
    let period = opts
        .period
        .unwrap_or(opts.threshold / 4)
        .clamp(MIN_THRESHOLD, MAX_PERIOD);
    let beacon = lp.callback_beacon();
    let shared = Arc::new(Shared {
        stop: Mutex::new(false),
        wake: Condvar::new(),
        sites: Mutex::new(HashMap::new()),
        reports: Default::default(),
    });
    let mut watcher = Watcher {
        beacon,
        shared: shared.clone(),
        threshold: opts.threshold,
        period,
        report_end: opts.report_end,
        report: Box::new(on_blocked),
        track: None,
    };
    let thread = std::thread::Builder::new()
        .name("ruv-watchdog".into())
        .spawn(move || watcher.run())
        .map_err(|e| Error::from_io(&e, "pthread_create"))?;
    Ok(Watchdog {
        shared,
        thread: Some(thread),
        threshold: opts.threshold,
    })
}

impl Watchdog {
    /// The blocked callbacks so far by registration site, worst (largest total) first. A
    /// callback still blocking counts with its `running_for` so far.
    pub fn summary(&self) -> Vec<SiteSummary> {
        let mut v: Vec<SiteSummary> = self.shared.sites.lock().values().cloned().collect();
        v.sort_by(|a, b| b.total.cmp(&a.total).then(b.max.cmp(&a.max)));
        v
    }

    /// How many blocked callbacks were reported (reports with `ended: true` not counted).
    pub fn reports(&self) -> u64 {
        self.shared
            .reports
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether its thread still runs (it ends by itself once the loop is dropped).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// The threshold.
    pub fn threshold(&self) -> Duration {
        self.threshold
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self.shared.stop.lock() = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            // the report callback's panics are caught on the thread: join fails only if
            // the watchdog itself panicked, which is not this drop's to propagate
            t.join().ok();
        }
    }
}

impl std::fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchdog")
            .field("threshold", &self.threshold)
            .field("reports", &self.reports())
            .finish_non_exhaustive()
    }
}

/// The callback the watchdog thread is following.
struct Track {
    epoch: u64,
    kind: CallbackKind,
    id: Option<HandleId>,
    site: &'static Location<'static>,
    label: Option<Label>,
    first_seen: Instant,
    /// `running_for` already added to the summary (when reported).
    counted: Option<Duration>,
}

struct Watcher {
    beacon: Arc<Beacon>,
    shared: Arc<Shared>,
    threshold: Duration,
    period: Duration,
    report_end: bool,
    report: ReportFn,
    track: Option<Track>,
}

impl Watcher {
    fn run(&mut self) {
        loop {
            {
                let mut stop = self.shared.stop.lock();
                if !*stop {
                    self.shared.wake.wait_for(&mut stop, self.period);
                }
                if *stop {
                    break;
                }
            }
            if self.beacon.is_closed() {
                break;
            }
            self.sample(Instant::now());
        }
        self.finish();
    }

    fn sample(&mut self, now: Instant) {
        let s = self.beacon.sample();
        match (&mut self.track, s.callback) {
            (Some(t), Some(_)) if t.epoch == s.epoch => {
                if s.label.is_some() {
                    t.label = s.label;
                }
                let running = now - t.first_seen;
                match t.counted {
                    None if running >= self.threshold => {
                        t.counted = Some(running);
                        let report = t.report(running, false);
                        self.shared
                            .reports
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        self.count(&report, None);
                        self.deliver(&report);
                    }
                    Some(before) => {
                        t.counted = Some(running);
                        let report = t.report(running, false);
                        self.count(&report, Some(before));
                    }
                    None => {}
                }
            }
            (_, info) => {
                self.finish();
                self.track = info.map(|info| Track {
                    epoch: s.epoch,
                    kind: info.kind,
                    id: info.id,
                    site: info.site,
                    label: s.label,
                    first_seen: now,
                    counted: None,
                });
            }
        }
    }

    /// The followed callback returned (or the watchdog stops): its end report.
    fn finish(&mut self) {
        let Some(t) = self.track.take() else {
            return;
        };
        if let (Some(running), true) = (t.counted, self.report_end) {
            self.deliver(&t.report(running, true));
        }
    }

    /// Adds `report` to its site's summary; `before`: what this callback added already.
    fn count(&self, report: &BlockedReport, before: Option<Duration>) {
        let key = (report.site.file(), report.site.line(), report.site.column());
        let mut sites = self.shared.sites.lock();
        let e = sites.entry(key).or_insert_with(|| SiteSummary {
            site: report.site,
            kind: report.kind,
            label: None,
            count: 0,
            max: Duration::ZERO,
            total: Duration::ZERO,
        });
        match before {
            None => e.count += 1,
            Some(b) => e.total -= b,
        }
        e.total += report.running_for;
        e.max = e.max.max(report.running_for);
        e.kind = report.kind;
        if report.label.is_some() {
            e.label.clone_from(&report.label);
        }
    }

    fn deliver(&self, report: &BlockedReport) {
        // a panicking report callback must not end the watchdog
        std::panic::catch_unwind(AssertUnwindSafe(|| (self.report)(report))).ok();
    }
}

impl Track {
    fn report(&self, running_for: Duration, ended: bool) -> BlockedReport {
        BlockedReport {
            kind: self.kind,
            id: self.id,
            site: self.site,
            label: self.label.clone(),
            running_for,
            ended,
        }
    }
}
