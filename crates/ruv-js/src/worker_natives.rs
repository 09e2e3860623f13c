//! The native functions of `worker_threads` (src/js/worker.js): workers, ports, broadcast
//! channels, shared memory.

use std::cell::{Cell, RefCell};

use rquickjs::{Array, Ctx, Object, Value};

use crate::clone::{self, Incoming, Kind};
use crate::host::{Op, Ops};
use crate::natives::func;
use crate::worker::{PortState, SharedPorts, Target, WorkerOp};

/// Which thread the runtime runs on, for `worker_threads`.
pub(crate) struct ThreadInfo {
    /// Node's `isMainThread`.
    pub(crate) main: bool,
    /// Node's `threadId`.
    pub(crate) thread_id: u64,
    /// A worker's `workerData`.
    pub(crate) data: Option<Incoming>,
    /// The runtime's ports.
    pub(crate) ports: SharedPorts,
    /// A worker's heap limit in MiB (`resourceLimits.maxOldGenerationSizeMb`).
    pub(crate) heap_mb: Option<usize>,
    /// A worker's stack in MiB.
    pub(crate) stack_mb: Option<f64>,
}

fn push(ops: &Ops, op: WorkerOp) {
    ops.borrow_mut().push(Op::Worker(op));
}

/// A kind number from the prelude.
fn kind(k: u8) -> Kind {
    match k {
        1 => Kind::Error,
        2 => Kind::OutOfMemory,
        _ => Kind::Value,
    }
}

