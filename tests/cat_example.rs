//! `examples/cat.rs` as a tool: a failing stdout is reported in Node's format and stops it,
//! a reader that goes away stops it quietly, unreadable files are reported and skipped.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use support::{example_bin, scratch};

fn cat() -> Command {
    let mut c = Command::new(example_bin("cat"));
    c.stdin(Stdio::null());
    c
}

#[test]
fn a_full_stdout_is_reported_as_enospc_with_status_1() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("SKIP: no /dev/full on this system");
        return;
    }
    let dir = scratch("cat-full");
    let file = dir.join("f");
    std::fs::write(&file, vec![b'x'; 200_000]).unwrap();
    let out = cat()
        .arg(&file)
        .arg(&file) // the second file is not started once stdout failed
        .stdout(std::fs::File::create(full).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "cat: ENOSPC: no space left on device, write\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_that_goes_away_stops_cat_quietly_with_status_141() {
    let dir = scratch("cat-epipe");
    let file = dir.join("big");
    // far more than a pipe holds, so cat is still writing when the reader leaves
    std::fs::write(&file, vec![b'y'; 4 << 20]).unwrap();
    let mut child = cat()
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"y");
    drop(stdout); // `| head -c1`
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141), "stderr: {err}");
    assert_eq!(err, "", "EPIPE is not reported");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreadable_file_is_reported_and_the_next_one_still_copied() {
    let dir = scratch("cat-missing");
    let (a, b) = (dir.join("-a"), dir.join("b"));
    std::fs::write(&a, "first\n").unwrap();
    std::fs::write(&b, "second\n").unwrap();
    let nope = dir.join("nope");
    let out = cat()
        .arg("--") // `-a` is a file, not a flag
        .arg("-a")
        .arg(&nope)
        .arg(&b)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "first\nsecond\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "cat: ENOENT: no such file or directory, open '{}'\n",
            nope.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dash_and_no_file_read_standard_input() {
    for args in [&["-"][..], &[][..]] {
        let mut child = cat()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"from stdin\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert_eq!(out.stdout, b"from stdin\n", "{args:?}");
    }
}
