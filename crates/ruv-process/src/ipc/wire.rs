//! The bytes on the channel: framing (Node's newline-delimited JSON, ruv's length-prefixed
//! frames), Node's rule for internal messages, and encoding. Pure functions and a decoder
//! over a caller-owned buffer, so every framing case is tested without a socket.

use super::{codes, Serialization};
use ruv_core::{Code, Error, Result};
use serde::Serialize;
use serde_json::Value;

/// Frame kinds of the ruv mode (the byte after the length).
pub(crate) const KIND_USER: u8 = 0;
/// An internal message: its payload is the JSON text of a `{"cmd": "NODE_…"}` object.
pub(crate) const KIND_INTERNAL: u8 = 1;
/// A handle envelope: `u32 LE` header length, the header's JSON text
/// (`{"cmd":"NODE_HANDLE","type":…}`), then the inner message's kind byte and payload.
pub(crate) const KIND_HANDLE: u8 = 2;

/// The prefix Node's `isInternal` looks for in a message's `cmd`.
const INTERNAL_PREFIX: &str = "NODE_";

/// Node's `isInternal(message)`: an object whose `cmd` is a string longer than `NODE_` that
/// starts with it.
pub(crate) fn is_internal(v: &Value) -> bool {
    match v.get("cmd") {
        Some(Value::String(cmd)) => {
            cmd.len() > INTERNAL_PREFIX.len() && cmd.starts_with(INTERNAL_PREFIX)
        }
        _ => false,
    }
}

/// What a complete json line is.
#[derive(Debug)]
pub(crate) enum Line {
    /// A user message (valid JSON, not internal).
    User,
    /// An internal message, parsed.
    Internal(Value),
}

/// Validates one json line (without its `\n`) and tells user from internal messages. A line
/// can only be internal if its text holds `NODE_` (or a `\u` escape that could spell it):
/// other lines are validated without building a value.
pub(crate) fn classify_json(line: &[u8]) -> Result<Line> {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    // built once: `memmem::find` would build its searcher on every call
    static PREFIX: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"NODE_"));
    static ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
    let maybe_internal = PREFIX.find(line).is_some() || ESCAPE.find(line).is_some();
    if maybe_internal {
        let v: Value = serde_json::from_slice(line).map_err(invalid_json)?;
        return Ok(if is_internal(&v) {
            Line::Internal(v)
        } else {
            Line::User
        });
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(line).map_err(invalid_json)?;
    Ok(Line::User)
}

/// The error for a line that is not JSON (Node's receiving side throws a `SyntaxError`).
pub(crate) fn invalid_json(e: serde_json::Error) -> Error {
    Error::new(codes::ERR_IPC_INVALID_MESSAGE).with_detail(format!("invalid JSON message: {e}"))
}

/// One complete message found by the [`Decoder`], as offsets into the buffer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A json line, `buf[start..end]` (its `\n` excluded).
    Json { start: usize, end: usize },
    /// A ruv frame of `kind`, its payload `buf[start..end]`.
    Ruv { kind: u8, start: usize, end: usize },
}

/// Splits the bytes read into messages, across reads, and skips messages over the size cap.
#[derive(Debug)]
pub(crate) struct Decoder {
    mode: Serialization,
    /// The largest message accepted (bytes, the `\n` or length prefix not counted).
    pub(crate) max: usize,
    /// json: how far past the consumed position the buffer was already searched for `\n`.
    scanned: usize,
    /// json: an oversized line is being discarded up to its `\n`.
    skipping_line: bool,
    /// ruv: bytes of an oversized frame still to discard.
    skip: usize,
}

impl Decoder {
    pub(crate) fn new(mode: Serialization, max: usize) -> Decoder {
        Decoder {
            mode,
            max,
            scanned: 0,
            skipping_line: false,
            skip: 0,
        }
    }

    /// The next complete message of `buf[*pos..]`, advancing `*pos` past it; `None` when
    /// the rest is incomplete (then `*pos` may have moved past bytes being discarded). An
    /// oversized or malformed message is an `Err` once, and is skipped.
    pub(crate) fn next(&mut self, buf: &[u8], pos: &mut usize) -> Option<Result<Frame>> {
        match self.mode {
            Serialization::Json => self.next_json(buf, pos),
            Serialization::Ruv => self.next_ruv(buf, pos),
        }
    }

