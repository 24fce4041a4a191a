// Whether a card's details box shows the whole of what it holds, decided by a fixed rule so
// it is the same in every window and in tests (jsdom lays nothing out). Content that does
// not fit cannot be approved until the person opened it or scrolled through it: nobody
// approves what they could not have seen.

import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import { formatCount } from "../numbers";
import { revealHidden } from "../untrustedText";
import { actionView, diffLineText, splitLines, type ActionView } from "./actionView";

// The details box, as ApprovalCard.svelte and theme.css's .request-details draw it: keep
// these in step with their CSS.
/** `max-height` of the box (border-box). */
export const BOX_HEIGHT_PX = 140;
/** Its padding: 6px above and 6px below. */
export const BOX_PADDING_Y_PX = 12;
/** Its lines: 12px monospace at a line height of 1.4. */
export const BOX_LINE_HEIGHT_PX = 12 * 1.4;
/** The lines the box shows whole without scrolling. */
export const BOX_LINES = Math.floor((BOX_HEIGHT_PX - BOX_PADDING_Y_PX) / BOX_LINE_HEIGHT_PX);
/**
 * Characters of a line before it wraps, counted low on purpose: the popover's box is about
 * 280px wide and a 12px monospace character about 7.2px, so some 38 fit; a wider box (the full
 * window) only makes the rule stricter than it need be, never looser.
 */
export const BOX_COLUMNS = 36;
/** Columns a tab may take (the browser's default tab-size). */
const TAB_COLUMNS = 8;

/** How big a card's details are and whether its box shows them whole. */
export interface DetailsMeasure {
  /** Size of the text in UTF-8. */
  bytes: number;
  /** Its lines (a final newline ends the last line; it does not start another). */
  lines: number;
  /** Whether the box shows all of it without scrolling, by the rule above. */
  fits: boolean;
}

/**
 * The text a card's details box stands for, in the view the card picks: the details as they
 * came, the command line, the diff, the whole file written (the box shows its head), the MCP
 * arguments, a plan's Markdown; null when the view has no box (a fetch shows its URL in full).
 */
export function boxText(view: ActionView, details: string): string | null {
  switch (view.kind) {
    case "raw":
      return details;
    case "shell":
      return view.command;
    case "edit":
      return view.diff.map(diffLineText).join("");
    case "write":
      return view.content;
    case "mcp":
      return view.args;
    case "plan":
      // Rendered, its blank lines take no line of their own.
      return view.markdown
        .split("\n")
        .filter((line) => line.trim() !== "")
        .join("\n");
    case "fetch":
      return null;
  }
}


/** Columns a line takes: a wide character needs two, so any non-ASCII one counts as two. */
function columns(line: string): number {
  let count = 0;
  for (const char of line) {
    if (char === "\t") count += TAB_COLUMNS;
    else count += char.codePointAt(0)! > 0x7f ? 2 : 1;
  }
  return count;
}

/** Whether `lines` wrapped at BOX_COLUMNS take no more rows than the box shows. */
function fitsBox(lines: readonly string[]): boolean {
  if (lines.length > BOX_LINES) return false;
  let rows = 0;
  for (const line of lines) {
    // As shown: each hidden character becomes a visible marker, which takes room too.
    rows += Math.max(1, Math.ceil(columns(revealHidden(line)) / BOX_COLUMNS));
    if (rows > BOX_LINES) return false;
  }
  return true;
}

const NO_BOX: DetailsMeasure = { bytes: 0, lines: 0, fits: true };

/** Measures what `view`'s details box holds. */
export function measureDetails(view: ActionView, details: string): DetailsMeasure {
  const text = boxText(view, details);
  if (text === null) return NO_BOX;
  const lines = splitLines(text);
  return {
    bytes: new TextEncoder().encode(text).length,
    lines: lines.length,
    fits: fitsBox(lines),
  };
}

/** Measures what `request`'s card shows in its details box. */
export function measureRequest(request: ApprovalRequest): DetailsMeasure {
  return measureDetails(actionView(request.action, request.details), request.details);
}


const UNITS = ["B", "KB", "MB", "GB"] as const;

/** "512 B", "8.5 KB", "85 KB", "1.2 MB": one decimal below 10, none above. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let rounded = unit === 0 || value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  // 1023.6 KB rounds to 1024 KB: say 1 MB instead.
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    rounded = 1;
    unit++;
  }
  return `${formatCount(rounded)} ${UNITS[unit]}`;
}

/** "85 KB · 1,500 lines". */
export function sizeText({ bytes, lines }: DetailsMeasure): string {
  return `${formatBytes(bytes)} · ${formatCount(lines)} ${lines === 1 ? "line" : "lines"}`;
}
