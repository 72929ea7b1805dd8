// Everything the screens need from the Rust side; nothing else imports @tauri-apps/*.
export { BackendError, call, messageOf } from "./call";
export { stream, toOutcome, type Outcome, type Running } from "./stream";
export { onEnvironmentsChanged, onGpuSample, subscribe, type Unlisten } from "./events";
export { pickFolder } from "./dialog";
export * from "./doctor";
export * from "./environments";
export * from "./recipes";
export * from "./gpu";
export * from "./settings";
