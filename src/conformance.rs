//! Node's ordering oracle, reproduced with ruv.
//!
//! [`ordering`] runs, with ruv, each scenario of Node's `ordering.js` (kept in the repo as
//! `tests/data/ordering.js`) and returns the lines Node prints for it; `examples/ordering.rs`
//! prints them and a test compares them with `tests/data/ordering.expected.txt`, which is
//! what `node ordering.js` prints. Each scenario starts only after the previous one called
//! its `done`, so they never interleave.
//!
//! ```
//! let lines = ruv::conformance::ordering(false)?;
//! assert_eq!(lines.last().map(String::as_str), Some("end"));
//! # Ok::<(), ruv::core::Error>(())
//! ```

use ruv_core::{Interest, IoWatcher, Loop, Result, RunMode};
use ruv_net::node::{Server, ServerEvent, ServerOptions};
use ruv_node::{self as node, Immediate, Timeout};
use std::cell::Cell;
use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;

/// The scenarios' state: the lines printed so far.
struct Out {
    lines: Vec<String>,
    echo: bool,
}

type Lp = Loop<Out>;
type Scenario = fn(&mut Lp, &mut Out, usize) -> Result<()>;

fn log(out: &mut Out, line: &str) {
    if out.echo {
        println!("{line}");
    }
    out.lines.push(line.to_string());
}

const SCENARIOS: [Scenario; 11] = [
    queues,
    io_callback,
    immediate_in_immediate,
    timer_order,
    microtasks_between_timers,
    timeout_in_timeout,
    interval,
    clear_in_callback,
    promise_chain_before_immediate,
    server_close_before_immediate,
    unref_does_not_hold_loop,
];

/// Runs every scenario on a fresh loop and returns the printed lines (also printing them
/// when `echo` is set).
pub fn ordering(echo: bool) -> Result<Vec<String>> {
    let mut lp: Lp = Loop::new()?;
    let mut out = Out {
        lines: Vec::new(),
        echo,
    };
    node::enter(&mut lp, &mut out, |lp, out| run_from(lp, out, 0))?;
    lp.run(RunMode::Default, &mut out)?;
    Ok(out.lines)
}

fn run_from(lp: &mut Lp, out: &mut Out, i: usize) -> Result<()> {
    match SCENARIOS.get(i) {
        Some(scenario) => scenario(lp, out, i + 1),
        None => {
            log(out, "end");
            Ok(())
        }
    }
}

/// `done()`: starts the next scenario; errors surface as a panic in the example's callbacks.
fn done(lp: &mut Lp, out: &mut Out, next: usize) {
    run_from(lp, out, next).expect("scenario set-up failed");
}

/// The next-tick queue drains before the microtask queue; both before any phase.
fn queues(lp: &mut Lp, out: &mut Out, next: usize) -> Result<()> {
    node::next_tick(lp, |_, o| log(o, "queues: tick 1"))?;
    node::queue_microtask(lp, |lp, o| {
        log(o, "queues: micro 1");
        node::next_tick(lp, |_, o| log(o, "queues: tick from micro")).unwrap();
        node::queue_microtask(lp, |_, o| log(o, "queues: micro from micro")).unwrap();
    })?;
    node::queue_microtask(lp, |_, o| log(o, "queues: micro 2"))?;
    node::next_tick(lp, |lp, o| {
        log(o, "queues: tick 2");
        node::next_tick(lp, |_, o| log(o, "queues: tick from tick")).unwrap();
    })?;
    log(out, "queues: sync");
    node::set_immediate(lp, move |lp, o| done(lp, o, next))?;
    Ok(())
}

/// Inside an I/O callback (poll phase) the check phase always beats a 0 ms timer. Node's
/// script uses a pool-backed `fs.readFile`; here the poll-phase callback is a socket pair
/// becoming readable.
fn io_callback(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    let (reader, mut writer) =
        UnixStream::pair().map_err(|e| ruv_core::Error::from_io(&e, "socketpair"))?;
    reader
        .set_nonblocking(true)
        .map_err(|e| ruv_core::Error::from_io(&e, "fcntl"))?;
    let watcher = IoWatcher::new(lp, reader.as_raw_fd())?;
    watcher.start(lp, Interest::READABLE, move |lp, o, me, _ready| {
        me.close(lp).unwrap();
        let _keep_open_until_now = &reader;
        node::set_timeout(lp, 0, move |lp, o| {
            log(o, "io: timeout 0");
            done(lp, o, next);
        })
        .unwrap();
        node::set_immediate(lp, |_, o| log(o, "io: immediate")).unwrap();
        node::next_tick(lp, |_, o| log(o, "io: tick")).unwrap();
        log(o, "io: callback");
    })?;
    writer
        .write_all(b"!")
        .map_err(|e| ruv_core::Error::from_io(&e, "write"))?;
    Ok(())
}

