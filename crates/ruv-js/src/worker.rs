//! `worker_threads`: a `Worker` is a ruv-worker thread running its own QuickJS runtime on
//! its own loop; `MessageChannel` ports are ruv-worker port ends, `BroadcastChannel` is
//! ruv-worker's; messages are structured clones ([`crate::clone`]).
//!
//! `worker.terminate()` interrupts running JavaScript: a worker's runtime has QuickJS's
//! interrupt handler read [`ruv_worker::should_stop`] (the flag `terminate` sets), so a
//! spinning script throws an uncatchable error at its next check and the callback returns;
//! the loop is halted at that boundary. A native call that runs long follows ruv-worker's
//! terminate deadline.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rquickjs::Runtime;
use ruv_core::Loop;
use ruv_worker::{
    BroadcastChannel, MessagePort, PortEnd, PortEvent, PortSender, Worker, WorkerEvent,
    WorkerOptions,
};

use crate::clone::{Body, Incoming, Kind, Msg};
use crate::host::{Arg, Host, Reply, Thread};
use crate::run::Options;

/// The prelude's callback id for the parent port's events (in a worker).
pub(crate) const PARENT_PORT: u32 = 1;

/// How long `terminate` waits for a worker stuck in a native call before it stops keeping
/// the parent alive (ruv-worker's `Stuck`).
const TERMINATE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// `threadId`s: the main thread is 0, workers count from 1 in the process, as Node's.
static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(1);

/// The next worker's `threadId`.
pub(crate) fn next_thread_id() -> u64 {
    NEXT_THREAD_ID.fetch_add(1, Ordering::Relaxed)
}

/// What a worker's runtime starts with.
pub(crate) struct WorkerBoot {
    pub(crate) data: Msg,
    pub(crate) thread_id: u64,
    pub(crate) port: MessagePort<Msg>,
    /// Posts to the parent without the loop.
    pub(crate) sender: PortSender<Msg>,
    /// `eval: true`: the code itself.
    pub(crate) source: Option<String>,
    /// `resourceLimits.maxOldGenerationSizeMb`.
    pub(crate) heap_mb: Option<usize>,
    /// The thread's stack in bytes (`resourceLimits.stackSizeMb`).
    pub(crate) stack: usize,
}

/// A port of this runtime, by the id the prelude knows it by.
pub(crate) enum PortState {
    /// Not started: messages wait in the end (`receiveMessageOnPort` reads them).
    Idle(PortEnd<Msg>),
    /// Started: attached to the loop (`port` is `None` until the start op is applied);
    /// posts go through `sender`.
    Started {
        sender: PortSender<Msg>,
        port: Option<MessagePort<Msg>>,
    },
}

/// How this runtime posts to a worker it started.
pub(crate) enum Link {
    /// The spawn op is not applied yet: messages wait here, in order.
    Pending(Vec<Msg>),
    /// Its parent port.
    Ready(PortSender<Msg>),
}

/// Where this runtime posts, shared with the native functions: they post at once, without
/// waiting for the loop (a worker that posts and then blocks in `Atomics.wait` has sent its
/// message), and read ports that are not started (`receiveMessageOnPort`).
#[derive(Default)]
pub(crate) struct Ports {
    next: u32,
    pub(crate) slots: HashMap<u32, PortState>,
    /// Targets with posts queued as ops (they move a started port, which needs the loop):
    /// later posts to them queue too, to keep the order.
    pub(crate) queued: HashMap<(u8, u32), u32>,
    pub(crate) workers: HashMap<u32, Link>,
    /// In a worker: the parent.
    pub(crate) parent: Option<PortSender<Msg>>,
}

impl Ports {
    /// Records `end` as a new port; its id.
    pub(crate) fn add(&mut self, end: PortEnd<Msg>) -> u32 {
        self.next += 1;
        self.slots.insert(self.next, PortState::Idle(end));
        self.next
    }

    /// Posts `m` to `to` (dropped where that is closed or gone, as Node's); a broadcast goes
    /// through the loop instead.
    pub(crate) fn send(&mut self, to: &Target, m: Msg) {
        match to {
            Target::Worker(id) => match self.workers.get_mut(id) {
                Some(Link::Pending(list)) => list.push(m),
                Some(Link::Ready(s)) => {
                    s.post_message(m);
                }
                None => {}
            },
            Target::Parent => {
                if let Some(s) = &self.parent {
                    s.post_message(m);
                }
            }
            Target::Port(id) => match self.slots.get(id) {
                Some(PortState::Idle(end)) => {
                    end.post_message(m);
                }
                Some(PortState::Started { sender, .. }) => {
                    sender.post_message(m);
                }
                None => {}
            },
            Target::Broadcast(_) => {}
        }
    }
}

