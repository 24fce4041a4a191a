//! `ctray`: the command-line client of Converge Tray's local API (docs/protocol.md), for
//! scripts. Blocking std I/O and no async runtime, so it starts in milliseconds.

mod agents;
mod app_status;
mod args;
mod asking;
mod backup;
mod build_dir;
mod durations;
mod help;
mod hook;
mod install;
mod interrupt;
mod json_settings;
mod listing;
mod remember;
mod remote_setup;
mod suggest;
mod transcript;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use args::Command;
use asking::{Asked, Withdrawal};
use protocol::client::{Client, ClientError};
use protocol::model::{AgentKind, ApprovalRequest, Outcome};
use protocol::rpc::{code, AgentParams, AskParams, RpcError};
use serde::Serialize;
use serde_json::Value;

/// Exit codes scripts rely on.
const APPROVED: u8 = 0;
const DENIED: u8 = 1;
const TIMED_OUT: u8 = 2;
const UNAVAILABLE: u8 = 3;
const USAGE_ERROR: u8 = 64;
/// 128 + SIGINT, as a shell reports a program Ctrl-C ended.
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let as_hook = args.first().is_some_and(|command| command == "hook");
    // An agent runs its hook with the JSON on a pipe (Codex's notify: as an argument); a
    // person trying `ctray hook claud` in a terminal is told what is wrong instead.
    let person_at_terminal =
        std::io::stdin().is_terminal() && !args.iter().any(|arg| arg.starts_with('{'));
    let command = match args::parse(args) {
        Ok(command) => command,
        // A hook never fails its agent (docs/integrations.md): nothing, exit 0.
        Err(problem) if as_hook && !person_at_terminal => {
            if std::env::var_os("CTRAY_DEBUG").is_some() {
                eprintln!("ctray hook: {problem}");
            }
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("ctray: {problem}\n\n{}", problem.hint());
            return ExitCode::from(USAGE_ERROR);
        }
    };
    match run(command) {
        Ok(code) => ExitCode::from(code),
        Err(ClientError::Unavailable(why)) => {
            eprintln!("ctray: Converge Tray is not reachable ({why}); is the app running?");
            ExitCode::from(UNAVAILABLE)
        }
        Err(ClientError::Untrusted(why)) => {
            eprintln!(
                "ctray: {why}.\nNothing was sent: another user may be answering in Converge Tray's place."
            );
            ExitCode::from(UNAVAILABLE)
        }
        Err(ClientError::Rpc(error)) if error.code == code::TURNED_AWAY => {
            eprintln!("ctray: {}", printable(&error.message));
            ExitCode::from(UNAVAILABLE)
        }
        Err(ClientError::Rpc(error)) => {
            eprintln!("ctray: {}", printable(&error.message));
            ExitCode::from(USAGE_ERROR)
        }
    }
}

