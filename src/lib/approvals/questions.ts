// An agent's questions to the person (Claude Code's AskUserQuestion): read from the request's
// details, answered on its card. Everything here is the agent's text: shown as text only.

import { toolInput } from "./actionView";

/** The action of a request that asks questions (the inbox's `QUESTION_TOOL`). */
export const QUESTION_TOOL = "AskUserQuestion";

export interface QuestionOption {
  label: string;
  description: string;
}

export interface Question {
  text: string;
  /** A short heading the agent gives the question ("Database"), or "". */
  header: string;
  /** Whether several options may be picked (their labels are joined by ", "). */
  multiSelect: boolean;
  options: QuestionOption[];
}

/** What the person picked for one question: option labels, and their own words. */
export interface Picked {
  labels: string[];
  other: string;
}

/** The questions `details` asks, when `action` asks any and they can be read; else null. */
export function parseQuestions(action: string, details: string): Question[] | null {
  if (action !== QUESTION_TOOL) return null;
  const list = toolInput(details)?.questions;
  if (!Array.isArray(list) || list.length === 0) return null;
  const questions: Question[] = [];
  for (const item of list) {
    const text = (item as { question?: unknown })?.question;
    if (typeof text !== "string" || text.trim() === "") return null;
    const header = (item as { header?: unknown }).header;
    const options = (item as { options?: unknown }).options;
    questions.push({
      text,
      header: typeof header === "string" ? header : "",
      multiSelect: (item as { multiSelect?: unknown }).multiSelect === true,
      options: Array.isArray(options)
        ? options
            .filter((o) => typeof (o as { label?: unknown })?.label === "string")
            .map((o) => ({
              label: (o as { label: string }).label,
              description:
                typeof (o as { description?: unknown }).description === "string"
                  ? (o as { description: string }).description
                  : "",
            }))
        : [],
    });
  }
  return questions;
}

/** The answer to one question as the agent reads it, or null while it has none. */
export function answerText(picked: Picked | undefined): string | null {
  if (picked === undefined) return null;
  const parts = [...picked.labels];
  const own = picked.other.trim();
  if (own !== "") parts.push(own);
  return parts.length === 0 ? null : parts.join(", ");
}

/** Every question's answer, keyed by its text; null until each one has an answer. */
export function answersFor(
  questions: Question[],
  picked: Record<number, Picked>,
): Record<string, string> | null {
  const answers: Record<string, string> = {};
  for (const [index, question] of questions.entries()) {
    const answer = answerText(picked[index]);
    if (answer === null) return null;
    answers[question.text] = answer;
  }
  return answers;
}
