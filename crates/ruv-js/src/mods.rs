//! The smaller core modules' natives and loop work: `fs`'s callback API (fsx.rs),
//! `child_process`'s exec/spawn (cp.rs), `crypto.scrypt` and md5, `os`'s system figures,
//! and `perf_hooks`'s loop delay monitor and event loop utilization (ruv-perf).

use std::cell::RefCell;
use std::collections::HashMap;

use rquickjs::{ArrayBuffer, Ctx, Object, Value};
use ruv_core::Loop;

use crate::host::{error_spec, Host, Op, Ops, Reply};
use crate::natives::{func, whole};

/// What these modules ask of the loop (one arm of [`Op`]).
pub(crate) enum ModOp {
    /// An `fs` callback call on the pool.
    Fs { id: u32, op: crate::fsx::FsOp },
    /// `execFile` / `exec`.
    Exec { id: u32, spec: crate::cp::ExecSpec },
    /// `spawn` with its options.
    Spawn {
        id: u32,
        file: String,
        args: Vec<String>,
        common: crate::cp::Common,
        stdio: Vec<String>,
    },
    /// A child `spawn` started at once (see [`crate::now`]): the host records it.
    Adopt {
        id: u32,
        child: ruv_process::child::ChildProcess,
    },
    /// Bytes for (and maybe the end of) spawned child `id`'s stdin.
    Stdin { id: u32, data: Vec<u8>, end: bool },
    /// `crypto.scrypt` on the pool.
    Scrypt {
        id: u32,
        password: Vec<u8>,
        salt: Vec<u8>,
        keylen: u64,
        opts: ruv_crypto::ScryptOptions,
    },
    /// `monitorEventLoopDelay({ resolution })` as monitor `id`.
    DelayCreate { id: u32, resolution: u64 },
    /// `enable()` / `disable()` of monitor `id`.
    DelayEnable { id: u32, on: bool },
}

/// The loop handles these modules keep (one field of [`Host`]).
#[derive(Default)]
pub(crate) struct State {
    monitors: HashMap<u32, ruv_perf::DelayMonitor>,
}

thread_local! {
    /// This thread's loop metrics (its runtime's), for `eventLoopUtilization`.
    static METRICS: RefCell<Option<ruv_core::Metrics>> = const { RefCell::new(None) };
    /// The delay monitors' histograms, read by the natives without the loop.
    static READERS: RefCell<HashMap<u32, ruv_perf::DelayReader>> = RefCell::new(HashMap::new());
}

/// Notes `lp`'s metrics for this thread's runtime (called once, at boot).
pub(crate) fn init(lp: &Loop<Host>) {
    METRICS.with(|m| *m.borrow_mut() = Some(ruv_perf::event_loop_utilization(lp)));
}

/// Applies `op`.
pub(crate) fn apply(lp: &mut Loop<Host>, host: &mut Host, op: ModOp) -> ruv_core::Result<()> {
    match op {
        ModOp::Fs { id, op } => crate::fsx::apply(lp, id, op),
        ModOp::Exec { id, spec } => crate::cp::exec(lp, id, spec).map(drop),
        ModOp::Spawn {
            id,
            file,
            args,
            common,
            stdio,
        } => crate::cp::spawn(lp, host, id, file, args, common, stdio),
        ModOp::Adopt { id, child } => {
            host.add_spawned(id, child);
            Ok(())
        }
        ModOp::Stdin { id, data, end } => crate::cp::stdin(lp, host, id, data, end),
        ModOp::Scrypt {
            id,
            password,
            salt,
            keylen,
            opts,
        } => ruv_crypto::scrypt(
            lp,
            &password,
            &salt,
            keylen,
            &opts,
            move |lp, h: &mut Host, r| h.call(lp, id, false, Reply::Bytes(r)),
        )
        .map(drop),
        ModOp::DelayCreate { id, resolution } => {
            let m = ruv_perf::monitor_event_loop_delay(lp, ruv_perf::DelayOptions { resolution })?;
            READERS.with(|r| r.borrow_mut().insert(id, m.reader()));
            host.mods.monitors.insert(id, m);
            Ok(())
        }
        ModOp::DelayEnable { id, on } => {
            if let Some(m) = host.mods.monitors.get(&id) {
                if on {
                    m.enable(lp);
                } else {
                    m.disable(lp);
                }
            }
            Ok(())
        }
    }
}

fn read_delay<R>(id: u32, f: impl FnOnce(&ruv_perf::Histogram) -> R) -> Option<R> {
    READERS.with(|r| r.borrow().get(&id).map(|rd| rd.read(f)))
}

