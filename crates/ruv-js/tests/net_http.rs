//! `stream`, `net` and `http` as Node has them: each script under tests/data/io prints what
//! Node 20 printed for it (its .expected.txt, made with node).

mod common;

fn matches_node(name: &str) {
    common::matches_node("io", name);
}

#[test]
fn streams_emit_data_end_finish_close_and_errors_in_nodes_order() {
    // push/data/end/close, write callbacks, highWaterMark and drain, errors then close,
    // pause/resume, setEncoding, pipe with backpressure, for await, Readable.from through a
    // Transform and a PassThrough to a Writable with pipeline, finished, stream/promises
    matches_node("stream_events");
}

#[test]
fn a_net_echo_server_and_client_exchange_a_mebibyte_and_close_in_order() {
    matches_node("net_echo");
}

#[test]
fn net_errors_are_nodes_eaddrinuse_econnrefused_and_write_after_end() {
    matches_node("net_errors");
}

#[test]
fn an_http_post_body_is_streamed_and_echoed_with_the_heads_node_sends() {
    matches_node("http_post_echo");
}

#[test]
fn an_http_response_written_in_parts_is_chunked_and_read_as_a_stream() {
    matches_node("http_stream");
}

#[test]
fn two_raw_requests_on_one_socket_are_answered_with_keep_alive() {
    matches_node("http_keepalive");
}
