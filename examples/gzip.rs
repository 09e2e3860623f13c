//! `gzip IN OUT`: compresses a file into a gzip file the way a Node program piping
//! `fs.createReadStream(IN)` through `zlib.createGzip()` into `fs.createWriteStream(OUT)`
//! does, on ruv's loop: 64 KiB reads on the worker pool, each chunk compressed as one pool
//! job by a [`ZlibStream`], each output chunk written on the pool.
//!
//! ```text
//! cargo run --release --example gzip -- big.txt big.txt.gz
//! cargo run --release --example gunzip -- big.txt.gz big.txt.copy
//! gzip -dc big.txt.gz | cmp - big.txt          # the system gzip reads it, and ruv reads gzip's
//! ```
//!
//! Backpressure as in Node's `pipe`: the next chunk is read only when the stream's `write`
//! accepted the last one, or on `Drain`. Writes of the output go to their offsets
//! (`pwrite`), so several may be in flight. For inputs over 4 MiB, a progress line is
//! drawn on stderr when it is a terminal. Errors print like Node's
//! (`gzip: ENOENT: no such file or directory, open 'nope'`), remove the partial output and
//! exit with 1. `examples/gunzip.rs` is the same program in the other direction.

use std::fs::File;
use std::io::IsTerminal;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Instant;

use ruv::core::stream::StreamEvent;
use ruv::core::{Error, Loop, RunMode, WorkClass};
use ruv::zlib::{Mode, Options, ZlibStream};

/// Bytes per read: Node's `fs.createReadStream` default `highWaterMark`.
const READ_CHUNK: usize = 64 * 1024;
/// Inputs larger than this get a progress line.
const PROGRESS_FROM: u64 = 4 << 20;

/// One file-to-file run.
struct Copy {
    name: &'static str,
    input: Arc<File>,
    output: Arc<File>,
    stream: ZlibStream,
    size: u64,
    read_pos: u64,
    write_pos: u64,
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

/// Parses `IN OUT` and runs `mode` from file to file; exits with 1 on error.
pub fn run(name: &'static str, mode: Mode) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: {name} IN OUT");
        std::process::exit(2);
    };
    let started = Instant::now();
    match copy(name, mode, input, output) {
        Ok((read, written)) => {
            if std::io::stderr().is_terminal() {
                let secs = started.elapsed().as_secs_f64();
                let big = read.max(written) as f64;
                eprintln!(
                    "{name}: {input} ({read} bytes) -> {output} ({written} bytes) in {secs:.2} s, \
                     {:.1} MB/s",
                    big / 1e6 / secs.max(1e-9)
                );
            }
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(1);
        }
    }
}

/// Runs the copy on a loop; returns (bytes read, bytes written).
fn copy(name: &'static str, mode: Mode, input: &str, output: &str) -> Result<(u64, u64), Error> {
    let open_err = |path: &str, e: std::io::Error| Error::from_io(&e, "open").with_path(path);
    let in_file = File::open(input).map_err(|e| open_err(input, e))?;
    let size = in_file
        .metadata()
        .map_err(|e| Error::from_io(&e, "fstat").with_path(input))?
        .len();
    let out_file = File::create(output).map_err(|e| open_err(output, e))?;

    let mut lp: Loop<Copy> = Loop::new()?;
    let stream =
        ZlibStream::new(&mut lp, mode, &Options::default())?.on_event(&mut lp, on_event)?;
    let mut st = Copy {
        name,
        input: Arc::new(in_file),
        output: Arc::new(out_file),
        stream,
        size,
        read_pos: 0,
        write_pos: 0,
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
        let _ = std::fs::remove_file(output);
        return Err(e);
    }
    assert!(
        st.stream_ended && st.writes_in_flight == 0,
        "the loop ran dry early"
    );
    Ok((st.read_pos, st.write_pos))
}

/// Reads the next chunk on the pool; at the end of the file, ends the stream.
fn read_next(lp: &mut Loop<Copy>, st: &mut Copy) {
    let (file, pos) = (st.input.clone(), st.read_pos);
    let queued = lp.queue_work(
        WorkClass::FastIo,
        move || {
            let mut buf = vec![0; READ_CHUNK];
            let n = file
                .read_at(&mut buf, pos)
                .map_err(|e| Error::from_io(&e, "read"))?;
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

/// The stream's events: output is written at its offset, on the pool.
fn on_event(lp: &mut Loop<Copy>, st: &mut Copy, _s: ZlibStream, ev: StreamEvent<'_>) {
    match ev {
        StreamEvent::Data(chunk) => {
            let chunk = chunk.to_vec();
            let (file, pos) = (st.output.clone(), st.write_pos);
            st.write_pos += chunk.len() as u64;
            st.writes_in_flight += 1;
            let queued = lp.queue_work(
                WorkClass::FastIo,
                move || {
                    file.write_all_at(&chunk, pos)
                        .map_err(|e| Error::from_io(&e, "write"))
                },
                |lp, st: &mut Copy, res| {
                    st.writes_in_flight -= 1;
                    fail_if_err(lp, st, res.and_then(|r| r));
                },
            );
            fail_if_err(lp, st, queued.map(|_| ()));
            show_progress(lp, st);
        }
        StreamEvent::Drain => read_next(lp, st),
        StreamEvent::End => st.stream_ended = true,
        StreamEvent::Finish | StreamEvent::Close => {}
        StreamEvent::Error(e) => {
            // The stream is gone already; keep the first error.
            st.error.get_or_insert(e);
        }
    }
}

fn fail_if_err(lp: &mut Loop<Copy>, st: &mut Copy, res: Result<(), Error>) {
    if let Err(e) = res {
        fail(lp, st, e);
    }
}

/// Records the first error and stops the stream; in-flight jobs drain, then `run` returns.
fn fail(lp: &mut Loop<Copy>, st: &mut Copy, e: Error) {
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
    let percent = done * 100 / st.size.max(1);
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
