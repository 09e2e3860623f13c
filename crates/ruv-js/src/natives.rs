//! The native functions the prelude is built on (`native.*` in src/js/prelude.js).

use std::io::Write;

use rquickjs::{ArrayBuffer, Ctx, Function, Object, Value};

use crate::host::{error_spec, eval, Op, Ops};

/// The bytes `len` bytes from `offset` of `ab`, copied out.
fn bytes_of(ab: &ArrayBuffer<'_>, offset: usize, len: usize) -> rquickjs::Result<Vec<u8>> {
    let Some(raw) = ab.as_raw() else {
        return Err(rquickjs::Error::new_from_js(
            "detached ArrayBuffer",
            "bytes",
        ));
    };
    // SAFETY: `as_raw` points at the buffer's live bytes, valid until JavaScript runs again;
    // they are copied out here, before returning to the engine.
    let all = unsafe { raw.as_ref() };
    let end = offset.checked_add(len).filter(|&e| e <= all.len());
    match end {
        Some(end) => Ok(all[offset..end].to_vec()),
        None => Err(rquickjs::Error::new_from_js("range", "bytes")),
    }
}

/// All of `ab`'s bytes, copied out.
pub(crate) fn whole(ab: &ArrayBuffer<'_>) -> rquickjs::Result<Vec<u8>> {
    bytes_of(ab, 0, ab.len())
}

/// Sets `obj.name` to a native function.
pub(crate) fn func<'js, F, P>(
    ctx: &Ctx<'js>,
    obj: &Object<'js>,
    name: &str,
    f: F,
) -> rquickjs::Result<()>
where
    F: rquickjs::function::IntoJsFunc<'js, P> + 'js,
{
    obj.set(name, Function::new(ctx.clone(), f)?.with_name(name)?)
}

