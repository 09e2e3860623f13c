//! What a request is made from: [`RequestOptions`] (Node's `http.request(options)`), the
//! agent it goes through ([`AgentChoice`]), and [`RequestOptions::from_url`] for
//! `http://host:port/path?query` strings.

use super::agent::Agent;
use super::codes::ERR_UNESCAPED_CHARACTERS;
use crate::codes::{ERR_INVALID_HTTP_TOKEN, ERR_INVALID_PROTOCOL, ERR_INVALID_URL};
use crate::headers::OutgoingHeaders;
use ruv_core::{Error, Result};

/// Node's default `maxHeaderSize`: the most bytes a response head may take.
pub const DEFAULT_MAX_HEADER_SIZE: usize = 16 * 1024;

/// Which agent a request goes through (Node's `agent` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AgentChoice {
    /// The loop's global agent ([`global_agent`](super::global_agent)): created on first
    /// use, keep-alive on, as Node 20's `http.globalAgent`.
    #[default]
    Global,
    /// This agent.
    Custom(Agent),
    /// A fresh agent with the default options for this request alone (Node's
    /// `agent: false`): a new connection, `Connection: close`, closed after the response.
    Fresh,
}

/// The options of [`request`](super::request): Node's `http.request(options)`.
///
/// ```
/// use ruv_http::client::RequestOptions;
/// let o = RequestOptions::from_url("http://example.com:8080/a/b?x=1#top")?;
/// assert_eq!((o.host.as_str(), o.port, o.path.as_str()), ("example.com", 8080, "/a/b?x=1"));
/// assert_eq!(o.method, "GET");
/// let e = RequestOptions::from_url("https://example.com/").unwrap_err();
/// assert_eq!(e.code().name(), "ERR_INVALID_PROTOCOL");
/// # Ok::<(), ruv_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RequestOptions {
    /// The method (default `GET`, also for an empty one): any HTTP token, upper-cased as
    /// Node does.
    pub method: String,
    /// The server's name or address (default `localhost`); IPv6 addresses without
    /// brackets (`::1`). Names are resolved with `ruv_dns::lookup`, every address tried in
    /// turn until one connects.
    pub host: String,
    /// The port (default 80).
    pub port: u16,
    /// The request target (default `/`, also for an empty one): path and query, sent as
    /// given, one byte a char (latin1, as Node writes it); a char outside `!`..=`\u{ff}`
    /// (a space, a control byte) is refused with `ERR_UNESCAPED_CHARACTERS`.
    pub path: String,
    /// The request's headers, sent in this order before the ones the client adds.
    pub headers: OutgoingHeaders,
    /// The agent (default: the loop's global one).
    pub agent: AgentChoice,
    /// The socket idle timeout in ms: a [`Timeout`](super::ClientEvent::Timeout) event after
    /// this long without reads or writes; it does not abort anything (Node's `timeout`).
    /// `None`: the agent's own `timeout`, if any (the global agent's is 5000 ms, as Node 20's).
    pub timeout: Option<u64>,
    /// Add `Host: host[:port]` unless a `Host` header is set (default true; the port is left
    /// out when it is 80, as Node does).
    pub set_host: bool,
    /// `user:password` for basic authentication (Node's `auth`): sent as an
    /// `Authorization: Basic …` header.
    pub auth: Option<String>,
    /// The most bytes a response head may take (Node's `maxHeaderSize`, default 16 KiB);
    /// a bigger one fails the request with `HPE_HEADER_OVERFLOW`.
    pub max_header_size: usize,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            method: "GET".into(),
            host: "localhost".into(),
            port: 80,
            path: "/".into(),
            headers: OutgoingHeaders::default(),
            agent: AgentChoice::Global,
            timeout: None,
            set_host: true,
            auth: None,
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
        }
    }
}

fn invalid_url(input: &str) -> Error {
    Error::new(ERR_INVALID_URL).with_detail(format!("Invalid URL: {input}"))
}

impl RequestOptions {
    /// Options from an absolute `http:` URL (Node's `http.request(url)`): host (brackets
    /// taken off an IPv6 address, lower-cased), port (80 if none), path and query (the
    /// fragment dropped; spaces, control bytes and non-ASCII percent-encoded as the WHATWG
    /// URL parser does), and `user:password@` as [`auth`](RequestOptions::auth)
    /// (percent-decoded).
    ///
    /// # Errors
    /// `ERR_INVALID_URL` for what is not an absolute URL with a host (`Invalid URL: …`),
    /// `ERR_INVALID_PROTOCOL` for another scheme (`Protocol "https:" not supported.
    /// Expected "http:"`).
    pub fn from_url(url: &str) -> Result<RequestOptions> {
        // the WHATWG parser trims C0 controls and spaces around the input
        let input = url.trim_matches(|c: char| c <= ' ');
        let (scheme, rest) = input.split_once(':').ok_or_else(|| invalid_url(url))?;
        let scheme_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return Err(invalid_url(url));
        }
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" {
            return Err(Error::new(ERR_INVALID_PROTOCOL).with_detail(format!(
                "Protocol \"{scheme}:\" not supported. Expected \"http:\""
            )));
        }
        // special schemes take any number of slashes (and backslashes) before the host
        let rest = rest.trim_start_matches(['/', '\\']);
        let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (auth, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hp)) => (Some(percent_decode(userinfo)), hp),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| invalid_url(url))?;
        let tail = tail.split('#').next().unwrap_or("");
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        let mut target = String::with_capacity(tail.len() + 1);
        if !path.starts_with(['/', '\\']) {
            target.push('/');
        }
        encode_into(&mut target, &path.replace('\\', "/"), b" \"#<>?`{}");
        if let Some(q) = query {
            target.push('?');
            encode_into(&mut target, q, b" \"#<>'");
        }
        Ok(RequestOptions {
            host,
            port,
            path: target,
            auth: auth.filter(|a| !a.is_empty()),
            ..RequestOptions::default()
        })
    }
}

