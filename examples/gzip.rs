//! `gzip IN OUT`: compresses a file into a gzip file the way a Node program piping
//! `fs.createReadStream(IN)` through `zlib.createGzip()` into `fs.createWriteStream(OUT)`
//! does, on ruv's loop: 64 KiB reads on the worker pool, each chunk compressed as one pool
//! job by a [`ZlibStream`], each output chunk written on the pool.
//!
//! ```text
//! cargo run --release --example gzip -- big.txt big.txt.gz
//! cargo run --release --example gunzip -- big.txt.gz big.txt.copy
//! gzip -dc big.txt.gz | cmp - big.txt          # the system gzip reads it, and ruv reads gzip's
//! cargo run --release --example gzip -- - - < big.txt > big.txt.gz   # a filter
//! ```
//!
//! Backpressure as in Node's `pipe`: the next chunk is read only when the stream's `write`
//! accepted the last one, or on `Drain`, and only while less than 1 MiB of output waits to
//! be written. For inputs over 4 MiB, a progress line is drawn on stderr when it is a
//! terminal. Errors print like Node's (`gzip: ENOENT: no such file or directory, open
//! 'nope'`) and exit with 1; a bad command line exits with 2.
//!
//! Where the output goes (it never deletes a path it did not create):
//!
//! * `-`, a pipe (FIFO), a character device (`/dev/null`), or a socket: written in place, in
//!   order; on failure what was written stays written.
//! * Anything else (a regular file, or a name not there yet): a temporary file is written
//!   beside OUT (same directory, with OUT's permission bits when OUT exists) at the chunks'
//!   offsets (`pwrite`, several in flight), then renamed over OUT on success. On failure only
//!   the temporary file is removed: an existing OUT is left as it was. A symlink OUT is
//!   resolved first: the temporary file goes beside its target and is renamed onto the
//!   target, so the link stays a link.
//!
//! `examples/gunzip.rs` is the same program in the other direction.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ruv::core::stream::StreamEvent;
use ruv::core::{Code, Error, Loop, RunMode, WorkClass};
use ruv::zlib::{Mode, Options, ZlibStream};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;

/// Bytes per read: Node's `fs.createReadStream` default `highWaterMark`.
const READ_CHUNK: usize = 64 * 1024;
/// Inputs larger than this get a progress line.
const PROGRESS_FROM: u64 = 4 << 20;
/// Reading pauses while more output than this waits to be written.
const WRITE_HIGH_WATER: usize = 1 << 20;

/// One file-to-file run.
struct Copy {
    name: &'static str,
    input: Arc<File>,
    output: Arc<File>,
    /// Writes go to their offsets (a temporary file of our own), else one at a time in order.
    seekable: bool,
    stream: ZlibStream,
    size: u64,
    read_pos: u64,
    write_pos: u64,
    /// In-order outputs: the chunks waiting for the write in flight.
    pending: VecDeque<Vec<u8>>,
    /// Output bytes the stream produced that are not written yet.
    unwritten: usize,
    /// A read is due, held back until the output catches up.
    read_deferred: bool,
    writes_in_flight: usize,
    stream_ended: bool,
    error: Option<Error>,
    progress: bool,
    last_percent: Option<u64>,
}

#[allow(dead_code)] // gunzip.rs includes this file as a module and calls `run` only
fn main() {
    run("gzip", Mode::Gzip);
}

/// The usage of `gzip` or `gunzip`.
fn usage(name: &str) -> String {
    let (verb, example) = match name {
        "gzip" => ("Compresses IN into the gzip file OUT", "big.txt big.txt.gz"),
        _ => (
            "Decompresses the gzip file IN (all its members) into OUT",
            "big.txt.gz big.txt",
        ),
    };
    format!(
        "usage: {name} IN OUT

{verb}, streaming on ruv's loop and pool,
e.g. `{name} {example}`.

  IN           the file to read; - for standard input (required)
  OUT          where to write; - for standard output (required). A pipe or device is
               written in place; a file is written beside OUT and renamed over it on
               success, so a failed run leaves an existing OUT untouched
  --           the arguments after it are files, even if they start with -
  -h, --help   print this help
"
    )
}

