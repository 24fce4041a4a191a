import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  base: "./",
  // Keep Rust compiler output visible in the same terminal as `tauri dev`.
  clearScreen: false,
  server: {
    port: 1420,
    // The Tauri config points its devUrl at this port; moving elsewhere would load nothing.
    strictPort: true,
    watch: {
      ignored: ["**/src-tauri/**", "**/crates/**", "**/target/**"],
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rolldownOptions: {
      input: {
        popover: "popover.html",
        window: "window.html",
      },
    },
  },
  test: {
    environment: "jsdom",
    // The agents' plugins that ctray writes (crates/cli/src/agents) are tested here too.
    include: ["src/**/*.test.ts", "crates/cli/src/agents/*.test.ts"],
  },
});