fn run(command: Command) -> Result<u8, ClientError> {
    match command {
        Command::Help(topic) => {
            match topic.and_then(help::find) {
                Some(topic) => println!("{}", topic.page()),
                None => println!("{}", help::overview()),
            }
            Ok(0)
        }
        Command::Version => {
            println!(
                "{}",
                build_info::version_line("ctray", env!("CARGO_PKG_VERSION"))
            );
            Ok(0)
        }
        Command::Ask(ask) => {
            let details = match ask.details {
                Some(text) if text == "-" => {
                    let mut text = String::new();
                    std::io::stdin()
                        .read_to_string(&mut text)
                        .map_err(|e| usage(format!("cannot read details from stdin: {e}")))?;
                    text
                }
                Some(text) => text,
                None => String::new(),
            };
            let (agent_id, agent_name) = agent(ask.agent);
            let params = AskParams {
                agent_name: Some(agent_name),
                agent_kind: Some(AgentKind::Script),
                action: ask.action,
                details,
                timeout_ms: ask.timeout_ms,
                on_timeout: ask.on_timeout.as_deref().map(word_to).transpose()?,
                idempotency_key: ask.key,
                ..AskParams::new(&agent_id, &ask.title)
            };
            let request = match asking::ask(&params)? {
                Asked::Answered(request) => *request,
                Asked::Lost(why) => {
                    eprintln!("ctray: {why}");
                    return Ok(UNAVAILABLE);
                }
                Asked::Interrupted(withdrawal) => {
                    report_withdrawal(&ask.title, withdrawal, ask.json);
                    return Ok(INTERRUPTED);
                }
            };
            if ask.json {
                println!("{}", to_json(&request));
            }
            Ok(outcome_code(&request))
        }
        Command::AppStatus => app_status::report(UNAVAILABLE),
        Command::Status(status) => {
            let (agent_id, agent_name) = agent(status.agent);
            let params = AgentParams {
                agent_id,
                name: Some(agent_name),
                kind: Some(AgentKind::Script),
                state: status.state.as_deref().map(word_to).transpose()?,
                activity: Some(status.text),
                usage: None,
            };
            Client::connect()?.update_agent(&params)?;
            Ok(0)
        }
        Command::Agents { json } => {
            let agents = Client::connect()?.agents()?;
            if json {
                agents
                    .iter()
                    .for_each(|agent| println!("{}", to_json(agent)));
            } else {
                println!("{}", listing::agents(&agents, durations::now_ms()));
            }
            Ok(0)
        }
        Command::Jobs { json } => {
            let overview = Client::connect()?.jobs()?;
            if json {
                println!("{}", to_json(&overview));
                return Ok(0);
            }
            if let Some(problem) = &overview.problem {
                eprintln!("ctray: {}", printable(problem));
            }
            for job in &overview.definitions {
                println!(
                    "{}\t{}\t{}",
                    printable(&job.id),
                    printable(&job.pack),
                    printable(&job.name)
                );
            }
            for run in overview.runs.iter().take(10) {
                println!(
                    "run {}\t{}\t{}\t{}",
                    printable(&run.id),
                    printable(&run.job.id),
                    word(&run.state),
                    printable(run.detail.as_deref().unwrap_or(""))
                );
            }
            Ok(0)
        }
        Command::StartJob { job_id } => {
            let started = Client::connect()?.start_job(&job_id)?;
            println!(
                "started {job_id}: run {} (agent {})",
                printable(&started.run_id),
                printable(&started.agent_id)
            );
            Ok(0)
        }
        Command::Hook(options) => {
            // A hook never fails its host: the answer, or nothing and exit 0.
            if let Some(answer) = hook::run(&options) {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(answer.as_bytes());
                let _ = stdout.flush();
            }
            Ok(0)
        }
        Command::Install { host, timeout_ms } => Ok(report(
            std::env::current_exe()
                .map_err(|e| format!("cannot tell where ctray is: {e}"))
                .and_then(|ctray| {
                    let target_dir =
                        std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from);
                    if let Some(dir) = build_dir::build_directory(&ctray, target_dir.as_deref()) {
                        eprintln!("{}", build_dir::warning(&ctray, &dir, host.word()));
                    }
                    install::install(host, timeout_ms, &ctray)
                }),
        )),
        Command::RemoteSetup(setup) => Ok(report(remote_setup::setup(&setup))),
        Command::RemoteRemove { host, config } => {
            Ok(report(remote_setup::remove(&host, config.as_deref())))
        }
        Command::Uninstall { host } => Ok(report(install::uninstall(host))),
        Command::VerifyAudit { json } => {
            let report = Client::connect()?.verify_audit()?;
            if json {
                println!("{}", to_json(&report));
            }
            match report.first_broken {
                None => {
                    if !json {
                        println!("audit log intact: {} entries verified", report.entries);
                    }
                    Ok(0)
                }
                Some(broken) => {
                    eprintln!(
                        "ctray: the audit log was changed outside Converge Tray: entry {} {} ({} entries before it verify)",
                        broken.seq,
                        printable(&broken.problem),
                        report.entries
                    );
                    Ok(DENIED)
                }
            }
        }
        Command::Pending { json } => {
            let pending = Client::connect()?.pending()?;
            if json {
                pending
                    .iter()
                    .for_each(|request| println!("{}", to_json(request)));
            } else {
                println!("{}", listing::pending(&pending, durations::now_ms()));
            }
            Ok(0)
        }
    }
}

