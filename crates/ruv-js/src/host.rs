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
use std::fmt;
use std::path::Path;
use std::rc::Rc;

pub(crate) use crate::engine::{describe, error_spec, eval};
use rquickjs::{Context, Ctx, Function, IntoJs, Object, Persistent, Runtime, Value};
use ruv_core::{Loop, RunMode};
use ruv_node::{Immediate, Timeout};

/// What the script asked of the loop, applied after it returns.
pub(crate) enum Op {
    TimerStart {
        id: u32,
        ms: u64,
        repeat: bool,
    },
    TimerClear(u32),
    TimerRef(u32, bool),
    TimerRefresh(u32),
    Immediate(u32),
    ImmediateClear(u32),
    ImmediateRef(u32, bool),
    NextTick(u32),
    ReadFile {
        path: String,
        id: u32,
    },
    Pbkdf2 {
        password: Vec<u8>,
        salt: Vec<u8>,
        iterations: u64,
        keylen: u64,
        digest: String,
        id: u32,
    },
    /// `child_process.fork`: events go to callback `id` (kept).
    Fork {
        id: u32,
        module: String,
        args: Vec<String>,
        exec_argv: Vec<String>,
    },
    /// A message (JSON text) to forked child `id`, or to the parent (`id` 0); `done`: the
    /// callback for when it was written (0: none).
    Send {
        id: u32,
        json: String,
        done: u32,
    },
    /// Closes the channel to child `id`, or to the parent (0).
    Disconnect(u32),
    /// Signals forked child `id`.
    Kill {
        id: u32,
        signal: String,
    },
    /// Whether the parent channel's events go to the prelude (and keep the loop alive).
    ParentRef(bool),
    /// `new Worker(filename, { workerData })`: events go to callback `id` (kept).
    WorkerSpawn {
        id: u32,
        filename: String,
        data: String,
    },
    /// A message (JSON text) to worker `id`, or (id 1) to this worker's parent.
    WorkerPost {
        id: u32,
        json: String,
    },
    /// `worker.terminate()`.
    WorkerTerminate(u32),
    /// Whether this worker's parent port keeps its loop alive.
    ParentPortRef(bool),
    /// `process.exit` in a worker: its loop stops.
    WorkerExit(i32),
    /// An uncaught error in a worker: its loop ends with it (the parent's `'error'`).
    WorkerFatal(String),
}

/// The ops queued by native functions, shared with them.
pub(crate) type Ops = Rc<RefCell<Vec<Op>>>;

/// A result for a callback: what the prelude's `call(id, keep, ...args)` gets.
pub(crate) enum Reply {
    /// No arguments.
    None,
    /// `(err, bytes)`: an error as `[message, code, errno, syscall, path]`, or the bytes as an
    /// `ArrayBuffer`.
    Bytes(Result<Vec<u8>, ruv_core::Error>),
    /// An event: its name and its arguments.
    Event(&'static str, Vec<Arg>),
}

/// An event argument.
pub(crate) enum Arg {
    Null,
    Str(String),
    Num(f64),
    Error(ruv_core::Error),
}

/// Which thread a runtime runs on.
pub(crate) enum Thread {
    /// The process's main thread.
    Main,
    /// A worker: its data (JSON text or `undefined`), id and parent port.
    Worker {
        data: String,
        thread_id: u64,
        port: ruv_worker::MessagePort<String>,
    },
}

/// Why a script could not run at all (its own errors are JavaScript's to report).
#[derive(Debug)]
pub struct JsError(String);

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsError {}

impl From<rquickjs::Error> for JsError {
    fn from(e: rquickjs::Error) -> JsError {
        JsError(e.to_string())
    }
}

impl From<ruv_core::Error> for JsError {
    fn from(e: ruv_core::Error) -> JsError {
        JsError(e.to_string())
    }
}

/// Rejected promises nobody handled yet, as (promise, reason), filled by the engine's
/// rejection tracker.
type Rejections = Rc<RefCell<Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>>>;

/// The loop's state: the engine and what maps ids to loop handles.
///
/// Field order is drop order: the JavaScript values held from Rust go before the context,
/// and the context before the runtime (QuickJS asserts that nothing outlives it).
pub(crate) struct Host {
    /// The object the prelude returned (`call`, `fatal`, `runMain`, …).
    hooks: Persistent<Object<'static>>,
    timers: HashMap<u32, Timeout>,
    immediates: HashMap<u32, Immediate>,
    children: HashMap<u32, ruv_process::fork::Forked>,
    /// The channel a parent opened for this process, once opened.
    parent: Option<ruv_process::ipc::Channel>,
    workers: HashMap<u32, ruv_worker::Worker<String>>,
    /// In a worker: the port to the parent.
    parent_port: Option<ruv_worker::MessagePort<String>>,
    argv: Vec<String>,
    options: Options,
    /// A microtask that runs the engine's jobs is queued.
    jobs_queued: bool,
    /// Rejected promises without a handler yet: (promise, reason).
    rejections: Rejections,
    ops: Ops,
    ctx: Context,
    rt: Runtime,
}

impl Drop for Host {
    fn drop(&mut self) {
        // the tracker closure holds the rejection list: break that cycle, then collect
        self.rejections.borrow_mut().clear();
        self.rt.set_host_promise_rejection_tracker(None);
        self.rt.run_gc();
    }
}

/// How a script runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The engine's heap limit in MiB (Node's `--max-old-space-size`; default 4096, about
    /// Node's own on a 64-bit machine).
    pub max_heap_mb: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { max_heap_mb: 4096 }
    }
}

