//! `fs.createReadStream` / `fs.createWriteStream` on ruv-fs's streams and `zlib.createGzip`
//! and friends on ruv-zlib's `ZlibStream` (src/js/iostreams.js makes them Node's Readable,
//! Writable and Transform).
//!
//! Every stream is named by the id of its JavaScript callback, which gets the events
//! `open(fd)`, `data(bytes)`, `end`, `written` (the chunk last handed over may be followed
//! by another: at once when the Rust side stayed below its high-water mark, else on its
//! `Drain`), `finish`, `error(spec)` and, last, `close`.

use std::collections::HashMap;

use rquickjs::{ArrayBuffer, Ctx, Object, Value};
use ruv_core::stream::StreamEvent;
use ruv_core::{Error, Loop};
use ruv_fs::{Fd, ReadStream, ReadStreamOptions, WriteStream, WriteStreamOptions};
use ruv_zlib::ZlibStream;

use crate::host::{error_spec, Arg, Host, Op, Ops, Reply};
use crate::natives::{func, whole};

/// What the stream natives ask of the loop (one arm of [`Op`]).
pub(crate) enum StreamsOp {
    /// `fs.createReadStream`: stream `id` on `path` (ignored with `fd` set).
    Read {
        id: u32,
        path: String,
        opts: ReadStreamOptions,
    },
    /// `fs.createWriteStream`.
    Write {
        id: u32,
        path: String,
        opts: WriteStreamOptions,
    },
    /// `zlib.createGzip(options)` and the other six.
    Zlib {
        id: u32,
        mode: ruv_zlib::Mode,
        opts: ruv_zlib::Options,
    },
    /// A chunk for write or zlib stream `id`; `written` follows.
    Data { id: u32, data: Vec<u8> },
    /// Ends the input of stream `id`.
    End(u32),
    /// `zlib`'s `flush()`.
    Flush(u32),
    /// Pauses (true) or resumes the output of read or zlib stream `id`.
    Pause(u32, bool),
    /// `destroy()`: only `close` comes after it.
    Destroy(u32),
}

/// One stream's Rust side.
#[derive(Clone, Copy)]
enum Kind {
    Read(ReadStream),
    Write(WriteStream),
    Zlib(ZlibStream),
}

/// A stream and whether a `written` waits for its `Drain`.
struct Entry {
    kind: Kind,
    waiting: bool,
}

/// The streams of one runtime (one field of [`Host`]).
#[derive(Default)]
pub(crate) struct State {
    streams: HashMap<u32, Entry>,
}

fn event(lp: &mut Loop<Host>, h: &mut Host, id: u32, ev: StreamEvent<'_>) {
    let (name, args) = match ev {
        StreamEvent::Data(d) => ("data", vec![Arg::Bytes(d.to_vec())]),
        StreamEvent::End => ("end", vec![]),
        StreamEvent::Finish => ("finish", vec![]),
        StreamEvent::Drain => {
            let Some(e) = h.streams.streams.get_mut(&id) else {
                return;
            };
            if !std::mem::take(&mut e.waiting) {
                return;
            }
            ("written", vec![])
        }
        StreamEvent::Error(e) => ("error", vec![Arg::Error(e)]),
        StreamEvent::Close => {
            h.streams.streams.remove(&id);
            return h.call(lp, id, false, Reply::Event("close", vec![]));
        }
    };
    h.call(lp, id, true, Reply::Event(name, args));
}

fn opened(lp: &mut Loop<Host>, h: &mut Host, id: u32, fd: Fd) {
    let args = vec![Arg::Num(f64::from(fd.raw()))];
    h.call(lp, id, true, Reply::Event("open", args));
}

/// A stream that could not be made: `error`, then `close`, from the next tick.
fn failed(lp: &mut Loop<Host>, id: u32, e: Error) -> ruv_core::Result<()> {
    ruv_node::next_tick(lp, move |lp, h: &mut Host| {
        h.call(lp, id, true, Reply::Event("error", vec![Arg::Error(e)]));
        h.call(lp, id, false, Reply::Event("close", vec![]));
    })
}

