//! What `ctray help`, `ctray help COMMAND` and `ctray COMMAND --help` print, from one
//! table: the overview lists every command's usage lines and summary, a command's own page
//! adds its options. Written once, so the overview and the pages cannot drift apart, and
//! the option names here are the ones the parser accepts (`Topic::option_names`).

use crate::agents::Host;

pub struct Topic {
    /// The command as typed: `ask`.
    pub name: &'static str,
    /// Its forms: usage lines and what each does. Continuation lines of a usage are
    /// indented relative to its `ctray`.
    pub forms: &'static [Form],
    /// Each option as it is written, and what it does (continuation lines start afresh).
    pub options: &'static [(&'static str, &'static str)],
    /// The rest of its own page: exit status, notes, an example.
    pub more: &'static str,
}

pub struct Form {
    pub usage: &'static str,
    pub summary: &'static str,
}

/// Every command, in the order the overview lists them.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "ask",
        forms: &[Form {
            usage: "ctray ask TITLE [--details TEXT|-] [--agent NAME] [--action NAME]\n\
                    \x20               [--timeout 5m] [--on-timeout deny|fallback] [--key KEY] [--json]",
            summary: "waits for a person to decide in Converge Tray; exits 0 approved, 1 denied\n\
                      (reason on stderr), 2 timed out, 3 app not running or not reachable. With --key\n\
                      (unique per question), a lost connection is retried for 30 s and finds the same\n\
                      request again, and asking again with the same key never makes a second card.\n\
                      Ctrl-C withdraws the request from the tray and exits 130",
        }],
        options: &[
            ("--details TEXT", "what the person reads under the title, shown as it is"),
            ("--details -", "reads the details from stdin"),
            (
                "--agent NAME",
                "the agent the request shows under (default: the program that\nran ctray)",
            ),
            (
                "--action NAME",
                "the action's machine name, for the app's rules and the audit\nlog (default: ask)",
            ),
            (
                "--timeout DURATION",
                "how long the person has: 90s, 5m, 2h or 1d, from 1 s to\n\
                 7 days (default: the app's setting)",
            ),
            (
                "--on-timeout deny|fallback",
                "what a timeout stands for in the app's records: deny, or\n\
                 fallback (the caller decides by itself); ctray exits 2 either way",
            ),
            (
                "--key KEY",
                "unique per question: asking again with it finds the same\nrequest",
            ),
            ("--json", "prints the decided request as JSON on stdout"),
        ],
        more: "exit status: 0 approved, 1 denied or cancelled, 2 timed out, 3 Converge Tray not\n\
               running or not reachable, 64 a mistake in the command, 130 interrupted (Ctrl-C\n\
               withdraws the request from the tray first)\n\
               \n\
               example:\n\
               \x20 ctray ask \"Deploy 2.4.1 to production?\" --details \"$(git log -1 --oneline)\" \\\n\
               \x20     --timeout 10m && ./deploy.sh",
    },
    Topic {
        name: "status",
        forms: &[Form {
            usage: "ctray status [TEXT [--agent NAME] [--state working|idle|done|error|waiting-for-input]]",
            summary: "with no TEXT: whether Converge Tray is running, its agents and how many are\n\
                      working, and how many approvals wait (exits 3 when it is not running); with\n\
                      TEXT: tells the tray what this script is doing now, as an agent of its own",
        }],
        options: &[
            (
                "--agent NAME",
                "the agent to report as (default: the program that ran\nctray)",
            ),
            (
                "--state STATE",
                "working, idle, done, error or waiting-for-input",
            ),
        ],
        more: "examples:\n\
               \x20 ctray status\n\
               \x20 ctray status \"compiling\" --agent nightly --state working",
    },
    Topic {
        name: "agents",
        forms: &[Form {
            usage: "ctray agents [--json]",
            summary: "the agents the tray knows: state, approvals waiting, when last heard from,\n\
                      what they last did",
        }],
        options: &[(
            "--json",
            "one JSON object per agent and line, for scripts (the table is for people\n\
             and may change)",
        )],
        more: "",
    },
    Topic {
        name: "pending",
        forms: &[Form {
            usage: "ctray pending [--json]",
            summary: "the approvals waiting for a decision, oldest first: id, agent, when asked, title",
        }],
        options: &[(
            "--json",
            "one JSON object per request and line, for scripts (the table is for people\n\
             and may change)",
        )],
        more: "",
    },
    Topic {
        name: "audit",
        forms: &[Form {
            usage: "ctray audit verify [--json]",
            summary: "checks the audit log's hash chain (reads only); exits 0 intact, 1 broken",
        }],
        options: &[("--json", "prints the report as JSON")],
        more: "",
    },
    Topic {
        name: "jobs",
        forms: &[Form {
            usage: "ctray jobs [--json]",
            summary: "the Converge jobs defined in the app's jobs.toml, then recent runs",
        }],
        options: &[("--json", "prints the jobs and runs as JSON")],
        more: "",
    },
    Topic {
        name: "job",
        forms: &[Form {
            usage: "ctray job start JOB_ID",
            summary: "starts a Converge job in the app; its gates wait for you in the tray",
        }],
        options: &[],
        more: "",
    },
    Topic {
        name: "hook",
        forms: &[Form {
            usage: "ctray hook AGENT [--timeout 5m] [--on-timeout fallback|deny] [--event NAME]",
            summary: "the hook program of each agent ctray install sets up (reads the hook's JSON on\n\
                      stdin; for Codex's notify, the JSON is the last argument; --event names a Copilot\n\
                      event its input does not name); prints the decision, or nothing\n\
                      {agents}",
        }],
        options: &[
            (
                "--timeout DURATION",
                "how long the person has to decide, from 1 s to 7 days\n(default 5 min)",
            ),
            (
                "--on-timeout fallback|deny",
                "fallback (default): print nothing, so the agent asks in\n\
                 its own prompt; deny: a timeout is a deny",
            ),
            (
                "--event NAME",
                "the event, for a Copilot CLI hook whose input does not\nname it",
            ),
        ],
        more: "A hook never fails its agent: when it has no decision to pass on it prints\n\
               nothing and exits 0 (CTRAY_DEBUG=1 says why on stderr). ctray install writes\n\
               these hooks into the agents' settings for you.",
    },
    Topic {
        name: "install",
        forms: &[Form {
            usage: "ctray install AGENT [--timeout 5m]",
            summary: "adds ctray's hooks to the agent's own settings (~/.claude/settings.json, …;\n\
                      docs/integrations.md lists each agent's files), keeping a backup of each file as it\n\
                      was before the first install\n\
                      {agents}",
        }],
        options: &[(
            "--timeout DURATION",
            "how long an approval waits for you in the tray before the\n\
             agent asks in its own prompt, from 1 s to 7 days (default\n\
             5 min)",
        )],
        more: "The hooks run this very ctray, by its absolute path: install from where ctray\n\
               stays (~/.local/bin/ctray, /usr/bin/ctray), not from a build directory that\n\
               cargo clean empties. Installing again replaces ctray's hooks and keeps the one\n\
               backup. CLAUDE_CONFIG_DIR, CODEX_HOME, COPILOT_HOME and XDG_CONFIG_HOME are\n\
               honoured as the agents honour them.",
    },
    Topic {
        name: "uninstall",
        forms: &[Form {
            usage: "ctray uninstall AGENT",
            summary: "removes exactly what install added; a file you have not changed since is\n\
                      given back byte for byte from its backup",
        }],
        options: &[],
        more: "",
    },
    Topic {
        name: "remote",
        forms: &[
            Form {
                usage: "ctray remote setup HOST [--write] [--config FILE] [--remote-home DIR]",
                summary: "the ~/.ssh/config lines that carry Converge Tray's socket to HOST on every ssh\n\
                          connection, so ctray and agents' hooks there ask here (docs/remote.md); printed, or\n\
                          added with a backup with --write. Asks HOST through ssh for its home directory",
            },
            Form {
                usage: "ctray remote remove HOST [--config FILE]",
                summary: "takes out what remote setup --write added, with a backup",
            },
        ],
        options: &[
            (
                "--write",
                "adds the lines to the file (with a backup) instead of\nprinting them",
            ),
            (
                "--config FILE",
                "the ssh config to read and change (default ~/.ssh/config)",
            ),
            (
                "--remote-home DIR",
                "HOST's home directory, when ssh cannot ask HOST for it",
            ),
        ],
        more: "",
    },
    Topic {
        name: "help",
        forms: &[Form {
            usage: "ctray help [COMMAND]",
            summary: "this overview, or a command's own usage and options (so does\n\
                      ctray COMMAND --help)",
        }],
        options: &[],
        more: "",
    },
    Topic {
        name: "version",
        forms: &[Form {
            usage: "ctray --version",
            summary: "ctray's version and the commit it was built from",
        }],
        options: &[],
        more: "",
    },
];

