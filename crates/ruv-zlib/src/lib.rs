//! Node.js's `zlib` module for ruv: deflate, inflate, gzip, gunzip, raw deflate and unzip,
//! as one-shot calls (on this thread, or as a job on the worker pool) and as streams on the
//! loop, with Node's option names, option checks, error codes and messages.
//!
//! ```
//! use ruv_core::{Code, Loop, RunMode};
//! use ruv_zlib::{codes, Options};
//!
//! let text = "the quick brown fox jumps over the lazy dog\n".repeat(100);
//! let opts = Options::default();
//!
//! // zlib.gzipSync / zlib.gunzipSync
//! let gz = ruv_zlib::gzip_sync(&text, &opts)?;
//! assert!(gz.len() < text.len() / 10);
//! assert_eq!(ruv_zlib::gunzip_sync(&gz, &opts)?, text.as_bytes());
//!
//! // zlib.gunzip(buf, cb): one job on the worker pool, the result back on the loop.
//! let mut lp: Loop<Vec<u8>> = Loop::new()?;
//! ruv_zlib::gunzip(&mut lp, gz.clone(), &opts, |_lp, out, res| *out = res.unwrap())?;
//! let mut out = Vec::new();
//! lp.run(RunMode::Default, &mut out)?;
//! assert_eq!(out, text.as_bytes());
//!
//! // Node's errors: corrupt, truncated, too large, bad options.
//! let err = ruv_zlib::gunzip_sync(b"hello world", &opts).unwrap_err();
//! assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
//! assert_eq!(err.to_string(), "Z_DATA_ERROR: incorrect header check");
//! let err = ruv_zlib::gunzip_sync(&gz[..gz.len() - 3], &opts).unwrap_err();
//! assert_eq!(err.code(), codes::Z_BUF_ERROR); // ruv-zlib's own code
//! assert_eq!(err.to_string(), "Z_BUF_ERROR: unexpected end of file");
//! let small = Options { max_output_length: Some(100), ..Options::default() };
//! let err = ruv_zlib::gunzip_sync(&gz, &small).unwrap_err();
//! assert_eq!(err.to_string(), "ERR_BUFFER_TOO_LARGE: Cannot create a Buffer larger than 100 bytes");
//! let err = ruv_zlib::gzip_sync(&text, &Options { mem_level: 0, ..Options::default() }).unwrap_err();
//! assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! # The API
//!
//! | Node | ruv-zlib |
//! |---|---|
//! | `zlib.deflateSync(buf, options)` and the other six `*Sync` | [`deflate_sync`], [`inflate_sync`], [`gzip_sync`], [`gunzip_sync`], [`deflate_raw_sync`], [`inflate_raw_sync`], [`unzip_sync`]; [`process_sync`] takes the [`Mode`] |
//! | `zlib.deflate(buf, options, cb)` and the other six | [`deflate`], [`inflate`], [`gzip`], [`gunzip`], [`deflate_raw`], [`inflate_raw`], [`unzip`]; [`process`] (one [`ruv_core::WorkClass::Cpu`] pool job each, cancellable with `Loop::cancel`) |
//! | `zlib.createGzip(options)` ... `write`, `flush`, `end`, `pause`, `resume`, `destroy`, `'data'`, `'drain'`, `'finish'`, `'end'`, `'error'`, `'close'` | [`ZlibStream`] and its [`StreamEvent`](ruv_core::stream::StreamEvent)s |
//! | `stream.pipeline(src, gzip, dst, cb)` | [`ruv_core::stream::pipeline`], [`ruv_core::stream::pipeline3`] |
//! | `options` (`level`, `windowBits`, `memLevel`, `strategy`, `chunkSize`, `maxOutputLength`) | [`Options`] |
//! | `zlib.constants` | [`constants`] |
//! | `err.code` (`Z_DATA_ERROR`, `Z_BUF_ERROR`, ...) | [`codes`] |
//!
//! Behaviours taken from Node (v20, checked with `node -e`): gunzip decompresses
//! concatenated gzip members and ignores what follows a member if it starts with a zero byte
//! (other trailing bytes must be another member: `Z_DATA_ERROR` "incorrect header check");
//! inflate and inflateRaw ignore bytes after the end of their stream; unzip picks gzip when
//! the input starts `1f 8b`, zlib otherwise; an empty or truncated input to a decompressor
//! is `Z_BUF_ERROR` "unexpected end of file"; output of exactly `max_output_length` bytes is
//! allowed, one byte more is `ERR_BUFFER_TOO_LARGE`.
//!
//! The codec is [zlib-rs](https://docs.rs/zlib-rs) (the engine behind `flate2`'s
//! `zlib-rs` feature), with runtime CPU feature detection. Its output is valid zlib, gzip
//! and deflate that Node, zlib and `gzip` read, but not always byte-identical to Node's
//! (zlib-rs makes different, equally valid, choices of matches).
//!
//! `docs/zlib.md` in the repository has the details, and the benchmark against Node.

#![warn(missing_docs)]

pub mod codes;
pub mod constants;
mod engine;
mod oneshot;
mod options;
mod stream;

pub use crate::oneshot::{
    deflate, deflate_raw, deflate_raw_sync, deflate_sync, gunzip, gunzip_sync, gzip, gzip_sync,
    inflate, inflate_raw, inflate_raw_sync, inflate_sync, process, process_sync, unzip, unzip_sync,
};
pub use crate::options::{Mode, Options};
pub use crate::stream::{ZlibStream, HIGH_WATER_MARK, JOB_OUTPUT};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Flush};

    /// A raw deflate stream that inflates to `n` MiB of zeros, made without compressing
    /// them: one MiB of zeros, sync-flushed (byte-aligned, not final), repeated.
    fn zero_segments(n: usize) -> Vec<u8> {
        let opts = Options::default().check(Mode::DeflateRaw).unwrap();
        let mut e = Engine::new(&opts, None);
        let mut seg = Vec::new();
        e.run(&vec![0; 1 << 20], Flush::Sync, &mut seg, usize::MAX)
            .unwrap();
        let mut raw = seg.repeat(n);
        raw.extend_from_slice(&[0x03, 0x00]); // final empty fixed block
        raw
    }

    #[test]
    fn repeated_segments_are_a_valid_stream() {
        let raw = zero_segments(3);
        let out = inflate_raw_sync(&raw, &Options::default()).unwrap();
        assert_eq!(out.len(), 3 << 20);
        assert!(out.iter().all(|&b| b == 0));
    }

    #[test]
    fn stream_cap_splits_output() {
        let opts = Options::default().check(Mode::InflateRaw).unwrap();
        let raw = zero_segments(2);
        let mut e = Engine::new(&opts, None);
        let (mut total, mut pos, mut runs) = (0, 0, 0);
        loop {
            let mut out = Vec::new();
            let o = e
                .run(&raw[pos..], Flush::Finish, &mut out, 300_000)
                .unwrap();
            assert!(out.len() <= 300_000);
            total += out.len();
            pos += o.consumed;
            runs += 1;
            if !o.more {
                break;
            }
        }
        assert_eq!(total, 2 << 20);
        assert_eq!(runs, (2 << 20) / 300_000 + 1);
    }
}
