//! UDP sockets (libuv's `uv_udp_t`, Node's `dgram`): send with a callback per datagram
//! (FIFO queue when the socket buffer is full), receive into the loop-wide buffer,
//! broadcast, multicast membership and TTLs.

use crate::closing::{self, DoneFn, OneShot};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, CloseToken, Code, Error, Interest, IoWatcher, Loop, Ready, Result};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

const RECV_BUF: usize = 64 * 1024;
const RECVS_PER_EVENT: usize = 32;

/// A UDP socket on a loop: a `Copy` id into ruv-core's registry; a stale id is `EBADF`
/// for operations that start work and a no-op for idempotent ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Udp(HandleId);

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

type RecvFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Udp, Result<(&'a [u8], SocketAddr)>) -> Result<()>>;

struct SendReq<S> {
    data: Box<dyn AsRef<[u8]>>,
    to: SocketAddr,
    cb: Option<OneShot<S>>,
}

/// A UDP socket's own state (its liveness flags are the registry's `Handle` around it).
struct UdpEntry<S> {
    sock: Option<UdpSocket>,
    watcher: IoWatcher,
    interest: Option<Interest>,
    receiving: bool,
    queue: VecDeque<SendReq<S>>,
    queued: usize,
    on_recv: Option<Callback<RecvFn<S>>>,
}

fn entry<S: 'static>(lp: &mut Loop<S>, id: Udp) -> Result<&mut UdpEntry<S>> {
    Ok(&mut lp.open_handle_mut::<UdpEntry<S>>(id.0)?.data)
}

fn sock<S: 'static>(lp: &Loop<S>, id: Udp) -> Result<&UdpSocket> {
    let h = lp.handle::<UdpEntry<S>>(id.0)?;
    if h.is_closing() {
        return Err(Error::new(Code::EBADF).with_detail("handle is closing"));
    }
    h.data.sock.as_ref().ok_or_else(|| Error::new(Code::EBADF))
}

fn on_recv_field<S>(e: &mut UdpEntry<S>) -> &mut Option<Callback<RecvFn<S>>> {
    &mut e.on_recv
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
    lp.handle_set_active::<UdpEntry<S>>(id.0, want.is_some());
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
        let mut buf = crate::stream_io::lend_buf(&mut crate::stream::net(lp).buf, RECV_BUF);
        let Ok(e) = entry(lp, id) else {
            crate::stream::net(lp).buf = buf;
            return false;
        };
        let Some(sock) = e.sock.as_ref().filter(|_| e.receiving) else {
            crate::stream::net(lp).buf = buf;
            return false;
        };
        let res = match sock.recv_from(&mut buf) {
            Ok((len, from)) => Ok((len, from)),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                crate::stream::net(lp).buf = buf;
                return false;
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {
                crate::stream::net(lp).buf = buf;
                continue;
            }
            Err(err) => Err(Error::from_io(&err, "recvmsg")),
        };
        // An error or panic unwinding from the callback takes the watcher's own callback
        // with it (see `stream_io::guarded`): re-arm the watcher first.
        let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lp.dispatch_handle::<UdpEntry<S>, RecvFn<S>>(
                s,
                id.0,
                "udp.message",
                on_recv_field::<S>,
                |f, lp, s| match res {
                    Ok((len, from)) => f(lp, s, id, Ok((&buf[..len], from))),
                    Err(err) => f(lp, s, id, Err(err)),
                },
            )
        }));
        if let Err(payload) = call {
            if let Ok(e) = entry(lp, id) {
                e.interest = None;
            }
            let _ = update_io(lp, id, true);
            std::panic::resume_unwind(payload);
        }
        let n = crate::stream::net(lp);
        if n.buf.is_empty() {
            n.buf = buf;
        }
    }
    true
}

