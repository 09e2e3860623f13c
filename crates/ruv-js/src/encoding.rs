//! Buffer encodings: utf8, hex, base64(url), latin1, ascii, utf16le.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Node's base64 decoder takes both alphabets, with or without padding.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The bytes of `s` in encoding `enc` (already normalised by the prelude).
pub(crate) fn encode(s: &str, enc: &str) -> Vec<u8> {
    match enc {
        "hex" => {
            let b = s.as_bytes();
            let mut out = Vec::with_capacity(b.len() / 2);
            for pair in b.chunks_exact(2) {
                match (hex_val(pair[0]), hex_val(pair[1])) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    // Node stops at the first pair that is not hex
                    _ => break,
                }
            }
            out
        }
        "base64" | "base64url" => {
            let cleaned: String = s
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            LENIENT
                .decode(cleaned.trim_end_matches('='))
                .unwrap_or_default()
        }
        "latin1" | "ascii" => s.chars().map(|c| c as u32 as u8).collect(),
        "utf16le" => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        _ => s.as_bytes().to_vec(),
    }
}

/// `bytes` as a string in encoding `enc`.
pub(crate) fn decode(bytes: &[u8], enc: &str) -> String {
    match enc {
        "hex" => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let mut s = String::with_capacity(bytes.len() * 2);
            for b in bytes {
                s.push(DIGITS[usize::from(b >> 4)] as char);
                s.push(DIGITS[usize::from(b & 15)] as char);
            }
            s
        }
        "base64" => STANDARD.encode(bytes),
        "base64url" => URL_SAFE_NO_PAD.encode(bytes),
        "latin1" => bytes.iter().map(|&b| char::from(b)).collect(),
        "ascii" => bytes.iter().map(|&b| char::from(b & 0x7f)).collect(),
        "utf16le" => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_round_trips_and_hex_stops_at_the_first_bad_pair() {
        let s = "héllo, wörld";
        for enc in ["utf8", "hex", "base64", "base64url", "utf16le"] {
            let bytes = s.as_bytes();
            assert_eq!(encode(&decode(bytes, enc), enc), bytes, "{enc}");
        }
        assert_eq!(decode(b"\x00\xff", "hex"), "00ff");
        assert_eq!(encode("0aZZ0b", "hex"), [0x0a]);
        assert_eq!(decode(b"hi", "base64"), "aGk=");
        assert_eq!(encode("aGk", "base64"), b"hi");
    }
}
