//! [`Stats`] (Node's `fs.Stats`), [`FileType`] and [`Dirent`] (Node's `fs.Dirent`).

use std::ffi::OsString;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What kind of file an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileType {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A block device.
    BlockDevice,
    /// A character device.
    CharacterDevice,
    /// A FIFO (named pipe).
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// The file system did not say and the type could not be found out.
    Unknown,
}

impl FileType {
    /// The type encoded in a `st_mode` value (`S_IFMT` bits).
    pub fn from_mode(mode: u32) -> FileType {
        use rustix::fs::FileType as T;
        // `S_IFMT` is 0o170000 everywhere; `RawMode` is narrower on some targets
        match T::from_raw_mode((mode & 0o170000) as _) {
            T::RegularFile => FileType::File,
            T::Directory => FileType::Directory,
            T::Symlink => FileType::Symlink,
            T::BlockDevice => FileType::BlockDevice,
            T::CharacterDevice => FileType::CharacterDevice,
            T::Fifo => FileType::Fifo,
            T::Socket => FileType::Socket,
            _ => FileType::Unknown,
        }
    }

    pub(crate) fn from_std(t: std::fs::FileType) -> FileType {
        use std::os::unix::fs::FileTypeExt;
        if t.is_file() {
            FileType::File
        } else if t.is_dir() {
            FileType::Directory
        } else if t.is_symlink() {
            FileType::Symlink
        } else if t.is_block_device() {
            FileType::BlockDevice
        } else if t.is_char_device() {
            FileType::CharacterDevice
        } else if t.is_fifo() {
            FileType::Fifo
        } else if t.is_socket() {
            FileType::Socket
        } else {
            FileType::Unknown
        }
    }
}

/// File status, as Node's `fs.Stats`: the result of [`stat`](crate::stat),
/// [`lstat`](crate::lstat) and [`fstat`](crate::fstat).
///
/// Times come twice, as in Node: as [`SystemTime`] (`atime`, …) and as milliseconds since the
/// Unix epoch with the sub-millisecond part as a fraction (`atime_ms`, …, Node's `atimeMs`).
/// `birthtime` is the creation time where the file system records it (Linux: `statx`), else
/// the Unix epoch (Node shows the same).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// ID of the device holding the file.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// File type and permission bits (`st_mode`).
    pub mode: u32,
    /// Number of hard links.
    pub nlink: u64,
    /// Owner's user ID.
    pub uid: u32,
    /// Owner's group ID.
    pub gid: u32,
    /// Device ID, for device files.
    pub rdev: u64,
    /// Size in bytes.
    pub size: u64,
    /// Preferred block size for I/O.
    pub blksize: u64,
    /// Number of 512-byte blocks allocated.
    pub blocks: u64,
    /// Last access, in ms since the epoch (Node's `atimeMs`).
    pub atime_ms: f64,
    /// Last modification of the contents, in ms since the epoch (`mtimeMs`).
    pub mtime_ms: f64,
    /// Last status change, in ms since the epoch (`ctimeMs`).
    pub ctime_ms: f64,
    /// Creation, in ms since the epoch (`birthtimeMs`).
    pub birthtime_ms: f64,
    /// Last access.
    pub atime: SystemTime,
    /// Last modification of the contents.
    pub mtime: SystemTime,
    /// Last status change.
    pub ctime: SystemTime,
    /// Creation (the epoch where unknown).
    pub birthtime: SystemTime,
}

/// A `(seconds, nanoseconds)` time since the epoch, as `SystemTime` and as fractional ms.
fn time(sec: i64, nsec: i64) -> (SystemTime, f64) {
    let nsec = nsec.clamp(0, 999_999_999) as u32;
    let t = if sec >= 0 {
        UNIX_EPOCH + Duration::new(sec as u64, nsec)
    } else {
        UNIX_EPOCH - Duration::from_secs(sec.unsigned_abs()) + Duration::from_nanos(nsec as u64)
    };
    (t, sec as f64 * 1e3 + nsec as f64 / 1e6)
}

