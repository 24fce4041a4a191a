import { describe, expect, it } from "vitest";
import { revealHidden } from "./untrustedText";

describe("revealHidden", () => {
  it("leaves ordinary text, newlines, tabs and CRLF alone", () => {
    const text = "git push --force\n\torigin main\r\n<img src=x onerror=alert(1)>";
    expect(revealHidden(text)).toBe(text);
  });

  it("marks bidi overrides, zero-width and control characters", () => {
    expect(revealHidden("rm -rf ~/\u202Etxt.exe")).toBe("rm -rf ~/⟨U+202E⟩txt.exe");
    expect(revealHidden("a\u200Bb\u2066c")).toBe("a⟨U+200B⟩b⟨U+2066⟩c");
    expect(revealHidden("\u001b[2Jsafe\rrm -rf /")).toBe("⟨U+001B⟩[2Jsafe⟨U+000D⟩rm -rf /");
  });
});