/// `host[:port]` of a URL: the host lower-cased (an IPv6 one without its brackets), the
/// port 80 when absent or empty. `None` when either is malformed.
fn split_host_port(hp: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(v6) = hp.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        addr.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (addr.to_ascii_lowercase(), port)
    } else {
        let (h, p) = match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        };
        // the WHATWG forbidden host code points, and none at all
        let bad = |c: char| c <= ' ' || "#%/:<>?@[\\]^|".contains(c) || c == '\u{7f}';
        if h.is_empty() || h.chars().any(bad) {
            return None;
        }
        (h.to_ascii_lowercase(), p)
    };
    let port = match port {
        None | Some("") => 80,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
        Some(_) => return None,
    };
    Some((host, port))
}

/// Appends `s`, percent-encoding C0 controls, non-ASCII and the bytes of `set`.
fn encode_into(out: &mut String, s: &str, set: &[u8]) {
    for &b in s.as_bytes() {
        if !(0x20..0x7f).contains(&b) || set.contains(&b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
}

/// `%XX` sequences decoded (others kept as they are); invalid UTF-8 replaced.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Node's `checkIsHttpToken` for a method, upper-cased (Node's `toUpperCase`); empty is
/// `GET`.
pub(crate) fn check_method(method: &str) -> Result<String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() {
        return Ok("GET".into());
    }
    if !method.bytes().all(token) {
        return Err(Error::new(ERR_INVALID_HTTP_TOKEN)
            .with_detail(format!("Method must be a valid HTTP token [\"{method}\"]")));
    }
    Ok(method.to_ascii_uppercase())
}

/// Node's `INVALID_PATH_REGEX` (every char of a request path is in `!`..=`\u{ff}`), and
/// the path as Node writes it: latin1, one byte a char; empty is `/`.
pub(crate) fn check_path(path: &str) -> Result<Vec<u8>> {
    if path.is_empty() {
        return Ok(b"/".to_vec());
    }
    path.chars()
        .map(|c| match u32::from(c) {
            0x21..=0xff => Ok(c as u8),
            _ => Err(Error::new(ERR_UNESCAPED_CHARACTERS)),
        })
        .collect()
}

/// The `Host` header Node sends: brackets around an IPv6 address, `:port` unless 80.
pub(crate) fn host_header(host: &str, port: u16) -> String {
    let mut h = if host.matches(':').count() >= 2 && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    if port != 80 {
        h.push(':');
        h.push_str(&port.to_string());
    }
    h
}

/// Base64 (RFC 4648, padded) for the `Authorization: Basic` value: twenty lines, so no
/// crate for it.
pub(crate) fn base64(input: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> (String, u16, String) {
        let o = RequestOptions::from_url(u).unwrap();
        (o.host, o.port, o.path)
    }

    fn code(u: &str) -> &'static str {
        RequestOptions::from_url(u).unwrap_err().code().name()
    }

    #[test]
    fn urls_split_as_nodes_url_to_http_options() {
        let t = |h: &str, p: u16, path: &str| (h.to_string(), p, path.to_string());
        assert_eq!(url("http://a.b"), t("a.b", 80, "/"));
        assert_eq!(url("HTTP://A.B:81/x?y#z"), t("a.b", 81, "/x?y"));
        assert_eq!(url("http://[::1]:8080/p"), t("::1", 8080, "/p"));
        assert_eq!(url("http://h:/p q?a b"), t("h", 80, "/p%20q?a%20b"));
        assert_eq!(url("  http://h/\u{e9}  "), t("h", 80, "/%C3%A9"));
        assert_eq!(url("http:///h?q"), t("h", 80, "/?q"));
        let o = RequestOptions::from_url("http://us%40r:p%3Ass@h/").unwrap();
        assert_eq!(o.auth.as_deref(), Some("us@r:p:ss"));
    }

    #[test]
    fn junk_and_other_schemes_are_refused_with_nodes_codes() {
        for bad in [
            "",
            "nope",
            "http://",
            "http://h:99999/",
            "http://h:x/",
            "http://[zz]/",
            "1http://h/",
            "http://a b/",
        ] {
            assert_eq!(code(bad), "ERR_INVALID_URL", "{bad:?}");
        }
        for other in ["https://h/", "ftp://h/", "file:///etc/passwd"] {
            assert_eq!(code(other), "ERR_INVALID_PROTOCOL", "{other:?}");
        }
        let e = RequestOptions::from_url("https://h/").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR_INVALID_PROTOCOL: Protocol \"https:\" not supported. Expected \"http:\""
        );
    }

    #[test]
    fn methods_paths_and_host_headers_follow_node() {
        assert_eq!(check_method("get").unwrap(), "GET");
        assert_eq!(
            check_method("G T").unwrap_err().code().name(),
            "ERR_INVALID_HTTP_TOKEN"
        );
        assert_eq!(check_method("").unwrap(), "GET");
        assert_eq!(check_path("/a?b=\u{e9}").unwrap(), b"/a?b=\xe9");
        assert_eq!(check_path("").unwrap(), b"/");
        assert!(check_path("/\u{100}").is_err());
        assert_eq!(
            check_path("/a b").unwrap_err().code().name(),
            "ERR_UNESCAPED_CHARACTERS"
        );
        assert_eq!(host_header("::1", 8080), "[::1]:8080");
        assert_eq!(host_header("h", 80), "h");
    }

    #[test]
    fn base64_pads_as_rfc_4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("user:pass", "dXNlcjpwYXNz"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
