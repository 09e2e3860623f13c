#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! The event model (one `StreamEvent` callback, Node's order) and the handle model (kinds,
//! registration sites, stale ids, errors returned by callbacks) of ruv-net's streams.

use ruv_core::stream::{Readable, StreamEvent, Writable};
use ruv_core::{Code, Error, Loop, RunMode};
use ruv_net::{Pipe, Tcp};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

mod common;
use common::{any_port, guard};

fn pair<S: 'static>(lp: &mut Loop<S>) -> (Pipe, Pipe) {
    let (a, b) = UnixStream::pair().unwrap();
    (
        Pipe::open(lp, OwnedFd::from(a)).unwrap(),
        Pipe::open(lp, OwnedFd::from(b)).unwrap(),
    )
}

fn describe(ev: &StreamEvent<'_>) -> String {
    match ev {
        StreamEvent::Data(d) => format!("data {}", String::from_utf8_lossy(d)),
        StreamEvent::Error(e) => format!("error {}", e.code()),
        ev => ev.name().to_string(),
    }
}

#[test]
fn events_come_in_nodes_order_and_close_is_last() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 511, |lp, log, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, log, c, ev| {
                log.push(format!("server {}", describe(&ev)));
                if let StreamEvent::End = ev {
                    c.close(lp).unwrap();
                }
            })
            .unwrap();
            assert!(c.write(lp, b"hi").unwrap());
            c.end(lp).unwrap();
            log.push("server end called".into());
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r).unwrap();
    client
        .on_event(&mut lp, |lp, log, c, ev| {
            log.push(format!("client {}", describe(&ev)));
            if let StreamEvent::End = ev {
                c.close(lp)
                    .unwrap()
                    .then(|_, log| log.push("client close callback".into()));
                assert!(c.is_closing(lp));
            }
        })
        .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let client: Vec<_> = log.iter().filter(|l| l.starts_with("client")).collect();
    assert_eq!(
        client,
        [
            "client data hi",
            "client end",
            "client close callback",
            "client close"
        ]
    );
    let server: Vec<_> = log.iter().filter(|l| l.starts_with("server")).collect();
    assert_eq!(
        server,
        [
            "server end called",
            "server finish",
            "server end",
            "server close"
        ]
    );
}

