//! The codec behind every call and stream: zlib-rs's deflate or inflate state, driven with
//! Node's rules (gzip members, unzip's header sniffing, truncation, the output limit).

use std::mem::MaybeUninit;

use ruv_core::Error;
use zlib_rs::{
    DeflateConfig, DeflateError, DeflateFlush, InflateError, InflateFlush, Method, Status, Strategy,
};

use crate::codes;
use crate::options::{Checked, Mode};

/// The gzip magic bytes.
const GZIP_ID: [u8; 2] = [0x1f, 0x8b];

/// How a run ends a batch of input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flush {
    /// Take the input; emit output only as blocks fill (`Z_NO_FLUSH`).
    None,
    /// Emit everything so far, byte-aligned (`Z_SYNC_FLUSH`).
    #[cfg_attr(not(test), allow(dead_code))]
    Sync,
    /// As `Sync`, and reset the compressor's history (`Z_FULL_FLUSH`, Node's `flush()`).
    Full,
    /// The input is complete: finish the stream (`Z_FINISH`). Decompressors whose stream
    /// has not ended by then fail with `Z_BUF_ERROR` "unexpected end of file".
    Finish,
}

/// What a run did with its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Input bytes used (input after the end of a finished stream counts as used: it is
    /// ignored, as Node ignores it).
    pub consumed: usize,
    /// The run stopped at its output cap: call again with `input[consumed..]` and the same
    /// flush.
    pub more: bool,
}

pub(crate) struct Engine {
    codec: Codec,
    chunk_size: usize,
    /// Output produced so far, over all runs.
    total_out: u64,
    /// Largest total output allowed (`u64::MAX`: none).
    limit: u64,
}

enum Codec {
    Deflate(zlib_rs::Deflate),
    Inflate(Inflater),
}

struct Inflater {
    /// `None` in Unzip mode until the first two bytes told gzip from zlib.
    z: Option<zlib_rs::Inflate>,
    /// Checked `window_bits` (`0` = from the header).
    window_bits: u8,
    /// Whether the input is gzip, so that a new member may follow the end of one.
    gzip: bool,
    /// The current stream (member) has ended.
    ended: bool,
    /// Unzip: a first byte `1f` seen at the end of a write, before its second byte came.
    held_id1: bool,
}

impl Engine {
    /// A fresh codec for `opts.mode`, whose total output may not exceed `limit`.
    pub fn new(opts: &Checked, limit: Option<u64>) -> Engine {
        let wb = opts.window_bits;
        let codec = match opts.mode {
            Mode::Deflate | Mode::Gzip | Mode::DeflateRaw => {
                let window_bits = match opts.mode {
                    Mode::Deflate => wb,
                    Mode::Gzip => wb + 16,
                    _ => -wb,
                };
                let strategy = Strategy::try_from(opts.strategy).unwrap_or_default();
                let config = DeflateConfig {
                    level: opts.level,
                    method: Method::Deflated,
                    window_bits,
                    mem_level: opts.mem_level,
                    strategy,
                };
                Codec::Deflate(zlib_rs::Deflate::new_with_config(config))
            }
            Mode::Inflate | Mode::Gunzip | Mode::InflateRaw | Mode::Unzip => {
                let window_bits = wb as u8;
                let (z, gzip) = match opts.mode {
                    Mode::Inflate => (Some(zlib_rs::Inflate::new(true, window_bits)), false),
                    Mode::Gunzip => (Some(zlib_rs::Inflate::new(true, window_bits + 16)), true),
                    Mode::InflateRaw => (Some(zlib_rs::Inflate::new(false, window_bits)), false),
                    _ => (None, false),
                };
                Codec::Inflate(Inflater {
                    z,
                    window_bits,
                    gzip,
                    ended: false,
                    held_id1: false,
                })
            }
        };
        Engine {
            codec,
            chunk_size: opts.chunk_size,
            total_out: 0,
            limit: limit.unwrap_or(u64::MAX),
        }
    }

