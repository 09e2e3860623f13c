//! The options of [`read_stream`](crate::read_stream) and
//! [`write_stream`](crate::write_stream): Node's `createReadStream` and `createWriteStream`
//! options.

use crate::flags::{Fd, IntoOpenFlags, OpenFlags};
use ruv_core::Error;

/// Node's default `highWaterMark` for file read streams: 64 KiB per chunk.
pub const READ_HIGH_WATER_MARK: usize = 64 * 1024;

/// Options of [`read_stream`](crate::read_stream) (Node's `createReadStream` options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadStreamOptions {
    /// Largest chunk, in bytes: each read job reads at most this much (default 64 KiB).
    pub high_water_mark: usize,
    /// Byte offset to start at: reads are positional (`pread`) from there. `None` (the
    /// default) reads from the current file position (`read`), which also works on pipes.
    pub start: Option<u64>,
    /// Offset of the last byte to read, inclusive (Node's `end`). `None`: to end of file.
    pub end: Option<u64>,
    /// Flags to open the path with (default `"r"`).
    pub flags: OpenFlags,
    /// Mode if the flags create the file (default `0o666`).
    pub mode: u32,
    /// Read this already open descriptor instead of opening the path (which is then ignored).
    pub fd: Option<Fd>,
    /// Close the descriptor when the stream ends, fails or is destroyed (default `true`).
    pub auto_close: bool,
}

impl Default for ReadStreamOptions {
    fn default() -> Self {
        ReadStreamOptions {
            high_water_mark: READ_HIGH_WATER_MARK,
            start: None,
            end: None,
            flags: OpenFlags::READ,
            mode: 0o666,
            fd: None,
            auto_close: true,
        }
    }
}

impl ReadStreamOptions {
    /// Sets [`high_water_mark`](Self::high_water_mark) (0 counts as 1).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.high_water_mark = bytes;
        self
    }

    /// Sets [`start`](Self::start).
    pub fn start(mut self, offset: u64) -> Self {
        self.start = Some(offset);
        self
    }

    /// Sets [`end`](Self::end) (inclusive).
    pub fn end(mut self, offset: u64) -> Self {
        self.end = Some(offset);
        self
    }

    /// Sets [`flags`](Self::flags).
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` for an unknown flag string.
    pub fn flags(mut self, flags: impl IntoOpenFlags) -> Result<Self, Error> {
        self.flags = flags.into_open_flags()?;
        Ok(self)
    }

    /// Sets [`fd`](Self::fd).
    pub fn fd(mut self, fd: Fd) -> Self {
        self.fd = Some(fd);
        self
    }

    /// Sets [`auto_close`](Self::auto_close).
    pub fn auto_close(mut self, on: bool) -> Self {
        self.auto_close = on;
        self
    }
}

/// Node's default `highWaterMark` for writable streams (Node 20): 16 KiB.
pub const WRITE_HIGH_WATER_MARK: usize = 16 * 1024;

/// Options of [`write_stream`](crate::write_stream) (Node's `createWriteStream` options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteStreamOptions {
    /// [`WriteStream::write`](crate::WriteStream::write) returns `false` once this many bytes are buffered (queued or
    /// being written); default 16 KiB.
    pub high_water_mark: usize,
    /// Byte offset to write at: writes are positional (`pwrite`) from there. `None` (the
    /// default) writes at the current file position (`write`; at the end with `"a"`), which
    /// also works on pipes and terminals.
    pub start: Option<u64>,
    /// Flags to open the path with (default `"w"`).
    pub flags: OpenFlags,
    /// Mode if the file is created (default `0o666`, before the umask).
    pub mode: u32,
    /// Write to this already open descriptor instead of opening the path (then ignored).
    pub fd: Option<Fd>,
    /// Close the descriptor after `end`, an error or `destroy` (default `true`).
    pub auto_close: bool,
}

impl Default for WriteStreamOptions {
    fn default() -> Self {
        WriteStreamOptions {
            high_water_mark: WRITE_HIGH_WATER_MARK,
            start: None,
            flags: OpenFlags::WRITE,
            mode: 0o666,
            fd: None,
            auto_close: true,
        }
    }
}

impl WriteStreamOptions {
    /// Sets [`high_water_mark`](Self::high_water_mark).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.high_water_mark = bytes;
        self
    }

    /// Sets [`start`](Self::start).
    pub fn start(mut self, offset: u64) -> Self {
        self.start = Some(offset);
        self
    }

    /// Sets [`flags`](Self::flags).
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` for an unknown flag string.
    pub fn flags(mut self, flags: impl IntoOpenFlags) -> Result<Self, Error> {
        self.flags = flags.into_open_flags()?;
        Ok(self)
    }

    /// Sets [`fd`](Self::fd).
    pub fn fd(mut self, fd: Fd) -> Self {
        self.fd = Some(fd);
        self
    }

    /// Sets [`auto_close`](Self::auto_close).
    pub fn auto_close(mut self, on: bool) -> Self {
        self.auto_close = on;
        self
    }
}