/// Parses `IN OUT` and runs `mode` from file to file; exits with 1 on error.
pub fn run(name: &'static str, mode: Mode) {
    let mut args = common::Args::from_env(name, usage(name));
    let mut paths: Vec<OsString> = Vec::new();
    while let Some(a) = args.next() {
        match a {
            common::Arg::Positional(p) if paths.len() < 2 => paths.push(p),
            other => args.unexpected(other),
        }
    }
    let [input, output] = paths.as_slice() else {
        args.bad("IN and OUT are both needed");
    };
    let (input, output) = (Path::new(input), Path::new(output));
    let started = Instant::now();
    match copy(name, mode, input, output) {
        Ok((read, written)) => {
            if std::io::stderr().is_terminal() {
                let secs = started.elapsed().as_secs_f64();
                let big = read.max(written) as f64;
                eprintln!(
                    "{name}: {} ({read} bytes) -> {} ({written} bytes) in {secs:.2} s, \
                     {:.1} MB/s",
                    input.display(),
                    output.display(),
                    big / 1e6 / secs.max(1e-9)
                );
            }
        }
        Err(e) => common::fail(name, e),
    }
}

/// Where the bytes end up once the run succeeded.
enum Sink {
    /// Written in place: stdout, a pipe, a device.
    InPlace,
    /// A temporary file of ours, to be renamed onto `target`.
    Replace { temp: PathBuf, target: PathBuf },
}

fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Duplicates standard input or output as a `File`.
fn dup_stdio(fd: std::os::fd::BorrowedFd<'_>) -> Result<File, Error> {
    fd.try_clone_to_owned()
        .map(File::from)
        .map_err(|e| Error::from_io(&e, "dup"))
}

