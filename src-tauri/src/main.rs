// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod activity;
#[macro_use]
mod commands;
mod decisions;
mod demo;
mod error;
#[macro_use]
mod events;
mod invoke;
mod jobs;
mod local_api;
mod local_time;
mod notifications;
mod phone;
mod popover;
mod preferences;
mod presence;
mod problems;
mod shortcuts;
mod sounds;
#[cfg(all(unix, not(target_os = "macos")))]
mod status_notifier;
mod terminals;
#[cfg(test)]
mod test_requests;
mod tray;
mod upgrade;
mod window;

use inbox::{Inbox, InboxConfig};

use popover::PopoverExt;
use tauri::Manager;

const USAGE: &str = "usage: converge-tray [--demo] [--pin-popover] | --version
  --demo         add clearly labelled example agents and approvals
  --pin-popover  keep the popover open when it loses focus";

struct Options {
    demo: bool,
    pin_popover: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        demo: false,
        pin_popover: false,
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--demo" => options.demo = true,
            "--pin-popover" => options.pin_popover = true,
            "-h" | "--help" => return Err(String::new()),
            "-V" | "--version" => {
                println!(
                    "{}",
                    build_info::version_line("converge-tray", env!("CARGO_PKG_VERSION"))
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// Logs to stderr at the level `RUST_LOG` asks for, as `level` and `target=level`
/// directives (no span or field filters: `Targets` needs no regex engine, `EnvFilter` brings
/// one). A `RUST_LOG` with any other directive is refused as a whole, with a warning.
fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    // The Converge kernel reports every cycle at info: the agents' activity says it.
    const DEFAULT: &str = "info,converge_core=warn";
    let requested = std::env::var("RUST_LOG")
        .ok()
        .filter(|text| !text.trim().is_empty());
    let usable = requested.as_deref().filter(|text| is_log_filter(text));
    let filter: Targets = usable
        .unwrap_or(DEFAULT)
        .parse()
        .expect("checked by is_log_filter");
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(filter))
        .init();
    if let (Some(text), None) = (&requested, usable) {
        tracing::warn!("RUST_LOG={text:?} is not a list of level or target=level; using {DEFAULT}");
    }
}

/// A module path such as `converge_tray::popover`; span and field filters (`[…]`, `{…}`)
/// are `EnvFilter` syntax this filter does not have.
fn is_target(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

fn is_log_filter(text: &str) -> bool {
    use tracing_subscriber::filter::LevelFilter;
    let level = |word: &str| !word.trim().is_empty() && word.trim().parse::<LevelFilter>().is_ok();
    text.split(',')
        .all(|directive| match directive.split_once('=') {
            Some((target, value)) => is_target(target.trim()) && level(value),
            None => level(directive),
        })
}

/// The popover's own process (popover/host.rs), whose channel's other end is `app`'s.
#[cfg(target_os = "linux")]
fn run_popover_process(app: u32) {
    match popover::host::build(context(), app) {
        Ok(popover) => run(popover, Ends::WithItsLastWindow),
        Err(code) => std::process::exit(code),
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    if std::env::args().nth(1).as_deref() == Some(popover::process::ARG) {
        init_logging();
        run_popover_process(std::os::unix::process::parent_id());
        return;
    }
    let options = match parse_args() {
        Ok(options) => options,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("converge-tray: {problem}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if problem.is_empty() { 0 } else { 2 });
        }
    };
    init_logging();
    // Before anything starts a thread: the zygote is a copy of the process as it is now.
    #[cfg(target_os = "linux")]
    if popover::runs_apart() {
        if let Some(made) = popover::zygote::start() {
            run_popover_process(made.app);
            return;
        }
    }
    tracing::info!("starting");
    upgrade::take_over_from_older_copies();

    let builder = tauri::Builder::default();
    // Elsewhere the notification plugin shows them; see Cargo.toml.
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let builder = builder.plugin(tauri_plugin_notification::init());
    let result = builder
        // First, so a second launch hands over before anything else starts: it opens the
        // popover of the running app and exits 0.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("second instance: opening the popover");
            app.popover().show(None);
        }))
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(notifications::Notifications::default())
        .manage(problems::Problems::default())
        .manage(decisions::Selection::default())
        .manage(terminal::Trails::default())
        .manage(popover::Popover::new(
            options.pin_popover,
            invoke::answer_popover,
        ))
        .invoke_handler(invoke::handler())
        .setup(move |app| {
            // Tauri panics on a setup error: end with the reason, told, and an exit code.
            if let Err(problem) = start(app, &options) {
                cannot_start(app.handle(), &problem.to_string());
            }
            Ok(())
        })
        .build(context());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("converge-tray: {e}");
            std::process::exit(CANNOT_START);
        }
    };
    run(app, Ends::OnlyWhenAsked);
}

