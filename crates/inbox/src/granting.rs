//! Grants as the inbox keeps them: what a person picks on a card ([`GrantSpec`]), the
//! grant as stored and listed ([`GrantRecord`]), and what a request says that a grant can
//! match on (its shell command, its directory). The matching itself is `crates/grants`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{ApprovalRequest, Millis, Resolver};

/// What a grant allows, as the person picked it on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GrantWhat {
    /// This exact action: the same tool with the same input, byte for byte.
    ThisAction,
    /// Shell commands that start with these words (a prefix of the request's command).
    CommandPrefix { words: Vec<String> },
    /// Any use of the request's tool; not offered for a shell.
    Tool,
}

/// For how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum GrantFor {
    QuarterHour,
    Hour,
    /// Until the agent's session ends (it is gone), and at most a day.
    Session,
}

impl GrantFor {
    pub(crate) fn millis(self) -> Millis {
        const MINUTE: Millis = 60_000;
        match self {
            Self::QuarterHour => 15 * MINUTE,
            Self::Hour => 60 * MINUTE,
            Self::Session => 24 * 60 * MINUTE,
        }
    }
}

/// What the person picked on a card: "approve, and allow this from now on".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GrantSpec {
    pub what: GrantWhat,
    /// Only in the request's own directory (its `cwd`) and below; else anywhere this agent
    /// works.
    pub in_project: bool,
    pub duration: GrantFor,
}

/// A grant, live or past, with how often it approved a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GrantRecord {
    pub id: String,
    pub agent_id: String,
    pub project: Option<String>,
    pub what: GrantWhat,
    pub action: String,
    /// What it allows, in the person's words ("commands starting with `git status`").
    pub label: String,
    pub from_request: String,
    #[ts(type = "number")]
    pub created_at: Millis,
    pub created_by: Resolver,
    #[ts(type = "number")]
    pub expires_at: Millis,
    pub until_session_end: bool,
    #[ts(type = "number | null")]
    pub ended_at: Option<Millis>,
    pub ended_by: Option<Resolver>,
    /// The requests it approved.
    pub uses: u32,
}

impl GrantRecord {
    pub fn is_live(&self, now: Millis) -> bool {
        self.ended_at.is_none() && now < self.expires_at
    }

    /// Where and until when, for the audit log.
    pub(crate) fn scope_text(&self) -> String {
        let place = match &self.project {
            Some(dir) => format!("agent {} in {dir}", self.agent_id),
            None => format!("agent {}", self.agent_id),
        };
        let until = crate::time::format_utc(self.expires_at);
        if self.until_session_end {
            format!("{place}, until its session ends (at the latest {until})")
        } else {
            format!("{place}, until {until}")
        }
    }
}

/// One thing a card offers to grant, with the words it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GrantOffer {
    pub what: GrantWhat,
    pub label: String,
}

/// What a request's card offers to grant: narrowest first, and the directory a grant can
/// be limited to. Nothing for a high-risk request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GrantOffers {
    pub offers: Vec<GrantOffer>,
    /// The request's own directory, when it names a plain absolute one.
    pub project: Option<String>,
}

/// How many words a command prefix offered on a card has at most.
const MAX_PREFIX_WORDS: usize = 3;

/// What the card of `request` offers: this exact action (when it has details to match: an
/// `ask` with none would match every later question of its agent, whatever its title); for
/// a plain shell command, its first one, two and three words (longest first) where the rest
/// are plain operands; for any other
/// tool, the whole tool. A command with shell operators is offered only exactly.
pub fn grant_offers(request: &ApprovalRequest) -> GrantOffers {
    if request.risk.level == crate::model::RiskLevel::High || crate::questions::is_question(request)
    {
        return GrantOffers {
            offers: Vec::new(),
            project: None,
        };
    }
    let said = what_it_says(request);
    let mut whats = Vec::new();
    if has_exact_details(request) {
        whats.push(GrantWhat::ThisAction);
    }
    match &said.command {
        Some(command) => {
            if let Some(words) = grants::command_words(command) {
                // Only a prefix that covers this very command: what follows it must be plain
                // operands (crates/grants), so `git status --short` offers no `git status`.
                for n in (1..=words.len().min(MAX_PREFIX_WORDS)).rev() {
                    if grants::prefix_covers(&words[..n], &words) {
                        whats.push(GrantWhat::CommandPrefix {
                            words: words[..n].to_vec(),
                        });
                    }
                }
            }
        }
        None => whats.push(GrantWhat::Tool),
    }
    GrantOffers {
        offers: whats
            .into_iter()
            .map(|what| GrantOffer {
                label: label(&what, request, &said),
                what,
            })
            .collect(),
        // Another machine's directory cannot be checked here (see `approve_and_grant`).
        project: said
            .cwd
            .filter(|dir| grants::is_plain_dir(dir) && request.provenance.remote.is_none()),
    }
}

