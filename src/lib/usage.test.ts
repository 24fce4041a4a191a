import { describe, expect, it } from "vitest";
import type { TokenUsage } from "./bindings/TokenUsage";
import { usageFigure, usageLine } from "./usage";

const usage: TokenUsage = {
  input_tokens: 18_400,
  output_tokens: 6_250,
  cache_read_tokens: 412_000,
  cache_write_tokens: 38_900,
  model: "claude-sonnet-4-5",
};

describe("usageLine", () => {
  it("says every kind of token, the model, and about what they cost", () => {
    expect(usageLine(usage, 1_330_000)).toBe(
      "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write" +
        " (claude-sonnet-4-5) · about $1.33",
    );
    expect(usageLine(usage, 2_000)).toBe(
      "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write" +
        " (claude-sonnet-4-5) · under $0.01",
    );
  });

  it("says no price is known, and shows the hidden characters of a model's name", () => {
    expect(usageLine({ ...usage, model: "gpt\u202e-9" }, null)).toBe(
      "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write" +
        " (gpt⟨U+202E⟩-9) · no price known for this model",
    );
    expect(usageLine({ ...usage, model: null }, null)).toBe(
      "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write" +
        " · no price known for this model",
    );
  });
});

describe("usageFigure", () => {
  it("says the cost, or the tokens in and out where no price is known", () => {
    expect(usageFigure(usage, 1_330_000)).toBe("$1.33");
    expect(usageFigure(usage, 900)).toBe("under $0.01");
    expect(usageFigure(usage, null)).toBe("24.6k tokens");
    expect(usageFigure({ ...usage, input_tokens: 300, output_tokens: 50 }, null)).toBe(
      "350 tokens",
    );
  });
});
