//! Workers: the behaviours of Node's test-worker-* tests, restated for ruv.

use ruv_core::{Async, Code, Error, Loop, RunMode, Timer, WorkClass};
use ruv_worker::codes::{ERR_WORKER_INIT_FAILED, ERR_WORKER_NOT_RUNNING, ERR_WORKER_STUCK};
use ruv_worker::{
    PoolChoice, PortEvent, SharedBuffer, WaitResult, Worker, WorkerEvent, WorkerOptions,
};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// What the parent saw, as text (messages through `Debug`).
type Log = Vec<String>;

fn record<T: std::fmt::Debug>(log: &mut Log, ev: WorkerEvent<T>) {
    log.push(match ev {
        WorkerEvent::Online => "online".into(),
        WorkerEvent::Message(m) => format!("message {m:?}"),
        WorkerEvent::Error(e) => format!("error {e}"),
        WorkerEvent::Stuck => "stuck".into(),
        WorkerEvent::Exit(c) => format!("exit {c}"),
    });
}

fn run(lp: &mut Loop<Log>) -> Log {
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    log
}

#[test]
fn worker_data_arrives_and_events_come_in_node_order() {
    let mut lp = Loop::new().unwrap();
    Worker::spawn(
        &mut lp,
        WorkerOptions::new().worker_data(vec![1u32, 2, 3]),
        |_: &mut Loop<()>, ctx| {
            for x in &ctx.worker_data {
                ctx.parent_port.post_message(x * 10);
            }
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        ["online", "message 10", "message 20", "message 30", "exit 0"]
    );
}

#[test]
fn a_thousand_messages_from_a_worker_arrive_in_order_before_exit() {
    let mut lp: Loop<Vec<u32>> = Loop::new().unwrap();
    Worker::spawn(
        &mut lp,
        WorkerOptions::new(),
        |_: &mut Loop<()>, ctx| {
            for i in 0..1000u32 {
                ctx.parent_port.post_message(i);
            }
            Ok(())
        },
        |_, got: &mut Vec<u32>, _, ev| match ev {
            WorkerEvent::Message(m) => got.push(m),
            WorkerEvent::Exit(code) => {
                assert_eq!(code, 0);
                got.push(u32::MAX);
            }
            _ => {}
        },
    )
    .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    let expected: Vec<u32> = (0..1000).chain([u32::MAX]).collect();
    assert_eq!(got, expected);
}

#[test]
fn the_worker_answers_messages_on_its_parent_port_and_exits_when_it_closes() {
    let mut lp = Loop::new().unwrap();
    let w = Worker::spawn(
        &mut lp,
        WorkerOptions::new().name("echo"),
        |wlp: &mut Loop<()>, ctx| {
            assert!(!ruv_worker::is_main_thread());
            assert_eq!(ruv_worker::thread_id(), ctx.thread_id);
            assert_eq!(std::thread::current().name(), Some("echo"));
            ctx.parent_port.attach(wlp, |wlp, _, port, ev| {
                if let PortEvent::Message(s) = ev {
                    let s: String = s;
                    if s == "bye" {
                        port.close(wlp)?;
                    } else {
                        port.post_message(wlp, s.to_uppercase());
                    }
                }
                Ok(())
            })?;
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert!(ruv_worker::is_main_thread());
    assert!(w.post_message(&lp, "hi".to_string()));
    assert!(w.post_message(&lp, "bye".to_string()));
    assert_eq!(run(&mut lp), ["online", "message \"HI\"", "exit 0"]);
    assert!(
        !w.post_message(&lp, "late".to_string()),
        "after exit: false"
    );
}

#[test]
fn a_panic_in_the_worker_is_an_error_then_exit_1_and_the_parent_goes_on() {
    let mut lp = Loop::new().unwrap();
    Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |_: &mut Loop<()>, _ctx| -> ruv_core::Result<()> { panic!("boom in the worker") },
        |lp, log, _, ev| {
            let exit = matches!(ev, WorkerEvent::Exit(_));
            record(log, ev);
            if exit {
                // the parent's loop is fine: it keeps running callbacks
                let t = Timer::new(lp)?;
                t.start(lp, 0, 0, |_, log: &mut Log, _| {
                    log.push("parent timer".into())
                })?;
            }
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        [
            "online",
            "error EPANIC: worker panicked: boom in the worker",
            "exit 1",
            "parent timer"
        ]
    );
}

#[test]
fn an_entry_error_and_an_uncaught_loop_error_are_errors_then_exit_1() {
    let mut lp = Loop::new().unwrap();
    Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |_: &mut Loop<()>, _| -> ruv_core::Result<()> {
            Err(Error::new(Code::ENOENT)
                .with_syscall("open")
                .with_path("/nope"))
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        [
            "online",
            "error ENOENT: no such file or directory, open '/nope'",
            "exit 1"
        ]
    );
    Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |wlp: &mut Loop<()>, _| {
            let t = Timer::new(wlp)?;
            t.start(wlp, 0, 0, |_, _, _| {
                Err(Error::new(Code::EIO).with_detail("from a worker timer"))
            })?;
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        ["online", "error EIO: from a worker timer", "exit 1"]
    );
}

#[test]
fn exit_codes_come_from_set_exit_code_and_exit() {
    let mut lp = Loop::new().unwrap();
    Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |_: &mut Loop<()>, _| {
            ruv_worker::set_exit_code(3);
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(run(&mut lp), ["online", "exit 3"]);
    Worker::<u32>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |wlp: &mut Loop<()>, ctx| {
            let port = ctx.parent_port;
            // a repeating timer: the worker lives until it exits on its own
            let t = Timer::new(wlp)?;
            let mut n = 0;
            t.start(wlp, 0, 1, move |wlp, _, _| {
                n += 1;
                port.post_message(n);
                if n == 2 {
                    ruv_worker::exit(wlp, 7);
                }
            })?;
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(run(&mut lp), ["online", "message 1", "message 2", "exit 7"]);
}

/// Calls `terminate` when the worker says it is ready (its first message).
fn terminate_on_first_message<T: Send + std::fmt::Debug + 'static>(
    lp: &mut Loop<Log>,
    w: Worker<T>,
    ev: WorkerEvent<T>,
    log: &mut Log,
) -> ruv_core::Result<()> {
    let first =
        matches!(ev, WorkerEvent::Message(_)) && !log.iter().any(|l| l.starts_with("message"));
    record(log, ev);
    if first {
        w.terminate(lp, |_, log: &mut Log, r| {
            log.push(format!("terminated {r:?}"))
        })?;
    }
    Ok(())
}

#[test]
fn terminate_stops_an_idle_worker_with_exit_1() {
    let mut lp = Loop::new().unwrap();
    Worker::<&'static str>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |wlp: &mut Loop<()>, ctx| {
            // an attached, referenced port: this worker would live for ever
            let port = ctx.parent_port.attach(wlp, |_, _, _, _| {})?;
            port.post_message(wlp, "ready");
            Ok(())
        },
        |lp, log, w, ev| terminate_on_first_message(lp, w, ev, log),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        ["online", "message \"ready\"", "exit 1", "terminated Ok(1)"]
    );
}

/// Sends on drop: held by a handle's callback in the worker's loop, it is dropped after the
/// loop cancelled its queued pool work.
struct SendOnDrop(mpsc::Sender<()>);
impl Drop for SendOnDrop {
    fn drop(&mut self) {
        self.0.send(()).ok();
    }
}

#[test]
fn terminate_cancels_the_workers_queued_pool_work() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let worker: Rc<Cell<Option<Worker<()>>>> = Rc::new(Cell::new(None));
    let w2 = worker.clone();
    // the worker's first pool job tells the parent, through this async handle, it is running
    let started = Async::new(&mut lp, move |lp, log: &mut Log, me| {
        log.push("job 1 running".into());
        me.close(lp)?;
        let w = w2.get().expect("spawned");
        w.terminate(lp, |_, log: &mut Log, r| {
            log.push(format!("terminated {r:?}"))
        })
    })
    .unwrap();
    let sender = started.sender(&lp).unwrap();
    let w = Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new()
            .pool(PoolChoice::Own(1))
            .worker_data((sender, ran.clone())),
        |wlp: &mut Loop<()>, ctx| {
            let (sender, ran) = ctx.worker_data;
            let (release_tx, release_rx) = mpsc::channel::<()>();
            // occupies the worker's only pool thread until the worker's loop is gone
            wlp.queue_work(
                WorkClass::Cpu,
                move || {
                    sender.send().unwrap();
                    release_rx.recv().ok();
                },
                |_, _, _| {},
            )?;
            // queued behind it: terminate must cancel it, so it never runs
            wlp.queue_work(
                WorkClass::Cpu,
                move || ran.store(true, Ordering::SeqCst),
                |_, _, _| {},
            )?;
            // held by a handle's callback: dropped after the loop cancelled its queued work
            let guard = SendOnDrop(release_tx);
            let t = Timer::new(wlp)?;
            t.start(wlp, 3_600_000, 0, move |_, _, _| {
                let _keep = &guard;
            })?;
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    worker.set(Some(w));
    assert_eq!(
        run(&mut lp),
        ["online", "job 1 running", "exit 1", "terminated Ok(1)"]
    );
    assert!(
        !ran.load(Ordering::SeqCst),
        "queued pool work ran after terminate"
    );
}

#[test]
fn terminate_wakes_a_worker_blocked_in_a_shared_memory_wait() {
    let buf = SharedBuffer::new(4).unwrap();
    let mut lp = Loop::new().unwrap();
    Worker::<String>::spawn(
        &mut lp,
        WorkerOptions::new().worker_data(buf.clone()),
        |_: &mut Loop<()>, ctx| {
            ctx.parent_port.post_message("waiting".into());
            // nobody notifies: only terminate ends this wait
            let r = ctx.worker_data.wait(0, 0, None)?;
            ctx.parent_port.post_message(format!("{r:?}"));
            Ok(())
        },
        |lp, log, w, ev| terminate_on_first_message(lp, w, ev, log),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        [
            "online",
            "message \"waiting\"",
            &format!("message \"{:?}\"", WaitResult::Interrupted),
            "exit 1",
            "terminated Ok(1)"
        ]
    );
    assert_eq!(buf.waiters(0), 0);
}

#[test]
fn a_long_callback_that_checks_should_stop_ends_at_terminate() {
    let mut lp = Loop::new().unwrap();
    Worker::<&'static str>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |wlp: &mut Loop<()>, ctx| {
            let port = ctx.parent_port;
            let t = Timer::new(wlp)?;
            t.start(wlp, 0, 0, move |_, _, _| {
                port.post_message("spinning");
                while !ruv_worker::should_stop() {
                    std::hint::spin_loop();
                }
            })?;
            Ok(())
        },
        |lp, log, w, ev| terminate_on_first_message(lp, w, ev, log),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        [
            "online",
            "message \"spinning\"",
            "exit 1",
            "terminated Ok(1)"
        ]
    );
}

