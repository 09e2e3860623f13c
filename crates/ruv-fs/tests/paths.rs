//! Calls on the file tree: readdir, mkdir, rmdir, rm, unlink, rename, copyFile, links,
//! mkdtemp, opendir — the success path and its errors, with Node's codes and messages.

mod common;

use common::{d, msg, pattern, run1, set_mode, skip_root, TempDir};
use ruv_core::Code;
use ruv_fs::{self as fs, FileType, MkdirOptions, RmOptions};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

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
