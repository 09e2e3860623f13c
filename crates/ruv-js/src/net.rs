//! `net` (servers and sockets) on ruv-net's Node-level layer (`ruv_net::node`), and the
//! host state of the I/O modules (`net`, and `http`'s bodies and client requests).
//!
//! Ids are the JavaScript callbacks' ids: a server's or socket's events go to its callback
//! (kept until `close`). An accepted socket waits under a key until the script gives it a
//! callback (`NetOp::Adopt`, applied right after the `connection` event returns, so no
//! data is lost: ruv-net keeps what arrives before).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use ruv_core::Loop;
use ruv_net::node::{Server, ServerEvent, ServerOptions, Socket, SocketEvent, SocketOptions};

use crate::host::{Arg, Host, Reply};

/// What the `net` natives ask of the loop.
pub(crate) enum NetOp {
    /// `server.listen(port, host, backlog)` of server callback `id`.
    Listen {
        id: u32,
        port: u16,
        host: String,
        backlog: i32,
    },
    /// `server.close()`.
    ServerClose(u32),
    /// `server.ref()` / `unref()`.
    ServerRef(u32, bool),
    /// The accepted socket under `key` gets callback `id`.
    Adopt { key: u32, id: u32 },
    /// `net.connect(port, host)` for socket callback `id`.
    Connect { id: u32, port: u16, host: String },
    /// Bytes for socket `id`; `done` is called with the result once they are in the kernel.
    Write { id: u32, data: Vec<u8>, done: u32 },
    /// Ends the writable side (`'finish'` follows).
    End(u32),
    /// Destroys the socket (`'close'` follows).
    Destroy(u32),
    /// Stops or restarts reading.
    Pause(u32, bool),
    /// `setNoDelay`.
    NoDelay(u32, bool),
    /// `setKeepAlive(on, delay ms)`.
    KeepAlive(u32, bool, u64),
    /// `socket.ref()` / `unref()`.
    Ref(u32, bool),
    /// `socket.setTimeout(ms)`.
    Timeout(u32, u64),
}

/// The I/O modules' loop handles, by callback id.
#[derive(Default)]
pub(crate) struct Io {
    servers: HashMap<u32, Server>,
    sockets: HashMap<u32, Socket>,
    accepted: HashMap<u32, Socket>,
    next_key: u32,
    /// `http.request`s in flight.
    pub(crate) client: HashMap<u32, ruv_http::client::ClientRequest>,
}

/// An error event's arguments: the error, its description and Node's (negative) errno.
pub(crate) fn error_args(e: ruv_core::Error) -> Vec<Arg> {
    let code = e.code();
    let errno = code.errno().map_or(0.0, |n| -f64::from(n));
    vec![
        Arg::Error(e),
        Arg::Str(code.description().to_string()),
        Arg::Num(errno),
    ]
}

fn addr_args(a: Option<SocketAddr>) -> [Arg; 3] {
    match a {
        Some(a) => [
            Arg::Str(a.ip().to_string()),
            Arg::Num(f64::from(a.port())),
            Arg::Str(if a.is_ipv4() { "IPv4" } else { "IPv6" }.into()),
        ],
        None => [Arg::Null, Arg::Null, Arg::Null],
    }
}

/// `host` as an address: an IP, or `localhost` (127.0.0.1).
pub(crate) fn ip_of(host: &str) -> ruv_core::Result<IpAddr> {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.is_empty() || h.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    h.parse().map_err(|_| {
        ruv_core::Error::new(ruv_dns::codes::ENOTFOUND)
            .with_syscall("getaddrinfo")
            .with_detail(host.to_string())
    })
}

/// Calls `id` with `ev` on the next tick (errors Node emits asynchronously).
fn later(lp: &mut Loop<Host>, id: u32, ev: &'static str, args: Vec<Arg>) -> ruv_core::Result<()> {
    ruv_node::next_tick(lp, move |lp, h: &mut Host| {
        h.call(lp, id, true, Reply::Event(ev, args))
    })
}

