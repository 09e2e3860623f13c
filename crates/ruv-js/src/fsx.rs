//! `fs`'s callback API on ruv-fs's pool operations (`open`, `read`, `write`, `close`,
//! `stat`, `lstat`, `fstat`, `readdir`, `mkdir`, `rm`, `rmdir`, `unlink`, `rename`, `access`,
//! `copyFile`, `writeFile`, `appendFile`) and the synchronous calls the prelude lacked.
//!
//! Every completion calls the prelude's callback with the event `fs` and
//! `(err, value[, bytes])`: the error as `[message, code, errno, syscall, path]`, the value
//! a number (fd, bytes written or read), JSON text (stats, directory entries) or nothing.

use rquickjs::{ArrayBuffer, Ctx, Object, Value};
use ruv_core::{Error, Loop};

use crate::host::{error_spec, Arg, Host, Op, Ops, Reply};
use crate::mods::ModOp;
use crate::natives::{func, whole};

/// One `fs` call for the pool.
pub(crate) enum FsOp {
    Open {
        path: String,
        flags: String,
        mode: u32,
    },
    Close(i32),
    Read {
        fd: i32,
        len: usize,
        pos: Option<u64>,
    },
    Write {
        fd: i32,
        data: Vec<u8>,
        pos: Option<u64>,
    },
    Stat {
        path: String,
        lstat: bool,
    },
    Fstat(i32),
    Readdir {
        path: String,
        types: bool,
    },
    Mkdir {
        path: String,
        recursive: bool,
        mode: u32,
    },
    Rm {
        path: String,
        recursive: bool,
        force: bool,
    },
    Rmdir(String),
    Unlink(String),
    Rename {
        from: String,
        to: String,
    },
    Access {
        path: String,
        mode: u32,
    },
    CopyFile {
        src: String,
        dest: String,
        mode: u32,
    },
    WriteFile {
        path: String,
        data: Vec<u8>,
        append: bool,
    },
}

fn reply(lp: &mut Loop<Host>, h: &mut Host, id: u32, r: Result<Vec<Arg>, Error>) {
    let args = match r {
        Ok(mut v) => {
            v.insert(0, Arg::Null);
            v
        }
        Err(e) => vec![Arg::Error(e)],
    };
    h.call(lp, id, false, Reply::Event("fs", args));
}

fn unit(r: Result<(), Error>) -> Result<Vec<Arg>, Error> {
    r.map(|()| Vec::new())
}

/// Node's `Stats` fields as JSON text.
pub(crate) fn stats_json(s: &ruv_fs::Stats) -> String {
    serde_json::json!({
        "dev": s.dev, "mode": s.mode, "nlink": s.nlink, "uid": s.uid, "gid": s.gid,
        "rdev": s.rdev, "blksize": s.blksize, "ino": s.ino, "size": s.size, "blocks": s.blocks,
        "atimeMs": s.atime_ms, "mtimeMs": s.mtime_ms, "ctimeMs": s.ctime_ms,
        "birthtimeMs": s.birthtime_ms,
    })
    .to_string()
}

fn type_name(t: ruv_fs::FileType) -> &'static str {
    use ruv_fs::FileType as T;
    match t {
        T::File => "file",
        T::Directory => "dir",
        T::Symlink => "link",
        T::BlockDevice => "block",
        T::CharacterDevice => "char",
        T::Fifo => "fifo",
        T::Socket => "socket",
        T::Unknown => "unknown",
    }
}

