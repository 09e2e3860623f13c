//! # ruv-fs: Node's `fs` callback API on ruv's worker pool
//!
//! Every call is one job (or, for whole files and streams, a chain of jobs) of class
//! [`WorkClass::FastIo`](ruv_core::WorkClass) on the loop's pool; its callback runs on the
//! loop thread with `&mut Loop<S>`, `&mut S` and a `Result` whose error reads as Node's does.
//! Each call returns the pool request's [`WorkReq`](ruv_core::WorkReq), so it can be
//! cancelled with [`Loop::cancel`](ruv_core::Loop::cancel) while it is still queued (the
//! callback then gets `ECANCELED`).
//!
//! ```
//! use ruv_core::{Code, Loop, RunMode};
//! use ruv_fs as fs;
//!
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! let path = std::env::temp_dir().join(format!("ruv-fs-doc-{}.txt", std::process::id()));
//! let p = path.clone();
//! fs::write_file(&mut lp, &path, "hello", move |lp, _, res| {
//!     res.unwrap();
//!     fs::read_file(lp, p.clone(), move |lp, log, res| {
//!         log.push(String::from_utf8(res.unwrap()).unwrap());
//!         fs::unlink(lp, &p, |_, _, res| res.unwrap()).unwrap();
//!     })
//!     .unwrap();
//! })?;
//! fs::stat(&mut lp, "/nope", |_, log, res| {
//!     let err = res.unwrap_err();
//!     assert_eq!(err.code(), Code::ENOENT);
//!     log.push(err.to_string());
//! })?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! log.sort();
//! assert_eq!(log, ["ENOENT: no such file or directory, stat '/nope'", "hello"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! ## Calls
//!
//! | Node | ruv-fs | callback gets |
//! |---|---|---|
//! | `open` / `close` | [`open`], [`close`] | [`Fd`] / `()` |
//! | `read` / `write` | [`read`], [`write()`] (`Some(pos)`: positional; `None`: current position) | `(bytes, buffer)` |
//! | `readFile` / `writeFile` / `appendFile` | [`read_file`], [`write_file`], [`append_file`] | `Vec<u8>` / `()` |
//! | `stat` / `lstat` / `fstat` | [`stat`], [`lstat`], [`fstat`] | [`Stats`] |
//! | `access` | [`access`] ([`F_OK`], [`R_OK`], [`W_OK`], [`X_OK`]) | `()` |
//! | `readdir` (`withFileTypes`) | [`readdir`] | `Vec<`[`Dirent`]`>` |
//! | `mkdir` / `mkdtemp` | [`mkdir`] ([`MkdirOptions`]), [`mkdtemp`] | first dir created / path |
//! | `rmdir` / `rm` / `unlink` | [`rmdir`], [`rm`] ([`RmOptions`]), [`unlink`] | `()` |
//! | `rename` / `copyFile` / `link` | [`rename`], [`copy_file`] ([`COPYFILE_EXCL`] …), [`link`] | `()` |
//! | `symlink` / `readlink` / `realpath.native` | [`symlink`], [`readlink`], [`realpath`] | `()` / path |
//! | `chmod` / `fchmod` | [`chmod`], [`fchmod`] | `()` |
//! | `utimes` / `futimes` | [`utimes`], [`futimes`] | `()` |
//! | `truncate` / `ftruncate` | [`truncate`], [`ftruncate`] | `()` |
//! | `fsync` / `fdatasync` | [`fsync`], [`fdatasync`] | `()` |
//! | `opendir`, `dir.read`, `dir.close` | [`opendir`], [`Dir::read`], [`Dir::close`] | [`Dir`] / `Option<Dirent>` |
//! | `createReadStream` | [`read_stream`] → [`ReadStream`] | `StreamEvent`s: data, end, error, close |
//! | `createWriteStream` | [`write_stream`] → [`WriteStream`] | `StreamEvent`s: drain, finish, error, close |
//!
//! Descriptors are plain numbers ([`Fd`], `Copy`): as in Node, whoever opened one closes it.
//!
//! ## Errors
//!
//! Errors are [`ruv_core::Error`]s with Node's code, syscall and path, displayed as Node
//! prints them: `ENOENT: no such file or directory, open '/nope'`; descriptor calls have no
//! path (`EBADF: bad file descriptor, fstat`); two-path calls show both
//! (`ENOENT: no such file or directory, rename 'nope' -> 'x'`). Arguments Node rejects by
//! throwing (a NUL byte in a path, an unknown flag string) are returned synchronously as
//! `ERR_INVALID_ARG_VALUE` before anything is queued. A cancelled request reports
//! `ECANCELED: operation canceled, <syscall>`.
//!
//! ## System calls
//!
//! System calls go through `rustix`'s safe wrappers. The crate denies `unsafe` code except in
//! one private module, which borrows and closes descriptor *numbers* ([`Fd`] is Node's
//! numeric fd, so it cannot be a `BorrowedFd`) and marks the bytes a read put into a buffer
//! as initialised; each block there says why it is sound.
//!
//! ## Streams
//!
//! [`read_stream`] and [`write_stream`] move data in chunks (64 KiB and 16 KiB high-water
//! marks by default, Node's values), one pool job per chunk, so no worker is held for long;
//! a read stream can be paused (no read job is queued while paused), and
//! [`WriteStream::write`] returns `false` past the high-water mark, with a `Drain` event
//! once the buffer has emptied. Each stream reports through one event callback
//! ([`ruv_core::stream::StreamEvent`]) and is a handle on ruv-core's one registry;
//! [`ReadStream`] is [`Readable`](ruv_core::stream::Readable) and [`WriteStream`]
//! [`Writable`](ruv_core::stream::Writable). See `docs/fs.md` in the repository for the
//! design.

#![warn(missing_docs)]
// All system calls go through rustix's safe wrappers; the one module that needs `unsafe`
// (borrowing and closing descriptor numbers, `sys/raw.rs`) allows it for itself.
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod codes;
mod dir;
mod error;
mod flags;
mod ops;
mod stats;
mod stream;
mod sys;

pub use dir::{opendir, Dir};
pub use flags::{
    Fd, IntoOpenFlags, OpenFlags, COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, F_OK,
    R_OK, W_OK, X_OK,
};
pub use ops::{
    access, append_file, chmod, close, copy_file, fchmod, fdatasync, fstat, fsync, ftruncate,
    futimes, link, lstat, mkdir, mkdtemp, open, read, read_file, readdir, readlink, realpath,
    rename, rm, rmdir, stat, symlink, truncate, unlink, utimes, write, write_file, MkdirOptions,
    RmOptions, FILE_CHUNK,
};
pub use stats::{Dirent, FileType, Stats};
pub use stream::options::{
    ReadStreamOptions, WriteStreamOptions, READ_HIGH_WATER_MARK, WRITE_HIGH_WATER_MARK,
};
pub use stream::read::{read_stream, ReadStream};
pub use stream::write::{write_stream, WriteStream};
