//! The gzip/gunzip examples interoperate with the system `gzip` tool, both ways, and never
//! destroy what they did not create: a failed run leaves an existing OUT as it was, a
//! symlink OUT stays a link, and pipes, devices and `-` are written in place.

mod support;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::example_bin;

fn have_gzip() -> bool {
    Command::new("gzip")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs example `name` with `args`, no stdin; returns its output.
fn run(name: &str, args: &[&Path]) -> Output {
    Command::new(example_bin(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

fn example(name: &str, args: &[&Path]) {
    let out = run(name, args);
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch(tag: &str) -> PathBuf {
    support::scratch(&format!("gzip-{tag}"))
}

/// The names in `dir`, sorted: no temporary file may be left behind.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `corpus()` compressed by the gzip example, in `dir/corpus.gz`.
fn corpus_gz(dir: &Path) -> PathBuf {
    let plain = dir.join("corpus.txt");
    std::fs::write(&plain, corpus()).unwrap();
    let gz = dir.join("corpus.gz");
    example("gzip", &[&plain, &gz]);
    std::fs::remove_file(&plain).unwrap();
    gz
}

/// A few chunks' worth of text-like bytes, so the stream spans several pool jobs.
fn corpus() -> Vec<u8> {
    let words = [
        "loop",
        "pool",
        "tick",
        "timer",
        "immediate",
        "poll",
        "check",
        "close",
    ];
    let mut x: u32 = 12345;
    let mut out = Vec::new();
    while out.len() < 300_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        out.extend_from_slice(words[(x >> 16) as usize % words.len()].as_bytes());
        out.push(if x.is_multiple_of(7) { b'\n' } else { b' ' });
    }
    out
}

#[test]
fn system_gzip_reads_the_gzip_example_and_gunzip_example_reads_system_gzip() {
    if !have_gzip() {
        eprintln!("SKIP: no system `gzip` to interoperate with");
        return;
    }
    let dir = scratch("interop");
    let input = corpus();
    let plain = dir.join("plain.txt");
    std::fs::write(&plain, &input).unwrap();

    // ruv compresses, gzip decompresses
    let ours = dir.join("ours.gz");
    example("gzip", &[&plain, &ours]);
    let out = Command::new("gzip").arg("-dc").arg(&ours).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, input, "gzip -dc of ruv's output");

    // gzip compresses, ruv decompresses
    let theirs = dir.join("theirs.gz");
    let gz = Command::new("gzip")
        .arg("-c9")
        .arg(&plain)
        .output()
        .unwrap();
    std::fs::write(&theirs, gz.stdout).unwrap();
    let back = dir.join("back.txt");
    example("gunzip", &[&theirs, &back]);
    assert_eq!(
        std::fs::read(&back).unwrap(),
        input,
        "ruv's gunzip of gzip's output"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gzip_example_reports_a_missing_input_like_node() {
    let dir = scratch("missing");
    let out = run("gzip", &[&dir.join("nope"), &dir.join("out.gz")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ENOENT: no such file or directory, open"),
        "{err}"
    );
    assert!(names(&dir).is_empty(), "nothing created: {:?}", names(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn failed_gunzip_leaves_an_existing_out_byte_identical_and_no_temporary_file() {
    let dir = scratch("keep");
    let gz = corpus_gz(&dir);
    let full = std::fs::read(&gz).unwrap();
    // garbage (fails at once) and a truncated stream (fails after writing output)
    let bad = dir.join("bad.gz");
    let truncated = dir.join("truncated.gz");
    std::fs::write(&bad, b"this is not gzip data").unwrap();
    std::fs::write(&truncated, &full[..full.len() * 2 / 3]).unwrap();
    let out = dir.join("out.txt");
    let before = b"an existing file that must survive\n".repeat(100);
    std::fs::write(&out, &before).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    let listing = names(&dir);
    for (input, says) in [
        (&bad, "gunzip: Z_DATA_ERROR: incorrect header check"),
        (&truncated, "gunzip: Z_BUF_ERROR: unexpected end of file"),
    ] {
        let res = run("gunzip", &[input, &out]);
        assert_eq!(res.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&res.stderr).trim_end(), says);
        assert_eq!(std::fs::read(&out).unwrap(), before, "OUT untouched");
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(names(&dir), listing, "no temporary file left");
    }
    // a failure into a new OUT leaves no OUT at all
    let new = dir.join("new.txt");
    assert_eq!(run("gunzip", &[&truncated, &new]).status.code(), Some(1));
    assert!(!new.exists());
    assert_eq!(names(&dir), listing);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replacing_an_existing_out_keeps_its_permission_bits() {
    let dir = scratch("mode");
    let gz = corpus_gz(&dir);
    let out = dir.join("out.txt");
    std::fs::write(&out, b"old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o604)).unwrap();
    example("gunzip", &[&gz, &out]);
    assert_eq!(std::fs::read(&out).unwrap(), corpus());
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o604);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_symlink_out_stays_a_link_and_its_target_is_updated() {
    let dir = scratch("symlink");
    let gz = corpus_gz(&dir);
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let target = sub.join("target.txt");
    std::fs::write(&target, b"old contents").unwrap();
    let link = dir.join("link.txt");
    std::os::unix::fs::symlink("sub/target.txt", &link).unwrap();

    example("gunzip", &[&gz, &link]);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link is still a link");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("sub/target.txt")
    );
    assert_eq!(std::fs::read(&target).unwrap(), corpus());
    assert_eq!(names(&sub), ["target.txt"], "the temporary file went");

    // and a failed run through the link leaves both alone
    let bad = dir.join("bad.gz");
    std::fs::write(&bad, b"garbage").unwrap();
    assert_eq!(run("gunzip", &[&bad, &link]).status.code(), Some(1));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), corpus());
    assert_eq!(names(&sub), ["target.txt"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_run_into_a_link_to_a_device_keeps_the_link() {
    // what `OUT=/dev/stdout` is (a link to a descriptor), without touching /dev
    let dir = scratch("devlink");
    let link = dir.join("null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let bad = dir.join("bad.gz");
    std::fs::write(&bad, b"garbage").unwrap();
    assert_eq!(run("gunzip", &[&bad, &link]).status.code(), Some(1));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(names(&dir), ["bad.gz", "null"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dash_is_standard_output_and_standard_input() {
    let dir = scratch("dash");
    let gz = corpus_gz(&dir);
    let out = run("gunzip", &[&gz, Path::new("-")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, corpus());

    // `gzip - -` is a filter
    let mut child = Command::new(example_bin("gzip"))
        .args(["-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&corpus()).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let again = dir.join("again.gz");
    std::fs::write(&again, &out.stdout).unwrap();
    let back = run("gunzip", &[&again, Path::new("-")]);
    assert_eq!(back.stdout, corpus());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dev_null_is_written_in_place() {
    let dir = scratch("null");
    let gz = corpus_gz(&dir);
    example("gunzip", &[&gz, Path::new("/dev/null")]);
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(
        names(&dir),
        ["corpus.gz"],
        "no temporary file beside the input"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fifo_out_gets_the_data() {
    let dir = scratch("fifo");
    let gz = corpus_gz(&dir);
    let fifo = dir.join("fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let mut child = Command::new(example_bin("gunzip"))
        .arg(&gz)
        .arg(&fifo)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // opening for reading waits for the writer, then reads until it closes
    let got = std::fs::read(&fifo).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(got, corpus());
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names(&dir), ["corpus.gz", "fifo"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