    fn next_json(&mut self, buf: &[u8], pos: &mut usize) -> Option<Result<Frame>> {
        loop {
            let from = *pos + self.scanned;
            let Some(nl) = memchr::memchr(b'\n', &buf[from..]).map(|i| from + i) else {
                if self.skipping_line {
                    *pos = buf.len();
                    self.scanned = 0;
                    return None;
                }
                let have = buf.len() - *pos;
                if have > self.max {
                    self.skipping_line = true;
                    *pos = buf.len();
                    self.scanned = 0;
                    return Some(Err(too_large(have, self.max, false)));
                }
                self.scanned = have;
                return None;
            };
            let start = *pos;
            *pos = nl + 1;
            self.scanned = 0;
            if self.skipping_line {
                self.skipping_line = false;
                continue;
            }
            if nl - start > self.max {
                return Some(Err(too_large(nl - start, self.max, true)));
            }
            return Some(Ok(Frame::Json { start, end: nl }));
        }
    }

    fn next_ruv(&mut self, buf: &[u8], pos: &mut usize) -> Option<Result<Frame>> {
        if self.skip > 0 {
            let n = self.skip.min(buf.len() - *pos);
            *pos += n;
            self.skip -= n;
            if self.skip > 0 {
                return None;
            }
        }
        let rest = &buf[*pos..];
        let len = u32::from_le_bytes(rest.get(..4)?.try_into().expect("4 bytes")) as usize;
        if len == 0 {
            *pos += 4;
            return Some(Err(Error::new(codes::ERR_IPC_INVALID_MESSAGE).with_detail(
                "invalid ruv frame: length 0 (a frame has at least its kind byte)",
            )));
        }
        if len - 1 > self.max {
            *pos += 4;
            self.skip = len;
            let n = self.skip.min(buf.len() - *pos);
            *pos += n;
            self.skip -= n;
            return Some(Err(too_large(len - 1, self.max, true)));
        }
        if rest.len() < 4 + len {
            return None;
        }
        let kind = rest[4];
        let start = *pos + 5;
        let end = *pos + 4 + len;
        *pos = end;
        Some(Ok(Frame::Ruv { kind, start, end }))
    }

    /// Whether part of a message has been read (Node's `channel.buffering`), given the
    /// unconsumed bytes left in the buffer.
    pub(crate) fn buffering(&self, unconsumed: usize) -> bool {
        unconsumed > 0 || self.skipping_line || self.skip > 0
    }

    /// How many bytes the buffer should be able to hold to complete the message that starts
    /// at `buf[pos..]` (ruv frames announce it; json lines grow as they come).
    pub(crate) fn wanted(&self, buf: &[u8], pos: usize) -> usize {
        match (self.mode, buf.get(pos..pos + 4)) {
            (Serialization::Ruv, Some(b)) if self.skip == 0 => {
                let len = u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
                if len > 0 && len - 1 <= self.max {
                    4 + len
                } else {
                    0
                }
            }
            _ => 0,
        }
    }
}

fn too_large(size: usize, max: usize, complete: bool) -> Error {
    let size = if complete {
        format!("{size} bytes")
    } else {
        format!("over {size} bytes")
    };
    Error::new(codes::ERR_IPC_MESSAGE_TOO_LARGE).with_detail(format!(
        "IPC message of {size} is over the channel's limit of {max} bytes: skipped"
    ))
}

// ---- encoding -------------------------------------------------------------------------

/// `impl Extend<u8>` over a borrowed vector, for postcard's `to_extend`.
struct Sink<'a>(&'a mut Vec<u8>);

impl Extend<u8> for Sink<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        self.0.extend(iter)
    }
}

fn unserializable(e: impl std::fmt::Display) -> Error {
    Error::new(Code::ERR_INVALID_ARG_VALUE)
        .with_detail(format!("The message could not be serialized: {e}"))
}

