//! A response's output: the head as Node's `_storeHeader` writes it (the caller's headers
//! in order, then `Date`, `Connection`, `Keep-Alive`, and `Content-Length` or
//! `Transfer-Encoding: chunked`), then the body, chunk-framed where chunked.

use crate::body::{chunk_head, push_decimal};
use crate::codes::{ERR_HTTP_CONTENT_LENGTH_MISMATCH, ERR_HTTP_INVALID_STATUS_CODE};
use crate::headers::OutgoingHeaders;
use crate::parse::has_token;
use crate::parse::RequestHead;
use ruv_core::{Error, Result};
use std::borrow::Cow;

/// What a response has said and still owes.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) status: u16,
    pub(crate) message: Option<Cow<'static, str>>,
    pub(crate) headers: OutgoingHeaders,
    pub(crate) head_sent: bool,
    pub(crate) chunked: bool,
    /// The body may have bytes (not HEAD, 1xx, 204, 304).
    request_head: bool,
    /// A `Content-Length` the caller set, and the body bytes sent so far.
    length: Option<u64>,
    sent: u64,
    pub(crate) keep_alive: bool,
    pub(crate) keep_alive_timeout: u64,
    pub(crate) send_date: bool,
    pub(crate) ended: bool,
    /// Bytes not yet handed to the connection.
    pub(crate) buf: Vec<u8>,
    /// The request's HTTP minor version.
    minor: u8,
}

/// Node's status check.
pub(crate) fn check_status(code: u16) -> Result<()> {
    if (100..=999).contains(&code) {
        Ok(())
    } else {
        Err(Error::new(ERR_HTTP_INVALID_STATUS_CODE)
            .with_detail(format!("Invalid status code: {code}")))
    }
}

impl Out {
    pub(crate) fn new(req: &RequestHead, (headers, buf): (OutgoingHeaders, Vec<u8>)) -> Out {
        Out {
            status: 200,
            message: None,
            headers,
            head_sent: false,
            chunked: false,
            request_head: req.method() == "HEAD",
            length: None,
            sent: 0,
            keep_alive: req.keep_alive(),
            keep_alive_timeout: 5000,
            send_date: true,
            ended: false,
            buf,
            minor: req.version_minor(),
        }
    }

    fn has_body(&self) -> bool {
        !(self.request_head || self.status / 100 == 1 || self.status == 204 || self.status == 304)
    }

    /// Serializes the head; `end_len`: the whole body's length when `end` comes first.
    fn head(&mut self, end_len: Option<usize>, date: &[u8; 29]) -> Result<()> {
        let b = &mut self.buf;
        b.extend_from_slice(b"HTTP/1.1 ");
        push_decimal(b, u64::from(self.status));
        b.push(b' ');
        let reason = match &self.message {
            Some(m) => m.as_ref(),
            None => crate::status::reason(self.status),
        };
        b.extend_from_slice(reason.as_bytes());
        b.extend_from_slice(b"\r\n");
        let (mut has_date, mut has_conn, mut te, mut length) = (false, false, false, None);
        for (n, v) in self.headers.iter() {
            b.extend_from_slice(n.as_bytes());
            b.extend_from_slice(b": ");
            b.extend_from_slice(v);
            b.extend_from_slice(b"\r\n");
            match n.len() {
                4 if n.eq_ignore_ascii_case("date") => has_date = true,
                10 if n.eq_ignore_ascii_case("connection") => {
                    has_conn = true;
                    if has_token(v, "close") {
                        self.keep_alive = false;
                    }
                }
                14 if n.eq_ignore_ascii_case("content-length") => {
                    let s = std::str::from_utf8(v).unwrap_or("").trim();
                    length = Some(s.parse::<u64>().map_err(|_| {
                        Error::new(crate::codes::ERR_INVALID_CHAR)
                            .with_detail("Invalid character in header content [\"Content-Length\"]")
                    })?);
                }
                17 if n.eq_ignore_ascii_case("transfer-encoding") => {
                    te = true;
                    if has_token(v, "chunked") {
                        self.chunked = true;
                    }
                }
                _ => {}
            }
        }
        if self.send_date && !has_date {
            b.extend_from_slice(b"Date: ");
            b.extend_from_slice(date);
            b.extend_from_slice(b"\r\n");
        }
        let has_body = !(self.request_head
            || self.status / 100 == 1
            || self.status == 204
            || self.status == 304);
        // how the body is delimited: Node's order of preference
        let mut framing: Option<&[u8]> = None;
        let mut num = None;
        if length.is_none() && !te {
            if !has_body {
                self.chunked = false;
            } else if self.minor == 0 {
                // Node: HTTP/1.0 bodies end with the connection, never chunked or counted
                self.keep_alive = false;
            } else if let Some(n) = end_len {
                num = Some(n as u64);
                framing = Some(b"Content-Length: ");
            } else {
                self.chunked = true;
                framing = Some(b"Transfer-Encoding: chunked\r\n");
            }
        }
        self.length = length.or(num);
        if !has_conn {
            if self.keep_alive {
                b.extend_from_slice(b"Connection: keep-alive\r\n");
                if self.keep_alive_timeout > 0 {
                    b.extend_from_slice(b"Keep-Alive: timeout=");
                    push_decimal(b, self.keep_alive_timeout / 1000);
                    b.extend_from_slice(b"\r\n");
                }
            } else {
                b.extend_from_slice(b"Connection: close\r\n");
            }
        }
        match (framing, num) {
            (Some(f), Some(n)) => {
                b.extend_from_slice(f);
                push_decimal(b, n);
                b.extend_from_slice(b"\r\n");
            }
            (Some(f), None) => b.extend_from_slice(f),
            _ => {}
        }
        b.extend_from_slice(b"\r\n");
        self.head_sent = true;
        Ok(())
    }

    fn body(&mut self, data: &[u8]) -> Result<()> {
        if data.is_empty() || !self.has_body() {
            // Node ignores a body for HEAD, 1xx, 204 and 304
            return Ok(());
        }
        if let Some(limit) = self.length {
            if self.sent + data.len() as u64 > limit {
                return Err(Error::new(ERR_HTTP_CONTENT_LENGTH_MISMATCH).with_detail(format!(
                    "Response body's content-length of {} byte(s) does not match the content-length of {limit} byte(s) set in header",
                    self.sent + data.len() as u64
                )));
            }
        }
        self.sent += data.len() as u64;
        if self.chunked {
            chunk_head(&mut self.buf, data.len());
            self.buf.extend_from_slice(data);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(())
    }

    pub(crate) fn write(&mut self, data: &[u8], date: &[u8; 29]) -> Result<()> {
        if !self.head_sent {
            self.head(None, date)?;
        }
        self.body(data)
    }

    pub(crate) fn end(&mut self, data: &[u8], date: &[u8; 29]) -> Result<()> {
        if !self.head_sent {
            self.head(Some(data.len()), date)?;
        }
        self.body(data)?;
        if self.chunked {
            self.buf.extend_from_slice(b"0\r\n\r\n");
        }
        if let Some(n) = self.length {
            if self.sent < n && self.has_body() {
                // the peer would wait for bytes that never come: close after this one
                self.keep_alive = false;
            }
        }
        self.ended = true;
        Ok(())
    }
}
