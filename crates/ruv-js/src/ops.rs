//! What native functions ask of the loop ([`Op`]) and what the loop hands back to a
//! JavaScript callback ([`Reply`]).

use std::cell::RefCell;
use std::rc::Rc;

/// What the script asked of the loop, applied after it returns.
pub(crate) enum Op {
    /// The one loop timer and the immediate of JavaScript's timers (src/timers.rs).
    Timers(crate::timers::TimerOp),
    NextTick(u32),
    ReadFile {
        path: String,
        id: u32,
    },
    Pbkdf2 {
        password: Vec<u8>,
        salt: Vec<u8>,
        iterations: u64,
        keylen: u64,
        digest: String,
        id: u32,
    },
    /// `child_process.fork`: events go to callback `id` (kept).
    Fork {
        id: u32,
        module: String,
        args: Vec<String>,
        exec_argv: Vec<String>,
    },
    /// A child `fork` started at once (see [`crate::now`]): the host records it.
    ForkAdopt {
        id: u32,
        forked: ruv_process::fork::Forked,
    },
    /// A message (JSON text) to forked child `id`, or to the parent (`id` 0); `done`: the
    /// callback for when it was written (0: none).
    Send {
        id: u32,
        json: String,
        done: u32,
    },
    /// Closes the channel to child `id`, or to the parent (0).
    Disconnect(u32),
    /// Signals forked child `id`.
    Kill {
        id: u32,
        signal: String,
    },
    /// Whether the parent channel's events go to the prelude (and keep the loop alive).
    ParentRef(bool),
    /// `worker_threads` (src/worker.rs).
    Worker(crate::worker::WorkerOp),
    /// `http`: servers, responses, request bodies, the client.
    Http(crate::http::HttpOp),
    /// `net`: servers and sockets.
    Net(crate::net::NetOp),
    /// `child.kill(signal)` of a spawned child.
    SpawnKill {
        id: u32,
        signal: String,
    },
    /// A one-shot zlib operation on the pool (`zlib.gzip(buf, cb)` …).
    Zlib {
        mode: String,
        input: Vec<u8>,
        id: u32,
    },
    /// `cluster` and process signals (src/cluster.rs).
    Cluster(crate::cluster::ClusterOp),
    /// `dns.lookup(host, { family, all })`.
    DnsLookup {
        id: u32,
        host: String,
        family: u8,
        all: bool,
    },
    /// `fs`'s read and write streams, `zlib`'s streams (src/streams.rs).
    Streams(crate::streams::StreamsOp),
    /// The smaller core modules' work (fs callbacks, exec, scrypt, perf_hooks): mods.rs.
    Mods(crate::mods::ModOp),
}

/// The ops queued by native functions, shared with them.
pub(crate) type Ops = Rc<RefCell<Vec<Op>>>;

/// A result for a callback: what the prelude's `call(id, keep, ...args)` gets.
pub(crate) enum Reply {
    /// No arguments.
    None,
    /// `(err, bytes)`: an error as `[message, code, errno, syscall, path]`, or the bytes as an
    /// `ArrayBuffer`.
    Bytes(Result<Vec<u8>, ruv_core::Error>),
    /// An event: its name and its arguments.
    Event(&'static str, Vec<Arg>),
}

/// An event argument.
pub(crate) enum Arg {
    Null,
    Str(String),
    Num(f64),
    Bytes(Vec<u8>),
    Error(ruv_core::Error),
    /// A structured-clone message (`[kind, text, buffers, shared, ports]`).
    Msg(crate::clone::Incoming),
}
