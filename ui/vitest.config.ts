// Vitest for the UI: the logic modules (plain TS next to the components) and a smoke test
// of the whole window against a mocked backend, in a jsdom window.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [svelte()],
  // Svelte's browser build: components mount in jsdom.
  resolve: { conditions: ["browser"] },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    // The backend's command log is noise in test output.
    onConsoleLog: (log) => !log.startsWith("backend:"),
  },
});