#[test]
fn a_worker_that_never_yields_is_reported_stuck_after_the_deadline() {
    let release = Arc::new(AtomicBool::new(false));
    let mut lp = Loop::new().unwrap();
    let rel = release.clone();
    Worker::<&'static str>::spawn(
        &mut lp,
        WorkerOptions::new()
            .terminate_deadline(Duration::from_millis(20))
            .worker_data(release.clone()),
        |wlp: &mut Loop<()>, ctx| {
            let (port, release) = (ctx.parent_port, ctx.worker_data);
            let t = Timer::new(wlp)?;
            t.start(wlp, 0, 0, move |_, _, _| {
                port.post_message("spinning");
                // does not check should_stop(): only the test's flag ends it
                while !release.load(Ordering::SeqCst) {
                    std::hint::spin_loop();
                }
            })?;
            Ok(())
        },
        move |lp, log, w, ev| {
            let stuck = matches!(ev, WorkerEvent::Stuck);
            terminate_on_first_message(lp, w, ev, log)?;
            if stuck {
                // a stuck worker stops keeping the loop alive; keep it, to see its exit
                assert!(!w.has_ref(lp)?);
                w.set_ref(lp, true);
                rel.store(true, Ordering::SeqCst);
            }
            Ok(())
        },
    )
    .unwrap();
    let log = run(&mut lp);
    assert_eq!(log[..3], ["online", "message \"spinning\"", "stuck"]);
    assert!(log[3].starts_with("terminated Err(") && log[3].contains("ERR_WORKER_STUCK"));
    assert_eq!(log[4..], ["exit 1"]);
    let err = Error::new(ERR_WORKER_STUCK);
    assert_eq!(err.code().name(), "ERR_WORKER_STUCK");
}

