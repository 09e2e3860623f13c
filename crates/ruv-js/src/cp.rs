//! `child_process`'s `exec`/`execFile` (ruv-process's, on the loop), `spawn` with `cwd`,
//! `env`, `stdio` and a writable stdin, and `spawnSync` (ruv-process's blocking call, which
//! `execSync` and `execFileSync` build on in the prelude).

use std::ffi::OsString;

use rquickjs::{ArrayBuffer, Ctx, Object, Value};
use ruv_core::Loop;
use ruv_process::child::{
    ChildEvent, ExecOptions, SpawnOptions, Stdio, SyncOptions, ERR_CHILD_PROCESS_FAILED,
};

use crate::host::{error_spec, Arg, Host, Op, Ops, Reply};
use crate::ipc::{code, parse_signal, signal_name};
use crate::mods::ModOp;
use crate::natives::{func, whole};

/// What `exec`, `execFile` and `spawn` share: where and with what the child runs.
pub(crate) struct Common {
    pub(crate) cwd: Option<String>,
    /// The whole environment as `[k, v, k, v, …]` (`None`: this process's).
    pub(crate) env: Option<Vec<String>>,
}

impl Common {
    fn env(&self) -> Option<Vec<(OsString, OsString)>> {
        self.env.as_ref().map(|flat| {
            flat.chunks_exact(2)
                .map(|kv| (kv[0].clone().into(), kv[1].clone().into()))
                .collect()
        })
    }
}

/// An `execFile` (`shell`: `exec`'s `/bin/sh`).
pub(crate) struct ExecSpec {
    pub(crate) file: String,
    pub(crate) args: Vec<String>,
    pub(crate) common: Common,
    pub(crate) shell: Option<String>,
    pub(crate) timeout: u64,
    pub(crate) max_buffer: usize,
    pub(crate) kill_signal: String,
}

/// `execFile` / `exec`: callback `id` gets `done` with `(failure JSON or null, stdout,
/// stderr)`.
/// Returns the child's pid once started (a spawn failure is the callback's error).
pub(crate) fn exec(lp: &mut Loop<Host>, id: u32, spec: ExecSpec) -> ruv_core::Result<Option<u32>> {
    let opts = ExecOptions {
        cwd: spec.common.cwd.as_ref().map(Into::into),
        env: spec.common.env(),
        max_buffer: spec.max_buffer,
        timeout: spec.timeout,
        kill_signal: parse_signal(&spec.kill_signal)?,
        encoding: ruv_process::child::Encoding::Buffer,
        shell: spec.shell.map(Into::into),
        ..ExecOptions::default()
    };
    let res = ruv_process::child::exec_file(
        lp,
        &spec.file,
        &spec.args,
        opts,
        move |lp, h: &mut Host, r| {
            let args = match r {
                Ok(out) => vec![
                    Arg::Null,
                    Arg::Bytes(out.stdout.into_bytes()),
                    Arg::Bytes(out.stderr.into_bytes()),
                ],
                Err(e) => {
                    let failed = e.error.code() == ERR_CHILD_PROCESS_FAILED;
                    let info = serde_json::json!({
                        "failed": failed,
                        "message": e.to_string(),
                        "code": e.code,
                        "signal": e.signal.and_then(|s| s.name()),
                        "killed": e.killed,
                        "cmd": e.cmd,
                    });
                    let spec = (!failed).then(|| e.error.clone());
                    vec![
                        Arg::Str(info.to_string()),
                        Arg::Bytes(e.stdout.into_bytes()),
                        Arg::Bytes(e.stderr.into_bytes()),
                        spec.map_or(Arg::Null, Arg::Error),
                    ]
                }
            };
            h.call(lp, id, false, Reply::Event("done", args));
        },
    );
    match res {
        Ok(child) => Ok(child.pid(lp)),
        Err(e) => ruv_node::next_tick(lp, move |lp, h: &mut Host| {
            let info = serde_json::json!({ "failed": false }).to_string();
            let args = vec![
                Arg::Str(info),
                Arg::Bytes(Vec::new()),
                Arg::Bytes(Vec::new()),
                Arg::Error(e),
            ];
            h.call(lp, id, false, Reply::Event("done", args))
        })
        .map(|()| None),
    }
}

fn stdio_of(s: &str) -> Stdio {
    match s {
        "pipe" => Stdio::Pipe,
        "ignore" => Stdio::Ignore,
        other => match other.parse::<i32>() {
            Ok(fd) if fd > 2 => Stdio::Fd(fd),
            _ => Stdio::Inherit,
        },
    }
}

