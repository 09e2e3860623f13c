//! `fs`'s and `zlib`'s streams and `dns.lookup`/`resolve4`/`resolve6` print what Node
//! prints for the same scripts (tests/data/streams, each with Node's output beside it). Each
//! script writes only into a directory of its own under `os.tmpdir()` and removes it.

mod common;

fn matches_node(name: &str) {
    common::matches_node("streams", name);
}

#[test]
fn a_file_copied_through_read_and_write_streams_comes_in_nodes_chunks_and_events() {
    matches_node("fs_copy");
}

#[test]
fn gzip_through_pipeline_on_a_mebibyte_file_gunzips_back_byte_identical() {
    matches_node("gzip_pipeline");
}

#[test]
fn missing_files_bad_options_and_gunzip_of_garbage_fail_with_nodes_errors_then_close() {
    matches_node("errors");
}

#[test]
fn write_says_false_then_drain_comes_and_a_paused_read_stream_stops_reading() {
    matches_node("backpressure");
}

#[test]
fn dns_lookup_options_checks_and_resolve_errors_have_nodes_shape() {
    matches_node("dns_lookup");
}
