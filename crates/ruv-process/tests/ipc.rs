#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! The IPC channel's messaging: framing across reads, internal routing, errors on bad
//! input, backpressure, disconnect and liveness. Handle passing: `ipc_handles.rs`; the
//! child's side from the environment: `ipc_env.rs`.

use ruv_core::{Code, Loop, RunMode};
use ruv_process::ipc::codes::*;
use ruv_process::ipc::{Channel, ChannelEvent, Serialization, HIGH_WATER_MARK};
use serde_json::{json, Value};
use std::io::{Read, Write};

mod ipc_common;
use ipc_common::{echo_peer, guard, pair, raw_pair, record, Seen};

#[test]
fn ping_pong_between_two_loops_on_two_threads() {
    for mode in [Serialization::Json, Serialization::Ruv] {
        const N: u64 = 1000;
        let (a, b) = pair();
        let peer = echo_peer(b, mode);
        let mut lp: Loop<u64> = Loop::new().unwrap();
        guard(&mut lp, 60_000);
        let ch = Channel::open(&mut lp, a, mode).unwrap();
        ch.on_event(&mut lp, |lp, n, ch, ev| -> ruv_core::Result<()> {
            if let ChannelEvent::Message(m) = ev {
                let (i, text): (u64, String) = m.deserialize()?;
                assert_eq!((i, text.as_str()), (*n, "ping"));
                *n += 1;
                if *n == N {
                    ch.disconnect(lp)?;
                } else {
                    ch.send(lp, &(*n, "ping"))?;
                }
            }
            Ok(())
        })
        .unwrap();
        ch.send(&mut lp, &(0u64, "ping")).unwrap();
        let mut n = 0;
        lp.run(RunMode::Default, &mut n).unwrap();
        assert_eq!(n, N, "{mode:?}");
        assert_eq!(peer.join().unwrap(), N as usize);
    }
}

#[test]
fn a_json_message_is_nodes_bytes_on_the_wire() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.send(&mut lp, &json!({"a": [1, "x\ny"], "b": null}))
        .unwrap();
    ch.send(&mut lp, "hi").unwrap();
    ch.disconnect(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut Seen::default()).unwrap();
    let mut got = String::new();
    raw.read_to_string(&mut got).unwrap();
    assert_eq!(got, "{\"a\":[1,\"x\\ny\"],\"b\":null}\n\"hi\"\n");
}

#[test]
fn a_message_split_across_reads_arrives_once_whole() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    record(&mut lp, ch);
    let mut seen = Seen::default();
    raw.write_all(b"{\"part\":\"one").unwrap();
    lp.run(RunMode::Once, &mut seen).unwrap();
    assert!(seen.msgs.is_empty(), "nothing before the newline");
    raw.write_all(b" and two\"}").unwrap();
    lp.run(RunMode::Once, &mut seen).unwrap();
    assert!(seen.msgs.is_empty());
    raw.write_all(b"\n").unwrap();
    lp.run(RunMode::Once, &mut seen).unwrap();
    assert_eq!(seen.msgs, [json!({"part": "one and two"})]);
}

#[test]
fn many_messages_in_one_read_are_each_delivered_in_order() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    record(&mut lp, ch);
    let text: String = (0..500).map(|i| format!("{{\"i\":{i}}}\n")).collect();
    raw.write_all(text.as_bytes()).unwrap();
    drop(raw);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    let want: Vec<Value> = (0..500).map(|i| json!({ "i": i })).collect();
    assert_eq!(seen.msgs, want);
    assert_eq!(seen.events.last(), Some(&"ipc.disconnect"));
}

#[test]
fn internal_messages_are_routed_apart_from_user_messages() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    record(&mut lp, ch);
    raw.write_all(
        b"{\"cmd\":\"NODE_CLUSTER\",\"act\":\"online\"}\n\
          {\"cmd\":\"NODE_\"}\n\
          {\"cmd\":\"node_x\"}\n\
          {\"cmd\":\"NODE_HANDLE_ACK\"}\n\
          {\"msg\":\"NODE_X\"}\n",
    )
    .unwrap();
    drop(raw);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(
        seen.internal,
        [json!({"cmd":"NODE_CLUSTER","act":"online"})]
    );
    assert_eq!(
        seen.msgs,
        [
            json!({"cmd":"NODE_"}),
            json!({"cmd":"node_x"}),
            json!({"msg":"NODE_X"})
        ],
        "Node's rule: a cmd longer than NODE_ that starts with it; a stray ACK is consumed"
    );
}

