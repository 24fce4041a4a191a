//! The message a request becomes on the phone, and what an answer's text says.
//!
//! The answer names the request by its code, in the text the person types: a Matrix reply's
//! link to the message it answers is chosen by the sender's client and proves nothing, and
//! reactions travel unencrypted, so neither is read.

use std::fmt::Write;

/// Letters a person reads and types on a phone without mistaking one for another.
const CODE_LETTERS: &[u8] = b"ACDEFHJKMNPRTUVWXY34679";
/// Code length: 23⁵ ≈ 6.4 million codes, for requests open at the same time.
const CODE_LENGTH: usize = 5;

/// The code that names one request in its message and in the answers to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code(String);

impl Code {
    /// A code from random bytes the caller drew (at least `CODE_LENGTH` of them).
    pub fn from_random(bytes: &[u8]) -> Option<Code> {
        if bytes.len() < CODE_LENGTH {
            return None;
        }
        let letters = bytes[..CODE_LENGTH]
            .iter()
            .map(|byte| CODE_LETTERS[*byte as usize % CODE_LETTERS.len()] as char)
            .collect();
        Some(Code(letters))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the person reads on the phone about a request: what its card shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Request {
    pub agent: String,
    pub host: Option<String>,
    pub project: Option<String>,
    pub title: String,
    /// The exact command, or the diff's summary.
    pub details: String,
    /// The risk as the card words it ("High risk · deletes files").
    pub risk: String,
    pub high_risk: bool,
    /// When it is denied unanswered, as the person's clock shows it ("14:32").
    pub deadline: String,
}

/// The longest details a message carries; longer ones are cut, and the message says so.
pub const DETAILS_AT_MOST: usize = 2_000;

/// The message's text: the card, then how to answer. `approve_here`: whether an approval
/// from the phone counts for this request (high risk needs the person's opt-in).
pub fn text(request: &Request, code: &Code, approve_here: bool) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{} asks: {}", request.agent, request.title);
    let place = [request.host.as_deref(), request.project.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    if !place.is_empty() {
        let _ = writeln!(text, "{place}");
    }
    let _ = writeln!(text, "{}", request.risk);
    let details: String = request.details.chars().take(DETAILS_AT_MOST).collect();
    let _ = writeln!(text, "\n{details}");
    if details.len() < request.details.len() {
        let _ = writeln!(
            text,
            "[{} more characters: open it on the desktop]",
            request.details.chars().count() - DETAILS_AT_MOST
        );
    }
    let _ = writeln!(text, "\nDenied unanswered at {}.", request.deadline);
    let code = code.as_str();
    if approve_here {
        let _ = write!(
            text,
            "Answer \"approve {code}\" or \"deny {code} <reason>\"."
        );
    } else {
        let _ = write!(
            text,
            "High risk: approve it at the desk (Settings → Phone can allow it here). \
             Answer \"deny {code} <reason>\" to deny it."
        );
    }
    text
}

/// The message's text once its request ended: how it ended, and what it was. The code and
/// the way to answer are gone, so nobody answers a request that no longer waits.
pub fn ended(request: &Request, how: &str) -> String {
    format!("{how}: {} asked: {}", request.agent, request.title)
}

/// What an answer's text says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Approve {
        code: String,
    },
    Deny {
        code: String,
        reason: Option<String>,
    },
}

impl Answer {
    pub fn code(&self) -> &str {
        match self {
            Answer::Approve { code } | Answer::Deny { code, .. } => code,
        }
    }
}