#[test]
fn terminate_twice_calls_both_callbacks_and_after_exit_is_an_error() {
    let mut lp = Loop::new().unwrap();
    let w = Worker::<&'static str>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |wlp: &mut Loop<()>, ctx| {
            let port = ctx.parent_port.attach(wlp, |_, _, _, _| {})?;
            port.post_message(wlp, "ready");
            Ok(())
        },
        |lp, log, w, ev| {
            let first = matches!(ev, WorkerEvent::Message(_));
            record(log, ev);
            if first {
                w.terminate(lp, |_, log: &mut Log, r| log.push(format!("first {r:?}")))?;
                w.terminate(lp, |_, log: &mut Log, r| log.push(format!("second {r:?}")))?;
            }
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        [
            "online",
            "message \"ready\"",
            "exit 1",
            "first Ok(1)",
            "second Ok(1)"
        ]
    );
    let err = w.terminate(&mut lp, |_, _, _| {}).unwrap_err();
    assert_eq!(err.code(), ERR_WORKER_NOT_RUNNING);
    assert_eq!(
        err.to_string(),
        "ERR_WORKER_NOT_RUNNING: Worker instance not running (it has exited)"
    );
    w.set_ref(&mut lp, false); // idempotent on a stale handle
}

#[test]
fn a_thread_that_cannot_be_created_is_an_error_not_a_panic() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    // 4 TiB of stack: the system refuses the thread
    let err = Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new().stack_size(1 << 42),
        |_: &mut Loop<()>, _| Ok(()),
        |_, log, _, ev| record(log, ev),
    )
    .unwrap_err();
    assert_eq!(err.code(), ERR_WORKER_INIT_FAILED);
    assert!(
        err.to_string()
            .starts_with("ERR_WORKER_INIT_FAILED: Worker initialization failure: "),
        "{err}"
    );
    let err = Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new().name("a\0b"),
        |_: &mut Loop<()>, _| Ok(()),
        |_, log, _, ev| record(log, ev),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::ERR_INVALID_ARG_VALUE);
    // nothing was left behind on the loop: no events, and `run` returns
    assert!(run(&mut lp).is_empty());
    assert!(!lp.alive());
}

