//! The message head parser: request and status lines and the header block through
//! `httparse` (strict by default: no obs-fold, single spaces, token names, no control bytes
//! in values), then llhttp's extra rules as Node 20 applies them: CRLF line ends, known
//! methods, HTTP/1.0 and 1.1 only, `max_header_size` over the whole head, one plain
//! decimal `Content-Length` and never beside `Transfer-Encoding`, `chunked` last.

use crate::codes::*;
use crate::headers::Headers;
use ruv_core::{Error, Result};

/// How the body of a message is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (responses only).
    UntilClose,
}

/// What the headers say about the message beyond its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Info {
    pub(crate) framing: Framing,
    /// llhttp's `should_keep_alive` for the message.
    pub(crate) keep_alive: bool,
    /// `Expect: 100-continue`.
    pub(crate) expect_continue: bool,
    /// An `Expect` other than `100-continue`.
    pub(crate) expect_other: bool,
    /// `Connection: upgrade` with an `Upgrade` header, or CONNECT.
    pub(crate) upgrade: bool,
    /// `Connection: close` was sent.
    pub(crate) connection_close: bool,
}

impl Default for Info {
    fn default() -> Info {
        Info {
            framing: Framing::Empty,
            keep_alive: true,
            expect_continue: false,
            expect_other: false,
            upgrade: false,
            connection_close: false,
        }
    }
}

/// The parse limits (Node's `maxHeaderSize` and `maxHeadersCount`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_header_size: usize,
    pub(crate) max_headers_count: usize,
}

/// A request's method, target, version and headers.
#[derive(Clone, Debug, Default)]
pub struct RequestHead {
    pub(crate) headers: Headers,
    method: (u32, u32),
    url: (u32, u32),
    minor: u8,
    pub(crate) info: Info,
}

impl RequestHead {
    /// Parses a request head from the start of `buf` as the server does (llhttp's rules,
    /// `max_header_size` counted as Node counts it, at most `max_headers_count / 2`
    /// fields kept): `Ok(Some(n))` when the head took `n` bytes, `Ok(None)` when more are
    /// needed.
    ///
    /// # Errors
    /// The `HPE_*` code of the first thing wrong.
    ///
    /// ```
    /// let mut head = ruv_http::RequestHead::default();
    /// let n = head.parse(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 16384, 2000)?;
    /// assert_eq!((n, head.method(), head.url()), (Some(28), "GET", "/a"));
    /// # Ok::<(), ruv_core::Error>(())
    /// ```
    pub fn parse(
        &mut self,
        buf: &[u8],
        max_header_size: usize,
        max_headers_count: usize,
    ) -> Result<Option<usize>> {
        let lim = Limits {
            max_header_size,
            max_headers_count,
        };
        Ok(match request(buf, &lim, self)? {
            Parsed::Partial => None,
            Parsed::Complete(n) => Some(n),
        })
    }

    /// The method (`GET`, `POST` …; one of llhttp's methods).
    pub fn method(&self) -> &str {
        self.str_at(self.method)
    }

    /// The request target as sent (`/path?query`, `*`, `host:port` or an absolute URL).
    pub fn url(&self) -> &str {
        self.str_at(self.url)
    }

    /// `"1.1"` or `"1.0"` (Node's `httpVersion`).
    pub fn http_version(&self) -> &'static str {
        if self.minor == 0 {
            "1.0"
        } else {
            "1.1"
        }
    }

    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub fn version_minor(&self) -> u8 {
        self.minor
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Whether the request lets the connection stay open after its response.
    pub fn keep_alive(&self) -> bool {
        self.info.keep_alive
    }

    /// How the body is delimited.
    pub fn framing(&self) -> Framing {
        self.info.framing
    }

    fn str_at(&self, r: (u32, u32)) -> &str {
        // the method and target were checked to be ASCII by the parser
        std::str::from_utf8(&self.headers.raw[r.0 as usize..r.1 as usize]).unwrap_or("")
    }
}

/// A response's status, reason, version and headers (the client side).
#[derive(Clone, Debug, Default)]
pub struct ResponseHead {
    pub(crate) headers: Headers,
    status: u16,
    reason: (u32, u32),
    minor: u8,
    pub(crate) info: Info,
}

impl ResponseHead {
    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The reason phrase as sent (Node's `statusMessage`).
    pub fn status_message(&self) -> std::borrow::Cow<'_, str> {
        crate::headers::latin1(&self.headers.raw[self.reason.0 as usize..self.reason.1 as usize])
    }