/// The ports, shared.
pub(crate) type SharedPorts = Rc<RefCell<Ports>>;

/// This runtime's `worker_threads` state (one field of [`Host`]).
pub(crate) struct WorkerHost {
    pub(crate) workers: HashMap<u32, Worker<Msg>>,
    /// In a worker: the port to the parent.
    pub(crate) parent_port: Option<MessagePort<Msg>>,
    pub(crate) ports: SharedPorts,
    pub(crate) channels: HashMap<u32, BroadcastChannel<Arc<Body>>>,
}

impl WorkerHost {
    /// A received message, its ports recorded here.
    pub(crate) fn incoming(&self, m: Msg) -> Incoming {
        let mut ports = self.ports.borrow_mut();
        Incoming {
            kind: m.kind,
            body: m.body,
            ports: m.ports.into_iter().map(|e| ports.add(e)).collect(),
        }
    }
}

/// Where a message goes.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    /// Worker `id` (its parent port).
    Worker(u32),
    /// This worker's parent.
    Parent,
    /// Port `id`'s other end.
    Port(u32),
    /// Broadcast channel `id`'s other members.
    Broadcast(u32),
}

impl Target {
    /// The target as a map key.
    pub(crate) fn key(self) -> (u8, u32) {
        match self {
            Target::Worker(id) => (0, id),
            Target::Parent => (1, 0),
            Target::Port(id) => (2, id),
            Target::Broadcast(id) => (3, id),
        }
    }
}

/// The `worker_threads` ops.
pub(crate) enum WorkerOp {
    /// `new Worker(file, options)`: events go to callback `id` (kept).
    Spawn {
        id: u32,
        thread_id: u64,
        filename: String,
        source: Option<String>,
        data: Body,
        ports: Vec<u32>,
        heap_mb: Option<usize>,
        stack_mb: Option<f64>,
    },
    /// `postMessage`: the ports are taken when it is applied.
    Post {
        to: Target,
        kind: Kind,
        body: Body,
        ports: Vec<u32>,
    },
    /// `worker.terminate()`.
    Terminate(u32),
    /// `worker.ref()` / `unref()`.
    WorkerRef(u32, bool),
    /// Whether this worker's parent port keeps its loop alive.
    ParentPortRef(bool),
    /// `process.exit` in a worker, or its end after an uncaught error: its loop stops.
    Exit(i32),
    /// `port.start()`: its events go to callback `cb`.
    PortStart { id: u32, end: PortEnd<Msg>, cb: u32 },
    /// `port.close()` of a started port.
    PortClose(u32),
    /// `port.ref()` / `unref()`.
    PortRef(u32, bool),
    /// `new BroadcastChannel(name)`: messages go to callback `cb`.
    BroadcastNew { id: u32, name: String, cb: u32 },
    /// `channel.close()`.
    BroadcastClose(u32),
    /// `channel.ref()` / `unref()`.
    BroadcastRef(u32, bool),
}

/// Sets up the runtime for `thread`: a worker's heap limit, stack limit and interrupt
/// handler; the state of `worker_threads`; what the prelude learns of its thread.
pub(crate) fn setup(
    rt: &Runtime,
    opts: &Options,
    thread: Thread,
) -> (
    WorkerHost,
    crate::worker_natives::ThreadInfo,
    Option<String>,
) {
    let ports: SharedPorts = Rc::new(RefCell::new(Ports::default()));
    let mut wt = WorkerHost {
        workers: HashMap::new(),
        parent_port: None,
        ports: ports.clone(),
        channels: HashMap::new(),
    };
    let mut heap_mb = opts.max_heap_mb;
    let (info, source) = match thread {
        Thread::Main => (
            crate::worker_natives::ThreadInfo {
                main: true,
                thread_id: 0,
                data: None,
                ports,
                heap_mb: None,
                stack_mb: None,
            },
            None,
        ),
        Thread::Worker(boot) => {
            let boot = *boot;
            wt.parent_port = Some(boot.port);
            wt.ports.borrow_mut().parent = Some(boot.sender);
            if let Some(mb) = boot.heap_mb {
                heap_mb = mb;
            }
            // QuickJS's own stack check, inside the thread's stack with room for the loop
            rt.set_max_stack_size(boot.stack / 4 * 3);
            rt.set_interrupt_handler(Some(Box::new(ruv_worker::should_stop)));
            let data = wt.incoming(boot.data);
            (
                crate::worker_natives::ThreadInfo {
                    main: false,
                    thread_id: boot.thread_id,
                    data: Some(data),
                    ports,
                    heap_mb: boot.heap_mb,
                    stack_mb: Some(boot.stack as f64 / f64::from(1u32 << 20)),
                },
                boot.source,
            )
        }
    };
    // allocation past the limit throws `InternalError: out of memory` (Node aborts instead)
    rt.set_memory_limit(heap_mb.saturating_mul(1 << 20));
    (wt, info, source)
}

