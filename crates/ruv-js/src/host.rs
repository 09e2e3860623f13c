//! The host: one QuickJS runtime on one ruv loop.
//!
//! JavaScript never holds a loop handle and the loop never holds a JavaScript value: the
//! prelude keeps callbacks in a map by id, native functions queue [`Op`]s naming those ids,
//! and after every entry into JavaScript the host applies the ops to the loop (in the order
//! they were made) and, if the engine has promise jobs, queues one ruv-node microtask that
//! runs them all. So Node's order holds: a callback, then the tick queue, then the promise
//! jobs, again until both are empty.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub(crate) use crate::engine::{describe, error_spec, eval};
pub(crate) use crate::ops::{Arg, Op, Ops, Reply};
use rquickjs::{Context, Ctx, Function, IntoJs, Object, Persistent, Runtime, Value};
use ruv_core::Loop;

use crate::run::Options;

/// Which thread a runtime runs on.
pub(crate) enum Thread {
    /// The process's main thread.
    Main,
    /// A worker: its data, id, parent port and limits.
    Worker(Box<crate::worker::WorkerBoot>),
}

/// Rejected promises nobody handled yet, as (promise, reason), filled by the engine's
/// rejection tracker.
pub(crate) type Rejections =
    Rc<RefCell<Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>>>;

/// The loop's state: the engine and what maps ids to loop handles.
///
/// Field order is drop order: the JavaScript values held from Rust go before the context,
/// and the context before the runtime (QuickJS asserts that nothing outlives it).
pub(crate) struct Host {
    /// The object the prelude returned (`call`, `fatal`, `runMain`, …).
    pub(crate) hooks: Persistent<Object<'static>>,
    /// The prelude's `call(id, keep, ...args)`, looked up once: every callback goes through it.
    pub(crate) call_fn: Persistent<Function<'static>>,
    /// JavaScript's timers and immediates: one loop timer, one immediate (src/timers.rs).
    pub(crate) tm: crate::timers::TimerHost,
    pub(crate) children: HashMap<u32, ruv_process::fork::Forked>,
    /// The channel a parent opened for this process, once opened.
    pub(crate) parent: Option<ruv_process::ipc::Channel>,
    /// `worker_threads`: workers, ports, broadcast channels.
    pub(crate) wt: crate::worker::WorkerHost,
    pub(crate) servers: HashMap<u32, ruv_http::Server>,
    pub(crate) responses: HashMap<u32, ruv_http::Response>,
    pub(crate) next_response: u32,
    pub(crate) spawned: HashMap<u32, ruv_process::child::ChildProcess>,
    /// `net`'s servers and sockets, `http`'s client requests.
    pub(crate) io: crate::net::Io,
    pub(crate) argv: Vec<String>,
    pub(crate) options: Options,
    /// A microtask that runs the engine's jobs is queued.
    pub(crate) jobs_queued: bool,
    /// Rejected promises without a handler yet: (promise, reason).
    pub(crate) rejections: Rejections,
    /// The smaller core modules' loop handles (mods.rs).
    pub(crate) mods: crate::mods::State,
    /// `fs` and `zlib` streams (streams.rs).
    pub(crate) streams: crate::streams::State,
    pub(crate) ops: Ops,
    pub(crate) ctx: Context,
    pub(crate) rt: Runtime,
}

impl Drop for Host {
    fn drop(&mut self) {
        // the tracker closure holds the rejection list: break that cycle, then collect
        self.rejections.borrow_mut().clear();
        self.rt.set_host_promise_rejection_tracker(None);
        self.rt.run_gc();
    }
}

impl Host {
    /// Enters JavaScript: runs `f` with the prelude's hooks; an exception goes to the
    /// prelude's `fatal` (Node's `uncaughtException`); then the ops are applied and the
    /// engine's jobs queued.
    pub(crate) fn js(
        &mut self,
        lp: &mut Loop<Host>,
        f: impl for<'js> FnOnce(&Ctx<'js>, Object<'js>) -> rquickjs::Result<()>,
    ) {
        let hooks = self.hooks.clone();
        let lent = crate::now::lend(lp);
        let null = self.ctx.with(|ctx| {
            let Ok(hooks) = hooks.restore(&ctx) else {
                return false;
            };
            match f(&ctx, hooks.clone()) {
                Err(e) => fatal(&ctx, &hooks, e, false),
                Ok(()) => false,
            }
        });
        drop(lent);
        if null {
            self.null_thrown(lp);
        }
        self.settle(lp);
    }

