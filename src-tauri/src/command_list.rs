// Every command the frontend may call: its arguments as the page names them (in snake_case
// here, camelCase on the page), what it answers, and the windows allowed to call it. A
// command runs on the main thread, as Tauri runs a plain command, unless marked `slow`:
// then it runs on Tauri's blocking pool. The one list from which come the Tauri commands
// and the popover process's calls (invoke.rs), the permissions and the check of the
// capability files (build.rs), and the TypeScript command names, argument and answer types
// (crates/bindings). A command changed here and nowhere else fails the build. Included with
// `include!` by build.rs and crates/bindings, so it holds nothing but the macro; the types
// are named as commands.rs has them in scope.

/// Calls `$apply! { name(arg: Type, …) -> Answer: [window, …] (slow), … }` with the list.
macro_rules! app_commands {
    ($apply:ident) => {
        $apply! {
            inbox_snapshot() -> Snapshot: [popover, window],
            // A write waits (up to 5 s) while another program holds the database locked:
            // never on the main thread, which draws the tray and the windows.
            inbox_decide(request_id: String, verdict: Verdict) -> (): [popover, window] slow,
            inbox_decide_batch(request_ids: Vec<String>, verdict: Verdict) -> BatchOutcome:
                [popover, window] slow,
            grant_offers(request_id: String) -> GrantOffers: [popover, window],
            inbox_approve_and_grant(request_id: String, spec: GrantSpec) -> GrantRecord:
                [popover, window] slow,
            grants_list() -> Vec<GrantRecord>: [popover, window],
            grant_revoke(grant_id: String) -> (): [popover, window] slow,
            agents_remove(agent_ids: Vec<String>) -> Vec<String>: [popover, window] slow,
            popover_hide() -> (): [popover],
            popover_select(request_id: Option<String>, whole_seen: bool) -> (): [popover],
            popover_painted(frame_at_ms: Option<f64>) -> (): [popover],
            window_open() -> (): [popover],
            // Runs tmux and waits (up to 1.5 s) for the window manager to bring a window up.
            terminal_go(request_id: Option<String>, agent_id: Option<String>) -> TerminalVisit:
                [popover, window] slow,
            history_query(query: HistoryQuery) -> HistoryPage: [window],
            agent_timeline(agent_id: String, before: Option<i64>) -> Timeline: [window],
            // Walks the whole audit chain, about half a second at 100,000 entries.
            audit_verify() -> ChainReport: [window] slow,
            settings_get() -> Settings: [window],
            settings_set(settings: Settings) -> Settings: [window],
            shortcuts_status() -> ShortcutsStatus: [window],
            remote_refusals() -> Vec<RemoteRefusal>: [window],
            jobs_overview() -> JobsOverview: [window],
            job_run(job_id: String) -> String: [window],
            problems_list() -> Vec<String>: [window],
        }
    };
}
