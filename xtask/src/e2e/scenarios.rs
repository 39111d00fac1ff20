//! Every end-to-end scenario, by name, in the order `cargo xtask test` runs them.

use super::*;

/// One end-to-end scenario.
pub type Scenario = fn(&Env) -> Result<()>;

/// Every scenario, by name.
pub const SCENARIOS: [(&str, Scenario); 66] = [
    ("two_browsers_chat", two_browsers_chat),
    (
        "typed_offline_is_sent_once_on_reconnect",
        typed_offline_is_sent_once_on_reconnect,
    ),
    (
        "unreachable_server_is_explained",
        unreachable_server_is_explained,
    ),
    ("server_killed_while_typing", server_killed_while_typing),
    ("frozen_server_is_noticed", frozen_server_is_noticed),
    ("unsent_survive_a_reload", unsent_survive_a_reload),
    (
        "typed_lines_survive_full_storage",
        storage::typed_lines_survive_full_storage,
    ),
    (
        "a_line_too_big_fails_with_retry_and_discard",
        room_ui::a_line_too_big_fails_with_retry_and_discard,
    ),
    (
        "unsaved_line_says_so_and_still_goes_out",
        storage::unsaved_line_says_so_and_still_goes_out,
    ),
    (
        "a_closed_tabs_queued_line_goes_out_from_the_tab_left_open",
        storage::a_closed_tabs_queued_line_goes_out_from_the_tab_left_open,
    ),
    (
        "a_queued_file_survives_a_reload",
        storage::a_queued_file_survives_a_reload,
    ),
    (
        "a_gone_pages_orphaned_files_are_deleted",
        storage::a_gone_pages_orphaned_files_are_deleted,
    ),
    (
        "a_file_the_browser_will_not_keep_says_so_and_still_goes_out",
        storage::a_file_the_browser_will_not_keep_says_so_and_still_goes_out,
    ),
    (
        "kept_log_moves_to_indexeddb_and_keeps_more",
        storage::kept_log_moves_to_indexeddb_and_keeps_more,
    ),
    (
        "older_lines_leave_memory_with_a_marker",
        storage::older_lines_leave_memory_with_a_marker,
    ),
    (
        "room_groups_lines_and_highlights_mentions",
        room_ui::room_groups_lines_and_highlights_mentions,
    ),
    (
        "room_shows_who_is_typing",
        room_ui::room_shows_who_is_typing,
    ),
    (
        "room_counts_unread_while_hidden",
        room_ui::room_counts_unread_while_hidden,
    ),
    (
        "room_searches_and_exports",
        room_ui::room_searches_and_exports,
    ),
    (
        "room_follows_the_bottom_and_counts_new_lines",
        room_ui::room_follows_the_bottom_and_counts_new_lines,
    ),
    (
        "room_recalls_the_last_line",
        room_ui::room_recalls_the_last_line,
    ),
    (
        "room_toggles_the_theme_and_remembers_the_server",
        room_ui::room_toggles_the_theme_and_remembers_the_server,
    ),
    (
        "room_keeps_its_log_across_a_reload",
        room_ui::room_keeps_its_log_across_a_reload,
    ),
    (
        "the_socket_boot_opens_is_taken_over_with_what_came_first",
        startup::the_socket_boot_opens_is_taken_over_with_what_came_first,
    ),
    (
        "an_early_open_is_in_the_first_render",
        startup::an_early_open_is_in_the_first_render,
    ),
    ("accessibility_audit", room_ui::accessibility_audit),
    (
        "a_guest_joins_under_the_name_the_form_shows",
        room_ui::a_guest_joins_under_the_name_the_form_shows,
    ),
    (
        "config_json_sets_defaults",
        room_ui::config_json_sets_defaults,
    ),
    ("chaos_restarts", chaos::chaos_restarts),
    ("chaos_network", chaos::chaos_network),
    (
        "missed_lines_arrive_after_an_outage",
        missed_lines_arrive_after_an_outage,
    ),
    ("image_sent_as_a_file", image_sent_as_a_file),
    (
        "csp_holds_through_a_session",
        safety::csp_holds_through_a_session,
    ),
    (
        "hostile_server_cannot_break_the_page",
        safety::hostile_server_cannot_break_the_page,
    ),
    (
        "a_crash_shows_a_banner_and_keeps_the_draft",
        safety::a_crash_shows_a_banner_and_keeps_the_draft,
    ),
    ("burst_keeps_the_dom_bounded", burst_keeps_the_dom_bounded),
    ("peer_ws_broadcast", peers::peer_ws_broadcast),
    ("peer_ws_json_greeting", peers::peer_ws_json_greeting),
    ("peer_nodejs_websocket", peers::peer_nodejs_websocket),
    ("peer_socketio", peers::peer_socketio),
    ("peer_socketio_v2", socketio::peer_socketio_v2),
    ("peer_socketio_namespace", socketio::peer_socketio_namespace),
    ("peer_python_socketio", socketio::peer_python_socketio),
    (
        "peer_socketio_upgrades_from_polling",
        socketio::socketio_upgrades_from_polling,
    ),
    (
        "peer_socketio_v2_over_long_polling",
        socketio::socketio_v2_over_long_polling,
    ),
    (
        "peer_socketio_v4_over_long_polling",
        socketio::socketio_v4_over_long_polling,
    ),
    ("peer_em_websocket", peers::peer_em_websocket),
    ("peer_python_websockets", peers::peer_python_websockets),
    ("peer_rabbitmq_stomp", brokers::peer_rabbitmq_stomp),
    ("peer_mqtt_aedes", brokers::peer_mqtt_aedes),
    ("peer_sockjs_chat", brokers::peer_sockjs_chat),
    ("peer_stomp_over_sockjs", brokers::peer_stomp_over_sockjs),
    (
        "peer_gorilla_batched_lines",
        brokers::peer_gorilla_batched_lines,
    ),
    ("peer_action_cable", brokers::peer_action_cable),
    (
        "frames_panel_lists_a_line_out_and_its_echo_in",
        workbench::frames_panel_lists_a_line_out_and_its_echo_in,
    ),
    (
        "on_connect_and_raw_frames_reach_a_recording_server",
        workbench::on_connect_and_raw_frames_reach_a_recording_server,
    ),
    (
        "connection_form_folds_once_connected",
        workbench::connection_form_folds_once_connected,
    ),
    (
        "profiles_survive_a_reload_and_an_export_import_round_trip",
        profiles::profiles_survive_a_reload_and_an_export_import_round_trip,
    ),
    (
        "rooms_open_in_tabs_with_their_own_counts_and_drafts",
        tabs::rooms_open_in_tabs_with_their_own_counts_and_drafts,
    ),
    (
        "a_hidden_page_takes_a_burst_whole",
        tabs::a_hidden_page_takes_a_burst_whole,
    ),
    (
        "a_page_hidden_mid_burst_goes_on_taking_it",
        tabs::a_page_hidden_mid_burst_goes_on_taking_it,
    ),
    (
        "sockets_fall_back_to_the_page_when_no_worker_starts",
        startup::sockets_fall_back_to_the_page_when_no_worker_starts,
    ),
    (
        "rooms_on_the_reference_server_never_mix",
        workbench::rooms_on_the_reference_server_never_mix,
    ),
    (
        "languages_follow_the_url_and_stay",
        reach::languages_follow_the_url_and_stay,
    ),
    (
        "opens_offline_and_sends_once_back_online",
        reach::opens_offline_and_sends_once_back_online,
    ),
    (
        "a_new_release_replaces_the_kept_one_at_a_sub_path",
        reach::a_new_release_replaces_the_kept_one_at_a_sub_path,
    ),
];
