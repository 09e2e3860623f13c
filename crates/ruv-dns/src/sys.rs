//! The two C calls, wrapped: `getaddrinfo` (+ `freeaddrinfo`) and `getnameinfo`; and the
//! interface name ↔ index calls for IPv6 zones (`if_nametoindex`, `if_indextoname`).
//!
//! Both block (files, NSS modules, DNS queries), so they only ever run on pool threads. Failures
//! come back as a [`Failure`] holding the raw `EAI_*` value (and `errno` for `EAI_SYSTEM`); the
//! mapping to Node's names lives in `error.rs`.

use crate::error::Failure;
use crate::options::LookupAddress;
use std::ffi::{CStr, CString};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::raw::c_char;
use std::ptr;

/// `NI_MAXSERV` (not exported by the `libc` crate on every target).
const NI_MAXSERV: usize = 32;
/// `NI_MAXHOST`.
const NI_MAXHOST: usize = 1025;

/// The `errno` left by a call that just failed.
fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Frees a `getaddrinfo` result list when dropped, whatever happens while it is read.
struct AddrInfoList(*mut libc::addrinfo);

impl Drop for AddrInfoList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer is the head of a list returned by a successful getaddrinfo
            // call, owned by this guard alone and freed exactly once, here.
            unsafe { libc::freeaddrinfo(self.0) };
        }
    }
}

/// Resolves `host` with `getaddrinfo(host, NULL, {family, SOCK_STREAM, flags})` (the hints Node
/// passes), returning the IPv4/IPv6 addresses in the order the resolver gave them, IPv6 ones
/// with their scope id (non-zero for a link-local address with a zone, `fe80::1%lo`).
pub(crate) fn getaddrinfo(
    host: &CStr,
    family: i32,
    flags: i32,
) -> Result<Vec<LookupAddress>, Failure> {
    // SAFETY: `addrinfo` is a plain C struct (integers and pointers); all-zero is its
    // "no preference" value, which getaddrinfo documents for unused hint fields.
    let mut hints: libc::addrinfo = unsafe { mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = flags;
    let mut head: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: `host` is a NUL-terminated string that outlives the call, the service is NULL
    // (allowed when a host is given), `hints` is a valid addrinfo for the call's duration and
    // `head` is a valid place for the result pointer.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), ptr::null(), &hints, &mut head) };
    if rc != 0 {
        let errno = if rc == libc::EAI_SYSTEM {
            last_errno()
        } else {
            0
        };
        // On failure nothing was allocated: there is nothing to free.
        return Err(Failure::Eai { eai: rc, errno });
    }
    let list = AddrInfoList(head);
    let mut out = Vec::new();
    let mut cur = list.0;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getaddrinfo returned; the list stays allocated
        // until `list` is dropped at the end of this function.
        let ai = unsafe { &*cur };
        if !ai.ai_addr.is_null() {
            let len = ai.ai_addrlen as usize;
            if ai.ai_family == libc::AF_INET && len >= mem::size_of::<libc::sockaddr_in>() {
                // SAFETY: for AF_INET, `ai_addr` points to a `sockaddr_in` of `ai_addrlen`
                // bytes (checked above); read_unaligned makes no alignment assumption.
                let sa = unsafe { ptr::read_unaligned(ai.ai_addr as *const libc::sockaddr_in) };
                let ip = Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr));
                out.push(LookupAddress::new(IpAddr::V4(ip)));
            } else if ai.ai_family == libc::AF_INET6 && len >= mem::size_of::<libc::sockaddr_in6>()
            {
                // SAFETY: for AF_INET6, `ai_addr` points to a `sockaddr_in6` of `ai_addrlen`
                // bytes (checked above); read_unaligned makes no alignment assumption.
                let sa = unsafe { ptr::read_unaligned(ai.ai_addr as *const libc::sockaddr_in6) };
                let ip = Ipv6Addr::from(sa.sin6_addr.s6_addr);
                out.push(LookupAddress::scoped(IpAddr::V6(ip), sa.sin6_scope_id));
            }
        }
        cur = ai.ai_next;
    }
    Ok(out)
}

