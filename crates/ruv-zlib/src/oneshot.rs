//! One-shot calls: Node's `zlib.gzipSync(buf, options)` and `zlib.gzip(buf, options, cb)`.

use ruv_core::{Error, Loop, WorkClass, WorkReq};

use crate::engine::{initial_capacity, speculative_buffer, Engine, Flush};
use crate::options::{Checked, Mode, Options};

/// Runs `mode` over all of `input` at once, on this thread: the body of every `*_sync`
/// function (`process_sync(Mode::Gzip, ..)` is [`gzip_sync`]).
///
/// # Errors
///
/// The option checks of [`Options::validate`]; for decompression, `Z_DATA_ERROR` (corrupt
/// input), `Z_BUF_ERROR` (truncated input), `Z_NEED_DICT`; `ERR_BUFFER_TOO_LARGE` when
/// the output would exceed `max_output_length`; `Z_MEM_ERROR` when the output buffer cannot
/// be allocated (see [`crate::codes`]).
pub fn process_sync(mode: Mode, input: impl AsRef<[u8]>, opts: &Options) -> Result<Vec<u8>, Error> {
    let checked = opts.check(mode)?;
    run(&checked, input.as_ref())
}

fn run(opts: &Checked, input: &[u8]) -> Result<Vec<u8>, Error> {
    let limit = opts.one_shot_limit();
    let mut engine = Engine::new(opts, Some(limit));
    let mut out = speculative_buffer(initial_capacity(opts, input, limit));
    engine.run(input, Flush::Finish, &mut out, usize::MAX)?;
    // Compressors reserve the worst case; give back a large unused tail.
    if out.capacity() - out.len() > out.len() / 4 + 4096 {
        out.shrink_to_fit();
    }
    Ok(out)
}

/// Runs `mode` over all of `input` as one job on the worker pool and calls `cb` on the loop
/// with the result: the body of every async one-shot function (`process(lp, Mode::Gzip,
/// ..)` is [`gzip`]).
///
/// The options are checked first, synchronously (Node throws from `zlib.gzip` itself): a
/// bad call returns the error, queues nothing and never calls `cb`. The job is
/// [`WorkClass::Cpu`]: compression is CPU-bound (Node runs it on libuv's pool, which has no
/// classes; in ruv-pool, `Cpu` and `FastIo` share the queue and the workers, and only
/// `SlowIo` is capped). The whole input is one job, where Node's convenience methods run a
/// chain of jobs, one per `chunkSize` of output: same result, fewer round trips, but one
/// large input holds one worker until it is done.
///
/// `cb` gets the output or an error: those of [`process_sync`], `ECANCELED` after
/// [`Loop::cancel`] on the returned request, `EPANIC` if the codec panicked.
///
/// # Errors
///
/// The option checks of [`Options::validate`]; the pool's start-up error.
pub fn process<S: 'static>(
    lp: &mut Loop<S>,
    mode: Mode,
    input: impl Into<Vec<u8>>,
    opts: &Options,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let checked = opts.check(mode)?;
    let input = input.into();
    lp.queue_work(
        WorkClass::Cpu,
        move || run(&checked, &input),
        move |lp, s, res| cb(lp, s, res.and_then(|out| out)),
    )
}

macro_rules! one_shot {
    ($sync:ident, $cb:ident, $mode:ident, $node:literal, $what:literal) => {
        #[doc = concat!("Node's `zlib.", $node, "Sync(buffer, options)`: ", $what, ", on this thread.")]
        ///
        /// See [`process_sync`] for the errors.
        ///
        /// # Errors
        ///
        /// As [`process_sync`].
        pub fn $sync(input: impl AsRef<[u8]>, opts: &Options) -> Result<Vec<u8>, Error> {
            process_sync(Mode::$mode, input, opts)
        }

        #[doc = concat!("Node's `zlib.", $node, "(buffer, options, callback)`: ", $what, ", as one job on the worker pool; `cb` gets the result on the loop.")]
        ///
        /// See [`process`] for how it runs, and the errors.
        ///
        /// # Errors
        ///
        /// As [`process`].
        pub fn $cb<S: 'static>(
            lp: &mut Loop<S>,
            input: impl Into<Vec<u8>>,
            opts: &Options,
            cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
        ) -> Result<WorkReq, Error> {
            process(lp, Mode::$mode, input, opts, cb)
        }
    };
}

one_shot!(
    deflate_sync,
    deflate,
    Deflate,
    "deflate",
    "compresses to the zlib format"
);
one_shot!(
    inflate_sync,
    inflate,
    Inflate,
    "inflate",
    "decompresses the zlib format"
);
one_shot!(
    gzip_sync,
    gzip,
    Gzip,
    "gzip",
    "compresses to the gzip format"
);
one_shot!(
    gunzip_sync,
    gunzip,
    Gunzip,
    "gunzip",
    "decompresses the gzip format (all concatenated members)"
);
one_shot!(
    deflate_raw_sync,
    deflate_raw,
    DeflateRaw,
    "deflateRaw",
    "compresses to a raw deflate stream (no header)"
);
one_shot!(
    inflate_raw_sync,
    inflate_raw,
    InflateRaw,
    "inflateRaw",
    "decompresses a raw deflate stream"
);
one_shot!(
    unzip_sync,
    unzip,
    Unzip,
    "unzip",
    "decompresses the zlib or the gzip format, told apart by the header"
);