#[test]
fn internal_messages_are_routed_in_ruv_mode_too() {
    let (a, b) = pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let ca = Channel::open(&mut lp, a, Serialization::Ruv).unwrap();
    let cb = Channel::open(&mut lp, b, Serialization::Ruv).unwrap();
    cb.on_event(
        &mut lp,
        |_, seen: &mut Seen, _, ev| -> ruv_core::Result<()> {
            match ev {
                // a user message, even with a NODE_ cmd: its postcard bytes, typed
                ChannelEvent::Message(m) => {
                    let (k, v): (String, String) = m.deserialize()?;
                    seen.msgs.push(json!({ k: v }));
                }
                ChannelEvent::Internal(m) => seen.internal.push(m.value().clone()),
                _ => {}
            }
            Ok(())
        },
    )
    .unwrap();
    let done = |_: &mut Loop<Seen>, _: &mut Seen, r: ruv_core::Result<()>| r;
    ca.send_internal(&mut lp, &json!({"cmd": "NODE_X", "n": 1}), None, done)
        .unwrap();
    ca.send(&mut lp, &("cmd", "NODE_Y")).unwrap();
    let err = ca
        .send_internal(&mut lp, &json!({"cmd": "X"}), None, done)
        .unwrap_err();
    assert_eq!(err.code(), Code::ERR_INVALID_ARG_VALUE);
    ca.disconnect(&mut lp).unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.internal, [json!({"cmd": "NODE_X", "n": 1})]);
    assert_eq!(seen.msgs, [json!({"cmd": "NODE_Y"})]);
}

#[test]
fn garbage_and_invalid_json_are_error_events_and_the_channel_goes_on() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    record(&mut lp, ch);
    raw.write_all(b"garbage\n{\"a\":\n\n\"ok\"\n\"bad \xff utf-8\"\n")
        .unwrap();
    drop(raw);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.errors.len(), 3, "{:?}", seen.errors);
    for e in &seen.errors {
        assert!(
            e.starts_with("ERR_IPC_INVALID_MESSAGE: invalid JSON message: "),
            "{e}"
        );
    }
    // invalid UTF-8 is replaced, as Node's StringDecoder does
    assert_eq!(seen.msgs, [json!("ok"), json!("bad \u{fffd} utf-8")]);
}

#[test]
fn a_malformed_ruv_frame_is_an_error_event() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Ruv).unwrap();
    record(&mut lp, ch);
    // length 0; kind 9; an internal frame that is not JSON
    raw.write_all(&[0, 0, 0, 0, 1, 0, 0, 0, 9, 3, 0, 0, 0, 1, b'{', b'x'])
        .unwrap();
    drop(raw);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.errors.len(), 3, "{:?}", seen.errors);
    assert!(seen
        .errors
        .iter()
        .all(|e| e.starts_with("ERR_IPC_INVALID_MESSAGE")));
    assert_eq!(seen.events.last(), Some(&"ipc.disconnect"));
}

#[test]
fn send_after_disconnect_is_err_ipc_channel_closed() {
    let (a, b) = pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let ca = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let cb = Channel::open(&mut lp, b, Serialization::Json).unwrap();
    record(&mut lp, ca);
    record(&mut lp, cb);
    assert!(ca.connected(&lp));
    ca.send(&mut lp, &1).unwrap();
    ca.disconnect(&mut lp).unwrap();
    assert!(!ca.connected(&lp), "connected is false at once");
    let e = ca.send(&mut lp, &2).unwrap_err();
    assert_eq!(e.code(), ERR_IPC_CHANNEL_CLOSED);
    assert_eq!(e.to_string(), "ERR_IPC_CHANNEL_CLOSED: Channel closed");
    let e = ca.disconnect(&mut lp).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ERR_IPC_DISCONNECTED: IPC channel is already disconnected"
    );
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    // the message sent before disconnect was delivered; both ends saw Disconnect, last
    assert_eq!(seen.msgs, [json!(1)]);
    assert_eq!(
        seen.events,
        ["ipc.message", "ipc.disconnect", "ipc.disconnect"]
    );
    // after the close, as before it
    assert_eq!(
        ca.send(&mut lp, &3).unwrap_err().code(),
        ERR_IPC_CHANNEL_CLOSED
    );
    assert!(!cb.connected(&lp));
    assert_eq!(
        cb.disconnect(&mut lp).unwrap_err().code(),
        ERR_IPC_DISCONNECTED
    );
    assert_eq!(
        ca.on_event(&mut lp, |_, _, _, _| ()).unwrap_err().code(),
        Code::EBADF
    );
}

