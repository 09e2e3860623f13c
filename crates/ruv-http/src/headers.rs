//! Header blocks as received ([`Headers`]: raw bytes plus field offsets, Node's duplicate
//! rules on lookup) and as sent ([`OutgoingHeaders`]: `set_header` / `get_header` /
//! `remove_header`, case-insensitive, insertion order kept).

use std::borrow::Cow;

/// One field's name and value as offsets into the block's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub(crate) name: (u32, u32),
    pub(crate) value: (u32, u32),
}

/// A received header block (a request's or response's headers, or a chunked body's
/// trailers): the fields in arrival order, names as sent (Node's `rawHeaders`), and
/// [`get`](Headers::get) with Node's rules for duplicates (Node's `headers` object).
///
/// ```
/// # use ruv_http::Headers;
/// let h = Headers::parse_block(b"Accept: a\r\nSet-Cookie: x\r\naccept: b\r\nSet-Cookie: y\r\n\r\n").unwrap();
/// assert_eq!(h.get("accept").as_deref(), Some("a, b"));
/// assert_eq!(h.get_all("set-cookie").collect::<Vec<_>>(), [&b"x"[..], b"y"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Headers {
    pub(crate) raw: Vec<u8>,
    pub(crate) fields: Vec<Field>,
}

/// How Node's `IncomingMessage` folds a repeated header into its `headers` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duplicates {
    /// The first value wins (`content-type`, `host`, `user-agent` …).
    First,
    /// The values are kept as a list (`set-cookie`).
    List,
    /// Joined with `"; "` (`cookie`).
    Semicolon,
    /// Joined with `", "` (every other header).
    Comma,
}

/// Node's rule for a header name (lowercase).
pub fn duplicates(name: &str) -> Duplicates {
    const FIRST: [&str; 17] = [
        "age",
        "authorization",
        "content-length",
        "content-type",
        "etag",
        "expires",
        "from",
        "host",
        "if-modified-since",
        "if-unmodified-since",
        "last-modified",
        "location",
        "max-forwards",
        "proxy-authorization",
        "referer",
        "retry-after",
        "server",
    ];
    if name.eq_ignore_ascii_case("set-cookie") {
        Duplicates::List
    } else if name.eq_ignore_ascii_case("cookie") {
        Duplicates::Semicolon
    } else if FIRST.iter().any(|f| f.eq_ignore_ascii_case(name))
        || name.eq_ignore_ascii_case("user-agent")
    {
        Duplicates::First
    } else {
        Duplicates::Comma
    }
}

/// Bytes as Node decodes header values: latin1 (each byte one char).
pub(crate) fn latin1(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) if b.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(b.iter().map(|&c| char::from(c)).collect()),
    }
}

impl Headers {
    /// Parses a header block (`Name: value\r\n` lines ending with an empty line), as the
    /// trailers of a chunked body are; `None` if it is malformed or incomplete.
    pub fn parse_block(block: &[u8]) -> Option<Headers> {
        let mut buf = vec![httparse::EMPTY_HEADER; block.len() / 3 + 1];
        match httparse::parse_headers(block, &mut buf) {
            Ok(httparse::Status::Complete((_, hs))) => {
                let mut h = Headers::default();
                h.fill(block, hs, usize::MAX);
                Some(h)
            }
            _ => None,
        }
    }

