//! The message head parser: request and status lines and the header block through
//! `httparse` (strict by default: no obs-fold, token names, no control bytes in values),
//! then llhttp's extra rules as Node 20 applies them ([`rules`]): CRLF line ends, known
//! methods, HTTP/1.0 and 1.1 only, `max_header_size` counted as Node counts it, one plain
//! decimal `Content-Length` and never beside `Transfer-Encoding`, `chunked` last.

mod rules;

use crate::codes::*;
use crate::headers::Headers;
pub(crate) use rules::has_token;
use rules::*;
use ruv_core::Result;

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
        version_str(self.minor)
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
        version_str(self.minor)
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

/// Node's `httpVersion` for a minor version.
fn version_str(minor: u8) -> &'static str {
    if minor == 0 {
        "1.0"
    } else {
        "1.1"
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
mod tests;
