//! The cost of matching one request against 1,000 live grants, none of which covers it (the
//! worst case: every grant is tried). `cargo bench -p grants`; prints figures, asserts nothing.

use std::time::Instant;

use grants::{first_cover, Candidate, Grant, Pattern, Scope};

fn main() {
    let grants: Vec<Grant> = (0..1000)
        .map(|i| Grant {
            id: format!("g{i}"),
            pattern: match i % 3 {
                0 => Pattern::CommandPrefix {
                    action: "Bash".into(),
                    words: vec!["npm".into(), "run".into(), format!("task-{i}")],
                },
                1 => Pattern::Exact {
                    action: "Edit".into(),
                    details: format!("{{\"file_path\":\"src/file{i}.rs\"}}"),
                },
                _ => Pattern::Tool {
                    action: format!("mcp__tool_{i}"),
                },
            },
            scope: Scope {
                // The same agent as the request, so the scope check passes and the
                // pattern is tried: the expensive path.
                agent_id: "claude-code:session".into(),
                project: Some("/home/dana/shop".into()),
            },
            expires_at: i64::MAX,
        })
        .collect();
    let candidate = Candidate {
        agent_id: "claude-code:session",
        action: "Bash",
        details: "npm run build -- --watch=false 'quoted arg'",
        command: Some("npm run build -- --watch=false 'quoted arg'"),
        cwd: Some("/home/dana/shop/web"),
        paths: Some(&[]),
        process_cwd: Some("/home/dana/shop/web"),
    };
    let rounds = 2_000;
    let started = Instant::now();
    let mut covered = 0;
    for _ in 0..rounds {
        covered += usize::from(first_cover(std::hint::black_box(&grants), &candidate, 0).is_some());
    }
    let per = started.elapsed() / rounds;
    println!(
        "grants bench: one request against {} live grants, none covering it: {:.1} µs per request ({} rounds, {} covered)",
        grants.len(),
        per.as_secs_f64() * 1e6,
        rounds,
        covered
    );
}
