//! `http` (createServer, request/response, `http.get`) and `child_process.spawn`, on
//! ruv-http and ruv-process.

use ruv_core::Loop;
use ruv_http::{ServerEvent, ServerOptions};

use crate::host::{Arg, Host, Reply};

/// `server.listen(port, host)` for server callback `id`; events go to `id` (kept).
pub(crate) fn listen(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    port: u16,
    addr: String,
) -> ruv_core::Result<()> {
    let ip: std::net::IpAddr = addr.parse().map_err(|_| {
        ruv_core::Error::new(ruv_core::Code::ERR_INVALID_ARG_VALUE)
            .with_detail(format!("host {addr:?}"))
    })?;
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
                    let (method, url) = match req.head(lp) {
                        Ok(head) => (head.method().to_string(), head.url().to_string()),
                        Err(_) => return Ok(()),
                    };
                    let rid = h.add_response(res);
                    Reply::Event(
                        "request",
                        vec![Arg::Num(f64::from(rid)), Arg::Str(method), Arg::Str(url)],
                    )
                }
                ServerEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
                _ => return Ok(()),
            };
            h.call(lp, id, true, reply);
            Ok::<(), ruv_core::Error>(())
        },
    )?;
    crate::cluster::listen(lp, server, (ip, port).into(), move |lp, h: &mut Host, e| {
        h.call(lp, id, true, Reply::Event("error", vec![Arg::Error(e)]))
    })?;
    host.add_server(id, server);
    Ok(())
}

/// Answers response `rid`: status, headers and the whole body; `done` is called once sent.
pub(crate) fn respond(
    lp: &mut Loop<Host>,
    host: &mut Host,
    rid: u32,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    done: u32,
) -> ruv_core::Result<()> {
    let Some(res) = host.take_response(rid) else {
        return Ok(());
    };
    res.set_status_code(lp, status)?;
    for (k, v) in headers {
        res.set_header(lp, k, v)?;
    }
    if done != 0 {
        // Node's `end(data, cb)`: once all of it is handed to the connection ('finish')
        res.on_event(lp, move |lp, h: &mut Host, _, ev| {
            if matches!(ev, ruv_core::stream::StreamEvent::Finish) {
                h.call(lp, done, false, Reply::None)
            }
        })?;
    }
    res.end(lp, body)?;
    Ok(())
}

/// `http.get(url)`: the response's events go to callback `id` (kept until `close`).
pub(crate) fn get(lp: &mut Loop<Host>, id: u32, url: String) -> ruv_core::Result<()> {
    ruv_http::client::get(lp, &url, move |lp, h: &mut Host, _, ev| {
        let (reply, keep) = match ev {
            ruv_http::client::ClientEvent::Response(head) => (
                Reply::Event("response", vec![Arg::Num(f64::from(head.status_code()))]),
                true,
            ),
            ruv_http::client::ClientEvent::Data(d) => {
                (Reply::Event("data", vec![Arg::Bytes(d.to_vec())]), true)
            }
            ruv_http::client::ClientEvent::End => (Reply::Event("end", vec![]), true),
            ruv_http::client::ClientEvent::Error(e) => {
                (Reply::Event("error", vec![Arg::Error(e)]), true)
            }
            ruv_http::client::ClientEvent::Close => (Reply::Event("close", vec![]), false),
            _ => return,
        };
        h.call(lp, id, keep, reply);
    })
    .map(drop)
}

/// `child_process.spawn(file, args, { stdio })`: stdio entries are `pipe`, `inherit` or
/// `ignore`; events (and piped stdout/stderr data) go to callback `id`.
pub(crate) fn spawn(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    file: String,
    args: Vec<String>,
    stdio: Vec<String>,
) -> ruv_core::Result<()> {
    use ruv_process::child::{ChildEvent, SpawnOptions, Stdio};
    let stdio = stdio
        .iter()
        .map(|s| match s.as_str() {
            "pipe" => Stdio::Pipe,
            "ignore" => Stdio::Ignore,
            _ => Stdio::Inherit,
        })
        .collect();
    let opts = SpawnOptions {
        stdio,
        ..SpawnOptions::default()
    };
    let child =
        ruv_process::child::spawn(lp, &file, &args, opts, move |lp, h: &mut Host, me, ev| {
            let reply = match ev {
                ChildEvent::Spawn => Reply::Event(
                    "spawn",
                    vec![me.pid(lp).map_or(Arg::Null, |p| Arg::Num(f64::from(p)))],
                ),
                ChildEvent::Exit { code, signal } => Reply::Event(
                    "exit",
                    vec![crate::ipc::code(code), crate::ipc::signal_name(signal)],
                ),
                ChildEvent::Close { code, signal } => {
                    h.remove_spawned(id);
                    let args = vec![crate::ipc::code(code), crate::ipc::signal_name(signal)];
                    h.call(lp, id, false, Reply::Event("close", args));
                    return;
                }
                ChildEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
                #[allow(unreachable_patterns)]
                _ => return,
            };
            h.call(lp, id, true, reply);
        })?;
    for (slot, name) in [(1usize, "stdout"), (2, "stderr")] {
        if let Some(pipe) = child.stdio(lp, slot) {
            pipe.on_event(lp, move |lp, h: &mut Host, _, ev| {
                let reply = match ev {
                    ruv_core::stream::StreamEvent::Data(d) => Reply::Event(
                        "stdio",
                        vec![Arg::Str(name.to_string()), Arg::Bytes(d.to_vec())],
                    ),
                    ruv_core::stream::StreamEvent::End => {
                        Reply::Event("stdio", vec![Arg::Str(name.to_string()), Arg::Null])
                    }
                    _ => return,
                };
                h.call(lp, id, true, reply);
            })?;
        }
    }
    host.add_spawned(id, child);
    Ok(())
}

/// Signals spawned child `id`.
pub(crate) fn kill_spawned(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    signal: &str,
) -> ruv_core::Result<()> {
    let sig = crate::ipc::parse_signal(signal)?;
    if let Some(c) = host.spawned(id) {
        c.kill(lp, sig);
    }
    Ok(())
}