    /// Runs the codec over `input`, appending to `out`, until the input is used up (with
    /// [`Flush::Finish`]: and the stream is complete) or `out` has reached `out_cap` bytes.
    pub fn run(
        &mut self,
        input: &[u8],
        flush: Flush,
        out: &mut Vec<u8>,
        out_cap: usize,
    ) -> Result<Outcome, Error> {
        match &mut self.codec {
            Codec::Deflate(_) => self.deflate(input, flush, out, out_cap),
            Codec::Inflate(_) => self.inflate(input, flush, out, out_cap),
        }
    }

    /// Makes room in `out` and returns how many bytes the next call may write there: at
    /// most up to `out_cap`, and at most one byte past the output limit (so that crossing
    /// it is seen). `0` means `out_cap` is reached.
    ///
    /// `Z_MEM_ERROR` if not even a small step of growth can be allocated.
    fn room(&self, out: &mut Vec<u8>, out_cap: usize) -> Result<usize, Error> {
        let to_cap = out_cap.saturating_sub(out.len());
        let to_limit = self.limit.saturating_add(1).saturating_sub(self.total_out);
        let allowed = to_cap.min(usize::try_from(to_limit).unwrap_or(usize::MAX));
        if allowed == 0 {
            return Ok(0);
        }
        let spare = out.capacity() - out.len();
        if spare == 0 {
            // Grow geometrically, by at least a chunk, never past what may be written.
            let want = out.len().max(self.chunk_size).min(allowed);
            grow(out, want, allowed.min(MIN_GROWTH))?;
        }
        Ok((out.capacity() - out.len()).min(allowed))
    }

    /// Counts `made` new bytes written into `out`'s spare capacity and checks the limit.
    fn produced(&mut self, out: &mut Vec<u8>, made: usize) -> Result<(), Error> {
        debug_assert!(made <= out.capacity() - out.len());
        // SAFETY: zlib-rs reports (through its `total_out` counter) how many bytes of the
        // spare capacity it wrote; exactly those become part of the vector.
        unsafe { out.set_len(out.len() + made) };
        self.total_out += made as u64;
        if self.total_out > self.limit {
            // Hand back nothing past the limit.
            let over = (self.total_out - self.limit) as usize;
            out.truncate(out.len() - over);
            return Err(codes::too_large(self.limit));
        }
        Ok(())
    }

    fn deflate(
        &mut self,
        input: &[u8],
        flush: Flush,
        out: &mut Vec<u8>,
        out_cap: usize,
    ) -> Result<Outcome, Error> {
        let zflush = match flush {
            Flush::None => DeflateFlush::NoFlush,
            Flush::Sync => DeflateFlush::SyncFlush,
            Flush::Full => DeflateFlush::FullFlush,
            Flush::Finish => DeflateFlush::Finish,
        };
        let mut pos = 0;
        loop {
            let room = self.room(out, out_cap)?;
            if room == 0 {
                return Ok(Outcome {
                    consumed: pos,
                    more: true,
                });
            }
            let Codec::Deflate(z) = &mut self.codec else {
                unreachable!("deflate codec")
            };
            let (in0, out0) = (z.total_in(), z.total_out());
            let spare = &mut out.spare_capacity_mut()[..room];
            let status = z
                .compress_uninit(&input[pos..], spare, zflush)
                .map_err(deflate_error)?;
            let used = (z.total_in() - in0) as usize;
            let made = (z.total_out() - out0) as usize;
            pos += used;
            self.produced(out, made)?;
            match status {
                Status::StreamEnd => {
                    return Ok(Outcome {
                        consumed: input.len(),
                        more: false,
                    })
                }
                // zlib's rule: output space left over means the input and the flush are done.
                _ if flush != Flush::Finish && made < room => {
                    return Ok(Outcome {
                        consumed: pos,
                        more: false,
                    });
                }
                _ => {}
            }
        }
    }

