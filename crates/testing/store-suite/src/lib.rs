//! One conformance suite for every storage backend.
//!
//! Each public `async fn` here takes a fresh, empty `&dyn Store` and panics when the backend
//! breaks the port's contract (CRUD, uniqueness, tenant isolation, lock-out accounting, session
//! expiry, event order, contact history, voicemails, email conversations (threading, duplicates,
//! batch atomicity, acknowledgements), canned responses, tenant settings, import idempotence and
//! atomicity, export/import round trip). A backend runs them all with [`store_suite!`], giving it
//! an async factory that returns a [`Fixture`] (or `None` to skip, e.g. when no PostgreSQL is
//! configured).
//!
//! Design note: the suite never reads the clock; every timestamp is a constant of the test, so
//! expiry and lock-out are checked at exact instants on both sides of each boundary.
#![forbid(unsafe_code)]

mod auth;
mod bindings;
mod canned_responses;
mod config;
mod conversations;
mod devices;
mod documents;
mod fixtures;
mod flows;
mod history;
mod lockout;
mod logs;
mod sip_secrets;
mod skills;
mod tenant_settings;
pub use devices::{
    an_agents_device_choice_reads_back_until_it_is_cleared,
    bad_device_choices_are_refused_and_keep_the_stored_one,
};
mod tenants;
mod users;
mod voicemails;

pub use auth::{api_tokens_expire_and_are_tenant_scoped, sessions_expire_and_are_deleted};
pub use bindings::{
    bindings_of_a_user_match_the_user_part_exactly, bindings_refresh_expire_and_are_tenant_scoped,
};
pub use canned_responses::{
    a_canned_response_reads_back_as_stored, canned_responses_are_per_tenant,
    canned_responses_list_by_name, canned_responses_of_an_unknown_tenant_are_not_found,
    canned_responses_travel_in_the_tenant_document, deleting_a_canned_response_removes_only_it,
    invalid_canned_responses_are_refused_and_nothing_is_stored,
    upserting_a_canned_response_replaces_it_and_keeps_its_id,
};
pub use config::{
    all_channel_configs_of_a_kind_span_tenants,
    channel_configs_are_unique_per_kind_and_tenant_scoped,
    points_of_contact_are_unique_across_tenants_and_found_by_address,
    queues_are_unique_per_tenant_and_isolated, trunks_are_unique_per_tenant_and_isolated,
};
pub use conversations::{
    a_batch_with_one_invalid_email_stores_nothing, a_channel_with_conversations_cannot_be_deleted,
    a_reply_in_the_same_batch_joins_its_conversation, a_reply_reopens_a_closed_conversation,
    acknowledgements_are_tracked_per_channel, agents_add_outbound_messages_and_notes,
    an_inbound_email_starts_a_conversation_that_reads_back,
    concurrent_messages_on_one_conversation_are_all_counted, conversations_are_per_tenant,
    conversations_list_by_filter_most_recently_updated_first,
    duplicates_by_mailbox_key_and_by_message_id_store_nothing, replies_thread_by_in_reply_to,
    replies_thread_by_references_earliest_ref_first, replies_thread_by_token,
    routing_assignment_and_state_change_only_what_they_set, the_cursor_is_stored_with_its_batch,
    tokens_are_unique_and_well_formed,
};
pub use documents::{
    concurrent_imports_of_one_document_create_it_once, export_then_import_round_trips,
    failing_import_late_writes_nothing, import_is_idempotent_and_counts_changes,
    import_keeps_absent_password_and_other_users, import_rejects_bad_references_with_field_path,
    import_updates_flows_as_new_versions,
};
pub use fixtures::Fixture;
pub use flows::{flow_drafts_publish_and_rollback, flows_are_isolated_between_tenants};
pub use history::{
    a_wrap_up_before_the_call_is_recorded_is_kept_when_the_call_side_arrives,
    history_follows_reference_model, history_is_per_tenant,
    history_lists_a_contacts_interactions_newest_first, limits_are_clamped_and_long_notes_refused,
    recording_the_call_again_keeps_the_wrap_up,
};
pub use lockout::{lockout_follows_reference_model, lockout_locks_at_threshold_and_expires};
pub use logs::{
    audit_pages_newest_first_per_tenant, concurrent_appends_read_back_in_seq_order,
    event_seq_increases_and_reads_per_tenant,
};
pub use sip_secrets::{
    all_live_bindings_span_tenants,
    sip_secrets_are_per_user_tenant_scoped_and_deleted_with_the_user,
};
pub use skills::{skills_and_user_skills_replace_and_validate, teams_hold_only_same_tenant_users};
pub use tenant_settings::{
    a_tenant_without_settings_reads_an_empty_object,
    bad_tenant_settings_are_refused_and_keep_the_stored_ones,
    setting_tenant_settings_replaces_the_whole_document, tenant_settings_are_per_tenant,
    tenant_settings_of_an_unknown_tenant_are_not_found, tenant_settings_read_back_as_set,
    tenant_settings_travel_in_the_tenant_document,
};
pub use tenants::{tenant_name_must_be_slug, tenants_crud_and_unique_name};
pub use users::{
    deleting_user_removes_sessions_tokens_skills_and_memberships,
    users_are_isolated_between_tenants, users_crud_and_unique_username_per_tenant,
};
pub use voicemails::{
    an_added_voicemail_reads_back_as_returned, closing_a_voicemail_records_who_and_when,
    closing_a_voicemail_twice_is_a_conflict, concurrent_closes_of_a_voicemail_let_exactly_one_win,
    invalid_voicemails_are_refused_and_nothing_is_stored, voicemails_are_per_tenant,
    voicemails_filter_by_mailbox, voicemails_filter_by_state,
    voicemails_list_newest_first_up_to_the_limit, voicemails_of_an_unknown_tenant_are_not_found,
};

