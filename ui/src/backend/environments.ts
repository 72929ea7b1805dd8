// Environments: list them, and everything a person does to one (start is a stream).
import type { ProgressLine } from "../bindings/ProgressLine";
import { call } from "./call";
import { stream } from "./stream";

/** Every environment, drawn at once: package volumes are not measured (their size is null). */
export const environments = () => call("environments", {});
/** The same list with package volumes measured; slower, so asked after the first draw. */
export const environmentSizes = () => call("environment_sizes", {});
export const removalPreview = (folder: string) => call("removal_preview", { folder });
export const removeEnvironment = (folder: string) => call("remove_environment", { folder });
export const stopEnvironment = (folder: string) => call("stop_environment", { folder });
export const resetPackages = (folder: string) => call("reset_packages", { folder });
export const freeze = (folder: string, write: boolean) => call("freeze", { folder, write });
export const checkpoints = (folder: string) => call("checkpoints", { folder });
export const checkpoint = (folder: string, name: string | null) =>
  call("checkpoint", { folder, name });
export const rollback = (folder: string, name: string) => call("rollback", { folder, name });
export const openInCode = (folder: string) => call("open_in_code", { folder });

/** Builds (when needed) and starts an environment, streaming its progress. */
export const up = (
  folder: string,
  options: { rebuild: boolean; noCache: boolean },
  onProgress: (line: ProgressLine) => void,
) => stream("up", { folder, rebuild: options.rebuild, noCache: options.noCache }, onProgress);
