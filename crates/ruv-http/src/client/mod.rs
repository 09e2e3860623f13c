//! The HTTP client (Node's `http.request` / `http.get` and `http.Agent`).
//!
//! [`request`] starts a request from [`RequestOptions`] and returns a [`ClientRequest`]
//! (a `Copy` id) to write the body with and [`end`](ClientRequest::end); [`get`] is
//! `request` + `end` for a URL. One callback gets the events of the request and its
//! response, in Node's order: [`Response`](ClientEvent::Response) (status and headers),
//! [`Data`](ClientEvent::Data)… , [`End`](ClientEvent::End), [`Close`](ClientEvent::Close);
//! on failure [`Error`](ClientEvent::Error) then `Close`. `Close` is always the last event.
//!
//! Connections come from an [`Agent`] (the loop's [`global_agent`] unless the options say
//! otherwise): pooled per `host:port`, at most `max_sockets` at a time (requests beyond
//! wait in FIFO order), kept open after a complete response on keep-alive agents and
//! reused by the next request. Free connections are unreferenced: a program's loop ends
//! after its last response.
//!
//! ```
//! use ruv_core::stream::StreamEvent;
//! use ruv_core::{Loop, RunMode};
//! use ruv_http::client::{self, ClientEvent};
//! use ruv_net::Tcp;
//!
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! // a server on the same loop that answers one request
//! let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap())?;
//! server.listen(&mut lp, 8, |lp, _, server, res| -> ruv_core::Result<()> {
//!     res?;
//!     let conn = server.accept(lp)?;
//!     server.close(lp)?;
//!     conn.on_event(lp, |lp, _, conn, ev| -> ruv_core::Result<()> {
//!         match ev {
//!             StreamEvent::Data(_) => {
//!                 conn.write(lp, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")?;
//!             }
//!             StreamEvent::End => conn.destroy(lp, None),
//!             _ => {}
//!         }
//!         Ok(())
//!     })
//! })?;
//! let port = server.local_addr(&lp)?.port();
//!
//! let url = format!("http://127.0.0.1:{port}/greeting");
//! client::get(&mut lp, &url, |lp, log, req, ev| {
//!     match ev {
//!         ClientEvent::Response(res) => log.push(format!("{} {}", res.status_code(), res.status_message())),
//!         ClientEvent::Data(d) => log.push(String::from_utf8_lossy(d).into_owned()),
//!         ClientEvent::End => log.push("end".into()),
//!         ClientEvent::Error(e) => log.push(e.to_string()),
//!         ClientEvent::Close => {
//!             log.push("close".into());
//!             // the connection is free now; closing it lets the server see the end
//!             client::global_agent(lp).destroy(lp);
//!         }
//!         _ => {}
//!     }
//! })?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["200 OK", "hello", "end", "close"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! Errors have Node's codes: the connect error (`ECONNREFUSED` …) or the lookup's
//! (`ENOTFOUND`), `ECONNRESET` with `socket hang up` when the connection ends before a
//! response, `ECONNRESET` with `aborted` when it ends inside a response body (Node 20
//! emits `'aborted'` and this error on the response), llhttp's `HPE_*` codes for a
//! malformed response. See `docs/http-client.md`.

mod agent;
mod codes;
mod conn;
mod options;
mod request;
mod response;

pub use agent::{global_agent, Agent, AgentOptions, DEFAULT_MAX_FREE_SOCKETS};
pub use options::{AgentChoice, RequestOptions, DEFAULT_MAX_HEADER_SIZE};
pub use request::ClientRequest;

use crate::ResponseHead;
use ruv_core::registry::Callback;
use ruv_core::{CallbackResult, Code, Error, Loop, Result};
use std::cell::RefCell;
use std::rc::Rc;

/// What a request's callback is told: the events of Node's `ClientRequest` and of its
/// `IncomingMessage` response, in Node's order.
#[derive(Debug)]
pub enum ClientEvent<'a> {
    /// A 1xx interim response (`100 Continue`, `103 Early Hints`; Node's
    /// `'information'`); the final response follows.
    Information(&'a ResponseHead),
    /// The response head: status, reason, headers (Node's `'response'`).
    Response(&'a ResponseHead),
    /// A piece of the response body, valid for the call (the response's `'data'`).
    Data(&'a [u8]),
    /// The response body is complete (the response's `'end'`).
    End,
    /// The request body can be written again after [`ClientRequest::write`] returned
    /// `false` (Node's `'drain'`).
    Drain,
    /// The socket was idle for the timeout (Node's `'timeout'`); nothing is closed:
    /// [`destroy`](ClientRequest::destroy) the request to give up.
    Timeout,
    /// The request failed (Node's `'error'`); `Close` follows.
    Error(Error),
    /// The request is done; its id is stale from now on (Node's `'close'`).
    Close,
}

impl ClientEvent<'_> {
    /// The event's name as Node names it (`"response"`, `"data"` …).
    pub fn name(&self) -> &'static str {
        match self {
            ClientEvent::Information(_) => "information",
            ClientEvent::Response(_) => "response",
            ClientEvent::Data(_) => "data",
            ClientEvent::End => "end",
            ClientEvent::Drain => "drain",
            ClientEvent::Timeout => "timeout",
            ClientEvent::Error(_) => "error",
            ClientEvent::Close => "close",
        }
    }

    /// The callback kind recorded while the event's callback runs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ClientEvent::Information(_) => "http.information",
            ClientEvent::Response(_) => "http.response",
            ClientEvent::Data(_) => "http.data",
            ClientEvent::End => "http.end",
            ClientEvent::Drain => "http.drain",
            ClientEvent::Timeout => "http.timeout",
            ClientEvent::Error(_) => "http.error",
            ClientEvent::Close => "http.close",
        }
    }
}

