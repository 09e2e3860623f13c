//! `http`'s server side (createServer, request bodies, streamed responses) on ruv-http.
//! The client is in `http_client.rs`.

use ruv_core::Loop;
use ruv_http::{ServerEvent, ServerOptions};

use crate::host::{Arg, Host, Reply};

/// A response head the script fixed (`writeHead`, or the first `write`/`end`).
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) message: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    /// `writeHead` was called: the framing is decided now (chunked without a
    /// `Content-Length`), as Node's `writeHead`.
    pub(crate) fixed: bool,
}

/// What the `http` natives ask of the loop.
pub(crate) enum HttpOp {
    /// `server.listen(port, host)` of server callback `id`.
    Listen { id: u32, port: u16, host: String },
    /// `server.close()`.
    Close(u32),
    /// The head of response `rid`, fixed by the script (sent with the first output).
    Head { rid: u32, head: Head },
    /// Output of response `rid`: `data`; `end` ends it.
    /// `events` (0: none) gets `written` (whether below the high-water mark) on the next
    /// tick and `drain` later; `done` (0: none) is called once an `end` was applied.
    Out {
        rid: u32,
        data: Vec<u8>,
        end: bool,
        events: u32,
        done: u32,
    },
    /// Request `rid`'s body goes to callback `id` (`data`, `end`, `error`, `close`).
    Body { rid: u32, id: u32 },
    /// Pauses (true) or resumes request `rid`'s body.
    BodyPause(u32, bool),
    /// A client op (`http.request`).
    Client(crate::http_client::ClientOp),
}

/// Applies an `http` op.
pub(crate) fn apply(lp: &mut Loop<Host>, host: &mut Host, op: HttpOp) -> ruv_core::Result<()> {
    match op {
        HttpOp::Listen { id, port, host: h } => listen(lp, host, id, port, h),
        HttpOp::Close(id) => match host.servers.remove(&id) {
            Some(s) => s.close(lp),
            None => Ok(()),
        },
        HttpOp::Head { rid, head } => match host.responses.get(&rid).copied() {
            Some(res) => set_head(lp, res, head),
            None => Ok(()),
        },
        HttpOp::Out {
            rid,
            data,
            end,
            events,
            done,
        } => out(lp, host, rid, data, end, events, done),
        HttpOp::Body { rid, id } => match host.responses.get(&rid) {
            Some(res) => res.request().on_event(lp, move |lp, h: &mut Host, _, ev| {
                use ruv_core::stream::StreamEvent;
                let (name, args, keep) = match ev {
                    StreamEvent::Data(d) => ("data", vec![Arg::Bytes(d.to_vec())], true),
                    StreamEvent::End => ("end", vec![], true),
                    StreamEvent::Error(e) => ("error", crate::net::error_args(e), true),
                    StreamEvent::Close => ("close", vec![], false),
                    _ => return,
                };
                h.call(lp, id, keep, Reply::Event(name, args));
            }),
            None => Ok(()),
        },
        HttpOp::BodyPause(rid, pause) => {
            if let Some(res) = host.responses.get(&rid) {
                if pause {
                    res.request().pause(lp)
                } else {
                    res.request().resume(lp)
                }
            }
            Ok(())
        }
        HttpOp::Client(op) => crate::http_client::apply(lp, host, op),
    }
}

/// `server.listen(port, host)` for server callback `id`; events go to `id` (kept).
fn listen(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    port: u16,
    addr: String,
) -> ruv_core::Result<()> {
    let ip = crate::net::ip_of(&addr)?;
    let server = ruv_http::Server::create(
        lp,
        ServerOptions::default(),
        move |lp, h: &mut Host, server, ev| {
            let reply = match ev {
                ServerEvent::Listening => {
                    let port = server.address(lp).map_or(0, |a| a.port());
                    Reply::Event("listening", vec![Arg::Num(f64::from(port))])
                }
                ServerEvent::Request(req, res) => {
                    let (method, url, version, raw) = match req.head(lp) {
                        Ok(head) => {
                            let mut raw = String::new();
                            for (k, v) in head.headers().iter() {
                                raw.push_str(k);
                                raw.push('\0');
                                raw.extend(v.iter().map(|&c| char::from(c)));
                                raw.push('\0');
                            }
                            (
                                head.method().to_string(),
                                head.url().to_string(),
                                head.http_version(),
                                raw,
                            )
                        }
                        Err(_) => return Ok(()),
                    };
                    let rid = h.add_response(res);
                    let args = vec![
                        Arg::Num(f64::from(rid)),
                        Arg::Str(method),
                        Arg::Str(url),
                        Arg::Str(version.to_string()),
                        Arg::Str(raw),
                    ];
                    Reply::Event("request", args)
                }
                ServerEvent::Error(e) => Reply::Event("error", crate::net::error_args(e)),
                ServerEvent::Close => Reply::Event("close", vec![]),
                _ => return Ok(()),
            };
            h.call(lp, id, true, reply);
            Ok::<(), ruv_core::Error>(())
        },
    )?;
    let args_id = id;
    if let Err(e) =
        crate::cluster::listen(lp, server, (ip, port).into(), move |lp, h: &mut Host, e| {
            h.call(
                lp,
                args_id,
                true,
                Reply::Event("error", crate::net::error_args(e)),
            )
        })
    {
        let args = crate::net::error_args(e);
        return ruv_node::next_tick(lp, move |lp, h: &mut Host| {
            h.call(lp, id, true, Reply::Event("error", args))
        });
    }
    host.add_server(id, server);
    Ok(())
}

/// Sets a response's status and headers (and fixes its head for `writeHead`).
fn set_head(lp: &mut Loop<Host>, res: ruv_http::Response, head: Head) -> ruv_core::Result<()> {
    res.set_status_code(lp, head.status)?;
    if let Some(m) = head.message {
        res.set_status_message(lp, m)?;
    }
    for (k, v) in head.headers {
        res.append_header(lp, k, v)?;
    }
    if head.fixed {
        res.write_head(lp, head.status, &[])?;
    }
    Ok(())
}

/// Writes to response `rid`: see [`HttpOp::Out`].
fn out(
    lp: &mut Loop<Host>,
    host: &mut Host,
    rid: u32,
    data: Vec<u8>,
    end: bool,
    events: u32,
    done: u32,
) -> ruv_core::Result<()> {
    let res = if end {
        host.take_response(rid)
    } else {
        host.responses.get(&rid).copied()
    };
    let Some(res) = res else {
        return Ok(());
    };
    if end {
        if done != 0 {
            // Node's `end(data, cb)`: once all of it is handed to the connection ('finish'),
            // so a script that exits in `cb` has sent its answer
            res.on_event(lp, move |lp, h: &mut Host, _, ev| {
                if matches!(ev, ruv_core::stream::StreamEvent::Finish) {
                    h.call(lp, done, false, Reply::None)
                }
            })?;
        }
        return res.end(lp, data);
    }
    let below = res.write(lp, data)?;
    if events != 0 {
        if !below {
            res.on_event(lp, move |lp, h: &mut Host, _, ev| {
                if let ruv_core::stream::StreamEvent::Drain = ev {
                    h.call(lp, events, true, Reply::Event("drain", vec![]));
                }
            })?;
        }
        let ok = Arg::Num(f64::from(u8::from(below)));
        ruv_node::next_tick(lp, move |lp, h: &mut Host| {
            h.call(lp, events, true, Reply::Event("written", vec![ok]))
        })?;
    }
    if done != 0 {
        ruv_node::next_tick(lp, move |lp, h: &mut Host| {
            h.call(lp, done, false, Reply::None)
        })?;
    }
    Ok(())
}
