//! The head parser's unit tests.

use super::*;

const LIM: Limits = Limits {
    max_header_size: 16 * 1024,
    max_headers_count: 2000,
};

fn req(b: &[u8]) -> Result<(Parsed, RequestHead)> {
    let mut h = RequestHead::default();
    request(b, &LIM, &mut h).map(|p| (p, h))
}

fn code(b: &[u8]) -> &'static str {
    req(b).unwrap_err().code().name()
}

#[test]
fn simple_request_parses_with_offsets() {
    let (p, h) = req(b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\nrest").unwrap();
    assert_eq!(p, Parsed::Complete(30));
    assert_eq!(
        (h.method(), h.url(), h.http_version()),
        ("GET", "/a?b", "1.1")
    );
    assert_eq!(h.headers().get("host").as_deref(), Some("x"));
    assert!(h.keep_alive());
    assert_eq!(h.framing(), Framing::Empty);
}

#[test]
fn smuggling_framings_are_rejected() {
    let cl_te = b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(code(cl_te), "HPE_INVALID_TRANSFER_ENCODING");
    let dup = b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n";
    assert_eq!(code(dup), "HPE_UNEXPECTED_CONTENT_LENGTH");
    let plus = b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n";
    assert_eq!(code(plus), "HPE_INVALID_CONTENT_LENGTH");
    let huge = b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    assert_eq!(code(huge), "HPE_INVALID_CONTENT_LENGTH");
    let te = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
    assert_eq!(code(te), "HPE_INVALID_TRANSFER_ENCODING");
}

#[test]
fn bare_lf_and_unknown_methods_are_rejected() {
    assert_eq!(
        code(b"GET / HTTP/1.1\nHost: a\r\n\r\n"),
        "HPE_INVALID_VERSION"
    );
    assert_eq!(code(b"GET / HTTP/1.1\r\nHost: a\n\r\n"), "HPE_CR_EXPECTED");
    assert_eq!(code(b"FOO / HTTP/1.1\r\n\r\n"), "HPE_INVALID_METHOD");
}

#[test]
fn http10_keeps_alive_only_when_asked() {
    let (_, h) = req(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert!(!h.keep_alive());
    let (_, h) = req(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
    assert!(h.keep_alive());
}

#[test]
fn a_head_over_the_limit_overflows_even_when_partial() {
    let mut b = b"GET / HTTP/1.1\r\nX: ".to_vec();
    b.resize(LIM.max_header_size + 100, b'a');
    assert_eq!(code(&b), "HPE_HEADER_OVERFLOW");
}

#[test]
fn many_headers_parse_past_the_stack_array() {
    let mut b = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..500 {
        b.extend_from_slice(format!("h{i}: v\r\n").as_bytes());
    }
    b.extend_from_slice(b"\r\n");
    let (_, h) = req(&b).unwrap();
    assert_eq!(h.headers().len(), 500);
}

#[test]
fn response_heads_parse() {
    let mut h = ResponseHead::default();
    let b = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc";
    assert_eq!(
        response(b, &LIM, false, &mut h).unwrap(),
        Parsed::Complete(45)
    );
    assert_eq!(h.status_code(), 404);
    assert_eq!(h.status_message(), "Not Found");
    assert_eq!(h.framing(), Framing::Length(3));
}
