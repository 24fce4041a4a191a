//! A session's token use, read from the agent's own transcript on this machine: Claude
//! Code's (`transcript_path`, one JSON line per message part, each assistant message with its
//! `usage`) and Codex's session file (`token_count` events with the session's running total).
//! Read at the end of each turn, by the hook, as the agent's own user; only the totals and the
//! model's name go to the tray.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use protocol::model::TokenUsage;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How far a transcript was read and what it held up to there: kept between the hook's runs
/// (in the user's cache directory), so that each turn's end reads only what the turn added.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Progress {
    path: PathBuf,
    /// Bytes read, up to the end of the last whole line.
    read_to: u64,
    /// Claude Code: the messages before the one being read, and that one (its parts are
    /// consecutive lines with the same id and the same usage).
    counted: TokenUsage,
    last_id: Option<String>,
    last: TokenUsage,
    /// Codex: its latest running total.
    codex: Option<TokenUsage>,
    model: Option<String>,
}

/// The session's use so far, or `None` when the file holds none (or cannot be read). Where
/// `remembered` is given, what was read before is taken from there and kept there again.
pub fn usage(path: &Path, remembered: Option<&Path>) -> Option<TokenUsage> {
    let mut file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut progress = remembered
        .and_then(|at| std::fs::read(at).ok())
        .and_then(|bytes| serde_json::from_slice::<Progress>(&bytes).ok())
        // Another file, or this one rewritten shorter: read it from the start.
        .filter(|p| p.path == path && p.read_to <= size)
        .unwrap_or_else(|| Progress {
            path: path.to_owned(),
            ..Progress::default()
        });
    file.seek(SeekFrom::Start(progress.read_to)).ok()?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    loop {
        line.clear();
        let Ok(read) = reader.read_until(b'\n', &mut line) else {
            break;
        };
        // A last line still being written is read next time, whole.
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        progress.read_to += read as u64;
        read_line(&mut progress, &line);
    }
    if let Some(at) = remembered {
        remember(at, &progress);
    }
    if let Some(total) = &progress.codex {
        return Some(TokenUsage {
            model: progress.model.clone(),
            ..total.clone()
        });
    }
    progress.last_id.as_ref()?;
    Some(TokenUsage {
        model: progress.model.clone(),
        ..add(&progress.counted, &progress.last)
    })
}

fn read_line(progress: &mut Progress, line: &[u8]) {
    let Ok(text) = std::str::from_utf8(line) else {
        return;
    };
    // Most lines are text and tool output: parsed only when they can hold a count.
    if !text.contains("usage\"") && !text.contains("token_count") && !text.contains("turn_context")
    {
        return;
    }
    let Ok(entry) = serde_json::from_str::<Value>(text) else {
        return;
    };
    if entry["type"] == "assistant" {
        let message = &entry["message"];
        let Some(id) = message["id"].as_str() else {
            return;
        };
        if let Some(model) = message["model"].as_str().filter(|m| !m.starts_with('<')) {
            progress.model = Some(model.to_owned());
        }
        let used = &message["usage"];
        let this = TokenUsage {
            input_tokens: count(&used["input_tokens"]),
            output_tokens: count(&used["output_tokens"]),
            cache_read_tokens: count(&used["cache_read_input_tokens"]),
            cache_write_tokens: count(&used["cache_creation_input_tokens"]),
            model: None,
        };
        // The parts of one message carry the same usage: counted once.
        if progress.last_id.as_deref() != Some(id) {
            progress.counted = add(&progress.counted, &progress.last);
            progress.last_id = Some(id.to_owned());
        }
        progress.last = this;
    } else if entry["type"] == "turn_context" {
        if let Some(model) = entry["payload"]["model"].as_str() {
            progress.model = Some(model.to_owned());
        }
    } else if entry["payload"]["type"] == "token_count" {
        let total = &entry["payload"]["info"]["total_token_usage"];
        if total.is_object() {
            // Codex counts cached input within the input.
            let cached = count(&total["cached_input_tokens"]);
            progress.codex = Some(TokenUsage {
                input_tokens: count(&total["input_tokens"]).saturating_sub(cached),
                output_tokens: count(&total["output_tokens"]),
                cache_read_tokens: cached,
                cache_write_tokens: 0,
                model: None,
            });
        }
    }
}

fn add(a: &TokenUsage, b: &TokenUsage) -> TokenUsage {
    TokenUsage {
        input_tokens: a.input_tokens + b.input_tokens,
        output_tokens: a.output_tokens + b.output_tokens,
        cache_read_tokens: a.cache_read_tokens + b.cache_read_tokens,
        cache_write_tokens: a.cache_write_tokens + b.cache_write_tokens,
        model: None,
    }
}