/// Builds the `native` object.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    ops: Ops,
    argv: Vec<String>,
    info: crate::worker_natives::ThreadInfo,
) -> rquickjs::Result<Object<'js>> {
    let n = Object::new(ctx.clone())?;
    let start = std::time::Instant::now();
    func(ctx, &n, "argv", move || argv.clone())?;
    func(
        ctx,
        &n,
        "env",
        |ctx: Ctx<'js>| -> rquickjs::Result<Object<'js>> {
            let o = Object::new(ctx)?;
            for (k, v) in std::env::vars_os() {
                o.set(k.to_string_lossy().as_ref(), v.to_string_lossy().as_ref())?;
            }
            Ok(o)
        },
    )?;
    func(ctx, &n, "pid", std::process::id)?;
    func(ctx, &n, "ppid", || {
        rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get() as u32)
    })?;
    func(ctx, &n, "platform", || std::env::consts::OS)?;
    func(ctx, &n, "arch", || match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    })?;
    func(ctx, &n, "quickjsVersion", || "quickjs-ng")?;
    func(ctx, &n, "cwd", || {
        std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    })?;
    func(ctx, &n, "now", move || {
        start.elapsed().as_secs_f64() * 1000.0
    })?;
    func(ctx, &n, "uptime", move || start.elapsed().as_secs_f64())?;
    func(ctx, &n, "hrtime", || {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        vec![t.tv_sec as f64, t.tv_nsec as f64]
    })?;
    func(ctx, &n, "cpus", || {
        std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
    })?;
    func(ctx, &n, "totalmem", || meminfo("MemTotal:"))?;
    func(ctx, &n, "freemem", || meminfo("MemAvailable:"))?;
    func(ctx, &n, "hostname", || {
        rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned()
    })?;
    func(ctx, &n, "memoryUsage", || vec![rss() as f64, 0.0, 0.0])?;
    func(ctx, &n, "isatty", |fd: i32| {
        // SAFETY: isatty only reads the descriptor's state; any int is a valid argument.
        unsafe { libc::isatty(fd) == 1 }
    })?;
    func(ctx, &n, "write", |fd: i32, s: String, latin1: bool| {
        let bytes: Vec<u8> = if latin1 {
            s.chars().map(|c| c as u32 as u8).collect()
        } else {
            s.into_bytes()
        };
        let res = if fd == 2 {
            std::io::stderr().write_all(&bytes)
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).and_then(|()| out.flush())
        };
        // EPIPE and the like: Node drops the output too
        res.is_ok()
    })?;
    let main = info.main;
    let o = ops.clone();
    func(ctx, &n, "exit", move |code: i32| {
        if main {
            // stdout is flushed after every write; stderr is unbuffered
            std::process::exit(code)
        }
        // a worker's loop stops; the prelude then unwinds the script
        ruv_worker::set_exit_code(code);
        o.borrow_mut()
            .push(Op::Worker(crate::worker::WorkerOp::Exit(code)));
    })?;
    func(ctx, &n, "setExitCode", |code: i32| {
        ruv_worker::set_exit_code(code)
    })?;
    crate::natives_fs::install(ctx, &n, &ops)?;
    crate::cluster::install(ctx, &n, &ops)?;
    crate::http_client::install_http(ctx, &n, &ops)?;
    crate::net::install_net(ctx, &n, &ops)?;
    crate::mods::install(ctx, &n, &ops)?;
    crate::streams::install_streams(ctx, &n, &ops)?;
    let o = ops.clone();
    func(ctx, &n, "spawnKill", move |id: u32, signal: String| {
        o.borrow_mut().push(Op::SpawnKill { id, signal })
    })?;
    func(ctx, &n, "killPid", |pid: i32, sig: i32| -> i32 {
        // SAFETY: kill(2) takes any pid and signal number; it only reports an error for bad ones.
        if unsafe { libc::kill(pid, sig) } == 0 {
            0
        } else {
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL)
        }
    })?;
    crate::worker_natives::install(ctx, &n, &ops, info)?;
    func(
        ctx,
        &n,
        "encode",
        |ctx: Ctx<'js>, s: String, enc: String| {
            ArrayBuffer::new(ctx, crate::encoding::encode(&s, &enc))
        },
    )?;
    func(
        ctx,
        &n,
        "decode",
        |ab: ArrayBuffer<'js>, off: usize, len: usize, enc: String| {
            bytes_of(&ab, off, len).map(|b| crate::encoding::decode(&b, &enc))
        },
    )?;
    func(ctx, &n, "isFile", |p: String| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file())
    })?;
    func(ctx, &n, "exists", |p: String| std::fs::metadata(p).is_ok())?;
    func(
        ctx,
        &n,
        "readFileSync",
        |ctx: Ctx<'js>, p: String| -> rquickjs::Result<Value<'js>> {
            match std::fs::read(&p) {
                Ok(b) => Ok(ArrayBuffer::new(ctx, b)?.into_value()),
                Err(e) => {
                    let err = ruv_core::Error::from_io(&e, "open").with_path(p);
                    error_spec(&ctx, &err)
                }
            }
        },
    )?;
    func(
        ctx,
        &n,
        "compileFunction",
        |ctx: Ctx<'js>, source: String, file: String| -> rquickjs::Result<Function<'js>> {
            // on one line with the source's first, so line numbers stay the file's
            let wrapped = format!(
                "(function (exports, require, module, __filename, __dirname) {{{source}\n}})"
            );
            eval(&ctx, &wrapped, &file)
        },
    )?;
    let o = ops.clone();
    func(ctx, &n, "nextTick", move |id: u32| {
        o.borrow_mut().push(Op::NextTick(id))
    })?;
    let o = ops.clone();
    func(
        ctx,
        &n,
        "fork",
        move |id: u32, module: String, args: Vec<String>, exec_argv: Vec<String>| -> Option<u32> {
            // at once, as Node's: `child.pid` is there when `fork` returns
            let now = crate::now::with_loop(|lp| {
                let r = crate::ipc::fork_start(lp, id, &module, &args, exec_argv.clone());
                r.map(|f| (f, f.pid(lp)))
            });
            match now {
                Some(Ok((forked, pid))) => {
                    o.borrow_mut().push(Op::ForkAdopt { id, forked });
                    pid
                }
                Some(Err(e)) => {
                    eprintln!("ruvjs: {e}");
                    None
                }
                None => {
                    o.borrow_mut().push(Op::Fork {
                        id,
                        module,
                        args,
                        exec_argv,
                    });
                    None
                }
            }
        },
    )?;
    let o = ops.clone();
    func(ctx, &n, "send", move |id: u32, json: String, done: u32| {
        o.borrow_mut().push(Op::Send { id, json, done })
    })?;
    let o = ops.clone();
    func(ctx, &n, "disconnect", move |id: u32| {
        o.borrow_mut().push(Op::Disconnect(id))
    })?;
    let o = ops.clone();
    func(ctx, &n, "kill", move |id: u32, signal: String| {
        o.borrow_mut().push(Op::Kill { id, signal })
    })?;
    let o = ops.clone();
    func(ctx, &n, "parentRef", move |on: bool| {
        o.borrow_mut().push(Op::ParentRef(on))
    })?;
    func(ctx, &n, "hasParentChannel", || {
        std::env::var_os("NODE_CHANNEL_FD").is_some()
    })?;
    let o = ops.clone();
    func(ctx, &n, "readFile", move |path: String, id: u32| {
        o.borrow_mut().push(Op::ReadFile { path, id })
    })?;
    let o = ops;
    func(
        ctx,
        &n,
        "pbkdf2",
        move |ctx: Ctx<'js>,
              pw: ArrayBuffer<'js>,
              salt: ArrayBuffer<'js>,
              iterations: f64,
              keylen: f64,
              digest: String,
              id: u32|
              -> rquickjs::Result<Value<'js>> {
            let (password, salt) = (whole(&pw)?, whole(&salt)?);
            // the argument checks Node makes before queueing: thrown, not called back
            if let Err(e) = ruv_crypto::pbkdf2_sync(&password, &salt, 1, 1, &digest) {
                return error_spec(&ctx, &e);
            }
            o.borrow_mut().push(Op::Pbkdf2 {
                password,
                salt,
                iterations: iterations as u64,
                keylen: keylen as u64,
                digest,
                id,
            });
            Ok(Value::new_null(ctx))
        },
    )?;
    func(
        ctx,
        &n,
        "hash",
        |ctx: Ctx<'js>,
         alg: String,
         key: Value<'js>,
         data: ArrayBuffer<'js>|
         -> rquickjs::Result<Value<'js>> {
            let digest: ruv_crypto::Digest = match alg.parse() {
                Ok(d) => d,
                Err(e) => return error_spec(&ctx, &e),
            };
            let data = whole(&data)?;
            let out = match ArrayBuffer::from_value(key) {
                Some(k) => ruv_crypto::hmac_sync(digest, &whole(&k)?, &data),
                None => ruv_crypto::hash_sync(digest, &data),
            };
            Ok(ArrayBuffer::new(ctx, out)?.into_value())
        },
    )?;
    func(
        ctx,
        &n,
        "randomBytes",
        |ctx: Ctx<'js>, size: f64| -> rquickjs::Result<Value<'js>> {
            match ruv_crypto::random_bytes_sync(size as u64) {
                Ok(b) => Ok(ArrayBuffer::new(ctx, b)?.into_value()),
                Err(e) => error_spec(&ctx, &e),
            }
        },
    )?;
    func(
        ctx,
        &n,
        "pbkdf2Sync",
        |ctx: Ctx<'js>,
         pw: ArrayBuffer<'js>,
         salt: ArrayBuffer<'js>,
         iterations: f64,
         keylen: f64,
         digest: String|
         -> rquickjs::Result<Value<'js>> {
            let (password, salt) = (whole(&pw)?, whole(&salt)?);
            match ruv_crypto::pbkdf2_sync(
                &password,
                &salt,
                iterations as u64,
                keylen as u64,
                &digest,
            ) {
                Ok(key) => Ok(ArrayBuffer::new(ctx, key)?.into_value()),
                Err(e) => error_spec(&ctx, &e),
            }
        },
    )?;
    Ok(n)
}

/// A `/proc/meminfo` figure in bytes (0 where there is none).
fn meminfo(key: &str) -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb * 1024.0)
}

/// This process's resident set size in bytes.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}