#[test]
fn a_peer_closing_in_the_middle_of_a_message_is_a_disconnect_and_the_part_is_dropped() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    record(&mut lp, ch);
    let done = |_: &mut Loop<Seen>, seen: &mut Seen, r: ruv_core::Result<()>| {
        seen.errors
            .push(format!("send: {}", r.unwrap_err().code().name()));
    };
    raw.write_all(b"1\n{\"half").unwrap();
    drop(raw);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.msgs, [json!(1)]);
    assert_eq!(seen.events, ["ipc.message", "ipc.disconnect"]);
    assert_eq!(
        ch.send_cb(&mut lp, &1, done).unwrap_err().code(),
        ERR_IPC_CHANNEL_CLOSED
    );
}

#[test]
fn send_returns_false_under_backpressure_then_drain_and_every_callback_runs() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<(Seen, usize)> = Loop::new().unwrap();
    guard(&mut lp, 60_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(
        &mut lp,
        |lp, st: &mut (Seen, usize), ch, ev| -> ruv_core::Result<()> {
            st.0.events.push(ev.kind());
            if let ChannelEvent::Drain = ev {
                assert_eq!(ch.write_queue_size(lp)?, 0);
                ch.disconnect(lp)?;
            }
            Ok(())
        },
    )
    .unwrap();
    let msg = "y".repeat(16 * 1024);
    let mut sent = 0;
    let mut total = 0;
    // nobody reads: the queue grows past the mark
    while ch
        .send_cb(
            &mut lp,
            &msg,
            |_, st: &mut (Seen, usize), r| -> ruv_core::Result<()> {
                r?;
                st.1 += 1;
                Ok(())
            },
        )
        .unwrap()
    {
        sent += 1;
        total += msg.len() + 3;
        assert!(sent < 1000, "send never said false");
    }
    sent += 1;
    total += msg.len() + 3;
    assert!(ch.write_queue_size(&lp).unwrap() >= HIGH_WATER_MARK);
    let reader = std::thread::spawn(move || {
        let mut n = 0;
        let mut buf = vec![0; 65536];
        loop {
            match raw.read(&mut buf).unwrap() {
                0 => return n,
                k => n += k,
            }
        }
    });
    let mut st = (Seen::default(), 0);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.1, sent, "every send's callback ran, with Ok");
    assert_eq!(st.0.events, ["ipc.drain", "ipc.disconnect"]);
    assert_eq!(reader.join().unwrap(), total, "every byte arrived");
}

#[test]
fn an_unreferenced_channel_does_not_keep_the_loop_alive() {
    let (a, _raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    record(&mut lp, ch);
    assert!(ch.has_ref(&lp).unwrap());
    ch.set_ref(&mut lp, false);
    assert!(!ch.has_ref(&lp).unwrap());
    // the peer stays open: only the unref'd channel is left, and run returns
    assert!(!lp.run(RunMode::Default, &mut Seen::default()).unwrap());
    ch.set_ref(&mut lp, true);
    assert!(lp.alive());
    ch.set_ref(&mut lp, false);
    assert!(!lp.alive());
}

#[test]
fn messages_received_before_the_callback_is_set_are_delivered_to_it() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    raw.write_all(b"1\n{\"cmd\":\"NODE_X\"}\n2\n").unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Once, &mut seen).unwrap();
    record(&mut lp, ch);
    drop(raw);
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.msgs, [json!(1), json!(2)]);
    assert_eq!(seen.internal, [json!({"cmd": "NODE_X"})]);
}

