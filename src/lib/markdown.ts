// A small Markdown reader for what agents write (a plan): headings, paragraphs, lists, code
// blocks, quotes, and inline code, bold and italic. It makes a tree of text only, which the
// page renders as elements with text in them: no HTML from the agent is ever parsed, no
// image is fetched and no link is followed (a link shows its text and its address).

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; text: string }
  | { kind: "em"; text: string };

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; inline: Inline[] }
  | { kind: "paragraph"; inline: Inline[] }
  | { kind: "list"; ordered: boolean; items: Inline[][] }
  | { kind: "code"; text: string }
  | { kind: "quote"; inline: Inline[] }
  | { kind: "rule" };

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) {
      blocks.push({ kind: "paragraph", inline: parseInline(paragraph.join(" ")) });
      paragraph = [];
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence !== null) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) {
        code.push(lines[i]!);
        i++;
      }
      blocks.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      flush();
      const level = heading[1]!.length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ kind: "heading", level, inline: parseInline(heading[2]!) });
      continue;
    }
    if (RULE.test(line)) {
      flush();
      blocks.push({ kind: "rule" });
      continue;
    }
    const item = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (item !== null) {
      flush();
      const ordered = BULLET.exec(line) === null;
      const last = blocks[blocks.length - 1];
      const inline = parseInline(item[1]!);
      if (last?.kind === "list" && last.ordered === ordered) last.items.push(inline);
      else blocks.push({ kind: "list", ordered, items: [inline] });
      continue;
    }
    if (line.startsWith(">")) {
      flush();
      blocks.push({ kind: "quote", inline: parseInline(line.replace(/^>\s?/, "")) });
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
}

/** Inline code, bold and italic; a link or an image becomes its text and its address. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  const plain = (value: string) => {
    if (value === "") return;
    const last = out[out.length - 1];
    if (last?.kind === "text") last.text += value;
    else out.push({ kind: "text", text: value });
  };
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)/g;
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    plain(text.slice(at, match.index));
    if (match[1] !== undefined) out.push({ kind: "code", text: match[1] });
    else if (match[2] !== undefined || match[3] !== undefined)
      out.push({ kind: "strong", text: (match[2] ?? match[3])! });
    else if (match[4] !== undefined) out.push({ kind: "em", text: match[4] });
    else plain(match[6] ? `${match[5]} (${match[6]})` : match[5]!);
    at = match.index + match[0].length;
  }
  plain(text.slice(at));
  return out;
}