fn make(lp: &mut Loop<Host>, op: StreamsOp) -> Result<Option<(u32, Kind)>, (u32, Error)> {
    Ok(Some(match op {
        StreamsOp::Read { id, path, opts } => {
            let rs = ruv_fs::read_stream(lp, &path, opts).map_err(|e| (id, e))?;
            let set = rs
                .on_open(lp, move |lp, h: &mut Host, _, fd| opened(lp, h, id, fd))
                .and_then(|rs| {
                    rs.on_event(lp, move |lp, h: &mut Host, _, ev| event(lp, h, id, ev))
                });
            set.map_err(|e| (id, e))?;
            // nothing is read until the script reads (`_read` resumes it)
            rs.pause(lp);
            (id, Kind::Read(rs))
        }
        StreamsOp::Write { id, path, opts } => {
            let ws = ruv_fs::write_stream(lp, &path, opts).map_err(|e| (id, e))?;
            let set = ws
                .on_open(lp, move |lp, h: &mut Host, _, fd| opened(lp, h, id, fd))
                .and_then(|ws| {
                    ws.on_event(lp, move |lp, h: &mut Host, _, ev| event(lp, h, id, ev))
                });
            set.map_err(|e| (id, e))?;
            (id, Kind::Write(ws))
        }
        StreamsOp::Zlib { id, mode, opts } => {
            let z = ZlibStream::new(lp, mode, &opts).map_err(|e| (id, e))?;
            z.on_event(lp, move |lp, h: &mut Host, _, ev| event(lp, h, id, ev))
                .map_err(|e| (id, e))?;
            (id, Kind::Zlib(z))
        }
        _ => return Ok(None),
    }))
}

