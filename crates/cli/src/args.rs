//! Command-line arguments, parsed by hand: no parser dependency, for a small, fast binary.
//! What each command takes is written once, in `help::TOPICS`; a mistake is answered with
//! what was probably meant (`suggest`) and that command's usage.

use std::path::PathBuf;

use protocol::limits::{MAX_TIMEOUT_MS, MIN_TIMEOUT_MS};

use crate::agents::Host;
use crate::durations::spoken;
use crate::help::{self, Topic};
use crate::hook::{HookOptions, DEFAULT_TIMEOUT_MS};
use crate::remote_setup::RemoteSetup;
use crate::suggest::did_you_mean;

/// Options that take a value: the word after them is that value, whatever it looks like
/// (`--details -h` is details, not a call for help).
const VALUE_OPTIONS: &[&str] = &[
    "--details",
    "--agent",
    "--action",
    "--timeout",
    "--on-timeout",
    "--state",
    "--event",
    "--key",
    "--config",
    "--remote-home",
];

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// The overview, or one command's page.
    Help(Option<&'static str>),
    Version,
    Ask(Ask),
    /// `status` with no text: how the app is.
    AppStatus,
    Status(Status),
    Agents {
        json: bool,
    },
    Pending {
        json: bool,
    },
    VerifyAudit {
        json: bool,
    },
    Jobs {
        json: bool,
    },
    StartJob {
        job_id: String,
    },
    Hook(HookOptions),
    Install {
        host: Host,
        timeout_ms: i64,
    },
    Uninstall {
        host: Host,
    },
    RemoteSetup(RemoteSetup),
    RemoteRemove {
        host: String,
        config: Option<PathBuf>,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub struct Ask {
    pub title: String,
    pub details: Option<String>,
    pub agent: Option<String>,
    pub action: String,
    pub timeout_ms: Option<i64>,
    pub on_timeout: Option<String>,
    /// The idempotency key: the same question asked again finds its request.
    pub key: Option<String>,
    pub json: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub agent: Option<String>,
    pub state: Option<String>,
}

/// A mistake in the arguments: what is wrong, and what usage to show after it.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    pub usage: Usage,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Usage {
    /// No command at all: the whole overview.
    Overview,
    /// An unknown command: the commands in a line.
    Commands,
    /// A mistake in this command: its own usage.
    Of(&'static Topic),
}

impl UsageError {
    fn new(message: impl Into<String>, usage: Usage) -> Self {
        Self {
            message: message.into(),
            usage,
        }
    }

    /// The usage to print after the message.
    pub fn hint(&self) -> String {
        match self.usage {
            Usage::Overview => help::overview(),
            Usage::Commands => help::commands(),
            Usage::Of(topic) => topic.hint(),
        }
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl PartialEq for Topic {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Topic {}

impl std::fmt::Debug for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Topic({})", self.name)
    }
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Err(UsageError::new("no command", Usage::Overview));
    };
    let name = match command.as_str() {
        "-h" | "--help" | "help" => {
            return match (args.next(), args.next()) {
                (None, _) => Ok(Command::Help(None)),
                (Some(about), None) => {
                    topic(canonical(&about)).map(|t| Command::Help(Some(t.name)))
                }
                (Some(_), Some(extra)) => Err(UsageError::new(
                    format!("help takes one COMMAND, not also {extra:?}"),
                    help::find("help").map_or(Usage::Commands, Usage::Of),
                )),
            };
        }
        other => canonical(other),
    };
    let topic = topic(name)?;
    let fail = |message: String| UsageError::new(message, Usage::Of(topic));
    let mut positional = Vec::new();
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help(Some(topic.name))),
            flag if flag.starts_with("--") => {
                if !topic.option_names().contains(&flag) {
                    return Err(fail(if known_anywhere(flag) {
                        format!("{flag} does not apply to {}", topic.name)
                    } else {
                        format!(
                            "unknown option {flag}{}",
                            did_you_mean(flag, &topic.option_names())
                        )
                    }));
                }
                if options.has(flag) {
                    return Err(fail(format!("{flag} is given more than once")));
                }
                let value = if VALUE_OPTIONS.contains(&flag) {
                    Some(
                        args.next()
                            .ok_or_else(|| fail(format!("{flag} needs a value")))?,
                    )
                } else {
                    None
                };
                options.0.push((arg, value));
            }
            _ => positional.push(arg),
        }
    }
    let json = options.take("--json").is_some();
    let command = match topic.name {
        "help" => unreachable!("help is answered above"),
        // `ctray --version` has always ignored what follows it.
        "version" => Command::Version,
        "ask" => {
            let [title] = positional.as_slice() else {
                return Err(fail("ask takes one TITLE (quote it)".into()));
            };
            let timeout_ms = options
                .take("--timeout")
                .map(|t| parse_timeout(&t))
                .transpose()
                .map_err(fail)?;
            let on_timeout = options.take("--on-timeout");
            if let Some(value) = &on_timeout {
                if value != "deny" && value != "fallback" {
                    return Err(fail(format!(
                        "--on-timeout is deny or fallback, not {value:?}"
                    )));
                }
            }
            Command::Ask(Ask {
                title: title.clone(),
                details: options.take("--details"),
                agent: options.take("--agent"),
                action: options.take("--action").unwrap_or_else(|| "ask".into()),
                timeout_ms,
                on_timeout,
                key: options.take("--key"),
                json,
            })
        }
        "status" => match positional.as_slice() {
            [] if options.0.is_empty() => Command::AppStatus,
            [] => {
                return Err(fail(
                    "--agent and --state go with a TEXT (ctray status TEXT --state working); \
                     with nothing, status tells how the app is"
                        .into(),
                ))
            }
            [text] => Command::Status(Status {
                text: text.clone(),
                agent: options.take("--agent"),
                state: options.take("--state"),
            }),
            _ => return Err(fail("status takes one TEXT (quote it)".into())),
        },
        "hook" => {
            let (host, notify_payload) = match positional.as_slice() {
                [host] => (host, None),
                [host, payload] => (host, Some(payload.clone())),
                _ => return Err(fail(format!("hook takes {}", Host::names_spoken()))),
            };
            let host = agent(host, topic)?;
            let timeout_ms = options
                .take("--timeout")
                .map(|t| parse_timeout(&t))
                .transpose()
                .map_err(fail)?
                .unwrap_or(DEFAULT_TIMEOUT_MS);
            let on_timeout_deny = match options.take("--on-timeout").as_deref() {
                None | Some("fallback") => false,
                Some("deny") => true,
                Some(other) => {
                    return Err(fail(format!(
                        "--on-timeout is deny or fallback, not {other:?}"
                    )))
                }
            };
            Command::Hook(HookOptions {
                host,
                timeout_ms,
                on_timeout_deny,
                notify_payload,
                event: options.take("--event"),
            })
        }
        "install" | "uninstall" => {
            let [host] = positional.as_slice() else {
                return Err(fail(format!(
                    "{} takes {}",
                    topic.name,
                    Host::names_spoken()
                )));
            };
            let host = agent(host, topic)?;
            if topic.name == "uninstall" {
                Command::Uninstall { host }
            } else {
                let timeout_ms = options
                    .take("--timeout")
                    .map(|t| parse_timeout(&t))
                    .transpose()
                    .map_err(fail)?
                    .unwrap_or(DEFAULT_TIMEOUT_MS);
                Command::Install { host, timeout_ms }
            }
        }
        "jobs" if positional.is_empty() => Command::Jobs { json },
        "job" => match positional.as_slice() {
            [verb, job_id] if verb == "start" => Command::StartJob {
                job_id: job_id.clone(),
            },
            [verb, ..] if verb != "start" => {
                return Err(fail(sub_command_error("job", verb, &["start"])))
            }
            _ => return Err(fail("job takes: start JOB_ID".into())),
        },
        "remote" => match positional.as_slice() {
            [verb, host] if verb == "setup" => Command::RemoteSetup(RemoteSetup {
                host: host.clone(),
                write: options.take("--write").is_some(),
                config: options.take("--config").map(PathBuf::from),
                remote_home: options.take("--remote-home"),
            }),
            [verb, host] if verb == "remove" => {
                if let Some(only_for_setup) = ["--write", "--remote-home"]
                    .into_iter()
                    .find(|o| options.has(o))
                {
                    return Err(fail(format!(
                        "{only_for_setup} does not apply to remote remove"
                    )));
                }
                Command::RemoteRemove {
                    host: host.clone(),
                    config: options.take("--config").map(PathBuf::from),
                }
            }
            [verb, ..] if verb != "setup" && verb != "remove" => {
                return Err(fail(sub_command_error(
                    "remote",
                    verb,
                    &["setup", "remove"],
                )))
            }
            _ => return Err(fail("remote takes: setup HOST, or remove HOST".into())),
        },
        "agents" | "pending" | "jobs" if !positional.is_empty() => {
            return Err(fail(format!(
                "{} takes no argument, not {:?}",
                topic.name, positional[0]
            )))
        }
        "agents" => Command::Agents { json },
        "pending" => Command::Pending { json },
        "audit" => match positional.as_slice() {
            [verb] if verb == "verify" => Command::VerifyAudit { json },
            [verb] => return Err(fail(sub_command_error("audit", verb, &["verify"]))),
            _ => return Err(fail("audit takes: verify".into())),
        },
        other => unreachable!("{other} is in help::TOPICS but not parsed"),
    };
    Ok(command)
}

