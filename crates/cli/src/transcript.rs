//! A session's token use, read from the agent's own transcript on this machine: Claude
//! Code's (`transcript_path`, one JSON line per message part, each assistant message with its
//! `usage`) and Codex's session file (`token_count` events with the session's running total).
//! Read at the end of each turn, by the hook, as the agent's own user; only the totals and the
//! model's name go to the tray.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use protocol::model::TokenUsage;
use serde_json::Value;

/// The session's use so far, or `None` when the file holds none (or cannot be read).
pub fn usage(path: &Path) -> Option<TokenUsage> {
    let file = std::fs::File::open(path).ok()?;
    let mut claude: HashMap<String, TokenUsage> = HashMap::new();
    let mut claude_model = None;
    let mut codex: Option<TokenUsage> = None;
    let mut codex_model = None;
    for line in BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        // Most lines are text and tool output: parsed only when they can hold a count.
        let counts = line.contains("\"usage\"") || line.contains("token_count");
        if !counts && !line.contains("turn_context") {
            continue;
        }
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if entry["type"] == "assistant" {
            let message = &entry["message"];
            let Some(id) = message["id"].as_str() else {
                continue;
            };
            if let Some(model) = message["model"].as_str().filter(|m| !m.starts_with('<')) {
                claude_model = Some(model.to_owned());
            }
            let used = &message["usage"];
            // The parts of one message carry the same usage: counted once.
            claude.insert(
                id.to_owned(),
                TokenUsage {
                    input_tokens: count(&used["input_tokens"]),
                    output_tokens: count(&used["output_tokens"]),
                    cache_read_tokens: count(&used["cache_read_input_tokens"]),
                    cache_write_tokens: count(&used["cache_creation_input_tokens"]),
                    model: None,
                },
            );
        } else if entry["type"] == "turn_context" {
            if let Some(model) = entry["payload"]["model"].as_str() {
                codex_model = Some(model.to_owned());
            }
        } else if entry["payload"]["type"] == "token_count" {
            let total = &entry["payload"]["info"]["total_token_usage"];
            if total.is_object() {
                // Codex counts cached input within the input.
                let cached = count(&total["cached_input_tokens"]);
                codex = Some(TokenUsage {
                    input_tokens: count(&total["input_tokens"]).saturating_sub(cached),
                    output_tokens: count(&total["output_tokens"]),
                    cache_read_tokens: cached,
                    cache_write_tokens: 0,
                    model: None,
                });
            }
        }
    }
    if let Some(mut total) = codex {
        total.model = codex_model;
        return Some(total);
    }
    if claude.is_empty() {
        return None;
    }
    let mut total = claude
        .into_values()
        .fold(TokenUsage::default(), |sum, u| TokenUsage {
            input_tokens: sum.input_tokens + u.input_tokens,
            output_tokens: sum.output_tokens + u.output_tokens,
            cache_read_tokens: sum.cache_read_tokens + u.cache_read_tokens,
            cache_write_tokens: sum.cache_write_tokens + u.cache_write_tokens,
            model: None,
        });
    total.model = claude_model;
    Some(total)
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
        let used = usage(transcript.path()).unwrap();
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
        let used = usage(session.path()).unwrap();
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
    fn a_missing_file_or_one_with_no_counts_gives_nothing() {
        assert_eq!(usage(Path::new("/nonexistent/transcript.jsonl")), None);
        let empty = file(&[r#"{"type":"user","message":{"content":"hi"}}"#]);
        assert_eq!(usage(empty.path()), None);
    }
}