    /// Replaces the contents with `hs` (slices of `base`), keeping at most `max` fields.
    pub(crate) fn fill(&mut self, base: &[u8], hs: &[httparse::Header<'_>], max: usize) {
        self.raw.clear();
        self.raw.extend_from_slice(base);
        self.fields.clear();
        let at = |s: &[u8]| -> (u32, u32) {
            let start = s.as_ptr() as usize - base.as_ptr() as usize;
            (start as u32, (start + s.len()) as u32)
        };
        for h in hs.iter().take(max) {
            self.fields.push(Field {
                name: at(h.name.as_bytes()),
                value: at(h.value),
            });
        }
    }

    fn bytes(&self, r: (u32, u32)) -> &[u8] {
        &self.raw[r.0 as usize..r.1 as usize]
    }

    /// How many fields there are (repeats counted).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields in arrival order, names as sent (Node's `rawHeaders` in pairs).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.fields.iter().map(|f| {
            // names were checked to be tokens (ASCII) by the parser
            let name = std::str::from_utf8(self.bytes(f.name)).unwrap_or("");
            (name, self.bytes(f.value))
        })
    }

    /// Every value of `name` (case-insensitive), in arrival order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get_all(name).next().is_some()
    }

    /// Node's `headers[name]` (values decoded as latin1): the first value for
    /// [`Duplicates::First`] names, else all values joined (`"; "` for `cookie`, `", "`
    /// otherwise; `set-cookie`'s list joined with `", "` — use [`get_all`](Headers::get_all)
    /// for the list).
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        let mut all = self
            .fields
            .iter()
            .filter(|f| self.bytes(f.name).eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| self.bytes(f.value));
        let first = all.next()?;
        let sep = match duplicates(name) {
            Duplicates::First => return Some(latin1(first)),
            Duplicates::Semicolon => "; ",
            Duplicates::List | Duplicates::Comma => ", ",
        };
        let Some(second) = all.next() else {
            return Some(latin1(first));
        };
        let mut s = latin1(first).into_owned();
        for v in std::iter::once(second).chain(all) {
            s.push_str(sep);
            s.push_str(&latin1(v));
        }
        Some(Cow::Owned(s))
    }

    /// Node's whole `headers` object: lowercase names in first-arrival order, each with its
    /// folded value (`set-cookie` as a list).
    pub fn to_node_object(&self) -> Vec<(String, HeaderValue)> {
        let mut out: Vec<(String, HeaderValue)> = Vec::new();
        for (name, _) in self.iter() {
            let lower = name.to_ascii_lowercase();
            if out.iter().any(|(n, _)| *n == lower) {
                continue;
            }
            let v = if duplicates(&lower) == Duplicates::List {
                HeaderValue::List(self.get_all(name).map(|v| latin1(v).into_owned()).collect())
            } else {
                HeaderValue::One(self.get(name).map(Cow::into_owned).unwrap_or_default())
            };
            out.push((lower, v));
        }
        out
    }
}

/// A value of Node's `headers` object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderValue {
    /// One string (repeats folded by Node's rules).
    One(String),
    /// `set-cookie`'s list.
    List(Vec<String>),
}

/// Whether `b` is an HTTP token character (RFC 9110 `tchar`).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Node's `validateHeaderName`.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_tchar)
}

/// Node's `validateHeaderValue`: no CR, LF, NUL or other control byte but HTAB.
pub(crate) fn valid_value(v: &[u8]) -> bool {
    v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Headers of an outgoing message: case-insensitive names, insertion order kept, names
/// sent as they were given (Node's `setHeader`).
#[derive(Clone, Debug, Default)]
pub struct OutgoingHeaders {
    pub(crate) list: Vec<(Cow<'static, str>, Cow<'static, [u8]>)>,
}

/// A header value to send: static text and bytes are kept without a copy, owned ones
/// moved, numbers formatted (Node's `setHeader('Content-Length', 5)`).
pub trait IntoHeaderValue {
    /// The value's bytes.
    fn into_value(self) -> Cow<'static, [u8]>;
}

impl IntoHeaderValue for &'static str {
    fn into_value(self) -> Cow<'static, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl IntoHeaderValue for &'static [u8] {
    fn into_value(self) -> Cow<'static, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<const N: usize> IntoHeaderValue for &'static [u8; N] {
    fn into_value(self) -> Cow<'static, [u8]> {
        Cow::Borrowed(self)
    }
}

impl IntoHeaderValue for String {
    fn into_value(self) -> Cow<'static, [u8]> {
        Cow::Owned(self.into_bytes())
    }
}

