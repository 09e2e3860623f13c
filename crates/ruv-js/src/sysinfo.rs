//! `os`'s figures from the kernel: `cpus()` (/proc/cpuinfo and /proc/stat), `loadavg()`,
//! `uptime()`, `release()`/`version()`/`machine()` (uname) and `networkInterfaces()`
//! (getifaddrs).

use rquickjs::{Ctx, Object};

use crate::natives::func;

/// `os.cpus()` as JSON text: `[{ model, speed, times: { user, nice, sys, idle, irq } }]`,
/// times in ms as Node gives them (clock ticks times 1000 / `CLK_TCK`).
fn cpus_json() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let mut models = Vec::new();
    for line in info.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if k.trim() == "model name" {
            models.push(v.trim().to_string());
        }
    }
    // SAFETY: sysconf only reads a configuration value.
    let tck = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut out = Vec::new();
    for line in stat.lines() {
        let mut it = line.split_whitespace();
        let Some(name) = it.next() else { continue };
        let Some(n) = name
            .strip_prefix("cpu")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let t: Vec<u64> = it.map(|x| x.parse().unwrap_or(0)).collect();
        let ms = |i: usize| t.get(i).copied().unwrap_or(0) * 1000 / tck;
        out.push(serde_json::json!({
            "model": models.get(n).cloned().unwrap_or_else(|| "unknown".into()),
            // as libuv: the current frequency from cpufreq, in MHz (0 where there is none)
            "speed": std::fs::read_to_string(format!("/sys/devices/system/cpu/cpu{n}/cpufreq/scaling_cur_freq"))
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map_or(0, |khz| khz / 1000),
            "times": { "user": ms(0), "nice": ms(1), "sys": ms(2), "idle": ms(3), "irq": ms(5) },
        }));
    }
    serde_json::Value::Array(out).to_string()
}

/// Node's `networkInterfaces()` as JSON text, from getifaddrs (IPv4 and IPv6 entries, the
/// MAC from /sys/class/net).
fn interfaces_json() -> String {
    use std::net::{Ipv4Addr, Ipv6Addr};
    let mut map = serde_json::Map::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list that freeifaddrs releases below.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return "{}".into();
    }
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, alive until freeifaddrs.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string of the list.
        let name = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: ifa_addr is non-null and points at a sockaddr of the list.
        let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
        let internal = ifa.ifa_flags & libc::IFF_LOOPBACK as u32 != 0;
        let mac = std::fs::read_to_string(format!("/sys/class/net/{name}/address"))
            .map_or_else(|_| "00:00:00:00:00:00".into(), |s| s.trim().to_string());
        let entry = if family == libc::AF_INET {
            // SAFETY: an AF_INET address is a sockaddr_in; so is its netmask when present.
            let (addr, mask) = unsafe {
                let a = &*ifa.ifa_addr.cast::<libc::sockaddr_in>();
                let m = if ifa.ifa_netmask.is_null() {
                    0
                } else {
                    (*ifa.ifa_netmask.cast::<libc::sockaddr_in>())
                        .sin_addr
                        .s_addr
                };
                (a.sin_addr.s_addr, m)
            };
            let (a, m) = (
                Ipv4Addr::from(u32::from_be(addr)),
                Ipv4Addr::from(u32::from_be(mask)),
            );
            let bits = u32::from_be(mask).count_ones();
            serde_json::json!({
                "address": a.to_string(), "netmask": m.to_string(), "family": "IPv4",
                "mac": mac, "internal": internal, "cidr": format!("{a}/{bits}"),
            })
        } else if family == libc::AF_INET6 {
            // SAFETY: an AF_INET6 address is a sockaddr_in6; so is its netmask when present.
            let (addr, mask, scope) = unsafe {
                let a = &*ifa.ifa_addr.cast::<libc::sockaddr_in6>();
                let m = if ifa.ifa_netmask.is_null() {
                    [0; 16]
                } else {
                    (*ifa.ifa_netmask.cast::<libc::sockaddr_in6>())
                        .sin6_addr
                        .s6_addr
                };
                (a.sin6_addr.s6_addr, m, a.sin6_scope_id)
            };
            let (a, m) = (Ipv6Addr::from(addr), Ipv6Addr::from(mask));
            let bits: u32 = mask.iter().map(|b| b.count_ones()).sum();
            serde_json::json!({
                "address": a.to_string(), "netmask": m.to_string(), "family": "IPv6",
                "mac": mac, "internal": internal, "cidr": format!("{a}/{bits}"), "scopeid": scope,
            })
        } else {
            continue;
        };
        if let serde_json::Value::Array(list) = map
            .entry(name)
            .or_insert_with(|| serde_json::Value::Array(Vec::new()))
        {
            list.push(entry);
        }
    }
    // SAFETY: `head` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    serde_json::Value::Object(map).to_string()
}

/// Adds the `os` figures to `n`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, n: &Object<'js>) -> rquickjs::Result<()> {
    func(ctx, n, "cpusInfo", cpus_json)?;
    func(ctx, n, "interfaces", interfaces_json)?;
    func(ctx, n, "loadavg", || -> Vec<f64> {
        let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let mut v: Vec<f64> = s
            .split_whitespace()
            .take(3)
            .map(|x| x.parse().unwrap_or(0.0))
            .collect();
        v.resize(3, 0.0);
        v
    })?;
    func(ctx, n, "sysUptime", || -> f64 {
        std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
            .unwrap_or(0.0)
    })?;
    func(ctx, n, "ids", || -> Vec<u32> {
        vec![
            rustix::process::getuid().as_raw(),
            rustix::process::getgid().as_raw(),
        ]
    })?;
    func(ctx, n, "uname", || -> Vec<String> {
        let u = rustix::system::uname();
        [u.sysname(), u.release(), u.version(), u.machine()]
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    })?;
    Ok(())
}
