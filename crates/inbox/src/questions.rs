//! An agent's questions to the person (Claude Code's `AskUserQuestion` tool): a request
//! answered with a choice on its card, never approved as it stands, granted, batched or
//! decided by a key.

use std::collections::BTreeMap;

use crate::model::{ApprovalRequest, QUESTION_TOOL};

/// The longest answer the person may give to one question, in bytes.
const MAX_ANSWER: usize = 2000;

/// One question as the agent asked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    /// The labels of the options offered; the person may also answer in their own words.
    pub options: Vec<String>,
}

/// Whether `request` is the agent asking the person questions.
pub fn is_question(request: &ApprovalRequest) -> bool {
    request.action == QUESTION_TOOL
}

/// The questions `request` asks: its details begin with the tool's input, whose
/// `questions` each have a `question` text. `None` if they cannot be read.
pub fn questions_of(request: &ApprovalRequest) -> Option<Vec<Question>> {
    let input = serde_json::Deserializer::from_str(&request.details)
        .into_iter::<serde_json::Value>()
        .next()?
        .ok()?;
    let questions = input.get("questions")?.as_array()?;
    let read: Option<Vec<Question>> = questions
        .iter()
        .map(|question| {
            Some(Question {
                text: question.get("question")?.as_str()?.to_owned(),
                options: question
                    .get("options")
                    .and_then(|o| o.as_array())
                    .map(|options| {
                        options
                            .iter()
                            .filter_map(|o| o.get("label").and_then(|l| l.as_str()))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect();
    read.filter(|questions| !questions.is_empty())
}

/// Why `answers` do not answer `request`'s questions, if they do not: each question
/// answered once, with some text, and nothing else.
pub(crate) fn answers_refused(
    request: &ApprovalRequest,
    answers: &BTreeMap<String, String>,
) -> Option<String> {
    if !is_question(request) {
        return Some("this request asks no questions".into());
    }
    let Some(questions) = questions_of(request) else {
        return Some("its questions cannot be read: answer them in the agent's terminal".into());
    };
    if let Some(unasked) = answers
        .keys()
        .find(|key| !questions.iter().any(|q| &q.text == *key))
    {
        return Some(format!("{unasked:?} is not one of its questions"));
    }
    for question in &questions {
        match answers.get(&question.text).map(|a| a.trim()) {
            None | Some("") => return Some(format!("{:?} has no answer", question.text)),
            Some(answer) if answer.len() > MAX_ANSWER => {
                return Some(format!(
                    "the answer to {:?} is over {MAX_ANSWER} bytes",
                    question.text
                ))
            }
            Some(answer) if answer.chars().any(|c| c.is_control() && c != '\n') => {
                return Some(format!(
                    "the answer to {:?} holds control characters",
                    question.text
                ))
            }
            Some(_) => {}
        }
    }
    None
}