/// When a process of this program ends.
#[derive(Clone, Copy, PartialEq)]
enum Ends {
    /// The tray app: closing the last window never quits; only the menu's Quit does.
    OnlyWhenAsked,
    /// The popover's own process: when its window is gone (or its channel closes).
    WithItsLastWindow,
}

/// Runs the app or the popover's process. One function for both, because each closure given
/// to `App::run` makes another copy of Tauri's event loop in the binary.
fn run(app: tauri::App, ends: Ends) {
    app.run(move |_app, event| {
        if let tauri::RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            if ends == Ends::OnlyWhenAsked {
                api.prevent_exit();
            }
        }
    });
}

/// The app's configuration and embedded frontend, for the app and for the popover's own
/// process (popover/host.rs): made in one place, since each use embeds the assets.
fn context() -> tauri::Context {
    tauri::generate_context!()
}

/// The exit code when the app cannot start (its data cannot be opened, …); 2 is a usage error.
const CANNOT_START: i32 = 1;

/// Says why the app cannot start, on stderr and in a notification (started at login, it has
/// no terminal), and exits.
fn cannot_start(app: &tauri::AppHandle, problem: &str) -> ! {
    tracing::error!("cannot start: {problem}");
    eprintln!("converge-tray: cannot start: {problem}");
    notifications::urgent(app, "Converge Tray cannot start", problem);
    // Past the notification server's own time limit (desktop-notifications' CALL_TIMEOUT).
    notifications::flush(app, std::time::Duration::from_secs(12));
    std::process::exit(CANNOT_START);
}

fn start(app: &mut tauri::App, options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    // Start-up trace at debug level (RUST_LOG=converge_tray=debug): what each step costs.
    tracing::debug!("setup: plugins ready");
    // macOS: a menu bar utility, no Dock icon.
    #[cfg(target_os = "macos")]
    app.set_activation_policy(tauri::ActivationPolicy::Accessory);
    let preferences = preferences::Preferences::load(app.handle())?;
    let settings = preferences.get(app.handle());
    app.state::<notifications::Notifications>()
        .set_kinds(settings.notifications);
    app.state::<notifications::Notifications>()
        .set_sounds(settings.sounds.clone());
    app.manage(shortcuts::Shortcuts::new(settings.shortcuts.clone()));
    let api_settings = local_api::ApiSettings::new(&settings);
    app.manage(preferences);
    tracing::debug!("setup: settings loaded");
    let inbox = open_inbox(app.handle())?;
    load_risk_rules(app.handle(), &inbox);
    app.manage(inbox.clone());
    tracing::debug!("setup: inbox open");
    tauri::async_runtime::spawn(inbox.timers());
    events::forward(app.handle().clone(), &inbox);
    notifications::install(app.handle(), &inbox, decisions::from_notification);
    problems::follow(app.handle(), &inbox);
    popover::follow(app.handle(), &inbox);
    phone::install(app.handle(), &inbox);
    tracing::debug!("setup: notifications installed");
    let has_tray = tray::install(app.handle(), inbox.clone());
    tracing::debug!("setup: tray built");
    // Registering a global shortcut waits on the X11 hotkey thread (about 50 ms
    // here): off the start-up path, while the tray registers on D-Bus.
    let handle = app.handle().clone();
    std::thread::spawn(move || {
        shortcuts::install(&handle);
        tracing::debug!("setup: shortcuts registered");
        if !has_tray {
            tray::announce_without_tray(&handle);
        }
    });
    local_api::start(app.handle(), inbox.clone(), &api_settings);
    // With --demo, its examples are what a first start shows, not five approvals at once.
    jobs::install(app.handle(), inbox.clone(), !options.demo);
    tracing::debug!("setup: jobs open");
    upgrade::follow(app.handle(), inbox.clone());
    activity::keep_trimmed(app.handle());
    app.manage(api_settings);
    if options.demo {
        demo::react_to_decisions(&inbox);
        demo::seed(&inbox).map_err(|e| format!("demo: {e}"))?;
    }
    tracing::info!("ready");
    Ok(())
}

