//! The watchdog names the callback that blocks the loop — its kind, handle, the program's
//! registration site (file and line), its label — while it blocks; it never reports short
//! callbacks; its summary groups blocked callbacks by site; bad thresholds are typed errors.
//!
//! The blocking callbacks sleep 10× the threshold (the deliberate block, not a
//! synchronisation); reports are received from a channel with a bounded wait.

use ruv_core::{Code, Loop, RunMode, Timer};
use ruv_perf::{watchdog, BlockedReport, Watchdog, WatchdogOptions};
use ruv_testkit::recv_within;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Mutex;
use std::time::Duration;

const THRESHOLD: Duration = Duration::from_millis(30);
const BLOCK: Duration = Duration::from_millis(300);

fn dog<S>(lp: &mut Loop<S>, opts: WatchdogOptions) -> (Watchdog, Receiver<BlockedReport>) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let w = watchdog(lp, opts, move |r| {
        tx.lock().unwrap().send(r.clone()).ok();
    })
    .unwrap();
    (w, rx)
}

#[test]
fn a_blocking_timer_is_reported_with_its_file_line_and_label() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let (w, rx) = dog(&mut lp, WatchdogOptions::new(THRESHOLD));
    let timer = Timer::new(&mut lp).unwrap();
    let slow = |lp: &mut Loop<()>, _: &mut (), _| {
        lp.set_label("/slow");
        std::thread::sleep(BLOCK);
    };
    // the registration site: where `start` is called
    let (started, line) = (timer.start(&mut lp, 0, 0, slow), line!());
    started.unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    let r = recv_within(&rx, "the watchdog's report");
    assert_eq!(r.kind, "timer");
    assert_eq!(r.id, Some(timer.id()));
    assert_eq!((r.site.file(), r.site.line()), (file!(), line));
    assert_eq!(r.label.as_deref(), Some("/slow"));
    assert!(r.running_for >= THRESHOLD && r.running_for <= BLOCK, "{r}");
    assert!(!r.ended);
    assert_eq!(
        r.to_string(),
        format!(
            "loop blocked for {:.1} ms by timer (handle {}) registered at {}:{line}:{} (label \"/slow\")",
            r.running_for.as_secs_f64() * 1e3,
            timer.id().index(),
            file!(),
            r.site.column()
        )
    );
    drop(w);
    assert!(rx.try_recv().is_err(), "one report per blocked callback");
}

#[test]
fn short_callbacks_are_never_reported() {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    let (w, rx) = dog(&mut lp, WatchdogOptions::new(Duration::from_millis(200)));
    // thousands of callbacks of microseconds: timers, immediates, ticks
    fn step(lp: &mut Loop<u32>, n: &mut u32) -> ruv_core::Result<()> {
        *n += 1;
        if *n < 3000 {
            ruv_node::set_immediate(lp, step)?;
            ruv_node::next_tick(lp, |_, _| {})?;
        }
        Ok(())
    }
    ruv_node::enter(&mut lp, &mut 0, |lp, _| {
        ruv_node::set_immediate(lp, step).map(drop)
    })
    .unwrap();
    let t = Timer::new(&mut lp).unwrap();
    t.start(&mut lp, 1, 1, |lp, n, t| {
        if *n >= 3000 {
            t.stop(lp);
        }
    })
    .unwrap();
    let mut n = 0;
    lp.run(RunMode::Default, &mut n).unwrap();
    assert_eq!(n, 3000);
    assert_eq!(w.reports(), 0);
    assert!(w.summary().is_empty());
    drop(w);
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_blocking_immediate_is_reported_at_its_set_immediate_call() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let (_w, rx) = dog(&mut lp, WatchdogOptions::new(THRESHOLD));
    let line = line!() + 2;
    ruv_node::enter(&mut lp, &mut (), |lp, _| {
        ruv_node::set_immediate(lp, |_, _| std::thread::sleep(BLOCK))?;
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    let r = recv_within(&rx, "the watchdog's report");
    assert_eq!(r.kind, "immediate");
    assert_eq!((r.site.file(), r.site.line()), (file!(), line));
}

#[test]
fn a_blocking_tick_is_reported_as_ticks_after_the_callback_that_queued_it() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let (_w, rx) = dog(&mut lp, WatchdogOptions::new(THRESHOLD));
    let queue = |lp: &mut Loop<()>, _: &mut (), _| {
        ruv_node::next_tick(lp, |_, _| std::thread::sleep(BLOCK))
    };
    let timer = Timer::new(&mut lp).unwrap();
    let (started, line) = (timer.start(&mut lp, 0, 0, queue), line!());
    started.unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    let r = recv_within(&rx, "the watchdog's report");
    assert_eq!(r.kind, "ticks");
    assert_eq!((r.site.file(), r.site.line()), (file!(), line));
}

#[test]
fn a_blocking_http_request_callback_is_reported_with_the_route_label() {
    use ruv_http::{Server, ServerEvent, ServerOptions};
    use std::io::{Read, Write};
    let mut lp: Loop<()> = Loop::new().unwrap();
    let (_w, rx) = dog(&mut lp, WatchdogOptions::new(THRESHOLD));
    let line = line!() + 1;
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, me, ev| {
        if let ServerEvent::Request(req, res) = ev {
            let url = req.head(lp)?.url().to_string();
            lp.set_label(url.clone());
            if url == "/slow" {
                std::thread::sleep(BLOCK);
            }
            res.end(lp, "done")?;
            me.close(lp)?;
        }
        Ok(())
    })
    .unwrap();
    server
        .listen(&mut lp, "127.0.0.1:0".parse().unwrap())
        .unwrap();
    let addr = server.address(&lp).unwrap();
    let client = std::thread::spawn(move || {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        answer
    });
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert!(client.join().unwrap().ends_with("done"));
    let r = recv_within(&rx, "the watchdog's report");
    assert_eq!(r.kind, "http.request");
    assert_eq!((r.site.file(), r.site.line()), (file!(), line));
    assert_eq!(r.label.as_deref(), Some("/slow"));
}

