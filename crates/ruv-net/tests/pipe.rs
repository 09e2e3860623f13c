#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Unix domain stream sockets and `Pipe::open`, bounded by a guard timer.

use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Loop, RunMode};
use ruv_net::Pipe;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

mod common;
use common::guard;

fn sock_path(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ruv-net-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[derive(Default)]
struct Echo {
    server_got: Vec<u8>,
    client_got: Vec<u8>,
    closed: usize,
}

#[test]
fn pipe_server_and_client() {
    let path = sock_path("echo");
    let mut lp: Loop<Echo> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Pipe::bind(&mut lp, &path).unwrap();
    assert_eq!(
        server.local_path(&lp).unwrap().as_deref(),
        Some(path.as_path())
    );
    server
        .listen(&mut lp, 16, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, st, c, ev| match ev {
                StreamEvent::Data(d) => {
                    st.server_got.extend_from_slice(d);
                    c.write(lp, Vec::from(d)).unwrap();
                }
                StreamEvent::End => {
                    c.shutdown(lp, move |lp, _, r| {
                        r.unwrap();
                        c.close(lp).unwrap().then(|_, st| st.closed += 1);
                    })
                    .unwrap();
                }
                StreamEvent::Finish | StreamEvent::Close => {}
                ev => panic!("unexpected {ev:?}"),
            })
            .unwrap();
        })
        .unwrap();
    let client = Pipe::connect(&mut lp, &path, |_, _, r| r.unwrap()).unwrap();
    for i in 0..100u8 {
        client.write(&mut lp, vec![i; 1000]).unwrap();
    }
    client.shutdown(&mut lp, |_, _, r| r.unwrap()).unwrap();
    client
        .on_event(&mut lp, |lp, st, c, ev| match ev {
            StreamEvent::Data(d) => st.client_got.extend_from_slice(d),
            StreamEvent::End => {
                c.close(lp).unwrap().then(|_, st| st.closed += 1);
            }
            StreamEvent::Finish | StreamEvent::Close => {}
            ev => panic!("unexpected {ev:?}"),
        })
        .unwrap();
    let mut st = Echo::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    let expect: Vec<u8> = (0..100u8).flat_map(|i| vec![i; 1000]).collect();
    assert!(st.server_got == expect);
    assert!(st.client_got == expect);
    assert_eq!(st.closed, 2);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn pipe_errors() {
    let path = sock_path("errors");
    let mut lp: Loop<Vec<Code>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let c = Pipe::connect(&mut lp, &path, |_, codes, r| {
        codes.push(r.unwrap_err().code())
    })
    .unwrap();
    let server = Pipe::bind(&mut lp, &path).unwrap();
    let e = Pipe::bind(&mut lp, &path).unwrap_err();
    assert_eq!(e.code(), Code::EADDRINUSE);
    assert_eq!(e.path(), Some(path.as_path()));
    // bound but not listening: refused
    let refused = Pipe::connect(&mut lp, &path, |_, codes, r| {
        codes.push(r.unwrap_err().code())
    })
    .unwrap();
    let mut codes = Vec::new();
    lp.run(RunMode::Default, &mut codes).unwrap();
    assert_eq!(codes, [Code::ENOENT, Code::ECONNREFUSED]);
    for h in [c, refused, server] {
        h.close(&mut lp).unwrap();
    }
    lp.run(RunMode::Default, &mut codes).unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn open_socketpair_and_os_pipe() {
    let mut lp: Loop<Vec<u8>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    // a socketpair end
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let pa = Pipe::open(&mut lp, OwnedFd::from(a)).unwrap();
    let pb = Pipe::open(&mut lp, OwnedFd::from(b)).unwrap();
    pa.write_cb(&mut lp, b"over a socketpair;", move |lp, _, r| {
        r.unwrap();
        pa.close(lp).unwrap();
    })
    .unwrap();
    // an OS pipe (not a socket): plain read(2)/write(2)
    let (r, w) = std::io::pipe().unwrap();
    let pr = Pipe::open(&mut lp, OwnedFd::from(r)).unwrap();
    let pw = Pipe::open(&mut lp, OwnedFd::from(w)).unwrap();
    pb.on_event(&mut lp, move |lp, got, me, ev| match ev {
        StreamEvent::Data(d) => got.extend_from_slice(d),
        StreamEvent::End | StreamEvent::Error(_) => {
            me.close(lp).unwrap();
            // then the OS pipe
            pw.write_cb(lp, b" over a pipe", move |lp, _, r| {
                r.unwrap();
                pw.close(lp).unwrap();
            })
            .unwrap();
        }
        _ => {}
    })
    .unwrap();
    pr.on_event(&mut lp, |lp, got, me, ev| match ev {
        StreamEvent::Data(d) => got.extend_from_slice(d),
        StreamEvent::End => {
            me.close(lp).unwrap();
        }
        StreamEvent::Close => {}
        ev => panic!("unexpected {ev:?}"),
    })
    .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, b"over a socketpair; over a pipe");
}

#[test]
fn a_path_with_a_nul_byte_is_rejected_not_cut_short() {
    // Without the check the kernel would bind or reach the path up to the NUL.
    let cut = sock_path("nul");
    let mut path = cut.clone().into_os_string();
    path.push("\0rest");
    let path = PathBuf::from(path);
    let shown = format!("{}\\x00rest", cut.display());
    let expected = format!(
        "ERR_INVALID_ARG_VALUE: The argument 'path' must be a string without null bytes. \
         Received '{shown}'"
    );
    let mut lp: Loop<()> = Loop::new().unwrap();
    let e = Pipe::bind(&mut lp, &path).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
    assert_eq!(e.to_string(), expected);
    assert!(!cut.exists(), "nothing bound at the cut path");
    // A listener at the cut path must not be reached either.
    let server = Pipe::bind(&mut lp, &cut).unwrap();
    server
        .listen(&mut lp, 1, |_, _, _, _| -> () { panic!("reached") })
        .unwrap();
    let e = Pipe::connect(&mut lp, &path, |_, _, _| -> () { panic!("no callback") }).unwrap_err();
    assert_eq!(e.to_string(), expected);
    server.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    std::fs::remove_file(&cut).unwrap();
}

#[test]
fn an_abstract_name_may_hold_nul_bytes() {
    // Linux: a leading NUL is the abstract namespace, whose names are plain bytes.
    let name = format!("\0ruv-net-{}-abs\0tract", std::process::id());
    let mut lp: Loop<Vec<u8>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Pipe::bind(&mut lp, &name).unwrap();
    server
        .listen(&mut lp, 1, move |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.write_cb(lp, b"abstract", move |lp, _, r| {
                r.unwrap();
                c.close(lp).unwrap();
            })
            .unwrap();
        })
        .unwrap();
    let client = Pipe::connect(&mut lp, &name, |_, _, r| r.unwrap()).unwrap();
    client
        .on_event(&mut lp, |lp, got, me, ev| match ev {
            StreamEvent::Data(d) => got.extend_from_slice(d),
            StreamEvent::End => {
                me.close(lp).unwrap();
            }
            StreamEvent::Close => {}
            ev => panic!("unexpected {ev:?}"),
        })
        .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, b"abstract");
}