/// Written whole or not at all: a new file renamed over the old.
fn remember(at: &Path, progress: &Progress) {
    let Some(dir) = at.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let partial = at.with_extension("partial");
    let written = serde_json::to_vec(progress)
        .ok()
        .is_some_and(|bytes| std::fs::write(&partial, bytes).is_ok());
    if written {
        let _ = std::fs::rename(&partial, at);
    }
}

/// Where the progress through `transcript` is kept: the user's cache directory, by the
/// transcript's own file name (a session id in both Claude Code's and Codex's).
pub fn progress_file(transcript: &Path) -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    let name = transcript.file_name()?.to_str()?;
    Some(
        cache
            .join("converge-tray")
            .join("transcripts")
            .join(format!("{name}.json")),
    )
}

fn count(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(lines: &[&str]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        for line in lines {
            writeln!(file, "{line}").unwrap();
        }
        file
    }

    #[test]
    fn claude_codes_messages_are_counted_once_each_and_the_latest_model_named() {
        let transcript = file(&[
            r#"{"type":"user","message":{"role":"user","content":"hi"}}"#,
            r#"{"type":"assistant","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":0,"output_tokens":5}}}"#,
            // The same message's second part: the same usage, not counted again.
            r#"{"type":"assistant","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":0,"output_tokens":5}}}"#,
            r#"{"type":"user","message":{"content":[{"type":"tool_result","content":"the word usage in a tool's output"}]}}"#,
            r#"{"type":"assistant","message":{"id":"msg_2","model":"claude-opus-4-5","usage":{"input_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":7}}}"#,
            r#"{"type":"assistant","message":{"id":"msg_3","model":"<synthetic>","usage":{"input_tokens":0,"output_tokens":0}}}"#,
            "not json",
        ]);
        let used = usage(transcript.path(), None).unwrap();
        assert_eq!(
            used,
            TokenUsage {
                input_tokens: 13,
                output_tokens: 12,
                cache_read_tokens: 100,
                cache_write_tokens: 100,
                model: Some("claude-opus-4-5".into()),
            }
        );
    }

    #[test]
    fn codexs_session_file_gives_its_latest_running_total() {
        let session = file(&[
            r#"{"type":"turn_context","payload":{"model":"gpt-5-codex","cwd":"/p"}}"#,
            r#"{"type":"event_msg","payload":{"type":"token_count","info":null}}"#,
            r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":400,"output_tokens":50,"reasoning_output_tokens":20,"total_tokens":1050}}}}"#,
            r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":3000,"cached_input_tokens":1000,"output_tokens":90,"reasoning_output_tokens":30,"total_tokens":3090}}}}"#,
        ]);
        let used = usage(session.path(), None).unwrap();
        assert_eq!(
            used,
            TokenUsage {
                input_tokens: 2000,
                output_tokens: 90,
                cache_read_tokens: 1000,
                cache_write_tokens: 0,
                model: Some("gpt-5-codex".into()),
            }
        );
    }

    #[test]
    fn a_later_read_takes_up_where_the_last_one_stopped_and_counts_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let kept = dir.path().join("cache").join("session.jsonl.json");
        let part = |id: &str, input: u64| {
            format!(
                r#"{{"type":"assistant","message":{{"id":"{id}","model":"claude-sonnet-4-5","usage":{{"input_tokens":{input},"output_tokens":1}}}}}}"#
            )
        };
        let mut file = std::fs::File::create(&path).unwrap();
        writeln!(file, "{}", part("m1", 10)).unwrap();
        // The second message's first part, then a line still being written.
        write!(file, "{}\n{}", part("m2", 20), &part("m2", 20)[..30]).unwrap();
        assert_eq!(usage(&path, Some(&kept)).unwrap().input_tokens, 30);
        // The line completed, the same message's next part, then a new message.
        writeln!(file, "{}", &part("m2", 20)[30..]).unwrap();
        writeln!(file, "{}", part("m3", 5)).unwrap();
        let later = usage(&path, Some(&kept)).unwrap();
        assert_eq!(
            later,
            usage(&path, None).unwrap(),
            "the same as a whole read"
        );
        assert_eq!(later.input_tokens, 35);
        // The file rewritten shorter is read again from its start.
        std::fs::write(&path, format!("{}\n", part("n1", 7))).unwrap();
        assert_eq!(usage(&path, Some(&kept)).unwrap().input_tokens, 7);
    }

    #[test]
    fn a_missing_file_or_one_with_no_counts_gives_nothing() {
        assert_eq!(
            usage(Path::new("/nonexistent/transcript.jsonl"), None),
            None
        );
        let empty = file(&[r#"{"type":"user","message":{"content":"hi"}}"#]);
        assert_eq!(usage(empty.path(), None), None);
    }
}