    fn inflate(
        &mut self,
        input: &[u8],
        flush: Flush,
        out: &mut Vec<u8>,
        out_cap: usize,
    ) -> Result<Outcome, Error> {
        let zflush = if flush == Flush::Finish {
            InflateFlush::Finish
        } else {
            InflateFlush::NoFlush
        };
        let mut pos = 0;
        loop {
            let Codec::Inflate(inf) = &mut self.codec else {
                unreachable!("inflate codec")
            };
            if inf.ended {
                let rest = &input[pos..];
                // Node starts a new gzip member when more input follows the end of one,
                // unless that input starts with a zero byte (padding: the rest is ignored).
                // After a zlib or raw stream, the rest is ignored.
                if inf.gzip && rest.first().is_some_and(|&b| b != 0) {
                    inf.z = Some(zlib_rs::Inflate::new(true, inf.window_bits + 16));
                    inf.ended = false;
                } else {
                    return Ok(Outcome {
                        consumed: input.len(),
                        more: false,
                    });
                }
            }
            if inf.z.is_none() && !inf.sniff(&input[pos..]) {
                // Unzip needs one more byte to choose; `1f` is held until it comes.
                pos = input.len();
                break;
            }
            let room = self.room(out, out_cap)?;
            if room == 0 {
                return Ok(Outcome {
                    consumed: pos,
                    more: true,
                });
            }
            let Codec::Inflate(inf) = &mut self.codec else {
                unreachable!("inflate codec")
            };
            let z = inf.z.as_mut().expect("sniffed above");
            let (in0, out0) = (z.total_in(), z.total_out());
            let spare = &mut out.spare_capacity_mut()[..room];
            let result = z.decompress_uninit(&input[pos..], spare, zflush);
            let used = (z.total_in() - in0) as usize;
            let made = (z.total_out() - out0) as usize;
            let status = result.map_err(|e| inflate_error(e, z.error_message()))?;
            if status == Status::StreamEnd {
                inf.ended = true;
            }
            pos += used;
            self.produced(out, made)?;
            if status != Status::StreamEnd
                && (used == 0 && made == 0 || pos == input.len() && made < room)
            {
                // The input is used up and all its output is out; or no progress is
                // possible (zlib's Z_BUF_ERROR): more input is needed.
                break;
            }
        }
        let Codec::Inflate(inf) = &self.codec else {
            unreachable!("inflate codec")
        };
        if flush == Flush::Finish && !inf.ended {
            return Err(codes::unexpected_end());
        }
        Ok(Outcome {
            consumed: pos,
            more: false,
        })
    }
}

impl Inflater {
    /// Unzip: chooses gzip or zlib from the first two input bytes (this write's, after a
    /// held `1f` from the last one) and creates the inflater. `false` if there are not
    /// enough bytes yet (the input is empty, or is the single byte `1f`, which is then held).
    fn sniff(&mut self, input: &[u8]) -> bool {
        let first = if self.held_id1 {
            Some(GZIP_ID[0])
        } else {
            input.first().copied()
        };
        let second = if self.held_id1 {
            input.first()
        } else {
            input.get(1)
        }
        .copied();
        let gzip = match (first, second) {
            (None, _) => return false,
            (Some(a), None) if a == GZIP_ID[0] => {
                self.held_id1 = true;
                return false;
            }
            (Some(a), b) => a == GZIP_ID[0] && b == Some(GZIP_ID[1]),
        };
        let mut z = if gzip {
            zlib_rs::Inflate::new(true, self.window_bits + 16)
        } else {
            zlib_rs::Inflate::new(true, self.window_bits)
        };
        if std::mem::take(&mut self.held_id1) {
            // Feed the held first header byte; header bytes produce no output.
            let mut scratch = [MaybeUninit::<u8>::uninit(); 1];
            let _ = z.decompress_uninit(&GZIP_ID[..1], &mut scratch, InflateFlush::NoFlush);
        }
        self.gzip = gzip;
        self.z = Some(z);
        true
    }
}

