//! The optional `tracing` feature: a span per loop phase and per callback.
//!
//! With the feature on, [`Loop::run`](crate::Loop::run) opens a `trace`-level span `phase`
//! (field `name`: `pending`, `idle`, `prepare`, `poll`, `check`, `closing`, `timers`) around
//! each phase, and every callback run by the dispatch helpers runs in a `trace`-level span
//! `callback` (fields `kind` and `site`, the registration site as `file:line:col`). With it
//! off (the default) both macros expand to nothing.

/// Runs `$e` inside a span named after the phase.
#[cfg(feature = "tracing")]
macro_rules! phase {
    ($name:literal, $e:expr) => {{
        let _span = tracing::trace_span!("phase", name = $name).entered();
        $e
    }};
}

/// Runs `$e` (no tracing).
#[cfg(not(feature = "tracing"))]
macro_rules! phase {
    ($name:literal, $e:expr) => {
        $e
    };
}

/// Opens a span for callback `$info` until the end of the enclosing block.
#[cfg(feature = "tracing")]
macro_rules! callback_span {
    ($info:expr) => {
        let info: crate::registry::CallbackInfo = $info;
        let _span = tracing::trace_span!(
            "callback",
            kind = info.kind,
            site = tracing::field::display(info.site)
        )
        .entered();
    };
}

/// Nothing (no tracing).
#[cfg(not(feature = "tracing"))]
macro_rules! callback_span {
    ($info:expr) => {};
}

pub(crate) use {callback_span, phase};

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use crate::{Loop, RunMode, Timer};
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Records every new span as `name key=value …`.
    struct Spans(Arc<Mutex<Vec<String>>>);

    struct Fields(String);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!(" {}={:?}", field.name(), value));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push_str(&format!(" {}={}", field.name(), value));
        }
    }

    impl Subscriber for Spans {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut f = Fields(span.metadata().name().to_string());
            span.record(&mut f);
            let mut log = self.0.lock().unwrap();
            log.push(f.0);
            Id::from_u64(log.len() as u64)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// Counts spans without keeping them: how many were made, how many are open now, and
    /// the most that were open at once.
    #[derive(Default)]
    struct Counts {
        made: AtomicU64,
        open: AtomicU64,
        most_open: AtomicU64,
    }

    struct Counting(Arc<Counts>);

    impl Subscriber for Counting {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            let c = &self.0;
            let made = c.made.fetch_add(1, Relaxed) + 1;
            let open = c.open.fetch_add(1, Relaxed) + 1;
            c.most_open.fetch_max(open, Relaxed);
            Id::from_u64(made)
        }
        fn try_close(&self, _: Id) -> bool {
            self.0.open.fetch_sub(1, Relaxed);
            true
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// The bad input: tracing on with a million timers. Every callback's span is
    /// closed when the callback returns, so however many timers run, only a phase span and
    /// a callback span are ever open: nothing accumulates.
    #[test]
    fn a_million_traced_timers_leave_no_span_open() {
        const TIMERS: u64 = 1_000_000;
        let counts = Arc::new(Counts::default());
        tracing::subscriber::with_default(Counting(counts.clone()), || {
            let mut lp: Loop<u64> = Loop::new().unwrap();
            for _ in 0..TIMERS {
                let t = Timer::new(&mut lp).unwrap();
                t.start(&mut lp, 0, 0, |lp, n, me| {
                    *n += 1;
                    me.close(lp).unwrap().then(|_, _| {});
                })
                .unwrap();
            }
            let mut fired = 0;
            lp.run(RunMode::Default, &mut fired).unwrap();
            assert_eq!(fired, TIMERS);
        });
        let made = counts.made.load(Relaxed);
        assert!(made >= 2 * TIMERS, "a span per fire and per close: {made}");
        assert_eq!(counts.open.load(Relaxed), 0, "every span closed");
        let most = counts.most_open.load(Relaxed);
        assert!(
            most <= 3,
            "at most a phase and a nested callback open: {most}"
        );
    }

    #[test]
    fn each_phase_and_each_callback_gets_a_span_with_kind_and_site() {
        let log = Arc::new(Mutex::new(Vec::new()));
        tracing::subscriber::with_default(Spans(log.clone()), || {
            let mut lp: Loop<()> = Loop::new().unwrap();
            let timer = Timer::new(&mut lp).unwrap();
            let (started, line) = (timer.start(&mut lp, 0, 0, |_, _, _| {}), line!());
            started.unwrap();
            lp.run(RunMode::Default, &mut ()).unwrap();
            let log = log.lock().unwrap();
            let site = format!("{}:{line}:", file!());
            let cb = log
                .iter()
                .find(|s| s.starts_with("callback"))
                .expect("a callback span");
            assert!(cb.starts_with("callback kind=timer site="), "{cb}");
            assert!(cb.contains(&site), "{cb} at {site}");
            for phase in [
                "timers", "pending", "idle", "prepare", "poll", "check", "closing",
            ] {
                let want = format!("phase name={phase}");
                assert!(log.contains(&want), "{want} missing from {log:?}");
            }
        });
    }
}