/// Queues `op` on the pool; its completion calls callback `id`. An argument error (a bad
/// flag, a NUL in a path) comes back on the next tick, as the callback's error.
pub(crate) fn apply(lp: &mut Loop<Host>, id: u32, op: FsOp) -> ruv_core::Result<()> {
    use ruv_fs::Fd;
    let done =
        move |lp: &mut Loop<Host>, h: &mut Host, r: Result<(), Error>| reply(lp, h, id, unit(r));
    let res = match op {
        FsOp::Open { path, flags, mode } => {
            ruv_fs::open(lp, &path, &flags, mode, move |lp, h: &mut Host, r| {
                reply(lp, h, id, r.map(|fd| vec![Arg::Num(f64::from(fd.raw()))]))
            })
        }
        FsOp::Close(fd) => ruv_fs::close(lp, Fd::from_raw(fd), done),
        FsOp::Read { fd, len, pos } => {
            ruv_fs::read(lp, Fd::from_raw(fd), vec![0; len], pos, move |lp, h, r| {
                let r = r.map(|(n, mut buf)| {
                    buf.truncate(n);
                    vec![Arg::Num(n as f64), Arg::Bytes(buf)]
                });
                reply(lp, h, id, r)
            })
        }
        FsOp::Write { fd, data, pos } => {
            ruv_fs::write(lp, Fd::from_raw(fd), data, pos, move |lp, h, r| {
                reply(lp, h, id, r.map(|(n, _)| vec![Arg::Num(n as f64)]))
            })
        }
        FsOp::Stat { path, lstat } => {
            let cb = move |lp: &mut Loop<Host>, h: &mut Host, r: Result<ruv_fs::Stats, Error>| {
                reply(lp, h, id, r.map(|s| vec![Arg::Str(stats_json(&s))]))
            };
            if lstat {
                ruv_fs::lstat(lp, &path, cb)
            } else {
                ruv_fs::stat(lp, &path, cb)
            }
        }
        FsOp::Fstat(fd) => ruv_fs::fstat(lp, Fd::from_raw(fd), move |lp, h, r| {
            reply(lp, h, id, r.map(|s| vec![Arg::Str(stats_json(&s))]))
        }),
        FsOp::Readdir { path, types } => ruv_fs::readdir(lp, &path, move |lp, h, r| {
            let r = r.map(|list| {
                let v: Vec<serde_json::Value> = list
                    .iter()
                    .map(|d| {
                        let name = d.name.to_string_lossy().into_owned();
                        if types {
                            serde_json::json!([name, type_name(d.file_type)])
                        } else {
                            serde_json::Value::String(name)
                        }
                    })
                    .collect();
                vec![Arg::Str(serde_json::Value::Array(v).to_string())]
            });
            reply(lp, h, id, r)
        }),
        FsOp::Mkdir {
            path,
            recursive,
            mode,
        } => {
            let opts = ruv_fs::MkdirOptions { recursive, mode };
            ruv_fs::mkdir(lp, &path, opts, move |lp, h, r| {
                let r = r.map(|first| match first {
                    Some(p) => vec![Arg::Str(p.to_string_lossy().into_owned())],
                    None => Vec::new(),
                });
                reply(lp, h, id, r)
            })
        }
        FsOp::Rm {
            path,
            recursive,
            force,
        } => ruv_fs::rm(lp, &path, ruv_fs::RmOptions { recursive, force }, done),
        FsOp::Rmdir(path) => ruv_fs::rmdir(lp, &path, done),
        FsOp::Unlink(path) => ruv_fs::unlink(lp, &path, done),
        FsOp::Rename { from, to } => ruv_fs::rename(lp, &from, &to, done),
        FsOp::Access { path, mode } => ruv_fs::access(lp, &path, mode, done),
        FsOp::CopyFile { src, dest, mode } => ruv_fs::copy_file(lp, &src, &dest, mode, done),
        FsOp::WriteFile { path, data, append } => {
            if append {
                ruv_fs::append_file(lp, &path, data, done)
            } else {
                ruv_fs::write_file(lp, &path, data, done)
            }
        }
    };
    match res {
        Ok(_) => Ok(()),
        Err(e) => ruv_node::next_tick(lp, move |lp, h: &mut Host| reply(lp, h, id, Err(e))),
    }
}

fn path_spec<'js>(
    ctx: &Ctx<'js>,
    r: std::io::Result<Value<'js>>,
    syscall: &'static str,
    path: &str,
) -> rquickjs::Result<Value<'js>> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => error_spec(ctx, &Error::from_io(&e, syscall).with_path(path)),
    }
}

/// Adds `fsAsync` (the pool calls) and the synchronous calls to `n`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, n: &Object<'js>, ops: &Ops) -> rquickjs::Result<()> {
    let o = ops.clone();
    func(
        ctx,
        n,
        "fsAsync",
        move |id: u32,
              name: String,
              s1: String,
              s2: String,
              nums: Vec<f64>,
              flag: bool,
              data: Value<'js>|
              -> rquickjs::Result<()> {
            let n1 = nums.first().copied().unwrap_or(0.0);
            let n2 = nums.get(1).copied().unwrap_or(-1.0);
            let bytes = match ArrayBuffer::from_value(data) {
                Some(ab) => whole(&ab)?,
                None => Vec::new(),
            };
            let pos = (n2 >= 0.0).then_some(n2 as u64);
            let op = match name.as_str() {
                "open" => FsOp::Open {
                    path: s1,
                    flags: s2,
                    mode: n1 as u32,
                },
                "close" => FsOp::Close(n1 as i32),
                "read" => FsOp::Read {
                    fd: n1 as i32,
                    len: s2.parse().unwrap_or(0),
                    pos,
                },
                "write" => FsOp::Write {
                    fd: n1 as i32,
                    data: bytes,
                    pos,
                },
                "stat" => FsOp::Stat {
                    path: s1,
                    lstat: flag,
                },
                "fstat" => FsOp::Fstat(n1 as i32),
                "readdir" => FsOp::Readdir {
                    path: s1,
                    types: flag,
                },
                "mkdir" => FsOp::Mkdir {
                    path: s1,
                    recursive: flag,
                    mode: n1 as u32,
                },
                "rm" => FsOp::Rm {
                    path: s1,
                    recursive: flag,
                    force: n1 != 0.0,
                },
                "rmdir" => FsOp::Rmdir(s1),
                "unlink" => FsOp::Unlink(s1),
                "rename" => FsOp::Rename { from: s1, to: s2 },
                "access" => FsOp::Access {
                    path: s1,
                    mode: n1 as u32,
                },
                "copyFile" => FsOp::CopyFile {
                    src: s1,
                    dest: s2,
                    mode: n1 as u32,
                },
                "writeFile" => FsOp::WriteFile {
                    path: s1,
                    data: bytes,
                    append: flag,
                },
                _ => return Ok(()),
            };
            o.borrow_mut().push(Op::Mods(ModOp::Fs { id, op }));
            Ok(())
        },
    )?;
    func(
        ctx,
        n,
        "fsSync",
        |ctx: Ctx<'js>, name: String, s1: String, s2: String, n1: f64, flag: bool| {
            fs_sync(&ctx, &name, &s1, &s2, n1, flag)
        },
    )?;
    Ok(())
}

