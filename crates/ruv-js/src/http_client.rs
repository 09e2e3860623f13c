//! `http.request` / `http.get` on ruv-http's client, and the `http` natives.

use rquickjs::{ArrayBuffer, Ctx, Object, Value};
use ruv_core::Loop;
use ruv_http::client::{AgentChoice, ClientEvent, RequestOptions};

use crate::host::{Arg, Host, Ops, Reply};
use crate::http::{Head, HttpOp};
use crate::natives::{func, whole};
use crate::ops::Op;

/// The client's ops.
pub(crate) enum ClientOp {
    /// Starts a request; its events go to callback `id` (kept until `close`).
    Request {
        id: u32,
        method: String,
        host: String,
        port: u16,
        path: String,
        headers: Vec<(String, String)>,
        /// `agent: false`: a connection of its own, closed after the response.
        fresh: bool,
    },
    /// Body bytes.
    Write { id: u32, data: Vec<u8> },
    /// Ends the request, with last bytes.
    End { id: u32, data: Vec<u8> },
    /// `req.destroy()`.
    Destroy(u32),
}

/// Applies a client op.
pub(crate) fn apply(lp: &mut Loop<Host>, host: &mut Host, op: ClientOp) -> ruv_core::Result<()> {
    match op {
        ClientOp::Request {
            id,
            method,
            host: name,
            port,
            path,
            headers,
            fresh,
        } => {
            let mut opts = RequestOptions {
                method,
                host: name,
                port,
                path,
                ..RequestOptions::default()
            };
            if fresh {
                opts.agent = AgentChoice::Fresh;
            }
            for (k, v) in headers {
                opts.headers.append(k, v)?;
            }
            let started = ruv_http::client::request(lp, opts, move |lp, h: &mut Host, _, ev| {
                let (name, args, keep) = match ev {
                    ClientEvent::Response(head) => {
                        let mut raw = String::new();
                        for (k, v) in head.headers().iter() {
                            raw.push_str(k);
                            raw.push('\0');
                            raw.extend(v.iter().map(|&c| char::from(c)));
                            raw.push('\0');
                        }
                        let args = vec![
                            Arg::Num(f64::from(head.status_code())),
                            Arg::Str(head.status_message().into_owned()),
                            Arg::Str(head.http_version().to_string()),
                            Arg::Str(raw),
                        ];
                        ("response", args, true)
                    }
                    ClientEvent::Data(d) => ("data", vec![Arg::Bytes(d.to_vec())], true),
                    ClientEvent::End => ("end", vec![], true),
                    ClientEvent::Drain => ("drain", vec![], true),
                    ClientEvent::Error(e) => ("error", crate::net::error_args(e), true),
                    ClientEvent::Close => {
                        h.io.client.remove(&id);
                        ("close", vec![], false)
                    }
                    _ => return,
                };
                h.call(lp, id, keep, Reply::Event(name, args));
            });
            match started {
                Ok(req) => {
                    host.io.client.insert(id, req);
                    Ok(())
                }
                Err(e) => {
                    let args = crate::net::error_args(e);
                    ruv_node::next_tick(lp, move |lp, h: &mut Host| {
                        h.call(lp, id, true, Reply::Event("error", args));
                        h.call(lp, id, false, Reply::Event("close", vec![]));
                    })
                }
            }
        }
        ClientOp::Write { id, data } => match host.io.client.get(&id) {
            Some(r) => r.write(lp, data).map(drop),
            None => Ok(()),
        },
        ClientOp::End { id, data } => match host.io.client.get(&id) {
            Some(r) => r.end(lp, (!data.is_empty()).then_some(data)),
            None => Ok(()),
        },
        ClientOp::Destroy(id) => {
            if let Some(r) = host.io.client.get(&id).copied() {
                r.destroy(lp, None);
            }
            Ok(())
        }
    }
}

/// `[k, v, k, v …]` as pairs.
fn pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// The `http` natives: each queues an [`HttpOp`].
pub(crate) fn install_http<'js>(
    ctx: &Ctx<'js>,
    n: &Object<'js>,
    ops: &Ops,
) -> rquickjs::Result<()> {
    let push = |ops: &Ops| {
        let o = ops.clone();
        move |op: HttpOp| o.borrow_mut().push(Op::Http(op))
    };
    let p = push(ops);
    func(
        ctx,
        n,
        "httpListen",
        move |id: u32, port: u16, host: String| p(HttpOp::Listen { id, port, host }),
    )?;
    let p = push(ops);
    func(ctx, n, "httpClose", move |id: u32| p(HttpOp::Close(id)))?;
    let p = push(ops);
    func(
        ctx,
        n,
        "httpHead",
        move |rid: u32, status: u16, message: Option<String>, flat: Vec<String>, fixed: bool| {
            let head = Head {
                status,
                message,
                headers: pairs(flat),
                fixed,
            };
            p(HttpOp::Head { rid, head })
        },
    )?;
    let p = push(ops);
    func(
        ctx,
        n,
        "httpOut",
        move |rid: u32,
              data: Value<'js>,
              end: bool,
              events: u32,
              done: u32|
              -> rquickjs::Result<()> {
            // an ArrayBuffer, or a string sent as utf8
            let data = if let Some(s) = data.as_string() {
                s.to_string()?.into_bytes()
            } else {
                match ArrayBuffer::from_value(data) {
                    Some(ab) => whole(&ab)?,
                    None => Vec::new(),
                }
            };
            p(HttpOp::Out {
                rid,
                data,
                end,
                events,
                done,
            });
            Ok(())
        },
    )?;
    let p = push(ops);
    func(ctx, n, "httpBody", move |rid: u32, id: u32| {
        p(HttpOp::Body { rid, id })
    })?;
    let p = push(ops);
    func(ctx, n, "httpBodyPause", move |rid: u32, on: bool| {
        p(HttpOp::BodyPause(rid, on))
    })?;
    let p = push(ops);
    func(
        ctx,
        n,
        "httpRequest",
        move |id: u32,
              method: String,
              host: String,
              port: u16,
              path: String,
              flat: Vec<String>,
              fresh: bool| {
            p(HttpOp::Client(ClientOp::Request {
                id,
                method,
                host,
                port,
                path,
                headers: pairs(flat),
                fresh,
            }))
        },
    )?;
    let p = push(ops);
    func(
        ctx,
        n,
        "httpClientWrite",
        move |id: u32, ab: ArrayBuffer<'js>, end: bool| -> rquickjs::Result<()> {
            let data = whole(&ab)?;
            p(HttpOp::Client(if end {
                ClientOp::End { id, data }
            } else {
                ClientOp::Write { id, data }
            }));
            Ok(())
        },
    )?;
    let p = push(ops);
    func(ctx, n, "httpClientDestroy", move |id: u32| {
        p(HttpOp::Client(ClientOp::Destroy(id)))
    })?;
    Ok(())
}