/// The length prefix of a ruv frame that started at `at` (its kind byte and payload follow
/// the prefix's 4 bytes).
fn patch_len(buf: &mut [u8], at: usize) -> Result<()> {
    let len = buf.len() - at - 4;
    let len = u32::try_from(len).map_err(|_| {
        Error::new(codes::ERR_IPC_MESSAGE_TOO_LARGE).with_detail(format!(
            "IPC message of {len} bytes is over the ruv frame's limit of {} bytes",
            u32::MAX - 1
        ))
    })?;
    buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// Appends `f`'s output to `buf`, or nothing if `f` fails.
fn atomic(buf: &mut Vec<u8>, f: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> Result<()> {
    let at = buf.len();
    let res = f(buf);
    if res.is_err() {
        buf.truncate(at);
    }
    res
}

/// What one outgoing message is.
pub(crate) enum Payload<'a, T: ?Sized> {
    /// A user message: JSON (json mode) or postcard (ruv mode).
    User(&'a T),
    /// Raw bytes, the payload of a ruv frame as they are.
    Bytes(&'a [u8]),
    /// An internal message (`{"cmd": "NODE_…"}`), JSON in both modes.
    Internal(&'a T),
}

/// Appends one message's bytes, as `mode` frames it.
pub(crate) fn encode<T: Serialize + ?Sized>(
    mode: Serialization,
    buf: &mut Vec<u8>,
    msg: Payload<'_, T>,
) -> Result<()> {
    atomic(buf, |buf| match mode {
        Serialization::Json => {
            match msg {
                Payload::User(m) | Payload::Internal(m) => {
                    serde_json::to_writer(&mut *buf, m).map_err(unserializable)?
                }
                Payload::Bytes(_) => return Err(bytes_need_ruv()),
            }
            buf.push(b'\n');
            Ok(())
        }
        Serialization::Ruv => {
            let at = buf.len();
            buf.extend_from_slice(&[0; 4]);
            encode_ruv_inner(buf, msg)?;
            patch_len(buf, at)
        }
    })
}

fn bytes_need_ruv() -> Error {
    Error::new(Code::ERR_INVALID_ARG_VALUE)
        .with_detail("raw byte messages need the 'ruv' serialization")
}

/// The kind byte and payload of a ruv message.
fn encode_ruv_inner<T: Serialize + ?Sized>(buf: &mut Vec<u8>, msg: Payload<'_, T>) -> Result<()> {
    match msg {
        Payload::User(m) => {
            buf.push(KIND_USER);
            postcard::to_extend(m, Sink(buf)).map_err(unserializable)?;
        }
        Payload::Bytes(b) => {
            buf.push(KIND_USER);
            buf.extend_from_slice(b);
        }
        Payload::Internal(m) => {
            buf.push(KIND_INTERNAL);
            serde_json::to_writer(&mut *buf, m).map_err(unserializable)?;
        }
    }
    Ok(())
}

/// The fields of a `NODE_HANDLE` envelope besides the message: Node's handle `type`
/// (`net.Server`, `net.Socket`, `dgram.Socket` …) and, for datagram sockets, `dgramType`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HandleHeader {
    pub(crate) type_name: &'static str,
    pub(crate) dgram_type: Option<&'static str>,
}

/// Appends a handle envelope around `msg`: in json mode exactly what Node sends,
/// `{"cmd":"NODE_HANDLE","type":"net.Server","msg":<msg>}` (with `"dgramType":"udp4"` after
/// `msg` for a datagram socket); in ruv mode a [`KIND_HANDLE`] frame.
pub(crate) fn encode_handle<T: Serialize + ?Sized>(
    mode: Serialization,
    buf: &mut Vec<u8>,
    header: HandleHeader,
    msg: Payload<'_, T>,
) -> Result<()> {
    let dgram = |buf: &mut Vec<u8>| {
        if let Some(d) = header.dgram_type {
            buf.extend_from_slice(br#","dgramType":""#);
            buf.extend_from_slice(d.as_bytes());
            buf.push(b'"');
        }
    };
    atomic(buf, |buf| match mode {
        Serialization::Json => {
            buf.extend_from_slice(br#"{"cmd":"NODE_HANDLE","type":""#);
            buf.extend_from_slice(header.type_name.as_bytes());
            buf.extend_from_slice(br#"","msg":"#);
            match msg {
                Payload::User(m) | Payload::Internal(m) => {
                    serde_json::to_writer(&mut *buf, m).map_err(unserializable)?
                }
                Payload::Bytes(_) => return Err(bytes_need_ruv()),
            }
            dgram(buf);
            buf.extend_from_slice(b"}\n");
            Ok(())
        }
        Serialization::Ruv => {
            let at = buf.len();
            buf.extend_from_slice(&[0; 4]);
            buf.push(KIND_HANDLE);
            let h = buf.len();
            buf.extend_from_slice(&[0; 4]);
            buf.extend_from_slice(br#"{"cmd":"NODE_HANDLE","type":""#);
            buf.extend_from_slice(header.type_name.as_bytes());
            buf.push(b'"');
            dgram(buf);
            buf.push(b'}');
            let hlen = (buf.len() - h - 4) as u32;
            buf[h..h + 4].copy_from_slice(&hlen.to_le_bytes());
            encode_ruv_inner(buf, msg)?;
            patch_len(buf, at)
        }
    })
}

/// A ruv handle envelope's payload split: the header (parsed) and the inner message's kind
/// and payload.
pub(crate) fn split_ruv_handle(payload: &[u8]) -> Result<(Value, u8, &[u8])> {
    let bad = || Error::new(codes::ERR_IPC_INVALID_MESSAGE).with_detail("invalid ruv handle frame");
    let hlen = u32::from_le_bytes(payload.get(..4).ok_or_else(bad)?.try_into().expect("4"));
    let hend = 4usize.checked_add(hlen as usize).ok_or_else(bad)?;
    let header: Value =
        serde_json::from_slice(payload.get(4..hend).ok_or_else(bad)?).map_err(invalid_json)?;
    let kind = *payload.get(hend).ok_or_else(bad)?;
    Ok((header, kind, &payload[hend + 1..]))
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