    /// A `null` was thrown out of JavaScript: QuickJS's out-of-memory when the allocator
    /// refused it an allocation for the heap limit (a clean message and exit code 1, where
    /// Node aborts; in a worker ERR_WORKER_OUT_OF_MEMORY for its parent), else the script's
    /// own `throw null`, handled as any uncaught value.
    fn null_thrown(&mut self, lp: &mut Loop<Host>) {
        if crate::heap::limit_hit() {
            if let Some(port) = self.wt.parent_port {
                crate::worker::out_of_memory(lp, port);
                return;
            }
            crate::heap::out_of_memory();
        }
        let hooks = self.hooks.clone();
        self.ctx.with(|ctx| {
            if let Ok(hooks) = hooks.restore(&ctx) {
                let null = Value::new_null(ctx.clone());
                let thrown = ctx.throw(null);
                if fatal(&ctx, &hooks, thrown, true) {
                    // a worker whose error handler failed: it ends, as Node's exits 7
                    ruv_worker::exit(lp, 7);
                }
            }
        });
    }

    /// Calls callback `id` with `reply`.
    pub(crate) fn call(&mut self, lp: &mut Loop<Host>, id: u32, keep: bool, reply: Reply) {
        let call_fn = self.call_fn.clone();
        self.js(lp, move |ctx, _| {
            let call = call_fn.restore(ctx)?;
            match reply {
                Reply::None => call.call((id, keep)),
                Reply::Bytes(Ok(bytes)) => {
                    let ab = rquickjs::ArrayBuffer::new(ctx.clone(), bytes)?;
                    call.call((id, keep, Value::new_null(ctx.clone()), ab))
                }
                Reply::Bytes(Err(e)) => {
                    let err = error_spec(ctx, &e)?;
                    call.call((id, keep, err))
                }
                Reply::Event(name, args) => {
                    let mut a = rquickjs::function::Args::new(ctx.clone(), args.len() + 3);
                    a.push_arg(id)?;
                    a.push_arg(keep)?;
                    a.push_arg(name)?;
                    for arg in args {
                        match arg {
                            Arg::Null => a.push_arg(Value::new_null(ctx.clone()))?,
                            Arg::Str(s) => a.push_arg(s)?,
                            Arg::Num(n) => a.push_arg(n)?,
                            Arg::Bytes(b) => {
                                a.push_arg(rquickjs::ArrayBuffer::new(ctx.clone(), b)?)?
                            }
                            Arg::Error(e) => a.push_arg(error_spec(ctx, &e)?)?,
                            Arg::Msg(m) => a.push_arg(crate::clone::to_js(ctx, m)?)?,
                        }
                    }
                    call.call_arg(a)
                }
            }
        });
    }

    /// Applies the queued ops, then queues the engine's jobs as one microtask.
    fn settle(&mut self, lp: &mut Loop<Host>) {
        self.apply_ops(lp);
        let rejected = !self.rejections.borrow().is_empty();
        if !self.jobs_queued && (rejected || self.rt.is_job_pending()) {
            self.jobs_queued = true;
            if let Err(e) = ruv_node::queue_microtask(lp, run_jobs) {
                eprintln!("ruvjs: {e}");
            }
        }
    }

    /// Applies the ops queued since the last call, in the order they were made.
    fn apply_ops(&mut self, lp: &mut Loop<Host>) {
        let ops = std::mem::take(&mut *self.ops.borrow_mut());
        for op in ops {
            self.apply(lp, op);
        }
    }