/// The socket's events as the prelude's `net.Socket` takes them.
fn socket_event(lp: &mut Loop<Host>, h: &mut Host, id: u32, sock: Socket, ev: SocketEvent<'_>) {
    let (name, args, keep) = match ev {
        SocketEvent::Connect => {
            let [la, lport, _] = addr_args(sock.local_addr(lp).ok());
            let [ra, rport, fam] = addr_args(sock.remote_addr(lp).ok());
            ("connect", vec![la, lport, ra, rport, fam], true)
        }
        SocketEvent::Data(d) => ("data", vec![Arg::Bytes(d.to_vec())], true),
        SocketEvent::End => ("end", vec![], true),
        SocketEvent::Finish => ("finish", vec![], true),
        SocketEvent::Timeout => ("timeout", vec![], true),
        SocketEvent::Error(e) => ("error", error_args(e), true),
        SocketEvent::Close { had_error } => {
            h.io.sockets.remove(&id);
            (
                "close",
                vec![Arg::Num(f64::from(u8::from(had_error)))],
                false,
            )
        }
        SocketEvent::Drain => return,
    };
    h.call(lp, id, keep, Reply::Event(name, args));
}

/// Applies a `net` op.
pub(crate) fn apply(lp: &mut Loop<Host>, host: &mut Host, op: NetOp) -> ruv_core::Result<()> {
    match op {
        NetOp::Listen {
            id,
            port,
            host: addr,
            backlog,
        } => listen(lp, host, id, port, &addr, backlog),
        NetOp::ServerClose(id) => match host.io.servers.get(&id) {
            Some(s) => {
                if let Err(e) = s.close(lp) {
                    later(lp, id, "error", error_args(e))?;
                }
                Ok(())
            }
            None => Ok(()),
        },
        NetOp::ServerRef(id, on) => {
            if let Some(s) = host.io.servers.get(&id) {
                s.set_ref(lp, on);
            }
            Ok(())
        }
        NetOp::Adopt { key, id } => {
            let Some(sock) = host.io.accepted.remove(&key) else {
                return Ok(());
            };
            host.io.sockets.insert(id, sock);
            sock.on(lp, move |lp, h: &mut Host, me, ev| {
                socket_event(lp, h, id, me, ev)
            })
        }
        NetOp::Connect {
            id,
            port,
            host: name,
        } => {
            let ip = match ip_of(&name) {
                Ok(ip) => ip,
                Err(e) => {
                    later(lp, id, "error", error_args(e))?;
                    return later(lp, id, "close", vec![Arg::Num(1.0)]);
                }
            };
            let opts = SocketOptions {
                allow_half_open: true,
            };
            let sock = Socket::connect(
                lp,
                (ip, port).into(),
                opts,
                move |lp, h: &mut Host, me, ev| socket_event(lp, h, id, me, ev),
            )?;
            host.io.sockets.insert(id, sock);
            Ok(())
        }
        NetOp::Write { id, data, done } => {
            let Some(sock) = host.io.sockets.get(&id).copied() else {
                let e = ruv_core::Error::new(ruv_core::Code::ERR_STREAM_DESTROYED);
                return later(lp, done, "write", error_args(e));
            };
            let res = sock.tcp().write_cb(lp, data, move |lp, h: &mut Host, r| {
                let args = match r {
                    Ok(()) => vec![Arg::Null],
                    Err(e) => error_args(e),
                };
                h.call(lp, done, false, Reply::Event("write", args));
            });
            match res {
                Ok(_) => Ok(()),
                Err(e) => later(lp, done, "write", error_args(e)),
            }
        }
        NetOp::End(id) => match host.io.sockets.get(&id).copied() {
            Some(s) => s.end(lp, None),
            None => Ok(()),
        },
        NetOp::Destroy(id) => {
            if let Some(s) = host.io.sockets.get(&id).copied() {
                s.destroy(lp, None);
            }
            Ok(())
        }
        NetOp::Pause(id, pause) => {
            if let Some(s) = host.io.sockets.get(&id).copied() {
                if pause {
                    s.pause(lp)
                } else {
                    s.resume(lp)
                }
            }
            Ok(())
        }
        NetOp::NoDelay(id, on) => match host.io.sockets.get(&id) {
            Some(s) => s.tcp().set_nodelay(lp, on),
            None => Ok(()),
        },
        NetOp::KeepAlive(id, on, ms) => match host.io.sockets.get(&id) {
            Some(s) => {
                let delay = std::time::Duration::from_millis(ms.max(1000));
                s.tcp().set_keepalive(lp, on, delay)
            }
            None => Ok(()),
        },
        NetOp::Ref(id, on) => {
            if let Some(s) = host.io.sockets.get(&id) {
                s.tcp().set_ref(lp, on);
            }
            Ok(())
        }
        NetOp::Timeout(id, ms) => match host.io.sockets.get(&id).copied() {
            Some(s) => s.set_timeout(lp, ms),
            None => Ok(()),
        },
    }
}

