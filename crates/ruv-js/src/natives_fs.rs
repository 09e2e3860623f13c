//! The native functions of `zlib` and of `fs`'s synchronous calls.

use std::io::Write;

use rquickjs::{ArrayBuffer, Ctx, Object, Value};

use crate::host::{error_spec, Op, Ops};
use crate::natives::{func, whole};

/// Adds the zlib and fs natives to `n`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, n: &Object<'js>, ops: &Ops) -> rquickjs::Result<()> {
    let n = n.clone();
    let o = ops.clone();
    func(
        ctx,
        &n,
        "zlib",
        move |mode: String, input: ArrayBuffer<'js>, id: u32| -> rquickjs::Result<()> {
            let input = whole(&input)?;
            o.borrow_mut().push(Op::Zlib { mode, input, id });
            Ok(())
        },
    )?;
    func(
        ctx,
        &n,
        "zlibSync",
        |ctx: Ctx<'js>, mode: String, input: ArrayBuffer<'js>| -> rquickjs::Result<Value<'js>> {
            let Some(m) = zlib_mode(&mode) else {
                return Err(rquickjs::Exception::throw_type(&ctx, "unknown zlib mode"));
            };
            match ruv_zlib::process_sync(m, whole(&input)?, &ruv_zlib::Options::default()) {
                Ok(out) => Ok(ArrayBuffer::new(ctx, out)?.into_value()),
                Err(e) => error_spec(&ctx, &e),
            }
        },
    )?;
    func(
        ctx,
        &n,
        "writeFileSync",
        |ctx: Ctx<'js>,
         path: String,
         data: ArrayBuffer<'js>,
         append: bool|
         -> rquickjs::Result<Value<'js>> {
            let bytes = whole(&data)?;
            let r = if append {
                std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&path)
                    .and_then(|mut f| f.write_all(&bytes))
            } else {
                std::fs::write(&path, &bytes)
            };
            let r = r.map(|()| Value::new_undefined(ctx.clone()));
            fs_result(&ctx, r, "open", &path)
        },
    )?;
    func(
        ctx,
        &n,
        "statSync",
        |ctx: Ctx<'js>, path: String| -> rquickjs::Result<Value<'js>> {
            match std::fs::metadata(&path) {
                Ok(m) => {
                    use std::os::unix::fs::MetadataExt;
                    let o = Object::new(ctx.clone())?;
                    o.set("size", m.len() as f64)?;
                    o.set("mode", f64::from(m.mode()))?;
                    o.set(
                        "mtimeMs",
                        m.mtime() as f64 * 1000.0 + m.mtime_nsec() as f64 / 1e6,
                    )?;
                    o.set("ino", m.ino() as f64)?;
                    o.set("nlink", m.nlink() as f64)?;
                    o.set("uid", f64::from(m.uid()))?;
                    o.set("gid", f64::from(m.gid()))?;
                    o.set("isFile", m.is_file())?;
                    o.set("isDirectory", m.is_dir())?;
                    Ok(o.into_value())
                }
                Err(e) => fs_result(&ctx, Err(e), "stat", &path),
            }
        },
    )?;
    func(
        ctx,
        &n,
        "readdirSync",
        |ctx: Ctx<'js>, path: String| -> rquickjs::Result<Value<'js>> {
            let names = std::fs::read_dir(&path).and_then(|d| {
                d.map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                    .collect::<Result<Vec<String>, _>>()
            });
            match names {
                Ok(mut names) => {
                    names.sort();
                    let arr = rquickjs::Array::new(ctx.clone())?;
                    for (i, name) in names.into_iter().enumerate() {
                        arr.set(i, name)?;
                    }
                    Ok(arr.into_value())
                }
                Err(e) => fs_result(&ctx, Err(e), "scandir", &path),
            }
        },
    )?;
    func(
        ctx,
        &n,
        "unlinkSync",
        |ctx: Ctx<'js>, path: String| -> rquickjs::Result<Value<'js>> {
            let r = std::fs::remove_file(&path).map(|()| Value::new_undefined(ctx.clone()));
            fs_result(&ctx, r, "unlink", &path)
        },
    )?;
    func(
        ctx,
        &n,
        "mkdirSync",
        |ctx: Ctx<'js>, path: String, recursive: bool| -> rquickjs::Result<Value<'js>> {
            let r = if recursive {
                std::fs::create_dir_all(&path)
            } else {
                std::fs::create_dir(&path)
            };
            fs_result(
                &ctx,
                r.map(|()| Value::new_undefined(ctx.clone())),
                "mkdir",
                &path,
            )
        },
    )?;
    let o = ops.clone();
    func(
        ctx,
        &n,
        "dnsLookup",
        move |id: u32, host: String, family: u8, all: bool| {
            o.borrow_mut().push(Op::DnsLookup {
                id,
                host,
                family,
                all,
            })
        },
    )?;
    Ok(())
}

/// A zlib mode by the prelude's name.
pub(crate) fn zlib_mode(name: &str) -> Option<ruv_zlib::Mode> {
    use ruv_zlib::Mode;
    Some(match name {
        "gzip" => Mode::Gzip,
        "gunzip" => Mode::Gunzip,
        "deflate" => Mode::Deflate,
        "inflate" => Mode::Inflate,
        "deflateRaw" => Mode::DeflateRaw,
        "inflateRaw" => Mode::InflateRaw,
        "unzip" => Mode::Unzip,
        _ => return None,
    })
}

/// A `std::fs` result as the prelude's value: the value, else the error spec.
fn fs_result<'js>(
    ctx: &Ctx<'js>,
    r: std::io::Result<Value<'js>>,
    syscall: &'static str,
    path: &str,
) -> rquickjs::Result<Value<'js>> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => error_spec(ctx, &ruv_core::Error::from_io(&e, syscall).with_path(path)),
    }
}
