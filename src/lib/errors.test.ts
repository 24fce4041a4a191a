import { describe, expect, it } from "vitest";
import { errorMessage, refusedShortcut } from "./errors";

describe("a command's rejection", () => {
  const refusal = {
    message: "Ctrl+Alt+Y could not be registered: HotKey already registered",
    refused_shortcut: { key: "ctrl+alt+y", reason: "HotKey already registered" },
  };

  it("says its message, whatever its shape", () => {
    expect(errorMessage(refusal)).toBe(refusal.message);
    expect(errorMessage({ message: "this window cannot decide" })).toBe("this window cannot decide");
    expect(errorMessage("the app closed the popover")).toBe("the app closed the popover");
    expect(errorMessage(new Error("network"))).toBe("network");
  });

  it("names the refused key only when the app said so", () => {
    expect(refusedShortcut(refusal)).toEqual(refusal.refused_shortcut);
    // A message that merely reads like a refusal is not one: the page never parses messages.
    expect(refusedShortcut({ message: refusal.message })).toBeNull();
    expect(refusedShortcut(refusal.message)).toBeNull();
    expect(refusedShortcut({ message: "x", refused_shortcut: null })).toBeNull();
    expect(refusedShortcut(null)).toBeNull();
  });
});
