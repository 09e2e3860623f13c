//! Body framing: the incremental decoder of `Content-Length`, chunked and read-until-close
//! bodies (llhttp's strict chunk rules: hex sizes without spaces, extensions after `;`,
//! CRLF after every chunk, trailers bounded by `max_header_size`), and the chunked encoder.

use crate::codes::{
    HPE_CHUNK_EXTENSIONS_OVERFLOW, HPE_CR_EXPECTED, HPE_HEADER_OVERFLOW, HPE_INVALID_CHUNK_SIZE,
    HPE_INVALID_HEADER_TOKEN, HPE_LF_EXPECTED, HPE_STRICT,
};
use crate::headers::Headers;
use crate::parse::Framing;
use ruv_core::{Error, Result};

/// One step of [`Decoder::step`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// Body bytes; `used` input bytes were consumed.
    Data { data: &'a [u8], used: usize },
    /// All of the input was consumed and the body is not complete.
    More,
    /// The body is complete after `used` bytes.
    Done { used: usize },
}

#[derive(Debug)]
enum Chunk {
    /// In the size line: the value so far and how many digits were seen.
    Size {
        value: u64,
        digits: u8,
    },
    /// In a chunk extension, up to CR: its bytes so far.
    Ext {
        value: u64,
        len: usize,
    },
    /// CR of the size line seen: LF must follow.
    SizeLf {
        value: u64,
    },
    /// Inside chunk data.
    Data(u64),
    /// After chunk data: CR then LF.
    DataCr,
    DataLf,
    /// After the last chunk: trailer lines, collected.
    Trailers,
}

#[derive(Debug)]
enum State {
    Length(u64),
    Chunked(Chunk),
    UntilClose,
    Done,
}

/// An incremental body decoder.
#[derive(Debug)]
pub(crate) struct Decoder {
    state: State,
    /// The trailer block of a chunked body, as it arrives.
    trailer_buf: Vec<u8>,
    max_trailer: usize,
    /// The parsed trailers once the body is complete.
    trailers: Headers,
}