    fn apply(&mut self, lp: &mut Loop<Host>, op: Op) {
        let res = match op {
            Op::Timers(op) => crate::timers::apply(lp, self, op),
            Op::NextTick(id) => ruv_node::next_tick(lp, move |lp, h: &mut Host| {
                h.call(lp, id, false, Reply::None)
            }),
            Op::ReadFile { path, id } => {
                ruv_fs::read_file(lp, &path, move |lp, h: &mut Host, r| {
                    h.call(lp, id, false, Reply::Bytes(r))
                })
                .map(drop)
            }
            Op::Pbkdf2 {
                password,
                salt,
                iterations,
                keylen,
                digest,
                id,
            } => ruv_crypto::pbkdf2(
                lp,
                &password,
                &salt,
                iterations,
                keylen,
                &digest,
                move |lp, h: &mut Host, r| h.call(lp, id, false, Reply::Bytes(r)),
            )
            .map(drop),
            Op::Fork {
                id,
                module,
                args,
                exec_argv,
            } => crate::ipc::fork(lp, self, id, module, args, exec_argv),
            Op::ForkAdopt { id, forked } => {
                self.add_child(id, forked);
                Ok(())
            }
            Op::Send { id, json, done } => crate::ipc::send(lp, self, id, json, done),
            Op::Disconnect(id) => crate::ipc::disconnect(lp, self, id),
            Op::Kill { id, signal } => crate::ipc::kill(lp, self, id, &signal),
            Op::ParentRef(on) => crate::ipc::parent_ref(lp, self, on),
            Op::Zlib { mode, input, id } => match crate::natives_fs::zlib_mode(&mode) {
                Some(m) => ruv_zlib::process(
                    lp,
                    m,
                    input,
                    &ruv_zlib::Options::default(),
                    move |lp, h: &mut Host, r| h.call(lp, id, false, Reply::Bytes(r)),
                )
                .map(drop),
                None => Ok(()),
            },
            Op::DnsLookup {
                id,
                host,
                family,
                all,
            } => {
                let opts = ruv_dns::LookupOptions {
                    family,
                    all,
                    ..ruv_dns::LookupOptions::default()
                };
                let res = ruv_dns::lookup(lp, &host, opts, move |lp, h: &mut Host, r| {
                    let arg = match r {
                        Ok(found) => {
                            let list: Vec<serde_json::Value> = found
                                .iter()
                                .map(|a| serde_json::json!([a.address.to_string(), a.family]))
                                .collect();
                            Arg::Str(serde_json::Value::Array(list).to_string())
                        }
                        Err(e) => Arg::Error(e),
                    };
                    h.call(lp, id, false, Reply::Event("lookup", vec![arg]));
                });
                match res {
                    Ok(_) => Ok(()),
                    // a bad host or option: the callback gets the error, as Node's
                    Err(e) => ruv_node::next_tick(lp, move |lp, h: &mut Host| {
                        h.call(lp, id, false, Reply::Event("lookup", vec![Arg::Error(e)]))
                    }),
                }
            }
            Op::Http(op) => crate::http::apply(lp, self, op),
            Op::Net(op) => crate::net::apply(lp, self, op),
            Op::Mods(op) => crate::mods::apply(lp, self, op),
            Op::Streams(op) => crate::streams::apply(lp, self, op),
            Op::SpawnKill { id, signal } => crate::cp::kill_spawned(lp, self, id, &signal),
            Op::Cluster(op) => crate::cluster::apply(lp, op),
            Op::Worker(op) => crate::worker::apply(lp, self, op),
        };
        if let Err(e) = res {
            eprintln!("ruvjs: {e}");
        }
    }

    /// The forked child of callback `id`.
    pub(crate) fn child(&self, id: u32) -> Option<ruv_process::fork::Forked> {
        self.children.get(&id).copied()
    }

    /// Records forked child `id`.
    pub(crate) fn add_child(&mut self, id: u32, f: ruv_process::fork::Forked) {
        self.children.insert(id, f);
    }

    /// The script's `process.argv`.
    pub(crate) fn argv(&self) -> &[String] {
        &self.argv
    }

    /// How this runtime was started (workers start the same way).
    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// Records server `id`.
    pub(crate) fn add_server(&mut self, id: u32, s: ruv_http::Server) {
        self.servers.insert(id, s);
    }

    /// Keeps a response until the script answers it; its id for the script.
    pub(crate) fn add_response(&mut self, res: ruv_http::Response) -> u32 {
        self.next_response = self.next_response.wrapping_add(1);
        self.responses.insert(self.next_response, res);
        self.next_response
    }

    /// The response `rid`, to answer.
    pub(crate) fn take_response(&mut self, rid: u32) -> Option<ruv_http::Response> {
        self.responses.remove(&rid)
    }

