//! [`LookupOptions`], [`Order`], [`LookupAddress`] and the hint flags.

use crate::error::{inspect_str, invalid_arg};
use ruv_core::Error;
use std::fmt;
use std::net::{IpAddr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::str::FromStr;

/// Hint flag: return addresses of a family only if the system has an address of that family
/// configured (`AI_ADDRCONFIG`; Node's `dns.ADDRCONFIG`, 32 on Linux).
pub const ADDRCONFIG: i32 = libc::AI_ADDRCONFIG;
/// Hint flag: with `family: 6`, return IPv4 addresses as IPv4-mapped IPv6 addresses when there
/// is no IPv6 address (`AI_V4MAPPED`; Node's `dns.V4MAPPED`, 8 on Linux).
pub const V4MAPPED: i32 = libc::AI_V4MAPPED;
/// Hint flag: with [`V4MAPPED`], return both IPv6 and IPv4-mapped addresses (`AI_ALL`; Node's
/// `dns.ALL`, 16 on Linux).
pub const ALL: i32 = libc::AI_ALL;

/// In what order [`lookup`](crate::lookup) returns addresses (Node's `options.order`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// As the resolver returned them (Node 20's default, `'verbatim'`).
    #[default]
    Verbatim,
    /// IPv4 addresses before IPv6 ones, each family in the resolver's order (`'ipv4first'`).
    Ipv4First,
    /// IPv6 addresses before IPv4 ones, each family in the resolver's order (`'ipv6first'`).
    Ipv6First,
}

impl Order {
    /// Node's deprecated `verbatim` option: `true` is [`Order::Verbatim`], `false` is
    /// [`Order::Ipv4First`].
    pub fn from_verbatim(verbatim: bool) -> Order {
        if verbatim {
            Order::Verbatim
        } else {
            Order::Ipv4First
        }
    }

    /// Node's name for the order: `"verbatim"`, `"ipv4first"` or `"ipv6first"`.
    pub fn name(self) -> &'static str {
        match self {
            Order::Verbatim => "verbatim",
            Order::Ipv4First => "ipv4first",
            Order::Ipv6First => "ipv6first",
        }
    }
}

impl FromStr for Order {
    type Err = Error;

    /// Parses Node's names (exactly, as Node does). Anything else is Node's
    /// `ERR_INVALID_ARG_VALUE`: `The property 'options.order' must be one of: 'verbatim',
    /// 'ipv4first', 'ipv6first'. Received 'bogus'`.
    fn from_str(s: &str) -> Result<Order, Error> {
        match s {
            "verbatim" => Ok(Order::Verbatim),
            "ipv4first" => Ok(Order::Ipv4First),
            "ipv6first" => Ok(Order::Ipv6First),
            _ => Err(invalid_arg(format!(
                "The property 'options.order' must be one of: 'verbatim', 'ipv4first', \
                 'ipv6first'. Received {}",
                inspect_str(s)
            ))),
        }
    }
}

/// Options of [`lookup`](crate::lookup): Node's `dns.lookup` options.
///
/// ```
/// use ruv_dns::{LookupOptions, Order};
/// let opts = LookupOptions { family: 4, all: true, ..LookupOptions::default() };
/// assert_eq!(opts.order, Order::Verbatim);
/// assert_eq!(opts.hints, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LookupOptions {
    /// `0` (either family), `4` (IPv4 only) or `6` (IPv6 only). Any other value is rejected
    /// with `ERR_INVALID_ARG_VALUE`. Passed to `getaddrinfo`; like Node, a numeric host is
    /// returned as it is whatever the family asked for.
    pub family: u8,
    /// `true`: every address; `false`: only the first (after ordering), as a one-element
    /// `Vec`.
    pub all: bool,
    /// The order of the addresses.
    pub order: Order,
    /// `getaddrinfo` flags: `0` or any combination of [`ADDRCONFIG`], [`V4MAPPED`] and
    /// [`ALL`]; other bits are rejected with `ERR_INVALID_ARG_VALUE`.
    pub hints: i32,
}

impl LookupOptions {
    /// The defaults: any family, first address only, verbatim order, no hints.
    pub fn new() -> LookupOptions {
        LookupOptions::default()
    }