impl Decoder {
    /// A decoder for `framing`; trailers are bounded by `max_trailer` bytes.
    pub(crate) fn new(framing: Framing, max_trailer: usize) -> Decoder {
        let state = match framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::Chunked(Chunk::Size {
                value: 0,
                digits: 0,
            }),
            Framing::UntilClose => State::UntilClose,
        };
        Decoder {
            state,
            trailer_buf: Vec::new(),
            max_trailer,
            trailers: Headers::default(),
        }
    }

    /// Whether the body is complete.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the body ends only when the connection does.
    pub(crate) fn until_close(&self) -> bool {
        matches!(self.state, State::UntilClose)
    }

    /// The trailers of a complete chunked body (empty when there were none).
    pub(crate) fn take_trailers(&mut self) -> Headers {
        std::mem::take(&mut self.trailers)
    }

    /// Decodes from `input`: body bytes are returned as slices of it.
    pub(crate) fn step<'a>(&mut self, input: &'a [u8]) -> Result<Step<'a>> {
        let mut i = 0;
        loop {
            match &mut self.state {
                State::Done => return Ok(Step::Done { used: i }),
                State::UntilClose => {
                    return Ok(if input.is_empty() {
                        Step::More
                    } else {
                        Step::Data {
                            data: input,
                            used: input.len(),
                        }
                    })
                }
                State::Length(left) => {
                    if i == input.len() {
                        return Ok(Step::More);
                    }
                    let take = (input.len() - i).min(usize::try_from(*left).unwrap_or(usize::MAX));
                    *left -= take as u64;
                    if *left == 0 {
                        self.state = State::Done;
                    }
                    return Ok(Step::Data {
                        data: &input[i..i + take],
                        used: i + take,
                    });
                }
                State::Chunked(c) => {
                    if i == input.len() {
                        return Ok(Step::More);
                    }
                    let b = input[i];
                    match c {
                        Chunk::Size { value, digits } => {
                            if let Some(d) = (b as char).to_digit(16) {
                                // at most 16 hex digits, leading zeros included (llhttp)
                                if *digits == 16 {
                                    return Err(Error::new(HPE_INVALID_CHUNK_SIZE)
                                        .with_detail("Chunk size overflow"));
                                }
                                *value = (*value << 4) | u64::from(d);
                                *digits += 1;
                            } else if *digits > 0 && b == b';' {
                                let v = *value;
                                *c = Chunk::Ext { value: v, len: 0 };
                            } else if *digits > 0 && b == b'\r' {
                                let v = *value;
                                *c = Chunk::SizeLf { value: v };
                            } else if *digits > 0 && b == b'\n' {
                                return Err(Error::new(HPE_CR_EXPECTED));
                            } else {
                                return Err(Error::new(HPE_INVALID_CHUNK_SIZE));
                            }
                            i += 1;
                        }
                        Chunk::Ext { value, len } => {
                            if b == b'\r' {
                                let v = *value;
                                *c = Chunk::SizeLf { value: v };
                            } else if b == b'\n' {
                                return Err(Error::new(HPE_CR_EXPECTED));
                            } else if (b < 0x20 && b != b'\t') || b == 0x7f {
                                return Err(Error::new(HPE_INVALID_CHUNK_SIZE));
                            } else {
                                *len += 1;
                                if *len > self.max_trailer {
                                    return Err(Error::new(HPE_CHUNK_EXTENSIONS_OVERFLOW));
                                }
                            }
                            i += 1;
                        }
                        Chunk::SizeLf { value } => {
                            if b != b'\n' {
                                return Err(Error::new(HPE_LF_EXPECTED));
                            }
                            i += 1;
                            let v = *value;
                            *c = if v == 0 {
                                Chunk::Trailers
                            } else {
                                Chunk::Data(v)
                            };
                        }
                        Chunk::Data(left) => {
                            let take =
                                (input.len() - i).min(usize::try_from(*left).unwrap_or(usize::MAX));
                            *left -= take as u64;
                            if *left == 0 {
                                *c = Chunk::DataCr;
                            }
                            return Ok(Step::Data {
                                data: &input[i..i + take],
                                used: i + take,
                            });
                        }
                        Chunk::DataCr => {
                            if b == b'\n' {
                                return Err(Error::new(HPE_CR_EXPECTED));
                            }
                            if b != b'\r' {
                                return Err(Error::new(HPE_STRICT)
                                    .with_detail("Expected LF after chunk data"));
                            }
                            *c = Chunk::DataLf;
                            i += 1;
                        }
                        Chunk::DataLf => {
                            if b != b'\n' {
                                return Err(Error::new(HPE_LF_EXPECTED)
                                    .with_detail("Expected CRLF after chunk data"));
                            }
                            *c = Chunk::Size {
                                value: 0,
                                digits: 0,
                            };
                            i += 1;
                        }
                        Chunk::Trailers => {
                            // collect up to and including the empty line
                            let rest = &input[i..];
                            let buf = &mut self.trailer_buf;
                            for (k, &b) in rest.iter().enumerate() {
                                buf.push(b);
                                let n = buf.len();
                                let ended = (n == 2 && buf[..] == *b"\r\n")
                                    || (n >= 4 && buf[n - 4..] == *b"\r\n\r\n");
                                if ended {
                                    if n > 2 {
                                        // trailers are header fields: the same rules
                                        self.trailers = Headers::parse_block(buf)
                                            .ok_or_else(|| Error::new(HPE_INVALID_HEADER_TOKEN))?;
                                    }
                                    self.state = State::Done;
                                    return Ok(Step::Done { used: i + k + 1 });
                                }
                                if n > self.max_trailer {
                                    return Err(Error::new(HPE_HEADER_OVERFLOW));
                                }
                                if b == b'\n' && (n < 2 || buf[n - 2] != b'\r') {
                                    // `0\r\n\n`: a bare LF where a trailer name would start
                                    return Err(Error::new(if n == 1 {
                                        HPE_INVALID_HEADER_TOKEN
                                    } else {
                                        HPE_CR_EXPECTED
                                    }));
                                }
                            }
                            return Ok(Step::More);
                        }
                    }
                }
            }
        }
    }
}