/// Reverse-resolves `addr` with `getnameinfo(…, NI_NAMEREQD)` (Node's flags: a host name
/// is required, the service is looked up as TCP): `(hostname, service)`. An IPv6 address's
/// scope id (and flow info) are passed on.
pub(crate) fn getnameinfo(addr: SocketAddr) -> Result<(String, String), Failure> {
    let port = addr.port();
    // SAFETY: `sockaddr_storage` is plain data; all-zero is a valid (unspecified) value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let ip = *a.ip();
            // SAFETY: plain C struct; zero fills the padding (`sin_zero`) as required.
            let mut sa: libc::sockaddr_in = unsafe { mem::zeroed() };
            sa.sin_family = libc::AF_INET as libc::sa_family_t;
            sa.sin_port = port.to_be();
            sa.sin_addr = libc::in_addr {
                s_addr: u32::from(ip).to_be(),
            };
            // SAFETY: `sockaddr_storage` is larger than and suitably aligned for every
            // socket address type, `sockaddr_in` included.
            unsafe { ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sa) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: plain C struct; all-zero is a valid value for every field.
            let mut sa: libc::sockaddr_in6 = unsafe { mem::zeroed() };
            sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sa.sin6_port = port.to_be();
            sa.sin6_flowinfo = a.flowinfo().to_be();
            sa.sin6_addr = libc::in6_addr {
                s6_addr: a.ip().octets(),
            };
            sa.sin6_scope_id = a.scope_id();
            // SAFETY: as above, for `sockaddr_in6`.
            unsafe { ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sa) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    let mut host = [0 as c_char; NI_MAXHOST];
    let mut serv = [0 as c_char; NI_MAXSERV];
    // SAFETY: `storage` holds a socket address of `len` bytes; `host` and `serv` are writable
    // buffers of the lengths passed, which getnameinfo NUL-terminates on success.
    let rc = unsafe {
        libc::getnameinfo(
            &storage as *const _ as *const libc::sockaddr,
            len as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr(),
            serv.len() as libc::socklen_t,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        let errno = if rc == libc::EAI_SYSTEM {
            last_errno()
        } else {
            0
        };
        return Err(Failure::Eai { eai: rc, errno });
    }
    // SAFETY: on success both buffers hold NUL-terminated strings within their lengths.
    let (h, s) = unsafe { (CStr::from_ptr(host.as_ptr()), CStr::from_ptr(serv.as_ptr())) };
    Ok((
        h.to_string_lossy().into_owned(),
        s.to_string_lossy().into_owned(),
    ))
}

/// `host` as a C string (the caller has already rejected NUL bytes).
pub(crate) fn c_host(host: &str) -> CString {
    CString::new(host).expect("validated: no NUL byte")
}

/// The index of the network interface named `name` (`if_nametoindex`), `None` if there is
/// none (or the name holds a NUL byte).
pub(crate) fn interface_index(name: &str) -> Option<u32> {
    let name = CString::new(name).ok()?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    (index != 0).then_some(index)
}

/// The name of the network interface with index `index` (`if_indextoname`), `None` if
/// there is none.
pub(crate) fn interface_name(index: u32) -> Option<String> {
    let mut buf = [0 as c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname may write (the name and its
    // NUL); it returns NULL on failure and leaves a NUL-terminated string in `buf` on success.
    let ret = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if ret.is_null() {
        return None;
    }
    // SAFETY: on success `buf` holds a NUL-terminated string (see above).
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getaddrinfo_keeps_the_scope_id_of_a_zoned_answer() {
        let lo = interface_index("lo").expect("a loopback interface");
        let found = getaddrinfo(c"fe80::1%lo", libc::AF_UNSPEC, 0).unwrap();
        let fe80: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(found, [LookupAddress::scoped(fe80, lo)]);
        assert_eq!(interface_name(lo).as_deref(), Some("lo"));
        assert_eq!(interface_index("nosuch0"), None);
        assert_eq!(interface_index("l\0o"), None);
    }
}
