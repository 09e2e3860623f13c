//! Timers and immediates keep Node's order (tests/data/timers, each script with Node's
//! output beside it): equal expiries in creation order, clearing inside a callback, 0 ms
//! timers made in a timer callback waiting for the next iteration, intervals, refresh,
//! unref, immediates queued by immediates, ticks and promise jobs between callbacks, and
//! a list with hundreds of cleared and refreshed timers.

mod common;

fn matches_node(name: &str) {
    common::matches_node("timers", name);
}

#[test]
fn timers_with_equal_expiry_fire_in_creation_order_shorter_lists_first() {
    matches_node("equal_expiry");
}

#[test]
fn a_callback_clears_a_timer_due_in_the_same_run_a_later_one_and_an_interval() {
    matches_node("clear_in_callback");
}

#[test]
fn a_zero_ms_timer_made_in_a_timer_callback_fires_in_the_next_iteration() {
    matches_node("nested_zero");
}

#[test]
fn an_interval_runs_until_cleared_after_n_and_a_refreshed_one_goes_on() {
    matches_node("interval");
}

#[test]
fn refresh_restarts_from_now_moves_behind_its_list_and_reruns_a_fired_timeout() {
    matches_node("refresh");
}

#[test]
fn an_unrefd_timer_does_not_keep_the_process_alive_while_a_refd_one_does() {
    matches_node("unref");
}

#[test]
fn an_immediate_queued_by_an_immediate_runs_in_the_next_iteration() {
    matches_node("immediates");
}

#[test]
fn ticks_promises_and_rejections_run_between_timers_and_between_immediates() {
    matches_node("ticks_between");
}

#[test]
fn many_timers_cleared_and_refreshed_in_one_list_fire_in_nodes_order() {
    matches_node("many");
}
