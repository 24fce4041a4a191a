//! An agent's questions to the person (Claude Code's `AskUserQuestion` tool): a request
//! answered with a choice on its card, never approved as it stands, granted, batched or
//! decided by a key.

use std::collections::BTreeMap;

use crate::model::{ApprovalRequest, Resolver, QUESTION_TOOL};

/// The longest answer the person may give to one question, in bytes.
const MAX_ANSWER: usize = 2000;

/// One question as the agent asked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    /// The options offered; the person may also answer in their own words.
    pub options: Vec<QuestionOption>,
    /// Whether several options may be chosen together.
    pub multi_select: bool,
}

/// One option of a question: its label is the answer, its description says what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionOption {
    pub label: String,
    pub description: String,
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
                            .filter_map(|o| {
                                Some(QuestionOption {
                                    label: o.get("label")?.as_str()?.to_owned(),
                                    description: o
                                        .get("description")
                                        .and_then(|d| d.as_str())
                                        .unwrap_or_default()
                                        .to_owned(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                multi_select: question
                    .get("multiSelect")
                    .and_then(|m| m.as_bool())
                    .unwrap_or(false),
            })
        })
        .collect();
    read.filter(|questions| !questions.is_empty())
}

/// The one question `request` asks, if it is one of single choice: what a notification can
/// offer as one button per option.
pub fn single_choice(request: &ApprovalRequest) -> Option<Question> {
    if !is_question(request) {
        return None;
    }
    let mut questions = questions_of(request)?;
    if questions.len() != 1 || questions[0].multi_select || questions[0].options.is_empty() {
        return None;
    }
    questions.pop()
}

/// The answers that choosing option `index` of `request`'s single-choice question gives.
pub fn option_answer(request: &ApprovalRequest, index: usize) -> Option<BTreeMap<String, String>> {
    let question = single_choice(request)?;
    let option = question.options.get(index)?;
    Some(BTreeMap::from([(question.text, option.label.clone())]))
}

/// Why `answers` do not answer `request`'s questions, if they do not: each question
/// answered once, with some text, and nothing else. From a notification, only one of the
/// options of a single-choice question: its buttons offer nothing else.
pub(crate) fn answers_refused(
    request: &ApprovalRequest,
    answers: &BTreeMap<String, String>,
    by: Resolver,
) -> Option<String> {
    if !is_question(request) {
        return Some("this request asks no questions".into());
    }
    if by == Resolver::Notification {
        let offered = single_choice(request).is_some_and(|question| {
            answers.len() == 1
                && answers.get(&question.text).is_some_and(|answer| {
                    question
                        .options
                        .iter()
                        .any(|option| &option.label == answer)
                })
        });
        if !offered {
            return Some(
                "a notification answers only with one of the options of a single question".into(),
            );
        }
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