#[test]
fn an_error_returned_by_the_callback_reaches_run_and_the_next_run_goes_on() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(
        &mut lp,
        |_, seen: &mut Seen, _, ev| -> ruv_core::Result<()> {
            if let ChannelEvent::Message(m) = ev {
                let v: Value = m.deserialize()?;
                seen.msgs.push(v.clone());
                if v == json!("fail") {
                    return Err(ruv_core::Error::new(Code::EINVAL));
                }
            }
            Ok(())
        },
    )
    .unwrap();
    raw.write_all(b"1\n\"fail\"\n2\n3\n").unwrap();
    drop(raw);
    let mut seen = Seen::default();
    let e = lp.run(RunMode::Default, &mut seen).unwrap_err();
    assert_eq!(e.code(), Code::EINVAL);
    assert_eq!(seen.msgs, [json!(1), json!("fail")]);
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.msgs, [json!(1), json!("fail"), json!(2), json!(3)]);
}

#[test]
fn a_message_that_does_not_deserialize_as_asked_is_err_ipc_invalid_message() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(&mut lp, |_, seen: &mut Seen, _, ev| {
        if let ChannelEvent::Message(m) = ev {
            let e = m.deserialize::<u32>().unwrap_err();
            seen.errors.push(e.code().name().to_string());
            assert_eq!(m.bytes(), b"\"text\"");
        }
    })
    .unwrap();
    raw.write_all(b"\"text\"\n").unwrap();
    drop(raw);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.errors, ["ERR_IPC_INVALID_MESSAGE"]);
}

#[test]
fn typed_messages_make_a_round_trip_in_ruv_mode() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Clone)]
    struct Job<'a> {
        id: u64,
        name: &'a str,
        weights: Vec<f32>,
        done: Option<bool>,
    }
    let (a, b) = pair();
    let peer = echo_peer(b, Serialization::Ruv);
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let ch = Channel::open(&mut lp, a, Serialization::Ruv).unwrap();
    assert_eq!(ch.serialization(&lp).unwrap(), Serialization::Ruv);
    ch.on_event(&mut lp, |lp, got, ch, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            if got.is_empty() {
                let job: Job<'_> = m.deserialize()?; // borrows the name from the message
                assert_eq!(job.weights, [0.5, 1.5]);
                got.push(job.name.to_string());
            } else {
                got.push(format!("raw {:?}", m.bytes()));
                ch.disconnect(lp)?;
            }
        }
        Ok(())
    })
    .unwrap();
    let job = Job {
        id: 1,
        name: "resize",
        weights: vec![0.5, 1.5],
        done: None,
    };
    ch.send(&mut lp, &job).unwrap();
    ch.send_bytes(&mut lp, &[1, 2, 3]).unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, ["resize", "raw [1, 2, 3]"]);
    assert_eq!(peer.join().unwrap(), 2);
}

#[test]
fn advanced_serialization_and_unknown_modes_are_clear_errors() {
    let e = Serialization::from_name("advanced").unwrap_err();
    assert_eq!(e.code(), ERR_IPC_UNSUPPORTED_SERIALIZATION);
    assert!(e.to_string().contains("V8's serializer"), "{e}");
    let e: ruv_core::Error = "yaml".parse::<Serialization>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "ERR_INVALID_ARG_VALUE: The property 'options.serialization' must be one of: \
         'json', 'ruv'. Received 'yaml'"
    );
    assert_eq!("ruv".parse::<Serialization>().unwrap().name(), "ruv");
    let (a, _b) = pair();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let e = ch.send_bytes(&mut lp, b"x").unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
}

#[test]
fn only_a_unix_stream_socket_can_be_a_channel() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let e = Channel::open(&mut lp, tcp.into(), Serialization::Json).unwrap_err();
    assert_eq!(e.code(), Code::EPROTOTYPE);
    let file = std::fs::File::open("/dev/null").unwrap();
    let e = Channel::open(&mut lp, file.into(), Serialization::Json).unwrap_err();
    assert_eq!(e.code(), Code::ENOTSOCK);
}