/// The surfaces a person makes or revokes a grant through: never a key (it is pressed
/// without reading), a policy or the local API.
pub(crate) fn is_grant_surface(by: Resolver) -> bool {
    matches!(
        by,
        Resolver::Popover | Resolver::Window | Resolver::Notification
    )
}

/// What a request says that a grant can match on. A coding agent's hook puts the tool's
/// input first (a JSON object) and `cwd: …` on a line of its own after it (crates/cli);
/// anything else says neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Said {
    /// The shell command, when the input has a `command` string.
    pub command: Option<String>,
    pub cwd: Option<String>,
    /// The files the tool writes (`file_path`, `path`, `notebook_path`, and each edit's
    /// `file_path`), as written; `None` when one of them is not a string.
    pub paths: Option<Vec<String>>,
}

/// The input fields that name a file a tool writes (Claude Code's Edit, Write, MultiEdit,
/// NotebookEdit; Codex's and others' `path`).
const PATH_FIELDS: [&str; 3] = ["file_path", "path", "notebook_path"];

pub(crate) fn what_it_says(request: &ApprovalRequest) -> Said {
    let mut values =
        serde_json::Deserializer::from_str(&request.details).into_iter::<serde_json::Value>();
    let Some(Ok(input)) = values.next() else {
        return Said::default();
    };
    let rest = &request.details[values.byte_offset()..];
    // One `cwd:` line, or none is believed: a directory with a newline in it reads as two.
    let mut cwds = rest.lines().filter_map(|line| line.strip_prefix("cwd: "));
    let cwd = match (cwds.next(), cwds.next()) {
        (Some(dir), None) if !dir.is_empty() => Some(dir.to_owned()),
        _ => None,
    };
    Said {
        command: input
            .get("command")
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        cwd,
        paths: written_paths(&input),
    }
}

fn written_paths(input: &serde_json::Value) -> Option<Vec<String>> {
    let mut paths = Vec::new();
    let edits = input.get("edits").and_then(|e| e.as_array());
    let objects = std::iter::once(input).chain(edits.into_iter().flatten());
    for object in objects {
        for field in PATH_FIELDS {
            if let Some(value) = object.get(field) {
                paths.push(value.as_str()?.to_owned());
            }
        }
    }
    Some(paths)
}

/// The file a path reaches, with `..` and symbolic links resolved through the deepest part
/// of it that exists (a new file's directory); `None` if that cannot be known (a relative
/// path, a `..` below what exists, a name that is not UTF-8).
pub(crate) fn resolved(path: &str) -> Option<String> {
    let mut existing = std::path::PathBuf::from(path);
    if !existing.is_absolute() {
        return None;
    }
    let mut missing = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(&existing) {
            let mut reached = real;
            for name in missing.iter().rev() {
                reached.push(name);
            }
            return reached.to_str().map(str::to_owned);
        }
        let name = existing.file_name()?.to_owned();
        missing.push(name);
        if !existing.pop() {
            return None;
        }
    }
}

/// The operands of a plain `command` (its words after the program) that name something
/// that exists in `dir`, resolved through `..` and symbolic links; `None` if one cannot be
/// resolved. A command that is not plain words has none: no grant covers it anyway.
pub(crate) fn existing_operands(command: &str, dir: &str) -> Option<Vec<String>> {
    let Some(words) = grants::command_words(command) else {
        return Some(Vec::new());
    };
    let mut found = Vec::new();
    for word in words.iter().skip(1).filter(|w| !w.starts_with('-')) {
        let path = std::path::Path::new(dir).join(word);
        if path.symlink_metadata().is_ok() {
            found.push(resolved(path.to_str()?)?);
        }
    }
    Some(found)
}

/// Whether an exact grant of `request` would name something: its details, which an exact
/// grant matches byte for byte. Without any, it would match every later request of the same
/// action, whatever it asked.
pub(crate) fn has_exact_details(request: &ApprovalRequest) -> bool {
    !request.details.trim().is_empty()
}

/// How much of the details an exact grant's words quote.
const QUOTED_CHARS: usize = 80;

/// The card's and the grant list's words for what a grant allows: the exact command or
/// details it matches, and for the widest, that it takes whatever the request says.
pub(crate) fn label(what: &GrantWhat, request: &ApprovalRequest, said: &Said) -> String {
    let action = &request.action;
    match what {
        GrantWhat::ThisAction => match &said.command {
            Some(command) => format!("exactly `{command}`"),
            None => {
                let details = request.details.trim();
                let mut quoted: String = details.chars().take(QUOTED_CHARS).collect();
                if quoted.len() < details.len() {
                    quoted.push('…');
                }
                format!("exactly this {action} request: “{quoted}”")
            }
        },
        GrantWhat::CommandPrefix { words } => {
            format!(
                "{action} commands starting with `{}`, then only plain arguments",
                words.join(" ")
            )
        }
        GrantWhat::Tool => format!("any {action} request, whatever it asks"),
    }
}
