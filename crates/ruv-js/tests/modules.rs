//! The smaller core modules print what Node prints for the same scripts (tests/data/mods,
//! each with Node's output beside it): fs's callback API and promises, child_process's
//! exec/execFile/spawn/spawnSync, util and crypto, the WHATWG URL, os and perf_hooks.

mod common;

fn matches_node(name: &str) {
    common::matches_node("mods", name);
}

#[test]
fn fs_callbacks_and_promises_give_nodes_results_and_error_fields() {
    matches_node("fs_callbacks");
}

#[test]
fn exec_execfile_spawn_and_the_sync_calls_give_nodes_output_and_errors() {
    matches_node("child_exec");
}

#[test]
fn spawn_exec_execfile_and_fork_return_with_the_childs_pid_as_node() {
    matches_node("child_pids");
}

#[test]
fn util_promisify_types_deprecate_inherits_and_crypto_hashes_scrypt_uuid_match_node() {
    matches_node("util_crypto");
}

#[test]
fn whatwg_url_search_params_legacy_parse_and_file_urls_match_node() {
    matches_node("url_whatwg");
}

#[test]
fn os_figures_and_the_loop_delay_monitor_and_utilization_have_nodes_shape() {
    matches_node("os_perf");
}