    /// `"1.1"` or `"1.0"`.
    pub fn http_version(&self) -> &'static str {
        if self.minor == 0 {
            "1.0"
        } else {
            "1.1"
        }
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Whether the connection may be reused after this response.
    pub fn keep_alive(&self) -> bool {
        self.info.keep_alive
    }

    /// How the body is delimited.
    pub fn framing(&self) -> Framing {
        self.info.framing
    }
}

/// llhttp's methods (Node's `http.METHODS`).
pub const METHODS: [&str; 35] = [
    "ACL",
    "BIND",
    "CHECKOUT",
    "CONNECT",
    "COPY",
    "DELETE",
    "GET",
    "HEAD",
    "LINK",
    "LOCK",
    "M-SEARCH",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MOVE",
    "NOTIFY",
    "OPTIONS",
    "PATCH",
    "POST",
    "PROPFIND",
    "PROPPATCH",
    "PURGE",
    "PUT",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "SOURCE",
    "SUBSCRIBE",
    "TRACE",
    "UNBIND",
    "UNLINK",
    "UNLOCK",
    "UNSUBSCRIBE",
];

fn known_method(m: &str) -> bool {
    // the common ones first, without a scan
    matches!(m, "GET" | "POST" | "HEAD" | "PUT" | "DELETE") || METHODS.contains(&m)
}

fn err(code: ruv_core::Code) -> Error {
    Error::new(code)
}