/// Appends a chunk's size line (`1a\r\n`) for `len` bytes of data.
pub(crate) fn chunk_head(out: &mut Vec<u8>, len: usize) {
    let mut digits = [0u8; 16];
    let mut n = len;
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b"0123456789abcdef"[n & 15];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[k..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends a decimal number.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[k..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `piece` bytes; returns the body or the error code.
    fn decode(
        framing: Framing,
        input: &[u8],
        piece: usize,
    ) -> std::result::Result<(Vec<u8>, usize), &'static str> {
        let mut d = Decoder::new(framing, 1024);
        let mut body = Vec::new();
        let mut pos = 0;
        while pos < input.len() {
            let end = (pos + piece).min(input.len());
            let mut at = pos;
            while at < end {
                match d.step(&input[at..end]).map_err(|e| e.code().name())? {
                    Step::Data { data, used } => {
                        body.extend_from_slice(data);
                        at += used;
                    }
                    Step::More => at = end,
                    Step::Done { used } => return Ok((body, at + used)),
                }
            }
            pos = end;
        }
        if d.is_done() {
            return Ok((body, input.len()));
        }
        Err("incomplete")
    }

    #[test]
    fn chunked_bodies_decode_in_any_split() {
        let msg = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for piece in [1, 2, 3, 7, 100] {
            let (body, used) = decode(Framing::Chunked, msg, piece).unwrap();
            assert_eq!(body, b"hello world");
            assert_eq!(used, msg.len() - 4, "piece {piece}");
        }
    }

    #[test]
    fn trailers_are_kept() {
        let mut d = Decoder::new(Framing::Chunked, 1024);
        let msg = b"0\r\nX-T: 1\r\n\r\n";
        assert_eq!(d.step(msg).unwrap(), Step::Done { used: msg.len() });
        assert_eq!(d.take_trailers().get("x-t").as_deref(), Some("1"));
    }

    #[test]
    fn bad_chunks_are_rejected() {
        for bad in [
            &b"zz\r\n"[..],
            b"5 \r\nhello",
            b"\r\n",
            b"-5\r\n",
            b"fffffffffffffffff\r\n",
        ] {
            assert_eq!(
                decode(Framing::Chunked, bad, 100).unwrap_err(),
                "HPE_INVALID_CHUNK_SIZE",
                "{bad:?}"
            );
        }
        let code = |b: &[u8]| decode(Framing::Chunked, b, 100).unwrap_err();
        assert_eq!(code(b"5\r\nhelloXX"), "HPE_STRICT");
        assert_eq!(code(b"5\r\nhello\n"), "HPE_CR_EXPECTED");
        assert_eq!(code(b"0\r\n\n"), "HPE_INVALID_HEADER_TOKEN");
        assert_eq!(code(b"00000000000000005\r\n"), "HPE_INVALID_CHUNK_SIZE");
        assert!(decode(Framing::Chunked, b"5\nhello", 100).is_err());
    }

    #[test]
    fn length_bodies_stop_at_the_length() {
        let (body, used) = decode(Framing::Length(3), b"abcdef", 2).unwrap();
        assert_eq!((body.as_slice(), used), (&b"abc"[..], 3));
    }

    #[test]
    fn encoders_write_hex_and_decimal() {
        let mut v = Vec::new();
        chunk_head(&mut v, 0x1a2);
        push_decimal(&mut v, 1234567);
        assert_eq!(v, b"1a2\r\n1234567");
    }
}
