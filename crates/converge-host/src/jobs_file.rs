//! The jobs file: the user's `jobs.toml`, parsed and checked against the built-in packs,
//! and the one written on first start.

use serde::Deserialize;

use crate::jobs::JobDefinition;
use crate::packs;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsFile {
    #[serde(default, rename = "job")]
    jobs: Vec<JobDefinition>,
}

/// Parses a jobs file; the error says where and what is wrong.
pub fn parse_jobs(text: &str) -> Result<Vec<JobDefinition>, String> {
    let file: JobsFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = std::collections::HashSet::new();
    for job in &file.jobs {
        if job.id.trim().is_empty() || job.name.trim().is_empty() {
            return Err("every job needs an id and a name".into());
        }
        if !seen.insert(job.id.as_str()) {
            return Err(format!("two jobs have the id {:?}", job.id));
        }
        packs::check(job)?;
    }
    Ok(file.jobs)
}

/// Written on first start, so a new user sees agents work and an approval arrive.
pub const DEFAULT_JOBS: &str = r#"# Converge jobs Converge Tray can run. Edit freely; the app reads this file when you
# start a job. Packs are built in and run fully offline.
#
# pack "expense": reads an expense claim, checks it against the self-approval limit, and
# proposes the reimbursement. Over the limit, the proposal waits for your approval.

[[job]]
id = "travel-expense"
name = "Expense review · conference travel"
pack = "expense"
[job.input]
claimant = "Dana Okafor"
amount = 1840.00
currency = "EUR"
purpose = "Flights and hotel, RustConf Berlin"
limit = 1000.00

[[job]]
id = "team-lunch"
name = "Expense review · team lunch"
pack = "expense"
[job.input]
claimant = "Sam Lee"
amount = 86.40
currency = "EUR"
purpose = "Team lunch after the release"
limit = 1000.00
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_jobs_parse() {
        let jobs = parse_jobs(DEFAULT_JOBS).unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].input["amount"], serde_json::json!(1840.0));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_jobs("[[job]]\nid = \"a\"\n")
            .unwrap_err()
            .contains("missing field"));
        let twice = "[[job]]\nid='a'\nname='A'\npack='expense'\n[job.input]\nclaimant='x'\namount=1.0\ncurrency='EUR'\npurpose='p'\nlimit=2.0\n";
        assert!(parse_jobs(&format!("{twice}{twice}"))
            .unwrap_err()
            .contains("two jobs"));
        assert!(parse_jobs("[[job]]\nid='a'\nname='A'\npack='poetry'\n")
            .unwrap_err()
            .contains("no pack"));
    }
}