/// Runs `path` with `args` as `process.argv[2..]` until the loop is empty; returns the exit
/// code (`process.exit` ends the process itself).
pub fn run_file(path: &Path, args: &[String]) -> Result<i32, JsError> {
    run_file_with(path, args, &Options::default())
}

/// [`run_file`] with [`Options`].
pub fn run_file_with(path: &Path, args: &[String], opts: &Options) -> Result<i32, JsError> {
    let file = std::fs::canonicalize(path)
        .map_err(|e| JsError(format!("Cannot find module '{}' ({e})", path.display())))?;
    let filename = file.to_string_lossy().into_owned();
    let mut argv = vec![exec_path(), filename.clone()];
    argv.extend(args.iter().cloned());
    let mut lp: Loop<Host> = Loop::new()?;
    let mut host = boot(&mut lp, &filename, argv, opts, Thread::Main)?;
    loop {
        lp.run(RunMode::Default, &mut host)?;
        // Node's 'beforeExit': work it starts keeps the process going
        ruv_node::enter(&mut lp, &mut host, |lp, host| {
            host.js(lp, |_, hooks| {
                let f: Function = hooks.get("beforeExit")?;
                f.call::<_, ()>(())
            });
            Ok(())
        })?;
        if !lp.alive() {
            break;
        }
    }
    let code = host.ctx.with(|ctx| {
        let hooks = host.hooks.clone().restore(&ctx)?;
        let f: Function = hooks.get("exit")?;
        match f.call::<_, i32>(()) {
            Ok(code) => Ok(code),
            Err(e) => {
                let fatal: Function = hooks.get("fatal")?;
                fatal
                    .call::<_, ()>((ctx.catch(),))
                    .map(|()| 1)
                    .map_err(|_| e)
            }
        }
    })?;
    Ok(code)
}

/// Builds a runtime for `lp` on `thread` and runs `filename`'s main script (its ticks and
/// promise jobs included); the loop then runs what it started.
pub(crate) fn boot(
    lp: &mut Loop<Host>,
    filename: &str,
    argv: Vec<String>,
    opts: &Options,
    thread: Thread,
) -> Result<Host, JsError> {
    let rt = Runtime::new()?;
    // allocation past the limit throws `InternalError: out of memory` (Node aborts instead)
    rt.set_memory_limit(opts.max_heap_mb.saturating_mul(1 << 20));
    let ctx = Context::full(&rt)?;
    let ops: Ops = Rc::new(RefCell::new(Vec::new()));
    let rejections: Rejections = Rc::new(RefCell::new(Vec::new()));
    let tracker = rejections.clone();
    rt.set_host_promise_rejection_tracker(Some(Box::new(
        move |ctx: Ctx<'_>, promise: Value<'_>, reason: Value<'_>, handled: bool| {
            let mut list = tracker.borrow_mut();
            if handled {
                list.retain(|(p, _): &(Persistent<Value<'static>>, _)| {
                    p.clone().restore(&ctx).map_or(true, |p| p != promise)
                });
            } else {
                list.push((
                    Persistent::save(&ctx, promise),
                    Persistent::save(&ctx, reason),
                ));
            }
        },
    )));
    let (info, parent_port) = match thread {
        Thread::Main => (
            crate::natives::ThreadInfo {
                main: true,
                thread_id: 0,
                data: None,
            },
            None,
        ),
        Thread::Worker {
            data,
            thread_id,
            port,
        } => (
            crate::natives::ThreadInfo {
                main: false,
                thread_id,
                data: Some(data),
            },
            Some(port),
        ),
    };
    let hooks = ctx.with(|ctx| -> Result<_, JsError> {
        let native = crate::natives::install(&ctx, ops.clone(), argv.clone(), info)?;
        let prelude: Function = eval(
            &ctx,
            concat!(include_str!("js/base.js"), include_str!("js/node.js")),
            "node:internal/prelude",
        )
        .map_err(|e| JsError(format!("the prelude failed: {}", describe(&ctx, e))))?;
        let hooks: Object = prelude
            .call((native,))
            .map_err(|e| JsError(format!("the prelude failed: {}", describe(&ctx, e))))?;
        Ok(Persistent::save(&ctx, hooks))
    })?;
    let mut host = Host {
        rt,
        ctx,
        ops,
        hooks,
        timers: HashMap::new(),
        immediates: HashMap::new(),
        children: HashMap::new(),
        parent: None,
        workers: HashMap::new(),
        parent_port,
        argv,
        options: opts.clone(),
        jobs_queued: false,
        rejections,
    };
    let file = filename.to_string();
    ruv_node::enter(lp, &mut host, |lp, host| {
        host.js(lp, |_, hooks| {
            let run: Function = hooks.get("runMain")?;
            run.call::<_, ()>((file.as_str(),))
        });
        Ok(())
    })?;
    Ok(host)
}