/// The user's risk rules (`risk-rules.json` in the config dir) beside the built-in ones; a
/// file that cannot be used is reported and the built-in rules apply alone.
fn load_risk_rules(app: &tauri::AppHandle, inbox: &Inbox) {
    let Ok(dir) = app.path().app_config_dir() else {
        return;
    };
    let path = dir.join("risk-rules.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            let problem = format!(
                "{} cannot be read ({e}); the built-in rules apply.",
                path.display()
            );
            problems::report(app, "Your risk rules are not in force", &problem);
            return;
        }
    };
    match inbox::RiskRules::with_user_rules(&text) {
        Ok(rules) => {
            tracing::info!(file = %path.display(), "risk rules loaded");
            inbox.set_risk_rules(rules);
        }
        Err(e) => problems::report(
            app,
            "Your risk rules are not in force",
            &format!("{}: {e}; the built-in rules apply.", path.display()),
        ),
    }
}

fn open_inbox(app: &tauri::AppHandle) -> Result<Inbox, Box<dyn std::error::Error>> {
    let data_dir = app
        .path()
        .app_data_dir()
        .map_err(|e| format!("no data directory for the inbox: {e}"))?;
    let mut config = InboxConfig::at(data_dir.join("inbox.db"));
    // bench/day_replay.py compresses a day's time: this delay with it.
    if let Some(ms) = std::env::var("CONVERGE_TRAY_STALE_AGENT_AFTER_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        config.stale_agent_after = std::time::Duration::from_millis(ms);
    }
    let (inbox, report) = Inbox::open(config)
        .map_err(|e| format!("cannot open the inbox at {}: {e}", data_dir.display()))?;
    if let Some(moved) = report.moved_aside {
        problems::report(
            app,
            "The inbox was started afresh",
            &format!(
                "Its database could not be used ({}). It was kept as {}; the history before it is there.",
                moved.reason,
                moved.to.display()
            ),
        );
    }
    if let Some(kept) = report.wal_kept_aside {
        problems::report(
            app,
            "The last changes before a crash could not be read",
            &format!(
                "The inbox's write-ahead log could not be read ({}), so approvals asked or decided just before the crash may be missing. A copy was kept as {}.",
                kept.reason,
                kept.to.display()
            ),
        );
    }
    Ok(inbox)
}

#[cfg(test)]
mod tests {
    use super::is_log_filter;

    #[test]
    fn log_filters_are_levels_and_target_levels() {
        for good in [
            "debug",
            "info,converge_core=warn",
            "converge_tray=trace, warn",
            "off",
        ] {
            assert!(is_log_filter(good), "{good} should be accepted");
        }
        for bad in [
            "",
            "[bad",
            "converge_tray=loud",
            "=debug",
            "info,,warn",
            "a[span]=debug",
        ] {
            assert!(!is_log_filter(bad), "{bad} should be refused");
        }
    }
}