#[test]
fn the_worker_gets_its_own_env_and_a_copy_of_the_parents_by_default() {
    let mut lp = Loop::new().unwrap();
    let mut env = ruv_worker::Env::new();
    env.insert("ONLY_HERE".into(), "yes".into());
    Worker::<String>::spawn(
        &mut lp,
        WorkerOptions::new().env(env),
        |_: &mut Loop<()>, ctx| {
            let v = ctx.env.get(std::ffi::OsStr::new("ONLY_HERE")).cloned();
            ctx.parent_port
                .post_message(format!("{v:?} {}", ctx.env.len()));
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        ["online", "message \"Some(\\\"yes\\\") 1\"", "exit 0"]
    );
    let parent_len = std::env::vars_os().count();
    Worker::<usize>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |_: &mut Loop<()>, ctx| {
            ctx.parent_port.post_message(ctx.env.len());
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        ["online", &format!("message {parent_len}"), "exit 0"]
    );
}

#[test]
fn a_worker_with_its_own_pool_runs_pool_work() {
    let mut lp = Loop::new().unwrap();
    Worker::<u64>::spawn(
        &mut lp,
        WorkerOptions::new().pool(PoolChoice::Own(2)),
        |wlp: &mut Loop<()>, ctx| {
            let port = ctx.parent_port;
            wlp.queue_work(
                WorkClass::Cpu,
                || (1..=20u64).product::<u64>(),
                move |_, _, r| {
                    port.post_message(r?);
                    Ok::<(), Error>(())
                },
            )?;
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert_eq!(
        run(&mut lp),
        ["online", "message 2432902008176640000", "exit 0"]
    );
}

#[test]
fn an_unreferenced_worker_does_not_keep_the_parent_alive() {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let mut lp = Loop::new().unwrap();
    let w = Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new().worker_data(go_rx),
        |_: &mut Loop<()>, ctx| {
            ctx.worker_data.recv().ok();
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    assert!(w.has_ref(&lp).unwrap());
    w.set_ref(&mut lp, false);
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    w.set_ref(&mut lp, true);
    go_tx.send(()).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.last().map(String::as_str), Some("exit 0"));
}

#[test]
fn dropping_the_parents_loop_stops_its_workers() {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let mut lp: Loop<Log> = Loop::new().unwrap();
    Worker::<()>::spawn(
        &mut lp,
        WorkerOptions::new().worker_data(done_tx),
        |wlp: &mut Loop<()>, ctx| {
            let guard = SendOnDrop(ctx.worker_data);
            // lives for ever unless stopped
            ctx.parent_port.attach(wlp, move |_, _, _, _| {
                let _keep = &guard;
            })?;
            Ok(())
        },
        |_, log, _, ev| record(log, ev),
    )
    .unwrap();
    drop(lp);
    // a safety net against a hang, not a synchronisation: the worker's loop ends at once
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the worker stopped when its parent's loop was dropped");
}

#[test]
fn an_uncaught_error_in_a_message_callback_loses_no_later_event() {
    let mut lp = Loop::new().unwrap();
    Worker::<u32>::spawn(
        &mut lp,
        WorkerOptions::new(),
        |_: &mut Loop<()>, ctx| {
            ctx.parent_port.post_message(1);
            ctx.parent_port.post_message(2);
            Ok(())
        },
        |_, log: &mut Log, _, ev| {
            let fail = matches!(ev, WorkerEvent::Message(1));
            record(log, ev);
            if fail {
                return Err(Error::new(Code::EINVAL).with_detail("bad message"));
            }
            Ok(())
        },
    )
    .unwrap();
    let mut log = Vec::new();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.to_string(), "EINVAL: bad message");
    // the next run goes on where the error stopped it
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["online", "message 1", "message 2", "exit 0"]);
}
