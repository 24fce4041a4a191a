// Every event the app pushes to its pages: its name on the wire and its payload. The one
// list from which the Rust side's typed events (events.rs) and the TypeScript names and
// payload types the pages listen with (crates/bindings → src/lib/bindings/events.ts) come.
// Included with `include!` by crates/bindings, so it holds nothing but the macro; the
// payload types are named as events.rs has them in scope.

/// Calls `$apply! { /// what it says  Event = "name": Payload, … }` with the list.
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
        }
    };
}
