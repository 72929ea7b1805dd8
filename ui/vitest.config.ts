// Vitest for the UI's logic modules (plain TS next to the components), in a jsdom window.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    // The backend's command log is noise in test output.
    onConsoleLog: (log) => !log.startsWith("backend:"),
  },
});