/// Generates one `#[tokio::test]` per suite function. `$factory` is an async fn returning
/// `Option<Fixture>`; `None` skips the test (the factory prints why).
#[macro_export]
macro_rules! store_suite {
    ($factory:path) => {
        $crate::store_suite!(@each $factory;
            tenants_crud_and_unique_name,
            tenant_name_must_be_slug,
            users_crud_and_unique_username_per_tenant,
            users_are_isolated_between_tenants,
            deleting_user_removes_sessions_tokens_skills_and_memberships,
            lockout_locks_at_threshold_and_expires,
            lockout_follows_reference_model,
            skills_and_user_skills_replace_and_validate,
            teams_hold_only_same_tenant_users,
            queues_are_unique_per_tenant_and_isolated,
            points_of_contact_are_unique_across_tenants_and_found_by_address,
            trunks_are_unique_per_tenant_and_isolated,
            channel_configs_are_unique_per_kind_and_tenant_scoped,
            all_channel_configs_of_a_kind_span_tenants,
            flow_drafts_publish_and_rollback,
            flows_are_isolated_between_tenants,
            sessions_expire_and_are_deleted,
            api_tokens_expire_and_are_tenant_scoped,
            event_seq_increases_and_reads_per_tenant,
            audit_pages_newest_first_per_tenant,
            concurrent_appends_read_back_in_seq_order,
            bindings_refresh_expire_and_are_tenant_scoped,
            bindings_of_a_user_match_the_user_part_exactly,
            all_live_bindings_span_tenants,
            sip_secrets_are_per_user_tenant_scoped_and_deleted_with_the_user,
            history_lists_a_contacts_interactions_newest_first,
            a_wrap_up_before_the_call_is_recorded_is_kept_when_the_call_side_arrives,
            recording_the_call_again_keeps_the_wrap_up,
            history_is_per_tenant,
            limits_are_clamped_and_long_notes_refused,
            history_follows_reference_model,
            an_added_voicemail_reads_back_as_returned,
            voicemails_list_newest_first_up_to_the_limit,
            voicemails_filter_by_mailbox,
            voicemails_filter_by_state,
            closing_a_voicemail_records_who_and_when,
            closing_a_voicemail_twice_is_a_conflict,
            concurrent_closes_of_a_voicemail_let_exactly_one_win,
            voicemails_are_per_tenant,
            voicemails_of_an_unknown_tenant_are_not_found,
            invalid_voicemails_are_refused_and_nothing_is_stored,
            an_inbound_email_starts_a_conversation_that_reads_back,
            replies_thread_by_in_reply_to,
            replies_thread_by_references_earliest_ref_first,
            replies_thread_by_token,
            a_reply_in_the_same_batch_joins_its_conversation,
            duplicates_by_mailbox_key_and_by_message_id_store_nothing,
            a_reply_reopens_a_closed_conversation,
            the_cursor_is_stored_with_its_batch,
            a_batch_with_one_invalid_email_stores_nothing,
            acknowledgements_are_tracked_per_channel,
            conversations_are_per_tenant,
            conversations_list_by_filter_most_recently_updated_first,
            agents_add_outbound_messages_and_notes,
            routing_assignment_and_state_change_only_what_they_set,
            tokens_are_unique_and_well_formed,
            a_channel_with_conversations_cannot_be_deleted,
            concurrent_messages_on_one_conversation_are_all_counted,
            a_tenant_without_settings_reads_an_empty_object,
            tenant_settings_read_back_as_set,
            setting_tenant_settings_replaces_the_whole_document,
            tenant_settings_are_per_tenant,
            bad_tenant_settings_are_refused_and_keep_the_stored_ones,
            tenant_settings_of_an_unknown_tenant_are_not_found,
            tenant_settings_travel_in_the_tenant_document,
            an_agents_device_choice_reads_back_until_it_is_cleared,
            bad_device_choices_are_refused_and_keep_the_stored_one,
            a_canned_response_reads_back_as_stored,
            upserting_a_canned_response_replaces_it_and_keeps_its_id,
            canned_responses_list_by_name,
            deleting_a_canned_response_removes_only_it,
            canned_responses_are_per_tenant,
            invalid_canned_responses_are_refused_and_nothing_is_stored,
            canned_responses_of_an_unknown_tenant_are_not_found,
            canned_responses_travel_in_the_tenant_document,
            import_is_idempotent_and_counts_changes,
            import_keeps_absent_password_and_other_users,
            import_rejects_bad_references_with_field_path,
            failing_import_late_writes_nothing,
            import_updates_flows_as_new_versions,
            export_then_import_round_trips,
            concurrent_imports_of_one_document_create_it_once
        );
    };
    (@each $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                if let Some(fixture) = $factory().await {
                    $crate::$name(fixture.store()).await;
                }
            }
        )*
    };
}