/// Applies a stream op.
pub(crate) fn apply(lp: &mut Loop<Host>, host: &mut Host, op: StreamsOp) -> ruv_core::Result<()> {
    let kind_of = |host: &Host, id: u32| host.streams.streams.get(&id).map(|e| e.kind);
    match op {
        StreamsOp::Data { id, data } => {
            let below = match kind_of(host, id) {
                Some(Kind::Write(ws)) => ws.write(lp, data),
                Some(Kind::Zlib(z)) => z.write(lp, data),
                _ => return Ok(()),
            };
            // a failed write: the stream's own `error` event reports it
            match below {
                Ok(true) => ruv_node::next_tick(lp, move |lp, h: &mut Host| {
                    h.call(lp, id, true, Reply::Event("written", vec![]))
                }),
                Ok(false) => {
                    if let Some(e) = host.streams.streams.get_mut(&id) {
                        e.waiting = true;
                    }
                    Ok(())
                }
                Err(_) => Ok(()),
            }
        }
        StreamsOp::End(id) => {
            let _ = match kind_of(host, id) {
                Some(Kind::Write(ws)) => ws.end(lp),
                Some(Kind::Zlib(z)) => z.end(lp),
                _ => Ok(()),
            };
            Ok(())
        }
        StreamsOp::Flush(id) => {
            if let Some(Kind::Zlib(z)) = kind_of(host, id) {
                let _ = z.flush(lp);
            }
            Ok(())
        }
        StreamsOp::Pause(id, pause) => {
            match (kind_of(host, id), pause) {
                (Some(Kind::Read(rs)), true) => rs.pause(lp),
                (Some(Kind::Read(rs)), false) => rs.resume(lp),
                (Some(Kind::Zlib(z)), true) => z.pause(lp),
                (Some(Kind::Zlib(z)), false) => z.resume(lp),
                _ => {}
            }
            Ok(())
        }
        StreamsOp::Destroy(id) => {
            match kind_of(host, id) {
                Some(Kind::Read(rs)) => rs.destroy(lp, None),
                Some(Kind::Write(ws)) => ws.destroy(lp, None),
                Some(Kind::Zlib(z)) => z.destroy(lp, None),
                None => {}
            }
            Ok(())
        }
        op => match make(lp, op) {
            Ok(Some((id, kind))) => {
                let entry = Entry {
                    kind,
                    waiting: false,
                };
                host.streams.streams.insert(id, entry);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err((id, e)) => failed(lp, id, e),
        },
    }
}

/// A number option the prelude passes as -1 when it is not given.
fn opt(n: f64) -> Option<u64> {
    (n >= 0.0).then_some(n as u64)
}

/// The flags argument: a number as given, else Node's flag string.
fn flags_of(flags: &Value<'_>) -> Result<ruv_fs::OpenFlags, Error> {
    match flags.as_number() {
        Some(n) => Ok(ruv_fs::OpenFlags::from_bits(n as i32)),
        None => {
            let s = flags.as_string().and_then(|s| s.to_string().ok());
            ruv_fs::OpenFlags::parse(s.as_deref().unwrap_or("?"))
        }
    }
}

/// Adds the stream natives to `n`. The constructors return `null`, or the error spec of
/// an option that is refused before anything opens (Node emits it as `error`).
pub(crate) fn install_streams<'js>(
    ctx: &Ctx<'js>,
    n: &Object<'js>,
    ops: &Ops,
) -> rquickjs::Result<()> {
    let o = ops.clone();
    func(
        ctx,
        n,
        "streamRead",
        move |ctx: Ctx<'js>,
              id: u32,
              path: String,
              flags: Value<'js>,
              nums: Vec<f64>|
              -> rquickjs::Result<Value<'js>> {
            let [mode, start, end, hwm, fd] = nums_of(&nums);
            let flags = match flags_of(&flags) {
                Ok(f) => f,
                Err(e) => return error_spec(&ctx, &e),
            };
            let opts = ReadStreamOptions {
                high_water_mark: opt(hwm).map_or(ruv_fs::READ_HIGH_WATER_MARK, |h| h as usize),
                start: opt(start),
                end: opt(end),
                flags,
                mode: mode as u32,
                fd: opt(fd).map(|fd| Fd::from_raw(fd as i32)),
                auto_close: true,
            };
            o.borrow_mut()
                .push(Op::Streams(StreamsOp::Read { id, path, opts }));
            Ok(Value::new_null(ctx))
        },
    )?;
    let o = ops.clone();
    func(
        ctx,
        n,
        "streamWrite",
        move |ctx: Ctx<'js>,
              id: u32,
              path: String,
              flags: Value<'js>,
              nums: Vec<f64>|
              -> rquickjs::Result<Value<'js>> {
            let [mode, start, hwm, fd, _] = nums_of(&nums);
            let flags = match flags_of(&flags) {
                Ok(f) => f,
                Err(e) => return error_spec(&ctx, &e),
            };
            let d = WriteStreamOptions::default();
            let opts = WriteStreamOptions {
                flags,
                mode: mode as u32,
                start: opt(start),
                high_water_mark: opt(hwm).map_or(d.high_water_mark, |h| h as usize),
                fd: opt(fd).map(|fd| Fd::from_raw(fd as i32)),
                ..d
            };
            o.borrow_mut()
                .push(Op::Streams(StreamsOp::Write { id, path, opts }));
            Ok(Value::new_null(ctx))
        },
    )?;
    let o = ops.clone();
    func(
        ctx,
        n,
        "zlibStream",
        move |ctx: Ctx<'js>,
              id: u32,
              mode: String,
              nums: Vec<f64>|
              -> rquickjs::Result<Value<'js>> {
            let Some(mode) = crate::natives_fs::zlib_mode(&mode) else {
                return Err(rquickjs::Exception::throw_type(&ctx, "unknown zlib mode"));
            };
            let [level, window_bits, mem_level, strategy, chunk_size] = nums_of(&nums);
            let d = ruv_zlib::Options::default();
            let pick = |v: f64, dflt: i32| if v.is_nan() { dflt } else { v as i32 };
            let opts = ruv_zlib::Options {
                level: pick(level, d.level),
                window_bits: pick(window_bits, d.window_bits),
                mem_level: pick(mem_level, d.mem_level),
                strategy: pick(strategy, d.strategy),
                chunk_size: if chunk_size.is_nan() {
                    d.chunk_size
                } else {
                    chunk_size as usize
                },
                max_output_length: None,
            };
            if let Err(e) = opts.validate(mode) {
                return error_spec(&ctx, &e);
            }
            o.borrow_mut()
                .push(Op::Streams(StreamsOp::Zlib { id, mode, opts }));
            Ok(Value::new_null(ctx))
        },
    )?;
    let o = ops.clone();
    func(
        ctx,
        n,
        "streamData",
        move |id: u32, data: ArrayBuffer<'js>| -> rquickjs::Result<()> {
            let data = whole(&data)?;
            o.borrow_mut()
                .push(Op::Streams(StreamsOp::Data { id, data }));
            Ok(())
        },
    )?;
    let o = ops.clone();
    func(ctx, n, "streamEnd", move |id: u32| {
        o.borrow_mut().push(Op::Streams(StreamsOp::End(id)))
    })?;
    let o = ops.clone();
    func(ctx, n, "streamFlush", move |id: u32| {
        o.borrow_mut().push(Op::Streams(StreamsOp::Flush(id)))
    })?;
    let o = ops.clone();
    func(ctx, n, "streamPause", move |id: u32, pause: bool| {
        o.borrow_mut()
            .push(Op::Streams(StreamsOp::Pause(id, pause)))
    })?;
    let o = ops.clone();
    func(ctx, n, "streamDestroy", move |id: u32| {
        o.borrow_mut().push(Op::Streams(StreamsOp::Destroy(id)))
    })?;
    Ok(())
}

/// The first five numbers (NaN where missing).
fn nums_of(nums: &[f64]) -> [f64; 5] {
    let mut out = [f64::NAN; 5];
    for (o, n) in out.iter_mut().zip(nums) {
        *o = *n;
    }
    out
}
