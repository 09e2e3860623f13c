//! Options with Node's names, defaults and range checks.

use ruv_core::Error;

use crate::constants::*;

/// The seven kinds of zlib object Node has, each a class in `node:zlib`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `zlib.Deflate`: compress, with a zlib header and Adler-32 trailer (RFC 1950).
    Deflate,
    /// `zlib.Inflate`: decompress what [`Mode::Deflate`] makes.
    Inflate,
    /// `zlib.Gzip`: compress, with a gzip header and CRC-32 trailer (RFC 1952).
    Gzip,
    /// `zlib.Gunzip`: decompress gzip; concatenated members are decompressed one after the
    /// other (as `gzip -d` does).
    Gunzip,
    /// `zlib.DeflateRaw`: compress, a bare deflate stream with no header (RFC 1951).
    DeflateRaw,
    /// `zlib.InflateRaw`: decompress a bare deflate stream.
    InflateRaw,
    /// `zlib.Unzip`: decompress zlib or gzip, chosen from the first two bytes
    /// (`1f 8b` is gzip).
    Unzip,
}

impl Mode {
    /// Whether this mode compresses (Deflate, Gzip, DeflateRaw).
    pub fn is_compress(self) -> bool {
        matches!(self, Mode::Deflate | Mode::Gzip | Mode::DeflateRaw)
    }

    /// Node's class name (`"Gzip"`, `"InflateRaw"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Deflate => "Deflate",
            Mode::Inflate => "Inflate",
            Mode::Gzip => "Gzip",
            Mode::Gunzip => "Gunzip",
            Mode::DeflateRaw => "DeflateRaw",
            Mode::InflateRaw => "InflateRaw",
            Mode::Unzip => "Unzip",
        }
    }
}

/// Options of every zlib call and stream, with Node's names (`level`, `windowBits`,
/// `memLevel`, `strategy`, `chunkSize`, `maxOutputLength`) and defaults.
///
/// Build one with struct update syntax:
///
/// ```
/// use ruv_zlib::Options;
/// let fast = Options { level: 1, ..Options::default() };
/// assert_eq!(fast.window_bits, 15);
/// ```
///
/// Every field is checked as Node checks it (see [`Options::validate`]) and every field is
/// applied: the engine is zlib-rs, configured with the same parameters as zlib's
/// `deflateInit2` / `inflateInit2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Compression level, `-1..=9`: `0` stores, `1` is fastest, `9` compresses best, `-1`
    /// ([`Z_DEFAULT_COMPRESSION`]) is zlib's default, level 6. Ignored when decompressing
    /// (but still range-checked, as Node does).
    pub level: i32,
    /// Base-2 logarithm of the LZ77 window, `8..=15` (default 15, a 32 KiB window).
    ///
    /// * Compressing: a larger window compresses better and uses more memory. Gzip needs
    ///   `9..=15`. zlib cannot make a 256-byte window, so `8` means `9` for Deflate and
    ///   DeflateRaw (zlib does this itself for Deflate, Node does it for DeflateRaw).
    /// * Decompressing: the largest window the input may use; a stream made with a larger
    ///   one fails with `Z_DATA_ERROR` "invalid window size". For Inflate, Gunzip and Unzip,
    ///   `0` means "whatever the zlib header says" (Node's default for them).
    pub window_bits: i32,
    /// Memory for the compressor's internal state, `1..=9` (default 8): higher is faster
    /// and compresses slightly better. Ignored when decompressing (range-checked anyway).
    pub mem_level: i32,
    /// Compression strategy, `0..=4`: [`Z_DEFAULT_STRATEGY`], [`Z_FILTERED`],
    /// [`Z_HUFFMAN_ONLY`], [`Z_RLE`], [`Z_FIXED`]. Ignored when decompressing
    /// (range-checked anyway).
    pub strategy: i32,
    /// Output buffer granularity, `>= 64` (default 16 KiB). Node hands output out in
    /// buffers of this size; ruv hands out one buffer per call (one-shot) or per pool job
    /// (streams), so here it is the least an output buffer starts at or grows by, and, when
    /// larger than [`JOB_OUTPUT`](crate::JOB_OUTPUT), a stream job's output cap. Above
    /// `2**32` Node refuses to allocate it, and so does ruv.
    pub chunk_size: usize,
    /// Largest output allowed, `1..=2**32` bytes. Output that would grow past it stops the
    /// call with `ERR_BUFFER_TOO_LARGE` ("Cannot create a Buffer larger than N bytes") as
    /// soon as the limit is crossed, so a decompression bomb costs at most this much
    /// memory.
    ///
    /// `None` (the default) means Node's default, `buffer.constants.MAX_LENGTH` =
    /// [`MAX_LENGTH`] (`2**32`), for one-shot calls, and **no limit** for streams. Node
    /// applies `maxOutputLength` only to its one-shot ("convenience") methods; ruv also
    /// applies a value given explicitly to a stream's total output.
    pub max_output_length: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            level: Z_DEFAULT_COMPRESSION,
            window_bits: Z_DEFAULT_WINDOWBITS,
            mem_level: Z_DEFAULT_MEMLEVEL,
            strategy: Z_DEFAULT_STRATEGY,
            chunk_size: Z_DEFAULT_CHUNK,
            max_output_length: None,
        }
    }
}

/// Options that passed [`Options::validate`], normalized for the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Checked {
    pub mode: Mode,
    /// `0..=9` (the default, -1, is resolved to 6 by zlib-rs itself; kept as given).
    pub level: i32,
    /// `0` (from header, decompression only) or `9..=15` for compression, `8..=15` for
    /// decompression.
    pub window_bits: i32,
    pub mem_level: i32,
    pub strategy: i32,
    pub chunk_size: usize,
    /// Explicit limit, if any.
    pub max_output_length: Option<u64>,
}

