//! Running a script: the runtime's start-up (`boot`, for the main thread and for workers),
//! the loop, `beforeExit` and the exit code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::rc::Rc;

use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};
use ruv_core::{Loop, RunMode};

use crate::host::{describe, Host, Ops, Rejections, Thread};

/// Why a script could not run at all (its own errors are JavaScript's to report).
#[derive(Debug)]
pub struct JsError {
    text: String,
    /// The text is Node's own report (a main script that is not there), to print as it is.
    report: bool,
}

impl JsError {
    fn new(text: String) -> JsError {
        JsError {
            text,
            report: false,
        }
    }

    /// Whether this is an error Node reports in its own words (print it as it is; other
    /// errors are ruvjs's own, worth a `ruvjs: ` in front).
    pub fn is_node_report(&self) -> bool {
        self.report
    }
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for JsError {}

impl From<rquickjs::Error> for JsError {
    fn from(e: rquickjs::Error) -> JsError {
        JsError::new(e.to_string())
    }
}

impl From<ruv_core::Error> for JsError {
    fn from(e: ruv_core::Error) -> JsError {
        JsError::new(e.to_string())
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

/// The main script as Node resolves it: the path as given, else with `.js`, `.json` or
/// `/index.js`; missing, Node's `MODULE_NOT_FOUND` text (the absolute path it looked for).
fn resolve_main(path: &Path) -> Result<std::path::PathBuf, JsError> {
    let abs = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path));
    let mut tries = vec![abs.clone()];
    for ext in [".js", ".json"] {
        let mut p = abs.clone().into_os_string();
        p.push(ext);
        tries.push(p.into());
    }
    tries.push(abs.join("index.js"));
    tries
        .iter()
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .ok_or_else(|| {
            JsError {
                text: format!(
                "Error: Cannot find module '{}' {{\n  code: 'MODULE_NOT_FOUND',\n  requireStack: []\n}}\n\nNode.js v20.20.2",
                    abs.display()
                ),
                report: true,
            }
        })
}

/// [`run_file`] with [`Options`].
pub fn run_file_with(path: &Path, args: &[String], opts: &Options) -> Result<i32, JsError> {
    let file = resolve_main(path)?;
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
    let heap_mb = match &thread {
        Thread::Worker(boot) => boot.heap_mb.unwrap_or(opts.max_heap_mb),
        Thread::Main => opts.max_heap_mb,
    };
    // allocation past the limit throws `InternalError: out of memory` (Node aborts instead)
    let rt = Runtime::new_with_alloc(crate::heap::Limited::new(heap_mb.saturating_mul(1 << 20)))?;
    // `RangeError: Maximum call stack size exceeded` well before the thread's stack ends
    // (a worker's own stack size replaces this in worker::setup)
    rt.set_max_stack_size(crate::heap::stack_budget(matches!(thread, Thread::Main)));
    crate::mods::init(lp);
    let (wt, info, source) = crate::worker::setup(&rt, opts, thread);
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
    let (hooks, call_fn, runners) = ctx.with(|ctx| -> Result<_, JsError> {
        let native = crate::natives::install(&ctx, ops.clone(), argv.clone(), info)?;
        let runners = crate::timers::install(&ctx, &native, &ops, &rejections)?;
        let prelude = load_prelude(&ctx)
            .map_err(|e| JsError::new(format!("the prelude failed: {}", describe(&ctx, e))))?;
        let hooks: Object = prelude
            .call((native,))
            .map_err(|e| JsError::new(format!("the prelude failed: {}", describe(&ctx, e))))?;
        let call: Function = hooks.get("call")?;
        let call = Persistent::save(&ctx, call);
        Ok((Persistent::save(&ctx, hooks), call, runners))
    })?;
    let mut host = Host {
        rt,
        ctx,
        ops,
        hooks,
        call_fn,
        tm: crate::timers::TimerHost::new(runners),
        children: HashMap::new(),
        parent: None,
        wt,
        servers: HashMap::new(),
        responses: HashMap::new(),
        next_response: 0,
        spawned: HashMap::new(),
        io: crate::net::Io::default(),
        argv,
        options: opts.clone(),
        jobs_queued: false,
        rejections,
        mods: crate::mods::State::default(),
        streams: crate::streams::State::default(),
    };
    if host.wt.parent_port.is_none() {
        // a cluster worker reports `online` before its script runs, as Node's bootstrap
        crate::cluster::setup_worker(lp)?;
    }
    let file = filename.to_string();
    ruv_node::enter(lp, &mut host, |lp, host| {
        host.js(lp, |_, hooks| {
            let run: Function = hooks.get("runMain")?;
            run.call::<_, ()>((file.as_str(), source))
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

/// The prelude's bytecode, compiled by build.rs from `src/js/*.js`.
static PRELUDE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/prelude.qbc"));

/// The prelude's function (`(native) => hooks`), loaded from its bytecode.
fn load_prelude<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Function<'js>> {
    // SAFETY: PRELUDE is bytecode that `Module::write` of this same QuickJS (the rquickjs
    // version build.rs is built with, this crate's) made from the prelude's source at build
    // time; nothing else writes that file.
    let declared = unsafe { rquickjs::Module::load(ctx.clone(), PRELUDE) }?;
    let (module, _done) = declared.eval()?;
    module.get("default")
}
