// The system check: host checks and the fixes Berth can run itself.
import type { FixAction } from "../bindings/FixAction";
import { call } from "./call";

/** Runs every host check (Docker, NVIDIA runtime, driver, disk, VS Code, ...). */
export const doctor = () => call("doctor", {});

/** Runs a fix Berth can run itself; resolves with what it did. */
export const doctorFix = (action: FixAction) => call("doctor_fix", { action });