fn listen(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    port: u16,
    addr: &str,
    backlog: i32,
) -> ruv_core::Result<()> {
    let ip = match ip_of(addr) {
        Ok(ip) => ip,
        Err(e) => return later(lp, id, "error", error_args(e)),
    };
    let server = Server::create(
        lp,
        ServerOptions {
            allow_half_open: true,
        },
        move |lp, h: &mut Host, server, ev| {
            let (name, args, keep) = match ev {
                ServerEvent::Listening => {
                    let a = addr_args(server.address(lp).ok());
                    ("listening", a.into(), true)
                }
                ServerEvent::Connection(sock) => {
                    h.io.next_key = h.io.next_key.wrapping_add(1);
                    let key = h.io.next_key;
                    h.io.accepted.insert(key, sock);
                    let [la, lport, _] = addr_args(sock.local_addr(lp).ok());
                    let [ra, rport, fam] = addr_args(sock.remote_addr(lp).ok());
                    let args = vec![Arg::Num(f64::from(key)), la, lport, ra, rport, fam];
                    ("connection", args, true)
                }
                ServerEvent::Error(e) => ("error", error_args(e), true),
                ServerEvent::Close => {
                    h.io.servers.remove(&id);
                    ("close", vec![], false)
                }
            };
            h.call(lp, id, keep, Reply::Event(name, args));
            Ok::<(), ruv_core::Error>(())
        },
    )?;
    let backlog = if backlog > 0 {
        backlog
    } else {
        ruv_net::node::DEFAULT_BACKLOG
    };
    if let Err(e) = server.listen_with(lp, (ip, port).into(), backlog) {
        return later(lp, id, "error", error_args(e));
    }
    host.io.servers.insert(id, server);
    Ok(())
}

/// The `net` natives: each queues a [`NetOp`].
pub(crate) fn install_net<'js>(
    ctx: &rquickjs::Ctx<'js>,
    n: &rquickjs::Object<'js>,
    ops: &crate::host::Ops,
) -> rquickjs::Result<()> {
    use crate::natives::func;
    use crate::ops::Op;
    let push = |ops: &crate::host::Ops| {
        let o = ops.clone();
        move |op: NetOp| o.borrow_mut().push(Op::Net(op))
    };
    let p = push(ops);
    func(
        ctx,
        n,
        "netListen",
        move |id: u32, port: u16, host: String, backlog: i32| {
            p(NetOp::Listen {
                id,
                port,
                host,
                backlog,
            })
        },
    )?;
    let p = push(ops);
    func(ctx, n, "netServerClose", move |id: u32| {
        p(NetOp::ServerClose(id))
    })?;
    let p = push(ops);
    func(ctx, n, "netServerRef", move |id: u32, on: bool| {
        p(NetOp::ServerRef(id, on))
    })?;
    let p = push(ops);
    func(ctx, n, "netAdopt", move |key: u32, id: u32| {
        p(NetOp::Adopt { key, id })
    })?;
    let p = push(ops);
    func(
        ctx,
        n,
        "netConnect",
        move |id: u32, port: u16, host: String| p(NetOp::Connect { id, port, host }),
    )?;
    let p = push(ops);
    func(
        ctx,
        n,
        "netWrite",
        move |id: u32, ab: rquickjs::ArrayBuffer<'js>, done: u32| -> rquickjs::Result<()> {
            let data = crate::natives::whole(&ab)?;
            p(NetOp::Write { id, data, done });
            Ok(())
        },
    )?;
    let p = push(ops);
    func(ctx, n, "netEnd", move |id: u32| p(NetOp::End(id)))?;
    let p = push(ops);
    func(ctx, n, "netDestroy", move |id: u32| p(NetOp::Destroy(id)))?;
    let p = push(ops);
    func(ctx, n, "netPause", move |id: u32, on: bool| {
        p(NetOp::Pause(id, on))
    })?;
    let p = push(ops);
    func(ctx, n, "netNoDelay", move |id: u32, on: bool| {
        p(NetOp::NoDelay(id, on))
    })?;
    let p = push(ops);
    func(ctx, n, "netKeepAlive", move |id: u32, on: bool, ms: f64| {
        p(NetOp::KeepAlive(id, on, ms.max(0.0) as u64))
    })?;
    let p = push(ops);
    func(ctx, n, "netRef", move |id: u32, on: bool| {
        p(NetOp::Ref(id, on))
    })?;
    let p = push(ops);
    func(ctx, n, "netTimeout", move |id: u32, ms: f64| {
        p(NetOp::Timeout(id, ms.max(0.0) as u64))
    })?;
    Ok(())
}
