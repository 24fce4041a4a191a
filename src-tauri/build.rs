use std::collections::{BTreeMap, BTreeSet};

use page_contract::app_commands;

/// The list as (command, windows allowed to call it).
macro_rules! command_table {
    ($($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $type:ty),*) -> $answer:ty : [$($window:ident),*] $($slow:ident)?),* $(,)?) => {
        &[$((stringify!($name), &[$(stringify!($window)),*] as &[&str])),*]
    };
}

/// The list's command names alone.
macro_rules! command_names {
    ($($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $type:ty),*) -> $answer:ty : [$($window:ident),*] $($slow:ident)?),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[(&str, &[&str])] = app_commands!(command_table);
const NAMES: &[&str] = app_commands!(command_names);
const CAPABILITIES: &str = "src-tauri/capabilities";

fn main() {
    println!("cargo:rerun-if-changed={CAPABILITIES}");
    // Read by `tauri::include_image!` (tray.rs), which the compiler does not track.
    for icon in ["idle", "working", "attention"] {
        println!("cargo:rerun-if-changed=icons/tray-{icon}.png");
    }
    if let Err(problem) = check_capabilities() {
        panic!("{problem}");
    }
    // Declaring the app's commands makes each one a permission (`allow-inbox-snapshot`, …)
    // that a window must be granted in its capability, instead of every window being able
    // to call every command. Capabilities live under src-tauri/ although tauri.conf.json
    // sits at the root.
    let commands = tauri_build::AppManifest::new().commands(NAMES);
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/*.json")
            .app_manifest(commands),
    )
    .expect("tauri build script failed");
}

/// Each window's capability grants exactly the app commands the list gives it.
fn check_capabilities() -> Result<(), String> {
    let mut wanted: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, windows) in COMMANDS {
        for window in *windows {
            wanted
                .entry(window)
                .or_default()
                .insert(format!("allow-{}", name.replace('_', "-")));
        }
    }
    let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let entries = std::fs::read_dir(CAPABILITIES).map_err(|e| format!("{CAPABILITIES}: {e}"))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let capability: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let allowed: BTreeSet<String> = capability["permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str())
            .filter(|p| p.starts_with("allow-"))
            .map(str::to_owned)
            .collect();
        for window in capability["windows"].as_array().into_iter().flatten() {
            let window = window.as_str().unwrap_or_default().to_owned();
            granted.entry(window).or_default().extend(allowed.clone());
        }
    }
    for window in wanted
        .keys()
        .map(|w| w.to_string())
        .chain(granted.keys().cloned())
    {
        let want = wanted.get(window.as_str()).cloned().unwrap_or_default();
        let have = granted.get(&window).cloned().unwrap_or_default();
        if want != have {
            return Err(format!(
                "{CAPABILITIES}: the window {window:?} is granted {:?} but crates/page-contract gives it {:?}",
                have, want
            ));
        }
    }
    Ok(())
}
