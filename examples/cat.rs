//! `cat` on ruv-fs streams: each file is a read stream piped into one write stream on stdout,
//! with backpressure (the reader is paused while the writer's buffer is full, and resumed on
//! drain).
//!
//! ```sh
//! cargo run --example cat -- FILE...     # "-" (or no FILE) reads standard input
//! ```
//!
//! A file that cannot be read is reported the way Node reports it, on stderr
//! (`cat: ENOENT: no such file or directory, open 'nope'`); cat goes on with the next file and
//! exits with status 1 at the end.
//!
//! When stdout fails (`cat FILE > /dev/full`), the error is reported the same way
//! (`cat: ENOSPC: no space left on device, write`), cat stops at once and exits with 1. When
//! stdout's reader goes away (`cat big | head -c1`: `EPIPE`), cat stops quietly and exits
//! with 141, the status a shell reports for a `cat` killed by `SIGPIPE`. `--help` prints the
//! usage; `--` ends the flags (`cat -- -file`); any other flag exits with 2.

use ruv::core::stream::StreamEvent;
use ruv::core::{Code, Loop, RunMode};
use ruv::fs::{self, Fd, ReadStream, ReadStreamOptions, WriteStream, WriteStreamOptions};
use std::collections::VecDeque;
use std::path::PathBuf;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: cat [FILE]...

Copies each FILE to standard output, in order, through ruv-fs streams with backpressure.

  FILE         a file to copy; - reads standard input (default: -, when no FILE is given)
  --           the arguments after it are files, even if they start with -
  -h, --help   print this help

Exit status: 0; 1 if a file could not be read or stdout failed; 141 if stdout's reader
went away (EPIPE), quietly, as cat killed by SIGPIPE.
";

/// Exit status when stdout's reader went away: a shell's status for a process killed by
/// `SIGPIPE` (128 + 13).
const BROKEN_PIPE_STATUS: i32 = 141;

struct Cat {
    files: VecDeque<PathBuf>,
    out: WriteStream,
    /// The reader paused by backpressure, to resume on drain.
    paused: Option<ReadStream>,
    failed: bool,
    /// stdout was closed by its reader (`cat big | head`): stop quietly.
    broken_pipe: bool,
    /// stdout failed (reported by its error handler): stop.
    out_failed: bool,
}

/// Starts the next file, or ends stdout when there is none.
fn next_file(lp: &mut Loop<Cat>, cat: &mut Cat) {
    if cat.broken_pipe || cat.out_failed {
        return; // nothing more can reach stdout
    }
    let Some(path) = cat.files.pop_front() else {
        if let Err(e) = cat.out.end(lp) {
            eprintln!("cat: {e}");
            cat.failed = true;
        }
        return;
    };
    let options = if path.as_os_str() == "-" {
        ReadStreamOptions::default().fd(Fd::STDIN).auto_close(false)
    } else {
        ReadStreamOptions::default()
    };
    let rs = match fs::read_stream(lp, &path, options) {
        Ok(rs) => rs,
        Err(e) => {
            // refused before it started (a NUL byte in the name): report, go on
            eprintln!("cat: {e}");
            cat.failed = true;
            return next_file(lp, cat);
        }
    };
    let out = cat.out;
    let started = rs.on_event(lp, move |lp, cat: &mut Cat, rs, ev| match ev {
        StreamEvent::Data(chunk) => match out.write(lp, chunk) {
            Ok(true) => {}
            Ok(false) => {
                rs.pause(lp);
                cat.paused = Some(rs);
            }
            // stdout failed: its error handler has said why; stop reading
            Err(_) => rs.destroy(lp, None),
        },
        StreamEvent::Error(e) => {
            eprintln!("cat: {e}");
            cat.failed = true;
        }
        // after end or error, and after the descriptor is closed
        StreamEvent::Close => next_file(lp, cat),
        _ => {}
    });
    if let Err(e) = started {
        eprintln!("cat: {e}");
        cat.failed = true;
    }
}

fn main() {
    let mut args = Args::from_env("cat", USAGE);
    let mut files = VecDeque::new();
    while let Some(a) = args.next() {
        match a {
            Arg::Positional(p) => files.push_back(PathBuf::from(p)),
            other => args.unexpected(other),
        }
    }
    if files.is_empty() {
        files.push_back(PathBuf::from("-"));
    }
    let mut lp: Loop<Cat> = Loop::new().unwrap_or_else(|e| common::fail("cat", e));
    let stdout = WriteStreamOptions::default()
        .fd(Fd::STDOUT)
        .auto_close(false);
    let out = fs::write_stream(&mut lp, "", stdout).unwrap_or_else(|e| common::fail("cat", e));
    let watched = out.on_event(&mut lp, |lp, cat: &mut Cat, _, ev| match ev {
        StreamEvent::Drain => {
            if let Some(rs) = cat.paused.take() {
                rs.resume(lp);
            }
        }
        StreamEvent::Error(e) => {
            if e.code() == Code::EPIPE {
                cat.broken_pipe = true;
            } else {
                eprintln!("cat: {e}");
                cat.out_failed = true;
                cat.failed = true;
            }
            // a reader paused by backpressure would never be resumed: stop it
            if let Some(rs) = cat.paused.take() {
                rs.destroy(lp, None);
            }
        }
        _ => {}
    });
    if let Err(e) = watched {
        common::fail("cat", e);
    }
    let mut cat = Cat {
        files,
        out,
        paused: None,
        failed: false,
        broken_pipe: false,
        out_failed: false,
    };
    lp.defer(next_file);
    if let Err(e) = lp.run(RunMode::Default, &mut cat) {
        common::fail("cat", e);
    }
    if cat.broken_pipe {
        std::process::exit(BROKEN_PIPE_STATUS);
    }
    std::process::exit(i32::from(cat.failed));
}