/// `spawn(file, args, { cwd, env, stdio })`: events and piped output go to callback `id`
/// (kept until `close`), as `child_process.spawn` in http.rs, plus stdin.
pub(crate) fn spawn(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    file: String,
    args: Vec<String>,
    common: Common,
    stdio: Vec<String>,
) -> ruv_core::Result<()> {
    let child = start(lp, id, &file, &args, &common, &stdio)?;
    host.add_spawned(id, child);
    Ok(())
}

/// Starts the child of `spawn` (its events go to callback `id`), on the loop only.
fn start(
    lp: &mut Loop<Host>,
    id: u32,
    file: &str,
    args: &[String],
    common: &Common,
    stdio: &[String],
) -> ruv_core::Result<ruv_process::child::ChildProcess> {
    let opts = SpawnOptions {
        cwd: common.cwd.as_ref().map(Into::into),
        env: common.env(),
        stdio: stdio.iter().map(|s| stdio_of(s)).collect(),
        ..SpawnOptions::default()
    };
    let child =
        ruv_process::child::spawn(lp, file, args, opts, move |lp, h: &mut Host, me, ev| {
            let reply = match ev {
                ChildEvent::Spawn => Reply::Event(
                    "spawn",
                    vec![me.pid(lp).map_or(Arg::Null, |p| Arg::Num(f64::from(p)))],
                ),
                ChildEvent::Exit { code: c, signal } => {
                    Reply::Event("exit", vec![code(c), signal_name(signal)])
                }
                ChildEvent::Close { code: c, signal } => {
                    h.remove_spawned(id);
                    let args = vec![code(c), signal_name(signal)];
                    h.call(lp, id, false, Reply::Event("close", args));
                    return;
                }
                ChildEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
                #[allow(unreachable_patterns)]
                _ => return,
            };
            h.call(lp, id, true, reply);
        })?;
    for (slot, name) in [(1usize, "stdout"), (2, "stderr")] {
        if let Some(pipe) = child.stdio(lp, slot) {
            pipe.on_event(lp, move |lp, h: &mut Host, _, ev| {
                let reply = match ev {
                    ruv_core::stream::StreamEvent::Data(d) => Reply::Event(
                        "stdio",
                        vec![Arg::Str(name.to_string()), Arg::Bytes(d.to_vec())],
                    ),
                    ruv_core::stream::StreamEvent::End => {
                        Reply::Event("stdio", vec![Arg::Str(name.to_string()), Arg::Null])
                    }
                    _ => return,
                };
                h.call(lp, id, true, reply);
            })?;
        }
    }
    Ok(child)
}

/// Writes to (or, with `end`, ends) spawned child `id`'s stdin.
pub(crate) fn stdin(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    data: Vec<u8>,
    end: bool,
) -> ruv_core::Result<()> {
    let Some(pipe) = host.spawned(id).and_then(|c| c.stdin(lp)) else {
        return Ok(());
    };
    if !data.is_empty() {
        pipe.write(lp, data)?;
    }
    if end {
        pipe.end(lp)?;
    }
    Ok(())
}