impl IntoHeaderValue for Vec<u8> {
    fn into_value(self) -> Cow<'static, [u8]> {
        Cow::Owned(self)
    }
}

impl IntoHeaderValue for Cow<'static, str> {
    fn into_value(self) -> Cow<'static, [u8]> {
        match self {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

macro_rules! number_values {
    ($($t:ty),*) => {$(
        impl IntoHeaderValue for $t {
            fn into_value(self) -> Cow<'static, [u8]> {
                Cow::Owned(self.to_string().into_bytes())
            }
        }
    )*};
}
number_values!(u16, u32, u64, usize, i32, i64);

impl OutgoingHeaders {
    /// Sets `name` to `value`, replacing earlier values.
    ///
    /// # Errors
    /// `ERR_INVALID_HTTP_TOKEN` for a bad name, `ERR_INVALID_CHAR` for a bad value.
    pub fn set(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl IntoHeaderValue,
    ) -> ruv_core::Result<()> {
        let (name, value) = (name.into(), value.into_value());
        // checked first: a bad value leaves the earlier one in place
        check(&name, &value)?;
        self.remove(&name);
        self.list.push((name, value));
        Ok(())
    }

    /// Checks and adds one line.
    fn push(&mut self, name: Cow<'static, str>, value: Cow<'static, [u8]>) -> ruv_core::Result<()> {
        check(&name, &value)?;
        self.list.push((name, value));
        Ok(())
    }

    /// Adds a value to `name` (Node's `appendHeader`): repeated names are sent as
    /// repeated lines.
    ///
    /// # Errors
    /// As [`set`](OutgoingHeaders::set).
    pub fn append(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl IntoHeaderValue,
    ) -> ruv_core::Result<()> {
        self.push(name.into(), value.into_value())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.list
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Whether `name` is set.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.list.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The names and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.list.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// Removes every header, keeping the allocation.
    pub fn clear(&mut self) {
        self.list.clear();
    }
}

fn check(name: &str, value: &[u8]) -> ruv_core::Result<()> {
    use ruv_core::Error;
    if !valid_name(name) {
        return Err(
            Error::new(crate::codes::ERR_INVALID_HTTP_TOKEN).with_detail(format!(
                "Header name must be a valid HTTP token [\"{name}\"]"
            )),
        );
    }
    if !valid_value(value) {
        return Err(Error::new(crate::codes::ERR_INVALID_CHAR)
            .with_detail(format!("Invalid character in header content [\"{name}\"]")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_rules_follow_node() {
        let h = Headers::parse_block(
            b"Host: a\r\nhost: b\r\nCookie: x=1\r\ncookie: y=2\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
        )
        .unwrap();
        assert_eq!(h.get("HOST").as_deref(), Some("a"));
        assert_eq!(h.get("cookie").as_deref(), Some("x=1; y=2"));
        assert_eq!(h.get("x-a").as_deref(), Some("1, 2"));
        assert_eq!(h.len(), 6);
    }

    #[test]
    fn values_decode_as_latin1() {
        let h = Headers::parse_block(b"X: caf\xe9\r\n\r\n").unwrap();
        assert_eq!(h.get("x").as_deref(), Some("caf\u{e9}"));
    }

    #[test]
    fn outgoing_set_replaces_case_insensitively_and_checks() {
        let mut o = OutgoingHeaders::default();
        o.set("Content-Type", "a").unwrap();
        o.set("content-type", "b").unwrap();
        assert_eq!(o.get("CONTENT-TYPE"), Some(&b"b"[..]));
        assert_eq!(o.iter().count(), 1);
        let e = o.set("bad name", "x").unwrap_err();
        assert_eq!(e.code().name(), "ERR_INVALID_HTTP_TOKEN");
        let e = o.set("x", "a\r\nb").unwrap_err();
        assert_eq!(e.code().name(), "ERR_INVALID_CHAR");
    }
}
