//! Node's `zlib.constants` that ruv-zlib's options use, with their values.

/// No compression (level 0: stored blocks).
pub const Z_NO_COMPRESSION: i32 = 0;
/// Fastest compression (level 1).
pub const Z_BEST_SPEED: i32 = 1;
/// Best compression (level 9).
pub const Z_BEST_COMPRESSION: i32 = 9;
/// zlib's default level (-1, which zlib runs as level 6).
pub const Z_DEFAULT_COMPRESSION: i32 = -1;
/// Smallest `level`.
pub const Z_MIN_LEVEL: i32 = -1;
/// Largest `level`.
pub const Z_MAX_LEVEL: i32 = 9;

/// Strategy for data produced by a filter (many small values, few repeats).
pub const Z_FILTERED: i32 = 1;
/// Strategy: Huffman coding only, no string matching.
pub const Z_HUFFMAN_ONLY: i32 = 2;
/// Strategy: matches of distance one only (run-length encoding).
pub const Z_RLE: i32 = 3;
/// Strategy: fixed Huffman codes only (no dynamic trees).
pub const Z_FIXED: i32 = 4;
/// The default strategy.
pub const Z_DEFAULT_STRATEGY: i32 = 0;

/// Smallest `windowBits`.
pub const Z_MIN_WINDOWBITS: i32 = 8;
/// Largest `windowBits`.
pub const Z_MAX_WINDOWBITS: i32 = 15;
/// Default `windowBits` (a 32 KiB window).
pub const Z_DEFAULT_WINDOWBITS: i32 = 15;

/// Smallest `memLevel`.
pub const Z_MIN_MEMLEVEL: i32 = 1;
/// Largest `memLevel`.
pub const Z_MAX_MEMLEVEL: i32 = 9;
/// Default `memLevel`.
pub const Z_DEFAULT_MEMLEVEL: i32 = 8;

/// Smallest `chunkSize`.
pub const Z_MIN_CHUNK: usize = 64;
/// Default `chunkSize` (16 KiB).
pub const Z_DEFAULT_CHUNK: usize = 16 * 1024;

/// Node v20's `buffer.constants.MAX_LENGTH` on 64-bit platforms (`2**32`): the default and
/// the largest `maxOutputLength`.
pub const MAX_LENGTH: u64 = 1 << 32;