/// Sends queued datagrams until the socket would block; callbacks are deferred.
fn flush<S: 'static>(lp: &mut Loop<S>, id: Udp) {
    let mut done: Vec<(OneShot<S>, Result<()>)> = Vec::new();
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
        cb.defer(lp, id.0, res);
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
        Udp::insert(lp, UdpSocket::from(sock))
    }

    /// Wraps a UDP socket the caller already holds (one received from another process over
    /// an IPC channel, as Node's `dgram` handle passing does): bound or not. It is made
    /// non-blocking and closed with the handle.
    ///
    /// # Errors
    /// `ENOTSOCK` if `fd` is not a socket, `EPROTOTYPE` if it is not a datagram socket; the
    /// `fcntl` error.
    pub fn open<S: 'static>(lp: &mut Loop<S>, fd: std::os::fd::OwnedFd) -> Result<Udp> {
        let sock = Socket::from(fd);
        let ty = sock
            .r#type()
            .map_err(|e| Error::from_io(&e, "getsockopt"))?;
        if ty != Type::DGRAM {
            return Err(Error::op(Code::EPROTOTYPE, "open").with_detail("not a datagram socket"));
        }
        sock.set_nonblocking(true)
            .map_err(|e| Error::from_io(&e, "fcntl"))?;
        Udp::insert(lp, UdpSocket::from(sock))
    }

    /// The socket's file descriptor, borrowed (to pass it to another process: the IPC
    /// channel duplicates it). `EBADF` for a stale or closing socket.
    pub fn as_fd<S: 'static>(self, lp: &Loop<S>) -> Result<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        Ok(sock(lp, self)?.as_fd())
    }

    fn insert<S: 'static>(lp: &mut Loop<S>, sock: UdpSocket) -> Result<Udp> {
        let watcher = IoWatcher::new(lp, sock.as_raw_fd())?;
        // The socket's own handle flags keep the loop alive, not the watcher's.
        watcher.set_ref(lp, false);
        let id = lp.handles::<UdpEntry<S>>().insert(Handle::new(UdpEntry {
            sock: Some(sock),
            watcher,
            interest: None,
            receiving: false,
            queue: VecDeque::new(),
            queued: 0,
            on_recv: None,
        }));
        Ok(Udp(id))
    }

    /// Sends one datagram to `to`; `cb` runs from the loop with the outcome. Datagrams are
    /// sent in order; when the socket buffer is full they wait in a queue.
    #[track_caller]
    pub fn send<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
        to: SocketAddr,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<()> {
        let cb: Callback<DoneFn<S>> = closing::done(cb);
        let e = entry(lp, self)?;
        e.queued += data.as_ref().len();
        e.queue.push_back(SendReq {
            data: Box::new(data),
            to,
            cb: Some(OneShot::new("udp.send", cb)),
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
        if !entry(lp, self)?.queue.is_empty() {
            return Err(Error::op(Code::EAGAIN, "send"));
        }
        sock(lp, self)?
            .send_to(data, to)
            .map_err(|e| Error::from_io(&e, "send"))
    }

    /// Bytes waiting in the send queue.
    pub fn send_queue_size<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        sock(lp, self)?;
        Ok(lp.handle::<UdpEntry<S>>(self.0)?.data.queued)
    }

    /// Starts receiving: `cb` gets each datagram (a slice of the loop-wide 64 KiB buffer)
    /// and its sender, or an error (kind `udp.message`).
    ///
    /// # Errors
    /// `EBADF` for a stale or closing socket.
    #[track_caller]
    pub fn recv_start<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Udp, Result<(&[u8], SocketAddr)>) -> R + 'static,
    ) -> Result<()> {
        let f: RecvFn<S> = Box::new(move |lp, s, me, r| cb(lp, s, me, r).into_result());
        let f = Callback::new(f);
        let e = entry(lp, self)?;
        e.receiving = true;
        e.on_recv = Some(f);
        update_io(lp, self, true)
    }

    /// Stops receiving (datagrams wait in the kernel, or are dropped when it is full). A
    /// no-op on a stale or closing socket.
    pub fn recv_stop<S: 'static>(self, lp: &mut Loop<S>) {
        if let Ok(e) = entry(lp, self) {
            e.receiving = false;
            let _ = update_io(lp, self, false);
        }
    }

    /// `SO_BROADCAST`.
    pub fn set_broadcast<S: 'static>(self, lp: &Loop<S>, on: bool) -> Result<()> {
        opt(sock(lp, self)?.set_broadcast(on))
    }

    /// The unicast TTL (`IP_TTL`, 1..=255).
    pub fn set_ttl<S: 'static>(self, lp: &Loop<S>, ttl: u32) -> Result<()> {
        if !(1..=255).contains(&ttl) {
            return Err(Error::op(Code::EINVAL, "setsockopt"));
        }
        opt(sock(lp, self)?.set_ttl(ttl))
    }

    /// The multicast TTL (`IP_MULTICAST_TTL`, 0..=255).
    pub fn set_multicast_ttl<S: 'static>(self, lp: &Loop<S>, ttl: u32) -> Result<()> {
        if ttl > 255 {
            return Err(Error::op(Code::EINVAL, "setsockopt"));
        }
        opt(sock(lp, self)?.set_multicast_ttl_v4(ttl))
    }

    /// Whether multicast datagrams loop back to this host (`IP_MULTICAST_LOOP`).
    pub fn set_multicast_loop<S: 'static>(self, lp: &Loop<S>, on: bool) -> Result<()> {
        opt(sock(lp, self)?.set_multicast_loop_v4(on))
    }

    /// The interface for outgoing IPv4 multicast (`IP_MULTICAST_IF`).
    pub fn set_multicast_interface<S: 'static>(self, lp: &Loop<S>, iface: Ipv4Addr) -> Result<()> {
        opt(SockRef::from(sock(lp, self)?).set_multicast_if_v4(&iface))
    }

    /// Joins the IPv4 multicast `group` on `iface` (`0.0.0.0`: the kernel's choice).
    pub fn join_multicast<S: 'static>(
        self,
        lp: &Loop<S>,
        group: Ipv4Addr,
        iface: Ipv4Addr,
    ) -> Result<()> {
        opt(sock(lp, self)?.join_multicast_v4(&group, &iface))
    }

    /// Leaves an IPv4 multicast group.
    pub fn leave_multicast<S: 'static>(
        self,
        lp: &Loop<S>,
        group: Ipv4Addr,
        iface: Ipv4Addr,
    ) -> Result<()> {
        opt(sock(lp, self)?.leave_multicast_v4(&group, &iface))
    }

    /// Joins an IPv6 multicast group on interface index `iface` (0: any).
    pub fn join_multicast_v6<S: 'static>(
        self,
        lp: &Loop<S>,
        group: Ipv6Addr,
        iface: u32,
    ) -> Result<()> {
        opt(sock(lp, self)?.join_multicast_v6(&group, iface))
    }

    /// The bound address.
    pub fn local_addr<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        sock(lp, self)?
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))
    }

    /// Referenced (default) or not. A no-op on a stale id.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        lp.handle_set_ref::<UdpEntry<S>>(self.0, on)
    }

    /// The socket's handle id (unique in the process, never reused).
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Closes the socket now; queued sends get `ECANCELED`, then the callback attached to
    /// the token runs in the closing phase and the id goes stale.
    ///
    /// # Errors
    /// `EBADF` for a stale id, `EINVAL` if already closing.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<CloseToken<'_, S>> {
        let h = lp.handle_mut::<UdpEntry<S>>(self.0)?;
        if h.is_closing() {
            return Err(Error::new(Code::EINVAL).with_detail("handle is already closing"));
        }
        let e = &mut h.data;
        e.receiving = false;
        e.on_recv = None;
        let cancel: VecDeque<_> = e.queue.drain(..).filter_map(|r| r.cb).collect();
        e.queued = 0;
        let w = e.watcher;
        let sock = e.sock.take();
        let set = closing::cancel_on_close(lp, self.0, cancel);
        // Deregister first, then close the fd (see `closing.rs` for the order).
        if let Ok(t) = w.close(lp) {
            t.then(move |lp: &mut Loop<S>, s: &mut S| closing::deliver(lp, s, &set));
        }
        drop(sock);
        lp.close_handle::<UdpEntry<S>>(self.0)
    }
}