/// The options given, each with its value if it takes one.
#[derive(Default)]
struct Options(Vec<(String, Option<String>)>);

impl Options {
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// The option's value (empty for a flag), if it was given.
    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(index).1.unwrap_or_default())
    }
}

/// A command's name for its other spellings (`--version`).
fn canonical(name: &str) -> &str {
    match name {
        "-V" | "--version" => "version",
        other => other,
    }
}

/// The help topic of a command as typed, or why there is none (with what was meant).
fn topic(name: &str) -> Result<&'static Topic, UsageError> {
    help::find(name).ok_or_else(|| {
        UsageError::new(
            format!(
                "unknown command {name:?}{}",
                did_you_mean(name, &help::command_names())
            ),
            Usage::Commands,
        )
    })
}

fn agent(name: &str, topic: &'static Topic) -> Result<Host, UsageError> {
    Host::parse(name).ok_or_else(|| {
        UsageError::new(
            format!(
                "unknown agent {name:?}{}; {} takes {}",
                did_you_mean(name, &Host::every_name()),
                topic.name,
                Host::names_spoken()
            ),
            Usage::Of(topic),
        )
    })
}

fn sub_command_error(command: &str, typed: &str, verbs: &[&str]) -> String {
    format!(
        "{command} has no {typed:?}{}; it takes {}",
        did_you_mean(typed, verbs),
        verbs.join(" or ")
    )
}