    /// Node's checks on `family` and `hints`, with Node's messages.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !matches!(self.family, 0 | 4 | 6) {
            return Err(invalid_arg(format!(
                "The property 'options.family' must be one of: 0, 4, 6. Received {}",
                self.family
            )));
        }
        if self.hints & !(ADDRCONFIG | V4MAPPED | ALL) != 0 {
            return Err(invalid_arg(format!(
                "The argument 'hints' is invalid. Received {}",
                self.hints
            )));
        }
        Ok(())
    }

    /// The `ai_family` for `getaddrinfo`.
    pub(crate) fn ai_family(&self) -> i32 {
        match self.family {
            4 => libc::AF_INET,
            6 => libc::AF_INET6,
            _ => libc::AF_UNSPEC,
        }
    }
}

/// One address found by [`lookup`](crate::lookup): Node's `{ address, family }`, and the
/// IPv6 scope id that Node keeps in the address string (`'fe80::1%lo'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LookupAddress {
    /// The address.
    pub address: IpAddr,
    /// `4` or `6`, the family of `address` (an IPv4-mapped IPv6 address is family 6).
    pub family: u8,
    /// The IPv6 scope id (the index of the interface a link-local address is on), `0` for
    /// none and for IPv4: from the zone of a literal (`fe80::1%lo`: the index of `lo`;
    /// `fe80::1%2`: 2), or from the resolver's answer.
    pub scope_id: u32,
}

impl LookupAddress {
    /// `address` with its family, without a scope id.
    pub fn new(address: IpAddr) -> LookupAddress {
        LookupAddress::scoped(address, 0)
    }

    /// `address` with its family and, for IPv6, the scope id `scope_id` (ignored for IPv4).
    pub fn scoped(address: IpAddr, scope_id: u32) -> LookupAddress {
        let (family, scope_id) = if address.is_ipv4() {
            (4, 0)
        } else {
            (6, scope_id)
        };
        LookupAddress {
            address,
            family,
            scope_id,
        }
    }

    /// The socket address of `port` at this address, the scope id included: what to connect
    /// to or bind.
    ///
    /// ```
    /// use ruv_dns::LookupAddress;
    /// let a = LookupAddress::scoped("fe80::1".parse().unwrap(), 1);
    /// assert_eq!(a.socket_addr(80).to_string(), "[fe80::1%1]:80");
    /// ```
    pub fn socket_addr(&self, port: u16) -> SocketAddr {
        match self.address {
            IpAddr::V4(ip) => SocketAddr::V4(SocketAddrV4::new(ip, port)),
            IpAddr::V6(ip) => SocketAddr::V6(SocketAddrV6::new(ip, port, 0, self.scope_id)),
        }
    }
}

impl From<IpAddr> for LookupAddress {
    fn from(address: IpAddr) -> LookupAddress {
        LookupAddress::new(address)
    }
}

/// An IP address as Node writes it in `dns` results and messages: an IPv6 address with a
/// scope id gets its zone, the interface's name if it has one (`fe80::1%lo`), else the
/// number (`fe80::1%7`).
pub(crate) struct Zoned(pub IpAddr, pub u32);

impl fmt::Display for Zoned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        if self.0.is_ipv6() && self.1 != 0 {
            match crate::sys::interface_name(self.1) {
                Some(name) => write!(f, "%{name}")?,
                None => write!(f, "%{}", self.1)?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for LookupAddress {
    /// As Node's `console.log` shows the object: `{ address: '127.0.0.1', family: 4 }`; a
    /// scope id as the zone of the address, `{ address: 'fe80::1%lo', family: 6 }` (see
    /// [`LookupAddress::scope_id`]: Node repeats the zone of a literal as written, ruv writes
    /// the interface's name, or the number when no interface has that index).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{ address: '{}', family: {} }}",
            Zoned(self.address, self.scope_id),
            self.family
        )
    }
}

