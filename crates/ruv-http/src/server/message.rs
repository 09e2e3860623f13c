//! The public side of a request and its response: Node's `IncomingMessage` and
//! `ServerResponse` methods, and their `Readable` / `Writable` implementations.

use super::conn::{self, Connection};
use super::exchange::{ex, head_sent, live, output, queue_flush, Exchange};
use super::respond;
use super::{Request, Response};
use crate::codes::{ERR_HTTP_HEADERS_SENT, ERR_STREAM_WRITE_AFTER_END};
use crate::headers::{Headers, IntoHeaderValue, OutgoingHeaders};
use crate::parse::RequestHead;
use ruv_core::registry::Callback;
use ruv_core::stream::{EventFn, StreamEvent};
use ruv_core::{CallbackResult, Error, Loop, Result};
use std::borrow::Cow;

impl Request {
    /// The request's method, URL, version and headers.
    ///
    /// # Errors
    /// `EBADF` once the request and its response are done.
    pub fn head<S: 'static>(self, lp: &mut Loop<S>) -> Result<&RequestHead> {
        Ok(&live::<S>(lp, self.0)?.head)
    }

    /// The trailers of a chunked body (empty until `End`).
    ///
    /// # Errors
    /// `EBADF` once the request and its response are done.
    pub fn trailers<S: 'static>(self, lp: &mut Loop<S>) -> Result<&Headers> {
        Ok(&live::<S>(lp, self.0)?.trailers)
    }

    /// The connection it came on.
    ///
    /// # Errors
    /// `EBADF` once the request and its response are done.
    pub fn connection<S: 'static>(self, lp: &mut Loop<S>) -> Result<Connection> {
        Ok(Connection(live::<S>(lp, self.0)?.conn))
    }

    /// The response of this request.
    pub fn response(self) -> Response {
        Response(self.0)
    }

    /// Sets the body's event callback and starts the flow: `Data` for each piece, `End`
    /// once it is complete (at once for a request without a body), `Error`
    /// (`ECONNRESET` "aborted") if the connection closes first, and `Close`. Held data is
    /// delivered from the loop, never inside this call.
    ///
    /// # Errors
    /// `EBADF` once the request and its response are done.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, Request, StreamEvent<'a>) -> R + 'static,
    ) -> Result<()> {
        let f: EventFn<S, Request> = Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
        let e = live::<S>(lp, self.0)?;
        e.req_cb = Some(Callback::new(f));
        e.consuming = true;
        queue_flush(lp, self.0);
        Ok(())
    }

    /// Stops the flow of `Data`: the connection stops reading once a high-water mark of
    /// body is held.
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(e) = ex::<S>(lp, self.0) {
            e.req_paused = true;
        }
    }

    /// Starts the flow again.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(e) = ex::<S>(lp, self.0) {
            if e.req_paused {
                e.req_paused = false;
                queue_flush(lp, self.0);
            }
        }
    }

    /// Destroys the request: its connection is destroyed (Node's `req.destroy()`).
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(e) = ex::<S>(lp, self.0) {
            if !e.aborted {
                let c = e.conn;
                conn::destroy(lp, c);
            }
        }
    }
}

impl Response {
    /// The request this answers.
    pub fn request(self) -> Request {
        Request(self.0)
    }