/// An option some command takes, if not this one.
fn known_anywhere(flag: &str) -> bool {
    help::TOPICS
        .iter()
        .any(|topic| topic.option_names().contains(&flag))
}

/// A `--timeout` the app accepts: a duration (`parse_duration`) from 1 s to 7 days, said
/// in those words when it is not, before anything is asked or written (a hook installed
/// with a timeout the app refuses would never bring a question to the tray).
pub fn parse_timeout(text: &str) -> Result<i64, String> {
    let ms = parse_duration(text)?;
    if ms < MIN_TIMEOUT_MS {
        return Err(format!(
            "invalid timeout {text}: the shortest is {}",
            spoken(MIN_TIMEOUT_MS)
        ));
    }
    if ms > MAX_TIMEOUT_MS {
        return Err(format!(
            "invalid timeout {text} ({}): a request waits at most {}",
            spoken(ms),
            spoken(MAX_TIMEOUT_MS)
        ));
    }
    Ok(ms)
}

/// `90`, `90s`, `5m`, `2h`, `1d` → milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a duration like 90s, 5m or 1h");
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let number: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    number
        .checked_mul(seconds * 1000)
        .ok_or_else(|| format!("{text:?} is longer than ctray can count"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from)).map_err(|e| e.message)
    }

    #[test]
    fn parses_an_ask() {
        let Command::Ask(ask) =
            parse_str("ask Deploy? --timeout 5m --on-timeout fallback --json").unwrap()
        else {
            panic!()
        };
        assert_eq!(ask.title, "Deploy?");
        assert_eq!(ask.timeout_ms, Some(300_000));
        assert_eq!(ask.on_timeout.as_deref(), Some("fallback"));
        assert_eq!(ask.key, None);
        assert!(ask.json);
        let Command::Ask(keyed) = parse_str("ask Migrate? --key migrate-7").unwrap() else {
            panic!()
        };
        assert_eq!(keyed.key.as_deref(), Some("migrate-7"));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        assert!(parse_str("ask").unwrap_err().contains("one TITLE"));
        assert!(parse_str("ask a b").unwrap_err().contains("one TITLE"));
        assert!(parse_str("ask t --timeout soon")
            .unwrap_err()
            .contains("not a duration"));
        assert!(parse_str("ask t --on-timeout allow")
            .unwrap_err()
            .contains("deny or fallback"));
        assert!(parse_str("ask t --approve")
            .unwrap_err()
            .contains("unknown option"));
        assert!(parse_str("agents --state idle")
            .unwrap_err()
            .contains("does not apply"));
        assert!(parse_str("decide x").is_err());
        assert!(parse_str("hook goose").is_err());
        assert!(parse_str("install").is_err());
    }

    #[test]
    fn parses_hooks_and_installs() {
        assert_eq!(
            parse_str("hook claude --timeout 10m").unwrap(),
            Command::Hook(HookOptions {
                host: Host::named("claude"),
                timeout_ms: 600_000,
                on_timeout_deny: false,
                notify_payload: None,
                event: None,
            })
        );
        assert_eq!(
            parse_str("hook copilot --event sessionStart").unwrap(),
            Command::Hook(HookOptions {
                host: Host::named("copilot"),
                timeout_ms: DEFAULT_TIMEOUT_MS,
                on_timeout_deny: false,
                notify_payload: None,
                event: Some("sessionStart".into()),
            })
        );
        let Command::Hook(codex) =
            parse(["hook", "codex", r#"{"type": "agent-turn-complete"}"#].map(String::from))
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(codex.host, Host::named("codex"));
        assert_eq!(
            codex.notify_payload.as_deref(),
            Some(r#"{"type": "agent-turn-complete"}"#)
        );
        assert_eq!(
            parse_str("install codex").unwrap(),
            Command::Install {
                host: Host::named("codex"),
                timeout_ms: DEFAULT_TIMEOUT_MS
            }
        );
        assert_eq!(
            parse_str("uninstall claude").unwrap(),
            Command::Uninstall {
                host: Host::named("claude")
            }
        );
        assert!(parse_str("uninstall claude --timeout 5m").is_err());
        assert_eq!(
            parse_str("job start travel-expense").unwrap(),
            Command::StartJob {
                job_id: "travel-expense".into()
            }
        );
        assert!(parse_str("job stop travel-expense").is_err());
        assert_eq!(
            parse_str("remote setup devbox --write --config /tmp/c").unwrap(),
            Command::RemoteSetup(RemoteSetup {
                host: "devbox".into(),
                write: true,
                config: Some("/tmp/c".into()),
                remote_home: None,
            })
        );
        assert!(parse_str("remote remove devbox --write").is_err());
        assert!(parse_str("remote setup").is_err());
        assert_eq!(
            parse_str("jobs --json").unwrap(),
            Command::Jobs { json: true }
        );
    }

    #[test]
    fn help_for_every_command_in_every_spelling() {
        assert_eq!(parse_str("help").unwrap(), Command::Help(None));
        assert_eq!(parse_str("--help").unwrap(), Command::Help(None));
        assert_eq!(parse_str("-h").unwrap(), Command::Help(None));
        assert_eq!(parse_str("help ask").unwrap(), Command::Help(Some("ask")));
        assert_eq!(parse_str("ask -h").unwrap(), Command::Help(Some("ask")));
        assert_eq!(
            parse_str("install claude --help").unwrap(),
            Command::Help(Some("install"))
        );
        assert_eq!(
            parse_str("remote setup --help").unwrap(),
            Command::Help(Some("remote"))
        );
        assert_eq!(
            parse_str("help --version").unwrap(),
            Command::Help(Some("version"))
        );
        // An option's value is never taken for a call for help.
        let Command::Ask(ask) = parse_str("ask t --details -h").unwrap() else {
            panic!()
        };
        assert_eq!(ask.details.as_deref(), Some("-h"));
        assert!(parse_str("help ask status").is_err());
    }

    #[test]
    fn status_with_no_text_is_the_apps_status() {
        assert_eq!(parse_str("status").unwrap(), Command::AppStatus);
        assert!(matches!(
            parse_str("status compiling --state working").unwrap(),
            Command::Status(Status { ref text, .. }) if text == "compiling"
        ));
        assert!(parse_str("status --state working")
            .unwrap_err()
            .contains("go with a TEXT"));
        assert!(parse_str("status --json")
            .unwrap_err()
            .contains("does not apply to status"));
    }

    #[test]
    fn says_what_was_probably_meant() {
        let error = parse(["pendng".to_owned()]).unwrap_err();
        assert_eq!(
            error.message,
            "unknown command \"pendng\" (did you mean pending?)"
        );
        assert_eq!(error.usage, Usage::Commands);
        let error = parse(["install", "claud"].map(String::from)).unwrap_err();
        assert!(error.message.contains("(did you mean claude?)"));
        assert_eq!(error.usage, Usage::Of(help::find("install").unwrap()));
        assert!(parse_str("hook qwne")
            .unwrap_err()
            .contains("(did you mean qwen?)"));
        assert!(parse_str("ask t --detials x")
            .unwrap_err()
            .contains("(did you mean --details?)"));
        assert!(parse_str("remote setpu devbox")
            .unwrap_err()
            .contains("(did you mean setup?)"));
        assert!(parse_str("job strat x")
            .unwrap_err()
            .contains("(did you mean start?)"));
        assert!(parse_str("ask t --agent a --agent b")
            .unwrap_err()
            .contains("more than once"));
        assert_eq!(
            parse(Vec::<String>::new()).unwrap_err().usage,
            Usage::Overview
        );
    }

    #[test]
    fn timeouts_the_app_refuses_are_said_in_days_and_seconds() {
        assert_eq!(parse_timeout("7d"), Ok(7 * 86_400_000));
        assert_eq!(parse_timeout("1s"), Ok(1000));
        assert_eq!(
            parse_timeout("8d").unwrap_err(),
            "invalid timeout 8d (8 days): a request waits at most 7 days"
        );
        assert_eq!(
            parse_timeout("0").unwrap_err(),
            "invalid timeout 0: the shortest is 1 s"
        );
        assert!(parse_timeout("99999999999999999d")
            .unwrap_err()
            .contains("longer than"));
        assert!(parse_str("install claude --timeout 30d").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(90_000));
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000));
        assert!(parse_duration("5 min").is_err());
    }
}
