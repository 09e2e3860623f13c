//! `ruv_core::stream::pipeline` and `pipeline3` with real streams: file → gzip → file and
//! back, backpressure, an error in the middle, a premature close, a destroyed destination,
//! and callbacks that fail or panic.

mod common;

use common::text;
use ruv_core::stream::{pipeline, pipeline3};
use ruv_core::{Check, Code, Error, Loop, RunMode};
use ruv_fs::{self as fs, ReadStreamOptions, WriteStreamOptions};
use ruv_zlib::{Mode, Options, ZlibStream};
use std::path::{Path, PathBuf};

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("ruv-zlib-pipe-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the pipeline callbacks saw.
#[derive(Default)]
struct St {
    results: Vec<Result<(), Error>>,
    /// The source was seen paused (by backpressure) at some check phase.
    saw_paused: bool,
}

/// Runs `src → mode → dst` as a file-to-file pipeline with small high-water marks; returns
/// what the callback got.
fn transform_file(src: &Path, mode: Mode, dst: &Path) -> St {
    let mut lp: Loop<St> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, src, ReadStreamOptions::default()).unwrap();
    let z = ZlibStream::new(&mut lp, mode, &Options::default()).unwrap();
    let ws = fs::write_stream(
        &mut lp,
        dst,
        WriteStreamOptions::default().high_water_mark(1000),
    )
    .unwrap();
    pipeline3(&mut lp, rs, z, ws, |_, st: &mut St, res| {
        st.results.push(res)
    })
    .unwrap();
    // Watch backpressure from outside: an unreferenced check handle looks every iteration.
    let check = Check::new(&mut lp).unwrap();
    check
        .start(&mut lp, move |lp, st: &mut St, _| {
            st.saw_paused |= rs.is_paused(lp).unwrap_or(false) || z.is_paused(lp).unwrap_or(false);
        })
        .unwrap();
    check.set_ref(&mut lp, false);
    let mut st = St::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    // every stream of the pipeline is closed
    assert_eq!(rs.bytes_read(&lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(z.mode(&lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(ws.buffered(&lp).unwrap_err().code(), Code::EBADF);
    st
}

#[test]
fn file_to_gzip_to_file_and_back_round_trips_with_backpressure() {
    let d = Scratch::new("round");
    let (plain, packed, back) = (d.join("plain"), d.join("plain.gz"), d.join("back"));
    let input = text((1 << 20) + 17, 9);
    std::fs::write(&plain, &input).unwrap();

    let st = transform_file(&plain, Mode::Gzip, &packed);
    assert_eq!(st.results.len(), 1, "the callback runs once");
    st.results[0].as_ref().unwrap();
    let gz = std::fs::read(&packed).unwrap();
    assert!(ruv_zlib::gunzip_sync(&gz, &Options::default()).unwrap() == input);

    let st = transform_file(&packed, Mode::Gunzip, &back);
    assert_eq!(st.results.len(), 1);
    st.results[0].as_ref().unwrap();
    // 1 MiB of output through a 1000-byte write buffer: the gunzip stream was paused
    assert!(st.saw_paused, "backpressure never paused a stage");
    assert!(std::fs::read(&back).unwrap() == input, "content differs");
}

#[test]
fn an_error_in_the_middle_destroys_every_stream_and_calls_back_once() {
    let d = Scratch::new("mid-err");
    let (bad, out) = (d.join("bad.gz"), d.join("out"));
    let mut junk = b"this is not gzip at all".to_vec();
    junk.extend(text(200_000, 2));
    std::fs::write(&bad, &junk).unwrap();
    let st = transform_file(&bad, Mode::Gunzip, &out);
    assert_eq!(st.results.len(), 1, "the callback runs once");
    let err = st.results[0].as_ref().unwrap_err();
    assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
    assert_eq!(err.to_string(), "Z_DATA_ERROR: incorrect header check");
    assert!(std::fs::read(&out).unwrap().is_empty());
}

#[test]
fn a_source_error_destroys_the_destination() {
    let d = Scratch::new("src-err");
    let missing = d.join("nope");
    let mut lp: Loop<St> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &missing, ReadStreamOptions::default()).unwrap();
    let gz = ZlibStream::new(&mut lp, Mode::Gzip, &Options::default()).unwrap();
    pipeline(&mut lp, rs, gz, |_, st: &mut St, res| st.results.push(res)).unwrap();
    let mut st = St::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.results.len(), 1);
    assert_eq!(
        st.results[0].as_ref().unwrap_err().to_string(),
        format!(
            "ENOENT: no such file or directory, open '{}'",
            missing.display()
        )
    );
    assert_eq!(gz.mode(&lp).unwrap_err().code(), Code::EBADF, "destroyed");
}

#[test]
fn a_source_closed_before_its_end_is_a_premature_close() {
    let d = Scratch::new("premature");
    let out = d.join("out");
    let mut lp: Loop<St> = Loop::new().unwrap();
    let gz = ZlibStream::new(&mut lp, Mode::Gzip, &Options::default()).unwrap();
    gz.write(&mut lp, text(10_000, 3)).unwrap();
    let ws = fs::write_stream(&mut lp, &out, WriteStreamOptions::default()).unwrap();
    pipeline(&mut lp, gz, ws, |_, st: &mut St, res| st.results.push(res)).unwrap();
    gz.destroy(&mut lp, None); // no error, but no end either
    let mut st = St::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.results.len(), 1);
    let err = st.results[0].as_ref().unwrap_err();
    assert_eq!(err.code(), Code::ERR_STREAM_PREMATURE_CLOSE);
    assert_eq!(
        err.to_string(),
        "ERR_STREAM_PREMATURE_CLOSE: Premature close"
    );
    assert_eq!(
        ws.buffered(&lp).unwrap_err().code(),
        Code::EBADF,
        "destroyed"
    );
}

#[test]
fn piping_into_a_destroyed_destination_is_a_clear_error() {
    let d = Scratch::new("destroyed-dst");
    let (src, out) = (d.join("src"), d.join("out"));
    std::fs::write(&src, "data").unwrap();
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let ws = fs::write_stream(&mut lp, &out, WriteStreamOptions::default()).unwrap();
    ws.destroy(&mut lp, None);
    let err = pipeline(&mut lp, rs, ws, |_, log: &mut Vec<String>, _| {
        log.push("callback".into())
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ERR_STREAM_DESTROYED: Cannot pipe a destroyed stream"
    );
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.is_empty(), "the callback is never called: {log:?}");
    // the source was destroyed too, its descriptor closed
    assert_eq!(rs.bytes_read(&lp).unwrap_err().code(), Code::EBADF);

    // A stale (closed) destination: EBADF, and the source is destroyed.
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let err = pipeline(&mut lp, rs, ws, |_, _, _| {}).unwrap_err();
    assert_eq!(err.code(), Code::EBADF);
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(rs.bytes_read(&lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn a_panicking_pipeline_callback_leaves_the_loop_usable() {
    let d = Scratch::new("panic");
    let (src, out, again) = (d.join("src"), d.join("out"), d.join("again"));
    let input = text(300_000, 5);
    std::fs::write(&src, &input).unwrap();
    let mut lp: Loop<St> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let ws = fs::write_stream(&mut lp, &out, WriteStreamOptions::default()).unwrap();
    pipeline(&mut lp, rs, ws, |_, _: &mut St, _| -> () { panic!("boom") }).unwrap();
    let mut st = St::default();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lp.run(RunMode::Default, &mut st)
    }));
    assert_eq!(*r.unwrap_err().downcast::<&str>().unwrap(), "boom");
    // the loop runs on: the streams close, and a new pipeline works
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(rs.bytes_read(&lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(ws.buffered(&lp).unwrap_err().code(), Code::EBADF);
    assert!(
        std::fs::read(&out).unwrap() == input,
        "finished before the panic"
    );
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let ws = fs::write_stream(&mut lp, &again, WriteStreamOptions::default()).unwrap();
    pipeline(&mut lp, rs, ws, |_, st: &mut St, res| st.results.push(res)).unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.results.len(), 1);
    st.results[0].as_ref().unwrap();
    assert!(std::fs::read(&again).unwrap() == input);
}

#[test]
fn an_error_returned_by_the_pipeline_callback_reaches_run() {
    let d = Scratch::new("cb-err");
    let (src, out) = (d.join("src"), d.join("out"));
    std::fs::write(&src, "abc").unwrap();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let ws = fs::write_stream(&mut lp, &out, WriteStreamOptions::default()).unwrap();
    pipeline(&mut lp, rs, ws, |lp, _, res| {
        res?;
        // the pipeline's callback runs as its own kind, with the program's site
        let info = lp.current_callback().unwrap();
        assert_eq!(info.kind, "pipeline");
        assert!(info.site.file().ends_with("tests/pipeline.rs"), "{info:?}");
        Err(Error::new(Code::ECANCELED).with_detail("done, but no"))
    })
    .unwrap();
    let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(err.to_string(), "ECANCELED: done, but no");
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"abc");
}