/// The bytes of the empty lines before a request line (Node skips `\n` and `\r\n`).
fn leading_empty_lines(b: &[u8]) -> usize {
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
fn check_line_ends(head: &[u8]) -> Result<()> {
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
fn node_header_bytes(buf: &[u8]) -> usize {
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
fn wire_cap(lim: &Limits) -> usize {
    lim.max_header_size
        .saturating_mul(4)
        .max(lim.max_header_size + 64 * 1024)
}

/// Maps an httparse error to llhttp's code.
fn map_err(e: httparse::Error) -> Error {
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
fn content_length(v: &[u8]) -> Result<u64> {
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
fn trailing_ws<'a>(head: &'a [u8], value: &[u8]) -> &'a [u8] {
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
fn message_info(
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

/// The outcome of a head parse.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// More bytes are needed.
    Partial,
    /// The head took this many bytes (leading empty lines included).
    Complete(usize),
}

const STACK_HEADERS: usize = 48;

/// llhttp accepts runs of spaces between the parts of the request line.
fn config() -> httparse::ParserConfig {
    let mut c = httparse::ParserConfig::default();
    c.allow_multiple_spaces_in_request_line_delimiters(true);
    c
}

/// Parses a request head from `buf` into `out`.
pub(crate) fn request(buf: &[u8], lim: &Limits, out: &mut RequestHead) -> Result<Parsed> {
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let mut req = httparse::Request::new(&mut stack);
    match config().parse_request(&mut req, buf) {
        Ok(httparse::Status::Complete(n)) => finish_request(buf, n, &req, lim, out),
        Ok(httparse::Status::Partial) => partial(buf, lim, true),
        Err(httparse::Error::TooManyHeaders) => {
            // a field takes at least 3 bytes (`a:` CRLF is 4)
            let mut heap = vec![httparse::EMPTY_HEADER; buf.len().min(wire_cap(lim)) / 3 + 2];
            let mut req = httparse::Request::new(&mut heap);
            match config().parse_request(&mut req, buf) {
                Ok(httparse::Status::Complete(n)) => finish_request(buf, n, &req, lim, out),
                Ok(httparse::Status::Partial) => partial(buf, lim, true),
                Err(e) => Err(classify(buf, e, true)),
            }
        }
        Err(e) => Err(classify(buf, e, true)),
    }
}

/// llhttp's code for a failed parse: an overflow whatever else is wrong, then what is
/// wrong with a request line, then a bare CR or LF, then httparse's own verdict.
fn classify(buf: &[u8], e: httparse::Error, request: bool) -> Error {
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
fn request_line_error(buf: &[u8]) -> Option<Error> {
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

fn partial(buf: &[u8], lim: &Limits, request: bool) -> Result<Parsed> {
    if buf.len() > wire_cap(lim)
        || (buf.len() >= lim.max_header_size && node_header_bytes(buf) >= lim.max_header_size)
    {
        return Err(err(HPE_HEADER_OVERFLOW));
    }
    // what is wrong so far fails now, not when the head completes
    if request {
        if let Some(e) = request_line_error(buf) {
            return Err(e);
        }
    }
    let upto = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    check_line_ends(&buf[..upto])?;
    Ok(Parsed::Partial)
}

fn finish_request(
    buf: &[u8],
    n: usize,
    req: &httparse::Request<'_, '_>,
    lim: &Limits,
    out: &mut RequestHead,
) -> Result<Parsed> {
    let head = &buf[..n];
    check_line_ends(head)?;
    let path = req.path.unwrap_or("");
    // Node counts the spaces after a value, which httparse trims
    let counted = path.len()
        + req
            .headers
            .iter()
            .map(|h| h.name.len() + h.value.len() + trailing_ws(head, h.value).len())
            .sum::<usize>();
    if counted >= lim.max_header_size {
        return Err(err(HPE_HEADER_OVERFLOW));
    }
    let method = req.method.unwrap_or("");
    if !known_method(method) {
        return Err(err(HPE_INVALID_METHOD));
    }
    let minor = req.version.unwrap_or(1);
    if minor > 1 {
        return Err(err(HPE_INVALID_VERSION));
    }
    // visible ASCII only, and a form llhttp knows: origin (`/…`), `*`, absolute
    // (`scheme://…`) or, for CONNECT, authority (`host:port`)
    let p = path.as_bytes();
    let form_ok =
        p.first() == Some(&b'/') || path == "*" || path.contains("://") || method == "CONNECT";
    if !form_ok || !p.iter().all(|&b| (0x21..0x7f).contains(&b)) {
        return Err(err(HPE_INVALID_URL));
    }
    out.info = message_info(head, req.headers, minor, true)?;
    if method == "CONNECT" {
        out.info.upgrade = true;
    }
    out.minor = minor;
    // Node counts a name and a value as two of `maxHeadersCount`
    let keep = if lim.max_headers_count == 0 {
        usize::MAX
    } else {
        (lim.max_headers_count / 2).max(1)
    };
    out.headers.fill(head, req.headers, keep);
    let at = |s: &str| -> (u32, u32) {
        let start = s.as_ptr() as usize - head.as_ptr() as usize;
        (start as u32, (start + s.len()) as u32)
    };
    out.method = at(method);
    out.url = at(path);
    Ok(Parsed::Complete(n))
}

/// Parses a response head from `buf` into `out`; `head_request`: the request was HEAD
/// (no body whatever the headers say).
pub(crate) fn response(
    buf: &[u8],
    lim: &Limits,
    head_request: bool,
    out: &mut ResponseHead,
) -> Result<Parsed> {
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let mut heap;
    let mut res = httparse::Response::new(&mut stack);
    let mut r = res.parse(buf);
    if r == Err(httparse::Error::TooManyHeaders) {
        heap = vec![httparse::EMPTY_HEADER; buf.len().min(wire_cap(lim)) / 3 + 2];
        res = httparse::Response::new(&mut heap);
        r = res.parse(buf);
    }
    let n = match r {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return partial(buf, lim, false),
        Err(e) => return Err(classify(buf, e, false)),
    };
    let head = &buf[..n];
    check_line_ends(head)?;
    let counted: usize = res
        .headers
        .iter()
        .map(|h| h.name.len() + h.value.len())
        .sum();
    if counted >= lim.max_header_size {
        return Err(err(HPE_HEADER_OVERFLOW));
    }
    let minor = res.version.unwrap_or(1);
    let status = res.code.unwrap_or(0);
    let mut info = message_info(head, res.headers, minor, false)?;
    if head_request || status / 100 == 1 || status == 204 || status == 304 {
        info.framing = Framing::Empty;
    }
    out.info = info;
    out.minor = minor;
    out.status = status;
    out.headers.fill(head, res.headers, lim.max_headers_count);
    let reason = res.reason.unwrap_or("");
    let start = if reason.is_empty() {
        n as u32
    } else {
        (reason.as_ptr() as usize - buf.as_ptr() as usize) as u32
    };
    out.reason = (
        start.min(n as u32),
        (start as usize + reason.len()).min(n) as u32,
    );
    Ok(Parsed::Complete(n))
}

#[cfg(test)]
mod tests {
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
}
