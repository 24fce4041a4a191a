import { describe, expect, it } from "vitest";
import { remoteOrigin } from "./remoteOrigin";

describe("remoteOrigin", () => {
  it("reads the SSH host, a container, and passes anything else on as text", () => {
    expect(remoteOrigin("ssh:devbox")).toEqual({ via: "ssh", host: "devbox" });
    expect(remoteOrigin("ssh:")).toEqual({ via: "ssh", host: "" });
    expect(remoteOrigin("container")).toEqual({ via: "container" });
    expect(remoteOrigin("vm:x")).toEqual({ via: "unknown", text: "vm:x" });
  });
});