/// What became of the request when the person pressed Ctrl-C during `ctray ask`.
fn report_withdrawal(title: &str, withdrawal: Withdrawal, json: bool) {
    match withdrawal {
        Withdrawal::Cancelled(request) => {
            if json {
                println!("{}", to_json(&request));
            }
            eprintln!("ctray: cancelled: {}", printable(title));
        }
        Withdrawal::AlreadyEnded(how) => eprintln!("ctray: interrupted; {how}"),
        Withdrawal::NeverAsked => {
            eprintln!("ctray: interrupted before Converge Tray had the request")
        }
        Withdrawal::NotWithdrawn(why) => eprintln!(
            "ctray: interrupted, but the request could not be withdrawn ({why}); Converge Tray \
             closes it within seconds of ctray going"
        ),
    }
}

/// A mistake in what ctray was given, reported like the app's refusals (exit 64).
fn usage(message: String) -> ClientError {
    ClientError::Rpc(RpcError::new(code::INVALID_PARAMS, message))
}

/// `working` → `AgentState::Working`: the wire's words for the protocol's enums.
fn word_to<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ClientError> {
    serde_json::from_value(Value::from(text)).map_err(|e| usage(format!("{text:?}: {e}")))
}

/// An enum as the wire spells it (`waiting-for-input`).
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Prints what an install did, or why it did nothing (exit 1).
fn report(result: Result<Vec<String>, String>) -> u8 {
    match result {
        Ok(said) => {
            said.iter().for_each(|line| println!("{line}"));
            0
        }
        Err(problem) => {
            eprintln!("ctray: {problem}");
            1
        }
    }
}

/// The agent a script speaks for: `--agent NAME`, else the program that ran ctray.
fn agent(name: Option<String>) -> (String, String) {
    let name = name.or_else(parent_name).unwrap_or_else(|| "script".into());
    (format!("script:{name}"), name)
}

#[cfg(unix)]
fn parent_name() -> Option<String> {
    let parent = std::os::unix::process::parent_id();
    std::fs::read_to_string(format!("/proc/{parent}/comm"))
        .map(|comm| comm.trim().to_owned())
        .ok()
        .filter(|comm| !comm.is_empty())
}

#[cfg(not(unix))]
fn parent_name() -> Option<String> {
    None
}

/// 0 approved, 1 denied or cancelled (reason on stderr), 2 timed out.
fn outcome_code(request: &ApprovalRequest) -> u8 {
    let Some(resolution) = &request.resolution else {
        eprintln!("ctray: the app answered before anyone decided");
        return DENIED;
    };
    let reason = resolution.reason.as_deref().map(printable);
    let by = word(&resolution.by);
    match resolution.outcome {
        Outcome::Approved => APPROVED,
        Outcome::TimedOut => {
            eprintln!(
                "ctray: {}",
                reason.as_deref().unwrap_or("no decision in time")
            );
            TIMED_OUT
        }
        Outcome::Cancelled => {
            eprintln!(
                "ctray: cancelled{}",
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            );
            DENIED
        }
        Outcome::Denied => {
            match reason {
                Some(reason) => eprintln!("ctray: denied ({by}): {reason}"),
                None => eprintln!("ctray: denied ({by})"),
            }
            DENIED
        }
    }
}

/// Agent text with every control character (escape sequences that could rewrite the
/// terminal, tabs and newlines that would break the columns) and every direction override
/// written out as a visible escape, so what is printed is exactly what was sent.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            match c {
                '\x1b' => out.push_str("\\e"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}