impl Stats {
    #[cfg(target_os = "linux")]
    pub(crate) fn from_statx(s: &rustix::fs::Statx) -> Stats {
        use rustix::fs::{makedev, StatxFlags};
        let ts = |t: &rustix::fs::StatxTimestamp| time(t.tv_sec, t.tv_nsec as i64);
        let (atime, atime_ms) = ts(&s.stx_atime);
        let (mtime, mtime_ms) = ts(&s.stx_mtime);
        let (ctime, ctime_ms) = ts(&s.stx_ctime);
        let (birthtime, birthtime_ms) = if s.stx_mask & StatxFlags::BTIME.bits() != 0 {
            ts(&s.stx_btime)
        } else {
            (UNIX_EPOCH, 0.0)
        };
        Stats {
            dev: makedev(s.stx_dev_major, s.stx_dev_minor),
            ino: s.stx_ino,
            mode: s.stx_mode as u32,
            nlink: s.stx_nlink as u64,
            uid: s.stx_uid,
            gid: s.stx_gid,
            rdev: makedev(s.stx_rdev_major, s.stx_rdev_minor),
            size: s.stx_size,
            blksize: s.stx_blksize as u64,
            blocks: s.stx_blocks,
            atime_ms,
            mtime_ms,
            ctime_ms,
            birthtime_ms,
            atime,
            mtime,
            ctime,
            birthtime,
        }
    }

    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    pub(crate) fn from_stat(s: &rustix::fs::Stat) -> Stats {
        let (atime, atime_ms) = time(s.st_atime as i64, s.st_atime_nsec as i64);
        let (mtime, mtime_ms) = time(s.st_mtime as i64, s.st_mtime_nsec as i64);
        let (ctime, ctime_ms) = time(s.st_ctime as i64, s.st_ctime_nsec as i64);
        Stats {
            dev: s.st_dev as u64,
            ino: s.st_ino as u64,
            mode: s.st_mode as u32,
            nlink: s.st_nlink as u64,
            uid: s.st_uid as u32,
            gid: s.st_gid as u32,
            rdev: s.st_rdev as u64,
            size: s.st_size as u64,
            blksize: s.st_blksize as u64,
            blocks: s.st_blocks as u64,
            atime_ms,
            mtime_ms,
            ctime_ms,
            birthtime_ms: 0.0,
            atime,
            mtime,
            ctime,
            birthtime: UNIX_EPOCH,
        }
    }

    /// The file's type, from [`mode`](Stats::mode).
    pub fn file_type(&self) -> FileType {
        FileType::from_mode(self.mode)
    }

    /// A regular file (Node's `isFile()`).
    pub fn is_file(&self) -> bool {
        self.file_type() == FileType::File
    }

    /// A directory (`isDirectory()`).
    pub fn is_directory(&self) -> bool {
        self.file_type() == FileType::Directory
    }

    /// A symbolic link (`isSymbolicLink()`; only [`lstat`](crate::lstat) reports links).
    pub fn is_symbolic_link(&self) -> bool {
        self.file_type() == FileType::Symlink
    }

    /// A block device (`isBlockDevice()`).
    pub fn is_block_device(&self) -> bool {
        self.file_type() == FileType::BlockDevice
    }

    /// A character device (`isCharacterDevice()`).
    pub fn is_character_device(&self) -> bool {
        self.file_type() == FileType::CharacterDevice
    }

    /// A FIFO (`isFIFO()`).
    pub fn is_fifo(&self) -> bool {
        self.file_type() == FileType::Fifo
    }

    /// A socket (`isSocket()`).
    pub fn is_socket(&self) -> bool {
        self.file_type() == FileType::Socket
    }

    /// The permission bits of [`mode`](Stats::mode) (`mode & 0o7777`).
    pub fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// A directory entry, as Node's `fs.Dirent`: a name and a type. From [`readdir`](crate::readdir)
/// and [`Dir::read`](crate::Dir::read).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dirent {
    /// The entry's file name (not a path).
    pub name: OsString,
    /// The entry's type. It describes the entry itself: a symbolic link is
    /// [`FileType::Symlink`], whatever it points to.
    pub file_type: FileType,
}

impl Dirent {
    /// A regular file.
    pub fn is_file(&self) -> bool {
        self.file_type == FileType::File
    }

    /// A directory.
    pub fn is_directory(&self) -> bool {
        self.file_type == FileType::Directory
    }

    /// A symbolic link.
    pub fn is_symbolic_link(&self) -> bool {
        self.file_type == FileType::Symlink
    }

    /// A block device.
    pub fn is_block_device(&self) -> bool {
        self.file_type == FileType::BlockDevice
    }

    /// A character device.
    pub fn is_character_device(&self) -> bool {
        self.file_type == FileType::CharacterDevice
    }

    /// A FIFO.
    pub fn is_fifo(&self) -> bool {
        self.file_type == FileType::Fifo
    }

    /// A socket.
    pub fn is_socket(&self) -> bool {
        self.file_type == FileType::Socket
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_ms_and_system_time() {
        let (t, ms) = time(1_700_000_000, 125_368_700);
        assert!((ms - 1_700_000_000_125.368_7).abs() < 1e-3);
        assert_eq!(t, UNIX_EPOCH + Duration::new(1_700_000_000, 125_368_700));
        let (t, ms) = time(-2, 500_000_000);
        assert_eq!(ms, -1500.0);
        assert_eq!(t, UNIX_EPOCH - Duration::from_millis(1500));
    }
}
