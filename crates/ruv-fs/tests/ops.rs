//! Every fs call: the success path and its errors, with Node's codes and messages.

mod common;

use common::{is_root, pattern, run1, TempDir};
use ruv_core::Code;
use ruv_fs::{self as fs, Fd, FileType, MkdirOptions, RmOptions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A descriptor number no test process has open.
const BAD_FD: Fd = Fd::from_raw(1 << 20);

fn msg(e: &ruv_core::Error) -> String {
    e.to_string()
}

fn d(p: &Path) -> String {
    p.display().to_string()
}

fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn skip_root(test: &str) -> bool {
    if is_root() {
        eprintln!("{test}: skipped: running as root (euid 0), permissions are not enforced");
        return true;
    }
    false
}

fn open_sync(p: &Path, flags: &str) -> Fd {
    run1(|lp| fs::open(lp, p, flags, 0o666, |_, out, r| *out = Some(r))).unwrap()
}

fn close_sync(fd: Fd) {
    run1(|lp| fs::close(lp, fd, |_, out, r| *out = Some(r))).unwrap()
}

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
fn readdir_with_types_sorted() {
    let t = TempDir::new("readdir");
    std::fs::write(t.join("b-file"), "x").unwrap();
    std::fs::create_dir(t.join("a-dir")).unwrap();
    std::os::unix::fs::symlink("b-file", t.join("c-link")).unwrap();
    std::fs::write(t.join("B-upper"), "x").unwrap();
    let entries = run1(|lp| fs::readdir(lp, t.path(), |_, out, r| *out = Some(r))).unwrap();
    let got: Vec<(String, FileType)> = entries
        .iter()
        .map(|e| (e.name.to_string_lossy().into_owned(), e.file_type))
        .collect();
    assert_eq!(
        got,
        [
            ("B-upper".to_string(), FileType::File),
            ("a-dir".to_string(), FileType::Directory),
            ("b-file".to_string(), FileType::File),
            ("c-link".to_string(), FileType::Symlink),
        ]
    );
    assert!(entries[1].is_directory() && entries[2].is_file() && entries[3].is_symbolic_link());
    let empty = t.join("a-dir");
    assert!(
        run1(|lp| fs::readdir(lp, &empty, |_, out, r| *out = Some(r)))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn readdir_errors() {
    let t = TempDir::new("readdir-err");
    let missing = t.join("nope");
    let e = run1(|lp| fs::readdir(lp, &missing, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, scandir '{}'",
            d(&missing)
        )
    );
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let e = run1(|lp| fs::readdir(lp, &f, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOTDIR);
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, scandir '{}'", d(&f))
    );
}

#[test]
fn readdir_permission_denied() {
    if skip_root("readdir_permission_denied") {
        return;
    }
    let t = TempDir::new("readdir-perm");
    let locked = t.join("locked");
    std::fs::create_dir(&locked).unwrap();
    set_mode(&locked, 0o000);
    let e = run1(|lp| fs::readdir(lp, &locked, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, scandir '{}'", d(&locked))
    );
}

#[test]
fn mkdir_plain_and_recursive() {
    let t = TempDir::new("mkdir");
    let a = t.join("a");
    let r = run1(|lp| fs::mkdir(lp, &a, MkdirOptions::default(), |_, out, r| *out = Some(r)));
    assert_eq!(r.unwrap(), None);
    assert!(a.is_dir());
    // recursive: the first directory created
    let deep = t.join("x/y/z");
    let r = run1(|lp| {
        fs::mkdir(lp, &deep, MkdirOptions::recursive(), |_, out, r| {
            *out = Some(r)
        })
    });
    assert_eq!(r.unwrap(), Some(t.join("x")));
    assert!(deep.is_dir());
    let deeper = t.join("x/y/z/w/v");
    let r = run1(|lp| {
        fs::mkdir(lp, &deeper, MkdirOptions::recursive(), |_, out, r| {
            *out = Some(r)
        })
    });
    assert_eq!(r.unwrap(), Some(t.join("x/y/z/w")));
    // recursive on an existing directory: nothing created, no error
    let r = run1(|lp| {
        fs::mkdir(lp, &deep, MkdirOptions::recursive(), |_, out, r| {
            *out = Some(r)
        })
    });
    assert_eq!(r.unwrap(), None);
    // mode applies (before the umask, which only clears bits)
    let m = t.join("m");
    let opts = MkdirOptions {
        recursive: false,
        mode: 0o700,
    };
    run1(|lp| fs::mkdir(lp, &m, opts, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::metadata(&m).unwrap().mode() & 0o777, 0o700);
}

#[test]
fn mkdir_errors() {
    let t = TempDir::new("mkdir-err");
    let e = run1(|lp| {
        fs::mkdir(lp, t.path(), MkdirOptions::default(), |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(e.code(), Code::EEXIST);
    assert_eq!(
        msg(&e),
        format!("EEXIST: file already exists, mkdir '{}'", d(t.path()))
    );
    let deep = t.join("p/q");
    let e = run1(|lp| {
        fs::mkdir(lp, &deep, MkdirOptions::default(), |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, mkdir '{}'", d(&deep))
    );
    // recursive through a file: ENOTDIR with the full path (as Node)
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let through = f.join("x/y");
    let e = run1(|lp| {
        fs::mkdir(lp, &through, MkdirOptions::recursive(), |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, mkdir '{}'", d(&through))
    );
    // recursive on an existing file: EEXIST
    let e = run1(|lp| {
        fs::mkdir(lp, &f, MkdirOptions::recursive(), |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EEXIST: file already exists, mkdir '{}'", d(&f))
    );
}

#[test]
fn mkdir_permission_denied() {
    if skip_root("mkdir_permission_denied") {
        return;
    }
    let t = TempDir::new("mkdir-perm");
    let ro = t.join("ro");
    std::fs::create_dir(&ro).unwrap();
    set_mode(&ro, 0o555);
    let sub = ro.join("sub");
    let e = run1(|lp| {
        fs::mkdir(lp, &sub, MkdirOptions::default(), |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, mkdir '{}'", d(&sub))
    );
    let deep = ro.join("a/b");
    let e = run1(|lp| {
        fs::mkdir(lp, &deep, MkdirOptions::recursive(), |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EACCES: permission denied, mkdir '{}'", d(&deep))
    );
}

#[test]
fn rmdir_cases() {
    let t = TempDir::new("rmdir");
    let a = t.join("a");
    std::fs::create_dir(&a).unwrap();
    run1(|lp| fs::rmdir(lp, &a, |_, out, r| *out = Some(r))).unwrap();
    assert!(!a.exists());
    let e = run1(|lp| fs::rmdir(lp, &a, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, rmdir '{}'", d(&a))
    );
    let full = t.join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("x"), "x").unwrap();
    let e = run1(|lp| fs::rmdir(lp, &full, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOTEMPTY);
    assert_eq!(
        msg(&e),
        format!("ENOTEMPTY: directory not empty, rmdir '{}'", d(&full))
    );
    let f = full.join("x");
    let e = run1(|lp| fs::rmdir(lp, &f, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, rmdir '{}'", d(&f))
    );
}

#[test]
fn rm_cases() {
    let t = TempDir::new("rm");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    run1(|lp| fs::rm(lp, &f, RmOptions::default(), |_, out, r| *out = Some(r))).unwrap();
    assert!(!f.exists());
    let e =
        run1(|lp| fs::rm(lp, &f, RmOptions::default(), |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, lstat '{}'", d(&f))
    );
    let force = RmOptions {
        recursive: false,
        force: true,
    };
    run1(|lp| fs::rm(lp, &f, force, |_, out, r| *out = Some(r))).unwrap();

    let tree = t.join("tree");
    std::fs::create_dir_all(tree.join("a/b/c")).unwrap();
    std::fs::write(tree.join("a/b/c/f"), "x").unwrap();
    std::fs::write(tree.join("a/g"), "x").unwrap();
    let e =
        run1(|lp| fs::rm(lp, &tree, RmOptions::default(), |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), ruv_fs::codes::ERR_FS_EISDIR);
    assert_eq!(
        msg(&e),
        format!(
            "ERR_FS_EISDIR: Path is a directory: rm returned EISDIR (is a directory) {}",
            d(&tree)
        )
    );
    // a symlink to a directory is removed, not followed
    let keep = t.join("keep");
    std::fs::create_dir(&keep).unwrap();
    std::fs::write(keep.join("precious"), "x").unwrap();
    std::os::unix::fs::symlink(&keep, tree.join("a/link")).unwrap();
    let rec = RmOptions {
        recursive: true,
        force: false,
    };
    run1(|lp| fs::rm(lp, &tree, rec, |_, out, r| *out = Some(r))).unwrap();
    assert!(!tree.exists());
    assert!(keep.join("precious").exists());
    let link = t.join("link");
    std::os::unix::fs::symlink(&keep, &link).unwrap();
    run1(|lp| fs::rm(lp, &link, RmOptions::default(), |_, out, r| *out = Some(r))).unwrap();
    assert!(!link.exists() && keep.join("precious").exists());
}

#[test]
fn unlink_cases() {
    let t = TempDir::new("unlink");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    run1(|lp| fs::unlink(lp, &f, |_, out, r| *out = Some(r))).unwrap();
    assert!(!f.exists());
    let e = run1(|lp| fs::unlink(lp, &f, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, unlink '{}'", d(&f))
    );
    #[cfg(target_os = "linux")]
    {
        let e = run1(|lp| fs::unlink(lp, t.path(), |_, out, r| *out = Some(r))).unwrap_err();
        assert_eq!(
            msg(&e),
            format!(
                "EISDIR: illegal operation on a directory, unlink '{}'",
                d(t.path())
            )
        );
    }
}

#[test]
fn rename_cases() {
    let t = TempDir::new("rename");
    let (a, b) = (t.join("a"), t.join("b"));
    std::fs::write(&a, "A").unwrap();
    std::fs::write(&b, "B").unwrap();
    run1(|lp| fs::rename(lp, &a, &b, |_, out, r| *out = Some(r))).unwrap();
    assert!(!a.exists());
    assert_eq!(std::fs::read(&b).unwrap(), b"A");
    let e = run1(|lp| fs::rename(lp, &a, &b, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOENT);
    assert_eq!(e.syscall(), Some("rename"));
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, rename '{}' -> '{}'",
            d(&a),
            d(&b)
        )
    );
    let (d1, d2) = (t.join("d1"), t.join("d2"));
    std::fs::create_dir(&d1).unwrap();
    std::fs::create_dir(&d2).unwrap();
    std::fs::write(d2.join("x"), "x").unwrap();
    let e = run1(|lp| fs::rename(lp, &d1, &d2, |_, out, r| *out = Some(r))).unwrap_err();
    assert!(matches!(e.code(), Code::ENOTEMPTY | Code::EEXIST));
    let e = run1(|lp| fs::rename(lp, &b, &d2, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "EISDIR: illegal operation on a directory, rename '{}' -> '{}'",
            d(&b),
            d(&d2)
        )
    );
}

#[test]
fn copy_file_cases() {
    let t = TempDir::new("copy");
    let (src, dst) = (t.join("src"), t.join("dst"));
    let data = pattern(300_000);
    std::fs::write(&src, &data).unwrap();
    set_mode(&src, 0o640);
    run1(|lp| fs::copy_file(lp, &src, &dst, 0, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    assert_eq!(std::fs::metadata(&dst).unwrap().mode() & 0o777, 0o640);
    // overwriting a longer file truncates it
    std::fs::write(&dst, pattern(400_000)).unwrap();
    std::fs::write(&src, "short").unwrap();
    run1(|lp| fs::copy_file(lp, &src, &dst, 0, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&dst).unwrap(), b"short");
    // onto itself: unchanged
    run1(|lp| fs::copy_file(lp, &src, &src, 0, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::read(&src).unwrap(), b"short");
    // FICLONE falls back to a copy where cloning is not supported
    let clone = t.join("clone");
    run1(|lp| {
        fs::copy_file(lp, &src, &clone, fs::COPYFILE_FICLONE, |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap();
    assert_eq!(std::fs::read(&clone).unwrap(), b"short");
}

#[test]
fn copy_file_errors() {
    let t = TempDir::new("copy-err");
    let (src, dst) = (t.join("src"), t.join("dst"));
    std::fs::write(&src, "s").unwrap();
    std::fs::write(&dst, "d").unwrap();
    let e = run1(|lp| {
        fs::copy_file(lp, &src, &dst, fs::COPYFILE_EXCL, |_, out, r| {
            *out = Some(r)
        })
    })
    .unwrap_err();
    assert_eq!(e.code(), Code::EEXIST);
    assert_eq!(
        msg(&e),
        format!(
            "EEXIST: file already exists, copyfile '{}' -> '{}'",
            d(&src),
            d(&dst)
        )
    );
    assert_eq!(std::fs::read(&dst).unwrap(), b"d");
    let missing = t.join("nope");
    let e =
        run1(|lp| fs::copy_file(lp, &missing, &dst, 0, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, copyfile '{}' -> '{}'",
            d(&missing),
            d(&dst)
        )
    );
    let e =
        run1(|lp| fs::copy_file(lp, t.path(), &dst, 0, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "EISDIR: illegal operation on a directory, copyfile '{}' -> '{}'",
            d(t.path()),
            d(&dst)
        )
    );
    let mut lp: ruv_core::Loop<()> = ruv_core::Loop::new().unwrap();
    let e = fs::copy_file(&mut lp, &src, "b\0", 0, |_, _, _| unreachable!()).unwrap_err();
    assert!(msg(&e).starts_with("ERR_INVALID_ARG_VALUE: The argument 'dest' must be"));
}

#[test]
fn symlink_readlink_realpath() {
    let t = TempDir::new("links");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let link = t.join("link");
    run1(|lp| fs::symlink(lp, "f", &link, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(
        run1(|lp| fs::readlink(lp, &link, |_, out, r| *out = Some(r))).unwrap(),
        PathBuf::from("f")
    );
    let real = std::fs::canonicalize(&f).unwrap();
    assert_eq!(
        run1(|lp| fs::realpath(lp, &link, |_, out, r| *out = Some(r))).unwrap(),
        real
    );
    let dotted = t.join("sub/../link");
    std::fs::create_dir(t.join("sub")).unwrap();
    assert_eq!(
        run1(|lp| fs::realpath(lp, &dotted, |_, out, r| *out = Some(r))).unwrap(),
        real
    );

    let e = run1(|lp| fs::symlink(lp, "f", &link, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EEXIST: file already exists, symlink 'f' -> '{}'", d(&link))
    );
    let e = run1(|lp| fs::readlink(lp, &f, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("EINVAL: invalid argument, readlink '{}'", d(&f))
    );
    let missing = t.join("nope");
    let e = run1(|lp| fs::readlink(lp, &missing, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, readlink '{}'",
            d(&missing)
        )
    );
    let e = run1(|lp| fs::realpath(lp, &missing, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, realpath '{}'",
            d(&missing)
        )
    );
}

#[test]
fn hard_link() {
    let t = TempDir::new("link");
    let (a, b) = (t.join("a"), t.join("b"));
    std::fs::write(&a, "x").unwrap();
    run1(|lp| fs::link(lp, &a, &b, |_, out, r| *out = Some(r))).unwrap();
    assert_eq!(std::fs::metadata(&a).unwrap().nlink(), 2);
    let e = run1(|lp| fs::link(lp, &a, &b, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "EEXIST: file already exists, link '{}' -> '{}'",
            d(&a),
            d(&b)
        )
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
fn mkdtemp_cases() {
    let t = TempDir::new("mkdtemp");
    let prefix = t.join("x-");
    let a = run1(|lp| fs::mkdtemp(lp, &prefix, |_, out, r| *out = Some(r))).unwrap();
    let b = run1(|lp| fs::mkdtemp(lp, &prefix, |_, out, r| *out = Some(r))).unwrap();
    assert_ne!(a, b);
    for p in [&a, &b] {
        assert!(p.is_dir());
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("x-") && name.len() == 8, "{name}");
        assert_eq!(std::fs::metadata(p).unwrap().mode() & 0o777, 0o700);
    }
    let bad = t.join("nope/x-");
    let e = run1(|lp| fs::mkdtemp(lp, &bad, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), Code::ENOENT);
    assert_eq!(e.syscall(), Some("mkdtemp"));
    let shown = e.path().unwrap().to_str().unwrap().to_string();
    assert!(
        shown.starts_with(&d(&bad)) && shown.len() == d(&bad).len() + 6,
        "{shown}"
    );
    assert_eq!(
        msg(&e),
        format!("ENOENT: no such file or directory, mkdtemp '{shown}'")
    );
}

#[test]
fn opendir_read_close() {
    let t = TempDir::new("opendir");
    let mut want = Vec::new();
    for i in 0..70 {
        // more than one 32-entry batch
        let name = format!("e{i:02}");
        if i % 7 == 0 {
            std::fs::create_dir(t.join(&name)).unwrap();
        } else {
            std::fs::write(t.join(&name), "x").unwrap();
        }
        want.push((
            name,
            if i % 7 == 0 {
                FileType::Directory
            } else {
                FileType::File
            },
        ));
    }
    type St = (Vec<(String, FileType)>, bool);
    fn next(lp: &mut ruv_core::Loop<St>, dir: fs::Dir) {
        let d = dir.clone();
        d.read(lp, move |lp, st: &mut St, r| match r.unwrap() {
            Some(e) => {
                st.0.push((e.name.to_string_lossy().into_owned(), e.file_type));
                next(lp, dir);
            }
            None => {
                let d = dir.clone();
                d.close(lp, move |lp, st, r| {
                    r.unwrap();
                    st.1 = true;
                    // Node's ERR_DIR_CLOSED, as EBADF
                    dir.read(lp, |_, _, r| {
                        let e = r.unwrap_err();
                        assert_eq!(e.to_string(), "EBADF: Directory handle was closed, readdir");
                    })
                    .unwrap();
                    dir.close(lp, |_, _, r| {
                        let e = r.unwrap_err();
                        assert_eq!(
                            e.to_string(),
                            "EBADF: Directory handle was closed, closedir"
                        );
                    })
                    .unwrap();
                })
                .unwrap();
            }
        })
        .unwrap();
    }
    let mut lp: ruv_core::Loop<St> = ruv_core::Loop::new().unwrap();
    let path = t.path().to_path_buf();
    fs::opendir(&mut lp, path.clone(), move |lp, _, r| {
        let dir = r.unwrap();
        assert_eq!(dir.path(), path);
        next(lp, dir);
    })
    .unwrap();
    let mut st = (Vec::new(), false);
    lp.run(ruv_core::RunMode::Default, &mut st).unwrap();
    assert!(st.1, "closed");
    st.0.sort();
    assert_eq!(st.0, want);
}

#[test]
fn opendir_errors() {
    let t = TempDir::new("opendir-err");
    let missing = t.join("nope");
    let e =
        run1(|lp| fs::opendir(lp, &missing, |_, out, r| *out = Some(r.map(|_| ())))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!(
            "ENOENT: no such file or directory, opendir '{}'",
            d(&missing)
        )
    );
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let e = run1(|lp| fs::opendir(lp, &f, |_, out, r| *out = Some(r.map(|_| ())))).unwrap_err();
    assert_eq!(
        msg(&e),
        format!("ENOTDIR: not a directory, opendir '{}'", d(&f))
    );
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
