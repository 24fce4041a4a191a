use settings::*;

fn file() -> (tempfile::TempDir, SettingsFile) {
    let dir = tempfile::tempdir().unwrap();
    let file = SettingsFile::at(dir.path().join("config").join("settings.json"));
    (dir, file)
}

#[test]
fn defaults_when_there_is_no_file_yet() {
    let (_dir, file) = file();
    let loaded = file.load();
    assert_eq!(loaded.settings, Settings::default());
    assert_eq!(loaded.problem, None);
    assert_eq!(loaded.settings.shortcuts.approve, "ctrl+alt+shift+a");
}

#[test]
fn saved_settings_come_back() {
    let (_dir, file) = file();
    let mut settings = Settings {
        default_timeout_secs: 90,
        ..Settings::default()
    };
    settings.shortcuts.approve = "ctrl+alt+y".into();
    settings.notifications.agent_finished = false;
    file.save(&settings).unwrap();
    assert_eq!(file.load().settings, settings);
}

#[test]
fn an_older_file_with_missing_fields_takes_defaults_for_them() {
    let (_dir, file) = file();
    std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
    std::fs::write(file.path(), r#"{ "default_timeout_secs": 42 }"#).unwrap();
    let loaded = file.load();
    assert_eq!(loaded.problem, None);
    assert_eq!(loaded.settings.default_timeout_secs, 42);
    assert_eq!(loaded.settings.shortcuts, ShortcutSettings::default());
}

#[test]
fn a_broken_file_is_moved_aside_and_defaults_apply() {
    let (_dir, file) = file();
    std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
    std::fs::write(file.path(), "{ not json").unwrap();
    let loaded = file.load();
    assert_eq!(loaded.settings, Settings::default());
    let problem = loaded.problem.expect("the user is told");
    assert!(problem.contains("is not valid settings JSON"), "{problem}");
    let mut aside = file.path().as_os_str().to_owned();
    aside.push(".unreadable");
    assert_eq!(std::fs::read_to_string(aside).unwrap(), "{ not json");
    assert!(!file.path().exists());
}

#[test]
fn invalid_settings_are_refused_and_the_file_is_unchanged() {
    let (_dir, file) = file();
    file.save(&Settings::default()).unwrap();
    let before = std::fs::read_to_string(file.path()).unwrap();

    let mut same_keys = Settings::default();
    same_keys.shortcuts.deny = "Ctrl+Alt+Shift+A".into();
    let err = file.save(&same_keys).unwrap_err();
    assert_eq!(
        err.to_string(),
        "each shortcut must be different from the others"
    );

    let mut terminal_as_toggle = Settings::default();
    terminal_as_toggle.shortcuts.go_to_terminal = "ctrl+alt+shift+c".into();
    assert_eq!(
        file.save(&terminal_as_toggle).unwrap_err().to_string(),
        "each shortcut must be different from the others"
    );

    let mut sleepy = Settings::default();
    sleepy.sounds.quiet_from = "25:00".into();
    assert_eq!(
        file.save(&sleepy).unwrap_err().to_string(),
        "the quiet hours' start must be a time as HH:MM, not \"25:00\""
    );

    let forgetful = Settings {
        activity_kept_days: 0,
        ..Settings::default()
    };
    assert_eq!(
        file.save(&forgetful).unwrap_err().to_string(),
        "agents' activity is kept between 1 and 3650 days, not 0"
    );

    let mut empty = Settings::default();
    empty.shortcuts.toggle_popover = " ".into();
    assert_eq!(
        file.save(&empty).unwrap_err().to_string(),
        "the open/close the popover shortcut is empty"
    );

    let forever = Settings {
        default_timeout_secs: 0,
        ..Settings::default()
    };
    assert!(file
        .save(&forever)
        .unwrap_err()
        .to_string()
        .starts_with("the default timeout must be between 1 second and 7 days"));

    assert_eq!(std::fs::read_to_string(file.path()).unwrap(), before);
}

#[test]
fn a_file_that_fails_validation_is_not_trusted() {
    let (_dir, file) = file();
    std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
    std::fs::write(file.path(), r#"{ "default_timeout_secs": 0 }"#).unwrap();
    let loaded = file.load();
    assert_eq!(loaded.settings, Settings::default());
    assert!(loaded.problem.unwrap().contains("default timeout"));
}

#[test]
fn remote_requests_are_accepted_until_refused_and_refused_hosts_come_back() {
    let (_dir, file) = file();
    // A file from before these settings existed: remote requests keep working.
    std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
    std::fs::write(file.path(), r#"{ "default_timeout_secs": 42 }"#).unwrap();
    assert!(file.load().settings.remote.accept);

    let mut settings = Settings::default();
    settings.remote.accept = true;
    settings.remote.refused_hosts = vec!["devbox".into(), "ci-runner.example.com".into()];
    file.save(&settings).unwrap();
    assert_eq!(file.load().settings.remote, settings.remote);
}

#[test]
fn a_refused_host_must_be_one_word_and_listed_once() {
    let (_dir, file) = file();
    for bad in [
        vec!["".to_owned()],
        vec!["dev box".to_owned()],
        vec!["devbox\n".to_owned()],
        vec!["a".repeat(256)],
        vec!["devbox".to_owned(), "DEVBOX".to_owned()],
        (0..101).map(|i| format!("host{i}")).collect(),
    ] {
        let mut settings = Settings::default();
        settings.remote.refused_hosts = bad.clone();
        let refused = file.save(&settings);
        assert!(
            matches!(refused, Err(Error::Invalid(_))),
            "{bad:?} was accepted"
        );
    }
    assert!(!file.path().exists(), "nothing invalid was written");
}

#[test]
fn phone_choices_default_to_unanswered_and_their_wait_is_checked() {
    let (_dir, file) = file();
    let defaults = Settings::default().phone;
    assert_eq!(defaults.escalate, PhoneEscalate::Unanswered);
    assert!(
        !defaults.high_risk_approvable,
        "high risk is approved at the desk by default"
    );
    for (secs, valid) in [
        (0, false),
        (1, true),
        (MAX_PHONE_UNANSWERED_SECS, true),
        (MAX_PHONE_UNANSWERED_SECS + 1, false),
    ] {
        let mut settings = Settings::default();
        settings.phone.unanswered_secs = secs;
        assert_eq!(settings.validate().is_ok(), valid, "{secs} seconds");
    }
    let settings = Settings {
        phone: PhoneSettings {
            escalate: PhoneEscalate::LockedOrIdle,
            unanswered_secs: 30,
            idle_minutes: 5,
            high_risk_approvable: true,
        },
        ..Settings::default()
    };
    file.save(&settings).unwrap();
    assert_eq!(file.load().settings.phone, settings.phone);
}