    /// Sets the status code (Node's `res.statusCode = n`).
    ///
    /// # Errors
    /// `ERR_HTTP_INVALID_STATUS_CODE` outside 100-999, `ERR_HTTP_HEADERS_SENT` after the
    /// head went out, `EBADF` once done.
    pub fn set_status_code<S: 'static>(self, lp: &mut Loop<S>, code: u16) -> Result<()> {
        let e = self.unsent(lp)?;
        respond::check_status(code)?;
        e.out.status = code;
        Ok(())
    }

    /// The status code (200 unless set).
    ///
    /// # Errors
    /// `EBADF` once done.
    pub fn status_code<S: 'static>(self, lp: &mut Loop<S>) -> Result<u16> {
        Ok(live::<S>(lp, self.0)?.out.status)
    }

    /// Sets the reason phrase (Node's `res.statusMessage`).
    ///
    /// # Errors
    /// `ERR_INVALID_CHAR` for CR or LF in it, `ERR_HTTP_HEADERS_SENT`, `EBADF`.
    pub fn set_status_message<S: 'static>(
        self,
        lp: &mut Loop<S>,
        msg: impl Into<Cow<'static, str>>,
    ) -> Result<()> {
        let msg = msg.into();
        if !crate::headers::valid_value(msg.as_bytes()) {
            return Err(Error::new(crate::codes::ERR_INVALID_CHAR));
        }
        self.unsent(lp)?.out.message = Some(msg);
        Ok(())
    }

    fn unsent<S: 'static>(self, lp: &mut Loop<S>) -> Result<&mut Exchange<S>> {
        let e = live::<S>(lp, self.0)?;
        if e.out.head_sent {
            return Err(Error::new(ERR_HTTP_HEADERS_SENT));
        }
        Ok(e)
    }

    /// Sets a header (Node's `res.setHeader`), replacing earlier values.
    ///
    /// # Errors
    /// `ERR_INVALID_HTTP_TOKEN`, `ERR_INVALID_CHAR`, `ERR_HTTP_HEADERS_SENT`, `EBADF`.
    pub fn set_header<S: 'static>(
        self,
        lp: &mut Loop<S>,
        name: impl Into<Cow<'static, str>>,
        value: impl IntoHeaderValue,
    ) -> Result<()> {
        self.unsent(lp)?.out.headers.set(name, value)
    }

    /// Adds a header line (Node's `res.appendHeader`).
    ///
    /// # Errors
    /// As [`set_header`](Response::set_header).
    pub fn append_header<S: 'static>(
        self,
        lp: &mut Loop<S>,
        name: impl Into<Cow<'static, str>>,
        value: impl IntoHeaderValue,
    ) -> Result<()> {
        self.unsent(lp)?.out.headers.append(name, value)
    }

    /// Removes a header (Node's `res.removeHeader`).
    ///
    /// # Errors
    /// `ERR_HTTP_HEADERS_SENT`, `EBADF`.
    pub fn remove_header<S: 'static>(self, lp: &mut Loop<S>, name: &str) -> Result<()> {
        self.unsent(lp)?.out.headers.remove(name);
        Ok(())
    }

    /// The headers set so far.
    ///
    /// # Errors
    /// `EBADF` once done.
    pub fn headers<S: 'static>(self, lp: &mut Loop<S>) -> Result<&OutgoingHeaders> {
        Ok(&live::<S>(lp, self.0)?.out.headers)
    }

    /// Node's `res.writeHead(status, headers)`: the status and headers, and the head is
    /// fixed now as Node fixes it: without a `Content-Length` among the headers the body
    /// is chunked (HTTP/1.1) even if `end` follows at once.
    ///
    /// # Errors
    /// As [`set_status_code`](Response::set_status_code) and
    /// [`set_header`](Response::set_header).
    pub fn write_head<S: 'static>(
        self,
        lp: &mut Loop<S>,
        status: u16,
        headers: &[(&'static str, &'static str)],
    ) -> Result<()> {
        self.set_status_code(lp, status)?;
        for (n, v) in headers {
            self.set_header(lp, *n, *v)?;
        }
        let date = super::with_shared(|sh| sh.date.now_bytes());
        super::exchange::before_head::<S>(lp, self.0);
        live::<S>(lp, self.0)?.out.write(b"", &date)
    }

    /// Whether the head was sent (Node's `res.headersSent`).
    pub fn headers_sent<S: 'static>(self, lp: &mut Loop<S>) -> bool {
        head_sent::<S>(lp, self.0)
    }

    /// Whether the connection stays open after this response.
    ///
    /// # Errors
    /// `EBADF` once done.
    pub fn keep_alive<S: 'static>(self, lp: &mut Loop<S>) -> Result<bool> {
        Ok(live::<S>(lp, self.0)?.out.keep_alive)
    }

    /// Closes the connection after this response (Node's `res.shouldKeepAlive = false`).
    ///
    /// # Errors
    /// `ERR_HTTP_HEADERS_SENT`, `EBADF`.
    pub fn set_keep_alive<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        let e = self.unsent(lp)?;
        e.out.keep_alive &= on;
        Ok(())
    }

    /// Sends `100 Continue` (Node's `res.writeContinue()`).
    ///
    /// # Errors
    /// `ERR_HTTP_HEADERS_SENT`, `EBADF`.
    pub fn write_continue<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.unsent(lp)?
            .out
            .buf
            .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        output::<S>(lp, self.0);
        Ok(())
    }

    /// Writes body bytes (the head first, chunked unless a `Content-Length` was set or the
    /// client speaks HTTP/1.0). Returns `false` when the connection's pending output is
    /// at the high-water mark: wait for `Drain`.
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END`, `ERR_HTTP_CONTENT_LENGTH_MISMATCH` past a set
    /// `Content-Length`, `EBADF` once done.
    pub fn write<S: 'static>(self, lp: &mut Loop<S>, data: impl AsRef<[u8]>) -> Result<bool> {
        let date = super::with_shared(|sh| sh.date.now_bytes());
        super::exchange::before_head::<S>(lp, self.0);
        let e = live::<S>(lp, self.0)?;
        if e.out.ended {
            return Err(Error::new(ERR_STREAM_WRITE_AFTER_END));
        }
        let conn_id = e.conn;
        e.out.write(data.as_ref(), &date)?;
        output::<S>(lp, self.0);
        Ok(conn::writable_below_hwm(lp, conn_id))
    }

    /// Ends the response with `data` as its last bytes (`b""` for none): with no earlier
    /// write, the head gets `Content-Length`.
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END` when already ended, `EBADF` once done.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>, data: impl AsRef<[u8]>) -> Result<()> {
        let date = super::with_shared(|sh| sh.date.now_bytes());
        super::exchange::before_head::<S>(lp, self.0);
        let e = live::<S>(lp, self.0)?;
        if e.out.ended {
            return Err(Error::new(ERR_STREAM_WRITE_AFTER_END));
        }
        e.out.end(data.as_ref(), &date)?;
        output::<S>(lp, self.0);
        Ok(())
    }

    /// Sets the response's event callback: `Drain` after a `write` returned `false`,
    /// `Finish` once it is all handed to the connection, `Close` when done (or when the
    /// connection closed first).
    ///
    /// # Errors
    /// `EBADF` once done.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, Response, StreamEvent<'a>) -> R + 'static,
    ) -> Result<()> {
        let f: EventFn<S, Response> =
            Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
        live::<S>(lp, self.0)?.res_cb = Some(Callback::new(f));
        Ok(())
    }

    /// Destroys the connection under the response.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) {
        Request(self.0).destroy(lp)
    }
}

impl<S: 'static> ruv_core::stream::Readable<S> for Request {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, mut cb: EventFn<S, Self>) -> Result<()> {
        self.on_event(lp, move |lp, s, me, ev| cb(lp, s, me, ev))
    }

    fn pause(self, lp: &mut Loop<S>) {
        Request::pause(self, lp)
    }

    fn resume(self, lp: &mut Loop<S>) {
        Request::resume(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, _err: Option<Error>) {
        Request::destroy(self, lp)
    }
}

impl<S: 'static> ruv_core::stream::Writable<S> for Response {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, mut cb: EventFn<S, Self>) -> Result<()> {
        self.on_event(lp, move |lp, s, me, ev| cb(lp, s, me, ev))
    }

    fn write(self, lp: &mut Loop<S>, data: Vec<u8>) -> Result<bool> {
        Response::write(self, lp, data)
    }

    fn end(self, lp: &mut Loop<S>) -> Result<()> {
        Response::end(self, lp, b"")
    }

    fn destroy(self, lp: &mut Loop<S>, _err: Option<Error>) {
        Response::destroy(self, lp)
    }
}
