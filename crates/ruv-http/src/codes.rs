//! The error codes of ruv-http: llhttp's `HPE_*` parse errors (what Node's `'clientError'`
//! gets) and Node's `ERR_HTTP_*` codes.

use ruv_core::Code;

macro_rules! codes {
    ($($(#[$m:meta])* $name:ident = $desc:literal;)*) => {
        $($(#[$m])* pub const $name: Code = Code::new(stringify!($name), $desc);)*
    };
}

codes! {
    /// The request line and headers are over `max_header_size` (answered 431).
    HPE_HEADER_OVERFLOW = "Header overflow";
    /// A method llhttp does not know.
    HPE_INVALID_METHOD = "Invalid method encountered";
    /// A bad request target.
    HPE_INVALID_URL = "Invalid URL";
    /// Not `HTTP/1.0` or `HTTP/1.1`.
    HPE_INVALID_VERSION = "Invalid HTTP version";
    /// A bad byte in a header name.
    HPE_INVALID_HEADER_TOKEN = "Invalid header token";
    /// A `Content-Length` that is not a plain decimal number, or too big.
    HPE_INVALID_CONTENT_LENGTH = "Invalid character in Content-Length";
    /// A second `Content-Length`, or one beside `Transfer-Encoding`.
    HPE_UNEXPECTED_CONTENT_LENGTH = "Duplicate Content-Length";
    /// A request `Transfer-Encoding` whose last coding is not `chunked`.
    HPE_INVALID_TRANSFER_ENCODING = "Request has invalid `Transfer-Encoding`";
    /// A bad chunk-size line.
    HPE_INVALID_CHUNK_SIZE = "Invalid character in chunk size";
    /// A line that ends in a bare CR, or chunk data not followed by CRLF.
    HPE_LF_EXPECTED = "Missing expected LF after header value";
    /// A line that ends in a bare LF.
    HPE_CR_EXPECTED = "Missing expected CR after header value";
    /// A byte where llhttp's strict mode allows none (a bare CR, chunk data not followed by
    /// CRLF).
    HPE_STRICT = "Strict mode assertion failed";
    /// A chunk extension over `max_header_size` (answered 413).
    HPE_CHUNK_EXTENSIONS_OVERFLOW = "Chunk extensions overflow";
    /// Any other malformed request or response.
    HPE_INVALID_CONSTANT = "Invalid constant string";
    /// The connection ended inside a message.
    HPE_INVALID_EOF_STATE = "Invalid EOF state";
    /// `headers_timeout` or `request_timeout` passed (answered 408).
    ERR_HTTP_REQUEST_TIMEOUT = "Request timeout";
    /// A header set after the head was sent.
    ERR_HTTP_HEADERS_SENT = "Cannot set headers after they are sent to the client";
    /// A header name that is not a token.
    ERR_INVALID_HTTP_TOKEN = "Header name must be a valid HTTP token";
    /// A header value with CR, LF or another forbidden byte.
    ERR_INVALID_CHAR = "Invalid character in header content";
    /// A status code outside 100-999.
    ERR_HTTP_INVALID_STATUS_CODE = "Invalid status code";
    /// A body written to a response that cannot have one (HEAD, 204, 304).
    ERR_HTTP_BODY_NOT_ALLOWED = "Adding content for this request method or response status is not allowed.";
    /// More body than the `Content-Length` that was set.
    ERR_HTTP_CONTENT_LENGTH_MISMATCH = "Response body's content-length does not match the content-length header";
    /// A client request that is not a valid URL.
    ERR_INVALID_URL = "Invalid URL";
    /// A URL scheme other than `http:`.
    ERR_INVALID_PROTOCOL = "Protocol not supported";
}

/// A write or end after `end` (ruv-core's code, so that comparisons across crates hold).
pub const ERR_STREAM_WRITE_AFTER_END: Code = Code::ERR_STREAM_WRITE_AFTER_END;
/// A body stream that was closed before its end (ruv-core's code).
pub const ERR_STREAM_PREMATURE_CLOSE: Code = Code::ERR_STREAM_PREMATURE_CLOSE;
/// `server.listen()` twice (the net layer's code).
pub const ERR_SERVER_ALREADY_LISTEN: Code = ruv_net::node::codes::ERR_SERVER_ALREADY_LISTEN;
/// `server.close()` on a server that is not listening (the net layer's code).
pub const ERR_SERVER_NOT_RUNNING: Code = ruv_net::node::codes::ERR_SERVER_NOT_RUNNING;