/// Reads an answer from a message's text: its first line that is not a quotation (clients
/// quote the message they reply to in lines starting with ">"), `approve CODE` or
/// `deny CODE [reason]`, in any case. None for anything else.
pub fn read_answer(body: &str) -> Option<Answer> {
    let line = body
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('>'))?;
    let mut words = line.splitn(3, char::is_whitespace);
    let verb = words.next()?.to_lowercase();
    let code = words.next()?.trim().to_uppercase();
    if code.len() != CODE_LENGTH || !code.bytes().all(|byte| CODE_LETTERS.contains(&byte)) {
        return None;
    }
    let rest = words.next().map(str::trim).filter(|rest| !rest.is_empty());
    match verb.as_str() {
        "approve" if rest.is_none() => Some(Answer::Approve { code }),
        "deny" => Some(Answer::Deny {
            code,
            reason: rest.map(str::to_owned),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(details: &str, high_risk: bool) -> Request {
        Request {
            agent: "claude".into(),
            host: Some("laptop".into()),
            project: Some("~/src/site".into()),
            title: "Run a command".into(),
            details: details.into(),
            risk: "Medium risk · deploys or changes infrastructure".into(),
            high_risk,
            deadline: "14:32".into(),
        }
    }

    #[test]
    fn codes_use_only_unmistakable_letters_and_need_enough_randomness() {
        let code = Code::from_random(&[0, 1, 2, 250, 255, 9]).unwrap();
        assert_eq!(code.as_str().len(), CODE_LENGTH);
        assert!(code.as_str().bytes().all(|b| CODE_LETTERS.contains(&b)));
        assert_eq!(Code::from_random(&[1, 2, 3]), None);
    }

    #[test]
    fn the_message_carries_the_card_and_how_to_answer() {
        let code = Code("K7R4M".into());
        let text = text(&request("kubectl apply -f prod.yaml", false), &code, true);
        for part in [
            "claude asks: Run a command",
            "laptop · ~/src/site",
            "Medium risk",
            "kubectl apply -f prod.yaml",
            "14:32",
            "\"approve K7R4M\"",
            "\"deny K7R4M <reason>\"",
        ] {
            assert!(text.contains(part), "{part:?} missing from {text}");
        }
    }

    #[test]
    fn an_ended_message_says_how_and_no_longer_asks_for_an_answer() {
        let text = ended(&request("make deploy", false), "Approved on the desktop");
        assert_eq!(text, "Approved on the desktop: claude asked: Run a command");
        assert!(!text.contains("approve "), "{text}");
    }

    #[test]
    fn a_high_risk_message_offers_only_deny_unless_allowed() {
        let code = Code("K7R4M".into());
        let text = text(&request("rm -rf build", true), &code, false);
        assert!(!text.contains("\"approve K7R4M\""), "{text}");
        assert!(text.contains("\"deny K7R4M <reason>\""), "{text}");
        assert!(text.contains("approve it at the desk"), "{text}");
    }

    #[test]
    fn long_details_are_cut_and_the_message_says_so() {
        let long = "x".repeat(DETAILS_AT_MOST + 500);
        let text = text(&request(&long, false), &Code("K7R4M".into()), true);
        assert!(
            text.contains("[500 more characters: open it on the desktop]"),
            "{text}"
        );
        assert!(!text.contains(&long));
    }

    #[test]
    fn answers_are_read_in_any_case_with_a_reason_for_deny() {
        assert_eq!(
            read_answer("Approve k7r4m"),
            Some(Answer::Approve {
                code: "K7R4M".into()
            })
        );
        assert_eq!(
            read_answer("deny K7R4M  not on a Friday "),
            Some(Answer::Deny {
                code: "K7R4M".into(),
                reason: Some("not on a Friday".into())
            })
        );
        assert_eq!(
            read_answer("deny K7R4M"),
            Some(Answer::Deny {
                code: "K7R4M".into(),
                reason: None
            })
        );
    }

    #[test]
    fn a_reply_is_read_after_the_quoted_message() {
        let body =
            "> <@tray:example.org> claude asks: Run a command\n> approve K7R4M\n\ndeny K7R4M no";
        assert_eq!(
            read_answer(body),
            Some(Answer::Deny {
                code: "K7R4M".into(),
                reason: Some("no".into())
            })
        );
    }

    #[test]
    fn anything_else_is_not_an_answer() {
        for body in [
            "",
            "ok",
            "approve",
            "approve K7R4",
            "approve K7R4MM",
            "approve K7R40",
            "approve K7R4M please",
            "yes K7R4M",
            "> approve K7R4M",
            "I'd approve K7R4M",
        ] {
            assert_eq!(read_answer(body), None, "{body:?}");
        }
    }
}
