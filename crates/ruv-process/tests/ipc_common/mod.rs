//! Helpers shared by the IPC test binaries.
#![allow(dead_code, clippy::unused_unit)] // each binary uses part of it; `-> ()` types a panicking callback

use ruv_core::{Loop, RunMode, Timer};
use ruv_process::ipc::{Channel, ChannelEvent, Serialization};
use serde_json::Value;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::thread::JoinHandle;

/// A timer that panics after `ms`, unreferenced so it does not keep the loop alive.
pub fn guard<S: 'static>(lp: &mut Loop<S>, ms: u64) {
    let t = Timer::new(lp).unwrap();
    t.start(lp, ms, 0, move |_, _, _| -> () {
        panic!("test timed out after {ms} ms")
    })
    .unwrap();
    t.set_ref(lp, false);
}

/// A connected pair of Unix stream sockets.
pub fn pair() -> (OwnedFd, OwnedFd) {
    let (a, b) = UnixStream::pair().unwrap();
    (a.into(), b.into())
}

/// A pair: one end as an fd for a channel, the other as a plain blocking socket the test
/// reads and writes by hand.
pub fn raw_pair() -> (OwnedFd, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    (a.into(), b)
}

/// A peer on its own thread and loop: echoes every message it gets, unchanged (json: the
/// value; ruv: the bytes), until the channel closes; returns how many it echoed.
pub fn echo_peer(fd: OwnedFd, mode: Serialization) -> JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut lp: Loop<usize> = Loop::new().unwrap();
        guard(&mut lp, 60_000);
        let ch = Channel::open(&mut lp, fd, mode).unwrap();
        ch.on_event(&mut lp, |lp, n, ch, ev| -> ruv_core::Result<()> {
            match ev {
                ChannelEvent::Message(m) => {
                    *n += 1;
                    match m.serialization() {
                        Serialization::Json => {
                            let v: serde_json::Value = m.deserialize()?;
                            ch.send(lp, &v)?;
                        }
                        Serialization::Ruv => {
                            ch.send_bytes(lp, m.bytes())?;
                        }
                    }
                }
                ChannelEvent::Error(e) => return Err(e),
                _ => {}
            }
            Ok(())
        })
        .unwrap();
        let mut n = 0;
        lp.run(RunMode::Default, &mut n).unwrap();
        n
    })
}

/// What a test's channel saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub msgs: Vec<Value>,
    pub internal: Vec<Value>,
    pub errors: Vec<String>,
    pub events: Vec<&'static str>,
}

/// Records every event; `Disconnect` is recorded as `"disconnect"`.
pub fn record(lp: &mut Loop<Seen>, ch: Channel) {
    ch.on_event(lp, |_, seen, _, ev| -> ruv_core::Result<()> {
        seen.events.push(ev.kind());
        match ev {
            ChannelEvent::Message(m) => seen.msgs.push(m.deserialize()?),
            ChannelEvent::Internal(m) => seen.internal.push(m.value().clone()),
            ChannelEvent::Error(e) => seen.errors.push(e.to_string()),
            ChannelEvent::Drain | ChannelEvent::Disconnect => {}
        }
        Ok(())
    })
    .unwrap();
}