/// Adds `exec`, `spawnx`, `stdinWrite` and `spawnSync` to `n`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, n: &Object<'js>, ops: &Ops) -> rquickjs::Result<()> {
    let q = ops.clone();
    func(
        ctx,
        n,
        "exec",
        move |id: u32,
              file: String,
              args: Vec<String>,
              o: Object<'js>|
              -> rquickjs::Result<Option<u32>> {
            let cwd: Option<String> = o.get("cwd")?;
            let env: Option<Vec<String>> = o.get("env")?;
            let shell: Option<String> = o.get("shell")?;
            let nums: Vec<f64> = vec![o.get("timeout")?, o.get("maxBuffer")?];
            let kill_signal: String = o.get("killSignal")?;
            let spec = ExecSpec {
                file,
                args,
                common: Common { cwd, env },
                shell,
                timeout: nums.first().copied().unwrap_or(0.0) as u64,
                max_buffer: nums.get(1).map_or(1 << 20, |&m| {
                    if m.is_finite() {
                        m as usize
                    } else {
                        usize::MAX
                    }
                }),
                kill_signal,
            };
            if !crate::now::is_lent() {
                q.borrow_mut().push(Op::Mods(ModOp::Exec { id, spec }));
                return Ok(None);
            }
            // at once, as Node's: `child.pid` is there when `exec` returns
            match crate::now::with_loop(|lp| exec(lp, id, spec)) {
                Some(Ok(pid)) => Ok(pid),
                Some(Err(e)) => {
                    eprintln!("ruvjs: {e}");
                    Ok(None)
                }
                None => Ok(None),
            }
        },
    )?;
    let o = ops.clone();
    func(
        ctx,
        n,
        "spawnx",
        move |id: u32,
              file: String,
              args: Vec<String>,
              cwd: Option<String>,
              env: Option<Vec<String>>,
              stdio: Vec<String>|
              -> Option<u32> {
            let common = Common { cwd, env };
            // at once, as Node's: `child.pid` is there when `spawn` returns
            let now =
                crate::now::with_loop(|lp| match start(lp, id, &file, &args, &common, &stdio) {
                    Ok(child) => {
                        let pid = child.pid(lp);
                        Ok(Ok((child, pid)))
                    }
                    Err(e) => {
                        // Node reports it as the child's 'error', after this tick
                        ruv_node::next_tick(lp, move |lp, h: &mut Host| {
                            h.call(lp, id, true, Reply::Event("error", vec![Arg::Error(e)]))
                        })
                        .map(|()| Err(()))
                    }
                });
            match now {
                Some(Ok(Ok((child, pid)))) => {
                    o.borrow_mut().push(Op::Mods(ModOp::Adopt { id, child }));
                    pid
                }
                Some(Ok(Err(()))) => None,
                Some(Err(e)) => {
                    eprintln!("ruvjs: {e}");
                    None
                }
                None => {
                    o.borrow_mut().push(Op::Mods(ModOp::Spawn {
                        id,
                        file,
                        args,
                        common,
                        stdio,
                    }));
                    None
                }
            }
        },
    )?;
    let o = ops.clone();
    func(
        ctx,
        n,
        "stdinWrite",
        move |id: u32, data: Value<'js>, end: bool| -> rquickjs::Result<()> {
            let data = match ArrayBuffer::from_value(data) {
                Some(ab) => whole(&ab)?,
                None => Vec::new(),
            };
            o.borrow_mut()
                .push(Op::Mods(ModOp::Stdin { id, data, end }));
            Ok(())
        },
    )?;
    func(
        ctx,
        n,
        "spawnSync",
        |ctx: Ctx<'js>,
         file: String,
         args: Vec<String>,
         o: Object<'js>|
         -> rquickjs::Result<Value<'js>> {
            let cwd: Option<String> = o.get("cwd")?;
            let env: Option<Vec<String>> = o.get("env")?;
            let stdio: Vec<String> = o.get("stdio")?;
            let input = match ArrayBuffer::from_value(o.get("input")?) {
                Some(ab) => Some(whole(&ab)?),
                None => None,
            };
            let nums: Vec<f64> = vec![o.get("timeout")?, o.get("maxBuffer")?];
            let kill_signal: String = o.get("killSignal")?;
            let kill_signal = match parse_signal(&kill_signal) {
                Ok(s) => s,
                Err(e) => return error_spec(&ctx, &e),
            };
            let common = Common { cwd, env };
            let opts = SyncOptions {
                cwd: common.cwd.as_ref().map(Into::into),
                env: common.env(),
                stdio: stdio.iter().map(|s| stdio_of(s)).collect(),
                input,
                timeout: nums.first().copied().unwrap_or(0.0) as u64,
                max_buffer: nums.get(1).map_or(1 << 20, |&m| {
                    if m.is_finite() {
                        m as usize
                    } else {
                        usize::MAX
                    }
                }),
                kill_signal,
                ..SyncOptions::default()
            };
            let r = match ruv_process::child::spawn_sync(&file, &args, opts) {
                Ok(r) => r,
                Err(e) => return error_spec(&ctx, &e),
            };
            let o = Object::new(ctx.clone())?;
            o.set("pid", r.pid)?;
            o.set("status", r.status)?;
            o.set("signal", r.signal.and_then(|s| s.name()))?;
            o.set("stdout", ArrayBuffer::new(ctx.clone(), r.stdout)?)?;
            o.set("stderr", ArrayBuffer::new(ctx.clone(), r.stderr)?)?;
            if let Some(e) = r.error {
                o.set("error", error_spec(&ctx, &e)?)?;
            }
            Ok(o.into_value())
        },
    )?;
    Ok(())
}

/// Signals spawned child `id`.
pub(crate) fn kill_spawned(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    signal: &str,
) -> ruv_core::Result<()> {
    let sig = crate::ipc::parse_signal(signal)?;
    if let Some(c) = host.spawned(id) {
        c.kill(lp, sig);
    }
    Ok(())
}