/// Applies a `worker_threads` op.
pub(crate) fn apply(lp: &mut Loop<Host>, host: &mut Host, op: WorkerOp) -> ruv_core::Result<()> {
    match op {
        WorkerOp::Spawn {
            id,
            thread_id,
            filename,
            source,
            data,
            ports,
            heap_mb,
            stack_mb,
        } => {
            let ports = take_ports(lp, host, &ports);
            let data = Msg {
                kind: Kind::Value,
                body: data,
                ports,
            };
            spawn(
                lp, host, id, thread_id, filename, source, data, heap_mb, stack_mb,
            )
        }
        WorkerOp::Post {
            to,
            kind,
            body,
            ports,
        } => {
            {
                let mut p = host.wt.ports.borrow_mut();
                if let Some(n) = p.queued.get_mut(&to.key()) {
                    *n -= 1;
                    if *n == 0 {
                        p.queued.remove(&to.key());
                    }
                }
            }
            let ports = take_ports(lp, host, &ports);
            let m = Msg { kind, body, ports };
            match to {
                Target::Broadcast(id) => {
                    if let Some(ch) = host.wt.channels.get(&id) {
                        ch.post_message(lp, Arc::new(m.body));
                    }
                }
                _ => host.wt.ports.borrow_mut().send(&to, m),
            }
            Ok(())
        }
        WorkerOp::Terminate(id) => match host.wt.workers.get(&id).copied() {
            // an exited worker: the prelude resolves the promise itself
            Some(w) => w.terminate(lp, |_, _: &mut Host, _| {}).or(Ok(())),
            None => Ok(()),
        },
        WorkerOp::WorkerRef(id, on) => {
            if let Some(w) = host.wt.workers.get(&id) {
                w.set_ref(lp, on);
            }
            Ok(())
        }
        WorkerOp::ParentPortRef(on) => {
            if let Some(p) = host.wt.parent_port {
                p.set_ref(lp, on);
            }
            Ok(())
        }
        WorkerOp::Exit(code) => {
            ruv_worker::exit(lp, code);
            Ok(())
        }
        WorkerOp::PortStart { id, end, cb } => {
            let port = end.attach(lp, move |lp, h: &mut Host, _, ev| match ev {
                PortEvent::Message(m) => {
                    let m = h.wt.incoming(m);
                    h.call(lp, cb, true, Reply::Event("message", vec![Arg::Msg(m)]));
                }
                PortEvent::Close => {
                    h.wt.ports.borrow_mut().slots.remove(&id);
                    h.call(lp, cb, false, Reply::Event("close", vec![]));
                }
            })?;
            let mut p = host.wt.ports.borrow_mut();
            match p.slots.get_mut(&id) {
                Some(PortState::Started { port: slot, .. }) => *slot = Some(port),
                // closed before the start was applied
                _ => {
                    drop(p);
                    port.close(lp)?;
                }
            }
            Ok(())
        }
        WorkerOp::PortClose(id) => {
            let state = host.wt.ports.borrow_mut().slots.remove(&id);
            match state {
                Some(PortState::Started { port: Some(p), .. }) => p.close(lp).map(drop),
                _ => Ok(()),
            }
        }
        WorkerOp::PortRef(id, on) => {
            let port = match host.wt.ports.borrow().slots.get(&id) {
                Some(PortState::Started { port, .. }) => *port,
                _ => None,
            };
            if let Some(p) = port {
                p.set_ref(lp, on);
            }
            Ok(())
        }
        WorkerOp::BroadcastNew { id, name, cb } => {
            let ch = BroadcastChannel::new(lp, &name, move |lp, h: &mut Host, _, m: Arc<Body>| {
                let m = Incoming {
                    kind: Kind::Value,
                    body: (*m).clone(),
                    ports: Vec::new(),
                };
                h.call(lp, cb, true, Reply::Event("message", vec![Arg::Msg(m)]));
            })?;
            host.wt.channels.insert(id, ch);
            Ok(())
        }
        WorkerOp::BroadcastClose(id) => match host.wt.channels.remove(&id) {
            Some(ch) => ch.close(lp).map(drop),
            None => Ok(()),
        },
        WorkerOp::BroadcastRef(id, on) => {
            if let Some(ch) = host.wt.channels.get(&id) {
                ch.set_ref(lp, on);
            }
            Ok(())
        }
    }
}