/// Opens the output as [`Sink`] describes; nothing existing is truncated or removed.
fn open_output(output: &Path) -> Result<(File, Sink), Error> {
    let open_err = |e: std::io::Error| Error::from_io(&e, "open").with_path(output);
    if is_stdio(output) {
        return Ok((dup_stdio(std::io::stdout().as_fd())?, Sink::InPlace));
    }
    let (target, mode) = match std::fs::metadata(output) {
        Ok(m) if m.is_dir() => return Err(Error::op(Code::EISDIR, "open").with_path(output)),
        Ok(m) if !m.is_file() => {
            // a FIFO, a device, a socket: write into it, as `cat > OUT` would
            let f = OpenOptions::new()
                .write(true)
                .open(output)
                .map_err(open_err)?;
            return Ok((f, Sink::InPlace));
        }
        // a regular file, perhaps through symlinks: replace the file, keep the links
        Ok(m) => {
            let target = if is_symlink(output) {
                std::fs::canonicalize(output)
                    .map_err(|e| Error::from_io(&e, "realpath").with_path(output))?
            } else {
                output.to_path_buf()
            };
            (target, Some(m.permissions().mode() & 0o7777))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // not there yet; a dangling symlink gets its target created
            let target = match std::fs::read_link(output) {
                Ok(to) => output.parent().unwrap_or(Path::new("")).join(to),
                Err(_) => output.to_path_buf(),
            };
            (target, None)
        }
        Err(e) => return Err(open_err(e)),
    };
    let (file, temp) = create_temp_beside(&target, mode).map_err(open_err)?;
    Ok((file, Sink::Replace { temp, target }))
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Creates `.NAME.PID.N.tmp` in `target`'s directory (never an existing path), with `mode`'s
/// permission bits when given (else the default `0o666` less the umask).
fn create_temp_beside(target: &Path, mode: Option<u32>) -> std::io::Result<(File, PathBuf)> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let base = target.file_name().unwrap_or(target.as_os_str());
    for n in 0.. {
        let mut name = OsString::from(".");
        name.push(base);
        name.push(format!(".{}.{n}.tmp", std::process::id()));
        let path = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .open(&path)
        {
            Ok(f) => {
                if let Some(mode) = mode {
                    if let Err(e) = f.set_permissions(std::fs::Permissions::from_mode(mode)) {
                        remove_temp(&path);
                        return Err(e);
                    }
                }
                return Ok((f, path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// Removes a temporary file this tool created; a failure to do so is reported, not fatal
/// (the run has already failed for another reason).
fn remove_temp(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        let e = Error::from_io(&e, "unlink").with_path(path);
        eprintln!("warning: could not remove the temporary file: {e}");
    }
}

/// Runs the copy on a loop; returns (bytes read, bytes written).
fn copy(name: &'static str, mode: Mode, input: &Path, output: &Path) -> Result<(u64, u64), Error> {
    let in_file = if is_stdio(input) {
        dup_stdio(std::io::stdin().as_fd())?
    } else {
        File::open(input).map_err(|e| Error::from_io(&e, "open").with_path(input))?
    };
    let meta = in_file
        .metadata()
        .map_err(|e| Error::from_io(&e, "fstat").with_path(input))?;
    // only a regular file has a size to show progress against
    let size = if meta.is_file() { meta.len() } else { 0 };
    let (out_file, sink) = open_output(output)?;
    let result = pump(name, mode, in_file, out_file, &sink, size);
    match sink {
        Sink::InPlace => result,
        Sink::Replace { temp, target } => {
            let result = result.and_then(|r| {
                std::fs::rename(&temp, &target)
                    .map_err(|e| Error::from_io(&e, "rename").with_path(&target))?;
                Ok(r)
            });
            if result.is_err() {
                // ours alone: OUT itself was never opened for writing
                remove_temp(&temp);
            }
            result
        }
    }
}

/// Streams `input` through `mode` into `output` on a loop.
fn pump(
    name: &'static str,
    mode: Mode,
    input: File,
    output: File,
    sink: &Sink,
    size: u64,
) -> Result<(u64, u64), Error> {
    let mut lp: Loop<Copy> = Loop::new()?;
    let stream =
        ZlibStream::new(&mut lp, mode, &Options::default())?.on_event(&mut lp, on_event)?;
    let mut st = Copy {
        name,
        input: Arc::new(input),
        output: Arc::new(output),
        seekable: matches!(sink, Sink::Replace { .. }),
        stream,
        size,
        read_pos: 0,
        write_pos: 0,
        pending: VecDeque::new(),
        unwritten: 0,
        read_deferred: false,
        writes_in_flight: 0,
        stream_ended: false,
        error: None,
        progress: size > PROGRESS_FROM && std::io::stderr().is_terminal(),
        last_percent: None,
    };
    read_next(&mut lp, &mut st);
    lp.run(RunMode::Default, &mut st)?;
    if st.progress {
        eprintln!();
    }
    if let Some(e) = st.error.take() {
        return Err(e);
    }
    assert!(
        st.stream_ended && st.writes_in_flight == 0 && st.pending.is_empty(),
        "the loop ran dry early"
    );
    Ok((st.read_pos, st.write_pos))
}

/// Reads the next chunk on the pool; at the end of the input, ends the stream. Waits while
/// too much output is unwritten.
fn read_next(lp: &mut Loop<Copy>, st: &mut Copy) {
    if st.error.is_some() {
        return;
    }
    if st.unwritten > WRITE_HIGH_WATER {
        st.read_deferred = true;
        return;
    }
    let file = st.input.clone();
    let queued = lp.queue_work(
        WorkClass::FastIo,
        move || {
            let mut buf = vec![0; READ_CHUNK];
            let n = loop {
                match (&*file).read(&mut buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    r => break r.map_err(|e| Error::from_io(&e, "read"))?,
                }
            };
            buf.truncate(n);
            Ok::<_, Error>(buf)
        },
        move |lp, st: &mut Copy, res| {
            if st.error.is_some() {
                return;
            }
            match res.and_then(|r| r) {
                Ok(buf) if buf.is_empty() => {
                    let ended = st.stream.end(lp);
                    fail_if_err(lp, st, ended);
                }
                Ok(buf) => {
                    st.read_pos += buf.len() as u64;
                    match st.stream.write(lp, buf) {
                        Ok(true) => read_next(lp, st), // room for more now
                        Ok(false) => {}                // wait for Drain
                        Err(e) => fail(lp, st, e),
                    }
                }
                Err(e) => fail(lp, st, e),
            }
        },
    );
    fail_if_err(lp, st, queued.map(|_| ()));
}

/// The stream's events: output is written on the pool, at its offset or in order.
fn on_event(lp: &mut Loop<Copy>, st: &mut Copy, _s: ZlibStream, ev: StreamEvent<'_>) {
    match ev {
        StreamEvent::Data(chunk) => {
            let chunk = chunk.to_vec();
            let pos = st.write_pos;
            st.write_pos += chunk.len() as u64;
            st.unwritten += chunk.len();
            if st.seekable {
                write_chunk(lp, st, chunk, Some(pos));
            } else {
                st.pending.push_back(chunk);
                if st.writes_in_flight == 0 {
                    write_pending(lp, st);
                }
            }
            show_progress(lp, st);
        }
        StreamEvent::Drain => read_next(lp, st),
        StreamEvent::End => st.stream_ended = true,
        StreamEvent::Finish | StreamEvent::Close => {}
        StreamEvent::Error(e) => {
            // The stream is gone already; keep the first error.
            st.error.get_or_insert(e);
            st.pending.clear();
        }
    }
}

/// Starts the next in-order write, if any.
fn write_pending(lp: &mut Loop<Copy>, st: &mut Copy) {
    if let Some(chunk) = st.pending.pop_front() {
        write_chunk(lp, st, chunk, None);
    }
}

/// Writes `chunk` on the pool: at `pos` (`pwrite`), or at the output's current position.
fn write_chunk(lp: &mut Loop<Copy>, st: &mut Copy, chunk: Vec<u8>, pos: Option<u64>) {
    let file = st.output.clone();
    let len = chunk.len();
    st.writes_in_flight += 1;
    let queued = lp.queue_work(
        WorkClass::FastIo,
        move || {
            match pos {
                Some(pos) => file.write_all_at(&chunk, pos),
                None => (&*file).write_all(&chunk),
            }
            .map_err(|e| Error::from_io(&e, "write"))
        },
        move |lp, st: &mut Copy, res| {
            st.writes_in_flight -= 1;
            st.unwritten -= len;
            if let Err(e) = res.and_then(|r| r) {
                return fail(lp, st, e);
            }
            if st.error.is_some() {
                return;
            }
            if !st.seekable {
                write_pending(lp, st);
            }
            if st.read_deferred && st.unwritten <= WRITE_HIGH_WATER / 2 {
                st.read_deferred = false;
                read_next(lp, st);
            }
        },
    );
    if let Err(e) = queued {
        st.writes_in_flight -= 1;
        st.unwritten -= len;
        fail(lp, st, e);
    }
}

fn fail_if_err(lp: &mut Loop<Copy>, st: &mut Copy, res: Result<(), Error>) {
    if let Err(e) = res {
        fail(lp, st, e);
    }
}

/// Records the first error and stops the stream; in-flight jobs drain, then `run` returns.
fn fail(lp: &mut Loop<Copy>, st: &mut Copy, e: Error) {
    st.pending.clear();
    if st.error.is_none() {
        st.error = Some(e);
        st.stream.destroy(lp, None);
    }
}

/// `\r 42% [########.............] 13.4/32.0 MiB`, redrawn when the percentage changes.
fn show_progress(lp: &mut Loop<Copy>, st: &mut Copy) {
    if !st.progress {
        return;
    }
    let done = st.stream.bytes_written(lp).unwrap_or(st.read_pos);
    let percent = (done * 100 / st.size.max(1)).min(100);
    if st.last_percent == Some(percent) {
        return;
    }
    st.last_percent = Some(percent);
    let filled = (percent / 4) as usize;
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    eprint!(
        "\r{}: {percent:3}% [{}{}] {:.1}/{:.1} MiB",
        st.name,
        "#".repeat(filled),
        ".".repeat(25 - filled),
        mib(done),
        mib(st.size)
    );
}
