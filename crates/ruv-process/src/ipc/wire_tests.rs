//! Framing and classification, without sockets.

use super::*;
use serde_json::json;

fn json_frames(d: &mut Decoder, buf: &[u8], pos: &mut usize) -> Vec<Result<String>> {
    let mut out = Vec::new();
    while let Some(f) = d.next(buf, pos) {
        out.push(f.map(|f| match f {
            Frame::Json { start, end } => String::from_utf8(buf[start..end].to_vec()).unwrap(),
            other => panic!("{other:?}"),
        }));
    }
    out
}

#[test]
fn several_json_messages_in_one_read_are_split_on_newlines() {
    let mut d = Decoder::new(Serialization::Json, 1 << 20);
    let buf = b"{\"a\":1}\n2\n\"x\"\n{\"par";
    let mut pos = 0;
    let got: Vec<String> = json_frames(&mut d, buf, &mut pos)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, ["{\"a\":1}", "2", "\"x\""]);
    assert_eq!(&buf[pos..], b"{\"par");
    assert!(d.buffering(buf.len() - pos));
}

#[test]
fn a_json_message_split_across_reads_is_found_once_complete() {
    let mut d = Decoder::new(Serialization::Json, 1 << 20);
    let mut buf = b"{\"long\":\"abc".to_vec();
    let mut pos = 0;
    assert!(d.next(&buf, &mut pos).is_none());
    buf.extend_from_slice(b"def\"}");
    assert!(d.next(&buf, &mut pos).is_none());
    buf.extend_from_slice(b"\n");
    let got = json_frames(&mut d, &buf, &mut pos);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_deref().unwrap(), "{\"long\":\"abcdef\"}");
    assert!(!d.buffering(buf.len() - pos));
}

#[test]
fn an_oversized_json_line_is_one_error_and_the_next_message_still_arrives() {
    let mut d = Decoder::new(Serialization::Json, 8);
    // arrives in pieces: the cap is seen before the newline
    let mut buf = b"\"0123456789".to_vec();
    let mut pos = 0;
    let first = d.next(&buf, &mut pos).unwrap().unwrap_err();
    assert_eq!(first.code(), codes::ERR_IPC_MESSAGE_TOO_LARGE);
    assert_eq!(
        pos,
        buf.len(),
        "the oversized bytes are dropped as they come"
    );
    buf.extend_from_slice(b"abcdef\"\n1\n");
    let got = json_frames(&mut d, &buf, &mut pos);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_deref().unwrap(), "1");
    // complete in one read
    let buf = b"\"0123456789\"\n2\n";
    let mut pos = 0;
    let got = json_frames(&mut d, buf, &mut pos);
    assert_eq!(
        got[0].as_ref().unwrap_err().code(),
        codes::ERR_IPC_MESSAGE_TOO_LARGE
    );
    assert_eq!(got[1].as_deref().unwrap(), "2");
}