/// The ends of ports `ids`, taken off this runtime (a started one is detached from the loop).
fn take_ports(lp: &mut Loop<Host>, host: &mut Host, ids: &[u32]) -> Vec<PortEnd<Msg>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let state = host.wt.ports.borrow_mut().slots.remove(id);
        match state {
            Some(PortState::Idle(end)) => out.push(end),
            Some(PortState::Started { port: Some(p), .. }) => match p.detach(lp) {
                Ok(end) => out.push(end),
                Err(e) => eprintln!("ruvjs: {e}"),
            },
            _ => {}
        }
    }
    out
}

/// Starts worker `id` running `filename` (or `source`), with `data`.
#[allow(clippy::too_many_arguments)]
fn spawn(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    thread_id: u64,
    filename: String,
    source: Option<String>,
    data: Msg,
    heap_mb: Option<usize>,
    stack_mb: Option<f64>,
) -> ruv_core::Result<()> {
    let argv = host.argv().to_vec();
    let opts = host.options().clone();
    // JavaScript is interrupted within a few thousand instructions: the deadline is for a
    // native call that runs on (a long synchronous call, Atomics.wait), and long enough that
    // a loaded machine's scheduling never trips it
    let mut wopts = WorkerOptions::new()
        .terminate_deadline(TERMINATE_DEADLINE)
        .worker_data(data);
    if let Some(mb) = stack_mb {
        wopts = wopts.stack_size_mb(mb);
    }
    let stack = stack_mb.map_or(ruv_worker::worker::DEFAULT_STACK_SIZE, |mb| {
        (mb * f64::from(1u32 << 20)) as usize
    });
    let w = Worker::<Msg>::spawn(
        lp,
        wopts,
        move |wlp: &mut Loop<Host>, ctx| {
            let sender = ctx.parent_port.sender();
            let port = ctx
                .parent_port
                .attach(wlp, |lp, h: &mut Host, _, ev| match ev {
                    PortEvent::Message(m) => {
                        let m = h.wt.incoming(m);
                        h.call(
                            lp,
                            PARENT_PORT,
                            true,
                            Reply::Event("message", vec![Arg::Msg(m)]),
                        )
                    }
                    PortEvent::Close => {}
                })?;
            // like Node's parentPort: alive only while something listens
            port.set_ref(wlp, false);
            let thread = Thread::Worker(Box::new(WorkerBoot {
                data: ctx.worker_data,
                thread_id,
                port,
                sender,
                source,
                heap_mb,
                stack,
            }));
            crate::run::boot(wlp, &filename, argv, &opts, thread).map_err(|e| {
                ruv_core::Error::new(ruv_core::Code::EPANIC).with_detail(e.to_string())
            })
        },
        move |lp, h: &mut Host, _, ev| {
            let reply = match ev {
                WorkerEvent::Online => Reply::Event("online", vec![]),
                WorkerEvent::Message(m) => {
                    let m = h.wt.incoming(m);
                    Reply::Event("message", vec![Arg::Msg(m)])
                }
                WorkerEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
                WorkerEvent::Stuck => return,
                WorkerEvent::Exit(code) => {
                    h.wt.workers.remove(&id);
                    h.wt.ports.borrow_mut().workers.remove(&id);
                    h.call(
                        lp,
                        id,
                        false,
                        Reply::Event("exit", vec![Arg::Num(f64::from(code))]),
                    );
                    return;
                }
            };
            h.call(lp, id, true, reply);
        },
    )?;
    host.wt.workers.insert(id, w);
    if let Some(sender) = w.sender(lp) {
        let mut p = host.wt.ports.borrow_mut();
        if let Some(Link::Pending(list)) = p.workers.insert(id, Link::Ready(sender.clone())) {
            for m in list {
                sender.post_message(m);
            }
        }
    }
    Ok(())
}

/// A worker reached its heap limit: the parent gets `ERR_WORKER_OUT_OF_MEMORY`, the worker
/// ends with exit code 1.
pub(crate) fn out_of_memory(lp: &mut Loop<Host>, port: MessagePort<Msg>) {
    port.post_message(lp, Msg::bare(Kind::OutOfMemory));
    ruv_worker::exit(lp, 1);
}
