//! With the `tracing` feature, a queue-wait warning is also a `tracing` event (level WARN,
//! target `ruv_pool`). Run: `cargo test -p ruv-pool --features tracing --test tracing`.
#![cfg(feature = "tracing")]

mod common;

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use common::wait_for;
use ruv_pool::{Pool, PoolConfig, WaitWarning, WorkClass};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One event: its level, target and fields (name, value as `Debug` prints it).
type Seen = (tracing::Level, String, Vec<(String, String)>);

/// Keeps every event.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Seen>>>);

struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
}

impl Subscriber for Events {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        let meta = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((*meta.level(), meta.target().to_string(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn a_warning_is_a_tracing_event_with_the_class_and_the_wait() {
    let events = Events::default();
    // the worker threads emit the event: the subscriber must be the global one
    tracing::subscriber::set_global_default(events.clone()).unwrap();
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    // no callback: the event is the only delivery
    pool.set_wait_warning(Some(WaitWarning::new(Duration::ZERO)));
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::SlowIo, move || tx.send(()).unwrap());
    rx.recv().unwrap();
    wait_for(&pool, "the job completed", |m| m.completed == 1);
    let got = events.0.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let (level, target, fields) = &got[0];
    assert_eq!(
        (*level, target.as_str()),
        (tracing::Level::WARN, "ruv_pool")
    );
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no field {name}: {fields:?}"))
    };
    assert_eq!(field("class"), "\"slow_io\"");
    assert_eq!(field("threshold_ns"), "0");
    assert!(field("wait_ns").parse::<u64>().unwrap() > 0);
    assert!(field("message").contains("a slow_io job waited"));
}