/// Node's scrypt options from `[N, r, p, maxmem]` (0: the default).
fn scrypt_opts(v: &[f64]) -> ruv_crypto::ScryptOptions {
    let at = |i: usize| v.get(i).copied().unwrap_or(0.0).max(0.0) as u64;
    ruv_crypto::ScryptOptions {
        cost: at(0),
        block_size: at(1),
        parallelization: at(2),
        maxmem: at(3),
    }
}

/// Adds these modules' natives to `n`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, n: &Object<'js>, ops: &Ops) -> rquickjs::Result<()> {
    crate::fsx::install(ctx, n, ops)?;
    crate::cp::install(ctx, n, ops)?;
    func(ctx, n, "outOfMemory", || -> () {
        crate::heap::out_of_memory()
    })?;
    func(
        ctx,
        n,
        "md5",
        |ctx: Ctx<'js>, data: ArrayBuffer<'js>| -> rquickjs::Result<ArrayBuffer<'js>> {
            use md5::Digest;
            ArrayBuffer::new(ctx, md5::Md5::digest(whole(&data)?).to_vec())
        },
    )?;
    func(
        ctx,
        n,
        "scryptSync",
        |ctx: Ctx<'js>,
         pw: ArrayBuffer<'js>,
         salt: ArrayBuffer<'js>,
         keylen: f64,
         o: Vec<f64>|
         -> rquickjs::Result<Value<'js>> {
            let (pw, salt) = (whole(&pw)?, whole(&salt)?);
            match ruv_crypto::scrypt_sync(&pw, &salt, keylen as u64, &scrypt_opts(&o)) {
                Ok(k) => Ok(ArrayBuffer::new(ctx, k)?.into_value()),
                Err(e) => error_spec(&ctx, &e),
            }
        },
    )?;
    let q = ops.clone();
    func(
        ctx,
        n,
        "scrypt",
        move |ctx: Ctx<'js>,
              pw: ArrayBuffer<'js>,
              salt: ArrayBuffer<'js>,
              keylen: f64,
              o: Vec<f64>,
              id: u32|
              -> rquickjs::Result<Value<'js>> {
            let (password, salt) = (whole(&pw)?, whole(&salt)?);
            let opts = scrypt_opts(&o);
            // Node checks the arguments before queueing: a bad call throws
            let keylen = keylen as u64;
            if let Err(e) =
                ruv_crypto::ScryptParams::validate(password.len(), salt.len(), keylen, &opts)
            {
                return error_spec(&ctx, &e);
            }
            q.borrow_mut().push(Op::Mods(ModOp::Scrypt {
                id,
                password,
                salt,
                keylen,
                opts,
            }));
            Ok(Value::new_null(ctx))
        },
    )?;
    let q = ops.clone();
    func(ctx, n, "delayCreate", move |id: u32, resolution: f64| {
        q.borrow_mut().push(Op::Mods(ModOp::DelayCreate {
            id,
            resolution: resolution as u64,
        }))
    })?;
    let q = ops.clone();
    func(ctx, n, "delayEnable", move |id: u32, on: bool| {
        q.borrow_mut().push(Op::Mods(ModOp::DelayEnable { id, on }))
    })?;
    func(ctx, n, "delayStats", |id: u32| {
        read_delay(id, |h| {
            vec![
                h.min() as f64,
                h.max() as f64,
                h.mean(),
                h.stddev(),
                h.count() as f64,
                h.exceeds() as f64,
            ]
        })
        .unwrap_or_else(|| {
            vec![
                9_223_372_036_854_775_807.0,
                0.0,
                f64::NAN,
                f64::NAN,
                0.0,
                0.0,
            ]
        })
    })?;
    func(ctx, n, "delayPercentile", |id: u32, p: f64| -> f64 {
        read_delay(id, |h| h.percentile(p).map_or(f64::NAN, |v| v as f64)).unwrap_or(0.0)
    })?;
    func(ctx, n, "delayPercentiles", |id: u32| -> Vec<f64> {
        read_delay(id, |h| {
            h.percentiles()
                .into_iter()
                .flat_map(|(p, v)| [p, v as f64])
                .collect()
        })
        .unwrap_or_else(|| vec![100.0, 0.0])
    })?;
    func(ctx, n, "delayReset", |id: u32| {
        READERS.with(|r| {
            if let Some(rd) = r.borrow().get(&id) {
                rd.reset();
            }
        })
    })?;
    func(ctx, n, "elu", || -> Vec<f64> {
        METRICS.with(|m| match &*m.borrow() {
            Some(m) => {
                let e = m.utilization(None);
                vec![e.idle, e.active]
            }
            None => vec![0.0, 0.0],
        })
    })?;
    crate::sysinfo::install(ctx, n)
}