/// Adds the `worker_threads` natives to `n`.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    n: &Object<'js>,
    ops: &Ops,
    info: ThreadInfo,
) -> rquickjs::Result<()> {
    // SAFETY: the runtime pointer comes from a live context of it, on its own thread; the
    // call only sets a flag that lets `Atomics.wait` block this thread, as Node allows.
    unsafe {
        let rt = rquickjs::qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
        rquickjs::qjs::JS_SetCanBlock(rt, true);
    }
    let main = info.main;
    func(ctx, n, "isMainThread", move || main)?;
    let thread_id = info.thread_id as f64;
    func(ctx, n, "threadId", move || thread_id)?;
    let limits = (info.heap_mb.map(|m| m as f64), info.stack_mb);
    func(ctx, n, "resourceLimits", move || vec![limits.0, limits.1])?;
    let data = RefCell::new(info.data);
    func(
        ctx,
        n,
        "workerData",
        move |ctx: Ctx<'js>| -> rquickjs::Result<Value<'js>> {
            match data.borrow_mut().take() {
                Some(m) => clone::to_js(&ctx, m),
                None => Ok(Value::new_undefined(ctx)),
            }
        },
    )?;
    func(ctx, n, "sabNew", clone::new_shared)?;
    let (o, p) = (ops.clone(), info.ports.clone());
    func(
        ctx,
        n,
        "workerSpawn",
        move |id: u32,
              filename: String,
              source: Option<String>,
              heap_mb: Option<f64>,
              stack_mb: Option<f64>,
              parts: Array<'js>|
              -> rquickjs::Result<f64> {
            let (data, ports) = clone::outgoing(parts)?;
            let thread_id = crate::worker::next_thread_id();
            // posts wait for the thread in order
            p.borrow_mut()
                .workers
                .insert(id, crate::worker::Link::Pending(Vec::new()));
            push(
                &o,
                WorkerOp::Spawn {
                    id,
                    thread_id,
                    filename,
                    source,
                    data,
                    ports,
                    heap_mb: heap_mb.filter(|m| *m > 0.0).map(|m| m.ceil() as usize),
                    stack_mb: stack_mb.filter(|m| *m > 0.0),
                },
            );
            Ok(thread_id as f64)
        },
    )?;
    let (o, p) = (ops.clone(), info.ports.clone());
    func(
        ctx,
        n,
        "post",
        move |target: u32, id: u32, k: u8, parts: Array<'js>| -> rquickjs::Result<()> {
            let (body, port_ids) = clone::outgoing(parts)?;
            let kind = kind(k);
            let to = match target {
                0 => Target::Worker(id),
                1 => Target::Parent,
                2 => Target::Port(id),
                _ => Target::Broadcast(id),
            };
            if !matches!(to, Target::Broadcast(_)) {
                let mut ports = p.borrow_mut();
                let idle = |s: Option<&PortState>| matches!(s, Some(PortState::Idle(_)));
                if !ports.queued.contains_key(&to.key())
                    && port_ids.iter().all(|i| idle(ports.slots.get(i)))
                {
                    // no port to take off the loop: posted at once, so that a worker that
                    // posts and then blocks in Atomics.wait has sent it, and the other end's
                    // `receiveMessageOnPort` sees it, as in Node
                    let mut ends = Vec::with_capacity(port_ids.len());
                    for i in &port_ids {
                        if let Some(PortState::Idle(e)) = ports.slots.remove(i) {
                            ends.push(e);
                        }
                    }
                    let m = clone::Msg {
                        kind,
                        body,
                        ports: ends,
                    };
                    ports.send(&to, m);
                    return Ok(());
                }
                *ports.queued.entry(to.key()).or_default() += 1;
            }
            push(
                &o,
                WorkerOp::Post {
                    to,
                    kind,
                    body,
                    ports: port_ids,
                },
            );
            Ok(())
        },
    )?;
    let o = ops.clone();
    func(ctx, n, "workerTerminate", move |id: u32| {
        push(&o, WorkerOp::Terminate(id))
    })?;
    let o = ops.clone();
    func(ctx, n, "workerRef", move |id: u32, on: bool| {
        push(&o, WorkerOp::WorkerRef(id, on))
    })?;
    let o = ops.clone();
    func(ctx, n, "parentPortRef", move |on: bool| {
        push(&o, WorkerOp::ParentPortRef(on))
    })?;
    let o = ops.clone();
    func(ctx, n, "workerEnd", move |code: i32| {
        ruv_worker::set_exit_code(code);
        push(&o, WorkerOp::Exit(code))
    })?;
    let p = info.ports.clone();
    func(ctx, n, "channel", move || {
        let (a, b) = ruv_worker::MessageChannel::new::<clone::Msg>();
        let mut ports = p.borrow_mut();
        vec![ports.add(a), ports.add(b)]
    })?;
    let (o, p) = (ops.clone(), info.ports.clone());
    func(ctx, n, "portStart", move |id: u32, cb: u32| {
        let mut ports = p.borrow_mut();
        if let Some(slot) = ports.slots.get_mut(&id) {
            if let PortState::Idle(end) = slot {
                let sender = end.sender();
                let started = PortState::Started { sender, port: None };
                if let PortState::Idle(end) = std::mem::replace(slot, started) {
                    push(&o, WorkerOp::PortStart { id, end, cb });
                }
            }
        }
    })?;
    let (o, p) = (ops.clone(), info.ports.clone());
    func(ctx, n, "portClose", move |id: u32| -> bool {
        let mut ports = p.borrow_mut();
        match ports.slots.get(&id) {
            Some(PortState::Idle(_)) => {
                // dropping the end closes the channel: the other end gets 'close'
                ports.slots.remove(&id);
                true
            }
            Some(PortState::Started { .. }) => {
                push(&o, WorkerOp::PortClose(id));
                false
            }
            None => false,
        }
    })?;
    let o = ops.clone();
    func(ctx, n, "portRef", move |id: u32, on: bool| {
        push(&o, WorkerOp::PortRef(id, on))
    })?;
    let p = info.ports.clone();
    func(
        ctx,
        n,
        "portReceive",
        move |ctx: Ctx<'js>, id: u32| -> rquickjs::Result<Value<'js>> {
            let m = match p.borrow().slots.get(&id) {
                Some(PortState::Idle(end)) => end.receive_message(),
                _ => None,
            };
            match m {
                Some(m) => {
                    let mut ports = p.borrow_mut();
                    let m = Incoming {
                        kind: m.kind,
                        body: m.body,
                        ports: m.ports.into_iter().map(|e| ports.add(e)).collect(),
                    };
                    drop(ports);
                    clone::to_js(&ctx, m)
                }
                None => Ok(Value::new_undefined(ctx)),
            }
        },
    )?;
    let o = ops.clone();
    let next = Cell::new(0u32);
    func(
        ctx,
        n,
        "broadcastNew",
        move |name: String, cb: u32| -> u32 {
            next.set(next.get() + 1);
            let id = next.get();
            push(&o, WorkerOp::BroadcastNew { id, name, cb });
            id
        },
    )?;
    let o = ops.clone();
    func(ctx, n, "broadcastClose", move |id: u32| {
        push(&o, WorkerOp::BroadcastClose(id))
    })?;
    let o = ops.clone();
    func(ctx, n, "broadcastRef", move |id: u32, on: bool| {
        push(&o, WorkerOp::BroadcastRef(id, on))
    })?;
    Ok(())
}
