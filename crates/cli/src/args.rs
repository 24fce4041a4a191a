//! Command-line arguments, parsed by hand: no parser dependency, for a small, fast binary.

pub const USAGE: &str = "usage:
  ctray ask TITLE [--details TEXT|-] [--agent NAME] [--action NAME]
                  [--timeout 5m] [--on-timeout deny|fallback] [--key KEY] [--json]
      waits for a person to decide in Converge Tray; exits 0 approved, 1 denied
      (reason on stderr), 2 timed out, 3 app not running or not reachable. With --key
      (unique per question), a lost connection is retried for 30 s and finds the same
      request again, and asking again with the same key never makes a second card
  ctray status TEXT [--agent NAME] [--state working|idle|done|error|waiting-for-input]
  ctray agents [--json]
  ctray pending [--json]
  ctray audit verify [--json]
      checks the audit log's hash chain (reads only); exits 0 intact, 1 broken
  ctray jobs [--json]
      the Converge jobs defined in the app's jobs.toml, then recent runs
  ctray job start JOB_ID
      starts a Converge job in the app; its gates wait for you in the tray
  ctray hook claude|codex|qwen|copilot|cursor|opencode [--timeout 5m]
             [--on-timeout fallback|deny] [--event NAME]
      the hook program of Claude Code, Codex, Qwen Code, Copilot CLI, Cursor and
      OpenCode (reads the hook's JSON on stdin; for Codex's notify, the JSON is the last
      argument; --event names a Copilot event its input does not name); prints the
      decision, or nothing
  ctray install claude|codex|qwen|copilot|cursor|opencode [--timeout 5m]
      adds ctray's hooks to ~/.claude/settings.json, ~/.codex/hooks.json and
      ~/.codex/config.toml, ~/.qwen/settings.json, ~/.copilot/hooks/ctray.json or
      ~/.cursor/hooks.json, or writes OpenCode's plugin ~/.config/opencode/plugin/ctray.js,
      keeping a backup of each file it changes
  ctray uninstall claude|codex|qwen|copilot|cursor|opencode
      removes exactly what install added
  ctray remote setup HOST [--write] [--config FILE] [--remote-home DIR]
      the ~/.ssh/config lines that carry Converge Tray's socket to HOST on every ssh
      connection, so ctray and agents' hooks there ask here (docs/remote.md); printed, or
      added with a backup with --write. Asks HOST through ssh for its home directory
  ctray remote remove HOST [--config FILE]
      takes out what remote setup --write added, with a backup
  ctray --version";

const HOOK_HOSTS: &str = "hook takes claude, codex, qwen, copilot, cursor or opencode";

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Ask(Ask),
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

use std::path::PathBuf;

