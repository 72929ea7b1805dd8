// GPU readings: the sampler's history (live samples arrive as `gpu://sample`, see events.ts).
import { call } from "./call";

/** Up to 600 samples, oldest first. */
export const gpuHistory = () => call("gpu_history", {});
