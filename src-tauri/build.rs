fn main() {
    // Capabilities live under src-tauri/ although tauri.conf.json sits at the root.
    // Declaring the app's commands makes each one a permission that a window must be
    // granted in its capability, instead of every window being able to call every command.
    let commands = tauri_build::AppManifest::new().commands(&[
        "inbox_snapshot",
        "inbox_decide",
        "popover_hide",
        "popover_select",
        "popover_painted",
        "window_open",
        "history_query",
        "audit_verify",
        "settings_get",
        "settings_set",
        "jobs_overview",
        "job_run",
        "problems_list",
    ]);
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/*.json")
            .app_manifest(commands),
    )
    .expect("tauri build script failed");
}