#[test]
fn the_summary_groups_blocked_callbacks_by_site_worst_first() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let opts = WatchdogOptions {
        report_end: true,
        ..WatchdogOptions::new(THRESHOLD)
    };
    let (w, rx) = dog(&mut lp, opts);
    fn blocker(lp: &mut Loop<()>, at: u64, block: Duration) {
        let t = Timer::new(lp).unwrap();
        // one site for every timer this function starts
        t.start(lp, at, 0, move |_, _, _| std::thread::sleep(block))
            .unwrap();
    }
    blocker(&mut lp, 0, BLOCK);
    blocker(&mut lp, 1, BLOCK);
    let half = |_: &mut Loop<()>, _: &mut (), _| std::thread::sleep(BLOCK / 2);
    let timer = Timer::new(&mut lp).unwrap();
    let (started, line) = (timer.start(&mut lp, 2, 0, half), line!());
    started.unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    // three blocked callbacks, each reported when seen and again when it returned
    let mut ends = Vec::new();
    for _ in 0..6 {
        let r = recv_within(&rx, "the watchdog's reports");
        if r.ended {
            ends.push(r);
        }
    }
    assert_eq!(ends.len(), 3);
    let s = w.summary();
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0].count, 2);
    assert_eq!(s[0].kind, "timer");
    assert!(s[0].total >= s[0].max && s[0].max >= THRESHOLD, "{s:?}");
    assert_eq!((s[1].count, s[1].site.line()), (1, line));
    let worst_end = ends.iter().map(|r| r.running_for).max().unwrap();
    assert_eq!(worst_end, s[0].max.max(s[1].max));
}

#[test]
fn a_threshold_under_1ms_is_err_out_of_range() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    for t in [Duration::ZERO, Duration::from_micros(999)] {
        let e = watchdog(&mut lp, WatchdogOptions::new(t), |_| {}).unwrap_err();
        assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
        assert_eq!(
            e.to_string(),
            format!(
                "ERR_OUT_OF_RANGE: The value of \"threshold\" is out of range. \
                 It must be >= 1ms. Received {t:?}"
            )
        );
    }
}

#[test]
fn an_absurdly_large_threshold_never_fires_and_drops_at_once() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let (w, rx) = dog(&mut lp, WatchdogOptions::new(Duration::MAX));
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |_, _, _| std::thread::sleep(BLOCK))
        .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    drop(w); // joins: the thread is woken, not left to its hour-long period
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_panicking_report_callback_does_not_stop_the_watchdog() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let first = std::sync::atomic::AtomicBool::new(true);
    let _w = watchdog(&mut lp, WatchdogOptions::new(THRESHOLD), move |r| {
        if first.swap(false, std::sync::atomic::Ordering::Relaxed) {
            panic!("a report callback that fails");
        }
        tx.lock().unwrap().send(r.site.line()).ok();
    })
    .unwrap();
    for at in [0, 1] {
        Timer::new(&mut lp)
            .unwrap()
            .start(&mut lp, at, 0, |_, _, _| std::thread::sleep(BLOCK))
            .unwrap();
    }
    lp.run(RunMode::Default, &mut ()).unwrap();
    recv_within(&rx, "the second report");
}
