// Vite config for Berth's web UI: static files in dist/ that the Tauri shell serves.
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs load the same from tauri://localhost, http://tauri.localhost and a file.
  base: "./",
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    host: "localhost",
    // The header logo is imported from the repository's icons/ folder.
    fs: { allow: [".", "../icons"] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK and WebView2 both run modern JS.
    target: "es2022",
    sourcemap: false,
  },
});
