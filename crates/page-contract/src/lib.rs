//! The contract between the app and its pages, each part written once: every command a page
//! may call (`app_commands!`) and every event the app pushes (`app_events!`). They are macros
//! so that each user expands them with the types it has in scope, and a change here that one
//! of them does not follow fails its build:
//! - the app's Tauri commands and the popover process's calls (src-tauri/src/invoke.rs) and
//!   its typed events (src-tauri/src/events.rs);
//! - the permissions, and the check of the capability files (src-tauri/build.rs);
//! - the TypeScript call functions, command and event names and types (crates/bindings →
//!   src/lib/bindings/commands.ts and events.ts).
#![no_std]

/// Calls `$apply! { /// what it does  name(arg: Type, …) -> Answer: [window, …] (slow), … }`
/// with every command: its arguments as the page names them (in snake_case here, camelCase
/// on the page), what it answers, and the windows allowed to call it. A command runs on the
/// main thread, as Tauri runs a plain command, unless marked `slow`: then it runs on Tauri's
/// blocking pool. The types are named as src-tauri/src/commands.rs has them in scope.
#[macro_export]
macro_rules! app_commands {
    ($apply:ident) => {
        $apply! {
            /// The inbox as it is now: agents, pending requests, the glance.
            inbox_snapshot() -> Snapshot: [popover, window],
            /// Decides a request. The backend records the surface from the calling window,
            /// never from the caller's word.
            // A write waits (up to 5 s) while another program holds the database locked:
            // never on the main thread, which draws the tray and the windows.
            inbox_decide(request_id: String, verdict: Verdict) -> (): [popover, window] slow,
            /// Decides each request as `inboxDecide` does, in one call. High-risk requests are
            /// never approved this way: they stay pending and come back in `refused`, as do
            /// requests already decided or expired.
            inbox_decide_batch(request_ids: Vec<String>, verdict: Verdict) -> BatchOutcome:
                [popover, window] slow,
            /// What the request's card offers to grant, narrowest first; nothing for a
            /// high-risk request.
            grant_offers(request_id: String) -> GrantOffers: [popover, window],
            /// Approves the request and grants what `spec` picks from now on, in one step;
            /// resolves to the grant, rejects with why not (and then neither happened).
            inbox_approve_and_grant(request_id: String, spec: GrantSpec) -> GrantRecord:
                [popover, window] slow,
            /// Every live grant, then the most recent past ones, each newest first.
            grants_list() -> Vec<GrantRecord>: [popover, window],
            /// Ends a live grant at once; rejects if it has ended or expired already.
            grant_revoke(grant_id: String) -> (): [popover, window] slow,
            /// Takes agents off the agent lists; resolves to the ids taken off. Only an agent
            /// with nothing pending that is not at work (idle, done, failed or gone) is taken
            /// off: the others are left as they are, and the answer leaves them out. An agent
            /// heard from again is listed again.
            agents_remove(agent_ids: Vec<String>) -> Vec<String>: [popover, window] slow,
            /// Hides the popover.
            popover_hide() -> (): [popover],
            /// Tells the app which request the approve/deny shortcuts act on, and whether the
            /// person has seen all of it (its details fit on the card, or were opened): the
            /// global approve key approves the selection only then.
            popover_select(request_id: Option<String>, whole_seen: bool) -> (): [popover],
            /// Tells the app the popover painted its first inbox data, and when by the page's
            /// clock (the call itself arrives a round trip later); the app logs it.
            popover_painted(frame_at_ms: Option<f64>) -> (): [popover],
            /// Shows the full window (creating it if needed); the app hides the popover.
            window_open() -> (): [popover],
            /// Brings the person to the terminal where a request was asked, or where an agent
            /// runs: switches tmux to the agent's pane and brings the terminal's window
            /// forward. Once there (`arrived`) the app hides the popover; otherwise `problem`
            /// says why not, and `done` what was done anyway.
            // Runs tmux and waits (up to 1.5 s) for the window manager to bring a window up.
            terminal_go(request_id: Option<String>, agent_id: Option<String>) -> TerminalVisit:
                [popover, window] slow,
            /// One page of the audit log, newest first.
            history_query(query: HistoryQuery) -> HistoryPage: [window],
            /// One page of an agent's timeline, newest first: what it reported and what it
            /// asked. `before` is the last entry's time of the page before, or null for the
            /// newest page.
            agent_timeline(agent_id: String, before: Option<i64>) -> Timeline: [window],
            /// Checks the whole hash chain of the audit log.
            // About half a second at 100,000 entries.
            audit_verify() -> ChainReport: [window] slow,
            /// The settings as applied.
            settings_get() -> Settings: [window],
            /// Applies all of `settings` or none of them; resolves to the settings as applied
            /// (start at login as the OS has it), rejects with a message naming what was
            /// refused.
            settings_set(settings: Settings) -> Settings: [window],
            /// How the global shortcuts reach the app in this session, and what that means.
            shortcuts_status() -> ShortcutsStatus: [window],
            /// The remote peers Settings → Other machines turned away since the app started.
            remote_refusals() -> Vec<RemoteRefusal>: [window],
            /// The jobs the user can start, why the jobs file could not be used (if so), and
            /// recent runs.
            jobs_overview() -> JobsOverview: [window],
            /// Starts a job from the jobs file; resolves to the new run's id, rejects with why
            /// not.
            job_run(job_id: String) -> String: [window],
            /// What went wrong in this run that the person must know, oldest first, one
            /// sentence each.
            problems_list() -> Vec<String>: [window],
            /// Phone as it is now (docs/phone.md).
            phone_status() -> PhoneStatus: [window],
            /// Sets Phone up: signs in to `homeserver` as the app's own Matrix `account` with
            /// `password` (used for this sign-in, never kept) and makes the encrypted room
            /// with `person`. Rejects what is missing or malformed at once; how the sign-in
            /// went comes as `phone://changed`.
            phone_set_up(homeserver: String, account: String, password: String, person: String)
                -> (): [window],
            /// Asks the person's phone to compare emojis with the app.
            phone_verify() -> (): [window],
            /// The person compared the emojis shown with their phone's: `matches` trusts that
            /// phone's identity, anything else does not.
            phone_confirm(matches: bool) -> (): [window],
            /// Turns Phone off: ends the link, and forgets its session and keys.
            phone_turn_off() -> (): [window] slow,
        }
    };
}

/// Calls `$apply! { /// what it says  Event = "name": Payload, … }` with every event the app
/// pushes to its pages: its name on the wire and its payload, named as
/// src-tauri/src/events.rs has the types in scope.
#[macro_export]
macro_rules! app_events {
    ($apply:ident) => {
        $apply! {
            /// A change of the inbox, applied by its `seq`.
            InboxChanged = "inbox://event": InboxEvent,
            /// The whole inbox anew: a page missed changes.
            InboxResync = "inbox://resync": Snapshot,
            /// The request a notification was clicked for, to be shown in the popover.
            PopoverSelect = "popover://select": String,
            /// The settings as now applied, from any window or the tray's menu.
            SettingsChanged = "settings://changed": Settings,
            /// A problem the person must know of, in one sentence.
            ProblemAdded = "problems://added": String,
            /// Every remote peer turned away so far, at each new refusal.
            RemoteRefused = "remote://refused": Vec<RemoteRefusal>,
            /// Phone's state, at each change.
            PhoneChanged = "phone://changed": PhoneStatus,
        }
    };
}