/// The addresses as Node's `console.log` prints the array `dns.lookup(host, {all: true})`
/// gives: `[ { address: '127.0.0.1', family: 4 } ]` on one line when it fits Node's 80-column
/// rule, else one object per line, indented by two spaces; `[]` when empty; past 100 entries,
/// `... N more items`.
///
/// ```
/// use ruv_dns::{inspect_addresses, LookupAddress};
/// let a = [LookupAddress::new([127, 0, 0, 1].into())];
/// assert_eq!(inspect_addresses(&a), "[ { address: '127.0.0.1', family: 4 } ]");
/// ```
pub fn inspect_addresses(addrs: &[LookupAddress]) -> String {
    if addrs.is_empty() {
        return "[]".to_string();
    }
    let mut items: Vec<String> = addrs.iter().take(100).map(|a| a.to_string()).collect();
    if addrs.len() > 100 {
        let more = addrs.len() - 100;
        items.push(format!(
            "... {more} more item{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    // Node (util.inspect, compact mode 3) keeps an array of short objects on one line when
    // 2 * entries + 11 + the entries' total length fits in 80 columns.
    let width: usize =
        2 * items.len() + 11 + items.iter().map(|s| s.chars().count()).sum::<usize>();
    if width <= 80 {
        format!("[ {} ]", items.join(", "))
    } else {
        format!("[\n  {}\n]", items.join(",\n  "))
    }
}

/// Applies `order`, then `all`, to the resolver's addresses.
pub(crate) fn arrange(found: &[LookupAddress], order: Order, all: bool) -> Vec<LookupAddress> {
    let limit = if all { usize::MAX } else { 1 };
    let pick = |v4: Option<bool>| {
        found
            .iter()
            .filter(move |a| match v4 {
                None => true,
                Some(want) => a.address.is_ipv4() == want,
            })
            .copied()
    };
    let ordered: Box<dyn Iterator<Item = LookupAddress>> = match order {
        Order::Verbatim => Box::new(pick(None)),
        Order::Ipv4First => Box::new(pick(Some(true)).chain(pick(Some(false)))),
        Order::Ipv6First => Box::new(pick(Some(false)).chain(pick(Some(true)))),
    };
    ordered.take(limit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<LookupAddress> {
        list.iter()
            .map(|s| LookupAddress::new(s.parse().unwrap()))
            .collect()
    }

    fn shown(v: &[LookupAddress]) -> Vec<String> {
        v.iter().map(|a| a.address.to_string()).collect()
    }

    #[test]
    fn order_is_a_stable_partition() {
        let r = ips(&["::1", "10.0.0.1", "::2", "10.0.0.2"]);
        assert_eq!(
            shown(&arrange(&r, Order::Verbatim, true)),
            ["::1", "10.0.0.1", "::2", "10.0.0.2"]
        );
        assert_eq!(
            shown(&arrange(&r, Order::Ipv4First, true)),
            ["10.0.0.1", "10.0.0.2", "::1", "::2"]
        );
        assert_eq!(
            shown(&arrange(&r, Order::Ipv6First, true)),
            ["::1", "::2", "10.0.0.1", "10.0.0.2"]
        );
        assert_eq!(shown(&arrange(&r, Order::Ipv4First, false)), ["10.0.0.1"]);
        assert_eq!(shown(&arrange(&r, Order::Verbatim, false)), ["::1"]);
        assert!(arrange(&[], Order::Ipv6First, true).is_empty());
    }

    #[test]
    fn order_names() {
        for o in [Order::Verbatim, Order::Ipv4First, Order::Ipv6First] {
            assert_eq!(o.name().parse::<Order>().unwrap(), o);
        }
        assert_eq!(Order::from_verbatim(false), Order::Ipv4First);
        let e = "bogus".parse::<Order>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR_INVALID_ARG_VALUE: The property 'options.order' must be one of: 'verbatim', \
             'ipv4first', 'ipv6first'. Received 'bogus'"
        );
    }

    /// The expected strings are what Node 20 prints for the same arrays (`util.inspect`).
    #[test]
    fn inspect_matches_node() {
        let la = ips;
        assert_eq!(inspect_addresses(&[]), "[]");
        assert_eq!(
            inspect_addresses(&la(&["127.0.0.1", "::1"])),
            "[ { address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 } ]"
        );
        assert_eq!(
            inspect_addresses(&la(&["127.0.0.10", "::1"])),
            "[ { address: '127.0.0.10', family: 4 }, { address: '::1', family: 6 } ]"
        );
        assert_eq!(
            inspect_addresses(&la(&["10.0.0.1", "10.0.0.2"])),
            "[\n  { address: '10.0.0.1', family: 4 },\n  { address: '10.0.0.2', family: 4 }\n]"
        );
        assert_eq!(
            inspect_addresses(&la(&["127.0.0.1", "::1", "::2"])),
            "[\n  { address: '127.0.0.1', family: 4 },\n  { address: '::1', family: 6 },\n  \
             { address: '::2', family: 6 }\n]"
        );
        let many: Vec<String> = (0..102)
            .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
            .collect();
        let many: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
        let out = inspect_addresses(&la(&many));
        assert!(out.ends_with("  { address: '10.0.0.99', family: 4 },\n  ... 2 more items\n]"));
    }
}