impl Checked {
    /// The output limit of a one-shot call.
    pub fn one_shot_limit(&self) -> u64 {
        self.max_output_length.unwrap_or(MAX_LENGTH)
    }
}

impl Options {
    /// Checks the options for `mode` in the order and with the messages of Node v20's
    /// `new zlib.<Mode>(options)`; every failure is [`Code::ERR_OUT_OF_RANGE`]:
    ///
    /// 1. `window_bits`: `8..=15` (Gzip: `9..=15`); `0` is also allowed for Inflate, Gunzip
    ///    and Unzip. `The value of "options.windowBits" is out of range. It must be >= 8
    ///    and <= 15. Received 16`;
    /// 2. `level`: `-1..=9`, `The value of "options.level" is out of range. It must be >= -1
    ///    and <= 9. Received 10`;
    /// 3. `mem_level`: `1..=9`; 4. `strategy`: `0..=4` (same wording);
    /// 5. `chunk_size`: `>= 64`, `The value of "options.chunkSize" is out of range. It must
    ///    be >= 64. Received 10`;
    /// 6. `max_output_length`: `1..=4294967296`, `The value of "options.maxOutputLength" is
    ///    out of range. It must be >= 1 and <= 4294967296. Received 0`;
    /// 7. `chunk_size <= 4294967296`, else Node's allocation error: `The value of "size" is
    ///    out of range. It must be >= 0 && <= 4294967296. Received 4_294_967_297`.
    ///
    /// Values above `2**32` are printed with `_` separators, as Node prints them. Every
    /// option is checked whatever the mode (Node range-checks `level` for Inflate too).
    ///
    /// ```
    /// use ruv_core::Code;
    /// use ruv_zlib::{Mode, Options};
    /// let err = Options { level: 10, ..Options::default() }.validate(Mode::Deflate).unwrap_err();
    /// assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE);
    /// assert_eq!(
    ///     err.to_string(),
    ///     "ERR_OUT_OF_RANGE: The value of \"options.level\" is out of range. \
    ///      It must be >= -1 and <= 9. Received 10"
    /// );
    /// // Inflate, Gunzip and Unzip take the window size from the stream's header.
    /// assert!(Options { window_bits: 0, ..Options::default() }.validate(Mode::Inflate).is_ok());
    /// assert!(Options { window_bits: 0, ..Options::default() }.validate(Mode::Deflate).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// The first failed check, as above.
    pub fn validate(&self, mode: Mode) -> Result<(), Error> {
        self.check(mode).map(|_| ())
    }

    pub(crate) fn check(&self, mode: Mode) -> Result<Checked, Error> {
        let header_window = matches!(mode, Mode::Inflate | Mode::Gunzip | Mode::Unzip);
        let window_bits = if header_window && self.window_bits == 0 {
            0
        } else {
            let min = Z_MIN_WINDOWBITS + i32::from(mode == Mode::Gzip);
            in_range(
                "options.windowBits",
                self.window_bits,
                min,
                Z_MAX_WINDOWBITS,
            )?
        };
        let level = in_range("options.level", self.level, Z_MIN_LEVEL, Z_MAX_LEVEL)?;
        let mem_level = in_range(
            "options.memLevel",
            self.mem_level,
            Z_MIN_MEMLEVEL,
            Z_MAX_MEMLEVEL,
        )?;
        let strategy = in_range(
            "options.strategy",
            self.strategy,
            Z_DEFAULT_STRATEGY,
            Z_FIXED,
        )?;
        if self.chunk_size < Z_MIN_CHUNK {
            return Err(out_of_range(
                "options.chunkSize",
                &format!(">= {Z_MIN_CHUNK}"),
                self.chunk_size as i128,
            ));
        }
        if let Some(max) = self.max_output_length {
            if !(1..=MAX_LENGTH).contains(&max) {
                return Err(out_of_range(
                    "options.maxOutputLength",
                    &format!(">= 1 and <= {MAX_LENGTH}"),
                    i128::from(max),
                ));
            }
        }
        if self.chunk_size as u64 > MAX_LENGTH {
            return Err(out_of_range(
                "size",
                &format!(">= 0 && <= {MAX_LENGTH}"),
                self.chunk_size as i128,
            ));
        }
        // zlib cannot compress with a 256-byte window: Deflate's 8 becomes 9 inside zlib
        // (its header then says 9), DeflateRaw's 8 becomes 9 in Node.
        let window_bits = if mode.is_compress() && window_bits == 8 {
            9
        } else {
            window_bits
        };
        Ok(Checked {
            mode,
            level,
            window_bits,
            mem_level,
            strategy,
            chunk_size: self.chunk_size,
            max_output_length: self.max_output_length,
        })
    }
}

fn in_range(name: &str, value: i32, min: i32, max: i32) -> Result<i32, Error> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(out_of_range(
            name,
            &format!(">= {min} and <= {max}"),
            i128::from(value),
        ))
    }
}

/// Node's `ERR_OUT_OF_RANGE` (shared wording: [`Error::out_of_range`]).
fn out_of_range(name: &str, range: &str, received: i128) -> Error {
    Error::out_of_range(name, range, received)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_means_nine_when_compressing() {
        let o = Options {
            window_bits: 8,
            ..Options::default()
        };
        assert_eq!(o.check(Mode::Deflate).unwrap().window_bits, 9);
        assert_eq!(o.check(Mode::DeflateRaw).unwrap().window_bits, 9);
        assert_eq!(o.check(Mode::Inflate).unwrap().window_bits, 8);
        assert!(o.check(Mode::Gzip).is_err());
    }
}