    /// Records spawned child `id`.
    pub(crate) fn add_spawned(&mut self, id: u32, c: ruv_process::child::ChildProcess) {
        self.spawned.insert(id, c);
    }

    /// The spawned child `id`.
    pub(crate) fn spawned(&self, id: u32) -> Option<ruv_process::child::ChildProcess> {
        self.spawned.get(&id).copied()
    }

    /// Forgets spawned child `id` (it closed).
    pub(crate) fn remove_spawned(&mut self, id: u32) {
        self.spawned.remove(&id);
    }

    /// Forgets forked child `id` (it closed).
    pub(crate) fn remove_child(&mut self, id: u32) {
        self.children.remove(&id);
    }

    /// The parent's channel, opened on first use.
    pub(crate) fn parent(
        &mut self,
        lp: &mut Loop<Host>,
    ) -> ruv_core::Result<Option<ruv_process::ipc::Channel>> {
        if self.parent.is_none() {
            self.parent = ruv_process::ipc::channel(lp)?;
        }
        Ok(self.parent)
    }
}

/// The engine's promise jobs, all of them, as one ruv-node microtask; then the rejections
/// nobody handled meanwhile (Node checks them after the microtasks).
fn run_jobs(lp: &mut Loop<Host>, h: &mut Host) {
    h.jobs_queued = false;
    loop {
        let lent = crate::now::lend(lp);
        let job = h.rt.execute_pending_job();
        drop(lent);
        match job {
            Ok(true) => h.apply_ops(lp),
            Ok(false) => break,
            Err(job) => {
                let hooks = h.hooks.clone();
                let null = job.0.with(|ctx| match hooks.restore(&ctx) {
                    Ok(hooks) => fatal(&ctx, &hooks, rquickjs::Error::Exception, false),
                    Err(_) => false,
                });
                if null {
                    h.null_thrown(lp);
                }
                if ruv_worker::should_stop() {
                    // terminated: the loop halts after this callback
                    break;
                }
            }
        }
    }
    let pending = std::mem::take(&mut *h.rejections.borrow_mut());
    for (_, reason) in pending {
        // a job that ran out of memory rejects with QuickJS's `null`: the handler may still
        // find room (a large allocation was refused), but it is the heap limit all the same
        let null = h
            .ctx
            .with(|ctx| reason.clone().restore(&ctx).is_ok_and(|v| v.is_null()));
        if null && crate::heap::limit_hit() {
            h.null_thrown(lp);
            continue;
        }
        h.js(lp, |ctx, hooks| {
            let f: Function = hooks.get("unhandledRejection")?;
            f.call((reason.restore(ctx)?,))
        });
    }
    h.settle(lp);
}

/// Hands the pending exception to the prelude's `fatal` (which exits unless an
/// `uncaughtException` listener takes it).
/// Returns `true`, having done nothing, for a thrown `null` unless `null_ok`
/// (see [`Host::null_thrown`]).
fn fatal<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, e: rquickjs::Error, null_ok: bool) -> bool {
    if ruv_worker::should_stop() {
        // a terminated worker's JavaScript was interrupted: nothing is reported
        if e.is_exception() {
            ctx.catch();
        }
        return false;
    }
    let value = if e.is_exception() {
        ctx.catch()
    } else {
        e.to_string()
            .into_js(ctx)
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone()))
    };
    if value.is_null() && !null_ok {
        // QuickJS throws `null` when it cannot even allocate the error: the caller tells
        // that from a script's own `throw null` by the heap's size, outside the engine
        return true;
    }
    let res = hooks
        .get::<_, Function>("fatal")
        .and_then(|f| f.call::<_, ()>((value,)));
    if let Err(e) = res {
        if !ruv_worker::is_main_thread() {
            // in a worker (most likely out of memory): the caller ends it, not the process
            if e.is_exception() {
                ctx.catch();
            }
            return true;
        }
        if crate::heap::limit_hit() {
            // the handler could not even run: the heap is full
            crate::heap::out_of_memory();
        }
        // the error handler itself threw: what Node does too, exit 7
        eprintln!(
            "ruvjs: uncaughtException handler failed: {}",
            describe(ctx, e)
        );
        std::process::exit(7);
    }
    false
}
