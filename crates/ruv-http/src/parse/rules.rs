//! llhttp's rules beyond httparse's: line ends, the request line byte by byte, what
//! counts against `max_header_size`, `Content-Length` / `Transfer-Encoding`, and the code
//! of a failed parse.

use super::{Framing, Info, Limits, METHODS};
use crate::codes::*;
use ruv_core::{Error, Result};

pub(super) fn known_method(m: &str) -> bool {
    // the common ones first, without a scan
    matches!(m, "GET" | "POST" | "HEAD" | "PUT" | "DELETE") || METHODS.contains(&m)
}

pub(super) fn err(code: ruv_core::Code) -> Error {
    Error::new(code)
}

/// The bytes of the empty lines before a request line (Node skips `\n` and `\r\n`).
pub(super) fn leading_empty_lines(b: &[u8]) -> usize {
    let mut i = 0;
    loop {
        if b[i..].starts_with(b"\r\n") {
            i += 2;
        } else if b[i..].starts_with(b"\n") {
            i += 1;
        } else {
            return i;
        }
    }
}

/// Every LF must follow a CR, every CR precede an LF (llhttp without its lenient flags),
/// with llhttp's code for where the bare byte is.
pub(super) fn check_line_ends(head: &[u8]) -> Result<()> {
    let start = leading_empty_lines(head);
    let head = &head[start..];
    let mut prev = 0u8;
    let mut line = 0usize;
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' && prev != b'\r' {
            let code = if line == 0 {
                HPE_INVALID_VERSION
            } else if i >= 1 && head[..i].ends_with(b"\r\n") {
                HPE_INVALID_HEADER_TOKEN
            } else {
                HPE_CR_EXPECTED
            };
            return Err(err(code));
        }
        if prev == b'\r' && b != b'\n' {
            let code = if line == 0 || head[..i].ends_with(b"\n\r") {
                HPE_STRICT
            } else {
                HPE_LF_EXPECTED
            };
            return Err(err(code));
        }
        if b == b'\n' {
            line += 1;
        }
        prev = b;
    }
    Ok(())
}

/// What Node counts against `max_header_size` in a (possibly partial) head: the URL and
/// every header name and value (not the method, version, separators, line ends or the
/// spaces before a value).
pub(super) fn node_header_bytes(buf: &[u8]) -> usize {
    let b = &buf[leading_empty_lines(buf)..];
    let mut lines = b.split(|&c| c == b'\n');
    let mut n = 0;
    if let Some(first) = lines.next() {
        let mut parts = first.split(|&c| c == b' ').filter(|p| !p.is_empty());
        parts.next();
        n += parts.next().map_or(0, |u| u.len());
    }
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        match line.iter().position(|&c| c == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                let lead = value
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
                n += colon + value.len() - lead;
            }
            None => n += line.len(),
        }
    }
    n
}

/// The most bytes a partial head may take on the wire, whatever Node would count: leading
/// empty lines and padding are not free.
pub(super) fn wire_cap(lim: &Limits) -> usize {
    lim.max_header_size
        .saturating_mul(4)
        .max(lim.max_header_size + 64 * 1024)
}

/// Maps an httparse error to llhttp's code.
pub(super) fn map_err(e: httparse::Error) -> Error {
    err(match e {
        httparse::Error::HeaderName => HPE_INVALID_HEADER_TOKEN,
        httparse::Error::HeaderValue => HPE_INVALID_HEADER_TOKEN,
        httparse::Error::NewLine => HPE_LF_EXPECTED,
        httparse::Error::Status => HPE_INVALID_CONSTANT,
        httparse::Error::Token => HPE_INVALID_METHOD,
        httparse::Error::Version => HPE_INVALID_VERSION,
        httparse::Error::TooManyHeaders => HPE_HEADER_OVERFLOW,
    })
}

/// Parses `Content-Length`: digits only (httparse has trimmed the surrounding spaces).
pub(super) fn content_length(v: &[u8]) -> Result<u64> {
    if v.is_empty() {
        return Err(err(HPE_INVALID_CONTENT_LENGTH));
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return Err(err(HPE_INVALID_CONTENT_LENGTH));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| err(HPE_INVALID_CONTENT_LENGTH))?;
    }
    Ok(n)
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
pub(crate) fn has_token(v: &[u8], token: &str) -> bool {
    v.split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// The bytes between a value's end (as httparse trimmed it) and its line's CR.
pub(super) fn trailing_ws<'a>(head: &'a [u8], value: &[u8]) -> &'a [u8] {
    let end = value.as_ptr() as usize + value.len();
    let start = head.as_ptr() as usize;
    if end < start || end > start + head.len() {
        return b"";
    }
    let rest = &head[end - start..];
    let stop = rest
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(rest.len());
    &rest[..stop]
}