/// An immediate queued by an immediate runs in the next loop iteration.
fn immediate_in_immediate(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    node::set_immediate(lp, move |lp, o| {
        log(o, "imm: 1");
        node::set_immediate(lp, move |lp, o| {
            log(o, "imm: 3 (next iteration)");
            done(lp, o, next);
        })
        .unwrap();
        node::next_tick(lp, |_, o| log(o, "imm: tick after 1")).unwrap();
    })?;
    node::set_immediate(lp, |_, o| log(o, "imm: 2"))?;
    Ok(())
}

/// Timers fire by due time; equal due times fire in creation order.
fn timer_order(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    node::set_timeout(lp, 10, move |lp, o| {
        log(o, "timers: 10 ms");
        done(lp, o, next);
    })?;
    node::set_timeout(lp, 5, |_, o| log(o, "timers: 5 ms first"))?;
    node::set_timeout(lp, 5, |_, o| log(o, "timers: 5 ms second"))?;
    node::set_timeout(lp, 0, |_, o| log(o, "timers: 0 ms"))?;
    Ok(())
}

/// Ticks and microtasks drain after every single timer callback.
fn microtasks_between_timers(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    node::set_timeout(lp, 0, |lp, o| {
        log(o, "between: timer 1");
        node::queue_microtask(lp, |_, o| log(o, "between: micro after 1")).unwrap();
        node::next_tick(lp, |_, o| log(o, "between: tick after 1")).unwrap();
    })?;
    node::set_timeout(lp, 0, move |lp, o| {
        log(o, "between: timer 2");
        done(lp, o, next);
    })?;
    Ok(())
}

/// From a timer callback, the check phase comes before the next timers phase.
fn timeout_in_timeout(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    node::set_timeout(lp, 0, move |lp, _| {
        node::set_timeout(lp, 0, move |lp, o| {
            log(o, "nested: timeout");
            done(lp, o, next);
        })
        .unwrap();
        node::set_immediate(lp, |_, o| log(o, "nested: immediate")).unwrap();
    })?;
    Ok(())
}

fn interval(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    let mut n = 0;
    node::set_interval(lp, 1, move |lp, o, me| {
        n += 1;
        log(o, &format!("interval: {n}"));
        if n == 3 {
            node::clear_interval(lp, me);
            done(lp, o, next);
        }
    })?;
    Ok(())
}

/// A callback may cancel a sibling that is already due in the same phase.
fn clear_in_callback(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    let b: Rc<Cell<Option<Timeout>>> = Rc::default();
    let b2 = b.clone();
    node::set_timeout(lp, 1, move |lp, o| {
        log(o, "clear: timer A");
        if let Some(b) = b2.take() {
            node::clear_timeout(lp, &b);
        }
    })?;
    b.set(Some(node::set_timeout(lp, 1, |_, o| {
        log(o, "clear: timer B (must not run)")
    })?));
    let i2: Rc<Cell<Option<Immediate>>> = Rc::default();
    let i2b = i2.clone();
    node::set_immediate(lp, move |lp, o| {
        log(o, "clear: immediate 1");
        if let Some(i) = i2b.get() {
            node::clear_immediate(lp, i);
        }
    })?;
    i2.set(Some(node::set_immediate(lp, |_, o| {
        log(o, "clear: immediate 2 (must not run)")
    })?));
    node::set_timeout(lp, 5, move |lp, o| done(lp, o, next))?;
    Ok(())
}

/// A promise chain (microtasks queuing microtasks) completes before the next immediate.
fn promise_chain_before_immediate(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    node::set_immediate(lp, move |lp, o| {
        log(o, "chain: immediate");
        done(lp, o, next);
    })?;
    node::queue_microtask(lp, |lp, o| {
        log(o, "chain: then 1");
        node::queue_microtask(lp, |_, o| log(o, "chain: then 2")).unwrap();
    })?;
    Ok(())
}

/// `server.close`'s callback comes on the next tick when no connection is left (Node does
/// not wait for the handle's close phase), so before an immediate queued at the same time;
/// a tick it queues runs before that immediate too.
fn server_close_before_immediate(lp: &mut Lp, _out: &mut Out, next: usize) -> Result<()> {
    let srv = Server::create(
        lp,
        ServerOptions::default(),
        move |lp, o: &mut Out, srv, ev| {
            match ev {
                ServerEvent::Listening => {
                    node::set_immediate(lp, move |lp, o| {
                        log(o, "server: immediate");
                        done(lp, o, next);
                    })?;
                    srv.close(lp)?;
                    log(o, "server: close called");
                }
                ServerEvent::Close => {
                    log(o, "server: close callback");
                    node::next_tick(lp, |_, o| log(o, "server: close tick"))?;
                }
                ServerEvent::Connection(_) | ServerEvent::Error(_) => {}
            }
            Ok(())
        },
    )?;
    srv.listen(lp, SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// An unref'd timer never keeps the loop alive: the program ends before it fires.
fn unref_does_not_hold_loop(lp: &mut Lp, out: &mut Out, next: usize) -> Result<()> {
    let t = node::set_timeout(lp, 60_000, |_, o| log(o, "unref: must never print"))?;
    t.unref(lp);
    log(out, "unref: armed");
    done(lp, out, next);
    Ok(())
}