use crate::hook::{HookOptions, Host, DEFAULT_TIMEOUT_MS};
use crate::remote_setup::RemoteSetup;

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

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Err("no command".into());
    };
    let mut positional = Vec::new();
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" | "--write" => options.push((arg, None)),
            "--details" | "--agent" | "--action" | "--timeout" | "--on-timeout" | "--state"
            | "--event" | "--key" | "--config" | "--remote-home" => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                options.push((arg, Some(value)));
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => positional.push(arg),
        }
    }
    let mut take = |name: &str| -> Option<String> {
        let index = options.iter().position(|(n, _)| n == name)?;
        Some(options.remove(index).1.unwrap_or_default())
    };
    let json = take("--json").is_some();
    let command = match command.as_str() {
        "-h" | "--help" | "help" => Command::Help,
        "-V" | "--version" | "version" => Command::Version,
        "ask" => {
            let [title] = positional.as_slice() else {
                return Err("ask takes one TITLE (quote it)".into());
            };
            let timeout_ms = take("--timeout").map(|t| parse_duration(&t)).transpose()?;
            let on_timeout = take("--on-timeout");
            if let Some(value) = &on_timeout {
                if value != "deny" && value != "fallback" {
                    return Err(format!("--on-timeout is deny or fallback, not {value:?}"));
                }
            }
            Command::Ask(Ask {
                title: title.clone(),
                details: take("--details"),
                agent: take("--agent"),
                action: take("--action").unwrap_or_else(|| "ask".into()),
                timeout_ms,
                on_timeout,
                key: take("--key"),
                json,
            })
        }
        "status" => {
            let [text] = positional.as_slice() else {
                return Err("status takes one TEXT (quote it)".into());
            };
            Command::Status(Status {
                text: text.clone(),
                agent: take("--agent"),
                state: take("--state"),
            })
        }
        "hook" => {
            let (host, notify_payload) = match positional.as_slice() {
                [host] => (host, None),
                [host, payload] => (host, Some(payload.clone())),
                _ => return Err(HOOK_HOSTS.into()),
            };
            let host = Host::parse(host).ok_or(HOOK_HOSTS)?;
            let timeout_ms = take("--timeout")
                .map(|t| parse_duration(&t))
                .transpose()?
                .unwrap_or(DEFAULT_TIMEOUT_MS);
            let on_timeout_deny = match take("--on-timeout").as_deref() {
                None | Some("fallback") => false,
                Some("deny") => true,
                Some(other) => {
                    return Err(format!("--on-timeout is deny or fallback, not {other:?}"))
                }
            };
            Command::Hook(HookOptions {
                host,
                timeout_ms,
                on_timeout_deny,
                notify_payload,
                event: take("--event"),
            })
        }
        "install" | "uninstall" => {
            let [host] = positional.as_slice() else {
                return Err(format!(
                    "{command} takes claude, codex, qwen, copilot, cursor or opencode"
                ));
            };
            let host = Host::parse(host).ok_or(format!(
                "{command} takes claude, codex, qwen, copilot, cursor or opencode"
            ))?;
            if command == "uninstall" {
                Command::Uninstall { host }
            } else {
                let timeout_ms = take("--timeout")
                    .map(|t| parse_duration(&t))
                    .transpose()?
                    .unwrap_or(DEFAULT_TIMEOUT_MS);
                Command::Install { host, timeout_ms }
            }
        }
        "jobs" if positional.is_empty() => Command::Jobs { json },
        "job" => match positional.as_slice() {
            [verb, job_id] if verb == "start" => Command::StartJob {
                job_id: job_id.clone(),
            },
            _ => return Err("job takes: start JOB_ID".into()),
        },
        "remote" => match positional.as_slice() {
            [verb, host] if verb == "setup" => Command::RemoteSetup(RemoteSetup {
                host: host.clone(),
                write: take("--write").is_some(),
                config: take("--config").map(PathBuf::from),
                remote_home: take("--remote-home"),
            }),
            [verb, host] if verb == "remove" => Command::RemoteRemove {
                host: host.clone(),
                config: take("--config").map(PathBuf::from),
            },
            _ => return Err("remote takes: setup HOST, or remove HOST".into()),
        },
        "agents" if positional.is_empty() => Command::Agents { json },
        "pending" if positional.is_empty() => Command::Pending { json },
        "audit" => match positional.as_slice() {
            [verb] if verb == "verify" => Command::VerifyAudit { json },
            _ => return Err("audit takes: verify".into()),
        },
        other => return Err(format!("unknown command or arguments: {other}")),
    };
    if let Some((name, _)) = options.first() {
        return Err(format!("{name} does not apply to {command:?}"));
    }
    Ok(command)
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
    Ok(number * seconds * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from))
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
        assert!(parse_str("hook gemini").is_err());
        assert!(parse_str("install").is_err());
    }

    #[test]
    fn parses_hooks_and_installs() {
        assert_eq!(
            parse_str("hook claude --timeout 10m").unwrap(),
            Command::Hook(HookOptions {
                host: Host::Claude,
                timeout_ms: 600_000,
                on_timeout_deny: false,
                notify_payload: None,
                event: None,
            })
        );
        assert_eq!(
            parse_str("hook copilot --event sessionStart").unwrap(),
            Command::Hook(HookOptions {
                host: Host::Copilot,
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
        assert_eq!(codex.host, Host::Codex);
        assert_eq!(
            codex.notify_payload.as_deref(),
            Some(r#"{"type": "agent-turn-complete"}"#)
        );
        assert_eq!(
            parse_str("install codex").unwrap(),
            Command::Install {
                host: Host::Codex,
                timeout_ms: DEFAULT_TIMEOUT_MS
            }
        );
        assert_eq!(
            parse_str("uninstall claude").unwrap(),
            Command::Uninstall { host: Host::Claude }
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
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(90_000));
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000));
        assert!(parse_duration("5 min").is_err());
    }
}
