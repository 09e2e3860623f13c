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

use ruv::core::stream::StreamEvent;
use ruv::core::{Code, Loop, RunMode};
use ruv::fs::{self, Fd, ReadStream, ReadStreamOptions, WriteStream, WriteStreamOptions};
use std::collections::VecDeque;
use std::path::PathBuf;

struct Cat {
    files: VecDeque<PathBuf>,
    out: WriteStream,
    /// The reader paused by backpressure, to resume on drain.
    paused: Option<ReadStream>,
    failed: bool,
    /// stdout was closed by its reader (`cat big | head`): stop quietly.
    broken_pipe: bool,
}

/// Starts the next file, or ends stdout when there is none.
fn next_file(lp: &mut Loop<Cat>, cat: &mut Cat) {
    let Some(path) = cat.files.pop_front() else {
        cat.out.end(lp).expect("stdout stream is open");
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
    rs.on_event(lp, move |lp, cat: &mut Cat, rs, ev| match ev {
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
        StreamEvent::Close if !cat.broken_pipe => next_file(lp, cat),
        _ => {}
    })
    .expect("a new stream accepts callbacks");
}

fn main() {
    let mut files: VecDeque<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        files.push_back(PathBuf::from("-"));
    }
    let mut lp: Loop<Cat> = Loop::new().expect("event loop");
    let stdout = WriteStreamOptions::default()
        .fd(Fd::STDOUT)
        .auto_close(false);
    let out = fs::write_stream(&mut lp, "", stdout).expect("stdout stream");
    out.on_event(&mut lp, |lp, cat: &mut Cat, _, ev| match ev {
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
                cat.failed = true;
            }
        }
        _ => {}
    })
    .expect("a new stream accepts callbacks");
    let mut cat = Cat {
        files,
        out,
        paused: None,
        failed: false,
        broken_pipe: false,
    };
    lp.defer(next_file);
    lp.run(RunMode::Default, &mut cat).expect("loop runs");
    std::process::exit(i32::from(cat.failed));
}
