// Every command the frontend may call, each with the windows allowed to call it: the one
// list from which the invoke handler (main.rs), the permissions and the check of the
// capability files (build.rs) and the TypeScript command names (crates/bindings) all come.
// A command renamed or moved here and nowhere else fails the build. Included with
// `include!` by build.rs and crates/bindings, so it holds nothing but the macro.

/// Calls `$apply! { name: [window, …], … }` with the list.
macro_rules! app_commands {
    ($apply:ident) => {
        $apply! {
            inbox_snapshot: [popover, window],
            inbox_decide: [popover, window],
            inbox_decide_batch: [popover, window],
            grant_offers: [popover, window],
            inbox_approve_and_grant: [popover, window],
            grants_list: [popover, window],
            grant_revoke: [popover, window],
            popover_hide: [popover],
            popover_select: [popover],
            popover_painted: [popover],
            window_open: [popover],
            history_query: [window],
            audit_verify: [window],
            settings_get: [window],
            settings_set: [window],
            shortcuts_status: [window],
            remote_refusals: [window],
            jobs_overview: [window],
            job_run: [window],
            problems_list: [window],
        }
    };
}
