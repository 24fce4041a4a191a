//! The TypeScript types in src/lib/bindings/ are generated from the Rust ones; this test
//! fails when they drift. `UPDATE_BINDINGS=1 cargo test -p bindings` rewrites them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use converge_host::JobsOverview;
use inbox::*;
use settings::{PhoneStatus, RemoteRefusal, Settings, ShortcutRefused, ShortcutsStatus};
use terminal::TerminalVisit;
use ts_rs::{Config, Dependency, TypeVisitor, TS};

use page_contract::{app_commands, app_events};

/// A command of the list as TypeScript sees it.
struct Signature {
    name: &'static str,
    /// What it does, from the list's doc comment, one line of it per line.
    doc: String,
    windows: &'static [&'static str],
    /// Each argument's name in Rust, and its TypeScript type.
    args: Vec<(&'static str, TsType)>,
    answer: TsType,
}

/// A type's TypeScript expression, and the generated files it needs.
struct TsType {
    expression: String,
    imports: Vec<Dependency>,
}

/// The TypeScript for `T`: its name, and every exported type it names (itself, or what a
/// `Vec` or `Option` holds).
fn ts<T: TS + 'static>(cfg: &Config) -> TsType {
    struct Named<'a>(&'a Config, &'a mut Vec<Dependency>);
    impl TypeVisitor for Named<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            self.1.extend(Dependency::from_ty::<U>(self.0));
        }
    }
    let mut imports: Vec<Dependency> = Dependency::from_ty::<T>(cfg).into_iter().collect();
    T::visit_generics(&mut Named(cfg, &mut imports));
    TsType {
        expression: T::name(cfg),
        imports,
    }
}

/// The list's commands with their TypeScript types.
macro_rules! signatures {
    ($($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $type:ty),*) -> $answer:ty : [$($window:ident),*] $($slow:ident)?),* $(,)?) => {
        |cfg: &Config| vec![$(Signature {
            name: stringify!($name),
            doc: [$($doc.trim()),*].join("\n"),
            windows: &[$(stringify!($window)),*],
            args: vec![$((stringify!($arg), ts::<$type>(cfg))),*],
            answer: ts::<$answer>(cfg),
        }),*]
    };
}

/// `inbox_decide` → `inboxDecide`, as Tauri names a command's arguments on the page.
fn camel(name: &str) -> String {
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
    camel
}

/// The `import type` lines for the generated files `types` name, each once.
fn imports<'a>(types: impl Iterator<Item = &'a TsType>) -> String {
    let files: BTreeSet<(String, String)> = types
        .flat_map(|t| &t.imports)
        .map(|d| {
            let file = d.output_path.with_extension("");
            (d.ts_name.clone(), file.to_string_lossy().into_owned())
        })
        .collect();
    files
        .iter()
        .map(|(name, file)| format!("import type {{ {name} }} from \"./{file}\";\n"))
        .collect()
}

/// An event of the list as TypeScript sees it.
struct EventSignature {
    /// Its type's name in Rust (`InboxChanged`).
    event: &'static str,
    /// Its name on the wire (`inbox://event`).
    name: &'static str,
    doc: String,
    payload: TsType,
}

/// The list's events with their TypeScript types.
macro_rules! event_signatures {
    ($($(#[doc = $doc:literal])* $event:ident = $name:literal : $payload:ty),* $(,)?) => {
        |cfg: &Config| vec![$(EventSignature {
            event: stringify!($event),
            name: $name,
            doc: [$($doc.trim()),*].join(" "),
            payload: ts::<$payload>(cfg),
        }),*]
    };
}

/// `events.ts`: the events the pages listen to, by their TypeScript names, each with its
/// payload's type, from the one list in crates/page-contract.
fn events_ts(cfg: &Config) -> String {
    let events = app_events!(event_signatures)(cfg);
    let mut ts =
        String::from("// Generated from crates/page-contract by crates/bindings. Do not edit.\n");
    ts.push_str(&imports(events.iter().map(|e| &e.payload)));
    ts.push_str(
        "\n/** Every event the app pushes to its pages, by its name in TypeScript. */\n\
         export const EVENT = {\n",
    );
    for event in &events {
        let mut key = event.event.to_owned();
        key[..1].make_ascii_lowercase();
        ts.push_str(&format!(
            "  /** {} */\n  {key}: \"{}\",\n",
            event.doc, event.name
        ));
    }
    ts.push_str("} as const;\n\nexport type AppEvent = (typeof EVENT)[keyof typeof EVENT];\n");
    ts.push_str("\n/** Each event's payload. */\nexport type EventPayloads = {\n");
    for event in &events {
        ts.push_str(&format!(
            "  \"{}\": {};\n",
            event.name, event.payload.expression
        ));
    }
    ts.push_str("};\n");
    ts
}

/// `commands.ts`: a function per Tauri command, named as the command in TypeScript, with its
/// arguments and answer typed, from the one list in crates/page-contract: a command renamed,
/// or an argument added or retyped in Rust, fails the frontend's check.
fn commands_ts(cfg: &Config) -> String {
    let commands = app_commands!(signatures)(cfg);
    let mut ts = String::from(
        "// Generated from crates/page-contract by crates/bindings. Do not edit.\n\
         import { invoke } from \"@tauri-apps/api/core\";\n",
    );
    ts.push_str(&imports(
        commands
            .iter()
            .flat_map(|c| c.args.iter().map(|(_, t)| t).chain([&c.answer])),
    ));
    for command in &commands {
        let params: Vec<String> = command
            .args
            .iter()
            .map(|(name, t)| format!("{}: {}", camel(name), t.expression))
            .collect();
        let passed: Vec<String> = command.args.iter().map(|(name, _)| camel(name)).collect();
        let answer = match command.answer.expression.as_str() {
            "null" => "void",
            other => other,
        };
        let mut doc: Vec<&str> = command.doc.lines().collect();
        let granted = format!("Granted to: {}.", command.windows.join(", "));
        doc.push(&granted);
        let args = if passed.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", passed.join(", "))
        };
        ts.push_str(&format!(
            "\n/**\n{} */\nexport function {}({}): Promise<{answer}> {{\n  return invoke(\"{}\"{args});\n}}\n",
            doc.iter().map(|line| format!(" * {line}\n")).collect::<String>(),
            camel(command.name),
            params.join(", "),
            command.name,
        ));
    }
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
    ShortcutRefused::export_all(&cfg).unwrap();
    RemoteRefusal::export_all(&cfg).unwrap();
    PhoneStatus::export_all(&cfg).unwrap();
    inbox::GrantOffers::export_all(&cfg).unwrap();
    inbox::GrantRecord::export_all(&cfg).unwrap();
    inbox::GrantSpec::export_all(&cfg).unwrap();
    converge_host::JobsOverview::export_all(&cfg).unwrap();
    TerminalVisit::export_all(&cfg).unwrap();
    Timeline::export_all(&cfg).unwrap();
    fs::write(into.join("commands.ts"), commands_ts(&cfg)).unwrap();
    fs::write(into.join("events.ts"), events_ts(&cfg)).unwrap();
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
    // A type a command or event names but no root above brings along would be imported
    // from a file that is not there.
    for (name, text) in &generated {
        for line in text.lines().filter(|l| l.starts_with("import type")) {
            let file = line
                .rsplit("from \"./")
                .next()
                .unwrap()
                .trim_end_matches("\";");
            assert!(
                generated.contains_key(&format!("{file}.ts")),
                "{name} imports {file}, which is not generated: add it to generate()"
            );
        }
    }

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
