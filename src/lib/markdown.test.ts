import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Markdown from "./Markdown.svelte";
import { parseInline, parseMarkdown } from "./markdown";

describe("parseMarkdown", () => {
  it("reads headings, lists, code blocks, quotes and paragraphs", () => {
    const blocks = parseMarkdown(
      "# Add a cache\n\nFirst *read* it.\nThen write.\n\n1. Read `config.toml`\n2. **Write** the cache\n\n- a\n- b\n\n```sh\ncargo test\n```\n> careful\n---",
    );
    expect(blocks.map((b) => b.kind)).toEqual([
      "heading",
      "paragraph",
      "list",
      "list",
      "code",
      "quote",
      "rule",
    ]);
    expect(blocks[2]).toMatchObject({ kind: "list", ordered: true });
    expect(blocks[3]).toMatchObject({ kind: "list", ordered: false });
    expect(blocks[4]).toEqual({ kind: "code", text: "cargo test" });
  });

  it("makes a link or an image its text and address, never something to follow or fetch", () => {
    expect(parseInline("see [the docs](https://x.example/d) and ![logo](https://x.example/l.png)")).toEqual([
      { kind: "text", text: "see the docs (https://x.example/d) and logo (https://x.example/l.png)" },
    ]);
  });
});

describe("Markdown", () => {
  it("renders the agent's text as text: no HTML, script, image or link comes from it", () => {
    const { container } = render(Markdown, {
      source:
        "# Plan <img src=x onerror=alert(1)>\n\n<script>alert(1)</script>\n\n- [click](javascript:alert(1))\n- **bold** and `code`",
    });
    expect(container.querySelector("img, script, a, iframe")).toBeNull();
    expect(container.querySelector("h4")?.textContent).toBe("Plan <img src=x onerror=alert(1)>");
    expect(container.querySelector("strong")?.textContent).toBe("bold");
    expect(container.querySelector("code")?.textContent).toBe("code");
    expect(container.textContent).toContain("click (javascript:alert(1))");
  });
});