/// The synchronous calls: `undefined` (or a value) on success, else the error spec.
fn fs_sync<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    s1: &str,
    s2: &str,
    n1: f64,
    flag: bool,
) -> rquickjs::Result<Value<'js>> {
    use std::os::unix::fs::MetadataExt;
    let undef = || Value::new_undefined(ctx.clone());
    match name {
        "lstat" | "stat" => {
            let m = if name == "lstat" {
                std::fs::symlink_metadata(s1)
            } else {
                std::fs::metadata(s1)
            };
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    return path_spec(
                        ctx,
                        Err(e),
                        if name == "lstat" { "lstat" } else { "stat" },
                        s1,
                    )
                }
            };
            let ms = |s: i64, ns: i64| s as f64 * 1000.0 + ns as f64 / 1e6;
            let json = serde_json::json!({
                "dev": m.dev(), "mode": m.mode(), "nlink": m.nlink(), "uid": m.uid(),
                "gid": m.gid(), "rdev": m.rdev(), "blksize": m.blksize(), "ino": m.ino(),
                "size": m.size(), "blocks": m.blocks(),
                "atimeMs": ms(m.atime(), m.atime_nsec()), "mtimeMs": ms(m.mtime(), m.mtime_nsec()),
                "ctimeMs": ms(m.ctime(), m.ctime_nsec()), "birthtimeMs": ms(m.ctime(), m.ctime_nsec()),
            });
            Ok(rquickjs::String::from_str(ctx.clone(), &json.to_string())?.into_value())
        }
        "rename" => match std::fs::rename(s1, s2) {
            Ok(()) => Ok(undef()),
            Err(e) => error_spec(
                ctx,
                &Error::from_io(&e, "rename").with_path(format!("{s1}' -> '{s2}")),
            ),
        },
        "copyFile" => {
            if n1 as u32 & ruv_fs::COPYFILE_EXCL != 0 && std::fs::symlink_metadata(s2).is_ok() {
                let e = std::io::Error::from_raw_os_error(libc::EEXIST);
                let err = Error::from_io(&e, "copyfile").with_path(format!("{s1}' -> '{s2}"));
                return error_spec(ctx, &err);
            }
            match std::fs::copy(s1, s2) {
                Ok(_) => Ok(undef()),
                Err(e) => error_spec(
                    ctx,
                    &Error::from_io(&e, "copyfile").with_path(format!("{s1}' -> '{s2}")),
                ),
            }
        }
        "rmdir" => path_spec(ctx, std::fs::remove_dir(s1).map(|()| undef()), "rmdir", s1),
        "rm" => {
            let meta = match std::fs::symlink_metadata(s1) {
                Ok(m) => m,
                Err(e) if n1 != 0.0 && e.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(undef())
                }
                Err(e) => return path_spec(ctx, Err(e), "lstat", s1),
            };
            if meta.is_dir() {
                if !flag {
                    let err = Error::new(ruv_fs::codes::ERR_FS_EISDIR).with_detail(format!(
                        "Path is a directory: rm returned EISDIR (is a directory) {s1}"
                    ));
                    return error_spec(ctx, &err);
                }
                path_spec(ctx, std::fs::remove_dir_all(s1).map(|()| undef()), "rm", s1)
            } else {
                path_spec(ctx, std::fs::remove_file(s1).map(|()| undef()), "rm", s1)
            }
        }
        "access" => {
            let mode = rustix::fs::Access::from_bits_truncate(n1 as u32);
            let r = rustix::fs::access(s1, mode).map_err(std::io::Error::from);
            path_spec(ctx, r.map(|()| undef()), "access", s1)
        }
        "realpath" => match std::fs::canonicalize(s1) {
            Ok(p) => {
                Ok(rquickjs::String::from_str(ctx.clone(), &p.to_string_lossy())?.into_value())
            }
            Err(e) => path_spec(ctx, Err(e), "realpath", s1),
        },
        _ => Ok(undef()),
    }
}
