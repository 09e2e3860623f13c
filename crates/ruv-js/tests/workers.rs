//! `worker_threads`: each script in tests/data/workers runs under ruvjs and prints what Node
//! v20 printed for it (the .expected.txt next to it, made with `node`).

mod common;

fn matches_node(name: &str) {
    common::matches_node("workers", name);
}

#[test]
fn every_cloneable_type_survives_structured_clone_and_a_worker_round_trip_and_others_throw_data_clone_error(
) {
    matches_node("clone_types");
}

#[test]
fn a_transferred_array_buffer_is_detached_at_the_sender_and_transfer_list_errors_are_nodes() {
    matches_node("transfer");
}

#[test]
fn a_message_channel_connects_two_workers_through_transferred_ports_and_close_reaches_both_ends() {
    matches_node("channel_workers");
}

#[test]
fn terminate_interrupts_spinning_javascript_in_50_workers_and_the_process_exits_0() {
    matches_node("terminate_spin");
}

#[test]
fn a_worker_over_its_heap_limit_ends_with_err_worker_out_of_memory_and_the_parent_goes_on() {
    matches_node("resource_limits");
}

#[test]
fn eval_workers_see_worker_data_thread_id_and_parent_port_and_their_throws_reach_error() {
    matches_node("eval_worker");
}

#[test]
fn shared_array_buffer_memory_and_atomics_wait_notify_work_across_workers() {
    matches_node("shared_memory");
}

#[test]
fn broadcast_channel_reaches_every_other_member_by_name() {
    matches_node("broadcast");
}
