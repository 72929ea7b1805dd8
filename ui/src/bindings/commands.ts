// Generated from src-tauri/src/commands/mod.rs by `cargo test -p berth-desktop`; do not edit.
import type { CheckpointArgs } from "./CheckpointArgs";
import type { CheckpointInfo } from "./CheckpointInfo";
import type { CodeOpened } from "./CodeOpened";
import type { DoctorFixArgs } from "./DoctorFixArgs";
import type { DoctorFixResult } from "./DoctorFixResult";
import type { DoctorReport } from "./DoctorReport";
import type { FolderArgs } from "./FolderArgs";
import type { FreezeArgs } from "./FreezeArgs";
import type { FreezeResult } from "./FreezeResult";
import type { GpuReport } from "./GpuReport";
import type { JobArgs } from "./JobArgs";
import type { ListedEnvironment } from "./ListedEnvironment";
import type { LoginArgs } from "./LoginArgs";
import type { LoginResult } from "./LoginResult";
import type { NewProjectReport } from "./NewProjectReport";
import type { NoArgs } from "./NoArgs";
import type { ProjectArgs } from "./ProjectArgs";
import type { ProjectInfo } from "./ProjectInfo";
import type { RecipesReport } from "./RecipesReport";
import type { RegistryArgs } from "./RegistryArgs";
import type { Removal } from "./Removal";
import type { ResetResult } from "./ResetResult";
import type { RollbackArgs } from "./RollbackArgs";
import type { SettingsReport } from "./SettingsReport";
import type { StopResult } from "./StopResult";
import type { UpArgs } from "./UpArgs";
import type { UpResult } from "./UpResult";
import type { WslSetResult } from "./WslSetResult";
import type { WslShowReport } from "./WslShowReport";

/** Requests: `invoke(name, { args })` answers once with `result`. */
export interface Commands {
  doctor: { args: NoArgs; result: DoctorReport };
  doctor_fix: { args: DoctorFixArgs; result: DoctorFixResult };
  environments: { args: NoArgs; result: Array<ListedEnvironment> };
  environment_sizes: { args: NoArgs; result: Array<ListedEnvironment> };
  removal_preview: { args: FolderArgs; result: Removal };
  remove_environment: { args: FolderArgs; result: Removal };
  stop_environment: { args: FolderArgs; result: StopResult };
  reset_packages: { args: FolderArgs; result: ResetResult };
  freeze: { args: FreezeArgs; result: FreezeResult };
  checkpoints: { args: FolderArgs; result: Array<CheckpointInfo> };
  checkpoint: { args: CheckpointArgs; result: CheckpointInfo };
  rollback: { args: RollbackArgs; result: UpResult };
  open_in_code: { args: FolderArgs; result: CodeOpened };
  cancel: { args: JobArgs; result: boolean };
  project: { args: FolderArgs; result: ProjectInfo };
  recipes: { args: NoArgs; result: RecipesReport };
  preview_project: { args: ProjectArgs; result: NewProjectReport };
  create_project: { args: ProjectArgs; result: NewProjectReport };
  gpu_history: { args: NoArgs; result: Array<GpuReport> };
  settings: { args: NoArgs; result: SettingsReport };
  wsl_show: { args: NoArgs; result: WslShowReport };
  wsl_apply: { args: NoArgs; result: WslSetResult };
  registry_login: { args: LoginArgs; result: LoginResult };
  registry_logout: { args: RegistryArgs; result: LoginResult };
}

/** Long operations: `invoke(name, { args, channel })`, progress on the channel, cancelled through `cancel`. */
export interface Streams {
  up: { args: UpArgs; result: UpResult };
}