/// The semantic pass over the fields, shared by requests and responses.
pub(super) fn message_info(
    head: &[u8],
    hs: &[httparse::Header<'_>],
    minor: u8,
    request: bool,
) -> Result<Info> {
    let mut info = Info::default();
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut te = false;
    let mut conn_keep = false;
    let mut conn_upgrade = false;
    let mut upgrade_hdr = false;
    for h in hs {
        let name = h.name.as_bytes();
        // dispatch on length first: most headers are none of these
        match name.len() {
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                if te {
                    // llhttp reports the second of the two
                    return Err(err(HPE_INVALID_CONTENT_LENGTH)
                        .with_detail("Content-Length can't be present with Transfer-Encoding"));
                }
                if length.is_some() {
                    return Err(err(HPE_UNEXPECTED_CONTENT_LENGTH));
                }
                // spaces may follow the digits, a tab may not
                if trailing_ws(head, h.value).contains(&b'\t') {
                    return Err(err(HPE_INVALID_CONTENT_LENGTH));
                }
                length = Some(content_length(h.value)?);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                if length.is_some() {
                    return Err(err(HPE_INVALID_TRANSFER_ENCODING)
                        .with_detail("Transfer-Encoding can't be present with Content-Length"));
                }
                // `chunked` must be the last coding: nothing may follow it, even in a
                // later header
                for coding in h.value.split(|&b| b == b',') {
                    if chunked && request {
                        return Err(err(HPE_INVALID_TRANSFER_ENCODING));
                    }
                    chunked = coding.trim_ascii().eq_ignore_ascii_case(b"chunked");
                }
                te = true;
            }
            10 if name.eq_ignore_ascii_case(b"connection") => {
                if has_token(h.value, "close") {
                    info.connection_close = true;
                }
                if has_token(h.value, "keep-alive") {
                    conn_keep = true;
                }
                if has_token(h.value, "upgrade") {
                    conn_upgrade = true;
                }
            }
            6 if name.eq_ignore_ascii_case(b"expect") => {
                if h.value.eq_ignore_ascii_case(b"100-continue") {
                    info.expect_continue = true;
                } else {
                    info.expect_other = true;
                }
            }
            7 if name.eq_ignore_ascii_case(b"upgrade") => upgrade_hdr = true,
            _ => {}
        }
    }
    info.upgrade = conn_upgrade && upgrade_hdr;
    info.framing = if te {
        if chunked {
            Framing::Chunked
        } else if request {
            return Err(err(HPE_INVALID_TRANSFER_ENCODING));
        } else {
            Framing::UntilClose
        }
    } else {
        match length {
            Some(0) => Framing::Empty,
            Some(n) => Framing::Length(n),
            None if request => Framing::Empty,
            None => Framing::UntilClose,
        }
    };
    info.keep_alive = if minor >= 1 {
        !info.connection_close
    } else {
        conn_keep && !info.connection_close
    };
    Ok(info)
}

/// llhttp's code for a failed parse: an overflow whatever else is wrong, then what is
/// wrong with a request line, then a bare CR or LF, then httparse's own verdict.
pub(super) fn classify(buf: &[u8], e: httparse::Error, request: bool) -> Error {
    if e == httparse::Error::TooManyHeaders {
        return err(HPE_HEADER_OVERFLOW);
    }
    if request {
        if let Some(e) = request_line_error(buf) {
            return e;
        }
    } else {
        // a status line starts with `HTTP/` (llhttp: "Expected HTTP/, RTSP/ or ICE/")
        let b = &buf[leading_empty_lines(buf)..];
        let n = b.len().min(5);
        if b[..n] != b"HTTP/"[..n] {
            return err(HPE_INVALID_CONSTANT);
        }
    }
    if let Err(e) = check_line_ends(buf) {
        return e;
    }
    map_err(e)
}

/// Checks a (possibly partial) request line as llhttp reads it, byte by byte: a known
/// method, single or repeated spaces, a target of visible ASCII, `HTTP/1.0` or
/// `HTTP/1.1`, CRLF. `None` when nothing is wrong so far.
pub(super) fn request_line_error(buf: &[u8]) -> Option<Error> {
    let b = &buf[leading_empty_lines(buf)..];
    let m_end = b
        .iter()
        .position(|&c| !(c.is_ascii_uppercase() || c == b'-'))
        .unwrap_or(b.len());
    let m = &b[..m_end];
    if m_end == b.len() {
        // still in the method: it must be the start of a known one
        return (!METHODS.iter().any(|k| k.as_bytes().starts_with(m)))
            .then(|| err(HPE_INVALID_METHOD));
    }
    if b[m_end] != b' ' || !METHODS.iter().any(|k| k.as_bytes() == m) {
        return Some(err(HPE_INVALID_METHOD));
    }
    let mut i = m_end;
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let url_start = i;
    while i < b.len() && !matches!(b[i], b' ' | b'\r' | b'\n') {
        if !(0x21..0x7f).contains(&b[i]) {
            return Some(err(HPE_INVALID_URL));
        }
        i += 1;
    }
    if i == b.len() {
        return None;
    }
    let url = &b[url_start..i];
    let form_ok = url.first() == Some(&b'/')
        || url == b"*"
        || url.windows(3).any(|w| w == b"://")
        || m == b"CONNECT";
    if !form_ok {
        return Some(err(HPE_INVALID_URL));
    }
    if b[i] != b' ' {
        // no version: HTTP/0.9, which ruv does not serve
        return Some(err(HPE_INVALID_VERSION));
    }
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let v = &b[i..];
    for (k, &c) in v.iter().take(8).enumerate() {
        let ok = match k {
            0..=4 => c == b"HTTP/"[k],
            5 => c == b'1',
            6 => c == b'.',
            _ => c == b'0' || c == b'1',
        };
        if !ok {
            return Some(err(if k < 5 {
                HPE_INVALID_CONSTANT
            } else {
                HPE_INVALID_VERSION
            }));
        }
    }
    match (v.get(8), v.get(9)) {
        (None, _) | (Some(b'\r'), None) | (Some(b'\r'), Some(b'\n')) => None,
        (Some(b'\r'), Some(_)) => Some(err(HPE_STRICT)),
        _ => Some(err(HPE_INVALID_VERSION)),
    }
}
