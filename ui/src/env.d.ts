// Ambient types for the UI: Svelte/Vite modules and the globals the app sets.
/// <reference types="svelte" />
/// <reference types="vite/client" />

declare global {
  interface Window {
    /** `performance.now()` when the first doctor result was on screen; read by the startup benchmark. */
    __BERTH_READY__?: number;
  }
}

export {};
