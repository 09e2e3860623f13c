//! [`opendir`] and [`Dir`]: a directory read one entry at a time (Node's `fs.Dir`).

use crate::error::{code, CPath};
use crate::ops::submit;
use crate::stats::{Dirent, FileType};
use crate::sys::io_errno;
use ruv_core::{Code, Error, Loop, WorkReq};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How many entries one pool job reads ahead (Node's `bufferSize` default).
const DIR_BATCH: usize = 32;

struct Inner {
    entries: Option<std::fs::ReadDir>,
    buffered: VecDeque<Dirent>,
}

/// An open directory from [`opendir`], read one entry at a time with [`Dir::read`] and
/// closed with [`Dir::close`] (Node's `fs.Dir`).
///
/// Each `read` is a pool job; a job that finds nothing buffered reads up to 32 entries ahead.
/// Entries come in the order the file system returns them (unsorted, unlike
/// [`readdir`](crate::readdir)), without `.` and `..`.
///
/// A `Dir` is a cheap handle (`Clone` shares the same open directory), so a callback can own
/// one and read on. Reading or closing a closed `Dir` fails with `EBADF` worded as Node's
/// `ERR_DIR_CLOSED` ("Directory handle was closed"). A `Dir` never closed is closed when its
/// last clone (or last job in flight) is dropped.
#[derive(Clone)]
pub struct Dir {
    path: PathBuf,
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Dir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dir").field("path", &self.path).finish()
    }
}

/// Opens a directory for reading entry by entry (Node's `fs.opendir`).
///
/// Errors: `ENOENT: no such file or directory, opendir 'nope'`,
/// `ENOTDIR: not a directory, opendir 'f'`.
pub fn opendir<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Dir, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "opendir",
        move || {
            let entries =
                std::fs::read_dir(p.as_path()).map_err(|e| p.err(io_errno(&e), "opendir"))?;
            Ok(Dir {
                path: p.as_path().to_path_buf(),
                inner: Arc::new(Mutex::new(Inner {
                    entries: Some(entries),
                    buffered: VecDeque::new(),
                })),
            })
        },
        cb,
    )
}

fn closed() -> Error {
    // Node: ERR_DIR_CLOSED "Directory handle was closed"
    Error::op(Code::EBADF, "readdir").with_detail("Directory handle was closed")
}

impl Dir {
    /// The path the directory was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the next entry: `Ok(Some(entry))`, or `Ok(None)` once all were read (Node's
    /// `dir.read`). Several reads may be in flight; they are served in the order their jobs
    /// run.
    ///
    /// Errors: the OS error of `readdir(3)` (`syscall` is `readdir`), or
    /// `EBADF: Directory handle was closed, readdir` once the `Dir` was closed (also when a
    /// [`close`](Dir::close) queued later ran first).
    pub fn read<S: 'static>(
        &self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Option<Dirent>, Error>) + 'static,
    ) -> Result<WorkReq, Error> {
        let inner = self.inner.clone();
        let path = self.path.clone();
        submit(
            lp,
            "readdir",
            move || {
                let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(d) = g.buffered.pop_front() {
                    return Ok(Some(d));
                }
                let Inner { entries, buffered } = &mut *g;
                let Some(rd) = entries.as_mut() else {
                    return Err(closed());
                };
                for entry in rd.by_ref().take(DIR_BATCH) {
                    let entry = entry
                        .map_err(|e| Error::op(code(io_errno(&e)), "readdir").with_path(&path))?;
                    let file_type = entry
                        .file_type()
                        .map(FileType::from_std)
                        .unwrap_or(FileType::Unknown);
                    buffered.push_back(Dirent {
                        name: entry.file_name(),
                        file_type,
                    });
                }
                Ok(buffered.pop_front())
            },
            cb,
        )
    }

    /// Closes the directory (Node's `dir.close`); entries still buffered are dropped.
    ///
    /// Errors: `EBADF: Directory handle was closed, closedir` if it was closed already.
    pub fn close<S: 'static>(
        &self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
    ) -> Result<WorkReq, Error> {
        let inner = self.inner.clone();
        submit(
            lp,
            "closedir",
            move || {
                let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
                g.buffered.clear();
                match g.entries.take() {
                    Some(rd) => {
                        drop(rd);
                        Ok(())
                    }
                    None => Err(closed().with_syscall("closedir")),
                }
            },
            cb,
        )
    }
}
