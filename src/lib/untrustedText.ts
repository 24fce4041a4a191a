// Bidi overrides, zero-width and control characters can make agent-written text read
// differently from what it does (e.g. "Trojan Source" commands). Shown as visible markers
// so what the user approves is what they see. Newlines, tabs and CRLF stay as they are.
const HIDDEN_CHARACTER =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|\r(?!\n)/g;

/** Replaces each invisible or direction-changing character with a visible `⟨U+XXXX⟩`. */
export function revealHidden(text: string): string {
  return text.replace(HIDDEN_CHARACTER, (char) => {
    const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    return `⟨U+${code}⟩`;
  });
}
