// The native folder picker (Tauri's dialog plugin), behind the same door as the commands.
import { open } from "@tauri-apps/plugin-dialog";
import { BackendError } from "./call";

/** Asks for a folder; resolves with its path, or null when the person cancelled. */
export async function pickFolder(title: string): Promise<string | null> {
  try {
    const chosen = await open({ directory: true, multiple: false, title });
    return typeof chosen === "string" ? chosen : null;
  } catch (reason) {
    throw BackendError.from("plugin:dialog|open", reason);
  }
}
