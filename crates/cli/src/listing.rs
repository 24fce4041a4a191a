//! `ctray agents` and `ctray pending` as people read them: a header, columns that line up,
//! and how long ago in words. Scripts read `--json`, which `main` prints as it always has;
//! nothing here changes it.

use protocol::model::{Agent, ApprovalRequest, Millis};

use crate::durations::ago;
use crate::{printable, word};

pub fn agents(agents: &[Agent], now: Millis) -> String {
    if agents.is_empty() {
        return "no agents".into();
    }
    table(
        &["AGENT", "STATE", "PENDING", "SEEN", "ACTIVITY"],
        agents
            .iter()
            .map(|agent| {
                vec![
                    printable(&agent.id),
                    word(&agent.state),
                    agent.pending.to_string(),
                    ago(now - agent.last_seen),
                    printable(agent.activity.as_deref().unwrap_or("")),
                ]
            })
            .collect(),
    )
}

pub fn pending(requests: &[ApprovalRequest], now: Millis) -> String {
    if requests.is_empty() {
        return "no approvals waiting".into();
    }
    table(
        &["ID", "AGENT", "ASKED", "TITLE"],
        requests
            .iter()
            .map(|request| {
                vec![
                    printable(&request.id),
                    printable(&request.agent_id),
                    ago(now - request.created_at),
                    printable(&request.title),
                ]
            })
            .collect(),
    )
}

/// Rows under a header: see `aligned`.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut all = vec![header.iter().map(|h| h.to_string()).collect()];
    all.extend(rows);
    aligned(&all).join("\n")
}

/// Each row as a line, each column as wide as its widest cell and two spaces from the
/// next; the last column (free text) is not padded. Cells are `printable` already, so one
/// line each.
pub fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    let width = |text: &str| text.chars().count();
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            match widths.get_mut(column) {
                Some(widest) => *widest = (*widest).max(width(cell)),
                None => widths.push(width(cell)),
            }
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if column + 1 < row.len() {
                    line.push_str(&" ".repeat(widths[column] - width(cell) + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_under_their_header() {
        let shown = table(
            &["ID", "AGENT", "TITLE"],
            vec![
                vec!["a1".into(), "script:nightly".into(), "Ship it?".into()],
                vec!["b22222".into(), "x".into(), "".into()],
            ],
        );
        assert_eq!(
            shown,
            "ID      AGENT           TITLE\n\
             a1      script:nightly  Ship it?\n\
             b22222  x"
        );
    }
}
