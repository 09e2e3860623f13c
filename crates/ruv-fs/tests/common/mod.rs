//! Shared test helpers: a fresh temporary directory per test, and running one call to its end.
#![allow(dead_code)]

use ruv_core::{Error, Loop, RunMode, WorkReq};
use ruv_fs::{self as fs, Fd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A directory under the system temp dir with a unique name, removed (recursively) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "ruv-fs-{tag}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // make everything removable again (permission tests chmod things)
        fn unlock(p: &Path) {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(md) = std::fs::symlink_metadata(p) {
                if md.is_dir() {
                    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
                    if let Ok(rd) = std::fs::read_dir(p) {
                        for e in rd.flatten() {
                            unlock(&e.path());
                        }
                    }
                }
            }
        }
        unlock(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs one fs call on a fresh loop and returns what its callback stored.
/// `start` gets the loop and must queue the call with a callback that stores its result
/// in the state (`|_, out, r| *out = Some(r)`).
pub fn run1<T: 'static>(start: impl FnOnce(&mut Loop<Option<T>>) -> Result<WorkReq, Error>) -> T {
    let mut lp: Loop<Option<T>> = Loop::new().unwrap();
    start(&mut lp).expect("queued");
    let mut out = None;
    lp.run(RunMode::Default, &mut out).unwrap();
    out.expect("the callback ran")
}

/// Whether the tests run as root (permission checks do not apply then).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Deterministic test data: `len` bytes of a simple pattern that does not repeat every chunk.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// A descriptor number no test process has open.
pub const BAD_FD: Fd = Fd::from_raw(1 << 20);

/// An error as Node prints it (`err.message`).
pub fn msg(e: &Error) -> String {
    e.to_string()
}

/// A path as it appears in a message.
pub fn d(p: &Path) -> String {
    p.display().to_string()
}

/// `chmod` for a test's setup.
pub fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether to skip a permission test (root bypasses permission checks); says so on stderr.
pub fn skip_root(test: &str) -> bool {
    if is_root() {
        eprintln!("{test}: skipped: running as root (euid 0), permissions are not enforced");
        return true;
    }
    false
}

/// `fs::open`, run to its end.
pub fn open_sync(p: &Path, flags: &str) -> Fd {
    run1(|lp| fs::open(lp, p, flags, 0o666, |_, out, r| *out = Some(r))).unwrap()
}

/// `fs::close`, run to its end.
pub fn close_sync(fd: Fd) {
    run1(|lp| fs::close(lp, fd, |_, out, r| *out = Some(r))).unwrap()
}
