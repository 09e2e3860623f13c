//! UDP sockets (libuv's `uv_udp_t`, Node's `dgram`): send with a callback per datagram
//! (FIFO queue when the socket buffer is full), receive into the loop-wide buffer,
//! broadcast, multicast membership and TTLs.

use ruv_core::{Code, Error, Interest, IoWatcher, Loop, Ready, Result};
use slab::Slab;
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

const RECV_BUF: usize = 64 * 1024;
const RECVS_PER_EVENT: usize = 32;

/// A UDP socket on a loop: a `Copy` id; a stale id is `EBADF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Udp {
    index: u32,
    gen: u32,
}

/// Options for [`Udp::bind_with`].
#[derive(Clone, Copy, Debug, Default)]
pub struct UdpOptions {
    /// `SO_REUSEADDR` (off by default, as Node's `reuseAddr`).
    pub reuse_address: bool,
    /// `SO_REUSEPORT`.
    pub reuse_port: bool,
    /// `IPV6_V6ONLY` for IPv6 addresses.
    pub ipv6_only: bool,
}

type SendCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<()>)>;
type CloseCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S)>;
type RecvCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, Udp, Result<(&[u8], SocketAddr)>)>;

struct SendReq<S> {
    data: Box<dyn AsRef<[u8]>>,
    to: SocketAddr,
    cb: Option<SendCb<S>>,
}

struct Entry<S> {
    gen: u32,
    sock: Option<UdpSocket>,
    watcher: IoWatcher,
    interest: Option<Interest>,
    receiving: bool,
    closing: bool,
    queue: VecDeque<SendReq<S>>,
    queued: usize,
    on_recv: Option<RecvCb<S>>,
    user_close: Option<CloseCb<S>>,
}

struct UdpNet<S> {
    entries: Slab<Entry<S>>,
    next_gen: u32,
    buf: Vec<u8>,
}

fn net<S: 'static>(lp: &mut Loop<S>) -> &mut UdpNet<S> {
    if lp.extension_mut::<UdpNet<S>>().is_none() {
        lp.insert_extension(UdpNet::<S> {
            entries: Slab::new(),
            next_gen: 0,
            buf: Vec::new(),
        });
    }
    lp.extension_mut::<UdpNet<S>>().expect("inserted above")
}

fn entry<S: 'static>(lp: &mut Loop<S>, id: Udp) -> Result<&mut Entry<S>> {
    match net(lp).entries.get_mut(id.index as usize) {
        Some(e) if e.gen == id.gen && !e.closing => Ok(e),
        _ => Err(Error::new(Code::EBADF)),
    }
}

fn sock<S: 'static>(lp: &mut Loop<S>, id: Udp) -> Result<&UdpSocket> {
    entry(lp, id)?
        .sock
        .as_ref()
        .ok_or_else(|| Error::new(Code::EBADF))
}

fn opt(r: std::io::Result<()>) -> Result<()> {
    r.map_err(|e| Error::from_io(&e, "setsockopt"))
}

fn update_io<S: 'static>(lp: &mut Loop<S>, id: Udp, force: bool) -> Result<()> {
    let e = entry(lp, id)?;
    let want = match (e.receiving, !e.queue.is_empty()) {
        (true, true) => Some(Interest::BOTH),
        (true, false) => Some(Interest::READABLE),
        (false, true) => Some(Interest::WRITABLE),
        (false, false) => None,
    };
    if want == e.interest && !force {
        return Ok(());
    }
    e.interest = want;
    let w = e.watcher;
    match want {
        None => {
            w.stop(lp);
            Ok(())
        }
        Some(i) => w.start(lp, i, move |lp, s, _, ready| on_io(lp, s, id, ready)),
    }
}

fn on_io<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: Udp, ready: Ready) {
    let mut rearm = false;
    if ready.is_readable() || ready.is_error() {
        rearm = do_recv(lp, s, id);
    }
    if ready.is_writable() {
        flush(lp, id);
    }
    let _ = update_io(lp, id, rearm);
}

fn do_recv<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: Udp) -> bool {
    for _ in 0..RECVS_PER_EVENT {
        let n = net(lp);
        let mut buf = crate::stream::lend_buf(&mut n.buf, RECV_BUF);
        let Some(e) = n.entries.get_mut(id.index as usize) else {
            n.buf = buf;
            return false;
        };
        if e.gen != id.gen || e.closing || !e.receiving {
            n.buf = buf;
            return false;
        }
        let Some(sock) = e.sock.as_ref() else {
            n.buf = buf;
            return false;
        };
        let res = match sock.recv_from(&mut buf) {
            Ok((len, from)) => Ok((len, from)),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                n.buf = buf;
                return false;
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {
                n.buf = buf;
                continue;
            }
            Err(err) => Err(Error::from_io(&err, "recvmsg")),
        };
        let Some(mut cb) = e.on_recv.take() else {
            n.buf = buf;
            return false;
        };
        match res {
            Ok((len, from)) => cb(lp, s, id, Ok((&buf[..len], from))),
            Err(err) => cb(lp, s, id, Err(err)),
        }
        let n = net(lp);
        if n.buf.is_empty() {
            n.buf = buf;
        }
        if let Ok(e) = entry(lp, id) {
            if e.on_recv.is_none() {
                e.on_recv = Some(cb);
            }
        }
    }
    true
}