fn inflate_error(e: InflateError, msg: Option<&str>) -> Error {
    let (code, fallback) = match e {
        InflateError::NeedDict { .. } => return codes::need_dict(),
        InflateError::DataError => (codes::Z_DATA_ERROR, "invalid data"),
        InflateError::MemError => (codes::Z_MEM_ERROR, "insufficient memory"),
        InflateError::StreamError => (codes::Z_STREAM_ERROR, "stream error"),
    };
    Error::new(code).with_detail(msg.unwrap_or(fallback).to_string())
}

fn deflate_error(e: DeflateError) -> Error {
    let code = match e {
        DeflateError::DataError => codes::Z_DATA_ERROR,
        DeflateError::MemError => codes::Z_MEM_ERROR,
        DeflateError::StreamError => codes::Z_STREAM_ERROR,
    };
    Error::new(code).with_detail(e.as_str())
}

/// The smallest step by which [`grow`] still tries to extend a buffer the allocator refused
/// to double.
const MIN_GROWTH: usize = 64 << 10;

/// Makes room for `want` more bytes in `out`, without aborting the process when memory is
/// short: if the allocator refuses, asks for half as much, and so on down to `least` bytes.
/// The output of a decompressor is the input's choice (a "zip bomb" of a few MiB inflates
/// to GiBs), so its buffer is grown fallibly: the run fails with `Z_MEM_ERROR` where an
/// infallible `reserve` would abort.
///
/// # Errors
///
/// `Z_MEM_ERROR` ("Array buffer allocation failed") if not even `least` (or `want`, if
/// smaller) more bytes can be allocated; `out` is left as it was.
pub(crate) fn grow(out: &mut Vec<u8>, mut want: usize, least: usize) -> Result<(), Error> {
    loop {
        if out.try_reserve_exact(want).is_ok() {
            return Ok(());
        }
        if want <= least {
            return Err(codes::out_of_memory());
        }
        want = (want / 2).max(least);
    }
}

/// An empty buffer with room for `bytes`, if the allocator grants that much, else with none:
/// for first guesses at the output's size, which the run's own growth ([`grow`]) corrects.
pub(crate) fn speculative_buffer(bytes: usize) -> Vec<u8> {
    let mut out = Vec::new();
    // A refused guess is not an error: the run grows the buffer as output comes.
    let _ = out.try_reserve_exact(bytes);
    out
}

/// How much output to reserve up front for a one-shot run over `input`.
pub(crate) fn initial_capacity(opts: &Checked, input: &[u8], limit: u64) -> usize {
    const SPECULATIVE_MAX: usize = 256 << 20;
    let cap = |n: usize| -> usize {
        let limit = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
        n.max(opts.chunk_size.min(limit)).min(limit)
    };
    match opts.mode {
        // Never more than this is needed (plus the gzip header and trailer).
        Mode::Deflate | Mode::Gzip | Mode::DeflateRaw => {
            cap(zlib_rs::compress_bound(input.len()) + 32)
        }
        _ => {
            // Deflate cannot expand more than 1032:1; a gzip trailer states the size (of the
            // last member, modulo 2**32): a hint, trusted only within those bounds.
            let max_ratio = input.len().saturating_mul(1032);
            let hint = match (opts.mode, input.len()) {
                (Mode::Gunzip | Mode::Unzip, n) if n >= 18 && input[..2] == GZIP_ID => {
                    let isize = u32::from_le_bytes(input[n - 4..].try_into().expect("4 bytes"));
                    (isize as usize).min(max_ratio)
                }
                _ => input.len().saturating_mul(4),
            };
            cap(hint.min(SPECULATIVE_MAX))
        }
    }
}