/// Node's `process.execPath`: this program.
fn exec_path() -> String {
    std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "ruvjs".into())
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
        let null = self.ctx.with(|ctx| {
            let Ok(hooks) = hooks.restore(&ctx) else {
                return false;
            };
            match f(&ctx, hooks.clone()) {
                Err(e) => fatal(&ctx, &hooks, e, false),
                Ok(()) => false,
            }
        });
        if null {
            self.null_thrown();
        }
        self.settle(lp);
    }

    /// A `null` was thrown out of JavaScript: QuickJS's out-of-memory when the heap is at
    /// its limit (a clean error and exit code 1, where Node aborts), else the script's own
    /// `throw null`, handled as any uncaught value.
    fn null_thrown(&mut self) {
        let mu = self.rt.memory_usage();
        if mu.malloc_limit > 0 && mu.malloc_size as f64 >= 0.75 * mu.malloc_limit as f64 {
            eprintln!(
                "InternalError: out of memory (the JavaScript heap limit, --max-old-space-size)"
            );
            std::process::exit(1);
        }
        let hooks = self.hooks.clone();
        self.ctx.with(|ctx| {
            if let Ok(hooks) = hooks.restore(&ctx) {
                let null = Value::new_null(ctx.clone());
                let thrown = ctx.throw(null);
                fatal(&ctx, &hooks, thrown, true);
            }
        });
    }

    /// Calls callback `id` with `reply`.
    pub(crate) fn call(&mut self, lp: &mut Loop<Host>, id: u32, keep: bool, reply: Reply) {
        self.js(lp, move |ctx, hooks| {
            let call: Function = hooks.get("call")?;
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
                            Arg::Error(e) => a.push_arg(error_spec(ctx, &e)?)?,
                        }
                    }
                    call.call_arg(a)
                }
            }
        });
    }

    /// Applies the queued ops, then queues the engine's jobs as one microtask.
    fn settle(&mut self, lp: &mut Loop<Host>) {
        let ops = std::mem::take(&mut *self.ops.borrow_mut());
        for op in ops {
            self.apply(lp, op);
        }
        let rejected = !self.rejections.borrow().is_empty();
        if !self.jobs_queued && (rejected || self.rt.is_job_pending()) {
            self.jobs_queued = true;
            if let Err(e) = ruv_node::queue_microtask(lp, run_jobs) {
                eprintln!("ruvjs: {e}");
            }
        }
    }

    fn apply(&mut self, lp: &mut Loop<Host>, op: Op) {
        let res = match op {
            Op::TimerStart { id, ms, repeat } => {
                let started = if repeat {
                    ruv_node::set_interval(lp, ms, move |lp, h: &mut Host, _: &Timeout| {
                        h.call(lp, id, true, Reply::None)
                    })
                } else {
                    ruv_node::set_timeout(lp, ms, move |lp, h: &mut Host| {
                        h.timers.remove(&id);
                        h.call(lp, id, false, Reply::None)
                    })
                };
                started.map(|t| {
                    self.timers.insert(id, t);
                })
            }
            Op::TimerClear(id) => {
                if let Some(t) = self.timers.remove(&id) {
                    ruv_node::clear_timeout(lp, &t);
                }
                Ok(())
            }
            Op::TimerRef(id, on) => {
                if let Some(t) = self.timers.get(&id) {
                    if on {
                        t.ref_(lp)
                    } else {
                        t.unref(lp)
                    }
                }
                Ok(())
            }
            Op::TimerRefresh(id) => match self.timers.get(&id) {
                Some(t) => t.refresh(lp),
                None => Ok(()),
            },
            Op::Immediate(id) => ruv_node::set_immediate(lp, move |lp, h: &mut Host| {
                h.immediates.remove(&id);
                h.call(lp, id, false, Reply::None)
            })
            .map(|im| {
                self.immediates.insert(id, im);
            }),
            Op::ImmediateClear(id) => {
                if let Some(im) = self.immediates.remove(&id) {
                    ruv_node::clear_immediate(lp, im);
                }
                Ok(())
            }
            Op::ImmediateRef(id, on) => {
                if let Some(im) = self.immediates.get(&id) {
                    if on {
                        im.ref_(lp)
                    } else {
                        im.unref(lp)
                    }
                }
                Ok(())
            }
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
            Op::Send { id, json, done } => crate::ipc::send(lp, self, id, json, done),
            Op::Disconnect(id) => crate::ipc::disconnect(lp, self, id),
            Op::Kill { id, signal } => crate::ipc::kill(lp, self, id, &signal),
            Op::ParentRef(on) => crate::ipc::parent_ref(lp, self, on),
            Op::WorkerSpawn { id, filename, data } => {
                crate::worker::spawn(lp, self, id, filename, data)
            }
            Op::WorkerPost { id, json } => {
                if id == crate::worker::PARENT_PORT {
                    if let Some(p) = self.parent_port {
                        p.post_message(lp, json);
                    }
                } else if let Some(w) = self.workers.get(&id) {
                    w.post_message(lp, json);
                }
                Ok(())
            }
            Op::WorkerTerminate(id) => match self.workers.get(&id).copied() {
                Some(w) => w.terminate(lp, |_, _: &mut Host, _| {}),
                None => Ok(()),
            },
            Op::ParentPortRef(on) => {
                if let Some(p) = self.parent_port {
                    p.set_ref(lp, on);
                }
                Ok(())
            }
            Op::WorkerExit(code) => {
                ruv_worker::exit(lp, code);
                Ok(())
            }
            Op::WorkerFatal(msg) => {
                // the worker's loop ends with the error: the parent gets 'error', then 'exit'
                let e = ruv_core::Error::new(ruv_core::Code::EPANIC).with_detail(msg);
                lp.report_error(self, e);
                Ok(())
            }
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

    /// Records worker `id`.
    pub(crate) fn add_worker(&mut self, id: u32, w: ruv_worker::Worker<String>) {
        self.workers.insert(id, w);
    }

    /// Forgets worker `id` (it exited).
    pub(crate) fn remove_worker(&mut self, id: u32) {
        self.workers.remove(&id);
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
            self.parent = crate::ipc::open_parent(lp)?;
        }
        Ok(self.parent)
    }
}

/// The engine's promise jobs, all of them, as one ruv-node microtask; then the rejections
/// nobody handled meanwhile (Node checks them after the microtasks).
fn run_jobs(lp: &mut Loop<Host>, h: &mut Host) {
    h.jobs_queued = false;
    loop {
        match h.rt.execute_pending_job() {
            Ok(true) => {
                let ops = std::mem::take(&mut *h.ops.borrow_mut());
                for op in ops {
                    h.apply(lp, op);
                }
            }
            Ok(false) => break,
            Err(job) => {
                let hooks = h.hooks.clone();
                let null = job.0.with(|ctx| match hooks.restore(&ctx) {
                    Ok(hooks) => fatal(&ctx, &hooks, rquickjs::Error::Exception, false),
                    Err(_) => false,
                });
                if null {
                    h.null_thrown();
                }
            }
        }
    }
    let pending = std::mem::take(&mut *h.rejections.borrow_mut());
    for (_, reason) in pending {
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
        // the error handler itself threw: what Node does too, exit 7
        eprintln!(
            "ruvjs: uncaughtException handler failed: {}",
            describe(ctx, e)
        );
        std::process::exit(7);
    }
    false
}
