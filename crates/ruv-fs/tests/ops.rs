//! Calls on files: open, close, read, write, whole files, status and metadata — the success
//! path and its errors, with Node's codes and messages. (Calls on the tree: `paths.rs`.)

mod common;

use common::{close_sync, d, msg, open_sync, pattern, run1, set_mode, skip_root, TempDir, BAD_FD};
use ruv_core::Code;
use ruv_fs::{self as fs, FileType};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[test]
fn open_and_close() {
    let t = TempDir::new("open");
    let f = t.join("f");
    let fd = open_sync(&f, "w");
    assert!(fd.raw() > 2);
    close_sync(fd);
    assert!(f.exists());
    // "a" creates, "r" opens an existing file, raw bits work too
    close_sync(open_sync(&t.join("g"), "a"));
    close_sync(open_sync(&f, "r"));
    let fd = run1(|lp| fs::open(lp, &f, libc::O_RDONLY, 0, |_, out, r| *out = Some(r))).unwrap();
    close_sync(fd);
}

#[test]
fn open_errors() {
    let t = TempDir::new("open-err");
    let missing = t.join("nope");
    let e = run1(|lp| fs::open(lp, &missing, "r", 0o666, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOENT);
    assert_eq!(e.syscall(), Some("open"));
    assert_eq!(e.path(), Some(missing.as_path()));
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, open '{}'", d(&missing))
    );

    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let e = run1(|lp| fs::open(lp, &f, "wx", 0o666, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::EEXIST);
    assert_eq!(
        msg(&e),
        format!("EEXIST: file already exists, open '{}'", d(&f))
    );

    let e = run1(|lp| fs::open(lp, t.path(), "w", 0o666, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::EISDIR);
    assert_eq!(
        msg(&e),
        format!(
            "EISDIR: illegal operation on a directory, open '{}'",
            d(t.path())
        )
    );

    let under_file = f.join("x");
    let e =
        run1(|lp| fs::open(lp, &under_file, "r", 0o666, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOTDIR);
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, open '{}'", d(&under_file))
    );

    // Node throws these synchronously; ruv returns them before queueing anything.
    let mut lp: ruv_core::Loop<()> = ruv_core::Loop::new().unwrap();
    let e = fs::open(&mut lp, &f, "bogus", 0o666, |_, _, _| unreachable!()).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
    assert_eq!(
        msg(&e),
        "ERR_INVALID_ARG_VALUE: The argument 'flags' is invalid. Received 'bogus'"
    );
    let e = fs::open(&mut lp, "a\0b", "r", 0o666, |_, _, _| unreachable!()).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
    assert_eq!(
        msg(&e),
        "ERR_INVALID_ARG_VALUE: The argument 'path' must be a string, Uint8Array, or URL without \
         null bytes. Received 'a\\x00b'"
    );
    assert_eq!(lp.active_requests(), 0);
}

#[test]
fn open_permission_denied() {
    if skip_root("open_permission_denied") {
        return;
    }
    let t = TempDir::new("open-perm");
    let f = t.join("secret");
    std::fs::write(&f, "x").unwrap();
    set_mode(&f, 0o000);
    let e = run1(|lp| fs::open(lp, &f, "r", 0o666, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::EACCES);
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, open '{}'", d(&f))
    );
}

#[test]
fn close_bad_fd() {
    let e = run1(|lp| fs::close(lp, BAD_FD, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::EBADF);
    assert_eq!(msg(&e), "EBADF: bad file descriptor, close");
}

#[test]
fn read_and_write_positional_and_current() {
    let t = TempDir::new("rw");
    let f = t.join("f");
    let fd = open_sync(&f, "w+");
    // current position: advances
    let (n, _) = run1(|lp| fs::write(lp, fd, "hello", None, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(n, 5);
    // positional: does not move the position
    let (n, _) = run1(|lp| fs::write(lp, fd, "XY", Some(1), |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(n, 2);
    let (n, _) = run1(|lp| fs::write(lp, fd, "!", None, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(n, 1);
    assert_eq!(std::fs::read(&f).unwrap(), b"hXYlo!");
    let (n, buf) =
        run1(|lp| fs::read(lp, fd, vec![0; 10], Some(0), |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(&buf[..n], b"hXYlo!");
    let (n, buf) =
        run1(|lp| fs::read(lp, fd, vec![0; 3], Some(2), |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(&buf[..n], b"Ylo");
    // the current position is at the end (6): nothing more to read there
    let (n, _) = run1(|lp| fs::read(lp, fd, vec![0; 4], None, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(n, 0);
    close_sync(fd);

    // a fresh descriptor reads from the start at the current position
    let fd = open_sync(&f, "r");
    let (n, buf) =
        run1(|lp| fs::read(lp, fd, vec![0; 4], None, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(&buf[..n], b"hXYl");
    let (n, buf) =
        run1(|lp| fs::read(lp, fd, vec![0; 4], None, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(&buf[..n], b"o!");
    close_sync(fd);
}

#[test]
fn read_write_errors() {
    let t = TempDir::new("rw-err");
    let e =
        run1(|lp| fs::read(lp, BAD_FD, vec![0; 4], None, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, read");
    let e = run1(|lp| fs::write(lp, BAD_FD, "x", None, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, write");
    // a directory's descriptor cannot be read
    let fd = open_sync(t.path(), "r");
    let e = run1(|lp| fs::read(lp, fd, vec![0; 4], None, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::EISDIR);
    assert_eq!(msg(&e), "EISDIR: illegal operation on a directory, read");
    close_sync(fd);
    // writing to a descriptor opened read-only
    let f = t.join("ro");
    std::fs::write(&f, "x").unwrap();
    let fd = open_sync(&f, "r");
    let e = run1(|lp| fs::write(lp, fd, "y", None, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, write");
    close_sync(fd);
}

#[test]
fn read_file_small_large_and_empty() {
    let t = TempDir::new("readfile");
    let small = t.join("small");
    std::fs::write(&small, "hello").unwrap();
    assert_eq!(
        run1(|lp| fs::read_file(lp, &small, |_, out, r| *out = Some(r))).unwrap(),
        b"hello"
    );
    // larger than one job's chunk: several pool jobs, content intact
    let big = t.join("big");
    let data = pattern(fs::FILE_CHUNK * 2 + 17);
    std::fs::write(&big, &data).unwrap();
    assert_eq!(
        run1(|lp| fs::read_file(lp, &big, |_, out, r| *out = Some(r))).unwrap(),
        data
    );
    let empty = t.join("empty");
    std::fs::write(&empty, "").unwrap();
    assert!(
        run1(|lp| fs::read_file(lp, &empty, |_, out, r| *out = Some(r)))
            .unwrap()
            .is_empty()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn read_file_of_unknown_size() {
    // /proc files report size 0: read until end of file
    let status =
        run1(|lp| fs::read_file(lp, "/proc/self/status", |_, out, r| *out = Some(r))).unwrap();
    assert!(String::from_utf8(status).unwrap().contains("Pid:"));
}

#[test]
fn read_file_errors() {
    let t = TempDir::new("readfile-err");
    let missing = t.join("nope");
    let e = run1(|lp| fs::read_file(lp, &missing, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, open '{}'", d(&missing))
    );
    let e = run1(|lp| fs::read_file(lp, t.path(), |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::EISDIR);
    assert_eq!(msg(&e), "EISDIR: illegal operation on a directory, read");
}

#[test]
fn write_file_and_append_file() {
    let t = TempDir::new("writefile");
    let f = t.join("f");
    run1(|lp| fs::write_file(lp, &f, "hello world", |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"hello world");
    // truncates
    run1(|lp| fs::write_file(lp, &f, "bye", |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"bye");
    run1(|lp| fs::append_file(lp, &f, "!!", |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"bye!!");
    // append creates
    let g = t.join("g");
    run1(|lp| fs::append_file(lp, &g, vec![1u8, 2, 3], |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&g).unwrap(), [1, 2, 3]);
    // several jobs' worth
    let data = pattern(fs::FILE_CHUNK * 3 + 5);
    run1(|lp| fs::write_file(lp, &f, data.clone(), |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), data);
    // empty data makes an empty file
    run1(|lp| fs::write_file(lp, &f, "", |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::metadata(&f).unwrap().len(), 0);
}

#[test]
fn write_file_errors() {
    let t = TempDir::new("writefile-err");
    let e = run1(|lp| fs::write_file(lp, t.path(), "x", |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "EISDIR: illegal operation on a directory, open '{}'",
            d(t.path())
        )
    );
    let deep = t.join("missing/dir/f");
    let e = run1(|lp| fs::append_file(lp, &deep, "x", |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, open '{}'", d(&deep))
    );
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let under = f.join("x");
    let e = run1(|lp| fs::write_file(lp, &under, "x", |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, open '{}'", d(&under))
    );
}

#[test]
fn write_file_permission_denied() {
    if skip_root("write_file_permission_denied") {
        return;
    }
    let t = TempDir::new("writefile-perm");
    let f = t.join("ro");
    std::fs::write(&f, "x").unwrap();
    set_mode(&f, 0o444);
    let e = run1(|lp| fs::write_file(lp, &f, "y", |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, open '{}'", d(&f))
    );
}

fn ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1e3
}

#[test]
fn stat_fields_match_the_os() {
    let t = TempDir::new("stat");
    let f = t.join("f");
    std::fs::write(&f, pattern(5000)).unwrap();
    let st = run1(|lp| fs::stat(lp, &f, |_, out, r| *out = Some(r))).unwrap();
    let md = std::fs::metadata(&f).unwrap();
    assert_eq!(st.dev, md.dev());
    assert_eq!(st.ino, md.ino());
    assert_eq!(st.mode, md.mode());
    assert_eq!(st.nlink, md.nlink());
    assert_eq!(st.uid, md.uid());
    assert_eq!(st.gid, md.gid());
    assert_eq!(st.rdev, md.rdev());
    assert_eq!(st.size, 5000);
    assert_eq!(st.blksize, md.blksize());
    assert_eq!(st.blocks, md.blocks());
    assert_eq!(st.mtime, md.modified().unwrap());
    assert_eq!(st.atime, md.accessed().unwrap());
    assert!((st.mtime_ms - ms(st.mtime)).abs() < 1e-3);
    assert!((st.atime_ms - ms(st.atime)).abs() < 1e-3);
    assert!((st.ctime_ms - (md.ctime() as f64 * 1e3 + md.ctime_nsec() as f64 / 1e6)).abs() < 1e-3);
    if let Ok(created) = md.created() {
        assert_eq!(st.birthtime, created);
        assert!((st.birthtime_ms - ms(created)).abs() < 1e-3);
    }
    assert!(st.is_file() && !st.is_directory() && !st.is_symbolic_link());
    assert!(!st.is_fifo() && !st.is_socket() && !st.is_block_device() && !st.is_character_device());
    assert_eq!(st.file_type(), FileType::File);
    assert_eq!(st.permissions(), md.mode() & 0o7777);

    let st = run1(|lp| fs::stat(lp, t.path(), |_, out, r| *out = Some(r))).unwrap();
    assert!(st.is_directory());
    let st = run1(|lp| fs::stat(lp, "/dev/null", |_, out, r| *out = Some(r))).unwrap();
    assert!(st.is_character_device());
    assert_eq!(st.rdev, std::fs::metadata("/dev/null").unwrap().rdev());
}

#[test]
fn lstat_and_fstat() {
    let t = TempDir::new("lstat");
    let f = t.join("f");
    std::fs::write(&f, "abc").unwrap();
    let link = t.join("link");
    std::os::unix::fs::symlink(&f, &link).unwrap();
    let st = run1(|lp| fs::lstat(lp, &link, |_, out, r| *out = Some(r))).unwrap();
    assert!(st.is_symbolic_link());
    assert_eq!(st.ino, std::fs::symlink_metadata(&link).unwrap().ino());
    // stat follows the link
    let st = run1(|lp| fs::stat(lp, &link, |_, out, r| *out = Some(r))).unwrap();
    assert!(st.is_file());
    assert_eq!(st.size, 3);
    let fd = open_sync(&f, "r");
    let st = run1(|lp| fs::fstat(lp, fd, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(st.ino, std::fs::metadata(&f).unwrap().ino());
    assert_eq!(st.size, 3);
    close_sync(fd);
}

#[test]
fn stat_errors() {
    let t = TempDir::new("stat-err");
    let missing = t.join("nope");
    let e = run1(|lp| fs::stat(lp, &missing, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, stat '{}'", d(&missing))
    );
    let e = run1(|lp| fs::lstat(lp, &missing, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, lstat '{}'", d(&missing))
    );
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let under = f.join("x");
    let e = run1(|lp| fs::stat(lp, &under, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, stat '{}'", d(&under))
    );
    let e = run1(|lp| fs::fstat(lp, BAD_FD, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, fstat");
    // a dangling link: lstat works, stat does not
    let dangling = t.join("dangling");
    std::os::unix::fs::symlink(&missing, &dangling).unwrap();
    assert!(run1(|lp| fs::lstat(lp, &dangling, |_, out, r| *out = Some(r))).is_ok());
    let e = run1(|lp| fs::stat(lp, &dangling, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOENT);
}

#[test]
fn access_modes() {
    let t = TempDir::new("access");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    run1(|lp| fs::access(lp, &f, fs::F_OK, |_, out, r| *out = Some(r))).unwrap();
    run1(|lp| fs::access(lp, &f, fs::R_OK | fs::W_OK, |_, out, r| *out = Some(r))).unwrap();
    let missing = t.join("nope");
    let e = run1(|lp| fs::access(lp, &missing, fs::F_OK, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, access '{}'",
            d(&missing)
        )
    );
    // not executable (root too: X_OK needs some x bit)
    set_mode(&f, 0o644);
    let e = run1(|lp| fs::access(lp, &f, fs::X_OK, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, access '{}'", d(&f))
    );
}

#[test]
fn access_permission_denied() {
    if skip_root("access_permission_denied") {
        return;
    }
    let t = TempDir::new("access-perm");
    let f = t.join("ro");
    std::fs::write(&f, "x").unwrap();
    set_mode(&f, 0o444);
    let e = run1(|lp| fs::access(lp, &f, fs::W_OK, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, access '{}'", d(&f))
    );
}

#[test]
fn chmod_and_fchmod() {
    let t = TempDir::new("chmod");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    run1(|lp| fs::chmod(lp, &f, 0o600, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o7777, 0o600);
    let fd = open_sync(&f, "r");
    run1(|lp| fs::fchmod(lp, fd, 0o751, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o7777, 0o751);
    close_sync(fd);
    let missing = t.join("nope");
    let e = run1(|lp| fs::chmod(lp, &missing, 0o600, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, chmod '{}'", d(&missing))
    );
    let e = run1(|lp| fs::fchmod(lp, BAD_FD, 0o600, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, fchmod");
}

#[test]
fn chmod_permission_denied() {
    if skip_root("chmod_permission_denied") {
        return;
    }
    // a file owned by root, e.g. /etc/passwd: only root may chmod it
    let e = run1(|lp| fs::chmod(lp, "/etc/passwd", 0o644, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        "EPERM: operation not permitted, chmod '/etc/passwd'"
    );
}

#[test]
fn utimes_and_futimes() {
    let t = TempDir::new("utimes");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let at = UNIX_EPOCH + Duration::new(1_000_000_000, 123_456_789);
    let mt = UNIX_EPOCH + Duration::new(1_500_000_000, 987_654_321);
    run1(|lp| fs::utimes(lp, &f, at, mt, |_, out, r| *out = Some(r))).unwrap();
    let st = run1(|lp| fs::stat(lp, &f, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!((st.atime, st.mtime), (at, mt));
    assert!((st.mtime_ms - 1_500_000_000_987.654_3).abs() < 1e-3);
    let fd = open_sync(&f, "r+");
    let old = UNIX_EPOCH - Duration::from_millis(1500);
    run1(|lp| fs::futimes(lp, fd, old, at, |_, out, r| *out = Some(r))).unwrap();
    let st = run1(|lp| fs::fstat(lp, fd, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!((st.atime, st.mtime), (old, at));
    assert_eq!(st.atime_ms, -1500.0);
    close_sync(fd);
    let missing = t.join("nope");
    let e = run1(|lp| fs::utimes(lp, &missing, at, mt, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, utime '{}'", d(&missing))
    );
    let e = run1(|lp| fs::futimes(lp, BAD_FD, at, mt, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, futime");
}

#[test]
fn truncate_and_ftruncate() {
    let t = TempDir::new("truncate");
    let f = t.join("f");
    std::fs::write(&f, "hello world").unwrap();
    run1(|lp| fs::truncate(lp, &f, 5, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"hello");
    run1(|lp| fs::truncate(lp, &f, 8, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"hello\0\0\0");
    let fd = open_sync(&f, "r+");
    run1(|lp| fs::ftruncate(lp, fd, 2, |_, out, r| *out = Some(r))).unwrap();
    close_sync(fd);
    assert_eq!(std::fs::read(&f).unwrap(), b"he");
    let missing = t.join("nope");
    let e = run1(|lp| fs::truncate(lp, &missing, 0, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, open '{}'", d(&missing))
    );
    let e = run1(|lp| fs::truncate(lp, t.path(), 0, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "EISDIR: illegal operation on a directory, open '{}'",
            d(t.path())
        )
    );
    let e = run1(|lp| fs::ftruncate(lp, BAD_FD, 0, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, ftruncate");
    // a read-only descriptor cannot be truncated
    let fd = open_sync(&f, "r");
    let e = run1(|lp| fs::ftruncate(lp, fd, 0, |_, out, r| *out = Some(r))).unwrap_err();
    assert!(matches!(e.code(), Code::EINVAL | Code::EBADF), "{e}");
    close_sync(fd);
}

#[test]
fn fsync_and_fdatasync() {
    let t = TempDir::new("fsync");
    let fd = open_sync(&t.join("f"), "w");
    run1(|lp| fs::write(lp, fd, "data", None, |_, out, r| *out = Some(r))).unwrap();
    run1(|lp| fs::fsync(lp, fd, |_, out, r| *out = Some(r))).unwrap();
    run1(|lp| fs::fdatasync(lp, fd, |_, out, r| *out = Some(r))).unwrap();
    close_sync(fd);
    let e = run1(|lp| fs::fsync(lp, BAD_FD, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, fsync");
    let e = run1(|lp| fs::fdatasync(lp, BAD_FD, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(msg(&e), "EBADF: bad file descriptor, fdatasync");
}

#[test]
fn many_calls_in_flight_on_one_loop() {
    // 200 stats at once on the shared pool: every callback runs once, with its own result.
    let t = TempDir::new("many");
    for i in 0..100 {
        std::fs::write(t.join(format!("f{i}")), vec![0u8; i]).unwrap();
    }
    let mut lp: ruv_core::Loop<Vec<(usize, Result<u64, Code>)>> = ruv_core::Loop::new().unwrap();
    for i in 0..200 {
        fs::stat(&mut lp, t.join(format!("f{i}")), move |_, out, r| {
            out.push((i, r.map(|st| st.size).map_err(|e| e.code())))
        })
        .unwrap();
    }
    let mut out = Vec::new();
    lp.run(ruv_core::RunMode::Default, &mut out).unwrap();
    out.sort_by_key(|x| x.0);
    assert_eq!(out.len(), 200);
    for (i, r) in out {
        if i < 100 {
            assert_eq!(r, Ok(i as u64));
        } else {
            assert_eq!(r, Err(Code::ENOENT));
        }
    }
}