#[test]
fn ruv_frames_split_anywhere_decode_to_the_same_messages() {
    let mut wire = Vec::new();
    encode(Serialization::Ruv, &mut wire, Payload::User(&(1u32, "one"))).unwrap();
    encode(Serialization::Ruv, &mut wire, Payload::<()>::Bytes(b"raw")).unwrap();
    encode(
        Serialization::Ruv,
        &mut wire,
        Payload::Internal(&json!({"cmd":"NODE_X"})),
    )
    .unwrap();
    for cut in 0..wire.len() {
        let mut d = Decoder::new(Serialization::Ruv, 1 << 20);
        let mut buf = wire[..cut].to_vec();
        let mut pos = 0;
        let mut got = Vec::new();
        let mut take = |buf: &Vec<u8>, pos: &mut usize, d: &mut Decoder| {
            while let Some(f) = d.next(buf, pos) {
                match f.unwrap() {
                    Frame::Ruv { kind, start, end } => got.push((kind, buf[start..end].to_vec())),
                    other => panic!("{other:?}"),
                }
            }
        };
        take(&buf, &mut pos, &mut d);
        buf.extend_from_slice(&wire[cut..]);
        take(&buf, &mut pos, &mut d);
        assert_eq!(got.len(), 3, "cut at {cut}");
        assert_eq!(got[0].0, KIND_USER);
        assert_eq!(
            postcard::from_bytes::<(u32, &str)>(&got[0].1).unwrap(),
            (1, "one")
        );
        assert_eq!(got[1], (KIND_USER, b"raw".to_vec()));
        assert_eq!(got[2], (KIND_INTERNAL, br#"{"cmd":"NODE_X"}"#.to_vec()));
        assert_eq!(pos, wire.len());
    }
}

#[test]
fn an_oversized_ruv_frame_is_skipped_by_its_length() {
    let mut wire = Vec::new();
    encode(
        Serialization::Ruv,
        &mut wire,
        Payload::<()>::Bytes(&[7; 100]),
    )
    .unwrap();
    encode(Serialization::Ruv, &mut wire, Payload::<()>::Bytes(b"ok")).unwrap();
    let mut d = Decoder::new(Serialization::Ruv, 10);
    let mut pos = 0;
    let (a, b) = wire.split_at(30);
    let mut buf = a.to_vec();
    let e = d.next(&buf, &mut pos).unwrap().unwrap_err();
    assert_eq!(e.code(), codes::ERR_IPC_MESSAGE_TOO_LARGE);
    assert!(d.next(&buf, &mut pos).is_none());
    buf.extend_from_slice(b);
    match d.next(&buf, &mut pos).unwrap().unwrap() {
        Frame::Ruv { start, end, .. } => assert_eq!(&buf[start..end], b"ok"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_zero_length_ruv_frame_is_an_invalid_message() {
    let mut d = Decoder::new(Serialization::Ruv, 10);
    let buf = [0u8; 4];
    let mut pos = 0;
    let e = d.next(&buf, &mut pos).unwrap().unwrap_err();
    assert_eq!(e.code(), codes::ERR_IPC_INVALID_MESSAGE);
    assert_eq!(d.wanted(&buf, 0), 0);
}

#[test]
fn internal_means_what_nodes_is_internal_means() {
    assert!(is_internal(&json!({"cmd": "NODE_HANDLE"})));
    assert!(is_internal(&json!({"cmd": "NODE_CLUSTER", "x": 1})));
    assert!(
        !is_internal(&json!({"cmd": "NODE_"})),
        "the prefix alone is not internal"
    );
    assert!(!is_internal(&json!({"cmd": "node_x"})));
    assert!(!is_internal(&json!({"cmd": 5})));
    assert!(!is_internal(&json!(["NODE_X"])));
    assert!(!is_internal(&json!("NODE_X")));
}

#[test]
fn json_lines_are_classified_and_garbage_is_a_typed_error() {
    assert!(matches!(classify_json(br#"{"a":[1,2]}"#), Ok(Line::User)));
    assert!(matches!(
        classify_json(br#"{"cmd":"NODE_X"}"#),
        Ok(Line::Internal(_))
    ));
    assert!(matches!(
        classify_json(br#"{"cmd":"\u004eODE_X"}"#),
        Ok(Line::Internal(_))
    ));
    assert!(matches!(
        classify_json(br#"{"msg":"NODE_X"}"#),
        Ok(Line::User)
    ));
    for bad in [&b"garbage"[..], b"{\"a\":", b"", b"1 2", b"{\"NODE_\":}"] {
        let e = classify_json(bad).unwrap_err();
        assert_eq!(e.code(), codes::ERR_IPC_INVALID_MESSAGE, "{bad:?}");
        assert!(e
            .to_string()
            .starts_with("ERR_IPC_INVALID_MESSAGE: invalid JSON message"));
    }
}

#[test]
fn json_handle_envelopes_are_nodes_bytes() {
    let mut buf = Vec::new();
    let h = HandleHeader {
        type_name: "net.Server",
        dgram_type: None,
    };
    encode_handle(
        Serialization::Json,
        &mut buf,
        h,
        Payload::User(&json!({"a": 1})),
    )
    .unwrap();
    assert_eq!(
        buf,
        b"{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":{\"a\":1}}\n"
    );
    let mut buf = Vec::new();
    let h = HandleHeader {
        type_name: "dgram.Socket",
        dgram_type: Some("udp4"),
    };
    encode_handle(Serialization::Json, &mut buf, h, Payload::User("hi")).unwrap();
    assert_eq!(
        buf,
        b"{\"cmd\":\"NODE_HANDLE\",\"type\":\"dgram.Socket\",\"msg\":\"hi\",\"dgramType\":\"udp4\"}\n"
    );
}

#[test]
fn ruv_handle_envelopes_carry_the_header_and_the_inner_message() {
    let mut buf = Vec::new();
    let h = HandleHeader {
        type_name: "net.Socket",
        dgram_type: None,
    };
    encode_handle(Serialization::Ruv, &mut buf, h, Payload::User(&42u64)).unwrap();
    let mut d = Decoder::new(Serialization::Ruv, 1 << 20);
    let mut pos = 0;
    let Some(Ok(Frame::Ruv { kind, start, end })) = d.next(&buf, &mut pos) else {
        panic!()
    };
    assert_eq!(kind, KIND_HANDLE);
    let (header, inner, payload) = split_ruv_handle(&buf[start..end]).unwrap();
    assert_eq!(header, json!({"cmd":"NODE_HANDLE","type":"net.Socket"}));
    assert_eq!(inner, KIND_USER);
    assert_eq!(postcard::from_bytes::<u64>(payload).unwrap(), 42);
    assert!(split_ruv_handle(&[1, 0]).is_err());
    assert!(split_ruv_handle(&[200, 0, 0, 0, b'{']).is_err());
}

#[test]
fn a_message_that_cannot_be_serialized_leaves_the_buffer_as_it_was() {
    use std::collections::HashMap;
    let mut buf = b"before".to_vec();
    let bad: HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let e = encode(Serialization::Json, &mut buf, Payload::User(&bad)).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
    assert_eq!(buf, b"before");
    let e = encode(Serialization::Json, &mut buf, Payload::<()>::Bytes(b"x")).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
    assert_eq!(buf, b"before");
}
