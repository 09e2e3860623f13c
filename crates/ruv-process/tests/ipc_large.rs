//! Large messages: 1 MiB and 100 MiB ones arrive whole (json and ruv), and one over the
//! channel's limit is skipped with an error.

use ruv_core::{Loop, RunMode};
use ruv_process::ipc::{Channel, ChannelEvent, Serialization};
use serde_json::json;
use std::io::Write;

mod ipc_common;
use ipc_common::{echo_peer, guard, pair, raw_pair, record, Seen};

#[test]
fn a_message_over_the_limit_is_skipped_with_an_error_and_the_next_one_arrives() {
    for mode in [Serialization::Json, Serialization::Ruv] {
        let (a, b) = pair();
        let mut lp: Loop<Seen> = Loop::new().unwrap();
        guard(&mut lp, 20_000);
        let ca = Channel::open(&mut lp, a, mode).unwrap();
        let cb = Channel::open(&mut lp, b, mode).unwrap();
        cb.set_max_message_size(&mut lp, 1000).unwrap();
        record(&mut lp, cb);
        ca.send(&mut lp, &"x".repeat(300_000)).unwrap();
        ca.send(&mut lp, &"small").unwrap();
        ca.disconnect(&mut lp).unwrap();
        let mut seen = Seen::default();
        if mode == Serialization::Ruv {
            // postcard strings are not JSON values: read them as bytes
            cb.remove_on_event(&mut lp);
            cb.on_event(
                &mut lp,
                |_, seen: &mut Seen, _, ev| -> ruv_core::Result<()> {
                    match ev {
                        ChannelEvent::Message(m) => {
                            seen.msgs.push(json!(m.deserialize::<String>()?))
                        }
                        ChannelEvent::Error(e) => seen.errors.push(e.to_string()),
                        _ => {}
                    }
                    Ok(())
                },
            )
            .unwrap();
        }
        lp.run(RunMode::Default, &mut seen).unwrap();
        assert_eq!(seen.errors.len(), 1, "{mode:?}: {:?}", seen.errors);
        assert!(seen.errors[0].starts_with("ERR_IPC_MESSAGE_TOO_LARGE: IPC message of "));
        assert!(seen.errors[0].ends_with("is over the channel's limit of 1000 bytes: skipped"));
        assert_eq!(seen.msgs, [json!("small")], "{mode:?}");
    }
}

#[test]
fn a_one_mib_message_makes_a_round_trip() {
    let (a, b) = pair();
    let peer = echo_peer(b, Serialization::Json);
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    guard(&mut lp, 60_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(&mut lp, |lp, seen, ch, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            seen.msgs.push(m.deserialize()?);
            ch.disconnect(lp)?;
        }
        Ok(())
    })
    .unwrap();
    let big = json!({ "i": 7, "data": "x".repeat(1 << 20) });
    assert!(
        !ch.send(&mut lp, &big).unwrap(),
        "1 MiB is over the high-water mark"
    );
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.msgs, [big]);
    peer.join().unwrap();
}

/// Node accepts a 100 MiB json message; so does ruv (the default limit is V8's longest
/// string). The bytes are written by hand (serializing 100 MiB is slow in a debug build);
/// the receiving side validates the JSON as it always does.
#[test]
fn a_100_mib_json_message_arrives_whole() {
    const SIZE: usize = 100 << 20;
    let (a, mut raw) = raw_pair();
    let writer = std::thread::spawn(move || {
        let mut wire = Vec::with_capacity(SIZE + 16);
        wire.extend_from_slice(b"{\"data\":\"");
        wire.resize(wire.len() + SIZE, b'z');
        wire.extend_from_slice(b"\"}\n");
        raw.write_all(&wire).unwrap();
    });
    let mut lp: Loop<Option<usize>> = Loop::new().unwrap();
    guard(&mut lp, 120_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(&mut lp, |_, got, _, ev| {
        if let ChannelEvent::Message(m) = ev {
            assert!(m.bytes().starts_with(b"{\"data\":\"zzz"));
            *got = Some(m.bytes().len());
        }
    })
    .unwrap();
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, Some(SIZE + 11));
    writer.join().unwrap();
}

/// The same size both ways between ruv loops, in ruv mode (a postcard string is its bytes).
#[test]
fn a_100_mib_ruv_message_makes_a_round_trip() {
    const SIZE: usize = 100 << 20;
    let (a, b) = pair();
    let peer = echo_peer(b, Serialization::Ruv);
    let mut lp: Loop<Option<usize>> = Loop::new().unwrap();
    guard(&mut lp, 120_000);
    let ch = Channel::open(&mut lp, a, Serialization::Ruv).unwrap();
    ch.on_event(&mut lp, |lp, got, ch, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            let data: &[u8] = m.deserialize()?;
            assert!(data.iter().all(|&c| c == b'r'));
            *got = Some(data.len());
            ch.disconnect(lp)?;
        }
        Ok(())
    })
    .unwrap();
    let big = serde_bytes_like(SIZE);
    ch.send(&mut lp, &big).unwrap();
    drop(big);
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, Some(SIZE));
    peer.join().unwrap();
}

/// A byte string postcard writes as its length and bytes (`&[u8]` alone is a sequence).
struct ByteStr(Vec<u8>);

impl serde::Serialize for ByteStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

fn serde_bytes_like(n: usize) -> ByteStr {
    ByteStr(vec![b'r'; n])
}