/// Node's `http.request(options, cb)`: starts a request; `cb` gets its events. The head
/// is written on the first [`write`](ClientRequest::write) or on
/// [`end`](ClientRequest::end); nothing is emitted from inside this call.
///
/// # Errors
/// Synchronously, as Node throws them: `ERR_INVALID_HTTP_TOKEN` for a bad method,
/// `ERR_UNESCAPED_CHARACTERS` for a path with a space or control byte,
/// `ERR_INVALID_CHAR` for a host or auth that cannot go in a header,
/// `ERR_INVALID_ARG_VALUE` for a host with a NUL byte, `EBADF` for an agent that is gone.
#[track_caller]
pub fn request<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    opts: RequestOptions,
    mut cb: impl FnMut(&mut Loop<S>, &mut S, ClientRequest, ClientEvent<'_>) -> R + 'static,
) -> Result<ClientRequest> {
    let f: request::ReqFn<S> = Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
    let cb = Callback::new(f);
    let method = options::check_method(&opts.method)?;
    let path = options::check_path(&opts.path)?;
    let host = if opts.host.is_empty() {
        "localhost".to_string()
    } else {
        opts.host
    };
    if host.contains('\0') {
        return Err(Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
            "The argument 'host' must not contain a NUL byte. Received {host:?}"
        )));
    }
    let mut headers = opts.headers;
    if opts.set_host && !headers.has("host") {
        headers.set("Host", options::host_header(&host, opts.port))?;
    }
    if let Some(auth) = &opts.auth {
        if !headers.has("authorization") {
            let value = format!("Basic {}", options::base64(auth.as_bytes()));
            headers.set("Authorization", value)?;
        }
    }
    let agent = match opts.agent {
        AgentChoice::Global => global_agent(lp),
        AgentChoice::Custom(a) => {
            if a.options(lp).is_none() {
                return Err(Error::new(Code::EBADF).with_detail("the agent is gone"));
            }
            a
        }
        AgentChoice::Fresh => Agent::make(lp, AgentOptions::default(), true),
    };
    let init = request::Init {
        method,
        path,
        host,
        port: opts.port,
        headers,
        agent,
        timeout: opts.timeout,
        max_header_size: opts.max_header_size,
    };
    Ok(request::create(lp, init, cb))
}

/// Node's `http.get(url, cb)`: [`request`] for
/// [`RequestOptions::from_url`]`(url)`, ended at once.
///
/// # Errors
/// `ERR_INVALID_URL` / `ERR_INVALID_PROTOCOL` for the URL; as [`request`].
#[track_caller]
pub fn get<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    url: &str,
    cb: impl FnMut(&mut Loop<S>, &mut S, ClientRequest, ClientEvent<'_>) -> R + 'static,
) -> Result<ClientRequest> {
    let req = request(lp, RequestOptions::from_url(url)?, cb)?;
    req.end(lp, None)?;
    Ok(req)
}

/// Runs `f` on the next tick (ruv-node's `next_tick`, Node's timing for what an API call
/// causes). Outside any callback, or if ruv-node cannot install its queues, a deferred
/// callback runs it instead.
pub(crate) fn tick<S: 'static>(lp: &mut Loop<S>, f: impl FnOnce(&mut Loop<S>, &mut S) + 'static) {
    let slot = Rc::new(RefCell::new(Some(f)));
    let mine = slot.clone();
    let queued = ruv_node::next_tick(lp, move |lp: &mut Loop<S>, s: &mut S| {
        let f = mine.borrow_mut().take();
        if let Some(f) = f {
            f(lp, s);
        }
    });
    if queued.is_err() || lp.current_callback().is_none() {
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
            let f = slot.borrow_mut().take();
            if let Some(f) = f {
                f(lp, s);
            }
        });
    }
}