/// Sends queued datagrams until the socket would block; callbacks are deferred.
fn flush<S: 'static>(lp: &mut Loop<S>, id: Udp) {
    let mut done: Vec<(SendCb<S>, Result<()>)> = Vec::new();
    {
        let Ok(e) = entry(lp, id) else { return };
        let Some(sock) = e.sock.as_ref() else { return };
        while let Some(req) = e.queue.front() {
            let data = (*req.data).as_ref();
            let res = match sock.send_to(data, req.to) {
                Ok(_) => Ok(()),
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                // a datagram that fails does not block the ones behind it
                Err(err) => Err(Error::from_io(&err, "send")),
            };
            let req = e.queue.pop_front().expect("front exists");
            e.queued -= (*req.data).as_ref().len();
            if let Some(cb) = req.cb {
                done.push((cb, res));
            }
        }
    }
    for (cb, res) in done {
        lp.defer(move |lp, s| cb(lp, s, res));
    }
}

impl Udp {
    /// Creates a socket bound to `addr` (port 0: ephemeral).
    pub fn bind<S: 'static>(lp: &mut Loop<S>, addr: SocketAddr) -> Result<Udp> {
        Udp::bind_with(lp, addr, UdpOptions::default())
    }

    /// [`bind`](Udp::bind) with options.
    pub fn bind_with<S: 'static>(
        lp: &mut Loop<S>,
        addr: SocketAddr,
        opts: UdpOptions,
    ) -> Result<Udp> {
        let sock = Socket::new(
            Domain::for_address(addr),
            Type::DGRAM.nonblocking(),
            Some(Protocol::UDP),
        )
        .map_err(|e| Error::from_io(&e, "socket"))?;
        if opts.reuse_address {
            opt(sock.set_reuse_address(true))?;
        }
        if opts.reuse_port {
            opt(sock.set_reuse_port(true))?;
        }
        if addr.is_ipv6() {
            opt(sock.set_only_v6(opts.ipv6_only))?;
        }
        sock.bind(&addr.into())
            .map_err(|e| Error::from_io(&e, "bind"))?;
        let sock = UdpSocket::from(sock);
        let watcher = IoWatcher::new(lp, sock.as_raw_fd())?;
        let n = net(lp);
        n.next_gen = n.next_gen.wrapping_add(1).max(1);
        let gen = n.next_gen;
        let index = n.entries.insert(Entry {
            gen,
            sock: Some(sock),
            watcher,
            interest: None,
            receiving: false,
            closing: false,
            queue: VecDeque::new(),
            queued: 0,
            on_recv: None,
            user_close: None,
        });
        Ok(Udp {
            index: index as u32,
            gen,
        })
    }

    /// Sends one datagram to `to`; `cb` runs from the loop with the outcome. Datagrams are
    /// sent in order; when the socket buffer is full they wait in a queue.
    pub fn send<S: 'static>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
        to: SocketAddr,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
    ) -> Result<()> {
        let e = entry(lp, self)?;
        e.queued += data.as_ref().len();
        e.queue.push_back(SendReq {
            data: Box::new(data),
            to,
            cb: Some(Box::new(cb)),
        });
        if e.queue.len() == 1 {
            flush(lp, self);
        }
        update_io(lp, self, false)
    }

    /// Sends now without queueing: `EAGAIN` if datagrams are queued or the buffer is full.
    pub fn try_send<S: 'static>(
        self,
        lp: &mut Loop<S>,
        data: &[u8],
        to: SocketAddr,
    ) -> Result<usize> {
        let e = entry(lp, self)?;
        if !e.queue.is_empty() {
            return Err(Error::op(Code::EAGAIN, "send"));
        }
        sock(lp, self)?
            .send_to(data, to)
            .map_err(|e| Error::from_io(&e, "send"))
    }

    /// Bytes waiting in the send queue.
    pub fn send_queue_size<S: 'static>(self, lp: &mut Loop<S>) -> Result<usize> {
        Ok(entry(lp, self)?.queued)
    }

    /// Starts receiving: `cb` gets each datagram (a slice of the loop-wide 64 KiB buffer)
    /// and its sender, or an error.
    pub fn recv_start<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnMut(&mut Loop<S>, &mut S, Udp, Result<(&[u8], SocketAddr)>) + 'static,
    ) -> Result<()> {
        let e = entry(lp, self)?;
        e.receiving = true;
        e.on_recv = Some(Box::new(cb));
        update_io(lp, self, true)
    }

    /// Stops receiving (datagrams wait in the kernel, or are dropped when it is full).
    pub fn recv_stop<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        entry(lp, self)?.receiving = false;
        update_io(lp, self, false)
    }

    /// `SO_BROADCAST`.
    pub fn set_broadcast<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        opt(sock(lp, self)?.set_broadcast(on))
    }

    /// The unicast TTL (`IP_TTL`, 1..=255).
    pub fn set_ttl<S: 'static>(self, lp: &mut Loop<S>, ttl: u32) -> Result<()> {
        if !(1..=255).contains(&ttl) {
            return Err(Error::op(Code::EINVAL, "setsockopt"));
        }
        opt(sock(lp, self)?.set_ttl(ttl))
    }

    /// The multicast TTL (`IP_MULTICAST_TTL`, 0..=255).
    pub fn set_multicast_ttl<S: 'static>(self, lp: &mut Loop<S>, ttl: u32) -> Result<()> {
        if ttl > 255 {
            return Err(Error::op(Code::EINVAL, "setsockopt"));
        }
        opt(sock(lp, self)?.set_multicast_ttl_v4(ttl))
    }

    /// Whether multicast datagrams loop back to this host (`IP_MULTICAST_LOOP`).
    pub fn set_multicast_loop<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        opt(sock(lp, self)?.set_multicast_loop_v4(on))
    }

    /// The interface for outgoing IPv4 multicast (`IP_MULTICAST_IF`).
    pub fn set_multicast_interface<S: 'static>(
        self,
        lp: &mut Loop<S>,
        iface: Ipv4Addr,
    ) -> Result<()> {
        opt(SockRef::from(sock(lp, self)?).set_multicast_if_v4(&iface))
    }

    /// Joins the IPv4 multicast `group` on `iface` (`0.0.0.0`: the kernel's choice).
    pub fn join_multicast<S: 'static>(
        self,
        lp: &mut Loop<S>,
        group: Ipv4Addr,
        iface: Ipv4Addr,
    ) -> Result<()> {
        opt(sock(lp, self)?.join_multicast_v4(&group, &iface))
    }

    /// Leaves an IPv4 multicast group.
    pub fn leave_multicast<S: 'static>(
        self,
        lp: &mut Loop<S>,
        group: Ipv4Addr,
        iface: Ipv4Addr,
    ) -> Result<()> {
        opt(sock(lp, self)?.leave_multicast_v4(&group, &iface))
    }

    /// Joins an IPv6 multicast group on interface index `iface` (0: any).
    pub fn join_multicast_v6<S: 'static>(
        self,
        lp: &mut Loop<S>,
        group: Ipv6Addr,
        iface: u32,
    ) -> Result<()> {
        opt(sock(lp, self)?.join_multicast_v6(&group, iface))
    }

    /// The bound address.
    pub fn local_addr<S: 'static>(self, lp: &mut Loop<S>) -> Result<SocketAddr> {
        sock(lp, self)?
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))
    }

    /// Referenced (default) or not.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        let w = entry(lp, self)?.watcher;
        w.set_ref(lp, on);
        Ok(())
    }

    /// Closes the socket now; queued sends get `ECANCELED`, then `cb` runs in the closing
    /// phase and the id goes stale.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<crate::CloseToken<'_, S>> {
        self.close_inner(lp, None)?;
        Ok(crate::CloseToken {
            lp,
            set: set_user_close::<S>,
            index: self.index,
            gen: self.gen as u64,
        })
    }

    #[allow(clippy::type_complexity)]
    fn close_inner<S: 'static>(self, lp: &mut Loop<S>, cb: Option<CloseCb<S>>) -> Result<()> {
        let e = entry(lp, self)?;
        e.closing = true;
        e.receiving = false;
        e.on_recv = None;
        let cancel: Vec<_> = e.queue.drain(..).filter_map(|r| r.cb).collect();
        e.queued = 0;
        let w = e.watcher;
        let id = self;
        let closed = w.close(lp).map(|t| {
            t.then(move |lp, s| {
                for c in cancel {
                    c(lp, s, Err(Error::new(Code::ECANCELED)));
                }
                let removed = net(lp).entries.remove(id.index as usize);
                if let Some(cb) = cb.or(removed.user_close) {
                    cb(lp, s);
                }
            })
        });
        if let Some(e) = net(lp).entries.get_mut(self.index as usize) {
            e.sock = None;
        }
        closed
    }
}

fn set_user_close<S: 'static>(lp: &mut Loop<S>, index: u32, gen: u64, cb: CloseCb<S>) {
    if let Some(e) = net(lp).entries.get_mut(index as usize) {
        if e.gen == gen as u32 {
            e.user_close = Some(cb);
        }
    }
}