/// How wide a command's page is laid out: a terminal's usual 80 columns.
const PAGE_WIDTH: usize = 80;

/// Where a summary says which agents there are: a line of its own, filled in from
/// `agents::ALL`.
const AGENTS_LINE: &str = "{agents}";

/// A summary as printed: its agents' line filled in and wrapped.
fn summary_lines(summary: &str) -> Vec<String> {
    summary
        .lines()
        .flat_map(|line| {
            if line == AGENTS_LINE {
                let agents = format!("AGENT is {}", Host::names_spoken());
                wrap(&agents, PAGE_WIDTH - 6)
            } else {
                vec![line.to_owned()]
            }
        })
        .collect()
}

/// What every command's options end with.
const HELP_OPTION: (&str, &str) = ("-h, --help", "prints this help");

/// The commands' names, for "did you mean".
pub fn command_names() -> Vec<&'static str> {
    TOPICS.iter().map(|topic| topic.name).collect()
}

pub fn find(name: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|topic| topic.name == name)
}

impl Topic {
    /// The options this command takes, as typed (`--timeout`), help excluded.
    pub fn option_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for (written, _) in self.options {
            let name = written.split(' ').next().unwrap_or(written);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// `usage: …` for every form, and where the rest is: what a mistake in this command
    /// is answered with.
    pub fn hint(&self) -> String {
        let mut out = String::new();
        for form in self.forms {
            out.push_str(&usage_lines(form.usage, "usage: "));
        }
        out.push_str(&format!("(ctray {} --help says more)", self.name));
        out
    }

    /// The command's own page: its usage, what it does, its options, and the rest.
    pub fn page(&self) -> String {
        let mut out = String::new();
        for form in self.forms {
            out.push_str(&usage_lines(form.usage, "usage: "));
        }
        for form in self.forms {
            out.push('\n');
            for line in summary_lines(form.summary) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        let options: Vec<(&str, &str)> =
            self.options.iter().copied().chain([HELP_OPTION]).collect();
        let width = options
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        out.push_str("\noptions:\n");
        for (name, what) in options {
            let lines = wrap(what, PAGE_WIDTH.saturating_sub(width + 4).max(30));
            for (i, line) in lines.iter().enumerate() {
                let name = if i == 0 { name } else { "" };
                out.push_str(&format!("  {name:<width$}  {line}\n"));
            }
        }
        if !self.more.is_empty() {
            out.push('\n');
            out.push_str(self.more);
            out.push('\n');
        }
        out.trim_end().to_owned()
    }
}

/// The commands in a line, with where the rest is: what an unknown command is answered
/// with (the full overview would push the message itself off the screen).
pub fn commands() -> String {
    let names: Vec<&str> = TOPICS
        .iter()
        .map(|topic| match topic.name {
            "version" => "--version",
            name => name,
        })
        .collect();
    format!(
        "usage: ctray COMMAND [ARGUMENTS]\n{}\n(ctray help shows each one's usage)",
        wrap(&format!("commands: {}", names.join(", ")), PAGE_WIDTH).join("\n")
    )
}

/// Every command's usage lines and summary: what `ctray help` prints, and what a mistake
/// that names no command is answered with.
pub fn overview() -> String {
    let mut out = String::from("usage:\n");
    for topic in TOPICS {
        for form in topic.forms {
            out.push_str(&usage_lines(form.usage, "  "));
            for line in summary_lines(form.summary) {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out.push_str("run ctray COMMAND --help for a command's options");
    out
}

/// `text` in lines of at most `width` characters, broken between words but never between
/// a number and its unit ("7 days").
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(number) if number.chars().all(|c| c.is_ascii_digit()) => {
                number.push(' ');
                number.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in &words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// A usage, its first line after `prefix`, the others indented by as much.
fn usage_lines(usage: &str, prefix: &str) -> String {
    let mut out = String::new();
    for (i, line) in usage.lines().enumerate() {
        let lead = if i == 0 {
            prefix.to_owned()
        } else {
            " ".repeat(prefix.len())
        };
        out.push_str(&format!("{lead}{line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_page_with_its_usage_and_options() {
        for topic in TOPICS {
            let page = topic.page();
            assert!(
                page.starts_with(&format!("usage: ctray {}", topic.name))
                    || topic.name == "version",
                "{page}"
            );
            assert!(page.contains("-h, --help"), "{page}");
            for name in topic.option_names() {
                assert!(page.contains(name), "{}: {name}", topic.name);
            }
        }
        let ask = find("ask").unwrap().page();
        assert!(ask.contains("  --timeout DURATION"), "{ask}");
        assert!(
            ask.contains("usage: ctray ask TITLE [--details TEXT|-]")
                && ask.contains("\n                       [--timeout 5m]"),
            "continuation lines stay under the command: {ask}"
        );
    }

    #[test]
    fn option_lines_fit_a_terminal() {
        for topic in TOPICS {
            let page = topic.page();
            let options = page.split("\noptions:\n").nth(1).unwrap();
            for line in options.lines().take_while(|l| l.starts_with("  ")) {
                assert!(line.chars().count() <= 80, "{}: {line:?}", topic.name);
            }
        }
    }

    #[test]
    fn the_overview_lists_every_form() {
        let overview = overview();
        assert!(overview.starts_with("usage:\n  ctray ask TITLE"));
        for topic in TOPICS {
            for form in topic.forms {
                let first = form.usage.lines().next().unwrap();
                assert!(overview.contains(first), "{first}");
            }
        }
    }

    #[test]
    fn option_names_are_the_words_the_parser_takes() {
        assert_eq!(
            find("ask").unwrap().option_names(),
            [
                "--details",
                "--agent",
                "--action",
                "--timeout",
                "--on-timeout",
                "--key",
                "--json"
            ]
        );
        assert!(find("job").unwrap().option_names().is_empty());
    }
}
