//! How a page's calls reach commands.rs, made from the one list in crates/page-contract: as Tauri
//! commands from the app's own windows (`handler`: on the main thread, a `slow` one on the
//! blocking pool), and as the calls the popover's page makes from its own process
//! (`answer_popover`, on its channel's thread, popover.rs). Either way a call is run only for
//! a window the list grants it to, with the arguments the list names (camelCase on the page).

// The list names these types as commands.rs has them.
use converge_host::JobsOverview;
use inbox::{
    BatchOutcome, ChainReport, GrantOffers, GrantRecord, GrantSpec, HistoryPage, HistoryQuery,
    Snapshot, Timeline, Verdict,
};
use serde_json::Value;
use settings::{PhoneStatus, RemoteRefusal, Settings, ShortcutsStatus};
use tauri::{AppHandle, Manager, WebviewWindow};
use terminal::TerminalVisit;

use crate::commands::{self, Caller};
use crate::error::ShellError;
use crate::popover;

/// The caller of a Tauri command: the calling window, if the list grants it `command`
/// (Tauri's capabilities refuse it first; this holds should they ever drift).
fn caller(window: &WebviewWindow, command: &str, windows: &[&str]) -> Result<Caller, ShellError> {
    if !windows.contains(&window.label()) {
        return Err(format!("the {} cannot call {command}", window.label()).into());
    }
    Caller::of(window.app_handle(), window.label())
}

/// A call read from the popover's process, to run as `Caller`.
pub type Call = Box<dyn FnOnce(&Caller) -> Result<Value, ShellError> + Send>;

/// Runs a `slow` command on Tauri's blocking pool, so it does not hold up the main thread.
async fn off_the_main_thread<T: Send + 'static>(
    command: impl FnOnce() -> Result<T, ShellError> + Send + 'static,
) -> Result<T, ShellError> {
    tauri::async_runtime::spawn_blocking(command)
        .await
        .map_err(|e| ShellError::Refused(format!("the command did not finish: {e}")))?
}

/// A command's answer as a page gets it.
fn to_json<T: serde::Serialize>(answer: Result<T, ShellError>) -> Result<Value, ShellError> {
    Ok(serde_json::to_value(answer?).map_err(|e| format!("an answer not sent: {e}"))?)
}

/// `$code` where the windows list holds the popover, nothing elsewhere.
macro_rules! for_the_popover {
    ([] $code:block) => {};
    ([popover $(, $rest:ident)*] $code:block) => { $code };
    ([$other:ident $(, $rest:ident)*] $code:block) => { for_the_popover!([$($rest),*] $code) };
}

/// One Tauri command: it checks the calling window against the list and runs the command
/// on the main thread, or, marked `slow`, on the blocking pool.
macro_rules! tauri_command {
    ($name:ident ($($arg:ident : $type:ty),*) -> $answer:ty, [$($window:ident),*]) => {
        #[tauri::command]
        fn $name(window: WebviewWindow, $($arg: $type),*) -> Result<$answer, ShellError> {
            let caller = caller(&window, stringify!($name), &[$(stringify!($window)),*])?;
            commands::$name(&caller, $($arg),*)
        }
    };
    ($name:ident ($($arg:ident : $type:ty),*) -> $answer:ty, [$($window:ident),*] slow) => {
        #[tauri::command]
        async fn $name(window: WebviewWindow, $($arg: $type),*) -> Result<$answer, ShellError> {
            let caller = caller(&window, stringify!($name), &[$(stringify!($window)),*])?;
            off_the_main_thread(move || commands::$name(&caller, $($arg),*)).await
        }
    };
}

macro_rules! calls {
    ($($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $type:ty),*) -> $answer:ty : [$($window:ident),*] $($slow:ident)?),* $(,)?) => {
        $(
            tauri_command!($name ($($arg : $type),*) -> $answer, [$($window),*] $($slow)?);
        )*

        /// The invoke handler of the app's own windows.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// A call of the popover's page as it sends it (arguments in camelCase, no field the
        /// list does not name), ready to run; refused unless the list grants it the popover.
        fn read_popover_call(command: &str, args: Value) -> Result<Call, ShellError> {
            $(
                for_the_popover!([$($window),*] {
                    if command == stringify!($name) {
                        #[derive(serde::Deserialize)]
                        #[serde(rename_all = "camelCase", deny_unknown_fields)]
                        struct Args {
                            $($arg: $type),*
                        }
                        let Args { $($arg),* } = serde_json::from_value(args)
                            .map_err(|e| format!("{command} called with {e}"))?;
                        return Ok(Box::new(move |caller: &Caller| {
                            to_json(commands::$name(caller, $($arg),*))
                        }));
                    }
                });
            )*
            if [$(stringify!($name)),*].contains(&command) {
                Err(format!("the popover cannot call {command}").into())
            } else {
                Err(format!("there is no command {command:?}").into())
            }
        }
    };
}

page_contract::app_commands!(calls);

/// Answers a call of the popover's page, which runs in the popover's own process, as the
/// app's own popover would be answered.
pub fn answer_popover(app: &AppHandle, command: &str, args: Value) -> Result<Value, String> {
    let call = read_popover_call(command, args).map_err(|e| e.to_string())?;
    let caller = Caller::of(app, popover::LABEL).map_err(|e| e.to_string())?;
    call(&caller).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command of the list with the windows that may call it.
    macro_rules! listed {
        ($($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $type:ty),*) -> $answer:ty : [$($window:ident),*] $($slow:ident)?),* $(,)?) => {
            &[$((stringify!($name), &[$(stringify!($window)),*])),*]
        };
    }
    const COMMANDS: &[(&str, &[&str])] = page_contract::app_commands!(listed);

    fn refusal(command: &str, args: Value) -> Option<String> {
        read_popover_call(command, args)
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn the_popover_can_call_exactly_the_popovers_commands() {
        for (command, windows) in COMMANDS {
            let refused =
                refusal(command, serde_json::json!({})).is_some_and(|e| e.contains("cannot call"));
            assert_eq!(
                refused,
                !windows.contains(&"popover"),
                "{command} ({windows:?})"
            );
        }
        assert!(refusal("no_such_command", serde_json::json!({}))
            .is_some_and(|e| e.contains("no command")));
    }

    #[test]
    fn arguments_are_read_as_the_page_sends_them() {
        let decide = |args| refusal("inbox_decide", args);
        assert_eq!(
            decide(serde_json::json!({"requestId": "r-1", "verdict": {"verdict": "approve"}})),
            None
        );
        // Named as in Rust, they are not the page's names.
        assert!(decide(
            serde_json::json!({"request_id": "r-1", "verdict": {"verdict": "approve"}})
        )
        .is_some());
        // The surface is never the page's to say.
        let forged = decide(serde_json::json!(
            {"requestId": "r-1", "verdict": {"verdict": "approve"}, "surface": "notification"}
        ));
        assert!(forged.is_some_and(|e| e.contains("surface")));
        // An argument the command may go without (an Option)...
        assert_eq!(
            refusal("popover_select", serde_json::json!({"wholeSeen": false})),
            None
        );
        // ... and one it may not: the popover must say whether the card was seen whole.
        assert!(refusal("popover_select", serde_json::json!({"requestId": "r-1"})).is_some());
    }
}
