//! The TypeScript types in src/lib/bindings/ are generated from the Rust ones; this test
//! fails when they drift. `UPDATE_BINDINGS=1 cargo test -p bindings` rewrites them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use inbox::*;
use settings::{RemoteRefusal, Settings, ShortcutsStatus};
use ts_rs::{Config, TS};

include!("../../../src-tauri/src/command_list.rs");

/// The command list as (command, windows allowed to call it).
macro_rules! command_table {
    ($($name:ident : [$($window:ident),*]),* $(,)?) => {
        &[$((stringify!($name), &[$(stringify!($window)),*] as &[&str])),*]
    };
}

const COMMANDS: &[(&str, &[&str])] = app_commands!(command_table);

/// `commands.ts`: the Tauri commands by their TypeScript names, from the one list in
/// src-tauri/src/command_list.rs, so a command renamed in Rust fails the frontend's check.
fn commands_ts() -> String {
    let mut ts = String::from(
        "// Generated from src-tauri/src/command_list.rs by crates/bindings. Do not edit.\n\n\
         /** Every Tauri command the frontend may call, by its name in TypeScript. */\n\
         export const COMMAND = {\n",
    );
    for (name, windows) in COMMANDS {
        let mut camel = String::new();
        let mut upper = false;
        for c in name.chars() {
            match c {
                '_' => upper = true,
                c if upper => {
                    camel.extend(c.to_uppercase());
                    upper = false;
                }
                c => camel.push(c),
            }
        }
        ts.push_str(&format!(
            "  /** Granted to: {}. */\n  {camel}: \"{name}\",\n",
            windows.join(", ")
        ));
    }
    ts.push_str("} as const;\n\nexport type Command = (typeof COMMAND)[keyof typeof COMMAND];\n");
    ts
}

fn generate(into: &Path) {
    let cfg = Config::new().with_large_int("number").with_out_dir(into);
    // The roots the frontend uses; their dependencies come along.
    Snapshot::export_all(&cfg).unwrap();
    InboxEvent::export_all(&cfg).unwrap();
    Verdict::export_all(&cfg).unwrap();
    BatchOutcome::export_all(&cfg).unwrap();
    Resolver::export_all(&cfg).unwrap();
    Glance::export_all(&cfg).unwrap();
    HistoryQuery::export_all(&cfg).unwrap();
    HistoryPage::export_all(&cfg).unwrap();
    ChainReport::export_all(&cfg).unwrap();
    AgentUpdate::export_all(&cfg).unwrap();
    NewRequest::export_all(&cfg).unwrap();
    Settings::export_all(&cfg).unwrap();
    ShortcutsStatus::export_all(&cfg).unwrap();
    RemoteRefusal::export_all(&cfg).unwrap();
    inbox::GrantOffers::export_all(&cfg).unwrap();
    inbox::GrantRecord::export_all(&cfg).unwrap();
    inbox::GrantSpec::export_all(&cfg).unwrap();
    converge_host::JobsOverview::export_all(&cfg).unwrap();
    fs::write(into.join("commands.ts"), commands_ts()).unwrap();
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "ts"))
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, fs::read_to_string(&p).unwrap())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../src/lib/bindings");
    let fresh = tempfile::tempdir().unwrap();
    generate(fresh.path());
    let generated = read_dir(fresh.path());
    assert!(generated.contains_key("Snapshot.ts"));

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = fs::remove_dir_all(&committed_dir);
        fs::create_dir_all(&committed_dir).unwrap();
        for (name, text) in &generated {
            fs::write(committed_dir.join(name), text).unwrap();
        }
        return;
    }
    let committed = read_dir(&committed_dir);
    assert!(
        committed == generated,
        "src/lib/bindings is out of date with the Rust types; run \
         `UPDATE_BINDINGS=1 cargo test -p bindings` and commit the result"
    );
}