#[derive(Default)]
struct Kinds {
    seen: Vec<(&'static str, u32)>,
    lines: Vec<u32>,
}

fn note(lp: &Loop<Kinds>, k: &mut Kinds) {
    let info = lp.current_callback().expect("inside a callback");
    assert!(info.site.file().ends_with("events.rs"), "{}", info.site);
    k.seen.push((info.kind, info.site.line()));
}

#[test]
fn callbacks_are_reported_with_their_kind_and_registration_line() {
    let mut lp: Loop<Kinds> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let mut lines = Vec::new();
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    lines.push(line!() + 2);
    server
        .listen(&mut lp, 511, |lp, k, server, r| {
            r.unwrap();
            note(lp, k);
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            let line = line!() + 1;
            c.write_cb(lp, b"x", move |lp, k, r| {
                r.unwrap();
                note(lp, k);
                k.lines.push(line);
                c.close(lp).unwrap();
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    lines.push(line!() + 1);
    let client = Tcp::connect(&mut lp, addr, |lp, k, r| {
        r.unwrap();
        note(lp, k);
    })
    .unwrap();
    lines.push(line!() + 2);
    client
        .on_event(&mut lp, move |lp, k, c, ev| {
            if let StreamEvent::Data(_) = ev {
                note(lp, k);
                assert_eq!(lp.current_callback().unwrap().id, Some(c.id()));
                c.close(lp).unwrap();
            }
        })
        .unwrap();
    let mut k = Kinds::default();
    lp.run(RunMode::Default, &mut k).unwrap();
    let mut kinds: Vec<_> = k.seen.iter().map(|s| s.0).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["tcp.connect", "tcp.connection", "tcp.data", "tcp.write"]
    );
    let line_of = |kind| k.seen.iter().find(|s| s.0 == kind).unwrap().1;
    assert_eq!(line_of("tcp.connection"), lines[0]);
    assert_eq!(line_of("tcp.connect"), lines[1]);
    assert_eq!(line_of("tcp.data"), lines[2]);
    assert_eq!(line_of("tcp.write"), k.lines[0]);

    // Pipes name their kinds `pipe.*`.
    let (a, b) = pair(&mut lp);
    a.write(&mut lp, b"p").unwrap();
    b.on_event(&mut lp, |lp, k, b, ev| {
        if let StreamEvent::Data(_) = ev {
            note(lp, k);
            b.destroy(lp, None);
        }
    })
    .unwrap();
    let mut k = Kinds::default();
    lp.run(RunMode::Default, &mut k).unwrap();
    assert_eq!(
        k.seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        ["pipe.data"]
    );
    a.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut k).unwrap();
}

#[test]
fn destroy_with_an_error_emits_error_then_close_and_stale_ids_are_noops() {
    let mut lp: Loop<(Vec<String>, usize)> = Loop::new().unwrap();
    let (a, b) = pair(&mut lp);
    b.on_event(&mut lp, |_, (log, _), _, ev| log.push(describe(&ev)))
        .unwrap();
    b.destroy(&mut lp, Some(Error::new(Code::ECONNRESET)));
    // Destroyed: idempotent calls do nothing, start-like calls are EBADF.
    b.destroy(&mut lp, None);
    b.pause(&mut lp);
    b.resume(&mut lp);
    b.set_ref(&mut lp, false);
    assert!(b.is_closing(&lp));
    assert_eq!(b.write(&mut lp, b"x").unwrap_err().code(), Code::EBADF);
    let calls = |_: &mut Loop<_>, st: &mut (Vec<String>, usize), _| st.1 += 1;
    assert_eq!(
        b.write_cb(&mut lp, b"x", calls).unwrap_err().code(),
        Code::EBADF
    );
    assert_eq!(
        b.on_event(&mut lp, |_, _, _, _| {}).unwrap_err().code(),
        Code::EBADF
    );
    assert_eq!(b.end(&mut lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(b.close(&mut lp).unwrap_err().code(), Code::EINVAL);
    // A completed write's callback runs once.
    a.write_cb(&mut lp, b"y", calls).unwrap();
    let mut st = (Vec::new(), 0);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.0, ["error ECONNRESET", "close"]);
    assert_eq!(
        st.1, 1,
        "write callbacks: one completed, none for rejected writes"
    );
    // Stale now.
    b.destroy(&mut lp, None);
    b.set_ref(&mut lp, true);
    assert_eq!(b.close(&mut lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(b.has_ref(&lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(b.write_queue_size(&lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(b.end(&mut lp).unwrap_err().code(), Code::EBADF);
    a.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.1, 1);
}

#[test]
fn an_error_returned_by_an_event_callback_reaches_run() {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let (a, b) = pair(&mut lp);
    b.on_event(&mut lp, |_, n, _, ev| -> ruv_core::Result<()> {
        if let StreamEvent::Data(_) = ev {
            *n += 1;
            return Err(Error::new(Code::EINVAL).with_detail("bad data"));
        }
        Ok(())
    })
    .unwrap();
    a.write(&mut lp, b"x").unwrap();
    let mut n = 0;
    let err = lp.run(RunMode::Default, &mut n).unwrap_err();
    assert_eq!(err.code(), Code::EINVAL);
    assert_eq!(n, 1);
    // The loop is still usable and the stream still works.
    a.write(&mut lp, b"y").unwrap();
    assert_eq!(
        lp.run(RunMode::Once, &mut n).unwrap_err().code(),
        Code::EINVAL
    );
    assert_eq!(n, 2);
    a.close(&mut lp).unwrap();
    b.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut n).unwrap();
}

/// Node's `pipe`, written only against the traits: pause at the high-water mark, resume on
/// drain, end the destination at the source's end.
fn copy<S: 'static, R: Readable<S>, W: Writable<S>>(
    lp: &mut Loop<S>,
    src: R,
    dst: W,
    finished: fn(&mut Loop<S>, &mut S),
) -> ruv_core::Result<()> {
    dst.set_on_event(
        lp,
        Box::new(move |lp, s, _, ev| {
            match ev {
                StreamEvent::Drain => src.resume(lp),
                StreamEvent::Finish => finished(lp, s),
                _ => {}
            }
            Ok(())
        }),
    )?;
    src.set_on_event(
        lp,
        Box::new(move |lp, _, src, ev| {
            match ev {
                StreamEvent::Data(d) => {
                    let below = dst.write(lp, d.to_vec())?;
                    if !below {
                        src.pause(lp);
                    }
                }
                StreamEvent::End => dst.end(lp)?,
                StreamEvent::Error(e) => dst.destroy(lp, Some(e)),
                _ => {}
            }
            Ok(())
        }),
    )
}

#[derive(Default)]
struct Copy {
    src: Option<Pipe>,
    dst: Option<Tcp>,
    received: Vec<u8>,
    finished: bool,
    ended: bool,
}

#[test]
fn readable_and_writable_drive_a_generic_copy_with_backpressure() {
    const SIZE: usize = 1 << 20;
    let data: Vec<u8> = (0..SIZE).map(|i| (i % 253) as u8).collect();
    let mut lp: Loop<Copy> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 511, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, st, c, ev| match ev {
                StreamEvent::Data(d) => st.received.extend_from_slice(d),
                StreamEvent::End => {
                    st.ended = true;
                    c.close(lp).unwrap();
                }
                StreamEvent::Close => {}
                ev => panic!("unexpected {ev:?}"),
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let dst = Tcp::connect(&mut lp, addr, |_, _, r| r).unwrap();
    dst.set_high_water_mark(&mut lp, 4096).unwrap();
    let (writer, src) = pair(&mut lp);
    writer
        .write_cb(&mut lp, data.clone(), move |lp, _, r| {
            r.unwrap();
            writer.close(lp).unwrap();
        })
        .unwrap();
    copy(&mut lp, src, dst, |lp, st| {
        st.finished = true;
        st.src.unwrap().close(lp).unwrap();
        st.dst.unwrap().close(lp).unwrap();
    })
    .unwrap();
    let mut st = Copy {
        src: Some(src),
        dst: Some(dst),
        ..Default::default()
    };
    lp.run(RunMode::Default, &mut st).unwrap();
    assert!(st.finished && st.ended);
    assert_eq!(st.received.len(), SIZE);
    assert!(st.received == data);
    // Through the trait, a write after end is Node's error.
    let (a, _b) = pair(&mut lp);
    Writable::end(a, &mut lp).unwrap();
    let e = Writable::write(a, &mut lp, b"late".to_vec()).unwrap_err();
    assert_eq!(e.code(), Code::ERR_STREAM_WRITE_AFTER_END);
}

#[derive(Default)]
struct LateClose {
    log: Vec<String>,
    conn: Option<Tcp>,
}

/// A close made inside a check callback (after ruv-net's own check hook may have run):
/// the cancelled write still gets `ECANCELED`, exactly once.
#[test]
fn a_close_inside_a_check_callback_still_cancels_each_write_once() {
    let mut lp: Loop<LateClose> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 511, |lp, st, server, r| {
            r.unwrap();
            // accepted, never read: the client's big write stays queued
            st.conn = Some(server.accept(lp).unwrap());
            server.close(lp).unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r).unwrap();
    client
        .write_cb(&mut lp, vec![1u8; 32 << 20], |_, st, r| {
            st.log.push(format!("write {:?}", r.map_err(|e| e.code())));
        })
        .unwrap();
    let check = ruv_core::Check::new(&mut lp).unwrap();
    check
        .start(&mut lp, move |lp, st, me| {
            if st.conn.is_none() || client.write_queue_size(lp).unwrap_or(0) == 0 {
                return;
            }
            me.close(lp).unwrap();
            client.close(lp).unwrap().then(|lp, st| {
                st.log.push("closed".into());
                st.conn.take().unwrap().close(lp).unwrap();
            });
        })
        .unwrap();
    let mut st = LateClose::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    let writes = st.log.iter().filter(|l| l.starts_with("write")).count();
    assert_eq!(writes, 1);
    assert!(st.log.contains(&"write Err(ECANCELED)".to_string()));
    assert!(st.log.contains(&"closed".to_string()));
}
