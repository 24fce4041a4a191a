import { describe, expect, it } from "vitest";
import { longDetails, makeRequest } from "../../test/fixtures";
import { actionView } from "./actionView";
import {
  BOX_COLUMNS,
  BOX_LINES,
  boxText,
  formatBytes,
  measureRequest,
  sizeText,
} from "./reading";

function hookDetails(input: unknown): string {
  return `${JSON.stringify(input, null, 2)}\n\ncwd: /home/me/shop\n`;
}

function lines(count: number, width = 10): string {
  return Array.from({ length: count }, () => "y".repeat(width)).join("\n");
}

describe("the details box rule", () => {
  it("counts the lines a 140px box of 12px/1.4 lines shows below its padding", () => {
    expect(BOX_LINES).toBe(7);
  });

  it("fits up to the lines the box shows, and no more", () => {
    expect(measureRequest(makeRequest({ id: "a", details: lines(BOX_LINES) })).fits).toBe(true);
    expect(measureRequest(makeRequest({ id: "b", details: lines(BOX_LINES + 1) })).fits).toBe(
      false,
    );
    // A final newline ends the last line; it does not take one more.
    const ended = lines(BOX_LINES) + "\n";
    expect(measureRequest(makeRequest({ id: "c", details: ended }))).toEqual({
      bytes: ended.length,
      lines: BOX_LINES,
      fits: true,
    });
  });

  it("counts a long line as the rows it wraps to", () => {
    const wraps = (rows: number) => "z".repeat(BOX_COLUMNS * rows);
    expect(measureRequest(makeRequest({ id: "a", details: wraps(BOX_LINES) })).fits).toBe(true);
    const tooWide = wraps(BOX_LINES) + "z";
    const measure = measureRequest(makeRequest({ id: "b", details: tooWide }));
    expect(measure).toEqual({ bytes: tooWide.length, lines: 1, fits: false });
    // Wide and hidden characters take more room than their count says.
    const wide = "é".repeat((BOX_COLUMNS * BOX_LINES) / 2 + 1);
    expect(measureRequest(makeRequest({ id: "c", details: wide })).fits).toBe(false);
    const hidden = "\u200B".repeat(BOX_COLUMNS);
    expect(measureRequest(makeRequest({ id: "d", details: hidden })).fits).toBe(false);
  });

  it("measures what the card's box shows for each kind of request", () => {
    const command = "cargo test --workspace";
    const bash = makeRequest({ id: "bash", action: "Bash", details: hookDetails({ command }) });
    expect(boxText(actionView(bash.action, bash.details), bash.details)).toBe(command);
    expect(measureRequest(bash)).toEqual({ bytes: command.length, lines: 1, fits: true });

    const edit = makeRequest({
      id: "edit",
      action: "Edit",
      details: hookDetails({ file_path: "a.ts", old_string: "x\ny", new_string: "x\nz" }),
    });
    expect(boxText(actionView(edit.action, edit.details), edit.details)).toBe("  x\n- y\n+ z\n");

    // A write's box shows the file's head; the whole file is what counts.
    const content = lines(12) + "\n";
    const write = makeRequest({
      id: "write",
      action: "Write",
      details: hookDetails({ file_path: "/tmp/n.txt", content }),
    });
    expect(measureRequest(write)).toEqual({ bytes: content.length, lines: 12, fits: false });

    // A fetch has no box: its URL is shown in full.
    const fetch = makeRequest({
      id: "fetch",
      action: "WebFetch",
      details: hookDetails({ url: `https://example.com/${"p".repeat(500)}` }),
    });
    expect(measureRequest(fetch).fits).toBe(true);
  });

  it("says an 85 KB, 1,500-line text's size and line count", () => {
    const measure = measureRequest(makeRequest({ id: "log", details: longDetails() }));
    expect(measure).toEqual({ bytes: 87_000, lines: 1500, fits: false });
    expect(sizeText(measure)).toBe("85 KB · 1,500 lines");
    expect(sizeText({ bytes: 300, lines: 1, fits: false })).toBe("300 B · 1 line");
  });
});

describe("sizes and counts", () => {
  it("says bytes in B, KB and MB, one decimal below 10", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1,023 B");
    expect(formatBytes(1024)).toBe("1 KB");
    expect(formatBytes(8704)).toBe("8.5 KB");
    expect(formatBytes(87_000)).toBe("85 KB");
    expect(formatBytes(1024 * 1024 - 100)).toBe("1 MB");
    expect(formatBytes(1.25 * 1024 * 1024)).toBe("1.3 MB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MB");
  });
});
