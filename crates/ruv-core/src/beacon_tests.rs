//! The beacon's unit tests (beacon.rs).
use super::*;
use crate::{RunMode, Timer};
use std::sync::atomic::Ordering;

#[test]
fn a_sample_never_mixes_the_fields_of_two_callbacks() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let beacon = lp.callback_beacon();
    let a = Location::caller();
    let b = Location::caller();
    assert_ne!(a, b);
    let infos = [
        Some(CallbackInfo {
            kind: "a",
            id: None,
            site: a,
        }),
        Some(CallbackInfo {
            kind: "bb",
            id: Some(HandleId {
                index: 7,
                gen: 1 << 40,
            }),
            site: b,
        }),
        None,
    ];
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (beacon, done) = (beacon.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = [0u64; 3];
            while !done.load(Ordering::Relaxed) {
                let s = beacon.sample();
                let i = infos
                    .iter()
                    .position(|i| *i == s.callback)
                    .expect("torn read");
                seen[i] += 1;
            }
            seen
        })
    };
    // one level, rewritten by every callback, and a nested one rewriting it again
    for n in 0..300_000 {
        let top = lp.save_current();
        lp.enter_callback(infos[n % 2].unwrap());
        if n % 3 == 0 {
            let outer = lp.save_current();
            lp.enter_callback(infos[(n + 1) % 2].unwrap());
            lp.leave_callback(outer);
        }
        lp.leave_callback(top);
    }
    done.store(true, Ordering::Relaxed);
    reader.join().unwrap();
}

#[test]
fn a_nested_callback_is_published_and_its_outer_one_again_after_it() {
    let mut lp: Loop<Vec<BeaconSample>> = Loop::new().unwrap();
    let beacon = lp.callback_beacon();
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |lp, log, _| {
            lp.set_label("outer");
            log.push(lp.callback_beacon().sample());
            lp.run_callback(log, "inner", None, Location::caller(), |lp, log| {
                log.push(lp.callback_beacon().sample());
                Ok(())
            });
            log.push(lp.callback_beacon().sample());
        })
        .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let kinds: Vec<_> = log.iter().map(|s| s.callback.unwrap().kind).collect();
    assert_eq!(kinds, ["timer", "inner", "timer"]);
    assert!(log[0].epoch < log[1].epoch && log[1].epoch < log[2].epoch);
    // the outer callback's label: not the nested one's, the outer's again after it
    assert_eq!(log[0].label.as_deref(), Some("outer"));
    assert_eq!(log[1].label, None);
    assert_eq!(log[2].label.as_deref(), Some("outer"));
    assert!(beacon.sample().callback.is_none());
}

#[test]
fn a_label_ends_with_its_callback() {
    let mut lp: Loop<Vec<Option<Label>>> = Loop::new().unwrap();
    let _beacon = lp.callback_beacon();
    for (at, label) in [(0, Some("first")), (1, None)] {
        Timer::new(&mut lp)
            .unwrap()
            .start(&mut lp, at, 0, move |lp, log, _| {
                if let Some(l) = label {
                    lp.set_label(l);
                }
                log.push(lp.callback_beacon().sample().label);
                lp.clear_label();
                log.push(lp.callback_beacon().sample().label);
            })
            .unwrap();
    }
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [Some(Label::Static("first")), None, None, None]);
}

#[test]
fn the_loop_stops_publishing_once_nobody_holds_the_beacon() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    drop(lp.callback_beacon());
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |_, _, _| {})
        .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert!(lp.publisher.is_none());
}

#[test]
fn a_weak_reference_keeps_the_loop_publishing() {
    // a Weak could be upgraded later, and a reader must never see an unbracketed write
    let mut lp: Loop<Option<BeaconSample>> = Loop::new().unwrap();
    let weak = Arc::downgrade(&lp.callback_beacon());
    // `run` returning checks whether anyone can still read the beacon
    lp.run(RunMode::Default, &mut None).unwrap();
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, move |_, seen, _| {
            *seen = weak.upgrade().map(|b| b.sample());
        })
        .unwrap();
    let mut seen = None;
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.and_then(|s| s.callback).map(|c| c.kind), Some("timer"));
}

#[test]
fn dropping_the_loop_closes_its_beacon() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let beacon = lp.callback_beacon();
    assert!(!beacon.is_closed());
    drop(lp);
    assert!(beacon.is_closed());
    assert!(beacon.sample().callback.is_none());
}
