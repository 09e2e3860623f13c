//! Worker metrics: the worker's reporter ([`report_metrics`]), the primary's RSS reading
//! (`/proc/<pid>/statm`) and its RSS limit.

use super::{emit, reload, state, Supervisor, SupervisorEvent};
use crate::proto::{self, ruv_act};
use crate::Worker;
use ruv_core::{Loop, Result, Timer};
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;

/// A worker's load, as it last reported it, with the RSS the primary read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorkerMetrics {
    /// Open connections on its servers.
    pub conns: u64,
    /// Requests counted with [`count_request`] so far.
    pub requests: u64,
    /// Event-loop utilization over the last interval (0..=1).
    pub elu: f64,
    /// Resident set size in bytes (0 when it could not be read).
    pub rss: u64,
}

#[derive(Clone, Default)]
struct Requests(Rc<Cell<u64>>);

/// Counts one request in this worker's metrics (call it from the request handler).
pub fn count_request<S: 'static>(lp: &mut Loop<S>) {
    let c = lp.extension_or_insert_with(Requests::default);
    c.0.set(c.0.get() + 1);
}

/// In a worker: sends `{cmd: "NODE_RUV_CLUSTER", act: "metrics", conns, requests, elu}` to
/// the primary every `interval_ms` (a supervisor's default is 1000). The timer keeps the
/// worker's loop alive no longer than its other work does.
///
/// # Errors
/// `ERR_INVALID_STATE` before [`worker::setup`](crate::worker::setup).
pub fn report_metrics<S: 'static>(lp: &mut Loop<S>, interval_ms: u64) -> Result<Timer> {
    if !crate::is_worker() {
        return Err(ruv_core::Error::new(ruv_core::Code::ERR_INVALID_STATE)
            .with_detail("not a cluster worker (NODE_UNIQUE_ID is not set)"));
    }
    let requests = lp.extension_or_insert_with(Requests::default).0.clone();
    let mut prev = lp.metrics().sample();
    let t = Timer::new(lp)?;
    t.start(lp, interval_ms, interval_ms, move |lp, _, _| {
        let m = lp.metrics();
        let elu = m.utilization(Some(&prev)).utilization;
        prev = m.sample();
        let fields = proto::request(
            ruv_act::METRICS,
            json!({ "conns": crate::worker::connections(lp), "requests": requests.get(),
                "elu": elu }),
        );
        // a closed channel: the worker is leaving; nothing to report to
        crate::worker::send_ruv(lp, fields).ok();
    })?;
    t.set_ref(lp, false);
    Ok(t)
}

/// The resident set size of `pid` in bytes, from `/proc/<pid>/statm` (pages × page size).
pub(crate) fn rss_of(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// A metrics message from `w`: stored with the RSS read now.
pub(crate) fn received<S: 'static>(
    lp: &mut Loop<S>,
    sup: Supervisor,
    w: Worker,
    v: &Value,
) -> WorkerMetrics {
    let num = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let rss = w.pid(lp).and_then(rss_of).unwrap_or(0);
    let m = WorkerMetrics {
        conns: num("conns"),
        requests: num("requests"),
        elu: v.get("elu").and_then(Value::as_f64).unwrap_or(0.0),
        rss,
    };
    if let Some(st) = state(lp, sup) {
        st.metrics.insert(w.id(), m);
    }
    m
}

/// The RSS check: the first slot whose worker is over the limit is replaced (one at a time:
/// nothing is checked while a reload runs).
pub(crate) fn check_rss<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor) {
    let Some(st) = state(lp, sup) else { return };
    let Some(limit) = st.opts.max_memory_rss else {
        return;
    };
    if st.shutting_down || st.reload.busy() {
        return;
    }
    let workers: Vec<(usize, Worker)> = st
        .slots
        .iter()
        .enumerate()
        .filter_map(|(i, sl)| sl.worker.map(|w| (i, w)))
        .collect();
    for (i, w) in workers {
        let Some(rss) = w.pid(lp).and_then(rss_of) else {
            continue;
        };
        if rss > limit {
            emit(lp, s, sup, SupervisorEvent::MemoryLimit { worker: w, rss });
            reload::start(lp, s, sup, Some(i), None);
            return;
        }
    }
}
